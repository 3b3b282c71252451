/*
 * A --rules file: compiled, then used to classify a few real descriptors
 * (a user's rules run on every VMA: a pattern that compiles must match
 * within the match limit or fail cleanly).
 */
#include "tests/fuzz/fuzz.h"

#include "ingest/rules.h"

static const char *const descriptors[] = {
	"rw-p 0 [anon: Go: heap] @c000000000",
	"r-xp 0 /usr/lib/x86_64-linux-gnu/libc.so.6 @7f0000000000",
	"rw-p 0 [heap] @55d000000000",
	"---p 0  @7f1000000000",
	"rw-s 0 /dev/shm/x (deleted) @7f2000000000",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_copy(data, size);
	struct rules *r = rules_new();
	struct diag d;
	size_t i;
	int rc;

	diag_clear(&d);
	rc = rules_add_text(r, buf, size, "fuzz.rules", fuzz_limits(), &d);
	fuzz_check_diag(rc, &d);
	if (rc == 0) {
		for (i = 0; i < sizeof(descriptors) / sizeof(descriptors[0]); i++) {
			long index;
			const char *role;

			diag_clear(&d);
			role = rules_classify_ex(r, descriptors[i], strlen(descriptors[i]), &index, &d);
			if (role == NULL ? d.kind == DIAG_NONE : !rules_role_valid(role, strlen(role)))
				abort();
		}
	}
	rules_free(r);
	free(buf);
	return 0;
}
