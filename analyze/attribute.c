#include "analyze/attribute.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/align.h"
#include "core/buf.h"
#include "core/num.h"
#include "core/xalloc.h"
#include "ingest/smaps.h"

#define MiB (1024 * 1024)

void
diff_opts_default(struct diff_opts *o)
{
	o->min_bytes = 8 * MiB;
	o->min_percent = 5.0;
	o->max_regions = 10;
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

/* A snapshot's VMAs, loaded for alignment; strings owned here. */
struct vma_set {
	struct align_vma *v;
	size_t n, cap;
	char **roles;		/* interned role names */
	size_t nroles;
};

static const char *
intern_role(struct vma_set *s, const char *role)
{
	size_t i;

	for (i = 0; i < s->nroles; i++)
		if (strcmp(s->roles[i], role) == 0)
			return s->roles[i];
	s->roles = xreallocarray(s->roles, s->nroles + 1, sizeof(char *));
	s->roles[s->nroles] = xstrdup(role);
	return s->roles[s->nroles++];
}

static const char *
intern_perms(const char *perms)
{
	static const char *const common[] = { "rw-p", "r--p", "r-xp", "---p", "rwxp", "rw-s",
					      "r--s", "r-xs", "--xp", "-w-p" };
	size_t i;

	for (i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (strcmp(common[i], perms) == 0)
			return common[i];
	return NULL;
}

static int
load_vma(void *ctx, const struct db_vma_row *row)
{
	struct vma_set *s = ctx;
	struct align_vma *v;
	const char *perms = intern_perms(row->perms);

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	v = &s->v[s->n++];
	v->start = row->start;
	v->end = row->end;
	v->offset = row->offset;
	v->perms = perms != NULL ? perms : xstrdup(row->perms);
	v->path = row->path[0] != '\0' ? xstrdup(row->path) : "";
	v->role = intern_role(s, row->role);
	v->size = row->field[SMAPS_SIZE];
	v->rss = row->field[SMAPS_RSS];
	v->pss = row->field[SMAPS_PSS];
	v->anonymous = row->field[SMAPS_ANONYMOUS];
	v->lazyfree = row->field[SMAPS_LAZYFREE];
	v->anon_huge_pages = row->field[SMAPS_ANON_HUGE_PAGES];
	v->swap = row->field[SMAPS_SWAP];
	return 0;
}

static void
vma_set_release(struct vma_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->v[i].path[0] != '\0')
			free((char *)s->v[i].path);
		if (intern_perms(s->v[i].perms) == NULL)
			free((char *)s->v[i].perms);
	}
	for (i = 0; i < s->nroles; i++)
		free(s->roles[i]);
	free(s->roles);
	free(s->v);
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
	r->roles[r->nroles].runtime_known = 1;
	return &r->roles[r->nroles++];
}

static void
fill_roles(struct diff_result *r)
{
	const struct snapshot_info *b = r->before, *a = r->after;
	int labelled = snapshot_role(b, "go-runtime") != NULL || snapshot_role(a, "go-runtime") != NULL;
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
	/* the runtime's share may sit in a role neither side has VMAs of yet */
	if (labelled)
		role_slot(r, "go-runtime");
	r->rss_delta = 0;
	r->runtime_delta = 0;
	for (i = 0; i < r->nroles; i++) {
		struct role_delta *d = &r->roles[i];
		int64_t vb, va;

		d->runtime_known = snapshot_runtime_view(b, d->role, labelled, &vb) &&
				   snapshot_runtime_view(a, d->role, labelled, &va);
		d->runtime_delta = d->runtime_known ? va - vb : 0;
		d->rss_delta = d->rss_after - d->rss_before;
		d->unexplained = d->rss_delta - d->runtime_delta;
		r->rss_delta += d->rss_delta;
		r->runtime_delta += d->runtime_delta;
	}
	r->unexplained = r->rss_delta - r->runtime_delta;
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
		rd->vmas_after = (int)a->count;
	}
}

static int64_t
region_growth(const struct region_delta *r)
{
	return r->rss_after - r->rss_before;
}

static int
cmp_region_growth(const void *x, const void *y)
{
	int64_t a = region_growth(x), b = region_growth(y);

	if (a != b)
		return a > b ? -1 : 1;
	return strcmp(((const struct region_delta *)x)->after, ((const struct region_delta *)y)->after);
}

static int
cmp_region_abs(const void *x, const void *y)
{
	int64_t a = llabs(region_growth(x)), b = llabs(region_growth(y));

	if (a != b)
		return a > b ? -1 : 1;
	return cmp_region_growth(x, y);
}

static void
region_copy(struct region_delta *dst, const struct region_delta *src)
{
	*dst = *src;
	dst->role = xstrdup(src->role);
	dst->path = xstrdup(src->path);
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
	if (fraction(d->rss_after, d->size_after) > fraction(d->rss_before, d->size_before) + 0.05)
		ev |= EV_RESIDENT_FRACTION;
	for (i = 0; i < n; i++) {
		if (regs[i].before[0] == '\0' && region_growth(&regs[i]) >= growth / 4)
			ev |= EV_APPEARED;
	}
	return ev;
}

/* What a role is, in words, for summaries. */
static const char *
role_words(const char *role)
{
	static const struct {
		const char *role, *words;
	} known[] = {
		{ "go-heap", "Go heap" },
		{ "go-runtime", "Go runtime metadata" },
		{ "anon", "anonymous memory outside the Go heap" },
		{ "malloc-heap", "C malloc heap ([heap])" },
		{ "malloc-arena", "glibc malloc arenas" },
		{ "race-shadow", "race detector shadow memory" },
		{ "stack", "thread stacks" },
		{ "exe", "the executable" },
		{ "lib", "shared libraries" },
		{ "file", "file mappings" },
		{ "shmem", "shared memory" },
		{ "kernel", "kernel mappings" },
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].role, role) == 0)
			return known[i].words;
	return role;
}

/* Why this role's Rss grew without the runtime seeing it, in one clause. */
static const char *
reading(const char *role, unsigned ev)
{
	if (ev & EV_LAZYFREE)
		return "pages the runtime released with MADV_FREE are still resident (LazyFree) until "
		       "the kernel reclaims them; GODEBUG=madvdontneed=1 returns them at once";
	if (strcmp(role, "go-heap") == 0)
		return (ev & EV_SIZE_GREW) ? "the heap mapping grew and its new pages are resident"
					   : "pages became resident without new allocation";
	if (strcmp(role, "race-shadow") == 0)
		return "a -race build: the race detector's shadow memory, invisible to the runtime";
	if (strcmp(role, "anon") == 0 || strcmp(role, "malloc-heap") == 0 ||
	    strcmp(role, "malloc-arena") == 0)
		return "memory the Go runtime does not manage (cgo/C malloc, mmap, or a -race build)";
	if (strcmp(role, "go-runtime") == 0)
		return "runtime metadata grew beyond what MemStats accounts for";
	return "memory the Go runtime does not account for";
}

static char *
finding_summary(const struct role_delta *d, const struct region_delta *top, unsigned ev,
		const struct diff_result *r)
{
	struct buf b = BUF_INIT;
	const char *words = role_words(d->role);

	buf_printf(&b, "%c%s", words[0] >= 'a' && words[0] <= 'z' ? words[0] - 32 : words[0],
		   words + 1);
	if (top != NULL) {
		buf_printf(&b, " %s", top->after[0] != '\0' ? top->after : top->before);
		buf_puts(&b, ": Rss ");
		num_bytes(&b, top->rss_before);
		buf_puts(&b, " \xe2\x86\x92 ");
		num_bytes(&b, top->rss_after);
		if (top->before[0] == '\0') {
			buf_puts(&b, " in a region that appeared (Size ");
			num_bytes(&b, top->size_after);
			buf_putc(&b, ')');
		} else if (llabs(top->size_after - top->size_before) <= top->size_before / 50) {
			buf_puts(&b, " with Size unchanged (");
			num_bytes(&b, top->size_after);
			buf_putc(&b, ')');
		} else {
			buf_puts(&b, " with Size ");
			num_bytes(&b, top->size_before);
			buf_puts(&b, " \xe2\x86\x92 ");
			num_bytes(&b, top->size_after);
		}
		if (d->rss_delta != region_growth(top)) {
			buf_puts(&b, " (role total ");
			num_bytes_delta(&b, d->rss_delta);
			buf_putc(&b, ')');
		}
	} else {
		buf_puts(&b, ": Rss ");
		num_bytes_delta(&b, d->rss_delta);
	}
	if (!d->runtime_known) {
		buf_puts(&b, " and the bundle has no runtime numbers to explain it");
	} else if (strcmp(d->role, "go-heap") == 0 && r->before->rt[RT_HEAP_INUSE].known &&
		   r->after->rt[RT_HEAP_INUSE].known) {
		buf_puts(&b, " while HeapInuse moved ");
		num_bytes_delta(&b, r->after->rt[RT_HEAP_INUSE].v - r->before->rt[RT_HEAP_INUSE].v);
	} else {
		buf_puts(&b, " while the runtime's view of it moved ");
		num_bytes_delta(&b, d->runtime_delta);
	}
	if (ev & EV_LAZYFREE) {
		buf_puts(&b, "; LazyFree ");
		num_bytes(&b, d->lazyfree_after);
	}
	buf_printf(&b, ": %s", reading(d->role, ev));
	return buf_detach(&b, NULL);
}

static int
passes(const struct diff_result *r, int64_t bytes)
{
	double pct = r->before->rss_known && r->before->rss > 0
			     ? 100.0 * (double)bytes / (double)r->before->rss
			     : 100.0;

	return bytes >= r->opts.min_bytes && pct >= r->opts.min_percent;
}

static void
make_findings(struct diff_result *r, struct region_delta *all, size_t nall)
{
	int i;

	for (i = 0; i < r->nroles; i++) {
		struct role_delta *d = &r->roles[i];
		struct finding *f;
		size_t j;

		if (!passes(r, d->unexplained))
			continue;
		r->findings = xreallocarray(r->findings, (size_t)r->nfindings + 1, sizeof(*r->findings));
		f = &r->findings[r->nfindings++];
		memset(f, 0, sizeof(*f));
		f->role = xstrdup(d->role);
		f->rss_delta = d->rss_delta;
		f->runtime_delta = d->runtime_delta;
		f->unexplained = d->unexplained;
		/* all is sorted by growth: the role's regions come in that order */
		for (j = 0; j < nall && f->nregions < r->opts.max_regions; j++) {
			if (strcmp(all[j].role, d->role) != 0 || region_growth(&all[j]) <= 0)
				continue;
			f->regions = xreallocarray(f->regions, (size_t)f->nregions + 1,
						   sizeof(*f->regions));
			region_copy(&f->regions[f->nregions++], &all[j]);
		}
		f->evidence = role_evidence(d, f->regions, f->nregions);
		f->summary = finding_summary(d, f->nregions > 0 ? &f->regions[0] : NULL, f->evidence, r);
	}
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
		buf_puts(&b, ", no runtime numbers on both sides");
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
	struct diff_result *r = xcalloc(1, sizeof(*r));
	struct vma_set vb = { 0 }, va = { 0 };
	struct alignment *al = NULL;
	struct region_delta *all = NULL;
	size_t i, nall = 0;

	r->opts = *o;
	r->before = snapshot_info_load(db, before, d);
	if (r->before == NULL)
		goto err;
	r->after = snapshot_info_load(db, after, d);
	if (r->after == NULL)
		goto err;
	if (!r->before->rss_known || !r->after->rss_known) {
		diag_fail(d, DIAG_MISSING, 0,
			  "snapshot %" PRId64 " has no proc/smaps, so its Rss is unknown",
			  r->before->rss_known ? after : before);
		diag_hint(d, "capture again where /proc/PID/smaps is readable");
		goto err;
	}
	if (db_vmas_each(db, before, load_vma, &vb, d) != 0 ||
	    db_vmas_each(db, after, load_vma, &va, d) != 0)
		goto err;
	if (align_snapshots(vb.v, vb.n, va.v, va.n, &al, d) != 0)
		goto err;
	fill_roles(r);
	qsort(r->roles, (size_t)r->nroles, sizeof(*r->roles), cmp_role_delta);
	all = xcalloc(al->npairs, sizeof(*all));
	for (i = 0; i < al->npairs; i++) {
		const struct align_pair *p = &al->pairs[i];

		fill_region(&all[nall++], p->before >= 0 ? &al->before[p->before] : NULL,
			    p->after >= 0 ? &al->after[p->after] : NULL, p->how);
		if (p->before >= 0 && p->after >= 0)
			r->pairs++;
		else if (p->before >= 0)
			r->only_before++;
		else
			r->only_after++;
	}
	qsort(all, nall, sizeof(*all), cmp_region_growth);
	make_findings(r, all, nall);
	if (r->nfindings > 1)
		qsort(r->findings, (size_t)r->nfindings, sizeof(*r->findings), cmp_finding);
	qsort(all, nall, sizeof(*all), cmp_region_abs);
	r->ntop = (int)(nall < (size_t)o->max_regions ? nall : (size_t)o->max_regions);
	r->top_regions = xcalloc((size_t)r->ntop + 1, sizeof(*r->top_regions));
	for (i = 0; i < (size_t)r->ntop; i++)
		region_copy(&r->top_regions[i], &all[i]);
	if (r->nfindings > 0)
		r->verdict = VERDICT_UNEXPLAINED;
	else if (r->rss_delta > 0 && passes(r, r->rss_delta))
		r->verdict = VERDICT_EXPLAINED;
	else
		r->verdict = VERDICT_NO_GROWTH;
	fill_classes(r);
	make_headline(r);
	make_cgroup_note(r);
	for (i = 0; i < nall; i++)
		region_release(&all[i]);
	free(all);
	alignment_free(al);
	vma_set_release(&vb);
	vma_set_release(&va);
	return r;
err:
	alignment_free(al);
	vma_set_release(&vb);
	vma_set_release(&va);
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
	for (i = 0; i < r->nfindings; i++) {
		for (j = 0; j < r->findings[i].nregions; j++)
			region_release(&r->findings[i].regions[j]);
		free(r->findings[i].regions);
		free(r->findings[i].role);
		free(r->findings[i].summary);
	}
	free(r->findings);
	for (i = 0; i < r->ntop; i++)
		region_release(&r->top_regions[i]);
	free(r->top_regions);
	free(r->headline);
	free(r->cgroup_note);
	free(r);
}
