/*
 * Fleet statistics: many snapshots grouped into cohorts by a label or a
 * manifest key (version, namespace, node). One pod's numbers are noise; the
 * cohort's are the signal. Per cohort: n and p10/median/p90 of Rss, the Go
 * estimate and non-Go memory, and per role. Between two cohorts: per role,
 * the median Rss change against the median runtime-visible change, with a
 * bootstrap band (deterministic seed) so that a few noisy pods do not make a
 * finding; paired deltas where the same pod or host is in both cohorts;
 * outlier pods named with the reason. A fleet_result owns everything in it.
 */
#ifndef RSSGAP_FLEET_H
#define RSSGAP_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/attribute.h"
#include "core/db.h"
#include "core/diag.h"

struct fleet_opts {
	int64_t min_bytes;	/* as diff: 8 MiB */
	double min_percent;	/* as diff: 5 (% of the before cohort's median Rss) */
	int resamples;		/* bootstrap resamples (default 2000) */
	double band;		/* two-sided band, default 0.90 (5th..95th percentile) */
	uint64_t seed;		/* the bootstrap's PRNG seed (fixed: same input, same output) */
};

struct fleet_stat {
	int n;
	int64_t p10, median, p90;
};

/* One snapshot as the fleet sees it. */
struct fleet_point {
	int64_t id;
	int cohort;		/* index into cohorts */
	char *who;		/* pod, else host, else "pid N" */
	int64_t rss;
	int go_known;
	int64_t go_estimate, non_go;
	int64_t *role_rss;	/* per fleet role, 0 when absent */
	int64_t *credit_rss;	/* per fleet credit: the Rss of its roles */
	int64_t *credit_view;	/* what the runtime says the credit holds (0 when unknown) */
	unsigned char *credit_known;	/* 0: this snapshot lacks the runtime numbers */
};

struct fleet_cohort {
	char *value;
	int n;
	struct fleet_stat rss, go_estimate, non_go;
	struct fleet_stat *role_rss;	/* per fleet role */
};

struct fleet_finding {
	char *role;		/* the credit's role whose median Rss grew most */
	char *credit;		/* the credit ("anon+go-runtime"), as diff's */
	int runtime_known;	/* 0: a cohort has no runtime numbers: median_runtime_delta unknown */
	int known_before, known_after;	/* snapshots with the runtime numbers, per cohort */
	int64_t median_rss_delta, median_runtime_delta, unexplained;
	int64_t band_low, band_high;	/* bootstrap band of unexplained */
	char *summary;
};

struct fleet_outlier {
	int64_t id;
	char *why;
};

struct fleet_result {
	char *by;
	struct fleet_opts opts;
	char **roles;
	int nroles;
	char **credits;		/* analyze/credit.h: each role in exactly one */
	int ncredits;
	int *role_credit;	/* per role: its credit */
	int labelled;		/* every compared snapshot shows Go-named mappings */
	struct fleet_cohort *cohorts;	/* in version order of their values */
	int ncohorts;
	struct fleet_point *points;
	int npoints;
	int before, after;		/* cohort indexes compared, -1 when fewer than two */
	int64_t median_rss_delta, band_low, band_high;
	int paired;			/* pods or hosts present in both cohorts */
	int64_t paired_median_delta;	/* median Rss change over those pairs */
	struct fleet_finding *findings;	/* largest unexplained first */
	int nfindings;
	struct fleet_outlier *outliers;
	int noutliers;
	enum verdict verdict;
	char *headline;
	struct snapshot_info **infos;	/* while loading only */
};

/* Defaults: diff's thresholds, 2000 resamples, a 90% band, a fixed seed. */
void fleet_opts_default(struct fleet_opts *o);
/*
 * Group every snapshot that has key `by` (a label or a manifest key) and
 * compare cohort before with after (NULL: the first and last in version
 * order). NULL with d filled when there is nothing to compare.
 */
struct fleet_result *fleet_compute(struct db *db, const char *by, const char *before,
				   const char *after, const struct fleet_opts *o, struct diag *d);
/* Compare two explicit lists of snapshot ids as cohorts named name_b and name_a. */
struct fleet_result *fleet_compute_ids(struct db *db, const char *by, const int64_t *ids_b,
				       int nb, const char *name_b, const int64_t *ids_a, int na,
				       const char *name_a, const struct fleet_opts *o,
				       struct diag *d);
/* Free r (NULL is a no-op). */
void fleet_result_free(struct fleet_result *r);
/* Percentiles of v[0..n) by nearest rank on a sorted copy (n > 0). */
struct fleet_stat fleet_stat_of(const int64_t *v, int n);

#endif
