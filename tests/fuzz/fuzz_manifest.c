/* The manifest and the capture's errors member (one grammar each, same input). */
#include "tests/fuzz/fuzz.h"

#include "core/num.h"
#include "ingest/manifest.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	size_t seen = 0;
	struct kv_sink sink = { fuzz_kv_put, &seen };
	int64_t t;
	struct diag d;

	diag_clear(&d);
	fuzz_check_diag(manifest_parse(buf, size, fuzz_limits(), &sink, &d), &d);
	diag_clear(&d);
	fuzz_check_diag(manifest_errors_parse(buf, size, fuzz_limits(), &sink, &d), &d);
	num_parse_utc(buf, size, &t);
	free(buf);
	return 0;
}
