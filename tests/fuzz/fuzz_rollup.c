/* proc/smaps_rollup: the one [rollup] VMA into a checking sink. */
#include "tests/fuzz/fuzz.h"

#include "ingest/procfile.h"

FUZZ_KV_TARGET(procfile_rollup_parse)
