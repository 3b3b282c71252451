/*
 * The snapshot in the store: taking the store (the ingest_lock), its
 * transaction, begun late; closing it (totals, dedupe, commit) or rolling
 * it back; the WAL checkpoints moved out of the commits.
 */
#include "ingest/ingest_int.h"

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
	if (s->txn)
		db_rollback(in->db);
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
 * Report the snapshot closed as snapshot id (new, or the one the store
 * holds with this content) with its headline, from what was read: the
 * caller prints its line without reading the store again.
 */
static void
emit_headline(struct ingest *in, enum ingest_event_kind kind, int64_t id)
{
	struct snap *s = &in->s;
	struct ingest_headline h;
	struct ingest_event ev = { kind, id, s->dir, NULL, &h };
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
	in->fn(in->ctx, &ev);
	free(labels);
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
	for (i = 0; i < s->nroles; i++) {
		struct db_role_totals rt = s->roles[i].t;

		if (!s->rss_known)
			rt.rss = rt.pss = rt.anonymous = rt.lazyfree = rt.anon_huge_pages = rt.swap =
				rt.private_dirty = -1;
		if (db_role_put(in->db, s->id, &rt, d) != 0)
			return -1;
	}
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
	if (db_snapshot_finish(in->db, s->id, &t, d) != 0 || db_commit(in->db, d) != 0)
		return -1;
	wal_pages = db_wal_pages(in->db);
	vma_writer_discard(in->w);
	store_unlock(in);
	emit_headline(in, INGEST_SNAPSHOT_NEW, s->id);
	mark_done(in, s->dir, DONE_NEW, s->id);
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
