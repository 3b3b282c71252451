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

/* A member held in memory (bundle_open_members): name and bytes lent by the caller. */
struct bundle_member {
	const char *name;
	const void *data;
	size_t len;
};

/* Open a bundle file or directory for reading; NULL with d filled. */
struct bundle *bundle_open(const char *path, const struct limits *lim, struct diag *d);
/*
 * A bundle of members held in memory (a live process read from /proc, a
 * bare file): read as a bundle file is, names checked and caps enforced the
 * same way. label names it in messages; members are lent until bundle_free.
 */
struct bundle *bundle_open_members(const char *label, const struct bundle_member *m, size_t n,
				   const struct limits *lim, struct diag *d);
/*
 * The first max bytes of the file at path, decompressed when it is
 * compressed (gzip, zstd, xz ... as libarchive reads); *compressed says
 * whether it was. 0 with *head allocated (free it), -1 with d filled.
 */
int bundle_peek(const char *path, size_t max, char **head, size_t *len, int *compressed,
		struct diag *d);
/* Close b (NULL is a no-op). */
void bundle_free(struct bundle *b);
/*
 * A directory bundle passes over these files without opening them (the
 * store's own, when it lies in the directory: see struct db_files). f
 * stays the caller's; set before the first bundle_next.
 */
struct db_files;
void bundle_skip(struct bundle *b, const struct db_files *f);
/*
 * Advance to the next regular member: 1 with *name set (lent until the
 * next call), 0 at the end, -1 on error. An unsafe member is an error that
 * names it, a damaged header one that gives its offset in the tar (the
 * member it began is lost: one error for a run of damaged blocks); after
 * either the caller may go on to the next member. After a fatal error
 * (the archive cannot be read on, or a bundle-wide cap) bundle_dead() is
 * 1 and bundle_next returns 0.
 */
int bundle_next(struct bundle *b, const char **name, struct diag *d);
/*
 * After bundle_next returned 0 at the end of the archive: bytes of the
 * file that no decompressor read (garbage after the last gzip member,
 * which libarchive's gzip reader stops at) would be dropped without a
 * word. Zeros are padding (gzip ignores them too); anything else is an
 * error: -1 with d filled (what was read is whole), else 0.
 */
int bundle_check_end(struct bundle *b, struct diag *d);
/* 1 once an error ended the bundle: nothing more can be read from it. */
int bundle_dead(const struct bundle *b);
/*
 * libarchive's warning about the current member's header (ARCHIVE_WARN:
 * the member is read, but something about it was not understood), or
 * NULL; lent until the next bundle_next.
 */
const char *bundle_warning(const struct bundle *b);
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
