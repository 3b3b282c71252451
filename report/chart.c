#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/xalloc.h"
#include "report/chart.h"
#include "report/draw.h"
#include "report/page_diff.h"
#include "report/page_fleet.h"
#include "report/page_single.h"
#include "report/page_trend.h"

/* What to draw: one of diff, single and fleet, with the options. */
struct job {
	const struct diff_result *diff;
	const struct page_single_input *single;
	const struct fleet_result *fleet;
	const struct chart_opts *o;
	const struct trend_result *trend;
};

/* The page of the job arg (a struct job) on any surface. */
static void
draw(struct page *p, double w, double h, const void *arg)
{
	const struct job *j = arg;

	if (j->trend != NULL)
		page_trend_draw(p, w, h, j->trend, j->o);
	else if (j->diff != NULL)
		page_diff_draw(p, w, h, j->diff, j->o);
	else if (j->fleet != NULL)
		page_fleet_draw(p, w, h, j->fleet, j->o);
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
	struct job j = { r, NULL, NULL, o, NULL };
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
	struct job j = { NULL, &in, NULL, o, NULL };
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
	struct job j = { NULL, NULL, r, o, NULL };
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

int
chart_write_trend(const struct trend_result *r, const struct chart_opts *o, const char *png_path,
		  const char *svg_path, struct diag *d)
{
	struct job j = { NULL, NULL, NULL, o, r };

	if (r->n < 2)
		return diag_fail(d, DIAG_USAGE, 0, "a trend page needs at least two snapshots");
	if (check_opts(o, (uint64_t)r->n * TREND_NSERIES + (uint64_t)(r->nroles > 0 ? r->nroles : 0),
		       d) != 0)
		return -1;
	return render(&j, png_path, svg_path, d);
}

const char *
chart_font_family(void)
{
	return draw_font_family();
}
