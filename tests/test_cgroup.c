/*
 * ingest/cgroup.c over every file of fixtures/corpora/cgroup (values from
 * fixtures/corpora/README.md) and the memory cgroup files of a Linux VM
 * (fixtures/real/cgroup, provenance in fixtures/real/README.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/limits.h"
#include "ingest/cgroup.h"
#include "ingest/kv.h"
#include "tests/testutil.h"

#define V1_DOCKER "fixtures/corpora/cgroup/elastic/docker/sys/fs/cgroup/memory/docker/" \
	"b29faf21b7eff959f64b4192c34d5d67a707fe8561e9eaa608cb27693fba4242/"
#define V2_SCOPE "fixtures/corpora/cgroup/elastic/docker/sys/fs/cgroup/system.slice/" \
	"docker-1c8fa019edd4b9d4b2856f4932c55929c5c118c808ed5faee9a135ca6e84b039.scope/"
#define FS2 "fixtures/corpora/cgroup/opencontainers-fs2/"

static struct limits lim;

static int
setup(void **state)
{
	(void)state;
	limits_default(&lim);
	return 0;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Parse a file under its base name into a fresh *r; 0 or -1 with d filled. */
static int
parse_path(const char *path, struct tu_kv *r, struct diag *d)
{
	struct kv_sink sink = tu_kv_sink(r);
	size_t len;
	char *data = tu_read_file(path, &len);
	int rc;

	tu_kv_free(r);
	diag_clear(d);
	rc = cgroup_parse(base_name(path), data, len, &lim, &sink, d);
	tu_kv_assert_group(r, base_name(path));
	free(data);
	return rc;
}

static void
parse_ok(const char *path, struct tu_kv *r)
{
	struct diag d;

	if (parse_path(path, r, &d) != 0)
		fail_msg("%s:%llu: %s", path, (unsigned long long)d.line, d.message);
}

static size_t walked, walked_values;

static int
walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct tu_kv r = { 0 };
	struct diag d;

	(void)st;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	if (parse_path(path, &r, &d) != 0)
		fail_msg("%s:%llu: %s", path, (unsigned long long)d.line, d.message);
	walked++;
	walked_values += r.n;
	tu_kv_free(&r);
	return 0;
}

/* Every file of the corpus parses; none is skipped. */
static void
test_every_file(void **state)
{
	(void)state;
	walked = walked_values = 0;
	assert_int_equal(nftw("fixtures/corpora/cgroup", walk_one, 16, FTW_PHYS), 0);
	assert_int_equal(walked, 172);
	/* every number of the corpus, counted independently: one per line, or per SUB=VALUE */
	assert_int_equal(walked_values, 716);
	walked = 0;
	assert_int_equal(nftw("fixtures/real/cgroup", walk_one, 16, FTW_PHYS), 0);
	assert_int_equal(walked, 13);
}

static void
test_docker_v1(void **state)
{
	struct tu_kv r = { 0 };

	(void)state;
	parse_ok(V1_DOCKER "memory.stat", &r);
	assert_int_equal(tu_kv_value(&r, NULL, "cache"), 65101824);
	assert_int_equal(tu_kv_value(&r, NULL, "rss"), 230662144);
	assert_int_equal(tu_kv_value(&r, NULL, "rss_huge"), 174063616);
	assert_int_equal(tu_kv_value(&r, NULL, "mapped_file"), 17633280);
	assert_int_equal(tu_kv_value(&r, NULL, "pgpgin"), 103258);
	assert_int_equal(tu_kv_value(&r, NULL, "pgpgout"), 77551);
	assert_int_equal(tu_kv_value(&r, NULL, "pgfault"), 91651);
	assert_int_equal(tu_kv_value(&r, NULL, "pgmajfault"), 166);
	assert_int_equal(tu_kv_value(&r, NULL, "active_anon"), 230780928);
	assert_int_equal(tu_kv_value(&r, NULL, "inactive_file"), 40108032);
	assert_int_equal(tu_kv_value(&r, NULL, "hierarchical_memory_limit"), 9223372036854771712);
	assert_string_equal(tu_kv_must(&r, NULL, "rss")->group, "memory.stat");
	assert_int_equal(tu_kv_must(&r, NULL, "rss")->line, 2);
	parse_ok(V1_DOCKER "memory.usage_in_bytes", &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(tu_kv_value(&r, NULL, ""), 295997440);
	parse_ok(V1_DOCKER "memory.max_usage_in_bytes", &r);
	assert_int_equal(tu_kv_value(&r, NULL, ""), 298532864);
	parse_ok(V1_DOCKER "memory.oom_control", &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(tu_kv_value(&r, NULL, "under_oom"), 0);
	/* an empty file puts nothing */
	parse_ok(V1_DOCKER "memory.pressure_level", &r);
	assert_int_equal(r.n, 0);
	tu_kv_free(&r);
}

static void
test_v2_scope(void **state)
{
	struct tu_kv r = { 0 };

	(void)state;
	parse_ok(V2_SCOPE "memory.current", &r);
	assert_int_equal(tu_kv_value(&r, NULL, ""), 9125888);
	parse_ok(V2_SCOPE "memory.events", &r);
	assert_int_equal(tu_kv_value(&r, NULL, "high"), 3);
	assert_int_equal(tu_kv_value(&r, NULL, "low"), 10);
	assert_int_equal(tu_kv_value(&r, NULL, "oom_kill"), 1);
	parse_ok(V2_SCOPE "memory.stat", &r);
	assert_int_equal(tu_kv_value(&r, NULL, "slab_reclaimable"), 17756400);
	assert_int_equal(tu_kv_value(&r, NULL, "thp_fault_alloc"), 12);
	assert_int_equal(tu_kv_value(&r, NULL, "anon"), 411045888);
	/* "max" is unlimited: text, no value */
	parse_ok(V2_SCOPE "memory.max", &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.row[0].key, "");
	assert_false(r.row[0].has_value);
	assert_string_equal(r.row[0].text, "max");
	parse_ok(V2_SCOPE "memory.pressure", &r);
	assert_int_equal(r.n, 8);
	assert_string_equal(r.row[0].key, "some.avg10");
	assert_false(r.row[0].has_value);
	assert_string_equal(r.row[0].text, "0.00");
	assert_string_equal(r.row[3].key, "some.total");
	assert_int_equal(tu_kv_value(&r, NULL, "some.total"), 0);
	assert_string_equal(r.row[7].key, "full.total");
	assert_int_equal(r.row[7].line, 2);
	tu_kv_free(&r);
}

static void
test_docker2_amzn2_ubuntu(void **state)
{
	struct tu_kv r = { 0 };

	(void)state;
	parse_ok("fixtures/corpora/cgroup/elastic/docker2/sys/fs/cgroup/user.slice/user-1000.slice/"
		 "session-520.scope/memory.peak", &r);
	assert_int_equal(tu_kv_value(&r, NULL, ""), 18772946944);
	parse_ok("fixtures/corpora/cgroup/elastic/docker2/sys/fs/cgroup/user.slice/user-1000.slice/"
		 "session-520.scope/memory.pressure", &r);
	assert_int_equal(tu_kv_value(&r, NULL, "some.total"), 1736583);
	assert_int_equal(tu_kv_value(&r, NULL, "full.total"), 1677369);
	parse_ok("fixtures/corpora/cgroup/elastic/docker2/sys/fs/cgroup/user.slice/user-1000.slice/"
		 "session-520.scope/memory.numa_stat", &r);
	assert_int_equal(tu_kv_value(&r, NULL, "anon.N0"), 1411100672);
	parse_ok("fixtures/corpora/cgroup/elastic/docker2/sys/fs/cgroup/user.slice/user-1000.slice/"
		 "session-520.scope/memory.stat", &r);
	assert_int_equal(tu_kv_value(&r, NULL, "anon"), 1411100672);
	parse_ok("fixtures/corpora/cgroup/elastic/amzn2/sys/fs/cgroup/memory/kubepods.slice/"
		 "kubepods-burstable.slice/kubepods-burstable-pod7a96c459_d529_44ae_9f99_90d3798d6426.slice/"
		 "cri-containerd-1d3d308a7d48a27814a68bf33a44acf4441c9c02463ca0bc1cdfdc8c0b4a8496.scope/"
		 "memory.stat", &r);
	assert_int_equal(tu_kv_value(&r, NULL, "rss"), 1119465472);
	assert_int_equal(tu_kv_value(&r, NULL, "cache"), 78397440);
	parse_ok("fixtures/corpora/cgroup/elastic/amzn2/sys/fs/cgroup/memory/kubepods.slice/"
		 "kubepods-burstable.slice/kubepods-burstable-pod7a96c459_d529_44ae_9f99_90d3798d6426.slice/"
		 "cri-containerd-1d3d308a7d48a27814a68bf33a44acf4441c9c02463ca0bc1cdfdc8c0b4a8496.scope/"
		 "memory.numa_stat", &r);
	/* v1 numa_stat: "total=292494 N0=292746" */
	assert_int_equal(tu_kv_value(&r, NULL, "total"), 292494);
	assert_int_equal(tu_kv_value(&r, NULL, "total.N0"), 292746);
	parse_ok("fixtures/corpora/cgroup/elastic/ubuntu1804/sys/fs/cgroup/memory/system.slice/"
		 "networkd-dispatcher.service/memory.stat", &r);
	assert_int_equal(tu_kv_value(&r, NULL, "rss"), 8404992);
	tu_kv_free(&r);
}

static void
test_opencontainers_fs2(void **state)
{
	struct tu_kv r = { 0 };

	(void)state;
	/* these three have no trailing newline */
	parse_ok(FS2 "memory.current", &r);
	assert_int_equal(tu_kv_value(&r, NULL, ""), 123456789);
	parse_ok(FS2 "memory.max", &r);
	assert_int_equal(tu_kv_value(&r, NULL, ""), 999999999);
	parse_ok(FS2 "memory.peak", &r);
	assert_int_equal(tu_kv_value(&r, NULL, ""), 987654321);
	parse_ok(FS2 "memory.stat", &r);
	assert_int_equal(tu_kv_value(&r, NULL, "anon") + tu_kv_value(&r, NULL, "file"), 7293091840);
	tu_kv_free(&r);
}

static void
test_containerd_v1(void **state)
{
	struct tu_kv r = { 0 };
	size_t i;

	(void)state;
	parse_ok("fixtures/corpora/cgroup/containerd-v1/memory.stat", &r);
	assert_int_equal(r.n, 32);
	for (i = 0; i < r.n; i++) {
		assert_true(r.row[i].has_value);
		assert_int_equal(r.row[i].value, (int64_t)i + 1);
		assert_int_equal(r.row[i].line, i + 1);
	}
	assert_string_equal(r.row[0].key, "cache");
	assert_string_equal(r.row[31].key, "total_unevictable");
	parse_ok("fixtures/corpora/cgroup/containerd-v1/memory.oom_control", &r);
	assert_int_equal(tu_kv_value(&r, NULL, "oom_kill_disable"), 1);
	assert_int_equal(tu_kv_value(&r, NULL, "under_oom"), 2);
	assert_int_equal(tu_kv_value(&r, NULL, "oom_kill"), 3);
	tu_kv_free(&r);
}

static void
test_kernel612_zswap(void **state)
{
	struct tu_kv r = { 0 };

	(void)state;
	parse_ok("fixtures/corpora/cgroup/elastic-inline/memory.stat.kernel6.12-edited", &r);
	assert_int_equal(tu_kv_value(&r, NULL, "zswap"), 125829120);
	assert_int_equal(tu_kv_value(&r, NULL, "zswapped"), 367001600);
	assert_int_equal(tu_kv_value(&r, NULL, "zswpin"), 450000);
	assert_int_equal(tu_kv_value(&r, NULL, "zswpout"), 680000);
	assert_int_equal(tu_kv_value(&r, NULL, "zswpwb"), 15000);
	assert_int_equal(tu_kv_value(&r, NULL, "anon"), 4740431872);
	tu_kv_free(&r);
}

/* This machine's v1 memory cgroup and the v2 root's memory.pressure. */
static void
test_real_machine(void **state)
{
	struct tu_kv r = { 0 };

	(void)state;
	parse_ok("fixtures/real/cgroup/v1/memory.usage_in_bytes", &r);
	assert_int_equal(tu_kv_value(&r, NULL, ""), 99307520);
	parse_ok("fixtures/real/cgroup/v1/memory.limit_in_bytes", &r);
	assert_int_equal(tu_kv_value(&r, NULL, ""), 9223372036854771712);
	parse_ok("fixtures/real/cgroup/v1/memory.max_usage_in_bytes", &r);
	assert_int_equal(tu_kv_value(&r, NULL, ""), 178192384);
	parse_ok("fixtures/real/cgroup/v1/memory.failcnt", &r);
	assert_int_equal(tu_kv_value(&r, NULL, ""), 0);
	parse_ok("fixtures/real/cgroup/v1/memory.stat", &r);
	assert_int_equal(r.n, 42);
	assert_int_equal(tu_kv_value(&r, NULL, "cache"), 93184000);
	assert_int_equal(tu_kv_value(&r, NULL, "rss"), 2306048);
	assert_int_equal(tu_kv_value(&r, NULL, "total_rss"), 2306048);
	parse_ok("fixtures/real/cgroup/v1/memory.oom_control", &r);
	assert_int_equal(r.n, 3);
	assert_int_equal(tu_kv_value(&r, NULL, "oom_kill"), 0);
	parse_ok("fixtures/real/cgroup/v1/memory.numa_stat", &r);
	assert_int_equal(tu_kv_value(&r, NULL, "total"), 23291);
	assert_int_equal(tu_kv_value(&r, NULL, "hierarchical_anon.N0"), 538);
	parse_ok("fixtures/real/cgroup/v1/memory.kmem.slabinfo", &r);
	assert_int_equal(r.n, 0);
	parse_ok("fixtures/real/cgroup/v2-root/memory.pressure", &r);
	assert_int_equal(r.n, 8);
	assert_string_equal(tu_kv_must(&r, NULL, "full.avg300")->text, "0.00");
	tu_kv_free(&r);
}

static int
parse_text(const char *file, const char *text, struct tu_kv *r, struct diag *d)
{
	struct kv_sink sink = tu_kv_sink(r);

	tu_kv_free(r);
	diag_clear(d);
	return cgroup_parse(file, text, strlen(text), &lim, &sink, d);
}

/* Hand-written: the version member, slabinfo rows and malformed lines. */
static void
test_edge_cases(void **state)
{
	struct tu_kv r = { 0 };
	struct diag d;

	(void)state;
	assert_int_equal(parse_text("version", "2\n", &r, &d), 0);
	assert_int_equal(tu_kv_value(&r, NULL, ""), 2);
	assert_string_equal(r.row[0].group, "version");
	assert_int_equal(parse_text("version", "3\n", &r, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_string_equal(d.message, "bad cgroup version \"3\" (expected 1 or 2)");
	assert_int_equal(parse_text("version", "", &r, &d), -1);
	assert_int_equal(d.kind, DIAG_MISSING);
	assert_int_equal(parse_text("memory.kmem.slabinfo",
				    "slabinfo - version: 2.1\n# name <active_objs> ...\n"
				    "kmalloc-64  128 128 64 64 1 : tunables 0 0 0 : slabdata 2 2 0\n",
				    &r, &d), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(tu_kv_value(&r, NULL, "kmalloc-64"), 128);
	assert_int_equal(parse_text("memory.current", "12\n13\n", &r, &d), -1);
	assert_int_equal(d.line, 2);
	assert_int_equal(parse_text("memory.stat", "anon 1\nfile\n", &r, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_int_equal(d.line, 2);
	assert_string_equal(d.message, "bad memory.stat line \"file\" (expected KEY VALUE)");
	assert_int_equal(parse_text("memory.stat", "anon 1 2\n", &r, &d), -1);
	assert_int_equal(d.line, 1);
	assert_int_equal(parse_text("memory.stat", "anon 99999999999999999999\n", &r, &d), -1);
	assert_non_null(strstr(d.message, "value overflows 64 bits"));
	assert_int_equal(parse_text("memory.soft_limit_in_bytes", "-1\n", &r, &d), 0);
	assert_int_equal(tu_kv_value(&r, NULL, ""), -1);
	tu_kv_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_file),
		cmocka_unit_test(test_docker_v1),
		cmocka_unit_test(test_v2_scope),
		cmocka_unit_test(test_docker2_amzn2_ubuntu),
		cmocka_unit_test(test_opencontainers_fs2),
		cmocka_unit_test(test_containerd_v1),
		cmocka_unit_test(test_kernel612_zswap),
		cmocka_unit_test(test_real_machine),
		cmocka_unit_test(test_edge_cases),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
