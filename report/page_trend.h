/*
 * The trend page of the chart (docs/trend.md): the reading as the header;
 * A, Rss, the runtime's estimate, heap in use and the gap per snapshot in
 * capture order; B, each role's Rss change along the line (and per minute).
 */
#ifndef RSSGAP_PAGE_TREND_H
#define RSSGAP_PAGE_TREND_H

#include "analyze/trend.h"
#include "report/chart.h"
#include "report/draw.h"

/* Draw the trend page of r on p, w x h pixels. */
void page_trend_draw(struct page *p, double w, double h, const struct trend_result *r,
		     const struct chart_opts *o);

#endif
