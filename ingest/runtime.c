#include "ingest/runtime.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

enum field {
	F_SYS, F_HEAP_SYS, F_HEAP_INUSE, F_HEAP_IDLE, F_HEAP_RELEASED, F_HEAP_ALLOC,
	F_STACK_INUSE, F_STACK_SYS, F_MSPAN_INUSE, F_MSPAN_SYS, F_MCACHE_INUSE, F_MCACHE_SYS,
	F_BUCK_HASH_SYS, F_GC_SYS, F_OTHER_SYS, F_NEXT_GC, F_NUM_GC, F_COUNT
};

static const char *const field_names[F_COUNT] = {
	"Sys", "HeapSys", "HeapInuse", "HeapIdle", "HeapReleased", "HeapAlloc",
	"StackInuse", "StackSys", "MSpanInuse", "MSpanSys", "MCacheInuse", "MCacheSys",
	"BuckHashSys", "GCSys", "OtherSys", "NextGC", "NumGC",
};

/* go_memstats_* (client_golang's Go collector) -> field. */
static const struct {
	const char *prom;
	enum field f;
} prom_direct[] = {
	{ "go_memstats_sys_bytes", F_SYS },
	{ "go_memstats_heap_sys_bytes", F_HEAP_SYS },
	{ "go_memstats_heap_inuse_bytes", F_HEAP_INUSE },
	{ "go_memstats_heap_idle_bytes", F_HEAP_IDLE },
	{ "go_memstats_heap_released_bytes", F_HEAP_RELEASED },
	{ "go_memstats_heap_alloc_bytes", F_HEAP_ALLOC },
	{ "go_memstats_stack_inuse_bytes", F_STACK_INUSE },
	{ "go_memstats_stack_sys_bytes", F_STACK_SYS },
	{ "go_memstats_mspan_inuse_bytes", F_MSPAN_INUSE },
	{ "go_memstats_mspan_sys_bytes", F_MSPAN_SYS },
	{ "go_memstats_mcache_inuse_bytes", F_MCACHE_INUSE },
	{ "go_memstats_mcache_sys_bytes", F_MCACHE_SYS },
	{ "go_memstats_buck_hash_sys_bytes", F_BUCK_HASH_SYS },
	{ "go_memstats_gc_sys_bytes", F_GC_SYS },
	{ "go_memstats_other_sys_bytes", F_OTHER_SYS },
	{ "go_memstats_next_gc_bytes", F_NEXT_GC },
	{ "go_gc_duration_seconds_count", F_NUM_GC },
};

/* runtime/metrics series kept to derive fields the go_memstats_ ones lack. */
enum cls {
	C_TOTAL, C_HEAP_OBJECTS, C_HEAP_UNUSED, C_HEAP_FREE, C_HEAP_RELEASED, C_HEAP_STACKS,
	C_OS_STACKS, C_MSPAN_INUSE, C_MSPAN_FREE, C_MCACHE_INUSE, C_MCACHE_FREE,
	C_META_OTHER, C_PROFILING, C_OTHER, C_HEAP_GOAL, C_GC_CYCLES, C_COUNT
};

static const char *const cls_prom[C_COUNT] = {
	"go_memory_classes_total_bytes",
	"go_memory_classes_heap_objects_bytes",
	"go_memory_classes_heap_unused_bytes",
	"go_memory_classes_heap_free_bytes",
	"go_memory_classes_heap_released_bytes",
	"go_memory_classes_heap_stacks_bytes",
	"go_memory_classes_os_stacks_bytes",
	"go_memory_classes_metadata_mspan_inuse_bytes",
	"go_memory_classes_metadata_mspan_free_bytes",
	"go_memory_classes_metadata_mcache_inuse_bytes",
	"go_memory_classes_metadata_mcache_free_bytes",
	"go_memory_classes_metadata_other_bytes",
	"go_memory_classes_profiling_buckets_bytes",
	"go_memory_classes_other_bytes",
	"go_gc_heap_goal_bytes",
	"go_gc_cycles_total_gc_cycles_total",
};

/* Each field as a sum of classes (up to four; C_COUNT ends the list). */
static const enum cls derive[F_COUNT][4] = {
	[F_SYS] = { C_TOTAL, C_COUNT, C_COUNT, C_COUNT },
	[F_HEAP_SYS] = { C_HEAP_OBJECTS, C_HEAP_UNUSED, C_HEAP_FREE, C_HEAP_RELEASED },
	[F_HEAP_INUSE] = { C_HEAP_OBJECTS, C_HEAP_UNUSED, C_COUNT, C_COUNT },
	[F_HEAP_IDLE] = { C_HEAP_FREE, C_HEAP_RELEASED, C_COUNT, C_COUNT },
	[F_HEAP_RELEASED] = { C_HEAP_RELEASED, C_COUNT, C_COUNT, C_COUNT },
	[F_HEAP_ALLOC] = { C_HEAP_OBJECTS, C_COUNT, C_COUNT, C_COUNT },
	[F_STACK_INUSE] = { C_HEAP_STACKS, C_COUNT, C_COUNT, C_COUNT },
	[F_STACK_SYS] = { C_HEAP_STACKS, C_OS_STACKS, C_COUNT, C_COUNT },
	[F_MSPAN_INUSE] = { C_MSPAN_INUSE, C_COUNT, C_COUNT, C_COUNT },
	[F_MSPAN_SYS] = { C_MSPAN_INUSE, C_MSPAN_FREE, C_COUNT, C_COUNT },
	[F_MCACHE_INUSE] = { C_MCACHE_INUSE, C_COUNT, C_COUNT, C_COUNT },
	[F_MCACHE_SYS] = { C_MCACHE_INUSE, C_MCACHE_FREE, C_COUNT, C_COUNT },
	[F_BUCK_HASH_SYS] = { C_PROFILING, C_COUNT, C_COUNT, C_COUNT },
	[F_GC_SYS] = { C_META_OTHER, C_COUNT, C_COUNT, C_COUNT },
	[F_OTHER_SYS] = { C_OTHER, C_COUNT, C_COUNT, C_COUNT },
	[F_NEXT_GC] = { C_HEAP_GOAL, C_COUNT, C_COUNT, C_COUNT },
	[F_NUM_GC] = { C_GC_CYCLES, C_COUNT, C_COUNT, C_COUNT },
};

#define NCLASSES 8

struct runtime_set {
	double raw[RUNTIME_SOURCES][F_COUNT];
	unsigned char have[RUNTIME_SOURCES][F_COUNT];
	double cls[C_COUNT];
	unsigned char have_cls[C_COUNT];
	struct runtime_value values[F_COUNT];
	struct runtime_disagreement dis[F_COUNT * (RUNTIME_SOURCES - 1)];
	size_t ndis;
	struct runtime_class classes[NCLASSES];
	int have_classes;
	enum runtime_source classes_source;
};

struct runtime_set *
runtime_set_new(void)
{
	return xcalloc(1, sizeof(struct runtime_set));
}

void
runtime_set_free(struct runtime_set *rs)
{
	free(rs);
}

const char *
runtime_source_name(enum runtime_source source)
{
	switch (source) {
	case RUNTIME_HEAPTXT:
		return "heap.txt";
	case RUNTIME_VARS:
		return "vars.json";
	case RUNTIME_PROM:
		return "metrics.prom";
	default:
		return "?";
	}
}

static int
field_index(const char *name)
{
	int i;

	for (i = 0; i < F_COUNT; i++)
		if (strcmp(field_names[i], name) == 0)
			return i;
	return -1;
}

int
runtime_set_add(struct runtime_set *rs, enum runtime_source source, const char *name,
		double value)
{
	int f = field_index(name);

	if (f < 0 || (unsigned)source >= RUNTIME_SOURCES || !isfinite(value))
		return 0;
	rs->raw[source][f] = value;
	rs->have[source][f] = 1;
	return 1;
}

int
runtime_set_add_prom(struct runtime_set *rs, const char *name, const char *labels,
		     double value)
{
	size_t i;

	if (labels != NULL && labels[0] != '\0')
		return 0;	/* quantiles, buckets: not MemStats */
	if (!isfinite(value))
		return 0;
	for (i = 0; i < sizeof(prom_direct) / sizeof(prom_direct[0]); i++)
		if (strcmp(prom_direct[i].prom, name) == 0) {
			rs->raw[RUNTIME_PROM][prom_direct[i].f] = value;
			rs->have[RUNTIME_PROM][prom_direct[i].f] = 1;
			return 1;
		}
	for (i = 0; i < C_COUNT; i++)
		if (strcmp(cls_prom[i], name) == 0) {
			rs->cls[i] = value;
			rs->have_cls[i] = 1;
			return 1;
		}
	return 0;
}

static int
sink_put(void *ctx, const char *group, const char *key, int has_value, int64_t value,
	 const char *text, uint64_t line, struct diag *d)
{
	struct runtime_set *rs = ctx;

	(void)text;
	(void)line;
	(void)d;
	if (!has_value)
		return 0;
	if (strcmp(group, "memstats") == 0)
		runtime_set_add(rs, RUNTIME_HEAPTXT, key, (double)value);
	else if (strcmp(group, "expvar") == 0)
		runtime_set_add(rs, RUNTIME_VARS, key, (double)value);
	return 0;
}

struct kv_sink
runtime_set_sink(struct runtime_set *rs)
{
	struct kv_sink s = { sink_put, rs };

	return s;
}

int
runtime_set_prom_fn(void *rs, const char *name, const char *labels, double value,
		    uint64_t line, struct diag *d)
{
	(void)line;
	(void)d;
	runtime_set_add_prom(rs, name, labels, value);
	return 0;
}

/* Fill metrics.prom's missing fields from the runtime/metrics classes. */
static void
derive_prom(struct runtime_set *rs)
{
	int f, k;

	for (f = 0; f < F_COUNT; f++) {
		double sum = 0;
		int ok = 1;

		if (rs->have[RUNTIME_PROM][f])
			continue;
		for (k = 0; k < 4 && derive[f][k] != C_COUNT; k++) {
			if (!rs->have_cls[derive[f][k]])
				ok = 0;
			else
				sum += rs->cls[derive[f][k]];
		}
		if (ok) {
			rs->raw[RUNTIME_PROM][f] = sum;
			rs->have[RUNTIME_PROM][f] = 1;
		}
	}
}

static int
disagree(enum field f, double a, double b)
{
	double diff = fabs(a - b), big = fmax(fabs(a), fabs(b));
	double floor_abs = f == F_NUM_GC ? 1 : 1024.0 * 1024.0;

	return diff > 0.01 * big && diff > floor_abs;
}

static const enum field class_needs[] = {
	F_SYS, F_HEAP_ALLOC, F_HEAP_INUSE, F_HEAP_IDLE, F_HEAP_RELEASED, F_STACK_SYS,
	F_MSPAN_SYS, F_MCACHE_SYS, F_GC_SYS, F_BUCK_HASH_SYS, F_OTHER_SYS,
};

static void
make_classes(struct runtime_set *rs)
{
	static const char *const names[NCLASSES] = {
		"heap_objects", "heap_unused", "heap_free", "heap_released", "stacks",
		"metadata", "profiling_buckets", "other",
	};
	int s, i;

	rs->have_classes = 0;
	for (s = 0; s < RUNTIME_SOURCES; s++) {
		const double *v = rs->raw[s];
		int complete = 1;

		for (i = 0; i < (int)(sizeof(class_needs) / sizeof(class_needs[0])); i++)
			if (!rs->have[s][class_needs[i]])
				complete = 0;
		if (!complete)
			continue;
		for (i = 0; i < NCLASSES; i++)
			rs->classes[i].name = names[i];
		rs->classes[0].bytes = v[F_HEAP_ALLOC];
		rs->classes[1].bytes = v[F_HEAP_INUSE] - v[F_HEAP_ALLOC];
		rs->classes[2].bytes = v[F_HEAP_IDLE] - v[F_HEAP_RELEASED];
		rs->classes[3].bytes = v[F_HEAP_RELEASED];
		rs->classes[4].bytes = v[F_STACK_SYS];
		rs->classes[5].bytes = v[F_MSPAN_SYS] + v[F_MCACHE_SYS] + v[F_GC_SYS];
		rs->classes[6].bytes = v[F_BUCK_HASH_SYS];
		rs->classes[7].bytes = v[F_OTHER_SYS];
		rs->have_classes = 1;
		rs->classes_source = (enum runtime_source)s;
		return;
	}
}

void
runtime_set_normalise(struct runtime_set *rs)
{
	int f, s;

	derive_prom(rs);
	rs->ndis = 0;
	for (f = 0; f < F_COUNT; f++) {
		struct runtime_value *v = &rs->values[f];

		memset(v, 0, sizeof(*v));
		v->name = field_names[f];
		for (s = 0; s < RUNTIME_SOURCES; s++) {
			if (!rs->have[s][f])
				continue;
			if (!v->present) {
				v->present = 1;
				v->value = rs->raw[s][f];
				v->source = (enum runtime_source)s;
			} else if (disagree((enum field)f, v->value, rs->raw[s][f])) {
				struct runtime_disagreement *dd = &rs->dis[rs->ndis++];

				dd->name = field_names[f];
				dd->value = v->value;
				dd->source = v->source;
				dd->other = rs->raw[s][f];
				dd->other_source = (enum runtime_source)s;
			}
		}
	}
	make_classes(rs);
}

const struct runtime_value *
runtime_set_values(const struct runtime_set *rs, size_t *n)
{
	*n = F_COUNT;
	return rs->values;
}

const struct runtime_value *
runtime_set_get(const struct runtime_set *rs, const char *name)
{
	int f = field_index(name);

	if (f < 0 || !rs->values[f].present)
		return NULL;
	return &rs->values[f];
}

const struct runtime_disagreement *
runtime_set_disagreements(const struct runtime_set *rs, size_t *n)
{
	*n = rs->ndis;
	return rs->ndis ? rs->dis : NULL;
}

int
runtime_set_go_estimate(const struct runtime_set *rs, double *bytes)
{
	int s;

	/* Both from one source: they are read at one moment there. */
	for (s = 0; s < RUNTIME_SOURCES; s++)
		if (rs->have[s][F_SYS] && rs->have[s][F_HEAP_RELEASED]) {
			*bytes = rs->raw[s][F_SYS] - rs->raw[s][F_HEAP_RELEASED];
			return 0;
		}
	return -1;
}

const struct runtime_class *
runtime_set_classes(const struct runtime_set *rs, size_t *n, enum runtime_source *source)
{
	if (!rs->have_classes) {
		*n = 0;
		return NULL;
	}
	*n = NCLASSES;
	if (source != NULL)
		*source = rs->classes_source;
	return rs->classes;
}
