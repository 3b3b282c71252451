/*
 * The memory cgroup lines of show, diff and report: usage against the limit,
 * the distance to it, and what the kernel did at it (times the limit was
 * reached: v1 memory.failcnt, v2 memory.events max; processes the OOM killer
 * killed in the cgroup: oom_kill of memory.oom_control or memory.events).
 * The counters are the kernel's, cumulative since the cgroup was created.
 */
#ifndef RSSGAP_CGROUPOUT_H
#define RSSGAP_CGROUPOUT_H

#include "analyze/snapshot.h"
#include "core/buf.h"
#include "report/json.h"

/* 1 and the bytes left below the limit when usage and limit are known. */
int cgroup_to_limit(const struct snapshot_info *s, int64_t *left);
/* One snapshot in words ("cgroup usage 250 MiB of limit 256 MiB: 5.9 MiB (2.3%)
 * to the limit; ..."); short=1 for the chart's header. Nothing without usage. */
void cgroup_words(struct buf *out, const struct snapshot_info *s, int short_form);
/* Before and after in words ("cgroup limit 256 MiB: usage 40 MiB -> 250 MiB, ...");
 * nothing when the after side has no cgroup usage. */
void cgroup_diff_words(struct buf *out, const struct snapshot_info *before,
		       const struct snapshot_info *after, int short_form);
/* The "cgroup" member of show and diff JSON. */
void cgroup_json(struct json *j, const struct snapshot_info *s);

#endif
