/* runtime/heap.txt as a legacy text heap profile (Go debug=1, heapz_v2, Java heapz). */
#define FUZZ_PPROF_PARSE pprof_parse_legacy
#include "tests/fuzz/fuzz_pprof.c"
