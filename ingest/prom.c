#include "ingest/prom.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/lines.h"
#include "core/num.h"
#include "core/xalloc.h"

struct label {
	const char *name;
	size_t name_len;
	struct buf value;	/* unescaped */
};

struct prom {
	const struct limits *lim;
	prom_fn fn;
	void *ctx;
	uint64_t kept;
	struct label *labels;
	size_t cap_labels;
	struct buf name, canon;
};

static int
is_sp(int c)
{
	return c == ' ' || c == '\t';
}

static int
name_start(int c, int colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static int
name_char(int c, int colon)
{
	return name_start(c, colon) || (c >= '0' && c <= '9');
}

/* Length of a metric (colon allowed) or label name at s, 0 if none. */
static size_t
name_len(const char *s, const char *end, int colon)
{
	const char *p = s;

	if (p >= end || !name_start((unsigned char)*p, colon))
		return 0;
	while (p < end && name_char((unsigned char)*p, colon))
		p++;
	return (size_t)(p - s);
}

int
prom_wanted(const char *name, size_t n)
{
	static const char *const prefixes[] = { "go_memstats_", "go_memory_classes_", "go_gc_" };
	static const char *const exact[] = { "process_resident_memory_bytes",
					     "process_virtual_memory_bytes" };
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (n > strlen(prefixes[i]) && memcmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (n == strlen(exact[i]) && memcmp(name, exact[i], n) == 0)
			return 1;
	return 0;
}

static int
bad(struct diag *d, uint64_t lineno, const char *what, const char *at, const char *end)
{
	size_t n = (size_t)(end - at);

	return diag_fail(d, DIAG_FORMAT, lineno, "%s at \"%.*s\" (expected `name{label=\"value\"} value [timestamp]`)",
			 what, (int)(n > 40 ? 40 : n), at);
}

/* `# HELP name text`, `# TYPE name type`, or any other comment. */
static int
comment(const char *s, const char *end, uint64_t lineno, struct diag *d)
{
	const char *p = s + 1, *kw;
	size_t n;
	int type;

	while (p < end && is_sp((unsigned char)*p))
		p++;
	kw = p;
	while (p < end && !is_sp((unsigned char)*p))
		p++;
	if ((size_t)(p - kw) == 4 && memcmp(kw, "HELP", 4) == 0)
		type = 0;
	else if ((size_t)(p - kw) == 4 && memcmp(kw, "TYPE", 4) == 0)
		type = 1;
	else
		return 0;
	while (p < end && is_sp((unsigned char)*p))
		p++;
	n = name_len(p, end, 1);
	if (n == 0 || (p + n < end && !is_sp((unsigned char)p[n])))
		return diag_fail(d, DIAG_FORMAT, lineno, "bad metric name in # %s (expected [a-zA-Z_:][a-zA-Z0-9_:]*)",
				 type ? "TYPE" : "HELP");
	if (type) {
		static const char *const types[] = { "counter", "gauge", "histogram", "summary",
						     "untyped" };
		const char *t;
		size_t i, tn;

		p += n;
		while (p < end && is_sp((unsigned char)*p))
			p++;
		t = p;
		tn = (size_t)(end - t);
		while (tn > 0 && is_sp((unsigned char)t[tn - 1]))
			tn--;
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (tn == strlen(types[i]) && memcmp(t, types[i], tn) == 0)
				return 0;
		return diag_fail(d, DIAG_FORMAT, lineno,
				 "unknown metric type \"%.*s\" (expected counter, gauge, histogram, summary or untyped)",
				 (int)(tn > 40 ? 40 : tn), t);
	}
	return 0;
}

static int
cmp_label(const void *a, const void *b)
{
	const struct label *x = a, *y = b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = memcmp(x->name, y->name, n);

	if (c != 0)
		return c;
	return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

static int
prom_line(void *vctx, const char *s, size_t len, uint64_t lineno, struct diag *d)
{
	struct prom *P = vctx;
	const char *p = s, *end = s + len, *v;
	size_t n, nlabels = 0, i;
	double value;
	int keep;

	while (p < end && is_sp((unsigned char)*p))
		p++;
	if (p == end)
		return 0;
	if (*p == '#')
		return comment(p, end, lineno, d);
	n = name_len(p, end, 1);
	if (n == 0)
		return bad(d, lineno, "bad metric name", p, end);
	keep = prom_wanted(p, n);
	buf_reset(&P->name);
	buf_add(&P->name, p, n);
	p += n;
	v = p;
	while (p < end && is_sp((unsigned char)*p))
		p++;
	if (p < end && *p != '{')
		p = v;	/* the space before the value is checked below */
	if (p < end && *p == '{') {
		p++;
		for (;;) {
			struct label *l;

			while (p < end && is_sp((unsigned char)*p))
				p++;
			if (p < end && *p == '}') {
				p++;
				break;
			}
			n = name_len(p, end, 0);
			if (n == 0)
				return bad(d, lineno, "bad label name", p, end);
			if (nlabels == P->cap_labels) {
				size_t k, old = P->cap_labels;

				P->cap_labels = old ? size_mul(old, 2) : 8;
				P->labels = xreallocarray(P->labels, P->cap_labels, sizeof(*P->labels));
				for (k = old; k < P->cap_labels; k++)
					buf_init(&P->labels[k].value);
			}
			l = &P->labels[nlabels++];
			l->name = p;
			l->name_len = n;
			buf_reset(&l->value);
			p += n;
			while (p < end && is_sp((unsigned char)*p))
				p++;
			if (p >= end || *p != '=')
				return bad(d, lineno, "expected '=' after the label name", p, end);
			p++;
			while (p < end && is_sp((unsigned char)*p))
				p++;
			if (p >= end || *p != '"')
				return bad(d, lineno, "expected '\"' to open the label value", p, end);
			p++;
			for (;;) {
				if (p >= end)
					return diag_fail(d, DIAG_FORMAT, lineno,
							 "unterminated label value (expected a closing '\"')");
				if (*p == '"')
					break;
				if (*p == '\\') {
					if (p + 1 >= end)
						return diag_fail(d, DIAG_FORMAT, lineno,
								 "unterminated label value (expected a closing '\"')");
					switch (p[1]) {
					case '\\':
						buf_putc(&l->value, '\\');
						break;
					case '"':
						buf_putc(&l->value, '"');
						break;
					case 'n':
						buf_putc(&l->value, '\n');
						break;
					default:
						return bad(d, lineno, "bad escape in label value (only \\\\ \\\" \\n)",
							   p, end);
					}
					p += 2;
					continue;
				}
				buf_putc(&l->value, *p);
				p++;
			}
			p++;
			while (p < end && is_sp((unsigned char)*p))
				p++;
			if (p < end && *p == ',') {
				p++;
				continue;
			}
			if (p < end && *p == '}') {
				p++;
				break;
			}
			return bad(d, lineno, "expected ',' or '}' after a label", p, end);
		}
	}
	if (p < end && !is_sp((unsigned char)*p))
		return bad(d, lineno, "expected a space before the value", p, end);
	while (p < end && is_sp((unsigned char)*p))
		p++;
	v = p;
	while (p < end && !is_sp((unsigned char)*p))
		p++;
	if (num_parse_double(v, (size_t)(p - v), &value) != 0 || (p > v && is_sp((unsigned char)*v)))
		return bad(d, lineno, "bad sample value", v, end);
	while (p < end && is_sp((unsigned char)*p))
		p++;
	if (p < end) {
		const char *t = p;
		int64_t ts;

		while (p < end && !is_sp((unsigned char)*p))
			p++;
		if (num_parse_i64(t, (size_t)(p - t), &ts) != 0)
			return bad(d, lineno, "bad timestamp (expected integer milliseconds)", t, end);
		while (p < end && is_sp((unsigned char)*p))
			p++;
		if (p < end)
			return bad(d, lineno, "unexpected text after the timestamp", p, end);
	}
	if (nlabels > 1)
		qsort(P->labels, nlabels, sizeof(*P->labels), cmp_label);
	for (i = 1; i < nlabels; i++)
		if (cmp_label(&P->labels[i - 1], &P->labels[i]) == 0)
			return diag_fail(d, DIAG_FORMAT, lineno, "label \"%.*s\" given twice (expected once)",
					 (int)(P->labels[i].name_len > 40 ? 40 : P->labels[i].name_len),
					 P->labels[i].name);
	if (!keep)
		return 0;
	if (++P->kept > P->lim->prom_series) {
		diag_fail(d, DIAG_LIMIT, lineno, "more than %llu kept series (limit prom_series)",
			  (unsigned long long)P->lim->prom_series);
		diag_hint(d, "raise it with --limit prom_series=N if the input is genuine");
		return -1;
	}
	buf_reset(&P->canon);
	for (i = 0; i < nlabels; i++) {
		const struct label *l = &P->labels[i];
		size_t k;

		if (i > 0)
			buf_putc(&P->canon, ',');
		buf_add(&P->canon, l->name, l->name_len);
		buf_puts(&P->canon, "=\"");
		for (k = 0; k < l->value.len; k++) {
			char c = l->value.data[k];

			if (c == '\\' || c == '"')
				buf_putc(&P->canon, '\\');
			if (c == '\n')
				buf_puts(&P->canon, "\\n");
			else
				buf_putc(&P->canon, c);
		}
		buf_putc(&P->canon, '"');
	}
	return P->fn(P->ctx, buf_str(&P->name), buf_str(&P->canon), value, lineno, d);
}

int
prom_parse(const char *buf, size_t len, const struct limits *lim, prom_fn fn, void *ctx,
	   struct diag *d)
{
	struct prom P;
	size_t i;
	int rc;

	memset(&P, 0, sizeof(P));
	P.lim = lim;
	P.fn = fn;
	P.ctx = ctx;
	buf_init(&P.name);
	buf_init(&P.canon);
	rc = lines_each(buf, len, lim->line_bytes, prom_line, &P, d);
	for (i = 0; i < P.cap_labels; i++)
		buf_release(&P.labels[i].value);
	free(P.labels);
	buf_release(&P.name);
	buf_release(&P.canon);
	return rc;
}
