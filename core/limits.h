/*
 * Caps on everything a bundle controls. Each is checked before allocating,
 * and the error names the cap (its field name here). The defaults are in
 * limits_default(); commands may raise them with --limit NAME=VALUE.
 */
#ifndef RSSGAP_LIMITS_H
#define RSSGAP_LIMITS_H

#include <stdint.h>

struct limits {
	uint64_t compressed_bytes;	/* size of a bundle file on disk */
	uint64_t inflated_bytes;	/* all members of a bundle, decompressed */
	uint64_t inflate_ratio;		/* inflated / compressed, once past 16 MiB */
	uint64_t member_bytes;		/* one member held in memory */
	uint64_t held_bytes;		/* members held before their snapshot's manifest, together */
	uint64_t members;		/* entries in a bundle */
	uint64_t path_bytes;		/* length of a member path */
	uint64_t line_bytes;		/* one line of a text member */
	uint64_t vmas;			/* VMAs in one snapshot */
	uint64_t snapshots;		/* snapshots in one bundle */
	uint64_t kv_rows;		/* values kept from one key/value member (status, cgroup, ...) */
	uint64_t pprof_strings;		/* string_table entries */
	uint64_t pprof_samples;		/* samples */
	uint64_t pprof_locations;	/* locations and functions */
	uint64_t pprof_values;		/* values in one sample */
	uint64_t pprof_top_sites;	/* allocation sites stored */
	uint64_t json_depth;		/* nesting of vars.json */
	uint64_t prom_series;		/* series kept from metrics.prom */
	uint64_t rules;			/* rules in a rules file */
	uint64_t pattern_bytes;		/* one rule's pattern */
	uint64_t match_limit;		/* PCRE2 match limit per descriptor */
	uint64_t chart_points;		/* points on one chart */
};

/* The defaults documented in docs/limits.md. */
void limits_default(struct limits *l);
/*
 * Set one cap by name: "vmas=70000", "member_bytes=512MiB" (a *_bytes cap
 * takes a size, num_parse_size); 0 on success, -1 if unknown or bad.
 */
int limits_set(struct limits *l, const char *assignment);

#endif
