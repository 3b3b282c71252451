/*
 * Tests of ingest/memstats on the MemStats block of a real Go 1.19 process
 * (fixtures/real/goheap-heap.txt, see fixtures/real/README.md).
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
#include "ingest/memstats.h"
#include "tests/testutil.h"

/* The value of MemStats field key, put under group "memstats". */
static int64_t
val(const struct tu_kv *g, const char *key)
{
	return tu_kv_value(g, "memstats", key);
}

static void
test_real(void **state)
{
	struct limits lim;
	struct tu_kv g = { 0 };
	struct kv_sink sink = tu_kv_sink(&g);
	struct diag d;
	size_t len;
	char *text = tu_read_file("fixtures/real/goheap-heap.txt", &len);

	(void)state;
	limits_default(&lim);
	diag_clear(&d);
	if (memstats_parse(text, len, &lim, &sink, &d) != 0)
		fail_msg("%s (line %llu)", d.message, (unsigned long long)d.line);
	assert_int_equal(val(&g, "Alloc"), 9299016);
	assert_int_equal(val(&g, "TotalAlloc"), 30070504);
	assert_int_equal(val(&g, "Sys"), 32093448);
	assert_int_equal(val(&g, "Lookups"), 0);
	assert_int_equal(val(&g, "Mallocs"), 10662);
	assert_int_equal(val(&g, "Frees"), 7246);
	assert_int_equal(val(&g, "HeapAlloc"), 9299016);
	assert_int_equal(val(&g, "HeapSys"), 20676608);
	assert_int_equal(val(&g, "HeapIdle"), 10485760);
	assert_int_equal(val(&g, "HeapInuse"), 10190848);
	assert_int_equal(val(&g, "HeapReleased"), 10444800);
	assert_int_equal(val(&g, "HeapObjects"), 3416);
	assert_int_equal(val(&g, "StackInuse"), 294912);
	assert_int_equal(val(&g, "StackSys"), 294912);
	assert_int_equal(val(&g, "MSpanInuse"), 85536);
	assert_int_equal(val(&g, "MSpanSys"), 227808);
	assert_int_equal(val(&g, "MCacheInuse"), 2400);
	assert_int_equal(val(&g, "MCacheSys"), 15600);
	assert_int_equal(val(&g, "BuckHashSys"), 1499936);
	assert_int_equal(val(&g, "GCSys"), 8751976);
	assert_int_equal(val(&g, "OtherSys"), 626608);
	assert_int_equal(val(&g, "NextGC"), 16018408);
	assert_int_equal(val(&g, "LastGC"), 1795345184871126224LL);
	assert_int_equal(val(&g, "NumGC"), 6);
	assert_int_equal(val(&g, "NumForcedGC"), 2);
	assert_int_equal(val(&g, "MaxRSS"), 16748544);
	assert_false(tu_kv_get(&g, "memstats", "GCCPUFraction")->has_value);
	assert_string_equal(tu_kv_get(&g, "memstats", "GCCPUFraction")->text, "0.03085149235916328");
	assert_string_equal(tu_kv_get(&g, "memstats", "DebugGC")->text, "false");
	assert_null(tu_kv_get(&g, "memstats", "PauseNs"));
	assert_null(tu_kv_get(&g, "memstats", "PauseEnd"));
	assert_null(tu_kv_get(&g, "memstats", "Stack"));
	/* The runtime's identity: Sys is the sum of the *Sys fields. */
	assert_int_equal(val(&g, "Sys"), val(&g, "HeapSys") + val(&g, "StackSys") +
			 val(&g, "MSpanSys") + val(&g, "MCacheSys") + val(&g, "BuckHashSys") +
			 val(&g, "GCSys") + val(&g, "OtherSys"));
	assert_int_equal(tu_kv_get(&g, "memstats", "Alloc")->line, 2454);
	assert_int_equal(g.n, 28);
	free(text);
	tu_kv_assert_group(&g, "memstats");
	tu_kv_free(&g);
}

/* Hand-written edge cases, one each. */
static void
test_errors(void **state)
{
	struct limits lim;
	struct tu_kv g = { 0 };
	struct kv_sink sink = tu_kv_sink(&g);
	struct diag d;
	static const char none[] = "heap profile: 0: 0 [0: 0] @ heap/1048576\n";
	static const char bad[] = "# runtime.MemStats\n# Alloc = 1\n# Sys = 12x\n";
	static const char pair[] = "# runtime.MemStats\n# Stack = 10\n";
	static const char neg[] = "# runtime.MemStats\n# Sys = 99999999999999999999\n";

	(void)state;
	limits_default(&lim);
	assert_int_equal(memstats_parse(none, strlen(none), &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_MISSING);
	assert_int_equal(memstats_parse(bad, strlen(bad), &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_int_equal(d.line, 3);
	assert_non_null(strstr(d.message, "\"12x\""));
	assert_int_equal(memstats_parse(pair, strlen(pair), &lim, &sink, &d), -1);
	assert_int_equal(d.line, 2);
	assert_int_equal(memstats_parse(neg, strlen(neg), &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	lim.line_bytes = 100;	/* PauseNs is 1.2 KB long in the real file */
	{
		size_t len;
		char *text = tu_read_file("fixtures/real/goheap-heap.txt", &len);

		assert_int_equal(memstats_parse(text, len, &lim, &sink, &d), -1);
		assert_int_equal(d.kind, DIAG_LIMIT);
		free(text);
	}
	tu_kv_assert_group(&g, "memstats");
	tu_kv_free(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
