#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/escape.h"
#include "core/xalloc.h"
#include "report/draw.h"
#include "report/page_common.h"
#include "report/page_fleet.h"
#include "report/page_fleet_scatter.h"
#include "report/scale.h"

#define FLEET_LABELS 8		/* outliers labelled with their id on the scatter at most */
#define C_GAP_TINT 0xFBEAE0	/* vermillion, pale: Rss above what Go sees */

/* Where each pod with runtime numbers lands on the scatter. */
struct dot {
	double x, y;
	int point;
};

/* Number of dots inside b. */
static int
dots_in(const struct dot *d, int n, const struct scale_box *b)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += d[i].x >= b->x && d[i].x <= b->x + b->w && d[i].y >= b->y && d[i].y <= b->y + b->h;
	return k;
}

/* Cohort legend in up to two lines, capped with "+ N more"; returns its height. */
static double
cohort_legend(struct page *p, const struct fleet_view *v, double x, double y, double max_w)
{
	const struct fleet_result *r = v->r;
	int *idx = xcalloc((size_t)v->ncoloured + 1, sizeof(int));
	double *w = xcalloc((size_t)v->ncoloured + 1, sizeof(double));
	double *xs = xcalloc((size_t)v->ncoloured + 1, sizeof(double));
	int *ln = xcalloc((size_t)v->ncoloured + 1, sizeof(int));
	struct buf b = BUF_INIT;
	struct scale_flow f;
	double more_w, mx, my;
	int i, n = 0, rest, shown;

	for (i = 0; i < r->ncohorts; i++)
		if (v->colour[i] != C_LIGHT) {
			draw_font(p, TEXT_PX, i == v->before || i == v->after);
			buf_reset(&b);
			escape_term(&b, r->cohorts[i].value, strlen(r->cohorts[i].value));
			buf_puts(&b, i == v->before ? " (before)" : i == v->after ? " (after)" : "");
			idx[n] = i;
			w[n++] = fmin(draw_measure(p, buf_str(&b)), 300) + 20;
		}
	draw_font(p, TEXT_PX, 0);
	more_w = draw_measure(p, "+ 99999 more cohorts (grey)") + 20;
	/* grey cohorts are always counted: their entry flows as the last one */
	if (r->ncohorts > n)
		w[n] = more_w;
	scale_flow(w, n + (r->ncohorts > n), max_w, 2, 18, more_w, xs, ln, &f);
	shown = f.shown < n ? f.shown : n;
	mx = f.shown > n ? xs[n] : f.more_x;
	my = f.shown > n ? ln[n] : f.more_line;
	for (i = 0; i < shown; i++) {
		int c = idx[i];

		buf_reset(&b);
		buf_puts(&b, r->cohorts[c].value);
		buf_puts(&b, c == v->before ? " (before)" : c == v->after ? " (after)" : "");
		draw_fill_rect(p, x + xs[i], y + ln[i] * 18 - 10, 14, 12, v->colour[c]);
		draw_rgb(p, C_BLACK);
		draw_font(p, TEXT_PX, c == v->before || c == v->after);
		draw_text(p, x + xs[i] + 20, y + ln[i] * 18, DRAW_LEFT, fmin(w[i] - 20, max_w - 20) + 1,
			  buf_str(&b));
	}
	rest = r->ncohorts - shown;
	if (rest > 0) {
		buf_reset(&b);
		buf_printf(&b, "+ %d more cohort%s", rest, rest == 1 ? "" : "s");
		if (r->ncohorts > v->ncoloured)
			buf_puts(&b, " (grey)");
		draw_fill_rect(p, x + mx, y + my * 18 - 10, 14, 12, C_LIGHT);
		draw_rgb(p, C_GREY);
		draw_font(p, TEXT_PX, 0);
		draw_text(p, x + mx + 20, y + my * 18, DRAW_LEFT, max_w - mx - 20, buf_str(&b));
	}
	free(idx);
	free(w);
	free(xs);
	free(ln);
	buf_release(&b);
	return (f.lines > 0 ? f.lines : 1) * 18;
}

/* A label at the candidate spot with the fewest dots under it, clear of placed labels. */
static void
free_label(struct page *p, struct placed *pl, const struct dot *d, int nd,
	   const struct scale_box *cand, int ncand, const char *s, unsigned colour)
{
	int i, best = 0, fewest = -1;
	struct scale_box b;

	for (i = 0; i < ncand; i++) {
		int k = dots_in(d, nd, &cand[i]), j;

		/* covering a label is worse than covering a few dots */
		for (j = 0; j < pl->n; j++)
			k += 50 * scale_boxes_intersect(&cand[i], &pl->box[j]);
		if (fewest < 0 || k < fewest) {
			fewest = k;
			best = i;
		}
	}
	b = cand[best];
	if (pl->n < (int)(sizeof(pl->box) / sizeof(pl->box[0])))
		pl->box[pl->n++] = b;
	draw_rgb(p, colour);
	draw_text_words(p, b.x + 2, b.y + b.h - 4, DRAW_LEFT, b.w, s);
}

/*
 * On the scatter: each coloured cohort's name at its median pod, and an
 * arrow from the before cohort's median to the after one's with the change.
 */
static void
cohort_marks(struct page *p, const struct fleet_view *v, const struct scale_ticks *t, double x0,
	     double x1, double y0, double y1, struct placed *pl)
{
	const struct fleet_result *r = v->r;
	struct buf b = BUF_INIT;
	struct scale_box lb;
	double mx[2] = { 0, 0 }, my[2] = { 0, 0 };
	int c, k, have = 0;

	for (k = 0; k < 2; k++) {
		const struct fleet_cohort *co;

		c = k == 0 ? v->before : v->after;
		if (c < 0 || r->cohorts[c].go_estimate.n == 0 || r->cohorts[c].rss.n == 0)
			continue;
		co = &r->cohorts[c];
		mx[k] = scale_clamp_in(scale_map(t, (double)co->go_estimate.median, x0, x1), x0, x1, 5);
		my[k] = scale_clamp_in(scale_map(t, (double)co->rss.median, y0, y1), y0, y1, 5);
		have |= 1 << k;
	}
	if (have == 3 && hypot(mx[1] - mx[0], my[1] - my[0]) > 30) {
		double len = hypot(mx[1] - mx[0], my[1] - my[0]), ux = (mx[1] - mx[0]) / len;
		double uy = (my[1] - my[0]) / len;

		draw_arrow(p, mx[0] + ux * 9, my[0] + uy * 9, mx[1] - ux * 9, my[1] - uy * 9, C_BLACK);
		buf_puts(&b, "median Rss ");
		scale_bytes_delta(&b, page_delta(r->cohorts[v->before].rss.median,
					       r->cohorts[v->after].rss.median));
		draw_font(p, TEXT_PX, 1);
		lb.w = draw_measure(p, buf_str(&b)) + 4;
		lb.h = 15;
		lb.x = (mx[0] + mx[1]) / 2 - lb.w - 10;
		if (lb.x < x0 + 4)
			lb.x = (mx[0] + mx[1]) / 2 + 10;
		lb.y = (my[0] + my[1]) / 2 - lb.h / 2;
		page_place(pl, &lb);
		/* over the diagonal or grid, still readable */
		draw_fill_rect_alpha(p, lb.x - 2, lb.y, lb.w + 4, lb.h, 0xFFFFFF, 0.85);
		draw_rgb(p, C_BLACK);
		draw_text(p, lb.x + 2, lb.y + 11.5, DRAW_LEFT, lb.w, buf_str(&b));
	}
	for (c = 0; c < r->ncohorts; c++) {
		const struct fleet_cohort *co = &r->cohorts[c];
		double x, y;

		if (v->colour[c] == C_LIGHT || co->go_estimate.n == 0 || co->rss.n == 0)
			continue;
		x = scale_clamp_in(scale_map(t, (double)co->go_estimate.median, x0, x1), x0, x1, 5);
		y = scale_clamp_in(scale_map(t, (double)co->rss.median, y0, y1), y0, y1, 5);
		draw_font(p, TEXT_PX, 1);
		buf_reset(&b);
		escape_term(&b, co->value, strlen(co->value));
		lb.w = fmin(draw_measure(p, buf_str(&b)), 160) + 4;
		lb.h = 15;
		lb.x = x + 12 + lb.w <= x1 ? x + 12 : x - 12 - lb.w;
		lb.y = y - lb.h / 2;
		page_place(pl, &lb);
		draw_rgb(p, C_BLACK);
		draw_text(p, lb.x + 2, lb.y + 11.5, DRAW_LEFT, lb.w, co->value);
	}
	buf_release(&b);
}

static int
cmp_dot_id(const void *pa, const void *pb)
{
	const int64_t *a = pa, *b = pb;	/* {id, dot index} */

	return (a[0] > b[0]) - (a[0] < b[0]);
}

/*
 * Outliers on the scatter: every one ringed, the first FLEET_LABELS labelled
 * with their snapshot id where scale_place_label finds room inside the plot,
 * clear of the rings and of the labels already placed; a label set apart
 * from its ring gets a leader line, one with no room is left out (the list
 * under the plot names every outlier).
 */
static void
outlier_rings(struct page *p, const struct fleet_view *v, const struct dot *d, int nd,
	      const struct scale_box *plot, struct placed *pl)
{
	const struct fleet_result *r = v->r;
	int64_t (*by_id)[2] = xcalloc((size_t)nd + 1, sizeof(*by_id));
	int *ring = xcalloc((size_t)r->noutliers + 1, sizeof(int));
	struct scale_box *rings = xcalloc((size_t)r->noutliers + 1, sizeof(*rings));
	struct buf b = BUF_INIT;
	int i, k, nrings = 0, labelled = 0;

	for (i = 0; i < nd; i++) {
		by_id[i][0] = r->points[d[i].point].id;
		by_id[i][1] = i;
	}
	qsort(by_id, (size_t)nd, sizeof(*by_id), cmp_dot_id);
	for (k = 0; k < r->noutliers; k++) {
		int64_t key[2] = { r->outliers[k].id, 0 };
		const int64_t *hit = bsearch(key, by_id, (size_t)nd, sizeof(*by_id), cmp_dot_id);

		ring[k] = hit != NULL ? (int)hit[1] : -1;
		if (hit == NULL)
			continue;
		/* radius 8, 2 px line */
		rings[nrings++] = (struct scale_box){ d[ring[k]].x - 9, d[ring[k]].y - 9, 18, 18 };
		draw_disc(p, d[ring[k]].x, d[ring[k]].y, 8, C_VERMILLION, 0, 2);
	}
	draw_font(p, TEXT_PX, 1);
	for (k = 0; k < r->noutliers && labelled < FLEET_LABELS; k++) {
		struct scale_box lb;
		double cx, cy;
		int far;

		if (ring[k] < 0)
			continue;
		cx = d[ring[k]].x;
		cy = d[ring[k]].y;
		buf_reset(&b);
		buf_printf(&b, "#%lld", (long long)r->outliers[k].id);
		far = scale_place_label(cx, cy, 9, draw_measure(p, buf_str(&b)) + 4, 15, plot, pl->box,
					pl->n, rings, nrings, &lb);
		if (far < 0)
			continue;
		if (far > 0) {
			double tx = fmin(fmax(cx, lb.x), lb.x + lb.w), ty = fmin(fmax(cy, lb.y), lb.y + lb.h);
			double len = hypot(tx - cx, ty - cy);

			if (len > 9)
				draw_line(p, cx + (tx - cx) * 9 / len, cy + (ty - cy) * 9 / len, tx, ty,
					  C_VERMILLION, 1);
		}
		if (pl->n < (int)(sizeof(pl->box) / sizeof(pl->box[0])))
			pl->box[pl->n++] = lb;
		draw_rgb(p, C_VERMILLION);
		draw_text(p, lb.x + 2, lb.y + 11.5, DRAW_LEFT, lb.w, buf_str(&b));
		labelled++;
	}
	free(by_id);
	free(ring);
	free(rings);
	buf_release(&b);
}

/* Panel B: Rss against runtime-visible per pod, the diagonal y = x, outliers ringed. */
void
page_fleet_scatter(struct page *p, const struct scale_box *area, const struct fleet_view *v)
{
	const struct fleet_result *r = v->r;
	const char *above = "points far above the diagonal: memory the runtime cannot see";
	const char *below = "below: mapped by Go, not yet resident";
	struct dot *d = xcalloc((size_t)r->npoints + 1, sizeof(*d));
	struct metric mr = { M_RSS, 0 }, mg = { M_GO, 0 };
	struct placed pl = { .n = 0, .min_y = 0 };
	struct scale_ticks t;
	struct buf b = BUF_INIT;
	double lo = 0, hi = 1, x0 = area->x + 84, x1, y0, y1, side, legend_h, xv, yv, tw, y;
	int i, k, nd = 0, pass, unknown = 0;

	page_panel_title(p, area->x, area->y + 16, area->w,
			 "B \xc2\xb7 Rss against what Go sees, one dot per pod", NULL);
	legend_h = cohort_legend(p, v, area->x, area->y + 40, area->w);
	/* the tint's meaning, in the legend: labels inside the plot would hide dots */
	y = area->y + 40 + legend_h;
	draw_fill_rect(p, area->x, y - 10, 14, 12, C_GAP_TINT);
	draw_outline_rect(p, area->x, y - 10, 14, 12, C_VERMILLION, 1);
	draw_rgb(p, C_VERMILLION);
	draw_font(p, TEXT_PX, 0);
	draw_text_words(p, area->x + 20, y, DRAW_LEFT, area->w - 20, above);
	y1 = y + 22;
	/* a square plot: y = x at 45 degrees */
	side = fmax(120, fmin(area->x + area->w - 10 - x0, area->y + area->h - 200 - y1));
	x1 = x0 + side;
	y0 = y1 + side;
	page_fleet_metric_range(r, &mr, &lo, &hi);
	page_fleet_metric_range(r, &mg, &lo, &hi);
	if (page_axis_ticks(p, lo, hi, x0, x1, &t) != 0)
		goto out;
	/* above the diagonal, tinted: what Go cannot see */
	draw_triangle(p, x0, y0, x0, y1, x1, y1, C_GAP_TINT);
	page_x_axis(p, &t, x0, x1, y0 + 18, y1, y0);
	page_y_axis(p, &t, x0, x1, y0, y1);
	draw_dash(p, 6, 4);
	draw_line(p, x0, y0, x1, y1, C_GREY, 1.4);
	draw_dash(p, 0, 0);
	draw_rgb(p, C_BLACK);
	draw_font(p, TEXT_PX, 0);
	draw_text_words(p, (x0 + x1) / 2, y0 + 38, DRAW_CENTER, side,
		  "runtime-visible per pod (Sys \xe2\x88\x92 HeapReleased) \xe2\x86\x92");
	draw_text_turned(p, area->x + 12, (y0 + y1) / 2, -M_PI / 2, DRAW_CENTER, side,
			 "Rss per pod \xe2\x86\x92");
	for (i = 0; i < r->npoints; i++) {
		if (!page_fleet_point_value(r, &r->points[i], &mg, &xv) ||
		    !page_fleet_point_value(r, &r->points[i], &mr, &yv)) {
			unknown++;
			continue;
		}
		/* a dot (radius 4, 1 px outline) at the axis end stays inside the plot */
		d[nd].x = scale_clamp_in(scale_map(&t, xv, x0, x1), x0, x1, 5);
		d[nd].y = scale_clamp_in(scale_map(&t, yv, y0, y1), y0, y1, 5);
		d[nd++].point = i;
	}
	/* grey cohorts under coloured ones */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < nd; i++) {
			unsigned col = v->colour[r->points[d[i].point].cohort];

			if ((col == C_LIGHT) != (pass == 0))
				continue;
			draw_disc(p, d[i].x, d[i].y, 4, col, 0.55, 1);
		}
	pl.min_y = y1;
	cohort_marks(p, v, &t, x0, x1, y0, y1, &pl);
	{
		struct scale_box plot = { x0, y1, x1 - x0, y0 - y1 };

		outlier_rings(p, v, d, nd, &plot, &pl);
	}
	/* below the diagonal, where the fewest dots and labels are */
	draw_font(p, TEXT_PX, 0);
	tw = fmin(draw_measure(p, below), side - 12) + 4;
	{
		struct scale_box ca[5];

		for (k = 0; k < 5; k++)
			ca[k] = (struct scale_box){ x1 - tw - 6, y0 - 23 - 20 * k, tw, 17 };
		free_label(p, &pl, d, nd, ca, 5, below, C_GREY);
	}
	/* y = x along the diagonal near its top */
	draw_rgb(p, C_GREY);
	draw_text_turned(p, x1 - side * 0.2 - 4, y1 + side * 0.2 - 4, -M_PI / 4, DRAW_CENTER, 120,
			 "y = x");
	/* under the plot: pods not drawn, then the outliers and why */
	y = y0 + 64;
	draw_rgb(p, C_GREY);
	draw_font(p, TEXT_PX, 0);
	if (unknown > 0) {
		buf_reset(&b);
		buf_printf(&b, "%d pod%s without runtime numbers not drawn", unknown,
			   unknown == 1 ? "" : "s");
		draw_text(p, area->x, y, DRAW_LEFT, area->w, buf_str(&b));
		y += 18;
	}
	if (r->noutliers == 0) {
		draw_text_words(p, area->x, y, DRAW_LEFT, area->w,
			  "no outliers (no pod 3 MADs from its cohort's median Rss)");
		goto out;
	}
	draw_disc(p, area->x + 6, y - 4, 6, C_VERMILLION, 0, 2);
	draw_font(p, TEXT_PX, 1);
	buf_reset(&b);
	buf_printf(&b, "%d outlier%s, 3 MADs or more from the cohort median", r->noutliers,
		   r->noutliers == 1 ? "" : "s");
	draw_text_words(p, area->x + 18, y, DRAW_LEFT, area->w - 18, buf_str(&b));
	{
		struct scale_rows rows;

		if (scale_rows_fit(&rows, r->noutliers, y + 6, area->y + area->h - y - 6, 17, 17) != 0)
			goto out;
		draw_font(p, TEXT_PX, 0);
		for (k = 0; k < rows.shown; k++) {
			struct scale_box row = scale_row_box(&rows, k, area->x, area->w);

			buf_reset(&b);
			buf_printf(&b, "#%lld ", (long long)r->outliers[k].id);
			buf_puts(&b, r->outliers[k].why != NULL ? r->outliers[k].why : "");
			draw_rgb(p, C_BLACK);
			draw_text_words(p, area->x + 18, row.y + 13, DRAW_LEFT, area->w - 18, buf_str(&b));
		}
		if (rows.more) {
			struct scale_box row = scale_row_box(&rows, rows.shown, area->x, area->w);

			buf_reset(&b);
			buf_printf(&b, "+ %d more outliers", r->noutliers - rows.shown);
			draw_rgb(p, C_GREY);
			draw_text_words(p, area->x + 18, row.y + 13, DRAW_LEFT, area->w - 18, buf_str(&b));
		}
	}
out:
	free(d);
	buf_release(&b);
}
