#include "analyze/trend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/snapshot.h"
#include "core/num.h"
#include "core/xalloc.h"

static const char *const word_names[] = {
	[TREND_STEADY] = "steady",
	[TREND_GROWING_WITH_RUNTIME] = "growing-with-runtime",
	[TREND_GROWING_BEYOND_RUNTIME] = "growing-beyond-runtime",
	[TREND_GROWING] = "growing",
	[TREND_SHRINKING] = "shrinking",
	[TREND_SAWTOOTH] = "sawtooth",
};

static const char *const word_labels[] = {
	[TREND_STEADY] = "steady",
	[TREND_GROWING_WITH_RUNTIME] = "growing with the runtime",
	[TREND_GROWING_BEYOND_RUNTIME] = "growing beyond the runtime",
	[TREND_GROWING] = "growing (no runtime numbers to compare)",
	[TREND_SHRINKING] = "shrinking",
	[TREND_SAWTOOTH] = "sawtooth",
};

static const char *const series_names[] = {
	[TREND_RSS] = "rss",
	[TREND_ESTIMATE] = "go_estimate",
	[TREND_HEAP] = "heap_inuse",
	[TREND_GAP] = "gap",
};

const char *
trend_word_name(enum trend_word w)
{
	return word_names[w];
}

const char *
trend_word_label(enum trend_word w)
{
	return word_labels[w];
}

const char *
trend_series_name(enum trend_series_kind k)
{
	return series_names[k];
}

static int
cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return a < b ? -1 : a > b;
}

int
trend_fit(const double *x, const double *y, int n, double *slope)
{
	size_t pairs = 0, cap = (size_t)n * (size_t)(n > 1 ? n - 1 : 1) / 2;
	double *sl = xcalloc(cap > 0 ? cap : 1, sizeof(*sl));
	int i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (x[j] != x[i])
				sl[pairs++] = (y[j] - y[i]) / (x[j] - x[i]);
	*slope = 0;
	if (pairs > 0) {
		qsort(sl, pairs, sizeof(*sl), cmp_double);
		*slope = pairs % 2 == 1 ? sl[pairs / 2] : (sl[pairs / 2 - 1] + sl[pairs / 2]) / 2;
	}
	free(sl);
	return pairs > 0 ? 0 : -1;
}

void
trend_slope_of(const int64_t *v, const int64_t *t, int t_ok, int n, struct trend_slope *s)
{
	double *x = xcalloc((size_t)n, sizeof(*x)), *y = xcalloc((size_t)n, sizeof(*y));
	int i;

	s->known = 1;
	s->first = v[0];
	s->last = v[n - 1];
	s->min = s->max = v[0];
	s->rise = s->fall = 0;
	for (i = 0; i < n; i++) {
		x[i] = i;
		y[i] = (double)v[i];
		if (v[i] < s->min)
			s->min = v[i];
		if (v[i] > s->max)
			s->max = v[i];
		if (i > 0 && v[i] - v[i - 1] > s->rise)
			s->rise = v[i] - v[i - 1];
		if (i > 0 && v[i - 1] - v[i] > s->fall)
			s->fall = v[i - 1] - v[i];
	}
	trend_fit(x, y, n, &s->per_snapshot);
	s->fitted = s->per_snapshot * (n - 1);
	s->per_minute_known = 0;
	s->per_minute = 0;
	if (t_ok && t[n - 1] > t[0]) {
		for (i = 0; i < n; i++)
			x[i] = (double)(t[i] - t[0]) / 60.0;
		s->per_minute_known = trend_fit(x, y, n, &s->per_minute) == 0;
	}
	free(x);
	free(y);
}

/* The series k of r's points into v; 0 when a point does not have it. */
static int
series_values(const struct trend_result *r, enum trend_series_kind k, int64_t *v)
{
	int i;

	for (i = 0; i < r->n; i++) {
		const struct trend_point *p = &r->points[i];

		switch (k) {
		case TREND_RSS:
			if (!p->rss_known)
				return 0;
			v[i] = p->rss;
			break;
		case TREND_ESTIMATE:
			if (!p->est_known)
				return 0;
			v[i] = p->estimate;
			break;
		case TREND_HEAP:
			if (!p->heap_known)
				return 0;
			v[i] = p->heap_inuse;
			break;
		default:
			if (!p->rss_known || !p->est_known)
				return 0;
			v[i] = p->rss - p->estimate;
			break;
		}
	}
	return 1;
}

/* Rose and fell by at least th between neighbours: a swing up and one down. */
static int
swings(const struct trend_slope *s, int64_t th)
{
	return s->known && s->rise >= th && s->fall >= th;
}

void
trend_compute(struct trend_result *r)
{
	int64_t *v = xcalloc((size_t)r->n, sizeof(*v)), *t = xcalloc((size_t)r->n, sizeof(*t));
	const struct trend_slope *rss = &r->series[TREND_RSS], *gap = &r->series[TREND_GAP];
	int k, i, t_ok = 1;
	double pct;

	for (i = 0; i < r->n; i++) {
		t[i] = r->points[i].t;
		t_ok = t_ok && r->points[i].t_known;
	}
	r->seconds = t_ok ? (int)(t[r->n - 1] - t[0]) : -1;
	for (k = 0; k < TREND_NSERIES; k++) {
		memset(&r->series[k], 0, sizeof(r->series[k]));
		if (series_values(r, k, v))
			trend_slope_of(v, t, t_ok, r->n, &r->series[k]);
	}
	/* noise: what a finding needs (--min-bytes and --min-percent of the first Rss) */
	pct = rss->known ? (double)rss->first * r->opts.min_percent / 100.0 : 0;
	r->threshold = r->opts.min_bytes;
	if (pct > (double)r->threshold)
		r->threshold = (int64_t)llround(pct);
	if (r->threshold < 1)
		r->threshold = 1;
	r->swings = r->n >= 3 &&
		    (swings(rss, r->threshold) || swings(&r->series[TREND_HEAP], r->threshold));
	if (!rss->known)
		r->word = TREND_STEADY;	/* nothing to read: the caller refuses such a series */
	else if (rss->fitted >= (double)r->threshold)
		r->word = !gap->known ? TREND_GROWING :
			  gap->fitted >= (double)r->threshold ? TREND_GROWING_BEYOND_RUNTIME :
			  TREND_GROWING_WITH_RUNTIME;
	else if (rss->fitted <= -(double)r->threshold)
		r->word = TREND_SHRINKING;
	else if (gap->known && gap->fitted >= (double)r->threshold)
		r->word = TREND_GROWING_BEYOND_RUNTIME;	/* flat Rss, the runtime's share fell */
	else
		r->word = r->swings ? TREND_SAWTOOTH : TREND_STEADY;
	free(v);
	free(t);
}

/* ---------------------------------------------------------------- store */

/* What the manifest adds to snapshot_info: the time as a number, start time, seq. */
struct point_meta {
	int64_t t;
	int t_known;
	char *start_time;
	int64_t seq;
};

static int
on_manifest(void *ctx, const char *group, const char *key, int has_value, int64_t value,
	    const char *text)
{
	struct point_meta *m = ctx;
	uint64_t u;

	(void)group;
	(void)has_value;
	(void)value;
	if (strcmp(key, "captured_at") == 0 && text != NULL) {
		m->t_known = num_parse_utc(text, strlen(text), &m->t) == 0;	/* checked at ingest */
	} else if (strcmp(key, "start_time") == 0 && text != NULL && m->start_time == NULL) {
		m->start_time = xstrdup(text);
	} else if (strcmp(key, "label.seq") == 0 && text != NULL &&
		   num_parse_u64(text, strlen(text), &u) == 0 && u <= INT32_MAX) {
		m->seq = (int64_t)u;
	}
	return 0;
}

struct member {
	int64_t id;
	struct point_meta m;
	char *who;		/* pod, else host, else "" */
	int64_t pid;
	char *host, *pod, *comm;
};

static int
same_text(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

static int
by_capture(const void *pa, const void *pb)
{
	const struct member *a = pa, *b = pb;

	if (a->m.t != b->m.t)
		return a->m.t < b->m.t ? -1 : 1;
	if (a->m.seq != b->m.seq)
		return a->m.seq < b->m.seq ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static void
member_release(struct member *m)
{
	free(m->m.start_time);
	free(m->who);
	free(m->host);
	free(m->pod);
	free(m->comm);
}

int
trend_processes(struct db *db, const int64_t *ids, int n, struct trend_process **out, int *nout,
		struct diag *d)
{
	struct member *mem = xcalloc((size_t)(n > 0 ? n : 1), sizeof(*mem));
	struct trend_process *p = NULL;
	int i, j, np = 0, rc = -1;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < n; i++) {
		struct db_snapshot_row row;
		int got = db_snapshot_get(db, ids[i], &row, d);

		if (got != 0) {
			if (got == 1)
				diag_fail(d, DIAG_USAGE, 0, "no snapshot %lld", (long long)ids[i]);
			goto out;
		}
		mem[i].id = ids[i];
		mem[i].pid = row.pid;
		mem[i].host = row.host != NULL ? xstrdup(row.host) : NULL;
		mem[i].pod = row.pod != NULL ? xstrdup(row.pod) : NULL;
		mem[i].comm = row.comm != NULL ? xstrdup(row.comm) : NULL;
		mem[i].who = xstrdup(row.pod != NULL && row.pod[0] ? row.pod :
				     row.host != NULL ? row.host : "");
		if (db_manifest_each(db, ids[i], on_manifest, &mem[i].m, d) != 0)
			goto out;
	}
	qsort(mem, (size_t)n, sizeof(*mem), by_capture);
	p = xcalloc((size_t)(n > 0 ? n : 1), sizeof(*p));
	for (i = 0; i < n; i++) {
		for (j = 0; j < np; j++)
			if (p[j].pid == mem[i].pid && same_text(p[j].start_time, mem[i].m.start_time) &&
			    same_text(p[j].pod != NULL && p[j].pod[0] ? p[j].pod : p[j].host,
				      mem[i].who))
				break;
		if (j == np) {
			p[j].pid = mem[i].pid;
			p[j].host = mem[i].host;
			p[j].pod = mem[i].pod;
			p[j].comm = mem[i].comm;
			p[j].start_time = mem[i].m.start_time;
			mem[i].host = mem[i].pod = mem[i].comm = mem[i].m.start_time = NULL;
			p[j].ids = xcalloc((size_t)n, sizeof(*p[j].ids));
			np++;
		}
		p[j].ids[p[j].n++] = mem[i].id;
	}
	*out = p;
	*nout = np;
	p = NULL;
	rc = 0;
out:
	for (i = 0; i < n; i++)
		member_release(&mem[i]);
	free(mem);
	trend_processes_free(p, np);
	return rc;
}

void
trend_processes_free(struct trend_process *p, int n)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(p[i].host);
		free(p[i].pod);
		free(p[i].comm);
		free(p[i].start_time);
		free(p[i].ids);
	}
	free(p);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* The role named, added to r with n zeroes when new. */
static struct trend_role *
role_of(struct trend_result *r, const char *name)
{
	int i;

	for (i = 0; i < r->nroles; i++)
		if (strcmp(r->roles[i].role, name) == 0)
			return &r->roles[i];
	r->roles = xreallocarray(r->roles, (size_t)r->nroles + 1, sizeof(*r->roles));
	memset(&r->roles[r->nroles], 0, sizeof(r->roles[0]));
	r->roles[r->nroles].role = xstrdup(name);
	r->roles[r->nroles].rss = xcalloc((size_t)r->n, sizeof(int64_t));
	return &r->roles[r->nroles++];
}

static int
by_fitted(const void *pa, const void *pb)
{
	const struct trend_role *a = pa, *b = pb;
	double fa = fabs(a->s.fitted), fb = fabs(b->s.fitted);

	if (fa != fb)
		return fa > fb ? -1 : 1;
	return strcmp(a->role, b->role);
}

struct trend_result *
trend_load(struct db *db, const struct trend_process *p, const struct diff_opts *o,
	   struct diag *d)
{
	struct trend_result *r;
	int64_t *t;
	int i, j, t_ok = 1;

	if (p->n < 2) {
		diag_fail(d, DIAG_USAGE, 0, "a trend needs at least two snapshots of the process "
			  "(got %d)", p->n);
		return NULL;
	}
	if (p->n > TREND_MAX_POINTS) {
		diag_fail(d, DIAG_LIMIT, 0, "%d snapshots of the process (a trend follows at most "
			  "%d)", p->n, TREND_MAX_POINTS);
		diag_hint(d, "narrow the selection, e.g. seq= labels or fewer bundles");
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->opts = *o;
	r->proc.host = dup_or_null(p->host);
	r->proc.pod = dup_or_null(p->pod);
	r->proc.comm = dup_or_null(p->comm);
	r->proc.start_time = dup_or_null(p->start_time);
	r->proc.pid = p->pid;
	r->proc.n = p->n;
	r->proc.ids = xcalloc((size_t)p->n, sizeof(*r->proc.ids));
	memcpy(r->proc.ids, p->ids, (size_t)p->n * sizeof(*p->ids));
	r->n = p->n;
	r->points = xcalloc((size_t)p->n, sizeof(*r->points));
	for (i = 0; i < p->n; i++) {
		struct snapshot_info *s = snapshot_info_load(db, p->ids[i], d);
		struct trend_point *pt = &r->points[i];
		struct point_meta m = { 0, 0, NULL, 0 };

		if (s == NULL || db_manifest_each(db, p->ids[i], on_manifest, &m, d) != 0) {
			snapshot_info_free(s);
			free(m.start_time);
			trend_result_free(r);
			return NULL;
		}
		free(m.start_time);
		pt->id = s->id;
		pt->captured_at = s->captured_at != NULL ? xstrdup(s->captured_at) : NULL;
		pt->t = m.t;
		pt->t_known = m.t_known;
		pt->seq = m.seq;
		pt->rss_known = s->rss_known;
		pt->rss = s->rss;
		pt->est_known = s->go_estimate.known;
		pt->estimate = s->go_estimate.v;
		pt->heap_known = s->rt[RT_HEAP_INUSE].known;
		pt->heap_inuse = s->rt[RT_HEAP_INUSE].v;
		for (j = 0; j < s->nroles; j++)
			role_of(r, s->roles[j].role)->rss[i] = s->roles[j].rss;
		snapshot_info_free(s);
		t_ok = t_ok && pt->t_known;
	}
	for (i = 0; i < r->n; i++) {
		if (!r->points[i].rss_known) {
			diag_fail(d, DIAG_MISSING, 0, "snapshot %lld has no Rss (no smaps or "
				  "smaps_rollup): nothing to follow", (long long)r->points[i].id);
			trend_result_free(r);
			return NULL;
		}
	}
	t = xcalloc((size_t)r->n, sizeof(*t));
	for (i = 0; i < r->n; i++)
		t[i] = r->points[i].t;
	for (j = 0; j < r->nroles; j++)
		trend_slope_of(r->roles[j].rss, t, t_ok, r->n, &r->roles[j].s);
	free(t);
	qsort(r->roles, (size_t)r->nroles, sizeof(*r->roles), by_fitted);
	trend_compute(r);
	return r;
}

void
trend_result_free(struct trend_result *r)
{
	int i;

	if (r == NULL)
		return;
	free(r->proc.host);
	free(r->proc.pod);
	free(r->proc.comm);
	free(r->proc.start_time);
	free(r->proc.ids);
	for (i = 0; i < r->n; i++)
		free((char *)r->points[i].captured_at);
	free(r->points);
	for (i = 0; i < r->nroles; i++) {
		free(r->roles[i].role);
		free(r->roles[i].rss);
	}
	free(r->roles);
	free(r);
}
