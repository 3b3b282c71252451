#include "core/db.h"

#include <stdlib.h>
#include <string.h>

#include "core/db_int.h"
#include "core/vma.h"
#include "core/xalloc.h"

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

/*
 * rssgap_vma_batch: one batch of VMAs. Columns: those of S_VMA_BATCH, in
 * order (snapshot_id too, though the statement binds it as ?2).
 */
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
		/* the batch's first row only: the rest are NULL, see db_vmas_put */
		if (i == 0)
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

static int cmp_text(const char *a, const char *b);

/* rssgap_roles: a snapshot's role totals. A negative sum is NULL, as bind_opt does. */
struct roles_batch {
	struct batch_head h;
	const struct db_role_totals *const *r;	/* in role order */
};

enum {
	RO_ROLE, RO_VMAS, RO_SIZE, RO_RSS, RO_PSS, RO_ANONYMOUS, RO_LAZYFREE, RO_AHP, RO_SWAP,
	RO_PRIVATE_DIRTY, RO_BATCH
};

static void
ro_column(const struct batch_head *h, size_t i, sqlite3_context *ctx, int col)
{
	const struct db_role_totals *r = ((const struct roles_batch *)h)->r[i];
	int64_t v;

	switch (col) {
	case RO_ROLE:
		result_text(ctx, r->role);
		return;
	case RO_VMAS:
		sqlite3_result_int64(ctx, r->vmas);
		return;
	case RO_SIZE: v = r->size; break;
	case RO_RSS: v = r->rss; break;
	case RO_PSS: v = r->pss; break;
	case RO_ANONYMOUS: v = r->anonymous; break;
	case RO_LAZYFREE: v = r->lazyfree; break;
	case RO_AHP: v = r->anon_huge_pages; break;
	case RO_SWAP: v = r->swap; break;
	case RO_PRIVATE_DIRTY: v = r->private_dirty; break;
	default: return;
	}
	if (v >= 0)
		sqlite3_result_int64(ctx, v);
}

static const struct batch_kind roles_kind = {
	.name = "rssgap_roles",
	.decl = "CREATE TABLE x(role, vmas, size, rss, pss, anonymous, lazyfree, anon_huge_pages,"
		" swap, private_dirty, batch HIDDEN)",
	.batch_column = RO_BATCH,
	.column = ro_column,
};

static int
cmp_role(const void *a, const void *b)
{
	return cmp_text((*(const struct db_role_totals *const *)a)->role,
			(*(const struct db_role_totals *const *)b)->role);
}

int
db_roles_put(struct db *db, int64_t id, const struct db_role_totals *r, size_t n,
	     struct diag *d)
{
	const struct db_role_totals **order;
	struct roles_batch b;
	sqlite3_stmt *st;
	size_t i;
	int rc;

	if (n == 0)
		return 0;
	/* in key order, appended at the end of the table (see db_rows_put) */
	order = xreallocarray(NULL, n, sizeof(*order));
	for (i = 0; i < n; i++)
		order[i] = &r[i];
	qsort(order, n, sizeof(*order), cmp_role);
	b.h.n = n;
	b.r = order;
	st = use(db, S_ROLES_BATCH);
	sqlite3_bind_pointer(st, 1, &b, roles_kind.name, NULL);
	sqlite3_bind_int64(st, 2, id);
	rc = db_run(db, st, d, "storing role totals");
	/* the batch lives on this stack frame: never leave a pointer to it bound */
	sqlite3_bind_null(st, 1);
	free(order);
	return rc;
}

int
db_batch_register(struct db *db, struct diag *d)
{
	if (sqlite3_create_module(db->conn, vma_batch_kind.name, &batch_module,
				  (void *)&vma_batch_kind) != SQLITE_OK)
		return db_fail(db, d, "registering the VMA batch table");
	if (sqlite3_create_module(db->conn, rows_kind.name, &batch_module,
				  (void *)&rows_kind) != SQLITE_OK)
		return db_fail(db, d, "registering the rows table");
	if (sqlite3_create_module(db->conn, roles_kind.name, &batch_module,
				  (void *)&roles_kind) != SQLITE_OK)
		return db_fail(db, d, "registering the roles table");
	return 0;
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
	if (db_vma_ids_fit(id, first_idx, n, d) != 0)
		return -1;
	/*
	 * Only the batch's first row names its id; the others have a NULL id,
	 * which SQLite makes the largest rowid + 1: the next idx, as long as no
	 * row lies above this snapshot's (none can: a snapshot's id is the
	 * largest, and its VMAs go in in order). An explicit id costs a search
	 * of the table's b-tree from the root per row; a NULL one finds the
	 * cursor at the end already. The last rowid says whether every row got
	 * the id it must have: n - 1 steps of at least one each end at
	 * first + n - 1 only if each was exactly one.
	 */
	sqlite3_bind_pointer(st, 1, &b, vma_batch_kind.name, NULL);
	sqlite3_bind_int64(st, 2, id);
	rc = db_run(db, st, d, "storing VMAs");
	/* the batch lives on this stack frame: never leave a pointer to it bound */
	sqlite3_bind_null(st, 1);
	if (rc == 0 && sqlite3_last_insert_rowid(db->conn) !=
		       (id << DB_VMA_IDX_BITS | (first_idx + (int64_t)n - 1)))
		return diag_fail(d, DIAG_DB, 0,
				 "storing VMAs: the vma table holds rows above snapshot %lld's ids"
				 " (VMAs of no snapshot?)", (long long)id);
	return rc;
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
	rc = db_run(db, st, d, what[t]);
	/* the batch lives on this stack frame: never leave a pointer to it bound */
	sqlite3_bind_null(st, 1);
	free(order);
	return rc;
}
