#include "ingest/ingest.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "core/buf.h"
#include "core/lines.h"
#include "core/num.h"
#include "core/timer.h"
#include "core/xalloc.h"
#include "ingest/bundle.h"
#include "ingest/cgroup.h"
#include "ingest/kv.h"
#include "ingest/manifest.h"
#include "ingest/provenance.h"
#include "ingest/procfile.h"
#include "ingest/roles.h"
#include "ingest/runtime_ingest.h"
#include "ingest/smaps.h"
#include "ingest/vma_writer.h"

/*
 * VMAs a snapshot may hold in memory before its transaction begins while
 * another thread of the process holds the store (ingest_bundle_shared):
 * past this the parse waits for the store. Small snapshots never get here,
 * so their parse runs in parallel with other threads' transactions.
 */
#define HOLD_VMAS (16 * VMA_WRITER_BATCH)

/*
 * WAL pages after which a thread sharing an ingest_lock checkpoints, once
 * its commit is done (SQLite's own default, which would do it inside the
 * commit while the others wait for the store).
 */
#define CHECKPOINT_PAGES 1000

struct ingest_lock {
	pthread_mutex_t mu;
	/*
	 * The checkpoints: a connection of their own, opened by the first
	 * transaction, used by one thread at a time (ckpt_mu).
	 */
	pthread_mutex_t ckpt_mu;
	int ckpt_tried;		/* under mu */
	struct db *ckpt;	/* NULL: the commits checkpoint as SQLite does */
};

enum member_kind {
	M_UNKNOWN,
	M_MANIFEST,
	M_ERRORS,
	M_SMAPS,
	M_ROLLUP,
	M_MAPS,
	M_STATUS,
	M_CGROUP_VERSION,
	M_CGROUP,
	M_RUNTIME,
};

static const struct {
	const char *rel;
	enum member_kind kind;
} member_kinds[] = {
	{ "manifest", M_MANIFEST },
	{ "errors", M_ERRORS },
	{ "proc/smaps", M_SMAPS },
	{ "proc/smaps_rollup", M_ROLLUP },
	{ "proc/maps", M_MAPS },
	{ "proc/status", M_STATUS },
	{ "cgroup/version", M_CGROUP_VERSION },
	{ "runtime/heap.pb.gz", M_RUNTIME },
	{ "runtime/heap.txt", M_RUNTIME },
	{ "runtime/metrics.prom", M_RUNTIME },
	{ "runtime/vars.json", M_RUNTIME },
};

struct member_digest {
	char *rel;
	XXH128_hash_t hash;
};

struct role_acc {
	const char *role;	/* owned by the rules */
	struct db_role_totals t;
};

/* A member read before its directory's manifest. */
struct pending {
	char *dir;
	char *rel;
	enum member_kind kind;
	char *data;
	size_t len;
};

/* A directory whose snapshot was closed, and how. */
enum done_state {
	DONE_NONE,		/* not closed (not seen yet) */
	DONE_NEW,		/* committed as snapshot id */
	DONE_DUPLICATE,		/* the store had it already */
	DONE_FAILED,		/* rolled back or refused, already reported */
	DONE_REMOVE,		/* committed, then found split: snapshot id is removed at the end */
};

struct done {
	char *dir;
	enum done_state state;
	int64_t id;
};

/* Manifest keys collected before the snapshot row exists. */
struct manifest_keys {
	char **keys;
	char **values;
	size_t n, cap;
};

/*
 * A row waiting to be written (struct db_row with its strings as offsets
 * + 1 into the text arena, 0 for NULL): before the snapshot's transaction
 * begins every row waits; after, a member's rows wait until its end.
 */
struct held_row {
	size_t group, key, text;
	int has_value;
	int64_t value;
};

/* The rows waiting, per table; reused from snapshot to snapshot. */
struct held {
	struct {
		struct held_row *v;
		size_t n, cap;
	} table[DB_ROWS_COUNT];
	size_t nrows;
	struct buf text;
	struct db_row *out;	/* scratch for db_rows_put */
	size_t cap_out;
};

/*
 * The snapshot being read; everything it holds is freed at commit or
 * rollback. Its transaction begins late (snap_begin): at the first full
 * batch of VMAs when the store is free, else when HOLD_VMAS are held or at
 * the end of the snapshot. Rows read before that wait in the held rows.
 */
struct snap {
	int open;
	double txn_t0;		/* when BEGIN was done, for ingest_stats; 0 once counted */
	int txn;		/* BEGIN done (the store is this thread's) */
	int begun;		/* and the snapshot row inserted: id is set */
	int locked;		/* holds the ingest_lock */
	uint64_t tried_held;	/* VMAs held when the store was last found busy */
	struct manifest_keys m;
	struct db_snapshot row;	/* strings lent by m */
	char *dir;
	int64_t id;
	struct member_digest *digests;
	size_t ndigests, cap_digests;
	struct classifier *cls;
	int have_smaps;
	char *maps_data;
	size_t maps_len;
	int64_t cgroup_version;
	uint64_t vmas;
	uint64_t unknown_fields;
	int64_t size, rss, pss, anonymous, lazyfree, anon_huge_pages, swap;
	int rss_known;
	struct role_acc *roles;
	size_t nroles, cap_roles;
	struct runtime_ingest *rt;
};

struct ingest {
	struct db *db;
	struct vma_writer *w;
	struct ingest_lock *lock;	/* NULL: the only writer of this process */
	const struct ingest_opts *o;
	const char *path;
	ingest_event_fn fn;
	void *ctx;
	int failures;
	struct snap s;
	struct held held;
	struct pending *pending;
	size_t npending, cap_pending;
	struct done *done;	/* directories whose snapshot was closed */
	size_t ndone, cap_done;
	uint64_t held_bytes;	/* the data of the pending members */
	uint64_t snapshots;
};

/* Which known member is name, and under which directory? */
static enum member_kind
classify_member(const char *name, const char **rel, size_t *dir_len)
{
	size_t n = strlen(name), i, r;
	const char *base;

	for (i = 0; i < sizeof(member_kinds) / sizeof(member_kinds[0]); i++) {
		r = strlen(member_kinds[i].rel);
		if (n == r && strcmp(name, member_kinds[i].rel) == 0) {
			*rel = name;
			*dir_len = 0;
			return member_kinds[i].kind;
		}
		if (n > r && name[n - r - 1] == '/' && strcmp(name + n - r, member_kinds[i].rel) == 0) {
			*rel = name + n - r;
			*dir_len = n - r - 1;
			return member_kinds[i].kind;
		}
	}
	base = strrchr(name, '/');
	if (base != NULL && strncmp(base + 1, "memory.", 7) == 0 && base - name >= 6 &&
	    strncmp(base - 6, "cgroup", 6) == 0 && (base - name == 6 || base[-7] == '/')) {
		*rel = base - 6;
		*dir_len = base - name == 6 ? 0 : (size_t)(base - name - 7);
		return M_CGROUP;
	}
	return M_UNKNOWN;
}

static void
emit(struct ingest *in, enum ingest_event_kind kind, int64_t id, const char *dir,
     const struct diag *d)
{
	struct ingest_event ev = { kind, id, dir, d };

	in->fn(in->ctx, &ev);
}

static void
digest_add(struct snap *s, const char *rel, XXH128_hash_t h)
{
	if (s->ndigests == s->cap_digests) {
		s->cap_digests = s->cap_digests ? s->cap_digests * 2 : 16;
		s->digests = xreallocarray(s->digests, s->cap_digests, sizeof(*s->digests));
	}
	s->digests[s->ndigests].rel = xstrdup(rel);
	s->digests[s->ndigests].hash = h;
	s->ndigests++;
}

/* A second copy of a member would count its VMAs and rows twice (and pass the vmas cap). */
static int
refuse_twice(const struct snap *s, const char *rel, struct diag *d)
{
	size_t i;

	for (i = 0; i < s->ndigests; i++)
		if (strcmp(s->digests[i].rel, rel) == 0)
			return diag_fail(d, DIAG_FORMAT, 0,
					 "member appears twice in the snapshot (expected once)");
	return 0;
}

static int
cmp_digest(const void *a, const void *b)
{
	return strcmp(((const struct member_digest *)a)->rel, ((const struct member_digest *)b)->rel);
}

/* The snapshot's identity: its members' names and content, in name order. */
static void
snapshot_digest(struct snap *s, char out[33])
{
	XXH3_state_t *st = XXH3_createState();
	XXH128_canonical_t c;
	XXH128_hash_t h;
	size_t i;

	if (st == NULL)
		die("out of memory");
	qsort(s->digests, s->ndigests, sizeof(*s->digests), cmp_digest);
	XXH3_128bits_reset(st);
	for (i = 0; i < s->ndigests; i++) {
		XXH128_canonicalFromHash(&c, s->digests[i].hash);
		XXH3_128bits_update(st, s->digests[i].rel, strlen(s->digests[i].rel) + 1);
		XXH3_128bits_update(st, &c, sizeof(c));
	}
	h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	XXH128_canonicalFromHash(&c, h);
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", c.digest[i]);
}

static int
collect_manifest(void *ctx, const char *group, const char *key, int has_value, int64_t value,
		 const char *text, uint64_t line, struct diag *d)
{
	struct manifest_keys *m = ctx;
	char num[32];

	(void)group;
	(void)line;
	(void)d;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->keys = xreallocarray(m->keys, m->cap, sizeof(char *));
		m->values = xreallocarray(m->values, m->cap, sizeof(char *));
	}
	if (text == NULL && has_value) {
		snprintf(num, sizeof(num), "%" PRId64, value);
		text = num;
	}
	m->keys[m->n] = xstrdup(key);
	m->values[m->n] = xstrdup(text != NULL ? text : "");
	m->n++;
	return 0;
}

static const char *
manifest_get(const struct manifest_keys *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->keys[i], key) == 0)
			return m->values[i];
	return NULL;
}

static void
manifest_keys_release(struct manifest_keys *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->keys[i]);
		free(m->values[i]);
	}
	free(m->keys);
	free(m->values);
	memset(m, 0, sizeof(*m));
}

/* Forget the waiting rows, keeping their memory for the next snapshot. */
static void
held_clear(struct held *h)
{
	int t;

	for (t = 0; t < DB_ROWS_COUNT; t++)
		h->table[t].n = 0;
	h->nrows = 0;
	buf_reset(&h->text);
}

static void
held_release(struct held *h)
{
	int t;

	for (t = 0; t < DB_ROWS_COUNT; t++)
		free(h->table[t].v);
	buf_release(&h->text);
	free(h->out);
	memset(h, 0, sizeof(*h));
}

/* Copy text (NULL ok) into the arena: its offset + 1, 0 for NULL. */
static size_t
held_text(struct held *h, const char *text)
{
	size_t at;

	if (text == NULL)
		return 0;
	at = h->text.len;
	buf_add(&h->text, text, strlen(text) + 1);
	return at + 1;
}

/* Hold one row of table t until held_flush. */
static void
held_put(struct held *h, enum db_rows_table t, const char *group, const char *key,
	 int has_value, int64_t value, const char *text)
{
	struct held_row *r;

	if (h->table[t].n == h->table[t].cap) {
		h->table[t].cap = h->table[t].cap ? h->table[t].cap * 2 : 16;
		h->table[t].v = xreallocarray(h->table[t].v, h->table[t].cap, sizeof(*r));
	}
	r = &h->table[t].v[h->table[t].n++];
	r->group = held_text(h, group);
	r->key = held_text(h, key);
	r->text = held_text(h, text);
	r->has_value = has_value;
	r->value = value;
	h->nrows++;
}

static const char *
held_str(const struct held *h, size_t off)
{
	return off == 0 ? NULL : h->text.data + off - 1;
}

/* Write every waiting row, one statement per table, and forget them. */
static int
held_flush(struct held *h, struct db *db, int64_t id, struct diag *d)
{
	size_t i;
	int t;

	for (t = 0; t < DB_ROWS_COUNT && h->nrows > 0; t++) {
		size_t n = h->table[t].n;

		if (n == 0)
			continue;
		if (n > h->cap_out) {
			h->cap_out = n;
			h->out = xreallocarray(h->out, n, sizeof(*h->out));
		}
		for (i = 0; i < n; i++) {
			const struct held_row *r = &h->table[t].v[i];
			struct db_row *o = &h->out[i];

			o->group = held_str(h, r->group);
			o->key = held_str(h, r->key);
			o->text = held_str(h, r->text);
			o->has_value = r->has_value;
			o->value = r->value;
			o->real = 0;
		}
		if (db_rows_put(db, (enum db_rows_table)t, id, h->out, n, d) != 0)
			return -1;
	}
	held_clear(h);
	return 0;
}

static void
snap_release(struct snap *s)
{
	size_t i;

	for (i = 0; i < s->ndigests; i++)
		free(s->digests[i].rel);
	free(s->digests);
	classifier_free(s->cls);
	runtime_ingest_free(s->rt);
	free(s->maps_data);
	free(s->roles);
	free(s->dir);
	manifest_keys_release(&s->m);
	memset(s, 0, sizeof(*s));
}

/* Take the store for this thread's transaction (a no-op without a shared lock). */
static void
store_lock(struct ingest *in)
{
	if (in->lock != NULL && !in->s.locked) {
		if (pthread_mutex_lock(&in->lock->mu) != 0)
			die("pthread_mutex_lock failed");
		in->s.locked = 1;
	}
}

/* Release the store: the snapshot's transaction, if timed, is over. */
static void
store_unlock(struct ingest *in)
{
	if (in->s.txn_t0 > 0 && in->o->stats != NULL) {
		in->o->stats->transactions++;
		in->o->stats->store_seconds += timer_now() - in->s.txn_t0;
		in->s.txn_t0 = 0;
	}
	if (in->s.locked) {
		pthread_mutex_unlock(&in->lock->mu);
		in->s.locked = 0;
	}
}

/* Take the store and BEGIN IMMEDIATE, once per snapshot. */
static int
snap_txn(struct ingest *in, struct diag *d)
{
	struct ingest_lock *l = in->lock;

	if (in->s.txn)
		return 0;
	store_lock(in);
	if (l != NULL && !l->ckpt_tried) {
		struct diag ignored;

		/* before BEGIN: opening a connection takes the write lock a moment */
		diag_clear(&ignored);
		l->ckpt_tried = 1;
		l->ckpt = db_open_again(in->db, &ignored);
	}
	if (l != NULL && l->ckpt != NULL)
		db_autocheckpoint_off(in->db);
	if (db_begin(in->db, d) != 0)
		return -1;
	in->s.txn = 1;
	if (in->o->stats != NULL)
		in->s.txn_t0 = timer_now();
	return 0;
}

/*
 * After a commit, with the store released: when the WAL has grown past
 * CHECKPOINT_PAGES, copy it into the database (fsyncs and all) while the
 * other threads go on writing; then, holding the store a moment, copy
 * the little they wrote meanwhile, so that the next transaction starts
 * the WAL over instead of growing it. One thread at a time does this.
 */
static void
checkpoint_after(struct ingest *in, int64_t wal_pages)
{
	struct ingest_lock *l = in->lock;
	struct diag ignored;

	if (l == NULL || l->ckpt == NULL || wal_pages < CHECKPOINT_PAGES ||
	    pthread_mutex_trylock(&l->ckpt_mu) != 0)
		return;
	/* a checkpoint that fails leaves the WAL as it is: the next one copies it */
	diag_clear(&ignored);
	if (db_checkpoint(l->ckpt, &ignored) == 0) {
		store_lock(in);
		db_checkpoint(l->ckpt, &ignored);
		store_unlock(in);
	}
	pthread_mutex_unlock(&l->ckpt_mu);
}

/*
 * Begin the snapshot in the store: its transaction, its row, the rows
 * read so far; from here its VMAs go to the store as they come.
 */
static int
snap_begin(struct ingest *in, struct diag *d)
{
	struct snap *s = &in->s;

	if (s->begun)
		return 0;
	if (snap_txn(in, d) != 0)
		return -1;
	s->begun = 1;
	if (db_snapshot_insert(in->db, &s->row, &s->id, d) != 0 ||
	    held_flush(&in->held, in->db, s->id, d) != 0)
		return -1;
	vma_writer_begin(in->w, s->id);
	return 0;
}

/*
 * The store is about to be used by this thread: 1 when the transaction is
 * open (the VMA writer's pending batches are then written first), 0 when
 * rows must wait, -1 when a batch of VMAs failed.
 */
static int
store_ready(struct ingest *in, struct diag *d)
{
	if (!in->s.begun)
		return 0;
	return vma_writer_sync(in->w, d) != 0 ? -1 : 1;
}

/* The member's own row, its last: once the transaction is open its rows are written here. */
static int
member_put(struct ingest *in, const char *rel, int64_t bytes, const char *status,
	   struct diag *d)
{
	int ready;

	held_put(&in->held, DB_ROWS_MEMBER, rel, NULL, 1, bytes, status);
	ready = store_ready(in, d);
	if (ready <= 0)
		return ready;
	return held_flush(&in->held, in->db, in->s.id, d);
}

static struct role_acc *
role_for(struct snap *s, const char *role)
{
	size_t i;

	for (i = 0; i < s->nroles; i++)
		if (s->roles[i].role == role || strcmp(s->roles[i].role, role) == 0)
			return &s->roles[i];
	if (s->nroles == s->cap_roles) {
		s->cap_roles = s->cap_roles ? s->cap_roles * 2 : 16;
		s->roles = xreallocarray(s->roles, s->cap_roles, sizeof(*s->roles));
	}
	memset(&s->roles[s->nroles], 0, sizeof(s->roles[0]));
	s->roles[s->nroles].role = role;
	s->roles[s->nroles].t.role = role;
	return &s->roles[s->nroles++];
}

static int64_t
field_or_zero(const struct vma *v, enum vma_field f)
{
	return v->field[f] < 0 ? 0 : v->field[f];
}

/* The totals a VMA adds to, per snapshot and per role. */
static const enum vma_field total_fields[] = {
	VMA_SIZE, VMA_RSS, VMA_PSS, VMA_ANONYMOUS, VMA_LAZYFREE, VMA_ANON_HUGE_PAGES,
	VMA_SWAP, VMA_PRIVATE_DIRTY,
};

/*
 * Add v's fields to the snapshot's and its role's totals. Each field fits
 * in 63 bits, their sum need not: -1 with d filled when one overflows.
 */
static int
add_totals(struct snap *s, struct role_acc *r, const struct vma *v, struct diag *d)
{
	int64_t *snap_total[] = { &s->size, &s->rss, &s->pss, &s->anonymous, &s->lazyfree,
				  &s->anon_huge_pages, &s->swap, NULL };
	int64_t *role_total[] = { &r->t.size, &r->t.rss, &r->t.pss, &r->t.anonymous,
				  &r->t.lazyfree, &r->t.anon_huge_pages, &r->t.swap,
				  &r->t.private_dirty };
	size_t i;

	for (i = 0; i < sizeof(total_fields) / sizeof(total_fields[0]); i++) {
		int64_t x = field_or_zero(v, total_fields[i]);

		if ((snap_total[i] != NULL && num_add_i64(snap_total[i], x) != 0) ||
		    num_add_i64(role_total[i], x) != 0)
			return diag_fail(d, DIAG_FORMAT, v->line,
					 "the snapshot's %s total passes 2^63 bytes at this VMA"
					 " (expected a real address space)",
					 vma_field_name(total_fields[i]));
	}
	s->unknown_fields += v->unknown_fields;
	s->vmas++;
	r->t.vmas++;
	return 0;
}

/* A classified VMA: add it to the totals and hand it to the writer. */
static int
store_vma(void *ctx, const struct vma *v, const char *role, struct diag *d)
{
	struct ingest *in = ctx;
	struct snap *s = &in->s;
	struct role_acc *r = role_for(s, role);
	uint64_t held;

	if (add_totals(s, r, v, d) != 0 || vma_writer_put(in->w, v, role, d) != 0)
		return -1;
	/* a full batch: begin now if the store is free, else hold up to HOLD_VMAS */
	held = s->begun ? 0 : vma_writer_held(in->w);
	if (held == 0 || held == s->tried_held)
		return 0;
	if (in->lock != NULL && held < HOLD_VMAS) {
		if (pthread_mutex_trylock(&in->lock->mu) != 0) {
			s->tried_held = held;
			return 0;
		}
		s->locked = 1;
	}
	return snap_begin(in, d);
}

static int
classify_vma(void *ctx, const struct vma *v, struct diag *d)
{
	struct ingest *in = ctx;

	return classifier_push(in->s.cls, v, d);
}

/* Key/value sinks for each table. */
struct kv_ctx {
	struct ingest *in;
	enum db_kv_table table;
	uint64_t rows;		/* values of this member so far */
};

static int
put_kv(void *ctx, const char *group, const char *key, int has_value, int64_t value,
       const char *text, uint64_t line, struct diag *d)
{
	struct kv_ctx *k = ctx;

	/* rows wait in memory until the member ends: bound them like any member */
	if (++k->rows > k->in->o->lim->kv_rows)
		return diag_fail(d, DIAG_LIMIT, line, "more than %llu values in one member (limit kv_rows)",
				 (unsigned long long)k->in->o->lim->kv_rows);
	/* written with the member's own row (member_put) */
	held_put(&k->in->held, db_rows_of_kv(k->table), group, key, has_value, value, text);
	return 0;
}

static int
parse_kv_member(struct ingest *in, enum member_kind kind, const char *rel, const char *data,
		size_t len, struct diag *d)
{
	struct kv_ctx k = { in, DB_KV_STATUS, 0 };
	struct kv_sink sink = { put_kv, &k };

	switch (kind) {
	case M_STATUS:
		k.table = DB_KV_STATUS;
		return procfile_status_parse(data, len, in->o->lim, &sink, d);
	case M_ROLLUP:
		k.table = DB_KV_ROLLUP;
		return procfile_rollup_parse(data, len, in->o->lim, &sink, d);
	case M_ERRORS:
		k.table = DB_KV_ERRORS;
		return manifest_errors_parse(data, len, in->o->lim, &sink, d);
	case M_CGROUP:
		k.table = DB_KV_CGROUP;
		return cgroup_parse(strrchr(rel, '/') + 1, data, len, in->o->lim, &sink, d);
	default:
		return 0;
	}
}

static int
parse_cgroup_version(struct snap *s, const char *data, size_t len, struct diag *d)
{
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == ' '))
		len--;
	if (len == 1 && (data[0] == '1' || data[0] == '2')) {
		s->cgroup_version = data[0] - '0';
		return 0;
	}
	return diag_fail(d, DIAG_FORMAT, 1, "cgroup version \"%.*s\" (expected 1 or 2)",
			 (int)(len > 16 ? 16 : len), data);
}

/* Parse one member held in memory into the open snapshot. */
static int
handle_member(struct ingest *in, enum member_kind kind, const char *rel, char *data, size_t len,
	      struct diag *d)
{
	struct snap *s = &in->s;
	int rc = 0;

	if (refuse_twice(s, rel, d) != 0) {
		free(data);
		return -1;
	}
	digest_add(s, rel, XXH3_128bits(data, len));
	switch (kind) {
	case M_SMAPS:
		s->have_smaps = 1;
		rc = smaps_parse(data, len, 0, in->o->lim, classify_vma, in, d);
		break;
	case M_MAPS:
		/* used only when there is no smaps; kept until the snapshot ends */
		free(s->maps_data);
		s->maps_data = data;
		s->maps_len = len;
		data = NULL;
		break;
	case M_CGROUP_VERSION:
		rc = parse_cgroup_version(s, data, len, d);
		break;
	case M_RUNTIME:
		/* the runtime's numbers are optional: a bad one is marked invalid, never fatal */
		if (runtime_ingest_member(s->rt, rel, data, len, d) != 0) {
			emit(in, INGEST_MEMBER_ERROR, s->id, s->dir, d);
			in->failures++;
			rc = member_put(in, rel, (int64_t)len, "invalid", d);
			free(data);
			return rc;
		}
		break;
	default:
		rc = parse_kv_member(in, kind, rel, data, len, d);
		break;
	}
	if (rc == 0)
		rc = member_put(in, rel, (int64_t)len, "ok", d);
	free(data);
	return rc;
}

/*
 * Read the current member whole, within the member cap and, for a member
 * held before its manifest, within what is left of held_bytes (held).
 */
static int
slurp_capped(struct ingest *in, struct bundle *b, uint64_t held, char **data, size_t *len,
	     struct diag *d)
{
	struct buf acc = BUF_INIT;
	const void *p;
	int64_t n;

	while ((n = bundle_read(b, &p, d)) > 0) {
		if (acc.len + (uint64_t)n > in->o->lim->member_bytes) {
			buf_release(&acc);
			return diag_fail_at(d, DIAG_LIMIT, (int64_t)bundle_member_offset(b),
					    "member is over %llu bytes (limit member_bytes)",
					    (unsigned long long)in->o->lim->member_bytes);
		}
		if (acc.len + (uint64_t)n > held) {
			buf_release(&acc);
			diag_fail_at(d, DIAG_LIMIT, (int64_t)bundle_member_offset(b),
				     "members before their manifest hold more than %llu bytes"
				     " (limit held_bytes)", (unsigned long long)in->o->lim->held_bytes);
			diag_hint(d, "put each snapshot's manifest first in the tar"
				     " (rssgap-capture does), or raise --limit held_bytes=N");
			return -1;
		}
		buf_add(&acc, p, (size_t)n);
	}
	if (n < 0) {
		buf_release(&acc);
		return -1;
	}
	*data = buf_detach(&acc, len);
	return 0;
}

/* Read the current member whole, within the member cap. */
static int
slurp(struct ingest *in, struct bundle *b, char **data, size_t *len, struct diag *d)
{
	return slurp_capped(in, b, UINT64_MAX, data, len, d);
}

/*
 * Stream proc/smaps of the open snapshot: a million VMAs never sit in
 * memory. This thread inflates, parses and classifies; the VMA writer
 * stores the batches on its own thread meanwhile.
 */
static int
stream_smaps(struct ingest *in, struct bundle *b, const char *rel, struct diag *d)
{
	struct smaps_parser *parser;
	XXH3_state_t *st = XXH3_createState();
	const void *p;
	int64_t n;
	int rc = 0;

	if (st == NULL)
		die("out of memory");
	if (refuse_twice(&in->s, rel, d) != 0) {
		XXH3_freeState(st);
		return -1;
	}
	XXH3_128bits_reset(st);
	parser = smaps_parser_new(0, in->o->lim, classify_vma, in);
	while ((n = bundle_read(b, &p, d)) > 0) {
		XXH3_128bits_update(st, p, (size_t)n);
		if ((rc = smaps_parser_feed(parser, p, (size_t)n, d)) != 0)
			break;
	}
	if (n < 0)
		rc = -1;
	if (rc == 0)
		rc = smaps_parser_finish(parser, d);
	if (rc == 0) {
		in->s.have_smaps = 1;
		digest_add(&in->s, rel, XXH3_128bits_digest(st));
		rc = member_put(in, rel, (int64_t)bundle_member_offset(b), "ok", d);
	}
	smaps_parser_free(parser);
	XXH3_freeState(st);
	return rc;
}

/* Open a snapshot for dir from its manifest; its transaction begins later (snap_begin). */
static int
open_snapshot(struct ingest *in, const char *dir, const char *data, size_t len, struct diag *d)
{
	struct manifest_keys m = { 0 };
	struct kv_sink sink = { collect_manifest, &m };
	struct db_snapshot *row;
	struct snap *s = &in->s;
	const char *ps;
	size_t i;

	if (manifest_parse(data, len, in->o->lim, &sink, d) != 0) {
		manifest_keys_release(&m);
		return -1;
	}
	if (++in->snapshots > in->o->lim->snapshots) {
		manifest_keys_release(&m);
		return diag_fail(d, DIAG_LIMIT, 0, "more than %llu snapshots (limit snapshots)",
				 (unsigned long long)in->o->lim->snapshots);
	}
	s->open = 1;
	s->dir = xstrdup(dir);
	s->rss_known = 1;
	s->m = m;
	for (i = 0; i < m.n; i++)
		held_put(&in->held, DB_ROWS_MANIFEST, NULL, m.keys[i], 0, 0, m.values[i]);
	s->cls = classifier_new(in->o->rules, store_vma, in);
	s->rt = runtime_ingest_new(in->o->lim);
	row = &s->row;
	memset(row, 0, sizeof(*row));
	row->bundle = in->path;
	row->dir = s->dir;
	row->captured_at = manifest_get(&s->m, "captured_at");
	row->pid = strtoll(manifest_get(&s->m, "pid"), NULL, 10);
	row->comm = manifest_get(&s->m, "comm");
	row->host = manifest_get(&s->m, "host");
	row->pod = manifest_get(&s->m, "pod");
	row->namespace = manifest_get(&s->m, "namespace");
	row->container = manifest_get(&s->m, "container");
	row->node = manifest_get(&s->m, "node");
	row->kernel = manifest_get(&s->m, "kernel");
	row->arch = manifest_get(&s->m, "arch");
	row->tool = manifest_get(&s->m, "tool");
	ps = manifest_get(&s->m, "page_size");
	row->page_size = ps != NULL ? strtoll(ps, NULL, 10) : -1;
	digest_add(s, "manifest", XXH3_128bits(data, len));
	return member_put(in, "manifest", (int64_t)len, "ok", d);
}

static void
mark_done(struct ingest *in, const char *dir, enum done_state state, int64_t id)
{
	if (in->ndone == in->cap_done) {
		in->cap_done = in->cap_done ? in->cap_done * 2 : 16;
		in->done = xreallocarray(in->done, in->cap_done, sizeof(*in->done));
	}
	in->done[in->ndone].dir = xstrdup(dir);
	in->done[in->ndone].state = state;
	in->done[in->ndone++].id = id;
}

/* The closed snapshot of directory dir[0..len), or NULL when it is not closed. */
static struct done *
done_find(const struct ingest *in, const char *dir, size_t len)
{
	size_t i;

	for (i = in->ndone; i-- > 0;)
		if (strlen(in->done[i].dir) == len && memcmp(in->done[i].dir, dir, len) == 0)
			return &in->done[i];
	return NULL;
}

/* Roll the open snapshot back and report why. */
static void
fail_snapshot(struct ingest *in, struct diag *d)
{
	struct snap *s = &in->s;

	vma_writer_discard(in->w);
	if (s->txn)
		db_rollback(in->db);
	store_unlock(in);
	held_clear(&in->held);
	emit(in, INGEST_SNAPSHOT_FAILED, 0, s->dir, d);
	in->failures++;
	mark_done(in, s->dir, DONE_FAILED, 0);
	snap_release(s);
}

/* The store already holds this snapshot's content as snapshot existing: store nothing. */
static void
snap_duplicate(struct ingest *in, int64_t existing)
{
	struct snap *s = &in->s;

	vma_writer_discard(in->w);
	db_rollback(in->db);
	store_unlock(in);
	held_clear(&in->held);
	emit(in, INGEST_SNAPSHOT_DUPLICATE, existing, s->dir, NULL);
	mark_done(in, s->dir, DONE_DUPLICATE, existing);
	snap_release(s);
}

/* Everything of the snapshot has been read: derive totals, dedupe, commit. */
/* Point d at member rel of the snapshot s (NULL: the snapshot itself). */
static void
where_in(struct diag *d, const struct snap *s, const char *rel)
{
	struct buf b = BUF_INIT;

	if (rel == NULL)
		buf_puts(&b, s->dir[0] != '\0' ? s->dir : "manifest");
	else if (s->dir[0] != '\0')
		buf_printf(&b, "%s/%s", s->dir, rel);
	else
		buf_puts(&b, rel);
	diag_where(d, NULL, buf_str(&b));
	buf_release(&b);
}

static int
close_snapshot(struct ingest *in, struct diag *d)
{
	struct snap *s = &in->s;
	struct db_snapshot_totals t;
	char digest[33];
	int64_t existing, wal_pages;
	int checked = 0;
	size_t i;

	where_in(d, s, "proc/maps");
	if (!s->have_smaps && s->maps_data != NULL) {
		s->rss_known = 0;
		if (smaps_parse(s->maps_data, s->maps_len, 1, in->o->lim, classify_vma, in, d) != 0)
			return -1;
	}
	if (!s->have_smaps && s->maps_data == NULL) {
		where_in(d, s, NULL);
		diag_fail(d, DIAG_MISSING, 0, "snapshot has neither proc/smaps nor proc/maps");
		diag_hint(d, "the capture could not read /proc/PID/smaps; see the bundle's errors member");
		return -1;
	}
	where_in(d, s, s->have_smaps ? "proc/smaps" : "proc/maps");
	if (classifier_finish(s->cls, d) != 0)
		return -1;
	/* errors from here on are the store's: they name the snapshot */
	where_in(d, s, NULL);
	snapshot_digest(s, digest);
	if (!s->begun) {
		/* nothing stored yet: when the store has this content already, store nothing */
		if (snap_txn(in, d) != 0)
			return -1;
		existing = db_snapshot_by_digest(in->db, digest, d);
		if (existing != 0) {
			if (existing < 0)
				return -1;
			snap_duplicate(in, existing);
			return 0;
		}
		checked = 1;
		s->row.digest = digest;	/* the row goes in with its own digest */
	}
	/* from here the store is this thread's: the writer has stored every VMA */
	if (snap_begin(in, d) != 0 || store_ready(in, d) < 0 ||
	    held_flush(&in->held, in->db, s->id, d) != 0)
		return -1;
	if (!s->have_smaps &&
	    db_note_put(in->db, s->id, "proc/maps", 0,
			"no proc/smaps: VMAs from proc/maps, Rss unknown", d) != 0)
		return -1;
	for (i = 0; i < s->nroles; i++) {
		struct db_role_totals rt = s->roles[i].t;

		if (!s->rss_known)
			rt.rss = rt.pss = rt.anonymous = rt.lazyfree = rt.anon_huge_pages = rt.swap =
				rt.private_dirty = -1;
		if (db_role_put(in->db, s->id, &rt, d) != 0)
			return -1;
	}
	if (runtime_ingest_store(s->rt, in->db, s->id, d) != 0 ||
	    provenance_check(in->db, s->id, s->size, d) != 0)
		return -1;
	existing = checked ? 0 : db_snapshot_by_digest(in->db, digest, d);
	if (existing < 0)
		return -1;
	if (existing > 0) {
		snap_duplicate(in, existing);
		return 0;
	}
	memset(&t, 0, sizeof(t));
	t.digest = digest;
	t.vma_source = s->have_smaps ? "smaps" : "maps";
	t.vma_count = (int64_t)s->vmas;
	t.unknown_fields = (int64_t)s->unknown_fields;
	t.rss_known = s->rss_known;
	t.size = s->size;
	t.rss = s->rss;
	t.pss = s->pss;
	t.anonymous = s->anonymous;
	t.lazyfree = s->lazyfree;
	t.anon_huge_pages = s->anon_huge_pages;
	t.swap = s->swap;
	t.cgroup_version = s->cgroup_version;
	if (db_snapshot_finish(in->db, s->id, &t, d) != 0 || db_commit(in->db, d) != 0)
		return -1;
	wal_pages = db_wal_pages(in->db);
	vma_writer_discard(in->w);
	store_unlock(in);
	emit(in, INGEST_SNAPSHOT_NEW, s->id, s->dir, NULL);
	mark_done(in, s->dir, DONE_NEW, s->id);
	snap_release(s);
	checkpoint_after(in, wal_pages);
	return 0;
}

static void
finish_current(struct ingest *in, struct diag *d)
{
	if (!in->s.open)
		return;
	if (close_snapshot(in, d) != 0)
		fail_snapshot(in, d);
}

static void
pending_add(struct ingest *in, const char *dir, size_t dir_len, const char *rel,
	    enum member_kind kind, char *data, size_t len)
{
	struct pending *p;

	if (in->npending == in->cap_pending) {
		in->cap_pending = in->cap_pending ? in->cap_pending * 2 : 16;
		in->pending = xreallocarray(in->pending, in->cap_pending, sizeof(*in->pending));
	}
	p = &in->pending[in->npending++];
	p->dir = xstrndup(dir, dir_len);
	p->rel = xstrdup(rel);
	p->kind = kind;
	p->data = data;
	p->len = len;
}

/*
 * Take the pending members of directory dir out of the list, handing each
 * to handle_member of the just-opened snapshot while handle is 1 and it
 * succeeds; the others are freed. Returns what handle_member returned.
 */
static int
take_pending(struct ingest *in, const char *dir, int handle, struct diag *d)
{
	size_t i, w = 0;
	int rc = 0;

	for (i = 0; i < in->npending; i++) {
		struct pending *p = &in->pending[i];

		if (strcmp(p->dir, dir) != 0) {
			in->pending[w++] = *p;
			continue;
		}
		in->held_bytes -= p->len;
		if (handle && rc == 0) {
			diag_where(d, NULL, p->rel);
			rc = handle_member(in, p->kind, p->rel, p->data, p->len, d);
		} else {
			free(p->data);
		}
		free(p->dir);
		free(p->rel);
	}
	in->npending = w;
	return rc;
}

/* Parse the members of the just-opened snapshot that came before its manifest. */
static int
drain_pending(struct ingest *in, struct diag *d)
{
	return take_pending(in, in->s.dir, 1, d);
}

/* A member of directory dir, before its manifest, could not be held: refuse the snapshot. */
static void
refuse_pending(struct ingest *in, const char *dir, struct diag *d)
{
	take_pending(in, dir, 0, d);
	emit(in, INGEST_SNAPSHOT_FAILED, 0, dir, d);
	in->failures++;
	mark_done(in, dir, DONE_FAILED, 0);
}

static int
cmp_pending_dir(const void *a, const void *b)
{
	return strcmp(((const struct pending *)a)->dir, ((const struct pending *)b)->dir);
}

/* At the end of the bundle: each directory still holding members never had a manifest. */
static void
report_no_manifest(struct ingest *in, struct diag *d)
{
	size_t i;

	if (in->npending == 0)
		return;
	qsort(in->pending, in->npending, sizeof(*in->pending), cmp_pending_dir);
	for (i = 0; i < in->npending; i++) {
		struct pending *p = &in->pending[i];

		if (i == 0 || strcmp(p->dir, in->pending[i - 1].dir) != 0) {
			diag_where(d, NULL, p->dir[0] != '\0' ? p->dir : p->rel);
			diag_fail(d, DIAG_MISSING, 0, "snapshot directory has members but no manifest");
			diag_hint(d, "every snapshot directory needs a manifest with format=rssgap/1");
			emit(in, INGEST_SNAPSHOT_FAILED, 0, p->dir, d);
			in->failures++;
		}
	}
	for (i = 0; i < in->npending; i++) {
		free(in->pending[i].dir);
		free(in->pending[i].rel);
		free(in->pending[i].data);
	}
	in->npending = 0;
	in->held_bytes = 0;
}

static void
dir_label(struct buf *b, const char *name, size_t dir_len)
{
	buf_reset(b);
	buf_add(b, name, dir_len);
}

/*
 * libarchive read the member's header with a warning (ARCHIVE_WARN: done,
 * but something was not understood, e.g. a name it could not convert):
 * a member rssgap reads is read, and the warning reported; the others ride
 * along unread, as always.
 */
static void
on_warning(struct ingest *in, struct bundle *b, const char *name, struct diag *d)
{
	const char *rel;
	size_t dir_len;

	if (classify_member(name, &rel, &dir_len) == M_UNKNOWN)
		return;
	diag_where(d, NULL, name);
	diag_fail(d, DIAG_FORMAT, 0, "warning: %s (read anyway)", bundle_warning(b));
	emit(in, INGEST_MEMBER_WARNING, 0, NULL, d);
	d->kind = DIAG_NONE;
	d->message[0] = '\0';
}

/*
 * A member of a snapshot already closed: its members are split by another
 * snapshot's, so what went in is not the whole snapshot. Refused whole: a
 * snapshot this bundle added is removed again at the end of the bundle
 * (remove_split), when no transaction of this thread is open.
 */
static void
refuse_split(struct ingest *in, struct done *done, struct diag *d)
{
	if (done->state == DONE_NEW)
		diag_fail(d, DIAG_FORMAT, 0,
			  "member comes after its snapshot was closed: its members are split by another"
			  " snapshot's, so snapshot %" PRId64 " is incomplete and is removed again",
			  done->id);
	else
		diag_fail(d, DIAG_FORMAT, 0,
			  "member comes after its snapshot was closed: its members are split by another"
			  " snapshot's (refused)");
	diag_hint(d, "keep each snapshot's members together in the tar, manifest first");
	emit(in, INGEST_SNAPSHOT_FAILED, done->state == DONE_NEW ? done->id : 0, done->dir, d);
	in->failures++;
	done->state = done->state == DONE_NEW ? DONE_REMOVE : DONE_FAILED;
}

/* Remove the snapshots refuse_split refused after their commit; -1 if one could not be. */
static void
remove_split(struct ingest *in, struct diag *d)
{
	size_t i;

	for (i = 0; i < in->ndone; i++) {
		if (in->done[i].state != DONE_REMOVE)
			continue;
		store_lock(in);
		if (db_begin(in->db, d) != 0 || db_snapshot_delete(in->db, in->done[i].id, d) != 0 ||
		    db_commit(in->db, d) != 0) {
			db_rollback(in->db);
			diag_where(d, NULL, in->done[i].dir);
			emit(in, INGEST_SNAPSHOT_FAILED, 0, in->done[i].dir, d);
			in->failures++;
		}
		store_unlock(in);
		in->done[i].state = DONE_FAILED;
	}
}

/* One member of the bundle. Returns -1 only when the bundle cannot be read on. */
static int
on_member(struct ingest *in, struct bundle *b, const char *name, struct diag *d)
{
	const char *rel;
	size_t dir_len;
	enum member_kind kind = classify_member(name, &rel, &dir_len);
	struct buf dir = BUF_INIT;
	struct done *done;
	char *data = NULL;
	size_t len = 0;
	int rc = 0;

	if (kind == M_UNKNOWN)
		return 0;	/* other files ride along unread */
	dir_label(&dir, name, dir_len);
	done = done_find(in, buf_str(&dir), dir.len);
	if (done != NULL) {
		if (done->state != DONE_FAILED && done->state != DONE_REMOVE)
			refuse_split(in, done, d);
		goto out;	/* the rest of a snapshot already refused */
	}
	if (kind == M_MANIFEST && in->s.open && strcmp(in->s.dir, buf_str(&dir)) == 0) {
		/* two identities for one snapshot: neither is trusted */
		diag_where(d, NULL, name);
		diag_fail(d, DIAG_FORMAT, 0, "member appears twice in the snapshot (expected once)");
		fail_snapshot(in, d);
		goto out;
	}
	if (kind == M_MANIFEST) {
		finish_current(in, d);
		diag_where(d, NULL, name);
		if (slurp(in, b, &data, &len, d) != 0 ||
		    open_snapshot(in, buf_str(&dir), data, len, d) != 0 ||
		    drain_pending(in, d) != 0) {
			if (!in->s.open) {
				/* no transaction yet: report the directory as failed */
				in->s.dir = xstrdup(buf_str(&dir));
				in->s.open = 1;
			}
			/* its members held before the manifest go with it */
			take_pending(in, in->s.dir, 0, d);
			fail_snapshot(in, d);
		}
		goto out;
	}
	if (in->s.open && strcmp(in->s.dir, buf_str(&dir)) == 0) {
		if (kind == M_SMAPS)
			rc = stream_smaps(in, b, rel, d);
		else if ((rc = slurp(in, b, &data, &len, d)) == 0) {
			rc = handle_member(in, kind, rel, data, len, d);
			data = NULL;
		}
		if (rc != 0)
			fail_snapshot(in, d);
		rc = 0;
		goto out;
	}
	/*
	 * Before its manifest: hold it until the manifest arrives, within
	 * held_bytes for all such members together. A member that cannot be
	 * held, or read, is lost to its snapshot: the snapshot is refused now.
	 */
	if (slurp_capped(in, b, in->o->lim->held_bytes - in->held_bytes, &data, &len, d) != 0) {
		refuse_pending(in, buf_str(&dir), d);
		goto out;
	}
	in->held_bytes += len;
	pending_add(in, dir.data, dir.len, rel, kind, data, len);
	data = NULL;
out:
	free(data);
	buf_release(&dir);
	return rc;
}

/* A bundle-wide error (no member named) that rolls back the open snapshot says so. */
static void
note_rolled_back(struct diag *d, const char *dir)
{
	size_t n = strlen(d->message);

	snprintf(d->message + n, sizeof(d->message) - n,
		 "; snapshot \"%s\" is rolled back (the member may be one of its)",
		 dir[0] != '\0' ? dir : ".");
}

struct ingest_lock *
ingest_lock_new(void)
{
	struct ingest_lock *l = xcalloc(1, sizeof(*l));

	if (pthread_mutex_init(&l->mu, NULL) != 0 || pthread_mutex_init(&l->ckpt_mu, NULL) != 0)
		die("cannot initialise a mutex");
	return l;
}

void
ingest_lock_free(struct ingest_lock *l)
{
	if (l == NULL)
		return;
	db_free(l->ckpt);
	pthread_mutex_destroy(&l->ckpt_mu);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

int
ingest_bundle(struct db *db, const char *path, const struct ingest_opts *o, ingest_event_fn fn,
	      void *ctx)
{
	return ingest_bundle_shared(db, path, o, NULL, fn, ctx);
}

int
ingest_bundle_shared(struct db *db, const char *path, const struct ingest_opts *o,
		     struct ingest_lock *lock, ingest_event_fn fn, void *ctx)
{
	struct ingest in;
	struct diag d;
	struct bundle *b;
	const char *name;
	size_t i;
	int rc;

	memset(&in, 0, sizeof(in));
	in.db = db;
	in.lock = lock;
	in.o = o;
	in.path = path;
	in.fn = fn;
	in.ctx = ctx;
	diag_clear(&d);
	b = bundle_open(path, o->lim, &d);
	if (b == NULL) {
		emit(&in, INGEST_BUNDLE_FAILED, 0, NULL, &d);
		return 1;
	}
	in.w = vma_writer_new(db);
	while ((rc = bundle_next(b, &name, &d)) != 0) {
		if (rc < 0) {
			/*
			 * A member refused (unsafe) or lost (a damaged header)
			 * taints the snapshot being read: it may be one of its.
			 */
			if (in.s.open) {
				if (d.member[0] == '\0')
					note_rolled_back(&d, in.s.dir);
				fail_snapshot(&in, &d);
			} else {
				emit(&in, bundle_dead(b) ? INGEST_BUNDLE_FAILED : INGEST_MEMBER_ERROR, 0,
				     NULL, &d);
				in.failures++;
			}
			continue;	/* bundle_next returns 0 once the bundle is dead */
		}
		if (bundle_warning(b) != NULL)
			on_warning(&in, b, name, &d);
		if (on_member(&in, b, name, &d) != 0)
			break;
	}
	finish_current(&in, &d);
	if (bundle_check_end(b, &d) != 0) {
		emit(&in, INGEST_MEMBER_ERROR, 0, NULL, &d);
		in.failures++;
	}
	remove_split(&in, &d);
	report_no_manifest(&in, &d);
	if (in.ndone == 0 && in.failures == 0) {
		diag_where(&d, NULL, NULL);
		diag_fail(&d, DIAG_MISSING, 0, "bundle holds no snapshot (no member named manifest)");
		diag_hint(&d, "make bundles with capture/rssgap-capture");
		emit(&in, INGEST_BUNDLE_FAILED, 0, NULL, &d);
		in.failures++;
	}
	free(in.pending);
	for (i = 0; i < in.ndone; i++)
		free(in.done[i].dir);
	free(in.done);
	vma_writer_free(in.w);
	held_release(&in.held);
	bundle_free(b);
	return in.failures;
}
