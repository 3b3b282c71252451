/*
 * The second stage of ingest: a thread that stores VMAs in SQLite while the
 * caller's thread goes on reading, inflating, parsing and classifying.
 *
 * The caller puts classified VMAs one by one; they are copied (path and
 * vmflags into the batch's own arena) into batches of up to
 * VMA_WRITER_BATCH VMAs, and full batches go through a queue of at most
 * VMA_WRITER_QUEUE batches to the writer thread, which stores each with one
 * db_vmas_put(). Memory is bounded by those two numbers, plus the batches
 * held before vma_writer_begin() (the caller decides how many: see
 * vma_writer_held()).
 *
 * The connection: from vma_writer_begin() until vma_writer_sync() or
 * vma_writer_discard() returns, db belongs to the writer thread and the
 * caller must not use it. Those two calls hand it back (a mutex orders the
 * writes before the caller's next use). Small snapshots never start the
 * thread: their one partial batch is written by vma_writer_sync() itself.
 *
 * Errors: a failed batch makes the writer drop the batches after it; the
 * next vma_writer_put() returns -1 and vma_writer_sync() reports the first
 * error (its member is the one named in d at the snapshot's first put).
 * A writer is used by one caller thread.
 */
#ifndef RSSGAP_VMA_WRITER_H
#define RSSGAP_VMA_WRITER_H

#include <stdint.h>

#include "core/db.h"
#include "core/diag.h"
#include "ingest/ingest.h"

struct vma;

/* VMAs in one batch (one INSERT statement). */
#define VMA_WRITER_BATCH 512
/* Full batches waiting for the writer thread before put blocks. */
#define VMA_WRITER_QUEUE 4

struct vma_writer;

/* New writer storing into db (which must outlive it); no thread yet. */
struct vma_writer *vma_writer_new(struct db *db);
/* Hand w's batches to sink (ingest/ingest.h) instead of db_vmas_put (NULL: the store). */
void vma_writer_sink(struct vma_writer *w, ingest_vma_fn sink, void *ctx);
/* Stop the thread and free w (NULL is a no-op); anything unsynced is dropped. */
void vma_writer_free(struct vma_writer *w);
/*
 * Queue v (copied) with role (owned by the rules, outliving w) as the
 * snapshot's next VMA (idx 0, 1, ...). Before vma_writer_begin() full
 * batches are held, not written. -1 with d filled when a batch failed.
 */
int vma_writer_put(struct vma_writer *w, const struct vma *v, const char *role,
		   struct diag *d);
/* VMAs held in full batches, waiting for vma_writer_begin(). */
uint64_t vma_writer_held(const struct vma_writer *w);
/*
 * The snapshot's row exists with id, inside the caller's open transaction:
 * the held batches and every later one are stored under it.
 */
void vma_writer_begin(struct vma_writer *w, int64_t id);
/*
 * Store everything put so far (after vma_writer_begin()) and wait for it:
 * db is the caller's again. 0, or -1 with the first error since the last
 * sync (then cleared).
 */
int vma_writer_sync(struct vma_writer *w, struct diag *d);
/* Drop every VMA not yet stored, wait for the thread to be idle, and start a new snapshot. */
void vma_writer_discard(struct vma_writer *w);

#endif
