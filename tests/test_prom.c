/*
 * Tests of ingest/prom on the /metrics of a real Go 1.19 process
 * (fixtures/real/goheap-metrics.prom: client_golang 1.14's Go collector
 * with MemStats and runtime/metrics, and its process collector; see
 * fixtures/real/README.md) and fixtures/hostile/prom-long-line.prom.
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

#include "core/diag.h"
#include "core/limits.h"
#include "ingest/prom.h"
#include "tests/testutil.h"

struct series {
	char name[96];
	char labels[128];
	double value;
	uint64_t line;
};

struct got {
	struct series s[256];
	size_t n;
};

static int
collect(void *ctx, const char *name, const char *labels, double value, uint64_t line,
	struct diag *d)
{
	struct got *g = ctx;
	struct series *s;

	(void)d;
	assert_true(g->n < 256);
	s = &g->s[g->n++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->labels, sizeof(s->labels), "%s", labels);
	s->value = value;
	s->line = line;
	return 0;
}

static const struct series *
find(const struct got *g, const char *name, const char *labels)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (strcmp(g->s[i].name, name) == 0 && strcmp(g->s[i].labels, labels) == 0)
			return &g->s[i];
	fail_msg("no %s{%s}", name, labels);
	return NULL;
}

static void
test_real(void **state)
{
	struct limits lim;
	struct got *g = calloc(1, sizeof(*g));
	struct diag d;
	size_t len;
	char *text = tu_read_file("fixtures/real/goheap-metrics.prom", &len);

	(void)state;
	limits_default(&lim);
	diag_clear(&d);
	if (prom_parse(text, len, &lim, collect, g, &d) != 0)
		fail_msg("%s (line %llu)", d.message, (unsigned long long)d.line);
	/* grep -v '^#' | grep -cE '^(go_memstats_|go_memory_classes_|go_gc_|process_(resident|virtual)_memory_bytes )' */
	assert_int_equal(g->n, 98);
	assert_true(find(g, "go_memstats_sys_bytes", "")->value == 32355592);
	assert_true(find(g, "go_memory_classes_total_bytes", "")->value == 32355592);
	assert_true(find(g, "go_memory_classes_heap_released_bytes", "")->value == 9469952);
	assert_true(find(g, "go_gc_duration_seconds", "quantile=\"0.25\"")->value == 2.3762e-05);
	assert_true(find(g, "go_gc_duration_seconds_count", "")->value == 6);
	assert_true(find(g, "go_gc_heap_allocs_by_size_bytes_bucket", "le=\"+Inf\"")->value == 18055);
	assert_true(find(g, "process_resident_memory_bytes", "")->value == 15495168);
	assert_true(find(g, "process_virtual_memory_bytes", "")->value == 1042079744);
	/* Not kept: other process_* and go_* families. */
	{
		size_t i;

		for (i = 0; i < g->n; i++) {
			assert_null(strstr(g->s[i].name, "process_max_fds"));
			assert_null(strstr(g->s[i].name, "go_cgo_"));
		}
	}
	/* The cap on kept series. */
	lim.prom_series = 97;
	g->n = 0;
	assert_int_equal(prom_parse(text, len, &lim, collect, g, &d), -1);
	assert_int_equal(d.kind, DIAG_LIMIT);
	assert_non_null(strstr(d.message, "prom_series"));
	free(text);
	free(g);
}

static void
test_hostile_long_line(void **state)
{
	struct limits lim;
	struct got *g = calloc(1, sizeof(*g));
	struct diag d;
	size_t len;
	char *text = tu_read_file("fixtures/hostile/prom-long-line.prom", &len);

	(void)state;
	limits_default(&lim);
	diag_clear(&d);
	/* The real file with a 1 MiB label value inserted as line 11. */
	assert_int_equal(prom_parse(text, len, &lim, collect, g, &d), -1);
	assert_int_equal(d.kind, DIAG_LIMIT);
	assert_int_equal(d.line, 11);
	assert_non_null(strstr(d.message, "line_bytes"));
	free(text);
	free(g);
}

/* Hand-written: each edge of the format once. */
static void
test_edges(void **state)
{
	struct limits lim;
	struct got *g = calloc(1, sizeof(*g));
	struct diag d;
	static const char ok[] =
		"# HELP go_gc_x A help with \\\\ and \\n.\n"
		"# TYPE go_gc_x gauge\n"
		"# just a comment\n"
		"\n"
		"go_gc_x{zone=\"a\\\"b\\\\c\\nd\",app=\"x\",} 1.5e3 1700000000000\n"
		"go_gc_nan NaN\n"
		"go_gc_pinf +Inf\n"
		"go_gc_minf{le=\"-Inf\"} -Inf\n"
		"  go_memstats_heap_inuse_bytes   42  \n"
		"other_metric{a=\"b\"} 7\n";
	static const char *const bad[] = {
		"go_gc_x 1 2 3\n",
		"go_gc_x{a=\"b\" 1\n",
		"go_gc_x{a=\"b\\t\"} 1\n",
		"go_gc_x{a=\"b\",a=\"c\"} 1\n",
		"go_gc_x one\n",
		"# TYPE go_gc_x meter\n",
		"9go_gc_x 1\n",
		"go_gc_x{a=\"unterminated} 1\n",
	};
	size_t i;

	(void)state;
	limits_default(&lim);
	diag_clear(&d);
	assert_int_equal(prom_parse(ok, strlen(ok), &lim, collect, g, &d), 0);
	assert_int_equal(g->n, 5);
	assert_string_equal(g->s[0].name, "go_gc_x");
	assert_string_equal(g->s[0].labels, "app=\"x\",zone=\"a\\\"b\\\\c\\nd\"");
	assert_true(g->s[0].value == 1500);
	assert_int_equal(g->s[0].line, 5);
	assert_true(isnan(g->s[1].value));
	assert_true(isinf(g->s[2].value) && g->s[2].value > 0);
	assert_true(isinf(g->s[3].value) && g->s[3].value < 0);
	assert_string_equal(g->s[3].labels, "le=\"-Inf\"");
	assert_string_equal(g->s[4].name, "go_memstats_heap_inuse_bytes");
	assert_true(g->s[4].value == 42);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		g->n = 0;
		if (prom_parse(bad[i], strlen(bad[i]), &lim, collect, g, &d) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(d.kind, DIAG_FORMAT);
		assert_int_equal(d.line, 1);
	}
	free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real),
		cmocka_unit_test(test_hostile_long_line),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
