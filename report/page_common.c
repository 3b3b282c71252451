#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "report/draw.h"
#include "report/page_common.h"
#include "report/scale.h"

/* A small legend swatch: kind 0 fill, 1 hatch, 2 outline (Size). */
double
page_swatch(struct page *p, double x, double y, int kind, unsigned hex, const char *label)
{
	if (kind == 1)
		draw_hatch_rect(p, x, y - 10, 14, 12, hex);
	else if (kind == 2) {
		draw_fill_rect(p, x, y - 10, 14, 12, C_SIZE_FILL);
		draw_outline_rect(p, x, y - 10, 14, 12, hex, 1.5);
	} else
		draw_fill_rect(p, x, y - 10, 14, 12, hex);
	draw_rgb(p, C_BLACK);
	draw_font(p, TEXT_PX, 0);
	return 20 + draw_text(p, x + 20, y, DRAW_LEFT, 400, label) + 18;
}

/*
 * Byte counts come from bundles: sums and differences are taken in double
 * so that hostile values cannot overflow.
 */
double
page_delta(int64_t before, int64_t after)
{
	return (double)after - (double)before;
}

/* "before → after" for bytes; reset first. */
const char *
page_from_to(struct buf *b, int64_t before, int64_t after)
{
	buf_reset(b);
	scale_bytes(b, before);
	buf_puts(b, ARROW);
	scale_bytes(b, after);
	return buf_str(b);
}

/* Panel title and a one-line explanation under it. */
void
page_panel_title(struct page *p, double x, double y, double max_w, const char *title,
		 const char *sub)
{
	draw_rgb(p, C_BLACK);
	draw_font(p, 16, 1);
	draw_text_words(p, x, y, DRAW_LEFT, max_w, title);
	if (sub != NULL) {
		draw_rgb(p, C_GREY);
		draw_font(p, TEXT_PX, 0);
		draw_text_words(p, x, y + 18, DRAW_LEFT, max_w, sub);
	}
}

/* Ticks for a horizontal byte axis whose labels (TEXT_PX) never touch. */
int
page_axis_ticks(struct page *p, double min, double max, double x0, double x1, struct scale_ticks *t)
{
	struct scale_measure m;

	draw_measurer(p, &m);
	draw_font(p, TEXT_PX, 0);
	return scale_ticks_fit(min, max, x0, x1, 12, &m, t);
}

/* Vertical grid lines and tick labels above a horizontal-bar area. */
void
page_x_axis(struct page *p, const struct scale_ticks *t, double x0, double x1, double label_y,
	    double y0, double y1)
{
	struct buf b = BUF_INIT;
	int i;

	draw_font(p, TEXT_PX, 0);
	for (i = 0; i < t->n; i++) {
		double x = scale_map(t, scale_tick_value(t, i), x0, x1);
		int zero = fabs(scale_tick_value(t, i)) < t->step / 2;

		draw_line(p, x, y0, x, y1, zero ? C_GREY : C_GRID, zero ? 1.2 : 1);
		struct scale_box box;

		buf_reset(&b);
		scale_tick_label(&b, t, i);
		box = scale_tick_box(t, i, x0, x1, draw_measure(p, buf_str(&b)), 0, 0);
		draw_rgb(p, C_GREY);
		draw_text(p, box.x, label_y, DRAW_LEFT, box.w + 1, buf_str(&b));
	}
	buf_release(&b);
}

/* Horizontal grid lines and tick labels left of a vertical byte axis at x0 (zero line darker). */
void
page_y_axis(struct page *p, const struct scale_ticks *t, double x0, double x1, double y0, double y1)
{
	struct buf b = BUF_INIT;
	double y;
	int i;

	draw_font(p, TEXT_PX, 0);
	for (i = 0; i < t->n; i++) {
		int zero = fabs(scale_tick_value(t, i)) < t->step / 2;

		y = scale_map(t, scale_tick_value(t, i), y0, y1);
		draw_line(p, x0 - 4, y, x1, y, i == 0 || zero ? C_GREY : C_GRID, 1);
		buf_reset(&b);
		scale_tick_label(&b, t, i);
		draw_rgb(p, C_GREY);
		draw_text(p, x0 - 8, y + 4, DRAW_RIGHT, 62, buf_str(&b));
	}
	buf_release(&b);
}

/* ------------------------------------------------------------------ */
/* Panel A: three layers */

static const struct {
	const char *label;
	unsigned colour;
} layer_classes[GC_N] = {
	[GC_HEAP_OBJECTS] = { "heap objects", C_BLUE },
	[GC_HEAP_SPARE] = { "heap unused + free", C_SKY },
	[GC_STACKS] = { "stacks", C_GREEN },
	[GC_METADATA] = { "runtime metadata", C_PURPLE },
};

static void
group_classes(struct layer_group *g, const int64_t *bytes)
{
	double v[GO_CLASS_COUNT];
	int i;

	for (i = 0; i < GO_CLASS_COUNT; i++)
		v[i] = bytes[i] > 0 ? (double)bytes[i] : 0;
	g->cls[GC_HEAP_OBJECTS] = v[GO_HEAP_OBJECTS];
	g->cls[GC_HEAP_SPARE] = v[GO_HEAP_UNUSED] + v[GO_HEAP_FREE];
	g->cls[GC_STACKS] = v[GO_STACKS] + v[GO_OS_STACKS];
	g->cls[GC_METADATA] = v[GO_GC] + v[GO_ALLOCATOR] + v[GO_OTHER] + v[GO_PROFILING];
	g->classes_known = 1;
}

static void
labels_caption(char *out, size_t n, const struct snapshot_info *s)
{
	struct buf b = BUF_INIT;
	int i;

	buf_printf(&b, "#%lld", (long long)s->id);
	for (i = 0; i < s->nlabels; i++)
		buf_printf(&b, " %s=%s", s->label_keys[i], s->label_values[i]);
	snprintf(out, n, "%s", buf_str(&b));
	buf_release(&b);
}

void
page_group_from(struct layer_group *g, const char *name, const struct snapshot_info *s,
		const int64_t *classes)
{
	memset(g, 0, sizeof(*g));
	g->name = name;
	labels_caption(g->caption, sizeof(g->caption), s);
	g->go_known = s->go_estimate.known;
	g->go = s->go_estimate.known && s->go_estimate.v > 0 ? s->go_estimate.v : 0;
	g->rss_known = s->rss_known;
	g->rss = s->rss > 0 ? s->rss : 0;
	g->size = s->size > 0 ? s->size : 0;
	if (classes != NULL)
		group_classes(g, classes);
}

/* Reserve room for a label box: moved up past the labels already placed. */
void
page_place(struct placed *pl, struct scale_box *b)
{
	scale_nudge_up(b, pl->box, pl->n, 4, pl->min_y);
	if (pl->n < (int)(sizeof(pl->box) / sizeof(pl->box[0])))
		pl->box[pl->n++] = *b;
}

/* Value label above a bar, clear of the other labels. */
static void
bar_value(struct page *p, struct placed *pl, double cx, double top, int64_t v)
{
	struct buf b = BUF_INIT;
	struct scale_box box;

	scale_bytes(&b, v);
	draw_rgb(p, C_BLACK);
	draw_font(p, TEXT_PX, 0);
	box.w = draw_measure(p, buf_str(&b)) + 4;
	box.h = 15;
	box.x = cx - box.w / 2;
	box.y = top - 4 - box.h;
	page_place(pl, &box);
	draw_text(p, cx, box.y + 11.5, DRAW_CENTER, 90, buf_str(&b));
	buf_release(&b);
}

/* The three layers of each group as bars on one byte axis, the gap bracketed. */
void
page_panel_layers(struct page *p, const struct scale_box *area, const struct layer_group *g, int ng)
{
	const double pad = 10, bracket = 96, group_gap = 30;
	double plot_top = area->y + 62, plot_bot = area->y + area->h - 140;
	double ax = area->x + 66, gx, vmax = 1, sizemax = 0, y, bar, gw;
	struct scale_ticks t;
	struct buf b = BUF_INIT, c = BUF_INIT;
	struct placed pl = { .n = 0, .min_y = area->y + 24 };
	int i, k, clip_size;

	page_panel_title(p, area->x, area->y + 16, area->w,
			 "A \xc2\xb7 Three layers: what Go sees, what is resident, what is mapped",
			 "runtime-visible = Sys \xe2\x88\x92 HeapReleased; the bracket is the gap Rss "
			 "\xe2\x88\x92 runtime-visible");
	for (i = 0; i < ng; i++) {
		vmax = fmax(vmax, (double)g[i].go);
		vmax = fmax(vmax, (double)g[i].rss);
		sizemax = fmax(sizemax, (double)g[i].size);
	}
	/* a huge reservation (race shadow, arenas) would flatten Rss: clip it instead */
	clip_size = sizemax > 2.5 * vmax;
	if (!clip_size)
		vmax = fmax(vmax, sizemax);
	if (scale_byte_ticks(0, vmax, (int)((plot_bot - plot_top) / 48), &t) != 0)
		goto out;
	page_y_axis(p, &t, ax, area->x + area->w, plot_bot, plot_top);
	/* groups share the width; a lone group gets wider bars, centred */
	gw = (area->x + area->w - ax - 12 - group_gap * (ng - 1)) / ng;
	bar = fmin(64, (gw - 2 * pad - bracket) / 3);
	gw = 3 * bar + 2 * pad + bracket;
	gx = ax + (area->x + area->w - ax - ng * gw - (ng - 1) * group_gap) / 2;
	for (i = 0; i < ng; i++, gx += gw + group_gap) {
		const struct layer_group *gr = &g[i];
		double xr = gx, xs = gx + bar + pad, xv = xs + bar + bracket;
		double ygo = scale_map(&t, (double)gr->go, plot_bot, plot_top);
		double yrss = scale_map(&t, (double)gr->rss, plot_bot, plot_top);
		double ysz = scale_map(&t, (double)gr->size, plot_bot, plot_top);
		double base = plot_bot;

		/* runtime-visible, stacked by class when known */
		if (gr->go_known && gr->classes_known) {
			for (k = 0; k < GC_N; k++) {
				double upto = 0;
				double top;
				int j;

				for (j = 0; j <= k; j++)
					upto += gr->cls[j];
				top = scale_map(&t, upto, plot_bot, plot_top);
				draw_fill_rect(p, xr, top, bar, base - top, layer_classes[k].colour);
				base = top;
			}
			bar_value(p, &pl, xr + bar / 2, fmin(ygo, base), gr->go);
		} else if (gr->go_known) {
			draw_fill_rect(p, xr, ygo, bar, plot_bot - ygo, C_BLUE);
			bar_value(p, &pl, xr + bar / 2, ygo, gr->go);
		} else {
			draw_rgb(p, C_GREY);
			draw_font(p, TEXT_PX, 0);
			draw_text(p, xr + bar / 2, plot_bot - 6, DRAW_CENTER, bar + 8, "n/a");
		}
		/* resident */
		if (gr->rss_known) {
			draw_fill_rect(p, xs, yrss, bar, plot_bot - yrss, C_ORANGE);
			bar_value(p, &pl, xs + bar / 2, yrss, gr->rss);
		}
		/* virtual: outline, clipped with a break when off the axis */
		draw_fill_rect(p, xv, ysz, bar, plot_bot - ysz, C_SIZE_FILL);
		draw_outline_rect(p, xv, ysz, bar, plot_bot - ysz, C_SIZE_LINE, 1.5);
		if (clip_size && (double)gr->size > t.hi) {
			double zy = plot_top + 22;

			draw_fill_rect(p, xv - 2, zy - 4, bar + 4, 8, 0xFFFFFF);
			draw_line(p, xv - 2, zy - 4, xv + bar + 2, zy - 8, C_SIZE_LINE, 1.2);
			draw_line(p, xv - 2, zy + 4, xv + bar + 2, zy, C_SIZE_LINE, 1.2);
		}
		bar_value(p, &pl, xv + bar / 2, ysz, gr->size);
		/* the gap */
		if (gr->go_known && gr->rss_known) {
			double top = fmin(ygo, yrss), bot = fmax(ygo, yrss), bx = xs + bar + 7;
			double gap = page_delta(gr->go, gr->rss);
			unsigned col = gap > 0 ? C_VERMILLION : C_GREY;

			draw_dash(p, 4, 3);
			draw_line(p, xr, ygo, xs + bar + 4, ygo, C_BLACK, 1);
			draw_dash(p, 0, 0);
			draw_line(p, bx, top, bx + 6, top, col, 2);
			draw_line(p, bx + 6, top, bx + 6, bot, col, 2);
			draw_line(p, bx, bot, bx + 6, bot, col, 2);
			struct scale_box lb;

			buf_reset(&b);
			scale_bytes_delta(&b, gap);
			draw_font(p, TEXT_PX, 0);
			lb.x = bx + 10;
			lb.w = fmin(draw_measure(p, buf_str(&b)), bracket - 16) + 4;
			lb.h = 33;
			lb.y = fmin(fmax((top + bot) / 2, plot_top + 12), plot_bot - 20) - 16;
			page_place(&pl, &lb);
			draw_rgb(p, col);
			draw_font(p, TEXT_PX, 1);
			draw_text(p, bx + 12, lb.y + 14, DRAW_LEFT, bracket - 16, "gap");
			draw_font(p, TEXT_PX, 0);
			draw_text(p, bx + 12, lb.y + 30, DRAW_LEFT, bracket - 16, buf_str(&b));
		}
		/* bar names and the group's name */
		draw_rgb(p, C_BLACK);
		draw_font(p, TEXT_PX, 0);
		draw_text(p, xr + bar / 2, plot_bot + 17, DRAW_CENTER, bar + pad, "Go");
		draw_text(p, xs + bar / 2, plot_bot + 17, DRAW_CENTER, bar + pad, "Rss");
		draw_text(p, xv + bar / 2, plot_bot + 17, DRAW_CENTER, bar + pad, "Size");
		if (gr->name[0] != '\0') {
			draw_font(p, 14, 1);
			draw_text(p, gx + gw / 2, plot_bot + 37, DRAW_CENTER, gw, gr->name);
		}
		draw_rgb(p, C_GREY);
		draw_font(p, TEXT_PX, 0);
		/* a lone group has the panel's width for its caption */
		draw_text_words(p, gx + gw / 2, plot_bot + (gr->name[0] ? 54 : 37), DRAW_CENTER,
				ng == 1 ? 2 * fmin(gx + gw / 2 - area->x, area->x + area->w - gx - gw / 2)
					: gw + group_gap - 6, gr->caption);
	}
	/* legend: the classes with their values, then Rss and Size */
	y = plot_bot + 78;
	{
		double lx = area->x;
		int any = 0;

		for (i = 0; i < ng; i++)
			any |= g[i].go_known && g[i].classes_known;
		for (k = 0; k < GC_N && any; k++) {
			double yy = y + k * 18;

			buf_reset(&b);
			buf_printf(&b, "%s ", layer_classes[k].label);
			for (i = 0; i < ng; i++) {
				buf_puts(&b, i > 0 ? ARROW : " ");
				buf_reset(&c);
				scale_bytes(&c, g[i].cls[k]);
				buf_puts(&b, g[i].classes_known ? buf_str(&c) : "n/a");
			}
			draw_fill_rect(p, lx, yy - 10, 14, 12, layer_classes[k].colour);
			draw_rgb(p, C_BLACK);
			draw_font(p, TEXT_PX, 0);
			draw_text_words(p, lx + 20, yy, DRAW_LEFT, area->w - 20, buf_str(&b));
		}
		if (!any) {
			draw_rgb(p, C_GREY);
			draw_font(p, TEXT_PX, 0);
			draw_text_words(p, lx, y, DRAW_LEFT, area->w,
				  "Go memory classes unknown (no MemStats or runtime/metrics in the bundle)");
		}
	}
out:
	buf_release(&b);
	buf_release(&c);
}

/* ------------------------------------------------------------------ */
/* Header and footer */

void
page_header(struct page *p, const char *pill, unsigned pill_colour, const char *headline,
	    const char *line2, const char *line3)
{
	double x = MARGIN, pw;

	draw_font(p, 15, 1);
	pw = draw_measure(p, pill) + 24;
	draw_fill_rect(p, x, 18, pw, 30, pill_colour);
	draw_rgb(p, 0xFFFFFF);
	draw_text(p, x + 12, 38, DRAW_LEFT, pw, pill);
	struct scale_measure m;
	double avail = draw_width(p) - 2 * MARGIN, px;
	size_t n;

	draw_measurer(p, &m);
	draw_rgb(p, C_BLACK);
	/* the headline shrinks before it is shortened */
	for (px = 22; px > 16; px -= 2) {
		draw_font(p, px, 1);
		if (draw_measure(p, headline) <= avail - pw - 14)
			break;
	}
	draw_text_words(p, x + pw + 14, 42, DRAW_LEFT, avail - pw - 14, headline);
	draw_title(p, "%s: %s", pill, headline);
	/* the largest finding in up to two lines */
	draw_font(p, 15, 0);
	n = scale_wrap(line2, avail, &m);
	if (n == 0 || line2[n] == '\0') {
		draw_text_words(p, x, 70, DRAW_LEFT, avail, line2);
	} else {
		struct buf first = BUF_INIT;

		buf_add(&first, line2, n);
		draw_text_words(p, x, 70, DRAW_LEFT, avail, buf_str(&first));
		while (line2[n] == ' ')
			n++;
		draw_text_words(p, x, 89, DRAW_LEFT, avail, line2 + n);
		buf_release(&first);
	}
	draw_rgb(p, C_GREY);
	draw_font(p, 14, 0);
	draw_text_words(p, x, 110, DRAW_LEFT, avail, line3);
	draw_line(p, MARGIN, 120, draw_width(p) - MARGIN, 120, C_GRID, 1);
}

void
page_snapshot_words(struct buf *b, const char *side, const struct snapshot_info *s)
{
	int i;

	buf_printf(b, "%s%s#%lld", side, side[0] ? " " : "", (long long)s->id);
	for (i = 0; i < s->nlabels; i++)
		buf_printf(b, " %s=%s", s->label_keys[i], s->label_values[i]);
	if (s->pod != NULL && s->pod[0] != '\0')
		buf_printf(b, " pod %s", s->pod);
	else if (s->host != NULL && s->host[0] != '\0')
		buf_printf(b, " host %s", s->host);
	buf_printf(b, " pid %lld", (long long)s->pid);
	if (s->comm != NULL && s->comm[0] != '\0')
		buf_printf(b, " (%s)", s->comm);
	if (s->captured_at != NULL)
		buf_printf(b, " %s", s->captured_at);
}

/* The footer line: what was drawn on the left, the rssgap version on the right. */
void
page_footer_line(struct page *p, const char *what, const char *version)
{
	struct buf b = BUF_INIT;
	double vw = 0, w = draw_width(p), h = draw_height(p);

	draw_line(p, MARGIN, h - 34, w - MARGIN, h - 34, C_GRID, 1);
	draw_rgb(p, C_GREY);
	draw_font(p, TEXT_PX, 0);
	if (version != NULL) {
		buf_printf(&b, "rssgap %s", version);
		vw = draw_text(p, w - MARGIN, h - 14, DRAW_RIGHT, 200, buf_str(&b)) + 24;
	}
	draw_text_words(p, MARGIN, h - 14, DRAW_LEFT, w - 2 * MARGIN - vw, what);
	buf_release(&b);
}

/*
 * The footer naming the snapshot(s). When before and after do not fit on
 * the line together, each keeps its first whole words in its share of the
 * line (the shorter one whole when it fits in half), so both stay named.
 */
void
page_footer(struct page *p, const struct snapshot_info *before, const struct snapshot_info *after,
	    const char *version)
{
	struct buf b = BUF_INIT, bs = BUF_INIT, as = BUF_INIT, v = BUF_INIT;
	struct scale_measure m;
	double avail, dot, wb, wa;

	page_snapshot_words(&bs, after != NULL ? "before" : "snapshot", before);
	if (after != NULL)
		page_snapshot_words(&as, "after", after);
	draw_font(p, TEXT_PX, 0);
	draw_measurer(p, &m);
	avail = draw_width(p) - 2 * MARGIN;
	if (version != NULL) {
		buf_printf(&v, "rssgap %s", version);
		avail -= fmin(draw_measure(p, buf_str(&v)), 200) + 24;
	}
	dot = draw_measure(p, DOT);
	wb = draw_measure(p, buf_str(&bs));
	wa = draw_measure(p, buf_str(&as));
	if (after == NULL || wb + dot + wa <= avail) {
		buf_puts(&b, buf_str(&bs));
		if (after != NULL) {
			buf_puts(&b, DOT);
			buf_puts(&b, buf_str(&as));
		}
	} else {
		double half = (avail - dot) / 2;
		double room_b = wa < half ? avail - dot - wa : wb < half ? wb : half;

		wb = scale_fit_words(&b, buf_str(&bs), room_b, &m);
		buf_puts(&b, DOT);
		scale_fit_words(&b, buf_str(&as), avail - dot - wb - 1, &m);
	}
	page_footer_line(p, buf_str(&b), version);
	buf_release(&b);
	buf_release(&bs);
	buf_release(&as);
	buf_release(&v);
}

/* One Size (outline) + Rss (fill) bar; Size past the axis ends in a break mark. */
void
page_size_rss_bar(struct page *p, const struct scale_ticks *t, double x0, double x1, double y,
		  double h, int64_t size, int64_t rss, unsigned rss_colour)
{
	double xs = scale_map(t, (double)size, x0, x1), xr = scale_map(t, (double)rss, x0, x1);

	draw_fill_rect(p, x0, y, xs - x0, h, C_SIZE_FILL);
	draw_fill_rect(p, x0, y, xr - x0, h, rss_colour);
	draw_outline_rect(p, x0, y, xs - x0, h, C_SIZE_LINE, 1.2);
	if ((double)size > t->hi) {
		draw_fill_rect(p, x1 - 12, y - 1, 5, h + 2, 0xFFFFFF);
		draw_line(p, x1 - 13, y + h + 1, x1 - 10, y - 1, C_SIZE_LINE, 1.2);
		draw_line(p, x1 - 9, y + h + 1, x1 - 6, y - 1, C_SIZE_LINE, 1.2);
	}
}

/* ------------------------------------------------------------------ */
/* Verdicts */

static const struct {
	const char *pill;
	unsigned colour;
} verdicts[] = {
	[VERDICT_NO_GROWTH] = { "NO GROWTH", C_GREEN },
	[VERDICT_EXPLAINED] = { "EXPLAINED GROWTH", C_BLUE },
	[VERDICT_UNEXPLAINED] = { "UNEXPLAINED GROWTH", C_VERMILLION },
};

const char *
page_verdict_pill(enum verdict v)
{
	return verdicts[v].pill;
}

unsigned
page_verdict_colour(enum verdict v)
{
	return verdicts[v].colour;
}

void
page_more_line(struct page *p, const struct scale_rows *rows, double x, double w,
	       const char *text)
{
	struct scale_box box = scale_row_box(rows, rows->shown, x, w);

	draw_rgb(p, C_GREY);
	draw_font(p, TEXT_PX, 0);
	draw_text(p, box.x + 4, box.y + box.h / 2 + 4.5, DRAW_LEFT, box.w, text);
}
