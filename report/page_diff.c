#include <math.h>
#include <string.h>

#include "analyze/sites.h"
#include "core/buf.h"
#include "report/cgroupout.h"
#include "report/chart.h"
#include "report/draw.h"
#include "report/page_common.h"
#include "report/page_diff.h"
#include "report/scale.h"
#include "report/sitesout.h"

/* 1 when credit (a role, or roles joined by '+') has a finding. */
static int
credit_has_finding(const struct diff_result *r, const char *credit)
{
	int i;

	for (i = 0; i < r->nfindings; i++) {
		const char *c = r->findings[i].credit != NULL ? r->findings[i].credit
							      : r->findings[i].role;

		if (c != NULL && credit != NULL && strcmp(c, credit) == 0)
			return 1;
	}
	return 0;
}

/* Panel B of the diff: each role's Rss change (explained, unexplained) and runtime change. */
static void
panel_roles_diff(struct page *p, const struct scale_box *area, const struct diff_result *r)
{
	double lab_w = 180, val_w = 200, bx0 = area->x + lab_w + 10;
	double bx1 = area->x + area->w - val_w - 14, rows_top = area->y + 76, lo = 0, hi = 0, x;
	struct scale_rows rows;
	struct scale_ticks t;
	struct buf b = BUF_INIT;
	const char *note = NULL;
	int i;

	page_panel_title(p, area->x, area->y + 16, area->w,
			 "B \xc2\xb7 Rss change by role vs what Go accounts for", NULL);
	x = area->x;
	x += page_swatch(p, x, area->y + 36, 0, C_ORANGE, "Rss change explained");
	x += page_swatch(p, x, area->y + 36, 1, C_VERMILLION, "unexplained");
	page_swatch(p, x, area->y + 36, 0, C_BLUE, "runtime-visible change");
	for (i = 0; i < r->ncredits && note == NULL; i++)
		if (r->credits[i].nmembers > 1)
			note = r->credits[i].role;
	if (scale_rows_fit(&rows, r->ncredits, rows_top,
			   area->y + area->h - rows_top - (note != NULL ? 22 : 0), 19, 30) != 0)
		goto out;
	for (i = 0; i < rows.shown; i++) {
		const struct role_delta *rd = &r->credits[i];

		lo = fmin(lo, (double)fmin(rd->rss_delta, rd->runtime_delta));
		hi = fmax(hi, (double)fmax(rd->rss_delta, rd->runtime_delta));
	}
	if (page_axis_ticks(p, lo, hi, bx0, bx1, &t) != 0)
		goto out;
	page_x_axis(p, &t, bx0, bx1, rows_top - 6, rows_top, rows_top + rows.row_h * rows.shown);
	for (i = 0; i < rows.shown; i++) {
		const struct role_delta *rd = &r->credits[i];
		struct scale_box box = scale_row_box(&rows, i, area->x, area->w);
		double h1 = fmin(12, box.h * 0.45), h2 = fmin(8, box.h * 0.3);
		double y1 = box.y + (box.h - h1 - h2 - 2) / 2, y2 = y1 + h1 + 2;
		double x0 = scale_map(&t, 0, bx0, bx1), xr = scale_map(&t, (double)rd->rss_delta, bx0, bx1);
		double xg = scale_map(&t, (double)rd->runtime_delta, bx0, bx1), xe;
		double base = box.y + box.h / 2 + 4.5;
		int hot = credit_has_finding(r, rd->role);

		if (i % 2 == 1)
			draw_fill_rect(p, area->x, box.y, area->w, box.h, 0xF8F8F8);
		/* explained: the part of the Rss change the runtime change covers */
		xe = xr;
		if (rd->rss_delta > 0 && rd->runtime_delta < rd->rss_delta)
			xe = fmax(x0, xg);
		else if (rd->rss_delta < 0 && rd->runtime_delta > rd->rss_delta)
			xe = fmin(x0, xg);
		draw_fill_rect(p, fmin(x0, xe), y1, fabs(xe - x0), h1, C_ORANGE);
		draw_hatch_rect(p, fmin(xe, xr), y1, fabs(xr - xe), h1, C_VERMILLION);
		draw_fill_rect(p, fmin(x0, xg), y2, fabs(xg - x0), h2, C_BLUE);
		draw_rgb(p, hot ? C_VERMILLION : C_BLACK);
		draw_font(p, TEXT_PX, hot);
		draw_text(p, area->x + 4, base, DRAW_LEFT, lab_w - 4, rd->role);
		buf_reset(&b);
		scale_bytes_delta(&b, rd->rss_delta);
		draw_rgb(p, C_BLACK);
		draw_font(p, TEXT_PX, hot);
		x = bx1 + 14 + draw_text(p, bx1 + 14, base, DRAW_LEFT, 110, buf_str(&b));
		buf_reset(&b);
		buf_puts(&b, "Go ");
		if (rd->runtime_known)
			scale_bytes_delta(&b, rd->runtime_delta);
		else
			buf_puts(&b, "n/a");
		draw_rgb(p, C_GREY);
		draw_font(p, TEXT_PX, 0);
		draw_text(p, x + 8, base, DRAW_LEFT, area->x + area->w - x - 8, buf_str(&b));
	}
	if (rows.more) {
		double rest = 0;

		for (i = rows.shown; i < r->ncredits; i++)
			rest += r->credits[i].rss_delta;
		buf_reset(&b);
		buf_printf(&b, "+ %d more, Rss ", r->ncredits - rows.shown);
		scale_bytes_delta(&b, rest);
		page_more_line(p, &rows, area->x, area->w, buf_str(&b));
	}
	if (note != NULL) {
		/* a credit of several roles: say why its runtime share is not split */
		struct scale_box last = scale_row_box(&rows, rows.shown + (rows.more ? 1 : 0), area->x,
						      area->w);

		buf_reset(&b);
		buf_printf(&b, "%s: one runtime share for these roles together (the split between "
			       "them cannot be known)", note);
		draw_rgb(p, C_GREY);
		draw_font(p, TEXT_PX, 0);
		draw_text_words(p, area->x + 4, last.y + 16, DRAW_LEFT, area->w, buf_str(&b));
	}
out:
	buf_release(&b);
}

/* Largest Size or Rss of the first n regions, Size left out when it would flatten Rss. */
static double
regions_axis_max(const struct region_delta *rg, int n, int *clip)
{
	double rmax = 1, smax = 0;
	int i;

	for (i = 0; i < n; i++) {
		rmax = fmax(rmax, (double)fmax(rg[i].rss_before, rg[i].rss_after));
		smax = fmax(smax, (double)fmax(rg[i].size_before, rg[i].size_after));
	}
	*clip = smax > 3 * rmax;
	return *clip ? rmax : fmax(rmax, smax);
}

/* Panel C of the diff: the top aligned regions, before above after. */
static void
panel_regions_diff(struct page *p, const struct scale_box *area, const struct diff_result *r)
{
	double lab_w = 500, val_w = 300, bx0 = area->x + lab_w + 16;
	double bx1 = area->x + area->w - val_w - 16, rows_top = area->y + 58;
	struct scale_rows rows;
	struct scale_ticks t;
	struct buf b = BUF_INIT, c = BUF_INIT;
	int i, clip;

	page_panel_title(p, area->x, area->y + 16, area->w,
			 "C \xc2\xb7 Top regions by Rss change: Size (outline) and Rss (fill), before above after",
			 NULL);
	if (scale_rows_fit(&rows, r->ntop, rows_top, area->y + area->h - rows_top, 36, 44) != 0)
		goto out;
	if (rows.shown + rows.more == 0) {
		draw_rgb(p, C_GREY);
		draw_font(p, TEXT_PX, 0);
		draw_text(p, area->x, rows_top + 16, DRAW_LEFT, area->w, "no aligned regions");
		goto out;
	}
	if (page_axis_ticks(p, 0, regions_axis_max(r->top_regions, rows.shown, &clip), bx0, bx1, &t) != 0)
		goto out;
	page_x_axis(p, &t, bx0, bx1, rows_top - 6, rows_top, rows_top + rows.row_h * rows.shown);
	for (i = 0; i < rows.shown; i++) {
		const struct region_delta *rg = &r->top_regions[i];
		struct scale_box box = scale_row_box(&rows, i, area->x, area->w);
		double bh = (box.h - 10) / 2;
		const char *range = rg->after[0] != '\0' ? rg->after : rg->before;
		double w;

		if (i % 2 == 1)
			draw_fill_rect(p, area->x, box.y, area->w, box.h, 0xF8F8F8);
		page_size_rss_bar(p, &t, bx0, bx1, box.y + 4, bh, rg->size_before, rg->rss_before,
				  C_RSS_BEFORE);
		page_size_rss_bar(p, &t, bx0, bx1, box.y + 6 + bh, bh, rg->size_after, rg->rss_after,
				  C_ORANGE);
		draw_rgb(p, C_BLACK);
		draw_font(p, TEXT_PX, 1);
		w = draw_text(p, area->x + 4, box.y + 15, DRAW_LEFT, 160, rg->role);
		draw_font(p, TEXT_PX, 0);
		w += 10 + draw_text(p, area->x + 14 + w, box.y + 15, DRAW_LEFT, lab_w - 24 - w, range);
		if (rg->how != NULL) {
			draw_rgb(p, C_GREY);
			buf_reset(&b);
			buf_printf(&b, "(%s)", rg->how);
			draw_text(p, area->x + 14 + w, box.y + 15, DRAW_LEFT, lab_w - 22 - w, buf_str(&b));
		}
		draw_rgb(p, C_GREY);
		draw_text(p, area->x + 4, box.y + 31, DRAW_LEFT, lab_w - 8,
			  rg->path != NULL && rg->path[0] != '\0' ? rg->path : "[anonymous]");
		buf_reset(&b);
		buf_printf(&b, "Rss %s (", page_from_to(&c, rg->rss_before, rg->rss_after));
		scale_bytes_delta(&b, page_delta(rg->rss_before, rg->rss_after));
		buf_putc(&b, ')');
		draw_rgb(p, C_BLACK);
		draw_text(p, bx1 + 14, box.y + 15, DRAW_LEFT, val_w, buf_str(&b));
		buf_reset(&b);
		buf_printf(&b, "Size %s", page_from_to(&c, rg->size_before, rg->size_after));
		draw_rgb(p, C_GREY);
		draw_text(p, bx1 + 14, box.y + 31, DRAW_LEFT, val_w, buf_str(&b));
	}
	if (rows.more) {
		struct scale_box box = scale_row_box(&rows, rows.shown, area->x, area->w);

		buf_reset(&b);
		buf_printf(&b, "+ %d more regions", r->ntop - rows.shown);
		draw_rgb(p, C_GREY);
		draw_text(p, area->x + 4, box.y + 20, DRAW_LEFT, area->w, buf_str(&b));
	}
out:
	buf_release(&b);
	buf_release(&c);
}

#define SITES_ROWS_MAX 5	/* sites the panel can show */

/* 1 when a row of the finding view has a second line: the site's large objects. */
static int
site_two_lines(const struct diff_result *r, const struct site_delta *v)
{
	return r->sites->view == SITES_FINDING &&
	       (v->large_space_before != 0 || v->large_space_after != 0);
}

/* Height of the allocation-site block under panel B: 0 when there is none. */
static double
sites_h(const struct diff_result *r, int *n, int *idx)
{
	int max = r->opts.max_sites < SITES_ROWS_MAX ? r->opts.max_sites : SITES_ROWS_MAX, i;
	double h = 64;

	*n = 0;
	if (sitesout_title(r) == NULL)
		return 0;
	*n = sitesout_pick(r, idx, max > 0 ? max : 1);
	for (i = 0; i < *n; i++)
		h += site_two_lines(r, &r->sites->sites[idx[i]]) ? 36 : 22;
	return h + (*n == 0 ? 22 : 0) + (r->sites->view == SITES_FINDING ? 22 : 0);
}

/* "2099 x 256 KiB", "no large objects". */
static void
large_words(struct buf *b, int64_t space, int64_t objects)
{
	if (space < 0 || objects < 0)
		buf_puts(b, "unknown");
	else if (space == 0 || objects == 0)
		buf_puts(b, "none");
	else {
		buf_printf(b, "%lld x ", (long long)objects);
		scale_bytes(b, (double)(space / objects));
	}
}

/*
 * The heap profile's allocation sites under panel B: for a go-heap finding
 * the sites that changed most, each with its large objects before and
 * after; for explained go-heap growth the sites that grew. Bars: inuse
 * before (light) above after.
 */
static void
panel_sites(struct page *p, const struct scale_box *area, const struct diff_result *r,
	    const int *idx, int n)
{
	const struct site_diff *s = r->sites;
	int finding = s->view == SITES_FINDING, i;
	double lab_w = 220, val_w = 240, bx0 = area->x + lab_w + 10;
	double bx1 = area->x + area->w - val_w - 14, y = area->y + 60, row_h;
	double hi = 1;
	struct buf b = BUF_INIT, c = BUF_INIT;

	page_panel_title(p, area->x, area->y + 16, area->w,
			 finding ? "D \xc2\xb7 Allocation sites of the go-heap finding, changed most"
				 : "D \xc2\xb7 Allocation sites that grew (go-heap, explained)",
			 "heap profile inuse_space before (light) and after; each profile as of its "
			 "last completed GC, Rss as of the capture");
	draw_font(p, TEXT_PX, 0);
	if (n == 0) {
		draw_rgb(p, C_GREY);
		draw_text(p, area->x + 4, y + 10, DRAW_LEFT, area->w,
			  finding ? "no stored site changed" : "no stored site grew");
		goto large;
	}
	for (i = 0; i < n; i++) {
		const struct site_delta *v = &s->sites[idx[i]];

		hi = fmax(hi, (double)fmax(v->inuse_before, v->inuse_after));
	}
	for (i = 0; i < n; i++) {
		const struct site_delta *v = &s->sites[idx[i]];
		double base = y + 13;

		row_h = site_two_lines(r, v) ? 36 : 22;
		if (i % 2 == 1)
			draw_fill_rect(p, area->x, y, area->w, row_h, 0xF8F8F8);
		draw_fill_rect(p, bx0, y + 4, (bx1 - bx0) * (double)v->inuse_before / hi, 6,
			       C_RSS_BEFORE);
		draw_fill_rect(p, bx0, y + 11, (bx1 - bx0) * (double)v->inuse_after / hi, 7, C_ORANGE);
		draw_rgb(p, C_BLACK);
		draw_font(p, TEXT_PX, 0);
		draw_text(p, area->x + 4, base, DRAW_LEFT, lab_w - 4, v->leaf);
		buf_reset(&b);
		buf_printf(&b, "%s (", page_from_to(&c, v->inuse_before, v->inuse_after));
		scale_bytes_delta(&b, (double)site_delta_change(v));
		buf_putc(&b, ')');
		draw_text(p, bx1 + 14, base, DRAW_LEFT, val_w, buf_str(&b));
		if (site_two_lines(r, v)) {
			buf_reset(&b);
			buf_puts(&b, "large objects (> 32 KiB): ");
			large_words(&b, v->large_space_before, v->large_objects_before);
			buf_puts(&b, ARROW);
			large_words(&b, v->large_space_after, v->large_objects_after);
			draw_rgb(p, C_GREY);
			draw_text(p, area->x + 14, base + 16, DRAW_LEFT, area->w - 18, buf_str(&b));
		}
		y += row_h;
	}
large:
	if (finding && s->before.large_known && s->after.large_known) {
		buf_reset(&b);
		buf_printf(&b, "large objects in all %s (",
			   page_from_to(&c, s->before.large_space, s->after.large_space));
		scale_bytes_delta(&b, (double)(s->after.large_space - s->before.large_space));
		buf_puts(&b, ")" DOT "go-heap Rss ");
		scale_bytes_delta(&b, (double)sitesout_go_heap_delta(r));
		draw_rgb(p, C_BLACK);
		draw_font(p, TEXT_PX, 1);
		draw_text_words(p, area->x + 4, y + 18, DRAW_LEFT, area->w - 8, buf_str(&b));
	}
	buf_release(&b);
	buf_release(&c);
}

#define CGROUP_H 110	/* the cgroup block under panel B */

/* Worth a block of the diff page: a limit, or the OOM killer acted. */
static int
cgroup_in_play(const struct snapshot_info *s)
{
	return s->cgroup_usage.known &&
	       (s->cgroup_limit.known || (s->cgroup_oom_kill.known && s->cgroup_oom_kill.v > 0));
}

/* usage / limit as a fraction of w, at most w */
static double
cgroup_w(const struct opt_i64 *usage, int64_t limit, double w)
{
	if (!usage->known || limit <= 0)
		return 0;
	return usage->v >= limit ? w : w * (double)usage->v / (double)limit;
}

/*
 * The memory cgroup under panel B: usage before (light) and after against
 * the limit (the bar's full width), then cgroup_diff_words a clause a line.
 */
static void
panel_cgroup(struct page *p, const struct scale_box *area, const struct diff_result *r)
{
	const struct snapshot_info *a = r->after;
	struct buf words = BUF_INIT, one = BUF_INIT;
	const char *s, *semi;
	double y = area->y + 68;
	int64_t limit = a->cgroup_limit.known ? a->cgroup_limit.v : 0;

	page_panel_title(p, area->x, area->y + 16, area->w, "Memory cgroup",
			 limit > 0 ? "usage before (light) and after, against the limit (the red edge)" : NULL);
	if (limit > 0) {
		draw_fill_rect(p, area->x, area->y + 42, area->w, 14, C_SIZE_FILL);
		draw_fill_rect(p, area->x, area->y + 42, cgroup_w(&r->before->cgroup_usage, limit, area->w),
			       6, C_RSS_BEFORE);
		draw_fill_rect(p, area->x, area->y + 49, cgroup_w(&a->cgroup_usage, limit, area->w), 7,
			       C_ORANGE);
		draw_line(p, area->x + area->w, area->y + 38, area->x + area->w, area->y + 60,
			  C_VERMILLION, 2);
	}
	cgroup_diff_words(&words, r->before, a, 0);
	draw_font(p, TEXT_PX, 0);
	for (s = buf_str(&words); *s != '\0'; s = semi != NULL ? semi + 2 : s + strlen(s)) {
		semi = strstr(s, "; ");
		buf_reset(&one);
		buf_add(&one, s, semi != NULL ? (size_t)(semi - s) : strlen(s));
		draw_rgb(p, strstr(buf_str(&one), "OOM kill") != NULL && a->cgroup_oom_kill.v > 0 ?
			 C_VERMILLION : C_BLACK);
		draw_text_words(p, area->x, y, DRAW_LEFT, area->w, buf_str(&one));
		y += 18;
	}
	buf_release(&words);
	buf_release(&one);
}

void
page_diff_draw(struct page *p, double w, double h, const struct diff_result *r,
	       const struct chart_opts *o)
{
	struct layer_group g[2];
	struct buf line2 = BUF_INIT, line3 = BUF_INIT, c = BUF_INIT;
	struct scale_box a = { MARGIN, 128, 600, 494 };
	struct scale_box bb = { MARGIN + 640, 128, w - 2 * MARGIN - 640, 494 };
	struct scale_box cc = { MARGIN, 632, w - 2 * MARGIN, h - 632 - 42 };
	enum verdict v = r->verdict <= VERDICT_UNEXPLAINED ? r->verdict : VERDICT_UNEXPLAINED;
	const char *headline = r->headline != NULL ? r->headline : verdict_name(v);
	int sites[SITES_ROWS_MAX], nsites;
	double sh;

	draw_paint(p, 0xFFFFFF);
	if (r->nfindings > 0 && r->findings[0].summary != NULL)
		buf_puts(&line2, r->findings[0].summary);
	else
		buf_printf(&line2, "no role's unexplained growth passed %lld MiB and %.0f%% of the before Rss",
			   (long long)(r->opts.min_bytes >> 20), r->opts.min_percent);
	buf_printf(&line3, "Rss %s (", page_from_to(&c, r->before->rss, r->after->rss));
	scale_bytes_delta(&line3, page_delta(r->before->rss, r->after->rss));
	buf_puts(&line3, ")" DOT "runtime-visible ");
	if (r->before->go_estimate.known && r->after->go_estimate.known) {
		buf_puts(&line3, page_from_to(&c, r->before->go_estimate.v, r->after->go_estimate.v));
		buf_puts(&line3, " (");
		scale_bytes_delta(&line3, page_delta(r->before->go_estimate.v, r->after->go_estimate.v));
		buf_puts(&line3, ")");
	} else
		buf_puts(&line3, "n/a");
	buf_puts(&line3, DOT "unexplained ");
	scale_bytes_delta(&line3, r->unexplained);
	page_header(p, page_verdict_pill(v), page_verdict_colour(v), headline, buf_str(&line2),
		    buf_str(&line3));
	page_group_from(&g[0], "before", r->before, r->classes.known ? r->classes.before : NULL);
	page_group_from(&g[1], "after", r->after, r->classes.known ? r->classes.after : NULL);
	page_panel_layers(p, &a, g, 2);
	if (cgroup_in_play(r->after)) {
		struct scale_box cg = { bb.x, bb.y + bb.h - CGROUP_H, bb.w, CGROUP_H };

		bb.h -= CGROUP_H + 10;
		panel_cgroup(p, &cg, r);
	}
	if ((sh = sites_h(r, &nsites, sites)) > 0) {
		struct scale_box sb = { bb.x, bb.y + bb.h - sh, bb.w, sh };

		bb.h -= sh + 10;
		panel_sites(p, &sb, r, sites, nsites);
	}
	panel_roles_diff(p, &bb, r);
	panel_regions_diff(p, &cc, r);
	page_footer(p, r->before, r->after, o->version);
	buf_release(&line2);
	buf_release(&line3);
	buf_release(&c);
}
