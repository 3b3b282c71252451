/*
 * Alignment of two snapshots' VMAs. Before and after
 * come from different builds: nothing lines up by address. VMAs are first
 * grouped into regions (runs of address-adjacent VMAs with one role and one
 * identity), then regions are paired:
 *   - file-backed regions by file identity (basename with version digits
 *     normalised, so libfoo.so.1.2 pairs with libfoo.so.1.3; the main
 *     executable by role, so /app/v1/server pairs with /app/v2/server-new);
 *   - named regions ([heap], [stack], [anon: ...]) by name;
 *   - the Go heap by role, in address order;
 *   - the remaining anonymous regions by their order and shape between those
 *     anchors (a small DP inside each gap; quadratic only within a gap, and
 *     gaps are capped).
 * Every region ends up in exactly one pair; unpaired regions are pairs with
 * one side -1 and a reason. Cost is O(n log n) in the number of VMAs.
 *
 * Inputs are lent; the alignment owns its arrays. Region sums treat an
 * unknown field (-1) as unknown for the whole region (-1).
 *
 * A region's key: "exe" for the main executable (its anonymous bss too);
 * ROLE ":" basename for a file, without " (deleted)" and with the version
 * after ".so" (and a dotted "-2.32" before it) as "#"; the name of a named
 * mapping; the role of an anonymous one. An anonymous VMA right after a file
 * VMA of the same role (a library's bss) belongs to the file's region. The
 * identity is KEY "#" RANK, RANK counting the regions of that key in address
 * order, so a library mapped twice is told apart.
 * pairs[] lists every before region in address order (paired or only
 * before), then the only-after regions in address order.
 */
#ifndef RSSGAP_ALIGN_H
#define RSSGAP_ALIGN_H

#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"

/* One VMA as alignment sees it; strings are lent for the call. */
struct align_vma {
	uint64_t start, end, offset;
	const char *perms;	/* "rw-p" */
	const char *path;	/* "" when anonymous */
	const char *role;	/* "go-heap", "lib", ... */
	int64_t size, rss, pss, anonymous, lazyfree, anon_huge_pages, swap; /* -1 unknown */
	int64_t dirty;		/* Private_Dirty + Shared_Dirty, -1 unknown */
};

struct align_region {
	size_t first, count;	/* VMAs [first, first+count) of its snapshot */
	uint64_t start, end;	/* first VMA's start, last VMA's end */
	const char *role;	/* lent from the input */
	const char *path;	/* lent from the input: the first VMA's path */
	char *identity;		/* owned by the alignment: KEY#RANK ("lib:libc.so.##0", "exe#0", "go-heap#0") */
	int64_t size, rss, pss, anonymous, lazyfree, anon_huge_pages, swap, dirty;
};

enum align_how {
	ALIGN_FILE,		/* same file identity */
	ALIGN_EXE,		/* the main executable, whatever its name */
	ALIGN_NAME,		/* same name: [heap], [stack], [anon: Go: heap] */
	ALIGN_ROLE_ORDER,	/* same role, in address order (the Go heap) */
	ALIGN_GAP,		/* anonymous, by order and shape between anchors */
	ALIGN_ONLY_BEFORE,	/* no partner: it disappeared */
	ALIGN_ONLY_AFTER,	/* no partner: it appeared */
};

struct align_pair {
	long before;		/* index into regions_before, -1 if none */
	long after;		/* index into regions_after, -1 if none */
	enum align_how how;
};

struct alignment {
	struct align_region *before, *after;
	size_t nbefore, nafter;
	struct align_pair *pairs;
	size_t npairs;
};

/*
 * Align before[0..nb) with after[0..na) (each in address order).
 * Returns 0 with *out set, or -1 with d filled.
 */
int align_snapshots(const struct align_vma *before, size_t nb, const struct align_vma *after,
		    size_t na, struct alignment **out, struct diag *d);
/* Free a (NULL is a no-op). */
void alignment_free(struct alignment *a);
/* "file identity", "only after", ... for reports. */
const char *align_how_name(enum align_how how);

#endif
