#include "core/limits.h"

#include <stddef.h>
#include <string.h>

#include "core/num.h"

#define MiB (1024ull * 1024)
#define GiB (1024ull * MiB)

void
limits_default(struct limits *l)
{
	l->compressed_bytes = 4 * GiB;
	l->inflated_bytes = 4 * GiB;
	l->inflate_ratio = 1000;
	l->member_bytes = 256 * MiB;
	l->held_bytes = 64 * MiB;
	l->members = 100000;
	l->path_bytes = 4096;
	l->line_bytes = 64 * 1024;
	l->vmas = 1000000;
	l->snapshots = 10000;
	l->kv_rows = 100000;
	l->pprof_strings = 1000000;
	l->pprof_samples = 10000000;
	l->pprof_locations = 10000000;
	l->pprof_values = 16;
	l->pprof_top_sites = 50;
	l->json_depth = 64;
	l->prom_series = 100000;
	l->rules = 10000;
	l->pattern_bytes = 4096;
	l->match_limit = 100000;
	l->chart_points = 100000;
}

static const struct {
	const char *name;
	size_t off;
} fields[] = {
#define F(x) { #x, offsetof(struct limits, x) }
	F(compressed_bytes), F(inflated_bytes), F(inflate_ratio), F(member_bytes), F(held_bytes),
	F(members), F(path_bytes), F(line_bytes), F(vmas), F(snapshots), F(kv_rows),
	F(pprof_strings), F(pprof_samples), F(pprof_locations), F(pprof_values),
	F(pprof_top_sites), F(json_depth), F(prom_series), F(rules),
	F(pattern_bytes), F(match_limit), F(chart_points),
#undef F
};

int
limits_set(struct limits *l, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	uint64_t v;
	size_t i;

	if (eq == NULL)
		return -1;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		size_t n = strlen(fields[i].name);

		if (n != (size_t)(eq - assignment) || memcmp(fields[i].name, assignment, n) != 0)
			continue;
		/* a *_bytes cap takes a size as docs/limits.md prints it (256MiB); counts are plain */
		if (n > 6 && strcmp(fields[i].name + n - 6, "_bytes") == 0
			    ? num_parse_size(eq + 1, strlen(eq + 1), &v) != 0
			    : num_parse_u64(eq + 1, strlen(eq + 1), &v) != 0)
			return -1;
		*(uint64_t *)((char *)l + fields[i].off) = v;
		return 0;
	}
	return -1;
}
