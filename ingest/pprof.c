#include "ingest/pprof.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/lines.h"
#include "core/num.h"
#include "core/xalloc.h"

/*
 * profile.proto field numbers (google/pprof proto/profile.proto).
 */
enum {
	F_SAMPLE_TYPE = 1, F_SAMPLE = 2, F_MAPPING = 3, F_LOCATION = 4, F_FUNCTION = 5,
	F_STRING_TABLE = 6, F_DROP_FRAMES = 7, F_KEEP_FRAMES = 8, F_TIME_NANOS = 9,
	F_DURATION_NANOS = 10, F_PERIOD_TYPE = 11, F_PERIOD = 12, F_COMMENT = 13,
	F_DEFAULT_SAMPLE_TYPE = 14,
};

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

static const char *const field_names[] = {
	"", "sample_type", "sample", "mapping", "location", "function", "string_table",
	"drop_frames", "keep_frames", "time_nanos", "duration_nanos", "period_type",
	"period", "comment", "default_sample_type",
};

/* ---- a u64 -> u32 open-addressing map (ids, addresses); key 0 is "empty" ---- */

struct u64map {
	uint64_t *keys;
	uint32_t *vals;
	size_t mask;		/* slots - 1 */
	size_t n;
};

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static void
u64map_init(struct u64map *m, size_t expect)
{
	size_t slots = 16;

	while (slots < expect * 2 + 1)
		slots = size_mul(slots, 2);
	m->keys = xcalloc(slots, sizeof(*m->keys));
	m->vals = xcalloc(slots, sizeof(*m->vals));
	m->mask = slots - 1;
	m->n = 0;
}

static void
u64map_release(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static uint32_t *u64map_slot(struct u64map *m, uint64_t key, int *found);

static void
u64map_grow(struct u64map *m)
{
	struct u64map bigger;
	size_t i;
	int found;

	u64map_init(&bigger, (m->mask + 1));
	for (i = 0; i <= m->mask; i++)
		if (m->keys[i] != 0)
			*u64map_slot(&bigger, m->keys[i], &found) = m->vals[i];
	u64map_release(m);
	*m = bigger;
}

/* The value slot of key (non-zero), inserted (value 0) if absent. */
static uint32_t *
u64map_slot(struct u64map *m, uint64_t key, int *found)
{
	size_t i;

	if ((m->n + 1) * 2 > m->mask + 1)
		u64map_grow(m);
	for (i = mix64(key) & m->mask;; i = (i + 1) & m->mask) {
		if (m->keys[i] == key) {
			*found = 1;
			return &m->vals[i];
		}
		if (m->keys[i] == 0) {
			m->keys[i] = key;
			m->n++;
			*found = 0;
			return &m->vals[i];
		}
	}
}

static int
u64map_get(const struct u64map *m, uint64_t key, uint32_t *val)
{
	size_t i;

	if (m->keys == NULL || key == 0)
		return 0;
	for (i = mix64(key) & m->mask;; i = (i + 1) & m->mask) {
		if (m->keys[i] == key) {
			*val = m->vals[i];
			return 1;
		}
		if (m->keys[i] == 0)
			return 0;
	}
}

/* ---- sites: samples grouped by their first frames ---- */

struct site {
	uint64_t tok[PPROF_SITE_FRAMES];
	uint32_t nframes;
	uint64_t samples;
	size_t first;		/* order of first appearance, for a stable sort */
};

struct sites {
	struct site *v;
	int64_t *vals;		/* n * ntypes */
	size_t n, cap, ntypes;
	uint32_t *slots;	/* index + 1, 0 empty */
	size_t mask;
};

static void
sites_init(struct sites *s, size_t ntypes)
{
	memset(s, 0, sizeof(*s));
	s->ntypes = ntypes;
	s->mask = 63;
	s->slots = xcalloc(s->mask + 1, sizeof(*s->slots));
}

static void
sites_release(struct sites *s)
{
	free(s->v);
	free(s->vals);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

/* Hash a site key: one multiply per frame, mixed once at the end. */
static inline uint64_t
site_hash(const uint64_t *tok, uint32_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	uint32_t i;

	for (i = 0; i < n; i++)
		h = (h ^ tok[i]) * 0xff51afd7ed558ccdULL + i;
	return mix64(h);
}

static inline int
site_is(const struct site *st, const uint64_t *tok, uint32_t n)
{
	uint32_t i;

	if (st->nframes != n)
		return 0;
	for (i = 0; i < n; i++)
		if (st->tok[i] != tok[i])
			return 0;
	return 1;
}

static void
sites_rehash(struct sites *s)
{
	size_t i, j, slots = size_mul(s->mask + 1, 2);

	free(s->slots);
	s->slots = xcalloc(slots, sizeof(*s->slots));
	s->mask = slots - 1;
	for (i = 0; i < s->n; i++) {
		for (j = site_hash(s->v[i].tok, s->v[i].nframes) & s->mask; s->slots[j] != 0;
		     j = (j + 1) & s->mask)
			;
		s->slots[j] = (uint32_t)(i + 1);
	}
}

/*
 * Add one sample's values to its site. The number of sites is bounded by
 * the number of samples, itself capped (pprof_samples) by the caller.
 */
static int
sites_add(struct sites *s, const uint64_t *tok, uint32_t n, const int64_t *vals, int64_t offset,
	  struct diag *d)
{
	size_t j, k;
	struct site *st;

	for (j = site_hash(tok, n) & s->mask; s->slots[j] != 0; j = (j + 1) & s->mask) {
		st = &s->v[s->slots[j] - 1];
		if (site_is(st, tok, n))
			goto found;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? size_mul(s->cap, 2) : 64;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
		s->vals = xreallocarray(s->vals, size_mul(s->cap, s->ntypes ? s->ntypes : 1),
					sizeof(*s->vals));
	}
	st = &s->v[s->n];
	memset(st, 0, sizeof(*st));
	memcpy(st->tok, tok, n * sizeof(*tok));
	st->nframes = n;
	st->first = s->n;
	memset(&s->vals[s->n * s->ntypes], 0, s->ntypes * sizeof(*s->vals));
	s->slots[j] = (uint32_t)(++s->n);
	if (s->n * 2 > s->mask + 1)
		sites_rehash(s);
	st = &s->v[s->n - 1];
found:
	st->samples++;
	for (k = 0; k < s->ntypes; k++) {
		int64_t *acc = &s->vals[(size_t)(st - s->v) * s->ntypes + k];

		if (__builtin_add_overflow(*acc, vals[k], acc))
			return diag_fail_at(d, DIAG_FORMAT, offset,
					    "sample values overflow a 64-bit total");
	}
	return 0;
}

/*
 * Site order: by the sort type's value, descending, then by first
 * appearance; a total order, so the top sites do not depend on how they
 * are selected.
 */
static int
site_before(const struct sites *s, size_t type, size_t i, size_t j)
{
	int64_t vi = s->ntypes ? s->vals[i * s->ntypes + type] : 0;
	int64_t vj = s->ntypes ? s->vals[j * s->ntypes + type] : 0;

	if (vi != vj)
		return vi > vj;
	return s->v[i].first < s->v[j].first;
}

/* Restore the heap below `at`: its root is the site that sorts last. */
static void
heap_down(const struct sites *s, size_t type, size_t *heap, size_t n, size_t at)
{
	for (;;) {
		size_t l = 2 * at + 1, r = l + 1, last = at, t;

		if (l < n && site_before(s, type, heap[last], heap[l]))
			last = l;
		if (r < n && site_before(s, type, heap[last], heap[r]))
			last = r;
		if (last == at)
			return;
		t = heap[at];
		heap[at] = heap[last];
		heap[last] = t;
		at = last;
	}
}

/*
 * The indices of the top `k` sites in order: a k-heap over all sites
 * (n log k) rather than sorting them all, then the heap sorted in place.
 */
static void
sites_top(const struct sites *s, size_t type, size_t *top, size_t k)
{
	size_t i, n;

	for (i = 0; i < k; i++)
		top[i] = i;
	for (i = k / 2; i-- > 0;)
		heap_down(s, type, top, k, i);
	for (i = k; i < s->n; i++) {
		if (site_before(s, type, i, top[0])) {
			top[0] = i;
			heap_down(s, type, top, k, 0);
		}
	}
	for (n = k; n > 1; n--) {
		size_t t = top[0];

		top[0] = top[n - 1];
		top[n - 1] = t;
		heap_down(s, type, top, n - 1, 0);
	}
}

typedef void (*frame_name_fn)(void *ctx, uint64_t tok, struct buf *out);

/* Keep the top sites in the summary, naming their frames. */
static void
sites_emit(struct sites *s, struct pprof_summary *sum, uint64_t top, frame_name_fn name,
	   void *ctx)
{
	size_t *order, i, n = s->n;
	struct buf b = BUF_INIT;

	if (n == 0)
		return;
	if (n > top)
		n = (size_t)top;
	order = xcalloc(n ? n : 1, sizeof(*order));
	sites_top(s, sum->sort_type, order, n);
	sum->sites = xcalloc(n ? n : 1, sizeof(*sum->sites));
	for (i = 0; i < n; i++) {
		const struct site *st = &s->v[order[i]];
		struct pprof_site *ps = &sum->sites[i];
		uint32_t f;

		buf_reset(&b);
		if (st->nframes > 0)
			name(ctx, st->tok[0], &b);
		else
			buf_puts(&b, "(no frames)");
		ps->leaf = xstrdup(buf_str(&b));
		buf_reset(&b);
		for (f = 0; f < st->nframes; f++) {
			if (f > 0)
				buf_puts(&b, " <- ");
			name(ctx, st->tok[f], &b);
		}
		ps->frames = xstrdup(buf_str(&b));
		ps->samples = st->samples;
		ps->values = xcalloc(sum->ntypes ? sum->ntypes : 1, sizeof(*ps->values));
		if (sum->ntypes)
			memcpy(ps->values, &s->vals[order[i] * s->ntypes],
			       sum->ntypes * sizeof(*ps->values));
		sum->nsites++;
	}
	buf_release(&b);
	free(order);
}

/* The type sites are sorted by: inuse_space, else the default, else the last. */
static size_t
choose_sort_type(const struct pprof_summary *s)
{
	int i = pprof_type_index(s, "inuse_space");

	if (i < 0 && s->default_sample_type != NULL)
		i = pprof_type_index(s, s->default_sample_type);
	if (i < 0)
		i = s->ntypes ? (int)s->ntypes - 1 : 0;
	return (size_t)i;
}

int
pprof_type_index(const struct pprof_summary *s, const char *type)
{
	size_t i;

	for (i = 0; i < s->ntypes; i++)
		if (strcmp(s->types[i].type, type) == 0)
			return (int)i;
	return -1;
}

void
pprof_summary_free(struct pprof_summary *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ntypes; i++) {
		free(s->types[i].type);
		free(s->types[i].unit);
	}
	free(s->types);
	for (i = 0; i < s->nsites; i++) {
		free(s->sites[i].leaf);
		free(s->sites[i].frames);
		free(s->sites[i].values);
	}
	free(s->sites);
	free(s->period_type);
	free(s->period_unit);
	free(s->default_sample_type);
	free(s);
}

static struct pprof_summary *
summary_new(const char *format)
{
	struct pprof_summary *s = xcalloc(1, sizeof(*s));

	s->format = format;
	return s;
}

/* ---- protobuf wire format ---- */

struct rd {
	const uint8_t *base;	/* start of the whole profile: offsets are from here */
	size_t pos, end;
	struct diag *d;
};

/* The careful varint decoder: every error, and the last bytes of a message. */
static int
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

struct field {
	uint32_t num;
	int wt;
	size_t at;		/* offset of the key */
	uint64_t v;		/* varint / fixed value */
	size_t start, len;	/* WT_LEN payload */
};

/* Read the next field of r; 1 read, 0 at the end, -1 error. */
static int
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

static struct rd
rd_sub(const struct rd *r, const struct field *f)
{
	struct rd s = { r->base, f->start, f->start + f->len, r->d };

	return s;
}

static int
want_wt(struct rd *r, const struct field *f, int wt, const char *what)
{
	if (f->wt == wt)
		return 0;
	return diag_fail_at(r->d, DIAG_FORMAT, (int64_t)f->at,
			    "field %u (%s) has wire type %d (expected %d)", f->num, what, f->wt, wt);
}

/* ---- the decoded tables ---- */

struct pstr {
	size_t off, len;
};

struct pfunc {
	uint64_t id;
	uint64_t name, system_name;	/* string indices */
};

struct ploc {
	uint64_t id, address;
	size_t line0, nlines;	/* into lines[] */
	size_t tok0;		/* into toks[]: the location's first frames (see proto_tokens) */
	uint32_t ntok;		/* 1 to PPROF_SITE_FRAMES */
};

struct pline {
	uint64_t function_id;
	size_t at;
	uint32_t fn;		/* function index + 1; 0 none */
};

/* Runs of samples pass 2 steps over: at most this many, each at least PROTO_RUN_BYTES. */
#define PROTO_RUNS 64
#define PROTO_RUN_BYTES 4096

struct span {
	size_t from, to;	/* first sample's key, end of the last one */
};

struct proto {
	struct rd r;
	const struct limits *lim;
	size_t nstr, ntypes, nsamples, nloc, nfunc, nlines;
	size_t capstr;
	struct span runs[PROTO_RUNS];	/* long runs of samples, in order */
	size_t nruns;
	struct pstr *str;
	uint64_t (*types)[2];
	struct pfunc *fn;
	struct ploc *loc;
	struct pline *lines;
	uint64_t period_type[2];
	int has_period_type;
	int64_t period, time_nanos, duration_nanos;
	uint64_t default_sample_type;
	struct u64map fnmap, locmap;
	uint32_t *loc_dense;	/* id -> index + 1 when ids are small (Go numbers them 1..n) */
	uint64_t loc_dense_n;
	uint64_t *toks;		/* frame tokens of every location, ploc.tok0 and ntok */
	uint8_t known1[256];	/* 1 for a one-byte varint naming a location */
};

static int
over_cap(struct diag *d, size_t at, const char *what, uint64_t cap, const char *name)
{
	diag_fail_at(d, DIAG_LIMIT, (int64_t)at, "more than %llu %s (limit %s)",
		     (unsigned long long)cap, what, name);
	diag_hint(d, "raise it with --limit %s=N if the profile is genuine", name);
	return -1;
}

/* A run of samples from..to ended: remember it if it is worth stepping over. */
static void
proto_run(struct proto *p, size_t from, size_t to)
{
	if (to - from >= PROTO_RUN_BYTES && p->nruns < PROTO_RUNS) {
		p->runs[p->nruns].from = from;
		p->runs[p->nruns++].to = to;
	}
}

/*
 * Pass 1: walk the top level, check the wire format and count (caps before
 * allocating). The string table is recorded on the way, in an array grown
 * only once pprof_strings has admitted the entry, so pass 2 can check
 * string indices without a walk of its own. It also notes the long runs of
 * samples (Go writes new locations and functions among the first samples,
 * then samples only), which pass 2 need not walk again.
 */
static int
proto_count(struct proto *p)
{
	struct rd r = p->r;
	struct field f;
	size_t run_from = 0, run_to = 0;	/* the current run of samples, if any */
	int rc;

	while ((rc = rd_field(&r, &f)) > 0) {
		const char *what = f.num < sizeof(field_names) / sizeof(field_names[0])
			? field_names[f.num] : "unknown";

		switch (f.num) {
		case F_SAMPLE_TYPE:
		case F_SAMPLE:
		case F_MAPPING:
		case F_LOCATION:
		case F_FUNCTION:
		case F_STRING_TABLE:
		case F_PERIOD_TYPE:
			if (want_wt(&r, &f, WT_LEN, what) != 0)
				return -1;
			break;
		case F_DROP_FRAMES:
		case F_KEEP_FRAMES:
		case F_TIME_NANOS:
		case F_DURATION_NANOS:
		case F_PERIOD:
		case F_DEFAULT_SAMPLE_TYPE:
			if (want_wt(&r, &f, WT_VARINT, what) != 0)
				return -1;
			break;
		default:
			break;
		}
		switch (f.num) {
		case F_SAMPLE_TYPE:
			if (++p->ntypes > p->lim->pprof_values)
				return over_cap(r.d, f.at, "sample types", p->lim->pprof_values,
						"pprof_values");
			break;
		case F_SAMPLE:
			if (++p->nsamples > p->lim->pprof_samples)
				return over_cap(r.d, f.at, "samples", p->lim->pprof_samples,
						"pprof_samples");
			if (run_to == 0)
				run_from = f.at;
			run_to = r.pos;
			break;
		case F_FUNCTION:
			if (++p->nfunc > p->lim->pprof_locations)
				return over_cap(r.d, f.at, "functions", p->lim->pprof_locations,
						"pprof_locations");
			break;
		case F_STRING_TABLE:
			if (++p->nstr > p->lim->pprof_strings)
				return over_cap(r.d, f.at, "strings", p->lim->pprof_strings,
						"pprof_strings");
			if (p->nstr > p->capstr) {
				p->capstr = p->capstr ? size_mul(p->capstr, 2) : 256;
				if (p->capstr > p->lim->pprof_strings)
					p->capstr = (size_t)p->lim->pprof_strings;
				p->str = xreallocarray(p->str, p->capstr, sizeof(*p->str));
			}
			p->str[p->nstr - 1].off = f.start;
			p->str[p->nstr - 1].len = f.len;
			break;
		case F_LOCATION: {
			struct rd s = rd_sub(&r, &f);
			struct field g;
			int src;

			if (++p->nloc > p->lim->pprof_locations)
				return over_cap(r.d, f.at, "locations", p->lim->pprof_locations,
						"pprof_locations");
			while ((src = rd_field(&s, &g)) > 0) {
				if (g.num == 4 && g.wt == WT_LEN && ++p->nlines > p->lim->pprof_locations)
					return over_cap(r.d, g.at, "location lines",
							p->lim->pprof_locations, "pprof_locations");
			}
			if (src < 0)
				return -1;
			break;
		}
		default:
			break;
		}
		if (f.num != F_SAMPLE && run_to != 0) {
			proto_run(p, run_from, run_to);
			run_to = 0;
		}
	}
	if (rc == 0 && run_to != 0)
		proto_run(p, run_from, run_to);
	return rc;
}

static int
check_str(struct proto *p, uint64_t idx, size_t at, const char *what)
{
	if (idx < p->nstr)
		return 0;
	return diag_fail_at(p->r.d, DIAG_FORMAT, (int64_t)at,
			    "%s: string index %llu out of range (expected below %zu, the string_table size)",
			    what, (unsigned long long)idx, p->nstr);
}

static int
int64_field(struct proto *p, const struct field *f, int64_t *out)
{
	(void)p;
	*out = (int64_t)f->v;	/* int64 on the wire is two's complement in a varint */
	return 0;
}

/* A ValueType{type=1, unit=2} into two string indices. */
static int
value_type(struct proto *p, const struct field *f, uint64_t out[2])
{
	struct rd s = rd_sub(&p->r, f);
	struct field g;
	int rc;

	out[0] = out[1] = 0;
	while ((rc = rd_field(&s, &g)) > 0) {
		if (g.num != 1 && g.num != 2)
			continue;
		if (want_wt(&s, &g, WT_VARINT, g.num == 1 ? "type" : "unit") != 0 ||
		    check_str(p, g.v, g.at, g.num == 1 ? "value type" : "value unit") != 0)
			return -1;
		out[g.num - 1] = g.v;
	}
	return rc;
}

static int
function_msg(struct proto *p, const struct field *f, struct pfunc *fn)
{
	struct rd s = rd_sub(&p->r, f);
	struct field g;
	int rc;

	memset(fn, 0, sizeof(*fn));
	while ((rc = rd_field(&s, &g)) > 0) {
		if (g.num < 1 || g.num > 5)
			continue;
		if (want_wt(&s, &g, WT_VARINT, "function field") != 0)
			return -1;
		switch (g.num) {
		case 1:
			fn->id = g.v;
			break;
		case 2:
		case 3:
		case 4:
			if (check_str(p, g.v, g.at, "function") != 0)
				return -1;
			if (g.num == 2)
				fn->name = g.v;
			else if (g.num == 3)
				fn->system_name = g.v;
			break;
		default:
			break;
		}
	}
	if (rc < 0)
		return -1;
	if (fn->id == 0)
		return diag_fail_at(p->r.d, DIAG_FORMAT, (int64_t)f->at,
				    "function without an id (expected a non-zero id)");
	return 0;
}

static int
location_msg(struct proto *p, const struct field *f, struct ploc *loc)
{
	struct rd s = rd_sub(&p->r, f);
	struct field g;
	int rc;

	loc->id = loc->address = 0;
	loc->line0 = p->nlines;
	loc->nlines = 0;
	while ((rc = rd_field(&s, &g)) > 0) {
		switch (g.num) {
		case 1:
		case 2:
		case 3:
		case 5:
			if (want_wt(&s, &g, WT_VARINT, "location field") != 0)
				return -1;
			if (g.num == 1)
				loc->id = g.v;
			else if (g.num == 3)
				loc->address = g.v;
			break;
		case 4: {
			struct rd ls = rd_sub(&s, &g);
			struct field h;
			struct pline *ln = &p->lines[p->nlines];
			int lrc;

			if (want_wt(&s, &g, WT_LEN, "line") != 0)
				return -1;
			ln->function_id = 0;
			ln->at = g.at;
			ln->fn = 0;
			while ((lrc = rd_field(&ls, &h)) > 0) {
				if (h.num == 1 && want_wt(&ls, &h, WT_VARINT, "function_id") != 0)
					return -1;
				if (h.num == 1)
					ln->function_id = h.v;
			}
			if (lrc < 0)
				return -1;
			p->nlines++;
			loc->nlines++;
			break;
		}
		default:
			break;
		}
	}
	if (rc < 0)
		return -1;
	if (loc->id == 0)
		return diag_fail_at(p->r.d, DIAG_FORMAT, (int64_t)f->at,
				    "location without an id (expected a non-zero id)");
	return 0;
}

/* Pass 2, on the top-level fields from r->pos to r->end. */
static int
proto_fill_span(struct proto *p, struct rd *r, size_t *ti, size_t *fi, size_t *li)
{
	struct field f;
	int rc;

	while ((rc = rd_field(r, &f)) > 0) {
		switch (f.num) {
		case F_SAMPLE_TYPE:
			if (value_type(p, &f, p->types[(*ti)++]) != 0)
				return -1;
			break;
		case F_FUNCTION:
			if (function_msg(p, &f, &p->fn[(*fi)++]) != 0)
				return -1;
			break;
		case F_LOCATION:
			if (location_msg(p, &f, &p->loc[(*li)++]) != 0)
				return -1;
			break;
		case F_PERIOD_TYPE:
			if (value_type(p, &f, p->period_type) != 0)
				return -1;
			p->has_period_type = 1;
			break;
		case F_PERIOD:
			int64_field(p, &f, &p->period);
			break;
		case F_TIME_NANOS:
			int64_field(p, &f, &p->time_nanos);
			break;
		case F_DURATION_NANOS:
			int64_field(p, &f, &p->duration_nanos);
			break;
		case F_DEFAULT_SAMPLE_TYPE:
		case F_DROP_FRAMES:
		case F_KEEP_FRAMES:
			if (check_str(p, f.v, f.at, field_names[f.num]) != 0)
				return -1;
			if (f.num == F_DEFAULT_SAMPLE_TYPE)
				p->default_sample_type = f.v;
			break;
		default:
			break;
		}
	}
	return rc;
}

/* Pass 2: fill the tables (everything but samples), stepping over the long runs of samples. */
static int
proto_fill(struct proto *p)
{
	struct rd r = p->r;
	size_t ti = 0, fi = 0, li = 0, k;

	p->types = xcalloc(p->ntypes ? p->ntypes : 1, sizeof(*p->types));
	p->fn = xcalloc(p->nfunc ? p->nfunc : 1, sizeof(*p->fn));
	p->loc = xcalloc(p->nloc ? p->nloc : 1, sizeof(*p->loc));
	p->lines = xcalloc(p->nlines ? p->nlines : 1, sizeof(*p->lines));
	p->nlines = 0;		/* recounted as lines are filled */
	for (k = 0; k < p->nruns; k++) {
		r.end = p->runs[k].from;
		if (proto_fill_span(p, &r, &ti, &fi, &li) != 0)
			return -1;
		r.pos = p->runs[k].to;
	}
	r.end = p->r.end;
	return proto_fill_span(p, &r, &ti, &fi, &li);
}

/* Index functions and locations by id and resolve each line's function. */
static int
proto_link(struct proto *p)
{
	size_t i;
	int found;

	u64map_init(&p->fnmap, p->nfunc);
	u64map_init(&p->locmap, p->nloc);
	for (i = 0; i < p->nfunc; i++) {
		uint32_t *v = u64map_slot(&p->fnmap, p->fn[i].id, &found);

		if (found)
			return diag_fail_at(p->r.d, DIAG_FORMAT, -1, "duplicate function id %llu",
					    (unsigned long long)p->fn[i].id);
		*v = (uint32_t)i;
	}
	for (i = 0; i < p->nloc; i++) {
		uint32_t *v = u64map_slot(&p->locmap, p->loc[i].id, &found);

		if (found)
			return diag_fail_at(p->r.d, DIAG_FORMAT, -1, "duplicate location id %llu",
					    (unsigned long long)p->loc[i].id);
		*v = (uint32_t)i;
	}
	/* Location ids are looked up once per frame of every sample: index them directly. */
	{
		uint64_t max = 0;

		for (i = 0; i < p->nloc; i++)
			if (p->loc[i].id > max)
				max = p->loc[i].id;
		if (max <= (uint64_t)p->nloc * 2 + 64) {
			p->loc_dense_n = max + 1;
			p->loc_dense = xcalloc((size_t)p->loc_dense_n, sizeof(*p->loc_dense));
			for (i = 0; i < p->nloc; i++)
				p->loc_dense[p->loc[i].id] = (uint32_t)i + 1;
		}
	}
	for (i = 0; i < p->nlines; i++) {
		struct pline *ln = &p->lines[i];
		uint32_t fi;

		if (ln->function_id == 0)
			continue;
		if (!u64map_get(&p->fnmap, ln->function_id, &fi))
			return diag_fail_at(p->r.d, DIAG_FORMAT, (int64_t)ln->at,
					    "line references unknown function id %llu",
					    (unsigned long long)ln->function_id);
		ln->fn = fi + 1;
	}
	return 0;
}

/*
 * Frame tokens: a function (index + 1) or, for a location without a
 * symbolised line, the location (index with the top bit set).
 */
#define TOK_LOC (1ULL << 63)

/* The index of location `id`; 0 if there is none. */
static inline int
proto_loc(const struct proto *p, uint64_t id, uint32_t *li)
{
	uint32_t v;

	if (p->loc_dense == NULL)
		return u64map_get(&p->locmap, id, li);
	v = id < p->loc_dense_n ? p->loc_dense[id] : 0;
	if (v == 0)
		return 0;
	*li = v - 1;
	return 1;
}

/*
 * A location's frames as tokens, computed once rather than per sample
 * frame: one per line (inlined functions, leaf first), or the location
 * itself when it has no line; only the first PPROF_SITE_FRAMES can reach
 * a site. At most nloc + nlines tokens, both capped.
 */
static void
proto_tokens(struct proto *p)
{
	size_t i, k, n = 0, cap = size_add(p->nloc, p->nlines);

	p->toks = xcalloc(cap ? cap : 1, sizeof(*p->toks));
	for (i = 0; i < p->nloc; i++) {
		struct ploc *loc = &p->loc[i];

		loc->tok0 = n;
		if (loc->nlines == 0)
			p->toks[n++] = TOK_LOC | i;
		for (k = 0; k < loc->nlines && k < PPROF_SITE_FRAMES; k++) {
			const struct pline *ln = &p->lines[loc->line0 + k];

			p->toks[n++] = ln->fn ? ln->fn : (TOK_LOC | i);
		}
		loc->ntok = (uint32_t)(n - loc->tok0);
	}
	for (i = 1; i < 0x80; i++) {
		uint32_t li;

		p->known1[i] = (uint8_t)proto_loc(p, i, &li);
	}
}

struct sample {
	int64_t *vals;
	size_t nvals;
	uint64_t tok[PPROF_SITE_FRAMES];
	uint32_t ntok;
};

/* A varint of a packed field at *pos (before end): the one-byte case inline. */
static inline int
packed_varint(const struct rd *s, size_t *pos, size_t end, uint64_t *v)
{
	struct rd q;

	if (s->base[*pos] < 0x80) {
		*v = s->base[(*pos)++];
		return 0;
	}
	q.base = s->base;
	q.pos = *pos;
	q.end = end;
	q.d = s->d;
	if (rd_varint(&q, v) != 0)
		return -1;
	*pos = q.pos;
	return 0;
}

/* One location id: it must name a location; its frames extend the site until that is full. */
static inline int
sample_loc(const struct proto *p, struct sample *c, uint64_t id, size_t at, struct diag *d)
{
	const struct ploc *loc;
	uint32_t li, k;

	if (!proto_loc(p, id, &li))
		return diag_fail_at(d, DIAG_FORMAT, (int64_t)at,
				    "sample references unknown location id %llu",
				    (unsigned long long)id);
	loc = &p->loc[li];
	for (k = 0; k < loc->ntok && c->ntok < PPROF_SITE_FRAMES; k++)
		c->tok[c->ntok++] = p->toks[loc->tok0 + k];
	return 0;
}

/*
 * location_id, packed (WT_LEN) or not (WT_VARINT). This loop is the hot
 * one: Go stacks run to 32 frames, and past the first few an id only has
 * to exist, which for one-byte ids is a table lookup.
 */
static int
sample_locs(const struct proto *p, const struct rd *s, const struct field *g,
	    struct sample *c)
{
	size_t pos = g->start, end = g->start + g->len;

	if (g->wt == WT_VARINT)
		return sample_loc(p, c, g->v, g->at, s->d);
	if (g->wt != WT_LEN)
		return diag_fail_at(s->d, DIAG_FORMAT, (int64_t)g->at,
				    "field %u (%s) has wire type %d (expected 0 or 2)", g->num,
				    "location_id", g->wt);
	while (pos < end) {
		size_t at;
		uint64_t id;

		if (c->ntok == PPROF_SITE_FRAMES) {
			while (pos < end && p->known1[s->base[pos]])
				pos++;
			if (pos == end)
				break;
		}
		at = pos;
		if (packed_varint(s, &pos, end, &id) != 0 || sample_loc(p, c, id, at, s->d) != 0)
			return -1;
	}
	return 0;
}

/* One value: at most one per sample type. */
static inline int
sample_value(const struct proto *p, struct sample *c, uint64_t v, size_t at, struct diag *d)
{
	if (c->nvals + 1 > p->lim->pprof_values)
		return over_cap(d, at, "values in one sample", p->lim->pprof_values,
				"pprof_values");
	if (c->nvals + 1 > p->ntypes)
		return diag_fail_at(d, DIAG_FORMAT, (int64_t)at,
				    "sample has more values than sample types (expected %zu)",
				    p->ntypes);
	c->vals[c->nvals++] = (int64_t)v;
	return 0;
}

/* value, packed or not. */
static int
sample_values(const struct proto *p, const struct rd *s, const struct field *g,
	      struct sample *c)
{
	size_t pos = g->start, end = g->start + g->len;

	if (g->wt == WT_VARINT)
		return sample_value(p, c, g->v, g->at, s->d);
	if (g->wt != WT_LEN)
		return diag_fail_at(s->d, DIAG_FORMAT, (int64_t)g->at,
				    "field %u (%s) has wire type %d (expected 0 or 2)", g->num,
				    "value", g->wt);
	while (pos < end) {
		size_t at = pos;
		uint64_t v;

		if (packed_varint(s, &pos, end, &v) != 0 || sample_value(p, c, v, at, s->d) != 0)
			return -1;
	}
	return 0;
}

/* Pass 3: stream the samples into totals and sites. */
static int
proto_samples(struct proto *p, struct pprof_summary *sum, struct sites *sites)
{
	struct rd r = p->r;
	struct field f;
	struct sample c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.vals = xcalloc(p->ntypes ? p->ntypes : 1, sizeof(*c.vals));
	while ((rc = rd_field(&r, &f)) > 0) {
		struct rd s;
		struct field g;
		int src;
		size_t k;

		if (f.num != F_SAMPLE)
			continue;
		s = rd_sub(&r, &f);
		c.nvals = 0;
		c.ntok = 0;
		while ((src = rd_field(&s, &g)) > 0) {
			if (g.num == 1 && sample_locs(p, &s, &g, &c) != 0)
				goto fail;
			if (g.num == 2 && sample_values(p, &s, &g, &c) != 0)
				goto fail;
		}
		if (src < 0)
			goto fail;
		if (c.nvals != p->ntypes) {
			diag_fail_at(r.d, DIAG_FORMAT, (int64_t)f.at,
				     "sample has %zu values (expected %zu, one per sample type)",
				     c.nvals, p->ntypes);
			goto fail;
		}
		for (k = 0; k < p->ntypes; k++) {
			if (__builtin_add_overflow(sum->types[k].total, c.vals[k],
						   &sum->types[k].total)) {
				diag_fail_at(r.d, DIAG_FORMAT, (int64_t)f.at,
					     "sample values overflow a 64-bit total");
				goto fail;
			}
		}
		sum->samples++;
		if (sites_add(sites, c.tok, c.ntok, c.vals, (int64_t)f.at, r.d) != 0)
			goto fail;
	}
	free(c.vals);
	return rc;
fail:
	free(c.vals);
	return -1;
}

static char *
proto_str(const struct proto *p, uint64_t idx)
{
	if (idx >= p->nstr)
		return xstrdup("");
	return xstrndup((const char *)p->r.base + p->str[idx].off, p->str[idx].len);
}

static void
proto_frame_name(void *ctx, uint64_t tok, struct buf *out)
{
	const struct proto *p = ctx;

	if (tok & TOK_LOC) {
		buf_printf(out, "0x%llx", (unsigned long long)p->loc[tok & ~TOK_LOC].address);
	} else {
		const struct pfunc *fn = &p->fn[tok - 1];
		uint64_t idx = fn->name;

		if (idx == 0 || p->str[idx].len == 0)
			idx = fn->system_name;
		if (idx == 0 || p->str[idx].len == 0)
			buf_printf(out, "function#%llu", (unsigned long long)fn->id);
		else
			buf_add(out, p->r.base + p->str[idx].off, p->str[idx].len);
	}
}

static void
proto_release(struct proto *p)
{
	free(p->str);
	free(p->types);
	free(p->fn);
	free(p->loc);
	free(p->lines);
	u64map_release(&p->fnmap);
	u64map_release(&p->locmap);
	free(p->loc_dense);
	free(p->toks);
}

int
pprof_parse(const void *buf, size_t len, const struct limits *lim, struct pprof_summary **out,
	    struct diag *d)
{
	struct proto p;
	struct pprof_summary *sum = NULL;
	struct sites sites;
	size_t i;
	int rc = -1;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	memset(&sites, 0, sizeof(sites));
	p.r.base = buf;
	p.r.pos = 0;
	p.r.end = len;
	p.r.d = d;
	p.lim = lim;
	if (proto_count(&p) != 0)
		goto out;
	if (proto_fill(&p) != 0 || proto_link(&p) != 0)
		goto out;
	proto_tokens(&p);
	sum = summary_new("proto");
	sum->ntypes = p.ntypes;
	sum->types = xcalloc(p.ntypes ? p.ntypes : 1, sizeof(*sum->types));
	for (i = 0; i < p.ntypes; i++) {
		sum->types[i].type = proto_str(&p, p.types[i][0]);
		sum->types[i].unit = proto_str(&p, p.types[i][1]);
	}
	sum->period_type = proto_str(&p, p.period_type[0]);
	sum->period_unit = proto_str(&p, p.period_type[1]);
	sum->period = p.period;
	sum->time_nanos = p.time_nanos;
	sum->duration_nanos = p.duration_nanos;
	if (p.default_sample_type != 0)
		sum->default_sample_type = proto_str(&p, p.default_sample_type);
	sum->locations = p.nloc;
	sum->functions = p.nfunc;
	sum->sort_type = choose_sort_type(sum);
	sites_init(&sites, p.ntypes);
	if (proto_samples(&p, sum, &sites) != 0)
		goto out;
	sites_emit(&sites, sum, lim->pprof_top_sites, proto_frame_name, &p);
	*out = sum;
	sum = NULL;
	rc = 0;
out:
	sites_release(&sites);
	pprof_summary_free(sum);
	proto_release(&p);
	return rc;
}

/* ---- legacy text profiles ---- */

enum legacy_kind { LEG_HEADER, LEG_GO_SAMPLES, LEG_JAVA_ATTRS, LEG_JAVA_SAMPLES,
		   LEG_JAVA_LOCS, LEG_DONE };

struct legacy {
	const struct limits *lim;
	struct pprof_summary *sum;
	enum legacy_kind state;
	int v2;			/* unsample with the Poisson scale */
	int has_alloc;
	int java;
	int64_t rate;
	struct sites sites;
	struct u64map locset;	/* distinct (adjusted) addresses */
	struct u64map symmap;	/* address -> names index + 1 */
	char **names;
	size_t nnames, capnames;
};

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

struct cur {
	const char *p, *end;
};

static void
skip_sp(struct cur *c)
{
	while (c->p < c->end && is_space((unsigned char)*c->p))
		c->p++;
}

static int
eat(struct cur *c, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

/* Digits with an optional '-' as text (for hasAlloc's comparison) and value. */
static int
number(struct cur *c, int allow_neg, const char **txt, size_t *txtlen, int64_t *v)
{
	const char *s = c->p;

	if (allow_neg && c->p < c->end && *c->p == '-')
		c->p++;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	if (num_parse_i64(s, (size_t)(c->p - s), v) != 0) {
		c->p = s;
		return 0;
	}
	if (txt != NULL) {
		*txt = s;
		*txtlen = (size_t)(c->p - s);
	}
	return 1;
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_space((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_space((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static int
contains(const char *s, size_t n, const char *lit)
{
	size_t k = strlen(lit), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(s + i, lit, k) == 0)
			return 1;
	return 0;
}

static void
set_types(struct legacy *L, const char *const *names, const char *space_unit, size_t n)
{
	size_t i;

	L->sum->ntypes = n;
	L->sum->types = xcalloc(n, sizeof(*L->sum->types));
	for (i = 0; i < n; i++) {
		L->sum->types[i].type = xstrdup(names[i]);
		L->sum->types[i].unit = xstrdup(i % 2 ? space_unit : "count");
	}
	sites_init(&L->sites, n);
}

/* The header `heap profile: 1: 2 [3: 4] @ heap/1048576` (google/pprof parseHeapHeader). */
static int
legacy_header(struct legacy *L, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	struct cur c = { s, s + n };
	const char *t[4], *kind;
	size_t tl[4], kl;
	int64_t v[4], period = 0;
	int i;
	static const char *const alloc_types[] = { "alloc_objects", "alloc_space",
						   "inuse_objects", "inuse_space" };
	static const char *const plain_types[] = { "objects", "space" };

	skip_sp(&c);
	if (!eat(&c, "heap profile:"))
		goto bad;
	for (i = 0; i < 4; i++) {
		skip_sp(&c);
		if (i == 2) {
			if (!eat(&c, "["))
				goto bad;
			skip_sp(&c);
		}
		if (!number(&c, 0, &t[i], &tl[i], &v[i]))
			goto bad;
		skip_sp(&c);
		if (i % 2 == 0 && !eat(&c, ":"))
			goto bad;
	}
	if (!eat(&c, "]"))
		goto bad;
	skip_sp(&c);
	if (!eat(&c, "@"))
		goto bad;
	skip_sp(&c);
	L->sum->period_type = xstrdup("space");
	L->sum->period_unit = xstrdup("bytes");
	if (eat(&c, "growthz") || eat(&c, "fragmentationz")) {
		L->sum->period = 1;
		set_types(L, plain_types, "bytes", 2);
		return 0;
	}
	kind = c.p;
	if (!eat(&c, "heap"))
		goto bad;
	while (c.p < c.end && ((*c.p >= 'a' && *c.p <= 'z') || (*c.p >= '0' && *c.p <= '9') ||
			       *c.p == '_'))
		c.p++;
	kl = (size_t)(c.p - kind);
	if (eat(&c, "/") && c.p < c.end && *c.p >= '0' && *c.p <= '9' &&
	    !number(&c, 0, NULL, NULL, &period))
		goto bad;
	L->has_alloc = (!(tl[2] == tl[0] && memcmp(t[2], t[0], tl[0]) == 0) &&
			!(tl[2] == 1 && t[2][0] == '0')) ||
		       (!(tl[3] == tl[1] && memcmp(t[3], t[1], tl[1]) == 0) &&
			!(tl[3] == 1 && t[3][0] == '0'));
	if ((kl == 8 && memcmp(kind, "heapz_v2", 8) == 0) ||
	    (kl == 7 && memcmp(kind, "heap_v2", 7) == 0)) {
		L->v2 = 1;
	} else if (kl == 11 && memcmp(kind, "heapprofile", 11) == 0) {
		period = 1;
	} else if (kl == 4 && memcmp(kind, "heap", 4) == 0) {
		/* Go writes 2*MemProfileRate here: google/pprof halves it. */
		L->v2 = 1;
		period /= 2;
	} else {
		return diag_fail(d, DIAG_FORMAT, lineno,
				 "unknown heap profile kind \"%.*s\" (expected heap, heap_v2, heapz_v2 or heapprofile)",
				 (int)(kl > 64 ? 64 : kl), kind);
	}
	L->rate = period;
	L->sum->period = period;
	if (L->has_alloc)
		set_types(L, alloc_types, "bytes", 4);
	else
		set_types(L, plain_types, "bytes", 2);
	return 0;
bad:
	return diag_fail(d, DIAG_FORMAT, lineno,
			 "bad heap profile header \"%.*s\" (expected `heap profile: N: N [N: N] @ heap/RATE`)",
			 (int)(n > 80 ? 80 : n), s);
}

/* google/pprof scaleHeapSample: divide by the probability 1-exp(-avg/rate). */
static int
scale_heap(int64_t *count, int64_t *size, int64_t rate)
{
	double avg, scale, c, s;

	if (*count == 0 || *size == 0) {
		*count = *size = 0;
		return 0;
	}
	if (rate <= 1)
		return 0;
	avg = (double)*size / (double)*count;
	scale = 1 / (1 - exp(-avg / (double)rate));
	c = (double)*count * scale;
	s = (double)*size * scale;
	if (!(fabs(c) < 9.2e18) || !(fabs(s) < 9.2e18))
		return -1;
	*count = (int64_t)c;
	*size = (int64_t)s;
	return 0;
}

static int
add_totals(struct legacy *L, const int64_t *vals, uint64_t lineno, struct diag *d)
{
	size_t k;

	for (k = 0; k < L->sum->ntypes; k++)
		if (__builtin_add_overflow(L->sum->types[k].total, vals[k], &L->sum->types[k].total))
			return diag_fail(d, DIAG_FORMAT, lineno, "sample values overflow a 64-bit total");
	return 0;
}

/* Hex addresses "0x.. 0x.."; adjust subtracts 1 from non-leaf frames for the location count. */
static int
legacy_frames(struct legacy *L, struct cur *c, int adjust, uint64_t *tok, uint32_t *ntok,
	      uint64_t lineno, struct diag *d)
{
	size_t i = 0;

	*ntok = 0;
	for (;;) {
		const char *h;
		uint64_t a, key;
		int found;

		skip_sp(c);
		if (c->p >= c->end)
			break;
		if (!eat(c, "0x"))
			return diag_fail(d, DIAG_FORMAT, lineno,
					 "bad stack address \"%.*s\" (expected 0x followed by hex digits)",
					 (int)(c->end - c->p > 32 ? 32 : c->end - c->p), c->p);
		h = c->p;
		while (c->p < c->end && ((*c->p >= '0' && *c->p <= '9') || (*c->p >= 'a' && *c->p <= 'f')))
			c->p++;
		if (num_parse_hex(h, (size_t)(c->p - h), &a) != 0)
			return diag_fail(d, DIAG_FORMAT, lineno,
					 "bad stack address \"0x%.*s\" (expected at most 16 hex digits)",
					 (int)(c->p - h > 32 ? 32 : c->p - h), h);
		key = (adjust && i > 0) ? a - 1 : a;
		if (key != 0 && (u64map_slot(&L->locset, key, &found), !found) &&
		    L->locset.n > L->lim->pprof_locations)
			return diag_fail(d, DIAG_LIMIT, lineno, "more than %llu locations (limit pprof_locations)",
					 (unsigned long long)L->lim->pprof_locations);
		if (*ntok < PPROF_SITE_FRAMES)
			tok[(*ntok)++] = a;
		i++;
	}
	return 0;
}

/* A sample `N: M [N2: M2] @ 0x.. 0x..` (google/pprof parseHeapSample). */
static int
legacy_go_sample(struct legacy *L, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	struct cur c = { s, s + n };
	int64_t v[4], vals[4];
	uint64_t tok[PPROF_SITE_FRAMES];
	uint32_t ntok;
	size_t nv = 0;
	int i;

	for (i = 0; i < 4; i++) {
		skip_sp(&c);
		if (i == 2) {
			if (!eat(&c, "["))
				goto bad;
			skip_sp(&c);
		}
		if (!number(&c, i < 2, NULL, NULL, &v[i]))
			goto bad;
		skip_sp(&c);
		if (i % 2 == 0 && !eat(&c, ":"))
			goto bad;
	}
	if (!eat(&c, "]"))
		goto bad;
	skip_sp(&c);
	if (!eat(&c, "@"))
		goto bad;
	for (i = L->has_alloc ? 2 : 0; i >= 0; i -= 2) {
		int64_t count = v[i], size = v[i + 1];

		if (count == 0 && size != 0)
			return diag_fail(d, DIAG_FORMAT, lineno,
					 "%s count is 0 but its bytes are %lld (expected 0)",
					 i ? "allocation" : "inuse", (long long)size);
		if (count != 0 && L->v2 && scale_heap(&count, &size, L->rate) != 0)
			return diag_fail(d, DIAG_FORMAT, lineno, "sample value too large to unsample");
		vals[nv++] = count;
		vals[nv++] = size;
	}
	if (++L->sum->samples > L->lim->pprof_samples)
		return diag_fail(d, DIAG_LIMIT, lineno, "more than %llu samples (limit pprof_samples)",
				 (unsigned long long)L->lim->pprof_samples);
	if (legacy_frames(L, &c, 1, tok, &ntok, lineno, d) != 0)
		return -1;
	if (add_totals(L, vals, lineno, d) != 0)
		return -1;
	return sites_add(&L->sites, tok, ntok, vals, -1, d) == 0 ? 0 :
		diag_fail(d, DIAG_FORMAT, lineno, "sample values overflow a 64-bit total");
bad:
	return diag_fail(d, DIAG_FORMAT, lineno,
			 "bad heap sample \"%.*s\" (expected `N: N [N: N] @ 0x...`)",
			 (int)(n > 80 ? 80 : n), s);
}

/* Remember a symbol, `ADDR NAME`, for the frames of the top sites. */
static int
add_symbol(struct legacy *L, uint64_t addr, const char *name, size_t n, uint64_t lineno,
	   struct diag *d)
{
	uint32_t *slot;
	int found;

	if (addr == 0 || n == 0)
		return 0;
	slot = u64map_slot(&L->symmap, addr, &found);
	if (found)
		return 0;	/* the first name is the innermost inlined function */
	if (L->nnames >= L->lim->pprof_locations)
		return diag_fail(d, DIAG_LIMIT, lineno, "more than %llu symbols (limit pprof_locations)",
				 (unsigned long long)L->lim->pprof_locations);
	if (L->nnames == L->capnames) {
		L->capnames = L->capnames ? size_mul(L->capnames, 2) : 64;
		L->names = xreallocarray(L->names, L->capnames, sizeof(*L->names));
	}
	L->names[L->nnames++] = xstrndup(name, n);
	*slot = (uint32_t)L->nnames;
	return 0;
}

/*
 * Go's debug=1 output follows each sample with `#\t0xPC\tfunc+0xOFF\tfile:line`
 * lines; PC is the sample's address minus one (CallersFrames), so the
 * symbol is filed under PC + 1.
 */
static int
go_symbol_comment(struct legacy *L, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	struct cur c = { s + 1, s + n };
	const char *h, *name;
	uint64_t pc;

	skip_sp(&c);
	if (!eat(&c, "0x"))
		return 0;
	h = c.p;
	while (c.p < c.end && !is_space((unsigned char)*c.p))
		c.p++;
	if (num_parse_hex(h, (size_t)(c.p - h), &pc) != 0)
		return 0;
	skip_sp(&c);
	name = c.p;
	while (c.p < c.end && !is_space((unsigned char)*c.p))
		c.p++;
	/* Drop "+0x2c" but keep '+' inside names. */
	{
		const char *e = c.p, *plus = NULL, *q;

		for (q = name; q + 2 < e; q++)
			if (q[0] == '+' && q[1] == '0' && q[2] == 'x')
				plus = q;
		if (plus != NULL)
			e = plus;
		return add_symbol(L, pc + 1, name, (size_t)(e - name), lineno, d);
	}
}

/* Java `0xADDR function (File.java:12)` (google/pprof parseJavaLocations, simplified). */
static int
java_location(struct legacy *L, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	struct cur c = { s, s + n };
	const char *h, *name;
	uint64_t a;
	size_t nl, i;

	if (!eat(&c, "0x"))
		return 0;
	h = c.p;
	while (c.p < c.end && !is_space((unsigned char)*c.p))
		c.p++;
	if (num_parse_hex(h, (size_t)(c.p - h), &a) != 0 || c.p == c.end)
		return 0;
	skip_sp(&c);
	name = c.p;
	nl = (size_t)(c.end - c.p);
	if (nl > 0 && name[nl - 1] == ')') {
		for (i = nl; i-- > 1;)
			if (name[i] == '(' && is_space((unsigned char)name[i - 1])) {
				nl = i;
				while (nl > 0 && is_space((unsigned char)name[nl - 1]))
					nl--;
				break;
			}
	}
	if (contains(name, nl, "generated stub/JIT")) {
		name = "STUB";
		nl = 4;
	}
	return add_symbol(L, a, name, nl, lineno, d);
}

/* ` *(\d+) +(\d+) +@ +addrs`: size, count (inverted), scaled at 512 KiB. */
static int
java_sample(struct legacy *L, const char *s, size_t n, uint64_t lineno, int *matched,
	    struct diag *d)
{
	struct cur c = { s, s + n };
	int64_t size, count, vals[2];
	uint64_t tok[PPROF_SITE_FRAMES];
	uint32_t ntok;

	*matched = 0;
	if (!number(&c, 0, NULL, NULL, &size) || c.p == c.end || !is_space((unsigned char)*c.p))
		return 0;
	skip_sp(&c);
	if (!number(&c, 0, NULL, NULL, &count) || c.p == c.end || !is_space((unsigned char)*c.p))
		return 0;
	skip_sp(&c);
	if (!eat(&c, "@"))
		return 0;
	*matched = 1;
	if (count == 0)
		return diag_fail(d, DIAG_FORMAT, lineno, "java heap sample with a count of 0 (expected non-zero)");
	if (scale_heap(&count, &size, 524288) != 0)
		return diag_fail(d, DIAG_FORMAT, lineno, "sample value too large to unsample");
	vals[0] = count;
	vals[1] = size;
	if (++L->sum->samples > L->lim->pprof_samples)
		return diag_fail(d, DIAG_LIMIT, lineno, "more than %llu samples (limit pprof_samples)",
				 (unsigned long long)L->lim->pprof_samples);
	if (legacy_frames(L, &c, 0, tok, &ntok, lineno, d) != 0 || add_totals(L, vals, lineno, d) != 0)
		return -1;
	return sites_add(&L->sites, tok, ntok, vals, -1, d) == 0 ? 0 :
		diag_fail(d, DIAG_FORMAT, lineno, "sample values overflow a 64-bit total");
}

/* `key = value` in a Java header; 1 if the line was an attribute. */
static int
java_attr(struct legacy *L, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	const char *eq = memchr(s, '=', n), *k = s, *v;
	size_t kn, vn;

	if (eq == NULL)
		return 0;
	kn = (size_t)(eq - s);
	v = eq + 1;
	vn = n - kn - 1;
	trim(&k, &kn);
	trim(&v, &vn);
	if (kn == 6 && memcmp(k, "format", 6) == 0) {
		if (!(vn == 4 && memcmp(v, "java", 4) == 0))
			return diag_fail(d, DIAG_FORMAT, lineno,
					 "java heapz format \"%.*s\" (expected java)", (int)(vn > 40 ? 40 : vn), v);
		return 1;
	}
	if (kn == 10 && memcmp(k, "resolution", 10) == 0) {
		static const char *const types[] = { "inuse_objects", "inuse_space" };
		char unit[64];

		if (L->sum->types != NULL)
			return diag_fail(d, DIAG_FORMAT, lineno, "resolution given twice (expected once)");
		snprintf(unit, sizeof(unit), "%.*s", (int)(vn > 63 ? 63 : vn), v);
		set_types(L, types, unit, 2);
		return 1;
	}
	return diag_fail(d, DIAG_FORMAT, lineno,
			 "unknown java heapz attribute \"%.*s\" (expected format or resolution)",
			 (int)(kn > 40 ? 40 : kn), k);
}

static int
legacy_line(void *ctx, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	struct legacy *L = ctx;
	int matched;

	if (L->state == LEG_HEADER) {
		const char *t = s;
		size_t tn = n;

		trim(&t, &tn);
		if (tn == 15 && memcmp(t, "--- heapz 1 ---", 15) == 0) {
			L->java = 1;
			L->sum->format = "java-heapz";
			L->sum->period_type = xstrdup("");
			L->sum->period_unit = xstrdup("");
			L->state = LEG_JAVA_ATTRS;
			return 0;
		}
		if (legacy_header(L, s, n, lineno, d) != 0)
			return -1;
		L->state = LEG_GO_SAMPLES;
		return 0;
	}
	trim(&s, &n);
	switch (L->state) {
	case LEG_GO_SAMPLES:
		if (n > 0 && s[0] == '#')
			return go_symbol_comment(L, s, n, lineno, d);
		if (n == 0)
			return 0;
		if (contains(s, n, "--- Memory map: ---") || contains(s, n, "MAPPED_LIBRARIES:")) {
			L->state = LEG_DONE;
			return 0;
		}
		return legacy_go_sample(L, s, n, lineno, d);
	case LEG_JAVA_ATTRS:
		if (n == 0)
			return 0;
		switch (java_attr(L, s, n, lineno, d)) {
		case 1:
			return 0;
		case -1:
			return -1;
		default:
			break;
		}
		if (L->sum->types == NULL)
			return diag_fail(d, DIAG_FORMAT, lineno,
					 "java heapz profile without a resolution attribute (expected `resolution = bytes`)");
		L->state = LEG_JAVA_SAMPLES;
		/* fall through */
	case LEG_JAVA_SAMPLES:
		if (n == 0)
			return 0;
		if (java_sample(L, s, n, lineno, &matched, d) != 0)
			return -1;
		if (matched)
			return 0;
		L->state = LEG_JAVA_LOCS;
		/* fall through */
	case LEG_JAVA_LOCS:
		return java_location(L, s, n, lineno, d);
	default:
		return 0;
	}
}

static void
legacy_frame_name(void *ctx, uint64_t tok, struct buf *out)
{
	const struct legacy *L = ctx;
	uint32_t i;

	if (u64map_get(&L->symmap, tok, &i) && i > 0)
		buf_puts(out, L->names[i - 1]);
	else
		buf_printf(out, "0x%llx", (unsigned long long)tok);
}

int
pprof_is_legacy(const void *buf, size_t len)
{
	const char *s = buf;
	size_t n = len;

	trim(&s, &n);
	return (n >= 13 && memcmp(s, "heap profile:", 13) == 0) ||
	       (n >= 9 && memcmp(s, "--- heapz", 9) == 0);
}

int
pprof_parse_legacy(const char *text, size_t len, const struct limits *lim,
		   struct pprof_summary **out, struct diag *d)
{
	struct legacy L;
	size_t i;
	int rc = -1;

	*out = NULL;
	memset(&L, 0, sizeof(L));
	L.lim = lim;
	L.sum = summary_new("legacy-heap");
	u64map_init(&L.locset, 64);
	u64map_init(&L.symmap, 64);
	if (lines_each(text, len, lim->line_bytes, legacy_line, &L, d) != 0)
		goto out;
	if (L.state == LEG_HEADER) {
		diag_fail(d, DIAG_FORMAT, 1, "empty heap profile (expected a `heap profile:` header)");
		goto out;
	}
	if (L.sum->types == NULL) {
		diag_fail(d, DIAG_FORMAT, 0, "java heapz profile without a resolution attribute (expected `resolution = bytes`)");
		goto out;
	}
	L.sum->locations = L.locset.n;
	L.sum->sort_type = choose_sort_type(L.sum);
	sites_emit(&L.sites, L.sum, lim->pprof_top_sites, legacy_frame_name, &L);
	*out = L.sum;
	L.sum = NULL;
	rc = 0;
out:
	for (i = 0; i < L.nnames; i++)
		free(L.names[i]);
	free(L.names);
	sites_release(&L.sites);
	u64map_release(&L.locset);
	u64map_release(&L.symmap);
	pprof_summary_free(L.sum);
	return rc;
}
