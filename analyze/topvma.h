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

/*
 * What a table of VMAs or roles is ordered by (show --sort): a byte count
 * largest first (unknown last), then Size largest first, then address (a
 * VMA) or name (a role); or by name: a VMA's path (unnamed mappings last),
 * a role's name.
 */
enum topvma_sort {
	TOPVMA_SORT_RSS,	/* the default: the store's own order */
	TOPVMA_SORT_PSS,
	TOPVMA_SORT_USS,
	TOPVMA_SORT_SIZE,
	TOPVMA_SORT_SWAP,
	TOPVMA_SORT_ANON,
	TOPVMA_SORT_LAZYFREE,
	TOPVMA_SORT_NAME,
};

/* The names --sort takes, for a usage message: "rss, pss, uss, ...". */
extern const char topvma_sort_choices[];
/* The sort named name ("rss", "uss", ...) into *sort; 0 ok, -1 not one of topvma_sort_choices. */
int topvma_sort_parse(const char *name, enum topvma_sort *sort);
/* The name --sort takes for sort ("rss"). */
const char *topvma_sort_name(enum topvma_sort sort);
/* What a person calls the column ("Rss", "USS", "path"). */
const char *topvma_sort_label(enum topvma_sort sort);

/*
 * Read the (at most) max VMAs of snapshot id that come first in the order
 * sort into l, in that order; 0 ok, -1 with d filled.
 */
int topvma_list_load(struct db *db, int64_t id, size_t max, enum topvma_sort sort,
		     struct topvma_list *l, struct diag *d);
/* Free what l holds and empty it. */
void topvma_list_release(struct topvma_list *l);

#endif
