#include "analyze/credit.h"

#include <stdio.h>
#include <string.h>

/*
 * The roles a credit can hold, in the order names are joined: the Go roles,
 * and the roles the default rules give unnamed anonymous memory by its
 * shape or address (where a heap the rules missed can be).
 */
enum { R_HEAP, R_ANON, R_RUNTIME, R_SHADOW, R_ARENA, R_COUNT };
static const char *const role_names[R_COUNT] = { "go-heap", "anon", "go-runtime", "race-shadow",
						  "malloc-arena" };
#define UNNAMED (1u << R_ANON | 1u << R_SHADOW | 1u << R_ARENA)

void
credit_plan_init(struct credit_plan *p)
{
	memset(p, 0, sizeof(*p));
}

static int64_t
role_rss(const struct snapshot_info *s, int r)
{
	const struct role_info *ri = snapshot_role(s, role_names[r]);

	return ri != NULL && ri->rss > 0 ? ri->rss : 0;
}

int
credit_class_view(const struct snapshot_info *s, enum credit_class c, int64_t *bytes)
{
	static const enum rt_field heap[] = { RT_HEAP_SYS, RT_HEAP_RELEASED, RT_STACK_INUSE };
	static const enum rt_field meta[] = { RT_MSPAN_SYS, RT_MCACHE_SYS, RT_GC_SYS,
					      RT_BUCK_HASH_SYS, RT_OTHER_SYS, RT_STACK_SYS,
					      RT_STACK_INUSE };
	const struct opt_i64 *rt = s->rt;
	size_t i;

	if (c == CREDIT_HEAP) {
		for (i = 0; i < sizeof(heap) / sizeof(heap[0]); i++)
			if (!rt[heap[i]].known)
				return 0;
		*bytes = rt[RT_HEAP_SYS].v - rt[RT_HEAP_RELEASED].v + rt[RT_STACK_INUSE].v;
		return 1;
	}
	for (i = 0; i < sizeof(meta) / sizeof(meta[0]); i++)
		if (!rt[meta[i]].known)
			return 0;
	/* StackSys - StackInuse: thread stacks the runtime mapped itself (newosproc0) */
	*bytes = rt[RT_MSPAN_SYS].v + rt[RT_MCACHE_SYS].v + rt[RT_GC_SYS].v +
		 rt[RT_BUCK_HASH_SYS].v + rt[RT_OTHER_SYS].v + rt[RT_STACK_SYS].v -
		 rt[RT_STACK_INUSE].v;
	return 1;
}

void
credit_plan_add(struct credit_plan *p, const struct snapshot_info *s)
{
	int64_t view;
	int r;

	p->snapshots++;
	if (s->go_named > 0)
		p->named++;
	if (snapshot_has_runtime(s))
		p->runtime++;
	for (r = 0; r < R_COUNT; r++)
		if (snapshot_role(s, role_names[r]) != NULL)
			p->present |= 1u << r;
	/*
	 * A class the snapshot has, whose own roles hold no resident page: its
	 * pages are in memory the rules left unnamed.
	 */
	if (credit_class_view(s, CREDIT_HEAP, &view) && view > 0 && role_rss(s, R_HEAP) == 0)
		p->unhoused |= 1u << CREDIT_HEAP;
	if (s->go_named > 0 && credit_class_view(s, CREDIT_META, &view) && view > 0 &&
	    role_rss(s, R_RUNTIME) == 0)
		p->unhoused |= 1u << CREDIT_META;
}

int
credit_plan_labelled(const struct credit_plan *p)
{
	return p->snapshots > 0 && p->named == p->snapshots;
}

/* The roles (a bit set of R_*) that can hold class c's pages under p. */
static unsigned
home(const struct credit_plan *p, enum credit_class c)
{
	unsigned h;

	if (c == CREDIT_HEAP)
		h = 1u << R_HEAP;
	else if (credit_plan_labelled(p))
		h = 1u << R_RUNTIME;
	else
		h = 1u << R_ANON | 1u << R_RUNTIME;
	/* the heap's arenas unrecognised: any role of unnamed memory may hold them */
	if (p->unhoused & (1u << c))
		h |= c == CREDIT_HEAP ? UNNAMED : 1u << R_ANON;
	return h;
}

/* The role that keeps a credit's row when none of its roles appears anywhere. */
static int
primary(const struct credit_plan *p, unsigned classes)
{
	if (classes & (1u << CREDIT_HEAP))
		return R_HEAP;
	return credit_plan_labelled(p) ? R_RUNTIME : R_ANON;
}

void
credit_plan_finish(struct credit_plan *p)
{
	unsigned roles[CREDIT_NCLASSES], classes[CREDIT_NCLASSES];
	int c, k, r, n = 0;

	/* classes sharing a role are one credit (two classes: one merge at most) */
	for (c = 0; c < CREDIT_NCLASSES; c++) {
		unsigned h = home(p, (enum credit_class)c);

		for (k = 0; k < n; k++)
			if (roles[k] & h)
				break;
		if (k == n) {
			roles[n] = 0;
			classes[n++] = 0;
		}
		roles[k] |= h;
		classes[k] |= 1u << c;
	}
	p->ncredits = n;
	for (k = 0; k < n; k++) {
		struct credit *cr = &p->credits[k];
		unsigned keep = roles[k] & p->present;
		size_t len = 0;

		memset(cr, 0, sizeof(*cr));
		cr->classes = classes[k];
		if (keep == 0)
			keep = 1u << primary(p, classes[k]);
		for (r = 0; r < R_COUNT; r++) {
			if (!(keep & (1u << r)))
				continue;
			cr->roles[cr->nroles++] = role_names[r];
			len += (size_t)snprintf(cr->name + len, sizeof(cr->name) - len, "%s%s",
						len > 0 ? "+" : "", role_names[r]);
		}
	}
}

int
credit_find(const struct credit_plan *p, const char *role)
{
	int k, i;

	for (k = 0; k < p->ncredits; k++)
		for (i = 0; i < p->credits[k].nroles; i++)
			if (strcmp(p->credits[k].roles[i], role) == 0)
				return k;
	return -1;
}

int
credit_view(const struct credit_plan *p, int k, const struct snapshot_info *s, int64_t *bytes)
{
	int64_t sum = 0, v;
	int c;

	for (c = 0; c < CREDIT_NCLASSES; c++) {
		if (!(p->credits[k].classes & (1u << c)))
			continue;
		if (!credit_class_view(s, (enum credit_class)c, &v))
			return 0;
		sum += v;
	}
	*bytes = sum;
	return 1;
}

const char *
credit_classes_words(const struct credit_plan *p, int k)
{
	switch (p->credits[k].classes) {
	case 1u << CREDIT_HEAP:
		return "the heap's committed pages and goroutine stacks (HeapSys - HeapReleased + "
		       "StackInuse)";
	case 1u << CREDIT_META:
		return "the runtime's metadata and OS thread stacks (GCSys, MSpanSys, MCacheSys, "
		       "BuckHashSys, OtherSys, StackSys - StackInuse)";
	}
	return "everything the runtime maps (Sys - HeapReleased)";
}

const char *
credit_why(const struct credit_plan *p, int k)
{
	const struct credit *cr = &p->credits[k];

	if (cr->classes & (1u << CREDIT_HEAP) & p->unhoused)
		return "go-heap holds no resident page in a snapshot whose runtime reports a heap "
		       "(the rules did not recognise the heap's mappings), so the heap may be in any "
		       "role of unnamed anonymous memory";
	if ((cr->classes & (1u << CREDIT_META)) && !credit_plan_labelled(p))
		return cr->nroles > 1
			       ? "the Go runtime names none of its mappings here (no [anon: Go: ...] "
				 "VMA), so its metadata is in unnamed anonymous memory, and which of "
				 "these roles holds which part cannot be known"
			       : "the Go runtime names none of its mappings here (no [anon: Go: ...] "
				 "VMA), so its metadata is in unnamed anonymous memory";
	if (cr->classes & (1u << CREDIT_META) & p->unhoused)
		return "go-runtime holds no resident page in a snapshot whose runtime reports "
		       "metadata, so the metadata may be in unnamed anonymous memory too";
	return NULL;
}
