/*
 * Tests of ingest/pprof: google/pprof's own legacy test profiles (values
 * from fixtures/corpora/README.md), a real Go 1.19 heap profile
 * (fixtures/real/goheap-*, totals from `go tool pprof -raw`, see
 * fixtures/real/README.md) and the hostile profiles in fixtures/hostile/.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/limits.h"
#include "ingest/pprof.h"
#include "tests/testutil.h"

/* gunzip through the gzip program: the product's gunzip is bundle_gunzip. */
static char *
slurp_gz(const char *path, size_t *len)
{
	char cmd[512];
	FILE *p;
	char *data = NULL;
	size_t cap = 0, n = 0, got;

	snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	do {
		if (n + 65536 > cap) {
			cap = (n + 65536) * 2;
			data = realloc(data, cap + 1);
			assert_non_null(data);
		}
		got = fread(data + n, 1, cap - n, p);
		n += got;
	} while (got > 0);
	assert_int_equal(pclose(p), 0);
	*len = n;
	return data;
}

static int64_t
total(const struct pprof_summary *s, const char *type)
{
	int i = pprof_type_index(s, type);

	assert_true(i >= 0);
	return s->types[i].total;
}

static struct pprof_summary *
legacy(const char *path, struct limits *lim)
{
	struct pprof_summary *s = NULL;
	struct diag d;
	size_t len;
	char *text = tu_read_file(path, &len);

	diag_clear(&d);
	assert_true(pprof_is_legacy(text, len));
	if (pprof_parse_legacy(text, len, lim, &s, &d) != 0)
		fail_msg("%s: %s (line %llu)", path, d.message, (unsigned long long)d.line);
	free(text);
	return s;
}

static void
test_gobench_legacy(void **state)
{
	struct limits lim;
	struct pprof_summary *s;

	(void)state;
	limits_default(&lim);
	s = legacy("fixtures/corpora/pprof/gobench.heap", &lim);
	assert_string_equal(s->format, "legacy-heap");
	assert_int_equal(s->ntypes, 4);
	assert_string_equal(s->types[0].type, "alloc_objects");
	assert_string_equal(s->types[3].type, "inuse_space");
	assert_string_equal(s->types[3].unit, "bytes");
	assert_int_equal(s->samples, 15);
	assert_int_equal(s->period, 524288);
	assert_string_equal(s->period_type, "space");
	assert_int_equal(total(s, "inuse_space"), 7721316);
	assert_int_equal(total(s, "inuse_objects"), 11445);
	assert_int_equal(total(s, "alloc_space"), 350314738);
	assert_int_equal(total(s, "alloc_objects"), 83134);
	/* From gobench.heap.string (pprof's own parse): the 7 samples whose
	 * first five frames are 0x420cef 0x422151 0x4221da 0x41dc0d 0x41db48
	 * hold 4573396 inuse bytes in 313 objects. */
	assert_int_equal(s->sort_type, 3);
	assert_true(s->nsites >= 4);
	assert_string_equal(s->sites[0].leaf, "0x420cef");
	assert_string_equal(s->sites[0].frames,
			    "0x420cef <- 0x422151 <- 0x4221da <- 0x41dc0d <- 0x41db48");
	assert_int_equal(s->sites[0].samples, 7);
	assert_int_equal(s->sites[0].values[3], 4573396);
	assert_int_equal(s->sites[0].values[2], 313);
	assert_int_equal(s->sites[1].values[3], 525312);
	pprof_summary_free(s);
}

static void
test_cppbench_legacy(void **state)
{
	struct limits lim;
	struct pprof_summary *s;

	(void)state;
	limits_default(&lim);
	s = legacy("fixtures/corpora/pprof/cppbench.heap", &lim);
	assert_int_equal(s->ntypes, 2);
	assert_string_equal(s->types[0].type, "objects");
	assert_string_equal(s->types[1].type, "space");
	assert_int_equal(total(s, "space"), 80935293);
	assert_int_equal(total(s, "objects"), 41063);
	assert_int_equal(s->period, 524288);
	assert_int_equal(s->samples, 31);
	/* cppbench.heap.string: 11 samples under the same five frames, 66404016 bytes. */
	assert_int_equal(s->sort_type, 1);
	assert_int_equal(s->sites[0].samples, 11);
	assert_int_equal(s->sites[0].values[1], 66404016);
	assert_int_equal(s->sites[0].values[0], 2490);
	pprof_summary_free(s);
}

static void
test_java_legacy(void **state)
{
	struct limits lim;
	struct pprof_summary *s;

	(void)state;
	limits_default(&lim);
	s = legacy("fixtures/corpora/pprof/java.heap", &lim);
	assert_string_equal(s->format, "java-heapz");
	assert_int_equal(s->ntypes, 2);
	assert_string_equal(s->types[0].type, "inuse_objects");
	assert_string_equal(s->types[1].type, "inuse_space");
	assert_int_equal(total(s, "inuse_space"), 9968703);
	assert_int_equal(total(s, "inuse_objects"), 67347);
	/* java.heap.string: the largest sample, 4720968 bytes in 8941 objects. */
	assert_int_equal(s->sites[0].values[1], 4720968);
	assert_int_equal(s->sites[0].values[0], 8941);
	assert_non_null(strstr(s->sites[0].leaf, "com.example."));
	pprof_summary_free(s);
}

/*
 * fixtures/real/goheap-heap.pb: `gzip -dc goheap-heap.pb.gz` of a real Go
 * 1.19 process (fixtures/real/goheap/main.go) with MemProfileRate=1 that
 * keeps 100 x 64 KiB (allocA) and 1000 x 1 KiB (allocB) and drops
 * 5000 x 4 KiB (allocC). Totals from `go tool pprof -raw`.
 */
static void
test_real_proto(void **state)
{
	struct limits lim;
	struct pprof_summary *s = NULL;
	struct diag d;
	size_t len, gzlen;
	char *pb, *gz;

	(void)state;
	limits_default(&lim);
	diag_clear(&d);
	pb = tu_read_file("fixtures/real/goheap-heap.pb", &len);
	assert_false(pprof_is_legacy(pb, len));
	if (pprof_parse(pb, len, &lim, &s, &d) != 0)
		fail_msg("%s at %lld", d.message, (long long)d.offset);
	assert_string_equal(s->format, "proto");
	assert_int_equal(s->ntypes, 4);
	assert_string_equal(s->types[0].type, "alloc_objects");
	assert_string_equal(s->types[0].unit, "count");
	assert_string_equal(s->types[3].type, "inuse_space");
	assert_int_equal(total(s, "alloc_objects"), 6119);
	assert_int_equal(total(s, "alloc_space"), 28169304);
	assert_int_equal(total(s, "inuse_objects"), 1106);
	assert_int_equal(total(s, "inuse_space"), 7611392);
	assert_int_equal(s->period, 1);
	assert_string_equal(s->period_type, "space");
	assert_string_equal(s->period_unit, "bytes");
	assert_int_equal(s->samples, 56);
	assert_int_equal(s->locations, 95);
	assert_int_equal(s->functions, 76);
	assert_true(s->time_nanos > 0);
	assert_int_equal(s->sort_type, 3);
	/* go tool pprof -top -sample_index=inuse_space: allocA 6.25MB, allocB 1.01MB. */
	assert_string_equal(s->sites[0].leaf, "main.allocA");
	assert_string_equal(s->sites[0].frames, "main.allocA <- main.main <- runtime.main");
	assert_int_equal(s->sites[0].values[3], 100 * 65536);
	assert_int_equal(s->sites[0].values[2], 100);
	assert_string_equal(s->sites[1].leaf, "main.allocB");
	assert_int_equal(s->sites[1].values[3], 1000 * 1024 + 32768);
	assert_int_equal(s->sites[1].values[2], 1001);
	/*
	 * Large objects (over 32 KiB each): allocA's 100 x 64 KiB; allocB's one
	 * object of exactly 32 KiB is the largest small size class, not large.
	 */
	assert_int_equal(s->sites[0].large_space, 100 * 65536);
	assert_int_equal(s->sites[0].large_objects, 100);
	assert_int_equal(s->sites[1].large_space, 0);
	assert_int_equal(s->sites[1].large_objects, 0);
	/* allocC's garbage: 5000 x 4 KiB allocated, none in use. */
	{
		size_t i;
		int seen = 0;

		for (i = 0; i < s->nsites; i++)
			if (strcmp(s->sites[i].leaf, "main.allocC") == 0) {
				assert_int_equal(s->sites[i].values[0], 5000);
				assert_int_equal(s->sites[i].values[1], 5000 * 4096);
				assert_int_equal(s->sites[i].values[3], 0);
				seen = 1;
			}
		assert_true(seen);
	}
	pprof_summary_free(s);

	/* The same bytes as the committed .pb.gz. */
	gz = slurp_gz("fixtures/real/goheap-heap.pb.gz", &gzlen);
	assert_int_equal(gzlen, len);
	assert_memory_equal(gz, pb, len);
	free(gz);

	/* The top-sites cap. */
	lim.pprof_top_sites = 1;
	assert_int_equal(pprof_parse(pb, len, &lim, &s, &d), 0);
	assert_int_equal(s->nsites, 1);
	assert_int_equal(total(s, "inuse_space"), 7611392);
	pprof_summary_free(s);
	free(pb);
}

/*
 * fixtures/real/genprofile-heap.pb.gz: bench/genprofile's profile of 1000
 * leaves (fixtures/real/README.md). Go writes new locations and functions
 * among the first samples, then one long run of samples that the decoder
 * steps over when it reads the other tables: a location lost there would
 * surface as an unknown location id or a wrong frame name.
 */
static void
test_real_genprofile(void **state)
{
	struct limits lim;
	struct pprof_summary *s = NULL, *t = NULL;
	struct diag d;
	size_t len, k, i;
	char *pb;

	(void)state;
	limits_default(&lim);
	diag_clear(&d);
	pb = slurp_gz("fixtures/real/genprofile-heap.pb.gz", &len);
	if (pprof_parse(pb, len, &lim, &s, &d) != 0)
		fail_msg("%s at %lld", d.message, (long long)d.offset);
	assert_int_equal(total(s, "alloc_objects"), 1008);
	assert_int_equal(total(s, "alloc_space"), 202000);
	assert_int_equal(total(s, "inuse_objects"), 1007);
	assert_int_equal(total(s, "inuse_space"), 201984);
	assert_int_equal(s->samples, 1009);
	assert_int_equal(s->locations, 31);
	assert_int_equal(s->functions, 26);
	assert_int_equal(s->sort_type, 3);
	assert_true(s->nsites >= 5);
	assert_string_equal(s->sites[0].frames,
			    "main.leaf <- main.b <- main.b <- main.b <- main.a");
	assert_int_equal(s->sites[0].samples, 63);
	assert_int_equal(s->sites[0].values[3], 32256);
	assert_string_equal(s->sites[1].frames,
			    "main.leaf <- main.b <- main.b <- main.a <- main.a");
	assert_int_equal(s->sites[1].values[3], 32256);
	assert_int_equal(s->sites[2].samples, 62);
	assert_int_equal(s->sites[2].values[3], 31744);
	assert_int_equal(s->sites[3].values[3], 31744);
	assert_string_equal(s->sites[4].frames, "main.main <- runtime.main");
	assert_int_equal(s->sites[4].values[3], 24576);

	/* Only the top k sites are selected: they are the first k of the full order. */
	for (k = 1; k <= s->nsites; k++) {
		lim.pprof_top_sites = k;
		assert_int_equal(pprof_parse(pb, len, &lim, &t, &d), 0);
		assert_int_equal(t->nsites, k);
		for (i = 0; i < k; i++) {
			assert_string_equal(t->sites[i].frames, s->sites[i].frames);
			assert_int_equal(t->sites[i].samples, s->sites[i].samples);
			assert_memory_equal(t->sites[i].values, s->sites[i].values,
					    s->ntypes * sizeof(*s->sites[i].values));
		}
		pprof_summary_free(t);
	}
	pprof_summary_free(s);
	free(pb);
}

/* The same process's heap?debug=1 text: same totals through the legacy path. */
static void
test_real_legacy(void **state)
{
	struct limits lim;
	struct pprof_summary *s;

	(void)state;
	limits_default(&lim);
	s = legacy("fixtures/real/goheap-heap.txt", &lim);
	assert_int_equal(s->period, 1);
	assert_int_equal(total(s, "alloc_objects"), 6119);
	assert_int_equal(total(s, "alloc_space"), 28169304);
	assert_int_equal(total(s, "inuse_objects"), 1106);
	assert_int_equal(total(s, "inuse_space"), 7611392);
	/* Every record, all-zero ones included (grep -c '^[0-9]*: '). */
	assert_int_equal(s->samples, 212);
	assert_string_equal(s->sites[0].leaf, "main.allocA");
	/* each record is one object size: allocA's 64 KiB buffers are large objects */
	assert_int_equal(s->sites[0].large_space, 100 * 65536);
	assert_int_equal(s->sites[0].large_objects, 100);
	/* debug=1 prints no symbol line for runtime.goexit: its address stays. */
	assert_string_equal(s->sites[0].frames, "main.allocA <- main.main <- runtime.main <- 0x46e5a1");
	assert_int_equal(s->sites[0].values[3], 6553600);
	assert_string_equal(s->sites[1].leaf, "main.allocB");
	assert_int_equal(s->sites[1].values[3], 1024000);
	pprof_summary_free(s);
}

static void
expect_proto_error(const char *path, const struct limits *lim, enum diag_kind kind,
		   int64_t offset, const char *needle)
{
	struct pprof_summary *s = NULL;
	struct diag d;
	size_t len;
	char *pb;

	pb = strstr(path, ".gz") ? slurp_gz(path, &len) : tu_read_file(path, &len);
	diag_clear(&d);
	assert_int_equal(pprof_parse(pb, len, lim, &s, &d), -1);
	assert_null(s);
	if (d.kind != kind || d.offset != offset || strstr(d.message, needle) == NULL)
		fail_msg("%s: got %s at %lld: %s", path, diag_kind_name(d.kind),
			 (long long)d.offset, d.message);
	free(pb);
}

static void
test_hostile(void **state)
{
	struct limits lim;

	(void)state;
	limits_default(&lim);
	/* The real profile cut at 4000 bytes: the string at 3984 runs past it. */
	expect_proto_error("fixtures/hostile/pprof-truncated.pb", &lim, DIAG_FORMAT, 3984,
			   "truncated profile");
	/* Real profile + field 12 whose varint (at 6678) runs 11 bytes. */
	expect_proto_error("fixtures/hostile/pprof-long-varint.pb", &lim, DIAG_FORMAT, 6678,
			   "longer than 10 bytes");
	/* Real profile + sample_type{type: 9999}; the table has 121 strings. */
	expect_proto_error("fixtures/hostile/pprof-bad-string-index.pb", &lim, DIAG_FORMAT, 6679,
			   "string index 9999 out of range");
	/* Real profile + a sample with 5 packed values for 4 types: the 5th at 6685. */
	expect_proto_error("fixtures/hostile/pprof-extra-value.pb", &lim, DIAG_FORMAT, 6685,
			   "more values than sample types");
	/* 10,000,001 empty samples (20 MB inflated from 19 KB): the last one passes the cap. */
	expect_proto_error("fixtures/hostile/pprof-samples-over-cap.pb.gz", &lim, DIAG_LIMIT,
			   20000000, "pprof_samples");
	/* The 4th sample_type (offset 26) passes pprof_values=3. */
	lim.pprof_values = 3;
	expect_proto_error("fixtures/real/goheap-heap.pb", &lim, DIAG_LIMIT, 26, "pprof_values");
	limits_default(&lim);
	/* The 101st string is at 5910. */
	lim.pprof_strings = 100;
	expect_proto_error("fixtures/real/goheap-heap.pb", &lim, DIAG_LIMIT, 5910, "pprof_strings");
}

/* Hand-written edge cases, one each. */
static void
test_edges(void **state)
{
	struct limits lim;
	struct pprof_summary *s = NULL;
	struct diag d;
	/* sample_type{1,2} string_table["", "x", "y"] sample{value: 7 (unpacked)} */
	static const unsigned char one[] = { 0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x32, 0x00,
					     0x32, 0x01, 'x', 0x32, 0x01, 'y', 0x12, 0x02, 0x10, 0x07 };
	/* the same with sample{location_id: 5}, and no location 5 */
	static const unsigned char noloc[] = { 0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x32, 0x00,
					       0x32, 0x01, 'x', 0x32, 0x01, 'y', 0x12, 0x04, 0x08, 0x05,
					       0x10, 0x07 };
	/* a group wire type (3) */
	static const unsigned char group[] = { 0x0b };
	static const char header_only[] = "heap profile: 0: 0 [0: 0] @ heap/1048576\n";
	static const char bad_kind[] = "heap profile: 0: 0 [0: 0] @ heapx/1048576\n";
	static const char bad_sample[] = "heap profile: 1: 2 [1: 2] @ heap/2\n1: 2 [1: 2] @ 0xzz\n";

	(void)state;
	limits_default(&lim);
	diag_clear(&d);
	assert_int_equal(pprof_parse(one, sizeof(one), &lim, &s, &d), 0);
	assert_int_equal(s->samples, 1);
	assert_string_equal(s->types[0].type, "x");
	assert_int_equal(s->types[0].total, 7);
	assert_string_equal(s->sites[0].leaf, "(no frames)");
	pprof_summary_free(s);
	assert_int_equal(pprof_parse(noloc, sizeof(noloc), &lim, &s, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_int_equal(d.offset, 16);
	assert_non_null(strstr(d.message, "unknown location id 5"));
	assert_int_equal(pprof_parse(group, sizeof(group), &lim, &s, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_int_equal(d.offset, 0);
	assert_int_equal(pprof_parse_legacy(header_only, strlen(header_only), &lim, &s, &d), 0);
	assert_int_equal(s->samples, 0);
	assert_int_equal(s->period, 524288);
	pprof_summary_free(s);
	assert_int_equal(pprof_parse_legacy(bad_kind, strlen(bad_kind), &lim, &s, &d), -1);
	assert_int_equal(d.line, 1);
	assert_int_equal(pprof_parse_legacy(bad_sample, strlen(bad_sample), &lim, &s, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_int_equal(d.line, 2);
	assert_non_null(strstr(d.message, "bad stack address"));
}

/*
 * Hand-written: location ids past the fifth frame are only checked to
 * exist, one-byte ones by table; a two-byte id there must still resolve,
 * and an unknown one, of either length, must still be an error.
 * sample_type{1,2} string_table["", "x", "y"] location{id 1} location{id 300}
 * then one sample{location_id: [...], value: 7}.
 */
static void
test_deep_frames(void **state)
{
	struct limits lim;
	struct pprof_summary *s = NULL;
	struct diag d;
	unsigned char pb[64];
	static const unsigned char head[] = { 0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x32, 0x00,
					      0x32, 0x01, 'x', 0x32, 0x01, 'y', 0x22, 0x02,
					      0x08, 0x01, 0x22, 0x03, 0x08, 0xac, 0x02 };
	/* ids 1 x5, 300, 1: fine */
	static const unsigned char ok[] = { 0x12, 0x0c, 0x0a, 0x08, 1, 1, 1, 1, 1, 0xac, 0x02, 1,
					    0x10, 0x07 };
	/* ids 1 x6, 9: no location 9; the 9 is at offset 23 + 10 */
	static const unsigned char bad1[] = { 0x12, 0x0b, 0x0a, 0x07, 1, 1, 1, 1, 1, 1, 9,
					      0x10, 0x07 };
	/* ids 1 x6, 128 (two bytes): no location 128, at the same offset */
	static const unsigned char bad2[] = { 0x12, 0x0c, 0x0a, 0x08, 1, 1, 1, 1, 1, 1, 0x80, 0x01,
					      0x10, 0x07 };
	const unsigned char *const samples[] = { ok, bad1, bad2 };
	const size_t lens[] = { sizeof(ok), sizeof(bad1), sizeof(bad2) };
	size_t i;

	(void)state;
	limits_default(&lim);
	for (i = 0; i < 3; i++) {
		memcpy(pb, head, sizeof(head));
		memcpy(pb + sizeof(head), samples[i], lens[i]);
		diag_clear(&d);
		if (i == 0) {
			assert_int_equal(pprof_parse(pb, sizeof(head) + lens[i], &lim, &s, &d), 0);
			assert_int_equal(s->samples, 1);
			assert_int_equal(s->types[0].total, 7);
			assert_string_equal(s->sites[0].frames, "0x0 <- 0x0 <- 0x0 <- 0x0 <- 0x0");
			pprof_summary_free(s);
			continue;
		}
		assert_int_equal(pprof_parse(pb, sizeof(head) + lens[i], &lim, &s, &d), -1);
		assert_null(s);
		assert_int_equal(d.kind, DIAG_FORMAT);
		assert_int_equal(d.offset, 33);
		assert_non_null(strstr(d.message, i == 1 ? "unknown location id 9" :
				       "unknown location id 128"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gobench_legacy),
		cmocka_unit_test(test_cppbench_legacy),
		cmocka_unit_test(test_java_legacy),
		cmocka_unit_test(test_real_proto),
		cmocka_unit_test(test_real_genprofile),
		cmocka_unit_test(test_real_legacy),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_deep_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
