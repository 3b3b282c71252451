/*
 * The Go runtime's side of a snapshot: runtime/heap.pb.gz, heap.txt,
 * metrics.prom and vars.json, parsed as they arrive and kept in memory
 * (they are small) until the snapshot is stored. A member that does not
 * parse is reported and marked invalid; the snapshot still goes in.
 */
#ifndef RSSGAP_RUNTIME_INGEST_H
#define RSSGAP_RUNTIME_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "core/diag.h"
#include "core/limits.h"

struct runtime_ingest;

/* Start collecting one snapshot's runtime numbers. */
struct runtime_ingest *runtime_ingest_new(const struct limits *lim);
/* Free rt (NULL is a no-op). */
void runtime_ingest_free(struct runtime_ingest *rt);
/* Parse one runtime/ member (rel is "runtime/heap.txt", ...); -1 with d filled if invalid. */
int runtime_ingest_member(struct runtime_ingest *rt, const char *rel, const char *data, size_t len,
			  struct diag *d);
/* Write what was collected into snapshot id: totals, sites, normalised numbers, notes. */
int runtime_ingest_store(struct runtime_ingest *rt, struct db *db, int64_t id, struct diag *d);

#endif
