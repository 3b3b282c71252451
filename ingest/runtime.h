/*
 * One normalised set of Go runtime numbers per snapshot, from whichever of
 * runtime/heap.txt (MemStats block), runtime/vars.json (expvar memstats)
 * and runtime/metrics.prom are present.
 *
 * Fields use MemStats's names. Prometheus series map onto them:
 *   go_memstats_sys_bytes -> Sys, go_memstats_heap_{sys,inuse,idle,released,alloc}_bytes
 *   -> Heap*, go_memstats_{stack,mspan,mcache}_{inuse,sys}_bytes -> Stack*, MSpan*,
 *   MCache*, go_memstats_{buck_hash,gc,other}_sys_bytes -> BuckHashSys, GCSys,
 *   OtherSys, go_memstats_next_gc_bytes -> NextGC, go_gc_duration_seconds_count
 *   -> NumGC;
 * and, when a go_memstats_ series is absent, the runtime/metrics classes
 * (go_memory_classes_*_bytes, the runtime's own definitions in
 * runtime/mstats.go and runtime/metrics.go):
 *   Sys          = total
 *   HeapAlloc    = heap_objects
 *   HeapInuse    = heap_objects + heap_unused
 *   HeapIdle     = heap_free + heap_released
 *   HeapReleased = heap_released
 *   HeapSys      = heap_objects + heap_unused + heap_free + heap_released
 *   StackInuse   = heap_stacks
 *   StackSys     = heap_stacks + os_stacks
 *   MSpanInuse   = metadata_mspan_inuse,  MSpanSys  = + metadata_mspan_free
 *   MCacheInuse  = metadata_mcache_inuse, MCacheSys = + metadata_mcache_free
 *   GCSys        = metadata_other
 *   BuckHashSys  = profiling_buckets
 *   OtherSys     = other
 *   NextGC       = go_gc_heap_goal_bytes, NumGC = go_gc_cycles_total_gc_cycles_total
 *
 * runtime_set_normalise picks each field from the first source that has
 * it, in the order heap.txt > vars.json > metrics.prom (heap.txt is taken
 * with the heap profile), and lists disagreements: another source's value
 * differs from the chosen one by more than both 1% and 1 MiB (for NumGC:
 * 1% and 1), since the three are read moments apart and small drift is
 * normal. Classes (what Sys is made of) come from the first source that
 * has every field they need, so they always sum to that source's Sys.
 *
 * Results are lent until runtime_set_free or the next add/normalise.
 */
#ifndef RSSGAP_RUNTIME_H
#define RSSGAP_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "ingest/kv.h"

/* In priority order. */
enum runtime_source {
	RUNTIME_HEAPTXT = 0,	/* runtime/heap.txt */
	RUNTIME_VARS,		/* runtime/vars.json */
	RUNTIME_PROM,		/* runtime/metrics.prom */
	RUNTIME_SOURCES
};

struct runtime_value {
	const char *name;	/* "Sys", "HeapInuse", ... */
	int present;
	double value;
	enum runtime_source source;
};

struct runtime_disagreement {
	const char *name;
	double value;		/* the chosen one */
	enum runtime_source source;
	double other;
	enum runtime_source other_source;
};

/* Go memory classes; they sum to Sys. */
struct runtime_class {
	const char *name;	/* "heap_objects", "heap_unused", "heap_free", "heap_released",
				   "stacks", "metadata", "profiling_buckets", "other" */
	double bytes;
};

struct runtime_set;

/* A new empty set. */
struct runtime_set *runtime_set_new(void);
/* Free rs (NULL is a no-op). */
void runtime_set_free(struct runtime_set *rs);
/* Record a MemStats field from a source; 1 if kept, 0 if not a tracked name. */
int runtime_set_add(struct runtime_set *rs, enum runtime_source source, const char *name,
		    double value);
/* Record a Prometheus series (metrics.prom); 1 if kept, 0 if not used. */
int runtime_set_add_prom(struct runtime_set *rs, const char *name, const char *labels,
			 double value);
/* A kv_sink that files group "memstats" under heap.txt and "expvar" under vars.json. */
struct kv_sink runtime_set_sink(struct runtime_set *rs);
/* A prom_fn (ingest/prom.h) for prom_parse with ctx = rs. */
int runtime_set_prom_fn(void *rs, const char *name, const char *labels, double value,
			uint64_t line, struct diag *d);
/* Choose a value per field, find disagreements, derive the estimate and classes. */
void runtime_set_normalise(struct runtime_set *rs);
/* The normalised fields (fixed order, absent ones with present == 0). */
const struct runtime_value *runtime_set_values(const struct runtime_set *rs, size_t *n);
/* One normalised field by name, or NULL if absent or not tracked. */
const struct runtime_value *runtime_set_get(const struct runtime_set *rs, const char *name);
/* Disagreements between sources, in field order. */
const struct runtime_disagreement *runtime_set_disagreements(const struct runtime_set *rs,
							     size_t *n);
/* go_estimate = Sys - HeapReleased of the first source with both; 0, or -1 when unknown. */
int runtime_set_go_estimate(const struct runtime_set *rs, double *bytes);
/* The memory classes and their source; NULL (*n = 0) when no source is complete. */
const struct runtime_class *runtime_set_classes(const struct runtime_set *rs, size_t *n,
						enum runtime_source *source);
/* "heap.txt", "vars.json" or "metrics.prom". */
const char *runtime_source_name(enum runtime_source source);

#endif
