/* Ranking the pairs of an alignment (see rank.h). */
#include "analyze/rank.h"

#include <stdlib.h>

#include "core/xalloc.h"

static int64_t
nz(int64_t v)
{
	return v < 0 ? 0 : v;
}

/* Hex digits of x as PRIx64 prints it. */
static int
hex_len(uint64_t x)
{
	return x == 0 ? 1 : (64 - __builtin_clzll(x) + 3) / 4;
}

/*
 * x and y compared as their hex text is when a '-' or the end follows it
 * (both below every digit): digit by digit, then the shorter first.
 */
static int
cmp_hex(uint64_t x, uint64_t y)
{
	int lx = hex_len(x), ly = hex_len(y);
	uint64_t ax = lx == 16 ? x : x << (4 * (16 - lx));
	uint64_t ay = ly == 16 ? y : y << (4 * (16 - ly));

	if (ax != ay)
		return ax < ay ? -1 : 1;
	return (lx > ly) - (lx < ly);
}

/* strcmp of the after ranges as diff prints them ("%" PRIx64 "-%" PRIx64, attribute.c). */
static int
cmp_after_text(const struct ranked *a, const struct ranked *b)
{
	int c;

	if (!a->has_after || !b->has_after)
		return (int)a->has_after - (int)b->has_after;
	c = cmp_hex(a->after_start, b->after_start);
	return c != 0 ? c : cmp_hex(a->after_end, b->after_end);
}

/* Largest growth first, then the after range as text, then alignment order. */
int
rank_by_growth(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;
	int c;

	if (a->growth != b->growth)
		return a->growth > b->growth ? -1 : 1;
	if ((c = cmp_after_text(a, b)) != 0)
		return c;
	return (a->pair > b->pair) - (a->pair < b->pair);
}

/* Largest change either way first, then as cmp_growth. */
int
rank_by_change(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;
	int64_t ma = llabs(a->growth), mb = llabs(b->growth);

	if (ma != mb)
		return ma > mb ? -1 : 1;
	return rank_by_growth(x, y);
}

/* The ranking entry of every pair. */
struct ranked *
rank_pairs(const struct alignment *al)
{
	struct ranked *e = xcalloc(al->npairs + 1, sizeof(*e));
	size_t i;

	for (i = 0; i < al->npairs; i++) {
		const struct align_pair *p = &al->pairs[i];
		const struct align_region *b = p->before >= 0 ? &al->before[p->before] : NULL;
		const struct align_region *a = p->after >= 0 ? &al->after[p->after] : NULL;

		e[i].growth = (a != NULL ? nz(a->rss) : 0) - (b != NULL ? nz(b->rss) : 0);
		e[i].pair = (uint32_t)i;
		e[i].credit = -1;
		e[i].has_after = a != NULL;
		if (a != NULL) {
			e[i].after_start = a->start;
			e[i].after_end = a->end;
		}
	}
	return e;
}

/* A bounded max-heap under cmp: its top is the worst of the best k kept so far. */
static void
sift_down(struct ranked *h, size_t n, size_t i, int (*cmp)(const void *, const void *))
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, worst = i;
		struct ranked t;

		if (l < n && cmp(&h[l], &h[worst]) > 0)
			worst = l;
		if (r < n && cmp(&h[r], &h[worst]) > 0)
			worst = r;
		if (worst == i)
			return;
		t = h[i];
		h[i] = h[worst];
		h[worst] = t;
		i = worst;
	}
}

static void
sift_up(struct ranked *h, size_t i, int (*cmp)(const void *, const void *))
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		struct ranked t;

		if (cmp(&h[i], &h[parent]) <= 0)
			return;
		t = h[i];
		h[i] = h[parent];
		h[parent] = t;
		i = parent;
	}
}

/*
 * The first k of e[0..n) under cmp, of credit credit (-1: any), in order,
 * into out (room for k); returns how many. O(n log k).
 */
size_t
rank_first_k(const struct ranked *e, size_t n, size_t k, int (*cmp)(const void *, const void *),
	int credit, struct ranked *out)
{
	size_t m = 0, i;

	for (i = 0; i < n && k > 0; i++) {
		if (credit >= 0 && e[i].credit != credit)
			continue;
		if (m < k) {
			out[m] = e[i];
			sift_up(out, m++, cmp);
		} else if (cmp(&e[i], &out[0]) < 0) {
			out[0] = e[i];
			sift_down(out, m, 0, cmp);
		}
	}
	qsort(out, m, sizeof(*out), cmp);
	return m;
}

