/*
 * What the libFuzzer harnesses (tests/fuzz/fuzz_*.c, built by `make fuzz`)
 * share: the caps they parse under and a key/value sink that checks what
 * a parser hands it. The caps are the defaults with the per-member and
 * per-bundle sizes lowered, so that an input that reaches a cap does so
 * within the fuzzer's memory limit; the caps themselves are tested by
 * tests/test_hostile.c.
 */
#ifndef RSSGAP_FUZZ_H
#define RSSGAP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/limits.h"
#include "ingest/kv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The caps every harness parses under. */
static inline const struct limits *
fuzz_limits(void)
{
	static struct limits lim;
	static int done;

	if (!done) {
		limits_default(&lim);
		lim.member_bytes = 8u << 20;
		lim.inflated_bytes = 64u << 20;
		lim.vmas = 100000;
		lim.kv_rows = 100000;
		done = 1;
	}
	return &lim;
}

/* A copy of the input that ends where it ends: ASan sees any read past it. */
static inline char *
fuzz_copy(const uint8_t *data, size_t size)
{
	char *p = malloc(size ? size : 1);

	if (p == NULL)
		abort();
	if (size)
		memcpy(p, data, size);
	return p;
}

/*
 * A kv sink that reads every string it is given (so ASan catches a dangling
 * one) and checks the kv.h contract: a key, and a value or a text.
 */
static inline int
fuzz_kv_put(void *ctx, const char *group, const char *key, int has_value, int64_t value,
	    const char *text, uint64_t line, struct diag *d)
{
	size_t *n = ctx;

	(void)value;
	(void)line;
	(void)d;
	if (key == NULL || (!has_value && text == NULL))
		abort();
	*n += strlen(key) + (group != NULL ? strlen(group) : 0) + (text != NULL ? strlen(text) : 0);
	return 0;
}

/* After a parser failed, its diag must say something. */
static inline void
fuzz_check_diag(int rc, const struct diag *d)
{
	if (rc != 0 && (d->kind == DIAG_NONE || d->message[0] == '\0'))
		abort();
}

/* The harness of a key/value parser: fn(buf, len, lim, sink, d) on the input. */
#define FUZZ_KV_TARGET(fn)                                                          \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                \
	{                                                                           \
		char *buf = fuzz_copy(data, size);                                  \
		size_t seen = 0;                                                    \
		struct kv_sink sink = { fuzz_kv_put, &seen };                       \
		struct diag d;                                                      \
                                                                                    \
		diag_clear(&d);                                                     \
		fuzz_check_diag(fn(buf, size, fuzz_limits(), &sink, &d), &d);       \
		free(buf);                                                          \
		return 0;                                                           \
	}

#endif
