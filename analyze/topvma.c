#include "analyze/topvma.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "core/vma.h"

struct load_ctx {
	struct topvma_list *l;
	size_t cap;
};

static int
add_vma(void *ctx, const struct db_vma_row *row)
{
	struct load_ctx *c = ctx;
	struct topvma *v;

	if (c->l->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->l->v = xreallocarray(c->l->v, c->cap, sizeof(*c->l->v));
	}
	v = &c->l->v[c->l->n++];
	v->start = row->start;
	v->end = row->end;
	snprintf(v->range, sizeof(v->range), "%" PRIx64 "-%" PRIx64, row->start, row->end);
	v->perms = xstrdup(row->perms != NULL ? row->perms : "");
	v->role = xstrdup(row->role != NULL ? row->role : "anon");
	v->path = xstrdup(row->path != NULL ? row->path : "");
	v->size = row->field[VMA_SIZE];
	v->rss = row->field[VMA_RSS];
	v->anonymous = row->field[VMA_ANONYMOUS];
	v->lazyfree = row->field[VMA_LAZYFREE];
	v->swap = row->field[VMA_SWAP];
	v->pss = row->field[VMA_PSS];
	v->uss = -1;
	if (row->field[VMA_PRIVATE_CLEAN] >= 0 && row->field[VMA_PRIVATE_DIRTY] >= 0 &&
	    row->field[VMA_PRIVATE_CLEAN] <= INT64_MAX - row->field[VMA_PRIVATE_DIRTY])
		v->uss = row->field[VMA_PRIVATE_CLEAN] + row->field[VMA_PRIVATE_DIRTY];
	return 0;
}

static const struct {
	const char *name, *label;
} sorts[] = {
	[TOPVMA_SORT_RSS] = { "rss", "Rss" },
	[TOPVMA_SORT_PSS] = { "pss", "PSS" },
	[TOPVMA_SORT_USS] = { "uss", "USS" },
	[TOPVMA_SORT_SIZE] = { "size", "Size" },
	[TOPVMA_SORT_SWAP] = { "swap", "Swap" },
	[TOPVMA_SORT_ANON] = { "anon", "Anonymous" },
	[TOPVMA_SORT_LAZYFREE] = { "lazyfree", "LazyFree" },
	[TOPVMA_SORT_NAME] = { "name", "path" },
};

const char topvma_sort_choices[] = "rss, pss, uss, size, swap, anon, lazyfree, name";

int
topvma_sort_parse(const char *name, enum topvma_sort *sort)
{
	size_t i;

	for (i = 0; i < sizeof(sorts) / sizeof(sorts[0]); i++)
		if (strcmp(name, sorts[i].name) == 0) {
			*sort = (enum topvma_sort)i;
			return 0;
		}
	return -1;
}

const char *
topvma_sort_name(enum topvma_sort sort)
{
	return (size_t)sort < sizeof(sorts) / sizeof(sorts[0]) ? sorts[sort].name : "?";
}

const char *
topvma_sort_label(enum topvma_sort sort)
{
	return (size_t)sort < sizeof(sorts) / sizeof(sorts[0]) ? sorts[sort].label : "?";
}

/* the count --sort orders by: Rss unless another is named */
static int64_t
key_of(const struct topvma *v, enum topvma_sort sort)
{
	switch (sort) {
	case TOPVMA_SORT_PSS: return v->pss;
	case TOPVMA_SORT_USS: return v->uss;
	case TOPVMA_SORT_SIZE: return v->size;
	case TOPVMA_SORT_SWAP: return v->swap;
	case TOPVMA_SORT_ANON: return v->anonymous;
	case TOPVMA_SORT_LAZYFREE: return v->lazyfree;
	default: return v->rss;
	}
}

/*
 * a before b: by name, the path (unnamed mappings last); else the larger count
 * first (unknown, -1, below every known one), then Size; then address.
 */
static int
cmp_vma(const void *pa, const void *pb, void *arg)
{
	const struct topvma *a = pa, *b = pb;
	enum topvma_sort sort = *(const enum topvma_sort *)arg;
	int64_t ka, kb;
	int c;

	if (sort == TOPVMA_SORT_NAME) {
		if ((a->path[0] == '\0') != (b->path[0] == '\0'))
			return a->path[0] == '\0' ? 1 : -1;
		if ((c = strcmp(a->path, b->path)) != 0)
			return c;
	} else {
		ka = key_of(a, sort);
		kb = key_of(b, sort);
		if (ka != kb)
			return ka > kb ? -1 : 1;
		if (a->size != b->size)
			return a->size > b->size ? -1 : 1;
	}
	return a->start < b->start ? -1 : a->start > b->start;
}

static void
free_vma(struct topvma *v)
{
	free(v->perms);
	free(v->role);
	free(v->path);
}

int
topvma_list_load(struct db *db, int64_t id, size_t max, enum topvma_sort sort,
		 struct topvma_list *l, struct diag *d)
{
	struct load_ctx c = { l, 0 };
	size_t i;
	int rc;

	topvma_list_release(l);
	if (max > INT64_MAX)
		max = INT64_MAX;
	/* by Rss the store picks them (ORDER BY ... LIMIT); else every VMA is read and sorted */
	if (sort == TOPVMA_SORT_RSS)
		rc = db_vmas_top(db, id, (int64_t)max, add_vma, &c, d);
	else
		rc = db_vmas_each(db, id, add_vma, &c, d);
	if (rc != 0) {
		topvma_list_release(l);
		return -1;
	}
	if (sort != TOPVMA_SORT_RSS && l->n > 0) {
		qsort_r(l->v, l->n, sizeof(*l->v), cmp_vma, &sort);
		for (i = max; i < l->n; i++)
			free_vma(&l->v[i]);
		if (l->n > max)
			l->n = max;
	}
	return 0;
}

void
topvma_list_release(struct topvma_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free_vma(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
