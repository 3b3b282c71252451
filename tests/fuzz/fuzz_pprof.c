/* runtime/heap.pb.gz once gunzipped: a profile.proto message. */
#include "tests/fuzz/fuzz.h"

#include "ingest/pprof.h"

/* Read every string of the summary (ASan sees a dangling one). */
static void
fuzz_pprof_walk(const struct pprof_summary *s)
{
	size_t i, n = strlen(s->format) + strlen(s->period_type) + strlen(s->period_unit);

	for (i = 0; i < s->ntypes; i++)
		n += strlen(s->types[i].type) + strlen(s->types[i].unit);
	if (s->default_sample_type != NULL)
		n += strlen(s->default_sample_type);
	for (i = 0; i < s->nsites; i++) {
		n += strlen(s->sites[i].leaf) + strlen(s->sites[i].frames);
		if (s->ntypes > 0)
			n += (size_t)s->sites[i].values[s->ntypes - 1];
	}
	if (s->ntypes > 0 && s->sort_type >= s->ntypes)
		abort();
	(void)n;
}

#ifndef FUZZ_PPROF_PARSE
#define FUZZ_PPROF_PARSE pprof_parse
#endif

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	struct pprof_summary *s = NULL;
	struct diag d;
	int rc;

	diag_clear(&d);
	rc = FUZZ_PPROF_PARSE(buf, size, fuzz_limits(), &s, &d);
	fuzz_check_diag(rc, &d);
	if (rc == 0)
		fuzz_pprof_walk(s);
	pprof_summary_free(s);
	pprof_is_legacy(buf, size);
	free(buf);
	return 0;
}
