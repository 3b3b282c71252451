/*
 * The series model (analyze/trend.c): Theil-Sen slopes, the noise floor and
 * each word of the reading on hand-made points (each test pins one rule of
 * docs/trend.md), then the real series of fixtures/trend against the
 * reading written in its cases.tsv, and process identity across series.
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

#include "analyze/trend.h"
#include "core/db.h"
#include "core/xalloc.h"
#include "tests/testutil.h"

#define MIB (1024.0 * 1024.0)
#define TREND "fixtures/trend/"

/* A result of n points: Rss rss[i] MiB, estimate est[i] MiB (NULL: unknown), 10 s apart. */
static struct trend_result *
series(int n, const double *rss, const double *est, const double *heap)
{
	struct trend_result *r = xcalloc(1, sizeof(*r));
	int i;

	diff_opts_default(&r->opts);
	r->n = n;
	r->points = xcalloc((size_t)n, sizeof(*r->points));
	for (i = 0; i < n; i++) {
		struct trend_point *p = &r->points[i];

		p->id = i + 1;
		p->t = 1700000000 + 10 * i;
		p->t_known = 1;
		p->rss_known = 1;
		p->rss = (int64_t)(rss[i] * MIB);
		p->est_known = est != NULL;
		p->estimate = est != NULL ? (int64_t)(est[i] * MIB) : 0;
		p->heap_known = heap != NULL;
		p->heap_inuse = heap != NULL ? (int64_t)(heap[i] * MIB) : 0;
	}
	trend_compute(r);
	return r;
}

static void
test_fit_median(void **state)
{
	double x[] = { 0, 1, 2, 3, 4 }, y[] = { 10, 12, 14, 16, 90 }, same[] = { 1, 1, 1 }, s;

	(void)state;
	/* one outlier at the end does not tilt the line: the slopes of the other pairs are 2 */
	assert_int_equal(trend_fit(x, y, 5, &s), 0);
	assert_true(fabs(s - 2) < 1e-9);
	assert_int_equal(trend_fit(same, y, 3, &s), -1);
	assert_true(s == 0);
}

static void
test_slope_steps_and_minutes(void **state)
{
	int64_t v[] = { 100, 160, 130, 190 }, t[] = { 0, 30, 60, 90 };
	struct trend_slope s;

	(void)state;
	trend_slope_of(v, t, 1, 4, &s);
	assert_int_equal(s.first, 100);
	assert_int_equal(s.last, 190);
	assert_int_equal(s.min, 100);
	assert_int_equal(s.max, 190);
	assert_int_equal(s.rise, 60);
	assert_int_equal(s.fall, 30);
	/* pair slopes 60, 15, 30, -30, 15, 60: median 22.5 per snapshot, 45 per minute */
	assert_true(fabs(s.per_snapshot - 22.5) < 1e-9);
	assert_true(fabs(s.fitted - 67.5) < 1e-9);
	assert_true(s.per_minute_known);
	assert_true(fabs(s.per_minute - 45) < 1e-9);
	trend_slope_of(v, t, 0, 4, &s);
	assert_false(s.per_minute_known);
}

static void
test_steady(void **state)
{
	double rss[] = { 100, 102, 99, 101, 103 }, est[] = { 98, 99, 97, 99, 100 };
	struct trend_result *r = series(5, rss, est, est);

	(void)state;
	assert_int_equal(r->word, TREND_STEADY);
	assert_false(r->swings);
	assert_int_equal(r->threshold, 8 * 1024 * 1024);	/* 5% of 100 MiB is less */
	trend_result_free(r);
}

static void
test_growing_with_runtime(void **state)
{
	double rss[] = { 100, 120, 140, 160 }, est[] = { 98, 117, 139, 157 };
	struct trend_result *r = series(4, rss, est, est);

	(void)state;
	assert_int_equal(r->word, TREND_GROWING_WITH_RUNTIME);
	assert_true(r->series[TREND_RSS].fitted >= 59 * MIB);
	assert_true(fabs(r->series[TREND_GAP].fitted) < 8 * MIB);
	/* 20 MiB per snapshot, 10 s apart: 120 MiB a minute */
	assert_true(fabs(r->series[TREND_RSS].per_minute - 120 * MIB) < MIB);
	trend_result_free(r);
}

static void
test_growing_beyond_runtime(void **state)
{
	double rss[] = { 100, 120, 140, 160 }, est[] = { 98, 99, 98, 99 };
	struct trend_result *r = series(4, rss, est, NULL);

	(void)state;
	assert_int_equal(r->word, TREND_GROWING_BEYOND_RUNTIME);
	assert_false(r->series[TREND_HEAP].known);
	trend_result_free(r);
}

static void
test_growing_half_beyond(void **state)
{
	/* the runtime explains half: the other half, 30 MiB, is still beyond it */
	double rss[] = { 100, 120, 140, 160 }, est[] = { 98, 108, 118, 128 };
	struct trend_result *r = series(4, rss, est, NULL);

	(void)state;
	assert_int_equal(r->word, TREND_GROWING_BEYOND_RUNTIME);
	trend_result_free(r);
}

static void
test_growing_no_runtime(void **state)
{
	double rss[] = { 100, 120, 140 };
	struct trend_result *r = series(3, rss, NULL, NULL);

	(void)state;
	assert_int_equal(r->word, TREND_GROWING);
	assert_false(r->series[TREND_GAP].known);
	trend_result_free(r);
}

static void
test_shrinking(void **state)
{
	double rss[] = { 300, 260, 220 }, est[] = { 290, 250, 210 };
	struct trend_result *r = series(3, rss, est, est);

	(void)state;
	assert_int_equal(r->word, TREND_SHRINKING);
	trend_result_free(r);
}

static void
test_sawtooth(void **state)
{
	/* low, low, high, low, high, low: ends low but the line stays flat */
	double rss[] = { 14, 16, 80, 16, 80, 16 }, est[] = { 14, 16, 79, 15, 79, 15 };
	struct trend_result *r = series(6, rss, est, est);

	(void)state;
	assert_int_equal(r->word, TREND_SAWTOOTH);
	assert_true(r->swings);
	assert_true(fabs(r->series[TREND_RSS].fitted) < 8 * MIB);
	trend_result_free(r);
}

static void
test_sawtooth_heap_only(void **state)
{
	/* Rss flat (the runtime keeps the pages), heap in use up and down by 40 MiB */
	double rss[] = { 200, 201, 200, 201, 200 }, est[] = { 199, 200, 199, 200, 199 };
	double heap[] = { 100, 140, 100, 140, 100 };
	struct trend_result *r = series(5, rss, est, heap);

	(void)state;
	assert_int_equal(r->word, TREND_SAWTOOTH);
	trend_result_free(r);
}

static void
test_swings_under_floor_are_steady(void **state)
{
	double rss[] = { 100, 107, 100, 107, 100 }, est[] = { 99, 106, 99, 106, 99 };
	struct trend_result *r = series(5, rss, est, est);

	(void)state;
	assert_int_equal(r->word, TREND_STEADY);
	assert_false(r->swings);
	trend_result_free(r);
}

static void
test_two_points_no_sawtooth(void **state)
{
	double rss[] = { 100, 180 }, est[] = { 99, 178 };
	struct trend_result *r = series(2, rss, est, est);

	(void)state;
	assert_int_equal(r->word, TREND_GROWING_WITH_RUNTIME);
	assert_false(r->swings);
	trend_result_free(r);
}

static void
test_percent_floor(void **state)
{
	/* 20 MiB on 1 GiB: under 5% (51.2 MiB), over 1% (10.2 MiB) */
	double rss[] = { 1024, 1034, 1044 }, est[] = { 1000, 1001, 1000 };
	struct trend_result *r = series(3, rss, est, NULL);

	(void)state;
	assert_int_equal(r->word, TREND_STEADY);
	assert_int_equal(r->threshold, (int64_t)llround(1024 * MIB * 0.05));
	r->opts.min_percent = 1;
	trend_compute(r);
	assert_int_equal(r->word, TREND_GROWING_BEYOND_RUNTIME);
	r->opts.min_bytes = 64 * 1024 * 1024;
	trend_compute(r);
	assert_int_equal(r->word, TREND_STEADY);
	trend_result_free(r);
}

/* ---------------------------------------------------------------- the real series */

struct tcase {
	char name[64], reading[40], top[32], runtime[16];
};

static void
field(const char *line, int k, char *out, size_t cap)
{
	const char *p = line;
	size_t n;

	while (k-- > 0) {
		p = strchr(p, '\t');
		if (p == NULL)
			fail_msg("cases.tsv: too few fields in \"%s\"", line);
		p++;
	}
	n = strcspn(p, "\t\n");
	if (n >= cap)
		fail_msg("cases.tsv: field too long in \"%s\"", line);
	memcpy(out, p, n);
	out[n] = '\0';
}

/* The one process of the bundle's snapshots, loaded as a trend. */
static struct trend_result *
load_case(struct tu_db *w, const char *name)
{
	char path[256];
	struct trend_process *procs;
	struct trend_result *r;
	struct diff_opts o;
	struct diag d;
	int64_t *ids;
	int np, n = tu_db_snapshots(w->db), i;

	snprintf(path, sizeof(path), TREND "%s/series.rssgap.tar.gz", name);
	tu_db_ingest(w, path);
	n = tu_db_snapshots(w->db);
	ids = xcalloc((size_t)n, sizeof(*ids));
	for (i = 0; i < n; i++)
		ids[i] = i + 1;
	diag_clear(&d);
	if (trend_processes(w->db, ids, n, &procs, &np, &d) != 0)
		fail_msg("%s: %s", name, d.message);
	if (np != 1)
		fail_msg("%s: %d processes in one series", name, np);
	if (procs[0].start_time == NULL)
		fail_msg("%s: no start_time in the manifests", name);
	diff_opts_default(&o);
	r = trend_load(w->db, &procs[0], &o, &d);
	if (r == NULL)
		fail_msg("%s: %s", name, d.message);
	for (i = 1; i < r->n; i++)
		if (r->points[i].seq != r->points[i - 1].seq + 1)
			fail_msg("%s: seq %lld after %lld", name, (long long)r->points[i].seq,
				 (long long)r->points[i - 1].seq);
	trend_processes_free(procs, np);
	free(ids);
	return r;
}

static void
test_real_series(void **state)
{
	size_t len;
	char *text = tu_read_file(TREND "cases.tsv", &len), *line, *save = NULL;
	int header = 1, ncases = 0;

	(void)state;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		struct tu_db w;
		struct tcase t;
		struct trend_result *r;

		if (line[0] == '#')
			continue;
		if (header) {
			header = 0;
			continue;
		}
		field(line, 0, t.name, sizeof(t.name));
		field(line, 1, t.reading, sizeof(t.reading));
		field(line, 2, t.top, sizeof(t.top));
		field(line, 3, t.runtime, sizeof(t.runtime));
		tu_db_init(&w);
		r = load_case(&w, t.name);
		if (strcmp(trend_word_name(r->word), t.reading) != 0)
			fail_msg("%s: reading %s, truth %s", t.name, trend_word_name(r->word), t.reading);
		if (strcmp(t.top, "-") != 0 && (r->nroles == 0 || strcmp(r->roles[0].role, t.top) != 0))
			fail_msg("%s: top role %s, truth %s", t.name,
				 r->nroles > 0 ? r->roles[0].role : "none", t.top);
		if ((strcmp(t.runtime, "known") == 0) != r->series[TREND_GAP].known)
			fail_msg("%s: runtime side %s, truth %s", t.name,
				 r->series[TREND_GAP].known ? "known" : "unknown", t.runtime);
		if (r->seconds <= 0)
			fail_msg("%s: no time between the snapshots", t.name);
		trend_result_free(r);
		tu_db_release(&w);
		ncases++;
	}
	free(text);
	assert_true(ncases >= 5);
}

static void
test_two_processes(void **state)
{
	struct tu_db w;
	struct trend_process *procs;
	struct diag d;
	int64_t ids[11];
	int np, i, n;

	(void)state;
	tu_db_init(&w);
	tu_db_ingest(&w, TREND "heap-grows/series.rssgap.tar.gz");
	tu_db_ingest(&w, TREND "sawtooth/series.rssgap.tar.gz");
	n = tu_db_snapshots(w.db);
	assert_int_equal(n, 11);
	for (i = 0; i < n; i++)
		ids[n - 1 - i] = i + 1;	/* any order in, capture order out */
	diag_clear(&d);
	assert_int_equal(trend_processes(w.db, ids, n, &procs, &np, &d), 0);
	assert_int_equal(np, 2);
	assert_int_equal(procs[0].n, 5);
	assert_int_equal(procs[1].n, 6);
	for (i = 0; i < 5; i++)
		assert_int_equal(procs[0].ids[i], i + 1);
	assert_int_not_equal(procs[0].pid, procs[1].pid);
	trend_processes_free(procs, np);
	tu_db_release(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fit_median),
		cmocka_unit_test(test_slope_steps_and_minutes),
		cmocka_unit_test(test_steady),
		cmocka_unit_test(test_growing_with_runtime),
		cmocka_unit_test(test_growing_beyond_runtime),
		cmocka_unit_test(test_growing_half_beyond),
		cmocka_unit_test(test_growing_no_runtime),
		cmocka_unit_test(test_shrinking),
		cmocka_unit_test(test_sawtooth),
		cmocka_unit_test(test_sawtooth_heap_only),
		cmocka_unit_test(test_swings_under_floor_are_steady),
		cmocka_unit_test(test_two_points_no_sawtooth),
		cmocka_unit_test(test_percent_floor),
		cmocka_unit_test(test_real_series),
		cmocka_unit_test(test_two_processes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
