#include "analyze/notes.h"

#include <stdlib.h>

#include "core/xalloc.h"

struct load_ctx {
	struct notes *n;
	size_t cap_notes, cap_errors;
};

static char *
dup_text(const char *s)
{
	return xstrdup(s != NULL ? s : "");
}

/* db_note_each: group is the member, key the message, value the line. */
static int
add_note(void *ctx, const char *member, const char *message, int has_line, int64_t line,
	 const char *text)
{
	struct load_ctx *c = ctx;
	struct note *note;

	(void)text;
	if (c->n->nnotes == c->cap_notes) {
		c->cap_notes = c->cap_notes ? c->cap_notes * 2 : 8;
		c->n->notes = xreallocarray(c->n->notes, c->cap_notes, sizeof(*c->n->notes));
	}
	note = &c->n->notes[c->n->nnotes++];
	note->member = dup_text(member);
	note->message = dup_text(message);
	note->has_line = has_line;
	note->line = line;
	return 0;
}

/* capture_error(file, reason): key is the file, text the reason. */
static int
add_error(void *ctx, const char *group, const char *file, int has_value, int64_t value,
	  const char *reason)
{
	struct load_ctx *c = ctx;
	struct capture_error *e;

	(void)group;
	(void)has_value;
	(void)value;
	if (c->n->nerrors == c->cap_errors) {
		c->cap_errors = c->cap_errors ? c->cap_errors * 2 : 8;
		c->n->errors = xreallocarray(c->n->errors, c->cap_errors, sizeof(*c->n->errors));
	}
	e = &c->n->errors[c->n->nerrors++];
	e->file = dup_text(file);
	e->reason = dup_text(reason);
	return 0;
}

int
notes_load(struct db *db, int64_t id, struct notes *n, struct diag *d)
{
	struct load_ctx c = { n, 0, 0 };

	notes_release(n);
	if (db_note_each(db, id, add_note, &c, d) != 0 ||
	    db_kv_each(db, DB_KV_ERRORS, id, add_error, &c, d) != 0) {
		notes_release(n);
		return -1;
	}
	return 0;
}

void
notes_release(struct notes *n)
{
	size_t i;

	for (i = 0; i < n->nnotes; i++) {
		free(n->notes[i].member);
		free(n->notes[i].message);
	}
	for (i = 0; i < n->nerrors; i++) {
		free(n->errors[i].file);
		free(n->errors[i].reason);
	}
	free(n->notes);
	free(n->errors);
	n->notes = NULL;
	n->errors = NULL;
	n->nnotes = n->nerrors = 0;
}
