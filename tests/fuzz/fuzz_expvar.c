/* runtime/vars.json: expvar's /debug/vars. */
#include "tests/fuzz/fuzz.h"

#include "ingest/expvar.h"

FUZZ_KV_TARGET(expvar_parse)
