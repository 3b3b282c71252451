/*
 * Truth tests of diff on the scenario bundles (fixtures/bundles, real Go
 * 1.19 processes). The expectations come from what each scenario does
 * (fixtures/scenarios/memshape), not from what the code printed:
 *   zeroing   96 MiB of pointer slices allocated before, written after:
 *             unexplained growth in go-heap, pages became resident
 *   cgo       96 MiB of C malloc: unexplained growth outside the Go roles
 *   race      the baseline built with -race: unexplained, not go-heap
 *   lazyfree  96 MiB freed under madvdontneed=0: unexplained in go-heap,
 *             with LazyFree as evidence
 *   grow      96 MiB more live heap: explained growth, no finding
 *   goroutines 20,000 parked goroutines: stacks the runtime counts, no finding
 *   renamed   the baseline under another binary name: no growth, no finding
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/attribute.h"
#include "core/db.h"
#include "tests/testutil.h"

#define MiB (1024 * 1024)

static struct tu_db w;

/* Ingest the scenario's bundle (again: a duplicate); its snapshot's id. */
static int64_t
load(const char *scenario)
{
	char path[256];
	int64_t id;

	snprintf(path, sizeof(path), "fixtures/bundles/%s.rssgap.tar.gz", scenario);
	id = tu_db_ingest(&w, path);
	assert_true(id > 0);
	return id;
}

static struct diff_result *
diff(const char *before, const char *after)
{
	struct diff_opts o;
	struct diag d;
	struct diff_result *r;

	diff_opts_default(&o);
	diag_clear(&d);
	r = diff_compute(w.db, load(before), load(after), &o, &d);
	if (r == NULL)
		fail_msg("diff: %s", d.message);
	return r;
}

static int
setup(void **state)
{
	(void)state;
	tu_db_init(&w);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tu_db_release(&w);
	return 0;
}

static void
assert_between(int64_t v, int64_t lo, int64_t hi)
{
	if (v < lo || v > hi)
		fail_msg("%lld not in [%lld, %lld]", (long long)v, (long long)lo, (long long)hi);
}

static void
test_zeroing(void **state)
{
	struct diff_result *r = diff("zeroing-before", "zeroing-after");

	(void)state;
	assert_string_equal(verdict_name(r->verdict), "unexplained-growth");
	assert_true(r->nfindings >= 1);
	assert_string_equal(r->findings[0].role, "go-heap");
	assert_between(r->findings[0].unexplained, 80 * MiB, 100 * MiB);
	/* the runtime saw (almost) nothing: the allocation was the same before */
	assert_between(r->findings[0].runtime_delta, -4 * MiB, 4 * MiB);
	assert_true(r->findings[0].evidence & EV_RESIDENT_FRACTION);
	assert_false(r->findings[0].evidence & EV_LAZYFREE);
	assert_true(r->findings[0].nregions >= 1);
	/* the region is the Go heap arena of amd64, on both sides */
	assert_true(strncmp(r->findings[0].regions[0].before, "c000000000-", 11) == 0);
	assert_true(strncmp(r->findings[0].regions[0].after, "c000000000-", 11) == 0);
	assert_non_null(strstr(r->findings[0].summary, "pages became resident without new allocation"));
	diff_result_free(r);
}

static void
test_cgo(void **state)
{
	struct diff_result *r = diff("baseline", "cgo-after");

	(void)state;
	assert_string_equal(verdict_name(r->verdict), "unexplained-growth");
	assert_true(strcmp(r->findings[0].role, "go-heap") != 0);
	assert_true(strcmp(r->findings[0].role, "go-runtime") != 0);
	assert_between(r->findings[0].unexplained, 80 * MiB, 100 * MiB);
	/* the C malloc's mmap grew anon, found in the credit that holds the metadata too */
	assert_string_equal(r->findings[0].role, "anon");
	assert_string_equal(r->findings[0].credit, "anon+go-runtime");
	assert_true(r->findings[0].runtime_known);
	diff_result_free(r);
}

static void
test_race(void **state)
{
	struct diff_result *r = diff("baseline", "race-after");
	int i;

	(void)state;
	assert_string_equal(verdict_name(r->verdict), "unexplained-growth");
	assert_true(strcmp(r->findings[0].role, "go-heap") != 0);
	for (i = 0; i < r->nfindings; i++)
		assert_true(strcmp(r->findings[i].role, "go-heap") != 0);
	diff_result_free(r);
}

static void
test_lazyfree(void **state)
{
	struct diff_result *r = diff("lazyfree-before", "lazyfree-after");

	(void)state;
	assert_string_equal(verdict_name(r->verdict), "unexplained-growth");
	assert_string_equal(r->findings[0].role, "go-heap");
	assert_between(r->findings[0].unexplained, 80 * MiB, 100 * MiB);
	assert_true(r->findings[0].evidence & EV_LAZYFREE);
	assert_non_null(strstr(r->findings[0].summary, "MADV_FREE"));
	diff_result_free(r);
}

static void
test_grow_is_explained(void **state)
{
	struct diff_result *r = diff("baseline", "grow-after");

	(void)state;
	assert_string_equal(verdict_name(r->verdict), "explained-growth");
	assert_int_equal(r->nfindings, 0);
	assert_between(r->rss_delta, 80 * MiB, 110 * MiB);
	diff_result_free(r);
}

/* The credit of role, failing the test when the role has no row. */
static const struct role_delta *
credit_of_role(const struct diff_result *r, const char *role)
{
	int i;

	for (i = 0; i < r->nroles; i++)
		if (strcmp(r->roles[i].role, role) == 0)
			return &r->credits[r->roles[i].credit];
	fail_msg("no role %s", role);
	return NULL;
}

/*
 * Go 1.19 names no mapping: its metadata (GCSys, MSpanSys, ...) is in unnamed
 * anonymous memory, and the rules give the heap's ---p tail (0 Rss) the role
 * go-runtime. Both are one credit; go-runtime is never credited alone with
 * pages it cannot hold (the bug of issue 12: "+N unexplained in anon").
 */
static void
test_metadata_credited_where_it_lives(void **state)
{
	struct diff_result *r = diff("baseline", "grow-after");
	const struct role_delta *c = credit_of_role(r, "anon"), *h = credit_of_role(r, "go-heap");
	int64_t meta = 0;
	int i;

	(void)state;
	assert_false(r->labelled);
	assert_ptr_equal(credit_of_role(r, "go-runtime"), c);
	assert_string_equal(c->role, "anon+go-runtime");
	assert_int_equal(c->nmembers, 2);
	for (i = GO_GC; i <= GO_PROFILING; i++)
		meta += r->classes.after[i] - r->classes.before[i];
	meta += r->classes.after[GO_OS_STACKS] - r->classes.before[GO_OS_STACKS];
	assert_int_equal(c->runtime_delta, meta);
	assert_true(meta > 2 * MiB);	/* the metadata did grow with a 96 MiB heap */
	assert_between(c->unexplained, -2 * MiB, 2 * MiB);
	assert_string_equal(h->role, "go-heap");
	assert_int_equal(h->nmembers, 1);
	/* the whole runtime view is Sys - HeapReleased, split over the credits */
	assert_int_equal(r->runtime_delta,
			 r->after->go_estimate.v - r->before->go_estimate.v);
	for (i = 0; i < r->nroles; i++)
		if (strcmp(r->roles[i].role, "anon") == 0 || strcmp(r->roles[i].role, "go-runtime") == 0)
			assert_true(r->roles[i].shared);
	diff_result_free(r);
}

static void
test_goroutines_are_explained(void **state)
{
	struct diff_result *r = diff("baseline", "goroutines-after");

	(void)state;
	assert_int_equal(r->nfindings, 0);
	assert_true(r->verdict != VERDICT_UNEXPLAINED);
	diff_result_free(r);
}

static void
test_renamed_binary_is_no_growth(void **state)
{
	struct diff_result *r = diff("baseline", "renamed-after");
	int i;

	(void)state;
	assert_string_equal(verdict_name(r->verdict), "no-growth");
	assert_int_equal(r->nfindings, 0);
	/* the executable paired across the rename */
	for (i = 0; i < r->ntop; i++)
		if (strcmp(r->top_regions[i].role, "exe") == 0)
			assert_true(r->top_regions[i].before[0] != '\0' &&
				    r->top_regions[i].after[0] != '\0');
	diff_result_free(r);
}

static void
test_self_is_no_growth(void **state)
{
	struct diff_result *r = diff("zeroing-after", "zeroing-after");

	(void)state;
	assert_string_equal(verdict_name(r->verdict), "no-growth");
	assert_int_equal(r->nfindings, 0);
	assert_int_equal(r->rss_delta, 0);
	assert_int_equal(r->only_before, 0);
	assert_int_equal(r->only_after, 0);
	diff_result_free(r);
}

static void
test_thresholds(void **state)
{
	struct diff_opts o;
	struct diag d;
	struct diff_result *r;

	(void)state;
	diff_opts_default(&o);
	/* above the 96 MiB the scenario adds, nothing is a finding any more */
	o.min_bytes = 200 * MiB;
	diag_clear(&d);
	r = diff_compute(w.db, load("zeroing-before"), load("zeroing-after"), &o, &d);
	assert_non_null(r);
	assert_int_equal(r->nfindings, 0);
	assert_string_equal(verdict_name(r->verdict), "no-growth");
	diff_result_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zeroing),
		cmocka_unit_test(test_cgo),
		cmocka_unit_test(test_race),
		cmocka_unit_test(test_lazyfree),
		cmocka_unit_test(test_grow_is_explained),
		cmocka_unit_test(test_metadata_credited_where_it_lives),
		cmocka_unit_test(test_goroutines_are_explained),
		cmocka_unit_test(test_renamed_binary_is_no_growth),
		cmocka_unit_test(test_self_is_no_growth),
		cmocka_unit_test(test_thresholds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
