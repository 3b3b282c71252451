#include "analyze/fleet.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/snapshot.h"
#include "core/buf.h"
#include "core/num.h"
#include "core/xalloc.h"

#define MiB (1024 * 1024)

void
fleet_opts_default(struct fleet_opts *o)
{
	struct diff_opts d;

	diff_opts_default(&d);
	o->min_bytes = d.min_bytes;
	o->min_percent = d.min_percent;
	o->resamples = 2000;
	o->band = 0.90;
	o->seed = 0x9e3779b97f4a7c15ull;
}

static int
cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a > b) - (a < b);
}

/* Nearest-rank percentile of a sorted array. */
static int64_t
rank(const int64_t *sorted, int n, double p)
{
	int k = (int)ceil(p * n) - 1;

	if (k < 0)
		k = 0;
	if (k >= n)
		k = n - 1;
	return sorted[k];
}

/* The median of sorted values, the mean of the middle two when n is even. */
static int64_t
median_sorted(const int64_t *sorted, int n)
{
	if (n % 2 == 1)
		return sorted[n / 2];
	return sorted[n / 2 - 1] + (sorted[n / 2] - sorted[n / 2 - 1]) / 2;
}

struct fleet_stat
fleet_stat_of(const int64_t *v, int n)
{
	struct fleet_stat s = { n, 0, 0, 0 };
	int64_t *c;

	if (n <= 0)
		return s;
	c = xcalloc((size_t)n, sizeof(*c));
	memcpy(c, v, (size_t)n * sizeof(*c));
	qsort(c, (size_t)n, sizeof(*c), cmp_i64);
	s.p10 = rank(c, n, 0.10);
	s.median = median_sorted(c, n);
	s.p90 = rank(c, n, 0.90);
	free(c);
	return s;
}

static int64_t
median_of(const int64_t *v, int n)
{
	return fleet_stat_of(v, n).median;
}

/* xorshift64*: a small deterministic generator for the bootstrap. */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/*
 * Bootstrap band of median(after) - median(before): resample each cohort
 * with replacement, keep the band's percentiles of the differences.
 */
static void
bootstrap(const int64_t *b, int nb, const int64_t *a, int na, const struct fleet_opts *o,
	  int64_t *low, int64_t *high)
{
	int64_t *diffs = xcalloc((size_t)o->resamples, sizeof(int64_t));
	int64_t *sb = xcalloc((size_t)nb, sizeof(int64_t));
	int64_t *sa = xcalloc((size_t)na, sizeof(int64_t));
	uint64_t state = o->seed;
	int r, i;

	for (r = 0; r < o->resamples; r++) {
		for (i = 0; i < nb; i++)
			sb[i] = b[next_random(&state) % (uint64_t)nb];
		for (i = 0; i < na; i++)
			sa[i] = a[next_random(&state) % (uint64_t)na];
		qsort(sb, (size_t)nb, sizeof(int64_t), cmp_i64);
		qsort(sa, (size_t)na, sizeof(int64_t), cmp_i64);
		diffs[r] = median_sorted(sa, na) - median_sorted(sb, nb);
	}
	qsort(diffs, (size_t)o->resamples, sizeof(int64_t), cmp_i64);
	*low = rank(diffs, o->resamples, (1 - o->band) / 2);
	*high = rank(diffs, o->resamples, 1 - (1 - o->band) / 2);
	free(diffs);
	free(sb);
	free(sa);
}

static int
role_index(struct fleet_result *r, const char *role)
{
	int i;

	for (i = 0; i < r->nroles; i++)
		if (strcmp(r->roles[i], role) == 0)
			return i;
	r->roles = xreallocarray(r->roles, (size_t)r->nroles + 1, sizeof(char *));
	r->roles[r->nroles] = xstrdup(role);
	return r->nroles++;
}

/* Values of one cohort for a getter, into v (sized npoints). */
static int
cohort_values(const struct fleet_result *r, int cohort, int64_t (*get)(const struct fleet_point *,
								       int), int arg, int64_t *v)
{
	int i, n = 0;

	for (i = 0; i < r->npoints; i++)
		if (r->points[i].cohort == cohort)
			v[n++] = get(&r->points[i], arg);
	return n;
}

static int64_t get_rss(const struct fleet_point *p, int arg) { (void)arg; return p->rss; }
static int64_t get_go(const struct fleet_point *p, int arg) { (void)arg; return p->go_estimate; }
static int64_t get_non_go(const struct fleet_point *p, int arg) { (void)arg; return p->non_go; }
static int64_t get_role_rss(const struct fleet_point *p, int role) { return p->role_rss[role]; }
static int64_t get_role_gap(const struct fleet_point *p, int role) { return p->role_gap[role]; }
static int64_t get_role_rt(const struct fleet_point *p, int role)
{
	return p->role_rss[role] - p->role_gap[role];
}

/* Cohort values with a known Go estimate only. */
static int
cohort_go_values(const struct fleet_result *r, int cohort, int64_t (*get)(const struct fleet_point *,
									  int), int64_t *v)
{
	int i, n = 0;

	for (i = 0; i < r->npoints; i++)
		if (r->points[i].cohort == cohort && r->points[i].go_known)
			v[n++] = get(&r->points[i], 0);
	return n;
}

static int
passes(const struct fleet_result *r, int64_t bytes)
{
	int64_t base = r->cohorts[r->before].rss.median;
	double pct = base > 0 ? 100.0 * (double)bytes / (double)base : 100.0;

	return bytes >= r->opts.min_bytes && pct >= r->opts.min_percent;
}

static void
compare(struct fleet_result *r, int64_t *vb, int64_t *va)
{
	const struct fleet_cohort *cb = &r->cohorts[r->before], *ca = &r->cohorts[r->after];
	int k, nb, na;

	nb = cohort_values(r, r->before, get_rss, 0, vb);
	na = cohort_values(r, r->after, get_rss, 0, va);
	r->median_rss_delta = median_of(va, na) - median_of(vb, nb);
	bootstrap(vb, nb, va, na, &r->opts, &r->band_low, &r->band_high);
	for (k = 0; k < r->nroles; k++) {
		struct fleet_finding f;
		struct buf s = BUF_INIT;
		int64_t low, high;

		nb = cohort_values(r, r->before, get_role_gap, k, vb);
		na = cohort_values(r, r->after, get_role_gap, k, va);
		memset(&f, 0, sizeof(f));
		f.unexplained = median_of(va, na) - median_of(vb, nb);
		/* a finding must hold across the band, not only at the median */
		if (!passes(r, f.unexplained))
			continue;
		bootstrap(vb, nb, va, na, &r->opts, &low, &high);
		if (low < r->opts.min_bytes)
			continue;
		f.band_low = low;
		f.band_high = high;
		nb = cohort_values(r, r->before, get_role_rss, k, vb);
		na = cohort_values(r, r->after, get_role_rss, k, va);
		f.median_rss_delta = median_of(va, na) - median_of(vb, nb);
		nb = cohort_values(r, r->before, get_role_rt, k, vb);
		na = cohort_values(r, r->after, get_role_rt, k, va);
		f.median_runtime_delta = median_of(va, na) - median_of(vb, nb);
		f.role = xstrdup(r->roles[k]);
		buf_printf(&s, "%s: median Rss ", r->roles[k]);
		num_bytes_delta(&s, f.median_rss_delta);
		buf_puts(&s, " from ");
		buf_puts(&s, cb->value);
		buf_printf(&s, " (n=%d) to ", cb->n);
		buf_puts(&s, ca->value);
		buf_printf(&s, " (n=%d) while the runtime's view moved ", ca->n);
		num_bytes_delta(&s, f.median_runtime_delta);
		buf_puts(&s, "; unexplained ");
		num_bytes(&s, f.unexplained);
		buf_puts(&s, " (90% band ");
		num_bytes(&s, low);
		buf_puts(&s, " to ");
		num_bytes(&s, high);
		buf_puts(&s, ")");
		f.summary = buf_detach(&s, NULL);
		r->findings = xreallocarray(r->findings, (size_t)r->nfindings + 1, sizeof(f));
		r->findings[r->nfindings++] = f;
	}
}

static int
cmp_finding(const void *x, const void *y)
{
	const struct fleet_finding *a = x, *b = y;

	if (a->unexplained != b->unexplained)
		return a->unexplained > b->unexplained ? -1 : 1;
	return strcmp(a->role, b->role);
}

/* Pods (or hosts) present once in each cohort: their own before/after deltas. */
static void
pair(struct fleet_result *r, int64_t *deltas)
{
	int i, j, n = 0;

	for (i = 0; i < r->npoints; i++) {
		const struct fleet_point *p = &r->points[i], *q = NULL;
		int matches = 0;

		if (p->cohort != r->before)
			continue;
		for (j = 0; j < r->npoints; j++) {
			if (r->points[j].cohort == r->before && j != i &&
			    strcmp(r->points[j].who, p->who) == 0)
				matches = 2;	/* not unique in its own cohort */
			if (r->points[j].cohort == r->after && strcmp(r->points[j].who, p->who) == 0) {
				q = &r->points[j];
				matches++;
			}
		}
		if (matches == 1 && q != NULL)
			deltas[n++] = q->rss - p->rss;
	}
	r->paired = n;
	r->paired_median_delta = n > 0 ? median_of(deltas, n) : 0;
}

/* Pods far from their cohort's median Rss (3 scaled MADs and at least min_bytes). */
static void
find_outliers(struct fleet_result *r, int64_t *v, int64_t *dev)
{
	int c, i, n, k;

	for (c = 0; c < r->ncohorts; c++) {
		int64_t med, mad;

		n = cohort_values(r, c, get_rss, 0, v);
		if (n < 5)
			continue;
		med = median_of(v, n);
		for (k = 0; k < n; k++)
			dev[k] = llabs(v[k] - med);
		mad = median_of(dev, n);
		for (i = 0; i < r->npoints; i++) {
			const struct fleet_point *p = &r->points[i];
			int64_t off = p->rss - med;
			double scaled = mad > 0 ? (double)llabs(off) / (1.4826 * (double)mad) : INFINITY;
			struct buf why = BUF_INIT;

			if (p->cohort != c || llabs(off) < r->opts.min_bytes || scaled < 3.0)
				continue;
			buf_puts(&why, p->who);
			buf_puts(&why, ": Rss ");
			num_bytes(&why, p->rss);
			buf_puts(&why, off > 0 ? " is " : " is ");
			num_bytes(&why, llabs(off));
			buf_printf(&why, " %s the median of cohort ", off > 0 ? "above" : "below");
			buf_puts(&why, r->cohorts[c].value);
			buf_puts(&why, " (");
			num_bytes(&why, med);
			if (isfinite(scaled))
				buf_printf(&why, ", %.1f MADs)", scaled);
			else
				buf_puts(&why, ", every other pod is at the median)");
			r->outliers = xreallocarray(r->outliers, (size_t)r->noutliers + 1,
						    sizeof(*r->outliers));
			r->outliers[r->noutliers].id = p->id;
			r->outliers[r->noutliers].why = buf_detach(&why, NULL);
			r->noutliers++;
		}
	}
}

static void
make_headline(struct fleet_result *r)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "median Rss ");
	num_bytes_delta(&b, r->median_rss_delta);
	buf_puts(&b, " from ");
	buf_puts(&b, r->cohorts[r->before].value);
	buf_puts(&b, " to ");
	buf_puts(&b, r->cohorts[r->after].value);
	if (r->nfindings > 0) {
		buf_puts(&b, "; ");
		num_bytes(&b, r->findings[0].unexplained);
		buf_printf(&b, " unexplained in %s", r->findings[0].role);
	}
	r->headline = buf_detach(&b, NULL);
}

/* Load one snapshot of cohort c; its numbers are filled once every role is known. */
static int
add_point(struct fleet_result *r, struct db *db, int64_t id, int c, struct diag *d)
{
	struct snapshot_info *s = snapshot_info_load(db, id, d);
	struct fleet_point *p;
	struct buf who = BUF_INIT;
	int i;

	if (s == NULL)
		return -1;
	if (!s->rss_known) {
		snapshot_info_free(s);
		return 0;	/* maps only: no Rss to compare */
	}
	for (i = 0; i < s->nroles; i++)
		role_index(r, s->roles[i].role);
	r->points = xreallocarray(r->points, (size_t)r->npoints + 1, sizeof(*r->points));
	r->infos = xreallocarray(r->infos, (size_t)r->npoints + 1, sizeof(*r->infos));
	r->infos[r->npoints] = s;
	p = &r->points[r->npoints++];
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->cohort = c;
	if (s->pod != NULL)
		buf_puts(&who, s->pod);
	else if (s->host != NULL)
		buf_printf(&who, "%s pid %" PRId64, s->host, s->pid);
	else
		buf_printf(&who, "pid %" PRId64, s->pid);
	p->who = buf_detach(&who, NULL);
	p->rss = s->rss;
	p->go_known = s->go_estimate.known;
	p->go_estimate = s->go_estimate.known ? s->go_estimate.v : 0;
	p->non_go = s->rss - p->go_estimate;
	return 0;
}

/* Per-role Rss and gap of every point, over the roles of the whole fleet. */
static void
fill_roles(struct fleet_result *r)
{
	int i, k;

	for (i = 0; i < r->npoints; i++) {
		struct fleet_point *p = &r->points[i];
		const struct snapshot_info *s = r->infos[i];
		int labelled = snapshot_role(s, "go-runtime") != NULL;

		p->role_rss = xcalloc((size_t)r->nroles + 1, sizeof(int64_t));
		p->role_gap = xcalloc((size_t)r->nroles + 1, sizeof(int64_t));
		for (k = 0; k < r->nroles; k++) {
			const struct role_info *ri = snapshot_role(s, r->roles[k]);
			int64_t view = 0;

			p->role_rss[k] = ri != NULL && ri->rss > 0 ? ri->rss : 0;
			if (!snapshot_runtime_view(s, r->roles[k], labelled, &view))
				view = 0;
			p->role_gap[k] = p->role_rss[k] - view;
		}
	}
	for (i = 0; i < r->npoints; i++)
		snapshot_info_free(r->infos[i]);
	free(r->infos);
	r->infos = NULL;
}

static void
cohort_stats(struct fleet_result *r, int64_t *v)
{
	int c, k, n;

	for (c = 0; c < r->ncohorts; c++) {
		struct fleet_cohort *co = &r->cohorts[c];

		co->rss = fleet_stat_of(v, n = cohort_values(r, c, get_rss, 0, v));
		co->n = n;
		co->go_estimate = fleet_stat_of(v, cohort_go_values(r, c, get_go, v));
		co->non_go = fleet_stat_of(v, cohort_go_values(r, c, get_non_go, v));
		co->role_rss = xcalloc((size_t)r->nroles, sizeof(*co->role_rss));
		for (k = 0; k < r->nroles; k++)
			co->role_rss[k] = fleet_stat_of(v, cohort_values(r, c, get_role_rss, k, v));
	}
}

/* Everything after the points are loaded. */
static struct fleet_result *
finish(struct fleet_result *r, struct diag *d)
{
	int64_t *v = xcalloc((size_t)r->npoints + 1, sizeof(int64_t));
	int64_t *w = xcalloc((size_t)r->npoints + 1, sizeof(int64_t));

	role_index(r, "go-heap");
	fill_roles(r);
	cohort_stats(r, v);
	find_outliers(r, v, w);
	if (r->before >= 0 && r->after >= 0 && r->cohorts[r->before].n > 0 &&
	    r->cohorts[r->after].n > 0) {
		compare(r, v, w);
		if (r->nfindings > 1)
			qsort(r->findings, (size_t)r->nfindings, sizeof(*r->findings), cmp_finding);
		pair(r, v);
		if (r->nfindings > 0)
			r->verdict = VERDICT_UNEXPLAINED;
		else if (passes(r, r->median_rss_delta) && r->band_low >= r->opts.min_bytes)
			r->verdict = VERDICT_EXPLAINED;
		else
			r->verdict = VERDICT_NO_GROWTH;
		make_headline(r);
	} else {
		diag_fail(d, DIAG_USAGE, 0, "need two cohorts with snapshots to compare (have %d)",
			  r->ncohorts);
		free(v);
		free(w);
		fleet_result_free(r);
		return NULL;
	}
	free(v);
	free(w);
	return r;
}

static struct fleet_result *
result_new(const char *by, const struct fleet_opts *o)
{
	struct fleet_result *r = xcalloc(1, sizeof(*r));

	r->by = xstrdup(by);
	r->opts = *o;
	r->before = r->after = -1;
	return r;
}

static int
add_cohort(struct fleet_result *r, const char *value)
{
	r->cohorts = xreallocarray(r->cohorts, (size_t)r->ncohorts + 1, sizeof(*r->cohorts));
	memset(&r->cohorts[r->ncohorts], 0, sizeof(r->cohorts[0]));
	r->cohorts[r->ncohorts].value = xstrdup(value);
	return r->ncohorts++;
}

struct fleet_result *
fleet_compute_ids(struct db *db, const char *by, const int64_t *ids_b, int nb, const char *name_b,
		  const int64_t *ids_a, int na, const char *name_a, const struct fleet_opts *o,
		  struct diag *d)
{
	struct fleet_result *r = result_new(by, o);
	int i;

	r->before = add_cohort(r, name_b);
	r->after = add_cohort(r, name_a);
	for (i = 0; i < nb; i++)
		if (add_point(r, db, ids_b[i], r->before, d) != 0)
			goto err;
	for (i = 0; i < na; i++)
		if (add_point(r, db, ids_a[i], r->after, d) != 0)
			goto err;
	return finish(r, d);
err:
	fleet_result_free(r);
	return NULL;
}

struct ids {
	int64_t *v;
	int n, cap;
};

static int
collect_ids(void *ctx, const struct db_snapshot_row *row)
{
	struct ids *ids = ctx;

	if (ids->n == ids->cap) {
		ids->cap = ids->cap ? ids->cap * 2 : 64;
		ids->v = xreallocarray(ids->v, (size_t)ids->cap, sizeof(int64_t));
	}
	ids->v[ids->n++] = row->id;
	return 0;
}

static int
cmp_cohort(const void *x, const void *y)
{
	return strverscmp(((const struct fleet_cohort *)x)->value,
			  ((const struct fleet_cohort *)y)->value);
}

struct fleet_result *
fleet_compute(struct db *db, const char *by, const char *before, const char *after,
	      const struct fleet_opts *o, struct diag *d)
{
	struct fleet_result *r = result_new(by, o);
	struct ids ids = { NULL, 0, 0 };
	char **values;
	int i, c;

	if (db_snapshots_each(db, collect_ids, &ids, d) != 0)
		goto err;
	values = xcalloc((size_t)ids.n + 1, sizeof(char *));
	for (i = 0; i < ids.n; i++)
		values[i] = db_manifest_value(db, ids.v[i], by, d);
	for (i = 0; i < ids.n; i++) {
		if (values[i] == NULL)
			continue;
		for (c = 0; c < r->ncohorts; c++)
			if (strcmp(r->cohorts[c].value, values[i]) == 0)
				break;
		if (c == r->ncohorts)
			add_cohort(r, values[i]);
	}
	if (r->ncohorts > 1)
		qsort(r->cohorts, (size_t)r->ncohorts, sizeof(*r->cohorts), cmp_cohort);
	for (i = 0; i < ids.n; i++) {
		if (values[i] == NULL)
			continue;
		for (c = 0; c < r->ncohorts; c++)
			if (strcmp(r->cohorts[c].value, values[i]) == 0)
				break;
		if (add_point(r, db, ids.v[i], c, d) != 0)
			break;
	}
	for (i = 0; i < ids.n; i++)
		free(values[i]);
	free(values);
	free(ids.v);
	if (d->kind != DIAG_NONE)
		goto err_noids;
	if (r->ncohorts == 0) {
		diag_fail(d, DIAG_USAGE, 0, "no snapshot has \"%s\" (as a label or a manifest key)", by);
		goto err_noids;
	}
	for (c = 0; c < r->ncohorts; c++) {
		if (before != NULL && strcmp(r->cohorts[c].value, before) == 0)
			r->before = c;
		if (after != NULL && strcmp(r->cohorts[c].value, after) == 0)
			r->after = c;
	}
	if (before == NULL && r->ncohorts >= 2)
		r->before = 0;
	if (after == NULL && r->ncohorts >= 2)
		r->after = r->ncohorts - 1;
	if ((before != NULL && r->before < 0) || (after != NULL && r->after < 0)) {
		diag_fail(d, DIAG_USAGE, 0, "no snapshot has %s=%s", by,
			  before != NULL && r->before < 0 ? before : after);
		goto err_noids;
	}
	return finish(r, d);
err:
	free(ids.v);
err_noids:
	fleet_result_free(r);
	return NULL;
}

void
fleet_result_free(struct fleet_result *r)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; r->infos != NULL && i < r->npoints; i++)
		snapshot_info_free(r->infos[i]);
	free(r->infos);
	for (i = 0; i < r->npoints; i++) {
		free(r->points[i].who);
		free(r->points[i].role_rss);
		free(r->points[i].role_gap);
	}
	free(r->points);
	for (i = 0; i < r->ncohorts; i++) {
		free(r->cohorts[i].value);
		free(r->cohorts[i].role_rss);
	}
	free(r->cohorts);
	for (i = 0; i < r->nroles; i++)
		free(r->roles[i]);
	free(r->roles);
	for (i = 0; i < r->nfindings; i++) {
		free(r->findings[i].role);
		free(r->findings[i].summary);
	}
	free(r->findings);
	for (i = 0; i < r->noutliers; i++)
		free(r->outliers[i].why);
	free(r->outliers);
	free(r->headline);
	free(r->by);
	free(r);
}
