#include <math.h>
#include <stddef.h>
#include <string.h>

#include "core/buf.h"
#include "report/cgroupout.h"
#include "report/chart.h"
#include "report/draw.h"
#include "report/page_common.h"
#include "report/page_single.h"
#include "report/scale.h"

/* Panel B alone: each role's Rss (fill) inside its Size (outline). */
static void
panel_roles_single(struct page *p, const struct scale_box *area, const struct snapshot_info *s)
{
	double lab_w = 180, val_w = 200, bx0 = area->x + lab_w + 10;
	double bx1 = area->x + area->w - val_w - 14, rows_top = area->y + 76, rmax = 1, smax = 0, x;
	struct scale_rows rows;
	struct scale_ticks t;
	struct buf b = BUF_INIT;
	int i;

	page_panel_title(p, area->x, area->y + 16, area->w, "B \xc2\xb7 Roles by Rss", NULL);
	x = area->x;
	x += page_swatch(p, x, area->y + 36, 0, C_ORANGE, "Rss");
	page_swatch(p, x, area->y + 36, 2, C_SIZE_LINE, "Size (mapped)");
	if (scale_rows_fit(&rows, s->nroles, rows_top, area->y + area->h - rows_top, 19, 30) != 0)
		goto out;
	for (i = 0; i < rows.shown; i++) {
		rmax = fmax(rmax, (double)s->roles[i].rss);
		smax = fmax(smax, (double)s->roles[i].size);
	}
	if (page_axis_ticks(p, 0, smax > 3 * rmax ? rmax : fmax(rmax, smax), bx0, bx1, &t) != 0)
		goto out;
	page_x_axis(p, &t, bx0, bx1, rows_top - 6, rows_top, rows_top + rows.row_h * rows.shown);
	for (i = 0; i < rows.shown; i++) {
		const struct role_info *ri = &s->roles[i];
		struct scale_box box = scale_row_box(&rows, i, area->x, area->w);
		double bh = fmin(14, box.h * 0.6), base = box.y + box.h / 2 + 4.5;

		if (i % 2 == 1)
			draw_fill_rect(p, area->x, box.y, area->w, box.h, 0xF8F8F8);
		page_size_rss_bar(p, &t, bx0, bx1, box.y + (box.h - bh) / 2, bh, ri->size, ri->rss, C_ORANGE);
		draw_rgb(p, C_BLACK);
		draw_font(p, TEXT_PX, 0);
		draw_text(p, area->x + 4, base, DRAW_LEFT, lab_w - 4, ri->role);
		buf_reset(&b);
		scale_bytes(&b, ri->rss);
		x = bx1 + 14 + draw_text(p, bx1 + 14, base, DRAW_LEFT, 100, buf_str(&b));
		buf_reset(&b);
		buf_puts(&b, "of ");
		scale_bytes(&b, ri->size);
		draw_rgb(p, C_GREY);
		draw_text(p, x + 8, base, DRAW_LEFT, area->x + area->w - x - 8, buf_str(&b));
	}
	if (rows.more) {
		double rest = 0;

		for (i = rows.shown; i < s->nroles; i++)
			rest += s->roles[i].rss;
		buf_reset(&b);
		buf_printf(&b, "+ %d more roles, Rss ", s->nroles - rows.shown);
		scale_bytes(&b, rest);
		page_more_line(p, &rows, area->x, area->w, buf_str(&b));
	}
out:
	buf_release(&b);
}

/* Panel C alone: the VMAs with the most Rss. */
static void
panel_vmas(struct page *p, const struct scale_box *area, const struct chart_vma *const *v, size_t n)
{
	double lab_w = 560, val_w = 230, bx0 = area->x + lab_w + 16;
	double bx1 = area->x + area->w - val_w - 16, rows_top = area->y + 58, rmax = 1, smax = 0;
	struct scale_rows rows;
	struct scale_ticks t;
	struct buf b = BUF_INIT;
	int i, nrows = n > 1000000 ? 1000000 : (int)n;

	page_panel_title(p, area->x, area->y + 16, area->w,
			 "C \xc2\xb7 Top VMAs by Rss: Size (outline) and Rss (fill)", NULL);
	if (scale_rows_fit(&rows, nrows, rows_top, area->y + area->h - rows_top, 22, 28) != 0)
		goto out;
	if (rows.shown + rows.more == 0) {
		draw_rgb(p, C_GREY);
		draw_font(p, TEXT_PX, 0);
		draw_text(p, area->x, rows_top + 16, DRAW_LEFT, area->w, "no VMAs given");
		goto out;
	}
	for (i = 0; i < rows.shown; i++) {
		rmax = fmax(rmax, (double)v[i]->rss);
		smax = fmax(smax, (double)v[i]->size);
	}
	if (page_axis_ticks(p, 0, smax > 3 * rmax ? rmax : fmax(rmax, smax), bx0, bx1, &t) != 0)
		goto out;
	page_x_axis(p, &t, bx0, bx1, rows_top - 6, rows_top, rows_top + rows.row_h * rows.shown);
	for (i = 0; i < rows.shown; i++) {
		struct scale_box box = scale_row_box(&rows, i, area->x, area->w);
		double bh = fmin(14, box.h * 0.6), base = box.y + box.h / 2 + 4.5, w;

		if (i % 2 == 1)
			draw_fill_rect(p, area->x, box.y, area->w, box.h, 0xF8F8F8);
		page_size_rss_bar(p, &t, bx0, bx1, box.y + (box.h - bh) / 2, bh, v[i]->size, v[i]->rss,
				  C_ORANGE);
		draw_rgb(p, C_BLACK);
		draw_font(p, TEXT_PX, 1);
		w = draw_text(p, area->x + 4, base, DRAW_LEFT, 120, v[i]->role != NULL ? v[i]->role : "?");
		draw_font(p, TEXT_PX, 0);
		buf_reset(&b);
		buf_add(&b, v[i]->range, strnlen(v[i]->range, sizeof(v[i]->range)));
		w += 10 + draw_text(p, area->x + 14 + w, base, DRAW_LEFT, 200, buf_str(&b));
		draw_rgb(p, C_GREY);
		draw_text(p, area->x + 16 + w, base, DRAW_LEFT, lab_w - 20 - w,
			  v[i]->path != NULL && v[i]->path[0] != '\0' ? v[i]->path : "[anonymous]");
		buf_reset(&b);
		scale_bytes(&b, v[i]->rss);
		buf_puts(&b, " of ");
		scale_bytes(&b, v[i]->size);
		draw_rgb(p, C_BLACK);
		draw_text(p, bx1 + 14, base, DRAW_LEFT, val_w, buf_str(&b));
	}
	if (rows.more) {
		double rest = 0;
		size_t j;

		for (j = (size_t)rows.shown; j < n; j++)
			rest += v[j]->rss;
		buf_reset(&b);
		buf_printf(&b, "+ %zu more VMAs, Rss ", n - (size_t)rows.shown);
		scale_bytes(&b, rest);
		page_more_line(p, &rows, area->x, area->w, buf_str(&b));
	}
out:
	buf_release(&b);
}

void
page_single_draw(struct page *p, double w, double h, const struct page_single_input *in,
		 const struct chart_opts *o)
{
	const struct snapshot_info *s = in->s;
	struct layer_group g;
	struct go_classes gc;
	struct buf head = BUF_INIT, line2 = BUF_INIT, line3 = BUF_INIT;
	struct scale_box a = { MARGIN, 128, 600, 494 };
	struct scale_box bb = { MARGIN + 640, 128, w - 2 * MARGIN - 640, 494 };
	struct scale_box cc = { MARGIN, 632, w - 2 * MARGIN, h - 632 - 42 };

	draw_paint(p, 0xFFFFFF);
	buf_puts(&head, "Rss ");
	scale_bytes(&head, s->rss);
	if (s->go_estimate.known) {
		buf_puts(&head, ", Go sees ");
		scale_bytes(&head, s->go_estimate.v);
		buf_puts(&head, ", gap ");
		scale_bytes_delta(&head, page_delta(s->go_estimate.v, s->rss));
	} else
		buf_puts(&head, ", no Go runtime numbers");
	page_snapshot_words(&line2, "", s);
	buf_puts(&line3, "Size ");
	scale_bytes(&line3, s->size);
	buf_printf(&line3, " in %lld VMAs", (long long)s->vma_count);
	if (s->lazyfree > 0) {
		buf_puts(&line3, DOT "LazyFree ");
		scale_bytes(&line3, s->lazyfree);
		buf_puts(&line3, " (freed, still in Rss)");
	}
	if (s->swap > 0) {
		buf_puts(&line3, DOT "Swap ");
		scale_bytes(&line3, s->swap);
	}
	if (s->pprof_inuse.known) {
		buf_puts(&line3, DOT "pprof inuse ");
		scale_bytes(&line3, s->pprof_inuse.v);
	}
	if (s->cgroup_usage.known) {
		buf_puts(&line3, DOT);
		cgroup_words(&line3, s, 1);
	}
	page_header(p, "SNAPSHOT", C_GREY, buf_str(&head), buf_str(&line2), buf_str(&line3));
	page_group_from(&g, "", s, go_classes_from(s, &gc) ? gc.bytes : NULL);
	page_panel_layers(p, &a, &g, 1);
	panel_roles_single(p, &bb, s);
	panel_vmas(p, &cc, in->vmas, in->nvmas);
	page_footer(p, s, NULL, o->version);
	buf_release(&head);
	buf_release(&line2);
	buf_release(&line3);
}
