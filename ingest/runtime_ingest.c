#include "ingest/runtime_ingest.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/num.h"
#include "core/xalloc.h"
#include "ingest/bundle.h"
#include "ingest/expvar.h"
#include "ingest/kv.h"
#include "ingest/memstats.h"
#include "ingest/pprof.h"
#include "ingest/prom.h"
#include "ingest/runtime.h"

/* A value as the member wrote it, kept for the runtime_raw table. */
struct raw_value {
	const char *source;	/* static */
	char *name;
	int has_value;
	int64_t value;
	char *text;
};

struct series {
	char *name;
	char *labels;
	double value;
};

struct runtime_ingest {
	const struct limits *lim;
	struct runtime_set *rs;
	struct pprof_summary *profile;		/* from heap.pb.gz */
	struct pprof_summary *legacy;		/* from heap.txt, used without heap.pb.gz */
	struct raw_value *raw;
	size_t nraw, cap_raw;
	struct series *series;
	size_t nseries, cap_series;
	int saw_runtime;
};

struct runtime_ingest *
runtime_ingest_new(const struct limits *lim)
{
	struct runtime_ingest *rt = xcalloc(1, sizeof(*rt));

	rt->lim = lim;
	rt->rs = runtime_set_new();
	return rt;
}

void
runtime_ingest_free(struct runtime_ingest *rt)
{
	size_t i;

	if (rt == NULL)
		return;
	runtime_set_free(rt->rs);
	pprof_summary_free(rt->profile);
	pprof_summary_free(rt->legacy);
	for (i = 0; i < rt->nraw; i++) {
		free(rt->raw[i].name);
		free(rt->raw[i].text);
	}
	free(rt->raw);
	for (i = 0; i < rt->nseries; i++) {
		free(rt->series[i].name);
		free(rt->series[i].labels);
	}
	free(rt->series);
	free(rt);
}

/* What a kv parser says goes both to the normalised set and to runtime_raw. */
struct tee {
	struct runtime_ingest *rt;
	struct kv_sink set;
	const char *source;
};

static int
tee_put(void *ctx, const char *group, const char *key, int has_value, int64_t value,
	const char *text, uint64_t line, struct diag *d)
{
	struct tee *t = ctx;
	struct raw_value *r;

	if (t->rt->nraw == t->rt->cap_raw) {
		t->rt->cap_raw = t->rt->cap_raw ? t->rt->cap_raw * 2 : 64;
		t->rt->raw = xreallocarray(t->rt->raw, t->rt->cap_raw, sizeof(*t->rt->raw));
	}
	r = &t->rt->raw[t->rt->nraw++];
	r->source = t->source;
	r->name = xstrdup(key);
	r->has_value = has_value;
	r->value = value;
	r->text = text != NULL ? xstrdup(text) : NULL;
	return t->set.put(t->set.ctx, group, key, has_value, value, text, line, d);
}

static int
keep_series(void *ctx, const char *name, const char *labels, double value, uint64_t line,
	    struct diag *d)
{
	struct runtime_ingest *rt = ctx;
	struct series *s;

	if (rt->nseries == rt->cap_series) {
		rt->cap_series = rt->cap_series ? rt->cap_series * 2 : 64;
		rt->series = xreallocarray(rt->series, rt->cap_series, sizeof(*rt->series));
	}
	s = &rt->series[rt->nseries++];
	s->name = xstrdup(name);
	s->labels = xstrdup(labels != NULL ? labels : "");
	s->value = value;
	return runtime_set_prom_fn(rt->rs, name, labels, value, line, d);
}

static int
parse_profile(struct runtime_ingest *rt, const char *data, size_t len, struct diag *d)
{
	char *raw = NULL;
	size_t raw_len = 0;
	int rc;

	if (bundle_gunzip(data, len, rt->lim->member_bytes, &raw, &raw_len, d) != 0)
		return -1;
	pprof_summary_free(rt->profile);
	rt->profile = NULL;
	if (pprof_is_legacy(raw, raw_len))
		rc = pprof_parse_legacy(raw, raw_len, rt->lim, &rt->profile, d);
	else
		rc = pprof_parse(raw, raw_len, rt->lim, &rt->profile, d);
	free(raw);
	return rc;
}

/*
 * What one member's parser put, held until the whole member has parsed: a
 * bad member is marked invalid and must leave nothing behind, but the
 * parsers put as they go. Strings sit in text, NUL-terminated, at offsets.
 */
struct staged_put {
	size_t group, key, text;	/* offsets in text; SIZE_MAX for none */
	int has_value;
	int64_t value;
	double real;		/* a series' value */
	uint64_t line;
};

struct staged {
	const struct limits *lim;	/* kv_rows caps the key/value puts of one member */
	struct staged_put *put;
	size_t n, cap;
	struct buf text;
};

static size_t
stage_str(struct staged *st, const char *s)
{
	size_t at = st->text.len;

	if (s == NULL)
		return SIZE_MAX;
	buf_add(&st->text, s, strlen(s) + 1);
	return at;
}

static struct staged_put *
stage_next(struct staged *st)
{
	if (st->n == st->cap) {
		st->cap = st->cap ? size_mul(st->cap, 2) : 64;
		st->put = xreallocarray(st->put, st->cap, sizeof(*st->put));
	}
	memset(&st->put[st->n], 0, sizeof(st->put[st->n]));
	return &st->put[st->n++];
}

static const char *
staged_str(const struct staged *st, size_t at)
{
	return at == SIZE_MAX ? NULL : st->text.data + at;
}

static void
staged_release(struct staged *st)
{
	free(st->put);
	buf_release(&st->text);
}

static int
stage_put(void *ctx, const char *group, const char *key, int has_value, int64_t value,
	  const char *text, uint64_t line, struct diag *d)
{
	struct staged *st = ctx;
	struct staged_put *p;

	/* a key/value member's values, as for the members stored directly */
	if (st->n >= st->lim->kv_rows) {
		diag_fail(d, DIAG_LIMIT, line, "more than %llu values in one member (limit kv_rows)",
			  (unsigned long long)st->lim->kv_rows);
		diag_hint(d, "raise it with --limit kv_rows=N if the input is genuine");
		return -1;
	}
	p = stage_next(st);
	p->group = stage_str(st, group);
	p->key = stage_str(st, key);
	p->text = stage_str(st, text);
	p->has_value = has_value;
	p->value = value;
	p->line = line;
	return 0;
}

static int
stage_series(void *ctx, const char *name, const char *labels, double value, uint64_t line,
	     struct diag *d)
{
	struct staged *st = ctx;
	struct staged_put *p = stage_next(st);	/* prom_parse caps them (prom_series) */

	(void)d;
	p->key = stage_str(st, name);
	p->text = stage_str(st, labels);
	p->real = value;
	p->line = line;
	return 0;
}

/* The staged puts of a member that parsed whole, into the sink. */
static int
keep_kv(const struct staged *st, const struct kv_sink *sink, struct diag *d)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		const struct staged_put *p = &st->put[i];

		if (sink->put(sink->ctx, staged_str(st, p->group), staged_str(st, p->key),
			      p->has_value, p->value, staged_str(st, p->text), p->line, d) != 0)
			return -1;
	}
	return 0;
}

/* The staged series of a metrics.prom that parsed whole. */
static int
keep_all_series(struct runtime_ingest *rt, const struct staged *st, struct diag *d)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		const struct staged_put *p = &st->put[i];

		if (keep_series(rt, staged_str(st, p->key), staged_str(st, p->text), p->real,
				p->line, d) != 0)
			return -1;
	}
	return 0;
}

int
runtime_ingest_member(struct runtime_ingest *rt, const char *rel, const char *data, size_t len,
		      struct diag *d)
{
	struct tee t = { rt, runtime_set_sink(rt->rs), NULL };
	struct kv_sink sink = { tee_put, &t };
	struct staged st = { rt->lim, NULL, 0, 0, BUF_INIT };
	struct kv_sink stage = { stage_put, &st };
	int rc = 0;

	rt->saw_runtime = 1;
	if (strcmp(rel, "runtime/heap.pb.gz") == 0)
		return parse_profile(rt, data, len, d);
	if (strcmp(rel, "runtime/heap.txt") == 0) {
		t.source = "heap.txt";
		rc = memstats_parse(data, len, rt->lim, &stage, d) != 0 ? -1 : keep_kv(&st, &sink, d);
		if (rc != 0)
			goto out;
		/* the same text is a legacy heap profile: the fallback when heap.pb.gz is absent */
		pprof_summary_free(rt->legacy);
		rt->legacy = NULL;
		if (pprof_is_legacy(data, len)) {
			struct diag ignored;

			diag_clear(&ignored);
			if (pprof_parse_legacy(data, len, rt->lim, &rt->legacy, &ignored) != 0)
				rt->legacy = NULL;
		}
	} else if (strcmp(rel, "runtime/metrics.prom") == 0) {
		rc = prom_parse(data, len, rt->lim, stage_series, &st, d) != 0
			? -1 : keep_all_series(rt, &st, d);
	} else if (strcmp(rel, "runtime/vars.json") == 0) {
		t.source = "vars.json";
		rc = expvar_parse(data, len, rt->lim, &stage, d) != 0 ? -1 : keep_kv(&st, &sink, d);
	}
out:
	staged_release(&st);
	return rc;
}

static int64_t
site_value(const struct pprof_summary *p, const struct pprof_site *s, const char *type)
{
	int i = pprof_type_index(p, type);

	return i < 0 ? INT64_MIN : s->values[i];
}

static int
store_profile(const struct pprof_summary *p, struct db *db, int64_t id, struct diag *d)
{
	size_t i;

	for (i = 0; i < p->ntypes; i++)
		if (db_pprof_total_put(db, id, p->types[i].type, p->types[i].unit, p->types[i].total,
				       d) != 0)
			return -1;
	for (i = 0; i < p->nsites; i++) {
		const struct pprof_site *s = &p->sites[i];

		if (db_pprof_site_put(db, id, (int64_t)i + 1, s->leaf, s->frames,
				      site_value(p, s, "inuse_space"), site_value(p, s, "inuse_objects"),
				      site_value(p, s, "alloc_space"), site_value(p, s, "alloc_objects"),
				      s->large_space, s->large_objects, d) != 0)
			return -1;
	}
	return 0;
}

static int
store_disagreements(struct runtime_ingest *rt, struct db *db, int64_t id, struct diag *d)
{
	const struct runtime_disagreement *dis;
	size_t i, n;

	dis = runtime_set_disagreements(rt->rs, &n);
	for (i = 0; i < n; i++) {
		struct buf msg = BUF_INIT;
		int rc;

		buf_printf(&msg, "%s: %s says %.0f, %s says %.0f (captured moments apart, or a "
				 "source is wrong)", dis[i].name, runtime_source_name(dis[i].source),
			   dis[i].value, runtime_source_name(dis[i].other_source), dis[i].other);
		rc = db_note_put(db, id, "runtime", 0, buf_str(&msg), d);
		buf_release(&msg);
		if (rc != 0)
			return -1;
	}
	return 0;
}

int
runtime_ingest_store(struct runtime_ingest *rt, struct db *db, int64_t id, struct diag *d)
{
	const struct runtime_value *v;
	struct db_row *rows;
	size_t i, n, nrows;
	int rc;

	if (rt->profile != NULL) {
		if (store_profile(rt->profile, db, id, d) != 0)
			return -1;
	} else if (rt->legacy != NULL) {
		if (store_profile(rt->legacy, db, id, d) != 0 ||
		    db_note_put(db, id, "runtime/heap.txt", 0,
				"no usable heap.pb.gz: profile totals from heap.txt", d) != 0)
			return -1;
	}
	runtime_set_normalise(rt->rs);
	v = runtime_set_values(rt->rs, &n);
	/* each table in one statement (db_rows_put) */
	rows = xcalloc(size_add(size_add(rt->nraw, rt->nseries), n) + 1, sizeof(*rows));
	for (i = 0; i < rt->nraw; i++) {
		rows[i].group = rt->raw[i].source;
		rows[i].key = rt->raw[i].name;
		rows[i].has_value = rt->raw[i].has_value;
		rows[i].value = rt->raw[i].value;
		rows[i].text = rt->raw[i].text;
	}
	rc = db_rows_put(db, DB_ROWS_RUNTIME_RAW, id, rows, rt->nraw, d);
	for (i = 0; rc == 0 && i < rt->nseries; i++) {
		memset(&rows[i], 0, sizeof(rows[i]));
		rows[i].group = rt->series[i].name;
		rows[i].key = rt->series[i].labels;
		rows[i].real = rt->series[i].value;
	}
	if (rc == 0)
		rc = db_rows_put(db, DB_ROWS_PROM, id, rows, rt->nseries, d);
	for (i = 0, nrows = 0; rc == 0 && i < n; i++) {
		if (!v[i].present || !isfinite(v[i].value))
			continue;
		memset(&rows[nrows], 0, sizeof(rows[nrows]));
		rows[nrows].key = v[i].name;
		rows[nrows].has_value = 1;
		rows[nrows].value = (int64_t)llround(v[i].value);
		rows[nrows].group = runtime_source_name(v[i].source);
		nrows++;
	}
	if (rc == 0)
		rc = db_rows_put(db, DB_ROWS_RUNTIME, id, rows, nrows, d);
	free(rows);
	if (rc != 0)
		return -1;
	return store_disagreements(rt, db, id, d);
}
