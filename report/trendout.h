/* A series of one process (analyze/trend.h) as text and as the rssgap-trend/1 JSON contract. */
#ifndef RSSGAP_TRENDOUT_H
#define RSSGAP_TRENDOUT_H

#include "analyze/trend.h"
#include "core/buf.h"

/* The text for a terminal; top roles by |change along the line| (0: all). */
void trendout_text(struct buf *out, const struct trend_result *r, int top);
/* The rssgap-trend/1 object (docs/json.md); every role. */
void trendout_json(struct buf *out, const struct trend_result *r);
/*
 * The reading's sentence: what the numbers behind the word are (no
 * newline); for_chart: numbers as the chart draws them (report/scale.h).
 */
void trendout_says(struct buf *out, const struct trend_result *r, int for_chart);
/* "vm pid 123 (comm), start_time 4567" of the process, escaped for a terminal. */
void trendout_who(struct buf *out, const struct trend_result *r);

#endif
