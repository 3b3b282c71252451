/*
 * Reading a bundle (format rssgap/1, docs/capturing.md) with libarchive:
 * a tar file, plain or compressed with anything libarchive reads, or a
 * directory. Members are streamed to the caller; nothing is extracted.
 * Unsafe members (absolute paths, "..", links, devices, non-UTF-8 names)
 * are refused by name before any byte of them is read.
 */
#ifndef RSSGAP_BUNDLE_H
#define RSSGAP_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/limits.h"

struct bundle;

/* Open a bundle file or directory for reading; NULL with d filled. */
struct bundle *bundle_open(const char *path, const struct limits *lim, struct diag *d);
/* Close b (NULL is a no-op). */
void bundle_free(struct bundle *b);
/*
 * Advance to the next regular member: 1 with *name set (lent until the
 * next call), 0 at the end, -1 on error. An unsafe member is an error that
 * names it; the caller may go on to the next member after it.
 */
int bundle_next(struct bundle *b, const char **name, struct diag *d);
/*
 * Read the next block of the current member: returns the number of bytes
 * (0 at the member's end) with *data lent until the next call, -1 on error.
 * The bundle's inflated-bytes and ratio caps are enforced here.
 */
int64_t bundle_read(struct bundle *b, const void **data, struct diag *d);
/* Bytes of the current member read so far (its offset, for messages). */
uint64_t bundle_member_offset(const struct bundle *b);
/* Decompress a gzip stream held in memory (runtime/heap.pb.gz), capped at max bytes. */
int bundle_gunzip(const void *in, size_t in_len, uint64_t max, char **out, size_t *out_len,
		  struct diag *d);

#endif
