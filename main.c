/* rssgap: where did resident memory grow that the Go runtime cannot see? */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "core/version.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *summary;
} commands[] = {
	{ "ingest", cmd_ingest, "ingest [--db FILE] [-j N] [--rules FILE] BUNDLE...",
	  "read bundles into the database (idempotent)" },
	{ "list", cmd_list, "list [--db FILE] [SELECTOR] [--json]",
	  "snapshots with their labels and headline numbers" },
	{ "show", cmd_show, "show [--db FILE] SNAPSHOT [--json] [--top N]",
	  "one snapshot: three layers, roles, top VMAs" },
	{ "diff", cmd_diff, "diff [--db FILE] BEFORE AFTER [--json] [--check]",
	  "where Rss grew between two snapshots that the runtime cannot see" },
	{ "report", cmd_report, "report [--db FILE] BEFORE [AFTER] -o DIR [--format png,svg]",
	  "one-page PNG/SVG report and summary.md" },
	{ "fleet", cmd_fleet, "fleet [--db FILE] --by LABEL [--before V --after V] [--json] [-o DIR]",
	  "cohorts of many snapshots compared" },
	{ "profile", cmd_profile, "profile [--db FILE] SNAPSHOT -o FILE.pb.gz",
	  "all of a snapshot's resident memory as a pprof profile (memory_space)" },
	{ "merge", cmd_merge, "merge OUT.db SHARD.db...",
	  "databases ingested on several machines into one" },
	{ "export", cmd_export, "export [--db FILE] --csv DIR",
	  "every table as CSV (for ClickHouse, DuckDB)" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: rssgap COMMAND [OPTIONS]\n\n"
		   "where did resident memory (Rss) grow that the Go runtime cannot see?\n\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  rssgap %s\n      %s\n", commands[i].usage, commands[i].summary);
	fprintf(f, "\nSNAPSHOT, BEFORE, AFTER: a bundle file, a snapshot id, or key=value[,key=value]\n"
		   "over manifest keys and labels. --db FILE (or $RSSGAP_DB) keeps a database;\n"
		   "without it bundles go into an in-memory one.\n"
		   "'rssgap help COMMAND' (or 'rssgap COMMAND --help') for a command's options;\n"
		   "'rssgap -V' (--version) for the version.\n");
}

static const struct command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

static int
unknown_command(const char *name)
{
	fprintf(stderr, "rssgap: unknown command \"%s\"\n", name);
	usage(stderr);
	return 2;
}

/* "rssgap help CMD" is "rssgap CMD --help", as git and go have it. */
static int
help_command(const char *name)
{
	const struct command *c = find_command(name);
	char *argv[] = { (char *)c->name, "--help", NULL };

	return c->fn(2, argv);
}

int
main(int argc, char **argv)
{
	const struct command *c;

	opterr = 0;	/* the commands say what was wrong, once, in rssgap's form */
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "help") == 0 && argc > 2) {
		if (argc > 3) {
			fprintf(stderr, "rssgap: help takes one command\n");
			return 2;
		}
		return find_command(argv[2]) != NULL ? help_command(argv[2]) : unknown_command(argv[2]);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("rssgap %s\n", RSSGAP_VERSION);
		return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
	}
	c = find_command(argv[1]);
	if (c == NULL)
		return unknown_command(argv[1]);
	return c->fn(argc - 1, argv + 1);
}
