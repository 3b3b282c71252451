/*
 * What went wrong, where: filled below the command layer, printed by the
 * command. Nothing below a command prints or exits.
 * A diag is embedded (diag_init/diag_release are not needed: fixed storage).
 * line is 1-based (0: no line); offset is a byte offset (-1: none).
 */
#ifndef RSSGAP_DIAG_H
#define RSSGAP_DIAG_H

#include <stdint.h>
#include <stdio.h>

enum diag_kind {
	DIAG_NONE = 0,
	DIAG_IO,	/* could not read or write a file */
	DIAG_FORMAT,	/* malformed input */
	DIAG_LIMIT,	/* a cap in core/limits.h was reached */
	DIAG_UNSAFE,	/* refused: path traversal, link, device */
	DIAG_MISSING,	/* a required member or key is absent */
	DIAG_DB,	/* the SQLite store failed or refused */
	DIAG_USAGE,	/* bad arguments or selector */
};

struct diag {
	enum diag_kind kind;
	char bundle[512];
	char member[512];
	uint64_t line;
	int64_t offset;
	char message[1024];
	char hint[512];
};

/* Clear everything, including where. */
void diag_clear(struct diag *d);
/* Set the bundle being read (kept across diag_fail calls). */
void diag_where(struct diag *d, const char *bundle, const char *member);
/* Record an error with a line (0 for none); returns -1 for "return diag_fail(...)". */
int diag_fail(struct diag *d, enum diag_kind kind, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Record an error at a byte offset; returns -1. */
int diag_fail_at(struct diag *d, enum diag_kind kind, int64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Attach a hint to the recorded error. */
void diag_hint(struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "rssgap: BUNDLE:MEMBER:LINE: message" (escaped) and the hint to f. */
void diag_print(const struct diag *d, FILE *f);
/* The kind's name, for tests and JSON ("format", "limit", ...). */
const char *diag_kind_name(enum diag_kind kind);

#endif
