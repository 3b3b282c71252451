/* runtime/metrics.prom: the Prometheus text exposition. */
#include "tests/fuzz/fuzz.h"

#include "ingest/prom.h"

static int
on_series(void *ctx, const char *name, const char *labels, double value, uint64_t line,
	  struct diag *d)
{
	size_t *n = ctx;

	(void)value;
	(void)line;
	(void)d;
	if (!prom_wanted(name, strlen(name)))
		abort();
	*n += strlen(labels);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	size_t seen = 0;
	struct diag d;

	diag_clear(&d);
	fuzz_check_diag(prom_parse(buf, size, fuzz_limits(), on_series, &seen, &d), &d);
	free(buf);
	return 0;
}
