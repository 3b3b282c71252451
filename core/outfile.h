/*
 * Output files that are whole or absent: written under no name (an
 * O_TMPFILE in the target's directory, or a hidden temporary name where
 * the filesystem has none), synced, then given their name in one step. A
 * full disk, a write error or a kill -9 leaves no partial report.png or
 * table.csv behind; an existing file is replaced only by a whole new one.
 */
#ifndef RSSGAP_OUTFILE_H
#define RSSGAP_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

#include "core/diag.h"

struct outfile;

/* Begin writing the file that will be path; NULL with d filled (DIAG_IO). */
struct outfile *outfile_open(const char *path, struct diag *d);
/* The stream to write to; its errors are found by outfile_commit. */
FILE *outfile_stream(struct outfile *o);
/* Flush, sync and name the file path; 0, or -1 with d filled (nothing is left). Frees o. */
int outfile_commit(struct outfile *o, struct diag *d);
/* Give up: nothing is left of the file. Frees o (NULL is a no-op). */
void outfile_abort(struct outfile *o);
/* The whole of data[0..len) as path, by the steps above; 0, or -1 with d filled. */
int outfile_write(const char *path, const void *data, size_t len, struct diag *d);

#endif
