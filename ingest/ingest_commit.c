/*
 * The snapshot in the store: taking the store (the ingest_lock), its
 * transaction, begun late; closing it (totals, dedupe, commit) or rolling
 * it back; the WAL checkpoints moved out of the commits.
 */
#include "ingest/ingest_int.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/timer.h"
#include "core/xalloc.h"
#include "ingest/provenance.h"
#include "ingest/roles.h"
#include "ingest/runtime_ingest.h"
#include "ingest/smaps.h"
#include "ingest/vma_writer.h"

/*
 * WAL pages after which a thread sharing an ingest_lock checkpoints, once
 * its commit is done (SQLite's own default, which would do it inside the
 * commit while the others wait for the store).
 */
#define CHECKPOINT_PAGES 1000

/* Take the store for this thread's transaction (a no-op without a shared lock). */
void
store_lock(struct ingest *in)
{
	if (in->lock != NULL && !in->s.locked) {
		if (pthread_mutex_lock(&in->lock->mu) != 0)
			die("pthread_mutex_lock failed");
		in->s.locked = 1;
	}
}

/* Release the store: the snapshot's transaction, if timed, is over. */
void
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

/*
 * A batch commits once it holds this many snapshots, or once this long
 * has passed since its BEGIN, at the end of a snapshot: a commit costs
 * about as much as storing a small snapshot's rows (the WAL frames of every
 * page it changed, the commit record), and the pages the next snapshots
 * change are mostly the same last pages of each table. The bounds keep
 * what a kill -9 loses (and how long other processes wait for the write
 * lock) small.
 */
#define BATCH_SNAPSHOTS 500
#define BATCH_SECONDS 0.25

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* A copy of h that owns every string, from bundle: it waits in the batch for the commit. */
static void
headline_copy(struct ingest_headline *dst, const struct ingest_headline *h, const char *bundle)
{
	struct ingest_label *labels = NULL;
	struct ingest_warning *warnings = NULL;
	size_t i;

	*dst = *h;
	dst->host = dup_or_null(h->host);
	dst->pod = dup_or_null(h->pod);
	dst->comm = dup_or_null(h->comm);
	dst->bare = dup_or_null(h->bare);
	dst->bundle = xstrdup(bundle);
	if (h->nlabels > 0)
		labels = xcalloc(h->nlabels, sizeof(*labels));
	for (i = 0; i < h->nlabels; i++) {
		labels[i].key = xstrdup(h->labels[i].key);
		labels[i].value = xstrdup(h->labels[i].value);
	}
	dst->labels = labels;
	if (h->nwarnings > 0)
		warnings = xcalloc(h->nwarnings, sizeof(*warnings));
	for (i = 0; i < h->nwarnings; i++) {
		warnings[i].member = xstrdup(h->warnings[i].member);
		warnings[i].message = xstrdup(h->warnings[i].message);
	}
	dst->warnings = warnings;
}

static void
headline_free(struct ingest_headline *h)
{
	size_t i;

	free((char *)h->host);
	free((char *)h->pod);
	free((char *)h->comm);
	free((char *)h->bare);
	free((char *)h->bundle);
	for (i = 0; i < h->nlabels; i++) {
		free((char *)h->labels[i].key);
		free((char *)h->labels[i].value);
	}
	free((struct ingest_label *)h->labels);
	for (i = 0; i < h->nwarnings; i++) {
		free((char *)h->warnings[i].member);
		free((char *)h->warnings[i].message);
	}
	free((struct ingest_warning *)h->warnings);
	memset(h, 0, sizeof(*h));
}

static void
batched_free(struct batched *e)
{
	free(e->bundle);
	free(e->dir);
	headline_free(&e->head);
}

/*
 * The open batch is gone (its commit failed, or SQLite rolled it back
 * after an error): report each of its snapshots through fn as not stored,
 * after what (d's message). Returns how many. Under the lock's mu.
 */
static int
batch_lost(struct ingest_lock *l, const struct diag *what, ingest_event_fn fn, void *ctx)
{
	size_t i, n = l->nbatch;

	for (i = 0; i < n; i++) {
		struct batched *e = &l->batch[i];
		struct diag d;
		struct ingest_event ev = { INGEST_SNAPSHOT_FAILED, e->id, e->dir, &d, NULL };

		diag_clear(&d);
		diag_where(&d, e->bundle, e->dir[0] != '\0' ? e->dir : NULL);
		diag_fail(&d, DIAG_DB, 0,
			  "snapshot %" PRId64 " is not stored (its batch of %zu snapshot%s is rolled"
			  " back): %s", e->id, n, n == 1 ? "" : "s", what->message);
		diag_hint(&d, "ingest the bundle again: what is stored is kept, the rest goes in");
		fn(ctx, &ev);
		batched_free(e);
	}
	l->nbatch = 0;
	l->batch_db = NULL;
	return (int)n;
}

/*
 * Commit the open batch (under mu) and report its snapshots through fn,
 * new, in the order they went in; a failure rolls it back and reports
 * them not stored. Returns the number of snapshots lost.
 */
static int
batch_commit(struct ingest_lock *l, struct ingest_stats *stats, ingest_event_fn fn, void *ctx)
{
	double t0 = timer_now();
	struct diag d;
	size_t i, n;

	if (l->batch_db == NULL)
		return 0;
	diag_clear(&d);
	if (db_commit(l->batch_db, &d) != 0) {
		db_rollback(l->batch_db);
		return batch_lost(l, &d, fn, ctx);
	}
	if (stats != NULL) {
		stats->commits++;
		stats->commit_seconds += timer_now() - t0;
	}
	/* the batch is over before fn runs (fn prints; it stores nothing) */
	n = l->nbatch;
	l->nbatch = 0;
	l->batch_db = NULL;
	for (i = 0; i < n; i++) {
		struct batched *e = &l->batch[i];
		struct ingest_event ev = { INGEST_SNAPSHOT_NEW, e->id, e->dir, NULL, &e->head };

		fn(ctx, &ev);
		batched_free(e);
	}
	return 0;
}

/* Turn the foreign keys the batches turned off on again (under mu, no batch open). */
static void
fk_restore(struct ingest_lock *l)
{
	struct diag ignored;

	diag_clear(&ignored);
	if (l->fk_off != NULL && db_foreign_keys(l->fk_off, 1, &ignored) == 0)
		l->fk_off = NULL;
}

/* Commit this thread's batch now, if one is open (the store held); foreign keys on again. */
void
store_flush(struct ingest *in)
{
	if (in->lock == NULL)
		return;
	in->failures += batch_commit(in->lock, in->o->stats, in->fn, in->ctx);
	fk_restore(in->lock);
}

/*
 * Take the store and open the snapshot's transaction: BEGIN IMMEDIATE of
 * its own, or with an ingest_lock a savepoint in the batch's transaction
 * (begun when none is open).
 */
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
	/* a batch open on another connection would hold the write lock this one waits for */
	if (l != NULL && l->batch_db != NULL && l->batch_db != in->db)
		store_flush(in);
	if (in->o->stats != NULL)
		in->s.txn_t0 = timer_now();
	/*
	 * A batch checks no foreign keys: every row it stores names the
	 * snapshot row inserted just before under the same savepoint, and the
	 * check (a parent lookup per row, its cursor opened and closed) was
	 * about a tenth of storing a small snapshot. Deletes (remove_split)
	 * cascade with them on again: see store_flush.
	 */
	if (l != NULL && l->batch_db == NULL) {
		if (l->fk_off != in->db)
			fk_restore(l);	/* another connection's, from an earlier batch */
		if (db_foreign_keys(in->db, 0, d) != 0)
			return -1;
		l->fk_off = in->db;
	}
	if (l == NULL || l->batch_db == NULL) {
		if (db_begin(in->db, d) != 0)
			return -1;
		if (l != NULL) {
			l->batch_db = in->db;
			l->batch_t0 = timer_now();
		}
	}
	/*
	 * A snapshot begun with everything read (close_snapshot) has no
	 * savepoint: its pages would be copied into the sub-journal each time
	 * one is first changed under it, as costly as a small snapshot's rows
	 * (and more with larger pages). Whatever fails from here is the
	 * store's, rare: db_snapshot_undo deletes its rows instead.
	 */
	if (l != NULL && !in->s.unsaved && db_savepoint(in->db, d) != 0)
		return -1;
	in->s.txn = 1;
	return 0;
}

/*
 * Undo what the open snapshot wrote: its savepoint (the batch's other
 * snapshots stay), or its transaction. When SQLite has rolled back the
 * whole batch after an error, its other snapshots are reported lost.
 */
static void
snap_undo(struct ingest *in, const struct diag *why)
{
	struct ingest_lock *l = in->lock;

	if (!in->s.txn)
		return;
	in->s.txn = 0;
	if (l == NULL) {
		db_rollback(in->db);
		return;
	}
	if (in->s.unsaved) {
		struct diag ud;

		/* nothing written, or its rows deleted: the batch goes on */
		diag_clear(&ud);
		if (db_in_transaction(in->db) &&
		    (!in->s.begun || db_snapshot_undo(in->db, in->s.id, &ud) == 0))
			return;
		db_rollback(in->db);
		in->failures += batch_lost(l, ud.message[0] != '\0' ? &ud : why, in->fn, in->ctx);
		return;
	}
	if (db_savepoint_rollback(in->db) != 0)
		in->failures += batch_lost(l, why, in->fn, in->ctx);
}

static struct ingest_label *headline_fill(struct ingest *in, enum ingest_event_kind kind,
					   struct ingest_headline *h);

/*
 * The snapshot went in whole: commit its transaction, or release its
 * savepoint into the batch, with a copy of its headline, and commit the
 * batch when it is due (which reports it new with the others). 1 when a
 * commit was done, 0 when the snapshot waits in the batch, -1 when its own
 * transaction failed (d filled); a failed batch is reported by batch_lost,
 * this snapshot's with the others (*lost set).
 */
static int
snap_end(struct ingest *in, int *lost, struct diag *d)
{
	struct ingest_lock *l = in->lock;
	struct snap *s = &in->s;
	struct batched *e;
	struct ingest_headline h;
	struct ingest_label *labels;
	double t0 = timer_now();
	int n;

	*lost = 0;
	if (l == NULL) {
		if (db_commit(in->db, d) != 0)
			return -1;
		s->txn = 0;
		if (in->o->stats != NULL) {
			in->o->stats->commits++;
			in->o->stats->commit_seconds += timer_now() - t0;
		}
		return 1;
	}
	if (!s->unsaved && db_release(in->db, d) != 0)
		return -1;
	s->txn = 0;
	if (l->nbatch == l->cap_batch) {
		l->cap_batch = l->cap_batch ? l->cap_batch * 2 : 64;
		l->batch = xreallocarray(l->batch, l->cap_batch, sizeof(*l->batch));
	}
	e = &l->batch[l->nbatch++];
	e->bundle = xstrdup(in->path);
	e->dir = xstrdup(s->dir);
	e->id = s->id;
	labels = headline_fill(in, INGEST_SNAPSHOT_NEW, &h);
	headline_copy(&e->head, &h, in->path);
	free(labels);
	if (l->nbatch < BATCH_SNAPSHOTS && timer_now() - l->batch_t0 < BATCH_SECONDS)
		return 0;
	n = batch_commit(l, in->o->stats, in->fn, in->ctx);
	in->failures += n;
	*lost = n > 0;
	return 1;
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
int
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
int
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

/* Roll the open snapshot back and report why. */
void
fail_snapshot(struct ingest *in, struct diag *d)
{
	struct snap *s = &in->s;

	vma_writer_discard(in->w);
	snap_undo(in, d);
	store_unlock(in);
	held_clear(&in->held);
	emit(in, INGEST_SNAPSHOT_FAILED, 0, s->dir, d);
	in->failures++;
	mark_done(in, s->dir, DONE_FAILED, 0);
	snap_release(s);
}

/* A note provenance_check wrote: kept for the event that reports the snapshot. */
static void
keep_warning(void *ctx, const char *member, const char *message)
{
	struct snap *s = ctx;

	s->warnings = xreallocarray(s->warnings, s->nwarnings + 1, sizeof(*s->warnings));
	s->warnings[s->nwarnings].member = xstrdup(member);
	s->warnings[s->nwarnings].message = xstrdup(message);
	s->nwarnings++;
}

static int
cmp_label(const void *a, const void *b)
{
	return strcmp(((const struct ingest_label *)a)->key, ((const struct ingest_label *)b)->key);
}

/*
 * The open snapshot's headline for an event of kind, from what was read:
 * the caller prints its line without reading the store again. Returns the
 * labels h points to, for the caller to free.
 */
static struct ingest_label *
headline_fill(struct ingest *in, enum ingest_event_kind kind, struct ingest_headline *hp)
{
	struct snap *s = &in->s;
	struct ingest_headline h;
	struct ingest_label *labels = xcalloc(s->m.n ? s->m.n : 1, sizeof(*labels));
	size_t i, n = 0;

	for (i = 0; i < s->m.n; i++) {
		if (strncmp(s->m.keys[i], "label.", 6) == 0) {
			labels[n].key = s->m.keys[i] + 6;
			labels[n++].value = s->m.values[i];
		}
	}
	/* in key order, as the store gives a snapshot's manifest back */
	qsort(labels, n, sizeof(*labels), cmp_label);
	memset(&h, 0, sizeof(h));
	h.host = s->row.host;
	h.pod = s->row.pod;
	h.comm = s->row.comm;
	h.pid = s->row.pid;
	h.nlabels = n;
	h.labels = labels;
	h.rss_known = s->rss_known;
	h.rss = s->rss;
	h.vma_count = (int64_t)s->vmas;
	h.bare = in->bare;
	if (kind == INGEST_SNAPSHOT_NEW) {
		h.nwarnings = s->nwarnings;
		h.warnings = s->warnings;
	}
	*hp = h;
	return labels;
}

/*
 * Report the snapshot closed as snapshot id (new, or the one the store
 * holds with this content) with its headline.
 */
static void
emit_headline(struct ingest *in, enum ingest_event_kind kind, int64_t id)
{
	struct ingest_headline h;
	struct ingest_event ev = { kind, id, in->s.dir, NULL, &h };
	struct ingest_label *labels = headline_fill(in, kind, &h);

	in->fn(in->ctx, &ev);
	free(labels);
}

/* The store already holds this snapshot's content as snapshot existing: store nothing. */
static void
snap_duplicate(struct ingest *in, int64_t existing)
{
	struct snap *s = &in->s;
	struct diag why;

	vma_writer_discard(in->w);
	diag_clear(&why);
	diag_fail(&why, DIAG_DB, 0, "undoing a duplicate snapshot failed");
	snap_undo(in, &why);
	store_unlock(in);
	held_clear(&in->held);
	emit_headline(in, INGEST_SNAPSHOT_DUPLICATE, existing);
	mark_done(in, s->dir, DONE_DUPLICATE, existing);
	snap_release(s);
}

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

/* Everything of the snapshot has been read: derive totals, dedupe, commit. */
static int
close_snapshot(struct ingest *in, struct diag *d)
{
	struct snap *s = &in->s;
	struct db_snapshot_totals t;
	struct db_role_totals *rts;
	char digest[33];
	int64_t existing, wal_pages;
	int checked = 0, committed, lost;
	size_t i;

	where_in(d, s, "proc/maps");
	if (!s->have_smaps && s->maps_data != NULL) {
		s->rss_known = 0;
		if (smaps_parse(s->maps_data, s->maps_len, 1, in->o->lim, classify_vma, in, d) != 0)
			return -1;
	}
	if (!s->have_smaps && s->maps_data == NULL && in->bare != NULL) {
		/* a bare rollup has totals and no VMAs; a bare heap profile neither */
		s->rss_known = s->have_rollup;
		s->rss = s->ro_rss;
		s->pss = s->ro_pss;
		s->anonymous = s->ro_anonymous;
		s->lazyfree = s->ro_lazyfree;
		s->anon_huge_pages = s->ro_anon_huge_pages;
		s->swap = s->ro_swap;
	} else if (!s->have_smaps && s->maps_data == NULL) {
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
		s->unsaved = in->lock != NULL && !s->txn;
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
	if (!s->have_smaps && s->maps_data != NULL &&
	    db_note_put(in->db, s->id, "proc/maps", 0,
			"no proc/smaps: VMAs from proc/maps, Rss unknown", d) != 0)
		return -1;
	if (in->bare != NULL && bare_notes(in, d) != 0)
		return -1;
	rts = xcalloc(s->nroles ? s->nroles : 1, sizeof(*rts));
	for (i = 0; i < s->nroles; i++) {
		struct db_role_totals *rt = &rts[i];

		*rt = s->roles[i].t;
		if (!s->rss_known)
			rt->rss = rt->pss = rt->anonymous = rt->lazyfree = rt->anon_huge_pages =
				rt->swap = rt->private_dirty = -1;
	}
	/* one statement for all of them */
	i = db_roles_put(in->db, s->id, rts, s->nroles, d) != 0;
	free(rts);
	if (i)
		return -1;
	/* whose runtime numbers: a bare file has no manifest to say, and no map to check against */
	if (runtime_ingest_store(s->rt, in->db, s->id, d) != 0 ||
	    (in->bare == NULL &&
	     provenance_check(in->db, s->id, s->size, keep_warning, s, d) != 0))
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
	t.vma_source = s->have_smaps ? "smaps" : s->maps_data != NULL ? "maps" :
		       s->have_rollup ? "rollup" : "none";
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
	if (db_snapshot_finish(in->db, s->id, &t, d) != 0 ||
	    (committed = snap_end(in, &lost, d)) < 0)
		return -1;
	wal_pages = committed ? db_wal_pages(in->db) : 0;
	vma_writer_discard(in->w);
	store_unlock(in);
	/*
	 * In a batch, its commit reports the snapshot new (batch_commit), or
	 * not stored (batch_lost) when it fails; on its own, it is committed.
	 */
	if (in->lock == NULL)
		emit_headline(in, INGEST_SNAPSHOT_NEW, s->id);
	mark_done(in, s->dir, lost ? DONE_FAILED : DONE_NEW, lost ? 0 : s->id);
	snap_release(s);
	checkpoint_after(in, wal_pages);
	return 0;
}

void
finish_current(struct ingest *in, struct diag *d)
{
	if (!in->s.open)
		return;
	if (close_snapshot(in, d) != 0)
		fail_snapshot(in, d);
}

struct ingest_lock *
ingest_lock_new(void)
{
	struct ingest_lock *l = xcalloc(1, sizeof(*l));

	if (pthread_mutex_init(&l->mu, NULL) != 0 || pthread_mutex_init(&l->ckpt_mu, NULL) != 0)
		die("cannot initialise a mutex");
	return l;
}

int
ingest_lock_finish(struct ingest_lock *l, ingest_event_fn fn, void *ctx,
		   struct ingest_stats *stats)
{
	int lost;

	if (l == NULL)
		return 0;
	if (pthread_mutex_lock(&l->mu) != 0)
		die("pthread_mutex_lock failed");
	lost = batch_commit(l, stats, fn, ctx);
	/* the connection goes back to its owner as db_open left it */
	fk_restore(l);
	pthread_mutex_unlock(&l->mu);
	return lost;
}

void
ingest_lock_free(struct ingest_lock *l)
{
	size_t i;

	if (l == NULL)
		return;
	if (l->batch_db != NULL)
		db_rollback(l->batch_db);
	for (i = 0; i < l->nbatch; i++)
		batched_free(&l->batch[i]);
	free(l->batch);
	db_free(l->ckpt);
	pthread_mutex_destroy(&l->ckpt_mu);
	pthread_mutex_destroy(&l->mu);
	free(l);
}
