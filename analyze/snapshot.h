/*
 * One snapshot's headline numbers, read back from the store: the three
 * layers (runtime-visible, virtual, resident), per-role sums, cgroup usage.
 * Every analysis and report starts from this record. A snapshot_info owns
 * everything it points to; snapshot_info_free releases it.
 */
#ifndef RSSGAP_SNAPSHOT_H
#define RSSGAP_SNAPSHOT_H

#include <stdint.h>

#include "core/db.h"
#include "core/diag.h"

/* A number that may be unknown (a member was missing or unreadable). */
struct opt_i64 {
	int known;
	int64_t v;
	const char *source;	/* static or owned by the info: "heap.txt", "vars.json", ... */
};

struct role_info {
	char *role;
	int64_t vmas, size, rss, pss, anonymous, lazyfree, anon_huge_pages, swap, private_dirty;
};

/* Normalised Go runtime numbers (MemStats names). */
enum rt_field {
	RT_SYS,
	RT_HEAP_SYS,
	RT_HEAP_INUSE,
	RT_HEAP_IDLE,
	RT_HEAP_RELEASED,
	RT_HEAP_ALLOC,
	RT_STACK_INUSE,
	RT_STACK_SYS,
	RT_MSPAN_INUSE,
	RT_MSPAN_SYS,
	RT_MCACHE_INUSE,
	RT_MCACHE_SYS,
	RT_BUCK_HASH_SYS,
	RT_GC_SYS,
	RT_OTHER_SYS,
	RT_NEXT_GC,
	RT_NUM_GC,
	RT_NFIELDS
};

struct snapshot_info {
	int64_t id;
	char *bundle, *dir, *captured_at, *host, *pod, *comm, *vma_source;
	int64_t pid;
	char **label_keys, **label_values;	/* "version" -> "go1.24" (without "label.") */
	int nlabels;
	int rss_known;
	int64_t rss, pss, size, anonymous, lazyfree, anon_huge_pages, swap, vma_count;
	struct opt_i64 rt[RT_NFIELDS];
	struct opt_i64 go_estimate;	/* Sys - HeapReleased */
	struct opt_i64 pprof_inuse;	/* sum of inuse_space */
	struct opt_i64 cgroup_usage;	/* memory.current or memory.usage_in_bytes */
	struct opt_i64 cgroup_limit;	/* memory.max or memory.limit_in_bytes; unknown when unlimited */
	struct opt_i64 cgroup_file;	/* page cache charged: memory.stat file / cache */
	struct opt_i64 cgroup_kernel;	/* kernel memory: memory.stat kernel (v2) */
	struct opt_i64 cgroup_peak;	/* memory.peak or memory.max_usage_in_bytes */
	struct opt_i64 cgroup_limit_hits;	/* v1 memory.failcnt, v2 memory.events max */
	struct opt_i64 cgroup_oom_kill;	/* oom_kill of memory.events (v2) or memory.oom_control (v1) */
	struct opt_i64 status_rss;	/* VmRSS */
	int64_t go_named;		/* VMAs the Go runtime named "[anon: Go: ...]" */
	char *runtime_missing;		/* why the capture got no runtime numbers ("runtime/heap.txt:
					 * connection refused"), or NULL */
	struct role_info *roles;	/* largest Rss first */
	int nroles;
};

/* The Go memory classes of runtime/metrics (/memory/classes/...): together they are Sys. */
enum go_class {
	GO_HEAP_OBJECTS,	/* HeapAlloc */
	GO_HEAP_UNUSED,		/* HeapInuse - HeapAlloc */
	GO_HEAP_FREE,		/* HeapIdle - HeapReleased */
	GO_HEAP_RELEASED,	/* HeapReleased: returned to the OS, not in go_estimate */
	GO_STACKS,		/* StackInuse: goroutine stacks */
	GO_OS_STACKS,		/* StackSys - StackInuse */
	GO_GC,			/* GCSys */
	GO_ALLOCATOR,		/* MSpanSys + MCacheSys */
	GO_OTHER,		/* OtherSys */
	GO_PROFILING,		/* BuckHashSys */
	GO_CLASS_COUNT
};

struct go_classes {
	int64_t bytes[GO_CLASS_COUNT];
};

/* Fill g from the snapshot's runtime numbers; 0 when they are not all known. */
int go_classes_from(const struct snapshot_info *info, struct go_classes *g);
/* Short name of a class ("heap_objects"). */
const char *go_class_name(enum go_class c);
/* What a person calls it ("heap objects (live and dead)"). */
const char *go_class_label(enum go_class c);

/* 1 when the snapshot has the runtime's headline numbers (Sys and HeapReleased). */
int snapshot_has_runtime(const struct snapshot_info *info);

/* Load snapshot id; NULL with d filled (not found is DIAG_USAGE). */
struct snapshot_info *snapshot_info_load(struct db *db, int64_t id, struct diag *d);
/*
 * snapshot_info_load without reading the VMAs: go_named is 0, for a caller
 * that counts it as it reads them (analyze/diffvmas.h).
 */
struct snapshot_info *snapshot_info_read(struct db *db, int64_t id, struct diag *d);
/* Record one runtime number by its MemStats name (others are ignored). */
void snapshot_set_runtime(struct snapshot_info *info, const char *source, const char *name,
			  int has_value, int64_t value);
/* Append a role's totals. */
void snapshot_add_role(struct snapshot_info *info, const struct db_role_totals *r);
/* Derive go_estimate (Sys - HeapReleased) once the runtime numbers are in. */
void snapshot_derive(struct snapshot_info *info);
/* Free info (NULL is a no-op). */
void snapshot_info_free(struct snapshot_info *info);
/* The role's record, or NULL when the snapshot has no VMA of that role. */
const struct role_info *snapshot_role(const struct snapshot_info *info, const char *role);
/* The label's value, or NULL. */
const char *snapshot_label(const struct snapshot_info *info, const char *key);
/* MemStats name of a runtime field ("HeapInuse"). */
const char *rt_field_name(enum rt_field f);

#endif
