#include "ingest/roles.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define MiB (1024ull * 1024)
/* Go heap arenas and glibc malloc heaps (HEAP_MAX_SIZE on 64-bit) are 64 MiB, aligned. */
#define ARENA_BYTES (64 * MiB)
/* The Go page allocator maps the heap in chunks of 4 MiB (pallocChunkBytes). */
#define CHUNK_BYTES (4 * MiB)
/* Largest ---p below an rw-p mapping that still reads as a thread stack's guard. */
#define GUARD_MAX (64 * 1024ull)

/* One VMA held until its context is known: a deep copy. */
struct held {
	struct vma v;
	struct buf path;
	struct buf flags;
	int exe;
	const char *shape;
	const char *role;
};

struct classifier {
	const struct rules *rules;
	classifier_emit_fn emit;
	void *ctx;
	struct held slots[ROLES_RUN_MAX + 2];	/* storage of q and prev */
	struct held *q[ROLES_RUN_MAX + 1];	/* held VMAs, in address order */
	size_t nq;
	int q_is_run;		/* q holds (part of) a run of unnamed anonymous VMAs */
	int run_overflow;	/* the current run passed ROLES_RUN_MAX: no shape */
	struct held *prev;	/* last VMA emitted */
	int have_prev;
	char *exe_path;		/* path of the main executable, once seen */
	size_t exe_len;
	struct buf desc;	/* descriptor of the VMA being classified */
	long rule;		/* rule that matched it */
};

struct classifier *
classifier_new(const struct rules *rules, classifier_emit_fn emit, void *ctx)
{
	struct classifier *c = xcalloc(1, sizeof(*c));
	size_t i;

	c->rules = rules;
	c->emit = emit;
	c->ctx = ctx;
	c->rule = -1;
	for (i = 0; i <= ROLES_RUN_MAX; i++)
		c->q[i] = &c->slots[i];
	c->prev = &c->slots[ROLES_RUN_MAX + 1];
	return c;
}

static void
held_release(struct held *h)
{
	buf_release(&h->path);
	buf_release(&h->flags);
}

void
classifier_free(struct classifier *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < sizeof(c->slots) / sizeof(c->slots[0]); i++)
		held_release(&c->slots[i]);
	buf_release(&c->desc);
	free(c->exe_path);
	free(c);
}

const char *
classifier_descriptor(const struct classifier *c)
{
	return buf_str(&c->desc);
}

long
classifier_rule(const struct classifier *c)
{
	return c->rule;
}

/* Copy src into h, reusing h's storage. */
static void
held_set(struct held *h, const struct vma *src)
{
	h->v = *src;
	buf_reset(&h->path);
	buf_add(&h->path, src->path != NULL ? src->path : "", src->path != NULL ? src->path_len : 0);
	h->v.path = buf_str(&h->path);
	h->v.path_len = h->path.len;
	if (src->vmflags != NULL) {
		buf_reset(&h->flags);
		buf_puts(&h->flags, src->vmflags);
		h->v.vmflags = buf_str(&h->flags);
	}
	h->exe = 0;
	h->shape = NULL;
	h->role = NULL;
}

/* perms is exactly lit ("rw-p"): perms is NUL-terminated in its 5 bytes. */
static int
perms_is(const char *perms, const char *lit)
{
	return memcmp(perms, lit, 5) == 0;
}

int
roles_is_lib_path(const char *path, size_t len)
{
	static const char deleted[] = " (deleted)";
	size_t dl = sizeof(deleted) - 1, base = 0, i, end = len;

	if (len >= dl && memcmp(path + len - dl, deleted, dl) == 0)
		end = len - dl;
	for (i = 0; i < end; i++)
		if (path[i] == '/')
			base = i + 1;
	/* Strip ".N" version suffixes, then expect ".so". */
	while (end > base) {
		size_t j = end;

		while (j > base && path[j - 1] >= '0' && path[j - 1] <= '9')
			j--;
		if (j == end || j == base || path[j - 1] != '.')
			break;
		end = j - 1;
	}
	return end - base > 3 && memcmp(path + end - 3, ".so", 3) == 0;
}

/* A file the main executable can be: a path, not a library, not shared memory or a device. */
static int
exe_candidate(const struct vma *v)
{
	if (v->path_len == 0 || v->path[0] != '/')
		return 0;
	if (roles_is_lib_path(v->path, v->path_len))
		return 0;
	if (strncmp(v->path, "/memfd:", 7) == 0 || strncmp(v->path, "/dev/", 5) == 0 ||
	    strncmp(v->path, "/SYSV", 5) == 0)
		return 0;
	return 1;
}

static int
is_run_member(const struct vma *v)
{
	return v->path_len == 0 && (perms_is(v->perms, "rw-p") || perms_is(v->perms, "---p"));
}

/*
 * The descriptor is written with plain stores into room reserved once:
 * with a million VMAs a function call per token is most of the cost.
 */
static const char hexdig[] = "0123456789abcdef";

/* Write x in lowercase hex without leading zeros at p; returns the end. */
static char *
put_hex(char *p, uint64_t x)
{
	size_t digits = (size_t)(67 - __builtin_clzll(x | 1)) / 4, i = digits;

	do {
		p[--i] = hexdig[x & 0xf];
		x >>= 4;
	} while (i > 0);
	return p + digits;
}

/* Write perms: at most 4 bytes whatever the parser left in the field. */
static char *
put_perms(char *p, const char *perms)
{
	size_t n = 0;

	if (perms[0] != '\0' && perms[1] != '\0' && perms[2] != '\0' && perms[3] != '\0') {
		memcpy(p, perms, 4);	/* what the parser leaves: one copy */
		return p + 4;
	}
	while (n < 4 && perms[n] != '\0') {
		p[n] = perms[n];
		n++;
	}
	return p + n;
}

static char *
put_str(char *p, const char *s)
{
	while (*s != '\0')
		*p++ = *s++;
	return p;
}

static inline char *
put_mem(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

static inline char *
put_bit(char *p, int x)
{
	*p = x ? '1' : '0';
	return p + 1;
}

/* Write a string literal (its length known when compiling: an inline copy). */
#define PUT_LIT(p, lit) put_mem(p, lit, sizeof(lit) - 1)
/* Write " key=value" (key a literal). */
#define PUT_KEY(p, key, value) put_str(PUT_LIT(p, " " key "="), value)
/* Write " key=0" or " key=1". */
#define PUT_BIT(p, key, x) put_bit(PUT_LIT(p, " " key "="), x)

/* 1 if one of the 8 bytes of w is a control byte, DEL, '@' or '\\' (put_name escapes them). */
static inline int
word_needs_escape(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t at = w ^ (ones * '@'), bs = w ^ (ones * '\\'), del = w ^ (ones * 0x7f);

	/* each test may flag a byte above a flagged one, never one below: a yes is checked bytewise */
	return ((((w - ones * 0x20) & ~w) | ((at - ones) & ~at) | ((bs - ones) & ~bs) |
		 ((del - ones) & ~del)) & highs) != 0;
}

/*
 * The name as it appears in a descriptor: verbatim but for control bytes,
 * '@' and '\\', written \\xHH (4 bytes at most each). With no '@' in a
 * name, the first '@' of a descriptor starts START, and a pattern can skip
 * any name with [^@]*+ instead of backtracking.
 */
static char *
put_name(char *p, const struct vma *v)
{
	const unsigned char *s = (const unsigned char *)v->path;
	size_t i = 0, run = 0;

	if (v->path_len == 0)
		return PUT_LIT(p, "[anon]");
	/* most names need no escape: copy them eight bytes at a time */
	for (; i + 8 <= v->path_len; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		if (word_needs_escape(w))
			break;
	}
	for (; i < v->path_len; i++) {
		unsigned char ch = s[i];

		if (ch >= 0x20 && ch != 0x7f && ch != '@' && ch != '\\')
			continue;
		memcpy(p, s + run, i - run);
		p += i - run;
		*p++ = '\\';
		*p++ = 'x';
		*p++ = hexdig[ch >> 4];
		*p++ = hexdig[ch & 0xf];
		run = i + 1;
	}
	memcpy(p, s + run, i - run);
	return p + (i - run);
}

/* High bit of each byte of w equal to c, exactly (no borrow from byte to byte). */
static inline uint64_t
bytes_equal(uint64_t w, unsigned char c)
{
	const uint64_t lows = 0x7f7f7f7f7f7f7f7full;
	uint64_t y = w ^ (0x0101010101010101ull * c);

	return ~(((y & lows) + lows) | y) & ~lows;
}

/* VmFlags "rd wr mr" as "rd,wr,mr"; "-" when smaps had none (maps input). */
static char *
put_flags(char *p, const char *flags)
{
	int first = 1, blank = 0;
	size_t len, i = 0;

	p = PUT_LIT(p, " flags=");
	if (flags == NULL) {
		*p++ = '-';
		return p;
	}
	len = strlen(flags);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/*
	 * Eight bytes at a time while each blank in them is one space between
	 * two flags (none first, none last in the word, no tab, no two
	 * together): then each space is exactly the ',' the loop below writes.
	 */
	for (; i + 8 <= len; i += 8) {
		uint64_t w, spaces;

		memcpy(&w, flags + i, 8);
		spaces = bytes_equal(w, ' ');
		if (bytes_equal(w, '\t') != 0 || (spaces & (spaces >> 8)) != 0 ||
		    (spaces >> 56) != 0 || (i == 0 && (spaces & 0x80) != 0))
			break;
		w += (spaces >> 7) * (',' - ' ');
		memcpy(p, &w, 8);
		p += 8;
		first = 0;
	}
#endif
	for (; i < len; i++) {
		char ch = flags[i];

		if (ch == ' ' || ch == '\t') {
			blank = 1;
			continue;
		}
		if (blank && !first)
			*p++ = ',';
		*p++ = ch;
		first = blank = 0;
	}
	if (first)
		*p++ = '-';
	return p;
}

/* Fixed part of a descriptor: perms, hex numbers, the tokens and their values. */
#define DESC_FIXED 256

void
roles_descriptor(struct buf *out, const struct vma *v, const struct roles_context *cx)
{
	const struct vma *prev = cx->prev, *next = cx->next;
	int adjprev = prev != NULL && prev->end == v->start;
	int adjnext = next != NULL && next->start == v->end;
	int guard = adjprev && prev->path_len == 0 && perms_is(prev->perms, "---p") &&
		    prev->end - prev->start <= GUARD_MAX;
	const char *prev_role = cx->prev_role != NULL ? cx->prev_role : "-";
	size_t room = DESC_FIXED + strlen(prev_role);
	char *p;

	room = size_add(room, size_mul(v->path_len, 4));
	if (v->vmflags != NULL)
		room = size_add(room, strlen(v->vmflags));
	buf_grow(out, room);
	p = out->data + out->len;
	p = put_perms(p, v->perms);
	*p++ = ' ';
	p = put_hex(p, v->offset);
	*p++ = ' ';
	p = put_name(p, v);
	p = PUT_LIT(p, " @");
	p = put_hex(p, v->start);
	p = PUT_LIT(p, " size=");
	p = put_hex(p, v->end - v->start);
	p = PUT_BIT(p, "exe", cx->exe);
	p = PUT_KEY(p, "shape", cx->shape != NULL ? cx->shape : "-");
	p = PUT_BIT(p, "guard", guard);
	p = PUT_KEY(p, "prev", prev_role);
	p = PUT_BIT(p, "adjprev", adjprev);
	p = PUT_LIT(p, " prevperms=");
	p = prev != NULL ? put_perms(p, prev->perms) : PUT_LIT(p, "-");
	p = PUT_BIT(p, "adjnext", adjnext);
	p = PUT_LIT(p, " nextperms=");
	p = next != NULL ? put_perms(p, next->perms) : PUT_LIT(p, "-");
	p = PUT_BIT(p, "a64m", v->start % ARENA_BYTES == 0);
	p = put_flags(p, v->vmflags);
	*p = '\0';
	out->len = (size_t)(p - out->data);
}

/*
 * Shapes of the run q[0..n) of adjacent unnamed anonymous rw-p/---p VMAs.
 * heap64: a stretch that starts on a 64 MiB boundary, may open with ---p
 * VMAs totalling a multiple of 4 MiB, continues with rw-p VMAs whose total
 * is a multiple of 4 MiB, and ends on a 64 MiB boundary after ---p VMAs (or
 * right after the rw-p ones when the stretch opened with ---p): how the Go
 * runtime maps arenas (reserve 64 MiB-aligned multiples PROT_NONE, map them
 * in 4 MiB chunks; Go >= 1.26 starts the heap at a random 4 MiB chunk of its
 * first arena and never maps the chunks below it).
 * arena64: otherwise, a 64 MiB-aligned window covered exactly by rw-p then
 * ---p VMAs: how glibc lays out a thread arena (its rw-p part grows by pages).
 */
static void
set_shapes(struct held **q, size_t n)
{
	size_t a = 0, i;

	while (a < n) {
		size_t h = a, b, tail;
		uint64_t rw_start, rw_end;

		if (q[a]->v.start % ARENA_BYTES != 0) {
			a++;
			continue;
		}
		while (h < n && perms_is(q[h]->v.perms, "---p"))
			h++;
		rw_start = h > a ? q[h - 1]->v.end : q[a]->v.start;
		b = h;
		while (b < n && perms_is(q[b]->v.perms, "rw-p"))
			b++;
		if (b == h || (rw_start - q[a]->v.start) % CHUNK_BYTES != 0) {
			a = h > a ? h : a + 1;	/* a reservation alone, or not chunked */
			continue;
		}
		rw_end = q[b - 1]->v.end;
		tail = b;
		while (tail < n && perms_is(q[tail]->v.perms, "---p"))
			tail++;
		if ((rw_end - rw_start) % CHUNK_BYTES == 0 &&
		    ((tail > b && q[tail - 1]->v.end % ARENA_BYTES == 0) ||
		     (h > a && rw_end % ARENA_BYTES == 0))) {
			if (tail == b || q[tail - 1]->v.end % ARENA_BYTES != 0)
				tail = b;
			for (i = a; i < tail; i++)
				q[i]->shape = "heap64";
			a = tail;
			continue;
		}
		if (h > a) {
			a = h;	/* a ---p opening that is no Go heap: try from the rw-p */
			continue;
		}
		/* Not a Go heap: try one 64 MiB window, rw-p then ---p. */
		if (tail > b && q[b]->v.start < q[a]->v.start + ARENA_BYTES) {
			size_t k = b;

			while (k < tail && q[k]->v.end < q[a]->v.start + ARENA_BYTES)
				k++;
			if (k < tail && q[k]->v.end == q[a]->v.start + ARENA_BYTES &&
			    rw_end - q[a]->v.start < ARENA_BYTES) {
				for (i = a; i <= k; i++)
					q[i]->shape = "arena64";
				a = k + 1;
				continue;
			}
		}
		a++;
	}
}

static int
emit_one(struct classifier *c, struct held *h, const struct vma *prev, const char *prev_role,
	 const struct vma *next, struct diag *d)
{
	struct roles_context cx;
	const char *role;

	cx.exe = h->exe;
	cx.prev_role = prev_role;
	cx.prev = prev;
	cx.next = next;
	cx.shape = h->shape;
	buf_reset(&c->desc);
	roles_descriptor(&c->desc, &h->v, &cx);
	role = rules_classify_ex(c->rules, c->desc.data, c->desc.len, &c->rule, d);
	if (role == NULL) {
		if (d->line == 0)
			d->line = h->v.line;
		return -1;
	}
	h->role = role;
	return c->emit(c->ctx, &h->v, role, d);
}

/* Classify and emit q[0..n) with next after the last; q[n-1] becomes prev. */
static int
flush(struct classifier *c, size_t n, const struct vma *next, struct diag *d)
{
	size_t i;

	if (n == 0)
		return 0;
	if (c->q_is_run && !c->run_overflow)
		set_shapes(c->q, n);
	for (i = 0; i < n; i++) {
		const struct vma *p = NULL;
		const char *prole = NULL;

		if (i > 0) {
			p = &c->q[i - 1]->v;
			prole = c->q[i - 1]->role;
		} else if (c->have_prev) {
			p = &c->prev->v;
			prole = c->prev->role;
		}
		if (emit_one(c, c->q[i], p, prole, i + 1 < n ? &c->q[i + 1]->v : next, d) != 0)
			return -1;
	}
	{
		struct held *t = c->prev;

		c->prev = c->q[n - 1];
		c->q[n - 1] = t;
	}
	c->have_prev = 1;
	return 0;
}

int
classifier_push(struct classifier *c, const struct vma *v, struct diag *d)
{
	const struct held *last = c->nq > 0 ? c->q[c->nq - 1] : (c->have_prev ? c->prev : NULL);
	int member = is_run_member(v);
	int extends = member && c->q_is_run && c->nq > 0 && last->v.end == v->start;
	int exe = 0;

	if (c->exe_path == NULL && exe_candidate(v)) {
		c->exe_path = xstrndup(v->path, v->path_len);
		c->exe_len = v->path_len;
	}
	if (c->exe_path != NULL && v->path_len == c->exe_len &&
	    memcmp(v->path, c->exe_path, v->path_len) == 0)
		exe = 1;
	else if (last != NULL && perms_is(v->perms, "rw-p") && v->path_len == 0 &&
		 last->exe && last->v.path_len > 0 && last->v.end == v->start)
		exe = 1;	/* the executable's bss, right after its last mapping */

	if (extends && c->nq == ROLES_RUN_MAX) {
		/* Too long to hold: emit what we have with no shape, and keep going. */
		c->run_overflow = 1;
		if (flush(c, c->nq, v, d) != 0)
			return -1;
		c->nq = 0;
	} else if (!extends) {
		if (flush(c, c->nq, v, d) != 0)
			return -1;
		c->nq = 0;
		c->q_is_run = member;
		c->run_overflow = 0;
	}
	held_set(c->q[c->nq], v);
	c->q[c->nq]->exe = exe;
	c->nq++;
	return 0;
}

int
classifier_finish(struct classifier *c, struct diag *d)
{
	int rc = flush(c, c->nq, NULL, d);

	c->nq = 0;
	return rc;
}
