/*
 * report/scale.c: ticks, units, middle and word-boundary ellipsis, wrapping,
 * row and tick label layout, label placement and legends, measured with a
 * monospace stand-in for the font (no cairo). The pages drawn with them are
 * tested in tests/test_chart.c.
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
