/* rssgap list: the snapshots in the database with labels and headline numbers. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/snapshot.h"
#include "cmd/commands.h"
#include "cmd/common.h"
#include "core/buf.h"
#include "core/escape.h"
#include "core/num.h"
#include "core/xalloc.h"
#include "report/json.h"

static int cmd_list(int argc, char **argv);

const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.exec = cmd_list,
	.usage = "list [--db FILE] [KEY=VALUE[,KEY=VALUE]] [--json]",
	.summary = "snapshots with their labels and headline numbers",
	.help =
	"One line per snapshot: id, capture time, host or pod, pid, labels, Rss and\n"
	"the runtime's estimate (Sys - HeapReleased). A selector keeps the snapshots\n"
	"whose manifest keys or labels match.\n"
	"\n"
	"  --json     an array of objects, one per snapshot (docs/json.md)\n",
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

static void
text_row(struct buf *out, const struct snapshot_info *s)
{
	const char *who = s->pod != NULL ? s->pod : s->host != NULL ? s->host : "-";
	struct buf cell = BUF_INIT;
	int i;

	buf_printf(out, "%-5" PRId64 " %-20s ", s->id, s->captured_at);
	escape_term(&cell, who, strlen(who));
	buf_printf(out, "%-24s %7" PRId64 " ", buf_str(&cell), s->pid);
	buf_reset(&cell);
	if (s->rss_known)
		num_human(&cell, (double)s->rss);
	else
		buf_puts(&cell, "unknown");
	buf_printf(out, "%11s ", buf_str(&cell));
	buf_reset(&cell);
	if (s->go_estimate.known)
		num_human(&cell, (double)s->go_estimate.v);
	else
		buf_puts(&cell, "-");
	buf_printf(out, "%11s  ", buf_str(&cell));
	for (i = 0; i < s->nlabels; i++) {
		if (i > 0)
			buf_putc(out, ',');
		escape_term(out, s->label_keys[i], strlen(s->label_keys[i]));
		buf_putc(out, '=');
		escape_term(out, s->label_values[i], strlen(s->label_values[i]));
	}
	buf_putc(out, '\n');
	buf_release(&cell);
}

static void
json_row(struct json *j, const struct snapshot_info *s)
{
	int i;

	json_object(j, NULL);
	json_int(j, "snapshot", s->id);
	json_str(j, "captured_at", s->captured_at);
	json_int(j, "pid", s->pid);
	json_str(j, "host", s->host);
	json_str(j, "pod", s->pod);
	json_object(j, "labels");
	for (i = 0; i < s->nlabels; i++)
		json_str(j, s->label_keys[i], s->label_values[i]);
	json_end(j, '}');
	json_int_or_null(j, "rss", s->rss_known, s->rss);
	json_int_or_null(j, "go_estimate", s->go_estimate.known, s->go_estimate.v);
	json_end(j, '}');
}

static int
cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	struct list_ctx l = { NULL, 0, 0 };
	struct buf out = BUF_INIT;
	struct json j;
	struct diag d;
	struct cmd c;
	int opt, as_json = 0, rc = RSSGAP_EXIT_FAIL;
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
		if ((rc = cmd_other_option(&c, NULL, opt, optarg, argv[optind - 1])) != 0)
			return rc;
	}
	if (argc - optind > 1)
		return cmd_usage_error(&c, "at most one selector");
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
	json_init(&j, &out, 1);
	if (as_json)
		json_array(&j, NULL);
	else
		buf_printf(&out, "%-5s %-20s %-24s %7s %11s %11s  %s\n", "ID", "CAPTURED", "POD/HOST",
			   "PID", "RSS", "GO_EST", "LABELS");
	for (i = 0; i < l.n; i++) {
		struct snapshot_info *s = snapshot_info_load(c.db, l.ids[i], &d);

		if (s == NULL)
			goto out;
		if (as_json)
			json_row(&j, s);
		else
			text_row(&out, s);
		snapshot_info_free(s);
	}
	if (as_json) {
		json_end(&j, ']');
		buf_putc(&out, '\n');
	}
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
