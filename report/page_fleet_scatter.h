/*
 * Panel B of the fleet page: Rss against runtime-visible, one dot per pod,
 * the region above y = x tinted (memory the runtime cannot see), each
 * cohort's median marked, the outliers ringed and listed with why.
 */
#ifndef RSSGAP_PAGE_FLEET_SCATTER_H
#define RSSGAP_PAGE_FLEET_SCATTER_H

#include "report/draw.h"
#include "report/page_fleet.h"
#include "report/scale.h"

/* Draw panel B of the fleet page of v in area. */
void page_fleet_scatter(struct page *p, const struct scale_box *area, const struct fleet_view *v);

#endif
