#include "report/pprofout.h"

#include <string.h>
#include <zlib.h>

/*
 * The protobuf wire format, the little of it a profile needs: varints
 * (wire type 0) and length-delimited fields (wire type 2) holding strings,
 * packed repeated integers and sub-messages.
 */
enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

/* Profile's fields (profile.proto). */
enum {
	PROFILE_SAMPLE_TYPE = 1,
	PROFILE_SAMPLE = 2,
	PROFILE_MAPPING = 3,
	PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5,
	PROFILE_STRING_TABLE = 6,
	PROFILE_TIME_NANOS = 9,
	PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12,
	PROFILE_COMMENT = 13,
	PROFILE_DEFAULT_SAMPLE_TYPE = 14,
};
enum { VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT = 2 };
enum { SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2 };
enum { MAPPING_ID = 1, MAPPING_FILENAME = 5, MAPPING_HAS_FUNCTIONS = 7 };
enum { LOCATION_ID = 1, LOCATION_MAPPING_ID = 2, LOCATION_LINE = 4 };
enum { LINE_FUNCTION_ID = 1 };
enum { FUNCTION_ID = 1, FUNCTION_NAME = 2, FUNCTION_SYSTEM_NAME = 3 };

/* The string table's fixed head; frame names follow, then the comments. */
enum { S_EMPTY, S_MEMORY_SPACE, S_BYTES, S_INUSE_SPACE, S_NAMES };

static void
put_varint(struct buf *b, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;

	do {
		tmp[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v != 0)
			tmp[n] |= 0x80;
		n++;
	} while (v != 0);
	buf_add(b, tmp, n);
}

static void
put_tag(struct buf *b, unsigned field, unsigned wire)
{
	put_varint(b, (uint64_t)field << 3 | wire);
}

/* A varint field; 0 is the default and is left out. */
static void
put_uint(struct buf *b, unsigned field, uint64_t v)
{
	if (v == 0)
		return;
	put_tag(b, field, WIRE_VARINT);
	put_varint(b, v);
}

static void
put_bytes(struct buf *b, unsigned field, const void *data, size_t n)
{
	put_tag(b, field, WIRE_LEN);
	put_varint(b, n);
	if (n > 0)
		buf_add(b, data, n);
}

/* A sub-message held in msg, which is then emptied for the next one. */
static void
put_message(struct buf *b, unsigned field, struct buf *msg)
{
	put_bytes(b, field, msg->data, msg->len);
	buf_reset(msg);
}

static void
put_value_type(struct buf *b, unsigned field, uint64_t type, uint64_t unit, struct buf *msg)
{
	put_uint(msg, VALUE_TYPE_TYPE, type);
	put_uint(msg, VALUE_TYPE_UNIT, unit);
	put_message(b, field, msg);
}

static void
put_string(struct buf *b, const char *s)
{
	put_bytes(b, PROFILE_STRING_TABLE, s, strlen(s));
}

void
pprofout_encode(const struct memspace *m, const struct pprofout_meta *meta, struct buf *out)
{
	struct buf msg = BUF_INIT, packed = BUF_INIT, line = BUF_INIT;
	int count_unit = strcmp(memspace_index_unit(m->index), "bytes") != 0;
	size_t i, j;

	put_value_type(out, PROFILE_SAMPLE_TYPE, S_MEMORY_SPACE, S_BYTES, &msg);
	/* a count unit is one more string, after everything else: a bytes index adds none */
	put_value_type(out, PROFILE_SAMPLE_TYPE, S_INUSE_SPACE,
		       count_unit ? S_NAMES + m->nnames + meta->ncomments + 1 : S_BYTES, &msg);
	for (i = 0; i < m->nsamples; i++) {
		const struct memspace_sample *s = &m->samples[i];

		for (j = s->nframes; j > 0; j--)	/* leaf first */
			put_varint(&packed, (uint64_t)m->frames[s->first + j - 1] + 1);
		put_message(&msg, SAMPLE_LOCATION_ID, &packed);
		put_varint(&packed, (uint64_t)s->memory_space);
		put_varint(&packed, (uint64_t)s->inuse_space);
		put_message(&msg, SAMPLE_VALUE, &packed);
		put_message(out, PROFILE_SAMPLE, &msg);
	}
	/*
	 * One mapping that says its functions are known: pprof then neither
	 * tries to symbolize the frames nor says a binary is missing.
	 */
	put_uint(&msg, MAPPING_ID, 1);
	put_uint(&msg, MAPPING_FILENAME, S_NAMES + m->nnames + meta->ncomments);
	put_uint(&msg, MAPPING_HAS_FUNCTIONS, 1);
	put_message(out, PROFILE_MAPPING, &msg);
	for (i = 0; i < m->nnames; i++) {
		put_uint(&msg, LOCATION_ID, i + 1);
		put_uint(&msg, LOCATION_MAPPING_ID, 1);
		put_uint(&line, LINE_FUNCTION_ID, i + 1);
		put_message(&msg, LOCATION_LINE, &line);
		put_message(out, PROFILE_LOCATION, &msg);
	}
	for (i = 0; i < m->nnames; i++) {
		put_uint(&msg, FUNCTION_ID, i + 1);
		put_uint(&msg, FUNCTION_NAME, S_NAMES + i);
		put_uint(&msg, FUNCTION_SYSTEM_NAME, S_NAMES + i);
		put_message(out, PROFILE_FUNCTION, &msg);
	}
	put_string(out, "");
	put_string(out, "memory_space");
	put_string(out, "bytes");
	put_string(out, memspace_index_name(m->index));
	for (i = 0; i < m->nnames; i++)
		put_string(out, m->names[i]);
	for (i = 0; i < meta->ncomments; i++)
		put_string(out, meta->comments[i]);
	put_string(out, meta->main_file != NULL ? meta->main_file : "");
	if (count_unit)
		put_string(out, memspace_index_unit(m->index));
	if (meta->time_nanos > 0)
		put_uint(out, PROFILE_TIME_NANOS, (uint64_t)meta->time_nanos);
	put_value_type(out, PROFILE_PERIOD_TYPE, S_MEMORY_SPACE, S_BYTES, &msg);
	put_uint(out, PROFILE_PERIOD, 1);
	for (i = 0; i < meta->ncomments; i++)
		put_uint(out, PROFILE_COMMENT, S_NAMES + m->nnames + i);
	put_uint(out, PROFILE_DEFAULT_SAMPLE_TYPE, S_MEMORY_SPACE);
	buf_release(&msg);
	buf_release(&packed);
	buf_release(&line);
}

int
pprofout_gzip(const void *data, size_t n, struct buf *out, struct diag *d)
{
	const unsigned char *in = data;
	unsigned char chunk[1 << 16];
	z_stream z;
	int rc, flush;

	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip header and trailer around the deflate stream */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return diag_fail(d, DIAG_IO, 0, "zlib: deflateInit2 failed");
	do {
		/* avail_in is an unsigned int: feed a large profile a gigabyte at a time */
		size_t take = n > (1u << 30) ? (1u << 30) : n;

		z.next_in = (unsigned char *)(uintptr_t)in;
		z.avail_in = (unsigned)take;
		in += take;
		n -= take;
		flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
		do {
			z.next_out = chunk;
			z.avail_out = sizeof(chunk);
			rc = deflate(&z, flush);
			if (rc == Z_STREAM_ERROR) {
				deflateEnd(&z);
				return diag_fail(d, DIAG_IO, 0, "zlib: deflate failed");
			}
			buf_add(out, chunk, sizeof(chunk) - z.avail_out);
		} while (z.avail_out == 0 && rc != Z_STREAM_END);
	} while (flush != Z_FINISH);
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : diag_fail(d, DIAG_IO, 0, "zlib: deflate did not finish");
}
