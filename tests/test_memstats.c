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
	uint64_t line;
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
	assert_string_equal(group, "memstats");
	assert_true(g->n < 64);
	kv = &g->kv[g->n++];
	snprintf(kv->key, sizeof(kv->key), "%s", key);
	kv->has_value = has_value;
	kv->value = value;
	snprintf(kv->text, sizeof(kv->text), "%s", text ? text : "");
	kv->line = line;
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
	char *text = slurp("fixtures/real/goheap-heap.txt", &len);

	(void)state;
	memset(&g, 0, sizeof(g));
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
	assert_false(find(&g, "GCCPUFraction")->has_value);
	assert_string_equal(find(&g, "GCCPUFraction")->text, "0.03085149235916328");
	assert_string_equal(find(&g, "DebugGC")->text, "false");
	assert_null(find(&g, "PauseNs"));
	assert_null(find(&g, "PauseEnd"));
	assert_null(find(&g, "Stack"));
	/* The runtime's identity: Sys is the sum of the *Sys fields. */
	assert_int_equal(val(&g, "Sys"), val(&g, "HeapSys") + val(&g, "StackSys") +
			 val(&g, "MSpanSys") + val(&g, "MCacheSys") + val(&g, "BuckHashSys") +
			 val(&g, "GCSys") + val(&g, "OtherSys"));
	assert_int_equal(find(&g, "Alloc")->line, 2454);
	assert_int_equal(g.n, 28);
	free(text);
}

/* Hand-written edge cases, one each. */
static void
test_errors(void **state)
{
	struct limits lim;
	struct got g;
	struct kv_sink sink = { put, &g };
	struct diag d;
	static const char none[] = "heap profile: 0: 0 [0: 0] @ heap/1048576\n";
	static const char bad[] = "# runtime.MemStats\n# Alloc = 1\n# Sys = 12x\n";
	static const char pair[] = "# runtime.MemStats\n# Stack = 10\n";
	static const char neg[] = "# runtime.MemStats\n# Sys = 99999999999999999999\n";

	(void)state;
	limits_default(&lim);
	memset(&g, 0, sizeof(g));
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
		char *text = slurp("fixtures/real/goheap-heap.txt", &len);

		assert_int_equal(memstats_parse(text, len, &lim, &sink, &d), -1);
		assert_int_equal(d.kind, DIAG_LIMIT);
		free(text);
	}
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
