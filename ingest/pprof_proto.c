/*
 * runtime/heap.pb.gz once gunzipped: a profile.proto message decoded in
 * three passes over the wire format (ingest/pprof_wire.h): count and check
 * against the caps, fill the tables, then stream the samples into sites
 * (ingest/pprof_int.h). pprof_parse is the entry point.
 */
#include "ingest/pprof.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/num.h"
#include "core/xalloc.h"
#include "ingest/pprof_int.h"
#include "ingest/pprof_wire.h"

/*
 * profile.proto field numbers (google/pprof proto/profile.proto).
 */
enum {
	F_SAMPLE_TYPE = 1, F_SAMPLE = 2, F_MAPPING = 3, F_LOCATION = 4, F_FUNCTION = 5,
	F_STRING_TABLE = 6, F_DROP_FRAMES = 7, F_KEEP_FRAMES = 8, F_TIME_NANOS = 9,
	F_DURATION_NANOS = 10, F_PERIOD_TYPE = 11, F_PERIOD = 12, F_COMMENT = 13,
	F_DEFAULT_SAMPLE_TYPE = 14,
};

static const char *const field_names[] = {
	"", "sample_type", "sample", "mapping", "location", "function", "string_table",
	"drop_frames", "keep_frames", "time_nanos", "duration_nanos", "period_type",
	"period", "comment", "default_sample_type",
};

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
	sum = pprof_summary_new("proto");
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
	sites_track_large(&sites, sum);
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
