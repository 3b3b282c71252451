/* rssgap ingest: read bundles into the database, one transaction per snapshot. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "analyze/snapshot.h"
#include "cmd/commands.h"
#include "cmd/common.h"
#include "core/buf.h"
#include "core/escape.h"
#include "core/num.h"
#include "ingest/ingest.h"

static const char ingest_usage[] =
	"usage: rssgap ingest [--db FILE] [--rules FILE] [--limit NAME=N] [--quiet] BUNDLE...\n"
	"\n"
	"Reads each bundle (a .tar, .tar.gz/.zst/.xz/.bz2 or a directory) into the\n"
	"database: one line per snapshot on stdout, errors on stderr. A bad snapshot\n"
	"is rolled back whole and the others still go in (exit 1 at the end).\n"
	"Ingesting the same content again changes nothing.\n"
	"\n"
	"  --db FILE        the database (default $RSSGAP_DB; else in memory: only checks)\n"
	"  --rules FILE     role rules tried before the defaults (docs/roles.md)\n"
	"  --limit NAME=N   raise or lower a cap on hostile input (docs/limits.md)\n"
	"  --quiet          no line per snapshot\n";

struct ingest_run {
	struct cmd *c;
	const char *bundle;
	int new_snapshots, duplicates;
};

/* One line per snapshot: id, host/pod, pid, labels, Rss. */
static void
print_snapshot(struct ingest_run *r, const char *what, int64_t id)
{
	struct snapshot_info *info;
	struct buf line = BUF_INIT;
	struct diag d;
	int i;

	diag_clear(&d);
	info = snapshot_info_load(r->c->db, id, &d);
	if (info == NULL) {
		cmd_print_diag(&d);
		return;
	}
	buf_printf(&line, "%s snapshot %" PRId64 ": ", what, id);
	if (info->pod != NULL)
		escape_term(&line, info->pod, strlen(info->pod));
	else if (info->host != NULL)
		escape_term(&line, info->host, strlen(info->host));
	else
		buf_puts(&line, "-");
	buf_printf(&line, " pid %" PRId64, info->pid);
	if (info->comm != NULL) {
		buf_puts(&line, " (");
		escape_term(&line, info->comm, strlen(info->comm));
		buf_putc(&line, ')');
	}
	for (i = 0; i < info->nlabels; i++) {
		buf_putc(&line, i == 0 ? ' ' : ',');
		escape_term(&line, info->label_keys[i], strlen(info->label_keys[i]));
		buf_putc(&line, '=');
		escape_term(&line, info->label_values[i], strlen(info->label_values[i]));
	}
	buf_puts(&line, " rss ");
	if (info->rss_known)
		num_human(&line, (double)info->rss);
	else
		buf_puts(&line, "unknown (maps only)");
	buf_printf(&line, ", %" PRId64 " VMAs", info->vma_count);
	if (!r->c->quiet)
		printf("%s\n", buf_str(&line));
	buf_release(&line);
	snapshot_info_free(info);
}

static void
on_event(void *ctx, const struct ingest_event *ev)
{
	struct ingest_run *r = ctx;

	switch (ev->kind) {
	case INGEST_SNAPSHOT_NEW:
		r->new_snapshots++;
		print_snapshot(r, "ingested", ev->id);
		break;
	case INGEST_SNAPSHOT_DUPLICATE:
		r->duplicates++;
		print_snapshot(r, "already had", ev->id);
		break;
	case INGEST_SNAPSHOT_FAILED:
	case INGEST_MEMBER_ERROR:
	case INGEST_BUNDLE_FAILED:
		cmd_print_diag(ev->diag);
		break;
	}
}

int
cmd_ingest(int argc, char **argv)
{
	static const struct option longopts[] = { CMD_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	struct ingest_opts o;
	struct cmd c;
	int opt, i, failures = 0, rc;

	cmd_init(&c, "ingest");
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(ingest_usage, stdout);
			return cmd_finish_output(0);
		}
		rc = cmd_common_option(&c, opt, optarg);
		if (rc < 0)
			return RSSGAP_EXIT_USAGE;
		if (rc == 0)
			return cmd_usage_error(&c, "unknown option");
	}
	if (optind >= argc)
		return cmd_usage_error(&c, "no bundle given");
	if (cmd_open(&c) != 0)
		return RSSGAP_EXIT_FAIL;
	if (c.db_path == NULL && !c.quiet)
		fprintf(stderr, "rssgap: no --db: checking bundles into an in-memory database "
				"(nothing is kept)\n");
	o.lim = &c.lim;
	o.rules = c.rules;
	for (i = optind; i < argc; i++) {
		struct ingest_run r = { &c, argv[i], 0, 0 };

		failures += ingest_bundle(c.db, argv[i], &o, on_event, &r);
		fflush(stdout);
	}
	cmd_release(&c);
	return cmd_finish_output(failures > 0 ? RSSGAP_EXIT_FAIL : RSSGAP_EXIT_OK);
}
