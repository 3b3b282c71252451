/* rssgap merge: shards ingested on several machines into one database. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "core/xalloc.h"

static int cmd_merge(int argc, char **argv);

const struct cmd_entry cmd_merge_entry = {
	.name = "merge",
	.exec = cmd_merge,
	.usage = "merge OUT.db SHARD.db...",
	.summary = "databases ingested on several machines into one",
	.help =
	"Copies every snapshot of each shard into OUT.db (created if missing) with new\n"
	"ids; a snapshot OUT.db already holds (same content digest) is skipped. One\n"
	"transaction per shard: a shard that fails leaves OUT.db as it was. Shards\n"
	"are opened read only and must be rssgap stores; another program's SQLite\n"
	"file is refused, untouched.\n",
};

/* Is path an rssgap store this build reads (opened read only, never written)? Prints why not. */
static int
shard_ok(const char *path)
{
	struct diag d;
	struct db *db;

	diag_clear(&d);
	db = db_open(path, DB_READ, &d);
	if (db == NULL) {
		cmd_print_diag(&d);
		return 0;
	}
	db_free(db);
	return 1;
}

static int
cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = { CMD_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	struct cmd c;
	char *good;
	int opt, i, rc, failures = 0, ngood = 0;

	cmd_init(&c, "merge");
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			return cmd_help(&cmd_merge_entry);
		}
		if ((rc = cmd_other_option(&c, NULL, opt, optarg, argv[optind - 1])) != 0)
			return rc;
	}
	if (argc - optind < 2)
		return cmd_usage_error(&c, "expected OUT.db and at least one SHARD.db");
	/* each shard first, read only: OUT.db is not created for shards that are none */
	good = xcalloc((size_t)argc, 1);
	for (i = optind + 1; i < argc; i++) {
		if (shard_ok(argv[i]))
			good[i] = 1, ngood++;
		else
			failures++;
	}
	c.db_path = argv[optind];
	c.db_mode = DB_CREATE;
	if (ngood == 0 || cmd_open(&c) != 0) {
		free(good);
		return RSSGAP_EXIT_FAIL;
	}
	for (i = optind + 1; i < argc; i++) {
		int64_t added, dups;
		struct diag d;

		diag_clear(&d);
		if (!good[i])
			continue;
		if (db_merge(c.db, argv[i], &added, &dups, &d) != 0) {
			diag_where(&d, argv[i], NULL);
			cmd_print_diag(&d);
			failures++;
			continue;
		}
		printf("%s: %" PRId64 " snapshots added, %" PRId64 " already there\n", argv[i], added,
		       dups);
	}
	free(good);
	cmd_release(&c);
	return cmd_finish_output(failures > 0 ? RSSGAP_EXIT_FAIL : RSSGAP_EXIT_OK);
}
