#include "ingest/manifest.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/escape.h"
#include "core/lines.h"
#include "core/num.h"
#include "core/xalloc.h"

#define QLEN(n) ((int)((n) > 64 ? 64 : (n)))

/*
 * The keys seen so far, to refuse a repeated one: an open-addressing hash
 * set, since a hostile manifest may hold a million lines.
 */
struct keyset {
	char **slot;
	size_t cap;	/* a power of two */
	size_t used;
};

static uint64_t
key_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void
keyset_release(struct keyset *ks)
{
	size_t i;

	for (i = 0; i < ks->cap; i++)
		free(ks->slot[i]);
	free(ks->slot);
	memset(ks, 0, sizeof(*ks));
}

/* Find key's slot: the slot holding it or the empty one where it would go. */
static size_t
keyset_find(const struct keyset *ks, const char *k, size_t n)
{
	size_t i = (size_t)key_hash(k, n) & (ks->cap - 1);

	while (ks->slot[i] != NULL &&
	       (strlen(ks->slot[i]) != n || memcmp(ks->slot[i], k, n) != 0))
		i = (i + 1) & (ks->cap - 1);
	return i;
}

/* Add key k; 1 if it was new, 0 if already there. */
static int
keyset_add(struct keyset *ks, const char *k, size_t n)
{
	size_t i, j;

	if (ks->used * 2 >= ks->cap) {
		struct keyset bigger;

		bigger.cap = ks->cap == 0 ? 16 : size_mul(ks->cap, 2);
		bigger.slot = xcalloc(bigger.cap, sizeof(char *));
		bigger.used = ks->used;
		for (j = 0; j < ks->cap; j++) {
			if (ks->slot[j] == NULL)
				continue;
			i = keyset_find(&bigger, ks->slot[j], strlen(ks->slot[j]));
			bigger.slot[i] = ks->slot[j];
		}
		free(ks->slot);
		*ks = bigger;
	}
	i = keyset_find(ks, k, n);
	if (ks->slot[i] != NULL)
		return 0;
	ks->slot[i] = xstrndup(k, n);
	ks->used++;
	return 1;
}

struct manifest_ctx {
	struct kv_sink *sink;
	struct keyset keys;
	uint64_t format_line, captured_line, pid_line;
	struct buf key;
	struct buf text;
};

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static void
trim(const char **s, const char **e)
{
	while (*s < *e && is_blank((unsigned char)**s))
		(*s)++;
	while (*e > *s && is_blank((unsigned char)(*e)[-1]))
		(*e)--;
}

static int
manifest_line(void *vctx, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	struct manifest_ctx *c = vctx;
	const char *k = s, *ke, *v, *ve = s + n, *eq;
	const char *key;
	int64_t value = 0;
	uint64_t pid;
	int has_value = 0;

	if (lineno == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		k += 3;	/* a byte order mark */
	if (!utf8_clean(k, (size_t)(ve - k)))
		return diag_fail(d, DIAG_FORMAT, lineno,
				 "manifest line is not clean UTF-8 text (expected UTF-8 without control characters)");
	trim(&k, &ve);
	if (k == ve || *k == '#')
		return 0;
	eq = memchr(k, '=', (size_t)(ve - k));
	if (eq == NULL)
		return diag_fail(d, DIAG_FORMAT, lineno, "bad manifest line \"%.*s\" (expected key=value)",
				 QLEN(ve - k), k);
	ke = eq;
	v = eq + 1;
	trim(&k, &ke);
	trim(&v, &ve);
	if (k == ke)
		return diag_fail(d, DIAG_FORMAT, lineno, "empty key in \"%.*s\" (expected key=value)",
				 QLEN(ve - s), s);
	if (!keyset_add(&c->keys, k, (size_t)(ke - k)))
		return diag_fail(d, DIAG_FORMAT, lineno, "duplicate key \"%.*s\" (expected once)",
				 QLEN(ke - k), k);
	buf_reset(&c->key);
	buf_add(&c->key, k, (size_t)(ke - k));
	buf_reset(&c->text);
	buf_add(&c->text, v, (size_t)(ve - v));
	key = buf_str(&c->key);
	if (strcmp(key, "format") == 0) {
		if (strcmp(buf_str(&c->text), "rssgap/1") != 0)
			return diag_fail(d, DIAG_FORMAT, lineno,
					 "unsupported format \"%.*s\" (expected rssgap/1)",
					 QLEN(ve - v), v);
		c->format_line = lineno;
	} else if (strcmp(key, "captured_at") == 0) {
		if (num_parse_utc(v, (size_t)(ve - v), &value) != 0)
			return diag_fail(d, DIAG_FORMAT, lineno,
					 "bad captured_at \"%.*s\" (expected RFC 3339 UTC like 2026-11-22T10:30:00Z)",
					 QLEN(ve - v), v);
		has_value = 1;
		c->captured_line = lineno;
	} else if (strcmp(key, "pid") == 0) {
		if (num_parse_u64(v, (size_t)(ve - v), &pid) != 0 || pid == 0 ||
		    pid > (uint64_t)INT64_MAX)
			return diag_fail(d, DIAG_FORMAT, lineno,
					 "bad pid \"%.*s\" (expected a positive integer)", QLEN(ve - v),
					 v);
		has_value = 1;
		value = (int64_t)pid;
		c->pid_line = lineno;
	} else if (strcmp(key, "page_size") == 0) {
		uint64_t ps;

		/* the kernel's base page: 4 KiB, 16 KiB, 64 KiB ... */
		if (num_parse_u64(v, (size_t)(ve - v), &ps) != 0 || ps < 1024 || ps > (1u << 30) ||
		    (ps & (ps - 1)) != 0)
			return diag_fail(d, DIAG_FORMAT, lineno,
					 "bad page_size \"%.*s\" (expected a power of two in bytes,"
					 " like 4096)", QLEN(ve - v), v);
	}
	return c->sink->put(c->sink->ctx, "manifest", key, has_value, value, buf_str(&c->text),
			    lineno, d);
}

int
manifest_parse(const char *buf, size_t len, const struct limits *lim, struct kv_sink *sink,
	       struct diag *d)
{
	struct manifest_ctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.sink = sink;
	buf_init(&c.key);
	buf_init(&c.text);
	rc = lines_each(buf, len, lim->line_bytes, manifest_line, &c, d);
	if (rc == 0 && c.format_line == 0)
		rc = diag_fail(d, DIAG_MISSING, 0, "manifest has no format (expected format=rssgap/1)");
	if (rc == 0 && c.captured_line == 0)
		rc = diag_fail(d, DIAG_MISSING, 0,
			       "manifest has no captured_at (expected an RFC 3339 UTC time)");
	if (rc == 0 && c.pid_line == 0)
		rc = diag_fail(d, DIAG_MISSING, 0, "manifest has no pid (expected a positive integer)");
	keyset_release(&c.keys);
	buf_release(&c.key);
	buf_release(&c.text);
	return rc;
}

struct errors_ctx {
	struct kv_sink *sink;
	struct buf file;
	struct buf reason;
};

static int
errors_line(void *vctx, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	struct errors_ctx *c = vctx;
	const char *f = s, *fe, *r, *re = s + n, *sep;

	if (!utf8_clean(s, n))
		return diag_fail(d, DIAG_FORMAT, lineno,
				 "errors line is not clean UTF-8 text (expected UTF-8 without control characters)");
	trim(&f, &re);
	if (f == re)
		return 0;
	sep = memmem(f, (size_t)(re - f), ": ", 2);
	if (sep == NULL && re - f > 1 && re[-1] == ':')
		sep = re - 1;	/* "file:" with an empty reason */
	if (sep == NULL || sep == f)
		return diag_fail(d, DIAG_FORMAT, lineno, "bad errors line \"%.*s\" (expected FILE: REASON)",
				 QLEN(re - f), f);
	fe = sep;
	r = sep + 1;
	trim(&f, &fe);
	trim(&r, &re);
	buf_reset(&c->file);
	buf_add(&c->file, f, (size_t)(fe - f));
	buf_reset(&c->reason);
	buf_add(&c->reason, r, (size_t)(re - r));
	return c->sink->put(c->sink->ctx, "errors", buf_str(&c->file), 0, 0, buf_str(&c->reason),
			    lineno, d);
}

int
manifest_errors_parse(const char *buf, size_t len, const struct limits *lim,
		      struct kv_sink *sink, struct diag *d)
{
	struct errors_ctx c = { sink, BUF_INIT, BUF_INIT };
	int rc;

	rc = lines_each(buf, len, lim->line_bytes, errors_line, &c, d);
	buf_release(&c.file);
	buf_release(&c.reason);
	return rc;
}
