/*
 * The single-snapshot page of the chart (docs/report.md): the diff page
 * without the comparison. A, the three layers of one snapshot; B, its
 * roles by Rss inside their Size; C, the VMAs with the most Rss.
 */
#ifndef RSSGAP_PAGE_SINGLE_H
#define RSSGAP_PAGE_SINGLE_H

#include <stddef.h>

#include "analyze/snapshot.h"
#include "report/chart.h"
#include "report/draw.h"

/* What the single page draws; everything lent. */
struct page_single_input {
	const struct snapshot_info *s;
	const struct chart_vma *const *vmas;	/* largest Rss first */
	size_t nvmas;
};

/* Draw the single-snapshot page of in on p, w x h pixels. */
void page_single_draw(struct page *p, double w, double h, const struct page_single_input *in,
		      const struct chart_opts *o);

#endif
