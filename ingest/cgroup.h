/*
 * The memory cgroup files a capture holds under cgroup/ (v1 and v2), as
 * key/value pairs handed to a kv_sink (ingest/kv.h). The group is the
 * file's base name ("memory.stat"); keys are never positions.
 *
 * - single value (memory.current, memory.max, memory.usage_in_bytes, ...):
 *   key "", the number; "max" is has_value=0 with text "max" (unlimited).
 * - flat keyed, "KEY VALUE" a line (memory.stat, memory.events, oom_control,
 *   memory.swap.events, ...): key KEY.
 * - nested keyed, "KEY SUB=VAL ..." (memory.pressure, memory.numa_stat):
 *   key "KEY.SUB"; v1 numa_stat's "total=N N0=M" gives "total" and
 *   "total.N0". memory.pressure's avg10/avg60/avg300 are percentages with
 *   two decimals and are kept as text ("0.00", "some.avg10"); its total
 *   (microseconds stalled) is an integer ("some.total").
 * - memory.kmem.slabinfo: the "slabinfo - version" line and "#" comments
 *   are skipped; each cache gives key NAME with its active_objs.
 * - "version" (the bundle's cgroup/version): key "", 1 or 2, else an error.
 * Values are signed 64-bit decimals (v1 prints -1 for some limits); digits
 * past 64 bits are an error, any other value is kept as text. An empty file puts nothing. The
 * last line may lack its '\n'.
 */
#ifndef RSSGAP_CGROUP_H
#define RSSGAP_CGROUP_H

#include <stddef.h>

#include "core/diag.h"
#include "core/limits.h"
#include "ingest/kv.h"

/* Parse one cgroup file named file (its base name); 0 ok, -1 with d filled. */
int cgroup_parse(const char *file, const char *buf, size_t len, const struct limits *lim,
		 struct kv_sink *sink, struct diag *d);

#endif
