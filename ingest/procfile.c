#include "ingest/procfile.h"

#include <string.h>

#include "core/buf.h"
#include "core/lines.h"
#include "core/num.h"
#include "ingest/smaps.h"

struct status_ctx {
	struct kv_sink *sink;
	struct buf key;
	struct buf text;
};

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Hex or octal masks that a digits-only value would otherwise pass for a number. */
static int
is_mask_key(const char *k, size_t n)
{
	static const char *const masks[] = {
		"Umask", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt", "CapInh",
		"CapPrm", "CapEff", "CapBnd", "CapAmb", "Cpus_allowed", "Mems_allowed",
	};
	size_t i;

	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++)
		if (strlen(masks[i]) == n && memcmp(masks[i], k, n) == 0)
			return 1;
	return 0;
}

static int
status_line(void *vctx, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	struct status_ctx *c = vctx;
	const char *colon, *v, *e;
	size_t klen, vlen, dlen;
	uint64_t num;
	int64_t value = 0;
	int has_value = 0;

	if (n == 0)
		return 0;
	colon = memchr(s, ':', n);
	klen = colon != NULL ? (size_t)(colon - s) : 0;
	if (klen == 0 || memchr(s, ' ', klen) != NULL || memchr(s, '\t', klen) != NULL)
		return diag_fail(d, DIAG_FORMAT, lineno,
				 "bad status line \"%.*s\" (expected Key:<tab>value)",
				 (int)(n > 64 ? 64 : n), s);
	v = colon + 1;
	e = s + n;
	while (v < e && is_blank((unsigned char)*v))
		v++;
	while (e > v && is_blank((unsigned char)e[-1]))
		e--;
	vlen = (size_t)(e - v);
	/* "N kB" */
	if (vlen > 3 && memcmp(e - 3, " kB", 3) == 0) {
		dlen = vlen - 3;
		while (dlen > 0 && is_blank((unsigned char)v[dlen - 1]))
			dlen--;
		if (num_parse_u64(v, dlen, &num) == 0) {
			if (num_kib_to_bytes(num, &num) != 0 || num > (uint64_t)INT64_MAX)
				return diag_fail(d, DIAG_FORMAT, lineno,
						 "%.*s \"%.*s\": value overflows 64 bits", (int)klen, s,
						 (int)(vlen > 64 ? 64 : vlen), v);
			has_value = 1;
			value = (int64_t)num;
		}
	} else if (!is_mask_key(s, klen) && vlen > 0 && num_parse_u64(v, vlen, &num) == 0) {
		if (num > (uint64_t)INT64_MAX)
			return diag_fail(d, DIAG_FORMAT, lineno, "%.*s \"%.*s\": value overflows 64 bits",
					 (int)klen, s, (int)(vlen > 64 ? 64 : vlen), v);
		has_value = 1;
		value = (int64_t)num;
	}
	buf_reset(&c->key);
	buf_add(&c->key, s, klen);
	buf_reset(&c->text);
	buf_add(&c->text, v, vlen);
	return c->sink->put(c->sink->ctx, "status", buf_str(&c->key), has_value, value,
			    has_value ? NULL : buf_str(&c->text), lineno, d);
}

int
procfile_status_parse(const char *buf, size_t len, const struct limits *lim,
		      struct kv_sink *sink, struct diag *d)
{
	struct status_ctx c = { sink, BUF_INIT, BUF_INIT };
	int rc;

	rc = lines_each(buf, len, lim->line_bytes, status_line, &c, d);
	buf_release(&c.key);
	buf_release(&c.text);
	return rc;
}

struct rollup_ctx {
	struct kv_sink *sink;
	int seen;
};

static int
rollup_vma(void *vctx, const struct vma *v, struct diag *d)
{
	struct rollup_ctx *c = vctx;
	int f;

	if (c->seen++)
		return diag_fail(d, DIAG_FORMAT, v->line,
				 "second VMA header in smaps_rollup (expected one [rollup])");
	for (f = 0; f < VMA_NFIELDS; f++) {
		if (v->field[f] < 0)
			continue;
		if (c->sink->put(c->sink->ctx, "smaps_rollup", vma_field_name(f), 1, v->field[f],
				 NULL, v->line, d) != 0)
			return -1;
	}
	return 0;
}

static int
rollup_line(void *vctx, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	return smaps_parser_line(vctx, s, n, lineno, d);
}

int
procfile_rollup_parse(const char *buf, size_t len, const struct limits *lim,
		      struct kv_sink *sink, struct diag *d)
{
	struct rollup_ctx c = { sink, 0 };
	struct smaps_parser *p = smaps_parser_new(0, lim, rollup_vma, &c);
	int rc;

	smaps_parser_rollup(p);
	rc = lines_each(buf, len, lim->line_bytes, rollup_line, p, d);
	if (rc == 0)
		rc = smaps_parser_finish(p, d);
	smaps_parser_free(p);
	if (rc == 0 && c.seen == 0)
		return diag_fail(d, DIAG_MISSING, 0,
				 "smaps_rollup has no VMA header (expected one [rollup])");
	return rc;
}
