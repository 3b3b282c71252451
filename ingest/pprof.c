/*
 * What both heap profile parsers share (ingest/pprof_int.h): the u64 map,
 * the sites samples are grouped into, their ranking into a summary, and
 * the summary itself. The protobuf decoder is ingest/pprof_proto.c (on the
 * wire reader of ingest/pprof_wire.c), the text parser ingest/pprof_legacy.c.
 */
#include "ingest/pprof.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/db.h"
#include "core/num.h"
#include "core/xalloc.h"
#include "ingest/pprof_int.h"

/* ---- a u64 -> u32 open-addressing map (ids, addresses); key 0 is "empty" ---- */

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

void
u64map_init(struct u64map *m, size_t expect)
{
	size_t slots = 16;

	while (slots < expect * 2 + 1)
		slots = size_mul(slots, 2);
	m->keys = xcalloc(slots, sizeof(*m->keys));
	m->vals = xcalloc(slots, sizeof(*m->vals));
	m->mask = slots - 1;
	m->n = 0;
}

void
u64map_release(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static void
u64map_grow(struct u64map *m)
{
	struct u64map bigger;
	size_t i;
	int found;

	u64map_init(&bigger, (m->mask + 1));
	for (i = 0; i <= m->mask; i++)
		if (m->keys[i] != 0)
			*u64map_slot(&bigger, m->keys[i], &found) = m->vals[i];
	u64map_release(m);
	*m = bigger;
}

/* The value slot of key (non-zero), inserted (value 0) if absent. */
uint32_t *
u64map_slot(struct u64map *m, uint64_t key, int *found)
{
	size_t i;

	if ((m->n + 1) * 2 > m->mask + 1)
		u64map_grow(m);
	for (i = mix64(key) & m->mask;; i = (i + 1) & m->mask) {
		if (m->keys[i] == key) {
			*found = 1;
			return &m->vals[i];
		}
		if (m->keys[i] == 0) {
			m->keys[i] = key;
			m->n++;
			*found = 0;
			return &m->vals[i];
		}
	}
}

int
u64map_get(const struct u64map *m, uint64_t key, uint32_t *val)
{
	size_t i;

	if (m->keys == NULL || key == 0)
		return 0;
	for (i = mix64(key) & m->mask;; i = (i + 1) & m->mask) {
		if (m->keys[i] == key) {
			*val = m->vals[i];
			return 1;
		}
		if (m->keys[i] == 0)
			return 0;
	}
}

/* ---- sites: samples grouped by their first frames ---- */

void
sites_init(struct sites *s, size_t ntypes)
{
	memset(s, 0, sizeof(*s));
	s->ntypes = ntypes;
	s->space_i = s->objects_i = -1;
	s->mask = 63;
	s->slots = xcalloc(s->mask + 1, sizeof(*s->slots));
}

void
sites_track_large(struct sites *s, const struct pprof_summary *sum)
{
	s->space_i = pprof_type_index(sum, "inuse_space");
	s->objects_i = pprof_type_index(sum, "inuse_objects");
}

void
sites_release(struct sites *s)
{
	free(s->v);
	free(s->large);
	free(s->vals);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

/* Hash a site key: one multiply per frame, mixed once at the end. */
static inline uint64_t
site_hash(const uint64_t *tok, uint32_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	uint32_t i;

	for (i = 0; i < n; i++)
		h = (h ^ tok[i]) * 0xff51afd7ed558ccdULL + i;
	return mix64(h);
}

static inline int
site_is(const struct site *st, const uint64_t *tok, uint32_t n)
{
	uint32_t i;

	if (st->nframes != n)
		return 0;
	for (i = 0; i < n; i++)
		if (st->tok[i] != tok[i])
			return 0;
	return 1;
}

static void
sites_rehash(struct sites *s)
{
	size_t i, j, slots = size_mul(s->mask + 1, 2);

	free(s->slots);
	s->slots = xcalloc(slots, sizeof(*s->slots));
	s->mask = slots - 1;
	for (i = 0; i < s->n; i++) {
		for (j = site_hash(s->v[i].tok, s->v[i].nframes) & s->mask; s->slots[j] != 0;
		     j = (j + 1) & s->mask)
			;
		s->slots[j] = (uint32_t)(i + 1);
	}
}

/*
 * A sample is one object size: its inuse_space over its inuse_objects.
 * Objects over 32 KiB are the runtime's large allocations (each its own
 * span of pages); their share of the site is kept apart.
 */
static int
sites_add_large(struct sites *s, size_t at, const int64_t *vals, int64_t offset, struct diag *d)
{
	int64_t space, objects, *acc = &s->large[2 * at];

	if (s->space_i < 0 || s->objects_i < 0)
		return 0;
	space = vals[s->space_i];
	objects = vals[s->objects_i];
	if (objects <= 0 || space <= 0 || space / objects < DB_LARGE_OBJECT_BYTES ||
	    (space / objects == DB_LARGE_OBJECT_BYTES && space % objects == 0))
		return 0;
	if (__builtin_add_overflow(acc[0], space, &acc[0]) ||
	    __builtin_add_overflow(acc[1], objects, &acc[1]))
		return diag_fail_at(d, DIAG_FORMAT, offset, "sample values overflow a 64-bit total");
	return 0;
}

/*
 * Add one sample's values to its site. The number of sites is bounded by
 * the number of samples, itself capped (pprof_samples) by the caller.
 */
int
sites_add(struct sites *s, const uint64_t *tok, uint32_t n, const int64_t *vals, int64_t offset,
	  struct diag *d)
{
	size_t j, k;
	struct site *st;

	for (j = site_hash(tok, n) & s->mask; s->slots[j] != 0; j = (j + 1) & s->mask) {
		st = &s->v[s->slots[j] - 1];
		if (site_is(st, tok, n))
			goto found;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? size_mul(s->cap, 2) : 64;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
		s->vals = xreallocarray(s->vals, size_mul(s->cap, s->ntypes ? s->ntypes : 1),
					sizeof(*s->vals));
		s->large = xreallocarray(s->large, size_mul(s->cap, 2), sizeof(*s->large));
	}
	st = &s->v[s->n];
	memset(st, 0, sizeof(*st));
	memcpy(st->tok, tok, n * sizeof(*tok));
	st->nframes = n;
	st->first = s->n;
	memset(&s->vals[s->n * s->ntypes], 0, s->ntypes * sizeof(*s->vals));
	s->large[2 * s->n] = s->large[2 * s->n + 1] = 0;
	s->slots[j] = (uint32_t)(++s->n);
	if (s->n * 2 > s->mask + 1)
		sites_rehash(s);
	st = &s->v[s->n - 1];
found:
	st->samples++;
	for (k = 0; k < s->ntypes; k++) {
		int64_t *acc = &s->vals[(size_t)(st - s->v) * s->ntypes + k];

		if (__builtin_add_overflow(*acc, vals[k], acc))
			return diag_fail_at(d, DIAG_FORMAT, offset,
					    "sample values overflow a 64-bit total");
	}
	return sites_add_large(s, (size_t)(st - s->v), vals, offset, d);
}

/*
 * Site order: by the sort type's value, descending, then by first
 * appearance; a total order, so the top sites do not depend on how they
 * are selected.
 */
static int
site_before(const struct sites *s, size_t type, size_t i, size_t j)
{
	int64_t vi = s->ntypes ? s->vals[i * s->ntypes + type] : 0;
	int64_t vj = s->ntypes ? s->vals[j * s->ntypes + type] : 0;

	if (vi != vj)
		return vi > vj;
	return s->v[i].first < s->v[j].first;
}

/* Restore the heap below `at`: its root is the site that sorts last. */
static void
heap_down(const struct sites *s, size_t type, size_t *heap, size_t n, size_t at)
{
	for (;;) {
		size_t l = 2 * at + 1, r = l + 1, last = at, t;

		if (l < n && site_before(s, type, heap[last], heap[l]))
			last = l;
		if (r < n && site_before(s, type, heap[last], heap[r]))
			last = r;
		if (last == at)
			return;
		t = heap[at];
		heap[at] = heap[last];
		heap[last] = t;
		at = last;
	}
}

/*
 * The indices of the top `k` sites in order: a k-heap over all sites
 * (n log k) rather than sorting them all, then the heap sorted in place.
 */
static void
sites_top(const struct sites *s, size_t type, size_t *top, size_t k)
{
	size_t i, n;

	for (i = 0; i < k; i++)
		top[i] = i;
	for (i = k / 2; i-- > 0;)
		heap_down(s, type, top, k, i);
	for (i = k; i < s->n; i++) {
		if (site_before(s, type, i, top[0])) {
			top[0] = i;
			heap_down(s, type, top, k, 0);
		}
	}
	for (n = k; n > 1; n--) {
		size_t t = top[0];

		top[0] = top[n - 1];
		top[n - 1] = t;
		heap_down(s, type, top, n - 1, 0);
	}
}

/* Keep the top sites in the summary, naming their frames. */
void
sites_emit(struct sites *s, struct pprof_summary *sum, uint64_t top, frame_name_fn name,
	   void *ctx)
{
	size_t *order, i, n = s->n;
	struct buf b = BUF_INIT;

	if (n == 0)
		return;
	if (n > top)
		n = (size_t)top;
	order = xcalloc(n ? n : 1, sizeof(*order));
	sites_top(s, sum->sort_type, order, n);
	sum->sites = xcalloc(n ? n : 1, sizeof(*sum->sites));
	for (i = 0; i < n; i++) {
		const struct site *st = &s->v[order[i]];
		struct pprof_site *ps = &sum->sites[i];
		uint32_t f;

		buf_reset(&b);
		if (st->nframes > 0)
			name(ctx, st->tok[0], &b);
		else
			buf_puts(&b, "(no frames)");
		ps->leaf = xstrdup(buf_str(&b));
		buf_reset(&b);
		for (f = 0; f < st->nframes; f++) {
			if (f > 0)
				buf_puts(&b, " <- ");
			name(ctx, st->tok[f], &b);
		}
		ps->frames = xstrdup(buf_str(&b));
		ps->samples = st->samples;
		ps->values = xcalloc(sum->ntypes ? sum->ntypes : 1, sizeof(*ps->values));
		if (sum->ntypes)
			memcpy(ps->values, &s->vals[order[i] * s->ntypes],
			       sum->ntypes * sizeof(*ps->values));
		ps->large_space = s->space_i < 0 || s->objects_i < 0 ? -1 : s->large[2 * order[i]];
		ps->large_objects = s->space_i < 0 || s->objects_i < 0 ? -1
				    : s->large[2 * order[i] + 1];
		sum->nsites++;
	}
	buf_release(&b);
	free(order);
}

/* The type sites are sorted by: inuse_space, else the default, else the last. */
size_t
choose_sort_type(const struct pprof_summary *s)
{
	int i = pprof_type_index(s, "inuse_space");

	if (i < 0 && s->default_sample_type != NULL)
		i = pprof_type_index(s, s->default_sample_type);
	if (i < 0)
		i = s->ntypes ? (int)s->ntypes - 1 : 0;
	return (size_t)i;
}

int
pprof_type_index(const struct pprof_summary *s, const char *type)
{
	size_t i;

	for (i = 0; i < s->ntypes; i++)
		if (strcmp(s->types[i].type, type) == 0)
			return (int)i;
	return -1;
}

void
pprof_summary_free(struct pprof_summary *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ntypes; i++) {
		free(s->types[i].type);
		free(s->types[i].unit);
	}
	free(s->types);
	for (i = 0; i < s->nsites; i++) {
		free(s->sites[i].leaf);
		free(s->sites[i].frames);
		free(s->sites[i].values);
	}
	free(s->sites);
	free(s->period_type);
	free(s->period_unit);
	free(s->default_sample_type);
	free(s);
}

struct pprof_summary *
pprof_summary_new(const char *format)
{
	struct pprof_summary *s = xcalloc(1, sizeof(*s));

	s->format = format;
	return s;
}