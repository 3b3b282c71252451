/*
 * ingest/manifest.c. No capture script has written a manifest yet, so the
 * inputs are hand-written (each pins the case its test names), shaped like
 * the format rssgap/1 of docs/capturing.md; fixtures/hostile/manifest-no-format.txt is
 * the committed hostile member.
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
#include "core/num.h"
#include "ingest/kv.h"
#include "ingest/manifest.h"
#include "tests/testutil.h"

/* The row of manifest key, failing the test when there is none. */
static const struct tu_kv_row *
find(const struct tu_kv *r, const char *key)
{
	return tu_kv_must(r, "manifest", key);
}

/* Every put of the manifest and errors parsers carries its text. */
static void
assert_texts(const struct tu_kv *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		assert_non_null(r->row[i].text);
}

static struct limits lim;

static int
setup(void **state)
{
	(void)state;
	limits_default(&lim);
	return 0;
}

/* Parse text into *r (emptied first); 0 or -1 with d filled. */
static int
parse(const char *text, struct tu_kv *r, struct diag *d)
{
	struct kv_sink sink = tu_kv_sink(r);
	int rc;

	tu_kv_free(r);
	diag_clear(d);
	rc = manifest_parse(text, strlen(text), &lim, &sink, d);
	assert_texts(r);
	return rc;
}

static void
expect_error(const char *text, enum diag_kind kind, uint64_t line, const char *message)
{
	struct tu_kv r = { 0 };
	struct diag d;

	assert_int_equal(parse(text, &r, &d), -1);
	assert_int_equal(d.kind, kind);
	assert_int_equal(d.line, line);
	assert_string_equal(d.message, message);
	tu_kv_free(&r);
}

static const char valid[] =
	"# written by rssgap-capture\n"
	"format=rssgap/1\n"
	"captured_at=2026-11-22T10:30:00Z\n"
	"\n"
	"pid=14170\n"
	"comm=smapsdemo\n"
	"  pod = api-7d9f  \n"
	"label.version=go1.24.1\n"
	"label.phase=after\n"
	"label.note=é ok, tabs\tkept\n"
	"future_key=kept too\n"
	"page_size=4096\n";

static void
test_valid(void **state)
{
	struct tu_kv r = { 0 };
	struct diag d;

	(void)state;
	assert_int_equal(parse(valid, &r, &d), 0);
	assert_int_equal(r.n, 10);
	tu_kv_assert_group(&r, "manifest");
	assert_string_equal(r.row[0].key, "format");
	assert_string_equal(r.row[0].text, "rssgap/1");
	assert_int_equal(r.row[0].line, 2);
	assert_true(find(&r, "captured_at")->has_value);
	assert_int_equal(find(&r, "captured_at")->value, 1795343400);	/* date -u -d ... +%s */
	assert_string_equal(find(&r, "captured_at")->text, "2026-11-22T10:30:00Z");
	assert_true(find(&r, "pid")->has_value);
	assert_int_equal(find(&r, "pid")->value, 14170);
	assert_int_equal(find(&r, "pid")->line, 5);
	assert_false(find(&r, "comm")->has_value);
	assert_string_equal(find(&r, "pod")->text, "api-7d9f");
	assert_string_equal(find(&r, "label.version")->text, "go1.24.1");
	assert_string_equal(find(&r, "label.phase")->text, "after");
	assert_string_equal(find(&r, "label.note")->text, "é ok, tabs\tkept");
	assert_string_equal(find(&r, "future_key")->text, "kept too");
	assert_false(find(&r, "page_size")->has_value);
	tu_kv_free(&r);
}

/* Comments, blank lines, a BOM, CRLF, "=" inside a value, no final newline. */
static void
test_comments_and_shapes(void **state)
{
	struct tu_kv r = { 0 };
	struct diag d;

	(void)state;
	assert_int_equal(parse("\xef\xbb\xbf# comment=not a key\r\n"
			       "   # indented comment\r\n"
			       "\t\r\n"
			       "format=rssgap/1\r\n"
			       "pid=1\r\n"
			       "label.query=a=b\r\n"
			       "captured_at=2024-02-29T23:59:60.123456+00:00",
			       &r, &d), 0);
	assert_int_equal(r.n, 4);
	assert_string_equal(find(&r, "label.query")->text, "a=b");
	assert_int_equal(find(&r, "captured_at")->line, 7);
	assert_int_equal(find(&r, "captured_at")->value, 1709251199);
	tu_kv_free(&r);
}

static void
test_hostile_no_format(void **state)
{
	struct tu_kv r = { 0 };
	struct kv_sink sink = tu_kv_sink(&r);
	struct diag d;
	size_t len;
	char *data = tu_read_file("fixtures/hostile/manifest-no-format.txt", &len);

	(void)state;
	diag_clear(&d);
	assert_int_equal(manifest_parse(data, len, &lim, &sink, &d), -1);
	assert_texts(&r);
	assert_int_equal(d.kind, DIAG_MISSING);
	assert_int_equal(d.line, 0);
	assert_string_equal(d.message, "manifest has no format (expected format=rssgap/1)");
	free(data);
	tu_kv_free(&r);
}

static void
test_required(void **state)
{
	(void)state;
	expect_error("format=rssgap/2\n", DIAG_FORMAT, 1,
		     "unsupported format \"rssgap/2\" (expected rssgap/1)");
	expect_error("format=rssgap/1\npid=3\n", DIAG_MISSING, 0,
		     "manifest has no captured_at (expected an RFC 3339 UTC time)");
	expect_error("format=rssgap/1\ncaptured_at=2026-11-22T10:30:00Z\n", DIAG_MISSING, 0,
		     "manifest has no pid (expected a positive integer)");
	expect_error("format=rssgap/1\npid=0\n", DIAG_FORMAT, 2,
		     "bad pid \"0\" (expected a positive integer)");
	expect_error("format=rssgap/1\npid=-4\n", DIAG_FORMAT, 2,
		     "bad pid \"-4\" (expected a positive integer)");
	expect_error("format=rssgap/1\npid=99999999999999999999\n", DIAG_FORMAT, 2,
		     "bad pid \"99999999999999999999\" (expected a positive integer)");
}

static void
test_bad_captured_at(void **state)
{
	static const char *const bad[] = {
		"2026-11-22 10:30:00Z",		/* space for T */
		"2026-11-22T10:30:00",		/* no zone */
		"2026-11-22T10:30:00+01:00",	/* not UTC */
		"2026-11-22T10:30Z",		/* no seconds */
		"2026-13-22T10:30:00Z",		/* month 13 */
		"2023-02-29T10:30:00Z",		/* not a leap year */
		"2026-04-31T10:30:00Z",		/* April has 30 days */
		"2026-11-22T24:00:00Z",		/* hour 24 */
		"2026-11-22T10:30:00.Z",	/* empty fraction */
		"2026-11-22T10:30:00ZZ",
		"1795343400",
		"",
	};
	char text[256], message[256];
	size_t i;
	int64_t t;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(num_parse_utc(bad[i], strlen(bad[i]), &t), -1);
		snprintf(text, sizeof(text), "format=rssgap/1\npid=1\ncaptured_at=%s\n", bad[i]);
		snprintf(message, sizeof(message),
			 "bad captured_at \"%s\" (expected RFC 3339 UTC like 2026-11-22T10:30:00Z)",
			 bad[i]);
		expect_error(text, DIAG_FORMAT, 3, message);
	}
	assert_int_equal(num_parse_utc("1970-01-01T00:00:00Z", 20, &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(num_parse_utc("2000-03-01t00:00:00z", 20, &t), 0);
	assert_int_equal(t, 951868800);
}

static void
test_bad_lines(void **state)
{
	(void)state;
	expect_error("format=rssgap/1\ncomm=caf\xe9\n", DIAG_FORMAT, 2,
		     "manifest line is not clean UTF-8 text (expected UTF-8 without control characters)");
	expect_error("format=rssgap/1\ncomm=a\x1b[31mred\n", DIAG_FORMAT, 2,
		     "manifest line is not clean UTF-8 text (expected UTF-8 without control characters)");
	expect_error("format=rssgap/1\njust words\n", DIAG_FORMAT, 2,
		     "bad manifest line \"just words\" (expected key=value)");
	expect_error("format=rssgap/1\n=x\n", DIAG_FORMAT, 2,
		     "empty key in \"=x\" (expected key=value)");
	expect_error("format=rssgap/1\npid=1\npid=2\n", DIAG_FORMAT, 3,
		     "duplicate key \"pid\" (expected once)");
	expect_error("format=rssgap/1\nlabel.a=1\nlabel.a =2\n", DIAG_FORMAT, 3,
		     "duplicate key \"label.a\" (expected once)");
}

static int
count_put(void *ctx, const char *group, const char *key, int has_value, int64_t value,
	  const char *text, uint64_t line, struct diag *d)
{
	(void)group;
	(void)key;
	(void)has_value;
	(void)value;
	(void)text;
	(void)line;
	(void)d;
	++*(int *)ctx;
	return 0;
}

/* Many distinct keys go through the duplicate check's hash set; a repeat is still caught. */
static void
test_many_keys(void **state)
{
	struct kv_sink sink;
	struct diag d;
	char *text = malloc(1 << 20), *p = text;
	int i, count = 0;

	(void)state;
	p += sprintf(p, "format=rssgap/1\ncaptured_at=2026-11-22T10:30:00Z\npid=7\n");
	for (i = 0; i < 20000; i++)
		p += sprintf(p, "label.k%d=v\n", i);
	sink.put = count_put;
	sink.ctx = &count;
	diag_clear(&d);
	assert_int_equal(manifest_parse(text, (size_t)(p - text), &lim, &sink, &d), 0);
	assert_int_equal(count, 20003);
	p += sprintf(p, "label.k12345=again\n");
	count = 0;
	assert_int_equal(manifest_parse(text, (size_t)(p - text), &lim, &sink, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_int_equal(d.line, 20004);
	assert_string_equal(d.message, "duplicate key \"label.k12345\" (expected once)");
	free(text);
}

static void
test_errors_member(void **state)
{
	struct tu_kv r = { 0 };
	struct kv_sink sink = tu_kv_sink(&r);
	struct diag d;
	const char *text = "proc/smaps: Permission denied\n"
			   "runtime/heap.pb.gz: curl: (7) Failed to connect to localhost port 6060\n"
			   "\n"
			   "cgroup/memory.peak:\n";

	(void)state;
	diag_clear(&d);
	assert_int_equal(manifest_errors_parse(text, strlen(text), &lim, &sink, &d), 0);
	assert_texts(&r);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.row[0].group, "errors");
	assert_string_equal(r.row[0].key, "proc/smaps");
	assert_string_equal(r.row[0].text, "Permission denied");
	assert_false(r.row[0].has_value);
	assert_string_equal(r.row[1].key, "runtime/heap.pb.gz");
	assert_string_equal(r.row[1].text, "curl: (7) Failed to connect to localhost port 6060");
	assert_string_equal(r.row[2].key, "cgroup/memory.peak");
	assert_string_equal(r.row[2].text, "");
	assert_int_equal(r.row[2].line, 4);
	text = "proc/smaps Permission denied\n";
	tu_kv_free(&r);
	assert_int_equal(manifest_errors_parse(text, strlen(text), &lim, &sink, &d), -1);
	assert_texts(&r);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_int_equal(d.line, 1);
	assert_string_equal(d.message,
			    "bad errors line \"proc/smaps Permission denied\" (expected FILE: REASON)");
	tu_kv_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_comments_and_shapes),
		cmocka_unit_test(test_hostile_no_format),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_bad_captured_at),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_errors_member),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
