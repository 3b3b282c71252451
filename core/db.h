/*
 * The SQLite store: schema (docs/schema.md), migrations, and every SQL
 * statement rssgap runs. Only core/db*.c include sqlite3.h.
 *
 * One struct db is one connection, opened SQLITE_OPEN_NOMUTEX: it is used
 * by one thread at a time, and a thread that hands it to another (the
 * ingest's VMA writer) does so through a mutex, never concurrently.
 * Several threads writing one database open their own struct db each
 * (BEGIN IMMEDIATE and busy_timeout serialise their transactions) or
 * share one under a lock of theirs (ingest -j N: the page cache stays warm).
 * Writes happen inside db_begin()/db_commit() (BEGIN IMMEDIATE), one
 * transaction per snapshot, or one per batch of snapshots with a savepoint
 * per snapshot (db_savepoint(), db_release(), db_savepoint_rollback()) or,
 * for one stored once read whole, none (db_snapshot_undo()); either way a
 * snapshot is undone whole.
 * Addresses are stored as INTEGER holding the unsigned value's bit pattern
 * (only [vsyscall] on x86_64 lies above 2^63 and reads back negative).
 * Strings returned through the iterators are lent until the next call.
 */
#ifndef RSSGAP_DB_H
#define RSSGAP_DB_H

#include <stdint.h>
#include <sys/types.h>

#include "core/diag.h"
#include "core/vma.h"

struct db;

/* Schema version this build writes (PRAGMA user_version). */
#define RSSGAP_SCHEMA_VERSION 2

/*
 * How a command uses its database. Opening reads user_version and the
 * tables first, without writing: a file of another program (user_version
 * 0 with tables of its own, a negative one) or of a newer rssgap is
 * refused untouched. A store that needs creating or upgrading is migrated
 * by a writing mode only, under the write lock, looking again once it
 * holds it; a store that needs nothing is never written by opening.
 * Waiting for another connection's lock never times out (busy handler).
 */
enum db_mode {
	DB_READ,	/* an existing store, read only (SQLITE_OPEN_READONLY): never written */
	DB_WRITE,	/* an existing store, read and written */
	DB_CREATE,	/* created when missing (ingest, merge's output) */
};

/*
 * Open the database at path (":memory:": a new in-memory store, whatever
 * the mode); NULL with d filled: a missing file in DB_READ or DB_WRITE is
 * "no such database; ingest first".
 */
struct db *db_open(const char *path, enum db_mode mode, struct diag *d);
/* Close db (NULL is a no-op). */
void db_free(struct db *db);
/* BEGIN IMMEDIATE; rows lent by earlier reads on db end here. */
int db_begin(struct db *db, struct diag *d);
/* COMMIT. */
int db_commit(struct db *db, struct diag *d);
/* ROLLBACK (safe to call when no transaction is open). */
void db_rollback(struct db *db);
/*
 * Check foreign keys on db's inserts, and cascade its deletes (on, as
 * db_open leaves it), or neither: outside a transaction only (inside one
 * SQLite ignores the change, so this fails).
 */
int db_foreign_keys(struct db *db, int on, struct diag *d);
/* Is a transaction open on db? (SQLite ends one itself after some errors: a full disk, I/O.) */
int db_in_transaction(struct db *db);
/* SAVEPOINT inside the open transaction: what follows can be undone alone. */
int db_savepoint(struct db *db, struct diag *d);
/* RELEASE the last savepoint: what it holds stays in the transaction, to commit with it. */
int db_release(struct db *db, struct diag *d);
/*
 * Undo everything since the last savepoint and drop it: 0, the rest of the
 * transaction is intact; -1, no transaction is left (SQLite rolled all of
 * it back after an error), so what was released into it is gone too.
 */
int db_savepoint_rollback(struct db *db);

/*
 * Checkpoints. By default a commit that leaves 1000 pages or more in the
 * WAL copies them into the database (two fsyncs) before it returns. A
 * writer whose commits must stay short turns that off and checkpoints
 * from another connection (db_open_again) at its own time.
 */
/* Leave checkpoints of db's commits to db_checkpoint; db_wal_pages then counts the WAL. */
void db_autocheckpoint_off(struct db *db);
/* Pages in the WAL after db's last commit (with db_autocheckpoint_off; else 0). */
int64_t db_wal_pages(const struct db *db);
/* Copy what it can of the WAL into the database without waiting for anyone (PASSIVE). */
int db_checkpoint(struct db *db, struct diag *d);
/*
 * The store's files as they are now: the database and the -wal, -shm and
 * -journal beside it. What a command reads must not be one of them: reading
 * opens a descriptor and closing it drops every POSIX lock this process
 * holds on the file, SQLite's among them (another process would then write
 * under this one's feet). None for ":memory:".
 */
struct db_files {
	size_t n;
	struct {
		dev_t dev;
		ino_t ino;
	} f[4];
};
void db_files(const struct db *db, struct db_files *out);
/* dev and ino name one of f's files. */
int db_files_has(const struct db_files *f, dev_t dev, ino_t ino);
/* Another connection to db's database file, in db's mode; NULL with d filled (also for ":memory:"). */
struct db *db_open_again(struct db *db, struct diag *d);

/* ---- writing a snapshot ---- */

/* The snapshot row as ingest fills it; text fields may be NULL. */
struct db_snapshot {
	const char *bundle;
	const char *dir;
	const char *captured_at;
	int64_t pid;
	const char *comm, *host, *pod, *namespace, *container, *node, *kernel, *arch, *tool;
	int64_t page_size;	/* -1 unknown */
	const char *digest;	/* the content digest when known; NULL: provisional until finish */
};

/* Totals computed once every member has been read. */
struct db_snapshot_totals {
	const char *digest;
	const char *vma_source;	/* "smaps" or "maps" */
	int64_t vma_count;
	int64_t unknown_fields;
	int rss_known;
	int64_t size, rss, pss, anonymous, lazyfree, anon_huge_pages, swap;
	int64_t cgroup_version;	/* 0 none */
};

/* Id of the snapshot whose content digest is digest, 0 if none, -1 on error. */
int64_t db_snapshot_by_digest(struct db *db, const char *digest, struct diag *d);
/* Insert the snapshot row (with s->digest, else a provisional one until finish); sets *id. */
int db_snapshot_insert(struct db *db, const struct db_snapshot *s, int64_t *id, struct diag *d);
/* Record totals and the final digest. */
int db_snapshot_finish(struct db *db, int64_t id, const struct db_snapshot_totals *t,
		       struct diag *d);
/* Remove a committed snapshot and every row of it (inside db_begin/db_commit). */
int db_snapshot_delete(struct db *db, int64_t id, struct diag *d);
/*
 * Undo the snapshot just inserted, the newest of the store, without a
 * savepoint: delete its row and every row naming it, table by table (no
 * foreign key needs to be on). Its rows are the last of each table, which
 * keeps the deletes as small as the snapshot. -1 (d filled): the
 * transaction holds part of it still and must be rolled back.
 */
int db_snapshot_undo(struct db *db, int64_t id, struct diag *d);
/* One manifest key (labels are keys "label.NAME"). */
int db_manifest_put(struct db *db, int64_t id, const char *key, const char *value, struct diag *d);
/*
 * VMA rows are keyed vma.id = snapshot_id << DB_VMA_IDX_BITS | idx, so a
 * snapshot holds at most DB_VMAS_MAX VMAs (more is a DIAG_LIMIT) and its
 * rows are one rowid range (docs/schema.md).
 */
#define DB_VMA_IDX_BITS 24
#define DB_VMAS_MAX (UINT64_C(1) << DB_VMA_IDX_BITS)
/* One VMA with its role. */
int db_vma_put(struct db *db, int64_t id, int64_t idx, const struct vma *v, const char *role,
	       struct diag *d);
/* n VMAs v[i] with roles[i], stored as idx first_idx + i, in one statement (the fast way). */
int db_vmas_put(struct db *db, int64_t id, int64_t first_idx, const struct vma *v,
		const char *const *roles, size_t n, struct diag *d);
/* Per-role sums over the snapshot's VMAs. */
struct db_role_totals {
	const char *role;
	int64_t vmas, size, rss, pss, anonymous, lazyfree, anon_huge_pages, swap, private_dirty;
};
/* Store the per-role sums. */
int db_role_put(struct db *db, int64_t id, const struct db_role_totals *r, struct diag *d);
/* The same for n roles, in one statement (the same rows as n db_role_put). */
int db_roles_put(struct db *db, int64_t id, const struct db_role_totals *r, size_t n,
		 struct diag *d);

/* Key/value tables. */
enum db_kv_table {
	DB_KV_STATUS,		/* status(key, value, text) */
	DB_KV_ROLLUP,		/* smaps_rollup(key, value) */
	DB_KV_CGROUP,		/* cgroup(file, key, value, text) */
	DB_KV_ERRORS,		/* capture_error(file, reason) */
	DB_KV_RUNTIME_RAW,	/* runtime_raw(source, name, value) */
};
/* One key/value row; group is the file/source for tables that have one. */
int db_kv_put(struct db *db, enum db_kv_table t, int64_t id, const char *group, const char *key,
	      int has_value, int64_t value, const char *text, struct diag *d);
/*
 * Writing many rows at once: db_rows_put stores n rows of one table in a
 * single statement (no bind, step and reset per row), with the result of
 * n single puts in order (a later row of the same key replaces an earlier
 * one where the single put is INSERT OR REPLACE; a constraint failure
 * fails the call).
 */
enum db_rows_table {
	DB_ROWS_STATUS,		/* status: key, value, text (as db_kv_put DB_KV_STATUS) */
	DB_ROWS_ROLLUP,		/* smaps_rollup: key, value */
	DB_ROWS_CGROUP,		/* cgroup: group (file), key, value, text */
	DB_ROWS_ERRORS,		/* capture_error: key (file), text (reason, NULL as "") */
	DB_ROWS_RUNTIME_RAW,	/* runtime_raw: group (source), key (name), value, text */
	DB_ROWS_MANIFEST,	/* manifest: key, text (value) */
	DB_ROWS_MEMBER,		/* member: group (name), value (bytes), text (status) */
	DB_ROWS_PROM,		/* prom_series: group (name), key (labels, NULL as ""), real */
	DB_ROWS_RUNTIME,	/* runtime: key (name), value, group (source) */
	DB_ROWS_COUNT
};
/* One row for db_rows_put; its table says which fields are read. */
struct db_row {
	const char *group, *key, *text;
	int has_value;		/* else value is stored as NULL */
	int64_t value;
	double real;
};
/* The key/value table's db_rows_put counterpart. */
enum db_rows_table db_rows_of_kv(enum db_kv_table t);
/* Store rows[0..n) in table t for snapshot id, in one statement. */
int db_rows_put(struct db *db, enum db_rows_table t, int64_t id, const struct db_row *rows,
		size_t n, struct diag *d);
/* One normalised runtime number with its source. */
int db_runtime_put(struct db *db, int64_t id, const char *name, int64_t value, const char *source,
		   struct diag *d);
/* One Prometheus series kept from metrics.prom. */
int db_prom_put(struct db *db, int64_t id, const char *name, const char *labels, double value,
		struct diag *d);
/* Total of one pprof sample type. */
int db_pprof_total_put(struct db *db, int64_t id, const char *sample_type, const char *unit,
		       int64_t total, struct diag *d);
/* Objects larger than this (bytes each) are the Go runtime's large allocations. */
#define DB_LARGE_OBJECT_BYTES 32768
/*
 * One top allocation site; values missing as INT64_MIN (stored NULL).
 * large_space, large_objects: the inuse part of its objects over
 * DB_LARGE_OBJECT_BYTES each (-1 or INT64_MIN when the profile cannot say).
 */
int db_pprof_site_put(struct db *db, int64_t id, int64_t rank, const char *leaf,
		      const char *frames, int64_t inuse_space, int64_t inuse_objects,
		      int64_t alloc_space, int64_t alloc_objects, int64_t large_space,
		      int64_t large_objects, struct diag *d);
/* A member that was read, with its outcome ("ok", "invalid: why", "ignored"). */
int db_member_put(struct db *db, int64_t id, const char *name, int64_t bytes, const char *status,
		  struct diag *d);
/* A note about the snapshot that is not an error (maps only, a disagreement). */
int db_note_put(struct db *db, int64_t id, const char *member, int64_t line, const char *message,
		struct diag *d);

/* ---- reading ---- */

struct db_snapshot_row {
	int64_t id;
	const char *bundle, *dir, *captured_at, *comm, *host, *pod, *namespace, *container, *node;
	const char *kernel, *arch, *tool, *vma_source, *digest;
	int64_t pid, page_size, vma_count, unknown_fields, cgroup_version;
	int rss_known;
	int64_t size, rss, pss, anonymous, lazyfree, anon_huge_pages, swap;
};

typedef int (*db_snapshot_fn)(void *ctx, const struct db_snapshot_row *row);
/* Call fn for every snapshot in id order (stops early when fn returns non-zero). */
int db_snapshots_each(struct db *db, db_snapshot_fn fn, void *ctx, struct diag *d);
/* Fill row for one snapshot; 0 found, 1 not found, -1 error. Lent until the next call. */
int db_snapshot_get(struct db *db, int64_t id, struct db_snapshot_row *row, struct diag *d);

typedef int (*db_kv_fn)(void *ctx, const char *group, const char *key, int has_value,
			int64_t value, const char *text);
/* Call fn for each manifest key (group NULL) in key order. */
int db_manifest_each(struct db *db, int64_t id, db_kv_fn fn, void *ctx, struct diag *d);
/* Call fn for each row of a key/value table for a snapshot. */
int db_kv_each(struct db *db, enum db_kv_table t, int64_t id, db_kv_fn fn, void *ctx,
	       struct diag *d);
/* Call fn for each normalised runtime value (group = source). */
int db_runtime_each(struct db *db, int64_t id, db_kv_fn fn, void *ctx, struct diag *d);
/* Call fn for each note (group = member, value = line). */
int db_note_each(struct db *db, int64_t id, db_kv_fn fn, void *ctx, struct diag *d);
/* Call fn for each pprof total (group = unit, key = sample type). */
int db_pprof_total_each(struct db *db, int64_t id, db_kv_fn fn, void *ctx, struct diag *d);

typedef int (*db_role_fn)(void *ctx, const struct db_role_totals *r);
/* Call fn for each role of a snapshot, largest Rss first. */
int db_roles_each(struct db *db, int64_t id, db_role_fn fn, void *ctx, struct diag *d);

struct db_vma_row {
	int64_t idx;
	uint64_t start, end, offset, inode;
	const char *perms, *dev, *path, *role, *vmflags;
	int64_t field[VMA_NFIELDS];	/* indexed by enum vma_field; -1 when NULL */
};
typedef int (*db_vma_fn)(void *ctx, const struct db_vma_row *v);
/* Call fn for each VMA of a snapshot in address order. */
int db_vmas_each(struct db *db, int64_t id, db_vma_fn fn, void *ctx, struct diag *d);
/*
 * Call fn for each VMA of a snapshot in address order, reading only start,
 * end, perms, path, role and fields[0..nfields): the other fields are -1,
 * dev and vmflags NULL, offset and inode 0, idx the VMA's place (0, 1, ...). Faster than
 * db_vmas_each when a few fields are needed.
 */
int db_vmas_fields_each(struct db *db, int64_t id, const enum vma_field *fields, int nfields,
			db_vma_fn fn, void *ctx, struct diag *d);
/* Call fn for the n VMAs with the largest Rss. */
int db_vmas_top(struct db *db, int64_t id, int64_t n, db_vma_fn fn, void *ctx, struct diag *d);

struct db_site_row {
	int64_t rank;
	const char *leaf, *frames;
	int64_t inuse_space, inuse_objects, alloc_space, alloc_objects;	/* -1 NULL */
	int64_t large_space, large_objects;	/* objects > DB_LARGE_OBJECT_BYTES; -1 NULL */
};
typedef int (*db_site_fn)(void *ctx, const struct db_site_row *s);
/* Call fn for the stored top allocation sites in rank order. */
int db_pprof_sites_each(struct db *db, int64_t id, db_site_fn fn, void *ctx, struct diag *d);

/* ---- reading every snapshot at once (fleet statistics) ---- */

/* What fleet statistics read of a snapshot's row. */
struct db_fleet_row {
	int64_t id, pid;
	const char *pod, *host;
	const char *value;	/* as db_manifest_value(id, by); NULL when absent */
	int rss_known;
	int64_t rss;		/* -1 unknown */
};
typedef int (*db_fleet_fn)(void *ctx, const struct db_fleet_row *row);
/* Call fn for every snapshot in id order, with its value of manifest key (or label) by. */
int db_fleet_each(struct db *db, const char *by, db_fleet_fn fn, void *ctx, struct diag *d);
typedef int (*db_id_kv_fn)(void *ctx, int64_t id, const char *group, const char *key,
			   int has_value, int64_t value, const char *text);
/* db_runtime_each for every snapshot, in id order (then name order). */
int db_runtime_all(struct db *db, db_id_kv_fn fn, void *ctx, struct diag *d);
typedef int (*db_id_role_fn)(void *ctx, int64_t id, const struct db_role_totals *r);
/* db_roles_each for every snapshot, in id order (then largest Rss first). */
int db_roles_all(struct db *db, db_id_role_fn fn, void *ctx, struct diag *d);

/*
 * VMAs the Go runtime named "[anon: Go: ...]" (Go >= 1.25 on a kernel with
 * anonymous VMA names): whether the snapshot's Go labels its mappings.
 */
int db_go_named(struct db *db, int64_t id, int64_t *count, struct diag *d);
typedef int (*db_id_count_fn)(void *ctx, int64_t id, int64_t count);
/* db_go_named for every snapshot that has such VMAs, in id order. */
int db_go_named_all(struct db *db, db_id_count_fn fn, void *ctx, struct diag *d);

/* Ids of snapshots whose manifest has key=value (key "label.X" or a plain key; "X" also matches "label.X"). */
int db_select_ids(struct db *db, const char *const *keys, const char *const *values, int n,
		  int64_t **ids, int64_t *count, struct diag *d);
/* The value of manifest key (or label.key) for a snapshot; NULL if absent. Caller frees. */
char *db_manifest_value(struct db *db, int64_t id, const char *key, struct diag *d);

/* ---- past one machine ---- */

/*
 * Copy every snapshot of the database at shard_path that db does not have
 * (by content digest) into db, with new ids; one transaction per shard.
 * The shard is migrated first like any database rssgap opens.
 */
int db_merge(struct db *db, const char *shard_path, int64_t *added, int64_t *duplicates,
	     struct diag *d);

/* The tables export writes, in order; NULL-terminated. */
extern const char *const db_export_tables[];
/* One exported row: n columns, names and values as text (NULL for SQL NULL). */
typedef int (*db_row_fn)(void *ctx, int n, const char *const *names, const char *const *values);
/* Call fn for every row of db_export_tables[t], in key order. */
int db_export_each(struct db *db, int t, db_row_fn fn, void *ctx, struct diag *d);

/*
 * Is the store whole: SQLite's integrity and foreign-key checks, no
 * snapshot left half-written, every snapshot's VMA count equal to its VMA
 * rows. 0, or -1 with d saying what is wrong.
 */
int db_check(struct db *db, struct diag *d);

#endif
