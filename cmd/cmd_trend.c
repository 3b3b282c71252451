/* rssgap trend: one process over time, and whether its Rss grows with the runtime or beyond it. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyze/trend.h"
#include "cmd/commands.h"
#include "cmd/common.h"
#include "core/buf.h"
#include "core/escape.h"
#include "core/version.h"
#include "core/xalloc.h"
#include "report/chart.h"
#include "report/trendout.h"

static int cmd_trend(int argc, char **argv);

#define TOP_MAX 100000
#define LIST_MAX 20	/* processes named when a selection holds several */

const struct cmd_entry cmd_trend_entry = {
	.name = "trend",
	.exec = cmd_trend,
	.usage = "trend [--db FILE] SELECTOR... [--json] [-o DIR] [--min-bytes N] [--min-percent P]"
		 " [--top N]",
	.summary = "one process over time: growing with the runtime, beyond it, or a sawtooth",
	.help =
	"Follows one process through its snapshots in capture order (captured_at, then\n"
	"the seq label): Rss, the runtime's estimate (Sys - HeapReleased), heap in use\n"
	"(HeapInuse) and the gap (Rss - estimate) of each, the slope of each (per\n"
	"snapshot and per minute) and of each role's Rss, and a reading in\n"
	"words. SELECTOR: bundle files (every snapshot in them: rssgap-capture writes a\n"
	"series of one process into one bundle), snapshot ids, or key=value[,key=value]\n"
	"over manifest keys and labels (series=NAME finds a series, labelled so by the\n"
	"capture). With bundles or ids, a key=value argument keeps only the snapshots\n"
	"it matches. One process is the same pod (else host), pid and start_time; a\n"
	"selection of more than one is refused with the processes listed and how to\n"
	"pick one.\n"
	"\n"
	"  --json            the rssgap-trend/1 object (docs/json.md)\n"
	"  -o DIR            also write DIR/trend.png and DIR/trend.svg\n"
	"  --min-bytes N     the noise floor: at least N (default 8MiB; a size: 8MiB,\n"
	"                    512KiB, 1G, bytes)\n"
	"  --min-percent P   ... and P% of the first snapshot's Rss (default 5; \"5%\")\n"
	"  --top N           how many roles the text lists, largest change first\n"
	"                    (default 10; --json lists every role)\n"
	"\n"
	"The slope of a quantity is the median of its slopes between every two\n"
	"snapshots (Theil-Sen: one peak, even at an end, does not tilt it); \"along the\n"
	"line\" is its rise from the first snapshot to the last (slope x (snapshots -\n"
	"1)). At most 2048 snapshots. The noise floor is the larger of\n"
	"--min-bytes and --min-percent of the first Rss, as a diff finding needs.\n"
	"The reading:\n"
	"  growing-with-runtime    Rss rose along the line by the noise floor or more,\n"
	"                          the gap did not: the runtime's numbers hold it\n"
	"  growing-beyond-runtime  the gap rose by the noise floor or more: memory the\n"
	"                          runtime cannot see (mmap, cgo, C libraries, files)\n"
	"  growing                 Rss rose; a snapshot has no runtime numbers\n"
	"  shrinking               Rss fell along the line by the noise floor or more\n"
	"  sawtooth                no such trend, but Rss or heap in use rose by the\n"
	"                          noise floor between two neighbours and fell by it\n"
	"                          between two others (3 snapshots or more)\n"
	"  steady                  none of these\n"
	"docs/trend.md has the arithmetic.\n",
};

/* Is s a key=value filter (not a bundle path, an id or /proc/PID)? */
static int
is_filter(const char *s)
{
	struct stat st;

	return strchr(s, '=') != NULL && strncmp(s, "/proc/", 6) != 0 && stat(s, &st) != 0;
}

static int
has_id(const int64_t *ids, int64_t n, int64_t id)
{
	int64_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/* Append ids[0..n) to *all (without repeats). */
static void
add_ids(int64_t **all, int64_t *nall, const int64_t *ids, int64_t n)
{
	int64_t i;

	for (i = 0; i < n; i++) {
		if (has_id(*all, *nall, ids[i]))
			continue;
		*all = xreallocarray(*all, (size_t)*nall + 1, sizeof(**all));
		(*all)[(*nall)++] = ids[i];
	}
}

/*
 * The snapshots the arguments name: bundles and ids add theirs; key=value
 * selects from the store, or filters what bundles and ids added. 0 or -1 (printed).
 */
static int
selection(struct cmd *c, char **args, int nargs, int64_t **out, int64_t *nout)
{
	int64_t *all = NULL, nall = 0, *ids, n, i, k;
	int a, direct = 0;

	for (a = 0; a < nargs; a++) {
		if (is_filter(args[a]))
			continue;
		direct = 1;
		if (cmd_resolve_all(c, args[a], &ids, &n) != 0)
			goto fail;
		add_ids(&all, &nall, ids, n);
		free(ids);
	}
	for (a = 0; a < nargs; a++) {
		if (!is_filter(args[a]))
			continue;
		if (cmd_resolve_all(c, args[a], &ids, &n) != 0)
			goto fail;
		if (!direct) {
			add_ids(&all, &nall, ids, n);
		} else {
			for (i = k = 0; i < nall; i++)
				if (has_id(ids, n, all[i]))
					all[k++] = all[i];
			nall = k;
		}
		free(ids);
	}
	if (nall == 0) {
		cmd_error("the selection holds no snapshot");
		goto fail;
	}
	*out = all;
	*nout = nall;
	return 0;
fail:
	free(all);
	return -1;
}

/* More than one process: list them and how to pick one. */
static void
too_many(const struct trend_process *p, int np)
{
	struct buf b = BUF_INIT;
	int i;

	fprintf(stderr, "rssgap: trend: the selection holds snapshots of %d processes "
			"(a trend follows one):\n", np);
	for (i = 0; i < np && i < LIST_MAX; i++) {
		const char *who = p[i].pod != NULL && p[i].pod[0] ? p[i].pod : p[i].host;

		buf_reset(&b);
		buf_printf(&b, "%s=", p[i].pod != NULL && p[i].pod[0] ? "pod" : "host");
		if (who != NULL)
			escape_term(&b, who, strlen(who));
		buf_printf(&b, ",pid=%" PRId64, p[i].pid);
		if (p[i].start_time != NULL) {
			buf_puts(&b, ",start_time=");
			escape_term(&b, p[i].start_time, strlen(p[i].start_time));
		}
		fprintf(stderr, "rssgap:   %s  (%d snapshot%s", buf_str(&b), p[i].n,
			p[i].n == 1 ? "" : "s");
		if (p[i].comm != NULL) {
			buf_reset(&b);
			escape_term(&b, p[i].comm, strlen(p[i].comm));
			fprintf(stderr, ", %s", buf_str(&b));
		}
		fprintf(stderr, ")\n");
	}
	if (np > LIST_MAX)
		fprintf(stderr, "rssgap:   ... and %d more processes ('rssgap list' shows every "
				"snapshot)\n", np - LIST_MAX);
	fprintf(stderr, "rssgap: hint: add one of these as an argument (or series=NAME of a "
			"--count capture) to follow that process\n");
	buf_release(&b);
}

static int
write_pages(const struct trend_result *r, const struct cmd *c, const char *dir, struct diag *d)
{
	struct buf png = BUF_INIT, svg = BUF_INIT;
	struct chart_opts co;
	int rc;

	chart_opts_default(&co);
	co.max_points = c->lim.chart_points;
	co.version = RSSGAP_VERSION;
	buf_printf(&png, "%s/trend.png", dir);
	buf_printf(&svg, "%s/trend.svg", dir);
	rc = chart_write_trend(r, &co, buf_str(&png), buf_str(&svg), d);
	if (rc == 0)
		fprintf(stderr, "rssgap: wrote %s and %s\n", buf_str(&png), buf_str(&svg));
	buf_release(&png);
	buf_release(&svg);
	return rc;
}

static int
cmd_trend(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "min-bytes", required_argument, NULL, OPT_MIN_BYTES },
		{ "min-percent", required_argument, NULL, OPT_MIN_PERCENT },
		{ "top", required_argument, NULL, OPT_TOP },
		{ NULL, 0, NULL, 0 },
	};
	struct trend_process *procs = NULL;
	struct trend_result *r = NULL;
	struct diff_opts o;
	struct buf out = BUF_INIT;
	struct diag d;
	struct cmd c;
	const char *dir = NULL;
	int opt, as_json = 0, rc, top = 10, nprocs = 0;
	int64_t *ids = NULL, nids = 0;

	cmd_init(&c, "trend");
	diff_opts_default(&o);
	while ((opt = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (opt == 'h')
			return cmd_help(&cmd_trend_entry);
		if (opt == 'o') {
			dir = optarg;
			continue;
		}
		if (opt == OPT_JSON) {
			as_json = 1;
			continue;
		}
		if (opt == OPT_TOP) {
			if (cmd_parse_top(&c, optarg, TOP_MAX, &top) != 0)
				return RSSGAP_EXIT_USAGE;
			continue;
		}
		if ((rc = cmd_other_option(&c, &o, opt, optarg, argv[optind - 1])) != 0)
			return rc;
	}
	if (argc - optind < 1)
		return cmd_usage_error(&c, "expected a SELECTOR (bundles, ids or key=value)");
	if (argc - optind > 4096)
		return cmd_usage_error(&c, "at most 4096 selectors");
	if (c.db_path == NULL) {
		int a, direct = 0;

		for (a = optind; a < argc; a++)
			direct |= !is_filter(argv[a]);
		if (!direct)
			return cmd_usage_error(&c, "key=value selects from a database: pass --db FILE "
						   "(or set RSSGAP_DB), or give the bundles");
	}
	if (dir != NULL && mkdir(dir, 0777) != 0 && errno != EEXIST) {
		cmd_error("%s: cannot create directory: %s", dir, strerror(errno));
		return RSSGAP_EXIT_FAIL;
	}
	if (cmd_open_selectors(&c, argv + optind, argc - optind) != 0)
		return RSSGAP_EXIT_FAIL;
	rc = RSSGAP_EXIT_FAIL;
	diag_clear(&d);
	if (selection(&c, argv + optind, argc - optind, &ids, &nids) != 0)
		goto out;
	if (nids > INT32_MAX / 2) {
		cmd_error("the selection holds %" PRId64 " snapshots (at most %d)", nids, INT32_MAX / 2);
		goto out;
	}
	if (trend_processes(c.db, ids, (int)nids, &procs, &nprocs, &d) != 0)
		goto fail;
	if (nprocs > 1) {
		too_many(procs, nprocs);
		goto out;
	}
	r = trend_load(c.db, &procs[0], &o, &d);
	if (r == NULL)
		goto fail;
	if (dir != NULL && write_pages(r, &c, dir, &d) != 0)
		goto fail;
	if (as_json)
		trendout_json(&out, r);
	else
		trendout_text(&out, r, top);
	fputs(buf_str(&out), stdout);
	rc = RSSGAP_EXIT_OK;
	goto out;
fail:
	cmd_print_diag(&d);
out:
	trend_result_free(r);
	trend_processes_free(procs, nprocs);
	free(ids);
	buf_release(&out);
	cmd_release(&c);
	return cmd_finish_output(rc);
}
