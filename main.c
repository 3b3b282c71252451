/* rssgap: where did resident memory grow that the Go runtime cannot see? */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "core/version.h"

/* The command table: each entry, with its usage and help, is in cmd/cmd_NAME.c. */
static const struct cmd_entry *const commands[] = {
	&cmd_ingest_entry,
	&cmd_list_entry,
	&cmd_show_entry,
	&cmd_diff_entry,
	&cmd_trend_entry,
	&cmd_report_entry,
	&cmd_fleet_entry,
	&cmd_profile_entry,
	&cmd_merge_entry,
	&cmd_export_entry,
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: rssgap COMMAND [OPTIONS]\n\n"
		   "where did resident memory (Rss) grow that the Go runtime cannot see?\n\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		cmd_print_usage(f, "  rssgap ", commands[i]->usage);
		fprintf(f, "      %s\n", commands[i]->summary);
	}
	fprintf(f, "\nSNAPSHOT, BEFORE, AFTER: a bundle file, a snapshot id, or key=value[,key=value]\n"
		   "over manifest keys and labels. --db FILE (or $RSSGAP_DB) keeps a database;\n"
		   "without it bundles go into an in-memory one.\n"
		   "'rssgap help COMMAND' (or 'rssgap COMMAND --help') for a command's options;\n"
		   "'rssgap -V' (--version) for the version.\n");
}

static const struct cmd_entry *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i]->name) == 0)
			return commands[i];
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
	const struct cmd_entry *c = find_command(name);
	char *argv[] = { (char *)c->name, "--help", NULL };

	return c->exec(2, argv);
}

int
main(int argc, char **argv)
{
	const struct cmd_entry *c;

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
	return c->exec(argc - 1, argv + 1);
}
