#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/escape.h"
#include "core/xalloc.h"
#include "report/chart.h"
#include "report/draw.h"
#include "report/page_common.h"
#include "report/page_fleet.h"
#include "report/page_fleet_scatter.h"
#include "report/scale.h"

#define FLEET_COLOURED 6	/* up to this many cohorts get a colour each, else only the two compared */

static const unsigned cohort_palette[FLEET_COLOURED] = {
	C_BLUE, C_ORANGE, C_GREEN, C_PURPLE, C_SKY, C_BLACK,
};

static int
cohort_ok(const struct fleet_result *r, int c)
{
	return c >= 0 && c < r->ncohorts;
}

/* v = the metric of pod pt; 0 when it has none (no runtime numbers). */
int
page_fleet_point_value(const struct fleet_result *r, const struct fleet_point *pt,
		       const struct metric *m, double *v)
{
	if (!cohort_ok(r, pt->cohort))
		return 0;
	switch (m->kind) {
	case M_RSS:
		*v = (double)pt->rss;
		return 1;
	case M_GO:
		*v = (double)pt->go_estimate;
		return pt->go_known;
	case M_ROLE:
		if (pt->role_rss == NULL || m->role < 0 || m->role >= r->nroles)
			return 0;
		*v = (double)pt->role_rss[m->role];
		return 1;
	}
	return 0;
}

/* The cohort's p10/median/p90 of the metric, or NULL. */
static const struct fleet_stat *
cohort_stat(const struct fleet_result *r, int c, const struct metric *m)
{
	const struct fleet_cohort *co = &r->cohorts[c];

	if (m->kind == M_RSS)
		return &co->rss;
	if (m->kind == M_GO)
		return &co->go_estimate;
	if (co->role_rss == NULL || m->role < 0 || m->role >= r->nroles)
		return NULL;
	return &co->role_rss[m->role];
}

/* Smallest and largest value of the metric over every pod and cohort statistic. */
void
page_fleet_metric_range(const struct fleet_result *r, const struct metric *m, double *lo,
			double *hi)
{
	double v;
	int i;

	for (i = 0; i < r->npoints; i++)
		if (page_fleet_point_value(r, &r->points[i], m, &v)) {
			*lo = fmin(*lo, v);
			*hi = fmax(*hi, v);
		}
	for (i = 0; i < r->ncohorts; i++) {
		const struct fleet_stat *s = cohort_stat(r, i, m);

		if (s != NULL && s->n > 0) {
			*lo = fmin(*lo, fmin((double)s->p10, (double)s->median));
			*hi = fmax(*hi, fmax((double)s->p90, (double)s->median));
		}
	}
}

static int
cmp_role_change(const void *pa, const void *pb)
{
	const double *a = pa, *b = pb;	/* {|change|, index} */

	if (a[0] != b[0])
		return a[0] > b[0] ? -1 : 1;
	return (a[1] > b[1]) - (a[1] < b[1]);
}

/*
 * Colours (every cohort when few, else the two compared; the rest grey) and
 * the roles whose median Rss moved most between the compared cohorts.
 */
static void
fleet_view_init(struct fleet_view *v, const struct fleet_result *r)
{
	double (*order)[2];
	int c, k, n = 0, slot = 2;

	memset(v, 0, sizeof(*v));
	v->r = r;
	v->before = cohort_ok(r, r->before) ? r->before : -1;
	v->after = cohort_ok(r, r->after) && r->after != v->before ? r->after : -1;
	v->colour = xcalloc((size_t)r->ncohorts + 1, sizeof(*v->colour));
	for (c = 0; c < r->ncohorts; c++) {
		if (c == v->before)
			v->colour[c] = cohort_palette[0];
		else if (c == v->after)
			v->colour[c] = cohort_palette[1];
		else if (r->ncohorts <= FLEET_COLOURED)
			v->colour[c] = cohort_palette[slot++];
		else
			v->colour[c] = C_LIGHT;
		v->ncoloured += v->colour[c] != C_LIGHT;
	}
	if (v->before < 0 || v->after < 0 || r->nroles <= 0)
		return;
	order = xcalloc((size_t)r->nroles, sizeof(*order));
	for (k = 0; k < r->nroles; k++) {
		const struct fleet_cohort *b = &r->cohorts[v->before], *a = &r->cohorts[v->after];

		if (b->role_rss == NULL || a->role_rss == NULL)
			break;
		if (b->role_rss[k].median == 0 && a->role_rss[k].median == 0 &&
		    b->role_rss[k].p90 == 0 && a->role_rss[k].p90 == 0)
			continue;	/* absent from both: nothing to draw */
		order[n][0] = fabs(page_delta(b->role_rss[k].median, a->role_rss[k].median));
		order[n][1] = k;
		n++;
	}
	qsort(order, (size_t)n, sizeof(*order), cmp_role_change);
	for (k = 0; k < n && k < FLEET_ROLES; k++) {
		int role = (int)order[k][1];

		v->role[k] = role;
		v->role_change[k] = page_delta(r->cohorts[v->before].role_rss[role].median,
					       r->cohorts[v->after].role_rss[role].median);
	}
	v->nrole = k;
	free(order);
}

static void
fleet_view_release(struct fleet_view *v)
{
	free(v->colour);
}

static int
cmp_int(const void *pa, const void *pb)
{
	int a = *(const int *)pa, b = *(const int *)pb;

	return (a > b) - (a < b);
}

/*
 * The first `shown` rows of cand[0..n): all of them in order when they fit,
 * else the compared cohorts first, then the others in order, sorted back.
 */
static void
pick_rows(const struct fleet_view *v, const int *cand, int n, int shown, int *out)
{
	int i, k = 0;

	if (shown >= n) {
		memcpy(out, cand, (size_t)n * sizeof(*out));
		return;
	}
	for (i = 0; i < n && k < shown; i++)
		if (cand[i] == v->before || cand[i] == v->after)
			out[k++] = cand[i];
	for (i = 0; i < n && k < shown; i++)
		if (cand[i] != v->before && cand[i] != v->after)
			out[k++] = cand[i];
	qsort(out, (size_t)k, sizeof(*out), cmp_int);
}

/* A deterministic spread in [-0.5, 0.5) for the k-th pod of a row (golden-ratio steps). */
static double
spread(int k)
{
	double f = fmod(k * 0.6180339887, 1.0);

	return f - 0.5;
}

/* One cohort as a strip: its pods as dots, p10..p90 as a band, the median as a black tick. */
static void
strip_row(struct page *p, const struct fleet_view *v, int c, const struct metric *m,
	  const struct scale_ticks *t, double x0, double x1, const struct scale_box *row)
{
	const struct fleet_result *r = v->r;
	const struct fleet_stat *s = cohort_stat(r, c, m);
	double cy = row->y + row->h / 2, bh = fmin(14, row->h * 0.55);
	double rad = row->h >= 22 ? 3 : 2.2, jit = fmax(0, row->h - 2 * rad - 6), x, val;
	unsigned col = v->colour[c] == C_LIGHT ? C_GREY : v->colour[c];
	int i, k = 0;

	if (s == NULL || s->n == 0) {
		draw_rgb(p, C_GREY);
		draw_font(p, TEXT_PX, 0);
		draw_text(p, x0 + 4, cy + 4.5, DRAW_LEFT, x1 - x0, "n/a");
		return;
	}
	x = scale_map(t, (double)s->p10, x0, x1);
	draw_fill_rect_alpha(p, x, cy - bh / 2, fmax(1, scale_map(t, (double)s->p90, x0, x1) - x), bh,
			     col, 0.22);
	for (i = 0; i < r->npoints; i++) {
		const struct fleet_point *pt = &r->points[i];

		if (pt->cohort != c || !page_fleet_point_value(r, pt, m, &val))
			continue;
		draw_disc(p, scale_clamp_in(scale_map(t, val, x0, x1), x0, x1, rad), cy + spread(k++) * jit,
			  rad, col, 0.6, 0);
	}
	x = scale_map(t, (double)s->median, x0, x1);
	draw_line(p, x, cy - bh / 2 - 3, x, cy + bh / 2 + 3, C_BLACK, 2);
}

/* One small multiple: a title, a byte axis over [lo, hi], one strip per cohort. */
struct multiple {
	struct metric m;
	const char *title, *note;	/* note: right of the title (e.g. the median change) */
	unsigned title_colour;
	struct scale_box box;
	double lab_w, val_w;		/* cohort labels left, medians right (0: none) */
	double lo, hi;
	const int *cand;		/* cohorts to draw, in order */
	int ncand;
};

static void
multiple(struct page *p, const struct fleet_view *v, const struct multiple *mu)
{
	const struct fleet_result *r = v->r;
	/* a dot at the largest value stays inside the panel */
	double x0 = mu->box.x + mu->lab_w, x1 = mu->box.x + mu->box.w - mu->val_w - 4;
	double rows_top = mu->box.y + 38;
	struct scale_rows rows;
	struct scale_ticks t;
	struct buf b = BUF_INIT;
	int *shown = xcalloc((size_t)mu->ncand + 1, sizeof(int));
	int i, rest_pods = 0;
	double nw = 0;

	draw_rgb(p, mu->title_colour);
	if (mu->note != NULL) {
		draw_font(p, TEXT_PX, 1);
		nw = draw_text(p, mu->box.x + mu->box.w, mu->box.y + 13, DRAW_RIGHT, mu->box.w * 0.5,
			       mu->note) + 10;
	}
	draw_font(p, 14, 1);
	draw_text(p, mu->box.x, mu->box.y + 13, DRAW_LEFT, mu->box.w - nw, mu->title);
	if (scale_rows_fit(&rows, mu->ncand, rows_top, mu->box.y + mu->box.h - rows_top, 15, 56) != 0 ||
	    page_axis_ticks(p, mu->lo, mu->hi, x0, x1, &t) != 0)
		goto out;
	pick_rows(v, mu->cand, mu->ncand, rows.shown, shown);
	page_x_axis(p, &t, x0, x1, rows_top - 6, rows_top, rows_top + rows.row_h * rows.shown);
	for (i = 0; i < rows.shown; i++) {
		struct scale_box row = scale_row_box(&rows, i, mu->box.x, mu->box.w);
		const struct fleet_stat *s = cohort_stat(r, shown[i], &mu->m);
		double base = row.y + row.h / 2 + 4.5, w = 0;
		int compared = shown[i] == v->before || shown[i] == v->after;

		if (i % 2 == 1)
			draw_fill_rect_alpha(p, row.x, row.y, row.w, row.h, 0x000000, 0.03);
		strip_row(p, v, shown[i], &mu->m, &t, x0, x1, &row);
		if (mu->lab_w > 0) {
			/* the cohort's name, then its n when there is room for both: the name first */
			double n_w = 0;

			buf_reset(&b);
			if (mu->lab_w > 100) {
				buf_printf(&b, "n=%d", r->cohorts[shown[i]].n);
				draw_font(p, TEXT_PX, 0);
				n_w = draw_measure(p, buf_str(&b)) + 6;
				draw_font(p, TEXT_PX, compared);
				if (draw_measure(p, r->cohorts[shown[i]].value) > mu->lab_w - 23 - n_w) {
					n_w = 0;
					buf_reset(&b);
				}
			}
			draw_fill_rect(p, row.x, row.y + row.h / 2 - 5, 10, 10, v->colour[shown[i]]);
			draw_rgb(p, C_BLACK);
			draw_font(p, TEXT_PX, compared);
			w = draw_text(p, row.x + 15, base, DRAW_LEFT, mu->lab_w - 23 - n_w,
				      r->cohorts[shown[i]].value);
			draw_rgb(p, C_GREY);
			draw_font(p, TEXT_PX, 0);
			draw_text(p, row.x + 21 + w, base, DRAW_LEFT, n_w, buf_str(&b));
		}
		if (mu->val_w > 0 && s != NULL && s->n > 0) {
			buf_reset(&b);
			scale_bytes(&b, (double)s->median);
			draw_rgb(p, C_BLACK);
			draw_font(p, TEXT_PX, compared);
			draw_text(p, x1 + 8, base, DRAW_LEFT, mu->val_w - 8, buf_str(&b));
		}
	}
	if (rows.more) {
		for (i = 0; i < mu->ncand; i++)
			if (bsearch(&mu->cand[i], shown, (size_t)rows.shown, sizeof(int), cmp_int) == NULL)
				rest_pods += r->cohorts[mu->cand[i]].n;
		buf_reset(&b);
		buf_printf(&b, "+ %d more cohorts (%d pods)", mu->ncand - rows.shown, rest_pods);
		page_more_line(p, &rows, mu->box.x, mu->box.w, buf_str(&b));
	}
out:
	free(shown);
	buf_release(&b);
}

/*
 * Room for the cohort names of cand[0..n) left of a role panel's strips:
 * 78 px, widened up to max so that a name like "untouched" is not cut
 * (the name's own width and the swatch's 23 px, and 2 to spare).
 */
static double
role_label_w(struct page *p, const struct fleet_result *r, const int *cand, int n, double max)
{
	struct buf b = BUF_INIT;
	double w = 78;
	int i;

	draw_font(p, TEXT_PX, 1);
	for (i = 0; i < n; i++) {
		buf_reset(&b);
		escape_term(&b, r->cohorts[cand[i]].value, strlen(r->cohorts[cand[i]].value));
		w = fmax(w, draw_measure(p, buf_str(&b)) + 25);
	}
	buf_release(&b);
	return fmin(w, fmax(78, max));
}

/* Panel A: Rss and runtime-visible per pod by cohort, then the roles that moved most. */
static void
panel_fleet_dist(struct page *p, const struct scale_box *area, const struct fleet_view *v)
{
	const struct fleet_result *r = v->r;
	struct buf t1 = BUF_INIT, note = BUF_INIT;
	int *all = xcalloc((size_t)r->ncohorts + 1, sizeof(int));
	int pair[2] = { v->before, v->after }, i, cols = 3;
	double top = area->y + 46, avail = area->y + area->h - top, lo = 0, hi = 1;
	double gap = 24, tier1_h, mw, mh, role_w;
	struct multiple mu;
	int two;

	for (i = 0; i < r->ncohorts; i++)
		all[i] = i;
	page_panel_title(p, area->x, area->y + 16, area->w, "A \xc2\xb7 Per pod, by cohort",
			 "dot: one pod" DOT "band: p10 to p90" DOT "black tick: median (value on the right)");
	/* Rss and what Go sees share one axis: the gap is the distance between them */
	mu = (struct multiple){ .m = { M_RSS, 0 }, .title = "Rss", .title_colour = C_BLACK,
				.lab_w = 132, .val_w = 86, .cand = all, .ncand = r->ncohorts };
	page_fleet_metric_range(r, &mu.m, &lo, &hi);
	mu.m.kind = M_GO;
	page_fleet_metric_range(r, &mu.m, &lo, &hi);
	mu.lo = lo;
	mu.hi = hi;
	tier1_h = fmin(v->nrole > 0 ? avail * 0.5 : avail, 40 + 56.0 * r->ncohorts);
	/* the two plots equally wide, the cohort labels once on the left */
	mw = (area->w - mu.lab_w - 2 * mu.val_w - gap) / 2;
	mu.m.kind = M_RSS;
	mu.box = (struct scale_box){ area->x, top, mu.lab_w + mw + mu.val_w, tier1_h };
	multiple(p, v, &mu);
	mu.m.kind = M_GO;
	mu.title = "runtime-visible (Go)";
	mu.box = (struct scale_box){ area->x + mu.box.w + gap, top, mw + mu.val_w, tier1_h };
	mu.lab_w = 0;
	multiple(p, v, &mu);
	if (v->nrole == 0)
		goto out;
	/* the roles: before and after only when all cohorts would not be readable */
	top += tier1_h + 14;
	draw_line(p, area->x, top - 6, area->x + area->w, top - 6, C_GRID, 1);
	mh = (area->y + area->h - top - 22) / ((v->nrole + cols - 1) / cols);
	mh = fmin(mh, 48 + 56.0 * (r->ncohorts > 2 && (mh - 38) < 15.0 * r->ncohorts ? 2 : r->ncohorts));
	mw = (area->w - gap * (cols - 1)) / cols;
	buf_puts(&t1, "Rss by role, largest median change ");
	buf_puts(&t1, r->cohorts[v->before].value);
	buf_puts(&t1, ARROW);
	buf_puts(&t1, r->cohorts[v->after].value);
	if (r->ncohorts > 2 && (mh - 38) < 15.0 * r->ncohorts)
		buf_puts(&t1, " (those two cohorts only)");
	draw_rgb(p, C_BLACK);
	draw_font(p, 14, 1);
	draw_text_words(p, area->x, top + 12, DRAW_LEFT, area->w, buf_str(&t1));
	two = r->ncohorts > 2 && (mh - 38) < 15.0 * r->ncohorts;
	role_w = role_label_w(p, r, two ? pair : all, two ? 2 : r->ncohorts, mw * 0.45);
	for (i = 0; i < v->nrole; i++) {
		int k = v->role[i], hot = 0, j;

		for (j = 0; j < r->nfindings; j++)
			hot |= r->findings[j].role != NULL && strcmp(r->findings[j].role, r->roles[k]) == 0;
		buf_reset(&note);
		scale_bytes_delta(&note, v->role_change[i]);
		mu = (struct multiple){ .m = { M_ROLE, k }, .title = r->roles[k],
					.note = buf_str(&note),
					.title_colour = hot ? C_VERMILLION : C_BLACK,
					.lab_w = role_w, .val_w = 0 };
		mu.box = (struct scale_box){ area->x + (i % cols) * (mw + gap),
					     top + 24 + (i / cols) * mh, mw, mh - 10 };
		if (two) {
			mu.cand = pair;
			mu.ncand = 2;
		} else {
			mu.cand = all;
			mu.ncand = r->ncohorts;
		}
		lo = 0;
		hi = 1;
		page_fleet_metric_range(r, &mu.m, &lo, &hi);
		mu.lo = lo;
		mu.hi = hi;
		multiple(p, v, &mu);
	}
out:
	free(all);
	buf_release(&t1);
	buf_release(&note);
}

/* "name (n=N)" of cohort c. */
static void
cohort_words(struct buf *b, const struct fleet_result *r, int c)
{
	buf_puts(b, r->cohorts[c].value);
	buf_printf(b, " (n=%d)", r->cohorts[c].n);
}

void
page_fleet_draw(struct page *p, double w, double h, const struct fleet_result *r,
		const struct chart_opts *o)
{
	struct fleet_view v;
	struct buf line2 = BUF_INIT, line3 = BUF_INIT, foot = BUF_INIT, c = BUF_INIT;
	double aw = floor((w - 2 * MARGIN) * 0.575);
	struct scale_box a = { MARGIN, 128, aw, h - 128 - 42 };
	struct scale_box bb = { MARGIN + aw + 36, 128, w - 2 * MARGIN - aw - 36, h - 128 - 42 };
	enum verdict vd = r->verdict <= VERDICT_UNEXPLAINED ? r->verdict : VERDICT_UNEXPLAINED;
	const char *headline = r->headline != NULL ? r->headline : verdict_name(vd);

	fleet_view_init(&v, r);
	draw_paint(p, 0xFFFFFF);
	if (r->nfindings > 0 && r->findings[0].summary != NULL)
		buf_puts(&line2, r->findings[0].summary);
	else
		buf_printf(&line2, "no role's median unexplained growth passed %lld MiB and %.0f%% of "
			   "the before cohort's median Rss across its bootstrap band",
			   (long long)(r->opts.min_bytes >> 20), r->opts.min_percent);
	if (v.before >= 0 && v.after >= 0) {
		const struct fleet_cohort *cb = &r->cohorts[v.before], *ca = &r->cohorts[v.after];

		buf_puts(&line3, "median Rss ");
		buf_puts(&line3, page_from_to(&c, cb->rss.median, ca->rss.median));
		buf_puts(&line3, " (");
		scale_bytes_delta(&line3, page_delta(cb->rss.median, ca->rss.median));
		buf_puts(&line3, ", 90% band ");
		scale_bytes_delta(&line3, (double)r->band_low);
		buf_puts(&line3, " to ");
		scale_bytes_delta(&line3, (double)r->band_high);
		buf_puts(&line3, ")" DOT "runtime-visible ");
		if (cb->go_estimate.n > 0 && ca->go_estimate.n > 0)
			buf_puts(&line3, page_from_to(&c, cb->go_estimate.median, ca->go_estimate.median));
		else
			buf_puts(&line3, "n/a");
		if (r->paired > 0) {
			buf_printf(&line3, DOT "%d pods in both, median change ", r->paired);
			scale_bytes_delta(&line3, (double)r->paired_median_delta);
		}
	}
	page_header(p, page_verdict_pill(vd), page_verdict_colour(vd), headline, buf_str(&line2),
		    buf_str(&line3));
	panel_fleet_dist(p, &a, &v);
	draw_line(p, bb.x - 18, a.y + 4, bb.x - 18, a.y + a.h - 4, C_GRID, 1);
	page_fleet_scatter(p, &bb, &v);
	buf_puts(&foot, "by ");
	buf_puts(&foot, r->by != NULL ? r->by : "?");
	buf_printf(&foot, DOT "%d cohorts, %d pods", r->ncohorts, r->npoints);
	if (v.before >= 0 && v.after >= 0) {
		buf_puts(&foot, DOT "compared ");
		cohort_words(&foot, r, v.before);
		buf_puts(&foot, ARROW);
		cohort_words(&foot, r, v.after);
	}
	buf_printf(&foot, DOT "%d outlier%s" DOT "bootstrap %d resamples", r->noutliers,
		   r->noutliers == 1 ? "" : "s", r->opts.resamples);
	page_footer_line(p, buf_str(&foot), o->version);
	fleet_view_release(&v);
	buf_release(&line2);
	buf_release(&line3);
	buf_release(&foot);
	buf_release(&c);
}
