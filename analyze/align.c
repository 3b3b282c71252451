/*
 * Alignment of two snapshots (see align.h); their regions come from
 * analyze/align_input.c, which gives every region a key.
 *
 * Each input interns its own keys; here they are interned once more for
 * both sides, so a key is a small integer and pairing by identity is a
 * lookup in counting-sorted arrays.
 *
 * Passes, each linear or O(n log n):
 *   1. keyed regions (file, name, exe) pair by key and occurrence rank;
 *   2. anonymous regions of the address-stable Go roles (go-heap, ...)
 *      pair by rank, that is in address order;
 *   3. the pairs so far are anchors; a longest increasing subsequence keeps
 *      a chain that is monotone on both sides (ASLR reorders libraries);
 *      the unpaired anonymous regions between two consecutive chain anchors
 *      are matched by an edit-distance DP (gaps of at most ALIGN_DP_MAX
 *      regions a side; larger gaps greedily in order);
 *   4. what is still unpaired is matched once more, role by role, each
 *      role's leftovers as one sequence in address order: an anchor that
 *      moved alone (a library relocated away from its neighbours) or thread
 *      stacks created in another order must not strand regions.
 */
#include "analyze/align_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"

/* Largest gap (regions per side) matched by the quadratic DP. */
#define ALIGN_DP_MAX 64

/* Cost of leaving a region unpaired in a gap; a match must cost less than two of these. */
#define SKIP_COST 1.0
#define MATCH_MAX (2 * SKIP_COST)

/* One snapshot being aligned. */
struct side {
	const char *name;	/* "before", "after" for messages */
	struct align_region *reg;
	size_t nreg;
	uint32_t *key;		/* region -> key id */
	size_t *rank;		/* region -> occurrence of its key, in address order */
	long *partner;		/* region -> region of the other side, -1 */
	unsigned char *how;	/* region -> enum align_how when paired */
	size_t *gap;		/* region -> gap between chain anchors */
	unsigned char *chain;	/* region is an anchor of the monotone chain */
	double *log_span;	/* region -> log2 of its bytes (at least 1) */
	char *arena;		/* identities */
};

/* What align_inputs and align_snapshots return; the public part comes first. */
struct alignment_impl {
	struct alignment pub;
	char *arena_before, *arena_after;
	struct align_input *own_before, *own_after;	/* align_snapshots' inputs */
};

/* Scratch for the gap matcher. */
struct matcher {
	double dp[(ALIGN_DP_MAX + 1) * (ALIGN_DP_MAX + 1)];
	unsigned char step[(ALIGN_DP_MAX + 1) * (ALIGN_DP_MAX + 1)];
};

/* Equal strings; most are the same pointer (each input interns its roles and perms). */
static inline int
same_str(const char *x, const char *y)
{
	return x == y || strcmp(x, y) == 0;
}

static size_t
digits(size_t x)
{
	size_t n = 1;

	while (x >= 10) {
		x /= 10;
		n++;
	}
	return n;
}

/* Rank every region among the regions of its key and write identities "KEY#RANK". */
static void
build_identities(struct side *s, const struct intern *in)
{
	size_t *count = xcalloc(in->n ? in->n : 1, sizeof *count);
	size_t total = 0, at = 0;

	s->rank = xcalloc(s->nreg ? s->nreg : 1, sizeof *s->rank);
	for (size_t r = 0; r < s->nreg; r++) {
		s->rank[r] = count[s->key[r]]++;
		total = size_add(total, size_add(in->e[s->key[r]].len, digits(s->rank[r]) + 2));
	}
	s->arena = xmalloc(total ? total : 1);
	for (size_t r = 0; r < s->nreg; r++) {
		size_t kl = in->e[s->key[r]].len, nd = digits(s->rank[r]);
		char *id = s->arena + at;

		memcpy(id, in->text.data + in->e[s->key[r]].off, kl);
		id[kl] = '#';
		for (size_t x = s->rank[r], k = nd; k > 0; k--, x /= 10)
			id[kl + k] = (char)('0' + x % 10);
		id[kl + 1 + nd] = '\0';
		s->reg[r].identity = id;
		at += kl + nd + 2;
	}
	free(count);
}

static void
pair(struct side *b, size_t rb, struct side *a, size_t ra, enum align_how how)
{
	b->partner[rb] = (long)ra;
	a->partner[ra] = (long)rb;
	b->how[rb] = (unsigned char)how;
	a->how[ra] = (unsigned char)how;
}

/* Passes 1 and 2: keyed regions and ordered roles pair by key and rank. */
static void
pair_by_key(struct side *b, struct side *a, const struct intern *in)
{
	size_t nk = in->n ? in->n : 1;
	size_t *first = xcalloc(nk + 1, sizeof *first);
	size_t *order = xcalloc(a->nreg ? a->nreg : 1, sizeof *order);

	for (size_t r = 0; r < a->nreg; r++)
		first[a->key[r] + 1]++;
	for (size_t k = 0; k < nk; k++)
		first[k + 1] += first[k];
	/* Regions of a key are in address order, so rank is their place. */
	for (size_t r = 0; r < a->nreg; r++)
		order[first[a->key[r]] + a->rank[r]] = r;
	for (size_t r = 0; r < b->nreg; r++) {
		uint32_t k = b->key[r];
		enum align_how how;

		switch (in->e[k].kind) {
		case KIND_EXE:
			how = ALIGN_EXE;
			break;
		case KIND_FILE:
			how = ALIGN_FILE;
			break;
		case KIND_NAME:
			how = ALIGN_NAME;
			break;
		default:
			if (!in->e[k].ordered)
				continue;
			how = ALIGN_ROLE_ORDER;
			break;
		}
		if (b->rank[r] < first[k + 1] - first[k])
			pair(b, r, a, order[first[k] + b->rank[r]], how);
	}
	free(first);
	free(order);
}

/* Mark the longest chain of anchors increasing on both sides (patience sorting). */
static void
mark_chain(struct side *b, struct side *a)
{
	size_t n = 0, len = 0;
	size_t *anc, *tail, *prev;

	for (size_t r = 0; r < b->nreg; r++)
		if (b->partner[r] >= 0)
			n++;
	if (n == 0)
		return;
	anc = xcalloc(n, sizeof *anc);
	tail = xcalloc(n, sizeof *tail);
	prev = xcalloc(n, sizeof *prev);
	n = 0;
	for (size_t r = 0; r < b->nreg; r++)
		if (b->partner[r] >= 0)
			anc[n++] = r;
	for (size_t x = 0; x < n; x++) {
		long key = b->partner[anc[x]];
		size_t lo = 0, hi = len;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (b->partner[anc[tail[mid]]] < key)
				lo = mid + 1;
			else
				hi = mid;
		}
		prev[x] = lo > 0 ? tail[lo - 1] : SIZE_MAX;
		tail[lo] = x;
		if (lo == len)
			len++;
	}
	for (size_t x = tail[len - 1];; x = prev[x]) {
		b->chain[anc[x]] = 1;
		a->chain[b->partner[anc[x]]] = 1;
		if (prev[x] == SIZE_MAX)
			break;
	}
	free(anc);
	free(tail);
	free(prev);
}

/* Number each region by the gap between chain anchors it falls in. */
static void
number_gaps(struct side *s)
{
	size_t g = 0;

	for (size_t r = 0; r < s->nreg; r++) {
		if (s->chain[r])
			g++;
		s->gap[r] = g;
	}
}

static double
match_cost(const struct side *b, size_t rb, const struct side *a, size_t ra, int strict)
{
	const struct align_region *x = &b->reg[rb], *y = &a->reg[ra];
	double cost;
	int same_role = same_str(x->role, y->role);

	if (strict && !same_role)
		return 2 * MATCH_MAX;
	cost = 0.25 * fabs(b->log_span[rb] - a->log_span[ra]);
	if (!same_str(x->perms, y->perms))
		cost += 0.5;
	if (!same_role)
		cost += 1.5;
	return cost;
}

/* Match B[0..m) with A[0..n) (unpaired regions, in address order). */
static void
match_gap(struct matcher *mt, struct side *b, const size_t *B, size_t m, struct side *a,
	  const size_t *A, size_t n, int strict)
{
	const size_t w = n + 1;

	if (m == 0 || n == 0)
		return;
	if (m > ALIGN_DP_MAX || n > ALIGN_DP_MAX) {
		/* Greedy in order, looking one region ahead on each side. */
		size_t i = 0, j = 0;

		while (i < m && j < n) {
			double c = match_cost(b, B[i], a, A[j], strict);
			double skip_a = j + 1 < n ? match_cost(b, B[i], a, A[j + 1], strict) : 1e9;
			double skip_b = i + 1 < m ? match_cost(b, B[i + 1], a, A[j], strict) : 1e9;

			if (c < MATCH_MAX && c <= skip_a && c <= skip_b) {
				pair(b, B[i++], a, A[j++], ALIGN_GAP);
			} else if (skip_a < skip_b) {
				j++;
			} else {
				i++;
			}
		}
		return;
	}
	/* Edit distance: step 0 match, 1 skip before, 2 skip after. */
	for (size_t i = 0; i <= m; i++) {
		for (size_t j = 0; j <= n; j++) {
			double best;
			unsigned char step;

			if (i == 0 && j == 0) {
				mt->dp[0] = 0;
				continue;
			}
			best = 1e18;
			step = 0;
			if (i > 0 && j > 0) {
				double c = match_cost(b, B[i - 1], a, A[j - 1], strict);

				if (c < MATCH_MAX) {
					best = mt->dp[(i - 1) * w + j - 1] + c;
					step = 0;
				}
			}
			if (i > 0 && mt->dp[(i - 1) * w + j] + SKIP_COST < best) {
				best = mt->dp[(i - 1) * w + j] + SKIP_COST;
				step = 1;
			}
			if (j > 0 && mt->dp[i * w + j - 1] + SKIP_COST < best) {
				best = mt->dp[i * w + j - 1] + SKIP_COST;
				step = 2;
			}
			mt->dp[i * w + j] = best;
			mt->step[i * w + j] = step;
		}
	}
	for (size_t i = m, j = n; i > 0 || j > 0;) {
		switch (mt->step[i * w + j]) {
		case 0:
			pair(b, B[i - 1], a, A[j - 1], ALIGN_GAP);
			i--;
			j--;
			break;
		case 1:
			i--;
			break;
		default:
			j--;
			break;
		}
	}
}

/* Unpaired anonymous regions of s that are not of an ordered role, in address order. */
static size_t
gap_candidates(const struct side *s, const struct intern *in, size_t *out)
{
	size_t n = 0;

	for (size_t r = 0; r < s->nreg; r++)
		if (s->partner[r] < 0 && in->e[s->key[r]].kind == KIND_ANON &&
		    !in->e[s->key[r]].ordered)
			out[n++] = r;
	return n;
}

/* The side whose regions sort_by_role compares: qsort has no context argument. */
static _Thread_local const struct side *sort_side;

static int
cmp_role_index(const void *x, const void *y)
{
	size_t rx = *(const size_t *)x, ry = *(const size_t *)y;
	int c = strcmp(sort_side->reg[rx].role, sort_side->reg[ry].role);

	if (c != 0)
		return c;
	return rx < ry ? -1 : rx > ry;
}

/* Sort region indices by role, then address. */
static void
sort_by_role(const struct side *s, size_t *idx, size_t n)
{
	sort_side = s;
	qsort(idx, n, sizeof *idx, cmp_role_index);
	sort_side = NULL;
}

/* Passes 3 and 4: anonymous regions between chain anchors, then the rest as one sequence. */
static void
pair_gaps(struct side *b, struct side *a, const struct intern *in)
{
	struct matcher *mt = xmalloc(sizeof *mt);
	size_t *cb = xcalloc(b->nreg ? b->nreg : 1, sizeof *cb);
	size_t *ca = xcalloc(a->nreg ? a->nreg : 1, sizeof *ca);
	size_t nb, na, i = 0, j = 0;

	mark_chain(b, a);
	number_gaps(b);
	number_gaps(a);
	nb = gap_candidates(b, in, cb);
	na = gap_candidates(a, in, ca);
	while (i < nb && j < na) {
		size_t g = b->gap[cb[i]] < a->gap[ca[j]] ? b->gap[cb[i]] : a->gap[ca[j]];
		size_t i2 = i, j2 = j;

		while (i2 < nb && b->gap[cb[i2]] == g)
			i2++;
		while (j2 < na && a->gap[ca[j2]] == g)
			j2++;
		match_gap(mt, b, cb + i, i2 - i, a, ca + j, j2 - j, 0);
		i = i2;
		j = j2;
	}
	/* What is left pairs within each role, in address order. */
	nb = gap_candidates(b, in, cb);
	na = gap_candidates(a, in, ca);
	sort_by_role(b, cb, nb);
	sort_by_role(a, ca, na);
	for (i = 0, j = 0; i < nb && j < na;) {
		int c = strcmp(b->reg[cb[i]].role, a->reg[ca[j]].role);
		size_t i2 = i, j2 = j;

		if (c < 0) {
			i++;
			continue;
		}
		if (c > 0) {
			j++;
			continue;
		}
		while (i2 < nb && strcmp(b->reg[cb[i2]].role, b->reg[cb[i]].role) == 0)
			i2++;
		while (j2 < na && strcmp(a->reg[ca[j2]].role, a->reg[ca[j]].role) == 0)
			j2++;
		match_gap(mt, b, cb + i, i2 - i, a, ca + j, j2 - j, 1);
		i = i2;
		j = j2;
	}
	free(mt);
	free(cb);
	free(ca);
}

static void
side_release(struct side *s)
{
	free(s->reg);
	free(s->key);
	free(s->rank);
	free(s->partner);
	free(s->how);
	free(s->gap);
	free(s->chain);
	free(s->log_span);
	free(s->arena);
}

static void
side_alloc(struct side *s)
{
	size_t n = s->nreg ? s->nreg : 1;

	s->partner = xcalloc(n, sizeof *s->partner);
	for (size_t r = 0; r < s->nreg; r++)
		s->partner[r] = -1;
	s->how = xcalloc(n, sizeof *s->how);
	s->gap = xcalloc(n, sizeof *s->gap);
	s->chain = xcalloc(n, sizeof *s->chain);
	s->log_span = xcalloc(n, sizeof *s->log_span);
	for (size_t r = 0; r < s->nreg; r++) {
		uint64_t span = s->reg[r].end - s->reg[r].start;

		s->log_span[r] = log2(span > 0 ? (double)span : 1.0);
	}
}

/* The first reason in's VMAs were refused, as d; 0 when there is none. */
static int
input_refused(const struct align_input *in, const char *name, struct diag *d)
{
	switch (in->err) {
	case INPUT_OK:
		return 0;
	case INPUT_STRINGS:
		return diag_fail(d, DIAG_FORMAT, 0,
				 "vma %zu of %s lacks a role, path or perms (expected strings)",
				 in->err_vma, name);
	case INPUT_ORDER:
		return diag_fail(d, DIAG_FORMAT, 0,
				 "vma %zu of %s out of address order (\"%llx-%llx\") (expected ascending, non-overlapping ranges)",
				 in->err_vma, name, (unsigned long long)in->err_start,
				 (unsigned long long)in->err_end);
	case INPUT_OVERFLOW:
		return diag_fail(d, DIAG_FORMAT, 0,
				 "%s of region at vma %zu of %s overflows (expected a sum below 2^63)",
				 in->err_field, in->err_vma, name);
	}
	return 0;
}

/*
 * Take in's regions into s, their keys as ids of the joint table keys: moved
 * when move, else copied (the same input on both sides).
 */
static void
side_take(struct side *s, struct align_input *in, int move, struct intern *keys)
{
	size_t n = in->nreg ? in->nreg : 1;
	uint32_t *map = xcalloc(in->keys.n ? in->keys.n : 1, sizeof *map);

	for (size_t k = 0; k < in->keys.n; k++) {
		const struct key_entry *e = &in->keys.e[k];

		map[k] = intern_key(keys, in->keys.text.data + e->off, e->len,
				    (enum key_kind)e->kind, e->ordered);
	}
	s->nreg = in->nreg;
	if (move) {
		s->reg = xreallocarray(in->reg, n, sizeof *s->reg);
		s->key = xreallocarray(in->key, n, sizeof *s->key);
		in->reg = NULL;
		in->key = NULL;
		in->nreg = in->cap = 0;
	} else {
		s->reg = xcalloc(n, sizeof *s->reg);
		s->key = xcalloc(n, sizeof *s->key);
		if (in->nreg > 0) {
			memcpy(s->reg, in->reg, in->nreg * sizeof *s->reg);
			memcpy(s->key, in->key, in->nreg * sizeof *s->key);
		}
	}
	for (size_t r = 0; r < s->nreg; r++)
		s->key[r] = map[s->key[r]];
	free(map);
}

int
align_inputs(struct align_input *before, struct align_input *after, struct alignment **out,
	     struct diag *d)
{
	struct side b = { .name = "before" };
	struct side a = { .name = "after" };
	struct intern in = { .text = BUF_INIT };
	struct alignment_impl *impl = NULL;
	struct alignment *al;
	int rc = -1;

	*out = NULL;
	/* Key ids are 32-bit: far above any VMA cap, but the caller sets the cap. */
	if (before->nvma >= UINT32_MAX / 2 || after->nvma >= UINT32_MAX / 2) {
		diag_fail(d, DIAG_LIMIT, 0, "too many vmas to align (\"%zu\") (expected fewer than %u a snapshot)",
			  before->nvma > after->nvma ? before->nvma : after->nvma, UINT32_MAX / 2);
		goto out;
	}
	if (input_refused(before, b.name, d) < 0 || input_refused(after, a.name, d) < 0)
		goto out;
	if (before->aligned || after->aligned) {
		diag_fail(d, DIAG_USAGE, 0, "regions of a snapshot aligned twice (expected new inputs)");
		goto out;
	}
	/* the same input on both sides: the after side copies it before the before side takes it */
	if (after == before)
		side_take(&a, after, 0, &in);
	side_take(&b, before, 1, &in);
	if (after != before)
		side_take(&a, after, 1, &in);
	before->aligned = after->aligned = 1;
	side_alloc(&b);
	side_alloc(&a);
	build_identities(&b, &in);
	build_identities(&a, &in);
	pair_by_key(&b, &a, &in);
	pair_gaps(&b, &a, &in);

	impl = xcalloc(1, sizeof *impl);
	al = &impl->pub;
	al->pairs = xcalloc(size_add(b.nreg, a.nreg) + 1, sizeof *al->pairs);
	for (size_t r = 0; r < b.nreg; r++) {
		struct align_pair *p = &al->pairs[al->npairs++];

		p->before = (long)r;
		p->after = b.partner[r];
		p->how = b.partner[r] >= 0 ? (enum align_how)b.how[r] : ALIGN_ONLY_BEFORE;
	}
	for (size_t r = 0; r < a.nreg; r++) {
		if (a.partner[r] >= 0)
			continue;
		al->pairs[al->npairs++] = (struct align_pair){ -1, (long)r, ALIGN_ONLY_AFTER };
	}
	al->before = b.reg;
	al->nbefore = b.nreg;
	al->after = a.reg;
	al->nafter = a.nreg;
	impl->arena_before = b.arena;
	impl->arena_after = a.arena;
	b.reg = a.reg = NULL;
	b.arena = a.arena = NULL;
	*out = al;
	rc = 0;
out:
	side_release(&b);
	side_release(&a);
	intern_release(&in);
	return rc;
}

int
align_snapshots(const struct align_vma *before, size_t nb, const struct align_vma *after,
		size_t na, struct alignment **out, struct diag *d)
{
	struct align_input *ib, *ia;
	int rc;

	*out = NULL;
	if ((nb > 0 && before == NULL) || (na > 0 && after == NULL))
		return diag_fail(d, DIAG_FORMAT, 0, "no vmas given for %zu vmas (expected an array)",
				 nb > 0 && before == NULL ? nb : na);
	if (nb >= UINT32_MAX / 2 || na >= UINT32_MAX / 2)
		return diag_fail(d, DIAG_LIMIT, 0, "too many vmas to align (\"%zu\") (expected fewer than %u a snapshot)",
				 nb > na ? nb : na, UINT32_MAX / 2);
	ib = align_input_new();
	ia = align_input_new();
	/* a refused VMA stops its input; align_inputs says which and why */
	for (size_t i = 0; i < nb && align_input_add(ib, &before[i]) == 0; i++)
		;
	for (size_t i = 0; i < na && align_input_add(ia, &after[i]) == 0; i++)
		;
	rc = align_inputs(ib, ia, out, d);
	if (rc != 0) {
		align_input_free(ib);
		align_input_free(ia);
		return rc;
	}
	((struct alignment_impl *)*out)->own_before = ib;
	((struct alignment_impl *)*out)->own_after = ia;
	return 0;
}

void
alignment_free(struct alignment *a)
{
	struct alignment_impl *impl = (struct alignment_impl *)a;

	if (a == NULL)
		return;
	free(a->before);
	free(a->after);
	free(a->pairs);
	free(impl->arena_before);
	free(impl->arena_after);
	align_input_free(impl->own_before);
	align_input_free(impl->own_after);
	free(impl);
}

const char *
align_how_name(enum align_how how)
{
	switch (how) {
	case ALIGN_FILE:
		return "file identity";
	case ALIGN_EXE:
		return "executable";
	case ALIGN_NAME:
		return "name";
	case ALIGN_ROLE_ORDER:
		return "role order";
	case ALIGN_GAP:
		return "gap";
	case ALIGN_ONLY_BEFORE:
		return "only before";
	case ALIGN_ONLY_AFTER:
		return "only after";
	}
	return "unknown";
}
