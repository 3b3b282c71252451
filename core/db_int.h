/*
 * What the files of the db module share, and nothing outside it includes:
 * the connection, the table of prepared statements and the helpers every
 * statement goes through. core/db.c opens and migrates, core/db_stmt.c
 * holds the SQL, core/db_write.c and core/db_batch.c store, core/db_read.c
 * reads, core/db_merge.c merges. Only these files include sqlite3.h.
 */
#ifndef RSSGAP_DB_INT_H
#define RSSGAP_DB_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/db.h"
#include "core/diag.h"

/* The prepared statements, one per entry of db_sql. */
enum stmt {
	S_SNAP_BY_DIGEST,
	S_SNAP_INSERT,
	S_SNAP_FINISH,
	S_SNAP_DELETE,
	S_MANIFEST_PUT,
	S_VMA_PUT,
	S_VMA_BATCH,
	S_ROLE_PUT,
	S_ROLES_BATCH,
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
	S_SAVEPOINT,
	S_RELEASE,
	S_ROLLBACK_TO,
	S_COUNT
};

/* The columns of a vma row the statements and the VMA batch table list, in this order. */
#define VMA_COLS \
	"idx, start, end, offset, inode, perms, dev, path, role, vmflags, size," \
	" kernel_page_size, mmu_page_size, rss, pss, pss_anon, pss_file, pss_shmem, pss_dirty," \
	" shared_clean, shared_dirty, private_clean, private_dirty, referenced, anonymous, ksm," \
	" lazyfree, anon_huge_pages, shmem_pmd_mapped, file_pmd_mapped, shared_hugetlb," \
	" private_hugetlb, swap, swap_pss, locked, thp_eligible, protection_key"

/* The SQL of each statement, prepared once by db_open (core/db_stmt.c). */
extern const char *const db_sql[S_COUNT];

struct db {
	sqlite3 *conn;
	sqlite3_stmt *stmt[S_COUNT];
	int64_t wal_pages;	/* after the last commit, with db_autocheckpoint_off */
	enum db_mode mode;
	char *path;		/* as given; NULL for ":memory:" */
};

/* Fill d with the connection's last error about what (naming the file when it is at fault); -1. */
int db_fail(struct db *db, struct diag *d, const char *what);
/* Step a statement that returns no row, then reset it; 0, or -1 with d filled. */
int db_run(struct db *db, sqlite3_stmt *st, struct diag *d, const char *what);
/* path as a SQLite URI ("file:" and the path, %-encoded); flags ?immutable=1 when immutable. */
void db_path_uri(struct buf *uri, const char *path, int immutable);
/* Register the batch tables (rssgap_vma_batch, rssgap_rows) on db's connection. */
int db_batch_register(struct db *db, struct diag *d);
/* Can snapshot id hold VMAs idx .. idx + n - 1 in the vma rowid scheme? 0, or -1 with d filled. */
int db_vma_ids_fit(int64_t id, int64_t idx, size_t n, struct diag *d);

/* Reset a statement for reuse and return it. */
static inline sqlite3_stmt *
use(struct db *db, enum stmt s)
{
	sqlite3_stmt *st = db->stmt[s];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Bind s as text, NULL as NULL (s lent until the step). */
static inline void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* Bind v, or NULL when it is -1 (unknown). */
static inline void
bind_opt(sqlite3_stmt *st, int i, int64_t v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* Column i as text (NULL for NULL), lent until the next step or reset. */
static inline const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Column i as an integer, -1 for NULL. */
static inline int64_t
col_opt(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
}

#endif
