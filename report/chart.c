#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/escape.h"
#include "core/limits.h"
#include "core/num.h"
#include "core/xalloc.h"
#include "report/cgroupout.h"
#include "report/chart.h"
#include "report/draw.h"
#include "report/page_common.h"
#include "report/page_diff.h"
#include "report/page_single.h"
#include "report/scale.h"

/* ------------------------------------------------------------------ */
/* The fleet page */

#define FLEET_COLOURED 6	/* up to this many cohorts get a colour each, else only the two compared */
#define FLEET_ROLES 6		/* role small multiples at most */
#define FLEET_LABELS 8		/* outliers labelled with their id on the scatter at most */
#define C_GAP_TINT 0xFBEAE0	/* vermillion, pale: Rss above what Go sees */

static const unsigned cohort_palette[FLEET_COLOURED] = {
	C_BLUE, C_ORANGE, C_GREEN, C_PURPLE, C_SKY, C_BLACK,
};

/* What the fleet page draws, worked out once from the result. */
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

static int
cohort_ok(const struct fleet_result *r, int c)
{
	return c >= 0 && c < r->ncohorts;
}

/* v = the metric of pod pt; 0 when it has none (no runtime numbers). */
static int
point_value(const struct fleet_result *r, const struct fleet_point *pt, const struct metric *m,
	    double *v)
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
static void
metric_range(const struct fleet_result *r, const struct metric *m, double *lo, double *hi)
{
	double v;
	int i;

	for (i = 0; i < r->npoints; i++)
		if (point_value(r, &r->points[i], m, &v)) {
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

		if (pt->cohort != c || !point_value(r, pt, m, &val))
			continue;
		draw_disc(p, scale_map(t, val, x0, x1), cy + spread(k++) * jit, rad, col, 0.6, 0);
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
			/* the cohort's name, then its n when there is room for both */
			double n_w = 0;

			buf_reset(&b);
			if (mu->lab_w > 100) {
				buf_printf(&b, "n=%d", r->cohorts[shown[i]].n);
				draw_font(p, TEXT_PX, 0);
				n_w = draw_measure(p, buf_str(&b)) + 6;
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
			num_human(&b, (double)s->median);
			draw_rgb(p, C_BLACK);
			draw_font(p, TEXT_PX, compared);
			draw_text(p, x1 + 8, base, DRAW_LEFT, mu->val_w - 8, buf_str(&b));
		}
	}
	if (rows.more) {
		struct scale_box row = scale_row_box(&rows, rows.shown, mu->box.x, mu->box.w);

		for (i = 0; i < mu->ncand; i++)
			if (bsearch(&mu->cand[i], shown, (size_t)rows.shown, sizeof(int), cmp_int) == NULL)
				rest_pods += r->cohorts[mu->cand[i]].n;
		buf_reset(&b);
		buf_printf(&b, "+ %d more cohorts (%d pods)", mu->ncand - rows.shown, rest_pods);
		draw_rgb(p, C_GREY);
		draw_font(p, TEXT_PX, 0);
		draw_text(p, row.x + 4, row.y + row.h / 2 + 4.5, DRAW_LEFT, row.w, buf_str(&b));
	}
out:
	free(shown);
	buf_release(&b);
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
	double gap = 24, tier1_h, mw, mh;
	struct multiple mu;

	for (i = 0; i < r->ncohorts; i++)
		all[i] = i;
	page_panel_title(p, area->x, area->y + 16, area->w, "A \xc2\xb7 Per pod, by cohort",
			 "dot: one pod" DOT "band: p10 to p90" DOT "black tick: median (value on the right)");
	/* Rss and what Go sees share one axis: the gap is the distance between them */
	mu = (struct multiple){ .m = { M_RSS, 0 }, .title = "Rss", .title_colour = C_BLACK,
				.lab_w = 132, .val_w = 86, .cand = all, .ncand = r->ncohorts };
	metric_range(r, &mu.m, &lo, &hi);
	mu.m.kind = M_GO;
	metric_range(r, &mu.m, &lo, &hi);
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
	draw_text(p, area->x, top + 12, DRAW_LEFT, area->w, buf_str(&t1));
	for (i = 0; i < v->nrole; i++) {
		int k = v->role[i], hot = 0, j;

		for (j = 0; j < r->nfindings; j++)
			hot |= r->findings[j].role != NULL && strcmp(r->findings[j].role, r->roles[k]) == 0;
		buf_reset(&note);
		num_human_delta(&note, v->role_change[i]);
		mu = (struct multiple){ .m = { M_ROLE, k }, .title = r->roles[k],
					.note = buf_str(&note),
					.title_colour = hot ? C_VERMILLION : C_BLACK,
					.lab_w = 78, .val_w = 0 };
		mu.box = (struct scale_box){ area->x + (i % cols) * (mw + gap),
					     top + 24 + (i / cols) * mh, mw, mh - 10 };
		if (r->ncohorts > 2 && (mh - 38) < 15.0 * r->ncohorts) {
			mu.cand = pair;
			mu.ncand = 2;
		} else {
			mu.cand = all;
			mu.ncand = r->ncohorts;
		}
		lo = 0;
		hi = 1;
		metric_range(r, &mu.m, &lo, &hi);
		mu.lo = lo;
		mu.hi = hi;
		multiple(p, v, &mu);
	}
out:
	free(all);
	buf_release(&t1);
	buf_release(&note);
}

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
	draw_text(p, b.x + 2, b.y + b.h - 4, DRAW_LEFT, b.w, s);
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
		mx[k] = scale_map(t, (double)co->go_estimate.median, x0, x1);
		my[k] = scale_map(t, (double)co->rss.median, y0, y1);
		have |= 1 << k;
	}
	if (have == 3 && hypot(mx[1] - mx[0], my[1] - my[0]) > 30) {
		double len = hypot(mx[1] - mx[0], my[1] - my[0]), ux = (mx[1] - mx[0]) / len;
		double uy = (my[1] - my[0]) / len;

		draw_arrow(p, mx[0] + ux * 9, my[0] + uy * 9, mx[1] - ux * 9, my[1] - uy * 9, C_BLACK);
		buf_puts(&b, "median Rss ");
		num_human_delta(&b, page_delta(r->cohorts[v->before].rss.median, r->cohorts[v->after].rss.median));
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
		x = scale_map(t, (double)co->go_estimate.median, x0, x1);
		y = scale_map(t, (double)co->rss.median, y0, y1);
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

/* Move a label right until no ring (radius 8, 2 px line) is under it. */
static void
clear_of_rings(struct scale_box *lb, const struct dot *d, const int *ring, int n)
{
	int i, moved, passes = 0;

	do {	/* x only grows, so a ring moves the label once; bounded anyway */
		moved = 0;
		for (i = 0; i < n; i++) {
			const struct dot *o = ring[i] >= 0 ? &d[ring[i]] : NULL;

			if (o != NULL && o->x + 10 > lb->x && o->x - 10 < lb->x + lb->w &&
			    o->y + 10 > lb->y && o->y - 10 < lb->y + lb->h) {
				lb->x = o->x + 11;
				moved = 1;
			}
		}
	} while (moved && ++passes < 32);
}

/*
 * Outliers on the scatter: every one ringed, the first FLEET_LABELS labelled
 * with their snapshot id right of the rings at their height (rings stack
 * when outliers share a value), clear of the labels already placed.
 */
static void
outlier_rings(struct page *p, const struct fleet_view *v, const struct dot *d, int nd, double x1,
	      struct placed *pl)
{
	const struct fleet_result *r = v->r;
	int64_t (*by_id)[2] = xcalloc((size_t)nd + 1, sizeof(*by_id));
	int *ring = xcalloc((size_t)r->noutliers + 1, sizeof(int));
	struct buf b = BUF_INIT;
	int i, k, labelled = 0;

	for (i = 0; i < nd; i++) {
		by_id[i][0] = r->points[d[i].point].id;
		by_id[i][1] = i;
	}
	qsort(by_id, (size_t)nd, sizeof(*by_id), cmp_dot_id);
	for (k = 0; k < r->noutliers; k++) {
		int64_t key[2] = { r->outliers[k].id, 0 };
		const int64_t *hit = bsearch(key, by_id, (size_t)nd, sizeof(*by_id), cmp_dot_id);

		ring[k] = hit != NULL ? (int)hit[1] : -1;
		if (hit != NULL)
			draw_disc(p, d[ring[k]].x, d[ring[k]].y, 8, C_VERMILLION, 0, 2);
	}
	draw_font(p, TEXT_PX, 1);
	for (k = 0; k < r->noutliers && labelled < FLEET_LABELS; k++) {
		struct scale_box lb;

		if (ring[k] < 0)
			continue;
		buf_reset(&b);
		buf_printf(&b, "#%lld", (long long)r->outliers[k].id);
		lb.w = draw_measure(p, buf_str(&b)) + 4;
		lb.h = 15;
		lb.x = d[ring[k]].x + 10;
		lb.y = d[ring[k]].y - lb.h / 2;
		clear_of_rings(&lb, d, ring, r->noutliers);
		scale_nudge_up(&lb, pl->box, pl->n, 4, pl->min_y);
		clear_of_rings(&lb, d, ring, r->noutliers);
		lb.x = fmin(lb.x, x1 - lb.w);
		page_place(pl, &lb);
		draw_rgb(p, C_VERMILLION);
		draw_text(p, lb.x + 2, lb.y + 11.5, DRAW_LEFT, lb.w, buf_str(&b));
		labelled++;
	}
	free(by_id);
	free(ring);
	buf_release(&b);
}

/* Panel B: Rss against runtime-visible per pod, the diagonal y = x, outliers ringed. */
static void
panel_fleet_scatter(struct page *p, const struct scale_box *area, const struct fleet_view *v)
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
	draw_text(p, area->x + 20, y, DRAW_LEFT, area->w - 20, above);
	y1 = y + 22;
	/* a square plot: y = x at 45 degrees */
	side = fmax(120, fmin(area->x + area->w - 10 - x0, area->y + area->h - 200 - y1));
	x1 = x0 + side;
	y0 = y1 + side;
	metric_range(r, &mr, &lo, &hi);
	metric_range(r, &mg, &lo, &hi);
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
	draw_text(p, (x0 + x1) / 2, y0 + 38, DRAW_CENTER, side,
		  "runtime-visible per pod (Sys \xe2\x88\x92 HeapReleased) \xe2\x86\x92");
	draw_text_turned(p, area->x + 12, (y0 + y1) / 2, -M_PI / 2, DRAW_CENTER, side,
			 "Rss per pod \xe2\x86\x92");
	for (i = 0; i < r->npoints; i++) {
		if (!point_value(r, &r->points[i], &mg, &xv) || !point_value(r, &r->points[i], &mr, &yv)) {
			unknown++;
			continue;
		}
		d[nd].x = scale_map(&t, xv, x0, x1);
		d[nd].y = scale_map(&t, yv, y0, y1);
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
	outlier_rings(p, v, d, nd, x1, &pl);
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
		draw_text(p, area->x, y, DRAW_LEFT, area->w,
			  "no outliers (no pod 3 MADs from its cohort's median Rss)");
		goto out;
	}
	draw_disc(p, area->x + 6, y - 4, 6, C_VERMILLION, 0, 2);
	draw_font(p, TEXT_PX, 1);
	buf_reset(&b);
	buf_printf(&b, "%d outlier%s, 3 MADs or more from the cohort median", r->noutliers,
		   r->noutliers == 1 ? "" : "s");
	draw_text(p, area->x + 18, y, DRAW_LEFT, area->w - 18, buf_str(&b));
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
			draw_text(p, area->x + 18, row.y + 13, DRAW_LEFT, area->w - 18, buf_str(&b));
		}
		if (rows.more) {
			struct scale_box row = scale_row_box(&rows, rows.shown, area->x, area->w);

			buf_reset(&b);
			buf_printf(&b, "+ %d more outliers", r->noutliers - rows.shown);
			draw_rgb(p, C_GREY);
			draw_text(p, area->x + 18, row.y + 13, DRAW_LEFT, area->w - 18, buf_str(&b));
		}
	}
out:
	free(d);
	buf_release(&b);
}

/* "name (n=N)" of cohort c. */
static void
cohort_words(struct buf *b, const struct fleet_result *r, int c)
{
	buf_puts(b, r->cohorts[c].value);
	buf_printf(b, " (n=%d)", r->cohorts[c].n);
}

static void
draw_fleet(struct page *p, double w, double h, const struct fleet_result *r,
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
		num_human_delta(&line3, page_delta(cb->rss.median, ca->rss.median));
		buf_puts(&line3, ", 90% band ");
		num_human_delta(&line3, (double)r->band_low);
		buf_puts(&line3, " to ");
		num_human_delta(&line3, (double)r->band_high);
		buf_puts(&line3, ")" DOT "runtime-visible ");
		if (cb->go_estimate.n > 0 && ca->go_estimate.n > 0)
			buf_puts(&line3, page_from_to(&c, cb->go_estimate.median, ca->go_estimate.median));
		else
			buf_puts(&line3, "n/a");
		if (r->paired > 0) {
			buf_printf(&line3, DOT "%d pods in both, median change ", r->paired);
			num_human_delta(&line3, (double)r->paired_median_delta);
		}
	}
	page_header(p, page_verdict_pill(vd), page_verdict_colour(vd), headline, buf_str(&line2),
		    buf_str(&line3));
	panel_fleet_dist(p, &a, &v);
	draw_line(p, bb.x - 18, a.y + 4, bb.x - 18, a.y + a.h - 4, C_GRID, 1);
	panel_fleet_scatter(p, &bb, &v);
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

/* ------------------------------------------------------------------ */
/* Surfaces */

struct job {
	const struct diff_result *diff;
	const struct page_single_input *single;
	const struct fleet_result *fleet;
	const struct chart_opts *o;
};

/* The page of the job arg (a struct job) on any surface. */
static void
draw(struct page *p, double w, double h, const void *arg)
{
	const struct job *j = arg;

	if (j->diff != NULL)
		page_diff_draw(p, w, h, j->diff, j->o);
	else if (j->fleet != NULL)
		draw_fleet(p, w, h, j->fleet, j->o);
	else
		page_single_draw(p, w, h, j->single, j->o);
}

static int
check_opts(const struct chart_opts *o, uint64_t points, struct diag *d)
{
	if (o->width < 1000 || o->width > 4000 || o->height < 700 || o->height > 4000)
		return diag_fail(d, DIAG_USAGE, 0, "bad chart size \"%dx%d\" (expected 1000..4000 x 700..4000)",
				 o->width, o->height);
	if (points > o->max_points)
		return diag_fail(d, DIAG_LIMIT, 0,
				 "too many points for one chart: %llu (chart_points is %llu)",
				 (unsigned long long)points, (unsigned long long)o->max_points);
	return 0;
}

static int
render(const struct job *j, const char *png_path, const char *svg_path, struct diag *d)
{
	if (png_path != NULL && draw_png(j->o->width, j->o->height, draw, j, png_path, d) != 0)
		return -1;
	if (svg_path != NULL && draw_svg(j->o->width, j->o->height, draw, j, svg_path, d) != 0)
		return -1;
	return 0;
}

/* Largest Rss first, then by range: the same order whatever the order given. */
static int
cmp_vma_rss(const void *pa, const void *pb)
{
	const struct chart_vma *a = *(const struct chart_vma *const *)pa;
	const struct chart_vma *b = *(const struct chart_vma *const *)pb;
	int c;

	if (a->rss != b->rss)
		return a->rss > b->rss ? -1 : 1;
	c = strncmp(a->range, b->range, sizeof(a->range));
	if (c != 0)
		return c;
	return a < b ? -1 : a > b;
}

void
chart_opts_default(struct chart_opts *o)
{
	struct limits l;

	limits_default(&l);
	memset(o, 0, sizeof(*o));
	o->width = CHART_WIDTH;
	o->height = CHART_HEIGHT;
	o->max_points = l.chart_points;
}

int
chart_write_diff(const struct diff_result *r, const struct chart_opts *o, const char *png_path,
		 const char *svg_path, struct diag *d)
{
	struct job j = { r, NULL, NULL, o };
	uint64_t points = 0;
	int i;

	if (r->before == NULL || r->after == NULL)
		return diag_fail(d, DIAG_USAGE, 0, "diff has no before or after snapshot");
	points = (uint64_t)(r->nroles > 0 ? r->nroles : 0) + (uint64_t)(r->ntop > 0 ? r->ntop : 0);
	for (i = 0; i < r->nfindings; i++)
		points += (uint64_t)(r->findings[i].nregions > 0 ? r->findings[i].nregions : 0);
	if (check_opts(o, points, d) != 0)
		return -1;
	return render(&j, png_path, svg_path, d);
}

int
chart_write_single(const struct snapshot_info *s, const struct chart_vma *vmas, size_t nvmas,
		   const struct chart_opts *o, const char *png_path, const char *svg_path,
		   struct diag *d)
{
	const struct chart_vma **sorted;
	struct page_single_input in;
	struct job j = { NULL, &in, NULL, o };
	size_t i;
	int rc;

	if (check_opts(o, (uint64_t)nvmas + (uint64_t)(s->nroles > 0 ? s->nroles : 0), d) != 0)
		return -1;
	sorted = xcalloc(nvmas + 1, sizeof(*sorted));
	for (i = 0; i < nvmas; i++)
		sorted[i] = &vmas[i];
	qsort(sorted, nvmas, sizeof(*sorted), cmp_vma_rss);
	in.s = s;
	in.vmas = sorted;
	in.nvmas = nvmas;
	rc = render(&j, png_path, svg_path, d);
	free(sorted);
	return rc;
}

int
chart_write_fleet(const struct fleet_result *r, const struct chart_opts *o, const char *png_path,
		  const char *svg_path, struct diag *d)
{
	struct job j = { NULL, NULL, r, o };
	uint64_t points;
	int i;

	if (r->ncohorts <= 0 || r->cohorts == NULL)
		return diag_fail(d, DIAG_USAGE, 0, "fleet has no cohorts to draw");
	points = (uint64_t)(r->npoints > 0 ? r->npoints : 0) +
		 (uint64_t)r->ncohorts * (uint64_t)(2 + (r->nroles > 0 ? r->nroles : 0)) +
		 (uint64_t)(r->noutliers > 0 ? r->noutliers : 0);
	if (check_opts(o, points, d) != 0)
		return -1;
	for (i = 0; i < r->npoints; i++)
		if (r->points[i].cohort < 0 || r->points[i].cohort >= r->ncohorts)
			return diag_fail(d, DIAG_USAGE, 0, "fleet point #%lld has no cohort (index %d of %d)",
					 (long long)r->points[i].id, r->points[i].cohort, r->ncohorts);
	return render(&j, png_path, svg_path, d);
}

int
chart_write_fleet_files(const struct fleet_result *r, const char *dir, struct diag *d)
{
	struct chart_opts o;
	struct buf png = BUF_INIT, svg = BUF_INIT;
	int rc;

	chart_opts_default(&o);
	buf_printf(&png, "%s/fleet.png", dir);
	buf_printf(&svg, "%s/fleet.svg", dir);
	rc = chart_write_fleet(r, &o, buf_str(&png), buf_str(&svg), d);
	buf_release(&png);
	buf_release(&svg);
	return rc;
}

const char *
chart_font_family(void)
{
	return draw_font_family();
}
