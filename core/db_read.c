#include "core/db.h"

#include <stdlib.h>
#include <string.h>

#include "core/db_int.h"
#include "core/vma.h"
#include "core/xalloc.h"

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

/*
 * Every iterator is one loop, each_row's: step, hand the row to a row
 * function (which fills the caller's row and calls the caller's
 * callback), stop early without an error when that returns non-zero,
 * reset. A struct each_call carries the caller's callback, whatever its
 * type, and context.
 */
struct each_call {
	union {
		db_snapshot_fn snapshot;
		db_kv_fn kv;
		db_role_fn role;
		db_fleet_fn fleet;
		db_id_kv_fn id_kv;
		db_id_role_fn id_role;
		db_id_count_fn id_count;
		db_vma_fn vma;
		db_site_fn site;
	} fn;
	void *ctx;
};

/* Read the current row of st and pass it on; non-zero stops the iteration. */
typedef int (*each_row_fn)(sqlite3_stmt *st, const struct each_call *c);

/* Step st (bound already) to its end or until row returns non-zero; -1 with d about what on error. */
static int
each_row(struct db *db, sqlite3_stmt *st, each_row_fn row, const struct each_call *c,
	 struct diag *d, const char *what)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (row(st, c) != 0) {
			sqlite3_reset(st);
			return 0;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, d, what);
}

static int
snapshot_call(sqlite3_stmt *st, const struct each_call *c)
{
	struct db_snapshot_row r;

	snapshot_row(st, &r);
	return c->fn.snapshot(c->ctx, &r);
}

int
db_snapshots_each(struct db *db, db_snapshot_fn fn, void *ctx, struct diag *d)
{
	struct each_call c = { .fn.snapshot = fn, .ctx = ctx };

	return each_row(db, use(db, S_SNAP_ALL), snapshot_call, &c, d, "listing snapshots");
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
	return rc == SQLITE_DONE ? 1 : db_fail(db, d, "reading a snapshot");
}

/* A key/value statement's row: group, key, has_value, value, text. */
static int
kv_call(sqlite3_stmt *st, const struct each_call *c)
{
	return c->fn.kv(c->ctx, col_text(st, 0), col_text(st, 1), sqlite3_column_int(st, 2),
			sqlite3_column_int64(st, 3), col_text(st, 4));
}

static int
kv_each(struct db *db, enum stmt s, int64_t id, db_kv_fn fn, void *ctx, struct diag *d)
{
	sqlite3_stmt *st = use(db, s);
	struct each_call c = { .fn.kv = fn, .ctx = ctx };

	sqlite3_bind_int64(st, 1, id);
	return each_row(db, st, kv_call, &c, d, "reading values");
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

static int
role_call(sqlite3_stmt *st, const struct each_call *c)
{
	struct db_role_totals r;

	role_row(st, 0, &r);
	return c->fn.role(c->ctx, &r);
}

int
db_roles_each(struct db *db, int64_t id, db_role_fn fn, void *ctx, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_ROLES_EACH);
	struct each_call c = { .fn.role = fn, .ctx = ctx };

	sqlite3_bind_int64(st, 1, id);
	return each_row(db, st, role_call, &c, d, "reading roles");
}

static int
fleet_call(sqlite3_stmt *st, const struct each_call *c)
{
	struct db_fleet_row r;

	r.id = sqlite3_column_int64(st, 0);
	r.pid = sqlite3_column_int64(st, 1);
	r.pod = col_text(st, 2);
	r.host = col_text(st, 3);
	r.rss_known = sqlite3_column_int(st, 4);
	r.rss = col_opt(st, 5);
	r.value = col_text(st, 6);
	return c->fn.fleet(c->ctx, &r);
}

int
db_fleet_each(struct db *db, const char *by, db_fleet_fn fn, void *ctx, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_FLEET_ALL);
	struct each_call c = { .fn.fleet = fn, .ctx = ctx };

	bind_text(st, 1, by);
	return each_row(db, st, fleet_call, &c, d, "listing snapshots");
}

static int
runtime_all_call(sqlite3_stmt *st, const struct each_call *c)
{
	return c->fn.id_kv(c->ctx, sqlite3_column_int64(st, 0), col_text(st, 1), col_text(st, 2), 1,
			   sqlite3_column_int64(st, 3), NULL);
}

int
db_runtime_all(struct db *db, db_id_kv_fn fn, void *ctx, struct diag *d)
{
	struct each_call c = { .fn.id_kv = fn, .ctx = ctx };

	return each_row(db, use(db, S_RUNTIME_ALL), runtime_all_call, &c, d, "reading values");
}

static int
roles_all_call(sqlite3_stmt *st, const struct each_call *c)
{
	struct db_role_totals r;

	role_row(st, 1, &r);
	return c->fn.id_role(c->ctx, sqlite3_column_int64(st, 0), &r);
}

int
db_roles_all(struct db *db, db_id_role_fn fn, void *ctx, struct diag *d)
{
	struct each_call c = { .fn.id_role = fn, .ctx = ctx };

	return each_row(db, use(db, S_ROLES_ALL), roles_all_call, &c, d, "reading roles");
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
	return rc == SQLITE_ROW ? 0 : db_fail(db, d, "counting Go-named VMAs");
}

static int
go_named_call(sqlite3_stmt *st, const struct each_call *c)
{
	return c->fn.id_count(c->ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
}

int
db_go_named_all(struct db *db, db_id_count_fn fn, void *ctx, struct diag *d)
{
	struct each_call c = { .fn.id_count = fn, .ctx = ctx };

	return each_row(db, use(db, S_GO_NAMED_ALL), go_named_call, &c, d,
			"counting Go-named VMAs");
}

/* A row of VMA_COLS. */
static int
vma_call(sqlite3_stmt *st, const struct each_call *c)
{
	struct db_vma_row v;
	int f;

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
	return c->fn.vma(c->ctx, &v);
}

int
db_vmas_each(struct db *db, int64_t id, db_vma_fn fn, void *ctx, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_VMAS_EACH);
	struct each_call c = { .fn.vma = fn, .ctx = ctx };

	sqlite3_bind_int64(st, 1, id);
	return each_row(db, st, vma_call, &c, d, "reading VMAs");
}

int
db_vmas_top(struct db *db, int64_t id, int64_t n, db_vma_fn fn, void *ctx, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_VMAS_TOP);
	struct each_call c = { .fn.vma = fn, .ctx = ctx };

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, n);
	return each_row(db, st, vma_call, &c, d, "reading VMAs");
}

static int
site_call(sqlite3_stmt *st, const struct each_call *c)
{
	struct db_site_row s;

	s.rank = sqlite3_column_int64(st, 0);
	s.leaf = col_text(st, 1);
	s.frames = col_text(st, 2);
	s.inuse_space = col_opt(st, 3);
	s.inuse_objects = col_opt(st, 4);
	s.alloc_space = col_opt(st, 5);
	s.alloc_objects = col_opt(st, 6);
	s.large_space = col_opt(st, 7);
	s.large_objects = col_opt(st, 8);
	return c->fn.site(c->ctx, &s);
}

int
db_pprof_sites_each(struct db *db, int64_t id, db_site_fn fn, void *ctx, struct diag *d)
{
	sqlite3_stmt *st = use(db, S_SITES_EACH);
	struct each_call c = { .fn.site = fn, .ctx = ctx };

	sqlite3_bind_int64(st, 1, id);
	return each_row(db, st, site_call, &c, d, "reading allocation sites");
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The ids db_select_ids collects for one key, as each_row's context. */
struct id_list {
	int64_t *v;
	int64_t n, cap;
};

static int
id_call(sqlite3_stmt *st, const struct each_call *c)
{
	struct id_list *l = c->ctx;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xreallocarray(l->v, (size_t)l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = sqlite3_column_int64(st, 0);
	return 0;
}

int
db_select_ids(struct db *db, const char *const *keys, const char *const *values, int n,
	      int64_t **ids, int64_t *count, struct diag *d)
{
	int64_t *acc = NULL, nacc = 0;
	int i;

	for (i = 0; i < n; i++) {
		sqlite3_stmt *st = use(db, S_SELECT_KV);
		struct id_list list = { NULL, 0, 0 };
		struct each_call c = { .ctx = &list };
		int64_t *got, ngot, j, k, nkeep = 0;

		bind_text(st, 1, keys[i]);
		bind_text(st, 2, values[i]);
		if (each_row(db, st, id_call, &c, d, "selecting snapshots") != 0) {
			free(list.v);
			free(acc);
			return -1;
		}
		got = list.v;
		ngot = list.n;
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
		db_fail(db, d, "reading a manifest value");
	sqlite3_reset(st);
	return v;
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
		return db_fail(db, d, "preparing an export");
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
		rc = db_fail(db, d, "exporting");
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
			return db_fail(db, d, "preparing a check");
		rc = sqlite3_step(st);
		what = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
		if (what == NULL) {
			rc = db_fail(db, d, "checking the database");
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
