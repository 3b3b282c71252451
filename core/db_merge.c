#include "core/db.h"

#include "core/buf.h"
#include "core/db_int.h"

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
					    " alloc_space, alloc_objects, large_inuse_space,"
					    " large_inuse_objects"),
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
	if (db_run(db, st[M_SNAPSHOT], d, "copying a snapshot") != 0)
		return -1;
	id = sqlite3_last_insert_rowid(db->conn);
	for (k = M_MANIFEST; k < M_COUNT; k++) {
		sqlite3_reset(st[k]);
		sqlite3_bind_int64(st[k], 1, old);
		sqlite3_bind_int64(st[k], 2, id);
		if (db_run(db, st[k], d, "copying a snapshot's rows") != 0)
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
		return db_fail(db, d, "preparing attach");
	/* attached read only too: copying out of it never writes to it */
	db_path_uri(&uri, shard_path, 0);
	buf_puts(&uri, "?mode=ro");
	sqlite3_bind_text(st[M_ATTACH], 1, buf_str(&uri), -1, SQLITE_TRANSIENT);
	buf_release(&uri);
	if (db_run(db, st[M_ATTACH], d, "attaching the shard") != 0)
		goto out;
	attached = 1;
	for (k = M_DETACH; k < M_COUNT; k++)
		if (sqlite3_prepare_v2(db->conn, merge_sql[k], -1, &st[k], NULL) != SQLITE_OK) {
			db_fail(db, d, "preparing a merge statement");
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
		db_fail(db, d, "reading the shard's snapshots");
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
