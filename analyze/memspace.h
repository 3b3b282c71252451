/*
 * All of one snapshot's resident memory as a tree of names, for a
 * memory_space profile (docs/profile.md). A sample is one path from the
 * process down to a leaf, with a number of resident bytes; the samples add
 * up to the snapshot's Rss (the sum of its VMAs' smaps Rss) exactly.
 *
 *   process <comm> pid N
 *     role                       go-heap, anon, exe, file, stack, ...
 *       region                   a mapped file's path, a named mapping
 *                                ("[heap]", "[anon: Go: heap]"), or the
 *                                "start-end" of an unnamed one
 *         runtime part           only in the roles the attribution model
 *                                credits with the runtime's classes
 *                                (analyze/credit.h), when the runtime's
 *                                numbers are known:
 *           heap objects (HeapAlloc)
 *             frames of an allocation site, root to leaf, or "other
 *             allocation sites"; inuse_space holds the heap profile's bytes
 *           heap spans in use, unused (HeapInuse - HeapAlloc), heap free,
 *           not released (HeapIdle - HeapReleased), goroutine stacks
 *           (StackInuse), GC metadata (GCSys), allocator metadata (MSpanSys
 *           + MCacheSys), other runtime (OtherSys), profiler buckets
 *           (BuckHashSys), OS thread stacks (StackSys - StackInuse),
 *           not accounted by the runtime
 *
 * The kernel is ground truth: within one credit, runtime parts that add up
 * to more than the credit's Rss are scaled down to it; less leaves the
 * rest in "not accounted by the runtime". Nothing is ever negative.
 *
 * Rounding, everywhere: largest-remainder (Hamilton) apportionment of
 * integer bytes (memspace_apportion). A credit's Rss is split among its
 * parts, then the regions of the credit take their own Rss, region by
 * region in order, from what remains of every part, apportioned in
 * proportion to it; the last region takes all that remains. So every
 * region's samples sum to the region's Rss, every part's to the part, and
 * all of them to the snapshot's Rss. An allocation site's inuse_space
 * follows its bytes from region to region by cumulative rounding, so it
 * sums to the site's inuse_space.
 *
 * Names come from bundles: they are escaped as for a terminal
 * (core/escape.h) before they enter the tree. A memspace owns everything it
 * points to.
 */
#ifndef RSSGAP_MEMSPACE_H
#define RSSGAP_MEMSPACE_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/snapshot.h"
#include "core/diag.h"

/* One VMA as the tree needs it; strings lent for memspace_build. */
struct memspace_vma {
	uint64_t start, end;
	const char *role;
	const char *path;	/* "" for an unnamed mapping */
	int64_t rss;		/* bytes; negative (unknown) counts 0 */
};

/*
 * The heap profile's sample type that splits the heap objects among the
 * allocation sites and is the profile's second sample type (go tool
 * pprof's -sample_index, rssgap profile --sample-index): inuse_space by
 * default. Whichever it is, the resident bytes (memory_space) sum exactly
 * as before; only how the heap objects' share is divided changes.
 */
enum memspace_index {
	MEMSPACE_INUSE_SPACE,
	MEMSPACE_ALLOC_SPACE,
	MEMSPACE_INUSE_OBJECTS,
	MEMSPACE_ALLOC_OBJECTS,
	MEMSPACE_INDEX_COUNT
};

/* The choices, for a usage message: "inuse_space, alloc_space, ...". */
extern const char memspace_index_choices[];
/* The index named name ("alloc_space") into *index; 0 ok, -1 not one of the choices. */
int memspace_index_parse(const char *name, enum memspace_index *index);
/* Its pprof sample type name ("inuse_space"). */
const char *memspace_index_name(enum memspace_index index);
/* Its pprof unit: "bytes" or "count". */
const char *memspace_index_unit(enum memspace_index index);

/* One stored allocation site of the heap profile; strings lent. */
struct memspace_site {
	const char *frames;	/* "leaf <- caller <- ...", as the store keeps it */
	/*
	 * The site's value of the sample type that splits the heap objects:
	 * inuse_space for memspace_build, the index of memspace_build_by.
	 * Negative (unknown) counts 0.
	 */
	int64_t inuse_space;
};

struct memspace_input {
	const struct snapshot_info *info;	/* Rss, roles' runtime numbers, pprof total */
	const struct memspace_vma *vmas;
	size_t nvmas;
	const struct memspace_site *sites;	/* largest first; may be none */
	size_t nsites;
};

struct memspace_sample {
	size_t first;		/* its frames are frames[first .. first + nframes), root first */
	size_t nframes;
	int64_t memory_space;	/* resident bytes */
	/*
	 * An allocation site's value of the heap profile's index sample type
	 * (inuse_space: its live heap bytes), else 0.
	 */
	int64_t inuse_space;
};

struct memspace {
	char **names;		/* distinct frame names, escaped */
	size_t nnames;
	size_t *frames;		/* indices into names */
	size_t nframes, frames_cap;
	struct memspace_sample *samples;
	size_t nsamples, samples_cap;
	int64_t rss;		/* the snapshot's Rss: what memory_space sums to */
	int64_t inuse;		/* what inuse_space (the index's values) sums to */
	enum memspace_index index;	/* the sample type inuse_space holds */
	int runtime;		/* 1 when the runtime's parts are in the tree */
	int sites;		/* allocation sites split the heap objects */
	int scaled;		/* a credit's runtime parts were scaled down to its Rss */
	/* the name index (open addressing), private to memspace.c */
	size_t *slots;
	size_t nslots;
};

/*
 * Build the tree of in; NULL with d filled: no Rss (a maps-only snapshot)
 * is DIAG_MISSING, VMAs whose Rss does not add up to the snapshot's is
 * DIAG_FORMAT.
 */
struct memspace *memspace_build(const struct memspace_input *in, struct diag *d);
/*
 * memspace_build with the sites' values (memspace_site.inuse_space) of the
 * heap profile's sample type index, whose total in the heap profile is
 * total (what the stored sites lack of it is "other allocation sites");
 * memspace_build is memspace_build_by(in, MEMSPACE_INUSE_SPACE,
 * &in->info->pprof_inuse, d).
 */
struct memspace *memspace_build_by(const struct memspace_input *in, enum memspace_index index,
				   const struct opt_i64 *total, struct diag *d);
/* Free m (NULL is a no-op). */
void memspace_free(struct memspace *m);
/*
 * Split total (>= 0) into n integer parts out[] in proportion to
 * weights[] (>= 0): out[i] = floor(total * w[i] / W), then the bytes left
 * go one each to the largest remainders, the lower index first on a tie.
 * Weights that sum to 0 give 0 everywhere.
 */
void memspace_apportion(int64_t total, const int64_t *weights, size_t n, int64_t *out);

#endif
