/*
 * runtime/metrics.prom: the Prometheus text exposition format (0.0.4).
 * Every line is checked (HELP/TYPE comments, `name{label="v",...} value
 * [timestamp]`, label values with \\ \" \n escapes, NaN, +Inf, -Inf,
 * exponents); only the series rssgap uses reach the callback: go_memstats_*,
 * go_memory_classes_*, go_gc_*, process_resident_memory_bytes and
 * process_virtual_memory_bytes, at most limits.prom_series of them.
 * Errors: DIAG_FORMAT with the line, DIAG_LIMIT for a line longer than
 * limits.line_bytes or too many kept series.
 */
#ifndef RSSGAP_PROM_H
#define RSSGAP_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/limits.h"

/*
 * One kept series. labels is canonical: sorted by label name, `k="v"`
 * joined by ',', values re-escaped (\\ \" \n); "" when there are none.
 * Strings are lent for the call. Return 0, or -1 with d filled to stop.
 */
typedef int (*prom_fn)(void *ctx, const char *name, const char *labels, double value,
		       uint64_t line, struct diag *d);

/* Parse an exposition; calls fn for each kept series in order; 0 or -1. */
int prom_parse(const char *buf, size_t len, const struct limits *lim, prom_fn fn, void *ctx,
	       struct diag *d);
/* 1 if a series of this metric name is kept. */
int prom_wanted(const char *name, size_t n);

#endif
