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
	struct held q[ROLES_RUN_MAX + 1];	/* held VMAs, in address order */
	size_t nq;
	int q_is_run;		/* q holds (part of) a run of unnamed anonymous VMAs */
	int run_overflow;	/* the current run passed ROLES_RUN_MAX: no shape */
	struct held prev;	/* last VMA emitted */
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

	c->rules = rules;
	c->emit = emit;
	c->ctx = ctx;
	c->rule = -1;
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
	for (i = 0; i < sizeof(c->q) / sizeof(c->q[0]); i++)
		held_release(&c->q[i]);
	held_release(&c->prev);
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

static void
held_swap(struct held *a, struct held *b)
{
	struct held t = *a;

	*a = *b;
	*b = t;
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
	return v->path_len == 0 && (strcmp(v->perms, "rw-p") == 0 || strcmp(v->perms, "---p") == 0);
}

static void
put_hex(struct buf *out, const char *key, uint64_t x)
{
	buf_printf(out, " %s=%llx", key, (unsigned long long)x);
}

/* The name as it appears in a descriptor: verbatim but for control bytes. */
static void
put_name(struct buf *out, const struct vma *v)
{
	size_t i, run = 0;

	if (v->path_len == 0) {
		buf_puts(out, "[anon]");
		return;
	}
	for (i = 0; i < v->path_len; i++) {
		unsigned char ch = (unsigned char)v->path[i];

		if (ch < 0x20 || ch == 0x7f) {
			buf_add(out, v->path + run, i - run);
			buf_printf(out, "\\x%02x", ch);
			run = i + 1;
		}
	}
	buf_add(out, v->path + run, i - run);
}

static void
put_perms(struct buf *out, const char *key, const struct vma *v)
{
	buf_printf(out, " %s=%s", key, v != NULL ? v->perms : "-");
}

/* VmFlags "rd wr mr" as "rd,wr,mr"; "-" when smaps had none (maps input). */
static void
put_flags(struct buf *out, const struct vma *v)
{
	const char *p = v->vmflags;
	int first = 1;

	buf_puts(out, " flags=");
	if (p == NULL) {
		buf_putc(out, '-');
		return;
	}
	while (*p != '\0') {
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, " \t");
		if (n == 0)
			break;
		if (!first)
			buf_putc(out, ',');
		buf_add(out, p, n);
		first = 0;
		p += n;
	}
	if (first)
		buf_putc(out, '-');
}

void
roles_descriptor(struct buf *out, const struct vma *v, const struct roles_context *cx)
{
	const struct vma *prev = cx->prev, *next = cx->next;
	int adjprev = prev != NULL && prev->end == v->start;
	int adjnext = next != NULL && next->start == v->end;
	int guard = adjprev && prev->path_len == 0 && strcmp(prev->perms, "---p") == 0 &&
		    prev->end - prev->start <= GUARD_MAX;

	buf_printf(out, "%s %llx ", v->perms, (unsigned long long)v->offset);
	put_name(out, v);
	buf_printf(out, " @%llx", (unsigned long long)v->start);
	put_hex(out, "size", v->end - v->start);
	buf_printf(out, " exe=%d prev=%s adjprev=%d", cx->exe != 0,
		   cx->prev_role != NULL ? cx->prev_role : "-", adjprev);
	put_perms(out, "prevperms", prev);
	buf_printf(out, " guard=%d adjnext=%d", guard, adjnext);
	put_perms(out, "nextperms", next);
	buf_printf(out, " a64m=%d shape=%s", v->start % ARENA_BYTES == 0,
		   cx->shape != NULL ? cx->shape : "-");
	put_flags(out, v);
}

/*
 * Shapes of the run q[0..n) of adjacent unnamed anonymous rw-p/---p VMAs.
 * heap64: a stretch that starts on a 64 MiB boundary with rw-p VMAs whose
 * total is a multiple of 4 MiB, continues with ---p VMAs, and ends on a
 * 64 MiB boundary: how the Go runtime maps arenas (reserve 64 MiB-aligned
 * multiples PROT_NONE, map from the bottom in 4 MiB chunks).
 * arena64: otherwise, a 64 MiB-aligned window covered exactly by rw-p then
 * ---p VMAs: how glibc lays out a thread arena (its rw-p part grows by pages).
 */
static void
set_shapes(struct held *q, size_t n)
{
	size_t a = 0, i;

	while (a < n) {
		size_t b = a, tail;
		uint64_t rw_end;

		if (q[a].v.start % ARENA_BYTES != 0 || strcmp(q[a].v.perms, "rw-p") != 0) {
			a++;
			continue;
		}
		while (b < n && strcmp(q[b].v.perms, "rw-p") == 0)
			b++;
		rw_end = q[b - 1].v.end;
		tail = b;
		while (tail < n && strcmp(q[tail].v.perms, "---p") == 0)
			tail++;
		if (tail > b && q[tail - 1].v.end % ARENA_BYTES == 0 &&
		    (rw_end - q[a].v.start) % CHUNK_BYTES == 0) {
			for (i = a; i < tail; i++)
				q[i].shape = "heap64";
			a = tail;
			continue;
		}
		/* Not a Go heap: try one 64 MiB window, rw-p then ---p. */
		if (tail > b && q[b].v.start < q[a].v.start + ARENA_BYTES) {
			size_t k = b;

			while (k < tail && q[k].v.end < q[a].v.start + ARENA_BYTES)
				k++;
			if (k < tail && q[k].v.end == q[a].v.start + ARENA_BYTES &&
			    rw_end - q[a].v.start < ARENA_BYTES) {
				for (i = a; i <= k; i++)
					q[i].shape = "arena64";
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
			p = &c->q[i - 1].v;
			prole = c->q[i - 1].role;
		} else if (c->have_prev) {
			p = &c->prev.v;
			prole = c->prev.role;
		}
		if (emit_one(c, &c->q[i], p, prole, i + 1 < n ? &c->q[i + 1].v : next, d) != 0)
			return -1;
	}
	held_swap(&c->prev, &c->q[n - 1]);
	c->have_prev = 1;
	return 0;
}

int
classifier_push(struct classifier *c, const struct vma *v, struct diag *d)
{
	const struct held *last = c->nq > 0 ? &c->q[c->nq - 1] : (c->have_prev ? &c->prev : NULL);
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
	else if (last != NULL && strcmp(v->perms, "rw-p") == 0 && v->path_len == 0 &&
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
	held_set(&c->q[c->nq], v);
	c->q[c->nq].exe = exe;
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
