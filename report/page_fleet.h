/*
 * The fleet page of the chart (docs/report.md): the verdict headline; A,
 * per-cohort distributions of Rss, runtime-visible and the roles that moved
 * most (report/page_fleet.c); B, Rss against runtime-visible per pod with
 * the diagonal y = x and the outliers ringed (report/page_fleet_scatter.c).
 * The view and the metrics below are what the two panels share; the
 * fleet_result is only read.
 */
#ifndef RSSGAP_PAGE_FLEET_H
#define RSSGAP_PAGE_FLEET_H

#include "analyze/fleet.h"
#include "report/chart.h"
#include "report/draw.h"

#define FLEET_ROLES 6		/* role small multiples at most */

/* What the fleet page draws, worked out once from the result; owns colour, r is lent. */
struct fleet_view {
	const struct fleet_result *r;
	int before, after;		/* valid cohort indexes, or -1 */
	unsigned *colour;		/* per cohort; C_LIGHT for "one of the rest" */
	int ncoloured;
	int role[FLEET_ROLES];		/* fleet roles with the largest median change */
	double role_change[FLEET_ROLES];
	int nrole;
};

/* One quantity per pod: Rss, what Go sees, or one role's Rss. */
enum metric_kind { M_RSS, M_GO, M_ROLE };

struct metric {
	enum metric_kind kind;
	int role;
};

/* 1 and v = the metric m of pod pt; 0 when it has none (no runtime numbers, a bad index). */
int page_fleet_point_value(const struct fleet_result *r, const struct fleet_point *pt,
			   const struct metric *m, double *v);
/* Widen [*lo, *hi] to every pod's value of m and every cohort's p10, median and p90. */
void page_fleet_metric_range(const struct fleet_result *r, const struct metric *m, double *lo,
			     double *hi);
/* Draw the fleet page of r (every point's cohort in range) on p, w x h pixels. */
void page_fleet_draw(struct page *p, double w, double h, const struct fleet_result *r,
		     const struct chart_opts *o);

#endif
