/*
 * Tests of analyze/align on real smaps: the scenario snapshots of
 * fixtures/bundles (extracted to fixtures/real/align/, see
 * fixtures/real/README.md) and systemd's smaps from fixtures/corpora/jc.
 * Snapshots are parsed by ingest/smaps and classified by ingest/roles with
 * the default rules, as ingest does. Variants (a renamed library, a split
 * VMA, an inserted mapping, ASLR-shifted libraries) are made from that
 * real text in the test and say so where they are made.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/align.h"
#include "core/diag.h"
#include "core/limits.h"
#include "ingest/roles.h"
#include "ingest/rules.h"
#include "ingest/smaps.h"
#include "tests/testutil.h"

#define DIR "fixtures/real/align/"
#define JC_SMAPS "fixtures/corpora/jc/pid_smaps"

static struct rules *rules;

struct snap {
	struct align_vma *v;
	size_t n, cap;
};

static char *
dup_str(const char *s)
{
	char *c = strdup(s);

	assert_non_null(c);
	return c;
}

static int
on_classified(void *ctx, const struct vma *v, const char *role, struct diag *d)
{
	struct snap *s = ctx;
	struct align_vma *a;

	(void)d;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
		assert_non_null(s->v);
	}
	a = &s->v[s->n++];
	memset(a, 0, sizeof *a);
	a->start = v->start;
	a->end = v->end;
	a->offset = v->offset;
	a->perms = dup_str(v->perms);
	a->path = dup_str(v->path);
	a->role = role;
	a->size = v->field[VMA_SIZE];
	a->rss = v->field[VMA_RSS];
	a->pss = v->field[VMA_PSS];
	a->anonymous = v->field[VMA_ANONYMOUS];
	a->lazyfree = v->field[VMA_LAZYFREE];
	a->anon_huge_pages = v->field[VMA_ANON_HUGE_PAGES];
	a->swap = v->field[VMA_SWAP];
	return 0;
}

static int
on_vma(void *ctx, const struct vma *v, struct diag *d)
{
	return classifier_push(ctx, v, d);
}

/* Parse and classify smaps text into s. */
static void
snap_text(struct snap *s, const char *text, size_t len)
{
	struct limits lim;
	struct diag d;
	struct classifier *c;

	memset(s, 0, sizeof *s);
	limits_default(&lim);
	diag_clear(&d);
	c = classifier_new(rules, on_classified, s);
	assert_non_null(c);
	assert_int_equal(smaps_parse(text, len, 0, &lim, on_vma, c, &d), 0);
	assert_int_equal(classifier_finish(c, &d), 0);
	classifier_free(c);
	assert_true(s->n > 0);
}

static void
snap_file(struct snap *s, const char *path)
{
	size_t len;
	char *text = tu_read_file(path, &len);

	snap_text(s, text, len);
	free(text);
}

static void
snap_free(struct snap *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free((char *)s->v[i].perms);
		free((char *)s->v[i].path);
	}
	free(s->v);
}

/* Regions tile their snapshot; every region is in exactly one pair; pair kinds are coherent. */
static void
check_invariants(const struct alignment *al, const struct snap *b, const struct snap *a)
{
	const struct align_region *regs[2] = { al->before, al->after };
	size_t nregs[2] = { al->nbefore, al->nafter };
	const struct snap *snaps[2] = { b, a };
	int *seen[2];

	for (int s = 0; s < 2; s++) {
		size_t next = 0;

		for (size_t r = 0; r < nregs[s]; r++) {
			const struct align_region *g = &regs[s][r];

			assert_int_equal(g->first, next);
			assert_true(g->count > 0);
			assert_int_equal(g->start, snaps[s]->v[g->first].start);
			assert_int_equal(g->end, snaps[s]->v[g->first + g->count - 1].end);
			assert_non_null(g->identity);
			next += g->count;
		}
		assert_int_equal(next, snaps[s]->n);
		seen[s] = calloc(nregs[s] + 1, sizeof *seen[s]);
		assert_non_null(seen[s]);
	}
	for (size_t p = 0; p < al->npairs; p++) {
		const struct align_pair *pr = &al->pairs[p];

		if (pr->how == ALIGN_ONLY_BEFORE)
			assert_true(pr->before >= 0 && pr->after == -1);
		else if (pr->how == ALIGN_ONLY_AFTER)
			assert_true(pr->before == -1 && pr->after >= 0);
		else
			assert_true(pr->before >= 0 && pr->after >= 0);
		if (pr->before >= 0) {
			assert_true((size_t)pr->before < al->nbefore);
			seen[0][pr->before]++;
		}
		if (pr->after >= 0) {
			assert_true((size_t)pr->after < al->nafter);
			seen[1][pr->after]++;
		}
	}
	for (int s = 0; s < 2; s++) {
		for (size_t r = 0; r < nregs[s]; r++)
			assert_int_equal(seen[s][r], 1);
		free(seen[s]);
	}
}

/* Align b with a, asserting success and the invariants above. */
static struct alignment *
align_ok(const struct snap *b, const struct snap *a)
{
	struct alignment *al = NULL;
	struct diag d;

	diag_clear(&d);
	assert_int_equal(align_snapshots(b->v, b->n, a->v, a->n, &al, &d), 0);
	assert_non_null(al);
	check_invariants(al, b, a);
	return al;
}

/* Free an alignment and the two snapshots it was made from. */
static void
align_free_all(struct alignment *al, struct snap *b, struct snap *a)
{
	alignment_free(al);
	snap_free(b);
	snap_free(a);
}

/* The region of regs starting at start, or -1. */
static long
region_at(const struct align_region *regs, size_t n, uint64_t start)
{
	for (size_t r = 0; r < n; r++)
		if (regs[r].start == start)
			return (long)r;
	return -1;
}

/* The region whose path ends in suffix (first one), or -1. */
static long
region_path(const struct align_region *regs, size_t n, const char *suffix)
{
	size_t sl = strlen(suffix);

	for (size_t r = 0; r < n; r++) {
		size_t pl = strlen(regs[r].path);

		if (pl >= sl && strcmp(regs[r].path + pl - sl, suffix) == 0)
			return (long)r;
	}
	return -1;
}

static const struct align_pair *
pair_of_before(const struct alignment *al, long rb)
{
	for (size_t p = 0; p < al->npairs; p++)
		if (al->pairs[p].before == rb)
			return &al->pairs[p];
	fail_msg("before region %ld in no pair", rb);
	return NULL;
}

static const struct align_pair *
pair_of_after(const struct alignment *al, long ra)
{
	for (size_t p = 0; p < al->npairs; p++)
		if (al->pairs[p].after == ra)
			return &al->pairs[p];
	fail_msg("after region %ld in no pair", ra);
	return NULL;
}

static size_t
count_how(const struct alignment *al, enum align_how how)
{
	size_t n = 0;

	for (size_t p = 0; p < al->npairs; p++)
		n += al->pairs[p].how == how;
	return n;
}

/* Assert the before region named by path suffix pairs with an after region of that suffix, by how. */
static void
assert_paired_path(const struct alignment *al, const char *bsuffix, const char *asuffix,
		   enum align_how how)
{
	long rb = region_path(al->before, al->nbefore, bsuffix);
	long ra = region_path(al->after, al->nafter, asuffix);
	const struct align_pair *p;

	assert_true(rb >= 0);
	assert_true(ra >= 0);
	p = pair_of_before(al, rb);
	assert_int_equal(p->after, ra);
	assert_int_equal(p->how, how);
}

static int
setup(void **state)
{
	struct limits lim;
	struct diag d;

	(void)state;
	limits_default(&lim);
	diag_clear(&d);
	rules = rules_new();
	return rules_add_default(rules, &lim, &d);
}

static int
teardown(void **state)
{
	(void)state;
	rules_free(rules);
	return 0;
}

/* baseline (app/v1/server) against renamed-after (app/v2/server-v2). */
static void
test_renamed(void **state)
{
	struct snap b, a;
	struct alignment *al;
	long rb, ra;
	size_t nexe = 0;

	(void)state;
	snap_file(&b, DIR "baseline.smaps");
	snap_file(&a, DIR "renamed-after.smaps");
	assert_int_equal(b.n, 59);
	assert_int_equal(a.n, 59);
	al = align_ok(&b, &a);

	/* Every exe region, the file VMAs and the anonymous bss, pairs as the executable. */
	for (size_t r = 0; r < al->nbefore; r++) {
		const struct align_pair *p;

		if (strcmp(al->before[r].role, "exe") != 0)
			continue;
		nexe++;
		p = pair_of_before(al, (long)r);
		assert_int_equal(p->how, ALIGN_EXE);
		assert_non_null(strstr(al->after[p->after].path, "/app/v2/server-v2"));
		assert_string_equal(al->before[r].identity, "exe#0");
		assert_string_equal(al->after[p->after].identity, "exe#0");
	}
	assert_int_equal(nexe, 1);
	rb = region_path(al->before, al->nbefore, "/app/v1/server");
	assert_int_equal(al->before[rb].count, 6);
	/* 8 + 4192 + 3796 + 4 + 264 + 84 kB (the six VMAs' Rss). */
	assert_int_equal(al->before[rb].rss, 8548352);
	assert_int_equal(al->before[rb].size, 0xcb8000 - 0x400000);

	assert_paired_path(al, "/libc.so.6", "/libc.so.6", ALIGN_FILE);
	rb = region_path(al->before, al->nbefore, "/libc.so.6");
	assert_string_equal(al->before[rb].identity, "lib:libc.so.##0");
	/* libc's bss (an anonymous "lib" VMA) belongs to libc's region. */
	assert_int_equal(al->before[rb].count, 6);
	assert_int_equal(al->before[rb].end, 0x7f48889f7000);
	assert_paired_path(al, "/ld-linux-x86-64.so.2", "/ld-linux-x86-64.so.2", ALIGN_FILE);
	assert_paired_path(al, "[heap]", "[heap]", ALIGN_NAME);
	assert_paired_path(al, "[stack]", "[stack]", ALIGN_NAME);
	assert_paired_path(al, "[vdso]", "[vdso]", ALIGN_NAME);
	assert_paired_path(al, "[vsyscall]", "[vsyscall]", ALIGN_NAME);

	rb = region_at(al->before, al->nbefore, 0xc000000000);
	ra = region_at(al->after, al->nafter, 0xc000000000);
	assert_true(rb >= 0 && ra >= 0);
	assert_string_equal(al->before[rb].role, "go-heap");
	assert_int_equal(pair_of_before(al, rb)->after, ra);
	assert_int_equal(pair_of_before(al, rb)->how, ALIGN_ROLE_ORDER);

	/* Same program, same threads: every region finds a partner. */
	assert_int_equal(al->nbefore, al->nafter);
	assert_int_equal(count_how(al, ALIGN_ONLY_BEFORE), 0);
	assert_int_equal(count_how(al, ALIGN_ONLY_AFTER), 0);
	align_free_all(al, &b, &a);
}

/* zeroing-before against zeroing-after: the Go heap VMA grows in Rss, not in place. */
static void
test_zeroing(void **state)
{
	struct snap b, a;
	struct alignment *al;
	long rb, ra;
	const struct align_pair *p;

	(void)state;
	snap_file(&b, DIR "zeroing-before.smaps");
	snap_file(&a, DIR "zeroing-after.smaps");
	al = align_ok(&b, &a);
	rb = region_at(al->before, al->nbefore, 0xc000000000);
	ra = region_at(al->after, al->nafter, 0xc000000000);
	assert_true(rb >= 0 && ra >= 0);
	p = pair_of_before(al, rb);
	assert_int_equal(p->after, ra);
	assert_int_equal(p->how, ALIGN_ROLE_ORDER);
	assert_string_equal(al->before[rb].identity, "go-heap#0");
	assert_string_equal(al->after[ra].identity, "go-heap#0");
	/* The heap VMA, 116 MiB, before and after; its Rss from the smaps. */
	assert_int_equal(al->before[rb].end, 0xc007400000);
	assert_int_equal(al->after[ra].end, 0xc007400000);
	assert_int_equal(al->after[ra].rss, 119029760);
	assert_true(al->before[rb].rss < 20 * 1024 * 1024);
	/* The runtime's reservation after it is go-runtime, paired in order too. */
	rb = region_at(al->before, al->nbefore, 0xc007400000);
	assert_true(rb >= 0);
	assert_string_equal(al->before[rb].role, "go-runtime");
	assert_int_equal(pair_of_before(al, rb)->how, ALIGN_ROLE_ORDER);
	align_free_all(al, &b, &a);
}

/*
 * Two Go 1.26.8 processes of one build with their heaps at different random
 * bases (fixtures/real/align/go126-{a,b}.smaps: 2759f6400000 and
 * 786c8400000, found by shape): the heaps pair by role, and so do the
 * reservations around them.
 */
static void
test_go126_bases(void **state)
{
	struct snap b, a;
	struct alignment *al;
	long rb, ra;
	const struct align_pair *p;

	(void)state;
	snap_file(&b, DIR "go126-a.smaps");
	snap_file(&a, DIR "go126-b.smaps");
	al = align_ok(&b, &a);
	rb = region_at(al->before, al->nbefore, 0x2759f6400000ull);
	ra = region_at(al->after, al->nafter, 0x786c8400000ull);
	assert_true(rb >= 0 && ra >= 0);
	assert_string_equal(al->before[rb].role, "go-heap");
	assert_string_equal(al->after[ra].role, "go-heap");
	p = pair_of_before(al, rb);
	assert_int_equal(p->after, ra);
	assert_int_equal(p->how, ALIGN_ROLE_ORDER);
	assert_true(al->before[rb].rss > 16 * 1024 * 1024);
	assert_true(al->after[ra].rss > 16 * 1024 * 1024);
	/* The ---p chunks below each random start: go-runtime, paired too. */
	rb = region_at(al->before, al->nbefore, 0x2759f4000000ull);
	ra = region_at(al->after, al->nafter, 0x786c8000000ull);
	assert_true(rb >= 0 && ra >= 0);
	assert_string_equal(al->before[rb].role, "go-runtime");
	assert_int_equal(pair_of_before(al, rb)->after, ra);
	align_free_all(al, &b, &a);
}

/* A snapshot against itself: every region with itself, nothing left over. */
static void
check_self(const char *path, size_t nvmas)
{
	struct snap s;
	struct alignment *al;

	snap_file(&s, path);
	assert_int_equal(s.n, nvmas);
	al = align_ok(&s, &s);
	assert_int_equal(al->npairs, al->nbefore);
	for (size_t p = 0; p < al->npairs; p++) {
		assert_int_equal(al->pairs[p].before, al->pairs[p].after);
		assert_string_equal(al->before[al->pairs[p].before].identity,
				    al->after[al->pairs[p].after].identity);
	}
	assert_int_equal(count_how(al, ALIGN_ONLY_BEFORE), 0);
	assert_int_equal(count_how(al, ALIGN_ONLY_AFTER), 0);
	alignment_free(al);
	snap_free(&s);
}

static void
test_self(void **state)
{
	(void)state;
	check_self(DIR "baseline.smaps", 59);
	check_self(DIR "zeroing-after.smaps", 60);
	check_self(JC_SMAPS, 214);
}

/* An input filled VMA by VMA, with strings that change under it, aligned with itself. */
static void
test_input_self(void **state)
{
	struct snap s, t;
	struct align_input *in = align_input_new();
	struct alignment *al, *ref;
	struct diag d;
	char perms[8], path[256];

	(void)state;
	snap_file(&s, DIR "zeroing-after.smaps");
	snap_file(&t, DIR "zeroing-after.smaps");
	/* the input copies what it keeps: the caller's buffers are reused for every VMA */
	for (size_t i = 0; i < s.n; i++) {
		struct align_vma v = s.v[i];

		snprintf(perms, sizeof perms, "%s", v.perms);
		snprintf(path, sizeof path, "%s", v.path);
		v.perms = perms;
		v.path = path;
		assert_int_equal(align_input_add(in, &v), 0);
		memset(perms, 'x', sizeof perms - 1);
		memset(path, 'y', sizeof path - 1);
	}
	assert_int_equal(align_input_vmas(in), s.n);
	diag_clear(&d);
	assert_int_equal(align_inputs(in, in, &al, &d), 0);
	ref = align_ok(&s, &t);
	assert_int_equal(al->npairs, ref->npairs);
	assert_int_equal(al->nbefore, ref->nbefore);
	assert_int_equal(al->nafter, ref->nafter);
	for (size_t p = 0; p < al->npairs; p++) {
		const struct align_region *x = &al->after[al->pairs[p].after];
		const struct align_region *y = &ref->after[ref->pairs[p].after];

		assert_int_equal(al->pairs[p].before, al->pairs[p].after);
		assert_int_equal(al->pairs[p].how, ref->pairs[p].how);
		assert_string_equal(x->identity, y->identity);
		assert_string_equal(x->path, y->path);
		assert_string_equal(x->perms, y->perms);
		assert_string_equal(x->role, y->role);
		assert_int_equal(x->rss, y->rss);
		assert_int_equal(x->count, y->count);
	}
	/* its regions went into the alignment: it does not align twice */
	alignment_free(ref);
	assert_int_equal(align_inputs(in, in, &ref, &d), -1);
	assert_null(ref);
	alignment_free(al);
	align_input_free(in);
	snap_free(&s);
	snap_free(&t);
}

/* Replace every "from" in text with "to" (same length). */
static void
replace_all(char *text, const char *from, const char *to)
{
	size_t n = strlen(from);
	char *p = text;
	int hits = 0;

	assert_int_equal(strlen(to), n);
	while ((p = strstr(p, from)) != NULL) {
		memcpy(p, to, n);
		p += n;
		hits++;
	}
	assert_true(hits > 0);
}

/* Synthetic: renamed-after with libc.so.6 rewritten to libc.so.7 (an "upgrade"). */
static void
test_lib_upgrade(void **state)
{
	struct snap b, a;
	struct alignment *al;
	size_t len;
	char *text = tu_read_file(DIR "renamed-after.smaps", &len);
	long rb, ra;

	(void)state;
	replace_all(text, "libc.so.6", "libc.so.7");
	snap_file(&b, DIR "baseline.smaps");
	snap_text(&a, text, len);
	free(text);
	al = align_ok(&b, &a);
	assert_paired_path(al, "/libc.so.6", "/libc.so.7", ALIGN_FILE);
	ra = region_path(al->after, al->nafter, "/libc.so.7");
	rb = region_path(al->before, al->nbefore, "/libc.so.6");
	assert_string_equal(al->after[ra].identity, al->before[rb].identity);
	assert_int_equal(count_how(al, ALIGN_ONLY_AFTER), 0);
	align_free_all(al, &b, &a);
}

/*
 * Synthetic: baseline with the anonymous rw-p VMA 7f486007d000-7f486018d000
 * (272 pages) split as mprotect would: rw-p 16 pages, r--p 16 pages, rw-p
 * 240 pages. All its kB fields go to the first piece, Size is per piece.
 */
static char *
split_vma(const char *text, size_t len, size_t *out_len)
{
	static const char hdr[] = "7f486007d000-7f486018d000 rw-p ";
	const char *at = strstr(text, hdr), *body, *end;
	static const uint64_t cut[4] = { 0x7f486007d000, 0x7f486008d000, 0x7f486009d000,
					 0x7f486018d000 };
	static const char *const perms[3] = { "rw-p", "r--p", "rw-p" };
	char *out;
	size_t n = 0;

	assert_non_null(at);
	body = strchr(at, '\n') + 1;
	/* The block ends at VmFlags, the last line of a VMA. */
	end = strstr(body, "VmFlags:");
	assert_non_null(end);
	end = strchr(end, '\n') + 1;
	out = malloc(len * 2 + 4096);
	assert_non_null(out);
	memcpy(out, text, (size_t)(at - text));
	n = (size_t)(at - text);
	for (int k = 0; k < 3; k++) {
		const char *line = body;

		n += (size_t)sprintf(out + n, "%llx-%llx %s 00000000 00:00 0 \n",
				     (unsigned long long)cut[k], (unsigned long long)cut[k + 1],
				     perms[k]);
		while (line < end) {
			const char *eol = strchr(line, '\n');
			char name[64];
			unsigned long long kb;

			if (sscanf(line, "%63[A-Za-z_]: %llu", name, &kb) == 2 &&
			    memcmp(eol - 3, " kB", 3) == 0) {
				if (strcmp(name, "Size") == 0)
					kb = (cut[k + 1] - cut[k]) / 1024;
				else if (k > 0 && strcmp(name, "KernelPageSize") != 0 &&
					 strcmp(name, "MMUPageSize") != 0)
					kb = 0;
				n += (size_t)sprintf(out + n, "%s: %llu kB\n", name, kb);
			} else {
				memcpy(out + n, line, (size_t)(eol - line) + 1);
				n += (size_t)(eol - line) + 1;
			}
			line = eol + 1;
		}
	}
	memcpy(out + n, end, len - (size_t)(end - text));
	n += len - (size_t)(end - text);
	*out_len = n;
	return out;
}

static void
test_split(void **state)
{
	struct snap b, a;
	struct alignment *al;
	size_t len, slen;
	char *text = tu_read_file(DIR "baseline.smaps", &len);
	char *split = split_vma(text, len, &slen);
	long rb, ra;
	const struct align_pair *p;

	(void)state;
	snap_text(&b, text, len);
	snap_text(&a, split, slen);
	free(text);
	free(split);
	assert_int_equal(a.n, b.n + 2);
	al = align_ok(&b, &a);
	rb = region_at(al->before, al->nbefore, 0x7f486007d000);
	ra = region_at(al->after, al->nafter, 0x7f486007d000);
	assert_true(rb >= 0 && ra >= 0);
	/* Before: the rw-p VMA and its ---p guard; after: the three pieces and the guard. */
	assert_int_equal(al->before[rb].count, 2);
	assert_int_equal(al->after[ra].count, 4);
	assert_int_equal(al->after[ra].end, al->before[rb].end);
	assert_int_equal(al->after[ra].rss, al->before[rb].rss);
	assert_int_equal(al->before[rb].rss, 659456);
	assert_int_equal(al->after[ra].size, al->before[rb].size);
	p = pair_of_before(al, rb);
	assert_int_equal(p->after, ra);
	assert_int_equal(p->how, ALIGN_GAP);
	assert_int_equal(count_how(al, ALIGN_ONLY_BEFORE), 0);
	assert_int_equal(count_how(al, ALIGN_ONLY_AFTER), 0);
	align_free_all(al, &b, &a);
}

/* baseline against cgo-after: the 96 MiB C malloc mapping is new. */
static void
test_only_after_cgo(void **state)
{
	struct snap b, a;
	struct alignment *al;
	long ra;
	const struct align_pair *p;

	(void)state;
	snap_file(&b, DIR "baseline.smaps");
	snap_file(&a, DIR "cgo-after.smaps");
	al = align_ok(&b, &a);
	ra = region_at(al->after, al->nafter, 0x7fe4f9fff000);
	assert_true(ra >= 0);
	assert_string_equal(al->after[ra].role, "anon");
	assert_int_equal(al->after[ra].rss, 100667392);
	p = pair_of_after(al, ra);
	assert_int_equal(p->how, ALIGN_ONLY_AFTER);
	assert_int_equal(p->before, -1);
	assert_paired_path(al, "/libc.so.6", "/libc.so.6", ALIGN_FILE);
	align_free_all(al, &b, &a);
}

/* Synthetic: baseline with a mapping of locale-archive inserted after [heap]. */
static void
test_only_after_inserted(void **state)
{
	static const char added[] =
		"50000000-50100000 r--p 00000000 fe:00 4242 /usr/lib/locale/locale-archive\n"
		"Size: 1024 kB\nRss: 512 kB\nPss: 512 kB\nAnonymous: 0 kB\nSwap: 0 kB\n"
		"VmFlags: rd mr mw me\n";
	struct snap b, a;
	struct alignment *al;
	size_t len, n;
	char *text = tu_read_file(DIR "baseline.smaps", &len);
	char *at = strstr(text, "c000000000-c001400000");
	char *edited = malloc(len + sizeof added);
	long ra;

	(void)state;
	assert_non_null(at);
	assert_non_null(edited);
	n = (size_t)(at - text);
	memcpy(edited, text, n);
	memcpy(edited + n, added, sizeof added - 1);
	memcpy(edited + n + sizeof added - 1, at, len - n);
	snap_text(&b, text, len);
	snap_text(&a, edited, len + sizeof added - 1);
	free(text);
	free(edited);
	al = align_ok(&b, &a);
	ra = region_at(al->after, al->nafter, 0x50000000);
	assert_true(ra >= 0);
	assert_string_equal(al->after[ra].identity, "file:locale-archive#0");
	assert_int_equal(al->after[ra].rss, 512 * 1024);
	assert_int_equal(pair_of_after(al, ra)->how, ALIGN_ONLY_AFTER);
	assert_int_equal(count_how(al, ALIGN_ONLY_AFTER), 1);
	assert_int_equal(count_how(al, ALIGN_ONLY_BEFORE), 0);
	align_free_all(al, &b, &a);
}

static int
by_start(const void *x, const void *y)
{
	const struct align_vma *a = x, *b = y;

	return a->start < b->start ? -1 : a->start > b->start;
}

/*
 * Synthetic ASLR: systemd's smaps, every library (its file VMAs and the
 * anonymous bss after them) moved by its own page-aligned offset into its
 * own 1 GiB slot above 0x600000000000, slots in a shuffled order (fixed
 * seed), then re-sorted by address.
 */
static void
test_systemd_aslr(void **state)
{
	struct snap b, a;
	struct alignment *al;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	uint64_t *shift;
	size_t nlibs = 0, *slot;
	long *group;
	int64_t rss = 0, size = 0;
	const char *prev_path = NULL;

	(void)state;
	snap_file(&b, JC_SMAPS);
	snap_file(&a, JC_SMAPS);
	assert_int_equal(b.n, 214);
	group = calloc(a.n, sizeof *group);
	assert_non_null(group);
	for (size_t i = 0; i < a.n; i++) {
		const struct align_vma *v = &a.v[i];

		group[i] = -1;
		if (strcmp(v->role, "lib") != 0)
			continue;
		if (v->path[0] == '/') {
			if (prev_path == NULL || strcmp(prev_path, v->path) != 0 ||
			    a.v[i - 1].end != v->start)
				nlibs++;
			prev_path = v->path;
			group[i] = (long)nlibs - 1;
		} else {
			assert_true(i > 0 && group[i - 1] >= 0);
			group[i] = group[i - 1];
		}
	}
	assert_true(nlibs >= 30);
	shift = calloc(nlibs, sizeof *shift);
	slot = calloc(nlibs, sizeof *slot);
	assert_non_null(shift);
	assert_non_null(slot);
	for (size_t g = 0; g < nlibs; g++)
		slot[g] = g;
	for (size_t g = nlibs - 1; g > 0; g--) {
		size_t k, t;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		k = (size_t)(seed >> 33) % (g + 1);
		t = slot[g];
		slot[g] = slot[k];
		slot[k] = t;
	}
	for (size_t i = 0; i < a.n; i++) {
		long g = group[i];

		if (g < 0)
			continue;
		if (shift[g] == 0) {
			uint64_t base = 0x600000000000ULL + (uint64_t)slot[g] * 0x40000000ULL;

			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			base += ((seed >> 33) % 0x10000) * 4096;	/* < 256 MiB into the slot */
			shift[g] = base - a.v[i].start;
		}
		a.v[i].start += shift[g];
		a.v[i].end += shift[g];
	}
	qsort(a.v, a.n, sizeof *a.v, by_start);

	al = align_ok(&b, &a);
	assert_int_equal(al->nbefore, al->nafter);
	assert_int_equal(count_how(al, ALIGN_ONLY_BEFORE), 0);
	assert_int_equal(count_how(al, ALIGN_ONLY_AFTER), 0);
	for (size_t p = 0; p < al->npairs; p++) {
		const struct align_region *x = &al->before[al->pairs[p].before];
		const struct align_region *y = &al->after[al->pairs[p].after];

		assert_string_equal(x->identity, y->identity);
		assert_int_equal(x->rss, y->rss);
		assert_int_equal(x->end - x->start, y->end - y->start);
		if (strcmp(x->role, "lib") == 0) {
			assert_int_equal(al->pairs[p].how, ALIGN_FILE);
			assert_true(y->start >= 0x600000000000ULL);
		}
		rss += x->rss;
		size += x->size;
	}
	/* fixtures/corpora/README.md: Size 169988 kB, Rss 13252 kB over the 214 VMAs. */
	assert_int_equal(size, 169988 * 1024LL);
	assert_int_equal(rss, 13252 * 1024LL);
	assert_paired_path(al, "/libsystemd-shared-246.so", "/libsystemd-shared-246.so",
			   ALIGN_FILE);
	assert_paired_path(al, "/usr/lib/systemd/systemd", "/usr/lib/systemd/systemd", ALIGN_EXE);
	free(group);
	free(shift);
	free(slot);
	align_free_all(al, &b, &a);
}

/* Hand-written VMAs pinning edge cases (not from a process). */
static struct align_vma
hv(uint64_t start, uint64_t end, const char *perms, const char *path, const char *role,
   int64_t rss)
{
	struct align_vma v = { start, end, 0, perms, path, role,
			       (int64_t)(end - start), rss, rss, rss, 0, 0, 0, 0 };
	return v;
}

/* Identity normalisation, a library mapped twice, unknown fields. */
static void
test_identity_edge(void **state)
{
	const struct align_vma before[] = {
		hv(0x1000, 0x2000, "r--p", "/opt/a/libfoo.so.1.2", "lib", 4096),
		hv(0x2000, 0x3000, "rw-p", "/opt/a/libfoo.so.1.2", "lib", 4096),
		hv(0x5000, 0x6000, "r--p", "/opt/b/libfoo.so.1.2", "lib", 4096),
		hv(0x7000, 0x8000, "r--p", "/usr/lib/libm-2.32.so (deleted)", "lib", -1),
		hv(0x9000, 0xa000, "r--p", "/lib/ld-linux-x86-64.so.2", "lib", 0),
		hv(0xb000, 0xc000, "rw-p", "[anon:scudo]", "anon", 0),
	};
	const struct align_vma after[] = {
		hv(0x11000, 0x12000, "r--p", "/lib/ld-linux-x86-64.so.2", "lib", 0),
		hv(0x21000, 0x22000, "r--p", "/opt/a/libfoo.so.1.3", "lib", 8192),
		hv(0x31000, 0x32000, "r--p", "/usr/lib/libm-2.33.so", "lib", 4096),
	};
	struct alignment *al = NULL;
	struct diag d;

	(void)state;
	diag_clear(&d);
	assert_int_equal(align_snapshots(before, 6, after, 3, &al, &d), 0);
	assert_int_equal(al->nbefore, 5);
	assert_int_equal(al->nafter, 3);
	assert_string_equal(al->before[0].identity, "lib:libfoo.so.##0");
	assert_int_equal(al->before[0].count, 2);
	assert_int_equal(al->before[0].rss, 8192);
	assert_string_equal(al->before[1].identity, "lib:libfoo.so.##1");
	assert_string_equal(al->before[2].identity, "lib:libm-#.so#0");
	assert_int_equal(al->before[2].rss, -1);
	assert_int_equal(al->before[2].pss, -1);
	assert_int_equal(al->before[2].size, 4096);
	assert_string_equal(al->before[3].identity, "lib:ld-linux-x86-64.so.##0");
	assert_string_equal(al->before[4].identity, "[anon:scudo]#0");
	/* libfoo#0 pairs with the only libfoo after; libfoo#1 is left over. */
	assert_int_equal(al->pairs[0].after, 1);
	assert_int_equal(al->pairs[0].how, ALIGN_FILE);
	assert_int_equal(al->pairs[1].how, ALIGN_ONLY_BEFORE);
	assert_int_equal(al->pairs[2].after, 2);
	assert_int_equal(al->pairs[3].after, 0);
	assert_int_equal(al->pairs[4].how, ALIGN_ONLY_BEFORE);
	assert_int_equal(al->npairs, 5);
	alignment_free(al);
	alignment_free(NULL);
	assert_string_equal(align_how_name(ALIGN_ONLY_AFTER), "only after");
	assert_string_equal(align_how_name(ALIGN_ROLE_ORDER), "role order");
}

/* Hand-written: overlapping VMAs are refused with the VMA named. */
static void
test_out_of_order(void **state)
{
	const struct align_vma bad[] = {
		hv(0x1000, 0x3000, "rw-p", "", "anon", 0),
		hv(0x2000, 0x4000, "rw-p", "", "anon", 0),
	};
	struct alignment *al = NULL;
	struct diag d;

	(void)state;
	diag_clear(&d);
	assert_int_equal(align_snapshots(bad, 1, bad, 2, &al, &d), -1);
	assert_null(al);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_string_equal(d.message, "vma 1 of after out of address order (\"2000-4000\") "
				       "(expected ascending, non-overlapping ranges)");
	diag_clear(&d);
	assert_int_equal(align_snapshots(NULL, 0, NULL, 0, &al, &d), 0);
	assert_int_equal(al->npairs, 0);
	alignment_free(al);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_renamed),
		cmocka_unit_test(test_zeroing),
		cmocka_unit_test(test_go126_bases),
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_input_self),
		cmocka_unit_test(test_lib_upgrade),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_only_after_cgo),
		cmocka_unit_test(test_only_after_inserted),
		cmocka_unit_test(test_systemd_aslr),
		cmocka_unit_test(test_identity_edge),
		cmocka_unit_test(test_out_of_order),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
