#include "ingest/expvar.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * jansson recurses once per level (up to JSON_PARSER_MAX_DEPTH, 2048), so
 * a deep document is refused here first, counting [ and { outside strings.
 */
static int
check_depth(const char *buf, size_t len, uint64_t max_depth, struct diag *d)
{
	uint64_t depth = 0;
	int in_string = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
			continue;
		}
		switch (c) {
		case '"':
			in_string = 1;
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
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
	}
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
	json_error_t err;
	json_t *root, *ms, *v;
	const char *key;
	int rc = -1;

	if (check_depth(buf, len, lim->json_depth, d) != 0)
		return -1;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL)
		return diag_fail_at(d, DIAG_FORMAT, err.position, "bad JSON: %s (line %d, column %d)",
				    err.text, err.line, err.column);
	ms = json_is_object(root) ? json_object_get(root, "memstats") : NULL;
	if (!json_is_object(ms)) {
		diag_fail(d, DIAG_MISSING, 0, "no \"memstats\" object (expected expvar's /debug/vars)");
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
	json_decref(root);
	return rc;
}
