#include "analyze/snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static const char *const rt_names[RT_NFIELDS] = {
	[RT_SYS] = "Sys",
	[RT_HEAP_SYS] = "HeapSys",
	[RT_HEAP_INUSE] = "HeapInuse",
	[RT_HEAP_IDLE] = "HeapIdle",
	[RT_HEAP_RELEASED] = "HeapReleased",
	[RT_HEAP_ALLOC] = "HeapAlloc",
	[RT_STACK_INUSE] = "StackInuse",
	[RT_STACK_SYS] = "StackSys",
	[RT_MSPAN_INUSE] = "MSpanInuse",
	[RT_MSPAN_SYS] = "MSpanSys",
	[RT_MCACHE_INUSE] = "MCacheInuse",
	[RT_MCACHE_SYS] = "MCacheSys",
	[RT_BUCK_HASH_SYS] = "BuckHashSys",
	[RT_GC_SYS] = "GCSys",
	[RT_OTHER_SYS] = "OtherSys",
	[RT_NEXT_GC] = "NextGC",
	[RT_NUM_GC] = "NumGC",
};

const char *
rt_field_name(enum rt_field f)
{
	return rt_names[f];
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* Sources are kept as static names so the record needs no string pool. */
static const char *
static_source(const char *s)
{
	static const char *const known[] = { "heap.txt", "vars.json", "metrics.prom", "heap.pb.gz" };
	size_t i;

	for (i = 0; s != NULL && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(s, known[i]) == 0)
			return known[i];
	return "runtime";
}

void
snapshot_set_runtime(struct snapshot_info *info, const char *source, const char *name,
		     int has_value, int64_t value)
{
	int f;

	for (f = 0; f < RT_NFIELDS; f++) {
		if (strcmp(name, rt_names[f]) == 0) {
			info->rt[f].known = has_value;
			info->rt[f].v = value;
			info->rt[f].source = static_source(source);
		}
	}
}

static int
on_runtime(void *ctx, const char *source, const char *name, int has_value, int64_t value,
	   const char *text)
{
	(void)text;
	snapshot_set_runtime(ctx, source, name, has_value, value);
	return 0;
}

static int
on_pprof_total(void *ctx, const char *unit, const char *type, int has_value, int64_t value,
	       const char *text)
{
	struct snapshot_info *info = ctx;

	(void)unit;
	(void)text;
	if (has_value && strcmp(type, "inuse_space") == 0) {
		info->pprof_inuse.known = 1;
		info->pprof_inuse.v = value;
		info->pprof_inuse.source = "heap.pb.gz";
	}
	return 0;
}

static void
set_opt(struct opt_i64 *o, int64_t v, const char *source)
{
	o->known = 1;
	o->v = v;
	o->source = source;
}

static int
on_cgroup(void *ctx, const char *file, const char *key, int has_value, int64_t value,
	  const char *text)
{
	struct snapshot_info *info = ctx;

	(void)text;
	if (!has_value)
		return 0;	/* "max": unlimited */
	if (key[0] == '\0') {
		if (strcmp(file, "memory.current") == 0)
			set_opt(&info->cgroup_usage, value, "memory.current");
		if (strcmp(file, "memory.usage_in_bytes") == 0)
			set_opt(&info->cgroup_usage, value, "memory.usage_in_bytes");
		/* v1 reports "unlimited" as a huge page-aligned number */
		if ((strcmp(file, "memory.max") == 0 || strcmp(file, "memory.limit_in_bytes") == 0) &&
		    value < (INT64_C(1) << 60))
			set_opt(&info->cgroup_limit, value, "cgroup");
		if (strcmp(file, "memory.peak") == 0 || strcmp(file, "memory.max_usage_in_bytes") == 0)
			set_opt(&info->cgroup_peak, value, "cgroup");
		if (strcmp(file, "memory.failcnt") == 0)
			set_opt(&info->cgroup_limit_hits, value, "memory.failcnt");
		return 0;
	}
	if (strcmp(file, "memory.stat") == 0) {
		if (strcmp(key, "file") == 0 || strcmp(key, "cache") == 0)
			set_opt(&info->cgroup_file, value, "cgroup");
		else if (strcmp(key, "kernel") == 0)
			set_opt(&info->cgroup_kernel, value, "cgroup");
	}
	if (strcmp(file, "memory.events") == 0 && strcmp(key, "max") == 0)
		set_opt(&info->cgroup_limit_hits, value, "memory.events max");
	if ((strcmp(file, "memory.events") == 0 || strcmp(file, "memory.oom_control") == 0) &&
	    strcmp(key, "oom_kill") == 0)
		set_opt(&info->cgroup_oom_kill, value, file[7] == 'e' ? "memory.events" :
			"memory.oom_control");
	return 0;
}

static int
on_status(void *ctx, const char *group, const char *key, int has_value, int64_t value,
	  const char *text)
{
	struct snapshot_info *info = ctx;

	(void)group;
	(void)text;
	if (has_value && strcmp(key, "VmRSS") == 0)
		set_opt(&info->status_rss, value, "status");
	return 0;
}

static int
on_label(void *ctx, const char *group, const char *key, int has_value, int64_t value,
	 const char *text)
{
	struct snapshot_info *info = ctx;

	(void)group;
	(void)has_value;
	(void)value;
	if (strncmp(key, "label.", 6) != 0)
		return 0;
	info->label_keys = xreallocarray(info->label_keys, (size_t)info->nlabels + 1, sizeof(char *));
	info->label_values = xreallocarray(info->label_values, (size_t)info->nlabels + 1,
					   sizeof(char *));
	info->label_keys[info->nlabels] = xstrdup(key + 6);
	info->label_values[info->nlabels] = xstrdup(text);
	info->nlabels++;
	return 0;
}

void
snapshot_add_role(struct snapshot_info *info, const struct db_role_totals *r)
{
	struct role_info *ri;

	info->roles = xreallocarray(info->roles, (size_t)info->nroles + 1, sizeof(*info->roles));
	ri = &info->roles[info->nroles++];
	ri->role = xstrdup(r->role);
	ri->vmas = r->vmas;
	ri->size = r->size;
	ri->rss = r->rss;
	ri->pss = r->pss;
	ri->anonymous = r->anonymous;
	ri->lazyfree = r->lazyfree;
	ri->anon_huge_pages = r->anon_huge_pages;
	ri->swap = r->swap;
	ri->private_dirty = r->private_dirty;
}

/* The first capture error of a runtime member: why the runtime numbers are missing. */
static int
on_error(void *ctx, const char *group, const char *file, int has_value, int64_t value,
	 const char *reason)
{
	struct snapshot_info *info = ctx;
	size_t n;

	(void)group;
	(void)has_value;
	(void)value;
	if (info->runtime_missing != NULL || strncmp(file, "runtime/", 8) != 0)
		return 0;
	n = strlen(reason);
	if (n > 160)
		n = 160;	/* a reason is one line of a capture tool's message */
	info->runtime_missing = xcalloc(1, strlen(file) + n + 3);
	memcpy(info->runtime_missing, file, strlen(file));
	memcpy(info->runtime_missing + strlen(file), ": ", 2);
	memcpy(info->runtime_missing + strlen(file) + 2, reason, n);
	return 0;
}

static int
on_role(void *ctx, const struct db_role_totals *r)
{
	snapshot_add_role(ctx, r);
	return 0;
}

struct snapshot_info *
snapshot_info_load(struct db *db, int64_t id, struct diag *d)
{
	struct snapshot_info *info = snapshot_info_read(db, id, d);

	if (info != NULL && db_go_named(db, id, &info->go_named, d) != 0) {
		snapshot_info_free(info);
		return NULL;
	}
	return info;
}

struct snapshot_info *
snapshot_info_read(struct db *db, int64_t id, struct diag *d)
{
	struct snapshot_info *info;
	struct db_snapshot_row row;
	int rc = db_snapshot_get(db, id, &row, d);

	if (rc != 0) {
		if (rc == 1)
			diag_fail(d, DIAG_USAGE, 0, "no snapshot %lld", (long long)id);
		return NULL;
	}
	info = xcalloc(1, sizeof(*info));
	info->id = row.id;
	info->bundle = dup_or_null(row.bundle);
	info->dir = dup_or_null(row.dir);
	info->captured_at = dup_or_null(row.captured_at);
	info->host = dup_or_null(row.host);
	info->pod = dup_or_null(row.pod);
	info->comm = dup_or_null(row.comm);
	info->vma_source = dup_or_null(row.vma_source);
	info->pid = row.pid;
	info->rss_known = row.rss_known;
	info->rss = row.rss;
	info->pss = row.pss;
	info->size = row.size;
	info->anonymous = row.anonymous;
	info->lazyfree = row.lazyfree;
	info->anon_huge_pages = row.anon_huge_pages;
	info->swap = row.swap;
	info->vma_count = row.vma_count;
	if (db_runtime_each(db, id, on_runtime, info, d) != 0 ||
	    db_pprof_total_each(db, id, on_pprof_total, info, d) != 0 ||
	    db_kv_each(db, DB_KV_CGROUP, id, on_cgroup, info, d) != 0 ||
	    db_kv_each(db, DB_KV_STATUS, id, on_status, info, d) != 0 ||
	    db_manifest_each(db, id, on_label, info, d) != 0 ||
	    db_kv_each(db, DB_KV_ERRORS, id, on_error, info, d) != 0 ||
	    db_roles_each(db, id, on_role, info, d) != 0) {
		snapshot_info_free(info);
		return NULL;
	}
	snapshot_derive(info);
	return info;
}

void
snapshot_derive(struct snapshot_info *info)
{
	if (info->rt[RT_SYS].known && info->rt[RT_HEAP_RELEASED].known)
		set_opt(&info->go_estimate, info->rt[RT_SYS].v - info->rt[RT_HEAP_RELEASED].v,
			info->rt[RT_SYS].source);
}

void
snapshot_info_free(struct snapshot_info *info)
{
	int i;

	if (info == NULL)
		return;
	for (i = 0; i < info->nlabels; i++) {
		free(info->label_keys[i]);
		free(info->label_values[i]);
	}
	for (i = 0; i < info->nroles; i++)
		free(info->roles[i].role);
	free(info->label_keys);
	free(info->label_values);
	free(info->roles);
	free(info->bundle);
	free(info->dir);
	free(info->captured_at);
	free(info->host);
	free(info->pod);
	free(info->comm);
	free(info->vma_source);
	free(info->runtime_missing);
	free(info);
}

const struct role_info *
snapshot_role(const struct snapshot_info *info, const char *role)
{
	int i;

	for (i = 0; i < info->nroles; i++)
		if (strcmp(info->roles[i].role, role) == 0)
			return &info->roles[i];
	return NULL;
}

const char *
snapshot_label(const struct snapshot_info *info, const char *key)
{
	int i;

	for (i = 0; i < info->nlabels; i++)
		if (strcmp(info->label_keys[i], key) == 0)
			return info->label_values[i];
	return NULL;
}

static const char *const class_names[GO_CLASS_COUNT][2] = {
	[GO_HEAP_OBJECTS] = { "heap_objects", "heap objects (live and dead)" },
	[GO_HEAP_UNUSED] = { "heap_unused", "heap spans in use, unused" },
	[GO_HEAP_FREE] = { "heap_free", "heap free, not released" },
	[GO_HEAP_RELEASED] = { "heap_released", "heap released to the OS" },
	[GO_STACKS] = { "stacks", "goroutine stacks" },
	[GO_OS_STACKS] = { "os_stacks", "OS thread stacks" },
	[GO_GC] = { "gc", "GC metadata" },
	[GO_ALLOCATOR] = { "allocator", "allocator metadata (mspan, mcache)" },
	[GO_OTHER] = { "other", "other runtime" },
	[GO_PROFILING] = { "profiling", "profiler buckets" },
};

const char *
go_class_name(enum go_class c)
{
	return class_names[c][0];
}

const char *
go_class_label(enum go_class c)
{
	return class_names[c][1];
}

int
go_classes_from(const struct snapshot_info *info, struct go_classes *g)
{
	static const enum rt_field need[] = {
		RT_HEAP_ALLOC, RT_HEAP_INUSE, RT_HEAP_IDLE, RT_HEAP_RELEASED, RT_STACK_INUSE,
		RT_STACK_SYS, RT_GC_SYS, RT_MSPAN_SYS, RT_MCACHE_SYS, RT_OTHER_SYS, RT_BUCK_HASH_SYS,
	};
	const struct opt_i64 *rt = info->rt;
	size_t i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!rt[need[i]].known)
			return 0;
	g->bytes[GO_HEAP_OBJECTS] = rt[RT_HEAP_ALLOC].v;
	g->bytes[GO_HEAP_UNUSED] = rt[RT_HEAP_INUSE].v - rt[RT_HEAP_ALLOC].v;
	g->bytes[GO_HEAP_FREE] = rt[RT_HEAP_IDLE].v - rt[RT_HEAP_RELEASED].v;
	g->bytes[GO_HEAP_RELEASED] = rt[RT_HEAP_RELEASED].v;
	g->bytes[GO_STACKS] = rt[RT_STACK_INUSE].v;
	g->bytes[GO_OS_STACKS] = rt[RT_STACK_SYS].v - rt[RT_STACK_INUSE].v;
	g->bytes[GO_GC] = rt[RT_GC_SYS].v;
	g->bytes[GO_ALLOCATOR] = rt[RT_MSPAN_SYS].v + rt[RT_MCACHE_SYS].v;
	g->bytes[GO_OTHER] = rt[RT_OTHER_SYS].v;
	g->bytes[GO_PROFILING] = rt[RT_BUCK_HASH_SYS].v;
	return 1;
}

int
snapshot_has_runtime(const struct snapshot_info *s)
{
	return s->go_estimate.known;
}
