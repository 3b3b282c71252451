/* proc/maps: the smaps harness with header lines only. */
#define FUZZ_MAPS_ONLY 1
#include "tests/fuzz/fuzz_smaps.c"
