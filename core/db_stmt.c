/*
 * Every statement the db module prepares at open, indexed by enum stmt
 * (core/db_int.h): all of rssgap's SQL but the schema (core/db.c), the
 * merge's statements over an attached shard (core/db_merge.c) and the
 * export's and check's one-off queries (core/db_read.c).
 */
#include "core/db_int.h"

#define SNAP_COLS \
	"id, bundle, dir, captured_at, comm, host, pod, namespace, container, node, kernel," \
	" arch, tool, vma_source, digest, pid, page_size, vma_count, unknown_fields," \
	" cgroup_version, rss_known, size, rss, pss, anonymous, lazyfree, anon_huge_pages, swap"

const char *const db_sql[S_COUNT] = {
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
	/* the snapshot's id bound once (?2), not a column read per row */
	[S_VMA_BATCH] = "INSERT OR FAIL INTO vma(id, snapshot_id, " VMA_COLS ") SELECT id, ?2, "
			VMA_COLS " FROM rssgap_vma_batch WHERE batch = ?1",
	[S_ROLE_PUT] =
		"INSERT INTO role_total(snapshot_id, role, vmas, size, rss, pss, anonymous,"
		" lazyfree, anon_huge_pages, swap, private_dirty)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[S_ROLES_BATCH] =
		"INSERT OR FAIL INTO role_total(snapshot_id, role, vmas, size, rss, pss, anonymous,"
		" lazyfree, anon_huge_pages, swap, private_dirty) SELECT ?2, role, vmas, size, rss,"
		" pss, anonymous, lazyfree, anon_huge_pages, swap, private_dirty FROM rssgap_roles"
		" WHERE batch = ?1",
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
			     " inuse_space, inuse_objects, alloc_space, alloc_objects,"
			     " large_inuse_space, large_inuse_objects)"
			     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[S_MEMBER_PUT] = "INSERT INTO member(snapshot_id, name, bytes, status)"
			 " VALUES(?1, ?2, ?3, ?4)",
	[S_NOTE_PUT] = "INSERT INTO note(snapshot_id, member, line, message)"
		       " VALUES(?1, ?2, ?3, ?4)",
	/*
	 * The same rows as the single puts above, from the rssgap_rows table.
	 * A statement that writes many rows and may abort (a NOT NULL or key
	 * check under the default ABORT) opens a statement journal inside a
	 * transaction, and every page it first changes is copied into it to
	 * undo the statement alone. OR FAIL keeps the rows a failing statement
	 * wrote so far and needs none: whatever fails, the snapshot's savepoint
	 * or transaction is rolled back whole (ingest never goes on after a
	 * failed statement). Tables whose rows may replace earlier ones (OR
	 * REPLACE: a NOT NULL column without a default turns into ABORT) keep
	 * the journal. S_VMA_BATCH is one of these statements too.
	 */
#define ROWS(insert, cols) insert " SELECT ?2, " cols " FROM rssgap_rows WHERE batch = ?1"
	[S_ROWS_STATUS] = ROWS("INSERT OR REPLACE INTO status(snapshot_id, key, value, text)",
			       "key, value, text"),
	[S_ROWS_ROLLUP] = ROWS("INSERT OR REPLACE INTO smaps_rollup(snapshot_id, key, value)",
			       "key, value"),
	[S_ROWS_CGROUP] = ROWS("INSERT OR REPLACE INTO cgroup(snapshot_id, file, key, value, text)",
			       "grp, key, value, text"),
	[S_ROWS_ERRORS] = ROWS("INSERT OR FAIL INTO capture_error(snapshot_id, file, reason)",
			       "key, coalesce(text, '')"),
	[S_ROWS_RUNTIME_RAW] = ROWS("INSERT OR REPLACE INTO runtime_raw(snapshot_id, source, name,"
				    " value, text)", "grp, key, value, text"),
	[S_ROWS_MANIFEST] = ROWS("INSERT OR FAIL INTO manifest(snapshot_id, key, value)", "key, text"),
	[S_ROWS_MEMBER] = ROWS("INSERT OR FAIL INTO member(snapshot_id, name, bytes, status)",
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
			 " alloc_objects, large_inuse_space, large_inuse_objects FROM pprof_site"
			 " WHERE snapshot_id = ?1 ORDER BY rank",
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
	[S_SAVEPOINT] = "SAVEPOINT snapshot",
	[S_RELEASE] = "RELEASE snapshot",
	[S_ROLLBACK_TO] = "ROLLBACK TO snapshot",
};
