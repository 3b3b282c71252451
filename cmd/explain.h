/*
 * show --explain: why each VMA of a snapshot has its role. The stored VMAs
 * are classified again, in address order, with the rules in effect now
 * (--rules, the rules directory, the defaults: cmd/rule_files.h), and each
 * is printed with its descriptor (the text the rules match, docs/roles.md)
 * and the rule that matched: its file, line, role and pattern. A role that
 * differs from the stored one (ingested with other rules) is marked.
 */
#ifndef RSSGAP_EXPLAIN_H
#define RSSGAP_EXPLAIN_H

#include <stdint.h>

#include "core/buf.h"
#include "core/db.h"
#include "core/diag.h"

struct rules;

/* Append the explanation of snapshot id to out; 0, or -1 with d filled. */
int explain_snapshot(struct db *db, int64_t id, const struct rules *rules, struct buf *out,
		     struct diag *d);

#endif
