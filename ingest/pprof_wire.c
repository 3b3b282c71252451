/*
 * The protobuf wire format's slow paths (ingest/pprof_wire.h): the varints
 * and fields the inline readers leave, and every error.
 */
#include "ingest/pprof_wire.h"

#include <string.h>

/* The careful varint decoder: every error, and the last bytes of a message. */
int
rd_varint_slow(struct rd *r, uint64_t *out)
{
	size_t start = r->pos;
	uint64_t v = 0;
	unsigned shift = 0;

	for (;;) {
		uint8_t c;

		if (r->pos >= r->end)
			return diag_fail_at(r->d, DIAG_FORMAT, (int64_t)start,
					    "truncated varint (expected more bytes before the end of the message)");
		c = r->base[r->pos++];
		if (shift == 63 && (c & 0x80))
			return diag_fail_at(r->d, DIAG_FORMAT, (int64_t)start,
					    "varint longer than 10 bytes (expected at most 10)");
		if (shift == 63 && c > 1)
			return diag_fail_at(r->d, DIAG_FORMAT, (int64_t)start,
					    "varint overflows 64 bits (expected a last byte of 0 or 1)");
		v |= (uint64_t)(c & 0x7f) << shift;
		if ((c & 0x80) == 0)
			break;
		shift += 7;
	}
	*out = v;
	return 0;
}

/* Read the next field of r; 1 read, 0 at the end, -1 error. */
int
rd_field_any(struct rd *r, struct field *f)
{
	uint64_t key, n;

	if (r->pos >= r->end)
		return 0;
	f->at = r->pos;
	if (rd_varint(r, &key) != 0)
		return -1;
	f->num = (uint32_t)(key >> 3);
	f->wt = (int)(key & 7);
	if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff)
		return diag_fail_at(r->d, DIAG_FORMAT, (int64_t)f->at,
				    "bad field number %llu (expected 1 to 536870911)",
				    (unsigned long long)(key >> 3));
	switch (f->wt) {
	case WT_VARINT:
		return rd_varint(r, &f->v) == 0 ? 1 : -1;
	case WT_I64:
	case WT_I32:
		n = f->wt == WT_I64 ? 8 : 4;
		if (r->end - r->pos < n)
			return diag_fail_at(r->d, DIAG_FORMAT, (int64_t)f->at,
					    "truncated profile: field %u needs %llu bytes, %zu left",
					    f->num, (unsigned long long)n, r->end - r->pos);
		f->v = 0;
		memcpy(&f->v, r->base + r->pos, (size_t)n);
		r->pos += (size_t)n;
		return 1;
	case WT_LEN:
		if (rd_varint(r, &n) != 0)
			return -1;
		if (n > r->end - r->pos)
			return diag_fail_at(r->d, DIAG_FORMAT, (int64_t)f->at,
					    "truncated profile: field %u claims %llu bytes, %zu left",
					    f->num, (unsigned long long)n, r->end - r->pos);
		f->start = r->pos;
		f->len = (size_t)n;
		r->pos += (size_t)n;
		return 1;
	default:
		return diag_fail_at(r->d, DIAG_FORMAT, (int64_t)f->at,
				    "unsupported wire type %d in field %u (expected 0, 1, 2 or 5)",
				    f->wt, f->num);
	}
}

int
want_wt(struct rd *r, const struct field *f, int wt, const char *what)
{
	if (f->wt == wt)
		return 0;
	return diag_fail_at(r->d, DIAG_FORMAT, (int64_t)f->at,
			    "field %u (%s) has wire type %d (expected %d)", f->num, what, f->wt, wt);
}
