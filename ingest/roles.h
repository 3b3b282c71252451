/*
 * The VMA classifier: it builds each VMA's descriptor with context (its
 * neighbours, whether it belongs to the main executable, the shape of the
 * run of anonymous mappings around it) and asks the rules for a role. The
 * grammar of a descriptor is in docs/roles.md and at the top of
 * fixtures/rules/default.rules.
 *
 * VMAs are pushed in address order and handed to emit in the same order,
 * each with its role, a little later: a VMA waits for the next one (its
 * right neighbour) and an unnamed anonymous rw-p/---p VMA waits for the
 * end of its run (at most ROLES_RUN_MAX VMAs; a longer run gets no shape).
 * Memory is bounded by that, whatever the number of VMAs.
 *
 * The vma handed to emit is the classifier's copy, lent for the call;
 * role is owned by the rules (or a literal) and outlives the classifier.
 * The rules must outlive the classifier; the classifier uses them from
 * the calling thread only.
 */
#ifndef RSSGAP_ROLES_H
#define RSSGAP_ROLES_H

#include <stdint.h>

#include "core/buf.h"
#include "core/diag.h"
#include "ingest/rules.h"
#include "ingest/smaps.h"

/* Longest run of adjacent unnamed anonymous VMAs whose shape is computed. */
#define ROLES_RUN_MAX 256

typedef int (*classifier_emit_fn)(void *ctx, const struct vma *v, const char *role,
				  struct diag *d);

/* What a descriptor says about a VMA besides the VMA itself. */
struct roles_context {
	int exe;			/* 1: a mapping of the main executable or its bss */
	const char *prev_role;		/* role of the previous VMA; NULL at the first */
	const struct vma *prev;		/* previous VMA in address order, or NULL */
	const struct vma *next;		/* next VMA in address order, or NULL */
	const char *shape;		/* "heap64", "arena64" or NULL (see docs/roles.md) */
};

struct classifier;

/* New classifier applying rules; emit receives every VMA with its role. */
struct classifier *classifier_new(const struct rules *rules, classifier_emit_fn emit, void *ctx);
/* Free c (NULL is a no-op); VMAs still held are dropped, not emitted. */
void classifier_free(struct classifier *c);
/* Take the next VMA in address order (path and vmflags are copied); -1 if emit or a rule fails. */
int classifier_push(struct classifier *c, const struct vma *v, struct diag *d);
/* End of the snapshot: classify and emit the VMAs still held. */
int classifier_finish(struct classifier *c, struct diag *d);
/* The descriptor of the VMA being emitted; lent for the duration of emit (for --explain). */
const char *classifier_descriptor(const struct classifier *c);
/* Index of the rule that gave the role of the VMA being emitted, -1 for none (for --explain). */
long classifier_rule(const struct classifier *c);
/* Append v's descriptor, "PERMS OFFSET NAME @START key=value...", to out. */
void roles_descriptor(struct buf *out, const struct vma *v, const struct roles_context *cx);
/* 1 if path names a shared library (basename *.so, *.so.N..., optionally " (deleted)"). */
int roles_is_lib_path(const char *path, size_t len);

#endif
