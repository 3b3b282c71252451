/*
 * Ingest: read every snapshot of a bundle into the store, each all or
 * nothing (a transaction of its own, or a savepoint in a batch: see
 * struct ingest_lock). A bad snapshot is rolled back whole and reported; the
 * others still go in. Re-ingesting the same content is a no-op (each
 * snapshot carries a digest of its members' names and bytes).
 */
#ifndef RSSGAP_INGEST_H
#define RSSGAP_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "core/diag.h"
#include "core/limits.h"

struct rules;
struct vma;

/* Where the time went (ingest --stats); one per thread, summed by the caller. */
struct ingest_stats {
	uint64_t transactions;	/* snapshots in the store, committed or rolled back */
	double store_seconds;	/* holding it: from BEGIN or SAVEPOINT to its end, commits included */
	uint64_t commits;	/* COMMITs done by this thread (one per batch with an ingest_lock) */
	double commit_seconds;	/* in them */
};

/*
 * Where a snapshot's VMAs go instead of the vma table: n VMAs of snapshot
 * id from idx first_idx on, with their roles, all lent for the call, in
 * order, from the VMA writer's thread (one call at a time). A snapshot
 * rolled back (failed, or a duplicate) may have given some: first_idx 0
 * starts a snapshot's VMAs afresh. For a caller that compares and forgets
 * (diff of two bundles in an in-memory store): vma_count is still stored.
 */
typedef void (*ingest_vma_fn)(void *ctx, int64_t id, int64_t first_idx, const struct vma *v,
			      const char *const *roles, size_t n);

struct ingest_opts {
	const struct limits *lim;
	const struct rules *rules;	/* one user at a time: rules hold match state */
	struct ingest_stats *stats;	/* NULL: not counted */
	ingest_vma_fn vma_sink;		/* NULL: VMAs go to the store */
	void *vma_sink_ctx;
};

enum ingest_event_kind {
	INGEST_SNAPSHOT_NEW,		/* id: the new snapshot */
	INGEST_SNAPSHOT_DUPLICATE,	/* id: the snapshot already holding this content */
	INGEST_SNAPSHOT_FAILED,		/* diag: why; nothing of it was stored (id: 0, or the
					   snapshot reported new before and now removed again) */
	INGEST_MEMBER_ERROR,		/* diag: a member refused or invalid; not fatal to a snapshot */
	INGEST_BUNDLE_FAILED,		/* diag: the bundle could not be read on */
	INGEST_MEMBER_WARNING,		/* diag: libarchive warned about a member it read; not a failure */
};

/* A manifest label: label.KEY=VALUE. */
struct ingest_label {
	const char *key;		/* KEY, without "label." */
	const char *value;
};

/* A note stored with the snapshot that ingest reports as a warning (ingest/provenance.h). */
struct ingest_warning {
	const char *member;		/* "runtime" */
	const char *message;
};

/*
 * A snapshot's headline, as the store holds it: for INGEST_SNAPSHOT_NEW
 * the snapshot just committed, for INGEST_SNAPSHOT_DUPLICATE the one found
 * (the same content, hence the same values). Strings come from the bundle:
 * escape them before they reach a terminal.
 */
struct ingest_headline {
	const char *host, *pod, *comm;	/* from the manifest; NULL when absent */
	int64_t pid;
	size_t nlabels;
	const struct ingest_label *labels;	/* in key order */
	int rss_known;			/* 0: VMAs from proc/maps only, rss unknown */
	int64_t rss;			/* bytes, when rss_known */
	int64_t vma_count;
	const char *bare;		/* a bare file's kind ("smaps", "smaps_rollup", "heap profile"):
					   no manifest, pid, comm, captured_at and host unknown; NULL */
	size_t nwarnings;		/* INGEST_SNAPSHOT_NEW only, in the order stored */
	const struct ingest_warning *warnings;
	const char *bundle;		/* the bundle it came from: with an ingest_lock, a batch's
					   commit reports the snapshots of every bundle it holds
					   through the fn of the bundle that commits it; NULL:
					   the bundle of the call */
};

/* One outcome; everything it points to is lent for the call. */
struct ingest_event {
	enum ingest_event_kind kind;
	int64_t id;
	const char *dir;		/* the snapshot's directory in the bundle */
	const struct diag *diag;
	const struct ingest_headline *headline;	/* NEW and DUPLICATE; NULL otherwise */
};

typedef void (*ingest_event_fn)(void *ctx, const struct ingest_event *ev);

/*
 * Ingest the bundle at path (a file or a directory). A file that is a
 * bare proc/smaps, proc/smaps_rollup or pprof heap profile (told by its
 * content) is a snapshot of that one member, without a manifest: its
 * headline's bare says so. Every outcome is
 * reported through fn. Returns the number of failures (snapshots that did
 * not go in, refused members, an unreadable bundle): 0 when all went in.
 *
 * Two threads work on it: this one reads, inflates, parses and classifies,
 * a VMA writer thread (ingest/vma_writer.h) stores the VMAs meanwhile; db is
 * used by one of them at a time. fn is called from this thread, never
 * holding the store (with an ingest_lock, a batch may be open on db).
 */
int ingest_bundle(struct db *db, const char *path, const struct ingest_opts *o,
		  ingest_event_fn fn, void *ctx);

/*
 * Ingest the live process pid, read from /proc/PID (smaps, smaps_rollup,
 * status, maps and its memory cgroup) into memory and parsed as a bundle's
 * snapshot is, with a manifest made here (captured_at now, host from
 * uname, source=live). Nothing is written to disk. As ingest_bundle.
 */
int ingest_live(struct db *db, int64_t pid, const struct ingest_opts *o, ingest_event_fn fn,
		void *ctx);


/*
 * Several threads ingesting into one database, each with its own struct
 * rules, share one ingest_lock: it serialises their transactions inside
 * the process (BEGIN IMMEDIATE and busy_timeout still serialise other
 * processes), so none waits on SQLite's busy handler. They may share one
 * struct db too: the lock gives it to one thread at a time, and a shared
 * connection keeps its page cache warm from one transaction to the next.
 * A snapshot's transaction begins late: its members are parsed into memory
 * first (VMAs up to a bound), so parsing overlaps other threads' writes.
 * The lock also moves WAL checkpoints out of the commits: the thread whose
 * commit grew the WAL past 1000 pages checkpoints it from a connection of
 * the lock's own while the others go on writing.
 *
 * And it batches: snapshots of threads sharing a lock go into one
 * transaction, each all or nothing in it (a failing snapshot is
 * undone alone), committed every 500 snapshots or quarter second and by
 * ingest_lock_finish. A snapshot is reported new once its batch has
 * committed (its INGEST_SNAPSHOT_NEW events go out then, in the order the
 * snapshots went in, through the fn and ctx of the thread that commits:
 * the headline's bundle names the snapshot's own), so a kill -9 loses no
 * snapshot reported new: it loses the batch not yet committed (the store
 * stays consistent), and ingesting the same bundles again stores it.
 * Duplicates and failures are reported as they are found.
 */
struct ingest_lock;

/* New lock for threads sharing one database. */
struct ingest_lock *ingest_lock_new(void);
/*
 * Commit the batch still open, once every thread is done with l, and
 * report its snapshots through fn: INGEST_SNAPSHOT_NEW each, or on a
 * failure one INGEST_SNAPSHOT_FAILED each. Returns the number of those
 * failures. stats may be NULL.
 */
int ingest_lock_finish(struct ingest_lock *l, ingest_event_fn fn, void *ctx,
		       struct ingest_stats *stats);
/* Free l (NULL is a no-op); no thread may be using it; a batch still open is rolled back. */
void ingest_lock_free(struct ingest_lock *l);
/* ingest_bundle for one of several threads sharing lock (NULL: as ingest_bundle). */
int ingest_bundle_shared(struct db *db, const char *path, const struct ingest_opts *o,
			 struct ingest_lock *lock, ingest_event_fn fn, void *ctx);
/* ingest_live as one of several threads sharing lock, as ingest_bundle_shared. */
int ingest_live_shared(struct db *db, int64_t pid, const struct ingest_opts *o,
		       struct ingest_lock *lock, ingest_event_fn fn, void *ctx);

#endif
