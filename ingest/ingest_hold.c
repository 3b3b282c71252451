/*
 * What waits: the rows of the snapshot read before its transaction begins
 * (and a member's rows until its end), and the members read before their
 * directory's manifest.
 */
#include "ingest/ingest_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"

/* Forget the waiting rows, keeping their memory for the next snapshot. */
void
held_clear(struct held *h)
{
	int t;

	for (t = 0; t < DB_ROWS_COUNT; t++)
		h->table[t].n = 0;
	h->nrows = 0;
	buf_reset(&h->text);
}

void
held_release(struct held *h)
{
	int t;

	for (t = 0; t < DB_ROWS_COUNT; t++)
		free(h->table[t].v);
	buf_release(&h->text);
	free(h->out);
	memset(h, 0, sizeof(*h));
}

/* Copy text (NULL ok) into the arena: its offset + 1, 0 for NULL. */
static size_t
held_text(struct held *h, const char *text)
{
	size_t at;

	if (text == NULL)
		return 0;
	at = h->text.len;
	buf_add(&h->text, text, strlen(text) + 1);
	return at + 1;
}

/* Hold one row of table t until held_flush. */
void
held_put(struct held *h, enum db_rows_table t, const char *group, const char *key,
	 int has_value, int64_t value, const char *text)
{
	struct held_row *r;

	if (h->table[t].n == h->table[t].cap) {
		h->table[t].cap = h->table[t].cap ? h->table[t].cap * 2 : 16;
		h->table[t].v = xreallocarray(h->table[t].v, h->table[t].cap, sizeof(*r));
	}
	r = &h->table[t].v[h->table[t].n++];
	r->group = held_text(h, group);
	r->key = held_text(h, key);
	r->text = held_text(h, text);
	r->has_value = has_value;
	r->value = value;
	h->nrows++;
}

static const char *
held_str(const struct held *h, size_t off)
{
	return off == 0 ? NULL : h->text.data + off - 1;
}

/* Write every waiting row, one statement per table, and forget them. */
int
held_flush(struct held *h, struct db *db, int64_t id, struct diag *d)
{
	size_t i;
	int t;

	for (t = 0; t < DB_ROWS_COUNT && h->nrows > 0; t++) {
		size_t n = h->table[t].n;

		if (n == 0)
			continue;
		if (n > h->cap_out) {
			h->cap_out = n;
			h->out = xreallocarray(h->out, n, sizeof(*h->out));
		}
		for (i = 0; i < n; i++) {
			const struct held_row *r = &h->table[t].v[i];
			struct db_row *o = &h->out[i];

			o->group = held_str(h, r->group);
			o->key = held_str(h, r->key);
			o->text = held_str(h, r->text);
			o->has_value = r->has_value;
			o->value = r->value;
			o->real = 0;
		}
		if (db_rows_put(db, (enum db_rows_table)t, id, h->out, n, d) != 0)
			return -1;
	}
	held_clear(h);
	return 0;
}

void
pending_add(struct ingest *in, const char *dir, size_t dir_len, const char *rel,
	    enum member_kind kind, char *data, size_t len)
{
	struct pending *p;

	if (in->npending == in->cap_pending) {
		in->cap_pending = in->cap_pending ? in->cap_pending * 2 : 16;
		in->pending = xreallocarray(in->pending, in->cap_pending, sizeof(*in->pending));
	}
	p = &in->pending[in->npending++];
	p->dir = xstrndup(dir, dir_len);
	p->rel = xstrdup(rel);
	p->kind = kind;
	p->data = data;
	p->len = len;
}

/*
 * Take the pending members of directory dir out of the list, handing each
 * to handle_member of the just-opened snapshot while handle is 1 and it
 * succeeds; the others are freed. Returns what handle_member returned.
 */
int
take_pending(struct ingest *in, const char *dir, int handle, struct diag *d)
{
	size_t i, w = 0;
	int rc = 0;

	for (i = 0; i < in->npending; i++) {
		struct pending *p = &in->pending[i];

		if (strcmp(p->dir, dir) != 0) {
			in->pending[w++] = *p;
			continue;
		}
		in->held_bytes -= p->len;
		if (handle && rc == 0) {
			diag_where(d, NULL, p->rel);
			rc = handle_member(in, p->kind, p->rel, p->data, p->len, d);
		} else {
			free(p->data);
		}
		free(p->dir);
		free(p->rel);
	}
	in->npending = w;
	return rc;
}

/* Parse the members of the just-opened snapshot that came before its manifest. */
int
drain_pending(struct ingest *in, struct diag *d)
{
	return take_pending(in, in->s.dir, 1, d);
}

/* A member of directory dir, before its manifest, could not be held: refuse the snapshot. */
void
refuse_pending(struct ingest *in, const char *dir, struct diag *d)
{
	take_pending(in, dir, 0, d);
	emit(in, INGEST_SNAPSHOT_FAILED, 0, dir, d);
	in->failures++;
	mark_done(in, dir, DONE_FAILED, 0);
}

static int
cmp_pending_dir(const void *a, const void *b)
{
	return strcmp(((const struct pending *)a)->dir, ((const struct pending *)b)->dir);
}

/* At the end of the bundle: each directory still holding members never had a manifest. */
void
report_no_manifest(struct ingest *in, struct diag *d)
{
	size_t i;

	if (in->npending == 0)
		return;
	qsort(in->pending, in->npending, sizeof(*in->pending), cmp_pending_dir);
	for (i = 0; i < in->npending; i++) {
		struct pending *p = &in->pending[i];

		if (i == 0 || strcmp(p->dir, in->pending[i - 1].dir) != 0) {
			diag_where(d, NULL, p->dir[0] != '\0' ? p->dir : p->rel);
			diag_fail(d, DIAG_MISSING, 0, "snapshot directory has members but no manifest");
			diag_hint(d, "every snapshot directory needs a manifest with format=rssgap/1");
			emit(in, INGEST_SNAPSHOT_FAILED, 0, p->dir, d);
			in->failures++;
		}
	}
	for (i = 0; i < in->npending; i++) {
		free(in->pending[i].dir);
		free(in->pending[i].rel);
		free(in->pending[i].data);
	}
	in->npending = 0;
	in->held_bytes = 0;
}
