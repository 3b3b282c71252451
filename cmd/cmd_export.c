/* rssgap export: every table as CSV, for ClickHouse, DuckDB or a spreadsheet. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "core/buf.h"

static const char export_usage[] =
	"usage: rssgap export [--db FILE] --csv DIR\n"
	"\n"
	"Writes DIR/TABLE.csv for every table of docs/schema.md: a header line, then\n"
	"one row per line (RFC 4180 quoting; an empty field is SQL NULL).\n";

struct csv {
	FILE *f;
	int header_done;
};

static void
csv_field(FILE *f, const char *s)
{
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
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

int
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
			return cmd_help(export_usage);
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
		return cmd_usage_error(&c, "needs a database: --db FILE or RSSGAP_DB");
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		cmd_error("%s: cannot create directory: %s", dir, strerror(errno));
		return RSSGAP_EXIT_FAIL;
	}
	if (cmd_open(&c) != 0)
		return RSSGAP_EXIT_FAIL;
	rc = RSSGAP_EXIT_OK;
	for (t = 0; db_export_tables[t] != NULL && rc == RSSGAP_EXIT_OK; t++) {
		struct buf path = BUF_INIT;
		struct csv csv = { NULL, 0 };
		struct diag d;

		diag_clear(&d);
		buf_printf(&path, "%s/%s.csv", dir, db_export_tables[t]);
		csv.f = fopen(buf_str(&path), "wb");
		if (csv.f == NULL) {
			cmd_error("%s: cannot write: %s", buf_str(&path), strerror(errno));
			rc = RSSGAP_EXIT_FAIL;
		} else {
			if (db_export_each(c.db, t, csv_row, &csv, &d) != 0) {
				if (d.kind != DIAG_NONE)
					cmd_print_diag(&d);
				else
					cmd_error("%s: write failed", buf_str(&path));
				rc = RSSGAP_EXIT_FAIL;
			}
			if (fclose(csv.f) != 0 && rc == RSSGAP_EXIT_OK) {
				cmd_error("%s: write failed: %s", buf_str(&path),
					strerror(errno));
				rc = RSSGAP_EXIT_FAIL;
			}
			if (rc == RSSGAP_EXIT_OK)
				printf("%s\n", buf_str(&path));
		}
		buf_release(&path);
	}
	cmd_release(&c);
	return cmd_finish_output(rc);
}
