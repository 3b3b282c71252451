/*
 * A memspace (analyze/memspace.h) as a profile in pprof's format: a
 * profile.proto message (github.com/google/pprof, proto/profile.proto),
 * gzipped, as `go tool pprof`, Pyroscope and Parca read it.
 *
 * Sample types: memory_space/bytes (resident bytes, the default) and
 * inuse_space/bytes (the heap profile's live bytes on allocation sites),
 * or in its place the memspace's index (alloc_space/bytes,
 * inuse_objects/count, alloc_objects/count);
 * period type memory_space/bytes. Every distinct frame name is one Function
 * and one Location (id = name index + 1, no address) of one Mapping whose
 * functions are known (has_functions: nothing to symbolize); a
 * sample's location_id lists its frames leaf first, as pprof requires.
 * The string table starts with "" (index 0). Only this file includes
 * zlib.h.
 */
#ifndef RSSGAP_PPROFOUT_H
#define RSSGAP_PPROFOUT_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/memspace.h"
#include "core/buf.h"
#include "core/diag.h"

/* What the profile says besides its samples; strings lent. */
struct pprofout_meta {
	int64_t time_nanos;		/* when the snapshot was captured; 0 unknown */
	const char *main_file;		/* the one mapping's file name, pprof's "File:" */
	const char *const *comments;	/* shown by `go tool pprof -comments` */
	size_t ncomments;
};

/* Append m as an uncompressed profile.proto message to out. */
void pprofout_encode(const struct memspace *m, const struct pprofout_meta *meta,
		     struct buf *out);
/* Append data[0..n) gzipped (RFC 1952, no name, mtime 0) to out; 0, or -1 with d filled. */
int pprofout_gzip(const void *data, size_t n, struct buf *out, struct diag *d);

#endif
