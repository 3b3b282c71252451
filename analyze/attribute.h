/*
 * Attribution of the Rss change between two snapshots (docs/attribution.md).
 * Each runtime memory class is credited to the roles whose mappings hold its
 * pages (analyze/credit.h): a credit is one role or a set of roles credited
 * together where the split between them cannot be known. Per credit:
 * rss_delta (smaps), runtime_delta (the change of the classes credited to
 * it) and unexplained = rss_delta - runtime_delta. Roles outside every
 * credit hold none of the runtime's memory: runtime_delta 0. A side without
 * runtime numbers makes runtime_delta unknown (runtime_known 0), and then
 * all of rss_delta is unexplained: nothing explains it.
 * A finding is a credit whose unexplained growth passes both thresholds
 * (min_bytes and min_percent of the before Rss), with the aligned regions
 * that carry it, evidence and a reading in plain words. A diff_result owns
 * everything it points to.
 */
#ifndef RSSGAP_ATTRIBUTE_H
#define RSSGAP_ATTRIBUTE_H

#include <stdint.h>

#include "analyze/snapshot.h"
#include "core/db.h"
#include "core/diag.h"

struct site_diff;		/* analyze/sites.h */

enum verdict {
	VERDICT_NO_GROWTH,
	VERDICT_EXPLAINED,
	VERDICT_UNEXPLAINED,
};

/* Evidence flags of a finding. */
#define EV_RESIDENT_FRACTION 0x01	/* Rss/Size rose: pages became resident */
#define EV_LAZYFREE 0x02		/* LazyFree holds part of the Rss */
#define EV_THP 0x04			/* AnonHugePages changed */
#define EV_SWAP 0x08			/* Swap changed */
#define EV_APPEARED 0x10		/* the region exists only after */
#define EV_SIZE_GREW 0x20		/* the mapping itself grew */

struct diff_opts {
	int64_t min_bytes;	/* default 8 MiB */
	double min_percent;	/* default 5 (% of the before Rss) */
	int max_regions;	/* regions kept per finding and in top_regions (default 10) */
	int max_sites;		/* allocation sites a report names per list (default 5) */
};

/* One role, or one credit (then role is its roles joined by '+'). */
struct role_delta {
	char *role;
	int64_t size_before, size_after;
	int64_t rss_before, rss_after;
	int64_t anonymous_before, anonymous_after;
	int64_t lazyfree_before, lazyfree_after;
	int64_t anon_huge_before, anon_huge_after;
	int64_t swap_before, swap_after;
	int64_t dirty_before, dirty_after;	/* Private_Dirty + Shared_Dirty */
	int64_t rss_delta, runtime_delta, unexplained;
	int runtime_known;	/* 0 when a side lacks the runtime numbers: runtime_delta is unknown */
	int credit;		/* roles[]: its credit, an index into credits[] */
	int shared;		/* roles[]: its credit has other roles too, so runtime_delta and
				 * unexplained are the credit's only (the split cannot be known) */
	int nmembers;		/* credits[]: how many roles */
	unsigned classes;	/* credits[]: 1 << enum credit_class, 0 for a role the runtime
				 * holds nothing in */
	const char *why;	/* credits[]: why its roles are credited together (static), or NULL */
};

/* One aligned region, both sides (a side that does not exist has range "" and zeros). */
struct region_delta {
	char before[40], after[40];	/* "c000000000-c006800000" */
	char *role;
	char *path;			/* after's path, else before's ("" anonymous) */
	const char *how;		/* static: "file identity", "only after", ... */
	int64_t size_before, size_after, rss_before, rss_after, pss_before, pss_after;
	int64_t anonymous_before, anonymous_after, lazyfree_before, lazyfree_after;
	int64_t anon_huge_before, anon_huge_after, swap_before, swap_after;
	int64_t dirty_before, dirty_after;	/* Private_Dirty + Shared_Dirty */
	int vmas_before, vmas_after;
};

struct finding {
	char *role;
	int64_t rss_delta, runtime_delta, unexplained;
	unsigned evidence;		/* EV_* */
	char *summary;			/* one line of plain English */
	struct region_delta *regions;	/* largest Rss growth first */
	int nregions;
	char *credit;			/* the credit it was found in ("anon+go-runtime"); role
					 * is its role with the largest Rss growth */
	int runtime_known;		/* 0: runtime_delta is unknown */
};

/* Change of one Go memory class (analyze/snapshot.h). */
struct class_delta {
	int known;
	int64_t before[GO_CLASS_COUNT], after[GO_CLASS_COUNT];
};

struct diff_result {
	struct snapshot_info *before, *after;
	struct diff_opts opts;
	struct role_delta *roles;	/* every role of either side, largest |rss_delta| first */
	int nroles;
	struct role_delta *credits;	/* every role in exactly one, largest |rss_delta| first */
	int ncredits;
	int labelled;			/* both sides show mappings the Go runtime named */
	struct finding *findings;	/* largest unexplained first */
	int nfindings;
	struct region_delta *top_regions; /* largest |Rss change| first, all roles */
	int ntop;
	struct class_delta classes;
	int64_t rss_delta, runtime_delta, unexplained;	/* whole process */
	int runtime_known;		/* both sides have the runtime's numbers */
	enum verdict verdict;
	char *headline;			/* what happened in one short line (without the verdict) */
	char *cgroup_note;		/* reconciliation of memory.current, or NULL */
	int64_t pairs, only_before, only_after;	/* alignment counts */
	struct site_diff *sites;	/* the heap profiles' allocation sites (analyze/sites.h) */
};

/* Default thresholds. */
void diff_opts_default(struct diff_opts *o);
/* Compare snapshot before with after; NULL with d filled. */
struct diff_result *diff_compute(struct db *db, int64_t before, int64_t after,
				 const struct diff_opts *o, struct diag *d);
/* Free r (NULL is a no-op). */
void diff_result_free(struct diff_result *r);
/* "unexplained-growth", "explained-growth", "no-growth". */
const char *verdict_name(enum verdict v);
/* Names of the evidence flags set in ev, in a fixed order; returns how many. */
int evidence_names(unsigned ev, const char **names, int max);

#endif
