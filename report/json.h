/*
 * A small JSON writer into a buf: keeps track of commas and nesting, escapes
 * every string (bundle text is untrusted). Output is compact and in the
 * order written, so the same calls give the same bytes.
 */
#ifndef RSSGAP_JSON_H
#define RSSGAP_JSON_H

#include <stdint.h>

#include "core/buf.h"

#define JSON_MAX_DEPTH 32

struct json {
	struct buf *out;
	int depth;
	int first[JSON_MAX_DEPTH];
	int pretty;
};

/* Start writing into out (pretty=1 adds newlines and two-space indents). */
void json_init(struct json *j, struct buf *out, int pretty);
/* Open an object; key is NULL inside an array or at the top. */
void json_object(struct json *j, const char *key);
/* Open an array. */
void json_array(struct json *j, const char *key);
/* Close the innermost object or array. */
void json_end(struct json *j, char closer);
/* A string member (NULL writes null). */
void json_str(struct json *j, const char *key, const char *s);
/* An integer member. */
void json_int(struct json *j, const char *key, int64_t v);
/* An integer member, or null when known is 0. */
void json_int_or_null(struct json *j, const char *key, int known, int64_t v);
/* A number member (non-finite writes null). */
void json_num(struct json *j, const char *key, double v);
/* A boolean member. */
void json_bool(struct json *j, const char *key, int v);
/* A null member. */
void json_null(struct json *j, const char *key);

#endif
