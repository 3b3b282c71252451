/*
 * The diff page of the chart (docs/report.md): the verdict headline; A, the
 * three layers before and after with the gap marked; B, each role's Rss
 * change against its runtime-visible change (and the memory cgroup when a
 * limit or the OOM killer is in play); C, the top aligned regions' Size and
 * Rss before and after. r and o are only read.
 */
#ifndef RSSGAP_PAGE_DIFF_H
#define RSSGAP_PAGE_DIFF_H

#include "analyze/attribute.h"
#include "report/chart.h"
#include "report/draw.h"

/* Draw the diff page of r (its before and after are not NULL) on p, w x h pixels. */
void page_diff_draw(struct page *p, double w, double h, const struct diff_result *r,
		    const struct chart_opts *o);

#endif
