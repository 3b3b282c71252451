/*
 * The protobuf wire format, as ingest/pprof_proto.c reads profile.proto:
 * a reader over one message (offsets count from the start of the whole
 * profile, for the errors) and its fields. The common shapes are read
 * inline here; the rest, errors included, by ingest/pprof_wire.c.
 * Private to ingest/pprof*.c.
 */
#ifndef RSSGAP_PPROF_WIRE_H
#define RSSGAP_PPROF_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

struct rd {
	const uint8_t *base;	/* start of the whole profile: offsets are from here */
	size_t pos, end;
	struct diag *d;
};

struct field {
	uint32_t num;
	int wt;
	size_t at;		/* offset of the key */
	uint64_t v;		/* varint / fixed value */
	size_t start, len;	/* WT_LEN payload */
};

/* The careful varint decoder: every error, and the last bytes of a message; 0 or -1. */
int rd_varint_slow(struct rd *r, uint64_t *out);
/* Read the next field of r; 1 read, 0 at the end, -1 error. */
int rd_field_any(struct rd *r, struct field *f);
/* 0 if f has wire type wt, else -1 with the error naming field `what`. */
int want_wt(struct rd *r, const struct field *f, int wt, const char *what);

/*
 * Most varints in a profile are one byte (ids, small values): take those,
 * and any well-formed varint that ends inside the message, without a
 * bounds check per byte; the rest (a varint truncated, too long or
 * overflowing) goes through the careful decoder, which reports the error.
 */
static inline int
rd_varint(struct rd *r, uint64_t *out)
{
	const uint8_t *q = r->base + r->pos;
	size_t left = r->end - r->pos, k;
	uint64_t v;

	if (left > 0 && q[0] < 0x80) {
		*out = q[0];
		r->pos++;
		return 0;
	}
	if (left > 10)
		left = 10;
	v = 0;
	for (k = 0; k < left; k++) {
		v |= (uint64_t)(q[k] & 0x7f) << (7 * k);
		if ((q[k] & 0x80) == 0) {
			if (k == 9 && q[9] > 1)
				break;
			*out = v;
			r->pos += k + 1;
			return 0;
		}
	}
	return rd_varint_slow(r, out);
}

/*
 * rd_field_any, taking first the common shapes: a one-byte key followed by
 * a one-byte varint or a one-byte length that fits (every sample and
 * packed location list of a Go profile). Anything else, errors included,
 * goes the general way.
 */
static inline int
rd_field(struct rd *r, struct field *f)
{
	const uint8_t *q = r->base + r->pos;
	size_t left = r->end - r->pos;

	if (left >= 2 && q[0] >= 8 && q[0] < 0x80 && q[1] < 0x80) {
		if ((q[0] & 7) == WT_LEN && q[1] <= left - 2) {
			f->at = r->pos;
			f->num = q[0] >> 3;
			f->wt = WT_LEN;
			f->start = r->pos + 2;
			f->len = q[1];
			r->pos += 2 + (size_t)q[1];
			return 1;
		}
		if ((q[0] & 7) == WT_VARINT) {
			f->at = r->pos;
			f->num = q[0] >> 3;
			f->wt = WT_VARINT;
			f->v = q[1];
			r->pos += 2;
			return 1;
		}
	}
	return rd_field_any(r, f);
}

/* A reader over the payload of f (a WT_LEN field read by r). */
static inline struct rd
rd_sub(const struct rd *r, const struct field *f)
{
	struct rd s = { r->base, f->start, f->start + f->len, r->d };

	return s;
}

#endif
