/* rssgap report: a one-page PNG/SVG report and summary.md for an incident ticket. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyze/attribute.h"
#include "analyze/topvma.h"
#include "cmd/commands.h"
#include "cmd/common.h"
#include "core/buf.h"
#include "core/version.h"
#include "core/xalloc.h"
#include "report/chart.h"
#include "report/summary.h"

static int cmd_report(int argc, char **argv);

#define TOP_MAX 100000

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.exec = cmd_report,
	.usage = "report [--db FILE] BEFORE [AFTER] -o DIR [--format png,svg] [--min-bytes N] [--min-percent P]"
		 " [--top N]",
	.summary = "one-page PNG/SVG report and summary.md",
	.help =
	"Writes DIR/report.png and DIR/report.svg (one page: the verdict, the three\n"
	"layers before and after, per-role Rss change against what the runtime saw,\n"
	"the top aligned regions, the heap profile's allocation sites) and\n"
	"DIR/summary.md (ready to paste into a ticket,\n"
	"with the command that reproduces it). With one snapshot: the same page\n"
	"without the comparison.\n"
	"\n"
	"  -o DIR            where to write (created if missing)\n"
	"  --format LIST     png, svg or png,svg (default png,svg); summary.md always\n"
	"  --min-bytes N     a finding needs at least N unexplained (default 8MiB)\n"
	"  --min-percent P   ... and P% of the before Rss (default 5)\n"
	"  --top N           how many regions the diff page and summary.md name (default\n"
	"                    10) and allocation sites (default 5, at most 5 on the page),\n"
	"                    or with one snapshot how many VMAs (default: as many as\n"
	"                    fit; at most half of --limit chart_points)\n"
	"\n"
	"The roles, evidence and pairing words are those of 'rssgap diff --help'.\n",
};

/* mkdir -p */
static int
make_dirs(const char *path)
{
	char *p = xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, 0777) != 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* The chart's and summary's records of the top VMAs, their strings lent from l; NULL when none. */
static struct chart_vma *
chart_vmas(const struct topvma_list *l)
{
	struct chart_vma *v;
	size_t i;

	if (l->n == 0)
		return NULL;
	v = xcalloc(l->n, sizeof(*v));
	for (i = 0; i < l->n; i++) {
		snprintf(v[i].range, sizeof(v[i].range), "%s", l->v[i].range);
		v[i].role = l->v[i].role;
		v[i].path = l->v[i].path;
		v[i].size = l->v[i].size;
		v[i].rss = l->v[i].rss;
	}
	return v;
}

/* The reproducing command: rssgap diff|show with the user's own selectors. */
static void
command_line(struct buf *out, const struct cmd *c, const char *verb, char **sel, int nsel,
	     const struct diff_opts *o, int top)
{
	struct diff_opts def;
	char *words[16], num[64], pct[64], topn[32];
	int n = 0, i;

	diff_opts_default(&def);
	words[n++] = "rssgap";
	words[n++] = (char *)verb;
	if (c->db_path != NULL) {
		words[n++] = "--db";
		words[n++] = (char *)c->db_path;
	}
	for (i = 0; i < nsel; i++)
		words[n++] = sel[i];
	if (o != NULL && o->min_bytes != def.min_bytes) {
		snprintf(num, sizeof(num), "%" PRId64, o->min_bytes);
		words[n++] = "--min-bytes";
		words[n++] = num;
	}
	if (o != NULL && o->min_percent != def.min_percent) {
		snprintf(pct, sizeof(pct), "%g", o->min_percent);
		words[n++] = "--min-percent";
		words[n++] = pct;
	}
	if (top > 0) {
		snprintf(topn, sizeof(topn), "%d", top);
		words[n++] = "--top";
		words[n++] = topn;
	}
	summary_shell_words(out, n, words);
}

static int
cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "min-bytes", required_argument, NULL, OPT_MIN_BYTES },
		{ "min-percent", required_argument, NULL, OPT_MIN_PERCENT },
		{ "top", required_argument, NULL, OPT_TOP },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *formats = "png,svg";
	struct diff_result *r = NULL;
	struct snapshot_info *s = NULL;
	struct chart_opts co;
	struct diff_opts o;
	struct buf md = BUF_INIT, cmdline = BUF_INIT, png = BUF_INIT, svg = BUF_INIT;
	struct topvma_list vma_list = TOPVMA_LIST_INIT;
	struct chart_vma *vmas = NULL;
	struct diag d;
	struct cmd c;
	int opt, rc, want_png, want_svg, top = 0;
	int64_t before, after;

	cmd_init(&c, "report");
	diff_opts_default(&o);
	while ((opt = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (opt == 'h') {
			return cmd_help(&cmd_report_entry);
		}
		if (opt == 'o') {
			dir = optarg;
			continue;
		}
		if (opt == OPT_FORMAT) {
			formats = optarg;
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
	want_png = strstr(formats, "png") != NULL;
	want_svg = strstr(formats, "svg") != NULL;
	if (strspn(formats, "pngsv,") != strlen(formats) || (!want_png && !want_svg))
		return cmd_usage_error(&c, "bad --format \"%s\" (expected png, svg or png,svg)", formats);
	if (dir == NULL)
		return cmd_usage_error(&c, "no output directory (-o DIR)");
	if (argc - optind < 1 || argc - optind > 2)
		return cmd_usage_error(&c, "expected BEFORE [AFTER]");
	/* the chart refuses more than chart_points in all: half for the VMAs of one snapshot */
	if (argc - optind == 1 && top > (int)(c.lim.chart_points / 2))
		return cmd_usage_error(&c, "bad --top \"%d\" (expected 1 to %" PRIu64
				       ", half of --limit chart_points)", top,
				       (uint64_t)(c.lim.chart_points / 2));
	if (top > 0)
		o.max_regions = o.max_sites = top;
	if (make_dirs(dir) != 0) {
		cmd_error("%s: cannot create directory: %s", dir, strerror(errno));
		return RSSGAP_EXIT_FAIL;
	}
	if (cmd_open_selectors(&c, argv + optind, argc - optind) != 0)
		return RSSGAP_EXIT_FAIL;
	rc = RSSGAP_EXIT_FAIL;
	diag_clear(&d);
	chart_opts_default(&co);
	co.max_points = c.lim.chart_points;
	co.version = RSSGAP_VERSION;
	buf_printf(&png, "%s/report.png", dir);
	buf_printf(&svg, "%s/report.svg", dir);
	if (cmd_resolve(&c, argv[optind], &before) != 0)
		goto out;
	if (argc - optind == 2) {
		if (cmd_resolve(&c, argv[optind + 1], &after) != 0)
			goto out;
		r = diff_compute(c.db, before, after, &o, &d);
		if (r == NULL)
			goto fail;
		if (chart_write_diff(r, &co, want_png ? buf_str(&png) : NULL,
				     want_svg ? buf_str(&svg) : NULL, &d) != 0)
			goto fail;
		command_line(&cmdline, &c, "diff", argv + optind, 2, &o, top);
		summary_diff(&md, r, buf_str(&cmdline));
	} else {
		s = snapshot_info_load(c.db, before, &d);
		if (s == NULL)
			goto fail;
		if (topvma_list_load(c.db, before, top > 0 ? (size_t)top : c.lim.chart_points / 2,
				      TOPVMA_SORT_RSS, &vma_list, &d) != 0)
			goto fail;
		vmas = chart_vmas(&vma_list);
		if (chart_write_single(s, vmas, vma_list.n, &co, want_png ? buf_str(&png) : NULL,
				       want_svg ? buf_str(&svg) : NULL, &d) != 0)
			goto fail;
		command_line(&cmdline, &c, "show", argv + optind, 1, NULL, top);
		summary_single(&md, s, vmas, vma_list.n < 12 ? vma_list.n : 12, buf_str(&cmdline));
	}
	buf_reset(&cmdline);
	buf_printf(&cmdline, "%s/summary.md", dir);
	if (cmd_write_file(buf_str(&cmdline), &md) != 0)
		goto out;
	if (want_png)
		printf("%s\n", buf_str(&png));
	if (want_svg)
		printf("%s\n", buf_str(&svg));
	printf("%s\n", buf_str(&cmdline));
	rc = RSSGAP_EXIT_OK;
	goto out;
fail:
	cmd_print_diag(&d);
out:
	free(vmas);
	topvma_list_release(&vma_list);
	diff_result_free(r);
	snapshot_info_free(s);
	buf_release(&md);
	buf_release(&cmdline);
	buf_release(&png);
	buf_release(&svg);
	cmd_release(&c);
	return cmd_finish_output(rc);
}
