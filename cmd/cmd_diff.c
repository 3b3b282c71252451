/* rssgap diff: where Rss grew between two snapshots that the runtime cannot see. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "analyze/attribute.h"
#include "cmd/commands.h"
#include "cmd/common.h"
#include "core/buf.h"
#include "report/diffout.h"

static int cmd_diff(int argc, char **argv);

#define TOP_MAX 100000

const struct cmd_entry cmd_diff_entry = {
	.name = "diff",
	.exec = cmd_diff,
	.usage = "diff [--db FILE] BEFORE AFTER [--json] [--check] [--min-bytes N] [--min-percent P]"
		 " [--top N]",
	.summary = "where Rss grew between two snapshots that the runtime cannot see",
	.help =
	"Aligns the memory regions of two snapshots (different builds, ASLR, renamed\n"
	"binaries, split regions), compares each role's Rss change with what the Go\n"
	"runtime says it holds, and names the regions where Rss grew without a\n"
	"runtime-visible change. BEFORE and AFTER are bundle files, ids or key=value;\n"
	"also /proc/PID (a live process, read now: diff a capture against the process\n"
	"as it is) or a bare smaps, smaps_rollup or pprof heap profile file (what it\n"
	"lacks is said, and is unknown, never 0).\n"
	"\n"
	"  --json            the rssgap-diff/1 object (docs/json.md)\n"
	"  --check           exit 3 when the verdict is unexplained-growth (for CI)\n"
	"  --min-bytes N     a finding needs at least N unexplained (default 8MiB; a size:\n"
	"                    8MiB, 512KiB, 1G, bytes)\n"
	"  --min-percent P   ... and P% of the before Rss (default 5; \"5%\" too)\n"
	"  --top N           how many regions to list under each finding, largest Rss\n"
	"                    growth first (default 10), and allocation sites per list\n"
	"                    (default 5); every role is always listed\n"
	"\n"
	"RUNTIME SAW is what the Go runtime's own numbers say a role holds changed by:\n"
	"go-heap gets HeapSys - HeapReleased + StackInuse, the runtime's metadata goes\n"
	"where its pages are (go-runtime when Go names its mappings [anon: Go: ...],\n"
	"else the unnamed anonymous memory: anon and go-runtime credited together, one\n"
	"row \"anon+go-runtime\" with its roles below marked \"(together)\"), other roles\n"
	"0. \"unknown\" (JSON null): a bundle has no runtime numbers; then the whole Rss\n"
	"change is unexplained. UNEXPLAINED = RSS CHANGE - RUNTIME SAW.\n"
	"\n"
	"Evidence of a finding:\n"
	"  resident-fraction  Rss/Size of the role rose by more than 5 points: pages of\n"
	"                     mappings it already had became resident\n"
	"  size-grew          its mappings' Size grew by more than 10% and by at least\n"
	"                     half the Rss growth: the mapping itself grew\n"
	"  region-appeared    a region that exists only after holds a quarter of the growth\n"
	"  lazyfree           LazyFree grew (1 MiB and a tenth of the growth): pages freed\n"
	"                     with MADV_FREE, still resident until the kernel reclaims them\n"
	"  anon-huge-pages    AnonHugePages changed by a tenth of the growth: transparent\n"
	"                     huge pages (2 MiB pages: one write makes 2 MiB resident)\n"
	"  swap               Swap changed by 1 MiB or more (swapped pages are not in Rss)\n"
	"\n"
	"How each region was paired, in brackets after it:\n"
	"  [file identity]    the same file (basename, version digits aside), perms, rank\n"
	"  [executable]       the main executable, whatever its name or path\n"
	"  [name]             the same name: [heap], [stack], [anon: ...]\n"
	"  [role order]       the same role, in address order (the Go heap's arenas)\n"
	"  [gap]              unnamed memory between two paired regions, by order and shape\n"
	"  [only before]      no partner: the region disappeared\n"
	"  [only after]       no partner: the region appeared\n"
	"\n"
	"non-Go = Rss - (Sys - HeapReleased). Negative is normal: the runtime counts pages\n"
	"it mapped but never touched; what matters is its growth. docs/attribution.md has\n"
	"the arithmetic.\n"
	"\n"
	"ALLOCATION SITES (when both snapshots have a heap profile): under a go-heap\n"
	"finding, the sites whose inuse_space changed most and the sites holding large\n"
	"objects (over 32 KiB each: count x size = in use, before and after); when\n"
	"go-heap grew explained, the sites that grew (what go tool pprof shows against\n"
	"the before profile as its diff base). A site is its first five frames, matched\n"
	"by function names. Each heap profile is as of its process's last completed GC;\n"
	"Rss is as of the capture.\n",
};

static int
cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "min-bytes", required_argument, NULL, OPT_MIN_BYTES },
		{ "min-percent", required_argument, NULL, OPT_MIN_PERCENT },
		{ "top", required_argument, NULL, OPT_TOP },
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
			return cmd_help(&cmd_diff_entry);
		}
		if (opt == OPT_JSON) {
			as_json = 1;
			continue;
		}
		if (opt == OPT_CHECK) {
			check = 1;
			continue;
		}
		if (opt == OPT_TOP) {
			if (cmd_parse_top(&c, optarg, TOP_MAX, &o.max_regions) != 0)
				return RSSGAP_EXIT_USAGE;
			o.max_sites = o.max_regions;
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
