/*
 * cgroup/ files: the first byte picks which file the rest is (each file
 * kind has its own grammar: single value, flat keyed, nested keyed,
 * slabinfo, version).
 */
#include "tests/fuzz/fuzz.h"

#include "ingest/cgroup.h"

static const char *const files[] = {
	"memory.current", "memory.max", "memory.peak", "memory.stat", "memory.events",
	"memory.swap.current", "memory.pressure", "memory.numa_stat", "memory.usage_in_bytes",
	"memory.limit_in_bytes", "memory.max_usage_in_bytes", "memory.failcnt",
	"memory.oom_control", "memory.kmem.slabinfo", "memory.swap.events", "version",
	"memory.unknown",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *file;
	char *buf;
	size_t seen = 0;
	struct kv_sink sink = { fuzz_kv_put, &seen };
	struct diag d;

	if (size == 0)
		return 0;
	file = files[data[0] % (sizeof(files) / sizeof(files[0]))];
	buf = fuzz_copy(data + 1, size - 1);
	diag_clear(&d);
	fuzz_check_diag(cgroup_parse(file, buf, size - 1, fuzz_limits(), &sink, &d), &d);
	free(buf);
	return 0;
}
