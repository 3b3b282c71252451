/*
 * Benchmark of align_snapshots on synthetic snapshots of 10k, 100k and 1M
 * VMAs (nothing here comes from a process). A snapshot is an executable, a
 * [heap], a Go heap split into several VMAs, then an mmap area of units in
 * order: libraries (4 or 5 file VMAs, often a .bss), anonymous runs,
 * thread stacks with guard pages, malloc arenas; [vdso] and [stack] last.
 * The after snapshot is the same process later and elsewhere: 10% of the
 * libraries moved (ASLR), 5% upgraded (libsynthN.so.1 -> .so.2), 1% of
 * units gone, 1% new, 2% of anonymous runs split into three VMAs, sizes
 * jittered. Prints the best of three runs for each size.
 *
 * Build: cc -std=c17 -D_GNU_SOURCE -O2 -I. bench/align_bench.c build/librssgap.a -lm
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/align.h"
#include "core/diag.h"
#include "core/timer.h"
#include "core/xalloc.h"

#define PAGE 4096ULL

enum unit_type { U_LIB, U_ANON, U_STACK, U_ARENA };

struct unit {
	enum unit_type type;
	uint32_t id;		/* library number */
	uint8_t nvma;		/* file VMAs of a library, VMAs of a run */
	uint8_t bss;		/* library has an anonymous .bss */
	uint8_t version;	/* 1 or 2 */
	uint8_t split;		/* first VMA split in three */
	uint32_t pages[6];
	uint64_t hole;		/* pages of unmapped space before it */
};

struct snapshot {
	struct align_vma *v;
	size_t n, cap;
	uint64_t at;
};

static uint64_t rng_state = 0x853c49e6748fea9bULL;

static uint32_t
rng(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng_state >> 33);
}

static uint32_t
rng_below(uint32_t n)
{
	return rng() % n;
}

/* "/usr/lib/x86_64-linux-gnu/libsynthN.so.V", one slot per library and version. */
#define PATH_SLOT 64
static char *paths;

static const char *
lib_path(uint32_t id, int version)
{
	return paths + ((size_t)id * 2 + (size_t)(version - 1)) * PATH_SLOT;
}

static void
make_paths(uint32_t nlibs)
{
	paths = xcalloc((size_t)nlibs * 2, PATH_SLOT);
	for (uint32_t id = 0; id < nlibs; id++)
		for (int ver = 1; ver <= 2; ver++)
			snprintf(paths + ((size_t)id * 2 + (size_t)(ver - 1)) * PATH_SLOT, PATH_SLOT,
				 "/usr/lib/x86_64-linux-gnu/libsynth%u.so.%d", id, ver);
}

static void
emit(struct snapshot *s, uint64_t pages, const char *perms, const char *path, const char *role,
     int64_t rss_pages)
{
	struct align_vma *v;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = xreallocarray(s->v, s->cap, sizeof *s->v);
	}
	v = &s->v[s->n++];
	v->start = s->at;
	v->end = s->at + pages * PAGE;
	v->offset = 0;
	v->perms = perms;
	v->path = path;
	v->role = role;
	v->size = (int64_t)(pages * PAGE);
	v->rss = rss_pages * (int64_t)PAGE;
	v->pss = v->rss;
	v->anonymous = path[0] == '\0' ? v->rss : 0;
	v->lazyfree = 0;
	v->anon_huge_pages = 0;
	v->swap = 0;
	v->dirty = 0;
	s->at = v->end;
}

static void
emit_unit(struct snapshot *s, const struct unit *u)
{
	static const char *const lib_perms[5] = { "r--p", "r-xp", "r--p", "r--p", "rw-p" };

	s->at += u->hole * PAGE;
	switch (u->type) {
	case U_LIB:
		for (int k = 0; k < u->nvma; k++)
			emit(s, u->pages[k], lib_perms[k + 5 - u->nvma], lib_path(u->id, u->version),
			     "lib", u->pages[k] / 2);
		if (u->bss)
			emit(s, u->pages[5], "rw-p", "", "lib", 1);
		break;
	case U_ANON:
		for (int k = 0; k < u->nvma; k++) {
			const char *perms = k % 2 ? "---p" : "rw-p";

			if (k == 0 && u->split && u->pages[0] >= 3) {
				emit(s, 1, "rw-p", "", "anon", 1);
				emit(s, 1, "r--p", "", "anon", 0);
				emit(s, u->pages[0] - 2, "rw-p", "", "anon", u->pages[0] / 3);
				continue;
			}
			emit(s, u->pages[k], perms, "", "anon", k % 2 ? 0 : u->pages[k] / 3);
		}
		break;
	case U_STACK:
		emit(s, 1, "---p", "", "anon", 0);
		emit(s, u->pages[0], "rw-p", "", "stack", 2);
		break;
	case U_ARENA:
		emit(s, u->pages[0], "rw-p", "", "malloc-arena", u->pages[0]);
		emit(s, u->pages[1], "---p", "", "malloc-arena", 0);
		break;
	}
}

static void
new_unit(struct unit *u, uint32_t *next_lib)
{
	uint32_t kind = rng_below(100);

	memset(u, 0, sizeof *u);
	u->hole = rng_below(3) == 0 ? 0 : 1 + rng_below(16);
	if (kind < 45) {
		u->type = U_LIB;
		u->id = (*next_lib)++;
		u->nvma = (uint8_t)(4 + rng_below(2));
		u->bss = rng_below(2) == 0;
		u->version = 1;
		for (int k = 0; k < 6; k++)
			u->pages[k] = 1 + rng_below(64);
	} else if (kind < 80) {
		u->type = U_ANON;
		u->nvma = (uint8_t)(1 + rng_below(3));
		for (int k = 0; k < 3; k++)
			u->pages[k] = 1 + rng_below(512);
	} else if (kind < 95) {
		u->type = U_STACK;
		u->pages[0] = 2048;
	} else {
		u->type = U_ARENA;
		u->pages[0] = 33;
		u->pages[1] = 16384 - 33;
	}
}

static size_t
unit_vmas(const struct unit *u)
{
	switch (u->type) {
	case U_LIB:
		return u->nvma + u->bss;
	case U_ANON:
		return u->nvma;
	default:
		return 2;
	}
}

static void
emit_fixed_head(struct snapshot *s, const char *exe)
{
	s->at = 0x400000;
	emit(s, 2, "r--p", exe, "exe", 2);
	emit(s, 1048, "r-xp", exe, "exe", 1000);
	emit(s, 1045, "r--p", exe, "exe", 900);
	emit(s, 1, "r--p", exe, "exe", 1);
	emit(s, 70, "rw-p", exe, "exe", 66);
	emit(s, 66, "rw-p", "", "exe", 20);
	s->at = 0x3ee58000;
	emit(s, 33, "rw-p", "[heap]", "malloc-heap", 1);
	s->at = 0xc000000000ULL;
	for (int k = 0; k < 8; k++)
		emit(s, 512, "rw-p", "", "go-heap", 400);
	emit(s, 16384, "---p", "", "go-runtime", 0);
	s->at = 0x100000000000ULL;
}

static void
emit_fixed_tail(struct snapshot *s)
{
	s->at += 16 * PAGE;
	emit(s, 2, "r-xp", "[vdso]", "kernel", 1);
	s->at = 0x7ffdbfb62000ULL;
	emit(s, 33, "rw-p", "[stack]", "stack", 4);
}

/* Build a before and an after snapshot of about n VMAs each. */
static void
synthesise(size_t n, struct snapshot *before, struct snapshot *after)
{
	size_t cap = n / 2 + 16, nunits = 0, total = 0, nafter = 0;
	struct unit *units = xcalloc(cap, sizeof *units);
	struct unit *later;
	uint32_t next_lib = 0;
	size_t *libs, nlibs = 0;

	while (total + 20 < n) {
		if (nunits == cap) {
			cap *= 2;
			units = xreallocarray(units, cap, sizeof *units);
		}
		new_unit(&units[nunits], &next_lib);
		total += unit_vmas(&units[nunits]);
		nunits++;
	}
	/* Room for the 1% new libraries of the after snapshot. */
	make_paths(next_lib + (uint32_t)(nunits / 100) + 16);

	memset(before, 0, sizeof *before);
	emit_fixed_head(before, "/app/v1/server");
	for (size_t i = 0; i < nunits; i++)
		emit_unit(before, &units[i]);
	emit_fixed_tail(before);

	/* The after process: a few units gone or new, some changed, libraries moved. */
	later = xcalloc(nunits + nunits / 50 + 16, sizeof *later);
	for (size_t i = 0; i < nunits; i++) {
		struct unit u = units[i];

		if (rng_below(100) == 0)
			continue;
		if (u.type == U_LIB && rng_below(20) == 0)
			u.version = 2;
		if (u.type == U_ANON) {
			u.split = rng_below(50) == 0;
			for (int k = 0; k < 3; k++)
				u.pages[k] += rng_below(8);
		}
		u.hole = rng_below(3) == 0 ? 0 : 1 + rng_below(16);
		later[nafter++] = u;
		if (rng_below(100) == 0)
			new_unit(&later[nafter++], &next_lib);
	}
	libs = xcalloc(nafter + 1, sizeof *libs);
	for (size_t i = 0; i < nafter; i++)
		if (later[i].type == U_LIB)
			libs[nlibs++] = i;
	/* ASLR: one library in ten swaps its place with a random other one. */
	for (size_t k = 0; nlibs > 1 && k < nlibs / 10; k++) {
		size_t x = libs[rng_below((uint32_t)nlibs)], y = libs[rng_below((uint32_t)nlibs)];
		struct unit t = later[x];

		later[x] = later[y];
		later[y] = t;
	}
	memset(after, 0, sizeof *after);
	emit_fixed_head(after, "/app/v2/server-new");
	for (size_t i = 0; i < nafter; i++)
		emit_unit(after, &later[i]);
	emit_fixed_tail(after);
	free(units);
	free(later);
	free(libs);
}

/* Best of three runs of align_snapshots, in seconds. */
static double
time_align(const struct snapshot *b, const struct snapshot *a, size_t *only)
{
	double best = 1e30;

	for (int run = 0; run < 3; run++) {
		struct alignment *al = NULL;
		struct diag d;
		double t0, t;

		diag_clear(&d);
		t0 = timer_now();
		if (align_snapshots(b->v, b->n, a->v, a->n, &al, &d) < 0) {
			diag_print(&d, stderr);
			exit(1);
		}
		t = timer_now() - t0;
		if (t < best)
			best = t;
		*only = 0;
		for (size_t p = 0; p < al->npairs; p++)
			*only += al->pairs[p].how == ALIGN_ONLY_BEFORE ||
				 al->pairs[p].how == ALIGN_ONLY_AFTER;
		alignment_free(al);
	}
	return best;
}

int
main(void)
{
	static const size_t sizes[3] = { 10000, 100000, 1000000 };
	double t[3];

	for (int k = 0; k < 3; k++) {
		struct snapshot b, a;
		size_t only;

		synthesise(sizes[k], &b, &a);
		t[k] = time_align(&b, &a, &only);
		printf("align %zu: %.1f ms\n", sizes[k], t[k] * 1e3);
		fprintf(stderr, "  (%zu vs %zu vmas, %zu regions unpaired)\n", b.n, a.n, only);
		free(b.v);
		free(a.v);
		free(paths);
		paths = NULL;
	}
	printf("ratio time(1M)/time(100k): %.1f (target <= 12)\n", t[2] / t[1]);
	printf("1M vs 1M: %.2f s (target <= 5 s)\n", t[2]);
	if (fflush(stdout) != 0 || ferror(stdout))
		return 1;
	return 0;
}
