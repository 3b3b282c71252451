/*
 * The allocation sites of a diff (analyze/sites.h) as text, JSON and
 * Markdown: for a go-heap finding the sites whose inuse_space changed most
 * and the sites holding large objects (> 32 KiB each) before and after; for
 * explained go-heap growth the sites that grew. Each list is cut at the
 * diff's max_sites. Nothing is written when r->sites is NULL or its view
 * SITES_NONE (the JSON's member: when a side has no heap profile).
 * Frames come from the bundle and are escaped.
 */
#ifndef RSSGAP_SITESOUT_H
#define RSSGAP_SITESOUT_H

#include "analyze/attribute.h"
#include "analyze/sites.h"
#include "core/buf.h"
#include "report/json.h"

/* The text block (ends with an empty line), under the findings. */
void sitesout_text(struct buf *out, const struct diff_result *r);
/* The "allocation_sites" member of rssgap-diff/1, when both sides have a heap profile. */
void sitesout_json(struct json *j, const struct diff_result *r);
/* summary.md's "## Allocation sites" section. */
void sitesout_markdown(struct buf *out, const struct diff_result *r);
/* "the sites that changed most" or "the sites that grew" (static), NULL for no block. */
const char *sitesout_title(const struct diff_result *r);
/*
 * Indices into r->sites->sites of the first max sites of the view's
 * list (changed or grew), in order; returns how many.
 */
int sitesout_pick(const struct diff_result *r, int *idx, int max);
/*
 * One snapshot's sites (analyze/sites.h site_one_load) for rssgap show: the
 * first max by inuse_space with their objects and large objects; nothing
 * (text) or null (JSON "allocation_sites") without a heap profile.
 */
void sitesout_show_text(struct buf *out, const struct site_diff *s, int max);
void sitesout_show_json(struct json *j, const struct site_diff *s, int max);
/* The go-heap role's Rss change, 0 without one. */
int64_t sitesout_go_heap_delta(const struct diff_result *r);

#endif
