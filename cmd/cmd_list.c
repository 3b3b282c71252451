/* rssgap list: the snapshots in the database with labels and headline numbers. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/snapshot.h"
#include "cmd/commands.h"
#include "cmd/common.h"
#include "core/buf.h"
#include "core/xalloc.h"
#include "report/listout.h"

static int cmd_list(int argc, char **argv);

const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.exec = cmd_list,
	.usage = "list [--db FILE] [KEY=VALUE[,KEY=VALUE]] [--json | --csv]",
	.summary = "snapshots with their labels and headline numbers",
	.help =
	"One line per snapshot: id, capture time, host or pod, pid, labels, Rss and\n"
	"the runtime's estimate (Sys - HeapReleased). A selector keeps the snapshots\n"
	"whose manifest keys or labels match.\n"
	"\n"
	"  --json     an array of objects, one per snapshot (docs/json.md)\n"
	"  --csv      CSV on stdout (RFC 4180, CRLF): snapshot, captured_at, pid, host,\n"
	"             pod, rss, pss, go_estimate, labels (\"k=v,k=v\"); unknown is an\n"
	"             empty field; a cell a spreadsheet would run as a formula gets a\n"
	"             leading ' (as export --csv)\n",
};

struct list_ctx {
	int64_t *ids;
	size_t n, cap;
};

static int
collect_id(void *ctx, const struct db_snapshot_row *row)
{
	struct list_ctx *l = ctx;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->ids = xreallocarray(l->ids, l->cap, sizeof(*l->ids));
	}
	l->ids[l->n++] = row->id;
	return 0;
}

static int
cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ NULL, 0, NULL, 0 },
	};
	struct list_ctx l = { NULL, 0, 0 };
	struct buf out = BUF_INIT;
	struct listout lo;
	struct diag d;
	struct cmd c;
	enum listout_format format = LISTOUT_TEXT;
	int opt, as_json = 0, as_csv = 0, rc = RSSGAP_EXIT_FAIL;
	size_t i;

	cmd_init(&c, "list");
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			return cmd_help(&cmd_list_entry);
		}
		if (opt == OPT_JSON) {
			as_json = 1;
			continue;
		}
		if (opt == OPT_CSV) {
			as_csv = 1;
			continue;
		}
		if ((rc = cmd_other_option(&c, NULL, opt, optarg, argv[optind - 1])) != 0)
			return rc;
	}
	if (argc - optind > 1)
		return cmd_usage_error(&c, "at most one selector");
	if (as_json && as_csv)
		return cmd_usage_error(&c, "--json or --csv, not both");
	format = as_json ? LISTOUT_JSON : as_csv ? LISTOUT_CSV : LISTOUT_TEXT;
	if (c.db_path == NULL)
		return cmd_usage_error(&c, "needs a database: --db FILE or RSSGAP_DB "
					   "(ingest the bundles first)");
	if (cmd_open(&c) != 0)
		return RSSGAP_EXIT_FAIL;
	diag_clear(&d);
	if (optind < argc) {
		char *spec = xstrdup(argv[optind]), *keys[16], *values[16], *save = NULL, *tok;
		int64_t *ids = NULL, count = 0;
		int n = 0;

		for (tok = strtok_r(spec, ",", &save); tok != NULL && n < 16;
		     tok = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(tok, '=');

			if (eq == NULL) {
				free(spec);
				cmd_release(&c);
				return cmd_usage_error(&c, "bad selector (expected key=value[,key=value])");
			}
			*eq = '\0';
			keys[n] = tok;
			values[n++] = eq + 1;
		}
		if (db_select_ids(c.db, (const char *const *)keys, (const char *const *)values, n,
				  &ids, &count, &d) != 0) {
			free(spec);
			goto out;
		}
		l.ids = ids;
		l.n = (size_t)count;
		free(spec);
	} else if (db_snapshots_each(c.db, collect_id, &l, &d) != 0) {
		goto out;
	}
	listout_begin(&lo, &out, format);
	for (i = 0; i < l.n; i++) {
		struct snapshot_info *s = snapshot_info_load(c.db, l.ids[i], &d);

		if (s == NULL)
			goto out;
		listout_row(&lo, s);
		snapshot_info_free(s);
	}
	listout_end(&lo);
	fputs(buf_str(&out), stdout);
	rc = RSSGAP_EXIT_OK;
out:
	if (rc != RSSGAP_EXIT_OK)
		cmd_print_diag(&d);
	buf_release(&out);
	free(l.ids);
	cmd_release(&c);
	return cmd_finish_output(rc);
}
