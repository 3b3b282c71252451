/*
 * Allocation sites of two snapshots' heap profiles, matched (docs/attribution.md,
 * "Allocation sites"). A site is what ingest stored (core/db.h pprof_site):
 * the first frames of a stack, leaf first, and its inuse values summed over
 * the samples sharing them. Builds differ, so sites are matched by their
 * frames' function names, never by address, with the allocator's own
 * leading frames (runtime.mallocgc..., runtime.newobject) left out of the
 * key: whether the profile shows them depends on the Go version.
 * Only the top sites are stored (--limit pprof_top_sites): a site missing
 * from a side whose stored sites do not add up to its profile's total
 * (listed < total) may be among those not stored; its value there is not
 * known (listed_* 0), and is counted as 0.
 * The heap profile is as of the last completed GC of each side: objects
 * allocated since are not in it, dead objects not yet swept still are.
 * A site_diff owns everything it points to.
 */
#ifndef RSSGAP_SITES_H
#define RSSGAP_SITES_H

#include <stdint.h>

#include "analyze/attribute.h"
#include "core/db.h"
#include "core/diag.h"

/* What a diff shows of the sites (site_diff_view). */
enum sites_view {
	SITES_NONE,		/* no heap profile on a side, or nothing of go-heap to explain */
	SITES_FINDING,		/* a finding in go-heap: the sites that changed most, large objects */
	SITES_GREW,		/* go-heap grew past the diff's thresholds, explained: the sites that grew */
	SITES_ONE,		/* one snapshot's sites (site_one_load), largest inuse_space first */
};

/* One side's heap profile. */
struct site_side {
	int known;		/* the snapshot has a heap profile with inuse_space */
	int64_t total;		/* the profile's inuse_space (all samples) */
	int64_t listed;		/* inuse_space of its stored sites */
	int nsites;		/* stored sites */
	int large_known;	/* every stored site knows its large objects */
	int64_t large_space, large_objects;	/* objects > 32 KiB, over the stored sites */
};

/* One site, both sides (a side where it is not listed has zeros). */
struct site_delta {
	char *leaf;			/* the leaf's function */
	char *frames;			/* "a <- b <- c", after's, else before's */
	int listed_before, listed_after;	/* among that side's stored sites */
	int64_t inuse_before, inuse_after, objects_before, objects_after;
	int64_t large_space_before, large_space_after;	/* -1 unknown */
	int64_t large_objects_before, large_objects_after;
};

struct site_diff {
	enum sites_view view;
	struct site_side before, after;
	struct site_delta *sites;	/* largest |inuse change| first */
	int nsites;
	int *large;			/* indices of sites with large objects, largest first */
	int nlarge;
};

/* Match the stored sites of snapshots before and after; NULL with d filled. */
struct site_diff *site_diff_load(struct db *db, int64_t before, int64_t after, struct diag *d);
/*
 * One snapshot's stored sites as the after side of a diff with nothing
 * before (rssgap show): largest inuse_space first, large objects ordered;
 * view SITES_ONE, or SITES_NONE without a heap profile. NULL with d filled.
 */
struct site_diff *site_one_load(struct db *db, int64_t id, struct diag *d);
/* Decide s->view from the diff's findings and go-heap's growth. */
void site_diff_judge(struct site_diff *s, const struct diff_result *r);
/* inuse_after - inuse_before. */
int64_t site_delta_change(const struct site_delta *v);
/* 1 when v grew on the SITES_GREW view's terms (inuse change > 0). */
int site_delta_grew(const struct site_delta *v);
/* Free s (NULL is a no-op). */
void site_diff_free(struct site_diff *s);

#endif
