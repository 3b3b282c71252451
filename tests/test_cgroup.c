/*
 * ingest/cgroup.c over every file of ../shared/corpora/cgroup (values from
 * SOURCES.md) and this build machine's own memory cgroup files
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

#define V1_DOCKER "../shared/corpora/cgroup/elastic/docker/sys/fs/cgroup/memory/docker/" \
	"b29faf21b7eff959f64b4192c34d5d67a707fe8561e9eaa608cb27693fba4242/"
#define V2_SCOPE "../shared/corpora/cgroup/elastic/docker/sys/fs/cgroup/system.slice/" \
	"docker-1c8fa019edd4b9d4b2856f4932c55929c5c118c808ed5faee9a135ca6e84b039.scope/"
#define FS2 "../shared/corpora/cgroup/opencontainers-fs2/"

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	data[n] = '\0';
	*len = (size_t)n;
	return data;
}

struct entry {
	char group[64];
	char key[96];
	int has_value;
	int64_t value;
	char text[64];
	uint64_t line;
};

struct record {
	struct entry *e;
	size_t n, cap;
};

static int
put(void *ctx, const char *group, const char *key, int has_value, int64_t value, const char *text,
    uint64_t line, struct diag *d)
{
	struct record *r = ctx;
	struct entry *e;

	(void)d;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->e = realloc(r->e, r->cap * sizeof(*r->e));
		assert_non_null(r->e);
	}
	e = &r->e[r->n++];
	snprintf(e->group, sizeof(e->group), "%s", group);
	snprintf(e->key, sizeof(e->key), "%s", key);
	e->has_value = has_value;
	e->value = value;
	assert_true(has_value || text != NULL);
	snprintf(e->text, sizeof(e->text), "%s", text ? text : "");
	e->line = line;
	return 0;
}

static const struct entry *
find(const struct record *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->e[i].key, key) == 0)
			return &r->e[i];
	fail_msg("no key \"%s\"", key);
	return NULL;
}

static int64_t
value_of(const struct record *r, const char *key)
{
	const struct entry *e = find(r, key);

	assert_true(e->has_value);
	return e->value;
}

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
parse_path(const char *path, struct record *r, struct diag *d)
{
	struct kv_sink sink = { put, r };
	size_t len, i;
	char *data = slurp(path, &len);
	int rc;

	free(r->e);
	memset(r, 0, sizeof(*r));
	diag_clear(d);
	rc = cgroup_parse(base_name(path), data, len, &lim, &sink, d);
	for (i = 0; i < r->n; i++)
		assert_string_equal(r->e[i].group, base_name(path));
	free(data);
	return rc;
}

static void
parse_ok(const char *path, struct record *r)
{
	struct diag d;

	if (parse_path(path, r, &d) != 0)
		fail_msg("%s:%llu: %s", path, (unsigned long long)d.line, d.message);
}

static size_t walked, walked_values;

static int
walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct record r = { 0 };
	struct diag d;

	(void)st;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	if (parse_path(path, &r, &d) != 0)
		fail_msg("%s:%llu: %s", path, (unsigned long long)d.line, d.message);
	walked++;
	walked_values += r.n;
	free(r.e);
	return 0;
}

/* Every file of the corpus parses; none is skipped. */
static void
test_every_file(void **state)
{
	(void)state;
	walked = walked_values = 0;
	assert_int_equal(nftw("../shared/corpora/cgroup", walk_one, 16, FTW_PHYS), 0);
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
	struct record r = { 0 };

	(void)state;
	parse_ok(V1_DOCKER "memory.stat", &r);
	assert_int_equal(value_of(&r, "cache"), 65101824);
	assert_int_equal(value_of(&r, "rss"), 230662144);
	assert_int_equal(value_of(&r, "rss_huge"), 174063616);
	assert_int_equal(value_of(&r, "mapped_file"), 17633280);
	assert_int_equal(value_of(&r, "pgpgin"), 103258);
	assert_int_equal(value_of(&r, "pgpgout"), 77551);
	assert_int_equal(value_of(&r, "pgfault"), 91651);
	assert_int_equal(value_of(&r, "pgmajfault"), 166);
	assert_int_equal(value_of(&r, "active_anon"), 230780928);
	assert_int_equal(value_of(&r, "inactive_file"), 40108032);
	assert_int_equal(value_of(&r, "hierarchical_memory_limit"), 9223372036854771712);
	assert_string_equal(find(&r, "rss")->group, "memory.stat");
	assert_int_equal(find(&r, "rss")->line, 2);
	parse_ok(V1_DOCKER "memory.usage_in_bytes", &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(value_of(&r, ""), 295997440);
	parse_ok(V1_DOCKER "memory.max_usage_in_bytes", &r);
	assert_int_equal(value_of(&r, ""), 298532864);
	parse_ok(V1_DOCKER "memory.oom_control", &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(value_of(&r, "under_oom"), 0);
	/* an empty file puts nothing */
	parse_ok(V1_DOCKER "memory.pressure_level", &r);
	assert_int_equal(r.n, 0);
	free(r.e);
}

static void
test_v2_scope(void **state)
{
	struct record r = { 0 };

	(void)state;
	parse_ok(V2_SCOPE "memory.current", &r);
	assert_int_equal(value_of(&r, ""), 9125888);
	parse_ok(V2_SCOPE "memory.events", &r);
	assert_int_equal(value_of(&r, "high"), 3);
	assert_int_equal(value_of(&r, "low"), 10);
	assert_int_equal(value_of(&r, "oom_kill"), 1);
	parse_ok(V2_SCOPE "memory.stat", &r);
	assert_int_equal(value_of(&r, "slab_reclaimable"), 17756400);
	assert_int_equal(value_of(&r, "thp_fault_alloc"), 12);
	assert_int_equal(value_of(&r, "anon"), 411045888);
	/* "max" is unlimited: text, no value */
	parse_ok(V2_SCOPE "memory.max", &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.e[0].key, "");
	assert_false(r.e[0].has_value);
	assert_string_equal(r.e[0].text, "max");
	parse_ok(V2_SCOPE "memory.pressure", &r);
	assert_int_equal(r.n, 8);
	assert_string_equal(r.e[0].key, "some.avg10");
	assert_false(r.e[0].has_value);
	assert_string_equal(r.e[0].text, "0.00");
	assert_string_equal(r.e[3].key, "some.total");
	assert_int_equal(value_of(&r, "some.total"), 0);
	assert_string_equal(r.e[7].key, "full.total");
	assert_int_equal(r.e[7].line, 2);
	free(r.e);
}

static void
test_docker2_amzn2_ubuntu(void **state)
{
	struct record r = { 0 };

	(void)state;
	parse_ok("../shared/corpora/cgroup/elastic/docker2/sys/fs/cgroup/user.slice/user-1000.slice/"
		 "session-520.scope/memory.peak", &r);
	assert_int_equal(value_of(&r, ""), 18772946944);
	parse_ok("../shared/corpora/cgroup/elastic/docker2/sys/fs/cgroup/user.slice/user-1000.slice/"
		 "session-520.scope/memory.pressure", &r);
	assert_int_equal(value_of(&r, "some.total"), 1736583);
	assert_int_equal(value_of(&r, "full.total"), 1677369);
	parse_ok("../shared/corpora/cgroup/elastic/docker2/sys/fs/cgroup/user.slice/user-1000.slice/"
		 "session-520.scope/memory.numa_stat", &r);
	assert_int_equal(value_of(&r, "anon.N0"), 1411100672);
	parse_ok("../shared/corpora/cgroup/elastic/docker2/sys/fs/cgroup/user.slice/user-1000.slice/"
		 "session-520.scope/memory.stat", &r);
	assert_int_equal(value_of(&r, "anon"), 1411100672);
	parse_ok("../shared/corpora/cgroup/elastic/amzn2/sys/fs/cgroup/memory/kubepods.slice/"
		 "kubepods-burstable.slice/kubepods-burstable-pod7a96c459_d529_44ae_9f99_90d3798d6426.slice/"
		 "cri-containerd-1d3d308a7d48a27814a68bf33a44acf4441c9c02463ca0bc1cdfdc8c0b4a8496.scope/"
		 "memory.stat", &r);
	assert_int_equal(value_of(&r, "rss"), 1119465472);
	assert_int_equal(value_of(&r, "cache"), 78397440);
	parse_ok("../shared/corpora/cgroup/elastic/amzn2/sys/fs/cgroup/memory/kubepods.slice/"
		 "kubepods-burstable.slice/kubepods-burstable-pod7a96c459_d529_44ae_9f99_90d3798d6426.slice/"
		 "cri-containerd-1d3d308a7d48a27814a68bf33a44acf4441c9c02463ca0bc1cdfdc8c0b4a8496.scope/"
		 "memory.numa_stat", &r);
	/* v1 numa_stat: "total=292494 N0=292746" */
	assert_int_equal(value_of(&r, "total"), 292494);
	assert_int_equal(value_of(&r, "total.N0"), 292746);
	parse_ok("../shared/corpora/cgroup/elastic/ubuntu1804/sys/fs/cgroup/memory/system.slice/"
		 "networkd-dispatcher.service/memory.stat", &r);
	assert_int_equal(value_of(&r, "rss"), 8404992);
	free(r.e);
}

static void
test_opencontainers_fs2(void **state)
{
	struct record r = { 0 };

	(void)state;
	/* these three have no trailing newline */
	parse_ok(FS2 "memory.current", &r);
	assert_int_equal(value_of(&r, ""), 123456789);
	parse_ok(FS2 "memory.max", &r);
	assert_int_equal(value_of(&r, ""), 999999999);
	parse_ok(FS2 "memory.peak", &r);
	assert_int_equal(value_of(&r, ""), 987654321);
	parse_ok(FS2 "memory.stat", &r);
	assert_int_equal(value_of(&r, "anon") + value_of(&r, "file"), 7293091840);
	free(r.e);
}

static void
test_containerd_v1(void **state)
{
	struct record r = { 0 };
	size_t i;

	(void)state;
	parse_ok("../shared/corpora/cgroup/containerd-v1/memory.stat", &r);
	assert_int_equal(r.n, 32);
	for (i = 0; i < r.n; i++) {
		assert_true(r.e[i].has_value);
		assert_int_equal(r.e[i].value, (int64_t)i + 1);
		assert_int_equal(r.e[i].line, i + 1);
	}
	assert_string_equal(r.e[0].key, "cache");
	assert_string_equal(r.e[31].key, "total_unevictable");
	parse_ok("../shared/corpora/cgroup/containerd-v1/memory.oom_control", &r);
	assert_int_equal(value_of(&r, "oom_kill_disable"), 1);
	assert_int_equal(value_of(&r, "under_oom"), 2);
	assert_int_equal(value_of(&r, "oom_kill"), 3);
	free(r.e);
}

static void
test_kernel612_zswap(void **state)
{
	struct record r = { 0 };

	(void)state;
	parse_ok("../shared/corpora/cgroup/elastic-inline/memory.stat.kernel6.12-edited", &r);
	assert_int_equal(value_of(&r, "zswap"), 125829120);
	assert_int_equal(value_of(&r, "zswapped"), 367001600);
	assert_int_equal(value_of(&r, "zswpin"), 450000);
	assert_int_equal(value_of(&r, "zswpout"), 680000);
	assert_int_equal(value_of(&r, "zswpwb"), 15000);
	assert_int_equal(value_of(&r, "anon"), 4740431872);
	free(r.e);
}

/* This machine's v1 memory cgroup and the v2 root's memory.pressure. */
static void
test_real_machine(void **state)
{
	struct record r = { 0 };

	(void)state;
	parse_ok("fixtures/real/cgroup/v1/memory.usage_in_bytes", &r);
	assert_int_equal(value_of(&r, ""), 99307520);
	parse_ok("fixtures/real/cgroup/v1/memory.limit_in_bytes", &r);
	assert_int_equal(value_of(&r, ""), 9223372036854771712);
	parse_ok("fixtures/real/cgroup/v1/memory.max_usage_in_bytes", &r);
	assert_int_equal(value_of(&r, ""), 178192384);
	parse_ok("fixtures/real/cgroup/v1/memory.failcnt", &r);
	assert_int_equal(value_of(&r, ""), 0);
	parse_ok("fixtures/real/cgroup/v1/memory.stat", &r);
	assert_int_equal(r.n, 42);
	assert_int_equal(value_of(&r, "cache"), 93184000);
	assert_int_equal(value_of(&r, "rss"), 2306048);
	assert_int_equal(value_of(&r, "total_rss"), 2306048);
	parse_ok("fixtures/real/cgroup/v1/memory.oom_control", &r);
	assert_int_equal(r.n, 3);
	assert_int_equal(value_of(&r, "oom_kill"), 0);
	parse_ok("fixtures/real/cgroup/v1/memory.numa_stat", &r);
	assert_int_equal(value_of(&r, "total"), 23291);
	assert_int_equal(value_of(&r, "hierarchical_anon.N0"), 538);
	parse_ok("fixtures/real/cgroup/v1/memory.kmem.slabinfo", &r);
	assert_int_equal(r.n, 0);
	parse_ok("fixtures/real/cgroup/v2-root/memory.pressure", &r);
	assert_int_equal(r.n, 8);
	assert_string_equal(find(&r, "full.avg300")->text, "0.00");
	free(r.e);
}

static int
parse_text(const char *file, const char *text, struct record *r, struct diag *d)
{
	struct kv_sink sink = { put, r };

	free(r->e);
	memset(r, 0, sizeof(*r));
	diag_clear(d);
	return cgroup_parse(file, text, strlen(text), &lim, &sink, d);
}

/* Hand-written: the version member, slabinfo rows and malformed lines. */
static void
test_edge_cases(void **state)
{
	struct record r = { 0 };
	struct diag d;

	(void)state;
	assert_int_equal(parse_text("version", "2\n", &r, &d), 0);
	assert_int_equal(value_of(&r, ""), 2);
	assert_string_equal(r.e[0].group, "version");
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
	assert_int_equal(value_of(&r, "kmalloc-64"), 128);
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
	assert_int_equal(value_of(&r, ""), -1);
	free(r.e);
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
