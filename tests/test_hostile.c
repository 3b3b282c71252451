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
#include <stdio.h>
#include <string.h>

#include "core/db.h"
#include "core/limits.h"
#include "ingest/ingest.h"
#include "tests/testutil.h"

struct outcome {
	int new_snapshots;
	int failures;
	struct diag first;	/* the first error reported */
	int warnings;
	struct diag warning;	/* the first warning */
	char new_dirs[4][64];	/* the directories of the first new snapshots */
};

static void
record(void *ctx, const struct ingest_event *ev)
{
	struct outcome *o = ctx;

	if (ev->kind == INGEST_SNAPSHOT_NEW) {
		if (o->new_snapshots < 4)
			snprintf(o->new_dirs[o->new_snapshots], sizeof(o->new_dirs[0]), "%s", ev->dir);
		o->new_snapshots++;
		return;
	}
	if (ev->kind == INGEST_MEMBER_WARNING) {
		if (o->warnings++ == 0)
			o->warning = *ev->diag;
		return;
	}
	if (ev->diag != NULL && o->failures++ == 0)
		o->first = *ev->diag;
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

/* Rows in every table: equal before and after means the store is unchanged. */
static int
all_rows(struct db *db)
{
	int t, n = 0;

	for (t = 0; db_export_tables[t] != NULL; t++)
		n += count_rows(db, db_export_tables[t], NULL, NULL);
	return n;
}

/* The store is consistent (no half snapshot, every VMA counted once): db_check. */
static void
assert_whole(struct db *db)
{
	struct diag d;

	diag_clear(&d);
	if (db_check(db, &d) != 0)
		fail_msg("%s", d.message);
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
	struct ingest_opts o = { .lim = &w->lim, .rules = w->rules };
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
	int before = tu_db_snapshots(w->db), after, rows = all_rows(w->db);
	struct outcome o;

	o = run(w, name, &after);
	assert_int_equal(o.new_snapshots, 0);
	assert_true(o.failures >= 1);
	assert_int_equal(after, before);
	assert_int_equal(all_rows(w->db), rows);
	assert_whole(w->db);
	assert_string_equal(diag_kind_name(o.first.kind), diag_kind_name(kind));
	assert_string_equal(o.first.member, member);
	assert_int_equal(o.first.line, line);
	assert_int_equal(o.first.offset, offset);
	assert_non_null(strstr(o.first.message, needle));
	assert_non_null(strstr(o.first.bundle, name));
}

/* expect(), and exactly failures errors were reported (each directory once). */
static void
expect_n(void **state, const char *name, int failures, enum diag_kind kind, const char *member,
	 uint64_t line, int64_t offset, const char *needle)
{
	struct tu_db *w = *state;
	int after;
	struct outcome o;

	expect(state, name, kind, member, line, offset, needle);
	o = run(w, name, &after);
	assert_int_equal(o.failures, failures);
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
	assert_string_equal(o.first.member, "snap/proc/maps");
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

/* ---- what an audit broke (issue 14) ---- */

static void
test_no_manifest(void **state)
{
	/* two members, no manifest: their list was read after being freed, and reported twice */
	expect_n(state, "no-manifest.rssgap.tar.gz", 1, DIAG_MISSING, "snap", 0, -1,
		 "has members but no manifest");
}

static void
test_manifest_symlink(void **state)
{
	/* the link refused by name, then the directory it leaves without a manifest */
	expect_n(state, "manifest-symlink.rssgap.tar.gz", 2, DIAG_UNSAFE, "snap/manifest", 0, -1,
		 "symbolic link");
}

static void
test_manifest_dir(void **state)
{
	expect_n(state, "manifest-dir.rssgap.tar.gz", 1, DIAG_MISSING, "snap", 0, -1,
		 "has members but no manifest");
}

/*
 * A bundle that gives new snapshots: how many go in, how many errors, the
 * first one's member, offset and text, and the store consistent after.
 */
static struct outcome
expect_some(const char *name, int new_snapshots, int failures, const char *member,
	    int64_t offset, const char *needle)
{
	struct tu_db fresh;
	int after;
	struct outcome o;

	/* a store of its own: the snapshots are those of fixtures other tests ingest */
	tu_db_init(&fresh);
	o = run(&fresh, name, &after);
	assert_int_equal(o.new_snapshots, new_snapshots);
	assert_int_equal(o.failures, failures);
	if (failures > 0) {
		assert_string_equal(o.first.member, member);
		assert_int_equal(o.first.offset, offset);
		assert_non_null(strstr(o.first.message, needle));
		assert_non_null(strstr(o.first.bundle, name));
	}
	assert_int_equal(after, new_snapshots);
	assert_whole(fresh.db);
	tu_db_release(&fresh);
	return o;
}

static void
test_damaged_header(void **state)
{
	/*
	 * a's proc/status header (byte 52736 of the tar) has a bad checksum:
	 * libarchive's ARCHIVE_RETRY, once silent; a may have lost a member, b is whole
	 */
	struct outcome o = expect_some("damaged-header.rssgap.tar.gz", 1, 1, "", 52736,
				       "damaged tar header");

	(void)state;
	assert_string_equal(diag_kind_name(o.first.kind), "format");
	assert_non_null(strstr(o.first.message, "snapshot \"a\" is rolled back"));
	assert_string_equal(o.new_dirs[0], "b");
}

static void
test_concatenated(void **state)
{
	/* cat a.tar.gz b.tar.gz: the second gzip member (and tar) was ignored */
	struct outcome o = expect_some("concatenated.rssgap.tar.gz", 2, 0, NULL, 0, NULL);

	(void)state;
	assert_string_equal(o.new_dirs[0], "a");
	assert_string_equal(o.new_dirs[1], "b");
}

static void
test_trailing_garbage(void **state)
{
	/* 18 bytes after the gzip stream (8974 bytes): what was read is whole and goes in */
	struct outcome o = expect_some("trailing-garbage.rssgap.tar.gz", 1, 1, "", 8974,
				       "18 bytes after the end of the compressed archive");

	(void)state;
	assert_string_equal(diag_kind_name(o.first.kind), "format");
}

/* A held_bytes refusal: one error naming member, in its first block (libarchive's size). */
static void
expect_held(void **state, uint64_t held_bytes, const char *member, const char *needle)
{
	struct tu_db *w = *state;
	int before = tu_db_snapshots(w->db), after, rows = all_rows(w->db);
	uint64_t saved = w->lim.held_bytes;
	struct outcome o;

	w->lim.held_bytes = held_bytes;
	o = run(w, "held-before-manifest.rssgap.tar.gz", &after);
	w->lim.held_bytes = saved;
	assert_int_equal(o.new_snapshots, 0);
	assert_int_equal(o.failures, 1);
	assert_string_equal(diag_kind_name(o.first.kind), "limit");
	assert_string_equal(o.first.member, member);
	assert_true(o.first.offset > 0 && o.first.offset <= 65536);
	assert_non_null(strstr(o.first.message, needle));
	assert_int_equal(after, before);
	assert_int_equal(all_rows(w->db), rows);
}

static void
test_held_before_manifest(void **state)
{
	/* 5 members of 16 MiB before the manifest: the fifth passes held_bytes (64 MiB) */
	expect_held(state, 64u << 20, "snap/cgroup/memory.x4",
		    "more than 67108864 bytes (limit held_bytes)");
}

static void
test_held_lowered(void **state)
{
	/* the same cap lowered: the first member held is refused */
	expect_held(state, 4096, "snap/cgroup/memory.x0", "more than 4096 bytes (limit held_bytes)");
}

static void
test_interleaved(void **state)
{
	/*
	 * a's first 3 members, all of b, a's other 13: a went in with 3 of its
	 * 16 members; now it is found split and removed again, b stays
	 */
	struct tu_db fresh;
	int after;
	struct outcome o;

	(void)state;
	tu_db_init(&fresh);
	o = run(&fresh, "interleaved.rssgap.tar.gz", &after);
	assert_int_equal(o.new_snapshots, 2);
	assert_int_equal(o.failures, 1);
	assert_string_equal(diag_kind_name(o.first.kind), "format");
	assert_string_equal(o.first.member, "a/proc/maps");
	assert_non_null(strstr(o.first.message, "split by another snapshot's"));
	assert_non_null(strstr(o.first.message, "snapshot 1 is incomplete and is removed again"));
	assert_int_equal(after, 1);
	assert_string_equal(o.new_dirs[1], "b");
	assert_int_equal(count_rows(fresh.db, "snapshot", "dir", "b"), 1);
	assert_whole(fresh.db);
	tu_db_release(&fresh);
}

static void
test_totals_overflow(void **state)
{
	/* two VMAs of 2^63 - 1024 bytes each: the total wrapped to "rss -1 B" (signed overflow) */
	expect(state, "totals-overflow.rssgap.tar.gz", DIAG_FORMAT, "snap/proc/smaps", 27, -1,
	       "Size total passes 2^63 bytes");
}

static void
test_duplicate_vma(void **state)
{
	/* the second VMA listed twice (lines 27 and 53): its Rss counted twice */
	expect(state, "duplicate-vma.rssgap.tar.gz", DIAG_FORMAT, "snap/proc/smaps", 53, -1,
	       "overlaps or comes before the VMA at line 27");
}

static void
test_page_size(void **state)
{
	expect(state, "page-size-nan.rssgap.tar.gz", DIAG_FORMAT, "snap/manifest", 9, -1,
	       "bad page_size \"NaN\"");
	expect(state, "page-size-negative.rssgap.tar.gz", DIAG_FORMAT, "snap/manifest", 9, -1,
	       "bad page_size \"-4096\"");
}

static void
test_nul_path(void **state)
{
	/* found by fuzz_smaps: a NUL in a path (column 108) was stored and read back cut short */
	expect(state, "nul-path.rssgap.tar.gz", DIAG_FORMAT, "snap/proc/smaps", 1, -1,
	       "NUL byte in the path at column 108");
}

static void
test_pax_warning(void **state)
{
	/* libarchive's ARCHIVE_WARN on a member it still reads: said, not a failure */
	struct tu_db fresh;
	int after;
	struct outcome o;

	(void)state;
	tu_db_init(&fresh);
	o = run(&fresh, "pax-warning.rssgap.tar.gz", &after);
	assert_int_equal(o.new_snapshots, 1);
	assert_int_equal(o.failures, 0);
	assert_int_equal(o.warnings, 1);
	assert_string_equal(o.warning.member, "snap/proc/status");
	assert_non_null(strstr(o.warning.message, "warning: Ignoring malformed pax extended attribute"));
	assert_int_equal(count_rows(fresh.db, "status", NULL, NULL) > 0, 1);
	assert_whole(fresh.db);
	tu_db_release(&fresh);
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
		cmocka_unit_test(test_no_manifest),
		cmocka_unit_test(test_manifest_symlink),
		cmocka_unit_test(test_manifest_dir),
		cmocka_unit_test(test_damaged_header),
		cmocka_unit_test(test_concatenated),
		cmocka_unit_test(test_trailing_garbage),
		cmocka_unit_test(test_held_before_manifest),
		cmocka_unit_test(test_held_lowered),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_totals_overflow),
		cmocka_unit_test(test_duplicate_vma),
		cmocka_unit_test(test_page_size),
		cmocka_unit_test(test_nul_path),
		cmocka_unit_test(test_pax_warning),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
