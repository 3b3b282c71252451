/*
 * The memory_space tree (analyze/memspace.h) and its profile
 * (report/pprofout.h).
 *
 * The sum rule is checked on every committed bundle (fixtures/bundles,
 * fixtures/truth, fixtures/matrix): the samples add up to the snapshot's
 * Rss, byte for byte, and the profile written for it reads back, through
 * rssgap's own profile.proto decoder, with that total. Hand-written
 * snapshots, named as such, pin what no capture of ours shows: named Go
 * mappings, a runtime counting more than is resident, a VMA total that
 * disagrees with the snapshot's. Their numbers are round ones.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/memspace.h"
#include "core/buf.h"
#include "core/limits.h"
#include "ingest/bundle.h"
#include "ingest/pprof.h"
#include "ingest/smaps.h"
#include "report/pprofout.h"
#include "tests/testutil.h"

#define MiB ((int64_t)1024 * 1024)

/* ---- apportionment ---- */

static int64_t
sum_of(const int64_t *v, size_t n)
{
	int64_t s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i];
	return s;
}

static void
test_apportion(void **state)
{
	int64_t w3[] = { 1, 1, 1 }, out[4];
	int64_t w2[] = { 2, 1 };
	int64_t wz[] = { 0, 0 };
	int64_t big[] = { INT64_MAX / 3, INT64_MAX / 3, INT64_MAX / 3 + 1 };
	int64_t tie[] = { 5, 3, 2 };

	(void)state;
	/* 10 in three equal parts: 3 each, the byte left to the lowest index */
	memspace_apportion(10, w3, 3, out);
	assert_int_equal(out[0], 4);
	assert_int_equal(out[1], 3);
	assert_int_equal(out[2], 3);
	/* 2:1 of 10: 6.67 and 3.33 -> 7 and 3 */
	memspace_apportion(10, w2, 2, out);
	assert_int_equal(out[0], 7);
	assert_int_equal(out[1], 3);
	/* weights summing to 0: nothing */
	memspace_apportion(10, wz, 2, out);
	assert_int_equal(out[0] + out[1], 0);
	/* products past 64 bits stay exact */
	memspace_apportion(INT64_MAX, big, 3, out);
	assert_true(sum_of(out, 3) == INT64_MAX);
	assert_true(out[2] >= out[0]);
	/* 7 by 5:3:2 = 3.5, 2.1, 1.4 -> floors 3, 2, 1, the byte left to the largest remainder */
	memspace_apportion(7, tie, 3, out);
	assert_int_equal(out[0], 4);
	assert_int_equal(out[1], 2);
	assert_int_equal(out[2], 1);
	memspace_apportion(0, tie, 3, out);
	assert_int_equal(sum_of(out, 3), 0);
}

/* ---- hand-written snapshots ---- */

struct hand {
	struct snapshot_info s;
	struct memspace_vma v[10];
	size_t nv;
	struct role_info roles[10];	/* the snapshot's per-role sums, as the store keeps them */
	struct memspace_site sites[3];
	size_t nsites;
};

static void
set_rt(struct snapshot_info *s, enum rt_field f, int64_t v)
{
	s->rt[f].known = 1;
	s->rt[f].v = v;
	s->rt[f].source = "heap.txt";
}

static void
add_vma(struct hand *h, uint64_t start, int64_t size, const char *role, const char *path,
	int64_t rss)
{
	int i;

	h->v[h->nv++] = (struct memspace_vma){ start, start + (uint64_t)size, role, path, rss };
	h->s.rss += rss > 0 ? rss : 0;
	h->s.roles = h->roles;
	for (i = 0; i < h->s.nroles; i++)
		if (strcmp(h->roles[i].role, role) == 0)
			break;
	if (i == h->s.nroles)
		h->roles[h->s.nroles++] = (struct role_info){ .role = (char *)role };
	h->roles[i].vmas++;
	h->roles[i].size += size;
	h->roles[i].rss += rss > 0 ? rss : 0;
}

/*
 * A small Go process (hand-written): a 64 MiB heap arena holding heap_rss,
 * 10 MiB of unnamed anonymous memory (or named metadata in go-runtime),
 * its executable in two VMAs, libc. With runtime numbers, MemStats of 60
 * MiB of heap and 16 MiB of metadata, and three allocation sites.
 */
static void
hand_go(struct hand *h, int64_t heap_rss, int named, int with_runtime)
{
	memset(h, 0, sizeof(*h));
	h->s.id = 7;
	h->s.pid = 4242;
	h->s.comm = "server";
	h->s.rss_known = 1;
	add_vma(h, 0x400000, 4 * MiB, "exe", "/usr/bin/server", 3 * MiB);
	add_vma(h, 0x800000, 1 * MiB, "exe", "/usr/bin/server", 1 * MiB);
	add_vma(h, 0xc000000000, 64 * MiB, "go-heap", named ? "[anon: Go: heap]" : "", heap_rss);
	if (named) {
		h->s.go_named = 2;
		add_vma(h, 0x7f0000000000, 8 * MiB, "go-runtime", "[anon: Go: gc bits]", 6 * MiB);
		add_vma(h, 0x7f0001000000, 8 * MiB, "go-runtime", "[anon: Go: immortal metadata]",
			4 * MiB);
	} else {
		add_vma(h, 0x7f0000000000, 8 * MiB, "anon", "", 6 * MiB);
		add_vma(h, 0x7f0001000000, 8 * MiB, "anon", "", 4 * MiB);
	}
	add_vma(h, 0x7f1000000000, 2 * MiB, "lib", "/usr/lib/libc.so.6", 2 * MiB);
	add_vma(h, 0x7f2000000000, 1 * MiB, "lib", "/usr/lib/libc.so.6", 0);
	if (!with_runtime)
		return;
	set_rt(&h->s, RT_SYS, 80 * MiB);
	set_rt(&h->s, RT_HEAP_SYS, 64 * MiB);
	set_rt(&h->s, RT_HEAP_INUSE, 50 * MiB);
	set_rt(&h->s, RT_HEAP_IDLE, 14 * MiB);
	set_rt(&h->s, RT_HEAP_RELEASED, 4 * MiB);
	set_rt(&h->s, RT_HEAP_ALLOC, 40 * MiB);
	set_rt(&h->s, RT_STACK_INUSE, 1 * MiB);
	set_rt(&h->s, RT_STACK_SYS, 1 * MiB);
	set_rt(&h->s, RT_MSPAN_SYS, 2 * MiB);
	set_rt(&h->s, RT_MCACHE_SYS, 0);
	set_rt(&h->s, RT_GC_SYS, 3 * MiB);
	set_rt(&h->s, RT_BUCK_HASH_SYS, 1 * MiB);
	set_rt(&h->s, RT_OTHER_SYS, 2 * MiB);
	snapshot_derive(&h->s);
	h->s.pprof_inuse.known = 1;
	h->s.pprof_inuse.v = 40 * MiB;
	h->sites[0] = (struct memspace_site){ "main.cache <- main.load <- main.main", 20 * MiB };
	h->sites[1] = (struct memspace_site){ "bytes.growSlice <- main.read", 10 * MiB };
	h->sites[2] = (struct memspace_site){ "main.small", 2 * MiB };
	h->nsites = 3;
}

static struct memspace *
build(struct hand *h)
{
	struct memspace_input in = { &h->s, h->v, h->nv, h->sites, h->nsites };
	struct diag d;
	struct memspace *m;

	diag_clear(&d);
	m = memspace_build(&in, &d);
	if (m == NULL)
		fail_msg("memspace_build: %s", d.message);
	return m;
}

static const char *
frame(const struct memspace *m, const struct memspace_sample *s, size_t k)
{
	return m->names[m->frames[s->first + k]];
}

/* The bytes of the samples with a frame named name at depth k (any when k < 0). */
static int64_t
bytes_at(const struct memspace *m, const char *name, int k, int64_t *inuse)
{
	int64_t sum = 0, in = 0;
	size_t i, j;

	for (i = 0; i < m->nsamples; i++) {
		const struct memspace_sample *s = &m->samples[i];

		for (j = 0; j < s->nframes; j++) {
			if ((k < 0 || (size_t)k == j) && strcmp(frame(m, s, j), name) == 0) {
				sum += s->memory_space;
				in += s->inuse_space;
				break;
			}
		}
	}
	if (inuse != NULL)
		*inuse = in;
	return sum;
}

/* The sum rule, and no sample negative. */
static void
assert_sums(const struct memspace *m)
{
	int64_t mem = 0, inuse = 0;
	size_t i;

	for (i = 0; i < m->nsamples; i++) {
		assert_true(m->samples[i].memory_space >= 0);
		assert_true(m->samples[i].inuse_space >= 0);
		mem += m->samples[i].memory_space;
		inuse += m->samples[i].inuse_space;
	}
	assert_true(mem == m->rss);
	assert_true(inuse == m->inuse);
}

/* No runtime numbers: process -> role -> region, nothing below. */
static void
test_unknown_runtime(void **state)
{
	struct hand h;
	struct memspace *m;
	size_t i;

	(void)state;
	hand_go(&h, 20 * MiB, 0, 0);
	m = build(&h);
	assert_sums(m);
	assert_false(m->runtime);
	assert_int_equal(m->inuse, 0);
	for (i = 0; i < m->nsamples; i++) {
		assert_int_equal(m->samples[i].nframes, 3);
		assert_string_equal(frame(m, &m->samples[i], 0), "process server pid 4242");
	}
	/* a mapped file is one region, its VMAs summed; unnamed memory by range */
	assert_true(bytes_at(m, "/usr/bin/server", 2, NULL) == 4 * MiB);
	assert_true(bytes_at(m, "/usr/lib/libc.so.6", 2, NULL) == 2 * MiB);
	assert_true(bytes_at(m, "7f0000000000-7f0000800000", 2, NULL) == 6 * MiB);
	assert_true(bytes_at(m, "go-heap", 1, NULL) == 20 * MiB);
	/* the roles come largest first */
	assert_string_equal(frame(m, &m->samples[0], 1), "go-heap");
	memspace_free(m);
}

/*
 * The heap credit (61 MiB by the runtime's count: HeapAlloc 40, unused 10,
 * free 10, stacks 1) holds 20 MiB: its parts are scaled down to 20 MiB. The
 * metadata (8 MiB) is credited to anon, which holds 10 MiB: 2 MiB not
 * accounted by the runtime.
 */
static void
test_scaled_and_unaccounted(void **state)
{
	struct hand h;
	struct memspace *m;
	int64_t inuse, objects, sites, floor_objects = 20 * MiB * 40 / 61;

	(void)state;
	hand_go(&h, 20 * MiB, 0, 1);
	m = build(&h);
	assert_sums(m);
	assert_true(m->runtime);
	assert_true(m->scaled);
	assert_true(m->sites);
	assert_true(bytes_at(m, "go-heap", 1, NULL) == 20 * MiB);
	objects = bytes_at(m, "heap objects (HeapAlloc)", 3, &inuse);
	assert_true(objects == floor_objects || objects == floor_objects + 1);
	/* the sites split it by their share of the profile's 40 MiB, the rest "other" */
	assert_true(inuse == 40 * MiB);
	assert_true(m->inuse == 40 * MiB);
	sites = bytes_at(m, "main.cache", 6, &inuse);
	assert_true(inuse == 20 * MiB);
	assert_true(sites == objects / 2 || sites == objects / 2 + 1);
	/* site frames are root first: main.main, main.load, main.cache */
	assert_true(bytes_at(m, "main.main", 4, NULL) == sites);
	assert_true(bytes_at(m, "other allocation sites", 4, &inuse) > 0);
	assert_true(inuse == 8 * MiB);
	assert_true(bytes_at(m, "not accounted by the runtime", 3, NULL) == 2 * MiB);
	assert_true(bytes_at(m, "not accounted by the runtime", -1, NULL) == 2 * MiB);
	/* unlabelled: the metadata is in anon, in proportion to its regions' Rss */
	assert_true(bytes_at(m, "GC metadata (GCSys)", 3, NULL) == 3 * MiB);
	assert_true(bytes_at(m, "OS thread stacks (StackSys - StackInuse)", 3, NULL) == 0);
	assert_true(bytes_at(m, "7f0000000000-7f0000800000", 2, NULL) == 6 * MiB);
	assert_true(bytes_at(m, "7f0001000000-7f0001800000", 2, NULL) == 4 * MiB);
	/* roles the runtime holds nothing in stop at their regions */
	assert_true(bytes_at(m, "/usr/lib/libc.so.6", 2, NULL) == 2 * MiB);
	memspace_free(m);
}

/*
 * Named Go mappings: the metadata is in go-runtime, anon holds none of it;
 * a heap with more Rss than the runtime counts keeps its parts whole and
 * the rest is not accounted.
 */
static void
test_labelled(void **state)
{
	struct hand h;
	struct memspace *m;
	int64_t inuse;
	size_t i;

	(void)state;
	hand_go(&h, 63 * MiB, 1, 1);
	add_vma(&h, 0x7f3000000000, 1 * MiB, "anon", "", 1 * MiB);
	m = build(&h);
	assert_sums(m);
	assert_false(m->scaled);
	assert_true(bytes_at(m, "[anon: Go: heap]", 2, NULL) == 63 * MiB);
	assert_true(bytes_at(m, "heap objects (HeapAlloc)", 3, &inuse) == 40 * MiB);
	assert_true(inuse == 40 * MiB);
	assert_true(bytes_at(m, "main.cache", 6, NULL) == 20 * MiB);
	assert_true(bytes_at(m, "heap free, not released (HeapIdle - HeapReleased)", 3, NULL) ==
		    10 * MiB);
	assert_true(bytes_at(m, "goroutine stacks (StackInuse)", 3, NULL) == 1 * MiB);
	assert_true(bytes_at(m, "go-runtime", 1, NULL) == 10 * MiB);
	assert_true(bytes_at(m, "[anon: Go: gc bits]", 2, NULL) == 6 * MiB);
	assert_true(bytes_at(m, "allocator metadata (MSpanSys + MCacheSys)", 3, NULL) == 2 * MiB);
	/* 2 MiB in the heap, 2 MiB in go-runtime */
	assert_true(bytes_at(m, "not accounted by the runtime", 3, NULL) == 4 * MiB);
	for (i = 0; i < m->nsamples; i++)
		if (strcmp(frame(m, &m->samples[i], 1), "anon") == 0)
			assert_int_equal(m->samples[i].nframes, 3);
	assert_true(bytes_at(m, "anon", 1, NULL) == 1 * MiB);
	memspace_free(m);
}

/*
 * The runtime reports a heap, go-heap holds no page (the rules missed the
 * arenas): heap and metadata are one credit in anon (analyze/credit.h).
 */
static void
test_unhoused_heap(void **state)
{
	struct hand h;
	struct memspace *m;

	(void)state;
	hand_go(&h, 0, 0, 1);
	m = build(&h);
	assert_sums(m);
	assert_true(m->scaled);
	assert_true(bytes_at(m, "go-heap", 1, NULL) == 0);
	assert_true(bytes_at(m, "anon", 1, NULL) == 10 * MiB);
	assert_true(bytes_at(m, "heap objects (HeapAlloc)", 3, NULL) > 0);
	assert_true(bytes_at(m, "GC metadata (GCSys)", 3, NULL) > 0);
	assert_true(bytes_at(m, "not accounted by the runtime", 3, NULL) == 0);
	memspace_free(m);
}

/* Numbers near 2^63 (a hand-written, hostile store): sums stay exact, nothing wraps. */
static void
test_huge_numbers(void **state)
{
	struct hand h;
	struct memspace *m;

	(void)state;
	hand_go(&h, 20 * MiB, 0, 1);
	set_rt(&h.s, RT_HEAP_ALLOC, INT64_MAX / 2);
	set_rt(&h.s, RT_HEAP_INUSE, INT64_MAX / 2);
	set_rt(&h.s, RT_GC_SYS, INT64_MAX / 2);
	h.sites[0].inuse_space = INT64_MAX;
	h.sites[1].inuse_space = INT64_MAX;
	h.s.pprof_inuse.v = INT64_MAX;
	m = build(&h);
	assert_sums(m);
	assert_true(m->scaled);
	assert_true(m->inuse == INT64_MAX);
	memspace_free(m);
}

static void
test_refused(void **state)
{
	struct hand h;
	struct memspace_input in;
	struct diag d;

	(void)state;
	hand_go(&h, 20 * MiB, 0, 1);
	h.s.rss += 4096;	/* the snapshot says more than its VMAs */
	in = (struct memspace_input){ &h.s, h.v, h.nv, h.sites, h.nsites };
	diag_clear(&d);
	assert_null(memspace_build(&in, &d));
	assert_int_equal(d.kind, DIAG_FORMAT);
	h.s.rss_known = 0;	/* proc/maps only */
	diag_clear(&d);
	assert_null(memspace_build(&in, &d));
	assert_int_equal(d.kind, DIAG_MISSING);
}

/* ---- every committed bundle ---- */

struct rows {
	struct memspace_vma *v;
	size_t n;
	struct memspace_site *s;
	size_t ns;
};

static int
on_vma(void *ctx, const struct db_vma_row *row)
{
	struct rows *r = ctx;

	r->v = realloc(r->v, (r->n + 1) * sizeof(*r->v));
	r->v[r->n++] = (struct memspace_vma){ row->start, row->end, strdup(row->role),
					      strdup(row->path), row->field[VMA_RSS] };
	return 0;
}

static int
on_site(void *ctx, const struct db_site_row *row)
{
	struct rows *r = ctx;

	r->s = realloc(r->s, (r->ns + 1) * sizeof(*r->s));
	r->s[r->ns++] = (struct memspace_site){ strdup(row->frames), row->inuse_space };
	return 0;
}

static void
rows_free(struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free((char *)r->v[i].role);
		free((char *)r->v[i].path);
	}
	for (i = 0; i < r->ns; i++)
		free((char *)r->s[i].frames);
	free(r->v);
	free(r->s);
}

/* The profile of m, gunzipped and decoded again: its totals are m's. */
static void
assert_reads_back(const struct memspace *m)
{
	struct buf raw = BUF_INIT, gz = BUF_INIT;
	struct pprofout_meta meta = { 1700000000000000000, "server", NULL, 0 };
	struct pprof_summary *p = NULL;
	struct limits lim;
	struct diag d;
	char *back = NULL;
	size_t back_len = 0;
	int i;

	limits_default(&lim);
	diag_clear(&d);
	pprofout_encode(m, &meta, &raw);
	assert_int_equal(pprofout_gzip(raw.data, raw.len, &gz, &d), 0);
	assert_true(gz.len > 18 && (unsigned char)gz.data[0] == 0x1f &&
		    (unsigned char)gz.data[1] == 0x8b);
	assert_int_equal(bundle_gunzip(gz.data, gz.len, UINT64_C(1) << 32, &back, &back_len, &d), 0);
	assert_true(back_len == raw.len && memcmp(back, raw.data, raw.len) == 0);
	if (pprof_parse(raw.data, raw.len, &lim, &p, &d) != 0)
		fail_msg("pprof_parse of our profile: %s", d.message);
	assert_int_equal(p->ntypes, 2);
	assert_string_equal(p->types[0].type, "memory_space");
	assert_string_equal(p->types[0].unit, "bytes");
	assert_string_equal(p->types[1].type, "inuse_space");
	assert_string_equal(p->default_sample_type, "memory_space");
	assert_string_equal(p->period_type, "memory_space");
	assert_true(p->types[0].total == m->rss);
	assert_true(p->types[1].total == m->inuse);
	assert_int_equal(p->samples, m->nsamples);
	i = pprof_type_index(p, "memory_space");
	assert_int_equal(i, 0);
	pprof_summary_free(p);
	free(back);
	buf_release(&raw);
	buf_release(&gz);
}

struct ids {
	int64_t v[512];
	size_t n;
};

static int
on_id(void *ctx, const struct db_snapshot_row *row)
{
	struct ids *ids = ctx;

	assert_true(ids->n < sizeof(ids->v) / sizeof(ids->v[0]));
	ids->v[ids->n++] = row->id;
	return 0;
}

/* Build, check and write the profile of snapshot id. */
static void
check_snapshot(struct db *db, int64_t id)
{
	struct snapshot_info *s;
	struct memspace *m;
	struct memspace_input in;
	struct rows r = { NULL, 0, NULL, 0 };
	struct diag d;

	diag_clear(&d);
	s = snapshot_info_load(db, id, &d);
	assert_non_null(s);
	assert_int_equal(db_vmas_each(db, id, on_vma, &r, &d), 0);
	assert_int_equal(db_pprof_sites_each(db, id, on_site, &r, &d), 0);
	in = (struct memspace_input){ s, r.v, r.n, r.s, r.ns };
	m = memspace_build(&in, &d);
	if (m == NULL)
		fail_msg("snapshot %lld (%s): %s", (long long)id, s->bundle, d.message);
	assert_sums(m);
	assert_true(m->rss == s->rss);
	/* a heap profile's inuse_space is all there, on the sites */
	if (m->sites && s->pprof_inuse.known)
		assert_true(m->inuse == s->pprof_inuse.v);
	assert_int_equal(m->runtime, snapshot_has_runtime(s));
	assert_reads_back(m);
	memspace_free(m);
	snapshot_info_free(s);
	rows_free(&r);
}

static void
test_every_fixture(void **state)
{
	static const char *const patterns[] = { "fixtures/bundles/*.rssgap.tar.gz",
						"fixtures/truth/*/*.rssgap.tar.gz",
						"fixtures/matrix/*.rssgap.tar.gz" };
	static struct ids ids;
	struct tu_db w;
	struct diag d;
	size_t i, k, bundles = 0;

	(void)state;
	tu_db_init(&w);
	for (k = 0; k < sizeof(patterns) / sizeof(patterns[0]); k++) {
		glob_t g;

		assert_int_equal(glob(patterns[k], 0, NULL, &g), 0);
		for (i = 0; i < g.gl_pathc; i++, bundles++)
			tu_db_ingest(&w, g.gl_pathv[i]);
		globfree(&g);
	}
	assert_true(bundles >= 60);
	print_message("%zu bundles, %d snapshots\n", bundles, tu_db_snapshots(w.db));
	diag_clear(&d);
	assert_int_equal(db_snapshots_each(w.db, on_id, &ids, &d), 0);
	for (i = 0; i < ids.n; i++)
		check_snapshot(w.db, ids.v[i]);
	tu_db_release(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apportion),
		cmocka_unit_test(test_unknown_runtime),
		cmocka_unit_test(test_scaled_and_unaccounted),
		cmocka_unit_test(test_labelled),
		cmocka_unit_test(test_unhoused_heap),
		cmocka_unit_test(test_huge_numbers),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_every_fixture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
