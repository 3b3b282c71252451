#include "core/db.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/vma.h"
#include "core/xalloc.h"

/* Each migration brings the schema from version i to i+1. */
static const struct {
	int version;
	const char *sql;
} migrations[] = {
	{ 1,
	  "CREATE TABLE snapshot("
	  " id INTEGER PRIMARY KEY, digest TEXT NOT NULL UNIQUE, bundle TEXT NOT NULL,"
	  " dir TEXT NOT NULL, captured_at TEXT NOT NULL, pid INTEGER NOT NULL,"
	  " comm TEXT, host TEXT, pod TEXT, namespace TEXT, container TEXT, node TEXT,"
	  " kernel TEXT, arch TEXT, page_size INTEGER, tool TEXT,"
	  " ingested_at TEXT NOT NULL, vma_source TEXT, vma_count INTEGER,"
	  " unknown_fields INTEGER, rss_known INTEGER, size INTEGER, rss INTEGER,"
	  " pss INTEGER, anonymous INTEGER, lazyfree INTEGER, anon_huge_pages INTEGER,"
	  " swap INTEGER, cgroup_version INTEGER);"
	  "CREATE TABLE manifest("
	  " snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	  " key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(snapshot_id, key)) WITHOUT ROWID;"
	  /*
	   * A rowid table keyed so that ingest appends: id = snapshot_id << 24 | idx
	   * (DB_VMAS_MAX per snapshot). A snapshot's VMAs are the rowid range
	   * [id << 24, (id + 1) << 24): reads need no other index, and the trigger
	   * below deletes them with the snapshot (a foreign key would cost a
	   * parent lookup per row and a full scan per deleted snapshot).
	   */
	  "CREATE TABLE vma("
	  " id INTEGER PRIMARY KEY, snapshot_id INTEGER NOT NULL,"
	  " idx INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,"
	  " perms TEXT NOT NULL, offset INTEGER NOT NULL, dev TEXT NOT NULL,"
	  " inode INTEGER NOT NULL, path TEXT NOT NULL, role TEXT NOT NULL,"
	  " size INTEGER, kernel_page_size INTEGER, mmu_page_size INTEGER, rss INTEGER,"
	  " pss INTEGER, pss_anon INTEGER, pss_file INTEGER, pss_shmem INTEGER,"
	  " pss_dirty INTEGER, shared_clean INTEGER, shared_dirty INTEGER,"
	  " private_clean INTEGER, private_dirty INTEGER, referenced INTEGER,"
	  " anonymous INTEGER, ksm INTEGER, lazyfree INTEGER, anon_huge_pages INTEGER,"
	  " shmem_pmd_mapped INTEGER, file_pmd_mapped INTEGER, shared_hugetlb INTEGER,"
	  " private_hugetlb INTEGER, swap INTEGER, swap_pss INTEGER, locked INTEGER,"
	  " thp_eligible INTEGER, protection_key INTEGER, vmflags TEXT);"
	  "CREATE TRIGGER snapshot_vma_delete AFTER DELETE ON snapshot BEGIN"
	  " DELETE FROM vma WHERE id >= old.id << 24 AND id < (old.id + 1) << 24; END;"
	  "CREATE TABLE role_total("
	  " snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	  " role TEXT NOT NULL, vmas INTEGER NOT NULL, size INTEGER, rss INTEGER, pss INTEGER,"
	  " anonymous INTEGER, lazyfree INTEGER, anon_huge_pages INTEGER, swap INTEGER,"
	  " private_dirty INTEGER, PRIMARY KEY(snapshot_id, role)) WITHOUT ROWID;"
	  "CREATE TABLE status("
	  " snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	  " key TEXT NOT NULL, value INTEGER, text TEXT, PRIMARY KEY(snapshot_id, key)) WITHOUT ROWID;"
	  "CREATE TABLE smaps_rollup("
	  " snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	  " key TEXT NOT NULL, value INTEGER, PRIMARY KEY(snapshot_id, key)) WITHOUT ROWID;"
	  "CREATE TABLE cgroup("
	  " snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	  " file TEXT NOT NULL, key TEXT NOT NULL, value INTEGER, text TEXT,"
	  " PRIMARY KEY(snapshot_id, file, key)) WITHOUT ROWID;"
	  "CREATE TABLE capture_error("
	  " snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	  " file TEXT NOT NULL, reason TEXT NOT NULL);"
	  "CREATE TABLE runtime_raw("
	  " snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	  " source TEXT NOT NULL, name TEXT NOT NULL, value INTEGER, text TEXT,"
	  " PRIMARY KEY(snapshot_id, source, name)) WITHOUT ROWID;"
	  "CREATE TABLE runtime("
	  " snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	  " name TEXT NOT NULL, value INTEGER NOT NULL, source TEXT NOT NULL,"
	  " PRIMARY KEY(snapshot_id, name)) WITHOUT ROWID;"
	  "CREATE TABLE prom_series("
	  " snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	  " name TEXT NOT NULL, labels TEXT NOT NULL, value REAL,"
	  " PRIMARY KEY(snapshot_id, name, labels)) WITHOUT ROWID;"
	  "CREATE TABLE pprof_total("
	  " snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	  " sample_type TEXT NOT NULL, unit TEXT NOT NULL, total INTEGER NOT NULL,"
	  " PRIMARY KEY(snapshot_id, sample_type)) WITHOUT ROWID;"
	  "CREATE TABLE pprof_site("
	  " snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	  " rank INTEGER NOT NULL, leaf TEXT NOT NULL, frames TEXT NOT NULL,"
	  " inuse_space INTEGER, inuse_objects INTEGER, alloc_space INTEGER,"
	  " alloc_objects INTEGER, PRIMARY KEY(snapshot_id, rank)) WITHOUT ROWID;"
	  "CREATE TABLE member("
	  " snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	  " name TEXT NOT NULL, bytes INTEGER NOT NULL, status TEXT NOT NULL);"
	  "CREATE TABLE note("
	  " snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	  " member TEXT NOT NULL, line INTEGER, message TEXT NOT NULL);" },
};

enum stmt {
	S_SNAP_BY_DIGEST,
	S_SNAP_INSERT,
	S_SNAP_FINISH,
	S_SNAP_DELETE,
	S_MANIFEST_PUT,
	S_VMA_PUT,
	S_VMA_BATCH,
	S_ROLE_PUT,
	S_STATUS_PUT,
	S_ROLLUP_PUT,
	S_CGROUP_PUT,
	S_ERROR_PUT,
	S_RUNTIME_RAW_PUT,
	S_RUNTIME_PUT,
	S_PROM_PUT,
	S_PPROF_TOTAL_PUT,
	S_PPROF_SITE_PUT,
	S_MEMBER_PUT,
	S_NOTE_PUT,
	S_ROWS_STATUS,		/* S_ROWS_STATUS + enum db_rows_table */
	S_ROWS_ROLLUP,
	S_ROWS_CGROUP,
	S_ROWS_ERRORS,
	S_ROWS_RUNTIME_RAW,
	S_ROWS_MANIFEST,
	S_ROWS_MEMBER,
	S_ROWS_PROM,
	S_ROWS_RUNTIME,
	S_SNAP_ALL,
	S_SNAP_GET,
	S_MANIFEST_EACH,
	S_STATUS_EACH,
	S_ROLLUP_EACH,
	S_CGROUP_EACH,
	S_ERROR_EACH,
	S_RUNTIME_RAW_EACH,
	S_RUNTIME_EACH,
	S_NOTE_EACH,
	S_PPROF_TOTAL_EACH,
	S_ROLES_EACH,
	S_VMAS_EACH,
	S_VMAS_TOP,
	S_SITES_EACH,
	S_SELECT_KV,
	S_MANIFEST_VALUE,
	S_FLEET_ALL,
	S_RUNTIME_ALL,
	S_ROLES_ALL,
	S_GO_NAMED,
	S_GO_NAMED_ALL,
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_COUNT
};

#define SNAP_COLS \
	"id, bundle, dir, captured_at, comm, host, pod, namespace, container, node, kernel," \
	" arch, tool, vma_source, digest, pid, page_size, vma_count, unknown_fields," \
	" cgroup_version, rss_known, size, rss, pss, anonymous, lazyfree, anon_huge_pages, swap"
#define VMA_COLS \
	"idx, start, end, offset, inode, perms, dev, path, role, vmflags, size," \
	" kernel_page_size, mmu_page_size, rss, pss, pss_anon, pss_file, pss_shmem, pss_dirty," \
	" shared_clean, shared_dirty, private_clean, private_dirty, referenced, anonymous, ksm," \
	" lazyfree, anon_huge_pages, shmem_pmd_mapped, file_pmd_mapped, shared_hugetlb," \
	" private_hugetlb, swap, swap_pss, locked, thp_eligible, protection_key"

static const char *const sql[S_COUNT] = {
	[S_SNAP_BY_DIGEST] = "SELECT id FROM snapshot WHERE digest = ?1",
	[S_SNAP_INSERT] =
		"INSERT INTO snapshot(digest, bundle, dir, captured_at, pid, comm, host, pod,"
		" namespace, container, node, kernel, arch, page_size, tool, ingested_at)"
		" VALUES(coalesce(?15, 'pending:' || hex(randomblob(16))), ?1, ?2, ?3, ?4, ?5, ?6,"
		" ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
	[S_SNAP_FINISH] =
		"UPDATE snapshot SET digest = ?2, vma_source = ?3, vma_count = ?4,"
		" unknown_fields = ?5, rss_known = ?6, size = ?7, rss = ?8, pss = ?9,"
		" anonymous = ?10, lazyfree = ?11, anon_huge_pages = ?12, swap = ?13,"
		" cgroup_version = ?14 WHERE id = ?1",
	/* the rows of every other table go with it (ON DELETE CASCADE, snapshot_vma_delete) */
	[S_SNAP_DELETE] = "DELETE FROM snapshot WHERE id = ?1",
	[S_MANIFEST_PUT] = "INSERT INTO manifest(snapshot_id, key, value) VALUES(?1, ?2, ?3)",
	[S_VMA_PUT] =
		"INSERT INTO vma(id, snapshot_id, " VMA_COLS ") VALUES((?1 << 24) | ?2, ?1, ?2, ?3,"
		" ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
		" ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36,"
		" ?37, ?38)",
	[S_VMA_BATCH] = "INSERT INTO vma(id, snapshot_id, " VMA_COLS ") SELECT id, snapshot_id, "
			VMA_COLS " FROM rssgap_vma_batch WHERE batch = ?1",
	[S_ROLE_PUT] =
		"INSERT INTO role_total(snapshot_id, role, vmas, size, rss, pss, anonymous,"
		" lazyfree, anon_huge_pages, swap, private_dirty)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[S_STATUS_PUT] = "INSERT OR REPLACE INTO status(snapshot_id, key, value, text)"
			 " VALUES(?1, ?3, ?4, ?5)",
	[S_ROLLUP_PUT] = "INSERT OR REPLACE INTO smaps_rollup(snapshot_id, key, value)"
			 " VALUES(?1, ?3, ?4)",
	[S_CGROUP_PUT] = "INSERT OR REPLACE INTO cgroup(snapshot_id, file, key, value, text)"
			 " VALUES(?1, ?2, ?3, ?4, ?5)",
	[S_ERROR_PUT] = "INSERT INTO capture_error(snapshot_id, file, reason)"
			" VALUES(?1, ?3, coalesce(?5, ''))",
	[S_RUNTIME_RAW_PUT] = "INSERT OR REPLACE INTO runtime_raw(snapshot_id, source, name,"
			      " value, text) VALUES(?1, ?2, ?3, ?4, ?5)",
	[S_RUNTIME_PUT] = "INSERT OR REPLACE INTO runtime(snapshot_id, name, value, source)"
			  " VALUES(?1, ?2, ?3, ?4)",
	[S_PROM_PUT] = "INSERT OR REPLACE INTO prom_series(snapshot_id, name, labels, value)"
		       " VALUES(?1, ?2, ?3, ?4)",
	[S_PPROF_TOTAL_PUT] = "INSERT OR REPLACE INTO pprof_total(snapshot_id, sample_type,"
			      " unit, total) VALUES(?1, ?2, ?3, ?4)",
	[S_PPROF_SITE_PUT] = "INSERT INTO pprof_site(snapshot_id, rank, leaf, frames,"
			     " inuse_space, inuse_objects, alloc_space, alloc_objects)"
			     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[S_MEMBER_PUT] = "INSERT INTO member(snapshot_id, name, bytes, status)"
			 " VALUES(?1, ?2, ?3, ?4)",
	[S_NOTE_PUT] = "INSERT INTO note(snapshot_id, member, line, message)"
		       " VALUES(?1, ?2, ?3, ?4)",
	/* the same rows as the single puts above, from the rssgap_rows table */
#define ROWS(insert, cols) insert " SELECT ?2, " cols " FROM rssgap_rows WHERE batch = ?1"
	[S_ROWS_STATUS] = ROWS("INSERT OR REPLACE INTO status(snapshot_id, key, value, text)",
			       "key, value, text"),
	[S_ROWS_ROLLUP] = ROWS("INSERT OR REPLACE INTO smaps_rollup(snapshot_id, key, value)",
			       "key, value"),
	[S_ROWS_CGROUP] = ROWS("INSERT OR REPLACE INTO cgroup(snapshot_id, file, key, value, text)",
			       "grp, key, value, text"),
	[S_ROWS_ERRORS] = ROWS("INSERT INTO capture_error(snapshot_id, file, reason)",
			       "key, coalesce(text, '')"),
	[S_ROWS_RUNTIME_RAW] = ROWS("INSERT OR REPLACE INTO runtime_raw(snapshot_id, source, name,"
				    " value, text)", "grp, key, value, text"),
	[S_ROWS_MANIFEST] = ROWS("INSERT INTO manifest(snapshot_id, key, value)", "key, text"),
	[S_ROWS_MEMBER] = ROWS("INSERT INTO member(snapshot_id, name, bytes, status)",
			       "grp, value, text"),
	[S_ROWS_PROM] = ROWS("INSERT OR REPLACE INTO prom_series(snapshot_id, name, labels, value)",
			     "grp, coalesce(key, ''), real"),
	[S_ROWS_RUNTIME] = ROWS("INSERT OR REPLACE INTO runtime(snapshot_id, name, value, source)",
				"key, value, grp"),
#undef ROWS
	[S_SNAP_ALL] = "SELECT " SNAP_COLS " FROM snapshot ORDER BY id",
	[S_SNAP_GET] = "SELECT " SNAP_COLS " FROM snapshot WHERE id = ?1",
	[S_MANIFEST_EACH] = "SELECT NULL, key, 0, 0, value FROM manifest"
			    " WHERE snapshot_id = ?1 ORDER BY key",
	[S_STATUS_EACH] = "SELECT 'status', key, value IS NOT NULL, value, text FROM status"
			  " WHERE snapshot_id = ?1 ORDER BY key",
	[S_ROLLUP_EACH] = "SELECT 'smaps_rollup', key, value IS NOT NULL, value, NULL"
			  " FROM smaps_rollup WHERE snapshot_id = ?1 ORDER BY key",
	[S_CGROUP_EACH] = "SELECT file, key, value IS NOT NULL, value, text FROM cgroup"
			  " WHERE snapshot_id = ?1 ORDER BY file, key",
	[S_ERROR_EACH] = "SELECT 'errors', file, 0, 0, reason FROM capture_error"
			 " WHERE snapshot_id = ?1 ORDER BY rowid",
	[S_RUNTIME_RAW_EACH] = "SELECT source, name, value IS NOT NULL, value, text"
			       " FROM runtime_raw WHERE snapshot_id = ?1 ORDER BY source, name",
	[S_RUNTIME_EACH] = "SELECT source, name, 1, value, NULL FROM runtime"
			   " WHERE snapshot_id = ?1 ORDER BY name",
	[S_NOTE_EACH] = "SELECT member, message, line IS NOT NULL, line, NULL FROM note"
			" WHERE snapshot_id = ?1 ORDER BY rowid",
	[S_PPROF_TOTAL_EACH] = "SELECT unit, sample_type, 1, total, NULL FROM pprof_total"
			       " WHERE snapshot_id = ?1 ORDER BY sample_type",
	[S_ROLES_EACH] = "SELECT role, vmas, size, rss, pss, anonymous, lazyfree,"
			 " anon_huge_pages, swap, private_dirty FROM role_total"
			 " WHERE snapshot_id = ?1 ORDER BY coalesce(rss, -1) DESC, size DESC, role",
	/* a snapshot's VMAs are a rowid range: see the vma table */
	[S_VMAS_EACH] = "SELECT " VMA_COLS " FROM vma WHERE id >= ?1 << 24 AND id < (?1 + 1) << 24"
			" ORDER BY id",
	[S_VMAS_TOP] = "SELECT " VMA_COLS " FROM vma WHERE id >= ?1 << 24 AND id < (?1 + 1) << 24"
		       " ORDER BY coalesce(rss, -1) DESC, size DESC, idx LIMIT ?2",
	[S_SITES_EACH] = "SELECT rank, leaf, frames, inuse_space, inuse_objects, alloc_space,"
			 " alloc_objects FROM pprof_site WHERE snapshot_id = ?1 ORDER BY rank",
	[S_SELECT_KV] = "SELECT DISTINCT snapshot_id FROM manifest WHERE (key = ?1 OR key = 'label.' || ?1)"
			" AND value = ?2 ORDER BY snapshot_id",
	[S_MANIFEST_VALUE] = "SELECT value FROM manifest WHERE snapshot_id = ?1"
			     " AND (key = ?2 OR key = 'label.' || ?2) ORDER BY key = ?2 DESC LIMIT 1",
	/* S_MANIFEST_VALUE for each snapshot, S_RUNTIME_EACH and S_ROLES_EACH for all */
	[S_FLEET_ALL] = "SELECT s.id, s.pid, s.pod, s.host, s.rss_known, s.rss,"
			" (SELECT value FROM manifest m WHERE m.snapshot_id = s.id"
			" AND (m.key = ?1 OR m.key = 'label.' || ?1) ORDER BY m.key = ?1 DESC LIMIT 1)"
			" FROM snapshot s ORDER BY s.id",
	[S_RUNTIME_ALL] = "SELECT snapshot_id, source, name, value FROM runtime"
			  " ORDER BY snapshot_id, name",
	[S_ROLES_ALL] = "SELECT snapshot_id, role, vmas, size, rss, pss, anonymous, lazyfree,"
			" anon_huge_pages, swap, private_dirty FROM role_total"
			" ORDER BY snapshot_id, coalesce(rss, -1) DESC, size DESC, role",
	/* VMAs the Go runtime named (prctl PR_SET_VMA_ANON_NAME, " Go: ..."), per snapshot */
	[S_GO_NAMED] = "SELECT count(*) FROM vma WHERE id >= ?1 << 24 AND id < (?1 + 1) << 24"
		       " AND substr(path, 1, 11) = '[anon: Go: '",
	[S_GO_NAMED_ALL] = "SELECT id >> 24, count(*) FROM vma WHERE substr(path, 1, 11) = '[anon: Go: '"
			   " GROUP BY id >> 24 ORDER BY 1",
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
};

struct db {
	sqlite3 *conn;
	sqlite3_stmt *stmt[S_COUNT];
	int64_t wal_pages;	/* after the last commit, with db_autocheckpoint_off */
	enum db_mode mode;
	char *path;		/* as given; NULL for ":memory:" */
};

static int
fail(struct db *db, struct diag *d, const char *what)
{
	int code = db != NULL && db->conn != NULL ? sqlite3_errcode(db->conn) : SQLITE_ERROR;

	/* what the file or the disk did wrong: say which file */
	if (db != NULL && db->path != NULL &&
	    (code == SQLITE_FULL || code == SQLITE_IOERR || code == SQLITE_READONLY ||
	     code == SQLITE_CANTOPEN || code == SQLITE_CORRUPT || code == SQLITE_NOTADB ||
	     code == SQLITE_PERM))
		return diag_fail(d, DIAG_DB, 0, "%s: %s (database %s)", what,
				 sqlite3_errmsg(db->conn), db->path);
	return diag_fail(d, DIAG_DB, 0, "%s: %s", what,
			 db != NULL && db->conn != NULL ? sqlite3_errmsg(db->conn) : "no database");
}

static int
exec_sql(struct db *db, const char *text, struct diag *d)
{
	char *err = NULL;

	if (sqlite3_exec(db->conn, text, NULL, NULL, &err) != SQLITE_OK) {
		diag_fail(d, DIAG_DB, 0, "%s", err != NULL ? err : sqlite3_errmsg(db->conn));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* What a database file holds, read without writing anything. */
struct schema_state {
	int version;		/* PRAGMA user_version */
	int tables;		/* tables that are not SQLite's own */
	int has_snapshot;	/* one of them is named snapshot */
};

static int
read_schema(struct db *db, struct schema_state *st, struct diag *d)
{
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(db->conn,
			       "SELECT (SELECT user_version FROM pragma_user_version),"
			       " (SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
			       " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'),"
			       " EXISTS(SELECT 1 FROM sqlite_schema WHERE type = 'table'"
			       " AND name = 'snapshot')", -1, &q, NULL) != SQLITE_OK)
		return fail(db, d, "reading the schema");
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		st->version = sqlite3_column_int(q, 0);
		st->tables = sqlite3_column_int(q, 1);
		st->has_snapshot = sqlite3_column_int(q, 2);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : fail(db, d, "reading the schema");
}

/*
 * Is the file an rssgap store this build can use? 0: yes, as it is; 1: it
 * is empty or an older rssgap store (a migration is needed); -1: refused
 * (another program's database, or a newer schema), d filled.
 */
static int
judge_schema(const struct schema_state *st, struct diag *d)
{
	if (st->version > RSSGAP_SCHEMA_VERSION) {
		diag_fail(d, DIAG_DB, 0, "database schema version %d is newer than this rssgap's %d",
			  st->version, RSSGAP_SCHEMA_VERSION);
		diag_hint(d, "use a newer rssgap, or a new database file with --db");
		return -1;
	}
	if (st->version < 0 || (st->version == 0 && st->tables > 0) ||
	    (st->version > 0 && !st->has_snapshot)) {
		diag_fail(d, DIAG_DB, 0,
			  "not an rssgap database (user_version %d and %d table%s of another program)",
			  st->version, st->tables, st->tables == 1 ? "" : "s");
		diag_hint(d, "give rssgap a file of its own with --db; nothing was written to this one");
		return -1;
	}
	return st->version == RSSGAP_SCHEMA_VERSION ? 0 : 1;
}

/*
 * The busy handler of every connection: sleep and try again, for as long
 * as another connection holds the lock (a writer's transaction lasts as
 * long as its snapshot takes to store: no timeout fits every snapshot).
 * The sleep doubles from 1 ms to 64 ms, with jitter so that waiting
 * writers do not retry in step.
 */
static int
busy_wait(void *ctx, int count)
{
	unsigned shift = count < 6 ? (unsigned)count : 6u;
	long us = (1000L << shift) / 2 + (long)((uint64_t)rand() % (uint64_t)(1000L << shift));
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	(void)ctx;
	nanosleep(&ts, NULL);
	return 1;
}

/* path as a SQLite URI ("file:" and the path, %-encoded); flags ?immutable=1 when immutable. */
static void
path_uri(struct buf *uri, const char *path, int immutable)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-~";
	const unsigned char *p;

	/* an absolute path gets an empty authority: "file:///x", never "file://x" */
	buf_puts(uri, path[0] == '/' ? "file://" : "file:");
	for (p = (const unsigned char *)path; *p != '\0'; p++) {
		if (strchr(safe, *p) != NULL)
			buf_putc(uri, *p);
		else
			buf_printf(uri, "%%%02X", *p);
	}
	if (immutable)
		buf_puts(uri, "?immutable=1");
}

static int
open_conn(struct db *db, const char *path, int flags, int immutable, struct diag *d)
{
	struct buf uri = BUF_INIT;
	int rc;

	if (db->conn != NULL) {
		sqlite3_close(db->conn);
		db->conn = NULL;
	}
	if (db->path == NULL)
		buf_puts(&uri, ":memory:");
	else
		path_uri(&uri, path, immutable);
	/* NOMUTEX: a connection is used by one thread at a time (db.h), so SQLite's own locks are waste */
	rc = sqlite3_open_v2(buf_str(&uri), &db->conn, flags | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
			     NULL);
	buf_release(&uri);
	if (rc != SQLITE_OK)
		return fail(db, d, "cannot open database");
	sqlite3_extended_result_codes(db->conn, 1);
	sqlite3_busy_handler(db->conn, busy_wait, db);
	return 0;
}

/*
 * A read-only connection that could not read: in a directory it may not
 * write, SQLite cannot create the -shm file a WAL database needs. With no
 * -wal file beside it, nothing can have been written that is not in the
 * database file, and no writer can start (it would need a -wal): SQLite
 * may read it as immutable, without locks. With one, it cannot be read.
 */
static int
reopen_immutable(struct db *db, struct schema_state *st, struct diag *d)
{
	struct buf wal = BUF_INIT;
	int code = sqlite3_errcode(db->conn) & 0xff, has_wal;

	if (code != SQLITE_CANTOPEN && code != SQLITE_READONLY)
		return -1;
	buf_printf(&wal, "%s-wal", db->path);
	has_wal = access(buf_str(&wal), F_OK) == 0;
	buf_release(&wal);
	if (has_wal) {
		diag_fail(d, DIAG_DB, 0,
			  "cannot read: it has a write-ahead log (-wal file) and its directory is not"
			  " writable for the -shm file SQLite needs beside it");
		diag_hint(d, "read it where it can be written to, or have its owner run a write"
			     " command once (that checkpoints the log)");
		return -1;
	}
	if (open_conn(db, db->path, SQLITE_OPEN_READONLY, 1, d) != 0)
		return -1;
	d->kind = DIAG_NONE;	/* the first try's error is answered */
	d->message[0] = '\0';
	return read_schema(db, st, d);
}

/* Put the database in WAL mode (persistent: done once, when it is created). */
static int
set_wal(struct db *db, struct diag *d)
{
	sqlite3_stmt *q;
	int ok;

	if (db->path == NULL)
		return 0;
	if (sqlite3_prepare_v2(db->conn, "PRAGMA journal_mode = WAL", -1, &q, NULL) != SQLITE_OK)
		return fail(db, d, "setting WAL mode");
	ok = sqlite3_step(q) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(q, 0), "wal") == 0;
	sqlite3_finalize(q);
	return ok ? 0 : fail(db, d, "setting WAL mode");
}

/* The database's journal mode is WAL already (a plain read of the mode). */
static int
is_wal(struct db *db)
{
	sqlite3_stmt *q;
	int wal = 0;

	if (sqlite3_prepare_v2(db->conn, "PRAGMA journal_mode", -1, &q, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(q) == SQLITE_ROW)
		wal = strcmp((const char *)sqlite3_column_text(q, 0), "wal") == 0;
	sqlite3_finalize(q);
	return wal;
}

/*
 * Create or upgrade the schema, the only time opening writes. The write
 * lock is taken for it alone, and what the file holds is read again under
 * it: another process may have created or upgraded it meanwhile.
 */
static int
migrate(struct db *db, struct diag *d)
{
	struct schema_state st;
	size_t i;
	int rc;

	if (set_wal(db, d) != 0 || exec_sql(db, "BEGIN IMMEDIATE", d) != 0)
		return -1;
	if (read_schema(db, &st, d) != 0 || (rc = judge_schema(&st, d)) < 0)
		goto fail;
	for (i = 0; rc == 1 && i < sizeof(migrations) / sizeof(migrations[0]); i++) {
		struct buf b = BUF_INIT;

		if (migrations[i].version <= st.version)
			continue;
		buf_printf(&b, "%s; PRAGMA user_version = %d;", migrations[i].sql,
			   migrations[i].version);
		rc = exec_sql(db, buf_str(&b), d) == 0 ? 1 : -1;
		buf_release(&b);
		if (rc < 0)
			goto fail;
	}
	return exec_sql(db, "COMMIT", d);
fail:
	sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * Batch tables: eponymous virtual tables over one batch of rows in memory,
 * handed over with sqlite3_bind_pointer. "INSERT ... SELECT ... FROM <table>
 * WHERE batch = ?1" stores a whole batch in one statement: no bind, reset
 * and step per row, about a quarter less work in SQLite than one INSERT per
 * row. One implementation serves every kind of batch; a struct batch_kind,
 * the module's aux, holds what differs: the name, the columns and how to
 * read one column of one row.
 */
struct batch_head {
	size_t n;	/* rows in the batch; the first member of every batch struct */
};

struct batch_kind {
	const char *name;	/* the table's name and its sqlite3_bind_pointer type */
	const char *decl;	/* its CREATE TABLE, ending with the hidden batch column */
	int batch_column;	/* the index of that column */
	/* the result of column col of row i of batch b; none leaves it NULL */
	void (*column)(const struct batch_head *b, size_t i, sqlite3_context *ctx, int col);
};

struct batch_vtab {
	sqlite3_vtab base;
	const struct batch_kind *kind;
};

struct batch_cursor {
	sqlite3_vtab_cursor base;
	const struct batch_kind *kind;
	const struct batch_head *b;
	size_t i;
};

static int
batch_connect(sqlite3 *conn, void *aux, int argc, const char *const *argv, sqlite3_vtab **vt,
	      char **err)
{
	const struct batch_kind *kind = aux;
	struct batch_vtab *t;
	int rc;

	(void)argc;
	(void)argv;
	(void)err;
	rc = sqlite3_declare_vtab(conn, kind->decl);
	if (rc != SQLITE_OK)
		return rc;
	t = sqlite3_malloc(sizeof(*t));
	if (t == NULL)
		return SQLITE_NOMEM;
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	*vt = &t->base;
	return SQLITE_OK;
}

static int
batch_disconnect(sqlite3_vtab *vt)
{
	sqlite3_free(vt);
	return SQLITE_OK;
}

/* The only plan of a batch table: batch = ?. Without it there is nothing to read. */
static int
batch_best_index(sqlite3_vtab *vt, sqlite3_index_info *ii)
{
	int batch_column = ((const struct batch_vtab *)vt)->kind->batch_column;
	int i;

	for (i = 0; i < ii->nConstraint; i++) {
		if (ii->aConstraint[i].iColumn != batch_column ||
		    ii->aConstraint[i].op != SQLITE_INDEX_CONSTRAINT_EQ)
			continue;
		if (!ii->aConstraint[i].usable)
			return SQLITE_CONSTRAINT;
		ii->aConstraintUsage[i].argvIndex = 1;
		ii->aConstraintUsage[i].omit = 1;
		ii->estimatedCost = 1;
		return SQLITE_OK;
	}
	return SQLITE_CONSTRAINT;
}

static int
batch_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **cur)
{
	struct batch_cursor *c = sqlite3_malloc(sizeof(*c));

	if (c == NULL)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	c->kind = ((const struct batch_vtab *)vt)->kind;
	*cur = &c->base;
	return SQLITE_OK;
}

static int
batch_close(sqlite3_vtab_cursor *cur)
{
	sqlite3_free(cur);
	return SQLITE_OK;
}

static int
batch_filter(sqlite3_vtab_cursor *cur, int idx_num, const char *idx_str, int argc,
	     sqlite3_value **argv)
{
	struct batch_cursor *c = (struct batch_cursor *)cur;

	(void)idx_num;
	(void)idx_str;
	c->b = argc > 0 ? sqlite3_value_pointer(argv[0], c->kind->name) : NULL;
	c->i = 0;
	return SQLITE_OK;
}

static int
batch_next(sqlite3_vtab_cursor *cur)
{
	((struct batch_cursor *)cur)->i++;
	return SQLITE_OK;
}

static int
batch_eof(sqlite3_vtab_cursor *cur)
{
	const struct batch_cursor *c = (const struct batch_cursor *)cur;

	return c->b == NULL || c->i >= c->b->n;
}

static int
batch_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	const struct batch_cursor *c = (const struct batch_cursor *)cur;

	c->kind->column(c->b, c->i, ctx, col);
	return SQLITE_OK;
}

static int
batch_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = (sqlite3_int64)((const struct batch_cursor *)cur)->i;
	return SQLITE_OK;
}

/* Registered once per struct batch_kind, which comes as the aux */
static const sqlite3_module batch_module = {
	.iVersion = 0,
	.xCreate = NULL,	/* eponymous only: no CREATE VIRTUAL TABLE, nothing in the schema */
	.xConnect = batch_connect,
	.xBestIndex = batch_best_index,
	.xDisconnect = batch_disconnect,
	.xOpen = batch_open,
	.xClose = batch_close,
	.xFilter = batch_filter,
	.xNext = batch_next,
	.xEof = batch_eof,
	.xColumn = batch_column,
	.xRowid = batch_rowid,
};

/* rssgap_vma_batch: one batch of VMAs. Columns: those of S_VMA_BATCH, in order. */
struct vma_batch {
	struct batch_head h;
	int64_t snapshot_id;
	int64_t first_idx;
	const struct vma *v;
	const char *const *roles;
};

enum {
	VB_ID, VB_SNAPSHOT, VB_IDX, VB_START, VB_END, VB_OFFSET, VB_INODE, VB_PERMS, VB_DEV,
	VB_PATH, VB_ROLE, VB_VMFLAGS, VB_FIELD0, VB_BATCH = VB_FIELD0 + VMA_NFIELDS
};

static void
vb_column(const struct batch_head *h, size_t i, sqlite3_context *ctx, int col)
{
	const struct vma_batch *b = (const struct vma_batch *)h;
	const struct vma *v = &b->v[i];
	int64_t idx = b->first_idx + (int64_t)i;

	switch (col) {
	case VB_ID:
		sqlite3_result_int64(ctx, b->snapshot_id << DB_VMA_IDX_BITS | idx);
		break;
	case VB_SNAPSHOT:
		sqlite3_result_int64(ctx, b->snapshot_id);
		break;
	case VB_IDX:
		sqlite3_result_int64(ctx, idx);
		break;
	case VB_START:
		sqlite3_result_int64(ctx, (int64_t)v->start);
		break;
	case VB_END:
		sqlite3_result_int64(ctx, (int64_t)v->end);
		break;
	case VB_OFFSET:
		sqlite3_result_int64(ctx, (int64_t)v->offset);
		break;
	case VB_INODE:
		sqlite3_result_int64(ctx, (int64_t)v->inode);
		break;
	case VB_PERMS:
		sqlite3_result_text(ctx, v->perms, -1, SQLITE_STATIC);
		break;
	case VB_DEV:
		sqlite3_result_text(ctx, v->dev, -1, SQLITE_STATIC);
		break;
	case VB_PATH:
		sqlite3_result_text(ctx, v->path, (int)v->path_len, SQLITE_STATIC);
		break;
	case VB_ROLE:
		sqlite3_result_text(ctx, b->roles[i], -1, SQLITE_STATIC);
		break;
	case VB_VMFLAGS:
		if (v->vmflags != NULL)
			sqlite3_result_text(ctx, v->vmflags, -1, SQLITE_STATIC);
		break;
	default:
		/* a field never seen stays NULL, as bind_opt does */
		if (col >= VB_FIELD0 && col < VB_BATCH && v->field[col - VB_FIELD0] >= 0)
			sqlite3_result_int64(ctx, v->field[col - VB_FIELD0]);
		break;
	}
}

static const struct batch_kind vma_batch_kind = {
	.name = "rssgap_vma_batch",
	.decl = "CREATE TABLE x(id, snapshot_id, " VMA_COLS ", batch HIDDEN)",
	.batch_column = VB_BATCH,
	.column = vb_column,
};

/*
 * rssgap_rows: one batch of struct db_row for the small tables (status,
 * cgroup, runtime_raw, prom_series, ...), stored by one INSERT ... SELECT
 * per table.
 */
struct rows_batch {
	struct batch_head h;
	const struct db_row *const *rows;	/* in the order they are stored */
};

enum { RB_GROUP, RB_KEY, RB_VALUE, RB_TEXT, RB_REAL, RB_BATCH };

static void
result_text(sqlite3_context *ctx, const char *s)
{
	if (s != NULL)
		sqlite3_result_text(ctx, s, -1, SQLITE_STATIC);
}

static void
rb_column(const struct batch_head *h, size_t i, sqlite3_context *ctx, int col)
{
	const struct db_row *r = ((const struct rows_batch *)h)->rows[i];

	switch (col) {
	case RB_GROUP:
		result_text(ctx, r->group);
		break;
	case RB_KEY:
		result_text(ctx, r->key);
		break;
	case RB_VALUE:
		if (r->has_value)
			sqlite3_result_int64(ctx, r->value);
		break;
	case RB_TEXT:
		result_text(ctx, r->text);
		break;
	case RB_REAL:
		sqlite3_result_double(ctx, r->real);
		break;
	default:
		break;
	}
}

static const struct batch_kind rows_kind = {
	.name = "rssgap_rows",
	.decl = "CREATE TABLE x(grp, key, value, text, real, batch HIDDEN)",
	.batch_column = RB_BATCH,
	.column = rb_column,
};

/*
 * Before SQLite's first use: no global memory statistics, whose mutex is
 * taken on every allocation SQLite makes (a VMA row makes several).
 */
static void
sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/*
 * Make db's connection to path ready in its mode: a connection that reads
 * only never writes (not even to switch a foreign file to WAL); one that
 * writes migrates when the file needs it, and only then.
 */
static int
open_store(struct db *db, const char *path, struct diag *d)
{
	struct schema_state st;
	int rc, flags;

	if (db->path != NULL && db->mode != DB_CREATE && access(path, F_OK) != 0) {
		if (errno == ENOENT) {
			diag_fail(d, DIAG_IO, 0, "no such database; ingest first");
			diag_hint(d, "rssgap ingest --db FILE BUNDLE... creates it");
		} else {
			diag_fail(d, DIAG_IO, 0, "cannot open database: %s", strerror(errno));
		}
		return -1;
	}
	flags = db->mode == DB_READ && db->path != NULL ? SQLITE_OPEN_READONLY
		: db->mode == DB_CREATE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
		: SQLITE_OPEN_READWRITE;
	if (open_conn(db, path, flags, 0, d) != 0)
		return -1;
	if (read_schema(db, &st, d) != 0 &&
	    (db->mode != DB_READ || reopen_immutable(db, &st, d) != 0))
		return -1;
	if ((rc = judge_schema(&st, d)) < 0)
		return -1;
	if (db->mode != DB_READ && db->path != NULL && sqlite3_db_readonly(db->conn, "main") == 1) {
		diag_fail(d, DIAG_DB, 0, "the database file is read-only (this command writes to it)");
		return -1;
	}
	if (rc == 1 && db->mode == DB_READ) {
		if (st.version == 0)
			diag_fail(d, DIAG_DB, 0, "holds no rssgap store (an empty database); ingest first");
		else
			diag_fail(d, DIAG_DB, 0,
				  "database schema version %d is older than this rssgap's %d (reading"
				  " does not upgrade it)", st.version, RSSGAP_SCHEMA_VERSION);
		diag_hint(d, "rssgap ingest --db FILE BUNDLE... creates or upgrades it");
		return -1;
	}
	if (rc == 1)
		return migrate(db, d);
	/* ours already: a writer makes sure of WAL, which never changes once set */
	if (db->mode != DB_READ && db->path != NULL && !is_wal(db))
		return set_wal(db, d);
	return 0;
}

struct db *
db_open(const char *path, enum db_mode mode, struct diag *d)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct db *db = xcalloc(1, sizeof(*db));
	int i;

	pthread_once(&once, sqlite_setup);
	db->mode = mode;
	db->path = strcmp(path, ":memory:") == 0 ? NULL : xstrdup(path);
	if (open_store(db, path, d) != 0) {
		diag_where(d, path, NULL);
		goto err;
	}
	/* per connection, nothing written: durability in WAL, cascades, memory */
	if (exec_sql(db, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
			 " PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;", d) != 0) {
		diag_where(d, path, NULL);
		goto err;
	}
	if (sqlite3_create_module(db->conn, vma_batch_kind.name, &batch_module,
				  (void *)&vma_batch_kind) != SQLITE_OK) {
		diag_where(d, path, NULL);
		fail(db, d, "registering the VMA batch table");
		goto err;
	}
	if (sqlite3_create_module(db->conn, rows_kind.name, &batch_module,
				  (void *)&rows_kind) != SQLITE_OK) {
		diag_where(d, path, NULL);
		fail(db, d, "registering the rows table");
		goto err;
	}
	for (i = 0; i < S_COUNT; i++) {
		if (sqlite3_prepare_v3(db->conn, sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &db->stmt[i], NULL) != SQLITE_OK) {
			diag_where(d, path, NULL);
			fail(db, d, "preparing a statement");
			goto err;
		}
	}
	return db;
err:
	db_free(db);
	return NULL;
}

void
db_free(struct db *db)
{
	int i;

	if (db == NULL)
		return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(db->stmt[i]);
	sqlite3_close(db->conn);
	free(db->path);
	free(db);
}

/* Reset a statement for reuse and return it. */
static sqlite3_stmt *
use(struct db *db, enum stmt s)
{
	sqlite3_stmt *st = db->stmt[s];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static void
bind_opt(sqlite3_stmt *st, int i, int64_t v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* Step a statement that returns no row. */
static int
run(struct db *db, sqlite3_stmt *st, struct diag *d, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fail(db, d, what);
	return 0;
}

/* The WAL hook with autocheckpoint off: count, never checkpoint. */
static int
count_wal(void *ctx, sqlite3 *conn, const char *schema, int pages)
{
	struct db *db = ctx;

	(void)conn;
	(void)schema;
	db->wal_pages = pages;
	return SQLITE_OK;
}

void
db_autocheckpoint_off(struct db *db)
{
	/* replaces the hook sqlite3_wal_autocheckpoint installs */
	sqlite3_wal_hook(db->conn, count_wal, db);
}

int64_t
db_wal_pages(const struct db *db)
{
	return db->wal_pages;
}

int
db_checkpoint(struct db *db, struct diag *d)
{
	int rc = sqlite3_wal_checkpoint_v2(db->conn, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

	/* busy: another connection is checkpointing, or a writer is restarting the WAL */
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		return fail(db, d, "checkpoint");
	return 0;
}

struct db *
db_open_again(struct db *db, struct diag *d)
{
	const char *path = sqlite3_db_filename(db->conn, "main");

	if (db->path == NULL || path == NULL || path[0] == '\0') {
		diag_fail(d, DIAG_DB, 0, "an in-memory database has no second connection");
		return NULL;
	}
	return db_open(path, db->mode == DB_READ ? DB_READ : DB_WRITE, d);
}

int
db_begin(struct db *db, struct diag *d)
{
	sqlite3_stmt *st = NULL;
	int rc, tries;

	/*
	 * A read left stepping (a row lent by db_snapshot_get) holds an old
	 * WAL snapshot: once another connection commits, BEGIN IMMEDIATE
	 * would fail at once with SQLITE_BUSY_SNAPSHOT instead of waiting.
	 * Rows lent before a transaction end here.
	 */
	while ((st = sqlite3_next_stmt(db->conn, st)) != NULL)
		if (sqlite3_stmt_busy(st))
			sqlite3_reset(st);
	/*
	 * The busy handler waits for the lock; SQLite returns SQLITE_BUSY
	 * without calling it when waiting could deadlock. Then: back off, retry.
	 */
	for (tries = 0;; tries++) {
		st = use(db, S_BEGIN);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return 0;
		if ((rc & 0xff) != SQLITE_BUSY)
			return fail(db, d, "begin");
		busy_wait(db, tries);
	}
}

int
db_commit(struct db *db, struct diag *d)
{
	return run(db, use(db, S_COMMIT), d, "commit");
}

void
db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->conn)) {
		sqlite3_stmt *st = use(db, S_ROLLBACK);

		sqlite3_step(st);
		sqlite3_reset(st);
	}
}

int64_t
db_snapshot_by_digest(struct db *db, const char *digest, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_SNAP_BY_DIGEST);
	int64_t id = 0;
	int rc;

	bind_text(st, 1, digest);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		id = fail(db, d, "looking up a digest");
	sqlite3_reset(st);
	return id;
}

int
db_snapshot_insert(struct db *db, const struct db_snapshot *s, int64_t *id, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_SNAP_INSERT);

	bind_text(st, 1, s->bundle);
	bind_text(st, 2, s->dir);
	bind_text(st, 3, s->captured_at);
	sqlite3_bind_int64(st, 4, s->pid);
	bind_text(st, 5, s->comm);
	bind_text(st, 6, s->host);
	bind_text(st, 7, s->pod);
	bind_text(st, 8, s->namespace);
	bind_text(st, 9, s->container);
	bind_text(st, 10, s->node);
	bind_text(st, 11, s->kernel);
	bind_text(st, 12, s->arch);
	bind_opt(st, 13, s->page_size);
	bind_text(st, 14, s->tool);
	bind_text(st, 15, s->digest);
	if (run(db, st, d, "inserting a snapshot") != 0)
		return -1;
	*id = sqlite3_last_insert_rowid(db->conn);
	return 0;
}

int
db_snapshot_finish(struct db *db, int64_t id, const struct db_snapshot_totals *t, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_SNAP_FINISH);

	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, t->digest);
	bind_text(st, 3, t->vma_source);
	sqlite3_bind_int64(st, 4, t->vma_count);
	sqlite3_bind_int64(st, 5, t->unknown_fields);
	sqlite3_bind_int(st, 6, t->rss_known);
	bind_opt(st, 7, t->size);
	bind_opt(st, 8, t->rss_known ? t->rss : -1);
	bind_opt(st, 9, t->rss_known ? t->pss : -1);
	bind_opt(st, 10, t->rss_known ? t->anonymous : -1);
	bind_opt(st, 11, t->rss_known ? t->lazyfree : -1);
	bind_opt(st, 12, t->rss_known ? t->anon_huge_pages : -1);
	bind_opt(st, 13, t->rss_known ? t->swap : -1);
	bind_opt(st, 14, t->cgroup_version > 0 ? t->cgroup_version : -1);
	return run(db, st, d, "finishing a snapshot");
}

int
db_snapshot_delete(struct db *db, int64_t id, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_SNAP_DELETE);

	sqlite3_bind_int64(st, 1, id);
	return run(db, st, d, "removing a snapshot");
}

int
db_manifest_put(struct db *db, int64_t id, const char *key, const char *value, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_MANIFEST_PUT);

	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, key);
	bind_text(st, 3, value);
	return run(db, st, d, "storing a manifest key");
}

/* Can snapshot id hold VMAs idx .. idx + n - 1 in the vma rowid scheme? */
static int
vma_ids_fit(int64_t id, int64_t idx, size_t n, struct diag *d)
{
	if (id <= 0 || id >= (INT64_C(1) << (63 - DB_VMA_IDX_BITS)))
		return diag_fail(d, DIAG_DB, 0, "snapshot id %lld out of the VMA key range",
				 (long long)id);
	if (idx < 0 || (uint64_t)idx + n > DB_VMAS_MAX)
		return diag_fail(d, DIAG_LIMIT, 0,
				 "more than %llu VMAs in one snapshot (the store's VMA key holds 24 bits)",
				 (unsigned long long)DB_VMAS_MAX);
	return 0;
}

int
db_vma_put(struct db *db, int64_t id, int64_t idx, const struct vma *v, const char *role,
	   struct diag *d)
{
	/* every parameter is bound below: a reset is enough, no clear_bindings */
	sqlite3_stmt *st = db->stmt[S_VMA_PUT];
	int f;

	if (vma_ids_fit(id, idx, 1, d) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, idx);
	sqlite3_bind_int64(st, 3, (int64_t)v->start);
	sqlite3_bind_int64(st, 4, (int64_t)v->end);
	sqlite3_bind_int64(st, 5, (int64_t)v->offset);
	sqlite3_bind_int64(st, 6, (int64_t)v->inode);
	sqlite3_bind_text(st, 7, v->perms, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, v->dev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, v->path, (int)v->path_len, SQLITE_STATIC);
	bind_text(st, 10, role);
	bind_text(st, 11, v->vmflags);
	for (f = 0; f < VMA_NFIELDS; f++)
		bind_opt(st, 12 + f, v->field[f]);
	return run(db, st, d, "storing a VMA");
}

int
db_vmas_put(struct db *db, int64_t id, int64_t first_idx, const struct vma *v,
	    const char *const *roles, size_t n, struct diag *d)
{
	sqlite3_stmt *st = db->stmt[S_VMA_BATCH];
	struct vma_batch b = { { n }, id, first_idx, v, roles };
	int rc;

	if (n == 0)
		return 0;
	if (vma_ids_fit(id, first_idx, n, d) != 0)
		return -1;
	sqlite3_bind_pointer(st, 1, &b, vma_batch_kind.name, NULL);
	rc = run(db, st, d, "storing VMAs");
	/* the batch lives on this stack frame: never leave a pointer to it bound */
	sqlite3_bind_null(st, 1);
	return rc;
}

int
db_role_put(struct db *db, int64_t id, const struct db_role_totals *r, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_ROLE_PUT);

	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, r->role);
	sqlite3_bind_int64(st, 3, r->vmas);
	bind_opt(st, 4, r->size);
	bind_opt(st, 5, r->rss);
	bind_opt(st, 6, r->pss);
	bind_opt(st, 7, r->anonymous);
	bind_opt(st, 8, r->lazyfree);
	bind_opt(st, 9, r->anon_huge_pages);
	bind_opt(st, 10, r->swap);
	bind_opt(st, 11, r->private_dirty);
	return run(db, st, d, "storing role totals");
}

int
db_kv_put(struct db *db, enum db_kv_table t, int64_t id, const char *group, const char *key,
	  int has_value, int64_t value, const char *text, struct diag *d)
{
	static const enum stmt by_table[] = {
		[DB_KV_STATUS] = S_STATUS_PUT, [DB_KV_ROLLUP] = S_ROLLUP_PUT,
		[DB_KV_CGROUP] = S_CGROUP_PUT, [DB_KV_ERRORS] = S_ERROR_PUT,
		[DB_KV_RUNTIME_RAW] = S_RUNTIME_RAW_PUT,
	};
	sqlite3_stmt *st = use(db, by_table[t]);

	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, group);
	bind_text(st, 3, key);
	if (has_value)
		sqlite3_bind_int64(st, 4, value);
	else
		sqlite3_bind_null(st, 4);
	bind_text(st, 5, text);
	return run(db, st, d, "storing a value");
}

int
db_runtime_put(struct db *db, int64_t id, const char *name, int64_t value, const char *source,
	       struct diag *d)
{
	sqlite3_stmt *st = use(db, S_RUNTIME_PUT);

	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, name);
	sqlite3_bind_int64(st, 3, value);
	bind_text(st, 4, source);
	return run(db, st, d, "storing a runtime value");
}

int
db_prom_put(struct db *db, int64_t id, const char *name, const char *labels, double value,
	    struct diag *d)
{
	sqlite3_stmt *st = use(db, S_PROM_PUT);

	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, name);
	bind_text(st, 3, labels != NULL ? labels : "");
	sqlite3_bind_double(st, 4, value);
	return run(db, st, d, "storing a metric");
}

int
db_pprof_total_put(struct db *db, int64_t id, const char *sample_type, const char *unit,
		   int64_t total, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_PPROF_TOTAL_PUT);

	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, sample_type);
	bind_text(st, 3, unit != NULL ? unit : "");
	sqlite3_bind_int64(st, 4, total);
	return run(db, st, d, "storing a profile total");
}

static void
bind_site_value(sqlite3_stmt *st, int i, int64_t v)
{
	if (v == INT64_MIN)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

int
db_pprof_site_put(struct db *db, int64_t id, int64_t rank, const char *leaf, const char *frames,
		  int64_t inuse_space, int64_t inuse_objects, int64_t alloc_space,
		  int64_t alloc_objects, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_PPROF_SITE_PUT);

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, rank);
	bind_text(st, 3, leaf != NULL ? leaf : "");
	bind_text(st, 4, frames != NULL ? frames : "");
	bind_site_value(st, 5, inuse_space);
	bind_site_value(st, 6, inuse_objects);
	bind_site_value(st, 7, alloc_space);
	bind_site_value(st, 8, alloc_objects);
	return run(db, st, d, "storing an allocation site");
}

int
db_member_put(struct db *db, int64_t id, const char *name, int64_t bytes, const char *status,
	      struct diag *d)
{
	sqlite3_stmt *st = use(db, S_MEMBER_PUT);

	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, name);
	sqlite3_bind_int64(st, 3, bytes);
	bind_text(st, 4, status);
	return run(db, st, d, "storing a member");
}

int
db_note_put(struct db *db, int64_t id, const char *member, int64_t line, const char *message,
	    struct diag *d)
{
	sqlite3_stmt *st = use(db, S_NOTE_PUT);

	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, member != NULL ? member : "");
	bind_opt(st, 3, line > 0 ? line : -1);
	bind_text(st, 4, message);
	return run(db, st, d, "storing a note");
}

enum db_rows_table
db_rows_of_kv(enum db_kv_table t)
{
	static const enum db_rows_table by_table[] = {
		[DB_KV_STATUS] = DB_ROWS_STATUS, [DB_KV_ROLLUP] = DB_ROWS_ROLLUP,
		[DB_KV_CGROUP] = DB_ROWS_CGROUP, [DB_KV_ERRORS] = DB_ROWS_ERRORS,
		[DB_KV_RUNTIME_RAW] = DB_ROWS_RUNTIME_RAW,
	};

	return by_table[t];
}

static int
cmp_text(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

/* Equal keys keep their order (a later row replaces an earlier one): the rows are in one array. */
static int
cmp_row_order(const struct db_row *x, const struct db_row *y)
{
	return (x > y) - (x < y);
}

static int
cmp_row_key(const void *a, const void *b)
{
	const struct db_row *x = *(const struct db_row *const *)a, *y = *(const struct db_row *const *)b;
	int c = cmp_text(x->key, y->key);

	return c != 0 ? c : cmp_row_order(x, y);
}

static int
cmp_row_group_key(const void *a, const void *b)
{
	const struct db_row *x = *(const struct db_row *const *)a, *y = *(const struct db_row *const *)b;
	int c = cmp_text(x->group, y->group);

	if (c == 0)
		c = cmp_text(x->key, y->key);
	return c != 0 ? c : cmp_row_order(x, y);
}

int
db_rows_put(struct db *db, enum db_rows_table t, int64_t id, const struct db_row *rows, size_t n,
	    struct diag *d)
{
	/*
	 * Rows go in in primary key order (text as BINARY, NULL labels as ""):
	 * a new snapshot's rows then all land at the end of each table, where
	 * SQLite appends without a search from the root and without splitting
	 * pages half full; fewer pages change, fewer go to the WAL at commit.
	 * capture_error and member are rowid tables: their order is the file's.
	 */
	static int (*const by_key[DB_ROWS_COUNT])(const void *, const void *) = {
		[DB_ROWS_STATUS] = cmp_row_key, [DB_ROWS_ROLLUP] = cmp_row_key,
		[DB_ROWS_CGROUP] = cmp_row_group_key, [DB_ROWS_ERRORS] = NULL,
		[DB_ROWS_RUNTIME_RAW] = cmp_row_group_key, [DB_ROWS_MANIFEST] = cmp_row_key,
		[DB_ROWS_MEMBER] = NULL, [DB_ROWS_PROM] = cmp_row_group_key,
		[DB_ROWS_RUNTIME] = cmp_row_key,
	};
	static const char *const what[DB_ROWS_COUNT] = {
		[DB_ROWS_STATUS] = "storing a value", [DB_ROWS_ROLLUP] = "storing a value",
		[DB_ROWS_CGROUP] = "storing a value", [DB_ROWS_ERRORS] = "storing a value",
		[DB_ROWS_RUNTIME_RAW] = "storing a value",
		[DB_ROWS_MANIFEST] = "storing a manifest key", [DB_ROWS_MEMBER] = "storing a member",
		[DB_ROWS_PROM] = "storing a metric", [DB_ROWS_RUNTIME] = "storing a runtime value",
	};
	const struct db_row **order;
	sqlite3_stmt *st;
	struct rows_batch b;
	size_t i;
	int rc;

	if (n == 0)
		return 0;
	order = xreallocarray(NULL, n, sizeof(*order));
	for (i = 0; i < n; i++)
		order[i] = &rows[i];
	if (by_key[t] != NULL)
		qsort(order, n, sizeof(*order), by_key[t]);
	b.rows = order;
	b.h.n = n;
	st = use(db, (enum stmt)(S_ROWS_STATUS + (int)t));
	sqlite3_bind_pointer(st, 1, &b, rows_kind.name, NULL);
	sqlite3_bind_int64(st, 2, id);
	rc = run(db, st, d, what[t]);
	/* the batch lives on this stack frame: never leave a pointer to it bound */
	sqlite3_bind_null(st, 1);
	free(order);
	return rc;
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int64_t
col_opt(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
}

static void
snapshot_row(sqlite3_stmt *st, struct db_snapshot_row *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->bundle = col_text(st, 1);
	r->dir = col_text(st, 2);
	r->captured_at = col_text(st, 3);
	r->comm = col_text(st, 4);
	r->host = col_text(st, 5);
	r->pod = col_text(st, 6);
	r->namespace = col_text(st, 7);
	r->container = col_text(st, 8);
	r->node = col_text(st, 9);
	r->kernel = col_text(st, 10);
	r->arch = col_text(st, 11);
	r->tool = col_text(st, 12);
	r->vma_source = col_text(st, 13);
	r->digest = col_text(st, 14);
	r->pid = sqlite3_column_int64(st, 15);
	r->page_size = col_opt(st, 16);
	r->vma_count = col_opt(st, 17);
	r->unknown_fields = col_opt(st, 18);
	r->cgroup_version = col_opt(st, 19);
	r->rss_known = sqlite3_column_int(st, 20);
	r->size = col_opt(st, 21);
	r->rss = col_opt(st, 22);
	r->pss = col_opt(st, 23);
	r->anonymous = col_opt(st, 24);
	r->lazyfree = col_opt(st, 25);
	r->anon_huge_pages = col_opt(st, 26);
	r->swap = col_opt(st, 27);
}

int
db_snapshots_each(struct db *db, db_snapshot_fn fn, void *ctx, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_SNAP_ALL);
	struct db_snapshot_row r;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snapshot_row(st, &r);
		if (fn(ctx, &r) != 0) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(db, d, "listing snapshots");
}

int
db_snapshot_get(struct db *db, int64_t id, struct db_snapshot_row *row, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_SNAP_GET);
	int rc;

	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snapshot_row(st, row);
		return 0;	/* lent until the next use of this statement */
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 1 : fail(db, d, "reading a snapshot");
}

static int
kv_each(struct db *db, enum stmt s, int64_t id, db_kv_fn fn, void *ctx, struct diag *d)
{
	sqlite3_stmt *st = use(db, s);
	int rc;

	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn(ctx, col_text(st, 0), col_text(st, 1), sqlite3_column_int(st, 2),
		       sqlite3_column_int64(st, 3), col_text(st, 4)) != 0) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(db, d, "reading values");
}

int
db_manifest_each(struct db *db, int64_t id, db_kv_fn fn, void *ctx, struct diag *d)
{
	return kv_each(db, S_MANIFEST_EACH, id, fn, ctx, d);
}

int
db_kv_each(struct db *db, enum db_kv_table t, int64_t id, db_kv_fn fn, void *ctx, struct diag *d)
{
	static const enum stmt by_table[] = {
		[DB_KV_STATUS] = S_STATUS_EACH, [DB_KV_ROLLUP] = S_ROLLUP_EACH,
		[DB_KV_CGROUP] = S_CGROUP_EACH, [DB_KV_ERRORS] = S_ERROR_EACH,
		[DB_KV_RUNTIME_RAW] = S_RUNTIME_RAW_EACH,
	};

	return kv_each(db, by_table[t], id, fn, ctx, d);
}

int
db_runtime_each(struct db *db, int64_t id, db_kv_fn fn, void *ctx, struct diag *d)
{
	return kv_each(db, S_RUNTIME_EACH, id, fn, ctx, d);
}

int
db_note_each(struct db *db, int64_t id, db_kv_fn fn, void *ctx, struct diag *d)
{
	return kv_each(db, S_NOTE_EACH, id, fn, ctx, d);
}

int
db_pprof_total_each(struct db *db, int64_t id, db_kv_fn fn, void *ctx, struct diag *d)
{
	return kv_each(db, S_PPROF_TOTAL_EACH, id, fn, ctx, d);
}

/* A role_total row from column first on. */
static void
role_row(sqlite3_stmt *st, int first, struct db_role_totals *r)
{
	r->role = col_text(st, first);
	r->vmas = sqlite3_column_int64(st, first + 1);
	r->size = col_opt(st, first + 2);
	r->rss = col_opt(st, first + 3);
	r->pss = col_opt(st, first + 4);
	r->anonymous = col_opt(st, first + 5);
	r->lazyfree = col_opt(st, first + 6);
	r->anon_huge_pages = col_opt(st, first + 7);
	r->swap = col_opt(st, first + 8);
	r->private_dirty = col_opt(st, first + 9);
}

int
db_roles_each(struct db *db, int64_t id, db_role_fn fn, void *ctx, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_ROLES_EACH);
	struct db_role_totals r;
	int rc;

	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		role_row(st, 0, &r);
		if (fn(ctx, &r) != 0) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(db, d, "reading roles");
}

int
db_fleet_each(struct db *db, const char *by, db_fleet_fn fn, void *ctx, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_FLEET_ALL);
	struct db_fleet_row r;
	int rc;

	bind_text(st, 1, by);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(st, 0);
		r.pid = sqlite3_column_int64(st, 1);
		r.pod = col_text(st, 2);
		r.host = col_text(st, 3);
		r.rss_known = sqlite3_column_int(st, 4);
		r.rss = col_opt(st, 5);
		r.value = col_text(st, 6);
		if (fn(ctx, &r) != 0) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(db, d, "listing snapshots");
}

int
db_runtime_all(struct db *db, db_id_kv_fn fn, void *ctx, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_RUNTIME_ALL);
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn(ctx, sqlite3_column_int64(st, 0), col_text(st, 1), col_text(st, 2), 1,
		       sqlite3_column_int64(st, 3), NULL) != 0) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(db, d, "reading values");
}

int
db_roles_all(struct db *db, db_id_role_fn fn, void *ctx, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_ROLES_ALL);
	struct db_role_totals r;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		role_row(st, 1, &r);
		if (fn(ctx, sqlite3_column_int64(st, 0), &r) != 0) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(db, d, "reading roles");
}

int
db_go_named(struct db *db, int64_t id, int64_t *count, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_GO_NAMED);
	int rc;

	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	*count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : fail(db, d, "counting Go-named VMAs");
}

int
db_go_named_all(struct db *db, db_id_count_fn fn, void *ctx, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_GO_NAMED_ALL);
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)) != 0) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(db, d, "counting Go-named VMAs");
}

static int
vmas_run(struct db *db, sqlite3_stmt *st, db_vma_fn fn, void *ctx, struct diag *d)
{
	struct db_vma_row v;
	int rc, f;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v.idx = sqlite3_column_int64(st, 0);
		v.start = (uint64_t)sqlite3_column_int64(st, 1);
		v.end = (uint64_t)sqlite3_column_int64(st, 2);
		v.offset = (uint64_t)sqlite3_column_int64(st, 3);
		v.inode = (uint64_t)sqlite3_column_int64(st, 4);
		v.perms = col_text(st, 5);
		v.dev = col_text(st, 6);
		v.path = col_text(st, 7);
		v.role = col_text(st, 8);
		v.vmflags = col_text(st, 9);
		for (f = 0; f < VMA_NFIELDS; f++)
			v.field[f] = col_opt(st, 10 + f);
		if (fn(ctx, &v) != 0) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(db, d, "reading VMAs");
}

int
db_vmas_each(struct db *db, int64_t id, db_vma_fn fn, void *ctx, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_VMAS_EACH);

	sqlite3_bind_int64(st, 1, id);
	return vmas_run(db, st, fn, ctx, d);
}

int
db_vmas_top(struct db *db, int64_t id, int64_t n, db_vma_fn fn, void *ctx, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_VMAS_TOP);

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, n);
	return vmas_run(db, st, fn, ctx, d);
}

int
db_pprof_sites_each(struct db *db, int64_t id, db_site_fn fn, void *ctx, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_SITES_EACH);
	struct db_site_row s;
	int rc;

	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s.rank = sqlite3_column_int64(st, 0);
		s.leaf = col_text(st, 1);
		s.frames = col_text(st, 2);
		s.inuse_space = col_opt(st, 3);
		s.inuse_objects = col_opt(st, 4);
		s.alloc_space = col_opt(st, 5);
		s.alloc_objects = col_opt(st, 6);
		if (fn(ctx, &s) != 0) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(db, d, "reading allocation sites");
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int
db_select_ids(struct db *db, const char *const *keys, const char *const *values, int n,
	      int64_t **ids, int64_t *count, struct diag *d)
{
	int64_t *acc = NULL, nacc = 0;
	int i;

	for (i = 0; i < n; i++) {
		sqlite3_stmt *st = use(db, S_SELECT_KV);
		int64_t *got = NULL, ngot = 0, cap = 0, j, k, nkeep = 0;
		int rc;

		bind_text(st, 1, keys[i]);
		bind_text(st, 2, values[i]);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (ngot == cap) {
				cap = cap ? cap * 2 : 16;
				got = xreallocarray(got, (size_t)cap, sizeof(*got));
			}
			got[ngot++] = sqlite3_column_int64(st, 0);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			free(got);
			free(acc);
			return fail(db, d, "selecting snapshots");
		}
		qsort(got, (size_t)ngot, sizeof(*got), cmp_id);
		if (i == 0) {
			acc = got;
			nacc = ngot;
			continue;
		}
		for (j = 0, k = 0; j < nacc && k < ngot;) {
			if (acc[j] == got[k]) {
				acc[nkeep++] = acc[j];
				j++;
				k++;
			} else if (acc[j] < got[k]) {
				j++;
			} else {
				k++;
			}
		}
		nacc = nkeep;
		free(got);
	}
	*ids = acc;
	*count = nacc;
	return 0;
}

char *
db_manifest_value(struct db *db, int64_t id, const char *key, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_MANIFEST_VALUE);
	char *v = NULL;
	int rc;

	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = xstrdup(col_text(st, 0));
	else if (rc != SQLITE_DONE)
		fail(db, d, "reading a manifest value");
	sqlite3_reset(st);
	return v;
}

/*
 * Merging a shard: statements over the attached database "shard", prepared
 * per merge (they cannot be prepared before the ATTACH). ?1 is the shard's
 * snapshot id, ?2 the new one.
 */
enum merge_stmt {
	M_ATTACH,
	M_DETACH,
	M_SNAPSHOTS,
	M_SNAPSHOT,
	M_MANIFEST,
	M_VMA,
	M_ROLE,
	M_STATUS,
	M_ROLLUP,
	M_CGROUP,
	M_ERROR,
	M_RUNTIME_RAW,
	M_RUNTIME,
	M_PROM,
	M_PPROF_TOTAL,
	M_PPROF_SITE,
	M_MEMBER,
	M_NOTE,
	M_COUNT
};

#define SNAPSHOT_COPY_COLS \
	"digest, bundle, dir, captured_at, pid, comm, host, pod, namespace, container, node," \
	" kernel, arch, page_size, tool, ingested_at, vma_source, vma_count, unknown_fields," \
	" rss_known, size, rss, pss, anonymous, lazyfree, anon_huge_pages, swap, cgroup_version"
#define VMA_COPY_COLS \
	"start, end, perms, offset, dev, inode, path, role, size, kernel_page_size," \
	" mmu_page_size, rss, pss, pss_anon, pss_file, pss_shmem, pss_dirty, shared_clean," \
	" shared_dirty, private_clean, private_dirty, referenced, anonymous, ksm, lazyfree," \
	" anon_huge_pages, shmem_pmd_mapped, file_pmd_mapped, shared_hugetlb, private_hugetlb," \
	" swap, swap_pss, locked, thp_eligible, protection_key, vmflags"
#define COPY(table, cols) \
	"INSERT INTO main." table "(snapshot_id, " cols ") SELECT ?2, " cols \
	" FROM shard." table " WHERE snapshot_id = ?1"

static const char *const merge_sql[M_COUNT] = {
	[M_ATTACH] = "ATTACH DATABASE ?1 AS shard",
	[M_DETACH] = "DETACH DATABASE shard",
	[M_SNAPSHOTS] = "SELECT s.id, EXISTS(SELECT 1 FROM main.snapshot m WHERE m.digest = s.digest)"
			" FROM shard.snapshot s WHERE s.digest NOT LIKE 'pending:%' ORDER BY s.id",
	[M_SNAPSHOT] = "INSERT INTO main.snapshot(" SNAPSHOT_COPY_COLS ") SELECT " SNAPSHOT_COPY_COLS
		       " FROM shard.snapshot WHERE id = ?1",
	[M_MANIFEST] = COPY("manifest", "key, value"),
	[M_VMA] = "INSERT INTO main.vma(id, snapshot_id, idx, " VMA_COPY_COLS ")"
		  " SELECT (?2 << 24) | idx, ?2, idx, " VMA_COPY_COLS
		  " FROM shard.vma WHERE id BETWEEN (?1 << 24) AND (?1 << 24) + 16777215 ORDER BY id",
	[M_ROLE] = COPY("role_total", "role, vmas, size, rss, pss, anonymous, lazyfree,"
				      " anon_huge_pages, swap, private_dirty"),
	[M_STATUS] = COPY("status", "key, value, text"),
	[M_ROLLUP] = COPY("smaps_rollup", "key, value"),
	[M_CGROUP] = COPY("cgroup", "file, key, value, text"),
	[M_ERROR] = COPY("capture_error", "file, reason"),
	[M_RUNTIME_RAW] = COPY("runtime_raw", "source, name, value, text"),
	[M_RUNTIME] = COPY("runtime", "name, value, source"),
	[M_PROM] = COPY("prom_series", "name, labels, value"),
	[M_PPROF_TOTAL] = COPY("pprof_total", "sample_type, unit, total"),
	[M_PPROF_SITE] = COPY("pprof_site", "rank, leaf, frames, inuse_space, inuse_objects,"
					    " alloc_space, alloc_objects"),
	[M_MEMBER] = COPY("member", "name, bytes, status"),
	[M_NOTE] = COPY("note", "member, line, message"),
};

/* Copy one shard snapshot (old) into main; *id is its new id. */
static int
merge_one(struct db *db, sqlite3_stmt **st, int64_t old, struct diag *d)
{
	int64_t id;
	int k;

	sqlite3_reset(st[M_SNAPSHOT]);
	sqlite3_bind_int64(st[M_SNAPSHOT], 1, old);
	if (run(db, st[M_SNAPSHOT], d, "copying a snapshot") != 0)
		return -1;
	id = sqlite3_last_insert_rowid(db->conn);
	for (k = M_MANIFEST; k < M_COUNT; k++) {
		sqlite3_reset(st[k]);
		sqlite3_bind_int64(st[k], 1, old);
		sqlite3_bind_int64(st[k], 2, id);
		if (run(db, st[k], d, "copying a snapshot's rows") != 0)
			return -1;
	}
	return 0;
}

int
db_merge(struct db *db, const char *shard_path, int64_t *added, int64_t *duplicates,
	 struct diag *d)
{
	sqlite3_stmt *st[M_COUNT] = { NULL };
	struct buf uri = BUF_INIT;
	struct db *shard;
	int attached = 0, rc = -1, k, step;

	*added = *duplicates = 0;
	/* open it once on its own, read only: a missing file, another program's or a newer schema is refused here */
	shard = db_open(shard_path, DB_READ, d);
	if (shard == NULL)
		return -1;
	db_free(shard);
	if (sqlite3_prepare_v2(db->conn, merge_sql[M_ATTACH], -1, &st[M_ATTACH], NULL) != SQLITE_OK)
		return fail(db, d, "preparing attach");
	/* attached read only too: copying out of it never writes to it */
	path_uri(&uri, shard_path, 0);
	buf_puts(&uri, "?mode=ro");
	sqlite3_bind_text(st[M_ATTACH], 1, buf_str(&uri), -1, SQLITE_TRANSIENT);
	buf_release(&uri);
	if (run(db, st[M_ATTACH], d, "attaching the shard") != 0)
		goto out;
	attached = 1;
	for (k = M_DETACH; k < M_COUNT; k++)
		if (sqlite3_prepare_v2(db->conn, merge_sql[k], -1, &st[k], NULL) != SQLITE_OK) {
			fail(db, d, "preparing a merge statement");
			goto out;
		}
	if (db_begin(db, d) != 0)
		goto out;
	while ((step = sqlite3_step(st[M_SNAPSHOTS])) == SQLITE_ROW) {
		if (sqlite3_column_int(st[M_SNAPSHOTS], 1)) {
			(*duplicates)++;
			continue;
		}
		if (merge_one(db, st, sqlite3_column_int64(st[M_SNAPSHOTS], 0), d) != 0)
			goto rollback;
		(*added)++;
	}
	if (step != SQLITE_DONE) {
		fail(db, d, "reading the shard's snapshots");
		goto rollback;
	}
	sqlite3_reset(st[M_SNAPSHOTS]);
	if (db_commit(db, d) != 0)
		goto rollback;
	rc = 0;
	goto out;
rollback:
	sqlite3_reset(st[M_SNAPSHOTS]);
	db_rollback(db);
	*added = 0;
out:
	for (k = 0; k < M_COUNT; k++)
		if (k != M_DETACH)
			sqlite3_finalize(st[k]);
	if (attached) {
		sqlite3_reset(st[M_DETACH]);
		sqlite3_step(st[M_DETACH]);
	}
	sqlite3_finalize(st[M_DETACH]);
	return rc;
}

const char *const db_export_tables[] = {
	"snapshot", "manifest", "vma", "role_total", "status", "smaps_rollup", "cgroup",
	"capture_error", "runtime_raw", "runtime", "prom_series", "pprof_total", "pprof_site",
	"member", "note", NULL,
};

/* SELECT * of each exported table, in db_export_tables order. */
static const char *const export_sql[] = {
	"SELECT * FROM snapshot WHERE digest NOT LIKE 'pending:%' ORDER BY id",
	"SELECT * FROM manifest ORDER BY snapshot_id, key",
	"SELECT * FROM vma ORDER BY id",
	"SELECT * FROM role_total ORDER BY snapshot_id, role",
	"SELECT * FROM status ORDER BY snapshot_id, key",
	"SELECT * FROM smaps_rollup ORDER BY snapshot_id, key",
	"SELECT * FROM cgroup ORDER BY snapshot_id, file, key",
	"SELECT * FROM capture_error ORDER BY snapshot_id, rowid",
	"SELECT * FROM runtime_raw ORDER BY snapshot_id, source, name",
	"SELECT * FROM runtime ORDER BY snapshot_id, name",
	"SELECT * FROM prom_series ORDER BY snapshot_id, name, labels",
	"SELECT * FROM pprof_total ORDER BY snapshot_id, sample_type",
	"SELECT * FROM pprof_site ORDER BY snapshot_id, rank",
	"SELECT * FROM member ORDER BY snapshot_id, rowid",
	"SELECT * FROM note ORDER BY snapshot_id, rowid",
};

int
db_export_each(struct db *db, int t, db_row_fn fn, void *ctx, struct diag *d)
{
	const char *names[64], *values[64];
	sqlite3_stmt *st;
	int n, i, step, rc = 0;

	if (t < 0 || (size_t)t >= sizeof(export_sql) / sizeof(export_sql[0]))
		return diag_fail(d, DIAG_USAGE, 0, "no table %d to export", t);
	if (sqlite3_prepare_v2(db->conn, export_sql[t], -1, &st, NULL) != SQLITE_OK)
		return fail(db, d, "preparing an export");
	n = sqlite3_column_count(st);
	if (n > 64)
		n = 64;
	for (i = 0; i < n; i++)
		names[i] = sqlite3_column_name(st, i);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < n; i++)
			values[i] = (const char *)sqlite3_column_text(st, i);
		if ((rc = fn(ctx, n, names, values)) != 0)
			break;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = fail(db, d, "exporting");
	sqlite3_finalize(st);
	return rc;
}

/*
 * What db_check asks: each query returns one row whose first column is
 * "ok" when the store is consistent, else a description of what is not.
 */
static const char *const check_sql[] = {
	"PRAGMA integrity_check(1)",
	"SELECT coalesce((SELECT 'foreign key from ' || \"table\" || ' row ' || rowid"
	" FROM pragma_foreign_key_check LIMIT 1), 'ok')",
	"SELECT coalesce((SELECT 'snapshot ' || id || ' is partial (provisional digest)'"
	" FROM snapshot WHERE digest LIKE 'pending:%' OR vma_source IS NULL LIMIT 1), 'ok')",
	"SELECT coalesce((SELECT 'snapshot ' || s.id || ' holds ' || (SELECT count(*) FROM vma"
	" WHERE id >= s.id << 24 AND id < (s.id + 1) << 24) || ' VMAs, counted ' || s.vma_count"
	" FROM snapshot s WHERE s.vma_count IS NOT (SELECT count(*) FROM vma"
	" WHERE id >= s.id << 24 AND id < (s.id + 1) << 24) LIMIT 1), 'ok')",
	"SELECT coalesce((SELECT 'VMA row ' || v.id || ' has no snapshot' FROM vma v"
	" WHERE NOT EXISTS(SELECT 1 FROM snapshot s WHERE s.id = v.id >> 24) LIMIT 1), 'ok')",
};

int
db_check(struct db *db, struct diag *d)
{
	size_t i;

	for (i = 0; i < sizeof(check_sql) / sizeof(check_sql[0]); i++) {
		sqlite3_stmt *st;
		const char *what;
		int rc;

		if (sqlite3_prepare_v2(db->conn, check_sql[i], -1, &st, NULL) != SQLITE_OK)
			return fail(db, d, "preparing a check");
		rc = sqlite3_step(st);
		what = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
		if (what == NULL) {
			rc = fail(db, d, "checking the database");
		} else if (strcmp(what, "ok") != 0) {
			rc = diag_fail(d, DIAG_DB, 0, "database is inconsistent: %s", what);
		} else {
			rc = 0;
		}
		sqlite3_finalize(st);
		if (rc != 0)
			return -1;
	}
	return 0;
}
