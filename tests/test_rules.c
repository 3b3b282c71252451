/*
 * Roles: the PCRE2 rule list (ingest/rules.c) and the classifier that
 * builds descriptors with context (ingest/roles.c), on real smaps of real
 * processes (fixtures/real/, fixtures/corpora) and on a few hand-written
 * lines that pin what no process here can produce.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/limits.h"
#include "ingest/roles.h"
#include "ingest/rules.h"
#include "ingest/smaps.h"
#include "tests/testutil.h"

#define KiB 1024ull
#define MiB (1024ull * 1024)
#define MAX_ROLES 32
#define MAX_VMAS 512

struct role_sum {
	char role[RULES_ROLE_MAX + 1];
	unsigned n;
	uint64_t size;
	uint64_t rss;
};

/* Everything one classification run produced. */
struct result {
	struct role_sum roles[MAX_ROLES];
	size_t nroles;
	unsigned nvmas;
	uint64_t starts[MAX_VMAS];
	char vma_role[MAX_VMAS][RULES_ROLE_MAX + 1];
	uint64_t last_end;
	int out_of_order;
	struct classifier *c;
};

struct fixture {
	struct rules *rules;
	struct limits lim;
	struct diag d;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	limits_default(&fx->lim);
	diag_clear(&fx->d);
	fx->rules = rules_new();
	*state = fx;
	return 0;
}

static int
setup_default(void **state)
{
	struct fixture *fx;

	setup(state);
	fx = *state;
	if (rules_add_default(fx->rules, &fx->lim, &fx->d) != 0) {
		print_error("default rules: %s line %llu: %s\n", fx->d.bundle,
			    (unsigned long long)fx->d.line, fx->d.message);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	rules_free(fx->rules);
	free(fx);
	return 0;
}

static int
collect(void *ctx, const struct vma *v, const char *role, struct diag *d)
{
	struct result *r = ctx;
	size_t i;

	(void)d;
	if (v->start < r->last_end)
		r->out_of_order = 1;
	r->last_end = v->end;
	for (i = 0; i < r->nroles; i++)
		if (strcmp(r->roles[i].role, role) == 0)
			break;
	if (i == r->nroles) {
		assert_true(r->nroles < MAX_ROLES);
		snprintf(r->roles[i].role, sizeof(r->roles[i].role), "%s", role);
		r->nroles++;
	}
	r->roles[i].n++;
	r->roles[i].size += v->end - v->start;
	if (v->field[VMA_RSS] > 0)
		r->roles[i].rss += (uint64_t)v->field[VMA_RSS];
	if (r->nvmas < MAX_VMAS) {
		r->starts[r->nvmas] = v->start;
		snprintf(r->vma_role[r->nvmas], sizeof(r->vma_role[0]), "%s", role);
	}
	r->nvmas++;
	return 0;
}

static int
push(void *ctx, const struct vma *v, struct diag *d)
{
	struct result *r = ctx;

	return classifier_push(r->c, v, d);
}

/* Classify a whole smaps (or maps) text into r. */
static void
classify_text(struct fixture *fx, const char *text, size_t len, int maps_only, struct result *r)
{
	memset(r, 0, sizeof(*r));
	r->c = classifier_new(fx->rules, collect, r);
	if (smaps_parse(text, len, maps_only, &fx->lim, push, r, &fx->d) != 0 ||
	    classifier_finish(r->c, &fx->d) != 0)
		fail_msg("classify: line %llu: %s", (unsigned long long)fx->d.line, fx->d.message);
	classifier_free(r->c);
	r->c = NULL;
	assert_false(r->out_of_order);
}

static void
classify_file(struct fixture *fx, const char *path, int maps_only, struct result *r)
{
	size_t len = 0;
	char *text = tu_read_file(path, &len);

	assert_non_null(text);
	classify_text(fx, text, len, maps_only, r);
	free(text);
}

static const struct role_sum *
role(const struct result *r, const char *name)
{
	static const struct role_sum none;
	size_t i;

	for (i = 0; i < r->nroles; i++)
		if (strcmp(r->roles[i].role, name) == 0)
			return &r->roles[i];
	return &none;
}

static const char *
role_at(const struct result *r, uint64_t start)
{
	unsigned i;

	for (i = 0; i < r->nvmas && i < MAX_VMAS; i++)
		if (r->starts[i] == start)
			return r->vma_role[i];
	return "(no such vma)";
}

/* --- rules ------------------------------------------------------------ */

static void
test_default_rules_compile(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(rules_count(fx->rules), 20);
	assert_string_equal(rules_classify(fx->rules, "rw-p 0 [heap] @55680bed6000", 27, &fx->d),
			    "malloc-heap");
	assert_string_equal(rules_classify(fx->rules, "r--p 0 [nothing] @1", 19, &fx->d), "anon");
}

static void
test_user_rules_first(void **state)
{
	struct fixture *fx = *state;
	static const char user[] =
		"# a user's rules file\n"
		"\n"
		"   my-cache\t^rw-p 0 \\[anon\\] @7f0ab95ca000\\b   \n"
		"pinned ^rw-p 0 \\[anon\\] @c000400000\\b\n";
	struct result r;

	assert_int_equal(rules_add_text(fx->rules, user, sizeof(user) - 1, "my.rules", &fx->lim, &fx->d), 0);
	assert_int_equal(rules_add_default(fx->rules, &fx->lim, &fx->d), 0);
	assert_int_equal(rules_count(fx->rules), 22);
	classify_file(fx, "fixtures/corpora/procfs/proc/26231/smaps", 0, &r);
	assert_string_equal(role_at(&r, 0x7f0ab95ca000ull), "my-cache");
	assert_string_equal(role_at(&r, 0xc000400000ull), "pinned");
	/* The defaults still apply to everything else. */
	assert_string_equal(role_at(&r, 0xc000000000ull), "go-heap");
	assert_int_equal(role(&r, "go-heap")->n, 2);
	assert_int_equal(role(&r, "anon")->n, 0);

	{
		unsigned long long line = 0;
		long idx = -1;
		const char *o;

		assert_string_equal(rules_classify_ex(fx->rules, "rw-p 0 [anon] @c000400000 size=1",
						      strlen("rw-p 0 [anon] @c000400000 size=1"),
						      &idx, &fx->d), "pinned");
		assert_int_equal(idx, 1);
		o = rules_origin(fx->rules, 1, &line);
		assert_string_equal(o, "my.rules");
		assert_int_equal(line, 4);
		assert_null(rules_origin(fx->rules, 22, NULL));
	}
}

static void
expect_bad(struct fixture *fx, const char *text, enum diag_kind kind, uint64_t line, const char *needle)
{
	size_t before = rules_count(fx->rules);

	diag_clear(&fx->d);
	assert_int_equal(rules_add_text(fx->rules, text, strlen(text), "bad.rules", &fx->lim, &fx->d), -1);
	assert_int_equal(fx->d.kind, kind);
	assert_int_equal(fx->d.line, line);
	assert_string_equal(fx->d.bundle, "bad.rules");
	assert_string_equal(fx->d.member, "");
	if (strstr(fx->d.message, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", fx->d.message, needle);
	/* All or nothing: the good lines before the bad one are dropped too. */
	assert_int_equal(rules_count(fx->rules), before);
}

static void
test_bad_rules(void **state)
{
	struct fixture *fx = *state;

	expect_bad(fx, "ok ^a\nnot a (valid pattern\n", DIAG_FORMAT, 2,
		   "at offset 16: missing closing parenthesis");
	expect_bad(fx, "ok ^a\n\n# c\nok2 x[\n", DIAG_FORMAT, 4, "bad pattern for rule \"ok2\" at offset 2");
	expect_bad(fx, "Go-Heap ^a\n", DIAG_FORMAT, 1, "bad role \"Go-Heap\"");
	expect_bad(fx, "9lives ^a\n", DIAG_FORMAT, 1, "bad role \"9lives\"");
	expect_bad(fx, "a-role-name-that-is-much-too-long1 ^a\n", DIAG_FORMAT, 1, "at most 32 bytes");
	expect_bad(fx, "lonely\n", DIAG_FORMAT, 1, "rule \"lonely\" has no pattern");
	expect_bad(fx, "lonely   \t \n", DIAG_FORMAT, 1, "has no pattern");
	/* A descriptor is not UTF-8: a pattern may not switch UTF mode on. */
	expect_bad(fx, "utf (*UTF)^a\n", DIAG_FORMAT, 1, "bad pattern for rule \"utf\"");
	{
		/* The longest role (32 bytes) is accepted. */
		static const char ok[] = "abcdefghijklmnopqrstuvwxyz-01234 ^x\n";

		assert_int_equal(rules_add_text(fx->rules, ok, sizeof(ok) - 1, "ok.rules", &fx->lim, &fx->d), 0);
		assert_string_equal(rules_classify(fx->rules, "x", 1, &fx->d), "abcdefghijklmnopqrstuvwxyz-01234");
	}
}

static void
test_rules_caps(void **state)
{
	struct fixture *fx = *state;

	fx->lim.rules = 3;
	expect_bad(fx, "a ^1\nb ^2\n# three\nc ^3\nd ^4\n", DIAG_LIMIT, 5, "(rules=3)");
	/* The cap counts the rules of every file added. */
	assert_int_equal(rules_add_text(fx->rules, "a ^1\nb ^2\n", 10, "one.rules", &fx->lim, &fx->d), 0);
	expect_bad(fx, "c ^3\nd ^4\n", DIAG_LIMIT, 2, "more than 3 rules");

	fx->lim.rules = 100;
	fx->lim.pattern_bytes = 8;
	expect_bad(fx, "e 12345678\nf 123456789\n", DIAG_LIMIT, 2, "is 9 bytes (pattern_bytes=8)");
}

static void
test_match_limit(void **state)
{
	struct fixture *fx = *state;
	char desc[64];
	const char *got;

	memset(desc, 'a', 40);
	desc[40] = 'b';
	desc[41] = '\0';
	fx->lim.match_limit = 100000;
	assert_int_equal(rules_add_text(fx->rules, "slow ^(a+)+$\n", 13, "slow.rules", &fx->lim, &fx->d), 0);
	got = rules_classify(fx->rules, "aaaa", 4, &fx->d);
	assert_string_equal(got, "slow");
	got = rules_classify(fx->rules, desc, 41, &fx->d);
	assert_null(got);
	assert_int_equal(fx->d.kind, DIAG_LIMIT);
	if (strstr(fx->d.message, "rule \"slow\" (slow.rules:1)") == NULL ||
	    strstr(fx->d.message, "match_limit=100000") == NULL)
		fail_msg("message: %s", fx->d.message);
	assert_true(fx->d.hint[0] != '\0');
}

/* --- descriptors -------------------------------------------------------- */

static void
test_descriptor_grammar(void **state)
{
	struct vma v, prev, next;
	struct roles_context cx = { 0 };
	struct buf b = BUF_INIT;

	(void)state;
	memset(&v, 0, sizeof(v));
	memset(&prev, 0, sizeof(prev));
	memset(&next, 0, sizeof(next));
	/* From fixtures/real/go119.smaps: the heap and its neighbours. */
	v.start = 0xc000000000ull;
	v.end = 0xc019400000ull;
	strcpy(v.perms, "rw-p");
	v.path = "";
	v.vmflags = "rd wr mr mw me ac ";
	prev.start = 0x52a000;
	prev.end = 0x55e000;
	strcpy(prev.perms, "rw-p");
	prev.path = "";
	next.start = 0xc019400000ull;
	next.end = 0xc01c000000ull;
	strcpy(next.perms, "---p");
	next.path = "";
	cx.prev = &prev;
	cx.next = &next;
	cx.prev_role = "exe";
	cx.shape = "heap64";
	roles_descriptor(&b, &v, &cx);
	assert_string_equal(buf_str(&b),
			    "rw-p 0 [anon] @c000000000 size=19400000 exe=0 shape=heap64 guard=0 "
			    "prev=exe adjprev=0 prevperms=rw-p adjnext=1 nextperms=---p a64m=1 "
			    "flags=rd,wr,mr,mw,me,ac");

	/* A label with spaces stays verbatim; control bytes, '@' and '\\' do not; no neighbours, no flags. */
	buf_reset(&b);
	v.path = "[anon: Go: heap]\n@\\";
	v.path_len = strlen(v.path);
	v.offset = 0x1d3000;
	v.vmflags = NULL;
	memset(&cx, 0, sizeof(cx));
	cx.exe = 1;
	roles_descriptor(&b, &v, &cx);
	assert_string_equal(buf_str(&b),
			    "rw-p 1d3000 [anon: Go: heap]\\x0a\\x40\\x5c @c000000000 size=19400000 exe=1 "
			    "shape=- guard=0 prev=- adjprev=0 prevperms=- adjnext=0 nextperms=- a64m=1 flags=-");
	buf_release(&b);
}

static void
test_lib_path(void **state)
{
	(void)state;
#define LIB(s) roles_is_lib_path(s, strlen(s))
	assert_true(LIB("/usr/lib/x86_64-linux-gnu/libc.so.6"));
	assert_true(LIB("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"));
	assert_true(LIB("/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0.9.0"));
	assert_true(LIB("/usr/lib/systemd/libsystemd-shared-246.so"));
	assert_true(LIB("/lib/x86_64-linux-gnu/libc-2.29.so (deleted)"));
	assert_false(LIB("/usr/lib/systemd/systemd"));
	assert_false(LIB("/app/server.social"));
	assert_false(LIB("/app/.so"));
	assert_false(LIB("/app/lib.so.x"));
	assert_false(LIB("/opt/x.so/server"));
	assert_false(LIB(""));
#undef LIB
}

/* --- real processes ----------------------------------------------------- */

/* Go 1.19.8, linux/amd64, not -race: fixtures/real/go119.smaps. */
static void
test_go119(void **state)
{
	struct fixture *fx = *state;
	struct result r;

	classify_file(fx, "fixtures/real/go119.smaps", 0, &r);
	assert_int_equal(r.nvmas, 26);
	assert_int_equal(r.nroles, 6);
	assert_string_equal(role_at(&r, 0xc000000000ull), "go-heap");
	assert_int_equal(role(&r, "go-heap")->n, 1);
	assert_int_equal(role(&r, "go-heap")->size, 0x19400000ull);
	assert_int_equal(role(&r, "go-heap")->rss, 410156 * KiB);
	/* The arena's PROT_NONE tail: "heap reservation" in Go >= 1.25 labels. */
	assert_string_equal(role_at(&r, 0xc019400000ull), "go-runtime");
	assert_int_equal(role(&r, "go-runtime")->size, 0x2c00000ull);
	/* Three file mappings and the bss right after them. */
	assert_int_equal(role(&r, "exe")->n, 4);
	assert_string_equal(role_at(&r, 0x52a000), "exe");
	assert_int_equal(role(&r, "exe")->size, 0x55e000 - 0x400000);
	assert_int_equal(role(&r, "kernel")->n, 4);
	assert_int_equal(role(&r, "stack")->n, 1);
	/* Runtime metadata of an unlabelled Go: nothing reliable tells it apart. */
	assert_int_equal(role(&r, "anon")->n, 15);
	assert_string_equal(role_at(&r, 0x7f9e0b980000ull), "anon");
}

/* The same program built with -race: fixtures/real/go119-race.smaps. */
static void
test_go119_race(void **state)
{
	struct fixture *fx = *state;
	struct result r;

	classify_file(fx, "fixtures/real/go119-race.smaps", 0, &r);
	assert_int_equal(r.nvmas, 65);
	assert_string_equal(role_at(&r, 0xc000000000ull), "go-heap");
	assert_int_equal(role(&r, "go-heap")->n, 1);
	assert_int_equal(role(&r, "go-heap")->rss, 410132 * KiB);
	assert_int_equal(role(&r, "go-runtime")->n, 1);
	/* ThreadSanitizer's shadow of the data segment and the heap, and their meta. */
	assert_int_equal(role(&r, "race-shadow")->n, 4);
	assert_string_equal(role_at(&r, 0x218000000000ull), "race-shadow");
	assert_string_equal(role_at(&r, 0x306000000000ull), "race-shadow");
	assert_int_equal(role(&r, "race-shadow")->size,
			 (0x200002a33000ull - 0x200000b1e000ull) + 0x38000000ull +
			 (0x300000a90000ull - 0x3000002c0000ull) + 0xe000000ull);
	/* The race runtime is cgo: glibc thread arenas, 4 windows of 64 MiB. */
	assert_int_equal(role(&r, "malloc-arena")->n, 8);
	assert_int_equal(role(&r, "malloc-arena")->size, 4 * 64 * MiB);
	assert_int_equal(role(&r, "malloc-heap")->n, 1);
	assert_int_equal(role(&r, "exe")->n, 4);
	assert_string_equal(role_at(&r, 0x5ae000), "exe");
	/* libc (5 + its bss) and ld-linux (5). */
	assert_int_equal(role(&r, "lib")->n, 11);
	assert_string_equal(role_at(&r, 0x7f3a0a1bb000ull), "lib");
	/* [stack] and 4 pthread stacks of 8 MiB over their guard pages. */
	assert_int_equal(role(&r, "stack")->n, 5);
	assert_string_equal(role_at(&r, 0x7f39dafff000ull), "stack");
	assert_int_equal(role(&r, "kernel")->n, 4);
	assert_int_equal(role(&r, "anon")->n, 26);
}

/* A C program, 4 threads calling malloc, shm/memfd/SysV/shared-anon maps: fixtures/real/c-threads.smaps. */
static void
test_c_threads(void **state)
{
	struct fixture *fx = *state;
	struct result r;

	classify_file(fx, "fixtures/real/c-threads.smaps", 0, &r);
	assert_int_equal(r.nvmas, 44);
	assert_int_equal(role(&r, "exe")->n, 5);
	assert_int_equal(role(&r, "malloc-heap")->n, 1);
	assert_string_equal(role_at(&r, 0x5582393bf000ull), "malloc-heap");
	assert_int_equal(role(&r, "malloc-arena")->n, 8);
	assert_int_equal(role(&r, "malloc-arena")->size, 4 * 64 * MiB);
	assert_string_equal(role_at(&r, 0x7fd1e0000000ull), "malloc-arena");
	assert_int_equal(role(&r, "stack")->n, 5);
	assert_int_equal(role(&r, "stack")->size, 4 * 8 * MiB + 0x21000);
	assert_int_equal(role(&r, "shmem")->n, 4);
	assert_int_equal(role(&r, "lib")->n, 11);
	assert_int_equal(role(&r, "kernel")->n, 4);
	/* 4 guard pages and 2 small mappings. */
	assert_int_equal(role(&r, "anon")->n, 6);
	assert_string_equal(role_at(&r, 0x7fd1de7fd000ull), "anon");
	assert_int_equal(role(&r, "go-heap")->n, 0);
	assert_int_equal(r.nroles, 8);
}

/* alertmanager (Go) from prometheus/procfs: its heap is the three rw-p VMAs at 0xc000000000. */
static void
test_alertmanager(void **state)
{
	struct fixture *fx = *state;
	struct result r;

	classify_file(fx, "fixtures/corpora/procfs/proc/26231/smaps", 0, &r);
	assert_int_equal(r.nvmas, 12);
	assert_int_equal(role(&r, "go-heap")->n, 3);
	assert_int_equal(role(&r, "go-heap")->size, 64 * MiB);
	assert_int_equal(role(&r, "go-heap")->rss, (2564 + 16024 + 0) * KiB);
	assert_string_equal(role_at(&r, 0xc001600000ull), "go-heap");
	assert_int_equal(role(&r, "exe")->n, 4);
	assert_string_equal(role_at(&r, 0x171a000), "exe");
	assert_int_equal(role(&r, "stack")->n, 1);
	assert_int_equal(role(&r, "kernel")->n, 3);
	assert_int_equal(role(&r, "anon")->n, 1);
	assert_string_equal(role_at(&r, 0x7f0ab95ca000ull), "anon");
	/* fixtures/corpora/README.md: Rss summed over smaps is 29948 kB. */
	{
		uint64_t rss = 0;
		size_t i;

		for (i = 0; i < r.nroles; i++)
			rss += r.roles[i].rss;
		assert_int_equal(rss, 29948 * KiB);
	}
}

/* systemd from kellyjonbrazil/jc: 214 VMAs, Size 169988 kB. */
static void
test_systemd(void **state)
{
	struct fixture *fx = *state;
	struct result r;
	uint64_t size = 0;
	size_t i;

	classify_file(fx, "fixtures/corpora/jc/pid_smaps", 0, &r);
	assert_int_equal(r.nvmas, 214);
	for (i = 0; i < r.nroles; i++)
		size += r.roles[i].size;
	assert_int_equal(size, 169988 * KiB);
	assert_int_equal(role(&r, "exe")->n, 5);
	assert_string_equal(role_at(&r, 0x55a9e753c000ull), "exe");
	/* 184 mappings of *.so files and 12 bss mappings right after them. */
	assert_int_equal(role(&r, "lib")->n, 196);
	assert_string_equal(role_at(&r, 0x7f53b5051000ull), "lib");
	assert_int_equal(role(&r, "malloc-heap")->n, 1);
	/* Two glibc thread arenas (VmFlags nr) and two thread stacks. */
	assert_int_equal(role(&r, "malloc-arena")->n, 4);
	assert_string_equal(role_at(&r, 0x7f53ac021000ull), "malloc-arena");
	assert_int_equal(role(&r, "stack")->n, 3);
	assert_string_equal(role_at(&r, 0x7f53b37ba000ull), "stack");
	assert_int_equal(role(&r, "kernel")->n, 3);
	assert_int_equal(role(&r, "anon")->n, 2);
	assert_int_equal(role(&r, "file")->n, 0);
}

/* /bin/cat's maps (no smaps fields) from prometheus/procfs. */
static void
test_cat_maps(void **state)
{
	struct fixture *fx = *state;
	struct result r;

	classify_file(fx, "fixtures/corpora/procfs/proc/26232/maps", 1, &r);
	assert_int_equal(r.nvmas, 9);
	assert_int_equal(role(&r, "exe")->n, 2);
	assert_int_equal(role(&r, "malloc-heap")->n, 1);
	assert_int_equal(role(&r, "file")->n, 1);
	assert_string_equal(role_at(&r, 0x7fdf964fc000ull), "file");
	assert_int_equal(role(&r, "lib")->n, 1);
	assert_int_equal(role(&r, "stack")->n, 1);
	assert_int_equal(role(&r, "kernel")->n, 3);
	assert_int_equal(r.nroles, 6);
}

/*
 * Hand-written: Go >= 1.25 labels its mappings ([anon: Go: ...], Linux >=
 * 5.17 with CONFIG_ANON_VMA_NAME), and the kernel that captured
 * fixtures/matrix has no CONFIG_ANON_VMA_NAME (prctl(PR_SET_VMA) fails with
 * EINVAL), so no real process here shows them. The names are those the
 * runtime passes to setVMAName; the addresses and sizes are made up.
 */
static void
test_go125_labels(void **state)
{
	struct fixture *fx = *state;
	static const char maps[] =
		"00400000-00a00000 r-xp 00000000 fd:01 42 /app/server\n"
		"00a00000-00b00000 rw-p 00600000 fd:01 42 /app/server\n"
		"00b00000-00b40000 rw-p 00000000 00:00 0 \n"
		"c000000000-c004000000 rw-p 00000000 00:00 0 [anon: Go: heap]\n"
		"c004000000-c008000000 ---p 00000000 00:00 0 [anon: Go: heap reservation]\n"
		"7f1000000000-7f1000100000 rw-p 00000000 00:00 0 [anon: Go: page summary]\n"
		"7f1000100000-7f1000200000 rw-p 00000000 00:00 0 [anon: Go: scavenge index]\n"
		"7f1000200000-7f1000300000 rw-p 00000000 00:00 0 [anon: Go: immortal metadata]\n"
		"7f1000300000-7f1000400000 rw-p 00000000 00:00 0 [anon: Go: OS thread stack]\n"
		"7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]\n";
	struct result r;

	classify_text(fx, maps, sizeof(maps) - 1, 1, &r);
	assert_int_equal(r.nvmas, 10);
	assert_int_equal(role(&r, "go-heap")->n, 1);
	assert_int_equal(role(&r, "go-heap")->size, 64 * MiB);
	assert_int_equal(role(&r, "go-runtime")->n, 5);
	assert_int_equal(role(&r, "exe")->n, 3);
	assert_int_equal(role(&r, "stack")->n, 1);
}

/*
 * Hand-written: a labelled Go 1.26 heap at a randomised base, as its
 * runtime names it (sysReserve "heap reservation", sysMap "heap"): the
 * labels say it wherever it is, even in the race detector's range.
 */
static void
test_go126_labels(void **state)
{
	struct fixture *fx = *state;
	static const char maps[] =
		"2759f4000000-2759f6400000 ---p 00000000 00:00 0 [anon: Go: heap reservation]\n"
		"2759f6400000-2759f7800000 rw-p 00000000 00:00 0 [anon: Go: heap]\n"
		"2759f7800000-2759f8000000 ---p 00000000 00:00 0 [anon: Go: heap reservation]\n"
		"7f1000000000-7f1000100000 rw-p 00000000 00:00 0 [anon: Go: GC span queue]\n";
	struct result r;

	classify_text(fx, maps, sizeof(maps) - 1, 1, &r);
	assert_string_equal(role_at(&r, 0x2759f4000000ull), "go-runtime");
	assert_string_equal(role_at(&r, 0x2759f6400000ull), "go-heap");
	assert_string_equal(role_at(&r, 0x2759f7800000ull), "go-runtime");
	assert_string_equal(role_at(&r, 0x7f1000000000ull), "go-runtime");
}

/*
 * Go 1.26.8, unlabelled (this kernel names no VMA), randomised heap bases:
 * fixtures/real/align/go126-a.smaps (heap 2759f6400000, inside the race
 * detector's 0x2... range) and go126-b.smaps (786c8400000, run with
 * GODEBUG=decoratemappings=0). The heap opens with the ---p chunks below
 * the random start and is found by shape alone.
 */
static void
test_go126_real(void **state)
{
	struct fixture *fx = *state;
	struct result r;

	classify_file(fx, "fixtures/real/align/go126-a.smaps", 0, &r);
	assert_string_equal(role_at(&r, 0x2759f4000000ull), "go-runtime");
	assert_string_equal(role_at(&r, 0x2759f6400000ull), "go-heap");
	assert_string_equal(role_at(&r, 0x2759f7800000ull), "go-runtime");
	assert_int_equal(role(&r, "go-heap")->n, 1);
	assert_int_equal(role(&r, "go-heap")->size, 0x2759f7800000ull - 0x2759f6400000ull);
	assert_int_equal(role(&r, "race-shadow")->n, 0);
	/* Go 1.26's 32 MiB crypto/internal/fips140/drbg.memory is in its bss. */
	assert_string_equal(role_at(&r, 0xcce000), "exe");

	classify_file(fx, "fixtures/real/align/go126-b.smaps", 0, &r);
	assert_int_equal(role(&r, "go-heap")->n, 1);
	assert_string_equal(role_at(&r, 0x786c8400000ull), "go-heap");
	assert_string_equal(role_at(&r, 0x786c8000000ull), "go-runtime");
}

/*
 * Hand-written: the shapes of an unlabelled randomised Go heap (Go 1.26
 * without labels: GODEBUG=decoratemappings=0 or Linux < 5.17) and of a
 * glibc arena, for what no process here produces. Addresses are made up;
 * the layouts follow fixtures/real/go119.smaps and c-threads.smaps.
 */
static void
test_go126_shape(void **state)
{
	struct fixture *fx = *state;
	static const char maps[] =
		/* Go heap: 2 arenas, 20 MiB mapped (5 chunks of 4 MiB), tail reserved. */
		"2a7c48000000-2a7c49400000 rw-p 00000000 00:00 0 \n"
		"2a7c49400000-2a7c50000000 ---p 00000000 00:00 0 \n"
		/* Go 1.26: 8 MiB reserved below a random start, the rest mapped. */
		"2b0004000000-2b0004800000 ---p 00000000 00:00 0 \n"
		"2b0004800000-2b0008000000 rw-p 00000000 00:00 0 \n"
		/* A ---p opening that is not whole chunks: no shape. */
		"2c0004000000-2c0004801000 ---p 00000000 00:00 0 \n"
		"2c0004801000-2c0008000000 rw-p 00000000 00:00 0 \n"
		/* glibc arena: 0x63000 mapped, the rest of 64 MiB reserved. */
		"7fd1d0000000-7fd1d0063000 rw-p 00000000 00:00 0 \n"
		"7fd1d0063000-7fd1d4000000 ---p 00000000 00:00 0 \n"
		/* Same as the Go heap but not on a 64 MiB boundary: no shape. */
		"7fd1e1000000-7fd1e1400000 rw-p 00000000 00:00 0 \n"
		"7fd1e1400000-7fd1e8000000 ---p 00000000 00:00 0 \n"
		/*
		 * Ambiguous without VmFlags: a glibc arena whose mapped part is a
		 * multiple of 4 MiB reads as a one-arena Go heap.
		 */
		"7fd200000000-7fd200400000 rw-p 00000000 00:00 0 \n"
		"7fd200400000-7fd204000000 ---p 00000000 00:00 0 \n";
	struct result r;

	classify_text(fx, maps, sizeof(maps) - 1, 1, &r);
	assert_int_equal(r.nvmas, 12);
	assert_string_equal(role_at(&r, 0x2a7c48000000ull), "go-heap");
	assert_string_equal(role_at(&r, 0x2a7c49400000ull), "go-runtime");
	assert_string_equal(role_at(&r, 0x2b0004000000ull), "go-runtime");
	assert_string_equal(role_at(&r, 0x2b0004800000ull), "go-heap");
	assert_string_equal(role_at(&r, 0x2c0004801000ull), "race-shadow");
	assert_string_equal(role_at(&r, 0x7fd1d0000000ull), "malloc-arena");
	assert_string_equal(role_at(&r, 0x7fd1d0063000ull), "malloc-arena");
	assert_string_equal(role_at(&r, 0x7fd1e1000000ull), "anon");
	assert_string_equal(role_at(&r, 0x7fd1e1400000ull), "anon");
	assert_string_equal(role_at(&r, 0x7fd200000000ull), "go-heap");
}

/* The same ambiguous arena with smaps VmFlags: MAP_NORESERVE (nr) settles it. */
static void
test_arena_vmflags(void **state)
{
	struct fixture *fx = *state;
	static const char smaps[] =
		"7fd200000000-7fd200400000 rw-p 00000000 00:00 0 \n"
		"Size:               4096 kB\n"
		"Rss:                  12 kB\n"
		"VmFlags: rd wr mr mw me nr \n"
		"7fd200400000-7fd204000000 ---p 00000000 00:00 0 \n"
		"Size:              61440 kB\n"
		"Rss:                   0 kB\n"
		"VmFlags: mr mw me nr \n";
	struct result r;

	classify_text(fx, smaps, sizeof(smaps) - 1, 0, &r);
	assert_int_equal(r.nvmas, 2);
	assert_int_equal(role(&r, "malloc-arena")->n, 2);
	assert_int_equal(role(&r, "malloc-arena")->rss, 12 * KiB);
}

/* Paths are bytes, not UTF-8: invalid sequences classify like any other. */
static void
test_non_utf8_path(void **state)
{
	struct fixture *fx = *state;
	static const char maps[] =
		"00400000-00500000 r-xp 00000000 fd:01 1 /srv/\xff\xfe\n"
		"7f0000000000-7f0000100000 r-xp 00000000 fd:01 2 /lib/\xc3(.so.1\n"
		"7f0000100000-7f0000200000 r--p 00000000 fd:01 3 /data/\xe2\x82\n";
	struct result r;

	classify_text(fx, maps, sizeof(maps) - 1, 1, &r);
	assert_int_equal(r.nvmas, 3);
	assert_string_equal(role_at(&r, 0x400000), "exe");
	assert_string_equal(role_at(&r, 0x7f0000000000ull), "lib");
	assert_string_equal(role_at(&r, 0x7f0000100000ull), "file");
}

/*
 * rules_classify folds rules into combined patterns and skips rules a
 * descriptor's prefix rules out; it must answer exactly as trying each rule
 * alone, in order. The reference here holds one rule per struct rules.
 */
#define EXTRA_RULES \
	"# unanchored and odd rules mixed with the defaults\n" \
	"after-guard prevperms=---p adjnext=1\n" \
	"low-lib ^r--p 0 /usr/lib/x86_64-linux-gnu/libc\\S* @\n" \
	"twice (?:^rw-p 0 \\[anon\\] @7f|^---p 0 \\[anon\\] @7f53)\\S+ size=1000\\b\n" \
	"backref ^(\\S)\\1\\1-p 0 \\[anon\\]\n"

struct agree {
	struct rules *singles[64];
	size_t nsingles;
	struct rules *all;
	struct classifier *c;
	unsigned checked;
	struct diag d;
};

static int
agree_emit(void *ctx, const struct vma *v, const char *role, struct diag *d)
{
	struct agree *a = ctx;
	const char *desc = classifier_descriptor(a->c);
	const char *want = "anon";
	size_t i;

	(void)v;
	(void)d;
	for (i = 0; i < a->nsingles; i++) {
		const char *got = rules_classify(a->singles[i], desc, strlen(desc), &a->d);

		assert_non_null(got);
		if (strcmp(got, "anon") != 0) {
			want = got;
			break;
		}
	}
	if (strcmp(want, role) != 0)
		fail_msg("%s: combined says %s, one by one %s", desc, role, want);
	a->checked++;
	return 0;
}

static int
agree_push(void *ctx, const struct vma *v, struct diag *d)
{
	struct agree *a = ctx;

	return classifier_push(a->c, v, d);
}

static void
add_singles(struct agree *a, const char *text, const struct limits *lim)
{
	const char *line = text;

	while (*line != '\0') {
		const char *end = strchr(line, '\n');
		size_t n = end != NULL ? (size_t)(end - line) : strlen(line);
		struct rules *one = rules_new();

		assert_int_equal(rules_add_text(one, line, n, "one", lim, &a->d), 0);
		if (rules_count(one) == 1) {
			assert_true(a->nsingles < 64);
			a->singles[a->nsingles++] = one;
		} else {
			rules_free(one);
		}
		line += n + (end != NULL);
	}
}

static void
test_plans_agree(void **state)
{
	struct fixture *fx = *state;
	static const char *const files[] = {
		"fixtures/real/go119.smaps", "fixtures/real/go119-race.smaps",
		"fixtures/real/c-threads.smaps", "fixtures/corpora/procfs/proc/26231/smaps",
		"fixtures/corpora/jc/pid_smaps",
	};
	struct agree a;
	size_t i;

	memset(&a, 0, sizeof(a));
	add_singles(&a, EXTRA_RULES, &fx->lim);
	assert_int_equal(a.nsingles, 4);
	add_singles(&a, rssgap_default_rules, &fx->lim);
	assert_int_equal(a.nsingles, 4 + 20);
	a.all = rules_new();
	assert_int_equal(rules_add_text(a.all, EXTRA_RULES, strlen(EXTRA_RULES), "extra", &fx->lim, &a.d), 0);
	assert_int_equal(rules_add_default(a.all, &fx->lim, &a.d), 0);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len = 0;
		char *text = tu_read_file(files[i], &len);

		assert_non_null(text);
		a.c = classifier_new(a.all, agree_emit, &a);
		assert_int_equal(smaps_parse(text, len, 0, &fx->lim, agree_push, &a, &a.d), 0);
		assert_int_equal(classifier_finish(a.c, &a.d), 0);
		classifier_free(a.c);
		free(text);
	}
	assert_int_equal(a.checked, 26 + 65 + 44 + 12 + 214);
	for (i = 0; i < a.nsingles; i++)
		rules_free(a.singles[i]);
	rules_free(a.all);
}

/* A run of adjacent anonymous VMAs longer than the classifier holds: streamed, no shape. */
static void
test_long_run(void **state)
{
	struct fixture *fx = *state;
	struct buf maps = BUF_INIT;
	struct result r;
	uint64_t a = 0x7e0000000000ull;
	unsigned i;

	/* Alternating perms keep the kernel from merging them: rw-p, ---p, ... */
	for (i = 0; i < ROLES_RUN_MAX * 2 + 10; i++, a += 0x1000)
		buf_printf(&maps, "%llx-%llx %s 00000000 00:00 0 \n", (unsigned long long)a,
			   (unsigned long long)(a + 0x1000), i % 2 ? "---p" : "rw-p");
	classify_text(fx, maps.data, maps.len, 1, &r);
	assert_int_equal(r.nvmas, ROLES_RUN_MAX * 2 + 10);
	/* Every rw-p sits on a 4 KiB ---p: the guard rule calls them stacks. */
	assert_int_equal(role(&r, "stack")->n, ROLES_RUN_MAX - 1 + 5);
	assert_int_equal(role(&r, "anon")->n, ROLES_RUN_MAX + 5 + 1);
	buf_release(&maps);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_default_rules_compile, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_user_rules_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rules_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_limit, setup, teardown),
		cmocka_unit_test(test_descriptor_grammar),
		cmocka_unit_test(test_lib_path),
		cmocka_unit_test_setup_teardown(test_go119, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_go119_race, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_c_threads, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_alertmanager, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_systemd, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_cat_maps, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_go125_labels, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_go126_labels, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_go126_real, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_go126_shape, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_arena_vmflags, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_non_utf8_path, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_long_run, setup_default, teardown),
		cmocka_unit_test_setup_teardown(test_plans_agree, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
