/* The fleet comparison as text, as the rssgap-fleet/1 JSON contract, and as summary.md. */
#ifndef RSSGAP_FLEETOUT_H
#define RSSGAP_FLEETOUT_H

#include "analyze/fleet.h"
#include "core/buf.h"

/* Verdict, cohorts table, findings, outliers. */
void fleetout_text(struct buf *out, const struct fleet_result *r);
/* The rssgap-fleet/1 object of docs/json.md with a final newline. */
void fleetout_json(struct buf *out, const struct fleet_result *r);
/* summary.md for a ticket, ending with the command that reproduces it. */
void fleetout_markdown(struct buf *out, const struct fleet_result *r, const char *command);

#endif
