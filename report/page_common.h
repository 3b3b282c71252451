/*
 * What more than one chart page draws (report/page_*.c; private to the
 * chart): the page's style (margins, text size, the palette), the header
 * and the footer, panel titles, byte axes, the three-layers panel (A of the
 * diff and single pages) and the Size/Rss bar. Every function draws on a
 * page of report/draw.h and knows nothing of the format.
 */
#ifndef RSSGAP_PAGE_COMMON_H
#define RSSGAP_PAGE_COMMON_H

#include <stdint.h>

#include "analyze/attribute.h"
#include "analyze/snapshot.h"
#include "core/buf.h"
#include "report/draw.h"
#include "report/scale.h"

#define MARGIN 28.0
#define TEXT_PX 12.5		/* body text; nothing smaller is drawn */
#define ARROW " \xe2\x86\x92 "	/* " → " */
#define DOT "  \xc2\xb7  "	/* "  ·  " */

/* Okabe–Ito, safe for the common colour-vision deficiencies. */
#define C_BLACK 0x000000
#define C_ORANGE 0xE69F00
#define C_SKY 0x56B4E9
#define C_GREEN 0x009E73
#define C_BLUE 0x0072B2
#define C_VERMILLION 0xD55E00
#define C_PURPLE 0xCC79A7
#define C_GREY 0x666666
#define C_LIGHT 0xBBBBBB
#define C_GRID 0xE4E4E4
#define C_SIZE_FILL 0xF1F1F1
#define C_SIZE_LINE 0x8A8A8A
#define C_RSS_BEFORE 0xF3CF80	/* orange, lighter, for "before" */

/* The classes of runtime-visible memory panel A stacks. */
enum { GC_HEAP_OBJECTS, GC_HEAP_SPARE, GC_STACKS, GC_METADATA, GC_N };

/* One bar group of panel A: one snapshot's layers (bytes, never negative). */
struct layer_group {
	const char *name;		/* "before", "after", "" */
	char caption[160];		/* labels of the snapshot */
	int go_known, classes_known, rss_known;
	int64_t go, rss, size;
	double cls[GC_N];
};

/* Labels already on a panel, so that the next one is moved clear of them. */
struct placed {
	struct scale_box box[32];
	int n;
	double min_y;
};

/* A small legend swatch (kind 0 fill, 1 hatch, 2 outline) and its label; returns its width. */
double page_swatch(struct page *p, double x, double y, int kind, unsigned hex, const char *label);
/* after - before, in double (byte counts from bundles cannot overflow). */
double page_delta(int64_t before, int64_t after);
/* "before → after" for bytes into b, reset first; returns buf_str(b). */
const char *page_from_to(struct buf *b, int64_t before, int64_t after);
/* Panel title and a one-line explanation (or NULL) under it. */
void page_panel_title(struct page *p, double x, double y, double max_w, const char *title,
		      const char *sub);
/* Ticks for a horizontal byte axis whose labels (TEXT_PX) never touch; 0 or -1. */
int page_axis_ticks(struct page *p, double min, double max, double x0, double x1,
		    struct scale_ticks *t);
/* Vertical grid lines and tick labels above a horizontal-bar area. */
void page_x_axis(struct page *p, const struct scale_ticks *t, double x0, double x1,
		 double label_y, double y0, double y1);
/* Horizontal grid lines and tick labels left of a vertical byte axis at x0 (zero line darker). */
void page_y_axis(struct page *p, const struct scale_ticks *t, double x0, double x1, double y0,
		 double y1);
/* g for snapshot s under name, with the Go classes (GO_CLASS_COUNT bytes) or NULL. */
void page_group_from(struct layer_group *g, const char *name, const struct snapshot_info *s,
		     const int64_t *classes);
/* Reserve room for a label box: moved up past the labels already placed. */
void page_place(struct placed *pl, struct scale_box *b);
/* Panel A: the three layers of each of the ng groups as bars on one byte axis, the gap bracketed. */
void page_panel_layers(struct page *p, const struct scale_box *area, const struct layer_group *g,
		       int ng);
/* The page's header: the verdict pill, the headline, the largest finding, the numbers. */
void page_header(struct page *p, const char *pill, unsigned pill_colour, const char *headline,
		 const char *line2, const char *line3);
/* "side #id labels pod|host pid (comm) captured_at" of s appended to b. */
void page_snapshot_words(struct buf *b, const char *side, const struct snapshot_info *s);
/* The footer line: what was drawn on the left, the rssgap version (or NULL) on the right. */
void page_footer_line(struct page *p, const char *what, const char *version);
/* The footer naming the snapshot drawn, or the before and after ones. */
void page_footer(struct page *p, const struct snapshot_info *before,
		 const struct snapshot_info *after, const char *version);
/* One Size (outline) + Rss (fill) bar; Size past the axis ends in a break mark. */
void page_size_rss_bar(struct page *p, const struct scale_ticks *t, double x0, double x1,
		       double y, double h, int64_t size, int64_t rss, unsigned rss_colour);
/* The "+ N more ..." line text in the row after rows' shown ones, in a column [x, x+w), grey. */
void page_more_line(struct page *p, const struct scale_rows *rows, double x, double w,
		    const char *text);
/* The pill of verdict v ("UNEXPLAINED GROWTH"); v is one of enum verdict. */
const char *page_verdict_pill(enum verdict v);
/* The pill's colour for verdict v. */
unsigned page_verdict_colour(enum verdict v);

#endif
