/*
 * The one-page report drawn with cairo (docs/report.md): a diff page
 * (verdict headline; A: the three layers before/after with the gap marked;
 * B: per-role Rss change against runtime-visible change; C: the top aligned
 * regions' Size and Rss), a single-snapshot page (same page, no diff
 * panels: A for one snapshot, B roles by Rss, C top VMAs) and a fleet page
 * (verdict headline; A: per-cohort distributions of Rss, runtime-visible and
 * the roles that moved most; B: Rss against runtime-visible per pod with the
 * diagonal y = x and the outliers ringed). Each page is
 * drawn by one function that does not know the format; PNG and SVG are two
 * surfaces around it. This header exposes no cairo type: report/draw.c is
 * the only file that includes cairo.
 * The same input gives the same PNG and SVG bytes. Text from bundles is
 * drawn as text after escaping control bytes and invalid UTF-8; the SVG
 * also carries it, XML-escaped, in its <title> and <desc>.
 */
#ifndef RSSGAP_CHART_H
#define RSSGAP_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/attribute.h"
#include "analyze/fleet.h"
#include "analyze/snapshot.h"
#include "analyze/trend.h"
#include "core/diag.h"

#define CHART_WIDTH 1400
#define CHART_HEIGHT 1000

struct chart_opts {
	const char *version;	/* rssgap version for the footer, or NULL (lent) */
	int width, height;	/* pixels: 1000..4000 wide, 700..4000 high */
	uint64_t max_points;	/* cap on roles + regions + VMAs, or pods + cohort marks,
				   taken in (limits.chart_points) */
};

/* One VMA (or region) of a single snapshot for the "top VMAs" panel; strings are lent. */
struct chart_vma {
	char range[40];		/* "c000000000-c006800000" */
	const char *role;
	const char *path;	/* "" or NULL for anonymous */
	int64_t size, rss;
};

/* Defaults: CHART_WIDTH x CHART_HEIGHT, no version, limits_default's chart_points. */
void chart_opts_default(struct chart_opts *o);
/* Draw the diff page of r into png_path and/or svg_path (NULL skips); 0 ok, -1 with d filled. */
int chart_write_diff(const struct diff_result *r, const struct chart_opts *o,
		     const char *png_path, const char *svg_path, struct diag *d);
/*
 * Draw the single-snapshot page of s with its VMAs (any order, nvmas may be
 * 0; the largest Rss are drawn) into png_path and/or svg_path; 0 ok, -1 with
 * d filled.
 */
int chart_write_single(const struct snapshot_info *s, const struct chart_vma *vmas, size_t nvmas,
		       const struct chart_opts *o, const char *png_path, const char *svg_path,
		       struct diag *d);
/*
 * Draw the fleet page of r (its cohorts, pods, findings and outliers; r is
 * only read) into png_path and/or svg_path; 0 ok, -1 with d filled (a
 * point whose cohort index is out of range is refused, DIAG_USAGE).
 */
int chart_write_fleet(const struct fleet_result *r, const struct chart_opts *o,
		      const char *png_path, const char *svg_path, struct diag *d);
/* chart_write_fleet with chart_opts_default into DIR/fleet.png and DIR/fleet.svg (DIR exists). */
int chart_write_fleet_files(const struct fleet_result *r, const char *dir, struct diag *d);
/*
 * Draw the trend page of r (a series of one process, at least two
 * snapshots) into png_path and/or svg_path; 0 ok, -1 with d filled.
 */
int chart_write_trend(const struct trend_result *r, const struct chart_opts *o,
		      const char *png_path, const char *svg_path, struct diag *d);
/* Family name fontconfig gives for the chart font (for tests: "DejaVu Sans"); lent, static. */
const char *chart_font_family(void);

#endif
