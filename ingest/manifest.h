/*
 * A snapshot's manifest (format rssgap/1, docs/capturing.md) and the
 * capture's errors member, as key/value pairs handed to a kv_sink
 * (ingest/kv.h). Both take the whole member held in memory.
 *
 * manifest (group "manifest"): UTF-8, "key=value" a line, blanks around key
 * and value dropped, "#" comments and blank lines skipped, a leading BOM
 * ignored. Every key is put, unknown ones and "label.NAME" included, with
 * its text; "pid" also as its value, "captured_at" also as Unix seconds.
 * Required: format=rssgap/1 (absent: DIAG_MISSING; another value:
 * DIAG_FORMAT quoting it), captured_at as RFC 3339 UTC
 * (YYYY-MM-DDTHH:MM:SS[.frac] then Z or +00:00), pid a positive integer.
 * Optional page_size, when present, is a power of two from 1 KiB to 1 GiB.
 * A repeated key, a line without '=', an empty key, invalid UTF-8 or a
 * control character (tab aside) are errors with the line.
 *
 * errors (group "errors"): "<file>: <reason>" a line; key file, text reason.
 */
#ifndef RSSGAP_MANIFEST_H
#define RSSGAP_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/limits.h"
#include "ingest/kv.h"

/* Parse a manifest; 0 ok, -1 with d filled. */
int manifest_parse(const char *buf, size_t len, const struct limits *lim, struct kv_sink *sink,
		   struct diag *d);
/* Parse the capture's errors member; 0 ok, -1 with d filled. */
int manifest_errors_parse(const char *buf, size_t len, const struct limits *lim,
			  struct kv_sink *sink, struct diag *d);

#endif
