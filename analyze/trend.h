/*
 * A series of snapshots of one process (rssgap trend): the snapshots in
 * capture order, Rss, the runtime's estimate (Sys - HeapReleased), heap in
 * use and the gap (Rss - estimate) of each, a robust slope of each
 * (per snapshot and per minute), the same per role, and a reading in words
 * (docs/trend.md defines each word). The model (trend_compute) takes plain
 * points, so tests need no store; trend_load reads them from the store.
 * A trend_result owns everything it points to; trend_result_free releases it.
 */
#ifndef RSSGAP_TREND_H
#define RSSGAP_TREND_H

#include <stdint.h>

#include "analyze/attribute.h"
#include "core/db.h"
#include "core/diag.h"

/* The reading of a series. */
enum trend_word {
	TREND_STEADY,			/* no net trend in Rss, no swing */
	TREND_GROWING_WITH_RUNTIME,	/* Rss grew and the gap did not */
	TREND_GROWING_BEYOND_RUNTIME,	/* the gap grew: what the runtime cannot see */
	TREND_GROWING,			/* Rss grew, runtime numbers missing */
	TREND_SHRINKING,		/* Rss fell */
	TREND_SAWTOOTH			/* up and down by more than noise, no net trend */
};

/* One snapshot of the series (the model's input). */
struct trend_point {
	int64_t id;
	const char *captured_at;	/* lent (the result holds its own copy) */
	int64_t t;			/* seconds since the epoch; 0 when unknown */
	int t_known;
	int64_t seq;			/* the seq label, 0 when none */
	int64_t rss;
	int rss_known;
	int est_known, heap_known;
	int64_t estimate;		/* Sys - HeapReleased */
	int64_t heap_inuse;		/* HeapInuse */
};

/* The line through one quantity of the series (trend_fit). */
struct trend_slope {
	int known;			/* every snapshot has the quantity */
	double per_snapshot;		/* bytes per snapshot (the line's slope over the place) */
	int per_minute_known;		/* the snapshots' times differ */
	double per_minute;		/* bytes per minute (the line's slope over time) */
	double fitted;			/* per_snapshot * (n - 1): the net change along the line */
	int64_t first, last, min, max;
	int64_t rise, fall;		/* largest step up and down between neighbours (fall >= 0) */
};

enum trend_series_kind { TREND_RSS, TREND_ESTIMATE, TREND_HEAP, TREND_GAP, TREND_NSERIES };

struct trend_role {
	char *role;
	int64_t *rss;			/* one per point (0 where the role had no VMA) */
	struct trend_slope s;
};

/* Who the series is of. */
struct trend_process {
	char *host, *pod, *comm, *start_time;	/* NULL when unknown */
	int64_t pid;
	int64_t *ids;			/* in capture order */
	int n;
};

struct trend_result {
	struct trend_process proc;
	struct diff_opts opts;
	int64_t threshold;		/* max(min_bytes, min_percent of the first Rss) */
	int n;
	struct trend_point *points;	/* in capture order; captured_at owned */
	struct trend_slope series[TREND_NSERIES];
	struct trend_role *roles;	/* largest |fitted| first */
	int nroles;
	enum trend_word word;
	int swings;			/* Rss or heap rose and fell by threshold (also when growing) */
	int seconds;			/* last t - first t, -1 unknown */
};

/*
 * The slope of the line through (x, y) (n points): the median of the slopes
 * between every two points of different x (Theil-Sen), so that one peak or
 * trough, even at an end, does not tilt it. 0, or -1 (slope 0) when every x
 * is the same.
 */
int trend_fit(const double *x, const double *y, int n, double *slope);
/* The slope, steps and ends of v (n values); per minute over t (seconds) when t_ok. */
void trend_slope_of(const int64_t *v, const int64_t *t, int t_ok, int n, struct trend_slope *s);
/*
 * The model: fill r's series slopes, threshold, word and swings from its n
 * points (already in capture order, at least 2) and opts.
 */
void trend_compute(struct trend_result *r);
/* Short name of a word ("growing-beyond-runtime"), as in JSON. */
const char *trend_word_name(enum trend_word w);
/* What it says in words ("growing beyond the runtime"). */
const char *trend_word_label(enum trend_word w);
/* Name of a series ("rss", "go_estimate", "heap_inuse", "gap"). */
const char *trend_series_name(enum trend_series_kind k);

/*
 * Group ids (any order) into processes: same pod or host, pid and start
 * time; each process's ids in capture order (captured_at, then the seq
 * label, then id). *out is an array of *nout processes, freed with
 * trend_processes_free. 0, or -1 with d filled.
 */
int trend_processes(struct db *db, const int64_t *ids, int n, struct trend_process **out,
		    int *nout, struct diag *d);
void trend_processes_free(struct trend_process *p, int n);
/* Most snapshots one trend follows (the slopes take every pair of them). */
#define TREND_MAX_POINTS 2048
/* The series of one process p (2 to TREND_MAX_POINTS snapshots); NULL with d filled. */
struct trend_result *trend_load(struct db *db, const struct trend_process *p,
				const struct diff_opts *o, struct diag *d);
void trend_result_free(struct trend_result *r);

#endif
