/*
 * The store and ingest end to end on real captures (fixtures/bundles):
 * schema versions, idempotent re-ingest, Rss equal to the smaps sum and to
 * smaps_rollup, selectors, a bundle given as a directory, and one that holds
 * the store itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/snapshot.h"
#include "core/db.h"
#include "core/limits.h"
#include "core/vma.h"
#include "ingest/bundle.h"
#include "ingest/ingest.h"
#include "tests/testutil.h"

struct world {
	struct tu_db t;
	char tmp[4096];
};

static int
setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return -1;
	tu_db_init(&w->t);
	if (tu_mkdtemp(w->tmp, sizeof(w->tmp), "rssgap-test-db") != 0)
		return -1;
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world *w = *state;

	tu_db_release(&w->t);
	if (tu_rmtree(w->tmp) != 0)
		return -1;
	free(w);
	return 0;
}

struct events {
	int64_t ids[64];
	int n_new, n_dup, n_fail;
};

static void
on_event(void *ctx, const struct ingest_event *ev)
{
	struct events *e = ctx;

	if (ev->kind == INGEST_SNAPSHOT_NEW || ev->kind == INGEST_SNAPSHOT_DUPLICATE) {
		if (e->n_new + e->n_dup < 64)
			e->ids[e->n_new + e->n_dup] = ev->id;
		if (ev->kind == INGEST_SNAPSHOT_NEW)
			e->n_new++;
		else
			e->n_dup++;
	} else {
		e->n_fail++;
		diag_print(ev->diag, stderr);
	}
}

static struct events
ingest(struct world *w, const char *path)
{
	struct ingest_opts o = { .lim = &w->t.lim, .rules = w->t.rules };
	struct events e;

	memset(&e, 0, sizeof(e));
	ingest_bundle(w->t.db, path, &o, on_event, &e);
	return e;
}

static int
sum_rss(void *ctx, const struct db_vma_row *v)
{
	*(int64_t *)ctx += v->field[VMA_RSS];
	return 0;
}

static int
rollup_rss(void *ctx, const char *group, const char *key, int has_value, int64_t value,
	   const char *text)
{
	(void)group;
	(void)text;
	if (has_value && strcmp(key, "Rss") == 0)
		*(int64_t *)ctx = value;
	return 0;
}

static void
test_ingest_real_and_reingest(void **state)
{
	struct world *w = *state;
	struct events e = ingest(w, "fixtures/bundles/zeroing-after.rssgap.tar.gz");
	struct snapshot_info *s;
	int64_t vma_sum = 0, rollup = -1;
	struct diag d;

	assert_int_equal(e.n_new, 1);
	assert_int_equal(e.n_fail, 0);
	diag_clear(&d);
	s = snapshot_info_load(w->t.db, e.ids[0], &d);
	assert_non_null(s);
	assert_int_equal(db_vmas_each(w->t.db, e.ids[0], sum_rss, &vma_sum, &d), 0);
	assert_int_equal(db_kv_each(w->t.db, DB_KV_ROLLUP, e.ids[0], rollup_rss, &rollup, &d), 0);
	assert_true(s->rss_known);
	assert_true(s->rss == vma_sum);
	assert_true(s->rss == rollup);
	assert_string_equal(snapshot_label(s, "scenario"), "zeroing-after");
	/* the Go heap of the touched scenario: one big resident region */
	assert_non_null(snapshot_role(s, "go-heap"));
	assert_true(snapshot_role(s, "go-heap")->rss > 100 * 1024 * 1024);
	snapshot_info_free(s);
	/* the same content again: nothing new */
	e = ingest(w, "fixtures/bundles/zeroing-after.rssgap.tar.gz");
	assert_int_equal(e.n_new, 0);
	assert_int_equal(e.n_dup, 1);
	assert_int_equal(tu_db_snapshots(w->t.db), 1);
}

static void
test_fleet_and_selectors(void **state)
{
	struct world *w = *state;
	struct events e = ingest(w, "fixtures/bundles/fleet.rssgap.tar.gz");
	const char *keys[3] = { "scenario", "version", "replica" };
	const char *values[3] = { "fleet", "v2", "21" };
	int64_t *ids = NULL, n = 0;
	struct diag d;

	assert_int_equal(e.n_new, 40);
	assert_int_equal(e.n_fail, 0);
	diag_clear(&d);
	assert_int_equal(db_select_ids(w->t.db, keys, values, 1, &ids, &n, &d), 0);
	assert_int_equal(n, 40);
	free(ids);
	assert_int_equal(db_select_ids(w->t.db, keys, values, 2, &ids, &n, &d), 0);
	assert_int_equal(n, 20);
	free(ids);
	assert_int_equal(db_select_ids(w->t.db, keys, values, 3, &ids, &n, &d), 0);
	assert_int_equal(n, 1);
	free(ids);
	/* a plain manifest key selects too */
	keys[0] = "comm";
	values[0] = "server";
	assert_int_equal(db_select_ids(w->t.db, keys, values, 1, &ids, &n, &d), 0);
	assert_int_equal(n, 41);	/* the fleet and zeroing-after of the test before */
	free(ids);
}

/* Unpack bundle into dir (made if missing): a directory bundle. */
static void
unpack(const char *bundle, const char *dir)
{
	char cmd[9000];

	/* TMPDIR holds no single quote, or the shell command breaks */
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && tar -xzf '%s' -C '%s'", dir, bundle, dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_directory_bundle(void **state)
{
	struct world *w = *state;
	char dir[4200];
	struct events e;

	snprintf(dir, sizeof(dir), "%s/unpacked", w->tmp);
	unpack("fixtures/bundles/cgo-after.rssgap.tar.gz", dir);
	e = ingest(w, dir);
	assert_int_equal(e.n_fail, 0);
	assert_int_equal(e.n_new + e.n_dup, 1);
	/* the same snapshot from the tar is a duplicate: the digest is of content, not container */
	e = ingest(w, "fixtures/bundles/cgo-after.rssgap.tar.gz");
	assert_int_equal(e.n_new, 0);
	assert_int_equal(e.n_dup, 1);
}

/* Does this process hold a POSIX write lock on path? (/proc/locks: Linux) */
static int
holds_write_lock(const char *path)
{
	struct stat st;
	char line[512];
	int found = 0;
	FILE *f;

	assert_int_equal(stat(path, &st), 0);
	f = fopen("/proc/locks", "r");
	if (f == NULL)
		skip();
	while (fgets(line, sizeof(line), f) != NULL) {
		char kind[16], mode[16];
		unsigned long ino;
		unsigned maj, min;
		long pid;

		/* "3: POSIX  ADVISORY  WRITE 23693 fe:00:9978513 120 120"; a waiter has "->" */
		if (sscanf(line, "%*d: %15s %*s %15s %ld %x:%x:%lu", kind, mode, &pid, &maj, &min,
			   &ino) == 6 &&
		    strcmp(kind, "POSIX") == 0 && strcmp(mode, "WRITE") == 0 && pid == (long)getpid() &&
		    ino == (unsigned long)st.st_ino)
			found = 1;
	}
	fclose(f);
	return found;
}

/*
 * A directory bundle that holds the store (a store kept among the
 * captures): reading it must not open the store's files, as closing any
 * descriptor of a file drops this process's POSIX locks on it, SQLite's
 * write lock among them. Held while the directory is read, the lock is
 * still held after; and the store named as a bundle is refused without
 * being opened.
 */
static void
test_store_inside_bundle(void **state)
{
	struct world *w = *state;
	char dir[4200], path[4300], shm[4400];
	struct db_files files;
	struct db *shared = w->t.db;
	struct bundle *b;
	struct events e;
	struct diag d;
	const char *name;
	const void *data;
	int rc, members = 0, store_seen = 0;

	snprintf(dir, sizeof(dir), "%s/withstore", w->tmp);
	unpack("fixtures/bundles/cgo-after.rssgap.tar.gz", dir);
	snprintf(path, sizeof(path), "%s/store.db", dir);
	diag_clear(&d);
	w->t.db = db_open(path, DB_CREATE, &d);
	assert_non_null(w->t.db);
	e = ingest(w, "fixtures/bundles/baseline.rssgap.tar.gz");
	assert_int_equal(e.n_new, 1);

	/* in WAL mode SQLite's write lock is a POSIX lock on the -shm file */
	snprintf(shm, sizeof(shm), "%s-shm", path);
	assert_int_equal(db_begin(w->t.db, &d), 0);
	assert_true(holds_write_lock(shm));
	db_files(w->t.db, &files);
	assert_true(files.n >= 3);	/* the database, its -wal and -shm */
	b = bundle_open(dir, &w->t.lim, &d);
	assert_non_null(b);
	bundle_skip(b, &files);
	while ((rc = bundle_next(b, &name, &d)) == 1) {
		store_seen += strstr(name, "store.db") != NULL;
		while (bundle_read(b, &data, &d) > 0)
			;
		members++;
	}
	assert_int_equal(rc, 0);
	bundle_free(b);
	assert_true(members > 3);
	/* without bundle_skip the walk opened and closed store.db-shm: the lock was gone */
	assert_true(holds_write_lock(shm));
	assert_int_equal(store_seen, 0);
	db_rollback(w->t.db);

	/* the whole directory ingests: the capture in it, the store passed over */
	e = ingest(w, dir);
	assert_int_equal(e.n_fail, 0);
	assert_int_equal(e.n_new, 1);
	/* the store itself as a bundle: one failure, the file never opened */
	e = ingest(w, path);
	assert_int_equal(e.n_fail, 1);
	assert_int_equal(e.n_new + e.n_dup, 0);
	db_free(w->t.db);
	w->t.db = shared;
}

/* Patch SQLite's header field user_version (offset 60, big-endian). */
static int
count_row(void *ctx, int n, const char *const *names, const char *const *values)
{
	(void)n;
	(void)names;
	(void)values;
	(*(long *)ctx)++;
	return 0;
}

/* rows[t]: the rows of db_export_tables[t] */
static int
count_rows(struct db *db, long *rows, int max)
{
	struct diag d;
	int t;

	diag_clear(&d);
	for (t = 0; db_export_tables[t] != NULL; t++) {
		assert_true(t < max);
		rows[t] = 0;
		assert_int_equal(db_export_each(db, t, count_row, &rows[t], &d), 0);
	}
	return t;
}

/*
 * db_snapshot_undo (a batch's snapshot without a savepoint, failing in the
 * store) leaves every table as it was before the snapshot went in, the
 * rowid tables (member, note, capture_error) included, and its content
 * goes in again as new under the same id.
 */
static void
test_snapshot_undo(void **state)
{
	struct world *w = *state;
	long before[32], with[32], after[32];
	struct events e;
	struct diag d;
	struct db *shared = w->t.db;
	char path[4200];
	int64_t id;
	int t, n, grew = 0;

	/* a store of its own: the others' snapshots are in the shared one */
	snprintf(path, sizeof(path), "%s/undo.db", w->tmp);
	diag_clear(&d);
	w->t.db = db_open(path, DB_CREATE, &d);
	assert_non_null(w->t.db);
	e = ingest(w, "fixtures/bundles/fleet.rssgap.tar.gz");
	assert_true(e.n_new > 1);
	n = count_rows(w->t.db, before, 32);
	e = ingest(w, "fixtures/bundles/baseline.rssgap.tar.gz");
	assert_int_equal(e.n_new, 1);
	id = e.ids[0];
	count_rows(w->t.db, with, 32);
	/* as in a batch: no foreign key cascades the snapshot's delete */
	diag_clear(&d);
	assert_int_equal(db_foreign_keys(w->t.db, 0, &d), 0);
	assert_int_equal(db_begin(w->t.db, &d), 0);
	assert_int_equal(db_snapshot_undo(w->t.db, id, &d), 0);
	assert_int_equal(db_commit(w->t.db, &d), 0);
	assert_int_equal(db_foreign_keys(w->t.db, 1, &d), 0);
	count_rows(w->t.db, after, 32);
	for (t = 0; t < n; t++) {
		grew += with[t] > before[t];
		if (after[t] != before[t])
			fail_msg("%s: %ld rows after the undo, %ld before the snapshot",
				 db_export_tables[t], after[t], before[t]);
	}
	assert_true(grew >= 5);	/* snapshot, manifest, vma, member, status at least */
	assert_int_equal(db_check(w->t.db, &d), 0);
	e = ingest(w, "fixtures/bundles/baseline.rssgap.tar.gz");
	assert_int_equal(e.n_new, 1);
	assert_int_equal(e.ids[0], id);
	count_rows(w->t.db, after, 32);
	for (t = 0; t < n; t++)
		assert_int_equal(after[t], with[t]);
	db_free(w->t.db);
	w->t.db = shared;
}

static void
set_user_version(const char *path, unsigned v)
{
	unsigned char be[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
				(unsigned char)(v >> 8), (unsigned char)v };
	FILE *f = fopen(path, "r+b");

	assert_non_null(f);
	assert_int_equal(fseek(f, 60, SEEK_SET), 0);
	assert_int_equal(fwrite(be, 1, 4, f), 4);
	assert_int_equal(fclose(f), 0);
}

static void
test_newer_schema_refused(void **state)
{
	struct world *w = *state;
	char path[4200];
	struct diag d;
	struct db *db;

	snprintf(path, sizeof(path), "%s/new.db", w->tmp);
	diag_clear(&d);
	db = db_open(path, DB_CREATE, &d);
	assert_non_null(db);
	db_free(db);
	/* reopening the same version works and migrates nothing */
	db = db_open(path, DB_CREATE, &d);
	assert_non_null(db);
	db_free(db);
	set_user_version(path, 99);
	db = db_open(path, DB_CREATE, &d);
	assert_null(db);
	assert_int_equal(d.kind, DIAG_DB);
	assert_non_null(strstr(d.message, "schema version 99 is newer than this rssgap's 2"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ingest_real_and_reingest),
		cmocka_unit_test(test_fleet_and_selectors),
		cmocka_unit_test(test_directory_bundle),
		cmocka_unit_test(test_store_inside_bundle),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_snapshot_undo),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
