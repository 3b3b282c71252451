/*
 * What was noted about one snapshot, read back from the store for show:
 * the notes ingest made on its members (a member it could only partly read,
 * with the line when there is one) and the files the capture could not
 * read, with why. A struct notes owns its strings; notes_release frees them.
 */
#ifndef RSSGAP_NOTES_H
#define RSSGAP_NOTES_H

#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "core/diag.h"

struct note {
	char *member;		/* "smaps" */
	int has_line;
	int64_t line;
	char *message;
};

struct capture_error {
	char *file;		/* what the capture tried to read */
	char *reason;
};

struct notes {
	struct note *notes;
	size_t nnotes;
	struct capture_error *errors;
	size_t nerrors;
};

#define NOTES_INIT { NULL, 0, NULL, 0 }

/* Read the notes and capture errors of snapshot id into n; 0 ok, -1 with d filled. */
int notes_load(struct db *db, int64_t id, struct notes *n, struct diag *d);
/* Free what n holds and empty it. */
void notes_release(struct notes *n);

#endif
