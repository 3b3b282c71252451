/* The diff as text (for a terminal) and as the rssgap-diff/1 JSON contract. */
#ifndef RSSGAP_DIFFOUT_H
#define RSSGAP_DIFFOUT_H

#include "analyze/attribute.h"
#include "core/buf.h"

/* Verdict first, then roles, findings with their regions, the three layers. */
void diffout_text(struct buf *out, const struct diff_result *r);
/* The rssgap-diff/1 object of docs/json.md, pretty-printed, with a final newline. */
void diffout_json(struct buf *out, const struct diff_result *r);
/* One layer row's numbers (for summary.md and charts): label, before, after. */
struct layer_row {
	const char *label;
	int known;
	int64_t before, after;
};
/* Fill rows with the three layers (and non-Go memory); returns the count. */
int diffout_layers(const struct diff_result *r, struct layer_row *rows, int max);

#endif
