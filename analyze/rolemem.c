#include "analyze/rolemem.h"

#include <stdlib.h>
#include <string.h>

#include "core/num.h"
#include "core/vma.h"
#include "core/xalloc.h"

struct sum_ctx {
	struct rolemem_list *l;
	size_t last;		/* the entry the previous VMA went to: neighbours share roles */
};

/* acc += v; an unknown v (or an overflow) makes acc unknown for good. */
static void
add_known(int64_t *acc, int64_t v)
{
	if (*acc < 0)
		return;
	if (v < 0 || num_add_i64(acc, v) != 0)
		*acc = -1;
}

static struct rolemem *
entry_for(struct sum_ctx *c, const char *role)
{
	size_t i;

	if (c->l->n == 0)
		return NULL;
	if (strcmp(c->l->v[c->last].info->role, role) == 0)
		return &c->l->v[c->last];
	for (i = 0; i < c->l->n; i++)
		if (strcmp(c->l->v[i].info->role, role) == 0) {
			c->last = i;
			return &c->l->v[i];
		}
	return NULL;
}

static int
add_vma(void *ctx, const struct db_vma_row *row)
{
	struct sum_ctx *c = ctx;
	struct rolemem *e = entry_for(c, row->role != NULL ? row->role : "anon");
	int64_t uss = -1;

	if (e == NULL)
		return 0;
	if (row->field[VMA_PRIVATE_CLEAN] >= 0 && row->field[VMA_PRIVATE_DIRTY] >= 0) {
		uss = row->field[VMA_PRIVATE_CLEAN];
		if (num_add_i64(&uss, row->field[VMA_PRIVATE_DIRTY]) != 0)
			uss = -1;
	}
	add_known(&e->pss, row->field[VMA_PSS]);
	add_known(&e->uss, uss);
	return 0;
}

int
rolemem_load(struct db *db, const struct snapshot_info *s, struct rolemem_list *l,
	     struct diag *d)
{
	struct sum_ctx c = { l, 0 };
	int i;

	rolemem_list_release(l);
	if (s->nroles == 0)
		return 0;
	l->v = xcalloc((size_t)s->nroles, sizeof(*l->v));
	l->n = (size_t)s->nroles;
	for (i = 0; i < s->nroles; i++) {
		l->v[i].info = &s->roles[i];
		/* without smaps the role's Rss is unknown, and so is everything summed here */
		l->v[i].pss = l->v[i].uss = s->rss_known ? 0 : -1;
	}
	if (db_vmas_each(db, s->id, add_vma, &c, d) != 0) {
		rolemem_list_release(l);
		return -1;
	}
	return 0;
}

/* the count --sort orders by: Rss unless another is named */
static int64_t
key_of(const struct rolemem *r, enum topvma_sort sort)
{
	switch (sort) {
	case TOPVMA_SORT_PSS: return r->pss;
	case TOPVMA_SORT_USS: return r->uss;
	case TOPVMA_SORT_SIZE: return r->info->size;
	case TOPVMA_SORT_SWAP: return r->info->swap;
	case TOPVMA_SORT_ANON: return r->info->anonymous;
	case TOPVMA_SORT_LAZYFREE: return r->info->lazyfree;
	default: return r->info->rss;
	}
}

/* a before b: by name, the role's; else the larger count first (unknown, -1, last), then Size, then name */
static int
cmp_role(const void *pa, const void *pb, void *arg)
{
	const struct rolemem *a = pa, *b = pb;
	enum topvma_sort sort = *(const enum topvma_sort *)arg;
	int64_t ka, kb;

	if (sort != TOPVMA_SORT_NAME) {
		ka = key_of(a, sort);
		kb = key_of(b, sort);
		if (ka != kb)
			return ka > kb ? -1 : 1;
		if (a->info->size != b->info->size)
			return a->info->size > b->info->size ? -1 : 1;
	}
	return strcmp(a->info->role, b->info->role);
}

void
rolemem_sort(struct rolemem_list *l, enum topvma_sort sort)
{
	if (l->n > 1)
		qsort_r(l->v, l->n, sizeof(*l->v), cmp_role, &sort);
}

void
rolemem_list_release(struct rolemem_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
