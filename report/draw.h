/*
 * The drawing layer of the chart pages: the only file that includes cairo.
 * A page is drawn by one function that takes a struct page and its size
 * and does not know the format; draw_png and draw_svg are the two surfaces
 * around it. Everything a page draws goes through the functions below,
 * which keep cairo's state (source colour, font, dash) between calls just
 * as cairo does: set the colour and the font, then draw.
 * Every string drawn is logged for the SVG's <desc>; the SVG's <title> is
 * what draw_title appended. On the SVG, text is not drawn as glyph paths:
 * each string becomes a <text> element (searchable, copyable), put on top
 * of the drawing when the file is finished. Text is escaped (control bytes and invalid
 * UTF-8 become \xHH) before cairo sees it. cairo errors are sticky: the
 * surface checks the status once, at the end.
 */
#ifndef RSSGAP_DRAW_H
#define RSSGAP_DRAW_H

#include "core/diag.h"
#include "report/scale.h"

/* What a drawing function draws on; opaque, lent to the drawing function. */
struct page;

enum draw_align { DRAW_LEFT, DRAW_CENTER, DRAW_RIGHT };

/* Width of the page in pixels. */
double draw_width(const struct page *p);
/* Height of the page in pixels. */
double draw_height(const struct page *p);
/* Append to the page's title (the SVG's <title>), printf-style. */
void draw_title(struct page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Fill the whole page with colour hex (0xRRGGBB). */
void draw_paint(struct page *p, unsigned hex);
/* The colour of what is drawn next, opaque. */
void draw_rgb(struct page *p, unsigned hex);
/* The colour of what is drawn next, at alpha (0..1). */
void draw_rgba(struct page *p, unsigned hex, double alpha);
/* The font of the text drawn and measured next: the chart font at px, bold or not. */
void draw_font(struct page *p, double px, int bold);
/* Dashes of the lines drawn next: on and off pixels; on <= 0 for solid lines. */
void draw_dash(struct page *p, double on, double off);
/* Width of s in the current font (s drawn as is, not escaped). */
double draw_measure(struct page *p, const char *s);
/* A scale_measure for scale.h's layout functions, measuring in the current font. */
void draw_measurer(struct page *p, struct scale_measure *m);
/*
 * Draw s (untrusted) at baseline y in the current colour and font, aligned
 * on x, shortened in the middle to max_w; returns the width drawn.
 */
double draw_text(struct page *p, double x, double y, enum draw_align al, double max_w,
		 const char *s);
/*
 * draw_text for prose and label lists: shortened at a word boundary with
 * "…" (scale_fit_words), never in the middle of a word.
 */
double draw_text_words(struct page *p, double x, double y, enum draw_align al, double max_w,
		       const char *s);
/* draw_text at (0, 0) of the page turned by angle radians about (x, y). */
double draw_text_turned(struct page *p, double x, double y, double angle, enum draw_align al,
			double max_w, const char *s);
/* A filled box (nothing when w or h <= 0). */
void draw_fill_rect(struct page *p, double x, double y, double w, double h, unsigned hex);
/* A filled box at alpha, whatever its size. */
void draw_fill_rect_alpha(struct page *p, double x, double y, double w, double h, unsigned hex,
			  double alpha);
/* The inside edge of a box, lw wide (nothing when w or h <= 0). */
void draw_outline_rect(struct page *p, double x, double y, double w, double h, unsigned hex,
		       double lw);
/* A filled box with white diagonal stripes (nothing when w or h <= 0). */
void draw_hatch_rect(struct page *p, double x, double y, double w, double h, unsigned hex);
/* A straight line, lw wide, in the current dashes. */
void draw_line(struct page *p, double x0, double y0, double x1, double y1, unsigned hex,
	       double lw);
/* A filled triangle. */
void draw_triangle(struct page *p, double x0, double y0, double x1, double y1, double x2,
		   double y2, unsigned hex);
/* An arrow from (xa, ya) to (xb, yb), its head at b. */
void draw_arrow(struct page *p, double xa, double ya, double xb, double yb, unsigned hex);
/* A round mark centred on (x, y): filled at alpha, outlined opaque when lw > 0. */
void draw_disc(struct page *p, double x, double y, double radius, unsigned hex, double alpha,
	       double lw);

/*
 * Draw one page with fn(p, width, height, arg) into a PNG file at path,
 * written whole or not at all; 0, or -1 with d filled.
 */
int draw_png(int width, int height, void (*fn)(struct page *p, double w, double h, const void *arg),
	     const void *arg, const char *path, struct diag *d);
/*
 * The same page as an SVG file, with the title and every string drawn in
 * its <title> and <desc>; 0, or -1 with d filled.
 */
int draw_svg(int width, int height, void (*fn)(struct page *p, double w, double h, const void *arg),
	     const void *arg, const char *path, struct diag *d);
/* Family name fontconfig gives for the chart font; lent, static. */
const char *draw_font_family(void);

#endif
