/*
 * The snapshots of a store (rssgap list) as text, one line each under a
 * header, as a JSON array of objects (docs/json.md) or as CSV, written a
 * row at a time: listout_begin, listout_row per snapshot, listout_end.
 */
#ifndef RSSGAP_LISTOUT_H
#define RSSGAP_LISTOUT_H

#include "analyze/snapshot.h"
#include "core/buf.h"
#include "report/json.h"

enum listout_format {
	LISTOUT_TEXT,
	LISTOUT_JSON,
	LISTOUT_CSV,		/* RFC 4180, CRLF, a header row; unknown is an empty field */
};

struct listout {
	struct buf *out;	/* lent */
	enum listout_format format;
	struct json j;
};

/* Start the list into out: the header line, or the opening of the array. */
void listout_begin(struct listout *l, struct buf *out, enum listout_format format);
/* One snapshot: id, capture time, pod or host, pid, Rss, the runtime's estimate, labels. */
void listout_row(struct listout *l, const struct snapshot_info *s);
/* End the list (the JSON array's close and a final newline). */
void listout_end(struct listout *l);

#endif
