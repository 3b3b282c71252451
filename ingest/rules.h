/*
 * Ordered PCRE2 rules that give each VMA descriptor a role (see
 * docs/roles.md). A rules file holds one rule a line, "ROLE PATTERN";
 * blank lines and lines whose first non-blank byte is '#' are skipped.
 * ROLE is [a-z][a-z0-9-]* of at most RULES_ROLE_MAX bytes; PATTERN is the
 * rest of the line with surrounding blanks removed. The first rule that
 * matches wins, so a caller adds the user's file before the defaults.
 *
 * Patterns are compiled without UTF (descriptors carry raw path bytes that
 * need not be UTF-8; (*UTF) in a pattern is refused), JIT-compiled when
 * PCRE2 offers it, and matched under the limits given to the last
 * rules_add_* call (match_limit; depth and heap limits derived from it).
 *
 * Threads: a struct rules keeps one match_data it reuses, so it is used by
 * one thread at a time. A parallel ingest builds one struct rules per
 * worker (compiling is cheap: a few hundred microseconds for the defaults)
 * or serialises rules_classify behind a lock.
 */
#ifndef RSSGAP_RULES_H
#define RSSGAP_RULES_H

#include <stddef.h>

#include "core/diag.h"
#include "core/limits.h"

#define RULES_ROLE_MAX 32

/* The text of fixtures/rules/default.rules, compiled in by the Makefile. */
extern const char rssgap_default_rules[];

struct rules;

/* New empty rule list. */
struct rules *rules_new(void);
/* Free r (NULL is a no-op). */
void rules_free(struct rules *r);
/* Compile and append the rules of text[0..len); on failure d names origin ("FILE" or "default.rules") and the line. */
int rules_add_text(struct rules *r, const char *text, size_t len, const char *origin,
		   const struct limits *lim, struct diag *d);
/* Append the compiled-in default rules. */
int rules_add_default(struct rules *r, const struct limits *lim, struct diag *d);
/* Number of rules. */
size_t rules_count(const struct rules *r);
/* Role of the first rule matching descriptor[0..len), "anon" when none; lent by r. NULL with d filled (DIAG_LIMIT) when a limit stops a match. */
const char *rules_classify(const struct rules *r, const char *descriptor, size_t len,
			   struct diag *d);
/* rules_classify that also tells which rule matched (*index, -1 for none), for --explain. */
const char *rules_classify_ex(const struct rules *r, const char *descriptor, size_t len,
			      long *index, struct diag *d);
/* Where rule i came from: origin and line (for --explain); NULL if i is out of range. */
const char *rules_origin(const struct rules *r, size_t i, unsigned long long *line);
/* Rule i's pattern, lent by r (for --explain); NULL if i is out of range. */
const char *rules_pattern(const struct rules *r, size_t i);
/* 1 if s[0..n) is a valid role name: [a-z][a-z0-9-]*, at most RULES_ROLE_MAX bytes. */
int rules_role_valid(const char *s, size_t n);

#endif
