/*
 * One snapshot's VMAs grouped into regions as they come (see align.h), so
 * that nobody holds a snapshot's VMAs: a region keeps its sums, its first
 * VMA's path and perms, and its key. Every VMA gets a key: "exe" for the
 * main executable, ROLE ":" normalised basename for a file, the name for a
 * named mapping, the role for an anonymous one. An anonymous VMA right
 * after a file-backed VMA of the same role (a library's .bss, classified
 * "lib") takes that file's key: it belongs to the file.
 */
#include "analyze/align_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* Roles whose anonymous regions sit at addresses the Go runtime or TSan choose, not ASLR. */
static const char *const order_roles[] = { "go-heap", "go-runtime", "race-shadow" };

#define ARENA_BLOCK (64 * 1024)

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
};

static uint64_t
hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

void
intern_release(struct intern *in)
{
	buf_release(&in->text);
	free(in->e);
	free(in->slots);
	memset(in, 0, sizeof *in);
}

static void
intern_rehash(struct intern *in, size_t nslots)
{
	free(in->slots);
	in->slots = xcalloc(nslots, sizeof *in->slots);
	in->nslots = nslots;
	for (size_t id = 0; id < in->n; id++) {
		size_t s = in->e[id].hash & (nslots - 1);

		while (in->slots[s].id1 != 0)
			s = (s + 1) & (nslots - 1);
		in->slots[s].id1 = (uint32_t)(id + 1);
		in->slots[s].hash_lo = (uint32_t)in->e[id].hash;
	}
}

static int
role_ordered(const char *role)
{
	for (size_t i = 0; i < sizeof order_roles / sizeof order_roles[0]; i++)
		if (strcmp(role, order_roles[i]) == 0)
			return 1;
	return 0;
}

uint32_t
intern_key(struct intern *in, const char *s, size_t n, enum key_kind kind, int ordered)
{
	uint64_t h = hash_bytes(s, n);
	size_t slot;
	struct key_entry *e;

	if (in->nslots == 0)
		intern_rehash(in, 64);
	slot = h & (in->nslots - 1);
	while (in->slots[slot].id1 != 0) {
		if (in->slots[slot].hash_lo == (uint32_t)h) {
			size_t id = in->slots[slot].id1 - 1;

			e = &in->e[id];
			if (e->hash == h && e->len == n && memcmp(in->text.data + e->off, s, n) == 0)
				return (uint32_t)id;
		}
		slot = (slot + 1) & (in->nslots - 1);
	}
	if (in->n == in->cap) {
		in->cap = in->cap ? size_mul(in->cap, 2) : 64;
		in->e = xreallocarray(in->e, in->cap, sizeof *in->e);
	}
	e = &in->e[in->n];
	e->off = in->text.len;
	e->len = n;
	e->hash = h;
	e->kind = (unsigned char)kind;
	e->ordered = (unsigned char)(kind == KIND_ANON && ordered);
	buf_add(&in->text, s, n);
	buf_putc(&in->text, '\0');
	in->slots[slot].id1 = (uint32_t)(in->n + 1);
	in->slots[slot].hash_lo = (uint32_t)h;
	in->n++;
	if (in->n * 2 > in->nslots)
		intern_rehash(in, size_mul(in->nslots, 2));
	return (uint32_t)(in->n - 1);
}

/* s's copy in the set, added when new; the last one found is tried first. */
static const char *
strset_get(struct strset *set, const char *s)
{
	if (set->last != NULL && (set->last == s || strcmp(set->last, s) == 0))
		return set->last;
	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->s[i], s) == 0)
			return set->last = set->s[i];
	}
	if (set->n == set->cap) {
		set->cap = set->cap ? size_mul(set->cap, 2) : 16;
		set->s = xreallocarray(set->s, set->cap, sizeof *set->s);
	}
	set->s[set->n] = xstrdup(s);
	return set->last = set->s[set->n++];
}

static void
strset_release(struct strset *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->s[i]);
	free(set->s);
	memset(set, 0, sizeof *set);
}

/* A copy of s[0..n) that never moves. */
static const char *
arena_copy(struct arena_block **head, const char *s, size_t n)
{
	struct arena_block *b = *head;
	char *p;

	if (b == NULL || b->cap - b->used < n + 1) {
		size_t cap = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;

		b = xmalloc(size_add(sizeof *b, cap));
		b->next = *head;
		b->used = 0;
		b->cap = cap;
		*head = b;
	}
	p = b->data + b->used;
	memcpy(p, s, n);
	p[n] = '\0';
	b->used += n + 1;
	return p;
}

/*
 * Append to key the basename of path[0..n) without " (deleted)" and with a
 * version after ".so" replaced by "#": libfoo.so.1.2 -> libfoo.so.#,
 * libm-2.32.so -> libm-#.so (a version before ".so" needs a dot, so
 * ld-linux-x86-64.so.2 keeps its "-64").
 */
static void
add_file_name(struct buf *key, const char *path, size_t n)
{
	static const char deleted[] = " (deleted)";
	const size_t dn = sizeof deleted - 1;
	const char *base;
	size_t bn, cut;

	if (n >= dn && memcmp(path + n - dn, deleted, dn) == 0)
		n -= dn;
	base = path;
	for (size_t i = 0; i < n; i++)
		if (path[i] == '/')
			base = path + i + 1;
	bn = n - (size_t)(base - path);
	/* The last ".so." followed only by digits and dots, with a digit first. */
	cut = bn;
	for (size_t i = bn; i >= 4; i--) {
		size_t p = i - 4, j;

		if (memcmp(base + p, ".so.", 4) != 0)
			continue;
		if (p + 4 >= bn || base[p + 4] < '0' || base[p + 4] > '9')
			break;
		for (j = p + 4; j < bn; j++)
			if ((base[j] < '0' || base[j] > '9') && base[j] != '.')
				break;
		if (j == bn)
			cut = p + 4;
		break;
	}
	/* A glibc-style version before ".so": libm-2.32.so -> libm-#.so (a dot required). */
	for (size_t i = 0; i + 3 <= cut; i++) {
		size_t j = i + 1, dots = 0;

		if (base[i] != '-' || j >= cut || base[j] < '0' || base[j] > '9')
			continue;
		while (j < cut && ((base[j] >= '0' && base[j] <= '9') || base[j] == '.')) {
			dots += base[j] == '.';
			j++;
		}
		/* The run swallowed the dot of ".so": give it back. */
		if (j + 2 <= cut && j > i + 1 && base[j - 1] == '.' && memcmp(base + j, "so", 2) == 0 &&
		    (j + 2 == cut || base[j + 2] == '.')) {
			j--;
			dots--;
			if (dots > 0 && base[j - 1] != '.') {
				buf_add(key, base, i + 1);
				buf_putc(key, '#');
				buf_add(key, base + j, cut - j);
				if (cut < bn)
					buf_putc(key, '#');
				return;
			}
		}
	}
	buf_add(key, base, cut);
	if (cut < bn)
		buf_putc(key, '#');
}

/* Build v's key into key; returns its kind. */
static enum key_kind
vma_key(struct buf *key, const struct align_vma *v)
{
	buf_reset(key);
	if (strcmp(v->role, "exe") == 0) {
		buf_puts(key, "exe");
		return KIND_EXE;
	}
	if (v->path[0] == '/') {
		buf_puts(key, v->role);
		buf_putc(key, ':');
		add_file_name(key, v->path, strlen(v->path));
		return KIND_FILE;
	}
	if (v->path[0] != '\0') {
		buf_puts(key, v->path);
		return KIND_NAME;
	}
	buf_puts(key, v->role);
	return KIND_ANON;
}

/* Add one VMA's field into a region's sum: -1 if either is unknown; 0 on overflow. */
static inline int
sum_field(int64_t *sum, int64_t value)
{
	if (*sum < 0)
		return 1;
	if (value < 0) {
		*sum = -1;
		return 1;
	}
	return !__builtin_add_overflow(*sum, value, sum);
}

static int
region_add(struct align_input *in, struct align_region *r, const struct align_vma *v)
{
	const char *field = !sum_field(&r->size, v->size) ? "size" :
			    !sum_field(&r->rss, v->rss) ? "rss" :
			    !sum_field(&r->pss, v->pss) ? "pss" :
			    !sum_field(&r->anonymous, v->anonymous) ? "anonymous" :
			    !sum_field(&r->lazyfree, v->lazyfree) ? "lazyfree" :
			    !sum_field(&r->anon_huge_pages, v->anon_huge_pages) ? "anon_huge_pages" :
			    !sum_field(&r->swap, v->swap) ? "swap" :
			    !sum_field(&r->dirty, v->dirty) ? "dirty" : NULL;

	if (field != NULL) {
		in->err = INPUT_OVERFLOW;
		in->err_vma = in->nvma;
		in->err_field = field;
		return -1;
	}
	r->count++;
	r->end = v->end;
	return 0;
}

struct align_input *
align_input_new(void)
{
	struct align_input *in = xcalloc(1, sizeof *in);

	buf_init(&in->prev_path);
	buf_init(&in->scratch);
	return in;
}

void
align_input_free(struct align_input *in)
{
	struct arena_block *b, *next;

	if (in == NULL)
		return;
	intern_release(&in->keys);
	free(in->reg);
	free(in->key);
	strset_release(&in->roles);
	strset_release(&in->perms);
	for (b = in->paths; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	buf_release(&in->prev_path);
	buf_release(&in->scratch);
	free(in);
}

static int
refuse(struct align_input *in, enum input_error why, const struct align_vma *v)
{
	in->err = why;
	in->err_vma = in->nvma;
	in->err_start = v->start;
	in->err_end = v->end;
	return -1;
}

/* A new region starting with v, of key id and kind. */
static struct align_region *
region_new(struct align_input *in, const struct align_vma *v, const char *role, uint32_t id,
	   enum key_kind kind)
{
	struct align_region *r;

	if (in->nreg == in->cap) {
		in->cap = in->cap ? size_mul(in->cap, 2) : 256;
		in->reg = xreallocarray(in->reg, in->cap, sizeof *in->reg);
		in->key = xreallocarray(in->key, in->cap, sizeof *in->key);
	}
	r = &in->reg[in->nreg];
	memset(r, 0, sizeof *r);
	in->key[in->nreg++] = id;
	in->cur_kind = (unsigned char)kind;
	r->first = in->nvma;
	r->start = v->start;
	r->end = v->start;
	r->role = role;
	r->path = v->path[0] != '\0' ? arena_copy(&in->paths, v->path, strlen(v->path)) : "";
	r->perms = strset_get(&in->perms, v->perms);
	return r;
}

int
align_input_add(struct align_input *in, const struct align_vma *v)
{
	struct align_region *cur = in->nreg > 0 ? &in->reg[in->nreg - 1] : NULL;
	const char *role;
	enum key_kind kind;
	size_t plen;
	uint32_t id;

	if (in->err != INPUT_OK)
		return -1;
	if (v->role == NULL || v->path == NULL || v->perms == NULL)
		return refuse(in, INPUT_STRINGS, v);
	if (v->end < v->start || (in->nvma > 0 && v->start < in->prev_end))
		return refuse(in, INPUT_ORDER, v);
	plen = strlen(v->path);
	/* Runs of VMAs of one file or role share a key: skip the hashing. */
	if (in->prev_role != NULL && plen == in->prev_path.len &&
	    memcmp(v->path, in->prev_path.data, plen) == 0 &&
	    (v->role == in->prev_role || strcmp(v->role, in->prev_role) == 0)) {
		role = in->prev_role;
		id = in->prev_key;
		kind = (enum key_kind)in->keys.e[id].kind;
	} else {
		role = strset_get(&in->roles, v->role);
		kind = vma_key(&in->scratch, v);
		id = intern_key(&in->keys, in->scratch.data, in->scratch.len, kind,
				kind == KIND_ANON && role_ordered(role));
		buf_reset(&in->prev_path);
		buf_add(&in->prev_path, v->path, plen);
	}
	in->prev_role = role;
	in->prev_key = id;
	in->prev_end = v->end;
	if (cur == NULL || cur->end != v->start || cur->role != role ||
	    (id != in->key[in->nreg - 1] && !(kind == KIND_ANON && in->cur_kind == KIND_FILE)))
		cur = region_new(in, v, role, id, kind);
	if (region_add(in, cur, v) < 0)
		return -1;
	in->nvma++;
	return 0;
}

size_t
align_input_vmas(const struct align_input *in)
{
	return in->nvma;
}
