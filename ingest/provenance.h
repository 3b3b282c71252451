/*
 * Whose runtime numbers a snapshot holds: what ingest can cross-check once a
 * snapshot's members are stored, written as notes (show lists them; ingest
 * prints them as warnings). The capture fetches an endpoint only from a
 * listening socket the process holds and records that in the manifest
 * (http_check=owner); a bundle captured with --http-any (http_check=any) is
 * taken as it is, with a warning. Whatever the manifest says, the runtime's
 * Sys (address space the runtime obtained from the OS) cannot exceed the
 * process's whole address space (the smaps Size total) by more than the
 * moments between the reads can explain.
 */
#ifndef RSSGAP_PROVENANCE_H
#define RSSGAP_PROVENANCE_H

#include <stdint.h>

#include "core/db.h"
#include "core/diag.h"

/* Every provenance note starts with this (member "runtime"). */
#define PROVENANCE_PREFIX "whose runtime numbers: "

/* Called with each note provenance_check writes, as it is written. */
typedef void (*provenance_note_fn)(void *ctx, const char *member, const char *message);

/* Check snapshot id (smaps Size total size bytes), each note also to fn (NULL: none); 0 or -1. */
int provenance_check(struct db *db, int64_t id, int64_t size, provenance_note_fn fn, void *ctx,
		     struct diag *d);

#endif
