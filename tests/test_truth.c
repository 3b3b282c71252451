/*
 * The truth corpus (fixtures/truth): real captures of real processes, ours
 * and two Go services from Debian's packages, each with a truth line written
 * from what the case does (fixtures/truth/cases.tsv, reasons in its
 * README.md). For every case, `diff` must give the verdict, the top role,
 * the evidence, the runtime side (known or not) and the words of the truth
 * line, and a one-against-one fleet of the same two snapshots must agree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/attribute.h"
#include "analyze/fleet.h"
#include "core/db.h"
#include "tests/testutil.h"

#define TRUTH "fixtures/truth/"
#define MAX_CASES 64

struct truth {
	char name[64], verdict[32], top[32], evidence[128], runtime[16], says[128];
};

static struct truth cases[MAX_CASES];
static int ncases;
static struct tu_db w;

/* Copy tab-separated field k of line into out. */
static void
field(const char *line, int k, char *out, size_t cap)
{
	const char *p = line;
	size_t n;

	while (k-- > 0) {
		p = strchr(p, '\t');
		if (p == NULL)
			fail_msg("cases.tsv: too few fields in \"%s\"", line);
		p++;
	}
	n = strcspn(p, "\t\n");
	if (n >= cap)
		fail_msg("cases.tsv: field too long in \"%s\"", line);
	memcpy(out, p, n);
	out[n] = '\0';
}

/* Read cases.tsv into cases[]. */
static void
read_cases(void)
{
	size_t len;
	char *text = tu_read_file(TRUTH "cases.tsv", &len), *line, *save = NULL;
	int header = 1;

	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		struct truth *t;

		if (line[0] == '#')
			continue;
		if (header) {
			header = 0;	/* the column names */
			continue;
		}
		if (ncases == MAX_CASES)
			fail_msg("cases.tsv: more than %d cases", MAX_CASES);
		t = &cases[ncases++];
		field(line, 0, t->name, sizeof(t->name));
		field(line, 1, t->verdict, sizeof(t->verdict));
		field(line, 2, t->top, sizeof(t->top));
		field(line, 3, t->evidence, sizeof(t->evidence));
		field(line, 4, t->runtime, sizeof(t->runtime));
		field(line, 5, t->says, sizeof(t->says));
	}
	free(text);
}

static int
setup(void **state)
{
	(void)state;
	tu_db_init(&w);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tu_db_release(&w);
	return 0;
}

static int64_t
load(const char *name, const char *phase)
{
	char path[256];

	snprintf(path, sizeof(path), TRUTH "%s/%s.rssgap.tar.gz", name, phase);
	return tu_db_ingest(&w, path);
}

/* The role of the first finding, else the role whose Rss grew most. */
static const char *
top_role(const struct diff_result *r)
{
	const struct role_delta *best = NULL;
	int i;

	if (r->nfindings > 0)
		return r->findings[0].role;
	for (i = 0; i < r->nroles; i++)
		if (best == NULL || r->roles[i].rss_delta > best->rss_delta)
			best = &r->roles[i];
	return best != NULL ? best->role : "-";
}

/* 1 when evidence ev holds one of the '|'-separated names of alt. */
static int
has_one_of(unsigned ev, const char *alt)
{
	const char *names[8];
	char want[64];
	int i, n = evidence_names(ev, names, 8);

	while (*alt != '\0') {
		size_t len = strcspn(alt, "|");

		snprintf(want, sizeof(want), "%.*s", (int)len, alt);
		for (i = 0; i < n; i++)
			if (strcmp(names[i], want) == 0)
				return 1;
		alt += len;
		if (*alt == '|')
			alt++;
	}
	return 0;
}

static void
check_evidence(const struct truth *t, const struct finding *f)
{
	char items[128], *item, *save = NULL;

	snprintf(items, sizeof(items), "%s", t->evidence);
	for (item = strtok_r(items, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save))
		if (!has_one_of(f->evidence, item))
			fail_msg("%s: evidence lacks %s (summary: %s)", t->name, item, f->summary);
}

static void
check_case(const struct truth *t)
{
	struct diff_opts o;
	struct fleet_opts fo;
	struct diag d;
	struct diff_result *r;
	struct fleet_result *fr;
	int64_t before = load(t->name, "before"), after = load(t->name, "after");

	diff_opts_default(&o);
	diag_clear(&d);
	r = diff_compute(w.db, before, after, &o, &d);
	if (r == NULL)
		fail_msg("%s: diff: %s", t->name, d.message);
	if (strcmp(verdict_name(r->verdict), t->verdict) != 0)
		fail_msg("%s: verdict %s, truth %s (%s)", t->name, verdict_name(r->verdict), t->verdict,
			 r->headline);
	if (strcmp(t->top, "-") != 0 && strcmp(top_role(r), t->top) != 0)
		fail_msg("%s: top role %s, truth %s (%s)", t->name, top_role(r), t->top, r->headline);
	if (strcmp(t->evidence, "-") == 0) {
		if (r->nfindings != 0)
			fail_msg("%s: a finding where there is none: %s", t->name,
				 r->findings[0].summary);
	} else {
		if (r->nfindings == 0)
			fail_msg("%s: no finding", t->name);
		check_evidence(t, &r->findings[0]);
	}
	if (strcmp(t->says, "-") != 0 && strstr(r->findings[0].summary, t->says) == NULL)
		fail_msg("%s: the reading does not say \"%s\": %s", t->name, t->says,
			 r->findings[0].summary);
	if (strcmp(t->runtime, "known") == 0) {
		if (!r->runtime_known)
			fail_msg("%s: runtime numbers missing", t->name);
	} else {
		if (r->runtime_known || r->before->go_estimate.known || r->after->go_estimate.known)
			fail_msg("%s: runtime numbers where there are none", t->name);
		if (r->nfindings > 0 && r->findings[0].runtime_known)
			fail_msg("%s: a finding with a known runtime side", t->name);
	}
	/* fleet reads the two snapshots the same way */
	fleet_opts_default(&fo);
	diag_clear(&d);
	fr = fleet_compute_ids(w.db, "phase", &before, 1, "before", &after, 1, "after", &fo, &d);
	if (fr == NULL)
		fail_msg("%s: fleet: %s", t->name, d.message);
	if (fr->verdict != r->verdict)
		fail_msg("%s: fleet says %s, diff %s (%s)", t->name, verdict_name(fr->verdict),
			 verdict_name(r->verdict), fr->headline);
	if (r->nfindings > 0 && strcmp(fr->findings[0].credit, r->findings[0].credit) != 0)
		fail_msg("%s: fleet finds %s, diff %s", t->name, fr->findings[0].credit,
			 r->findings[0].credit);
	fleet_result_free(fr);
	diff_result_free(r);
}

static void
test_case(void **state)
{
	check_case(*state);
}

/* One cmocka test per case, named after it. */
int
main(void)
{
	struct CMUnitTest tests[MAX_CASES];
	int i;

	read_cases();
	if (ncases < 18) {
		fprintf(stderr, "test_truth: %d cases in cases.tsv, expected the whole corpus\n", ncases);
		return 1;
	}
	for (i = 0; i < ncases; i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = cases[i].name;
		tests[i].test_func = test_case;
		tests[i].initial_state = &cases[i];
	}
	return _cmocka_run_group_tests("test_truth", tests, (size_t)ncases, setup, teardown);
}
