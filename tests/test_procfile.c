/*
 * ingest/procfile.c: /proc/PID/status and smaps_rollup from
 * prometheus/procfs and jc test data (fixtures/corpora, values from its
 * README.md and jc's own JSON), and from a Go and a C process captured on a
 * Linux VM (fixtures/real/README.md).
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
#include "ingest/kv.h"
#include "ingest/procfile.h"
#include "ingest/smaps.h"
#include "tests/testutil.h"

#define KB 1024

/* The text of a text-only key (any group). */
static const char *
text_of(const struct tu_kv *r, const char *key)
{
	const struct tu_kv_row *e = tu_kv_must(r, NULL, key);

	assert_false(e->has_value);
	assert_non_null(e->text);
	return e->text;
}

static struct limits lim;

static int
setup(void **state)
{
	(void)state;
	limits_default(&lim);
	return 0;
}

/* Parse the status or rollup file at path into *r (emptied first); assert success. */
static void
parse(const char *path, int rollup, struct tu_kv *r)
{
	struct kv_sink sink = tu_kv_sink(r);
	struct diag d;
	size_t len;
	char *data = tu_read_file(path, &len);
	int rc;

	diag_clear(&d);
	tu_kv_free(r);
	rc = rollup ? procfile_rollup_parse(data, len, &lim, &sink, &d)
		    : procfile_status_parse(data, len, &lim, &sink, &d);
	if (rc != 0)
		fail_msg("%s:%llu: %s", path, (unsigned long long)d.line, d.message);
	free(data);
}

static void
test_procfs_status(void **state)
{
	struct tu_kv r = { 0 };
	size_t i;

	(void)state;
	parse("fixtures/corpora/procfs/proc/26231/status", 0, &r);
	assert_int_equal(tu_kv_value(&r, NULL, "VmPeak"), 58472 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "VmSize"), 58440 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "VmHWM"), 8028 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "VmRSS"), 6716 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "RssAnon"), 2092 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "RssFile"), 4624 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "VmData"), 2580 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "VmStk"), 136 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "VmExe"), 948 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "VmLib"), 6816 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "VmPTE"), 128 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "VmPMD"), 12 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "VmSwap"), 660 * KB);
	assert_string_equal(text_of(&r, "Name"), "prometheus");
	assert_string_equal(text_of(&r, "State"), "S (sleeping)");
	assert_string_equal(text_of(&r, "Uid"), "1000\t1000\t1000\t0");
	assert_string_equal(text_of(&r, "Groups"), "");
	assert_string_equal(text_of(&r, "SigQ"), "8/63965");
	assert_string_equal(text_of(&r, "Umask"), "0022");
	assert_string_equal(text_of(&r, "SigPnd"), "0000000000000000");
	assert_string_equal(text_of(&r, "Cpus_allowed"), "ff");
	assert_string_equal(text_of(&r, "Cpus_allowed_list"), "0-7");
	assert_int_equal(tu_kv_value(&r, NULL, "Threads"), 1);
	assert_int_equal(tu_kv_value(&r, NULL, "Pid"), 26231);
	assert_int_equal(tu_kv_value(&r, NULL, "PPid"), 1);
	assert_int_equal(tu_kv_value(&r, NULL, "voluntary_ctxt_switches"), 4742839);
	assert_int_equal(r.n, 52);	/* every line */
	for (i = 0; i < r.n; i++) {
		assert_string_equal(r.row[i].group, "status");
		assert_int_equal(r.row[i].line, i + 2);	/* the file starts with a blank line */
		assert_true(r.row[i].has_value == (r.row[i].text == NULL));
	}
	tu_kv_free(&r);
}

/* Every field of jc's own parse of the same file agrees with ours. */
static void
test_jc_status(void **state)
{
	struct tu_kv r = { 0 };
	json_error_t err;
	json_t *want, *val;
	const char *key;
	size_t checked = 0;

	(void)state;
	parse("fixtures/corpora/jc/pid_status", 0, &r);
	want = json_load_file("fixtures/corpora/jc/pid_status.json", 0, &err);
	assert_non_null(want);
	json_object_foreach(want, key, val) {
		const struct tu_kv_row *e;
		size_t i;

		/* jc's derived keys, not lines of the file */
		if (strcmp(key, "State_pretty") == 0 || strcmp(key, "SigQ_current") == 0 ||
		    strcmp(key, "SigQ_limit") == 0)
			continue;
		e = tu_kv_must(&r, NULL, key);
		checked++;
		if (json_is_integer(val)) {
			int64_t v = json_integer_value(val);

			assert_true(e->has_value);
			if (strncmp(key, "Vm", 2) == 0 || strncmp(key, "Rss", 3) == 0 ||
			    strcmp(key, "HugetlbPages") == 0)
				v *= KB;
			assert_int_equal(e->value, v);
		} else if (json_is_string(val)) {
			/* jc cuts State to its letter */
			char num[32];

			if (strcmp(key, "State") == 0) {
				assert_int_equal(e->text[0], json_string_value(val)[0]);
			} else if (e->has_value) {
				/* a list like Mems_allowed_list "0" that is one number */
				snprintf(num, sizeof(num), "%lld", (long long)e->value);
				assert_string_equal(num, json_string_value(val));
			} else {
				assert_string_equal(e->text, json_string_value(val));
			}
		} else {
			/* arrays: Uid/Gid split on tabs, Cpus/Mems_allowed on commas */
			char joined[1024] = "";
			const char *sep = strcmp(key, "Uid") == 0 || strcmp(key, "Gid") == 0 ? "\t" : ",";

			assert_true(json_is_array(val));
			for (i = 0; i < json_array_size(val); i++) {
				json_t *x = json_array_get(val, i);
				char num[32];

				if (i > 0)
					strcat(joined, sep);
				if (json_is_integer(x)) {
					snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(x));
					strcat(joined, num);
				} else {
					strcat(joined, json_string_value(x));
				}
			}
			assert_false(e->has_value);
			assert_string_equal(e->text, joined);
		}
	}
	assert_int_equal(checked, 55);
	assert_int_equal(r.n, 55);
	assert_int_equal(tu_kv_value(&r, NULL, "VmRSS"), 13252 * KB);
	json_decref(want);
	tu_kv_free(&r);
}

static void
test_procfs_rollup(void **state)
{
	struct tu_kv r = { 0 };
	size_t i;

	(void)state;
	parse("fixtures/corpora/procfs/proc/26231/smaps_rollup", 1, &r);
	assert_int_equal(tu_kv_value(&r, NULL, "Rss"), 29948 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "Pss"), 29944 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "Shared_Clean"), 4 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "Shared_Dirty"), 0);
	assert_int_equal(tu_kv_value(&r, NULL, "Private_Clean"), 15548 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "Private_Dirty"), 14396 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "Referenced"), 24752 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "Anonymous"), 20756 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "LazyFree"), 5848 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "Swap"), 1940 * KB);
	assert_int_equal(tu_kv_value(&r, NULL, "SwapPss"), 1940 * KB);
	/* the 16 fields of the file, no Size */
	assert_int_equal(r.n, 16);
	for (i = 0; i < r.n; i++) {
		assert_string_equal(r.row[i].group, "smaps_rollup");
		assert_int_equal(r.row[i].line, 1);
		assert_string_not_equal(r.row[i].key, "Size");
	}
	tu_kv_free(&r);
}

/* The rollup of a real process equals its smaps summed. */
static void
check_real(const char *rollup, const char *status, int64_t rss_kb, const char *name)
{
	struct tu_kv r = { 0 };

	parse(rollup, 1, &r);
	assert_int_equal(tu_kv_value(&r, NULL, "Rss"), rss_kb * KB);
	assert_int_equal(r.n, 22);	/* kernel 6.18 adds Pss_* and KSM */
	assert_true(tu_kv_value(&r, NULL, "Pss_Anon") + tu_kv_value(&r, NULL, "Pss_File") +
			    tu_kv_value(&r, NULL, "Pss_Shmem") ==
		    tu_kv_value(&r, NULL, "Pss"));
	parse(status, 0, &r);
	assert_string_equal(text_of(&r, "Name"), name);
	assert_true(tu_kv_value(&r, NULL, "VmRSS") > 0);
	assert_int_equal(tu_kv_value(&r, NULL, "VmRSS"),
			 tu_kv_value(&r, NULL, "RssAnon") + tu_kv_value(&r, NULL, "RssFile") +
				 tu_kv_value(&r, NULL, "RssShmem"));
	tu_kv_free(&r);
}

static void
test_real(void **state)
{
	(void)state;
	check_real("fixtures/real/go-smaps_rollup", "fixtures/real/go-status", 5764, "smapsdemo");
	check_real("fixtures/real/c-smaps_rollup", "fixtures/real/c-status", 1788, "sleep");
}

static int
parse_text(const char *text, int rollup, struct tu_kv *r, struct diag *d)
{
	struct kv_sink sink = tu_kv_sink(r);

	diag_clear(d);
	tu_kv_free(r);
	return rollup ? procfile_rollup_parse(text, strlen(text), &lim, &sink, d)
		      : procfile_status_parse(text, strlen(text), &lim, &sink, d);
}

/* Hand-written malformed input, one defect each. */
static void
test_malformed(void **state)
{
	struct tu_kv r = { 0 };
	struct diag d;

	(void)state;
	assert_int_equal(parse_text("Name:\tx\nno colon here\n", 0, &r, &d), -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_int_equal(d.line, 2);
	assert_non_null(strstr(d.message, "\"no colon here\""));
	assert_int_equal(parse_text("VmRSS:\t99999999999999999 kB\n", 0, &r, &d), -1);
	assert_int_equal(d.line, 1);
	assert_non_null(strstr(d.message, "value overflows 64 bits"));
	assert_int_equal(parse_text("", 1, &r, &d), -1);
	assert_int_equal(d.kind, DIAG_MISSING);
	assert_int_equal(parse_text("00400000-ffffffffff601000 ---p 00000000 00:00 0 [rollup]\n"
				    "Rss: 4 kB\n"
				    "00400000-ffffffffff601000 ---p 00000000 00:00 0 [rollup]\n",
				    1, &r, &d),
			 -1);
	assert_int_equal(d.kind, DIAG_FORMAT);
	assert_int_equal(d.line, 3);
	tu_kv_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_procfs_status),
		cmocka_unit_test(test_jc_status),
		cmocka_unit_test(test_procfs_rollup),
		cmocka_unit_test(test_real),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
