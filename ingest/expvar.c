#include "ingest/expvar.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"

/*
 * vars.json is whatever the program publishes through expvar: memstats,
 * and any other variable of any size. Only memstats' scalars are read,
 * yet jansson builds a tree of every value: PauseNs, PauseEnd and BySize
 * alone are some 700 of them, most of a small bundle's ingest time. So a
 * scan that knows strings and brackets (and checks the nesting against
 * limits.json_depth, since jansson recurses once per level) copies out the
 * text of the memstats object with its nested arrays and objects cut out
 * as null, and jansson parses that. Pieces map the reduced text back to
 * the document's offsets for jansson's errors. What the scan skips is only
 * checked for balanced brackets and strings.
 */
struct piece {
	size_t from;	/* offset in the document */
	size_t at;	/* offset in the reduced text */
	size_t len;
};

struct reduced {
	struct buf text;
	struct piece *piece;
	size_t npiece, cap;
};

static void
reduced_release(struct reduced *r)
{
	buf_release(&r->text);
	free(r->piece);
}

/* Append buf[from, to) to the reduced text. */
static void
keep(struct reduced *r, const char *buf, size_t from, size_t to)
{
	if (to <= from)
		return;
	if (r->npiece == r->cap) {
		r->cap = r->cap ? size_mul(r->cap, 2) : 8;
		r->piece = xreallocarray(r->piece, r->cap, sizeof(*r->piece));
	}
	r->piece[r->npiece++] = (struct piece){ from, r->text.len, to - from };
	buf_add(&r->text, buf + from, to - from);
}

/* The document offset of reduced-text offset at (a cut maps to where it began). */
static int64_t
document_offset(const struct reduced *r, size_t at)
{
	size_t i;

	for (i = r->npiece; i-- > 0;)
		if (at >= r->piece[i].at)
			return (int64_t)(r->piece[i].from +
					 (at - r->piece[i].at < r->piece[i].len ? at - r->piece[i].at
										  : r->piece[i].len));
	return 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Scan the document: its nesting, its balance, and the memstats object
 * into r (empty when there is none at the top level).
 */
static int
reduce(const char *buf, size_t len, uint64_t max_depth, struct reduced *r, struct diag *d)
{
	uint64_t depth = 0;
	size_t i, str = 0, last_key = 0, last_key_len = 0, ms_from = 0;
	int in_string = 0, want_value = 0, in_ms = 0, in_cut = 0, seen_ms = 0, top_done = 0;

	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (in_string) {
			if (c == '\\') {
				i++;
			} else if (c == '"') {
				in_string = 0;
				if (depth == 1) {
					last_key = str + 1;
					last_key_len = i - str - 1;
				}
			}
			continue;
		}
		if (is_blank(c))
			continue;
		if (top_done)
			return diag_fail_at(d, DIAG_FORMAT, (int64_t)i,
					    "bad JSON: data after the top-level object");
		if (depth == 0 && c != '{')
			return diag_fail(d, DIAG_MISSING, 0,
					 "no \"memstats\" object (expected expvar's /debug/vars)");
		if (want_value) {
			want_value = 0;
			if (c == '{') {
				if (seen_ms)
					return diag_fail_at(d, DIAG_FORMAT, (int64_t)i,
							    "bad JSON: a second \"memstats\"");
				seen_ms = in_ms = 1;
				ms_from = i;
			}
		}
		switch (c) {
		case '"':
			in_string = 1;
			str = i;
			break;
		case ':':
			if (depth == 1 && last_key_len == 8 && memcmp(buf + last_key, "memstats", 8) == 0)
				want_value = 1;
			last_key_len = 0;
			break;
		case '[':
		case '{':
			if (++depth > max_depth) {
				diag_fail_at(d, DIAG_LIMIT, (int64_t)i,
					     "JSON nested deeper than %llu levels (limit json_depth)",
					     (unsigned long long)max_depth);
				diag_hint(d, "raise it with --limit json_depth=N if the input is genuine");
				return -1;
			}
			if (in_ms && depth == 3) {
				keep(r, buf, ms_from, i);
				buf_puts(&r->text, "null");
				in_cut = 1;
			}
			break;
		case ']':
		case '}':
			depth--;	/* never below 0: the first character was '{' */
			if (in_ms && depth == 2 && in_cut) {
				ms_from = i + 1;
				in_cut = 0;
			} else if (in_ms && depth == 1) {
				keep(r, buf, ms_from, i + 1);
				in_ms = 0;
			}
			top_done = depth == 0;
			break;
		default:
			break;
		}
	}
	if (in_string || depth > 0)
		return diag_fail_at(d, DIAG_FORMAT, (int64_t)len,
				    "bad JSON: the document ends inside %s",
				    in_string ? "a string" : "an array or object");
	if (!seen_ms)
		return diag_fail(d, DIAG_MISSING, 0,
				 "no \"memstats\" object (expected expvar's /debug/vars)");
	return 0;
}

/* The shortest %g that reads back as x (what Go's encoder writes). */
static void
shortest(char *out, size_t n, double x)
{
	int prec;

	for (prec = 1; prec < 17; prec++) {
		snprintf(out, n, "%.*g", prec, x);
		if (strtod(out, NULL) == x)
			return;
	}
	snprintf(out, n, "%.17g", x);
}

static int
plain_key(const char *k)
{
	size_t i, n = strlen(k);

	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++)
		if (!((k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= 'a' && k[i] <= 'z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return 0;
	return 1;
}

int
expvar_parse(const char *buf, size_t len, const struct limits *lim,
	     const struct kv_sink *sink, struct diag *d)
{
	struct reduced r = { BUF_INIT, NULL, 0, 0 };
	json_error_t err;
	json_t *ms = NULL, *v;
	const char *key;
	int rc = -1;

	if (reduce(buf, len, lim->json_depth, &r, d) != 0)
		goto out;
	ms = json_loadb(r.text.data, r.text.len, JSON_REJECT_DUPLICATES, &err);
	if (ms == NULL) {
		diag_fail_at(d, DIAG_FORMAT, document_offset(&r, (size_t)err.position),
			     "bad JSON in \"memstats\": %s", err.text);
		goto out;
	}
	json_object_foreach(ms, key, v) {
		char text[64];

		if (!plain_key(key))
			continue;
		if (json_is_integer(v)) {
			json_int_t n = json_integer_value(v);

			if (n < 0) {
				diag_fail(d, DIAG_FORMAT, 0,
					  "memstats.%s is %lld (expected a non-negative integer)", key,
					  (long long)n);
				goto out;
			}
			if (sink->put(sink->ctx, "expvar", key, 1, (int64_t)n, NULL, 0, d) != 0)
				goto out;
		} else if (json_is_real(v) || json_is_boolean(v)) {
			if (json_is_real(v))
				shortest(text, sizeof(text), json_real_value(v));
			else
				snprintf(text, sizeof(text), "%s", json_is_true(v) ? "true" : "false");
			if (sink->put(sink->ctx, "expvar", key, 0, 0, text, 0, d) != 0)
				goto out;
		}
	}
	rc = 0;
out:
	json_decref(ms);
	reduced_release(&r);
	return rc;
}
