#include "ingest/memstats.h"

#include <stdio.h>
#include <string.h>

#include "core/lines.h"
#include "core/num.h"

struct ms {
	const struct kv_sink *sink;
	int in_block;
	int seen_block;
};

static int
is_sp(int c)
{
	return c == ' ' || c == '\t';
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_sp((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_sp((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static int
put_num(struct ms *m, const char *key, const char *v, size_t vn, uint64_t lineno,
	struct diag *d)
{
	int64_t value;

	if (num_parse_i64(v, vn, &value) != 0 || value < 0)
		return diag_fail(d, DIAG_FORMAT, lineno,
				 "bad MemStats value \"%.*s\" for %s (expected a non-negative integer below 2^63)",
				 (int)(vn > 40 ? 40 : vn), v, key);
	return m->sink->put(m->sink->ctx, "memstats", key, 1, value, NULL, lineno, d);
}

/* `A / B` into two keys (Stack, MSpan, MCache: inuse / sys). */
static int
put_pair(struct ms *m, const char *name, const char *v, size_t vn, uint64_t lineno,
	 struct diag *d)
{
	const char *slash = memchr(v, '/', vn), *a = v, *b;
	size_t an, bn;
	char k1[80], k2[80];

	if (slash == NULL)
		return diag_fail(d, DIAG_FORMAT, lineno,
				 "bad MemStats value \"%.*s\" for %s (expected INUSE / SYS)",
				 (int)(vn > 40 ? 40 : vn), v, name);
	an = (size_t)(slash - v);
	b = slash + 1;
	bn = vn - an - 1;
	trim(&a, &an);
	trim(&b, &bn);
	snprintf(k1, sizeof(k1), "%sInuse", name);
	snprintf(k2, sizeof(k2), "%sSys", name);
	if (put_num(m, k1, a, an, lineno, d) != 0)
		return -1;
	return put_num(m, k2, b, bn, lineno, d);
}

static int
ms_line(void *ctx, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	struct ms *m = ctx;
	const char *eq, *k, *v;
	size_t kn, vn, i;
	char key[64];

	if (!m->in_block) {
		const char *t = s;
		size_t tn = n;

		trim(&t, &tn);
		if (tn == 18 && memcmp(t, "# runtime.MemStats", 18) == 0)
			m->in_block = m->seen_block = 1;
		return 0;
	}
	if (n == 0 || s[0] != '#') {
		/* The block ends at the first line that is not `# ...`. */
		m->in_block = 0;
		return 0;
	}
	eq = memchr(s, '=', n);
	if (eq == NULL)
		return diag_fail(d, DIAG_FORMAT, lineno,
				 "bad MemStats line \"%.*s\" (expected `# Name = value`)",
				 (int)(n > 60 ? 60 : n), s);
	k = s + 1;
	kn = (size_t)(eq - k);
	v = eq + 1;
	vn = n - (size_t)(v - s);
	trim(&k, &kn);
	trim(&v, &vn);
	if (kn == 0 || kn >= sizeof(key))
		goto badkey;
	for (i = 0; i < kn; i++)
		if (!((k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= 'a' && k[i] <= 'z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			goto badkey;
	memcpy(key, k, kn);
	key[kn] = '\0';
	if (strcmp(key, "PauseNs") == 0 || strcmp(key, "PauseEnd") == 0)
		return 0;
	if (strcmp(key, "Stack") == 0 || strcmp(key, "MSpan") == 0 || strcmp(key, "MCache") == 0)
		return put_pair(m, key, v, vn, lineno, d);
	if (strcmp(key, "GCCPUFraction") == 0 || strcmp(key, "DebugGC") == 0 ||
	    strcmp(key, "EnableGC") == 0) {
		char text[64];

		if (vn >= sizeof(text))
			vn = sizeof(text) - 1;
		memcpy(text, v, vn);
		text[vn] = '\0';
		return m->sink->put(m->sink->ctx, "memstats", key, 0, 0, text, lineno, d);
	}
	return put_num(m, key, v, vn, lineno, d);
badkey:
	return diag_fail(d, DIAG_FORMAT, lineno,
			 "bad MemStats field name \"%.*s\" (expected letters and digits)",
			 (int)(kn > 40 ? 40 : kn), k);
}

int
memstats_parse(const char *buf, size_t len, const struct limits *lim,
	       const struct kv_sink *sink, struct diag *d)
{
	struct ms m = { sink, 0, 0 };

	if (lines_each(buf, len, lim->line_bytes, ms_line, &m, d) != 0)
		return -1;
	if (!m.seen_block)
		return diag_fail(d, DIAG_MISSING, 0,
				 "no `# runtime.MemStats` block (expected one at the end of heap?debug=1)");
	return 0;
}
