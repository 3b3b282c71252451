/* rssgap show: one snapshot's three layers, roles, Go memory classes and top VMAs. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/snapshot.h"
#include "cmd/commands.h"
#include "cmd/common.h"
#include "cmd/explain.h"
#include "core/buf.h"
#include "core/escape.h"
#include "core/num.h"
#include "ingest/smaps.h"
#include "report/cgroupout.h"
#include "report/json.h"
#include "report/text.h"

static int cmd_show(int argc, char **argv);

const struct cmd_entry cmd_show_entry = {
	.name = "show",
	.exec = cmd_show,
	.usage = "show [--db FILE] SNAPSHOT [--json] [--top N] [--explain]",
	.summary = "one snapshot: three layers, roles, top VMAs",
	.help =
	"One snapshot: Rss against what the Go runtime says it holds (Sys -\n"
	"HeapReleased), per-role Size/Rss/Anonymous/LazyFree/Swap, the Go memory\n"
	"classes, and the VMAs with the most Rss. SNAPSHOT is a bundle file, an id\n"
	"or key=value[,key=value].\n"
	"\n"
	"  --top N       how many VMAs to list (default 10)\n"
	"  --json        the rssgap-show/1 object (docs/json.md)\n"
	"  --explain     instead: every VMA with the text the rules match and the rule\n"
	"                that gives its role (file:line), under the rules in effect now\n"
	"                (with --rules FILE: try a rules file on a stored snapshot)\n",
};

#define TOP_MAX 100000

struct show_ctx {
	struct buf *out;
	struct json *j;
	int n;
};

static int
text_vma(void *ctx, const struct db_vma_row *v)
{
	struct show_ctx *s = ctx;
	struct buf cell = BUF_INIT;

	buf_printf(s->out, "  %012" PRIx64 "-%012" PRIx64 " %s %-12s ", v->start, v->end, v->perms,
		   v->role);
	num_bytes_or_dash(&cell, v->field[SMAPS_SIZE]);
	buf_printf(s->out, "%11s ", buf_str(&cell));
	buf_reset(&cell);
	num_bytes_or_dash(&cell, v->field[SMAPS_RSS]);
	buf_printf(s->out, "%11s  ", buf_str(&cell));
	escape_term(s->out, v->path, strlen(v->path));
	buf_putc(s->out, '\n');
	buf_release(&cell);
	return 0;
}

static int
json_vma(void *ctx, const struct db_vma_row *v)
{
	struct show_ctx *s = ctx;
	char range[64];

	snprintf(range, sizeof(range), "%" PRIx64 "-%" PRIx64, v->start, v->end);
	json_object(s->j, NULL);
	json_str(s->j, "range", range);
	json_str(s->j, "perms", v->perms);
	json_str(s->j, "path", v->path);
	json_str(s->j, "role", v->role);
	json_int_or_null(s->j, "size", v->field[SMAPS_SIZE] >= 0, v->field[SMAPS_SIZE]);
	json_int_or_null(s->j, "rss", v->field[SMAPS_RSS] >= 0, v->field[SMAPS_RSS]);
	json_int_or_null(s->j, "anonymous", v->field[SMAPS_ANONYMOUS] >= 0,
			 v->field[SMAPS_ANONYMOUS]);
	json_int_or_null(s->j, "lazyfree", v->field[SMAPS_LAZYFREE] >= 0, v->field[SMAPS_LAZYFREE]);
	json_int_or_null(s->j, "swap", v->field[SMAPS_SWAP] >= 0, v->field[SMAPS_SWAP]);
	json_end(s->j, '}');
	return 0;
}

static int
text_note(void *ctx, const char *member, const char *message, int has_line, int64_t line,
	  const char *text)
{
	struct show_ctx *s = ctx;

	(void)text;
	buf_puts(s->out, "  ");
	escape_term(s->out, member, strlen(member));
	if (has_line)
		buf_printf(s->out, ":%" PRId64, line);
	buf_puts(s->out, ": ");
	escape_term(s->out, message, strlen(message));
	buf_putc(s->out, '\n');
	return 0;
}

static int
text_error(void *ctx, const char *group, const char *file, int has_value, int64_t value,
	   const char *reason)
{
	struct show_ctx *s = ctx;

	(void)group;
	(void)has_value;
	(void)value;
	buf_puts(s->out, "  capture could not read ");
	escape_term(s->out, file, strlen(file));
	buf_puts(s->out, ": ");
	escape_term(s->out, reason, strlen(reason));
	buf_putc(s->out, '\n');
	return 0;
}

static void
show_json(struct cmd *c, const struct snapshot_info *s, int top, struct buf *out, struct diag *d)
{
	struct json j;
	struct show_ctx ctx = { out, &j, 0 };
	struct go_classes g;
	int i;

	json_init(&j, out, 1);
	json_object(&j, NULL);
	json_str(&j, "format", "rssgap-show/1");
	json_int(&j, "snapshot", s->id);
	json_str(&j, "captured_at", s->captured_at);
	json_int(&j, "pid", s->pid);
	json_str(&j, "host", s->host);
	json_str(&j, "pod", s->pod);
	json_object(&j, "labels");
	for (i = 0; i < s->nlabels; i++)
		json_str(&j, s->label_keys[i], s->label_values[i]);
	json_end(&j, '}');
	json_int_or_null(&j, "rss", s->rss_known, s->rss);
	json_int_or_null(&j, "pss", s->rss_known, s->pss);
	json_int(&j, "size", s->size);
	json_int_or_null(&j, "go_estimate", s->go_estimate.known, s->go_estimate.v);
	json_int_or_null(&j, "heap_inuse", s->rt[RT_HEAP_INUSE].known, s->rt[RT_HEAP_INUSE].v);
	json_int_or_null(&j, "heap_released", s->rt[RT_HEAP_RELEASED].known,
			 s->rt[RT_HEAP_RELEASED].v);
	json_int_or_null(&j, "pprof_inuse", s->pprof_inuse.known, s->pprof_inuse.v);
	json_bool(&j, "runtime_known", snapshot_has_runtime(s));
	json_str(&j, "runtime_missing", snapshot_has_runtime(s) ? NULL : s->runtime_missing);
	json_int(&j, "go_named_vmas", s->go_named);
	json_int_or_null(&j, "non_go", s->rss_known && s->go_estimate.known,
			 s->rss - s->go_estimate.v);
	cgroup_json(&j, s);
	json_array(&j, "roles");
	for (i = 0; i < s->nroles; i++) {
		const struct role_info *r = &s->roles[i];

		json_object(&j, NULL);
		json_str(&j, "role", r->role);
		json_int(&j, "vmas", r->vmas);
		json_int(&j, "size", r->size);
		json_int_or_null(&j, "rss", r->rss >= 0, r->rss);
		json_int_or_null(&j, "anonymous", r->anonymous >= 0, r->anonymous);
		json_int_or_null(&j, "lazyfree", r->lazyfree >= 0, r->lazyfree);
		json_int_or_null(&j, "swap", r->swap >= 0, r->swap);
		json_end(&j, '}');
	}
	json_end(&j, ']');
	json_object(&j, "runtime");
	for (i = 0; i < RT_NFIELDS; i++)
		if (s->rt[i].known)
			json_int(&j, rt_field_name(i), s->rt[i].v);
	json_end(&j, '}');
	if (go_classes_from(s, &g)) {
		json_object(&j, "go_classes");
		for (i = 0; i < GO_CLASS_COUNT; i++)
			json_int(&j, go_class_name(i), g.bytes[i]);
		json_end(&j, '}');
	}
	json_array(&j, "top_vmas");
	db_vmas_top(c->db, s->id, top, json_vma, &ctx, d);
	json_end(&j, ']');
	json_end(&j, '}');
	buf_putc(out, '\n');
}

static void
show_text(struct cmd *c, const struct snapshot_info *s, int top, struct buf *out, struct diag *d)
{
	struct show_ctx ctx = { out, NULL, 0 };

	text_snapshot_header(out, s);
	buf_putc(out, '\n');
	text_layers(out, s);
	buf_putc(out, '\n');
	text_roles(out, s);
	buf_putc(out, '\n');
	if (text_go_classes(out, s))
		buf_putc(out, '\n');
	if (snapshot_has_runtime(s)) {
		text_credits(out, s);
		buf_putc(out, '\n');
	}
	buf_printf(out, "Top %d VMAs by Rss\n", top);
	db_vmas_top(c->db, s->id, top, text_vma, &ctx, d);
	buf_puts(out, "\nNotes\n");
	db_note_each(c->db, s->id, text_note, &ctx, d);
	db_kv_each(c->db, DB_KV_ERRORS, s->id, text_error, &ctx, d);
}

static int
cmd_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "explain", no_argument, NULL, OPT_EXPLAIN },
		{ NULL, 0, NULL, 0 },
	};
	struct snapshot_info *s = NULL;
	struct buf out = BUF_INIT;
	struct diag d;
	struct cmd c;
	int opt, as_json = 0, explain = 0, top = 10, rc = RSSGAP_EXIT_FAIL;
	uint64_t n;
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
		if (opt == OPT_EXPLAIN) {
			explain = 1;
			continue;
		}
		if (opt == OPT_TOP) {
			if (num_parse_u64(optarg, strlen(optarg), &n) != 0 || n < 1 || n > TOP_MAX)
				return cmd_usage_error(&c, "bad --top \"%s\" (expected 1 to %d)", optarg,
						       TOP_MAX);
			top = (int)n;
			continue;
		}
		if ((rc = cmd_other_option(&c, NULL, opt, optarg, argv[optind - 1])) != 0)
			return rc;
	}
	if (argc - optind != 1)
		return cmd_usage_error(&c, "expected one SNAPSHOT");
	if (explain && as_json)
		return cmd_usage_error(&c, "--explain prints text: leave out --json");
	if (cmd_open_selectors(&c, argv + optind, 1) != 0)
		return RSSGAP_EXIT_FAIL;
	rc = RSSGAP_EXIT_FAIL;
	diag_clear(&d);
	if (cmd_resolve(&c, argv[optind], &id) != 0)
		goto out;
	s = snapshot_info_load(c.db, id, &d);
	if (s == NULL) {
		cmd_print_diag(&d);
		goto out;
	}
	if (explain)
		explain_snapshot(c.db, id, c.rules, &out, &d);
	else if (as_json)
		show_json(&c, s, top, &out, &d);
	else
		show_text(&c, s, top, &out, &d);
	if (d.kind != DIAG_NONE) {
		cmd_print_diag(&d);
		goto out;
	}
	fputs(buf_str(&out), stdout);
	rc = RSSGAP_EXIT_OK;
out:
	snapshot_info_free(s);
	buf_release(&out);
	cmd_release(&c);
	return cmd_finish_output(rc);
}
