#include "analyze/fleet.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/credit.h"
#include "analyze/fleetstat.h"
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
static int64_t get_credit_rss(const struct fleet_point *p, int k) { return p->credit_rss[k]; }
static int64_t get_credit_view(const struct fleet_point *p, int k) { return p->credit_view[k]; }
static int64_t get_credit_gap(const struct fleet_point *p, int k)
{
	return p->credit_rss[k] - p->credit_view[k];
}

/* Values of one cohort for credit k, from the points that have its runtime numbers only. */
static int
cohort_known_values(const struct fleet_result *r, int cohort,
		    int64_t (*get)(const struct fleet_point *, int), int k, int64_t *v)
{
	int i, n = 0;

	for (i = 0; i < r->npoints; i++)
		if (r->points[i].cohort == cohort && r->points[i].credit_known[k])
			v[n++] = get(&r->points[i], k);
	return n;
}

/* The credit's role whose median Rss grew most between the compared cohorts. */
static const char *
growing_role(const struct fleet_result *r, int k, int64_t *vb, int64_t *va)
{
	const char *best = r->credits[k];
	int64_t most = INT64_MIN;
	int i, nb, na;

	for (i = 0; i < r->nroles; i++) {
		int64_t g;

		if (r->role_credit[i] != k)
			continue;
		nb = cohort_values(r, r->before, get_role_rss, i, vb);
		na = cohort_values(r, r->after, get_role_rss, i, va);
		g = fleet_median(va, na) - fleet_median(vb, nb);
		if (g > most) {
			most = g;
			best = r->roles[i];
		}
	}
	return best;
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

/* Credit k's summary line. */
static char *
finding_summary(const struct fleet_result *r, const struct fleet_finding *f, int k)
{
	const struct fleet_cohort *cb = &r->cohorts[r->before], *ca = &r->cohorts[r->after];
	struct buf s = BUF_INIT;

	buf_printf(&s, "%s: median Rss ", r->credits[k]);
	num_bytes_delta(&s, f->median_rss_delta);
	buf_puts(&s, " from ");
	buf_puts(&s, cb->value);
	buf_printf(&s, " (n=%d) to ", cb->n);
	buf_puts(&s, ca->value);
	buf_printf(&s, " (n=%d)", ca->n);
	if (!f->runtime_known) {
		buf_printf(&s, " and the runtime side is missing (Go runtime numbers in %d of %d "
			       "before and %d of %d after), so nothing explains it",
			   f->known_before, cb->n, f->known_after, ca->n);
	} else {
		buf_puts(&s, " while the runtime's view moved ");
		num_bytes_delta(&s, f->median_runtime_delta);
		if (f->known_before < cb->n || f->known_after < ca->n)
			buf_printf(&s, " (over the %d and %d snapshots with runtime numbers)",
				   f->known_before, f->known_after);
	}
	buf_puts(&s, "; unexplained ");
	num_bytes(&s, f->unexplained);
	buf_puts(&s, " (90% band ");
	num_bytes(&s, f->band_low);
	buf_puts(&s, " to ");
	num_bytes(&s, f->band_high);
	buf_puts(&s, ")");
	return buf_detach(&s, NULL);
}

static void
compare(struct fleet_result *r, int64_t *vb, int64_t *va)
{
	int k, nb, na;

	nb = cohort_values(r, r->before, get_rss, 0, vb);
	na = cohort_values(r, r->after, get_rss, 0, va);
	r->median_rss_delta = fleet_median(va, na) - fleet_median(vb, nb);
	fleet_bootstrap(vb, nb, va, na, &r->opts, &r->band_low, &r->band_high);
	for (k = 0; k < r->ncredits; k++) {
		struct fleet_finding f;
		int64_t low, high;

		memset(&f, 0, sizeof(f));
		f.known_before = cohort_known_values(r, r->before, get_credit_gap, k, vb);
		f.known_after = cohort_known_values(r, r->after, get_credit_gap, k, va);
		/*
		 * The gap over the snapshots that have the runtime's numbers; a
		 * cohort with none leaves the whole Rss change unexplained.
		 */
		f.runtime_known = f.known_before > 0 && f.known_after > 0;
		if (!f.runtime_known) {
			nb = cohort_values(r, r->before, get_credit_rss, k, vb);
			na = cohort_values(r, r->after, get_credit_rss, k, va);
		} else {
			nb = f.known_before;
			na = f.known_after;
		}
		f.unexplained = fleet_median(va, na) - fleet_median(vb, nb);
		/* a finding must hold across the band, not only at the median */
		if (!passes(r, f.unexplained))
			continue;
		fleet_bootstrap(vb, nb, va, na, &r->opts, &low, &high);
		if (low < r->opts.min_bytes)
			continue;
		f.band_low = low;
		f.band_high = high;
		nb = cohort_values(r, r->before, get_credit_rss, k, vb);
		na = cohort_values(r, r->after, get_credit_rss, k, va);
		f.median_rss_delta = fleet_median(va, na) - fleet_median(vb, nb);
		if (f.runtime_known) {
			nb = cohort_known_values(r, r->before, get_credit_view, k, vb);
			na = cohort_known_values(r, r->after, get_credit_view, k, va);
			f.median_runtime_delta = fleet_median(va, na) - fleet_median(vb, nb);
		}
		f.role = xstrdup(growing_role(r, k, vb, va));
		f.credit = xstrdup(r->credits[k]);
		f.summary = finding_summary(r, &f, k);
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
	r->paired_median_delta = n > 0 ? fleet_median(deltas, n) : 0;
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
		med = fleet_median(v, n);
		for (k = 0; k < n; k++)
			dev[k] = llabs(v[k] - med);
		mad = fleet_median(dev, n);
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

/* Snapshot s (taken) as a point of cohort c; its numbers are filled once every role is known. */
static void
add_point_info(struct fleet_result *r, struct snapshot_info *s, int c)
{
	struct fleet_point *p;
	struct buf who = BUF_INIT;
	int i;

	if (!s->rss_known) {
		snapshot_info_free(s);
		return;	/* maps only: no Rss to compare */
	}
	for (i = 0; i < s->nroles; i++)
		role_index(r, s->roles[i].role);
	r->points = xreallocarray(r->points, (size_t)r->npoints + 1, sizeof(*r->points));
	r->infos = xreallocarray(r->infos, (size_t)r->npoints + 1, sizeof(*r->infos));
	r->infos[r->npoints] = s;
	p = &r->points[r->npoints++];
	memset(p, 0, sizeof(*p));
	p->id = s->id;
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
}

/* Load one snapshot of cohort c (fleet_compute_ids). */
static int
add_point(struct fleet_result *r, struct db *db, int64_t id, int c, struct diag *d)
{
	struct snapshot_info *s = snapshot_info_load(db, id, d);

	if (s == NULL)
		return -1;
	add_point_info(r, s, c);
	return 0;
}

/* The fleet's credits (analyze/credit.h), planned over the compared cohorts' snapshots. */
static void
plan_credits(struct fleet_result *r, struct credit_plan *plan)
{
	int *of_plan, i, k;

	credit_plan_init(plan);
	for (i = 0; i < r->npoints; i++)
		if (r->points[i].cohort == r->before || r->points[i].cohort == r->after)
			credit_plan_add(plan, r->infos[i]);
	credit_plan_finish(plan);
	r->labelled = credit_plan_labelled(plan);
	for (k = 0; k < plan->ncredits; k++)
		for (i = 0; i < plan->credits[k].nroles; i++)
			role_index(r, plan->credits[k].roles[i]);
	of_plan = xcalloc((size_t)plan->ncredits + 1, sizeof(int));
	for (k = 0; k < plan->ncredits; k++)
		of_plan[k] = -1;
	r->role_credit = xcalloc((size_t)r->nroles + 1, sizeof(int));
	r->credits = xcalloc((size_t)r->nroles + 1, sizeof(char *));
	for (i = 0; i < r->nroles; i++) {
		int pk = credit_find(plan, r->roles[i]);

		if (pk >= 0 && of_plan[pk] >= 0) {
			r->role_credit[i] = of_plan[pk];
			continue;
		}
		r->role_credit[i] = r->ncredits;
		r->credits[r->ncredits++] = xstrdup(pk >= 0 ? plan->credits[pk].name : r->roles[i]);
		if (pk >= 0)
			of_plan[pk] = r->role_credit[i];
	}
	free(of_plan);
}

/* Per-role Rss and per-credit Rss and runtime view of every point. */
static void
fill_roles(struct fleet_result *r)
{
	struct credit_plan plan;
	int i, k;

	plan_credits(r, &plan);
	for (i = 0; i < r->npoints; i++) {
		struct fleet_point *p = &r->points[i];
		const struct snapshot_info *s = r->infos[i];

		p->role_rss = xcalloc((size_t)r->nroles + 1, sizeof(int64_t));
		p->credit_rss = xcalloc((size_t)r->ncredits + 1, sizeof(int64_t));
		p->credit_view = xcalloc((size_t)r->ncredits + 1, sizeof(int64_t));
		p->credit_known = xcalloc((size_t)r->ncredits + 1, 1);
		for (k = 0; k < r->nroles; k++) {
			const struct role_info *ri = snapshot_role(s, r->roles[k]);

			p->role_rss[k] = ri != NULL && ri->rss > 0 ? ri->rss : 0;
			p->credit_rss[r->role_credit[k]] += p->role_rss[k];
		}
		/* outside every credit the runtime holds 0, known where it has numbers */
		for (k = 0; k < r->ncredits; k++)
			p->credit_known[k] = (unsigned char)snapshot_has_runtime(s);
	}
	for (k = 0; k < r->nroles; k++) {
		int pk = credit_find(&plan, r->roles[k]), c = r->role_credit[k];

		if (pk < 0)
			continue;
		for (i = 0; i < r->npoints; i++) {
			int64_t view = 0;

			r->points[i].credit_known[c] =
				(unsigned char)credit_view(&plan, pk, r->infos[i], &view);
			r->points[i].credit_view[c] = r->points[i].credit_known[c] ? view : 0;
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

/*
 * Every snapshot as fleet_compute reads it: four queries over the whole
 * store (db_fleet_each, db_runtime_all, db_roles_all, db_go_named_all) instead of eight per
 * snapshot. A snapshot with the key and an Rss gets the fields of a
 * snapshot_info that the fleet reads, filled as snapshot_info_load fills
 * them: id, pod, host, pid, Rss, the runtime numbers (without their
 * sources), go_estimate, the roles and the count of Go-named VMAs.
 */
struct fleet_load {
	int64_t *ids;			/* id order */
	char **values;			/* NULL: no key `by` */
	struct snapshot_info **infos;	/* NULL: no key, or no Rss (maps only) */
	int n, cap;
};

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static int
load_row(void *ctx, const struct db_fleet_row *row)
{
	struct fleet_load *l = ctx;
	struct snapshot_info *s = NULL;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->ids = xreallocarray(l->ids, (size_t)l->cap, sizeof(*l->ids));
		l->values = xreallocarray(l->values, (size_t)l->cap, sizeof(*l->values));
		l->infos = xreallocarray(l->infos, (size_t)l->cap, sizeof(*l->infos));
	}
	if (row->value != NULL && row->rss_known) {
		s = xcalloc(1, sizeof(*s));
		s->id = row->id;
		s->pod = dup_or_null(row->pod);
		s->host = dup_or_null(row->host);
		s->pid = row->pid;
		s->rss_known = row->rss_known;
		s->rss = row->rss;
	}
	l->ids[l->n] = row->id;
	l->values[l->n] = dup_or_null(row->value);
	l->infos[l->n] = s;
	l->n++;
	return 0;
}

/* The info loaded for snapshot id, NULL when it has none. */
static struct snapshot_info *
load_find(const struct fleet_load *l, int64_t id)
{
	int lo = 0, hi = l->n;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (l->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->n && l->ids[lo] == id ? l->infos[lo] : NULL;
}

static int
load_runtime(void *ctx, int64_t id, const char *source, const char *name, int has_value,
	     int64_t value, const char *text)
{
	struct snapshot_info *s = load_find(ctx, id);

	(void)text;
	if (s != NULL)
		snapshot_set_runtime(s, source, name, has_value, value);
	return 0;
}

static int
load_role(void *ctx, int64_t id, const struct db_role_totals *t)
{
	struct snapshot_info *s = load_find(ctx, id);

	if (s != NULL)
		snapshot_add_role(s, t);
	return 0;
}

static int
load_go_named(void *ctx, int64_t id, int64_t count)
{
	struct snapshot_info *s = load_find(ctx, id);

	if (s != NULL)
		s->go_named = count;
	return 0;
}

static int
fleet_load(struct db *db, const char *by, struct fleet_load *l, struct diag *d)
{
	int i;

	if (db_fleet_each(db, by, load_row, l, d) != 0 || db_runtime_all(db, load_runtime, l, d) != 0 ||
	    db_roles_all(db, load_role, l, d) != 0 || db_go_named_all(db, load_go_named, l, d) != 0)
		return -1;
	for (i = 0; i < l->n; i++)
		if (l->infos[i] != NULL)
			snapshot_derive(l->infos[i]);
	return 0;
}

static void
fleet_load_release(struct fleet_load *l)
{
	int i;

	for (i = 0; i < l->n; i++) {
		free(l->values[i]);
		snapshot_info_free(l->infos[i]);
	}
	free(l->ids);
	free(l->values);
	free(l->infos);
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
	struct fleet_load l;
	char **values;
	int i, c;

	memset(&l, 0, sizeof(l));
	if (fleet_load(db, by, &l, d) != 0) {
		fleet_load_release(&l);
		goto err;
	}
	values = l.values;
	for (i = 0; i < l.n; i++) {
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
	for (i = 0; i < l.n; i++) {
		if (values[i] == NULL || l.infos[i] == NULL)
			continue;
		for (c = 0; c < r->ncohorts; c++)
			if (strcmp(r->cohorts[c].value, values[i]) == 0)
				break;
		add_point_info(r, l.infos[i], c);
		l.infos[i] = NULL;	/* the result's now */
	}
	fleet_load_release(&l);
	if (r->ncohorts == 0) {
		diag_fail(d, DIAG_USAGE, 0, "no snapshot has \"%s\" (as a label or a manifest key)", by);
		goto err;
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
		goto err;
	}
	return finish(r, d);
err:
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
		free(r->points[i].credit_rss);
		free(r->points[i].credit_view);
		free(r->points[i].credit_known);
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
	for (i = 0; i < r->ncredits; i++)
		free(r->credits[i]);
	free(r->credits);
	free(r->role_credit);
	for (i = 0; i < r->nfindings; i++) {
		free(r->findings[i].role);
		free(r->findings[i].credit);
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
