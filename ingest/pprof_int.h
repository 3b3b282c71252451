/*
 * What the two heap profile parsers share, private to ingest/pprof*.c:
 * a u64 -> u32 map (ids, addresses), the sites samples are grouped into
 * (their first PPROF_SITE_FRAMES frames as tokens each parser defines),
 * and the ranking of the top sites into a pprof_summary (ingest/pprof.c).
 * The protobuf decoder is ingest/pprof_proto.c, the text parser
 * ingest/pprof_legacy.c.
 */
#ifndef RSSGAP_PPROF_INT_H
#define RSSGAP_PPROF_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/diag.h"
#include "ingest/pprof.h"

/* An open-addressing map; key 0 is "empty". */
struct u64map {
	uint64_t *keys;
	uint32_t *vals;
	size_t mask;		/* slots - 1 */
	size_t n;
};

/* Empty map with room for about expect keys. */
void u64map_init(struct u64map *m, size_t expect);
/* Free what m holds and zero it. */
void u64map_release(struct u64map *m);
/* The value slot of key (non-zero), inserted (value 0) if absent; *found says which. */
uint32_t *u64map_slot(struct u64map *m, uint64_t key, int *found);
/* 1 with *val set if key is in m, else 0. */
int u64map_get(const struct u64map *m, uint64_t key, uint32_t *val);

/* Samples grouped by their first frames (tokens), with values summed per sample type. */
struct site {
	uint64_t tok[PPROF_SITE_FRAMES];
	uint32_t nframes;
	uint64_t samples;
	size_t first;		/* order of first appearance, for a stable sort */
};

struct sites {
	struct site *v;
	int64_t *vals;		/* n * ntypes */
	size_t n, cap, ntypes;
	uint32_t *slots;	/* index + 1, 0 empty */
	size_t mask;
	int space_i, objects_i;	/* inuse_space, inuse_objects in vals; -1 absent */
	int64_t *large;		/* n * 2: inuse space and objects of objects > 32 KiB */
};


/* Names the frame token tok into out, for the sites kept in a summary. */
typedef void (*frame_name_fn)(void *ctx, uint64_t tok, struct buf *out);

/* Empty sites for samples of ntypes values each. */
void sites_init(struct sites *s, size_t ntypes);
/* Count large objects (sites.large) from the summary's inuse_space and inuse_objects. */
void sites_track_large(struct sites *s, const struct pprof_summary *sum);
/* Free what s holds and zero it. */
void sites_release(struct sites *s);
/* Add one sample (n tokens, ntypes values) to its site; 0, or -1 if a total overflows. */
int sites_add(struct sites *s, const uint64_t *tok, uint32_t n, const int64_t *vals,
	      int64_t offset, struct diag *d);
/* Keep the top sites of s in sum (by sum->sort_type), naming their frames with name. */
void sites_emit(struct sites *s, struct pprof_summary *sum, uint64_t top, frame_name_fn name,
		void *ctx);
/* The type sites are sorted by: inuse_space, else the default, else the last. */
size_t choose_sort_type(const struct pprof_summary *s);
/* A new empty summary of format (static string). */
struct pprof_summary *pprof_summary_new(const char *format);

#endif
