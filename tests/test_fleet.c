/*
 * Fleet statistics on a real fleet capture: fixtures/bundles/fleet.rssgap.tar.gz
 * holds 40 Go 1.19 processes run at once, 20 labelled version=v1 (32 MiB of
 * large pointer slices allocated, never written) and 20 version=v2 (the same
 * allocation, written page by page: the zeroing shape). Expected from that:
 * v1 -> v2 is unexplained growth in go-heap of about 32 MiB per pod, and two
 * cohorts of the same program give no finding.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/fleet.h"
#include "core/db.h"
#include "tests/testutil.h"

#define MiB (1024 * 1024)

static struct db *db;

static int
setup(void **state)
{
	(void)state;
	db = tu_db_with((const char *const[]){ "fixtures/bundles/fleet.rssgap.tar.gz", NULL });
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	db_free(db);
	return 0;
}

static void
test_stats(void **state)
{
	int64_t v[] = { 5, 1, 4, 2, 3, 10, 9, 8, 7, 6 };
	struct fleet_stat s = fleet_stat_of(v, 10);

	(void)state;
	assert_int_equal(s.n, 10);
	assert_int_equal(s.p10, 1);
	assert_int_equal(s.median, 5);	/* (5 + 6) / 2 rounded down */
	assert_int_equal(s.p90, 9);
}

static void
test_zeroing_fleet(void **state)
{
	struct fleet_opts o;
	struct diag d;
	struct fleet_result *r;

	(void)state;
	fleet_opts_default(&o);
	diag_clear(&d);
	r = fleet_compute(db, "version", NULL, NULL, &o, &d);
	assert_non_null(r);
	assert_int_equal(r->ncohorts, 2);
	assert_string_equal(r->cohorts[r->before].value, "v1");
	assert_string_equal(r->cohorts[r->after].value, "v2");
	assert_int_equal(r->cohorts[0].n, 20);
	assert_int_equal(r->cohorts[1].n, 20);
	assert_string_equal(verdict_name(r->verdict), "unexplained-growth");
	assert_true(r->nfindings >= 1);
	assert_string_equal(r->findings[0].role, "go-heap");
	assert_true(r->findings[0].unexplained > 28 * MiB && r->findings[0].unexplained < 36 * MiB);
	assert_true(r->findings[0].band_low > 8 * MiB);
	/* the runtime saw the same heap in both cohorts */
	assert_true(llabs(r->findings[0].median_runtime_delta) < 2 * MiB);
	fleet_result_free(r);
}

/* Snapshots of cohort `value` whose label replica is odd (parity 1) or even (0). */
static int
replicas(const char *value, int parity, int64_t *ids)
{
	const char *keys[1] = { "version" }, *values[1] = { value };
	int64_t *all = NULL, n = 0, i;
	struct diag d;
	int k = 0;

	diag_clear(&d);
	assert_int_equal(db_select_ids(db, keys, values, 1, &all, &n, &d), 0);
	for (i = 0; i < n; i++) {
		char *rep = db_manifest_value(db, all[i], "replica", &d);

		assert_non_null(rep);
		if (atoi(rep) % 2 == parity)
			ids[k++] = all[i];
		free(rep);
	}
	free(all);
	return k;
}

static void
test_same_program_gives_nothing(void **state)
{
	int64_t odd[40], even[40];
	struct fleet_opts o;
	struct diag d;
	struct fleet_result *r;
	const char *versions[2] = { "v1", "v2" };
	int i, nodd, neven;

	(void)state;
	fleet_opts_default(&o);
	for (i = 0; i < 2; i++) {
		nodd = replicas(versions[i], 1, odd);
		neven = replicas(versions[i], 0, even);
		assert_int_equal(nodd + neven, 20);
		diag_clear(&d);
		r = fleet_compute_ids(db, "replica parity", odd, nodd, "odd", even, neven, "even", &o,
				      &d);
		assert_non_null(r);
		assert_int_equal(r->nfindings, 0);
		assert_string_equal(verdict_name(r->verdict), "no-growth");
		fleet_result_free(r);
	}
}

static void
test_unknown_key(void **state)
{
	struct fleet_opts o;
	struct diag d;

	(void)state;
	fleet_opts_default(&o);
	diag_clear(&d);
	assert_null(fleet_compute(db, "no-such-label", NULL, NULL, &o, &d));
	assert_int_equal(d.kind, DIAG_USAGE);
	diag_clear(&d);
	assert_null(fleet_compute(db, "version", "v1", "v9", &o, &d));
	assert_non_null(strstr(d.message, "version=v9"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_zeroing_fleet),
		cmocka_unit_test(test_same_program_gives_nothing),
		cmocka_unit_test(test_unknown_key),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
