/*
 * One snapshot's VMAs as diff needs them, gathered VMA by VMA in address
 * order and never held: its regions (analyze/align.h), the dirty bytes of
 * each role (Private_Dirty + Shared_Dirty) and how many VMAs the Go runtime
 * named. Filled from the store (diff_vmas_load) or handed over as ingest
 * reads them (diff_vmas_add, so a bundle's VMAs need not be stored to be
 * compared); either way the diff is the same.
 */
#ifndef RSSGAP_DIFFVMAS_H
#define RSSGAP_DIFFVMAS_H

#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "core/diag.h"

struct vma;
struct align_input;

struct diff_vmas;

/* A new set without VMAs. */
struct diff_vmas *diff_vmas_new(void);
/* Free s (NULL is a no-op). */
void diff_vmas_free(struct diff_vmas *s);
/* Add the snapshot's next VMA with its role, as the store would give it back. */
void diff_vmas_add(struct diff_vmas *s, const struct vma *v, const char *role);
/* Add every VMA of snapshot id from the store; -1 with d filled. */
int diff_vmas_load(struct diff_vmas *s, struct db *db, int64_t id, struct diag *d);
/*
 * New sets *vb and *va of snapshots before and after from the store, read
 * at the same time on two connections when the store is a file (one after
 * the other in memory); -1 with d filled (the sets are the caller's to free).
 */
int diff_vmas_load_two(struct db *db, int64_t before, int64_t after, struct diff_vmas **vb,
		       struct diff_vmas **va, struct diag *d);
/* Its regions, for align_inputs (they move into the alignment once). */
struct align_input *diff_vmas_regions(struct diff_vmas *s);
/* VMAs whose name the Go runtime set ("[anon: Go: ...]"). */
int64_t diff_vmas_go_named(const struct diff_vmas *s);
/* How many roles the set has seen; role i's name and its dirty bytes. */
size_t diff_vmas_nroles(const struct diff_vmas *s);
const char *diff_vmas_role(const struct diff_vmas *s, size_t i);
int64_t diff_vmas_role_dirty(const struct diff_vmas *s, size_t i);

#endif
