/*
 * The pairs of an alignment ranked for diff's region lists, without making a
 * region_delta of every pair.
 */
#ifndef RSSGAP_RANK_H
#define RSSGAP_RANK_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/align.h"

/*
 * One pair of the alignment as the regions are ranked: its Rss growth and
 * its after range. Regions are ranked by growth, then by their after range
 * as text ("7f00-7f80", "" for none), then in alignment order; every region
 * list of the result is the first few of such a ranking, picked without
 * making a region_delta of every pair.
 */
struct ranked {
	int64_t growth;
	uint64_t after_start, after_end;
	uint32_t pair;
	uint32_t has_after;
	int credit;		/* the caller's: attribute.c puts the credit of the pair's role */
};

/* The entry of every pair of al (credit -1), in pair order; the caller frees it. */
struct ranked *rank_pairs(const struct alignment *al);
/* qsort order: largest growth first, then the after range as text, then alignment order. */
int rank_by_growth(const void *x, const void *y);
/* qsort order: largest change either way first, then as rank_by_growth. */
int rank_by_change(const void *x, const void *y);
/*
 * The first k of e[0..n) under cmp, of credit credit (-1: any), in order,
 * into out (room for k); returns how many. O(n log k).
 */
size_t rank_first_k(const struct ranked *e, size_t n, size_t k,
		    int (*cmp)(const void *, const void *), int credit, struct ranked *out);

#endif
