#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "core/buf.h"
#include "report/draw.h"
#include "report/page_common.h"
#include "report/page_trend.h"
#include "report/scale.h"
#include "report/trendout.h"

static const struct {
	enum trend_series_kind k;
	const char *label;
	unsigned colour;
	int dashed;
} lines[TREND_NSERIES] = {
	{ TREND_RSS, "Rss", C_ORANGE, 0 },
	{ TREND_ESTIMATE, "runtime estimate (Sys - HeapReleased)", C_BLUE, 0 },
	{ TREND_HEAP, "heap in use (HeapInuse)", C_GREEN, 1 },
	{ TREND_GAP, "gap (Rss - estimate)", C_VERMILLION, 1 },
};

/* Value of series k at point i (the caller checked the series is known). */
static double
value_at(const struct trend_result *r, enum trend_series_kind k, int i)
{
	const struct trend_point *pt = &r->points[i];

	switch (k) {
	case TREND_RSS:
		return (double)pt->rss;
	case TREND_ESTIMATE:
		return (double)pt->estimate;
	case TREND_HEAP:
		return (double)pt->heap_inuse;
	default:
		return (double)pt->rss - (double)pt->estimate;
	}
}

/* x of point i between x0 and x1, evenly spaced in capture order. */
static double
point_x(int i, int n, double x0, double x1)
{
	return n > 1 ? x0 + (x1 - x0) * i / (n - 1) : (x0 + x1) / 2;
}

/* One legend entry: a short line with a mark, then the label; returns its width. */
static double
legend_entry(struct page *p, double x, double y, unsigned hex, int dashed, const char *label,
	     double max_w)
{
	draw_dash(p, dashed ? 5 : 0, 3);
	draw_line(p, x, y - 4, x + 22, y - 4, hex, 2.2);
	draw_dash(p, 0, 0);
	draw_disc(p, x + 11, y - 4, 3.5, hex, 1, 0);
	draw_rgb(p, C_BLACK);
	draw_font(p, TEXT_PX, 0);
	return 30 + draw_text_words(p, x + 30, y, DRAW_LEFT, max_w - 30, label) + 22;
}

/* The x labels: "#seq" (or "#id") and the seconds since the first, thinned to fit. */
static void
x_labels(struct page *p, const struct trend_result *r, double x0, double x1, double y)
{
	struct buf b = BUF_INIT;
	double wmax = 0, spacing = r->n > 1 ? (x1 - x0) / (r->n - 1) : x1 - x0;
	int i, every;

	draw_font(p, TEXT_PX, 0);
	for (i = 0; i < r->n; i++) {
		buf_reset(&b);
		buf_printf(&b, "#%lld", (long long)(r->points[i].seq > 0 ? r->points[i].seq :
						    r->points[i].id));
		wmax = fmax(wmax, draw_measure(p, buf_str(&b)));
		buf_reset(&b);
		buf_printf(&b, "+%lld s", (long long)(r->points[i].t - r->points[0].t));
		wmax = fmax(wmax, draw_measure(p, buf_str(&b)));
	}
	every = (int)ceil((wmax + 14) / fmax(spacing, 1));
	if (every < 1)
		every = 1;
	for (i = 0; i < r->n; i += every) {
		double x = point_x(i, r->n, x0, x1);

		buf_reset(&b);
		buf_printf(&b, "#%lld", (long long)(r->points[i].seq > 0 ? r->points[i].seq :
						    r->points[i].id));
		draw_rgb(p, C_BLACK);
		draw_text(p, x, y, DRAW_CENTER, wmax + 4, buf_str(&b));
		if (r->seconds >= 0) {
			buf_reset(&b);
			buf_printf(&b, "+%lld s", (long long)(r->points[i].t - r->points[0].t));
			draw_rgb(p, C_GREY);
			draw_text(p, x, y + 17, DRAW_CENTER, wmax + 4, buf_str(&b));
		}
	}
	buf_release(&b);
}

/* Panel A: the four series per snapshot on one byte axis. */
static void
panel_series(struct page *p, const struct scale_box *area, const struct trend_result *r)
{
	struct buf b = BUF_INIT;
	struct scale_ticks t;
	double vmin = 0, vmax = 1, x0 = area->x + 86, x1 = area->x + area->w - 30, lx;
	double top = area->y + 84, bot = area->y + area->h - 50;
	int i, k;

	page_panel_title(p, area->x, area->y + 16, area->w,
			 "A \xc2\xb7 Per snapshot, in capture order",
			 "each line joins the snapshots of the process; the gap is what the "
			 "runtime's numbers do not cover");
	lx = area->x;
	for (k = 0; k < TREND_NSERIES; k++) {
		const struct trend_slope *s = &r->series[lines[k].k];

		buf_reset(&b);
		buf_puts(&b, lines[k].label);
		if (!s->known)
			buf_puts(&b, ": unknown");
		lx += legend_entry(p, lx, area->y + 62, lines[k].colour, lines[k].dashed, buf_str(&b),
				   area->x + area->w - lx);
	}
	for (k = 0; k < TREND_NSERIES; k++) {
		if (!r->series[lines[k].k].known)
			continue;
		for (i = 0; i < r->n; i++) {
			vmin = fmin(vmin, value_at(r, lines[k].k, i));
			vmax = fmax(vmax, value_at(r, lines[k].k, i));
		}
	}
	if (scale_byte_ticks(vmin, vmax, (int)fmax(2, (bot - top) / 48), &t) != 0)
		goto out;
	page_y_axis(p, &t, x0, x1, bot, top);
	for (k = 0; k < TREND_NSERIES; k++) {
		if (!r->series[lines[k].k].known)
			continue;
		draw_dash(p, lines[k].dashed ? 7 : 0, 4);
		for (i = 1; i < r->n; i++)
			draw_line(p, point_x(i - 1, r->n, x0 + 14, x1 - 14),
				  scale_map(&t, value_at(r, lines[k].k, i - 1), bot, top),
				  point_x(i, r->n, x0 + 14, x1 - 14),
				  scale_map(&t, value_at(r, lines[k].k, i), bot, top),
				  lines[k].colour, 2.2);
		draw_dash(p, 0, 0);
		for (i = 0; i < r->n; i++)
			draw_disc(p, point_x(i, r->n, x0 + 14, x1 - 14),
				  scale_clamp_in(scale_map(&t, value_at(r, lines[k].k, i), bot, top),
						 top, bot, 4),
				  4, lines[k].colour, 1, 0);
	}
	x_labels(p, r, x0 + 14, x1 - 14, bot + 20);
out:
	buf_release(&b);
}

/* Panel B: each role's Rss change along the line, bars both ways from zero. */
static void
panel_roles(struct page *p, const struct scale_box *area, const struct trend_result *r)
{
	double lab_w = 190, val_w = 340, bx0 = area->x + lab_w + 10;
	double bx1 = area->x + area->w - val_w - 14, rows_top = area->y + 70, lo = 0, hi = 1;
	struct scale_rows rows;
	struct scale_ticks t;
	struct buf b = BUF_INIT;
	int i;

	page_panel_title(p, area->x, area->y + 16, area->w,
			 "B \xc2\xb7 Roles: Rss change along the line",
			 "the rise of the line through each role's Rss, first snapshot to last; "
			 "per minute in brackets");
	if (scale_rows_fit(&rows, r->nroles, rows_top, area->y + area->h - rows_top, 19, 28) != 0)
		goto out;
	for (i = 0; i < rows.shown; i++) {
		lo = fmin(lo, r->roles[i].s.fitted);
		hi = fmax(hi, r->roles[i].s.fitted);
	}
	/* at least the noise floor wide: a change under it draws as the small thing it is */
	if (hi - lo < (double)r->threshold)
		hi = lo + (double)r->threshold;
	if (page_axis_ticks(p, lo, hi, bx0, bx1, &t) != 0)
		goto out;
	page_x_axis(p, &t, bx0, bx1, rows_top - 6, rows_top, rows_top + rows.row_h * rows.shown);
	for (i = 0; i < rows.shown; i++) {
		const struct trend_role *ro = &r->roles[i];
		struct scale_box box = scale_row_box(&rows, i, area->x, area->w);
		double bh = fmin(14, box.h * 0.6), base = box.y + box.h / 2 + 4.5;
		double xz = scale_map(&t, 0, bx0, bx1), xv = scale_map(&t, ro->s.fitted, bx0, bx1);

		if (i % 2 == 1)
			draw_fill_rect(p, area->x, box.y, area->w, box.h, 0xF8F8F8);
		draw_fill_rect(p, fmin(xz, xv), box.y + (box.h - bh) / 2, fabs(xv - xz), bh,
			       ro->s.fitted >= 0 ? C_ORANGE : C_SKY);
		draw_rgb(p, C_BLACK);
		draw_font(p, TEXT_PX, 0);
		draw_text(p, area->x + 4, base, DRAW_LEFT, lab_w - 4, ro->role);
		buf_reset(&b);
		scale_bytes_delta(&b, ro->s.fitted);
		if (ro->s.per_minute_known) {
			buf_puts(&b, " (");
			scale_bytes_delta(&b, ro->s.per_minute);
			buf_puts(&b, "/min)");
		}
		buf_puts(&b, ", last ");
		scale_bytes(&b, (double)ro->s.last);
		draw_text_words(p, bx1 + 14, base, DRAW_LEFT, val_w, buf_str(&b));
	}
	if (rows.more) {
		struct scale_box box = scale_row_box(&rows, rows.shown, area->x, area->w);

		buf_reset(&b);
		buf_printf(&b, "+ %d more roles (rssgap trend --json lists every role)",
			   r->nroles - rows.shown);
		draw_rgb(p, C_GREY);
		draw_text_words(p, area->x + 4, box.y + box.h / 2 + 4.5, DRAW_LEFT, area->w,
				buf_str(&b));
	}
out:
	buf_release(&b);
}

void
page_trend_draw(struct page *p, double w, double h, const struct trend_result *r,
		const struct chart_opts *o)
{
	const struct trend_slope *rss = &r->series[TREND_RSS], *est = &r->series[TREND_ESTIMATE];
	struct buf pill = BUF_INIT, head = BUF_INIT, says = BUF_INIT, who = BUF_INIT;
	struct buf foot = BUF_INIT, tmp = BUF_INIT;
	double ah = fmax(380, (h - 128 - 52) * 0.56);
	struct scale_box a = { MARGIN, 128, w - 2 * MARGIN, ah };
	struct scale_box bb = { MARGIN, 128 + ah + 10, w - 2 * MARGIN, h - 128 - ah - 10 - 46 };
	const char *s;
	unsigned colour;

	draw_paint(p, 0xFFFFFF);
	for (s = trend_word_label(r->word); *s != '\0' && *s != '('; s++)
		buf_putc(&pill, (char)toupper((unsigned char)*s));
	while (pill.len > 0 && pill.data[pill.len - 1] == ' ')
		pill.data[--pill.len] = '\0';
	colour = r->word == TREND_GROWING_BEYOND_RUNTIME ? C_VERMILLION :
		 r->word == TREND_GROWING || r->word == TREND_GROWING_WITH_RUNTIME ? C_ORANGE :
		 r->word == TREND_SAWTOOTH ? C_PURPLE : C_GREEN;
	buf_puts(&head, "Rss ");
	buf_puts(&head, page_from_to(&tmp, rss->first, rss->last));
	if (est->known) {
		buf_puts(&head, ", the runtime's estimate ");
		buf_puts(&head, page_from_to(&tmp, est->first, est->last));
	}
	buf_printf(&head, ", %d snapshots", r->n);
	if (r->seconds >= 0)
		buf_printf(&head, " over %d s", r->seconds);
	trendout_says(&says, r, 1);
	trendout_who(&who, r);
	page_header(p, buf_str(&pill), colour, buf_str(&head), buf_str(&says), buf_str(&who));
	panel_series(p, &a, r);
	panel_roles(p, &bb, r);
	buf_puts(&foot, "rssgap trend: ");
	buf_add(&foot, who.data, who.len);
	buf_printf(&foot, DOT "snapshots %lld to %lld", (long long)r->points[0].id,
		   (long long)r->points[r->n - 1].id);
	if (r->points[0].captured_at != NULL && r->points[r->n - 1].captured_at != NULL)
		buf_printf(&foot, DOT "%s to %s", r->points[0].captured_at,
			   r->points[r->n - 1].captured_at);
	page_footer_line(p, buf_str(&foot), o->version);
	buf_release(&pill);
	buf_release(&head);
	buf_release(&says);
	buf_release(&who);
	buf_release(&foot);
	buf_release(&tmp);
}
