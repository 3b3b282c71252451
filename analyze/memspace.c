#include "analyze/memspace.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/credit.h"
#include "core/buf.h"
#include "core/escape.h"
#include "core/xalloc.h"

/* Byte counts multiply before they divide: 128 bits hold any product of two. */
typedef unsigned __int128 u128;

/* The runtime parts of a credit, in the order they are listed. */
enum part_kind {
	P_OBJECTS,	/* HeapAlloc: split further by allocation site */
	P_UNUSED,
	P_FREE,
	P_STACKS,
	P_GC,
	P_ALLOCATOR,
	P_OTHER,
	P_PROFILING,
	P_OS_STACKS,
	P_UNACCOUNTED,
	P_COUNT
};

static const char *const part_names[P_COUNT] = {
	[P_OBJECTS] = "heap objects (HeapAlloc)",
	[P_UNUSED] = "heap spans in use, unused (HeapInuse - HeapAlloc)",
	[P_FREE] = "heap free, not released (HeapIdle - HeapReleased)",
	[P_STACKS] = "goroutine stacks (StackInuse)",
	[P_GC] = "GC metadata (GCSys)",
	[P_ALLOCATOR] = "allocator metadata (MSpanSys + MCacheSys)",
	[P_OTHER] = "other runtime (OtherSys)",
	[P_PROFILING] = "profiler buckets (BuckHashSys)",
	[P_OS_STACKS] = "OS thread stacks (StackSys - StackInuse)",
	[P_UNACCOUNTED] = "not accounted by the runtime",
};

/* Which go_class each part is (P_UNACCOUNTED is none). */
static const enum go_class part_class[P_UNACCOUNTED] = {
	[P_OBJECTS] = GO_HEAP_OBJECTS, [P_UNUSED] = GO_HEAP_UNUSED, [P_FREE] = GO_HEAP_FREE,
	[P_STACKS] = GO_STACKS, [P_GC] = GO_GC, [P_ALLOCATOR] = GO_ALLOCATOR,
	[P_OTHER] = GO_OTHER, [P_PROFILING] = GO_PROFILING, [P_OS_STACKS] = GO_OS_STACKS,
};

#define OTHER_SITES "other allocation sites"
#define NO_NAME ((size_t)-1)

static const struct {
	const char *name, *unit;
} indexes[MEMSPACE_INDEX_COUNT] = {
	[MEMSPACE_INUSE_SPACE] = { "inuse_space", "bytes" },
	[MEMSPACE_ALLOC_SPACE] = { "alloc_space", "bytes" },
	[MEMSPACE_INUSE_OBJECTS] = { "inuse_objects", "count" },
	[MEMSPACE_ALLOC_OBJECTS] = { "alloc_objects", "count" },
};

const char memspace_index_choices[] = "inuse_space, alloc_space, inuse_objects, alloc_objects";

int
memspace_index_parse(const char *name, enum memspace_index *index)
{
	int i;

	for (i = 0; i < MEMSPACE_INDEX_COUNT; i++)
		if (strcmp(name, indexes[i].name) == 0) {
			*index = (enum memspace_index)i;
			return 0;
		}
	return -1;
}

const char *
memspace_index_name(enum memspace_index index)
{
	return (unsigned)index < MEMSPACE_INDEX_COUNT ? indexes[index].name : "?";
}

const char *
memspace_index_unit(enum memspace_index index)
{
	return (unsigned)index < MEMSPACE_INDEX_COUNT ? indexes[index].unit : "?";
}

/* ---- apportionment ---- */

struct rem {
	u128 r;
	size_t i;
};

static int
rem_cmp(const void *a, const void *b)
{
	const struct rem *x = a, *y = b;

	if (x->r != y->r)
		return x->r > y->r ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

void
memspace_apportion(int64_t total, const int64_t *weights, size_t n, int64_t *out)
{
	struct rem *rems;
	u128 sum = 0, given = 0;
	size_t i, left;

	for (i = 0; i < n; i++)
		sum += weights[i] > 0 ? (u128)weights[i] : 0;
	if (sum == 0 || total <= 0) {
		for (i = 0; i < n; i++)
			out[i] = 0;
		return;
	}
	rems = xcalloc(n, sizeof(*rems));
	for (i = 0; i < n; i++) {
		u128 p = (u128)total * (u128)(weights[i] > 0 ? weights[i] : 0);

		out[i] = (int64_t)(p / sum);
		given += p / sum;
		rems[i].r = p % sum;
		rems[i].i = i;
	}
	/* fewer than n bytes are left: the floors lose less than 1 each */
	left = (size_t)((u128)total - given);
	if (left > 0) {
		qsort(rems, n, sizeof(*rems), rem_cmp);
		for (i = 0; i < left; i++)
			out[rems[i].i]++;
	}
	free(rems);
}

/* ---- names ---- */

static uint64_t
name_hash(const char *s, size_t n)
{
	uint64_t h = UINT64_C(1469598103934665603);
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

static void
slots_grow(struct memspace *m)
{
	size_t n = m->nslots ? m->nslots * 2 : 1024, i;

	free(m->slots);
	m->slots = xcalloc(n, sizeof(*m->slots));
	m->nslots = n;
	for (i = 0; i < m->nnames; i++) {
		size_t j = name_hash(m->names[i], strlen(m->names[i])) & (n - 1);

		while (m->slots[j] != 0)
			j = (j + 1) & (n - 1);
		m->slots[j] = i + 1;
	}
}

/* The index of name s[0..n) (already escaped), added when new. */
static size_t
name_put(struct memspace *m, const char *s, size_t n)
{
	size_t j;

	if (2 * (m->nnames + 1) > m->nslots)
		slots_grow(m);
	j = name_hash(s, n) & (m->nslots - 1);
	while (m->slots[j] != 0) {
		const char *have = m->names[m->slots[j] - 1];

		if (strncmp(have, s, n) == 0 && have[n] == '\0')
			return m->slots[j] - 1;
		j = (j + 1) & (m->nslots - 1);
	}
	if (m->nnames % 256 == 0)
		m->names = xreallocarray(m->names, m->nnames + 256, sizeof(char *));
	m->names[m->nnames] = xcalloc(1, n + 1);
	memcpy(m->names[m->nnames], s, n);
	m->slots[j] = m->nnames + 1;
	return m->nnames++;
}

/* The index of text from a bundle, escaped for a terminal ("?" when empty). */
static size_t
name_of(struct memspace *m, const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	size_t id;

	if (n == 0)
		return name_put(m, "?", 1);
	escape_term(&b, s, n);
	id = name_put(m, b.data, b.len);
	buf_release(&b);
	return id;
}

static size_t
name_str(struct memspace *m, const char *s)
{
	return name_of(m, s, strlen(s));
}

/* ---- samples ---- */

/* One sample: prefix[0..np) then suffix[0..ns), root first. */
static void
sample_add(struct memspace *m, const size_t *prefix, size_t np, const size_t *suffix, size_t ns,
	   int64_t memory_space, int64_t inuse_space)
{
	struct memspace_sample *s;

	if (m->nsamples == m->samples_cap) {
		m->samples_cap = m->samples_cap ? 2 * m->samples_cap : 256;
		m->samples = xreallocarray(m->samples, m->samples_cap, sizeof(*m->samples));
	}
	while (m->nframes + np + ns > m->frames_cap) {
		m->frames_cap = m->frames_cap ? 2 * m->frames_cap : 1024;
		m->frames = xreallocarray(m->frames, m->frames_cap, sizeof(*m->frames));
	}
	s = &m->samples[m->nsamples++];
	s->first = m->nframes;
	s->nframes = np + ns;
	memcpy(m->frames + m->nframes, prefix, np * sizeof(*prefix));
	if (ns > 0)
		memcpy(m->frames + m->nframes + np, suffix, ns * sizeof(*suffix));
	m->nframes += np + ns;
	s->memory_space = memory_space;
	s->inuse_space = inuse_space;
	m->inuse += inuse_space;
}

/* ---- roles and regions ---- */

struct role {
	const char *name;	/* lent by the input */
	size_t name_id;
	int64_t rss;
	size_t rank;		/* its place in the tree: largest Rss first */
	int credit;		/* index into the plan, -1: the runtime holds nothing here */
};

struct region {
	size_t role;		/* index into roles */
	size_t rank;		/* the role's rank */
	size_t name_id;
	uint64_t first;		/* lowest start */
	int64_t rss;
};

struct build {
	struct memspace *m;
	const struct memspace_input *in;
	struct role *roles;
	size_t nroles;
	struct region *regions;	/* by role rank, then address */
	size_t nregions;
	size_t process;		/* the root frame's name */
	const struct opt_i64 *total;	/* the heap profile's total of the sites' sample type */
};

static size_t
role_of(struct build *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->nroles; i++)
		if (strcmp(b->roles[i].name, name) == 0)
			return i;
	b->roles = xreallocarray(b->roles, b->nroles + 1, sizeof(*b->roles));
	b->roles[b->nroles] = (struct role){ name, name_str(b->m, name), 0, 0, -1 };
	return b->nroles++;
}

static int
role_rank_cmp(const void *a, const void *b)
{
	const struct role *x = a, *y = b;

	if (x->rss != y->rss)
		return x->rss > y->rss ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Regions grouped: by role, then name, then address. */
static int
region_group_cmp(const void *a, const void *b)
{
	const struct region *x = a, *y = b;

	if (x->role != y->role)
		return x->role < y->role ? -1 : 1;
	if (x->name_id != y->name_id)
		return x->name_id < y->name_id ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* Regions in the tree's order: by role rank, then address. */
static int
region_order_cmp(const void *a, const void *b)
{
	const struct region *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* Rank the roles, largest Rss first (then by name), and order the regions so. */
static void
rank_roles(struct build *b)
{
	struct role *sorted = xcalloc(b->nroles ? b->nroles : 1, sizeof(*sorted));
	size_t i, j;

	memcpy(sorted, b->roles, b->nroles * sizeof(*sorted));
	qsort(sorted, b->nroles, sizeof(*sorted), role_rank_cmp);
	for (i = 0; i < b->nroles; i++)
		for (j = 0; j < b->nroles; j++)
			if (sorted[i].name_id == b->roles[j].name_id)
				b->roles[j].rank = i;
	free(sorted);
	for (i = 0; i < b->nregions; i++)
		b->regions[i].rank = b->roles[b->regions[i].role].rank;
	qsort(b->regions, b->nregions, sizeof(*b->regions), region_order_cmp);
}

/*
 * One region per mapped file or named mapping of a role, one per unnamed
 * VMA; VMAs without resident pages make none. Fails when the VMAs' Rss does
 * not add up to the snapshot's.
 */
static int
build_regions(struct build *b, struct diag *d)
{
	const struct memspace_input *in = b->in;
	struct region *r;
	int64_t sum = 0;
	size_t i, n = 0, role = 0;
	char range[48];

	r = xcalloc(in->nvmas ? in->nvmas : 1, sizeof(*r));
	b->regions = r;
	for (i = 0; i < in->nvmas; i++) {
		const struct memspace_vma *v = &in->vmas[i];

		if (v->rss <= 0)
			continue;
		if (sum > INT64_MAX - v->rss)
			return diag_fail(d, DIAG_FORMAT, 0, "the VMAs' Rss passes 2^63 bytes");
		sum += v->rss;
		if (b->nroles == 0 || strcmp(b->roles[role].name, v->role) != 0)
			role = role_of(b, v->role);
		b->roles[role].rss += v->rss;
		r[n].role = role;
		r[n].first = v->start;
		r[n].rss = v->rss;
		if (v->path[0] != '\0') {
			r[n].name_id = name_str(b->m, v->path);
		} else {
			snprintf(range, sizeof(range), "%" PRIx64 "-%" PRIx64, v->start, v->end);
			r[n].name_id = name_put(b->m, range, strlen(range));
		}
		n++;
	}
	if (sum != in->info->rss)
		return diag_fail(d, DIAG_FORMAT, 0,
				 "the VMAs' Rss adds up to %" PRId64 " bytes, the snapshot's is %" PRId64
				 " (expected the same)", sum, in->info->rss);
	qsort(r, n, sizeof(*r), region_group_cmp);
	for (i = 0; i < n; i++) {
		struct region *last = b->nregions ? &r[b->nregions - 1] : NULL;

		if (last != NULL && last->role == r[i].role && last->name_id == r[i].name_id) {
			last->rss += r[i].rss;	/* the first keeps the lowest start */
			continue;
		}
		r[b->nregions++] = r[i];
	}
	rank_roles(b);
	return 0;
}

/* ---- the runtime's parts of one credit ---- */

/* A leaf below a credit's regions: its frames, bytes and heap profile bytes. */
struct leaf {
	size_t suffix[2 + 64];	/* a part, then an allocation site's frames */
	size_t ns;
	int64_t want;		/* resident bytes over all the credit's regions */
	int64_t inuse;
	int64_t left;		/* bytes not yet given to a region */
	int64_t given;		/* bytes given so far: the cumulative rounding of inuse */
	int64_t inuse_given;
};

struct leaves {
	struct leaf *v;
	size_t n;
};

static struct leaf *
leaf_add(struct leaves *l, size_t part_name, int64_t want, int64_t inuse)
{
	struct leaf *f;

	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	f = &l->v[l->n++];
	memset(f, 0, sizeof(*f));
	f->suffix[f->ns++] = part_name;
	f->want = f->left = want;
	f->inuse = inuse;
	return f;
}

/* The frames of a site ("leaf <- caller <- ..."), root first, after the part. */
static void
leaf_site_frames(struct memspace *m, struct leaf *f, const char *frames)
{
	size_t ids[64], n = 0, i;
	const char *p = frames, *sep;

	while (n < sizeof(ids) / sizeof(ids[0])) {
		sep = strstr(p, " <- ");
		ids[n++] = name_of(m, p, sep != NULL ? (size_t)(sep - p) : strlen(p));
		if (sep == NULL)
			break;
		p = sep + 4;
	}
	for (i = 0; i < n; i++)
		f->suffix[f->ns++] = ids[n - 1 - i];
}

/* The heap objects' bytes split among the allocation sites; 0 when there are none to use. */
static int
split_by_site(struct build *b, struct leaves *l, int64_t objects)
{
	const struct memspace_input *in = b->in;
	int64_t *w, *got, top = 0, other = 0;
	size_t i, n = in->nsites, obj = name_str(b->m, part_names[P_OBJECTS]);
	int used = 0;

	if (n == 0)
		return 0;
	w = xcalloc(n + 1, sizeof(*w));
	got = xcalloc(n + 1, sizeof(*got));
	for (i = 0; i < n; i++) {
		w[i] = in->sites[i].inuse_space > 0 ? in->sites[i].inuse_space : 0;
		if (w[i] > INT64_MAX - top)
			w[i] = INT64_MAX - top;	/* a store past 2^63 bytes: the sum stays a number */
		top += w[i];
	}
	/* the sites past the stored top ones: the profile's total less the top */
	if (b->total->known && b->total->v > top)
		other = b->total->v - top;
	w[n] = other;
	if (top > 0 || other > 0) {
		memspace_apportion(objects, w, n + 1, got);
		for (i = 0; i < n; i++) {
			if (w[i] == 0)
				continue;
			leaf_site_frames(b->m, leaf_add(l, obj, got[i], w[i]), in->sites[i].frames);
		}
		if (other > 0) {
			struct leaf *f = leaf_add(l, obj, got[n], other);

			f->suffix[f->ns++] = name_str(b->m, OTHER_SITES);
		}
		used = 1;
	}
	free(w);
	free(got);
	return used;
}

/*
 * The leaves of credit k holding rss bytes: the runtime's parts of the
 * classes credited to it, scaled down to rss when they add up to more,
 * else with the rest not accounted by the runtime.
 */
static void
credit_leaves(struct build *b, const struct credit *cr, const struct go_classes *g, int64_t rss,
	      struct leaves *l)
{
	int64_t want[P_COUNT] = { 0 }, got[P_COUNT] = { 0 };
	u128 sum = 0;
	int p;

	for (p = 0; p < P_UNACCOUNTED; p++) {
		int heap = p <= P_STACKS;

		if (!(cr->classes & (1u << (heap ? CREDIT_HEAP : CREDIT_META))))
			continue;
		want[p] = g->bytes[part_class[p]] > 0 ? g->bytes[part_class[p]] : 0;
		sum += (u128)want[p];
	}
	if (sum > (u128)rss) {
		memspace_apportion(rss, want, P_UNACCOUNTED, got);
		b->m->scaled = 1;
	} else {
		memcpy(got, want, sizeof(got));
		got[P_UNACCOUNTED] = rss - (int64_t)sum;
	}
	for (p = 0; p < P_COUNT; p++) {
		if (p == P_OBJECTS && want[p] > 0 && split_by_site(b, l, got[p])) {
			b->m->sites = 1;
			continue;
		}
		if (got[p] > 0)
			leaf_add(l, name_str(b->m, part_names[p]), got[p], 0);
	}
}

/*
 * The samples of credit k: each of its regions, in order, takes its Rss
 * from what is left of every leaf, in proportion to it.
 */
static void
credit_samples(struct build *b, int k, const struct credit_plan *plan, const struct go_classes *g)
{
	struct leaves l = { NULL, 0 };
	int64_t rss = 0, *left, *take;
	size_t i, j, first = NO_NAME, prefix[3];

	for (i = 0; i < b->nregions; i++) {
		if (b->roles[b->regions[i].role].credit != k)
			continue;
		rss += b->regions[i].rss;
		if (first == NO_NAME)
			first = i;
	}
	if (first == NO_NAME)
		return;
	credit_leaves(b, &plan->credits[k], g, rss, &l);
	left = xcalloc(l.n ? l.n : 1, sizeof(*left));
	take = xcalloc(l.n ? l.n : 1, sizeof(*take));
	prefix[0] = b->process;
	for (i = first; i < b->nregions; i++) {
		const struct region *r = &b->regions[i];

		if (b->roles[r->role].credit != k)
			continue;
		for (j = 0; j < l.n; j++)
			left[j] = l.v[j].left;
		memspace_apportion(r->rss, left, l.n, take);
		prefix[1] = b->roles[r->role].name_id;
		prefix[2] = r->name_id;
		for (j = 0; j < l.n; j++) {
			struct leaf *f = &l.v[j];
			int64_t inuse = 0;

			f->left -= take[j];
			f->given += take[j];
			if (f->inuse > 0 && f->want > 0) {
				/* cumulative rounding: the site's inuse follows its bytes */
				inuse = (int64_t)((u128)f->inuse * (u128)f->given / (u128)f->want) -
					f->inuse_given;
			} else if (f->inuse > 0 && i == first) {
				inuse = f->inuse;	/* no resident byte: kept on the first region */
			}
			f->inuse_given += inuse;
			if (take[j] > 0 || inuse > 0)
				sample_add(b->m, prefix, 3, f->suffix, f->ns, take[j], inuse);
		}
	}
	free(left);
	free(take);
	free(l.v);
}

/* The process frame: "process <comm> pid N". */
static size_t
process_name(struct memspace *m, const struct snapshot_info *info)
{
	struct buf b = BUF_INIT;
	size_t id;

	buf_puts(&b, "process ");
	if (info->comm != NULL && info->comm[0] != '\0') {
		escape_term(&b, info->comm, strlen(info->comm));
		buf_putc(&b, ' ');
	}
	buf_printf(&b, "pid %" PRId64, info->pid);
	id = name_put(m, b.data, b.len);
	buf_release(&b);
	return id;
}

struct memspace *
memspace_build(const struct memspace_input *in, struct diag *d)
{
	return memspace_build_by(in, MEMSPACE_INUSE_SPACE, &in->info->pprof_inuse, d);
}

struct memspace *
memspace_build_by(const struct memspace_input *in, enum memspace_index index,
		  const struct opt_i64 *total, struct diag *d)
{
	struct memspace *m;
	struct build b;
	struct credit_plan plan = { 0 };
	struct go_classes g = { { 0 } };
	size_t i, prefix[3];
	int64_t sum = 0;
	int done[CREDIT_NCLASSES] = { 0 };

	if (!in->info->rss_known) {
		diag_fail(d, DIAG_MISSING, 0, "snapshot %" PRId64 " has no Rss (its bundle has "
			  "proc/maps but no proc/smaps)", in->info->id);
		return NULL;
	}
	m = xcalloc(1, sizeof(*m));
	memset(&b, 0, sizeof(b));
	b.m = m;
	b.in = in;
	b.total = total;
	m->rss = in->info->rss;
	m->index = index;
	b.process = process_name(m, in->info);
	if (build_regions(&b, d) != 0)
		goto fail;
	m->runtime = snapshot_has_runtime(in->info) && go_classes_from(in->info, &g);
	if (m->runtime) {
		credit_plan_init(&plan);
		credit_plan_add(&plan, in->info);
		credit_plan_finish(&plan);
		for (i = 0; i < b.nroles; i++)
			b.roles[i].credit = credit_find(&plan, b.roles[i].name);
	}
	prefix[0] = b.process;
	for (i = 0; i < b.nregions; i++) {
		const struct region *r = &b.regions[i];
		int credit = b.roles[r->role].credit;

		if (credit < 0) {
			prefix[1] = b.roles[r->role].name_id;
			prefix[2] = r->name_id;
			sample_add(m, prefix, 3, NULL, 0, r->rss, 0);
			continue;
		}
		/* a credit's samples go where its first region is */
		if (!done[credit])
			credit_samples(&b, credit, &plan, &g);
		done[credit] = 1;
	}
	for (i = 0; i < m->nsamples; i++)
		sum += m->samples[i].memory_space;
	if (sum != m->rss) {
		diag_fail(d, DIAG_FORMAT, 0, "the profile's samples add up to %" PRId64
			  " bytes, not the snapshot's Rss %" PRId64, sum, m->rss);
		goto fail;
	}
	free(b.roles);
	free(b.regions);
	return m;
fail:
	free(b.roles);
	free(b.regions);
	memspace_free(m);
	return NULL;
}

void
memspace_free(struct memspace *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nnames; i++)
		free(m->names[i]);
	free(m->names);
	free(m->frames);
	free(m->samples);
	free(m->slots);
	free(m);
}
