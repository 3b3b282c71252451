#include "core/db.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "core/db_int.h"
#include "core/vma.h"

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
		id = db_fail(db, d, "looking up a digest");
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
	if (db_run(db, st, d, "inserting a snapshot") != 0)
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
	return db_run(db, st, d, "finishing a snapshot");
}

int
db_snapshot_delete(struct db *db, int64_t id, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_SNAP_DELETE);

	sqlite3_bind_int64(st, 1, id);
	return db_run(db, st, d, "removing a snapshot");
}

int
db_snapshot_undo(struct db *db, int64_t id, struct diag *d)
{
	/* the tables keyed by (snapshot_id, ...): a range of their primary key */
	static const char *const keyed[] = {
		"manifest", "role_total", "status", "smaps_rollup", "cgroup", "runtime_raw",
		"runtime", "prom_series", "pprof_total", "pprof_site",
	};
	/* rowid tables: the snapshot's rows are those above the last row of any other */
	static const char *const appended[] = { "capture_error", "member", "note" };
	char sql[512];
	size_t i;

	for (i = 0; i < sizeof(keyed) / sizeof(keyed[0]); i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE snapshot_id = %" PRId64, keyed[i],
			 id);
		if (sqlite3_exec(db->conn, sql, NULL, NULL, NULL) != SQLITE_OK)
			return db_fail(db, d, "undoing a snapshot");
	}
	for (i = 0; i < sizeof(appended) / sizeof(appended[0]); i++) {
		snprintf(sql, sizeof(sql),
			 "DELETE FROM %s WHERE snapshot_id = %" PRId64 " AND rowid > coalesce(("
			 "SELECT rowid FROM %s WHERE snapshot_id <> %" PRId64
			 " ORDER BY rowid DESC LIMIT 1), 0)", appended[i], id, appended[i], id);
		if (sqlite3_exec(db->conn, sql, NULL, NULL, NULL) != SQLITE_OK)
			return db_fail(db, d, "undoing a snapshot");
	}
	/* its VMAs go with it (the trigger snapshot_vma_delete: a rowid range) */
	snprintf(sql, sizeof(sql), "DELETE FROM snapshot WHERE id = %" PRId64, id);
	if (sqlite3_exec(db->conn, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, d, "undoing a snapshot");
	return 0;
}

int
db_manifest_put(struct db *db, int64_t id, const char *key, const char *value, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_MANIFEST_PUT);

	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, key);
	bind_text(st, 3, value);
	return db_run(db, st, d, "storing a manifest key");
}

/* Can snapshot id hold VMAs idx .. idx + n - 1 in the vma rowid scheme? */
int
db_vma_ids_fit(int64_t id, int64_t idx, size_t n, struct diag *d)
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

	if (db_vma_ids_fit(id, idx, 1, d) != 0)
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
	return db_run(db, st, d, "storing a VMA");
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
	return db_run(db, st, d, "storing role totals");
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
	return db_run(db, st, d, "storing a value");
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
	return db_run(db, st, d, "storing a runtime value");
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
	return db_run(db, st, d, "storing a metric");
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
	return db_run(db, st, d, "storing a profile total");
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
		  int64_t alloc_objects, int64_t large_space, int64_t large_objects, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_PPROF_SITE_PUT);

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, rank);
	bind_text(st, 3, leaf != NULL ? leaf : "");
	bind_text(st, 4, frames != NULL ? frames : "");
	bind_site_value(st, 5, inuse_space);
	bind_site_value(st, 6, inuse_objects);
	bind_site_value(st, 7, alloc_space);
	bind_site_value(st, 9, large_space < 0 ? INT64_MIN : large_space);
	bind_site_value(st, 10, large_objects < 0 ? INT64_MIN : large_objects);
	bind_site_value(st, 8, alloc_objects);
	return db_run(db, st, d, "storing an allocation site");
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
	return db_run(db, st, d, "storing a member");
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
	return db_run(db, st, d, "storing a note");
}

