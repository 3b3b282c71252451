#include "report/json.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/escape.h"
#include "core/xalloc.h"

void
json_init(struct json *j, struct buf *out, int pretty)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->first[0] = 1;
	j->pretty = pretty;
}

static void
indent(struct json *j)
{
	int i;

	if (!j->pretty)
		return;
	buf_putc(j->out, '\n');
	for (i = 0; i < j->depth; i++)
		buf_puts(j->out, "  ");
}

/* Comma, indentation and "key": before a value. */
static void
lead(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		buf_putc(j->out, ',');
	j->first[j->depth] = 0;
	if (j->depth > 0)
		indent(j);
	if (key != NULL) {
		buf_putc(j->out, '"');
		escape_json(j->out, key, strlen(key));
		buf_puts(j->out, j->pretty ? "\": " : "\":");
	}
}

static void
open_scope(struct json *j, const char *key, char opener)
{
	lead(j, key);
	buf_putc(j->out, opener);
	if (j->depth + 1 >= JSON_MAX_DEPTH)
		die("json nesting too deep");
	j->depth++;
	j->first[j->depth] = 1;
}

void
json_object(struct json *j, const char *key)
{
	open_scope(j, key, '{');
}

void
json_array(struct json *j, const char *key)
{
	open_scope(j, key, '[');
}

void
json_end(struct json *j, char closer)
{
	int empty = j->first[j->depth];

	j->depth--;
	if (!empty)
		indent(j);
	buf_putc(j->out, closer);
}

void
json_str(struct json *j, const char *key, const char *s)
{
	lead(j, key);
	if (s == NULL) {
		buf_puts(j->out, "null");
		return;
	}
	buf_putc(j->out, '"');
	escape_json(j->out, s, strlen(s));
	buf_putc(j->out, '"');
}

void
json_int(struct json *j, const char *key, int64_t v)
{
	lead(j, key);
	buf_printf(j->out, "%" PRId64, v);
}

void
json_int_or_null(struct json *j, const char *key, int known, int64_t v)
{
	if (known)
		json_int(j, key, v);
	else
		json_null(j, key);
}

void
json_num(struct json *j, const char *key, double v)
{
	lead(j, key);
	if (!isfinite(v))
		buf_puts(j->out, "null");
	else if (v == (double)(int64_t)v && fabs(v) < 9e15)
		buf_printf(j->out, "%" PRId64, (int64_t)v);
	else
		buf_printf(j->out, "%.6g", v);
}

void
json_bool(struct json *j, const char *key, int v)
{
	lead(j, key);
	buf_puts(j->out, v ? "true" : "false");
}

void
json_null(struct json *j, const char *key)
{
	lead(j, key);
	buf_puts(j->out, "null");
}
