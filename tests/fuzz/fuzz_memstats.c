/* runtime/heap.txt: its `# runtime.MemStats` block. */
#include "tests/fuzz/fuzz.h"

#include "ingest/memstats.h"

FUZZ_KV_TARGET(memstats_parse)
