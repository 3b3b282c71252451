#include "core/lines.h"

#include <string.h>

void
lines_init(struct lines *l, uint64_t max_line, lines_fn fn, void *ctx)
{
	buf_init(&l->partial);
	l->lineno = 0;
	l->max_line = max_line;
	l->fn = fn;
	l->ctx = ctx;
}

void
lines_release(struct lines *l)
{
	buf_release(&l->partial);
}

static int
deliver(struct lines *l, const char *p, size_t n, struct diag *d)
{
	l->lineno++;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	return l->fn(l->ctx, p, n, l->lineno, d);
}

static int
too_long(struct lines *l, struct diag *d)
{
	diag_fail(d, DIAG_LIMIT, l->lineno + 1, "line longer than %llu bytes (limit line_bytes)",
		  (unsigned long long)l->max_line);
	diag_hint(d, "raise it with --limit line_bytes=N if the input is genuine");
	return -1;
}

int
lines_feed(struct lines *l, const char *p, size_t n, struct diag *d)
{
	const char *end = p + n, *nl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			if (l->partial.len + (size_t)(end - p) > l->max_line)
				return too_long(l, d);
			buf_add(&l->partial, p, (size_t)(end - p));
			return 0;
		}
		if (l->partial.len > 0) {
			if (l->partial.len + (size_t)(nl - p) > l->max_line)
				return too_long(l, d);
			buf_add(&l->partial, p, (size_t)(nl - p));
			if (deliver(l, l->partial.data, l->partial.len, d) != 0)
				return -1;
			buf_reset(&l->partial);
		} else {
			if ((uint64_t)(nl - p) > l->max_line)
				return too_long(l, d);
			if (deliver(l, p, (size_t)(nl - p), d) != 0)
				return -1;
		}
		p = nl + 1;
	}
	return 0;
}

int
lines_finish(struct lines *l, struct diag *d)
{
	int rc = 0;

	if (l->partial.len > 0)
		rc = deliver(l, l->partial.data, l->partial.len, d);
	buf_reset(&l->partial);
	return rc;
}

int
lines_each(const char *p, size_t n, uint64_t max_line, lines_fn fn, void *ctx, struct diag *d)
{
	struct lines l;
	int rc;

	lines_init(&l, max_line, fn, ctx);
	rc = lines_feed(&l, p, n, d);
	if (rc == 0)
		rc = lines_finish(&l, d);
	lines_release(&l);
	return rc;
}
