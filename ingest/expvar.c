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

/* A malformed document: what is wrong at byte off, with its line and column. */
static int
bad_json(struct diag *d, const char *buf, size_t off, const char *what)
{
	uint64_t line = 1, col = 1;
	size_t i;

	for (i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return diag_fail_at(d, DIAG_FORMAT, (int64_t)off, "bad JSON: %s (line %llu, column %llu)",
			    what, (unsigned long long)line, (unsigned long long)col);
}

/*
 * Scan the document: its nesting (each closer matching its opener), its
 * strings, the keys of the top-level object, and the memstats object
 * into r. jansson still checks everything inside memstats but the cuts.
 */
static int
reduce(const char *buf, size_t len, uint64_t max_depth, struct reduced *r, struct diag *d)
{
	struct buf open = BUF_INIT;	/* the opener at each depth: open.data[depth - 1] */
	uint64_t depth = 0;
	size_t i, key = 0, key_len = 0, ms_from = 0;
	int in_string = 0, in_key = 0, want_key = 0, want_colon = 0, want_ms = 0, in_ms = 0;
	int in_cut = 0;
	int seen_ms = 0, top_done = 0, rc = -1;

	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (in_string) {
			if (c == '\\') {
				i++;
			} else if (c == '"') {
				in_string = 0;
				if (in_key) {
					in_key = 0;
					key_len = i - key;
					want_colon = 1;
				}
			}
			continue;
		}
		if (is_blank(c))
			continue;
		if (top_done) {
			bad_json(d, buf, i, "data after the top-level object");
			goto out;
		}
		if (depth == 0 && c != '{') {
			if (c == '[')
				diag_fail(d, DIAG_MISSING, 0,
					  "no \"memstats\" object (expected expvar's /debug/vars)");
			else
				bad_json(d, buf, i, "expected an object");
			goto out;
		}
		if (want_ms) {
			/* the value of the top-level key "memstats" */
			want_ms = 0;
			if (c == '{') {
				in_ms = 1;
				ms_from = i;
			}
		}
		if (depth == 1 && want_key && c != '"' && c != '}') {
			bad_json(d, buf, i, "expected a key");
			goto out;
		}
		if (want_colon && c != ':') {
			bad_json(d, buf, i, "expected ':' after the key");
			goto out;
		}
		switch (c) {
		case '"':
			in_string = 1;
			if (depth == 1 && want_key) {
				want_key = 0;
				in_key = 1;
				key = i + 1;
			}
			break;
		case ':':
			if (depth == 1) {
				if (!want_colon) {
					bad_json(d, buf, i, "':' without a key");
					goto out;
				}
				want_colon = 0;
				if (key_len == 8 && memcmp(buf + key, "memstats", 8) == 0) {
					if (seen_ms) {
						bad_json(d, buf, key - 1, "\"memstats\" twice");
						goto out;
					}
					seen_ms = want_ms = 1;
				}
			}
			break;
		case ',':
			if (depth == 1)
				want_key = 1;
			break;
		case '[':
		case '{':
			if (++depth > max_depth) {
				diag_fail_at(d, DIAG_LIMIT, (int64_t)i,
					     "JSON nested deeper than %llu levels (limit json_depth)",
					     (unsigned long long)max_depth);
				diag_hint(d, "raise it with --limit json_depth=N if the input is genuine");
				goto out;
			}
			buf_putc(&open, c);
			if (depth == 1)
				want_key = 1;
			if (in_ms && depth == 3) {
				keep(r, buf, ms_from, i);
				buf_puts(&r->text, "null");
				in_cut = 1;
			}
			break;
		case ']':
		case '}':
			/* never below 0: the first character was '{' */
			if (open.data[depth - 1] != (c == '}' ? '{' : '[')) {
				bad_json(d, buf, i, c == '}' ? "'}' closes an array" : "']' closes an object");
				goto out;
			}
			open.len = --depth;
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
	if (len == 0 || in_string || depth > 0) {
		bad_json(d, buf, len, len == 0 ? "empty document"
				      : in_string ? "the document ends inside a string"
						  : "the document ends inside an array or object");
		goto out;
	}
	if (r->text.len == 0) {
		diag_fail(d, DIAG_MISSING, 0, "no \"memstats\" object (expected expvar's /debug/vars)");
		goto out;
	}
	rc = 0;
out:
	buf_release(&open);
	return rc;
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
		bad_json(d, buf, (size_t)document_offset(&r, (size_t)err.position), err.text);
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
