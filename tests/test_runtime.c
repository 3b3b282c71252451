/*
 * Tests of ingest/runtime on the three runtime members of one real Go 1.19
 * process (fixtures/real/goheap-{heap.txt,vars.json,metrics.prom}, read
 * moments apart; see fixtures/real/README.md), through the real parsers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/limits.h"
#include "ingest/expvar.h"
#include "ingest/memstats.h"
#include "ingest/prom.h"
#include "ingest/runtime.h"
#include "tests/testutil.h"

/* memstats_parse and expvar_parse: a member into a kv_sink. */
typedef int (*kv_parse_fn)(const char *buf, size_t len, const struct limits *lim,
			   const struct kv_sink *sink, struct diag *d);

/* Parse the file at path with parse into rs's sink. */
static void
feed_kv(struct runtime_set *rs, const char *path, kv_parse_fn parse)
{
	struct limits lim;
	struct kv_sink sink = runtime_set_sink(rs);
	struct diag d;
	size_t len;
	char *text = tu_read_file(path, &len);

	limits_default(&lim);
	assert_int_equal(parse(text, len, &lim, &sink, &d), 0);
	free(text);
}

/* Which series reach the set: all, only go_memstats_ (+ gc count), only runtime/metrics. */
enum prom_part { PROM_ALL, PROM_MEMSTATS, PROM_CLASSES };

struct part {
	struct runtime_set *rs;
	enum prom_part part;
};

static int
part_fn(void *ctx, const char *name, const char *labels, double value, uint64_t line,
	struct diag *d)
{
	struct part *p = ctx;
	int memstats = strncmp(name, "go_memstats_", 12) == 0 ||
		       strcmp(name, "go_gc_duration_seconds_count") == 0;

	if (p->part == PROM_MEMSTATS && !memstats)
		return 0;
	if (p->part == PROM_CLASSES && memstats)
		return 0;
	return runtime_set_prom_fn(p->rs, name, labels, value, line, d);
}

static void
feed_prom(struct runtime_set *rs, enum prom_part part)
{
	struct limits lim;
	struct part p = { rs, part };
	struct diag d;
	size_t len;
	char *text = tu_read_file("fixtures/real/goheap-metrics.prom", &len);

	limits_default(&lim);
	assert_int_equal(prom_parse(text, len, &lim, part_fn, &p, &d), 0);
	free(text);
}

static double
get(const struct runtime_set *rs, const char *name, enum runtime_source source)
{
	const struct runtime_value *v = runtime_set_get(rs, name);

	if (v == NULL)
		fail_msg("no %s", name);
	assert_int_equal(v->source, source);
	return v->value;
}

static void
test_all_three(void **state)
{
	struct runtime_set *rs = runtime_set_new();
	const struct runtime_value *vals;
	const struct runtime_class *cls;
	enum runtime_source src = RUNTIME_PROM;
	size_t n, i;
	double est, sum = 0;

	(void)state;
	feed_prom(rs, PROM_ALL);
	feed_kv(rs, "fixtures/real/goheap-vars.json", expvar_parse);
	feed_kv(rs, "fixtures/real/goheap-heap.txt", memstats_parse);
	runtime_set_normalise(rs);
	vals = runtime_set_values(rs, &n);
	assert_int_equal(n, 17);
	for (i = 0; i < n; i++) {
		assert_true(vals[i].present);
		assert_int_equal(vals[i].source, RUNTIME_HEAPTXT);
	}
	/* heap.txt wins: its MemStats block. */
	assert_true(get(rs, "Sys", RUNTIME_HEAPTXT) == 32093448);
	assert_true(get(rs, "HeapInuse", RUNTIME_HEAPTXT) == 10190848);
	assert_true(get(rs, "HeapReleased", RUNTIME_HEAPTXT) == 10444800);
	assert_true(get(rs, "StackSys", RUNTIME_HEAPTXT) == 294912);
	assert_true(get(rs, "MSpanSys", RUNTIME_HEAPTXT) == 227808);
	assert_true(get(rs, "NextGC", RUNTIME_HEAPTXT) == 16018408);
	assert_true(get(rs, "NumGC", RUNTIME_HEAPTXT) == 6);
	assert_null(runtime_set_get(rs, "Alloc"));
	assert_int_equal(runtime_set_go_estimate(rs, &est), 0);
	assert_true(est == 32093448.0 - 10444800.0);
	/* Read moments apart, the three drift by < 1 MiB: no disagreement. */
	runtime_set_disagreements(rs, &n);
	assert_int_equal(n, 0);
	cls = runtime_set_classes(rs, &n, &src);
	assert_int_equal(n, 8);
	assert_int_equal(src, RUNTIME_HEAPTXT);
	assert_string_equal(cls[0].name, "heap_objects");
	assert_true(cls[0].bytes == 9299016);
	assert_string_equal(cls[1].name, "heap_unused");
	assert_true(cls[1].bytes == 10190848 - 9299016);
	assert_string_equal(cls[2].name, "heap_free");
	assert_true(cls[2].bytes == 10485760 - 10444800);
	assert_string_equal(cls[3].name, "heap_released");
	assert_true(cls[3].bytes == 10444800);
	assert_string_equal(cls[4].name, "stacks");
	assert_true(cls[4].bytes == 294912);
	assert_string_equal(cls[5].name, "metadata");
	assert_true(cls[5].bytes == 227808 + 15600 + 8751976);
	assert_string_equal(cls[6].name, "profiling_buckets");
	assert_true(cls[6].bytes == 1499936);
	assert_string_equal(cls[7].name, "other");
	assert_true(cls[7].bytes == 626608);
	for (i = 0; i < n; i++)
		sum += cls[i].bytes;
	assert_true(sum == 32093448);
	runtime_set_free(rs);
}

/*
 * client_golang 1.14 computes its go_memstats_ series from runtime/metrics,
 * so the runtime/metrics classes alone must give the same MemStats fields:
 * this pins every line of the class mapping.
 */
static void
test_prom_classes_mapping(void **state)
{
	struct runtime_set *direct = runtime_set_new(), *derived = runtime_set_new();
	const struct runtime_value *a, *b;
	const struct runtime_class *cls;
	size_t n, m, i;
	double est, sum = 0;

	(void)state;
	feed_prom(direct, PROM_MEMSTATS);
	feed_prom(derived, PROM_CLASSES);
	runtime_set_normalise(direct);
	runtime_set_normalise(derived);
	a = runtime_set_values(direct, &n);
	b = runtime_set_values(derived, &m);
	assert_int_equal(n, m);
	for (i = 0; i < n; i++) {
		assert_true(a[i].present && b[i].present);
		assert_int_equal(a[i].source, RUNTIME_PROM);
		if (a[i].value != b[i].value)
			fail_msg("%s: go_memstats %.0f, classes %.0f", a[i].name, a[i].value,
				 b[i].value);
	}
	assert_true(get(derived, "Sys", RUNTIME_PROM) == 32355592);
	assert_true(get(derived, "HeapSys", RUNTIME_PROM) == 20611072);
	assert_true(get(derived, "StackSys", RUNTIME_PROM) == 360448);
	assert_int_equal(runtime_set_go_estimate(derived, &est), 0);
	assert_true(est == 32355592.0 - 9469952.0);
	cls = runtime_set_classes(derived, &n, NULL);
	assert_int_equal(n, 8);
	/* go_memory_classes_heap_unused_bytes 1.017864e+06, metadata = mspan + mcache + other. */
	assert_true(cls[1].bytes == 1017864);
	assert_true(cls[5].bytes == 85536 + 142272 + 2400 + 13200 + 8819824);
	for (i = 0; i < n; i++)
		sum += cls[i].bytes;
	assert_true(sum == 32355592);
	runtime_set_free(direct);
	runtime_set_free(derived);
}

/* Priority and disagreements, with hand-picked values (one rule each). */
static void
test_disagreements(void **state)
{
	struct runtime_set *rs = runtime_set_new();
	const struct runtime_disagreement *dis;
	size_t n;
	double est;
	const double MiB = 1024.0 * 1024.0;

	(void)state;
	assert_int_equal(runtime_set_go_estimate(rs, &est), -1);
	assert_int_equal(runtime_set_add(rs, RUNTIME_VARS, "Sys", 110 * MiB), 1);
	assert_int_equal(runtime_set_add(rs, RUNTIME_HEAPTXT, "Sys", 100 * MiB), 1);
	assert_int_equal(runtime_set_add(rs, RUNTIME_PROM, "Sys", 100.5 * MiB), 1);	/* 0.5% */
	runtime_set_add(rs, RUNTIME_HEAPTXT, "HeapInuse", 10 * MiB);
	runtime_set_add(rs, RUNTIME_VARS, "HeapInuse", 10.9 * MiB);	/* 9% but < 1 MiB */
	runtime_set_add(rs, RUNTIME_VARS, "NumGC", 10);
	runtime_set_add(rs, RUNTIME_PROM, "NumGC", 12);
	runtime_set_add(rs, RUNTIME_VARS, "HeapReleased", 20 * MiB);
	assert_int_equal(runtime_set_add(rs, RUNTIME_VARS, "Nonsense", 1), 0);
	assert_int_equal(runtime_set_add_prom(rs, "go_memstats_sys_bytes", "a=\"b\"", 1), 0);
	runtime_set_normalise(rs);
	assert_true(get(rs, "Sys", RUNTIME_HEAPTXT) == 100 * MiB);
	assert_true(get(rs, "NumGC", RUNTIME_VARS) == 10);
	dis = runtime_set_disagreements(rs, &n);
	assert_int_equal(n, 2);
	assert_string_equal(dis[0].name, "Sys");
	assert_true(dis[0].value == 100 * MiB);
	assert_int_equal(dis[0].source, RUNTIME_HEAPTXT);
	assert_true(dis[0].other == 110 * MiB);
	assert_int_equal(dis[0].other_source, RUNTIME_VARS);
	assert_string_equal(dis[1].name, "NumGC");
	assert_int_equal(dis[1].other_source, RUNTIME_PROM);
	assert_string_equal(runtime_source_name(dis[1].other_source), "metrics.prom");
	/* Sys and HeapReleased from one source: vars.json has both. */
	assert_int_equal(runtime_set_go_estimate(rs, &est), 0);
	assert_true(est == 90 * MiB);
	assert_null(runtime_set_classes(rs, &n, NULL));
	assert_int_equal(n, 0);
	runtime_set_free(rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_three),
		cmocka_unit_test(test_prom_classes_mapping),
		cmocka_unit_test(test_disagreements),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
