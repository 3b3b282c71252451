/*
 * What the files of ingest share, private to ingest/ingest*.c: the bundle
 * being ingested (struct ingest) and the snapshot being read (struct snap),
 * and the functions each file offers the others. ingest/ingest.c walks the
 * bundle, ingest/ingest_member.c reads a snapshot's members,
 * ingest/ingest_commit.c puts the snapshot in the store, ingest/ingest_hold.c
 * keeps what waits (rows before the transaction, members before their
 * manifest).
 */
#ifndef RSSGAP_INGEST_INT_H
#define RSSGAP_INGEST_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/db.h"
#include "core/diag.h"
#include "ingest/ingest.h"
#include "ingest/vma_writer.h"

struct bundle;
struct bundle_member;
struct classifier;
struct member_digest;	/* a member's name and content hash (ingest/ingest_member.c) */
struct runtime_ingest;
struct vma;

/*
 * VMAs a snapshot may hold in memory before its transaction begins while
 * another thread of the process holds the store (ingest_bundle_shared):
 * past this the parse waits for the store. Small snapshots never get here,
 * so their parse runs in parallel with other threads' transactions.
 */
#define HOLD_VMAS (16 * VMA_WRITER_BATCH)

struct ingest_lock {
	pthread_mutex_t mu;
	/*
	 * The checkpoints: a connection of their own, opened by the first
	 * transaction, used by one thread at a time (ckpt_mu).
	 */
	pthread_mutex_t ckpt_mu;
	int ckpt_tried;		/* under mu */
	struct db *ckpt;	/* NULL: the commits checkpoint as SQLite does */
	/*
	 * The batch, under mu: one transaction on the threads' shared
	 * connection holding snapshots that went in whole (each in a savepoint
	 * of its own, released), committed every BATCH_SNAPSHOTS snapshots or
	 * BATCH_SECONDS, and by ingest_lock_finish. Its snapshots, reported
	 * new (their headlines, owned copies) once the batch has committed,
	 * failed if the commit fails: nothing reported as stored is lost.
	 */
	struct db *batch_db;	/* NULL: no batch transaction open */
	struct db *fk_off;	/* the connection whose foreign keys the batches turned off */
	double batch_t0;
	struct batched {
		char *bundle, *dir;
		int64_t id;
		struct ingest_headline head;	/* every string owned */
	} *batch;
	size_t nbatch, cap_batch;
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
	int unsaved;		/* in a batch without a savepoint of its own (begun with
				   everything read): undone by db_snapshot_undo */
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
	int have_rollup;	/* proc/smaps_rollup read: its totals below */
	int64_t ro_rss, ro_pss, ro_anonymous, ro_lazyfree, ro_anon_huge_pages, ro_swap;
	struct role_acc *roles;
	size_t nroles, cap_roles;
	struct runtime_ingest *rt;
	struct ingest_warning *warnings;	/* the notes reported as warnings; strings owned */
	size_t nwarnings;
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
	const char *bare;	/* a bare file's kind ("smaps" ...): no manifest; NULL for bundles */
};

/* ---- ingest/ingest.c ---- */

/* Report one outcome through the caller's ingest_event_fn. */
void emit(struct ingest *in, enum ingest_event_kind kind, int64_t id, const char *dir,
	  const struct diag *d);
/* Remember that the snapshot of directory dir was closed, and how. */
void mark_done(struct ingest *in, const char *dir, enum done_state state, int64_t id);

/* Walk members held in memory (named in->path) as a bundle; the number of failures. */
int ingest_members(struct ingest *in, const struct bundle_member *m, size_t n, struct diag *d);

/* ---- ingest/live.c ---- */

/* Read process pid from /proc into memory and ingest it; the number of failures. */
int live_ingest(struct ingest *in, int64_t pid, struct diag *d);

/* ---- ingest/bare.c ---- */

/*
 * When in->path is a bare smaps, smaps_rollup or heap profile file (told
 * by its content), ingest it as a snapshot of one member: the number of
 * failures; -1 when it is not one (read it as a bundle).
 */
int bare_ingest(struct ingest *in, struct diag *d);
/* The notes a bare snapshot gets: what it lacks (inside its transaction); 0 or -1. */
int bare_notes(struct ingest *in, struct diag *d);
/* A bundle that could not be opened: when it is a file, say what else it could have been. */
void bare_hint(const char *path, struct diag *d);

/* ---- ingest/ingest_member.c ---- */

/* The snapshot's identity: its members' names and content, in name order. */
void snapshot_digest(struct snap *s, char out[33]);
/* Free everything the snapshot holds and zero it. */
void snap_release(struct snap *s);
/* A VMA parsed from proc/smaps or proc/maps: hand it to the snapshot's classifier. */
int classify_vma(void *ctx, const struct vma *v, struct diag *d);
/* Parse one member held in memory into the open snapshot; data is freed. */
int handle_member(struct ingest *in, enum member_kind kind, const char *rel, char *data,
		  size_t len, struct diag *d);
/* Read the current member whole, within the member cap and held bytes of held_bytes. */
int slurp_capped(struct ingest *in, struct bundle *b, uint64_t held, char **data, size_t *len,
		 struct diag *d);
/* Read the current member whole, within the member cap. */
int slurp(struct ingest *in, struct bundle *b, char **data, size_t *len, struct diag *d);
/* Stream proc/smaps of the open snapshot into the classifier and the VMA writer. */
int stream_smaps(struct ingest *in, struct bundle *b, const char *rel, struct diag *d);
/* Open the snapshot of a bare file (in->bare): no manifest, so no pid, comm, time or host. */
int open_snapshot_bare(struct ingest *in, struct diag *d);
/* Open a snapshot for dir from its manifest; its transaction begins later (snap_begin). */
int open_snapshot(struct ingest *in, const char *dir, const char *data, size_t len,
		  struct diag *d);

/* ---- ingest/ingest_commit.c ---- */

/* Take the store for this thread's transaction (a no-op without a shared lock). */
void store_lock(struct ingest *in);
/* Release the store: the snapshot's transaction, if timed, is over. */
void store_unlock(struct ingest *in);
/* Commit the batch of the ingest_lock, if one is open (the store held); a loss is reported. */
void store_flush(struct ingest *in);
/* Begin the snapshot in the store: its transaction, its row, the rows read so far. */
int snap_begin(struct ingest *in, struct diag *d);
/* The member's own row, its last: once the transaction is open its rows are written here. */
int member_put(struct ingest *in, const char *rel, int64_t bytes, const char *status,
	       struct diag *d);
/* Roll the open snapshot back and report why. */
void fail_snapshot(struct ingest *in, struct diag *d);
/* Close the open snapshot, if any: commit it, or roll it back and report why. */
void finish_current(struct ingest *in, struct diag *d);

/* ---- ingest/ingest_hold.c ---- */

/* Forget the waiting rows, keeping their memory for the next snapshot. */
void held_clear(struct held *h);
/* Free what h holds and zero it. */
void held_release(struct held *h);
/* Hold one row of table t until held_flush. */
void held_put(struct held *h, enum db_rows_table t, const char *group, const char *key,
	      int has_value, int64_t value, const char *text);
/* Write every waiting row, one statement per table, and forget them. */
int held_flush(struct held *h, struct db *db, int64_t id, struct diag *d);
/* Hold a member of directory dir[0..dir_len) read before its manifest; data is taken. */
void pending_add(struct ingest *in, const char *dir, size_t dir_len, const char *rel,
		 enum member_kind kind, char *data, size_t len);
/* Take dir's pending members out of the list, parsing them while handle is 1; 0 or -1. */
int take_pending(struct ingest *in, const char *dir, int handle, struct diag *d);
/* Parse the members of the just-opened snapshot that came before its manifest. */
int drain_pending(struct ingest *in, struct diag *d);
/* A member of directory dir, before its manifest, could not be held: refuse the snapshot. */
void refuse_pending(struct ingest *in, const char *dir, struct diag *d);
/* At the end of the bundle: each directory still holding members never had a manifest. */
void report_no_manifest(struct ingest *in, struct diag *d);

#endif
