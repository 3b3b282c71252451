#include "analyze/topvma.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

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

int
topvma_list_load(struct db *db, int64_t id, size_t max, struct topvma_list *l, struct diag *d)
{
	struct load_ctx c = { l, 0 };

	topvma_list_release(l);
	if (max > INT64_MAX)
		max = INT64_MAX;
	if (db_vmas_top(db, id, (int64_t)max, add_vma, &c, d) != 0) {
		topvma_list_release(l);
		return -1;
	}
	return 0;
}

void
topvma_list_release(struct topvma_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].perms);
		free(l->v[i].role);
		free(l->v[i].path);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
