/* rssgap diff: where Rss grew between two snapshots that the runtime cannot see. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "analyze/attribute.h"
#include "cmd/commands.h"
#include "cmd/common.h"
#include "core/buf.h"
#include "report/diffout.h"

static const char diff_usage[] =
	"usage: rssgap diff [--db FILE] BEFORE AFTER [--json] [--check]\n"
	"                   [--min-bytes N] [--min-percent P]\n"
	"\n"
	"Aligns the memory regions of two snapshots (different builds, ASLR, renamed\n"
	"binaries, split regions), compares each role's Rss change with what the Go\n"
	"runtime says it holds, and names the regions where Rss grew without a\n"
	"runtime-visible change. BEFORE and AFTER are bundle files, ids or key=value.\n"
	"\n"
	"  --json            the rssgap-diff/1 object (docs/json.md)\n"
	"  --check           exit 3 when the verdict is unexplained-growth (for CI)\n"
	"  --min-bytes N     a finding needs at least N unexplained (default 8MiB; a size:\n"
	"                    8MiB, 512KiB, 1G, bytes)\n"
	"  --min-percent P   ... and P% of the before Rss (default 5; \"5%\" too)\n";

int
cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "min-bytes", required_argument, NULL, OPT_MIN_BYTES },
		{ "min-percent", required_argument, NULL, OPT_MIN_PERCENT },
		{ NULL, 0, NULL, 0 },
	};
	struct diff_result *r = NULL;
	struct diff_opts o;
	struct buf out = BUF_INIT;
	struct diag d;
	struct cmd c;
	int opt, as_json = 0, check = 0, rc;
	int64_t before, after;

	cmd_init(&c, "diff");
	diff_opts_default(&o);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			return cmd_help(diff_usage);
		}
		if (opt == OPT_JSON) {
			as_json = 1;
			continue;
		}
		if (opt == OPT_CHECK) {
			check = 1;
			continue;
		}
		if ((rc = cmd_other_option(&c, &o, opt, optarg, argv[optind - 1])) != 0)
			return rc;
	}
	if (argc - optind != 2)
		return cmd_usage_error(&c, "expected BEFORE and AFTER");
	if (cmd_open_selectors(&c, argv + optind, 2) != 0)
		return RSSGAP_EXIT_FAIL;
	rc = RSSGAP_EXIT_FAIL;
	diag_clear(&d);
	if (cmd_resolve(&c, argv[optind], &before) != 0 ||
	    cmd_resolve(&c, argv[optind + 1], &after) != 0)
		goto out;
	r = diff_compute(c.db, before, after, &o, &d);
	if (r == NULL) {
		cmd_print_diag(&d);
		goto out;
	}
	if (as_json)
		diffout_json(&out, r);
	else
		diffout_text(&out, r);
	fputs(buf_str(&out), stdout);
	rc = check && r->verdict == VERDICT_UNEXPLAINED ? RSSGAP_EXIT_CHECK : RSSGAP_EXIT_OK;
out:
	diff_result_free(r);
	buf_release(&out);
	cmd_release(&c);
	return cmd_finish_output(rc);
}
