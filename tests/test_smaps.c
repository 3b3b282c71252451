/*
 * ingest/smaps.c on real inputs: prometheus/procfs and jc test data
 * (fixtures/corpora, values from its README.md), and smaps of a Go and a C
 * process captured on a Linux VM (fixtures/real/README.md).
 * Hand-written text appears only to pin one edge case, and says so.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/limits.h"
#include "core/lines.h"
#include "ingest/smaps.h"
#include "tests/testutil.h"

#define KB 1024

/* What a parse produced: the count, per-field sums and a few VMAs kept whole. */
struct seen {
	uint64_t count;
	int64_t sum[VMA_NFIELDS];
	uint64_t present[VMA_NFIELDS];	/* VMAs where the field was present */
	uint64_t unknown_fields;
	uint64_t last_line;
	int keep;			/* keep up to 16 VMAs */
	struct kept {
		struct vma v;
		char path[256];
		char vmflags[256];
		int has_vmflags;
	} kept[16];
	json_t *expect;			/* jc's array to compare every VMA with */
	int maps;			/* expect is jc's maps output */
};

static int
collect(void *ctx, const struct vma *v, struct diag *d)
{
	struct seen *s = ctx;
	int f;

	(void)d;
	assert_true(v->line > s->last_line);
	s->last_line = v->line;
	assert_int_equal(strlen(v->path), v->path_len);
	for (f = 0; f < VMA_NFIELDS; f++) {
		if (v->field[f] >= 0) {
			s->sum[f] += v->field[f];
			s->present[f]++;
		} else {
			assert_int_equal(v->field[f], -1);
		}
	}
	s->unknown_fields += v->unknown_fields;
	if (s->keep && s->count < 16) {
		struct kept *k = &s->kept[s->count];

		k->v = *v;
		snprintf(k->path, sizeof(k->path), "%s", v->path);
		k->has_vmflags = v->vmflags != NULL;
		snprintf(k->vmflags, sizeof(k->vmflags), "%s", v->vmflags ? v->vmflags : "");
	}
	if (s->expect != NULL) {
		json_t *e = json_array_get(s->expect, s->count);
		char buf[64];
		const char *key;
		json_t *val;

		assert_non_null(e);
		snprintf(buf, sizeof(buf), "%llx", (unsigned long long)v->start);
		assert_string_equal(buf, json_string_value(json_object_get(e, "start")));
		snprintf(buf, sizeof(buf), "%llx", (unsigned long long)v->end);
		assert_string_equal(buf, json_string_value(json_object_get(e, "end")));
		snprintf(buf, sizeof(buf), "%08llx", (unsigned long long)v->offset);
		assert_string_equal(buf, json_string_value(json_object_get(e, "offset")));
		assert_int_equal(v->inode, json_integer_value(json_object_get(e, "inode")));
		snprintf(buf, sizeof(buf), "%s:%s", json_string_value(json_object_get(e, "maj")),
			 json_string_value(json_object_get(e, "min")));
		assert_string_equal(buf, v->dev);
		val = json_object_get(e, "pathname");
		assert_string_equal(v->path, val ? json_string_value(val) : "");
		/* jc spells perms out: r-xp is ["read", "execute", "private"] */
		{
			static const char *const words[] = { "read", "write", "execute" };
			json_t *perms = json_object_get(e, "perms");
			size_t i, j = 0;

			for (i = 0; i < 3; i++)
				if (v->perms[i] != '-')
					assert_string_equal(words[i],
							    json_string_value(json_array_get(perms, j++)));
			assert_string_equal(v->perms[3] == 'p' ? "private" : "shared",
					    json_string_value(json_array_get(perms, j++)));
			assert_int_equal(j, json_array_size(perms));
		}
		if (s->maps) {
			for (f = 0; f < VMA_NFIELDS; f++)
				if (f != VMA_SIZE)
					assert_int_equal(v->field[f], -1);
			assert_int_equal(v->field[VMA_SIZE], (int64_t)(v->end - v->start));
			assert_null(v->vmflags);
		} else {
			size_t nfields = 0;

			json_object_foreach(e, key, val) {
				int64_t want;

				f = smaps_field_lookup(key, strlen(key));
				if (f < 0)
					continue;
				nfields++;
				want = json_integer_value(val);
				if (f != VMA_THP_ELIGIBLE && f != VMA_PROTECTION_KEY)
					want *= KB;
				assert_int_equal(v->field[f], want);
			}
			/* every field jc saw, and no other, is present */
			for (f = 0; f < VMA_NFIELDS; f++)
				if (json_object_get(e, vma_field_name(f)) == NULL)
					assert_int_equal(v->field[f], -1);
			assert_int_equal(nfields, 21);	/* 20 sizes and THPeligible */
			{
				json_t *flags = json_object_get(e, "VmFlags");
				char joined[256] = "";
				size_t i;

				for (i = 0; i < json_array_size(flags); i++) {
					if (i > 0)
						strcat(joined, " ");
					strcat(joined, json_string_value(json_array_get(flags, i)));
				}
				assert_non_null(v->vmflags);
				assert_string_equal(v->vmflags, joined);
			}
		}
	}
	s->count++;
	return 0;
}

static struct limits lim;

static int
setup(void **state)
{
	(void)state;
	limits_default(&lim);
	return 0;
}

/* Parse a file whole; assert success; fill *s. */
static void
parse_file(const char *path, int maps_only, struct seen *s)
{
	struct diag d;
	size_t len;
	char *data = tu_read_file(path, &len);

	diag_clear(&d);
	if (smaps_parse(data, len, maps_only, &lim, collect, s, &d) != 0)
		fail_msg("%s: line %llu: %s", path, (unsigned long long)d.line, d.message);
	free(data);
}

/* Parse text whole; return the result, d filled on error. */
static int
parse_text(const char *text, int maps_only, struct seen *s, struct diag *d)
{
	diag_clear(d);
	return smaps_parse(text, strlen(text), maps_only, &lim, collect, s, d);
}

static void
test_field_names(void **state)
{
	int f;

	(void)state;
	for (f = 0; f < VMA_NFIELDS; f++) {
		const char *name = vma_field_name(f);

		assert_int_equal(smaps_field_lookup(name, strlen(name)), f);
	}
	assert_int_equal(smaps_field_lookup("VmFlags", 7), -1);
	assert_int_equal(smaps_field_lookup("Rsss", 4), -1);
	assert_int_equal(smaps_field_lookup("Rs", 2), -1);
	assert_int_equal(smaps_field_lookup("rss", 3), -1);
	assert_int_equal(smaps_field_lookup("", 0), -1);
	assert_int_equal(smaps_field_lookup("Private_Hugetlbx", 16), -1);
	assert_string_equal(vma_field_name(VMA_ANON_HUGE_PAGES), "AnonHugePages");
	assert_string_equal(vma_field_column(VMA_ANON_HUGE_PAGES), "anon_huge_pages");
	assert_string_equal(vma_field_column(VMA_RSS), "rss");
	assert_string_equal(vma_field_column(VMA_THP_ELIGIBLE), "thp_eligible");
}

static void
test_procfs_smaps(void **state)
{
	struct seen s = { 0 };

	(void)state;
	parse_file("fixtures/corpora/procfs/proc/26231/smaps", 0, &s);
	assert_int_equal(s.sum[VMA_RSS], 29948 * KB);
	assert_int_equal(s.sum[VMA_PSS], 29944 * KB);
	assert_int_equal(s.sum[VMA_SHARED_CLEAN], 4 * KB);
	assert_int_equal(s.sum[VMA_SHARED_DIRTY], 0);
	assert_int_equal(s.sum[VMA_PRIVATE_CLEAN], 15548 * KB);
	assert_int_equal(s.sum[VMA_PRIVATE_DIRTY], 14396 * KB);
	assert_int_equal(s.sum[VMA_REFERENCED], 24752 * KB);
	assert_int_equal(s.sum[VMA_ANONYMOUS], 20756 * KB);
	assert_int_equal(s.sum[VMA_SWAP], 1940 * KB);
	assert_int_equal(s.sum[VMA_SWAP_PSS], 1940 * KB);
	assert_int_equal(s.unknown_fields, 0);
}

static int
feed_line(void *ctx, const char *line, size_t len, uint64_t lineno, struct diag *d)
{
	return smaps_parser_line(ctx, line, len, lineno, d);
}

/* Parse a rollup with the smaps parser in rollup mode; the one VMA into *s. */
static void
parse_rollup(const char *path, struct seen *s)
{
	struct smaps_parser *p = smaps_parser_new(0, &lim, collect, s);
	struct diag d;
	struct lines l;
	size_t len;
	char *data = tu_read_file(path, &len);

	diag_clear(&d);
	smaps_parser_rollup(p);
	lines_init(&l, lim.line_bytes, feed_line, p);
	assert_int_equal(lines_feed(&l, data, len, &d), 0);
	assert_int_equal(lines_finish(&l, &d), 0);
	assert_int_equal(smaps_parser_finish(p, &d), 0);
	assert_int_equal(smaps_parser_count(p), 1);
	lines_release(&l);
	smaps_parser_free(p);
	free(data);
}

static void
test_procfs_rollup(void **state)
{
	struct seen s = { .keep = 1 };

	(void)state;
	parse_rollup("fixtures/corpora/procfs/proc/26231/smaps_rollup", &s);
	assert_int_equal(s.count, 1);
	assert_string_equal(s.kept[0].path, "[rollup]");
	assert_int_equal(s.sum[VMA_RSS], 29948 * KB);
	assert_int_equal(s.sum[VMA_PSS], 29944 * KB);
	assert_int_equal(s.sum[VMA_SHARED_CLEAN], 4 * KB);
	assert_int_equal(s.sum[VMA_SHARED_DIRTY], 0);
	assert_int_equal(s.sum[VMA_PRIVATE_CLEAN], 15548 * KB);
	assert_int_equal(s.sum[VMA_PRIVATE_DIRTY], 14396 * KB);
	assert_int_equal(s.sum[VMA_REFERENCED], 24752 * KB);
	assert_int_equal(s.sum[VMA_ANONYMOUS], 20756 * KB);
	assert_int_equal(s.sum[VMA_SWAP], 1940 * KB);
	assert_int_equal(s.sum[VMA_SWAP_PSS], 1940 * KB);
	/* a rollup has no Size line and its range is not a mapping */
	assert_int_equal(s.kept[0].v.field[VMA_SIZE], -1);
	assert_false(s.kept[0].has_vmflags);
}

static void
test_jc_smaps(void **state)
{
	struct seen s = { .keep = 1 };
	json_error_t err;

	(void)state;
	s.expect = json_load_file("fixtures/corpora/jc/pid_smaps.json", 0, &err);
	assert_non_null(s.expect);
	parse_file("fixtures/corpora/jc/pid_smaps", 0, &s);
	assert_int_equal(s.count, 214);
	assert_int_equal(json_array_size(s.expect), 214);
	assert_int_equal(s.sum[VMA_SIZE], 169988 * KB);
	assert_int_equal(s.sum[VMA_RSS], 13252 * KB);
	assert_int_equal(s.sum[VMA_PSS], 5594 * KB);
	assert_int_equal(s.sum[VMA_ANONYMOUS], 4576 * KB);
	/* "THPeligible:\t\t0" (tabs) is read on every VMA */
	assert_int_equal(s.present[VMA_THP_ELIGIBLE], 214);
	assert_int_equal(s.present[VMA_PROTECTION_KEY], 0);
	assert_string_equal(s.kept[0].path, "/usr/lib/systemd/systemd");
	assert_string_equal(s.kept[0].vmflags, "rd mr mw me dw sd");
	assert_string_equal(s.kept[0].v.perms, "r--p");
	assert_int_equal(s.kept[0].v.line, 1);
	assert_int_equal(s.kept[1].v.line, 24);
	json_decref(s.expect);
}

static void
test_procfs_maps(void **state)
{
	struct seen s = { .keep = 1 };

	(void)state;
	parse_file("fixtures/corpora/procfs/proc/26232/maps", 1, &s);
	assert_int_equal(s.count, 9);
	assert_string_equal(s.kept[0].path, "/bin/cat");
	assert_string_equal(s.kept[1].v.perms, "rwxs");
	assert_int_equal(s.kept[1].v.offset, 0xa000);
	assert_string_equal(s.kept[2].path, "[heap]");
	assert_int_equal(s.kept[2].v.start, 0x55680bed6000ull);
	assert_int_equal(s.kept[2].v.field[VMA_SIZE], 0x55680bef7000ll - 0x55680bed6000ll);
	assert_int_equal(s.kept[2].v.field[VMA_RSS], -1);
	assert_string_equal(s.kept[3].path, "/usr/lib/locale/locale-archive");
	assert_int_equal(s.kept[3].v.inode, 17432624);
	assert_string_equal(s.kept[8].path, "[vsyscall]");
	assert_int_equal(s.kept[8].v.start, 0xffffffffff600000ull);
	assert_int_equal(s.present[VMA_RSS], 0);
	assert_int_equal(s.present[VMA_SIZE], 9);

	memset(&s, 0, sizeof(s));
	s.keep = 1;
	parse_file("fixtures/corpora/procfs/proc/26234/maps", 1, &s);
	assert_int_equal(s.count, 4);
	assert_int_equal(s.kept[0].v.start, 0x08048000);
	assert_string_equal(s.kept[0].path, "/bin/tcsh");
	assert_string_equal(s.kept[0].v.dev, "03:01");
	assert_string_equal(s.kept[2].path, "");
	assert_int_equal(s.kept[2].v.field[VMA_SIZE], 0x08146000 - 0x0808c000);
	assert_string_equal(s.kept[3].path, "/lib/ld-2.3.2.so");
}

static void
test_jc_maps(void **state)
{
	struct seen s = { .maps = 1 };
	json_error_t err;

	(void)state;
	s.expect = json_load_file("fixtures/corpora/jc/pid_maps.json", 0, &err);
	assert_non_null(s.expect);
	parse_file("fixtures/corpora/jc/pid_maps", 1, &s);
	assert_int_equal(s.count, json_array_size(s.expect));
	assert_int_equal(s.count, 214);
	json_decref(s.expect);

	/* the same process's smaps and maps agree on every Size */
	{
		struct seen a = { 0 }, b = { 0 };

		parse_file("fixtures/corpora/jc/pid_smaps", 0, &a);
		parse_file("fixtures/corpora/jc/pid_maps", 1, &b);
		assert_int_equal(a.sum[VMA_SIZE], b.sum[VMA_SIZE]);
	}
}

/* A real process: smaps summed equals its smaps_rollup, as the kernel's proc.rst says. */
static void
check_real(const char *smaps, const char *rollup, int64_t rss_kb, uint64_t vmas)
{
	struct seen s = { 0 }, r = { 0 };

	parse_file(smaps, 0, &s);
	parse_rollup(rollup, &r);
	assert_int_equal(s.count, vmas);
	assert_int_equal(s.sum[VMA_RSS], rss_kb * KB);
	assert_int_equal(r.sum[VMA_RSS], rss_kb * KB);
	assert_int_equal(s.sum[VMA_ANONYMOUS], r.sum[VMA_ANONYMOUS]);
	assert_int_equal(s.sum[VMA_PRIVATE_DIRTY], r.sum[VMA_PRIVATE_DIRTY]);
	/* kernel 6.18 prints ProtectionKey and the Pss_* breakdown */
	assert_int_equal(s.present[VMA_PROTECTION_KEY], vmas);
	assert_int_equal(s.present[VMA_PSS_DIRTY], vmas);
	assert_int_equal(s.unknown_fields, 0);
}

static void
test_real_go(void **state)
{
	struct seen s = { .keep = 1 };

	(void)state;
	check_real("fixtures/real/go-smaps", "fixtures/real/go-smaps_rollup", 5764, 26);
	parse_file("fixtures/real/go-smaps", 0, &s);
	/* Go 1.19's arena hint: the heap at 0xc000000000 */
	assert_int_equal(s.kept[4].v.start, 0xc000000000ull);
	assert_string_equal(s.kept[4].path, "");
	assert_string_equal(s.kept[4].v.perms, "rw-p");
	assert_string_equal(s.kept[5].v.perms, "---p");
}

static void
test_real_c(void **state)
{
	(void)state;
	check_real("fixtures/real/c-smaps", "fixtures/real/c-smaps_rollup", 1788, 37);
}

/* Hand-written to pin one edge case each: tabs, unknown fields, paths. */
static void
test_edge_cases(void **state)
{
	struct seen s = { .keep = 1 };
	struct diag d;

	(void)state;
	assert_int_equal(parse_text(
		"7f0000000000-7f0000001000 rw-p 00000000 fd:01 42\t\t/usr/lib/x/libc.so.6 (deleted)\n"
		"Size:\t4 kB\n"
		"Rss:\t\t4 kB\n"
		"Foo:   8 kB\n"
		"Bar:\t3\n"
		"THPeligible:\t\t1\n"
		"VmFlags:\trd wr mr mw me ac \t\n"
		"7f0000001000-7f0000002000 r--s 00001000 00:05 7 /memfd:my file with  spaces\n"
		"Rss: 0 kB\n"
		"7f0000002000-7f0000003000 rw-p 00000000 00:00 0 [anon: Go: heap]\n"
		"7f0000003000-7f0000004000 rw-s 00000000 00:01 9 [anon_shmem:name]\n"
		"7f0000004000-7f0000005000 rw-p 00000000 00:00 0          \n",
		0, &s, &d), 0);
	assert_int_equal(s.count, 5);
	assert_string_equal(s.kept[0].path, "/usr/lib/x/libc.so.6 (deleted)");
	assert_int_equal(s.kept[0].v.inode, 42);
	assert_int_equal(s.kept[0].v.field[VMA_RSS], 4096);
	assert_int_equal(s.kept[0].v.field[VMA_THP_ELIGIBLE], 1);
	assert_int_equal(s.kept[0].v.unknown_fields, 2);
	assert_string_equal(s.kept[0].vmflags, "rd wr mr mw me ac");
	assert_string_equal(s.kept[1].path, "/memfd:my file with  spaces");
	assert_int_equal(s.kept[1].v.field[VMA_SIZE], 4096);	/* from the range */
	assert_false(s.kept[1].has_vmflags);
	assert_string_equal(s.kept[2].path, "[anon: Go: heap]");
	assert_string_equal(s.kept[3].path, "[anon_shmem:name]");
	assert_string_equal(s.kept[4].path, "");
	assert_int_equal(s.kept[4].v.line, 12);

	/* CRLF and no final newline */
	memset(&s, 0, sizeof(s));
	s.keep = 1;
	assert_int_equal(parse_text("00400000-00401000 r-xp 00000000 fd:01 1 /bin/x\r\n"
				    "Rss:  4 kB\r\nSize: 4 kB", 0, &s, &d), 0);
	assert_int_equal(s.count, 1);
	assert_string_equal(s.kept[0].path, "/bin/x");
	assert_int_equal(s.kept[0].v.field[VMA_SIZE], 4096);
}

static void
expect_error(const char *text, int maps_only, enum diag_kind kind, uint64_t line,
	     const char *needle)
{
	struct seen s = { 0 };
	struct diag d;

	assert_int_equal(parse_text(text, maps_only, &s, &d), -1);
	assert_int_equal(d.kind, kind);
	assert_int_equal(d.line, line);
	if (strstr(d.message, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", d.message, needle);
}

/* Hand-written malformed lines, one defect each. */
static void
test_malformed(void **state)
{
	(void)state;
	expect_error("hello world\n", 0, DIAG_FORMAT, 1, "unrecognised line \"hello world\"");
	expect_error("Rss: 4 kB\n", 0, DIAG_FORMAT, 1, "before any VMA header");
	expect_error("00400000-00401000 r-xp 00000000 fd:01 1 /x\nRss: 4 kB\n", 1, DIAG_FORMAT, 2,
		     "in a maps file");
	expect_error("00400000-00401000 r-xp 00000000 fd:01 1 /x\nRss 4 kB\n", 0, DIAG_FORMAT, 2,
		     "unrecognised line");
	expect_error("00401000-00400000 r-xp 00000000 fd:01 1 /x\n", 1, DIAG_FORMAT, 1,
		     "bad address range \"00401000-00400000\" (expected START <= END)");
	expect_error("00400000 r-xp 00000000 fd:01 1 /x\n", 1, DIAG_FORMAT, 1,
		     "bad address range \"00400000\" (expected hex START-END)");
	expect_error("00400000-00401000 rzxp 00000000 fd:01 1 /x\n", 1, DIAG_FORMAT, 1,
		     "bad permissions \"rzxp\"");
	expect_error("00400000-00401000 r-xp 0000g000 fd:01 1 /x\n", 1, DIAG_FORMAT, 1,
		     "bad offset \"0000g000\"");
	expect_error("00400000-00401000 r-xp 00000000 fd01 1 /x\n", 1, DIAG_FORMAT, 1,
		     "bad device \"fd01\"");
	expect_error("00400000-00401000 r-xp 00000000 fd:01 x1 /x\n", 1, DIAG_FORMAT, 1,
		     "bad inode \"x1\"");
	expect_error("00400000-00401000 r-xp 00000000 fd:01 1 /x\nRss: 4 MB\n", 0, DIAG_FORMAT, 2,
		     "bad Rss value \"4 MB\" (expected N kB)");
	expect_error("00400000-00401000 r-xp 00000000 fd:01 1 /x\nRss: 4 kB\nRss: 4 kB\n", 0,
		     DIAG_FORMAT, 3, "duplicate field \"Rss\"");
	expect_error("00400000-00401000 r-xp 00000000 fd:01 1 /x\nRss: 18014398509481984 kB\n", 0,
		     DIAG_FORMAT, 2, "overflows 64 bits");
	expect_error("00400000-00401000 r-xp 00000000 fd:01 1 /x\nSize: 9223372036854775808 kB\n",
		     0, DIAG_FORMAT, 2, "overflows 64 bits");
	expect_error("00400000-00401000 r-xp 00000000 fd:01 1 /x\nTHPeligible: 1 kB\n", 0,
		     DIAG_FORMAT, 2, "bad THPeligible value");
	expect_error("10000000000000000-10000000000000001 r-xp 00000000 fd:01 1 /x\n", 1,
		     DIAG_FORMAT, 1, "bad address range");
}

/* Parse a smaps file of fixtures/hostile/, which must fail before any VMA; d says why. */
static void
parse_hostile(const char *path, struct diag *d)
{
	struct seen s = { 0 };
	size_t len;
	char *data = tu_read_file(path, &len);

	diag_clear(d);
	assert_int_equal(smaps_parse(data, len, 0, &lim, collect, &s, d), -1);
	assert_int_equal(d->kind, DIAG_FORMAT);
	assert_int_equal(s.count, 0);	/* a VMA is emitted once the next header is good */
	free(data);
}

/* fixtures/hostile/smaps-bad-range.txt: a non-hex range on line 27. */
static void
test_hostile_bad_range(void **state)
{
	struct diag d;

	(void)state;
	parse_hostile("fixtures/hostile/smaps-bad-range.txt", &d);
	assert_int_equal(d.line, 27);
	assert_string_equal(d.message,
			    "bad address range \"7f70c6zz6000-7f70c6757000\" (expected hex START-END)");
}

/* fixtures/hostile/smaps-overflow.txt: "Rss: 99999999999999999999 kB" on line 5. */
static void
test_hostile_overflow(void **state)
{
	struct diag d;

	(void)state;
	parse_hostile("fixtures/hostile/smaps-overflow.txt", &d);
	assert_int_equal(d.line, 5);
	assert_non_null(strstr(d.message, "value overflows 64 bits"));
	assert_string_equal(d.message, "Rss \"99999999999999999999 kB\": value overflows 64 bits");
}

static void
test_long_line(void **state)
{
	const char *head = "00400000-00401000 r-xp 00000000 fd:01 1 /";
	size_t n = 1 << 20, hl = strlen(head);
	char *text = malloc(n + 2);
	struct seen s = { 0 };
	struct smaps_parser *p;
	struct diag d;

	(void)state;
	memcpy(text, head, hl);
	memset(text + hl, 'a', n - hl);
	text[n] = '\n';
	text[n + 1] = '\0';
	/* through lines_each, as the bundle reader splits members */
	p = smaps_parser_new(0, &lim, collect, &s);
	diag_clear(&d);
	assert_int_equal(lines_each(text, n + 1, lim.line_bytes, feed_line, p, &d), -1);
	assert_int_equal(d.kind, DIAG_LIMIT);
	assert_int_equal(d.line, 1);
	assert_non_null(strstr(d.message, "line_bytes"));
	smaps_parser_free(p);
	/* and through smaps_parse's own splitter */
	diag_clear(&d);
	assert_int_equal(smaps_parse(text, n + 1, 0, &lim, collect, &s, &d), -1);
	assert_int_equal(d.kind, DIAG_LIMIT);
	assert_int_equal(d.line, 1);
	assert_non_null(strstr(d.message, "line_bytes"));
	assert_int_equal(s.count, 0);
	/* and through smaps_parser_feed, the line cut in 4 KiB blocks */
	p = smaps_parser_new(0, &lim, collect, &s);
	diag_clear(&d);
	for (size_t off = 0;; off += 4096) {
		assert_true(off < n);
		if (smaps_parser_feed(p, text + off, 4096, &d) != 0)
			break;
	}
	assert_int_equal(d.kind, DIAG_LIMIT);
	assert_int_equal(d.line, 1);
	assert_int_equal(smaps_parser_feed(p, "\n", 1, &d), -1);	/* refuses more */
	smaps_parser_free(p);
	free(text);
}

static void
test_vmas_cap(void **state)
{
	struct limits small = lim;
	struct seen s = { 0 };
	struct diag d;
	size_t len;
	char *data = tu_read_file("fixtures/corpora/jc/pid_smaps", &len);

	(void)state;
	small.vmas = 100;
	diag_clear(&d);
	assert_int_equal(smaps_parse(data, len, 0, &small, collect, &s, &d), -1);
	assert_int_equal(d.kind, DIAG_LIMIT);
	assert_int_equal(d.line, 100 * 23 + 1);	/* the 101st header; 23 lines a VMA */
	assert_string_equal(d.message, "more than 100 VMAs (limit vmas)");
	assert_int_equal(s.count, 100);
	free(data);

	data = tu_read_file("fixtures/corpora/procfs/proc/26232/maps", &len);
	small.vmas = 9;
	memset(&s, 0, sizeof(s));
	assert_int_equal(smaps_parse(data, len, 1, &small, collect, &s, &d), 0);
	small.vmas = 8;
	memset(&s, 0, sizeof(s));
	assert_int_equal(smaps_parse(data, len, 1, &small, collect, &s, &d), -1);
	assert_int_equal(d.kind, DIAG_LIMIT);
	assert_int_equal(d.line, 9);
	free(data);
}

/* Streaming in small pieces gives what parsing the whole member gives. */
static void
test_streaming(void **state)
{
	static const char *const files[] = {
		"fixtures/corpora/jc/pid_smaps",
		"fixtures/real/go-smaps",
		"fixtures/corpora/procfs/proc/26231/smaps",
	};
	static const size_t chunks[] = { 1, 7, 63, 64, 65, 4096, 1 << 20 };
	size_t i, off, len;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct seen whole = { 0 }, parts = { 0 };
		struct smaps_parser *p = smaps_parser_new(0, &lim, collect, &parts);
		struct lines l;
		struct diag d;
		char *data = tu_read_file(files[i], &len);

		diag_clear(&d);
		parse_file(files[i], 0, &whole);
		lines_init(&l, lim.line_bytes, feed_line, p);
		for (off = 0; off < len; off += 7)
			assert_int_equal(lines_feed(&l, data + off, len - off < 7 ? len - off : 7, &d),
					 0);
		assert_int_equal(lines_finish(&l, &d), 0);
		assert_int_equal(smaps_parser_finish(p, &d), 0);
		assert_int_equal(smaps_parser_count(p), whole.count);
		assert_int_equal(parts.count, whole.count);
		assert_memory_equal(parts.sum, whole.sum, sizeof(whole.sum));
		assert_memory_equal(parts.present, whole.present, sizeof(whole.present));
		lines_release(&l);
		smaps_parser_free(p);

		/* smaps_parser_feed, blocks cut anywhere, the last line without '\n' */
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			struct seen fed = { 0 };
			size_t cut = len - 1;	/* drop the final '\n' */

			p = smaps_parser_new(0, &lim, collect, &fed);
			for (off = 0; off < cut; off += chunks[c])
				assert_int_equal(smaps_parser_feed(p, data + off,
								   cut - off < chunks[c] ? cut - off : chunks[c],
								   &d),
						 0);
			assert_int_equal(smaps_parser_finish(p, &d), 0);
			assert_int_equal(fed.count, whole.count);
			assert_memory_equal(fed.sum, whole.sum, sizeof(whole.sum));
			assert_memory_equal(fed.present, whole.present, sizeof(whole.present));
			smaps_parser_free(p);
		}
		free(data);
	}
}

/* Append one field line laid out as the kernel prints it: name to 16 columns, %8 value, " kB". */
static void
kernel_line(struct buf *b, const char *name, unsigned long long kb, const char *end)
{
	buf_printf(b, "%-16s%8llu kB%s", name, kb, end);
}

/* Parse text line by line through smaps_parser_line (which has no field template). */
static int
parse_by_lines(const char *text, struct seen *s, struct diag *d)
{
	struct smaps_parser *p = smaps_parser_new(0, &lim, collect, s);
	struct lines l;
	int rc;

	diag_clear(d);
	lines_init(&l, lim.line_bytes, feed_line, p);
	rc = lines_feed(&l, text, strlen(text), d);
	if (rc == 0)
		rc = lines_finish(&l, d);
	if (rc == 0)
		rc = smaps_parser_finish(p, d);
	lines_release(&l);
	smaps_parser_free(p);
	return rc;
}

/*
 * The field template (a line like the one at its place in the VMA before
 * is taken without a lookup): hand-written VMAs in the kernel's layout, to
 * pin what must still go the long way: a value of 9 digits, a '\r', fields
 * in another order, a field repeated where the template expects it, and a
 * VmFlags line repeated. The block path must agree with the line path.
 */
static void
test_template(void **state)
{
	struct buf b = BUF_INIT;
	struct seen fed = { 0 }, lined = { 0 };
	struct diag d1, d2;

	(void)state;
	buf_puts(&b, "00400000-00401000 r-xp 00000000 fd:01 12 /bin/x\n");
	kernel_line(&b, "Rss:", 4, "\n");
	kernel_line(&b, "Pss:", 2, "\n");
	buf_puts(&b, "VmFlags: rd ex mr mw me \n");
	buf_puts(&b, "00401000-00402000 rw-p 00000000 00:00 0 \n");
	kernel_line(&b, "Rss:", 123456789, "\r\n");	/* 9 digits: 28 bytes */
	kernel_line(&b, "Pss:", 3, "\r\n");
	buf_puts(&b, "VmFlags: rd ex mr mw me \n");
	buf_puts(&b, "00402000-00403000 rw-p 00000000 00:00 0 \n");
	kernel_line(&b, "Pss:", 5, "\n");	/* the other order */
	kernel_line(&b, "Rss:", 8, "\n");
	buf_puts(&b, "00403000-00404000 rw-p 00000000 00:00 0 \n");
	kernel_line(&b, "Rss:", 16, "\n");
	kernel_line(&b, "Pss:", 16, "\n");
	assert_int_equal(parse_text(buf_str(&b), 0, &fed, &d1), 0);
	assert_int_equal(parse_by_lines(buf_str(&b), &lined, &d2), 0);
	assert_int_equal(fed.count, 4);
	assert_int_equal(fed.sum[VMA_RSS], (4 + 123456789 + 8 + 16) * (int64_t)KB);
	assert_int_equal(fed.sum[VMA_PSS], (2 + 3 + 5 + 16) * KB);
	assert_int_equal(fed.present[VMA_RSS], 4);
	assert_memory_equal(fed.sum, lined.sum, sizeof(fed.sum));
	assert_memory_equal(fed.present, lined.present, sizeof(fed.present));

	/* Rss twice, the second where the VMA before had its Rss: a repeat either way */
	buf_reset(&b);
	buf_puts(&b, "00402000-00403000 rw-p 00000000 00:00 0 \n");
	kernel_line(&b, "Pss:", 5, "\n");
	kernel_line(&b, "Rss:", 8, "\n");
	buf_puts(&b, "00403000-00404000 rw-p 00000000 00:00 0 \n");
	kernel_line(&b, "Rss:", 16, "\n");
	kernel_line(&b, "Rss:", 32, "\n");
	memset(&fed, 0, sizeof(fed));
	memset(&lined, 0, sizeof(lined));
	assert_int_equal(parse_text(buf_str(&b), 0, &fed, &d1), -1);
	assert_int_equal(parse_by_lines(buf_str(&b), &lined, &d2), -1);
	assert_int_equal(d1.line, 6);
	assert_int_equal(d2.line, 6);
	assert_string_equal(d1.message, "duplicate field \"Rss\" (expected one per VMA)");
	assert_string_equal(d2.message, d1.message);

	/* the VmFlags line of the VMA before, twice in one VMA */
	memset(&fed, 0, sizeof(fed));
	buf_reset(&b);
	buf_puts(&b, "00400000-00401000 r-xp 00000000 fd:01 12 /bin/x\n");
	buf_puts(&b, "VmFlags: rd ex mr mw me \n");
	buf_puts(&b, "00401000-00402000 rw-p 00000000 00:00 0 \n");
	buf_puts(&b, "VmFlags: rd ex mr mw me \n");
	buf_puts(&b, "VmFlags: rd ex mr mw me \n");
	assert_int_equal(parse_text(buf_str(&b), 0, &fed, &d1), -1);
	assert_int_equal(d1.line, 5);
	assert_string_equal(d1.message, "duplicate field \"VmFlags\" (expected one per VMA)");
	buf_release(&b);
}

static int
stop_at_second(void *ctx, const struct vma *v, struct diag *d)
{
	int *n = ctx;

	(void)v;
	if (++*n == 2)
		return diag_fail(d, DIAG_DB, 0, "sink refused");
	return 0;
}

/* An error from emit stops the parse and is passed up unchanged. */
static void
test_emit_error(void **state)
{
	struct diag d;
	size_t len;
	char *data = tu_read_file("fixtures/corpora/jc/pid_smaps", &len);
	int n = 0;

	(void)state;
	diag_clear(&d);
	assert_int_equal(smaps_parse(data, len, 0, &lim, stop_at_second, &n, &d), -1);
	assert_int_equal(d.kind, DIAG_DB);
	assert_int_equal(n, 2);
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_names),
		cmocka_unit_test(test_procfs_smaps),
		cmocka_unit_test(test_procfs_rollup),
		cmocka_unit_test(test_jc_smaps),
		cmocka_unit_test(test_procfs_maps),
		cmocka_unit_test(test_jc_maps),
		cmocka_unit_test(test_real_go),
		cmocka_unit_test(test_real_c),
		cmocka_unit_test(test_edge_cases),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_hostile_bad_range),
		cmocka_unit_test(test_hostile_overflow),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_vmas_cap),
		cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_emit_error),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
