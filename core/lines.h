/*
 * Split a byte stream into lines as it arrives, with a cap on line length.
 * A line handed to the callback excludes its '\n' (and a trailing '\r');
 * it is lent for the duration of the call. Lines are numbered from 1.
 */
#ifndef RSSGAP_LINES_H
#define RSSGAP_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/diag.h"

typedef int (*lines_fn)(void *ctx, const char *line, size_t len, uint64_t lineno, struct diag *d);

struct lines {
	struct buf partial;
	uint64_t lineno;
	uint64_t max_line;
	lines_fn fn;
	void *ctx;
};

/* Start splitting; max_line is the cap on one line's length in bytes. */
void lines_init(struct lines *l, uint64_t max_line, lines_fn fn, void *ctx);
/* Free the partial-line storage. */
void lines_release(struct lines *l);
/* Feed n more bytes; -1 when the callback fails or a line passes the cap. */
int lines_feed(struct lines *l, const char *p, size_t n, struct diag *d);
/* Deliver a last line without '\n', if any. */
int lines_finish(struct lines *l, struct diag *d);
/* Split a whole buffer: lines_init + feed + finish + release. */
int lines_each(const char *p, size_t n, uint64_t max_line, lines_fn fn, void *ctx, struct diag *d);

#endif
