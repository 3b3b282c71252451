/*
 * Where key/value parsers put what they read: status, smaps_rollup, cgroup
 * files, the manifest, the capture's errors, MemStats, expvar.
 * group names the source ("status", "memory.stat", "manifest", "memstats",
 * "expvar"); key is the field ("VmRSS", "anon", "captured_at");
 * value is bytes when the field is a size (kB already multiplied), or the
 * plain number; has_value is 0 for text-only fields ("Name", "max", labels)
 * whose text is in text (may be NULL when has_value). Strings are lent.
 */
#ifndef RSSGAP_KV_H
#define RSSGAP_KV_H

#include <stdint.h>

#include "core/diag.h"

struct kv_sink {
	int (*put)(void *ctx, const char *group, const char *key, int has_value,
		   int64_t value, const char *text, uint64_t line, struct diag *d);
	void *ctx;
};

#endif
