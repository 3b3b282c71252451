#include "cmd/explain.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/escape.h"
#include "core/vma.h"
#include "core/xalloc.h"
#include "ingest/roles.h"
#include "ingest/rules.h"

struct explain_ctx {
	const struct rules *rules;
	struct classifier *cls;
	struct buf *out;
	char **stored;		/* stored role of each VMA pushed, in address order */
	size_t pushed, emitted;
	int64_t changed;
	struct diag *d;
};

/*
 * Append s for a terminal as escape_term does, but with backslashes as they
 * are: a descriptor already writes a path's backslash as \x5c, and a pattern
 * is shown as it must be written.
 */
static void
put_literal(struct buf *out, const char *s)
{
	const char *bs;

	while ((bs = strchr(s, '\\')) != NULL) {
		escape_term(out, s, (size_t)(bs - s));
		buf_putc(out, '\\');
		s = bs + 1;
	}
	escape_term(out, s, strlen(s));
}

/* Print one VMA as the classifier hands it back: range, role, rule, descriptor. */
static int
print_vma(void *ctx, const struct vma *v, const char *role, struct diag *d)
{
	struct explain_ctx *x = ctx;
	const char *desc = classifier_descriptor(x->cls);
	const char *stored = x->stored[x->emitted];
	long rule = classifier_rule(x->cls);
	unsigned long long line = 0;
	const char *origin;

	(void)d;
	buf_printf(x->out, "%012" PRIx64 "-%012" PRIx64 " %s %s", v->start, v->end, v->perms, role);
	if (strcmp(stored, role) != 0) {
		buf_puts(x->out, " (stored: ");
		escape_term(x->out, stored, strlen(stored));
		buf_putc(x->out, ')');
		x->changed++;
	}
	buf_puts(x->out, "\n  descriptor: ");
	put_literal(x->out, desc);
	origin = rule >= 0 ? rules_origin(x->rules, (size_t)rule, &line) : NULL;
	if (origin == NULL) {
		buf_puts(x->out, "\n  rule:       none matched: anon\n");
	} else {
		const char *pattern = rules_pattern(x->rules, (size_t)rule);

		buf_puts(x->out, "\n  rule:       ");
		escape_term(x->out, origin, strlen(origin));
		buf_printf(x->out, ":%llu: %s ", line, role);
		put_literal(x->out, pattern);
		buf_putc(x->out, '\n');
	}
	free(x->stored[x->emitted]);
	x->stored[x->emitted++] = NULL;
	return 0;
}

/* A stored VMA back into the record the classifier takes. */
static int
push_row(void *ctx, const struct db_vma_row *row)
{
	struct explain_ctx *x = ctx;
	struct vma v;
	int f;

	memset(&v, 0, sizeof(v));
	v.start = row->start;
	v.end = row->end;
	v.offset = row->offset;
	v.inode = row->inode;
	snprintf(v.perms, sizeof(v.perms), "%s", row->perms);
	snprintf(v.dev, sizeof(v.dev), "%s", row->dev != NULL ? row->dev : "");
	v.path = row->path != NULL ? row->path : "";
	v.path_len = strlen(v.path);
	for (f = 0; f < VMA_NFIELDS; f++)
		v.field[f] = row->field[f];
	v.vmflags = row->vmflags;
	x->stored = xreallocarray(x->stored, x->pushed + 1, sizeof(*x->stored));
	x->stored[x->pushed++] = xstrdup(row->role);
	return classifier_push(x->cls, &v, x->d);
}

int
explain_snapshot(struct db *db, int64_t id, const struct rules *rules, struct buf *out,
		 struct diag *d)
{
	struct explain_ctx x;
	size_t i;
	int rc;

	memset(&x, 0, sizeof(x));
	x.rules = rules;
	x.out = out;
	x.d = d;
	x.cls = classifier_new(rules, print_vma, &x);
	rc = db_vmas_each(db, id, push_row, &x, d);
	if (rc == 0)
		rc = classifier_finish(x.cls, d);
	if (rc == 0)
		buf_printf(out, "%zu VMAs; %" PRId64 " would now get another role than the stored one\n",
			   x.pushed, x.changed);
	classifier_free(x.cls);
	for (i = 0; i < x.pushed; i++)
		free(x.stored[i]);
	free(x.stored);
	return rc;
}
