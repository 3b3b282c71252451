/* rssgap fleet: cohorts of many snapshots compared, with a noise band. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyze/fleet.h"
#include "cmd/commands.h"
#include "cmd/common.h"
#include "core/buf.h"
#include "core/version.h"
#include "report/chart.h"
#include "report/fleetout.h"
#include "report/summary.h"

static int cmd_fleet(int argc, char **argv);

const struct cmd_entry cmd_fleet_entry = {
	.name = "fleet",
	.exec = cmd_fleet,
	.usage = "fleet [--db FILE] --by KEY [--before V --after V] [--json] [-o DIR] [--min-bytes N] [--min-percent P]",
	.summary = "cohorts of many snapshots compared",
	.help =
	"Groups every snapshot in the database by a label or manifest key (version,\n"
	"namespace, node, ...) and compares two cohorts: per role, the median Rss\n"
	"change against the median change of what the Go runtime reports, with a\n"
	"bootstrap band so a few noisy pods make no finding. Without --before and\n"
	"--after, the first and last cohorts in version order are compared.\n"
	"\n"
	"  --by KEY          the label or manifest key to group by\n"
	"  --before V        the before cohort: the snapshots whose KEY is V\n"
	"  --after V         the after cohort (--before and --after go together)\n"
	"  --json            the rssgap-fleet/1 object (docs/json.md)\n"
	"  -o DIR            also write DIR/fleet.png, DIR/fleet.svg and DIR/summary.md\n"
	"  --min-bytes N     a finding needs at least N unexplained (default 8MiB)\n"
	"  --min-percent P   ... and P% of the before cohort's median Rss (default 5)\n"
	"\n"
	"Roles are compared per credit, as in 'rssgap diff --help': the runtime's\n"
	"metadata goes to anon+go-runtime together when Go does not name its mappings.\n"
	"A snapshot without Go runtime numbers adds no runtime view; a cohort with none\n"
	"leaves the whole change unexplained (median_runtime_delta null).\n",
};

static int
cmd_fleet(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "by", required_argument, NULL, OPT_BY },
		{ "before", required_argument, NULL, OPT_BEFORE },
		{ "after", required_argument, NULL, OPT_AFTER },
		{ "min-bytes", required_argument, NULL, OPT_MIN_BYTES },
		{ "min-percent", required_argument, NULL, OPT_MIN_PERCENT },
		{ NULL, 0, NULL, 0 },
	};
	const char *by = NULL, *before = NULL, *after = NULL, *dir = NULL;
	struct fleet_result *r = NULL;
	struct fleet_opts fo;
	struct diff_opts o;
	struct buf out = BUF_INIT, path = BUF_INIT, cmdline = BUF_INIT;
	struct diag d;
	struct cmd c;
	int opt, as_json = 0, rc;

	cmd_init(&c, "fleet");
	diff_opts_default(&o);
	while ((opt = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			return cmd_help(&cmd_fleet_entry);
		case 'o':
			dir = optarg;
			continue;
		case OPT_JSON:
			as_json = 1;
			continue;
		case OPT_BY:
			by = optarg;
			continue;
		case OPT_BEFORE:
			before = optarg;
			continue;
		case OPT_AFTER:
			after = optarg;
			continue;
		default:
			break;
		}
		if ((rc = cmd_other_option(&c, &o, opt, optarg, argv[optind - 1])) != 0)
			return rc;
	}
	if (by == NULL)
		return cmd_usage_error(&c, "--by KEY is required");
	if ((before == NULL) != (after == NULL))
		return cmd_usage_error(&c, "--before and --after go together");
	if (optind != argc)
		return cmd_usage_error(&c, "unexpected argument \"%s\"", argv[optind]);
	if (c.db_path == NULL)
		return cmd_usage_error(&c, "needs a database: --db FILE or RSSGAP_DB "
					   "(ingest the bundles first)");
	if (cmd_open(&c) != 0)
		return RSSGAP_EXIT_FAIL;
	rc = RSSGAP_EXIT_FAIL;
	fleet_opts_default(&fo);
	fo.min_bytes = o.min_bytes;
	fo.min_percent = o.min_percent;
	diag_clear(&d);
	r = fleet_compute(c.db, by, before, after, &fo, &d);
	if (r == NULL) {
		cmd_print_diag(&d);
		goto out;
	}
	if (as_json)
		fleetout_json(&out, r);
	else
		fleetout_text(&out, r);
	if (dir != NULL) {
		char *words[12];
		int n = 0;

		if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
			cmd_error("%s: cannot create directory: %s", dir, strerror(errno));
			goto out;
		}
		words[n++] = "rssgap";
		words[n++] = "fleet";
		words[n++] = "--db";
		words[n++] = (char *)c.db_path;
		words[n++] = "--by";
		words[n++] = (char *)by;
		words[n++] = "--before";
		words[n++] = r->cohorts[r->before].value;
		words[n++] = "--after";
		words[n++] = r->cohorts[r->after].value;
		summary_shell_words(&cmdline, n, words);
		buf_reset(&path);
		buf_printf(&path, "%s/summary.md", dir);
		{
			struct buf md = BUF_INIT;

			fleetout_markdown(&md, r, buf_str(&cmdline));
			rc = cmd_write_file(buf_str(&path), &md);
			buf_release(&md);
			if (rc != 0) {
				rc = RSSGAP_EXIT_FAIL;
				goto out;
			}
		}
		{
			struct chart_opts co;
			struct buf png = BUF_INIT, svg = BUF_INIT;

			chart_opts_default(&co);
			co.version = RSSGAP_VERSION;
			co.max_points = c.lim.chart_points;
			buf_printf(&png, "%s/fleet.png", dir);
			buf_printf(&svg, "%s/fleet.svg", dir);
			rc = chart_write_fleet(r, &co, buf_str(&png), buf_str(&svg), &d);
			buf_release(&png);
			buf_release(&svg);
			if (rc != 0) {
				cmd_print_diag(&d);
				rc = RSSGAP_EXIT_FAIL;
				goto out;
			}
		}
	}
	fputs(buf_str(&out), stdout);
	rc = RSSGAP_EXIT_OK;
out:
	fleet_result_free(r);
	buf_release(&out);
	buf_release(&path);
	buf_release(&cmdline);
	cmd_release(&c);
	return cmd_finish_output(rc);
}
