/*
 * Ingest: read every snapshot of a bundle into the store, one transaction
 * per snapshot. A bad snapshot is rolled back whole and reported; the
 * others still go in. Re-ingesting the same content is a no-op (each
 * snapshot carries a digest of its members' names and bytes).
 */
#ifndef RSSGAP_INGEST_H
#define RSSGAP_INGEST_H

#include <stdint.h>

#include "core/db.h"
#include "core/diag.h"
#include "core/limits.h"

struct rules;

struct ingest_opts {
	const struct limits *lim;
	const struct rules *rules;	/* one user at a time: rules hold match state */
};

enum ingest_event_kind {
	INGEST_SNAPSHOT_NEW,		/* id: the new snapshot */
	INGEST_SNAPSHOT_DUPLICATE,	/* id: the snapshot already holding this content */
	INGEST_SNAPSHOT_FAILED,		/* diag: why; nothing of it was stored */
	INGEST_MEMBER_ERROR,		/* diag: a member refused or invalid; not fatal to a snapshot */
	INGEST_BUNDLE_FAILED,		/* diag: the bundle could not be read on */
};

struct ingest_event {
	enum ingest_event_kind kind;
	int64_t id;
	const char *dir;		/* the snapshot's directory in the bundle */
	const struct diag *diag;
};

typedef void (*ingest_event_fn)(void *ctx, const struct ingest_event *ev);

/*
 * Ingest the bundle at path (a file or a directory). Every outcome is
 * reported through fn. Returns the number of failures (snapshots that did
 * not go in, refused members, an unreadable bundle): 0 when all went in.
 */
int ingest_bundle(struct db *db, const char *path, const struct ingest_opts *o,
		  ingest_event_fn fn, void *ctx);

#endif
