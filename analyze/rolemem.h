/*
 * Per role, the proportional and the unique set size as smem counts them:
 * PSS is the sum of the smaps Pss of the role's VMAs, USS the sum of their
 * Private_Clean + Private_Dirty (memory no other process maps). Both are
 * summed here from the VMA rows, so a role is unknown (-1) as soon as one
 * of its VMAs lacks a field it needs (maps only, a kernel that did not
 * print it): never a partial sum shown as a total.
 */
#ifndef RSSGAP_ROLEMEM_H
#define RSSGAP_ROLEMEM_H

#include <stdint.h>

#include "analyze/snapshot.h"
#include "analyze/topvma.h"
#include "core/db.h"
#include "core/diag.h"

struct rolemem {
	const struct role_info *info;	/* lent from the snapshot_info given to rolemem_load */
	int64_t pss, uss;		/* -1 unknown */
};

/* One entry per role of the snapshot, in the snapshot's order until sorted. */
struct rolemem_list {
	struct rolemem *v;
	size_t n;
};

#define ROLEMEM_LIST_INIT { NULL, 0 }

/* Sum PSS and USS per role of s (snapshot s->id in db) into l; 0 ok, -1 with d filled. */
int rolemem_load(struct db *db, const struct snapshot_info *s, struct rolemem_list *l,
		 struct diag *d);
/*
 * Order l by sort: a count largest first (unknown last), then Size, then
 * the role's name, as the store orders roles by Rss; or by the role's name.
 */
void rolemem_sort(struct rolemem_list *l, enum topvma_sort sort);
/* Free what l holds and empty it. */
void rolemem_list_release(struct rolemem_list *l);

#endif
