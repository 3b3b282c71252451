/* The commands main.c dispatches to: each takes argc/argv after the command name. */
#ifndef RSSGAP_COMMANDS_H
#define RSSGAP_COMMANDS_H

/* rssgap ingest [--db FILE] BUNDLE... */
int cmd_ingest(int argc, char **argv);
/* rssgap list [--db FILE] [SELECTOR] [--json] */
int cmd_list(int argc, char **argv);
/* rssgap show [--db FILE] SNAPSHOT [--json] */
int cmd_show(int argc, char **argv);
/* rssgap diff [--db FILE] BEFORE AFTER [--json] [--check] */
int cmd_diff(int argc, char **argv);
/* rssgap report [--db FILE] BEFORE [AFTER] -o DIR [--format png,svg] */
int cmd_report(int argc, char **argv);
/* rssgap fleet [--db FILE] --by LABEL [--before V --after V] [--json] [-o DIR] */
int cmd_fleet(int argc, char **argv);
/* rssgap profile [--db FILE] SNAPSHOT -o FILE.pb.gz */
int cmd_profile(int argc, char **argv);

/* rssgap merge OUT.db SHARD.db... */
int cmd_merge(int argc, char **argv);
/* rssgap export [--db FILE] --csv DIR */
int cmd_export(int argc, char **argv);

#endif
