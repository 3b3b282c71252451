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
 * A snapshot is an align_input: its VMAs are grouped into regions as they
 * are added, one at a time, so nobody needs to hold them all (memory goes
 * with regions, not VMAs). Region sums treat an unknown field (-1) as
 * unknown for the whole region (-1).
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
	const char *role;	/* owned by the input */
	const char *path;	/* owned by the input: the first VMA's path */
	const char *perms;	/* owned by the input: the first VMA's perms */
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

/* One snapshot's regions, built VMA by VMA. */
struct align_input;

/* A new input without VMAs. */
struct align_input *align_input_new(void);
/* Free in (NULL is a no-op); no alignment of it may be in use. */
void align_input_free(struct align_input *in);
/*
 * Add the snapshot's next VMA (address order); its strings are copied as
 * needed. -1 when v or an earlier VMA was refused (no strings, out of
 * order, a sum overflows): the input takes no more, and align_inputs
 * reports the first refusal.
 */
int align_input_add(struct align_input *in, const struct align_vma *v);
/* VMAs added (and taken). */
size_t align_input_vmas(const struct align_input *in);
/*
 * Align two inputs (before and after may be the same one). Their regions
 * move into the alignment, so an input aligns once; roles, paths and perms
 * stay the inputs', which must outlive it. 0 with *out set, or -1 with d
 * filled (a refused VMA is named with its side, "vma 3 of after ...").
 */
int align_inputs(struct align_input *before, struct align_input *after, struct alignment **out,
		 struct diag *d);
/*
 * Align before[0..nb) with after[0..na) (each in address order): both
 * added to new inputs, which the alignment owns.
 * Returns 0 with *out set, or -1 with d filled.
 */
int align_snapshots(const struct align_vma *before, size_t nb, const struct align_vma *after,
		    size_t na, struct alignment **out, struct diag *d);
/* Free a (NULL is a no-op). */
void alignment_free(struct alignment *a);
/* "file identity", "only after", ... for reports. */
const char *align_how_name(enum align_how how);

#endif
