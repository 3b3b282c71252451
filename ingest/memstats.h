/*
 * The `# runtime.MemStats` block at the end of runtime/heap.txt
 * (/debug/pprof/heap?debug=1). Each `# Name = value` line goes to the sink
 * as group "memstats", key Name, the value in bytes or as a plain count:
 *   `# Stack = 360448 / 360448` -> StackInuse, StackSys (likewise MSpan,
 *   MCache -> MSpanInuse/MSpanSys, MCacheInuse/MCacheSys);
 *   PauseNs and PauseEnd (256-entry arrays) are skipped;
 *   GCCPUFraction (a float) and DebugGC (a bool) are text (has_value 0);
 *   fields a newer Go adds (MaxRSS ...) pass through by name.
 * Errors: DIAG_MISSING when there is no block, DIAG_FORMAT with the line for
 * a malformed one, DIAG_LIMIT for a line past limits.line_bytes.
 */
#ifndef RSSGAP_MEMSTATS_H
#define RSSGAP_MEMSTATS_H

#include <stddef.h>

#include "core/diag.h"
#include "core/limits.h"
#include "ingest/kv.h"

/* Parse heap.txt's MemStats block into sink; 0, or -1 with d filled. */
int memstats_parse(const char *buf, size_t len, const struct limits *lim,
		   const struct kv_sink *sink, struct diag *d);

#endif
