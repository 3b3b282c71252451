/*
 * report/scale.c (ticks, units, middle ellipsis, wrapping, row and tick
 * label layout) and a render smoke test of report/chart.c.
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

/* A wide advance for DejaVu Sans at 12.5 px: most glyphs are narrower. */
static double mono_px = 8.0;
static const struct scale_measure mono = { scale_mono_width, &mono_px };

static const char *
tick_label(struct buf *b, const struct scale_ticks *t, int i)
{
	buf_reset(b);
	scale_tick_label(b, t, i);
	return buf_str(b);
}

/* ---- ticks ---- */

static void
test_ticks_reported_heap(void **state)
{
	struct scale_ticks t;
	struct buf b = BUF_INIT;

	(void)state;
	/* the reported after Rss, 1.26 GiB, on an axis with room for 5 intervals */
	assert_int_equal(scale_byte_ticks(0, 1.26 * GiB, 5, &t), 0);
	assert_string_equal(t.unit_name, "GiB");
	assert_true(t.step == 0.5 * GiB);
	assert_true(t.lo == 0);
	assert_true(t.hi == 1.5 * GiB);
	assert_int_equal(t.n, 4);
	assert_string_equal(tick_label(&b, &t, 0), "0");
	assert_string_equal(tick_label(&b, &t, 1), "0.5 GiB");
	assert_string_equal(tick_label(&b, &t, 3), "1.5 GiB");
	/* 900 MiB stays in MiB with a step of 200 */
	assert_int_equal(scale_byte_ticks(0, 900 * MiB, 5, &t), 0);
	assert_string_equal(t.unit_name, "MiB");
	assert_true(t.step == 200 * MiB);
	assert_int_equal(t.n, 6);
	assert_string_equal(tick_label(&b, &t, 5), "1000 MiB");
	/* a signed role delta axis: -1 MiB .. +220 MiB with 4 intervals */
	assert_int_equal(scale_byte_ticks(-1 * MiB, 220 * MiB, 4, &t), 0);
	assert_true(t.lo == -100 * MiB);
	assert_true(t.hi == 300 * MiB);
	assert_string_equal(tick_label(&b, &t, 0), "-100 MiB");
	assert_string_equal(tick_label(&b, &t, 1), "0");
	/* bytes never step below one */
	assert_int_equal(scale_byte_ticks(0, 3, 10, &t), 0);
	assert_true(t.step == 1);
	assert_string_equal(tick_label(&b, &t, 3), "3 B");
	buf_release(&b);
}

static void
test_ticks_properties(void **state)
{
	static const double vals[] = {
		0, 1, 3, 1000, 1023, 1024, 4096, 1e6, 17.5 * MiB, 96 * MiB, 1.04 * GiB,
		1.33 * GiB, 40 * GiB, 3 * 1024 * GiB, -4 * KiB, -585 * KiB, -200 * MiB, -2 * GiB,
	};
	size_t nv = sizeof(vals) / sizeof(vals[0]), i, j;
	int mt, checked = 0;

	(void)state;
	for (i = 0; i < nv; i++)
		for (j = 0; j < nv; j++) {
			double lo = vals[i], hi = vals[j];

			if (lo > hi)
				continue;
			for (mt = 1; mt <= 10; mt++) {
				struct scale_ticks t;
				double m, mant;
				int k, zero = 0;

				assert_int_equal(scale_byte_ticks(lo, hi, mt, &t), 0);
				assert_true(t.lo <= lo);
				assert_true(t.hi >= hi);
				assert_true(t.lo < t.hi);
				assert_true(t.n >= 2);
				assert_true(t.n - 1 <= (lo < 0 && hi > 0 && mt < 2 ? 2 : mt));
				assert_true(fabs(scale_tick_value(&t, t.n - 1) - t.hi) <= t.step * 1e-9);
				m = t.step / t.unit;
				mant = m / pow(10, floor(log10(m) + 1e-12));
				assert_true(fabs(mant - 1) < 1e-9 || fabs(mant - 2) < 1e-9 ||
					    fabs(mant - 5) < 1e-9);
				for (k = 0; k < t.n; k++)
					zero |= fabs(scale_tick_value(&t, k)) < t.step * 1e-9;
				if (t.lo <= 0 && t.hi >= 0)
					assert_true(zero);
				checked++;
			}
		}
	assert_true(checked > 1000);
}

static void
test_ticks_bad_and_flat(void **state)
{
	struct scale_ticks t;

	(void)state;
	assert_int_equal(scale_byte_ticks(NAN, 1, 5, &t), -1);
	assert_int_equal(scale_byte_ticks(0, INFINITY, 5, &t), -1);
	assert_int_equal(scale_byte_ticks(5, 1, 5, &t), -1);
	assert_int_equal(scale_byte_ticks(0, 1, 0, &t), -1);
	/* all-zero deltas still get an axis */
	assert_int_equal(scale_byte_ticks(0, 0, 4, &t), 0);
	assert_true(t.lo == 0 && t.hi > 0);
	assert_int_equal(scale_byte_ticks(-3 * MiB, -3 * MiB, 4, &t), 0);
	assert_true(t.lo <= -3 * MiB && t.hi >= -3 * MiB && t.lo < t.hi);
}

static void
test_map(void **state)
{
	struct scale_ticks t;

	(void)state;
	assert_int_equal(scale_byte_ticks(0, 100 * MiB, 5, &t), 0);
	assert_true(scale_map(&t, 0, 10, 110) == 10);
	assert_true(scale_map(&t, t.hi, 10, 110) == 110);
	assert_true(scale_map(&t, t.hi / 2, 400, 200) == 300);	/* y axes run upwards */
	assert_true(scale_map(&t, 1e30, 10, 110) == 110);	/* clamped */
	assert_true(scale_map(&t, NAN, 10, 110) == 10);
}

/* ---- units ---- */

static void
test_units(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	/* what the chart prints for the reported numbers */
	num_human(&b, 1.04 * GiB);
	assert_string_equal(buf_str(&b), "1.04 GiB");
	buf_reset(&b);
	num_human(&b, 300 * MiB);
	assert_string_equal(buf_str(&b), "300.0 MiB");
	buf_reset(&b);
	num_human_delta(&b, 220 * MiB);
	assert_string_equal(buf_str(&b), "+220.0 MiB");
	buf_reset(&b);
	num_human_delta(&b, -585 * KiB);
	assert_string_equal(buf_str(&b), "-585.0 KiB");
	buf_reset(&b);
	num_human(&b, 512);
	assert_string_equal(buf_str(&b), "512 B");
	buf_release(&b);
}

/* ---- text ---- */

static const char *path60 = "/var/lib/kubelet/pods/7f9c2d/volumes/cache/libfoo-v2.so.3.14";

/* Chart numbers: three significant digits at most, the unit raised before 1000. */
static void
test_chart_bytes(void **state)
{
	static const struct {
		double v;
		int delta;
		const char *want;
	} cases[] = {
		{ 0, 0, "0 B" }, { 512, 0, "512 B" }, { 999, 0, "999 B" }, { 1000, 0, "0.98 KiB" },
		{ 1001.7 * KiB, 0, "0.98 MiB" }, { 12.34 * MiB, 0, "12.3 MiB" },
		{ 128 * MiB, 0, "128 MiB" }, { 9.999 * MiB, 0, "10.0 MiB" }, { 99.96 * MiB, 0, "100 MiB" },
		{ 999.6 * MiB, 0, "0.98 GiB" }, { 1.04 * GiB, 0, "1.04 GiB" }, { 96.1 * MiB, 1, "+96.1 MiB" },
		{ -48 * KiB, 1, "-48.0 KiB" }, { 0, 1, "0 B" }, { -0.2, 1, "0 B" }, { 8 * KiB, 1, "+8.00 KiB" },
		{ NAN, 0, "n/a" }, { 3e18, 0, "2.60 EiB" }, { 1e22, 0, "8674 EiB" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		if (cases[i].delta)
			scale_bytes_delta(&b, cases[i].v);
		else
			scale_bytes(&b, cases[i].v);
		assert_string_equal(buf_str(&b), cases[i].want);
	}
	buf_release(&b);
}

/* Cut at a word boundary with "…", never inside a word (10 px a code point). */
static void
test_fit_words(void **state)
{
	double adv = 10;
	struct scale_measure m = { scale_mono_width, &adv };
	struct buf b = BUF_INIT;
	double w;

	(void)state;
	w = scale_fit_words(&b, "short", 50, &m);
	assert_string_equal(buf_str(&b), "short");
	assert_true(w == 50);
	buf_reset(&b);
	/* "#1 go=go1.19.8 mode=untouched" in 20 code points: two whole words */
	w = scale_fit_words(&b, "#1 go=go1.19.8 mode=untouched", 200, &m);
	assert_string_equal(buf_str(&b), "#1 go=go1.19.8" ELLIPSIS);
	assert_true(w == 150);
	buf_reset(&b);
	/* blanks before the cut are dropped */
	scale_fit_words(&b, "ab   cdefgh", 60, &m);
	assert_string_equal(buf_str(&b), "ab" ELLIPSIS);
	buf_reset(&b);
	/* one word wider than the room: its head, at a code point boundary */
	scale_fit_words(&b, "untouched n=20", 50, &m);
	assert_string_equal(buf_str(&b), "unto" ELLIPSIS);
	buf_reset(&b);
	scale_fit_words(&b, "\xc3\xa9t\xc3\xa9-long", 30, &m);
	assert_string_equal(buf_str(&b), "\xc3\xa9t" ELLIPSIS);
	buf_reset(&b);
	/* room for "…" alone, then for nothing */
	w = scale_fit_words(&b, "word", 10, &m);
	assert_string_equal(buf_str(&b), ELLIPSIS);
	buf_reset(&b);
	w = scale_fit_words(&b, "word", 5, &m);
	assert_string_equal(buf_str(&b), "");
	assert_true(w == 0);
	buf_release(&b);
}

/* Marks stay whole inside the plot. */
static void
test_clamp_in(void **state)
{
	(void)state;
	assert_true(scale_clamp_in(300, 0, 300, 5) == 295);
	assert_true(scale_clamp_in(-3, 300, 0, 5) == 5);
	assert_true(scale_clamp_in(150, 0, 300, 5) == 150);
	assert_true(scale_clamp_in(NAN, 0, 300, 5) == 5);
	assert_true(scale_clamp_in(7, 0, 6, 5) == 3);
}

/* Outlier labels: #9 and #16 four pixels apart never overlap; a full plot drops one. */
static void
test_place_labels(void **state)
{
	struct scale_box plot = { 0, 0, 300, 300 }, placed[8] = { { 0, 0, 0, 0 } }, rings[3], lb;
	int n = 0, far, i, j;

	(void)state;
	rings[0] = (struct scale_box){ 91, 91, 18, 18 };	/* #9 at (100, 100) */
	rings[1] = (struct scale_box){ 95, 91, 18, 18 };	/* #16 at (104, 100) */
	far = scale_place_label(100, 100, 9, 24, 15, &plot, placed, n, rings, 2, &lb);
	assert_int_equal(far, 0);
	placed[n++] = lb;
	far = scale_place_label(104, 100, 9, 28, 15, &plot, placed, n, rings, 2, &lb);
	assert_true(far >= 0);
	placed[n++] = lb;
	for (i = 0; i < n; i++) {
		assert_true(scale_box_inside(&placed[i], &plot));
		for (j = 0; j < 2; j++)
			assert_false(scale_boxes_intersect(&placed[i], &rings[j]));
		for (j = i + 1; j < n; j++)
			assert_false(scale_boxes_intersect(&placed[i], &placed[j]));
	}
	/* at the plot's right edge the label goes left, inside the plot */
	rings[2] = (struct scale_box){ 286, 191, 18, 18 };
	far = scale_place_label(295, 200, 9, 30, 15, &plot, placed, n, &rings[2], 1, &lb);
	assert_true(far >= 0);
	assert_true(scale_box_inside(&lb, &plot));
	assert_true(lb.x + lb.w <= 286);
	/* no free spot: the label is dropped */
	placed[0] = plot;
	assert_int_equal(scale_place_label(100, 100, 9, 24, 15, &plot, placed, 1, rings, 2, &lb), -1);
}

static void
test_fit_middle(void **state)
{
	struct buf b = BUF_INIT;
	double w;

	(void)state;
	assert_int_equal(strlen(path60), 60);
	/* fits: unchanged */
	w = scale_fit_middle(&b, path60, 60 * mono_px, &mono);
	assert_string_equal(buf_str(&b), path60);
	assert_true(w == 60 * mono_px);
	/* 30 code points: 11 of the head, "…", 18 of the tail */
	buf_reset(&b);
	w = scale_fit_middle(&b, path60, 30 * mono_px, &mono);
	assert_true(w <= 30 * mono_px);
	assert_int_equal(scale_utf8_count(buf_str(&b)), 30);
	assert_string_equal(buf_str(&b), "/var/lib/ku" ELLIPSIS "/libfoo-v2.so.3.14");
	/* room for the ellipsis only, and for nothing */
	buf_reset(&b);
	scale_fit_middle(&b, path60, mono_px, &mono);
	assert_string_equal(buf_str(&b), ELLIPSIS);
	buf_reset(&b);
	w = scale_fit_middle(&b, path60, mono_px / 2, &mono);
	assert_string_equal(buf_str(&b), "");
	assert_true(w == 0);
	buf_release(&b);
}

static void
test_fit_middle_utf8(void **state)
{
	/* hand-written: multi-byte names must be cut between code points */
	const char *s = "/données/été/çà/日本語/ファイル名.so";
	struct buf b = BUF_INIT;
	double max;

	(void)state;
	assert_int_equal(scale_utf8_count(s), 28);
	assert_int_equal(scale_utf8_count("a\xff" "b"), 3);	/* an invalid byte is one */
	for (max = 0; max <= 30 * mono_px; max += mono_px) {
		buf_reset(&b);
		scale_fit_middle(&b, s, max, &mono);
		assert_true(utf8_clean(b.data != NULL ? b.data : "", b.len));
		assert_true(scale_mono_width(&mono_px, buf_str(&b)) <= max);
	}
	buf_release(&b);
}

static void
test_wrap(void **state)
{
	const char *s = "go-heap: Rss 1.04 GiB -> 1.26 GiB while Size fell";

	(void)state;
	assert_int_equal(scale_wrap(s, 100 * mono_px, &mono), strlen(s));
	/* 21 characters of room: "go-heap: Rss 1.04 GiB" is exactly 21 */
	assert_int_equal(scale_wrap(s, 21 * mono_px, &mono), 21);
	assert_int_equal(scale_wrap(s, 20 * mono_px, &mono), 17);
	assert_int_equal(scale_wrap(s, 3 * mono_px, &mono), 0);
}

/* ---- layout ---- */

static void
test_rows_20_roles_60_chars(void **state)
{
	/* panel B: a band of 418 px, label column 176 px, bars from 218 px */
	struct scale_box labels[20], bars = { 218, 0, 400, 0 }, band;
	struct scale_rows r;
	struct buf name = BUF_INIT, fit = BUF_INIT;
	int i, j;

	(void)state;
	assert_int_equal(scale_rows_fit(&r, 20, 204, 418, 19, 30), 0);
	assert_int_equal(r.shown, 20);
	assert_int_equal(r.more, 0);
	assert_true(r.row_h >= 19 && r.row_h <= 30);
	band.x = 0;
	band.y = 204;
	band.w = 1000;
	band.h = 418;
	bars.y = 204;
	bars.h = 418;
	for (i = 0; i < 20; i++) {
		struct scale_box row = scale_row_box(&r, i, 0, 1000);
		double w;

		buf_reset(&name);
		buf_printf(&name, "custom-role-%02d-with-a-name-of-sixty-characters-&-<script>!!!", i);
		assert_int_equal(name.len, 60);
		buf_reset(&fit);
		w = scale_fit_middle(&fit, buf_str(&name), 176, &mono);
		labels[i].x = 4;
		labels[i].y = row.y + (row.h - 15) / 2;
		labels[i].w = w;
		labels[i].h = 15;
		assert_true(scale_box_inside(&row, &band));
		assert_true(scale_box_inside(&labels[i], &row));
		assert_false(scale_boxes_intersect(&labels[i], &bars));
		/* shortened in the middle: the head and the tail are kept */
		assert_true(w <= 176);
		assert_non_null(strstr(buf_str(&fit), ELLIPSIS));
		assert_memory_equal(buf_str(&fit), "custom-r", 8);
		assert_non_null(strstr(buf_str(&fit), "<script>!!!"));
	}
	for (i = 0; i < 20; i++)
		for (j = i + 1; j < 20; j++)
			assert_false(scale_boxes_intersect(&labels[i], &labels[j]));
	buf_release(&name);
	buf_release(&fit);
}

static void
test_rows_overfull(void **state)
{
	struct scale_rows r;
	struct scale_box band = { 0, 690, 1344, 268 }, prev = { 0, 0, 0, 0 };
	int i;

	(void)state;
	/* hundreds of VMAs into panel C: 268 px at 22 px a row */
	assert_int_equal(scale_rows_fit(&r, 600, 690, 268, 22, 28), 0);
	assert_int_equal(r.shown + r.more, 12);
	assert_int_equal(r.more, 1);
	for (i = 0; i <= r.shown; i++) {
		struct scale_box b = scale_row_box(&r, i, 0, 1344);

		assert_true(scale_box_inside(&b, &band));
		if (i > 0)
			assert_false(scale_boxes_intersect(&prev, &b));
		prev = b;
	}
	/* nothing, and a band too small even for the "more" line */
	assert_int_equal(scale_rows_fit(&r, 0, 0, 100, 20, 30), 0);
	assert_int_equal(r.shown, 0);
	assert_int_equal(scale_rows_fit(&r, 5, 0, 10, 20, 30), -1);
}

static void
test_tick_labels_never_touch(void **state)
{
	static const double maxes[] = { 1, 999, 96 * MiB, 1.26 * GiB, 1.41 * GiB, 40 * GiB, 7e15 };
	struct buf b = BUF_INIT;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(maxes) / sizeof(maxes[0]); k++) {
		double widths[] = { 160, 262, 500 };
		size_t wi;

		for (wi = 0; wi < 3; wi++) {
			struct scale_ticks t;
			struct scale_box prev = { 0, 0, 0, 0 }, axis = { 0, 0, widths[wi], 20 };
			int i;

			assert_int_equal(scale_ticks_fit(-maxes[k] / 3, maxes[k], 0, widths[wi], 12, &mono,
							 &t), 0);
			for (i = 0; i < t.n; i++) {
				struct scale_box box;

				box = scale_tick_box(&t, i, 0, widths[wi],
						     scale_mono_width(&mono_px, tick_label(&b, &t, i)), 2, 15);
				if (t.n > 2 || box.w <= widths[wi])
					assert_true(scale_box_inside(&box, &axis));
				if (i > 0)
					assert_false(scale_boxes_intersect(&prev, &box));
				prev = box;
			}
		}
	}
	buf_release(&b);
}

static void
test_nudge_bar_labels(void **state)
{
	/*
	 * panel A of the zeroing fixtures: Go 127.9 MiB and Rss 128.0 MiB over
	 * bars 53 px apart, labels 9 characters wide, then the gap label beside
	 */
	struct scale_box placed[3], b;
	int i, j;

	(void)state;
	placed[0] = (struct scale_box){ 100 + 21.5 - 36, 200, 72, 15 };
	b = (struct scale_box){ 153 + 21.5 - 36, 200, 72, 15 };
	assert_true(scale_boxes_intersect(&placed[0], &b));
	assert_int_equal(scale_nudge_up(&b, placed, 1, 4, 150), 0);
	assert_true(b.y < 200 && b.y >= 200 - 16);
	placed[1] = b;
	b = (struct scale_box){ 206, 190, 70, 33 };
	assert_int_equal(scale_nudge_up(&b, placed, 2, 4, 150), 0);
	placed[2] = b;
	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			assert_false(scale_boxes_intersect(&placed[i], &placed[j]));
	/* no room above: reported, never an endless climb */
	b = (struct scale_box){ 100, 200, 72, 15 };
	assert_int_equal(scale_nudge_up(&b, placed, 1, 4, 195), -1);
	assert_true(b.y >= 195);
	assert_int_equal(scale_nudge_up(&b, placed, 1, 0, 0), -1);
}

/* Legend entries flowed in lines: all when they fit, else capped with room for "+ N more". */
static void
test_flow_legend(void **state)
{
	double w[20], x[20];
	int line[20], i;
	struct scale_flow f;

	(void)state;
	for (i = 0; i < 20; i++)
		w[i] = 100;
	/* 4 fit in 430 px per line (100 + 10 gap each), 8 in two lines */
	scale_flow(w, 8, 430, 2, 10, 150, x, line, &f);
	assert_int_equal(f.shown, 8);
	assert_int_equal(f.lines, 2);
	assert_true(x[3] == 330 && line[3] == 0);
	assert_true(x[4] == 0 && line[4] == 1);
	/* 20 do not: line 2 keeps 150 + 10 px at its end, so it holds 2 entries */
	scale_flow(w, 20, 430, 2, 10, 150, x, line, &f);
	assert_int_equal(f.shown, 6);
	assert_int_equal(f.more_line, 1);
	assert_true(f.more_x == 220);
	assert_true(f.more_x + 150 <= 430);
	assert_int_equal(f.lines, 2);
	/* no shown entry overlaps another or the "more" entry */
	for (i = 1; i < f.shown; i++)
		if (line[i] == line[i - 1])
			assert_true(x[i] >= x[i - 1] + w[i - 1]);
	assert_true(x[f.shown - 1] + w[f.shown - 1] <= f.more_x);
	/* one line only, and an entry wider than the line */
	scale_flow(w, 20, 430, 1, 10, 150, x, line, &f);
	assert_int_equal(f.shown, 2);
	w[0] = 900;
	scale_flow(w, 3, 430, 3, 10, 150, x, line, &f);
	assert_int_equal(f.shown, 3);
	assert_true(line[1] == 1 && x[1] == 0);
	scale_flow(w, 0, 430, 2, 10, 150, x, line, &f);
	assert_int_equal(f.shown, 0);
}

/* ---- render ---- */

static char tmpdir[4096];

static int
setup_dir(void **state)
{
	(void)state;
	return tu_mkdtemp(tmpdir, sizeof(tmpdir), "rssgap-test-scale");
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
		cmocka_unit_test(test_ticks_reported_heap),
		cmocka_unit_test(test_ticks_properties),
		cmocka_unit_test(test_ticks_bad_and_flat),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_clamp_in),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_chart_bytes),
		cmocka_unit_test(test_fit_middle),
		cmocka_unit_test(test_fit_words),
		cmocka_unit_test(test_fit_middle_utf8),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_rows_20_roles_60_chars),
		cmocka_unit_test(test_rows_overfull),
		cmocka_unit_test(test_tick_labels_never_touch),
		cmocka_unit_test(test_nudge_bar_labels),
		cmocka_unit_test(test_place_labels),
		cmocka_unit_test(test_flow_legend),
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
