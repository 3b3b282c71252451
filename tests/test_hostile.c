/*
 * Every bundle in fixtures/hostile/ (made by make-hostile.py from the real
 * baseline capture): the error's kind, member and line or byte offset, and
 * that the database holds nothing of the refused snapshot.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "core/db.h"
#include "core/limits.h"
#include "ingest/ingest.h"
#include "tests/testutil.h"

struct outcome {
	int new_snapshots;
	int failures;
	struct diag first;	/* the first error reported */
};

static void
record(void *ctx, const struct ingest_event *ev)
{
	struct outcome *o = ctx;

	if (ev->kind == INGEST_SNAPSHOT_NEW) {
		o->new_snapshots++;
		return;
	}
	if (ev->diag != NULL && o->failures++ == 0)
		o->first = *ev->diag;
}

static int
setup(void **state)
{
	static struct tu_db w;

	tu_db_init(&w);
	*state = &w;
	return 0;
}

static int
teardown(void **state)
{
	tu_db_release(*state);
	return 0;
}

/* Ingest one hostile bundle; returns the outcome and the snapshot count after. */
static struct outcome
run(struct tu_db *w, const char *name, int *snapshots)
{
	char path[256];
	struct ingest_opts o = { &w->lim, w->rules, NULL };
	struct outcome out;

	memset(&out, 0, sizeof(out));
	snprintf(path, sizeof(path), "fixtures/hostile/%s", name);
	ingest_bundle(w->db, path, &o, record, &out);
	*snapshots = tu_db_snapshots(w->db);
	return out;
}

static void
expect(void **state, const char *name, enum diag_kind kind, const char *member, uint64_t line,
       int64_t offset, const char *needle)
{
	struct tu_db *w = *state;
	int before = tu_db_snapshots(w->db), after;
	struct outcome o;

	o = run(w, name, &after);
	assert_int_equal(o.new_snapshots, 0);
	assert_true(o.failures >= 1);
	assert_int_equal(after, before);
	assert_string_equal(diag_kind_name(o.first.kind), diag_kind_name(kind));
	assert_string_equal(o.first.member, member);
	assert_int_equal(o.first.line, line);
	assert_int_equal(o.first.offset, offset);
	assert_non_null(strstr(o.first.message, needle));
	assert_non_null(strstr(o.first.bundle, name));
}

static void
test_truncated_gzip(void **state)
{
	expect(state, "truncated.rssgap.tar.gz", DIAG_FORMAT, "", 0, -1, "truncated gzip");
}

static void
test_dotdot(void **state)
{
	expect(state, "dotdot.rssgap.tar.gz", DIAG_UNSAFE, "snap/../../x", 0, -1, "\"..\"");
}

static void
test_absolute(void **state)
{
	expect(state, "absolute.rssgap.tar.gz", DIAG_UNSAFE, "/etc/x", 0, -1, "absolute");
}

static void
test_symlink(void **state)
{
	expect(state, "symlink.rssgap.tar.gz", DIAG_UNSAFE, "snap/proc/status", 0, -1,
	       "symbolic link");
}

static void
test_claims_10g(void **state)
{
	/* the header says 10 GiB; 2048 bytes follow: counted as read, never trusted */
	expect(state, "claims-10g.rssgap.tar.gz", DIAG_FORMAT, "snap/proc/smaps", 0, 2048,
	       "Truncated tar archive");
}

static void
test_bomb(void **state)
{
	/* 101 KB inflating to 5 GiB: stopped once past 16 MiB at a ratio over 1000 */
	struct tu_db *w = *state;
	int after;
	struct outcome o = run(w, "bomb.rssgap.tar.gz.gz", &after);

	assert_int_equal(o.new_snapshots, 0);
	assert_string_equal(diag_kind_name(o.first.kind), "limit");
	assert_string_equal(o.first.member, "snap/proc/smaps");
	assert_non_null(strstr(o.first.message, "inflate_ratio"));
	assert_true(o.first.offset > 16 * 1024 * 1024 && o.first.offset < 32 * 1024 * 1024);
	assert_int_equal(after, 0);
}

static void
test_bad_range(void **state)
{
	expect(state, "bad-range.rssgap.tar.gz", DIAG_FORMAT, "snap/proc/smaps", 1, -1,
	       "bad address range \"zz0000-00c004000000\"");
}

static void
test_overflow(void **state)
{
	expect(state, "overflow.rssgap.tar.gz", DIAG_FORMAT, "snap/proc/smaps", 5, -1,
	       "overflows 64 bits");
}

static void
test_no_format(void **state)
{
	expect(state, "no-format.rssgap.tar.gz", DIAG_MISSING, "snap/manifest", 0, -1,
	       "manifest has no format");
}

static void
test_no_smaps(void **state)
{
	expect(state, "no-smaps.rssgap.tar.gz", DIAG_MISSING, "snap", 0, -1,
	       "neither proc/smaps nor proc/maps");
}

static void
test_non_utf8(void **state)
{
	expect(state, "non-utf8.rssgap.tar.gz", DIAG_UNSAFE, "snap/runtime/\xff\xfe.txt", 0, -1,
	       "not valid UTF-8");
}

static void
test_long_line(void **state)
{
	expect(state, "long-line.rssgap.tar.gz", DIAG_LIMIT, "snap/proc/smaps", 1, -1,
	       "line_bytes");
}

static void
test_one_good_one_bad(void **state)
{
	struct tu_db *w = *state;
	int before = tu_db_snapshots(w->db), after;
	struct outcome o;

	o = run(w, "one-good-one-bad.rssgap.tar.gz", &after);
	assert_int_equal(o.new_snapshots, 1);
	assert_int_equal(o.failures, 1);
	assert_string_equal(o.first.member, "bad/proc/smaps");
	assert_int_equal(o.first.line, 1);
	assert_int_equal(after, before + 1);
}

static void
test_twice_smaps(void **state)
{
	/* a second proc/smaps would double the snapshot's VMAs and Rss past the vmas cap */
	expect(state, "twice-smaps.rssgap.tar.gz", DIAG_FORMAT, "snap/proc/smaps", 0, -1,
	       "member appears twice");
}

static void
test_twice_manifest(void **state)
{
	/* a second manifest (another pid) in the snapshot's directory, after its smaps */
	expect(state, "twice-manifest.rssgap.tar.gz", DIAG_FORMAT, "snap/manifest", 0, -1,
	       "member appears twice");
}

static void
test_many_keys(void **state)
{
	/* 200,000 memory.stat keys: the values wait in memory until the member ends */
	expect(state, "many-keys.rssgap.tar.gz", DIAG_LIMIT, "snap/cgroup/memory.stat", 100001, -1,
	       "limit kv_rows");
}

/* Rows of exported table name whose column col equals want (NULL: every row). */
struct count_rows {
	const char *col, *want;
	int n;
};

static int
count_row(void *ctx, int n, const char *const *names, const char *const *values)
{
	struct count_rows *c = ctx;
	int i;

	for (i = 0; i < n; i++)
		if (c->col == NULL || (strcmp(names[i], c->col) == 0 && values[i] != NULL &&
				       strcmp(values[i], c->want) == 0))
			break;
	if (i < n)
		c->n++;
	return 0;
}

static int
count_rows(struct db *db, const char *table, const char *col, const char *want)
{
	struct count_rows c = { col, want, 0 };
	struct diag d;
	int t;

	diag_clear(&d);
	for (t = 0; db_export_tables[t] != NULL; t++)
		if (strcmp(db_export_tables[t], table) == 0)
			break;
	assert_non_null(db_export_tables[t]);
	assert_int_equal(db_export_each(db, t, count_row, &c, &d), 0);
	return c.n;
}

static void
test_runtime_bad_prom(void **state)
{
	/* the real metrics.prom and one bad line after it: the member leaves no series behind */
	struct tu_db *w = *state;
	int before = tu_db_snapshots(w->db), after;
	int series = count_rows(w->db, "prom_series", NULL, NULL);
	int invalid = count_rows(w->db, "member", "status", "invalid");
	struct outcome o;

	o = run(w, "runtime-bad-prom.rssgap.tar.gz", &after);
	assert_int_equal(o.new_snapshots, 1);
	assert_int_equal(o.failures, 1);
	assert_string_equal(diag_kind_name(o.first.kind), "format");
	assert_string_equal(o.first.member, "snap/runtime/metrics.prom");
	assert_int_equal(o.first.line, 171);
	assert_non_null(strstr(o.first.message, "bad sample value"));
	assert_int_equal(after, before + 1);
	assert_int_equal(count_rows(w->db, "member", "status", "invalid"), invalid + 1);
	assert_int_equal(count_rows(w->db, "prom_series", NULL, NULL), series);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncated_gzip),
		cmocka_unit_test(test_dotdot),
		cmocka_unit_test(test_absolute),
		cmocka_unit_test(test_symlink),
		cmocka_unit_test(test_claims_10g),
		cmocka_unit_test(test_bomb),
		cmocka_unit_test(test_bad_range),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_no_format),
		cmocka_unit_test(test_no_smaps),
		cmocka_unit_test(test_non_utf8),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_one_good_one_bad),
		cmocka_unit_test(test_runtime_bad_prom),
		cmocka_unit_test(test_twice_smaps),
		cmocka_unit_test(test_twice_manifest),
		cmocka_unit_test(test_many_keys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
