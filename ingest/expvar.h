/*
 * runtime/vars.json (expvar's /debug/vars): the numeric fields of its
 * "memstats" object go to the sink as group "expvar" under MemStats's own
 * names (Sys, HeapInuse, ...). Arrays (PauseNs, PauseEnd, BySize) and
 * nested objects are skipped; GCCPUFraction (a float) and the booleans
 * (EnableGC, DebugGC) are text. Other top-level vars are ignored: of them,
 * and of memstats' arrays, only the balance of brackets and strings is
 * checked; memstats' own text goes through jansson. The nesting is checked
 * against limits.json_depth first. Errors: DIAG_LIMIT, or DIAG_FORMAT with
 * the byte offset in the document (and its line and column in the
 * message), DIAG_MISSING when the top-level object or array has no
 * "memstats" object.
 */
#ifndef RSSGAP_EXPVAR_H
#define RSSGAP_EXPVAR_H

#include <stddef.h>

#include "core/diag.h"
#include "core/limits.h"
#include "ingest/kv.h"

/* Parse vars.json's memstats into sink; 0, or -1 with d filled. */
int expvar_parse(const char *buf, size_t len, const struct limits *lim,
		 const struct kv_sink *sink, struct diag *d);

#endif
