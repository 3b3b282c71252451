/*
 * Allocation sites of a diff (analyze/sites.c) on real captures, checked
 * against what the programs allocate, read from their source:
 *   - fixtures/scenarios/largealloc/main.go (fixtures/matrix, Go 1.23.12
 *     against 1.24.0, -kind=ptr): 2048 channel buffers (addChan) and 1024
 *     slices (addSlice) of 256 KiB each, and 64 maps (addMap), the same in
 *     both builds; Go 1.24.0 zeroes the large pointer-bearing allocations,
 *     so go-heap's Rss grows while the large objects stay what they were;
 *   - fixtures/scenarios/truth/shape/main.go: mode heap allocates N MiB of
 *     64 KiB buffers in main.buffers called from main.act; mode goroutines
 *     starts 50,000 goroutines (a g each, runtime.malg from
 *     runtime.newproc1) that block receiving on a channel (a sudog each,
 *     allocated under main.park.func1).
 * A heap profile samples one allocation per 512 KiB on average and scales
 * its counts up: counts are estimates (a 256 KiB object is sampled with
 * probability 1 - exp(-1/2) = 0.39, so 1024 of them are counted within
 * about 4% one standard deviation); sizes are exact to a few bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/attribute.h"
#include "analyze/sites.h"
#include "core/db.h"
#include "tests/testutil.h"

#define KiB 1024
#define MiB (1024 * 1024)

static struct diff_result *
diff_of(struct tu_db *w, const char *before, const char *after)
{
	struct diff_result *r;
	struct diff_opts o;
	struct diag d;
	int64_t b, a;

	tu_db_init(w);
	b = tu_db_ingest(w, before);
	a = tu_db_ingest(w, after);
	diff_opts_default(&o);
	diag_clear(&d);
	r = diff_compute(w->db, b, a, &o, &d);
	if (r == NULL)
		fail_msg("diff: %s", d.message);
	assert_non_null(r->sites);
	return r;
}

/* The site whose frames start with prefix, or NULL. */
static const struct site_delta *
site_starting(const struct site_diff *s, const char *prefix)
{
	int i;

	for (i = 0; i < s->nsites; i++)
		if (strncmp(s->sites[i].frames, prefix, strlen(prefix)) == 0)
			return &s->sites[i];
	return NULL;
}

/* |got - want| <= tol * want */
static void
assert_near(double got, double want, double tol, const char *what)
{
	if (got < want * (1 - tol) || got > want * (1 + tol))
		fail_msg("%s: %.0f, expected %.0f within %.0f%%", what, got, want, tol * 100);
}

/* 1 when the site is among the first n of the large list. */
static int
large_rank(const struct site_diff *s, const struct site_delta *v)
{
	int i;

	for (i = 0; i < s->nlarge; i++)
		if (&s->sites[s->large[i]] == v)
			return i;
	return -1;
}

static int64_t
go_heap_rss_delta(const struct diff_result *r)
{
	int i;

	for (i = 0; i < r->nroles; i++)
		if (strcmp(r->roles[i].role, "go-heap") == 0)
			return r->roles[i].rss_delta;
	fail_msg("no go-heap role");
	return 0;
}

/* The Go 1.24 regression: the large objects are there before and after, the same. */
static void
test_go124_large_objects(void **state)
{
	struct tu_db w;
	struct diff_result *r;
	const struct site_delta *ch, *sl, *mp;
	int64_t same_before, same_after;

	(void)state;
	r = diff_of(&w, "fixtures/matrix/go1.23.12-largealloc-ptr.rssgap.tar.gz",
		    "fixtures/matrix/go1.24.0-largealloc-ptr.rssgap.tar.gz");
	assert_int_equal(r->verdict, VERDICT_UNEXPLAINED);
	assert_int_equal(r->sites->view, SITES_FINDING);
	assert_true(r->sites->before.large_known && r->sites->after.large_known);
	ch = site_starting(r->sites, "main.shape.addChan");
	sl = site_starting(r->sites, "main.shape.addSlice");
	mp = site_starting(r->sites, "main.shape.addMap");
	assert_non_null(ch);
	assert_non_null(sl);
	assert_non_null(mp);
	/* matched across builds: listed on both sides */
	assert_true(ch->listed_before && ch->listed_after && sl->listed_before && sl->listed_after);
	/* 256 KiB each, on both sides; 2048 buffers, 1024 slices */
	assert_near((double)ch->large_space_before / (double)ch->large_objects_before, 256 * KiB,
		    0.01, "addChan object size before");
	assert_near((double)ch->large_space_after / (double)ch->large_objects_after, 256 * KiB,
		    0.01, "addChan object size after");
	assert_near((double)sl->large_space_before / (double)sl->large_objects_before, 256 * KiB,
		    0.01, "addSlice object size before");
	assert_near((double)sl->large_space_after / (double)sl->large_objects_after, 256 * KiB,
		    0.01, "addSlice object size after");
	assert_near((double)ch->large_objects_before, 2048, 0.15, "addChan buffers before");
	assert_near((double)ch->large_objects_after, 2048, 0.15, "addChan buffers after");
	assert_near((double)sl->large_objects_before, 1024, 0.15, "addSlice slices before");
	assert_near((double)sl->large_objects_after, 1024, 0.15, "addSlice slices after");
	/*
	 * each channel's hchan (under a hundred bytes) is a small object of the
	 * same site: the site's mean object is far below its large objects' size
	 */
	assert_true((double)ch->inuse_before / (double)ch->objects_before < 200 * KiB);
	/* the largest holders of large objects: the channels, then the slices */
	assert_int_equal(large_rank(r->sites, ch), 0);
	assert_int_equal(large_rank(r->sites, sl), 1);
	assert_true(large_rank(r->sites, mp) >= 0);
	/* the same objects on both sides while go-heap's Rss grew by hundreds of MiB */
	same_before = ch->large_space_before + sl->large_space_before;
	same_after = ch->large_space_after + sl->large_space_after;
	assert_near((double)same_after, (double)same_before, 0.05, "channel and slice bytes");
	assert_true(go_heap_rss_delta(r) > 256 * MiB);
	diff_result_free(r);
	tu_db_release(&w);
}

/* Explained heap growth: 64 MiB of 64 KiB buffers from main.buffers <- main.act. */
static void
test_heap_grew(void **state)
{
	struct tu_db w;
	struct diff_result *r;
	const struct site_delta *v;

	(void)state;
	r = diff_of(&w, "fixtures/truth/heap-64-go126/before.rssgap.tar.gz",
		    "fixtures/truth/heap-64-go126/after.rssgap.tar.gz");
	assert_int_equal(r->verdict, VERDICT_EXPLAINED);
	assert_int_equal(r->sites->view, SITES_GREW);
	v = &r->sites->sites[0];
	assert_string_equal(v->leaf, "main.buffers");
	assert_non_null(strstr(v->frames, "main.buffers <- main.act"));
	assert_false(v->listed_before);
	assert_near((double)site_delta_change(v), 64 * MiB, 0.10, "main.buffers <- main.act growth");
	assert_near((double)v->large_space_after / (double)v->large_objects_after, 64 * KiB, 0.01,
		    "buffer size");
	/* the baseline's buffers (main.buffers <- main.main) did not change */
	v = site_starting(r->sites, "main.buffers <- main.main");
	assert_non_null(v);
	assert_int_equal(site_delta_change(v), 0);
	diff_result_free(r);
	tu_db_release(&w);
}

/* Explained growth of goroutines: their g structs and the sudogs of their blocked receives. */
static void
test_goroutines_grew(void **state)
{
	static const char *const cases[] = { "goroutines-go126", "goroutines-go119" };
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char before[128], after[128];
		struct tu_db w;
		struct diff_result *r;
		int i, malg = -1, park = -1;

		snprintf(before, sizeof(before), "fixtures/truth/%s/before.rssgap.tar.gz", cases[k]);
		snprintf(after, sizeof(after), "fixtures/truth/%s/after.rssgap.tar.gz", cases[k]);
		r = diff_of(&w, before, after);
		assert_int_equal(r->sites->view, SITES_GREW);
		for (i = 0; i < r->sites->nsites; i++) {
			const struct site_delta *v = &r->sites->sites[i];

			if (strcmp(v->leaf, "runtime.malg") == 0 && malg < 0)
				malg = i;
			if (strcmp(v->leaf, "main.park.func1") == 0 && park < 0)
				park = i;
		}
		if (malg < 0 || park < 0)
			fail_msg("%s: runtime.malg at %d, main.park.func1 at %d", cases[k], malg, park);
		/* the g structs grew most: 50,000 of a few hundred bytes each */
		assert_int_equal(malg, 0);
		assert_true(site_delta_change(&r->sites->sites[malg]) > 50000 * 256);
		assert_true(site_delta_change(&r->sites->sites[malg]) < 50000 * 1024);
		/* a sudog each, under a hundred and some bytes */
		assert_true(site_delta_change(&r->sites->sites[park]) > 50000 * 32);
		assert_true(site_delta_change(&r->sites->sites[park]) < 50000 * 256);
		diff_result_free(r);
		tu_db_release(&w);
	}
}

/* A C process has no heap profile: no sites, nothing shown. */
static void
test_no_profile(void **state)
{
	struct tu_db w;
	struct diff_result *r;

	(void)state;
	r = diff_of(&w, "fixtures/truth/cmalloc/before.rssgap.tar.gz",
		    "fixtures/truth/cmalloc/after.rssgap.tar.gz");
	assert_false(r->sites->before.known);
	assert_int_equal(r->sites->view, SITES_NONE);
	diff_result_free(r);
	tu_db_release(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_go124_large_objects),
		cmocka_unit_test(test_heap_grew),
		cmocka_unit_test(test_goroutines_grew),
		cmocka_unit_test(test_no_profile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
