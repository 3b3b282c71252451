/* rssgap export: every table as CSV, for ClickHouse, DuckDB or a spreadsheet. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "core/buf.h"
#include "core/escape.h"
#include "core/outfile.h"

static int cmd_export(int argc, char **argv);

const struct cmd_entry cmd_export_entry = {
	.name = "export",
	.exec = cmd_export,
	.usage = "export [--db FILE] --csv DIR",
	.summary = "every table as CSV (for ClickHouse, DuckDB)",
	.help =
	"Writes DIR/TABLE.csv for every table of docs/schema.md: a header line, then\n"
	"one row per line (RFC 4180 quoting; an empty field is SQL NULL). A text cell\n"
	"a spreadsheet would run as a formula (one starting with = + - @, a tab or a\n"
	"carriage return, that is not a number) gets a leading ' (its text comes from\n"
	"bundles). Each file is written whole or not at all.\n"
	"\n"
	"  --csv DIR     where to write (created if missing)\n",
};

struct csv {
	FILE *f;
	int header_done;
};

/* One field, escaped as core/escape.h's escape_csv does (show --csv and list --csv share it). */
static void
csv_field(FILE *f, const char *s)
{
	struct buf cell = BUF_INIT;

	escape_csv(&cell, s);
	fputs(buf_str(&cell), f);
	buf_release(&cell);
}

static int
csv_row(void *ctx, int n, const char *const *names, const char *const *values)
{
	struct csv *c = ctx;
	int i;

	if (!c->header_done) {
		for (i = 0; i < n; i++) {
			if (i > 0)
				fputc(',', c->f);
			csv_field(c->f, names[i]);
		}
		fputs("\r\n", c->f);
		c->header_done = 1;
	}
	for (i = 0; i < n; i++) {
		if (i > 0)
			fputc(',', c->f);
		csv_field(c->f, values[i]);
	}
	fputs("\r\n", c->f);
	return ferror(c->f) ? -1 : 0;
}

/* DIR/TABLE.csv for table t, whole or not at all; prints its name, or the error and -1. */
static int
export_table(struct cmd *c, const char *dir, int t)
{
	struct buf path = BUF_INIT;
	struct csv csv = { NULL, 0 };
	struct outfile *out;
	struct diag d;
	int rc = -1;

	diag_clear(&d);
	buf_printf(&path, "%s/%s.csv", dir, db_export_tables[t]);
	out = outfile_open(buf_str(&path), &d);
	if (out == NULL)
		goto out;
	csv.f = outfile_stream(out);
	if (db_export_each(c->db, t, csv_row, &csv, &d) != 0) {
		/* the row callback stops on a stream error; outfile_commit would name it */
		if (d.kind == DIAG_NONE)
			diag_fail(&d, DIAG_IO, 0, "cannot write \"%s\": %s", buf_str(&path),
				  strerror(errno != 0 ? errno : EIO));
		outfile_abort(out);
		goto out;
	}
	if (outfile_commit(out, &d) != 0)
		goto out;
	printf("%s\n", buf_str(&path));
	rc = 0;
out:
	if (rc != 0)
		cmd_print_diag(&d);
	buf_release(&path);
	return rc;
}

static int
cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "csv", required_argument, NULL, OPT_CSV },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	struct cmd c;
	int opt, rc, t;

	cmd_init(&c, "export");
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			return cmd_help(&cmd_export_entry);
		}
		if (opt == OPT_CSV) {
			dir = optarg;
			continue;
		}
		if ((rc = cmd_other_option(&c, NULL, opt, optarg, argv[optind - 1])) != 0)
			return rc;
	}
	if (dir == NULL)
		return cmd_usage_error(&c, "--csv DIR is required");
	if (c.db_path == NULL)
		return cmd_usage_error(&c, "needs a database: --db FILE or RSSGAP_DB "
					   "(ingest the bundles first)");
	if (cmd_open(&c) != 0)
		return RSSGAP_EXIT_FAIL;
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		cmd_error("%s: cannot create directory: %s", dir, strerror(errno));
		cmd_release(&c);
		return RSSGAP_EXIT_FAIL;
	}
	rc = RSSGAP_EXIT_OK;
	for (t = 0; db_export_tables[t] != NULL && rc == RSSGAP_EXIT_OK; t++)
		if (export_table(&c, dir, t) != 0)
			rc = RSSGAP_EXIT_FAIL;
	cmd_release(&c);
	return cmd_finish_output(rc);
}
