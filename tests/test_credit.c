/*
 * Where the runtime's memory classes are credited (analyze/credit.h).
 *
 * Hand-written snapshots, named as such: the machine the truth corpus was
 * captured on runs a kernel without CONFIG_ANON_VMA_NAME, so no capture of
 * ours shows "[anon: Go: ...]" names (Go 1.26's prctl fails there), and the
 * labelled cases can only be pinned here. The unlabelled cases are also
 * checked end to end on real captures (tests/test_attribute.c, test_truth).
 * Numbers are MemStats of a small Go 1.26 process, rounded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "analyze/credit.h"

#define MiB ((int64_t)1024 * 1024)

struct hand {
	struct snapshot_info s;
	struct role_info roles[4];
};

static void
set_rt(struct snapshot_info *s, enum rt_field f, int64_t v)
{
	s->rt[f].known = 1;
	s->rt[f].v = v;
	s->rt[f].source = "heap.txt";
}

/*
 * A Go process: heap Rss heap_rss (0: no go-heap VMA), metadata Rss in
 * go-runtime (meta_in_runtime) or anon, named mappings or not.
 */
static void
hand_go(struct hand *h, int named, int64_t heap_rss, int meta_in_runtime, int with_runtime)
{
	int n = 0;

	memset(h, 0, sizeof(*h));
	h->s.rss_known = 1;
	h->s.go_named = named ? 7 : 0;
	if (heap_rss > 0)
		h->roles[n++] = (struct role_info){ .role = "go-heap", .vmas = 1, .size = 64 * MiB,
						    .rss = heap_rss };
	h->roles[n++] = (struct role_info){ .role = "go-runtime", .vmas = 3, .size = 70 * MiB,
					    .rss = meta_in_runtime ? 9 * MiB : 0 };
	h->roles[n++] = (struct role_info){ .role = "anon", .vmas = 12, .size = 40 * MiB,
					    .rss = meta_in_runtime ? 1 * MiB : 10 * MiB };
	h->roles[n++] = (struct role_info){ .role = "exe", .vmas = 4, .size = 8 * MiB,
					    .rss = 7 * MiB };
	h->s.roles = h->roles;
	h->s.nroles = n;
	if (!with_runtime)
		return;
	set_rt(&h->s, RT_SYS, 80 * MiB);
	set_rt(&h->s, RT_HEAP_SYS, 64 * MiB);
	set_rt(&h->s, RT_HEAP_RELEASED, 4 * MiB);
	set_rt(&h->s, RT_STACK_INUSE, 1 * MiB);
	set_rt(&h->s, RT_STACK_SYS, 1 * MiB);
	set_rt(&h->s, RT_MSPAN_SYS, 2 * MiB);
	set_rt(&h->s, RT_MCACHE_SYS, MiB / 64);
	set_rt(&h->s, RT_GC_SYS, 9 * MiB);
	set_rt(&h->s, RT_BUCK_HASH_SYS, MiB);
	set_rt(&h->s, RT_OTHER_SYS, 3 * MiB - MiB / 64);
	h->s.go_estimate.known = 1;
	h->s.go_estimate.v = 76 * MiB;
}

static void
plan_of(struct credit_plan *p, const struct hand *b, const struct hand *a)
{
	credit_plan_init(p);
	credit_plan_add(p, &b->s);
	credit_plan_add(p, &a->s);
	credit_plan_finish(p);
}

static void
test_unlabelled(void **state)
{
	struct hand b, a;
	struct credit_plan p;
	int64_t v;
	int k;

	(void)state;
	hand_go(&b, 0, 30 * MiB, 0, 1);
	hand_go(&a, 0, 50 * MiB, 0, 1);
	plan_of(&p, &b, &a);
	assert_false(credit_plan_labelled(&p));
	assert_int_equal(p.ncredits, 2);
	k = credit_find(&p, "go-heap");
	assert_string_equal(p.credits[k].name, "go-heap");
	assert_int_equal(p.credits[k].classes, 1u << CREDIT_HEAP);
	assert_true(credit_view(&p, k, &a.s, &v));
	assert_int_equal(v, 64 * MiB - 4 * MiB + 1 * MiB);
	/* the metadata lives in unnamed memory: anon and go-runtime as one credit */
	k = credit_find(&p, "anon");
	assert_int_equal(credit_find(&p, "go-runtime"), k);
	assert_string_equal(p.credits[k].name, "anon+go-runtime");
	assert_int_equal(p.credits[k].classes, 1u << CREDIT_META);
	assert_true(credit_view(&p, k, &a.s, &v));
	assert_int_equal(v, 15 * MiB);	/* MSpan + MCache + GC + BuckHash + Other, no OS stacks */
	assert_non_null(credit_why(&p, k));
	assert_non_null(strstr(credit_why(&p, k), "names none of its mappings"));
	assert_int_equal(credit_find(&p, "exe"), -1);
}

static void
test_labelled(void **state)
{
	struct hand b, a;
	struct credit_plan p;
	int64_t v;
	int k;

	(void)state;
	hand_go(&b, 1, 30 * MiB, 1, 1);
	hand_go(&a, 1, 50 * MiB, 1, 1);
	plan_of(&p, &b, &a);
	assert_true(credit_plan_labelled(&p));
	k = credit_find(&p, "go-runtime");
	assert_string_equal(p.credits[k].name, "go-runtime");
	assert_null(credit_why(&p, k));
	assert_true(credit_view(&p, k, &b.s, &v));
	assert_int_equal(v, 15 * MiB);
	/* anon holds none of the runtime's memory when Go names its mappings */
	assert_int_equal(credit_find(&p, "anon"), -1);
	assert_string_equal(p.credits[credit_find(&p, "go-heap")].name, "go-heap");
}

static void
test_one_side_labelled(void **state)
{
	struct hand b, a;
	struct credit_plan p;
	int k;

	(void)state;
	/* Go 1.24 before, Go 1.26 on a naming kernel after: the metadata moves */
	hand_go(&b, 0, 30 * MiB, 0, 1);
	hand_go(&a, 1, 30 * MiB, 1, 1);
	plan_of(&p, &b, &a);
	assert_false(credit_plan_labelled(&p));
	k = credit_find(&p, "go-runtime");
	assert_int_equal(credit_find(&p, "anon"), k);
	assert_string_equal(p.credits[k].name, "anon+go-runtime");
}

static void
test_labelled_but_empty(void **state)
{
	struct hand b, a;
	struct credit_plan p;
	int k;

	(void)state;
	/* names seen, yet go-runtime holds no resident page: never credit an empty role alone */
	hand_go(&b, 1, 30 * MiB, 0, 1);
	hand_go(&a, 1, 30 * MiB, 0, 1);
	plan_of(&p, &b, &a);
	k = credit_find(&p, "go-runtime");
	assert_int_equal(credit_find(&p, "anon"), k);
	assert_non_null(strstr(credit_why(&p, k), "go-runtime holds no resident page"));
}

static void
test_heap_not_recognised(void **state)
{
	struct hand b, a;
	struct credit_plan p;
	int64_t v;
	int k;

	(void)state;
	/* the rules found no go-heap: the heap is credited with the unnamed memory too */
	hand_go(&b, 0, 0, 0, 1);
	hand_go(&a, 0, 0, 0, 1);
	plan_of(&p, &b, &a);
	assert_int_equal(p.ncredits, 1);
	k = credit_find(&p, "anon");
	assert_string_equal(p.credits[k].name, "anon+go-runtime");
	assert_int_equal(p.credits[k].classes, 1u << CREDIT_HEAP | 1u << CREDIT_META);
	assert_true(credit_view(&p, k, &a.s, &v));
	assert_int_equal(v, a.s.go_estimate.v);	/* both classes: Sys - HeapReleased */
	assert_non_null(strstr(credit_why(&p, k), "go-heap holds no resident page"));
}

static void
test_no_runtime_numbers(void **state)
{
	struct hand b, a;
	struct credit_plan p;
	int64_t v = 12345;
	int k;

	(void)state;
	hand_go(&b, 0, 30 * MiB, 0, 1);
	hand_go(&a, 0, 30 * MiB, 0, 0);
	plan_of(&p, &b, &a);
	k = credit_find(&p, "go-heap");
	assert_false(credit_view(&p, k, &a.s, &v));
	assert_int_equal(v, 12345);	/* unknown is not written as 0 */
	assert_true(credit_view(&p, k, &b.s, &v));
	assert_false(credit_class_view(&a.s, CREDIT_META, &v));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unlabelled),
		cmocka_unit_test(test_labelled),
		cmocka_unit_test(test_one_side_labelled),
		cmocka_unit_test(test_labelled_but_empty),
		cmocka_unit_test(test_heap_not_recognised),
		cmocka_unit_test(test_no_runtime_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
