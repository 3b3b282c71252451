#include "analyze/attribute.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/align.h"
#include "analyze/credit.h"
#include "analyze/diffvmas.h"
#include "analyze/rank.h"
#include "analyze/sites.h"
#include "analyze/words.h"
#include "core/buf.h"
#include "core/num.h"
#include "core/vma.h"
#include "core/xalloc.h"

#define MiB (1024 * 1024)

void
diff_opts_default(struct diff_opts *o)
{
	o->min_bytes = 8 * MiB;
	o->min_percent = 5.0;
	o->max_regions = 10;
	o->max_sites = 5;
}

const char *
verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_UNEXPLAINED: return "unexplained-growth";
	case VERDICT_EXPLAINED: return "explained-growth";
	case VERDICT_NO_GROWTH: return "no-growth";
	}
	return "no-growth";
}

int
evidence_names(unsigned ev, const char **names, int max)
{
	static const struct {
		unsigned flag;
		const char *name;
	} all[] = {
		{ EV_RESIDENT_FRACTION, "resident-fraction" },
		{ EV_LAZYFREE, "lazyfree" },
		{ EV_THP, "anon-huge-pages" },
		{ EV_SWAP, "swap" },
		{ EV_APPEARED, "region-appeared" },
		{ EV_SIZE_GREW, "size-grew" },
	};
	int n = 0;
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]) && n < max; i++)
		if (ev & all[i].flag)
			names[n++] = all[i].name;
	return n;
}

static int64_t
nz(int64_t v)
{
	return v < 0 ? 0 : v;
}

static struct role_delta *
role_slot(struct diff_result *r, const char *role)
{
	int i;

	for (i = 0; i < r->nroles; i++)
		if (strcmp(r->roles[i].role, role) == 0)
			return &r->roles[i];
	r->roles = xreallocarray(r->roles, (size_t)r->nroles + 1, sizeof(*r->roles));
	memset(&r->roles[r->nroles], 0, sizeof(r->roles[0]));
	r->roles[r->nroles].role = xstrdup(role);
	r->roles[r->nroles].credit = -1;
	return &r->roles[r->nroles++];
}

/* Every role of either side with its smaps sums (the runtime's side comes with the credits). */
static void
fill_roles(struct diff_result *r, const struct diff_vmas *vb, const struct diff_vmas *va)
{
	const struct snapshot_info *b = r->before, *a = r->after;
	size_t k;
	int i;

	for (i = 0; i < b->nroles; i++) {
		struct role_delta *d = role_slot(r, b->roles[i].role);

		d->size_before = b->roles[i].size;
		d->rss_before = nz(b->roles[i].rss);
		d->anonymous_before = nz(b->roles[i].anonymous);
		d->lazyfree_before = nz(b->roles[i].lazyfree);
		d->anon_huge_before = nz(b->roles[i].anon_huge_pages);
		d->swap_before = nz(b->roles[i].swap);
	}
	for (i = 0; i < a->nroles; i++) {
		struct role_delta *d = role_slot(r, a->roles[i].role);

		d->size_after = a->roles[i].size;
		d->rss_after = nz(a->roles[i].rss);
		d->anonymous_after = nz(a->roles[i].anonymous);
		d->lazyfree_after = nz(a->roles[i].lazyfree);
		d->anon_huge_after = nz(a->roles[i].anon_huge_pages);
		d->swap_after = nz(a->roles[i].swap);
	}
	for (k = 0; k < diff_vmas_nroles(vb); k++)
		role_slot(r, diff_vmas_role(vb, k))->dirty_before = diff_vmas_role_dirty(vb, k);
	for (k = 0; k < diff_vmas_nroles(va); k++)
		role_slot(r, diff_vmas_role(va, k))->dirty_after = diff_vmas_role_dirty(va, k);
	for (i = 0; i < r->nroles; i++)
		r->roles[i].rss_delta = r->roles[i].rss_after - r->roles[i].rss_before;
}

/* Add role d's smaps sums into credit c. */
static void
credit_add(struct role_delta *c, const struct role_delta *d)
{
	c->size_before += d->size_before;
	c->size_after += d->size_after;
	c->rss_before += d->rss_before;
	c->rss_after += d->rss_after;
	c->anonymous_before += d->anonymous_before;
	c->anonymous_after += d->anonymous_after;
	c->lazyfree_before += d->lazyfree_before;
	c->lazyfree_after += d->lazyfree_after;
	c->anon_huge_before += d->anon_huge_before;
	c->anon_huge_after += d->anon_huge_after;
	c->swap_before += d->swap_before;
	c->swap_after += d->swap_after;
	c->dirty_before += d->dirty_before;
	c->dirty_after += d->dirty_after;
	c->rss_delta += d->rss_delta;
	c->nmembers++;
}

static int
cmp_role_delta(const void *x, const void *y);

/*
 * The credits of the pair (analyze/credit.h): one per credit of the plan
 * and one per role outside every credit, each role in exactly one. Roles
 * must be sorted already; credits come out sorted the same way, and each
 * role's credit index points into them.
 */
static void
fill_credits(struct diff_result *r)
{
	const struct snapshot_info *b = r->before, *a = r->after;
	int known = snapshot_has_runtime(b) && snapshot_has_runtime(a);
	struct credit_plan plan;
	int *of_plan, *moved, i, k;

	credit_plan_init(&plan);
	credit_plan_add(&plan, b);
	credit_plan_add(&plan, a);
	credit_plan_finish(&plan);
	r->labelled = credit_plan_labelled(&plan);
	/* the runtime's share needs a row even where neither side has a VMA of the role */
	for (k = 0; k < plan.ncredits && plan.runtime > 0; k++)
		for (i = 0; i < plan.credits[k].nroles; i++)
			role_slot(r, plan.credits[k].roles[i]);
	qsort(r->roles, (size_t)r->nroles, sizeof(*r->roles), cmp_role_delta);
	of_plan = xcalloc((size_t)plan.ncredits + 1, sizeof(int));
	for (k = 0; k < plan.ncredits; k++)
		of_plan[k] = -1;
	r->credits = xcalloc((size_t)r->nroles + 1, sizeof(*r->credits));
	for (i = 0; i < r->nroles; i++) {
		struct role_delta *d = &r->roles[i], *c;
		int pk = credit_find(&plan, d->role);

		if (pk >= 0 && of_plan[pk] >= 0) {
			d->credit = of_plan[pk];
		} else {
			d->credit = r->ncredits++;
			c = &r->credits[d->credit];
			c->credit = d->credit;	/* its index before sorting */
			if (pk >= 0) {
				of_plan[pk] = d->credit;
				c->role = xstrdup(plan.credits[pk].name);
				c->classes = plan.credits[pk].classes;
				/* where the runtime's memory is means nothing without a runtime */
				c->why = plan.runtime > 0 ? credit_why(&plan, pk) : NULL;
			} else {
				c->role = xstrdup(d->role);
			}
			c->runtime_known = known;
			if (pk >= 0) {
				int64_t vb = 0, va = 0;

				c->runtime_known = credit_view(&plan, pk, b, &vb) &&
						   credit_view(&plan, pk, a, &va);
				c->runtime_delta = c->runtime_known ? va - vb : 0;
			}
		}
		credit_add(&r->credits[d->credit], d);
	}
	r->rss_delta = 0;
	r->runtime_delta = 0;
	r->runtime_known = 1;
	for (k = 0; k < r->ncredits; k++) {
		struct role_delta *c = &r->credits[k];

		/* nothing explains a change the runtime side cannot be read for */
		c->unexplained = c->rss_delta - (c->runtime_known ? c->runtime_delta : 0);
		r->rss_delta += c->rss_delta;
		r->runtime_delta += c->runtime_known ? c->runtime_delta : 0;
		r->runtime_known &= c->runtime_known;
	}
	r->unexplained = r->rss_delta - r->runtime_delta;
	qsort(r->credits, (size_t)r->ncredits, sizeof(*r->credits), cmp_role_delta);
	moved = xcalloc((size_t)r->ncredits + 1, sizeof(int));
	for (k = 0; k < r->ncredits; k++)
		moved[r->credits[k].credit] = k;
	for (k = 0; k < r->ncredits; k++)
		r->credits[k].credit = k;
	for (i = 0; i < r->nroles; i++) {
		struct role_delta *d = &r->roles[i];
		const struct role_delta *c;

		d->credit = moved[d->credit];
		c = &r->credits[d->credit];
		d->shared = c->nmembers > 1;
		d->runtime_known = c->runtime_known;
		d->classes = c->classes;
		d->runtime_delta = d->shared ? 0 : c->runtime_delta;
		d->unexplained = d->shared ? 0 : c->unexplained;
	}
	free(moved);
	free(of_plan);
}

static int
cmp_role_delta(const void *x, const void *y)
{
	const struct role_delta *a = x, *b = y;
	int64_t ma = llabs(a->rss_delta), mb = llabs(b->rss_delta);

	if (ma != mb)
		return ma > mb ? -1 : 1;
	return strcmp(a->role, b->role);
}

static void
format_range(char *out, size_t cap, const struct align_region *g)
{
	if (g == NULL)
		out[0] = '\0';
	else
		snprintf(out, cap, "%" PRIx64 "-%" PRIx64, g->start, g->end);
}

static void
fill_region(struct region_delta *rd, const struct align_region *b, const struct align_region *a,
	    enum align_how how)
{
	memset(rd, 0, sizeof(*rd));
	format_range(rd->before, sizeof(rd->before), b);
	format_range(rd->after, sizeof(rd->after), a);
	rd->role = xstrdup(a != NULL ? a->role : b->role);
	rd->path = xstrdup(a != NULL ? a->path : b->path);
	rd->how = align_how_name(how);
	if (b != NULL) {
		rd->size_before = nz(b->size);
		rd->rss_before = nz(b->rss);
		rd->pss_before = nz(b->pss);
		rd->anonymous_before = nz(b->anonymous);
		rd->lazyfree_before = nz(b->lazyfree);
		rd->anon_huge_before = nz(b->anon_huge_pages);
		rd->swap_before = nz(b->swap);
		rd->dirty_before = nz(b->dirty);
		rd->vmas_before = (int)b->count;
	}
	if (a != NULL) {
		rd->size_after = nz(a->size);
		rd->rss_after = nz(a->rss);
		rd->pss_after = nz(a->pss);
		rd->anonymous_after = nz(a->anonymous);
		rd->lazyfree_after = nz(a->lazyfree);
		rd->anon_huge_after = nz(a->anon_huge_pages);
		rd->swap_after = nz(a->swap);
		rd->dirty_after = nz(a->dirty);
		rd->vmas_after = (int)a->count;
	}
}

static int64_t
region_growth(const struct region_delta *r)
{
	return r->rss_after - r->rss_before;
}

static void
region_release(struct region_delta *r)
{
	free(r->role);
	free(r->path);
}

static double
fraction(int64_t part, int64_t whole)
{
	return whole > 0 ? (double)part / (double)whole : 0;
}

/* Evidence for a role's finding from its regions. */
static unsigned
role_evidence(const struct role_delta *d, const struct region_delta *regs, int n)
{
	unsigned ev = 0;
	int64_t growth = d->rss_delta > 0 ? d->rss_delta : 1;
	int i;

	if (d->lazyfree_after - d->lazyfree_before > growth / 10 &&
	    d->lazyfree_after - d->lazyfree_before >= 1 * MiB)
		ev |= EV_LAZYFREE;
	if (llabs(d->anon_huge_after - d->anon_huge_before) >= growth / 10 &&
	    d->anon_huge_after != d->anon_huge_before)
		ev |= EV_THP;
	if (llabs(d->swap_after - d->swap_before) >= 1 * MiB)
		ev |= EV_SWAP;
	if (d->size_after > d->size_before + d->size_before / 10 &&
	    d->size_after - d->size_before >= growth / 2)
		ev |= EV_SIZE_GREW;
	/* Pages became resident: Rss/Size rose, or, in a large mapping few of
	 * whose pages are resident (a database file mapped as large as it may
	 * grow), Rss grew by more than twice what Size grew. */
	if (fraction(d->rss_after, d->size_after) > fraction(d->rss_before, d->size_before) + 0.05 ||
	    (d->rss_delta > 0 && d->size_after - d->size_before < d->rss_delta / 2))
		ev |= EV_RESIDENT_FRACTION;
	for (i = 0; i < n; i++) {
		if (regs[i].before[0] == '\0' && region_growth(&regs[i]) >= growth / 4)
			ev |= EV_APPEARED;
	}
	return ev;
}

static int
passes(const struct diff_result *r, int64_t bytes)
{
	double pct = r->before->rss_known && r->before->rss > 0
			     ? 100.0 * (double)bytes / (double)r->before->rss
			     : 100.0;

	return bytes >= r->opts.min_bytes && pct >= r->opts.min_percent;
}

/* The credit that role r (a role's name) belongs to, or NULL. */
static const struct role_delta *
credit_of(const struct diff_result *r, const char *role)
{
	int i;

	for (i = 0; i < r->nroles; i++)
		if (strcmp(r->roles[i].role, role) == 0)
			return &r->credits[r->roles[i].credit];
	return NULL;
}

/* Credit c's role with the largest Rss growth: where its pages grew. */
static const char *
growing_role(const struct diff_result *r, const struct role_delta *c)
{
	const struct role_delta *best = NULL;
	int i;

	for (i = 0; i < r->nroles; i++) {
		const struct role_delta *d = &r->roles[i];

		if (&r->credits[d->credit] == c && (best == NULL || d->rss_delta > best->rss_delta))
			best = d;
	}
	return best != NULL ? best->role : c->role;
}

/* The region_delta of ranked pair e. */
static void
region_of(struct region_delta *rd, const struct alignment *al, const struct ranked *e)
{
	const struct align_pair *p = &al->pairs[e->pair];

	fill_region(rd, p->before >= 0 ? &al->before[p->before] : NULL,
		    p->after >= 0 ? &al->after[p->after] : NULL, p->how);
}

/* A pair's role: its after region's, else its before region's. */
static const char *
pair_role(const struct alignment *al, const struct ranked *e)
{
	const struct align_pair *p = &al->pairs[e->pair];

	return p->after >= 0 ? al->after[p->after].role : al->before[p->before].role;
}

/*
 * The pairs whose Rss grew, each with its role's credit, moved to the front
 * of e[0..n); returns how many. A region's role is one of few strings,
 * most often the same pointer: the last few are remembered.
 */
static size_t
growing_pairs(const struct diff_result *r, const struct alignment *al, struct ranked *e, size_t n)
{
	enum { SEEN = 8 };
	const char *seen_role[SEEN] = { NULL };
	int seen_credit[SEEN], next = 0;
	size_t m = 0, i;
	int k;

	for (i = 0; i < n; i++) {
		const char *role;
		const struct role_delta *c;

		if (e[i].growth <= 0)
			continue;
		role = pair_role(al, &e[i]);
		for (k = 0; k < SEEN && seen_role[k] != role; k++)
			;
		if (k == SEEN) {
			c = credit_of(r, role);
			k = next;
			next = (next + 1) % SEEN;
			seen_role[k] = role;
			seen_credit[k] = c != NULL ? (int)(c - r->credits) : -1;
		}
		e[m] = e[i];
		e[m++].credit = seen_credit[k];
	}
	return m;
}

static void
make_findings(struct diff_result *r, const struct alignment *al, struct ranked *growing,
	      size_t ngrowing)
{
	size_t k = r->opts.max_regions > 0 ? (size_t)r->opts.max_regions : 0;
	struct ranked *best = xcalloc(k + 1, sizeof(*best));
	int i;

	for (i = 0; i < r->ncredits; i++) {
		const struct role_delta *c = &r->credits[i];
		struct finding *f;
		size_t j, m;

		if (!passes(r, c->unexplained))
			continue;
		r->findings = xreallocarray(r->findings, (size_t)r->nfindings + 1, sizeof(*r->findings));
		f = &r->findings[r->nfindings++];
		memset(f, 0, sizeof(*f));
		f->role = xstrdup(growing_role(r, c));
		f->credit = xstrdup(c->role);
		f->rss_delta = c->rss_delta;
		f->runtime_delta = c->runtime_delta;
		f->runtime_known = c->runtime_known;
		f->unexplained = c->unexplained;
		/* the credit's regions that grew, largest growth first */
		m = rank_first_k(growing, ngrowing, k, rank_by_growth, i, best);
		f->regions = m > 0 ? xcalloc(m, sizeof(*f->regions)) : NULL;
		for (j = 0; j < m; j++)
			region_of(&f->regions[f->nregions++], al, &best[j]);
		f->evidence = role_evidence(c, f->regions, f->nregions);
		f->summary = words_finding(r, c, f->role, f->nregions > 0 ? &f->regions[0] : NULL,
					   f->evidence);
	}
	free(best);
}

static int
cmp_finding(const void *x, const void *y)
{
	const struct finding *a = x, *b = y;

	if (a->unexplained != b->unexplained)
		return a->unexplained > b->unexplained ? -1 : 1;
	return strcmp(a->role, b->role);
}

static void
make_headline(struct diff_result *r)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "Rss ");
	num_bytes_delta(&b, r->rss_delta);
	buf_puts(&b, " (");
	num_bytes(&b, r->before->rss);
	buf_puts(&b, " \xe2\x86\x92 ");
	num_bytes(&b, r->after->rss);
	buf_putc(&b, ')');
	if (r->before->go_estimate.known && r->after->go_estimate.known) {
		buf_puts(&b, ", runtime estimate ");
		num_bytes_delta(&b, r->after->go_estimate.v - r->before->go_estimate.v);
	} else {
		/* "before", "after" or "both": which bundle has no Go runtime numbers */
		buf_printf(&b, ", runtime side missing (%s)", words_missing_side(r->before, r->after));
	}
	if (r->nfindings > 0) {
		buf_puts(&b, "; ");
		num_bytes(&b, r->findings[0].unexplained);
		buf_printf(&b, " unexplained in %s", r->findings[0].role);
		if (r->nfindings > 1)
			buf_printf(&b, " and %d more", r->nfindings - 1);
	}
	r->headline = buf_detach(&b, NULL);
}

static void
make_cgroup_note(struct diff_result *r)
{
	const struct snapshot_info *a = r->after;
	struct buf b = BUF_INIT;
	int64_t rest;

	if (!a->cgroup_usage.known || !a->rss_known)
		return;
	buf_printf(&b, "cgroup %s ", a->cgroup_usage.source);
	num_bytes(&b, a->cgroup_usage.v);
	if (a->cgroup_limit.known) {
		buf_puts(&b, " of ");
		num_bytes(&b, a->cgroup_limit.v);
	}
	buf_puts(&b, ": this process's Rss ");
	num_bytes(&b, a->rss);
	rest = a->cgroup_usage.v - a->rss;
	if (a->cgroup_file.known) {
		buf_puts(&b, ", page cache ");
		num_bytes(&b, a->cgroup_file.v);
		rest -= a->cgroup_file.v;
	}
	if (a->cgroup_kernel.known) {
		buf_puts(&b, ", kernel ");
		num_bytes(&b, a->cgroup_kernel.v);
		rest -= a->cgroup_kernel.v;
	}
	if (rest > 0) {
		buf_puts(&b, ", ");
		num_bytes(&b, rest);
		buf_puts(&b, " outside this process (other processes of the cgroup, or shared pages "
			     "counted once)");
	}
	r->cgroup_note = buf_detach(&b, NULL);
}

static void
fill_classes(struct diff_result *r)
{
	struct go_classes gb, ga;
	int i;

	if (!go_classes_from(r->before, &gb) || !go_classes_from(r->after, &ga))
		return;
	r->classes.known = 1;
	for (i = 0; i < GO_CLASS_COUNT; i++) {
		r->classes.before[i] = gb.bytes[i];
		r->classes.after[i] = ga.bytes[i];
	}
}

struct diff_result *
diff_compute(struct db *db, int64_t before, int64_t after, const struct diff_opts *o,
	     struct diag *d)
{
	return diff_compute_with(db, before, after, NULL, NULL, o, d);
}

struct diff_result *
diff_compute_with(struct db *db, int64_t before, int64_t after, struct diff_vmas *vb,
		  struct diff_vmas *va, const struct diff_opts *o, struct diag *d)
{
	struct diff_result *r = xcalloc(1, sizeof(*r));
	struct diff_vmas *own_b = NULL, *own_a = NULL;
	struct alignment *al = NULL;
	struct ranked *ranked = NULL, *top = NULL;
	size_t i, ngrowing, k = o->max_regions > 0 ? (size_t)o->max_regions : 0;

	r->opts = *o;
	r->before = snapshot_info_read(db, before, d);
	if (r->before == NULL)
		goto err;
	r->after = snapshot_info_read(db, after, d);
	if (r->after == NULL)
		goto err;
	if (!r->before->rss_known || !r->after->rss_known) {
		diag_fail(d, DIAG_MISSING, 0,
			  "snapshot %" PRId64 " has no proc/smaps, so its Rss is unknown",
			  r->before->rss_known ? after : before);
		diag_hint(d, "capture again where /proc/PID/smaps is readable");
		goto err;
	}
	/* what was not handed over is read from the store: one snapshot once */
	if (vb == NULL && va == NULL && before != after) {
		if (diff_vmas_load_two(db, before, after, &own_b, &own_a, d) != 0)
			goto err;
		vb = own_b;
		va = own_a;
	}
	if (vb == NULL) {
		vb = own_b = diff_vmas_new();
		if (diff_vmas_load(vb, db, before, d) != 0)
			goto err;
	}
	if (va == NULL && after == before && own_b != NULL) {
		va = vb;
	} else if (va == NULL) {
		va = own_a = diff_vmas_new();
		if (diff_vmas_load(va, db, after, d) != 0)
			goto err;
	}
	r->before->go_named = diff_vmas_go_named(vb);
	r->after->go_named = diff_vmas_go_named(va);
	if (align_inputs(diff_vmas_regions(vb), diff_vmas_regions(va), &al, d) != 0)
		goto err;
	fill_roles(r, vb, va);
	fill_credits(r);
	for (i = 0; i < al->npairs; i++) {
		const struct align_pair *p = &al->pairs[i];

		if (p->before >= 0 && p->after >= 0)
			r->pairs++;
		else if (p->before >= 0)
			r->only_before++;
		else
			r->only_after++;
	}
	ranked = rank_pairs(al);
	top = xcalloc(k + 1, sizeof(*top));
	r->ntop = (int)rank_first_k(ranked, al->npairs, k, rank_by_change, -1, top);
	r->top_regions = xcalloc((size_t)r->ntop + 1, sizeof(*r->top_regions));
	for (i = 0; i < (size_t)r->ntop; i++)
		region_of(&r->top_regions[i], al, &top[i]);
	ngrowing = growing_pairs(r, al, ranked, al->npairs);
	make_findings(r, al, ranked, ngrowing);
	if (r->nfindings > 1)
		qsort(r->findings, (size_t)r->nfindings, sizeof(*r->findings), cmp_finding);
	if (r->nfindings > 0)
		r->verdict = VERDICT_UNEXPLAINED;
	else if (r->rss_delta > 0 && passes(r, r->rss_delta))
		r->verdict = VERDICT_EXPLAINED;
	else
		r->verdict = VERDICT_NO_GROWTH;
	fill_classes(r);
	make_headline(r);
	make_cgroup_note(r);
	free(ranked);
	free(top);
	alignment_free(al);
	diff_vmas_free(own_b);
	diff_vmas_free(own_a);
	r->sites = site_diff_load(db, before, after, d);
	if (r->sites == NULL) {
		diff_result_free(r);
		return NULL;
	}
	site_diff_judge(r->sites, r);
	return r;
err:
	alignment_free(al);
	diff_vmas_free(own_b);
	diff_vmas_free(own_a);
	diff_result_free(r);
	return NULL;
}

void
diff_result_free(struct diff_result *r)
{
	int i, j;

	if (r == NULL)
		return;
	snapshot_info_free(r->before);
	snapshot_info_free(r->after);
	for (i = 0; i < r->nroles; i++)
		free(r->roles[i].role);
	free(r->roles);
	for (i = 0; i < r->ncredits; i++)
		free(r->credits[i].role);
	free(r->credits);
	for (i = 0; i < r->nfindings; i++) {
		for (j = 0; j < r->findings[i].nregions; j++)
			region_release(&r->findings[i].regions[j]);
		free(r->findings[i].regions);
		free(r->findings[i].role);
		free(r->findings[i].credit);
		free(r->findings[i].summary);
	}
	free(r->findings);
	for (i = 0; i < r->ntop; i++)
		region_release(&r->top_regions[i]);
	free(r->top_regions);
	free(r->headline);
	free(r->cgroup_note);
	site_diff_free(r->sites);
	free(r);
}
