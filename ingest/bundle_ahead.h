/*
 * Reading ahead of a bundle's member on a thread of its own (bundle.c):
 * the reader inflates (and hashes) the next blocks while the caller parses
 * the ones before. Blocks are handed out in stream order; an error the
 * reader met is handed out at the place it happened, after every block
 * before it, so the caller sees what a plain read would have given.
 */
#ifndef RSSGAP_BUNDLE_AHEAD_H
#define RSSGAP_BUNDLE_AHEAD_H

#include <stdint.h>
#include <xxhash.h>

#include "core/diag.h"

/* Read one block: bytes (>0) with *data lent until the next call, 0 at the end, -1 with d filled. */
typedef int64_t (*ahead_source_fn)(void *ctx, const void **data, struct diag *d);

struct ahead;

/*
 * Start a reader calling src(ctx) until it returns 0 or -1 (or ahead_free);
 * the caller must not touch what src reads from until then. With hash set,
 * the blocks are hashed (XXH3, 128 bits) on the reader's thread.
 */
struct ahead *ahead_start(ahead_source_fn src, void *ctx, int hash);
/*
 * The next block in stream order: as src returned it (the block a copy,
 * lent until the next call), the error with the kind, offset, line,
 * message and hint src left in its diag. After 0 or -1 the reader is done.
 */
int64_t ahead_read(struct ahead *a, const void **data, struct diag *d);
/* After ahead_read returned 0 with hash set: the digest of every block. */
XXH128_hash_t ahead_digest(const struct ahead *a);
/* Stop the reader (if it still runs), wait for it and free a (NULL is a no-op). */
void ahead_free(struct ahead *a);

#endif
