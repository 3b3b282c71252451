/*
 * Heap profiles: runtime/heap.pb.gz (profile.proto, google/pprof
 * proto/profile.proto, already gunzipped by bundle_gunzip) and the legacy
 * text formats (`heap profile: ...` as /debug/pprof/heap?debug=1 writes it,
 * heapz_v2, and the Java `--- heapz 1 ---`).
 *
 * Both parsers reduce a profile to a pprof_summary: per sample type its
 * total (what `go tool pprof -raw` sums: values as stored in a proto, and,
 * for legacy heap text, unsampled the way google/pprof's legacy parser does
 * it: scale = 1/(1-exp(-avg/rate)) per sample), and the top allocation
 * sites. A site is the first five frames of a stack (leaf first, inlined
 * frames expanded); samples sharing them are summed.
 *
 * Every count is checked against struct limits before anything is allocated
 * for it (pprof_strings, pprof_samples, pprof_locations for locations,
 * functions and lines, pprof_values for sample types and values per
 * sample). Errors: DIAG_FORMAT or DIAG_LIMIT with the byte offset in the
 * decompressed profile (proto) or the line (text).
 *
 * The summary is a plain record owned by the caller: every pointer in it
 * belongs to it and is freed by pprof_summary_free. Strings come from the
 * bundle: escape them before they reach a terminal, SVG or Markdown.
 */
#ifndef RSSGAP_PPROF_H
#define RSSGAP_PPROF_H

#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/limits.h"

#define PPROF_SITE_FRAMES 5

struct pprof_type {
	char *type;		/* "inuse_space" */
	char *unit;		/* "bytes" */
	int64_t total;		/* sum over all samples */
};

struct pprof_site {
	char *leaf;		/* function of the leaf frame, or its address "0x4a1b2c" */
	char *frames;		/* up to 5 frames, leaf first: "a <- b <- c" */
	uint64_t samples;	/* samples merged into this site */
	int64_t *values;	/* one per sample type, summed */
	/*
	 * inuse_space and inuse_objects of the samples whose objects are
	 * larger than 32 KiB each (DB_LARGE_OBJECT_BYTES, the runtime's large
	 * allocations): a sample is one object size (Go keys its buckets by
	 * stack and size), inuse_space / inuse_objects. -1 when the profile
	 * has no inuse_space or inuse_objects.
	 */
	int64_t large_space, large_objects;
};

struct pprof_summary {
	const char *format;	/* "proto", "legacy-heap" or "java-heapz" (static) */
	size_t ntypes;
	struct pprof_type *types;
	char *period_type;	/* "space" ("" when absent) */
	char *period_unit;	/* "bytes" */
	int64_t period;
	char *default_sample_type;	/* NULL when the profile names none */
	int64_t time_nanos;
	int64_t duration_nanos;
	uint64_t samples;
	uint64_t locations;
	uint64_t functions;
	size_t sort_type;	/* index in types the sites are sorted by (descending) */
	size_t nsites;		/* at most limits.pprof_top_sites */
	struct pprof_site *sites;
};

/* Decode a profile.proto message (not gzipped); 0 with *out set, or -1 with d filled. */
int pprof_parse(const void *buf, size_t len, const struct limits *lim,
		struct pprof_summary **out, struct diag *d);
/* Parse a legacy text heap profile (Go debug=1, heapz_v2, Java heapz); 0 or -1. */
int pprof_parse_legacy(const char *text, size_t len, const struct limits *lim,
		       struct pprof_summary **out, struct diag *d);
/* 1 if buf starts like a legacy text heap profile rather than a proto. */
int pprof_is_legacy(const void *buf, size_t len);
/* The index of sample type `type` ("inuse_space"), or -1 if absent. */
int pprof_type_index(const struct pprof_summary *s, const char *type);
/* Free s and everything it holds (NULL is a no-op). */
void pprof_summary_free(struct pprof_summary *s);

#endif
