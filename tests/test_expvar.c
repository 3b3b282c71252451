/*
 * Tests of ingest/expvar on the /debug/vars of a real Go 1.19 process
 * (fixtures/real/goheap-vars.json, see fixtures/real/README.md) and
 * fixtures/hostile/vars-deep.json.
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
#include "tests/testutil.h"

/* The value of MemStats field key, put under group "expvar". */
static int64_t
val(const struct tu_kv *g, const char *key)
{
	return tu_kv_value(g, "expvar", key);
}

static void
test_real(void **state)
{
	struct limits lim;
	struct tu_kv g = { 0 };
	struct kv_sink sink = tu_kv_sink(&g);
	struct diag d;
	size_t len;
	char *text = tu_read_file("fixtures/real/goheap-vars.json", &len);

	(void)state;
	limits_default(&lim);
	diag_clear(&d);
	if (expvar_parse(text, len, &lim, &sink, &d) != 0)
		fail_msg("%s (offset %lld)", d.message, (long long)d.offset);
	assert_int_equal(val(&g, "Sys"), 32355592);
	assert_int_equal(val(&g, "HeapAlloc"), 10090296);
	assert_int_equal(val(&g, "HeapSys"), 20676608);
	assert_int_equal(val(&g, "HeapIdle"), 9674752);
	assert_int_equal(val(&g, "HeapInuse"), 11001856);
	assert_int_equal(val(&g, "HeapReleased"), 9674752);
	assert_int_equal(val(&g, "StackInuse"), 294912);
	assert_int_equal(val(&g, "StackSys"), 294912);
	assert_int_equal(val(&g, "MSpanInuse"), 85536);
	assert_int_equal(val(&g, "MSpanSys"), 227808);
	assert_int_equal(val(&g, "MCacheInuse"), 2400);
	assert_int_equal(val(&g, "MCacheSys"), 15600);
	assert_int_equal(val(&g, "BuckHashSys"), 1535872);
	assert_int_equal(val(&g, "GCSys"), 8813656);
	assert_int_equal(val(&g, "OtherSys"), 791136);
	assert_int_equal(val(&g, "NextGC"), 16018408);
	assert_int_equal(val(&g, "LastGC"), 1795345184871126224LL);
	assert_int_equal(val(&g, "PauseTotalNs"), 278754);
	assert_int_equal(val(&g, "NumGC"), 6);
	assert_string_equal(tu_kv_get(&g, "expvar", "GCCPUFraction")->text, "0.03085149235916328");
	assert_string_equal(tu_kv_get(&g, "expvar", "EnableGC")->text, "true");
	assert_string_equal(tu_kv_get(&g, "expvar", "DebugGC")->text, "false");
	assert_null(tu_kv_get(&g, "expvar", "PauseNs"));
	assert_null(tu_kv_get(&g, "expvar", "PauseEnd"));
	assert_null(tu_kv_get(&g, "expvar", "BySize"));
	assert_null(tu_kv_get(&g, "expvar", "cmdline"));
	assert_int_equal(g.n, 29);
	/* Sys is the sum of the *Sys fields. */
	assert_int_equal(val(&g, "Sys"), val(&g, "HeapSys") + val(&g, "StackSys") +
			 val(&g, "MSpanSys") + val(&g, "MCacheSys") + val(&g, "BuckHashSys") +
			 val(&g, "GCSys") + val(&g, "OtherSys"));
	free(text);
	tu_kv_assert_group(&g, "expvar");
	tu_kv_free(&g);
}

static void
test_hostile_deep(void **state)
{
	struct limits lim;
	struct tu_kv g = { 0 };
	struct kv_sink sink = tu_kv_sink(&g);
	struct diag d;
	size_t len;
	char *text = tu_read_file("fixtures/hostile/vars-deep.json", &len);

	(void)state;
	limits_default(&lim);
	diag_clear(&d);
	/* {"memstats": then 10^5 '[': the 65th level opens at byte 75. */
	assert_int_equal(expvar_parse(text, len, &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_LIMIT);
	assert_int_equal(d.offset, 75);
	assert_non_null(strstr(d.message, "json_depth"));
	assert_int_equal(g.n, 0);
	/*
	 * With the cap raised past jansson's own 2048 the scan goes through
	 * and jansson never sees the arrays: memstats is not an object.
	 */
	lim.json_depth = 1000000;
	assert_int_equal(expvar_parse(text, len, &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_MISSING);
	/* Cut short inside the arrays: the end of the document is the place. */
	lim.json_depth = 1000000;
	assert_int_equal(expvar_parse(text, 150000, &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_int_equal(d.offset, 150000);
	assert_non_null(strstr(d.message, "ends inside an array or object"));
	free(text);
	tu_kv_assert_group(&g, "expvar");
	tu_kv_free(&g);
}

/* Hand-written edge cases, one each. */
static void
test_edges(void **state)
{
	struct limits lim;
	struct tu_kv g = { 0 };
	struct kv_sink sink = tu_kv_sink(&g);
	struct tu_kv g2 = { 0 };
	struct kv_sink sink2 = tu_kv_sink(&g2);
	struct diag d;
	static const char no_ms[] = "{\"cmdline\": [\"x\"]}";
	static const char bad[] = "{\"memstats\": {\"Sys\": 12,}}";
	static const char dup[] = "{\"memstats\": {\"Sys\": 1, \"Sys\": 2}}";
	static const char neg[] = "{\"memstats\": {\"Sys\": -1}}";
	static const char str[] = "{\"memstats\": {\"Sys\": 5, \"x\": \"[[[[\"}}";
	static const char cut[] = "{\"memstats\": {\"PauseNs\": [1, 2], \"Sys\": x}}";
	static const char skipped[] =
		"{\"app\": {\"a\": [1, 2, oops]}, \"memstats\": {\"BySize\": [{\"Size\": z}],"
		" \"Sys\": 7}}";
	static const char trail[] = "{\"memstats\": {\"Sys\": 1}} {}";
	static const char twice[] = "{\"memstats\": {\"Sys\": 1}, \"memstats\": {}}";
	static const char close[] = "]";
	/* the bad closer sits just before the '|' (which is never reached) */
	static const char *const mismatched[] = {
		"{\"memstats\": {\"Sys\": 1}]|",
		"{\"memstats\": {\"Sys\": 1}, \"a\": [}|]",
		"{\"memstats\": {\"Sys\": 1, \"P\": [1, 2}|}}",
	};
	static const char value_key[] = "{\"x\": \"memstats\": {\"Sys\": 1}}";
	static const char twice_scalar[] = "{\"memstats\": 5, \"memstats\": {\"Sys\": 1}}";
	size_t i;

	(void)state;
	limits_default(&lim);
	assert_int_equal(expvar_parse(no_ms, strlen(no_ms), &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_MISSING);
	assert_int_equal(expvar_parse(bad, strlen(bad), &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	/* jansson's position: the bytes read through the bad token ('}' at 24). */
	assert_int_equal(d.offset, 25);
	assert_int_equal(expvar_parse(dup, strlen(dup), &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_int_equal(expvar_parse(neg, strlen(neg), &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	/* A syntax error inside memstats, after a cut array: its place in the document. */
	assert_int_equal(expvar_parse(cut, strlen(cut), &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_int_equal(d.offset, (int64_t)(strchr(cut, 'x') - cut) + 1);
	/* What the scan skips is only balanced: other variables and memstats' arrays. */
	assert_int_equal(expvar_parse(skipped, strlen(skipped), &lim, &sink2, &d), 0);
	assert_int_equal(val(&g2, "Sys"), 7);
	assert_null(tu_kv_get(&g2, "expvar", "BySize"));
	tu_kv_free(&g2);
	/* Not one object at the top level. */
	assert_int_equal(expvar_parse(trail, strlen(trail), &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_int_equal(d.offset, (int64_t)strlen(trail) - 2);
	assert_int_equal(expvar_parse(twice, strlen(twice), &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_int_equal(expvar_parse(close, strlen(close), &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_int_equal(d.offset, 0);
	/* Each closer matches its opener, also where jansson never looks. */
	for (i = 0; i < sizeof(mismatched) / sizeof(mismatched[0]); i++) {
		assert_int_equal(expvar_parse(mismatched[i], strlen(mismatched[i]), &lim, &sink, &d), -1);
		assert_int_equal(d.kind, DIAG_FORMAT);
		assert_int_equal(d.offset, (int64_t)(strrchr(mismatched[i], '|') - mismatched[i]) - 1);
		assert_non_null(strstr(d.message, "closes an"));
	}
	/* Keys of the top-level object are keys, and memstats comes once, object or not. */
	assert_int_equal(expvar_parse(value_key, strlen(value_key), &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_int_equal(d.offset, 16);
	assert_non_null(strstr(d.message, "':' without a key (line 1, column 17)"));
	assert_int_equal(expvar_parse(twice_scalar, strlen(twice_scalar), &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_non_null(strstr(d.message, "\"memstats\" twice"));
	assert_int_equal(expvar_parse("", 0, &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	/* Brackets inside strings do not count towards the depth. */
	lim.json_depth = 2;
	assert_int_equal(expvar_parse(str, strlen(str), &lim, &sink, &d), 0);
	assert_int_equal(val(&g, "Sys"), 5);
	tu_kv_assert_group(&g, "expvar");
	tu_kv_free(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real),
		cmocka_unit_test(test_hostile_deep),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
