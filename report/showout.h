/* One snapshot (rssgap show) as text for a terminal and as the rssgap-show/1 JSON contract. */
#ifndef RSSGAP_SHOWOUT_H
#define RSSGAP_SHOWOUT_H

#include "analyze/notes.h"
#include "analyze/rolemem.h"
#include "analyze/sites.h"
#include "analyze/snapshot.h"
#include "analyze/topvma.h"
#include "core/buf.h"

/*
 * The header, the three layers, the roles (with their PSS and USS, in the
 * order of roles), the Go memory classes, what the
 * runtime's classes are credited to, the top VMAs (top_asked: the --top
 * asked for, sort: the order they were picked in), the heap profile's top
 * allocation sites (sites, from site_one_load, as many as top_asked) and the
 * notes and capture errors.
 */
void showout_text(struct buf *out, const struct snapshot_info *s,
		  const struct rolemem_list *roles, const struct topvma_list *top, int top_asked,
		  enum topvma_sort sort, const struct site_diff *sites, const struct notes *n);
/* The rssgap-show/1 object of docs/json.md, pretty-printed, with a final newline. */
void showout_json(struct buf *out, const struct snapshot_info *s,
		  const struct rolemem_list *roles, const struct topvma_list *top,
		  enum topvma_sort sort, const struct site_diff *sites, int top_asked);
/*
 * The role table and the top VMAs as one CSV table (RFC 4180, CRLF, a
 * header row): kind ("role" or "vma"), role, range, perms, path, vmas,
 * size, rss, pss, uss, anonymous, lazyfree, swap; a role row leaves range,
 * perms and path empty; unknown is an empty field; text from the bundle
 * goes through escape_csv (a formula-like cell gets a leading ').
 */
void showout_csv(struct buf *out, const struct rolemem_list *roles, const struct topvma_list *top);

#endif
