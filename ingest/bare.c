/*
 * Bare files as snapshots: a proc/smaps, a proc/smaps_rollup or a pprof
 * heap profile (gzipped profile.proto or the legacy text) given where a
 * bundle is expected, told by its content and read as a snapshot of that
 * one member. It has no manifest: pid, comm, captured_at and host are
 * unknown, and are stored as unknown, never made up.
 */
#include "ingest/ingest_int.h"

int
bare_ingest(struct ingest *in, struct diag *d)
{
	(void)in;
	(void)d;
	return -1;
}

void
bare_hint(const char *path, struct diag *d)
{
	(void)path;
	(void)d;
}
