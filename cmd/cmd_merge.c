/* rssgap merge: shards ingested on several machines into one database. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "cmd/common.h"

static const char merge_usage[] =
	"usage: rssgap merge OUT.db SHARD.db...\n"
	"\n"
	"Copies every snapshot of each shard into OUT.db (created if missing) with new\n"
	"ids; a snapshot OUT.db already holds (same content digest) is skipped. One\n"
	"transaction per shard: a shard that fails leaves OUT.db as it was.\n";

int
cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = { CMD_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	struct cmd c;
	int opt, i, rc, failures = 0;

	cmd_init(&c, "merge");
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			return cmd_help(merge_usage);
		}
		if ((rc = cmd_other_option(&c, NULL, opt, optarg, argv[optind - 1])) != 0)
			return rc;
	}
	if (argc - optind < 2)
		return cmd_usage_error(&c, "expected OUT.db and at least one SHARD.db");
	c.db_path = argv[optind];
	if (cmd_open(&c) != 0)
		return RSSGAP_EXIT_FAIL;
	for (i = optind + 1; i < argc; i++) {
		int64_t added, dups;
		struct diag d;

		diag_clear(&d);
		if (access(argv[i], R_OK) != 0) {
			cmd_error("%s: cannot read shard: %s", argv[i], strerror(errno));
			failures++;
			continue;
		}
		if (db_merge(c.db, argv[i], &added, &dups, &d) != 0) {
			diag_where(&d, argv[i], NULL);
			cmd_print_diag(&d);
			failures++;
			continue;
		}
		printf("%s: %" PRId64 " snapshots added, %" PRId64 " already there\n", argv[i], added,
		       dups);
	}
	cmd_release(&c);
	return cmd_finish_output(failures > 0 ? RSSGAP_EXIT_FAIL : RSSGAP_EXIT_OK);
}
