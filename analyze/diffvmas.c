#include "analyze/diffvmas.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/align.h"
#include "core/vma.h"
#include "core/xalloc.h"

struct diff_vmas {
	struct align_input *regions;
	char **roles;		/* distinct role names, in the order first seen */
	int64_t *role_dirty;	/* per role: Private_Dirty + Shared_Dirty */
	size_t nroles;
	size_t last;		/* the role of the last VMA */
	int64_t go_named;
};

/* The fields diff reads of every VMA (the others only matter to the store). */
static const enum vma_field diff_fields[] = {
	VMA_SIZE, VMA_RSS, VMA_PSS, VMA_SHARED_DIRTY, VMA_PRIVATE_DIRTY, VMA_ANONYMOUS,
	VMA_LAZYFREE, VMA_ANON_HUGE_PAGES, VMA_SWAP,
};

struct diff_vmas *
diff_vmas_new(void)
{
	struct diff_vmas *s = xcalloc(1, sizeof(*s));

	s->regions = align_input_new();
	return s;
}

void
diff_vmas_free(struct diff_vmas *s)
{
	size_t i;

	if (s == NULL)
		return;
	align_input_free(s->regions);
	for (i = 0; i < s->nroles; i++)
		free(s->roles[i]);
	free(s->roles);
	free(s->role_dirty);
	free(s);
}

/* Index of role among s's names, added when new. */
static size_t
role_index(struct diff_vmas *s, const char *role)
{
	size_t i;

	if (s->nroles > 0 && strcmp(s->roles[s->last], role) == 0)
		return s->last;
	for (i = 0; i < s->nroles; i++)
		if (strcmp(s->roles[i], role) == 0)
			return s->last = i;
	s->roles = xreallocarray(s->roles, s->nroles + 1, sizeof(char *));
	s->role_dirty = xreallocarray(s->role_dirty, s->nroles + 1, sizeof(int64_t));
	s->roles[s->nroles] = xstrdup(role);
	s->role_dirty[s->nroles] = 0;
	return s->last = s->nroles++;
}

/* A sum that wraps as the machine does rather than being undefined (hostile numbers). */
static int64_t
wrap_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* One VMA; field[] as the store gives it back: -1 unknown. */
static void
add(struct diff_vmas *s, uint64_t start, uint64_t end, const char *perms, const char *path,
    const char *role, const int64_t *field)
{
	struct align_vma v;
	int64_t p = field[VMA_PRIVATE_DIRTY], sh = field[VMA_SHARED_DIRTY];
	size_t r = role_index(s, role);

	v.start = start;
	v.end = end;
	v.offset = 0;
	v.perms = perms;
	v.path = path;
	v.role = role;
	v.size = field[VMA_SIZE];
	v.rss = field[VMA_RSS];
	v.pss = field[VMA_PSS];
	v.anonymous = field[VMA_ANONYMOUS];
	v.lazyfree = field[VMA_LAZYFREE];
	v.anon_huge_pages = field[VMA_ANON_HUGE_PAGES];
	v.swap = field[VMA_SWAP];
	v.dirty = p < 0 || sh < 0 ? -1 : wrap_add(p, sh);
	if (v.dirty > 0)
		s->role_dirty[r] = wrap_add(s->role_dirty[r], v.dirty);
	if (strncmp(path, "[anon: Go: ", 11) == 0)
		s->go_named++;
	/* a refused VMA stops the regions; align_inputs reports it */
	align_input_add(s->regions, &v);
}

void
diff_vmas_add(struct diff_vmas *s, const struct vma *v, const char *role)
{
	int64_t field[VMA_NFIELDS];
	size_t i;

	/* the store keeps a negative number as unknown (NULL), read back as -1 */
	for (i = 0; i < sizeof(diff_fields) / sizeof(diff_fields[0]); i++)
		field[diff_fields[i]] = v->field[diff_fields[i]] < 0 ? -1 : v->field[diff_fields[i]];
	add(s, v->start, v->end, v->perms, v->path != NULL ? v->path : "", role, field);
}

static int
on_row(void *ctx, const struct db_vma_row *row)
{
	add(ctx, row->start, row->end, row->perms, row->path, row->role, row->field);
	return 0;
}

int
diff_vmas_load(struct diff_vmas *s, struct db *db, int64_t id, struct diag *d)
{
	return db_vmas_fields_each(db, id, diff_fields,
				   (int)(sizeof(diff_fields) / sizeof(diff_fields[0])), on_row, s, d);
}

/* One snapshot loaded on a thread of its own, from a connection of its own. */
struct loader {
	struct db *db;
	int64_t id;
	struct diff_vmas *s;
	struct diag d;
	int rc;
};

static void *
loader_main(void *arg)
{
	struct loader *l = arg;

	l->rc = diff_vmas_load(l->s, l->db, l->id, &l->d);
	return NULL;
}

int
diff_vmas_load_two(struct db *db, int64_t before, int64_t after, struct diff_vmas **vb,
		   struct diff_vmas **va, struct diag *d)
{
	struct loader l = { NULL, after, NULL, { 0 }, 0 };
	struct diag ignored;
	pthread_t t;
	int rc;

	*vb = diff_vmas_new();
	*va = diff_vmas_new();
	l.s = *va;
	diag_clear(&l.d);
	diag_clear(&ignored);
	/* a file's second connection reads after while this one reads before; else one by one */
	l.db = db_open_again(db, &ignored);
	if (l.db == NULL || pthread_create(&t, NULL, loader_main, &l) != 0) {
		db_free(l.db);
		return diff_vmas_load(*vb, db, before, d) != 0 || diff_vmas_load(*va, db, after, d) != 0
			       ? -1 : 0;
	}
	rc = diff_vmas_load(*vb, db, before, d);
	pthread_join(t, NULL);
	db_free(l.db);
	if (rc != 0)
		return -1;
	if (l.rc != 0) {
		*d = l.d;
		return -1;
	}
	return 0;
}

struct align_input *
diff_vmas_regions(struct diff_vmas *s)
{
	return s->regions;
}

int64_t
diff_vmas_go_named(const struct diff_vmas *s)
{
	return s->go_named;
}

size_t
diff_vmas_nroles(const struct diff_vmas *s)
{
	return s->nroles;
}

const char *
diff_vmas_role(const struct diff_vmas *s, size_t i)
{
	return s->roles[i];
}

int64_t
diff_vmas_role_dirty(const struct diff_vmas *s, size_t i)
{
	return s->role_dirty[i];
}
