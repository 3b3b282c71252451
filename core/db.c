#include "core/db.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/db_int.h"
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
	/* the large objects (> 32 KiB each) of an allocation site: NULL for older rows */
	{ 2,
	  "ALTER TABLE pprof_site ADD COLUMN large_inuse_space INTEGER;"
	  "ALTER TABLE pprof_site ADD COLUMN large_inuse_objects INTEGER" },
};

int
db_fail(struct db *db, struct diag *d, const char *what)
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
		return db_fail(db, d, "reading the schema");
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		st->version = sqlite3_column_int(q, 0);
		st->tables = sqlite3_column_int(q, 1);
		st->has_snapshot = sqlite3_column_int(q, 2);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? 0 : db_fail(db, d, "reading the schema");
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
void
db_path_uri(struct buf *uri, const char *path, int immutable)
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
		db_path_uri(&uri, path, immutable);
	/* NOMUTEX: a connection is used by one thread at a time (db.h), so SQLite's own locks are waste */
	rc = sqlite3_open_v2(buf_str(&uri), &db->conn, flags | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
			     NULL);
	buf_release(&uri);
	if (rc != SQLITE_OK)
		return db_fail(db, d, "cannot open database");
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
		return db_fail(db, d, "setting WAL mode");
	ok = sqlite3_step(q) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(q, 0), "wal") == 0;
	sqlite3_finalize(q);
	return ok ? 0 : db_fail(db, d, "setting WAL mode");
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

	/*
	 * A new file gets 16 KiB pages: a VMA row is about 150 bytes, and with
	 * 4 KiB pages ingest made four times the writes (each page
	 * twice: to the WAL, then to the database). Larger pages write less
	 * still but cost more CPU per small snapshot: a page a transaction
	 * first changes under a savepoint is copied whole into its journal.
	 * Set before the first write, it takes; on a file that holds pages
	 * already it changes nothing, so older stores keep their 4 KiB pages.
	 */
	if (exec_sql(db, "PRAGMA page_size = 16384", d) != 0 || set_wal(db, d) != 0 ||
	    exec_sql(db, "BEGIN IMMEDIATE", d) != 0)
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
	if (db_batch_register(db, d) != 0) {
		diag_where(d, path, NULL);
		goto err;
	}
	for (i = 0; i < S_COUNT; i++) {
		if (sqlite3_prepare_v3(db->conn, db_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &db->stmt[i], NULL) != SQLITE_OK) {
			diag_where(d, path, NULL);
			db_fail(db, d, "preparing a statement");
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

/* Step a statement that returns no row. */
int
db_run(struct db *db, sqlite3_stmt *st, struct diag *d, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, d, what);
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
		return db_fail(db, d, "checkpoint");
	return 0;
}

void
db_files(const struct db *db, struct db_files *out)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	size_t i;

	out->n = 0;
	if (db->path == NULL)
		return;
	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		struct buf p = BUF_INIT;
		struct stat st;

		buf_printf(&p, "%s%s", db->path, suffix[i]);
		if (stat(buf_str(&p), &st) == 0) {
			out->f[out->n].dev = st.st_dev;
			out->f[out->n].ino = st.st_ino;
			out->n++;
		}
		buf_release(&p);
	}
}

int
db_files_has(const struct db_files *f, dev_t dev, ino_t ino)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (f->f[i].dev == dev && f->f[i].ino == ino)
			return 1;
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
			return db_fail(db, d, "begin");
		busy_wait(db, tries);
	}
}

int
db_commit(struct db *db, struct diag *d)
{
	return db_run(db, use(db, S_COMMIT), d, "commit");
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

int
db_foreign_keys(struct db *db, int on, struct diag *d)
{
	if (db_in_transaction(db))
		return diag_fail(d, DIAG_DB, 0, "foreign keys cannot change inside a transaction");
	return exec_sql(db, on ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF", d);
}

int
db_in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(db->conn);
}

int
db_savepoint(struct db *db, struct diag *d)
{
	return db_run(db, use(db, S_SAVEPOINT), d, "savepoint");
}

int
db_release(struct db *db, struct diag *d)
{
	return db_run(db, use(db, S_RELEASE), d, "release");
}

int
db_savepoint_rollback(struct db *db)
{
	struct diag ignored;

	if (!db_in_transaction(db))
		return -1;
	diag_clear(&ignored);
	if (db_run(db, use(db, S_ROLLBACK_TO), &ignored, "rollback") != 0 ||
	    db_run(db, use(db, S_RELEASE), &ignored, "release") != 0) {
		/* the savepoint cannot be undone alone: undo the transaction, say so */
		db_rollback(db);
		return -1;
	}
	return 0;
}
