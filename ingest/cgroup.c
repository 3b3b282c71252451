#include "ingest/cgroup.h"

#include <string.h>

#include "core/buf.h"
#include "core/lines.h"
#include "core/num.h"

enum cgroup_shape { SHAPE_SINGLE, SHAPE_KEYED, SHAPE_SLABINFO, SHAPE_VERSION };

struct cgroup_ctx {
	const char *group;
	enum cgroup_shape shape;
	struct kv_sink *sink;
	uint64_t values;	/* lines put, for single-value files */
	struct buf key;
	struct buf text;
};

#define QLEN(n) ((int)((n) > 64 ? 64 : (n)))

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Next blank-separated token of s[*i..n): its start, length in *tn; NULL at the end. */
static const char *
next_token(const char *s, size_t n, size_t *i, size_t *tn)
{
	size_t start;

	while (*i < n && is_blank((unsigned char)s[*i]))
		(*i)++;
	if (*i >= n)
		return NULL;
	start = *i;
	while (*i < n && !is_blank((unsigned char)s[*i]))
		(*i)++;
	*tn = *i - start;
	return s + start;
}

/* 1 if v[0..n) is an optionally signed run of digits (that did not fit int64). */
static int
looks_integer(const char *v, size_t n)
{
	size_t i = n > 0 && (v[0] == '-' || v[0] == '+');

	if (i >= n)
		return 0;
	for (; i < n; i++)
		if ((unsigned)((unsigned char)v[i] - '0') > 9)
			return 0;
	return 1;
}

/* Put key (kn bytes, with an optional ".sub") and a value token: a number, "max" or text. */
static int
put_value(struct cgroup_ctx *c, const char *k, size_t kn, const char *sub, size_t subn,
	  const char *v, size_t vn, uint64_t lineno, struct diag *d)
{
	int64_t value = 0;
	int has_value = 0;

	buf_reset(&c->key);
	buf_add(&c->key, k, kn);
	if (sub != NULL) {
		buf_putc(&c->key, '.');
		buf_add(&c->key, sub, subn);
	}
	if (num_parse_i64(v, vn, &value) == 0) {
		has_value = 1;
	} else if (looks_integer(v, vn)) {
		return diag_fail(d, DIAG_FORMAT, lineno, "%s \"%.*s\": value overflows 64 bits",
				 buf_str(&c->key), QLEN(vn), v);
	}
	buf_reset(&c->text);
	buf_add(&c->text, v, vn);
	return c->sink->put(c->sink->ctx, c->group, buf_str(&c->key), has_value, value,
			    has_value ? NULL : buf_str(&c->text), lineno, d);
}

static int
bad_line(const struct cgroup_ctx *c, const char *s, size_t n, uint64_t lineno, const char *expect,
	 struct diag *d)
{
	return diag_fail(d, DIAG_FORMAT, lineno, "bad %s line \"%.*s\" (expected %s)", c->group,
			 QLEN(n), s, expect);
}

static int
keyed_line(struct cgroup_ctx *c, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	const char *k, *t, *eq;
	size_t i = 0, kn, tn, ntok = 0;

	k = next_token(s, n, &i, &kn);
	if (k == NULL)
		return 0;
	eq = memchr(k, '=', kn);
	if (eq != NULL) {
		/* v1 numa_stat: "total=292494 N0=292746" */
		if (eq == k || put_value(c, k, (size_t)(eq - k), NULL, 0, eq + 1,
					 kn - (size_t)(eq - k) - 1, lineno, d) != 0)
			return eq == k ? bad_line(c, s, n, lineno, "KEY VALUE", d) : -1;
		kn = (size_t)(eq - k);
		ntok = 1;
	}
	while ((t = next_token(s, n, &i, &tn)) != NULL) {
		eq = memchr(t, '=', tn);
		if (eq == NULL) {
			/* flat keyed: exactly "KEY VALUE" */
			if (ntok != 0 || next_token(s, n, &i, &tn) != NULL)
				return bad_line(c, s, n, lineno, "KEY VALUE or KEY SUB=VALUE ...", d);
			return put_value(c, k, kn, NULL, 0, t, tn, lineno, d);
		}
		if (eq == t)
			return bad_line(c, s, n, lineno, "KEY SUB=VALUE ...", d);
		if (put_value(c, k, kn, t, (size_t)(eq - t), eq + 1, tn - (size_t)(eq - t) - 1,
			      lineno, d) != 0)
			return -1;
		ntok++;
	}
	if (ntok == 0)
		return bad_line(c, s, n, lineno, "KEY VALUE", d);
	return 0;
}

static int
slabinfo_line(struct cgroup_ctx *c, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	const char *name, *active;
	size_t i = 0, nn, an;

	if (n >= 8 && memcmp(s, "slabinfo", 8) == 0 && lineno == 1)
		return 0;
	name = next_token(s, n, &i, &nn);
	if (name == NULL || name[0] == '#')
		return 0;
	active = next_token(s, n, &i, &an);
	if (active == NULL)
		return bad_line(c, s, n, lineno, "NAME ACTIVE_OBJS ...", d);
	return put_value(c, name, nn, NULL, 0, active, an, lineno, d);
}

static int
cgroup_line(void *vctx, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	struct cgroup_ctx *c = vctx;
	const char *v;
	size_t i = 0, vn, extra;

	switch (c->shape) {
	case SHAPE_KEYED:
		return keyed_line(c, s, n, lineno, d);
	case SHAPE_SLABINFO:
		return slabinfo_line(c, s, n, lineno, d);
	case SHAPE_SINGLE:
	case SHAPE_VERSION:
		break;
	}
	v = next_token(s, n, &i, &vn);
	if (v == NULL)
		return 0;
	if (next_token(s, n, &i, &extra) != NULL) {
		/* A file we do not know by name that turns out to be keyed. */
		if (c->shape == SHAPE_SINGLE && c->values == 0) {
			c->shape = SHAPE_KEYED;
			return keyed_line(c, s, n, lineno, d);
		}
		return bad_line(c, s, n, lineno, "one value", d);
	}
	if (c->values++ != 0)
		return bad_line(c, s, n, lineno, "one value", d);
	if (c->shape == SHAPE_VERSION) {
		if (vn != 1 || (v[0] != '1' && v[0] != '2'))
			return diag_fail(d, DIAG_FORMAT, lineno,
					 "bad cgroup version \"%.*s\" (expected 1 or 2)", QLEN(vn), v);
	}
	return put_value(c, "", 0, NULL, 0, v, vn, lineno, d);
}

static enum cgroup_shape
shape_of(const char *file)
{
	static const char *const keyed[] = {
		"memory.stat", "memory.events", "memory.events.local", "memory.swap.events",
		"memory.oom_control", "memory.pressure", "memory.numa_stat",
	};
	size_t i;

	if (strcmp(file, "version") == 0)
		return SHAPE_VERSION;
	if (strcmp(file, "memory.kmem.slabinfo") == 0)
		return SHAPE_SLABINFO;
	for (i = 0; i < sizeof(keyed) / sizeof(keyed[0]); i++)
		if (strcmp(file, keyed[i]) == 0)
			return SHAPE_KEYED;
	/* memory.stat.kernel6.12-edited and the like: a renamed stat file */
	if (strncmp(file, "memory.stat", 11) == 0)
		return SHAPE_KEYED;
	return SHAPE_SINGLE;
}

int
cgroup_parse(const char *file, const char *buf, size_t len, const struct limits *lim,
	     struct kv_sink *sink, struct diag *d)
{
	struct cgroup_ctx c = { file, shape_of(file), sink, 0, BUF_INIT, BUF_INIT };
	int rc;

	rc = lines_each(buf, len, lim->line_bytes, cgroup_line, &c, d);
	buf_release(&c.key);
	buf_release(&c.text);
	if (rc == 0 && c.shape == SHAPE_VERSION && c.values == 0)
		return diag_fail(d, DIAG_MISSING, 0, "cgroup version is empty (expected 1 or 2)");
	return rc;
}
