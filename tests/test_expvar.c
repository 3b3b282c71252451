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

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t cap = 0, n = 0, got;

	assert_non_null(f);
	do {
		if (n + 65536 > cap) {
			cap = (n + 65536) * 2;
			data = realloc(data, cap + 1);
			assert_non_null(data);
		}
		got = fread(data + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	assert_int_equal(ferror(f), 0);
	fclose(f);
	data[n] = '\0';
	*len = n;
	return data;
}

struct kv {
	char key[64];
	int has_value;
	int64_t value;
	char text[64];
};

struct got {
	struct kv kv[64];
	size_t n;
};

static int
put(void *ctx, const char *group, const char *key, int has_value, int64_t value,
    const char *text, uint64_t line, struct diag *d)
{
	struct got *g = ctx;
	struct kv *kv;

	(void)d;
	(void)line;
	assert_string_equal(group, "expvar");
	assert_true(g->n < 64);
	kv = &g->kv[g->n++];
	snprintf(kv->key, sizeof(kv->key), "%s", key);
	kv->has_value = has_value;
	kv->value = value;
	snprintf(kv->text, sizeof(kv->text), "%s", text ? text : "");
	return 0;
}

static const struct kv *
find(const struct got *g, const char *key)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (strcmp(g->kv[i].key, key) == 0)
			return &g->kv[i];
	return NULL;
}

static int64_t
val(const struct got *g, const char *key)
{
	const struct kv *kv = find(g, key);

	if (kv == NULL)
		fail_msg("no %s", key);
	assert_true(kv->has_value);
	return kv->value;
}

static void
test_real(void **state)
{
	struct limits lim;
	struct got g;
	struct kv_sink sink = { put, &g };
	struct diag d;
	size_t len;
	char *text = slurp("fixtures/real/goheap-vars.json", &len);

	(void)state;
	memset(&g, 0, sizeof(g));
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
	assert_string_equal(find(&g, "GCCPUFraction")->text, "0.03085149235916328");
	assert_string_equal(find(&g, "EnableGC")->text, "true");
	assert_string_equal(find(&g, "DebugGC")->text, "false");
	assert_null(find(&g, "PauseNs"));
	assert_null(find(&g, "PauseEnd"));
	assert_null(find(&g, "BySize"));
	assert_null(find(&g, "cmdline"));
	assert_int_equal(g.n, 29);
	/* Sys is the sum of the *Sys fields. */
	assert_int_equal(val(&g, "Sys"), val(&g, "HeapSys") + val(&g, "StackSys") +
			 val(&g, "MSpanSys") + val(&g, "MCacheSys") + val(&g, "BuckHashSys") +
			 val(&g, "GCSys") + val(&g, "OtherSys"));
	free(text);
}

static void
test_hostile_deep(void **state)
{
	struct limits lim;
	struct got g;
	struct kv_sink sink = { put, &g };
	struct diag d;
	size_t len;
	char *text = slurp("fixtures/hostile/vars-deep.json", &len);

	(void)state;
	memset(&g, 0, sizeof(g));
	limits_default(&lim);
	diag_clear(&d);
	/* {"memstats": then 10^5 '[': the 65th level opens at byte 75. */
	assert_int_equal(expvar_parse(text, len, &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_LIMIT);
	assert_int_equal(d.offset, 75);
	assert_non_null(strstr(d.message, "json_depth"));
	assert_int_equal(g.n, 0);
	/* With the cap raised past jansson's own 2048, jansson refuses it: still no crash. */
	lim.json_depth = 1000000;
	assert_int_equal(expvar_parse(text, len, &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	free(text);
}

/* Hand-written edge cases, one each. */
static void
test_edges(void **state)
{
	struct limits lim;
	struct got g;
	struct kv_sink sink = { put, &g };
	struct diag d;
	static const char no_ms[] = "{\"cmdline\": [\"x\"]}";
	static const char bad[] = "{\"memstats\": {\"Sys\": 12,}}";
	static const char dup[] = "{\"memstats\": {\"Sys\": 1, \"Sys\": 2}}";
	static const char neg[] = "{\"memstats\": {\"Sys\": -1}}";
	static const char str[] = "{\"memstats\": {\"Sys\": 5, \"x\": \"[[[[\"}}";

	(void)state;
	limits_default(&lim);
	memset(&g, 0, sizeof(g));
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
	/* Brackets inside strings do not count towards the depth. */
	lim.json_depth = 2;
	assert_int_equal(expvar_parse(str, strlen(str), &lim, &sink, &d), 0);
	assert_int_equal(val(&g, "Sys"), 5);
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
