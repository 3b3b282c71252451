/*
 * What every command shares: the options --db, --rules and --limit, the
 * store they open, selectors (a bundle path, a snapshot id or key=value
 * pairs), and the end-of-output check. The process owns one struct cmd.
 */
#ifndef RSSGAP_CMD_COMMON_H
#define RSSGAP_CMD_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cmd/rule_files.h"
#include "core/db.h"
#include "core/diag.h"
#include "core/limits.h"

struct buf;
struct cmd_entry;
struct rules;
struct vma;

struct cmd {
	const char *name;	/* the command, for messages */
	const char *db_path;	/* --db, $RSSGAP_DB, or NULL for an in-memory store */
	enum db_mode db_mode;	/* how cmd_open opens it: DB_READ unless the command says */
	const char *rules_path;	/* --rules */
	struct limits lim;
	struct db *db;
	struct rule_files rule_files;	/* read by cmd_open, for workers to compile again */
	struct rules *rules;
	int quiet;
	char pid_selector[32];	/* --pid N as the selector "/proc/N" (cmd_pid_option) */
	/* where cmd_resolve's ingest puts VMAs instead of the store (ingest/ingest.h); NULL */
	void (*vma_sink)(void *ctx, int64_t id, int64_t first_idx, const struct vma *v,
			 const char *const *roles, size_t n);
	void *vma_sink_ctx;
};

/* Exit codes (rssgap(1), EXIT STATUS). */
#define RSSGAP_EXIT_OK 0
#define RSSGAP_EXIT_FAIL 1
#define RSSGAP_EXIT_USAGE 2
#define RSSGAP_EXIT_CHECK 3

/* Start with defaults and $RSSGAP_DB. */
void cmd_init(struct cmd *c, const char *name);
/*
 * Handle an option every command takes (--db, --rules, --limit, --quiet);
 * returns 1 if opt was one of them, 0 if not, -1 after printing a usage error.
 */
int cmd_common_option(struct cmd *c, int opt, const char *arg);
/* Read and compile the rules (cmd/rule_files.h), open the store; prints the error, -1 on failure. */
int cmd_open(struct cmd *c);
/*
 * cmd_open for a command that resolves these selectors (cmd_resolve): a
 * bundle among them is ingested into the store, which is then opened to
 * be written (DB_WRITE), else only read.
 */
int cmd_open_selectors(struct cmd *c, char *const *selectors, int n);
/*
 * --pid N: check N and give the selector "/proc/N" (held in c) that
 * cmd_resolve reads as the live process; NULL after printing a usage error.
 */
const char *cmd_pid_option(struct cmd *c, const char *arg);
/* Checks that argv past *optindp is the one SNAPSHOT operand; with LIVE (from
 * cmd_pid_option) there must be none and LIVE becomes it, at argv[*optindp].
 * 0, or a usage error's exit status. */
int cmd_one_snapshot(struct cmd *c, int argc, char **argv, int *optindp, const char *live);
/* Close everything cmd_open opened. */
void cmd_release(struct cmd *c);
/* Is s "/proc/PID" (a trailing '/' allowed), a live process? 1 with *pid set, else 0. */
int cmd_live_selector(const char *s, int64_t *pid);
/*
 * Resolve a selector to exactly one snapshot id: "/proc/PID" is the live
 * process, read from /proc into the open store (ingest_live); an existing
 * file or directory is ingested (a bundle, or a bare smaps, smaps_rollup
 * or heap profile file), a number is an id, and "k=v[,k=v]" matches
 * manifest keys and labels. Prints the error; -1 on failure.
 */
int cmd_resolve(struct cmd *c, const char *selector, int64_t *id);
/*
 * Resolve a selector to every snapshot it names: a bundle's snapshots (all
 * of them, ingested), every match of "k=v[,k=v]" (none is an error), or the
 * one snapshot of an id or /proc/PID (cmd_resolve). *ids is the caller's
 * (free). Prints the error; -1 on failure.
 */
int cmd_resolve_all(struct cmd *c, const char *selector, int64_t **ids, int64_t *n);
/* Print a command's --help: its usage and help (cmd/commands.h), then the options every command takes; exit status. */
int cmd_help(const struct cmd_entry *e);
/* Longest line of a synopsis that cmd_print_usage wraps. */
#define RSSGAP_USAGE_WIDTH 79
/* Print lead and a cmd_entry's usage, wrapped under its first option to RSSGAP_USAGE_WIDTH columns. */
void cmd_print_usage(FILE *f, const char *lead, const char *usage);
/* Print "rssgap: " and the message, escaped for a terminal (paths and selectors come from users and bundles). */
void cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a usage error for the command (escaped) and return RSSGAP_EXIT_USAGE. */
int cmd_usage_error(const struct cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Flush stdout and check it (a full disk is an error); returns rc or RSSGAP_EXIT_FAIL. */
int cmd_finish_output(int rc);
struct diff_opts;
/*
 * Every option a command does not handle itself: the common ones, and with o
 * the thresholds (--min-bytes, --min-percent). 0 when taken; otherwise the
 * usage error is printed and RSSGAP_EXIT_USAGE returned. given is argv[optind - 1].
 */
int cmd_other_option(struct cmd *c, struct diff_opts *o, int opt, const char *arg,
		     const char *given);
/* Write b to path, whole or not at all (core/outfile.h); prints the error, -1 on failure. */
int cmd_write_file(const char *path, const struct buf *b);
/* Print d to stderr. */
void cmd_print_diag(const struct diag *d);
/* Append "k=v,k=v" of a snapshot's labels (escaped for a terminal) to out. */
void cmd_labels_text(struct cmd *c, int64_t id, struct buf *out);
/* Option letters for the common options in getopt_long tables. */
enum {
	OPT_DB = 1000,
	OPT_RULES,
	OPT_LIMIT,
	OPT_JSON,
	OPT_CHECK,
	OPT_TOP,
	OPT_MIN_BYTES,
	OPT_MIN_PERCENT,
	OPT_FORMAT,
	OPT_BY,
	OPT_BEFORE,
	OPT_AFTER,
	OPT_QUIET,
	OPT_EXPLAIN,
	OPT_CSV,
	OPT_STATS,
	OPT_PID,
};
#define CMD_COMMON_LONGOPTS \
	{ "db", required_argument, NULL, OPT_DB }, \
	{ "rules", required_argument, NULL, OPT_RULES }, \
	{ "limit", required_argument, NULL, OPT_LIMIT }, \
	{ "quiet", no_argument, NULL, OPT_QUIET }, \
	{ "help", no_argument, NULL, 'h' }

/*
 * Parse --top's argument (decimal, core/num.h) into *top: 1 to max, else
 * print a usage error naming the value and the range; 0 ok, -1 bad.
 */
int cmd_parse_top(struct cmd *c, const char *arg, int max, int *top);

#endif
