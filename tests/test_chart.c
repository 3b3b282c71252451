/*
 * The chart pages of report/chart.c rendered to PNG and SVG.
 * The diff_result drawn here is built by hand with the numbers of a Go 1.24
 * zeroing regression as it was reported (Go-heap VMA Size 1.33 GiB, Rss
 * 1.04 GiB -> Size 1.28 GiB, Rss 1.26 GiB)
 * and hostile text in a path, to pin the PNG header, SVG escaping and
 * byte-for-byte determinism; it is not a real capture.
 * The fleet page is drawn from the real fleet capture
 * (fixtures/bundles/fleet.rssgap.tar.gz: 20 pods version=v1, 20 version=v2,
 * v2 writing 32 MiB of heap v1 only allocates) ingested into :memory:; the
 * fleets with 20 and 40 cohorts and the one with a cohort value holding
 * <script>& are built by hand (hand_fleet) to pin layout caps and escaping.
 * RSSGAP_TEST_KEEP=1 keeps the rendered files and prints where they are.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/attribute.h"
#include "analyze/fleet.h"
#include "analyze/snapshot.h"
#include "core/buf.h"
#include "core/db.h"
#include "core/diag.h"
#include "core/escape.h"
#include "core/limits.h"
#include "core/num.h"
#include "report/chart.h"
#include "report/scale.h"
#include "tests/testutil.h"

#define KiB 1024.0
#define MiB (1024.0 * 1024)
#define GiB (1024.0 * MiB)
#define ELLIPSIS "\xe2\x80\xa6"

/* ---- render ---- */

static char tmpdir[4096];

static int
setup_dir(void **state)
{
	(void)state;
	return tu_mkdtemp(tmpdir, sizeof(tmpdir), "rssgap-test-chart");
}

static int
teardown_dir(void **state)
{
	(void)state;
	if (getenv("RSSGAP_TEST_KEEP") != NULL) {
		fprintf(stderr, "charts kept in %s\n", tmpdir);
		return 0;
	}
	return tu_rmtree(tmpdir);
}

static const char *
tmp(const char *name)
{
	static char path[4][4200];
	static int k;

	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/%s", tmpdir, name);
	return path[k];
}

static char *label_keys[] = { "version", "pod" };
static char *before_values[] = { "go1.23.8", "ingest-7f9c&<script>alert(1)</script>" };
static char *after_values[] = { "go1.24.1", "ingest-7f9c&<script>alert(1)</script>" };

static void
story_snapshot(struct snapshot_info *s, int64_t id, char **values, double rss, double size,
	      double go)
{
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->captured_at = "2026-11-22T10:30:00Z";
	s->comm = "server";
	s->pid = 1;
	s->label_keys = label_keys;
	s->label_values = values;
	s->nlabels = 2;
	s->rss_known = 1;
	s->rss = (int64_t)rss;
	s->size = (int64_t)size;
	s->go_estimate.known = 1;
	s->go_estimate.v = (int64_t)go;
}

/* A diff result and everything it points into, on the test's stack. */
struct story {
	struct diff_result r;
	struct snapshot_info b, a;
	struct role_delta roles[2];
	struct finding f;
	struct region_delta regions[2];
};

/* The reported story, by hand (see the comment at the top). */
static void
story_diff(struct story *st)
{
	static char hostile_path[] = "/app/<script>alert(1)</script>&amp;/\xff\xfe\x01lib.so";
	struct diff_result *r = &st->r;
	struct snapshot_info *b = &st->b, *a = &st->a;
	struct role_delta *roles = st->roles;
	struct finding *f = &st->f;
	struct region_delta *regions = st->regions;

	memset(r, 0, sizeof(*r));
	story_snapshot(b, 3, before_values, 1.18 * GiB, 2.1 * GiB, 1.07 * GiB);
	story_snapshot(a, 4, after_values, 1.41 * GiB, 2.05 * GiB, 1.08 * GiB);
	r->before = b;
	r->after = a;
	diff_opts_default(&r->opts);
	memset(roles, 0, 2 * sizeof(*roles));
	roles[0].role = "go-heap";
	roles[0].rss_delta = (int64_t)(220 * MiB);
	roles[0].runtime_delta = (int64_t)(2 * MiB);
	roles[0].unexplained = roles[0].rss_delta - roles[0].runtime_delta;
	roles[0].runtime_known = 1;
	roles[1].role = "lib & <script>";
	roles[1].rss_delta = (int64_t)(1 * MiB);
	roles[1].unexplained = roles[1].rss_delta;
	roles[1].runtime_known = 1;
	roles[0].credit = 0;
	roles[0].nmembers = 1;
	roles[1].credit = 1;
	roles[1].nmembers = 1;
	r->roles = roles;
	r->nroles = 2;
	/* each role its own credit */
	r->credits = roles;
	r->ncredits = 2;
	memset(f, 0, sizeof(*f));
	f->role = "go-heap";
	f->summary = "go-heap: Rss 1.04 GiB -> 1.26 GiB while Size fell 1.33 GiB -> 1.28 GiB";
	r->findings = f;
	r->nfindings = 1;
	memset(regions, 0, 2 * sizeof(*regions));
	snprintf(regions[0].before, sizeof(regions[0].before), "c000000000-c055000000");
	snprintf(regions[0].after, sizeof(regions[0].after), "c000000000-c052000000");
	regions[0].role = "go-heap";
	regions[0].path = "";
	regions[0].size_before = (int64_t)(1.33 * GiB);
	regions[0].rss_before = (int64_t)(1.04 * GiB);
	regions[0].size_after = (int64_t)(1.28 * GiB);
	regions[0].rss_after = (int64_t)(1.26 * GiB);
	snprintf(regions[1].after, sizeof(regions[1].after), "7f8a00100000-7f8a00180000");
	regions[1].role = "lib";
	regions[1].path = hostile_path;
	regions[1].how = "only after";
	regions[1].size_after = (int64_t)(512 * KiB);
	regions[1].rss_after = (int64_t)(300 * KiB);
	r->top_regions = regions;
	r->ntop = 2;
	r->verdict = VERDICT_UNEXPLAINED;
	r->headline = "Rss grew 230 MiB that the Go runtime does not account for, in go-heap";
	r->unexplained = (int64_t)(218 * MiB);
}

/* Width and height from the PNG signature and IHDR chunk. */
static void
png_size(const char *path, uint32_t *w, uint32_t *h)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	size_t len;
	unsigned char *p = (unsigned char *)tu_read_file(path, &len);

	assert_true(len > 33);
	assert_memory_equal(p, sig, 8);
	assert_memory_equal(p + 8, "\0\0\0\x0dIHDR", 8);
	*w = (uint32_t)p[16] << 24 | (uint32_t)p[17] << 16 | (uint32_t)p[18] << 8 | p[19];
	*h = (uint32_t)p[20] << 24 | (uint32_t)p[21] << 16 | (uint32_t)p[22] << 8 | p[23];
	free(p);
}

static void
test_render_diff(void **state)
{
	struct story st;
	struct chart_opts o;
	struct diag d;
	uint32_t w, h;
	size_t len1, len2;
	char *svg1, *svg2;

	(void)state;
	story_diff(&st);
	chart_opts_default(&o);
	o.version = "0.1.0";
	diag_clear(&d);
	assert_int_equal(chart_write_diff(&st.r, &o, tmp("report.png"), tmp("report.svg"), &d), 0);
	png_size(tmp("report.png"), &w, &h);
	assert_int_equal(w, CHART_WIDTH);
	assert_int_equal(h, CHART_HEIGHT);
	svg1 = tu_read_file(tmp("report.svg"), &len1);
	assert_non_null(strstr(svg1, "<svg"));
	assert_non_null(strstr(svg1, "width=\"1400px\""));
	/* bundle text comes out escaped, never as markup */
	assert_non_null(strstr(svg1, "&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;"));
	assert_non_null(strstr(svg1, "ingest-7f9c&amp;&lt;script&gt;"));
	assert_null(strstr(svg1, "<script"));
	/* invalid UTF-8 and a control byte are drawn visibly, not passed to cairo */
	assert_non_null(strstr(svg1, "\\xff\\xfe\\x01lib.so"));
	assert_non_null(strstr(svg1, "<title>UNEXPLAINED GROWTH: Rss grew 230 MiB"));
	/* text as <text> elements, searchable and copyable, no glyph paths */
	assert_non_null(strstr(svg1, "font-weight=\"bold\" fill=\"#ffffff\">UNEXPLAINED GROWTH</text>"));
	assert_non_null(strstr(svg1, "<g font-family=\"DejaVu Sans, sans-serif\" xml:space=\"preserve\">"));
	assert_non_null(strstr(svg1, "&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;"));
	assert_null(strstr(svg1, "glyph"));
	assert_non_null(strstr(strstr(svg1, "<text "), "</g>\n</svg>"));
	/* the same input, rendered again in the same process, gives the same bytes */
	assert_int_equal(chart_write_diff(&st.r, &o, NULL, tmp("again.svg"), &d), 0);
	svg2 = tu_read_file(tmp("again.svg"), &len2);
	assert_int_equal(len1, len2);
	assert_memory_equal(svg1, svg2, len1);
	free(svg1);
	free(svg2);
}

static void
test_render_single_many(void **state)
{
	struct snapshot_info s;
	struct role_info roles[20];
	struct chart_vma *v = calloc(600, sizeof(*v));
	char names[20][64], paths[600][64];
	struct chart_opts o;
	struct diag d;
	uint32_t w, h;
	size_t len, i;
	char *svg;

	(void)state;
	assert_non_null(v);
	story_snapshot(&s, 9, after_values, 3 * GiB, 40 * GiB, 2 * GiB);
	for (i = 0; i < 20; i++) {
		snprintf(names[i], sizeof(names[i]), "role-%02zu-with-a-long-name", i);
		memset(&roles[i], 0, sizeof(roles[i]));
		roles[i].role = names[i];
		roles[i].rss = (int64_t)(GiB / (double)(i + 1));
		roles[i].size = roles[i].rss * 2;
	}
	s.roles = roles;
	s.nroles = 20;
	for (i = 0; i < 600; i++) {
		snprintf(v[i].range, sizeof(v[i].range), "7f%010zx-7f%010zx", i << 16, (i << 16) + 0x8000);
		snprintf(paths[i], sizeof(paths[i]), "/opt/vendor/a-long-directory/lib/libthing-%04zu.so", i);
		v[i].path = paths[i];
		v[i].role = "lib";
		v[i].rss = (int64_t)((i * 7919 % 600) * MiB / 7);
		v[i].size = v[i].rss + (int64_t)MiB;
	}
	chart_opts_default(&o);
	diag_clear(&d);
	assert_int_equal(chart_write_single(&s, v, 600, &o, tmp("one.png"), tmp("one.svg"), &d), 0);
	png_size(tmp("one.png"), &w, &h);
	assert_int_equal(w, CHART_WIDTH);
	assert_int_equal(h, CHART_HEIGHT);
	svg = tu_read_file(tmp("one.svg"), &len);
	/* the largest Rss is drawn (i*7919 % 600 == 599 at i = 121), the rest counted */
	assert_non_null(strstr(svg, "libthing-0121.so"));
	assert_non_null(strstr(svg, "more VMAs"));
	free(svg);
	/* the cap on points is checked first */
	o.max_points = 100;
	assert_int_equal(chart_write_single(&s, v, 600, &o, tmp("x.png"), NULL, &d), -1);
	assert_int_equal(d.kind, DIAG_LIMIT);
	assert_non_null(strstr(d.message, "chart_points"));
	assert_int_equal(access(tmp("x.png"), F_OK), -1);
	free(v);
}

static void
test_render_errors(void **state)
{
	struct story st;
	struct chart_opts o;
	struct diag d;

	(void)state;
	story_diff(&st);
	chart_opts_default(&o);
	diag_clear(&d);
	assert_int_equal(chart_write_diff(&st.r, &o, tmp("no/such/dir.png"), NULL, &d), -1);
	assert_int_equal(d.kind, DIAG_IO);
	assert_non_null(strstr(d.message, "no/such/dir.png"));
	o.width = 100000;
	diag_clear(&d);
	assert_int_equal(chart_write_diff(&st.r, &o, tmp("big.png"), NULL, &d), -1);
	assert_int_equal(d.kind, DIAG_USAGE);
}

static void
test_render_extremes(void **state)
{
	/* hand-written: numbers a hostile bundle could carry must not overflow (UBSan) */
	struct story st;
	struct chart_opts o;
	struct diag d;
	int i;

	(void)state;
	story_diff(&st);
	st.b.rss = INT64_MIN;
	st.a.rss = INT64_MAX;
	st.b.go_estimate.v = INT64_MAX;
	st.a.go_estimate.v = INT64_MIN;
	st.a.size = INT64_MAX;
	st.roles[0].rss_delta = INT64_MIN;
	st.roles[0].runtime_delta = INT64_MAX;
	st.roles[1].rss_delta = INT64_MAX;
	st.regions[0].rss_before = INT64_MIN;
	st.regions[0].rss_after = INT64_MAX;
	st.regions[0].size_after = INT64_MAX;
	st.r.classes.known = 1;
	for (i = 0; i < GO_CLASS_COUNT; i++) {
		st.r.classes.before[i] = INT64_MAX;
		st.r.classes.after[i] = INT64_MIN;
	}
	st.r.verdict = (enum verdict)42;
	st.r.headline = NULL;
	st.r.nfindings = 0;
	chart_opts_default(&o);
	diag_clear(&d);
	assert_int_equal(chart_write_diff(&st.r, &o, tmp("x.png"), tmp("x.svg"), &d), 0);
}

/* ---- the fleet page ---- */

/* Every string of want (NULL-terminated) is in text; names the first one missing. */
static void
has_lines(const char *text, const char *const *want)
{
	for (; *want != NULL; want++)
		if (strstr(text, *want) == NULL)
			fail_msg("not drawn: \"%s\"", *want);
}

/* The real fleet capture compared by version: v1 (n=20) against v2 (n=20). */
static struct fleet_result *
real_fleet(struct db **db)
{
	struct fleet_opts fo;
	struct fleet_result *r;
	struct diag d;

	diag_clear(&d);
	*db = tu_db_with((const char *const[]){ "fixtures/bundles/fleet.rssgap.tar.gz", NULL });
	assert_non_null(*db);
	fleet_opts_default(&fo);
	r = fleet_compute(*db, "version", NULL, NULL, &fo, &d);
	assert_non_null(r);
	assert_int_equal(r->ncohorts, 2);
	assert_int_equal(r->npoints, 40);
	return r;
}

static void
test_render_fleet_real(void **state)
{
	struct db *db;
	struct fleet_result *r;
	struct chart_opts o;
	struct diag d;
	uint32_t w, h;
	size_t len1, len2, plen1, plen2;
	char *svg1, *svg2, *png1, *png2, *desc;

	(void)state;
	r = real_fleet(&db);
	chart_opts_default(&o);
	o.version = "0.1.0";
	diag_clear(&d);
	assert_int_equal(chart_write_fleet(r, &o, tmp("fleet.png"), tmp("fleet.svg"), &d), 0);
	png_size(tmp("fleet.png"), &w, &h);
	assert_int_equal(w, CHART_WIDTH);
	assert_int_equal(h, CHART_HEIGHT);
	png1 = tu_read_file(tmp("fleet.png"), &plen1);
	/* drawn, not blank: a white 1400x1000 PNG is under 10 KB */
	assert_true(plen1 > 40000);
	svg1 = tu_read_file(tmp("fleet.svg"), &len1);
	assert_non_null(strstr(svg1, "width=\"1400px\""));
	assert_non_null(strstr(svg1, "<title>UNEXPLAINED GROWTH: median Rss +32.0 MiB from v1 to v2; "));
	desc = strstr(svg1, "<desc>");
	assert_non_null(desc);
	/* the page says what it shows: the finding, the cohorts, the diagonal, the change */
	has_lines(desc, (const char *const[]){
		"\ngo-heap: median Rss +32.0 MiB from v1 (n=20) to v2 (n=20)", "\nv1 (before)\n",
		"\nv2 (after)\n", "\npoints far above the diagonal: memory the runtime cannot see\n",
		"\ny = x\n", "\nmedian Rss +32.0 MiB\n",
		"\nRss by role, largest median change v1 \xe2\x86\x92 v2\n", "\n+32.0 MiB\ngo-heap\n",
		"\nby version  \xc2\xb7  2 cohorts, 40 pods", "\nrssgap 0.1.0\n", NULL });
	/* the same fleet drawn again gives the same bytes, PNG and SVG */
	assert_int_equal(chart_write_fleet(r, &o, tmp("again.png"), tmp("again.svg"), &d), 0);
	svg2 = tu_read_file(tmp("again.svg"), &len2);
	png2 = tu_read_file(tmp("again.png"), &plen2);
	assert_int_equal(len1, len2);
	assert_memory_equal(svg1, svg2, len1);
	assert_int_equal(plen1, plen2);
	assert_memory_equal(png1, png2, plen1);
	/* the convenience writes DIR/fleet.png and DIR/fleet.svg */
	assert_int_equal(chart_write_fleet_files(r, tmpdir, &d), 0);
	png_size(tmp("fleet.png"), &w, &h);
	assert_int_equal(w, CHART_WIDTH);
	/* the cap on points: 40 pods + 2 cohorts x (2 + roles) + outliers */
	o.max_points = 40;
	assert_int_equal(chart_write_fleet(r, &o, tmp("capped.png"), NULL, &d), -1);
	assert_int_equal(d.kind, DIAG_LIMIT);
	assert_non_null(strstr(d.message, "chart_points"));
	assert_int_equal(access(tmp("capped.png"), F_OK), -1);
	free(svg1);
	free(svg2);
	free(png1);
	free(png2);
	fleet_result_free(r);
	db_free(db);
}

static char *
xdup(const char *s)
{
	char *c = strdup(s);

	assert_non_null(c);
	return c;
}

static void *
zalloc(size_t n, size_t size)
{
	void *p = calloc(n + 1, size);

	assert_non_null(p);
	return p;
}

/*
 * A fleet built by hand (see the top): ncohorts cohorts of pods pods each,
 * Rss rising with the cohort, the later half 60 MiB above what Go sees, the
 * last pod of every third cohort from the last 400 MiB above its cohort (an
 * outlier). When
 * value is not NULL it names the after cohort.
 */
static struct fleet_result *
hand_fleet(int ncohorts, int pods, const char *value)
{
	static const char *roles[] = { "go-heap", "exe", "anon", "lib" };
	struct fleet_result *r = zalloc(1, sizeof(*r));
	int64_t *v = zalloc((size_t)pods, sizeof(int64_t));
	char name[160];
	int c, k, i, j;

	r->by = xdup("version");
	fleet_opts_default(&r->opts);
	r->nroles = 4;
	r->roles = zalloc(4, sizeof(char *));
	for (j = 0; j < 4; j++)
		r->roles[j] = xdup(roles[j]);
	r->ncohorts = ncohorts;
	r->cohorts = zalloc((size_t)ncohorts, sizeof(*r->cohorts));
	r->npoints = ncohorts * pods;
	r->points = zalloc((size_t)r->npoints, sizeof(*r->points));
	r->outliers = zalloc((size_t)ncohorts, sizeof(*r->outliers));
	for (c = 0; c < ncohorts; c++) {
		struct fleet_cohort *co = &r->cohorts[c];

		snprintf(name, sizeof(name), "1.%d.0", c + 20);
		co->value = xdup(value != NULL && c == ncohorts - 1 ? value : name);
		co->n = pods;
		for (k = 0; k < pods; k++) {
			struct fleet_point *pt = &r->points[c * pods + k];
			double go = 300 * MiB + c * 2 * MiB + ((k * 37) % 11 - 5) * 2 * MiB;
			double rss = go + (c >= ncohorts / 2 ? 60 * MiB : -40 * MiB) + c * 3 * MiB +
				     ((k * 13) % 7 - 3) * MiB;

			if (k == pods - 1 && (ncohorts - 1 - c) % 3 == 0)
				rss += 400 * MiB;
			pt->id = c * pods + k + 1;
			pt->cohort = c;
			snprintf(name, sizeof(name), "api-%s-7d9f-%02d", c == ncohorts - 1 && value ? "<b>&\x01" : "x", k);
			pt->who = xdup(name);
			pt->rss = (int64_t)rss;
			pt->go_known = 1;
			pt->go_estimate = (int64_t)go;
			pt->non_go = pt->rss - pt->go_estimate;
			pt->role_rss = zalloc(4, sizeof(int64_t));
			pt->role_rss[0] = (int64_t)(rss * 0.6);
			pt->role_rss[1] = (int64_t)(40 * MiB);
			pt->role_rss[2] = (int64_t)(rss * 0.2);
			pt->role_rss[3] = (int64_t)(18 * MiB + k * 64 * KiB);
			if (k == pods - 1 && (ncohorts - 1 - c) % 3 == 0) {
				snprintf(name, sizeof(name), "%s: Rss 400 MiB above the median", pt->who);
				r->outliers[r->noutliers].id = pt->id;
				r->outliers[r->noutliers++].why = xdup(name);
			}
		}
		for (i = 0; i < 3 + 4; i++) {
			for (k = 0; k < pods; k++) {
				const struct fleet_point *pt = &r->points[c * pods + k];

				v[k] = i == 0 ? pt->rss : i == 1 ? pt->go_estimate : i == 2 ? pt->non_go
											    : pt->role_rss[i - 3];
			}
			if (i == 0)
				co->rss = fleet_stat_of(v, pods);
			else if (i == 1)
				co->go_estimate = fleet_stat_of(v, pods);
			else if (i == 2)
				co->non_go = fleet_stat_of(v, pods);
			else {
				if (co->role_rss == NULL)
					co->role_rss = zalloc(4, sizeof(*co->role_rss));
				co->role_rss[i - 3] = fleet_stat_of(v, pods);
			}
		}
	}
	r->before = 0;
	r->after = ncohorts - 1;
	r->verdict = VERDICT_UNEXPLAINED;
	r->median_rss_delta = r->cohorts[r->after].rss.median - r->cohorts[0].rss.median;
	r->band_low = r->median_rss_delta - (int64_t)(4 * MiB);
	r->band_high = r->median_rss_delta + (int64_t)(3 * MiB);
	r->headline = xdup("median Rss grew, 60 MiB unexplained in go-heap");
	r->nfindings = 1;
	r->findings = zalloc(1, sizeof(*r->findings));
	r->findings[0].role = xdup("go-heap");
	r->findings[0].summary = xdup("go-heap: median Rss grew while the runtime's view did not");
	free(v);
	return r;
}

/* Render r into NAME.png (its size checked) and NAME.svg; the SVG's text. */
static char *
fleet_svg(const struct fleet_result *r, const char *name)
{
	struct chart_opts o;
	struct diag d;
	char png[64], svg[64];
	uint32_t w, h;
	size_t len;

	snprintf(png, sizeof(png), "%s.png", name);
	snprintf(svg, sizeof(svg), "%s.svg", name);
	chart_opts_default(&o);
	diag_clear(&d);
	assert_int_equal(chart_write_fleet(r, &o, tmp(png), tmp(svg), &d), 0);
	png_size(tmp(png), &w, &h);
	assert_int_equal(w, CHART_WIDTH);
	assert_int_equal(h, CHART_HEIGHT);
	return tu_read_file(tmp(svg), &len);
}

static void
test_render_fleet_escaped(void **state)
{
	struct fleet_result *r = hand_fleet(2, 12, "canary<script>&alert(1)");
	char *svg;

	(void)state;
	svg = fleet_svg(r, "hostile");
	/*
	 * The cohort value is text in <desc>, escaped, never markup; the pod
	 * name's control byte is shown, in the outlier's line.
	 */
	has_lines(svg, (const char *const[]){ "\ncanary&lt;script&gt;&amp;alert(1) (after)\n",
					      "api-&lt;b&gt;&amp;\\x01-7d9f-11: Rss 400 MiB", NULL });
	assert_null(strstr(svg, "<script"));
	assert_null(strstr(svg, "<b>"));
	free(svg);
	fleet_result_free(r);
}

static void
test_render_fleet_many_cohorts(void **state)
{
	struct fleet_result *r20 = hand_fleet(20, 20, NULL), *r40 = hand_fleet(40, 10, NULL);
	char *svg;
	int i;

	(void)state;
	svg = fleet_svg(r20, "fleet20");
	/*
	 * 20 cohorts: the compared two coloured, the legend capped; every
	 * cohort has a row of panel A, the role panels keep the compared two;
	 * 7 outliers (every third cohort), each ringed, their list fits.
	 */
	assert_int_equal(r20->noutliers, 7);
	has_lines(svg, (const char *const[]){
		"\n1.20.0 (before)\n", "\n1.39.0 (after)\n", "\n+ 18 more cohorts (grey)\n",
		"\n1.29.0\nn=20\n", " (those two cohorts only)\n",
		"\n7 outliers, 3 MADs or more from the cohort median\n",
		"\n#400 api-x-7d9f-19: Rss 400 MiB above the median\n", NULL });
	assert_null(strstr(svg, "\n1.21.0 (before)\n"));
	/* the rings sit close together: each still gets its own label, placed apart */
	for (i = 40; i <= 400; i += 60) {
		char want[32];

		snprintf(want, sizeof(want), "fill=\"#d55e00\">#%d</text>", i);
		assert_non_null(strstr(svg, want));
	}
	free(svg);
	svg = fleet_svg(r40, "fleet40");
	/* 40 cohorts: not all rows fit; the compared two are kept, the rest counted */
	has_lines(svg, (const char *const[]){ "\n1.20.0\nn=10\n", "\n1.59.0\nn=10\n",
					      "\n+ 18 more cohorts (180 pods)\n",
					      "\n+ 38 more cohorts (grey)\n", NULL });
	free(svg);
	fleet_result_free(r20);
	fleet_result_free(r40);
}

static void
test_render_fleet_bad(void **state)
{
	/* hand-written: a point outside every cohort is refused; hostile numbers draw */
	struct fleet_result *r = hand_fleet(3, 6, NULL);
	struct chart_opts o;
	struct diag d;

	(void)state;
	chart_opts_default(&o);
	diag_clear(&d);
	r->points[4].cohort = 7;
	assert_int_equal(chart_write_fleet(r, &o, tmp("bad.png"), NULL, &d), -1);
	assert_int_equal(d.kind, DIAG_USAGE);
	assert_non_null(strstr(d.message, "no cohort"));
	r->points[4].cohort = 0;
	r->points[0].rss = INT64_MAX;
	r->points[1].go_estimate = INT64_MIN;
	r->points[2].role_rss[0] = INT64_MIN;
	r->cohorts[0].rss.p90 = INT64_MAX;
	r->cohorts[2].go_estimate.median = INT64_MIN;
	r->verdict = (enum verdict)42;
	r->before = -1;
	diag_clear(&d);
	assert_int_equal(chart_write_fleet(r, &o, tmp("extreme.png"), tmp("extreme.svg"), &d), 0);
	/* the smallest page allowed still draws */
	o.width = 1000;
	o.height = 700;
	assert_int_equal(chart_write_fleet(r, &o, tmp("small.png"), NULL, &d), 0);
	fleet_result_free(r);
}

static void
test_font_is_dejavu(void **state)
{
	(void)state;
	assert_string_equal(chart_font_family(), "DejaVu Sans");
}

/*
 * fontconfig keeps its cache of patterns until exit (cairo holds them for
 * the process); LeakSanitizer reads this hook in SAN builds only.
 */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_diff),
		cmocka_unit_test(test_render_single_many),
		cmocka_unit_test(test_render_errors),
		cmocka_unit_test(test_render_extremes),
		cmocka_unit_test(test_render_fleet_real),
		cmocka_unit_test(test_render_fleet_escaped),
		cmocka_unit_test(test_render_fleet_many_cohorts),
		cmocka_unit_test(test_render_fleet_bad),
		cmocka_unit_test(test_font_is_dejavu),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
