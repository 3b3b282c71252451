#include <cairo.h>
#include <cairo-ft.h>
#include <cairo-svg.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/escape.h"
#include "core/outfile.h"
#include "report/draw.h"
#include "report/scale.h"

#define FONT "DejaVu Sans"

/* What a drawing function draws on: the context, the page size, and a log of the text. */
struct page {
	cairo_t *cr;
	double w, h;
	struct buf *log;	/* every string drawn, one a line (for the SVG's <desc>) */
	struct buf *title;	/* the headline, for the SVG's <title> */
	struct buf *svg_text;	/* SVG only: each string as a <text> element, not glyph paths */
	double font_px;
	int bold;
};

static void
rgb(cairo_t *cr, unsigned hex)
{
	cairo_set_source_rgb(cr, ((hex >> 16) & 255) / 255.0, ((hex >> 8) & 255) / 255.0,
			     (hex & 255) / 255.0);
}

static void
rgba(cairo_t *cr, unsigned hex, double alpha)
{
	cairo_set_source_rgba(cr, ((hex >> 16) & 255) / 255.0, ((hex >> 8) & 255) / 255.0,
			      (hex & 255) / 255.0, alpha);
}

static double
measure(void *ctx, const char *s)
{
	cairo_text_extents_t e;

	cairo_text_extents(ctx, s, &e);
	return e.x_advance;
}

double
draw_width(const struct page *p)
{
	return p->w;
}

double
draw_height(const struct page *p)
{
	return p->h;
}

void
draw_title(struct page *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(p->title, fmt, ap);
	va_end(ap);
}

void
draw_paint(struct page *p, unsigned hex)
{
	rgb(p->cr, hex);
	cairo_paint(p->cr);
}

void
draw_rgb(struct page *p, unsigned hex)
{
	rgb(p->cr, hex);
}

void
draw_rgba(struct page *p, unsigned hex, double alpha)
{
	rgba(p->cr, hex, alpha);
}

void
draw_font(struct page *p, double px, int bold)
{
	cairo_select_font_face(p->cr, FONT, CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(p->cr, px);
	p->font_px = px;
	p->bold = bold;
}

void
draw_dash(struct page *p, double on, double off)
{
	if (on > 0)
		cairo_set_dash(p->cr, (const double[]){ on, off }, 2, 0);
	else
		cairo_set_dash(p->cr, NULL, 0, 0);
}

double
draw_measure(struct page *p, const char *s)
{
	return measure(p->cr, s);
}

void
draw_measurer(struct page *p, struct scale_measure *m)
{
	m->width = measure;
	m->ctx = p->cr;
}

/*
 * On the SVG, text is a <text> element (searchable, copyable) at the device
 * position of (x, y), turned as the page is, in the current font and
 * colour; cairo would draw its glyphs as paths. The elements go on top of
 * the drawing when the SVG is finished.
 */
static void
svg_text(struct page *p, double x, double y, const char *s)
{
	struct buf *b = p->svg_text;
	cairo_matrix_t mx;
	double r = 0, g = 0, bl = 0, a = 1, dx = x, dy = y;

	cairo_pattern_get_rgba(cairo_get_source(p->cr), &r, &g, &bl, &a);
	cairo_get_matrix(p->cr, &mx);
	cairo_user_to_device(p->cr, &dx, &dy);
	buf_printf(b, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%.2f\"", dx, dy, p->font_px);
	if (p->bold)
		buf_puts(b, " font-weight=\"bold\"");
	buf_printf(b, " fill=\"#%02x%02x%02x\"", (unsigned)lround(r * 255), (unsigned)lround(g * 255),
		   (unsigned)lround(bl * 255));
	if (a < 1)
		buf_printf(b, " fill-opacity=\"%.2f\"", a);
	if (mx.yx != 0 || mx.xy != 0)
		buf_printf(b, " transform=\"rotate(%.2f %.2f %.2f)\"", atan2(mx.yx, mx.xx) * 180 / M_PI,
			   dx, dy);
	buf_putc(b, '>');
	escape_xml(b, s, strlen(s));
	buf_puts(b, "</text>\n");
}

/*
 * Control bytes and invalid UTF-8 become \xHH first, so cairo never sees an
 * invalid string and its error does not stick.
 */
static double
text_at(struct page *p, double x, double y, enum draw_align al, double max_w, const char *s,
	int words)
{
	struct buf clean = BUF_INIT, fit = BUF_INIT;
	struct scale_measure m = { measure, p->cr };
	double w;

	if (s == NULL || *s == '\0')
		return 0;
	escape_term(&clean, s, strlen(s));
	if (words)
		w = scale_fit_words(&fit, buf_str(&clean), max_w, &m);
	else
		w = scale_fit_middle(&fit, buf_str(&clean), max_w, &m);
	if (fit.len > 0) {
		if (al == DRAW_CENTER)
			x -= w / 2;
		else if (al == DRAW_RIGHT)
			x -= w;
		if (p->svg_text != NULL)
			svg_text(p, x, y, buf_str(&fit));
		else {
			cairo_move_to(p->cr, x, y);
			cairo_show_text(p->cr, buf_str(&fit));
		}
		buf_puts(p->log, buf_str(&fit));
		buf_putc(p->log, '\n');
	}
	buf_release(&clean);
	buf_release(&fit);
	return w;
}

double
draw_text(struct page *p, double x, double y, enum draw_align al, double max_w, const char *s)
{
	return text_at(p, x, y, al, max_w, s, 0);
}

double
draw_text_words(struct page *p, double x, double y, enum draw_align al, double max_w,
		const char *s)
{
	return text_at(p, x, y, al, max_w, s, 1);
}

double
draw_text_turned(struct page *p, double x, double y, double angle, enum draw_align al,
		 double max_w, const char *s)
{
	double w;

	cairo_save(p->cr);
	cairo_translate(p->cr, x, y);
	cairo_rotate(p->cr, angle);
	w = draw_text(p, 0, 0, al, max_w, s);
	cairo_restore(p->cr);
	return w;
}

void
draw_fill_rect(struct page *p, double x, double y, double w, double h, unsigned hex)
{
	if (w <= 0 || h <= 0)
		return;
	rgb(p->cr, hex);
	cairo_rectangle(p->cr, x, y, w, h);
	cairo_fill(p->cr);
}

void
draw_fill_rect_alpha(struct page *p, double x, double y, double w, double h, unsigned hex,
		     double alpha)
{
	rgba(p->cr, hex, alpha);
	cairo_rectangle(p->cr, x, y, w, h);
	cairo_fill(p->cr);
}

void
draw_outline_rect(struct page *p, double x, double y, double w, double h, unsigned hex, double lw)
{
	if (w <= 0 || h <= 0)
		return;
	rgb(p->cr, hex);
	cairo_set_line_width(p->cr, lw);
	cairo_rectangle(p->cr, x + lw / 2, y + lw / 2, w - lw, h - lw);
	cairo_stroke(p->cr);
}

/* "unexplained", visible without colour */
void
draw_hatch_rect(struct page *p, double x, double y, double w, double h, unsigned hex)
{
	double d;

	if (w <= 0 || h <= 0)
		return;
	draw_fill_rect(p, x, y, w, h, hex);
	cairo_save(p->cr);
	cairo_rectangle(p->cr, x, y, w, h);
	cairo_clip(p->cr);
	rgb(p->cr, 0xFFFFFF);
	cairo_set_line_width(p->cr, 1.6);
	for (d = -h; d < w; d += 7) {
		cairo_move_to(p->cr, x + d, y + h);
		cairo_line_to(p->cr, x + d + h, y);
	}
	cairo_stroke(p->cr);
	cairo_restore(p->cr);
}

void
draw_line(struct page *p, double x0, double y0, double x1, double y1, unsigned hex, double lw)
{
	rgb(p->cr, hex);
	cairo_set_line_width(p->cr, lw);
	cairo_move_to(p->cr, x0, y0);
	cairo_line_to(p->cr, x1, y1);
	cairo_stroke(p->cr);
}

void
draw_triangle(struct page *p, double x0, double y0, double x1, double y1, double x2, double y2,
	      unsigned hex)
{
	rgb(p->cr, hex);
	cairo_move_to(p->cr, x0, y0);
	cairo_line_to(p->cr, x1, y1);
	cairo_line_to(p->cr, x2, y2);
	cairo_close_path(p->cr);
	cairo_fill(p->cr);
}

void
draw_arrow(struct page *p, double xa, double ya, double xb, double yb, unsigned hex)
{
	double a = atan2(yb - ya, xb - xa);

	draw_line(p, xa, ya, xb, yb, hex, 1.6);
	cairo_new_path(p->cr);
	cairo_move_to(p->cr, xb, yb);
	cairo_line_to(p->cr, xb - 9 * cos(a - 0.4), yb - 9 * sin(a - 0.4));
	cairo_line_to(p->cr, xb - 9 * cos(a + 0.4), yb - 9 * sin(a + 0.4));
	cairo_close_path(p->cr);
	cairo_fill(p->cr);
}

void
draw_disc(struct page *p, double x, double y, double radius, unsigned hex, double alpha, double lw)
{
	cairo_new_path(p->cr);	/* text leaves a current point: no line to the disc */
	cairo_arc(p->cr, x, y, radius, 0, 2 * M_PI);
	rgba(p->cr, hex, alpha);
	if (lw <= 0) {
		cairo_fill(p->cr);
		return;
	}
	cairo_fill_preserve(p->cr);
	rgba(p->cr, hex, 1);
	cairo_set_line_width(p->cr, lw);
	cairo_stroke(p->cr);
}

/* ------------------------------------------------------------------ */
/* Surfaces */

/* The page of fn on any surface; log and title collect the text drawn. */
static void
run(cairo_t *cr, double w, double h, void (*fn)(struct page *, double, double, const void *),
    const void *arg, struct buf *log, struct buf *title, struct buf *text)
{
	cairo_font_options_t *fo = cairo_font_options_create();
	struct page p = { cr, w, h, log, title, text, 0, 0 };

	/* unhinted metrics: PNG and SVG lay text out the same way */
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_set_font_options(cr, fo);
	cairo_font_options_destroy(fo);
	fn(&p, w, h, arg);
}

static cairo_status_t
to_buf(void *closure, const unsigned char *data, unsigned int len)
{
	buf_add(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

/* The file whole or not at all (a full disk leaves no partial report.png). */
static int
write_file(const char *path, const struct buf *b, struct diag *d)
{
	return outfile_write(path, b->data, b->len, d);
}

static int
cairo_failed(cairo_status_t st, const char *what, struct diag *d)
{
	return diag_fail(d, DIAG_IO, 0, "cannot draw the %s chart (cairo: %s)", what,
			 cairo_status_to_string(st));
}

int
draw_png(int width, int height, void (*fn)(struct page *p, double w, double h, const void *arg),
	 const void *arg, const char *path, struct diag *d)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
	cairo_t *cr = cairo_create(s);
	struct buf log = BUF_INIT, title = BUF_INIT, png = BUF_INIT;
	cairo_status_t st;
	int rc = -1;

	run(cr, width, height, fn, arg, &log, &title, NULL);
	st = cairo_status(cr);
	cairo_destroy(cr);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_write_to_png_stream(s, to_buf, &png);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS)
		cairo_failed(st, "PNG", d);
	else
		rc = write_file(path, &png, d);
	buf_release(&log);
	buf_release(&title);
	buf_release(&png);
	return rc;
}

/*
 * cairo names the page group after a process-wide surface counter
 * (id="surface7"), so two renders in one process differ: renumber every
 * "surfaceN" reference by order of first appearance.
 */
static void
svg_renumber(struct buf *out, const char *s, size_t len)
{
	unsigned long seen[64];
	size_t nseen = 0, i = 0, k;

	while (i < len) {
		const char *hit = memmem(s + i, len - i, "surface", 7);
		size_t at, e;
		unsigned long num = 0;

		if (hit == NULL)
			break;
		at = (size_t)(hit - s) + 7;
		for (e = at; e < len && s[e] >= '0' && s[e] <= '9' && e - at < 9; e++)
			num = num * 10 + (unsigned long)(s[e] - '0');
		buf_add(out, s + i, at - i);
		i = at;
		if (e == at || (hit > s && hit[-1] != '"' && hit[-1] != '#'))
			continue;
		for (k = 0; k < nseen && seen[k] != num; k++)
			;
		if (k == nseen && nseen < sizeof(seen) / sizeof(seen[0]))
			seen[nseen++] = num;
		buf_printf(out, "%zu", k + 1);
		i = e;
	}
	buf_add(out, s + i, len - i);
}

/*
 * Insert <title> and <desc> (every string drawn, XML-escaped) after the <svg>
 * tag, and the <text> elements in the chart font before the closing tag.
 */
static void
svg_finish(struct buf *out, const struct buf *raw, const char *title, const struct buf *log,
	   const struct buf *text)
{
	struct buf ren = BUF_INIT;
	const char *svg, *gt, *close;
	const char *s = buf_str(log);
	size_t head, end;

	svg_renumber(&ren, raw->data != NULL ? raw->data : "", raw->len);
	svg = strstr(buf_str(&ren), "<svg");
	gt = svg != NULL ? strchr(svg, '>') : NULL;
	head = gt != NULL ? (size_t)(gt - buf_str(&ren)) + 1 : ren.len;
	buf_add(out, buf_str(&ren), head);
	buf_puts(out, "\n<title>");
	escape_xml(out, title, strlen(title));
	buf_puts(out, "</title>\n<desc>");
	while (*s != '\0') {
		const char *nl = strchr(s, '\n');
		size_t n = nl != NULL ? (size_t)(nl - s) : strlen(s);

		escape_xml(out, s, n);
		buf_putc(out, '\n');
		s += n + (nl != NULL);
	}
	buf_puts(out, "</desc>");
	end = ren.len;
	close = NULL;
	for (svg = buf_str(&ren) + head; (svg = strstr(svg, "</svg>")) != NULL; svg++)
		close = svg;
	if (close != NULL)
		end = (size_t)(close - buf_str(&ren));
	buf_add(out, buf_str(&ren) + head, end - head);
	buf_puts(out, "<g font-family=\"" FONT ", sans-serif\" xml:space=\"preserve\">\n");
	buf_add(out, buf_str(text), text->len);
	buf_puts(out, "</g>\n");
	buf_add(out, buf_str(&ren) + end, ren.len - end);
	buf_release(&ren);
}

int
draw_svg(int width, int height, void (*fn)(struct page *p, double w, double h, const void *arg),
	 const void *arg, const char *path, struct diag *d)
{
	struct buf raw = BUF_INIT, log = BUF_INIT, title = BUF_INIT, out = BUF_INIT, text = BUF_INIT;
	cairo_surface_t *s = cairo_svg_surface_create_for_stream(to_buf, &raw, width, height);
	cairo_t *cr;
	cairo_status_t st;
	int rc = -1;

	cairo_svg_surface_restrict_to_version(s, CAIRO_SVG_VERSION_1_1);
	cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_PX);
	cr = cairo_create(s);
	run(cr, width, height, fn, arg, &log, &title, &text);
	st = cairo_status(cr);
	cairo_destroy(cr);
	cairo_surface_finish(s);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS)
		cairo_failed(st, "SVG", d);
	else {
		svg_finish(&out, &raw, buf_str(&title), &log, &text);
		rc = write_file(path, &out, d);
	}
	buf_release(&title);
	buf_release(&raw);
	buf_release(&log);
	buf_release(&out);
	buf_release(&text);
	return rc;
}

const char *
draw_font_family(void)
{
	static char family[128];
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 8, 8);
	cairo_t *cr = cairo_create(s);
	cairo_scaled_font_t *sf;
	FT_Face face;

	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	sf = cairo_get_scaled_font(cr);
	family[0] = '\0';
	if (cairo_scaled_font_get_type(sf) == CAIRO_FONT_TYPE_FT) {
		face = cairo_ft_scaled_font_lock_face(sf);
		if (face != NULL && face->family_name != NULL)
			snprintf(family, sizeof(family), "%s", face->family_name);
		cairo_ft_scaled_font_unlock_face(sf);
	}
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	return family;
}
