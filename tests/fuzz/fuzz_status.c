/* proc/status: every "Key:\tvalue" line into a checking sink. */
#include "tests/fuzz/fuzz.h"

#include "ingest/procfile.h"

FUZZ_KV_TARGET(procfile_status_parse)
