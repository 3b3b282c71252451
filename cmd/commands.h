/*
 * The commands main.c dispatches to, one entry each (as tmux keeps one
 * cmd_entry per command): every word of usage a user reads comes from
 * here. 'rssgap --help' prints each usage and summary; 'rssgap NAME --help'
 * and 'rssgap help NAME' print usage and help (cmd_help in cmd/common.h).
 * tests/cli/completion.sh holds rssgap(1) and the shell completions to the
 * options these texts name. Each entry is defined in its cmd/cmd_NAME.c,
 * beside the options it parses.
 */
#ifndef RSSGAP_COMMANDS_H
#define RSSGAP_COMMANDS_H

struct cmd_entry {
	const char *name;
	/* runs the command: argv[0] is the name, the options and arguments follow */
	int (*exec)(int argc, char **argv);
	/* the synopsis after "rssgap ": the name, its options, its arguments (one line) */
	const char *usage;
	/* one line for 'rssgap --help' */
	const char *summary;
	/* the rest of 'rssgap NAME --help': what it does, then its own options */
	const char *help;
};

extern const struct cmd_entry cmd_ingest_entry;
extern const struct cmd_entry cmd_list_entry;
extern const struct cmd_entry cmd_show_entry;
extern const struct cmd_entry cmd_diff_entry;
extern const struct cmd_entry cmd_trend_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_fleet_entry;
extern const struct cmd_entry cmd_profile_entry;
extern const struct cmd_entry cmd_merge_entry;
extern const struct cmd_entry cmd_export_entry;

#endif
