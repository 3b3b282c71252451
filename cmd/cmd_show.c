/* rssgap show: one snapshot's three layers, roles, Go memory classes and top VMAs. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "analyze/notes.h"
#include "analyze/rolemem.h"
#include "analyze/sites.h"
#include "analyze/snapshot.h"
#include "analyze/topvma.h"
#include "cmd/commands.h"
#include "cmd/common.h"
#include "cmd/explain.h"
#include "core/buf.h"
#include "core/num.h"
#include "report/showout.h"

static int cmd_show(int argc, char **argv);

const struct cmd_entry cmd_show_entry = {
	.name = "show",
	.exec = cmd_show,
	.usage = "show [--db FILE] SNAPSHOT|--pid N [--json | --csv] [--top N] [--sort COLUMN] [--explain]",
	.summary = "one snapshot: three layers, roles, top VMAs",
	.help =
	"One snapshot: Rss against what the Go runtime says it holds (Sys -\n"
	"HeapReleased), per-role Size/Rss/PSS/USS/Anonymous/LazyFree/Swap (USS:\n"
	"Private_Clean + Private_Dirty, as smem counts it), the Go memory classes,\n"
	"the VMAs with the most Rss, and the heap profile's top allocation sites\n"
	"(inuse_space, objects and objects over 32 KiB each; as of the last GC).\n"
	"SNAPSHOT is a bundle file, an id or key=value[,key=value]; also /proc/PID\n"
	"(a live process) or a bare smaps, smaps_rollup or pprof heap profile file.\n"
	"\n"
	"  --pid N       the live process N, read from /proc/N now (as /proc/N)\n"
	"  --top N       how many VMAs and allocation sites to list (default 10)\n"
	"  --sort COLUMN order the roles and pick and order the top VMAs by rss (the\n"
	"                default), pss, uss, size, swap, anon or lazyfree (largest\n"
	"                first, unknown last) or name (a role's name, a VMA's path)\n"
	"  --json        the rssgap-show/1 object (docs/json.md)\n"
	"  --csv         the roles and the top VMAs as one CSV table on stdout (RFC\n"
	"                4180, CRLF): kind (role or vma), role, range, perms, path,\n"
	"                vmas, size, rss, pss, uss, anonymous, lazyfree, swap; unknown\n"
	"                is an empty field; a formula-like cell gets a leading '\n"
	"  --explain     instead: every VMA with the text the rules match and the rule\n"
	"                that gives its role (file:line), under the rules in effect now\n"
	"                (with --rules FILE: try a rules file on a stored snapshot)\n",
};

#define TOP_MAX 100000

/* show's own options, past the shared ones of cmd/common.h */
enum { OPT_SORT = 1100 };

static int
cmd_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "explain", no_argument, NULL, OPT_EXPLAIN },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "pid", required_argument, NULL, OPT_PID },
		{ NULL, 0, NULL, 0 },
	};
	struct snapshot_info *s = NULL;
	struct topvma_list top_vmas = TOPVMA_LIST_INIT;
	struct rolemem_list roles = ROLEMEM_LIST_INIT;
	struct notes notes = NOTES_INIT;
	struct site_diff *sites = NULL;
	struct buf out = BUF_INIT;
	struct diag d;
	struct cmd c;
	const char *live = NULL;
	int opt, as_json = 0, as_csv = 0, explain = 0, top = 10, rc = RSSGAP_EXIT_FAIL;
	enum topvma_sort sort = TOPVMA_SORT_RSS;
	int64_t id;

	cmd_init(&c, "show");
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			return cmd_help(&cmd_show_entry);
		}
		if (opt == OPT_JSON) {
			as_json = 1;
			continue;
		}
		if (opt == OPT_CSV) {
			as_csv = 1;
			continue;
		}
		if (opt == OPT_EXPLAIN) {
			explain = 1;
			continue;
		}
		if (opt == OPT_SORT) {
			if (topvma_sort_parse(optarg, &sort) != 0)
				return cmd_usage_error(&c, "bad --sort \"%s\" (expected one of %s)",
						       optarg, topvma_sort_choices);
			continue;
		}
		if (opt == OPT_PID) {
			if ((live = cmd_pid_option(&c, optarg)) == NULL)
				return RSSGAP_EXIT_USAGE;
			continue;
		}
		if (opt == OPT_TOP) {
			if (cmd_parse_top(&c, optarg, TOP_MAX, &top) != 0)
				return RSSGAP_EXIT_USAGE;
			continue;
		}
		if ((rc = cmd_other_option(&c, NULL, opt, optarg, argv[optind - 1])) != 0)
			return rc;
	}
	if ((rc = cmd_one_snapshot(&c, argc, argv, &optind, live)) != 0)
		return rc;
	if (explain && (as_json || as_csv))
		return cmd_usage_error(&c, "--explain prints text: leave out --%s",
				       as_json ? "json" : "csv");
	if (as_json && as_csv)
		return cmd_usage_error(&c, "--json or --csv, not both");
	if (cmd_open_selectors(&c, argv + optind, 1) != 0)
		return RSSGAP_EXIT_FAIL;
	rc = RSSGAP_EXIT_FAIL;
	diag_clear(&d);
	if (cmd_resolve(&c, argv[optind], &id) != 0)
		goto out;
	if ((s = snapshot_info_load(c.db, id, &d)) == NULL)
		goto fail;
	if (explain)
		explain_snapshot(c.db, id, c.rules, &out, &d);
	else if (topvma_list_load(c.db, id, (size_t)top, sort, &top_vmas, &d) != 0 ||
		 rolemem_load(c.db, s, &roles, &d) != 0 ||
		 (!as_csv && (sites = site_one_load(c.db, id, &d)) == NULL))
		goto fail;
	else {
		if (sort != TOPVMA_SORT_RSS)	/* else the store's order: by Rss */
			rolemem_sort(&roles, sort);
		if (as_json)
			showout_json(&out, s, &roles, &top_vmas, sort, sites, top);
		else if (as_csv)
			showout_csv(&out, &roles, &top_vmas);
		else if (notes_load(c.db, id, &notes, &d) == 0)
			showout_text(&out, s, &roles, &top_vmas, top, sort, sites, &notes);
	}
	if (d.kind != DIAG_NONE)
		goto fail;
	fputs(buf_str(&out), stdout);
	rc = RSSGAP_EXIT_OK;
	goto out;
fail:
	cmd_print_diag(&d);
out:
	topvma_list_release(&top_vmas);
	rolemem_list_release(&roles);
	site_diff_free(sites);
	notes_release(&notes);
	snapshot_info_free(s);
	buf_release(&out);
	cmd_release(&c);
	return cmd_finish_output(rc);
}
