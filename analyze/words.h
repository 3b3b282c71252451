/*
 * Readings in plain words (docs/attribution.md "Readings"): what a finding
 * means, for whoever is on call, in one line. Returned strings belong to the
 * caller; const char * ones are static.
 */
#ifndef RSSGAP_WORDS_H
#define RSSGAP_WORDS_H

#include "analyze/attribute.h"

/* What a role is, in words ("Go heap", "C malloc heap ([heap])"); the role itself if unknown. */
const char *words_role(const char *role);
/*
 * One finding's summary: the region that grew most (top, or NULL), its Rss
 * and Size before and after, what the runtime saw of credit c and why, in
 * words. role is c's role that grew; ev the finding's evidence.
 */
char *words_finding(const struct diff_result *r, const struct role_delta *c, const char *role,
		    const struct region_delta *top, unsigned ev);
/* Which side lacks runtime numbers: "before", "after", "either" or NULL when both have them. */
const char *words_missing_side(const struct snapshot_info *before,
			       const struct snapshot_info *after);

/*
 * What a negative non-Go (Rss - runtime-visible) means, in two sentences, or
 * NULL when non_go >= 0 (then it is memory outside what the runtime counts).
 */
const char *words_negative_non_go(int64_t non_go);
/* What a positive one means, in one sentence. */
const char *words_positive_non_go(void);

#endif
