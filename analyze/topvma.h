/*
 * The VMAs of one snapshot with the most Rss, largest first, copied out of
 * the store: the list show prints and report draws and tabulates. A
 * topvma_list owns its strings; topvma_list_release frees them.
 */
#ifndef RSSGAP_TOPVMA_H
#define RSSGAP_TOPVMA_H

#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "core/diag.h"

struct topvma {
	uint64_t start, end;
	char range[40];		/* "c000000000-c006800000": hex, no 0x, no padding */
	char *perms;
	char *role;		/* "anon" when the store has none */
	char *path;		/* "" for anonymous memory */
	int64_t size, rss, anonymous, lazyfree, swap;	/* -1 when the bundle lacks the field */
	int64_t pss;
	int64_t uss;		/* Private_Clean + Private_Dirty; -1 unless both are known */
};

struct topvma_list {
	struct topvma *v;
	size_t n;
};

#define TOPVMA_LIST_INIT { NULL, 0 }

/* Read the (at most) max VMAs of snapshot id with the largest Rss into l; 0 ok, -1 with d filled. */
int topvma_list_load(struct db *db, int64_t id, size_t max, struct topvma_list *l,
		     struct diag *d);
/* Free what l holds and empty it. */
void topvma_list_release(struct topvma_list *l);

#endif
