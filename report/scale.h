/*
 * Pure helpers for charts, with no cairo in sight so tests can run them
 * alone: nice axis ticks for byte values, tick labels in binary units,
 * shortening long labels in the middle, and row layout that keeps labels
 * from overlapping. Widths come from a measure callback: the chart passes
 * cairo's text extents, tests pass a fixed-width font.
 */
#ifndef RSSGAP_SCALE_H
#define RSSGAP_SCALE_H

#include <stddef.h>

#include "core/buf.h"

/*
 * Ticks lo, lo+step, ..., hi. Invariants after scale_byte_ticks: lo <= the
 * data minimum, hi >= the data maximum, lo < hi, 2 <= n <= max_ticks + 1
 * (max_ticks is raised to 2 for a range across 0),
 * step is 1, 2 or 5 times a power of ten of unit, and 0 is a tick when the
 * range holds it.
 */
struct scale_ticks {
	double lo, hi, step;
	int n;
	double unit;		/* 1, 1024, 1024^2, ...: the labels' unit */
	const char *unit_name;	/* "B", "KiB", "MiB", ... (static) */
	int decimals;		/* digits after the point the step needs */
};

/* Nice ticks covering [min, max] (bytes) with at most max_ticks intervals; 0 ok, -1 bad input. */
int scale_byte_ticks(double min, double max, int max_ticks, struct scale_ticks *t);
/* The value of tick i (0 <= i < t->n). */
double scale_tick_value(const struct scale_ticks *t, int i);
/* Append tick i's label: "0", "512 MiB", "1.5 GiB", "-200 MiB". */
void scale_tick_label(struct buf *out, const struct scale_ticks *t, int i);
/*
 * Append bytes for a chart, at most three significant digits: "512 B",
 * "0.98 MiB" (not 1001.7 KiB), "12.3 MiB", "128 MiB", "n/a" for NaN. Text
 * output keeps core/num.h's num_human; this is for drawn numbers only.
 */
void scale_bytes(struct buf *out, double bytes);
/* scale_bytes of a change, signed: "+96.1 MiB", "-48.0 KiB", "0 B". */
void scale_bytes_delta(struct buf *out, double bytes);
/* Map v from [t->lo, t->hi] to [px0, px1] (either direction), clamped. */
double scale_map(const struct scale_ticks *t, double v, double px0, double px1);

/*
 * A mark's centre v kept r pixels inside the span between a and b (either
 * order), so that a dot at the axis end stays whole inside the plot: at most
 * r pixels off its value. The middle of the span when it is narrower than 2r.
 */
double scale_clamp_in(double v, double a, double b, double r);

/* An axis-aligned box in pixels. */
struct scale_box {
	double x, y, w, h;
};

/* Text width in pixels, as the drawing will set it. */
struct scale_measure {
	double (*width)(void *ctx, const char *s);
	void *ctx;
};

/* Width of a monospace font: ctx points to a double, the advance of one code point. */
double scale_mono_width(void *ctx, const char *s);
/* Number of UTF-8 code points in s (an invalid byte counts as one). */
size_t scale_utf8_count(const char *s);
/*
 * Append s, or when wider than max_width, its head and tail around "…" (at
 * code point boundaries, the tail keeps more: a path's file name is at its
 * end). Appends at most "…" when nothing else fits; returns the width of
 * what was appended.
 */
double scale_fit_middle(struct buf *out, const char *s, double max_width,
			const struct scale_measure *m);
/*
 * Append s, or when wider than max_width, its first whole words and "…":
 * cut at a space, never inside a word. When not even the first word fits
 * (one long word), its head and "…" at a code point boundary; appends
 * nothing when not even "…" fits. Returns the width of what was appended.
 */
double scale_fit_words(struct buf *out, const char *s, double max_width,
		       const struct scale_measure *m);
/*
 * Bytes of s that make its first line when wrapped at max_width: up to a
 * space (the space not counted), or all of s when it fits; 0 when not even
 * the first word fits.
 */
size_t scale_wrap(const char *s, double max_width, const struct scale_measure *m);

/*
 * Box of tick i's label (text width w, height h, top at y) on a horizontal
 * axis drawn from px0 to px1: centred on its tick, except that a label
 * that would stick out past an end is aligned to that end.
 */
struct scale_box scale_tick_box(const struct scale_ticks *t, int i, double px0, double px1,
				double w, double y, double h);
/*
 * Byte ticks for [min, max] on a horizontal axis px0..px1 with as many ticks
 * as fit while every label box stays at least gap pixels from its
 * neighbours; 0 ok, -1 bad input.
 */
int scale_ticks_fit(double min, double max, double px0, double px1, double gap,
		    const struct scale_measure *m, struct scale_ticks *t);

/* 1 when a and b overlap (touching edges do not). */
int scale_boxes_intersect(const struct scale_box *a, const struct scale_box *b);
/* 1 when inner lies within outer. */
int scale_box_inside(const struct scale_box *inner, const struct scale_box *outer);

/*
 * Move b up in steps of step until it overlaps none of the n placed boxes;
 * 0 when a free spot was found at or below min_y, -1 otherwise (b is then
 * left at its last try, the highest one tried below min_y or just above it).
 */
int scale_nudge_up(struct scale_box *b, const struct scale_box *placed, int n, double step,
		   double min_y);

/*
 * A w x h label for a mark of radius r at (cx, cy): the first spot, trying
 * right of the mark, left, above, below and the four diagonals, at rings
 * 8 px farther out each time (six rings), that lies inside bounds and
 * overlaps none of the placed boxes and none of the avoid boxes (marks).
 * Returns the ring used (0: next to the mark; more: the caller draws a
 * leader line) with *out set, or -1 when no spot is free (drop the label).
 */
int scale_place_label(double cx, double cy, double r, double w, double h,
		      const struct scale_box *bounds, const struct scale_box *placed, int nplaced,
		      const struct scale_box *avoid, int navoid, struct scale_box *out);

/*
 * Rows of a list drawn in a band [top, top+height): each row is row_h high
 * (min_h <= row_h <= max_h). When not all n rows fit at min_h, shown rows
 * are drawn and one more line of height row_h says "+ n-shown more".
 */
struct scale_rows {
	int n, shown;
	double top, row_h;
	int more;		/* 1 when the "more" line is drawn after the shown rows */
};

/* Lay out n rows in the band; 0 ok, -1 when not even the "more" line fits. */
int scale_rows_fit(struct scale_rows *r, int n, double top, double height, double min_h,
		   double max_h);
/* The box of row i (i == shown is the "more" line) in a column [x, x+w). */
struct scale_box scale_row_box(const struct scale_rows *r, int i, double x, double w);

/*
 * Legend entries of widths w[0..n) set left to right, gap apart, in lines
 * of width max_w, at most max_lines lines. When they do not all fit, the
 * last line keeps room for a "+ N more" entry of width more_w after the
 * shown ones. An entry wider than a line gets a line of its own (the caller
 * shortens it to max_w).
 */
struct scale_flow {
	int shown;		/* entries 0..shown-1 are drawn, the rest counted as more */
	int lines;		/* lines used, the "more" entry's included */
	double more_x;		/* where the "more" entry goes, when shown < n */
	int more_line;
};

/* Lay out the entries; x[i] and line[i] (sized n) get each shown entry's offset and line. */
void scale_flow(const double *w, int n, double max_w, int max_lines, double gap, double more_w,
		double *x, int *line, struct scale_flow *f);

#endif
