/*
 * The whole path a ticket's bundle takes: the input as a bundle file
 * (a memfd, so nothing touches the disk), read by libarchive, every member
 * parsed, classified with the default rules and stored in a fresh
 * ":memory:" store; then the store must be consistent (db_check) and hold
 * exactly the snapshots reported as new.
 */
#include "tests/fuzz/fuzz.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/db.h"
#include "ingest/ingest.h"
#include "ingest/rules.h"

struct outcome {
	int64_t new_snapshots;
};

static int
count_snapshot(void *ctx, const struct db_snapshot_row *row)
{
	(void)row;
	(*(int64_t *)ctx)++;
	return 0;
}

static void
on_event(void *ctx, const struct ingest_event *ev)
{
	struct outcome *o = ctx;

	if (ev->kind == INGEST_SNAPSHOT_NEW)
		o->new_snapshots++;
	else if (ev->kind == INGEST_SNAPSHOT_FAILED && ev->id != 0)
		o->new_snapshots--;	/* found incomplete after its commit, and removed */
	if (ev->kind == INGEST_SNAPSHOT_NEW || ev->kind == INGEST_SNAPSHOT_DUPLICATE)
		return;
	if (ev->diag == NULL || ev->diag->message[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rules *rules;
	struct outcome o = { 0 };
	int64_t stored = 0;
	struct ingest_opts opts = { 0 };
	char path[64];
	struct db *db;
	struct diag d;
	int fd;

	diag_clear(&d);
	if (rules == NULL) {
		rules = rules_new();
		if (rules_add_default(rules, fuzz_limits(), &d) != 0)
			abort();
	}
	fd = memfd_create("bundle", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	db = db_open(":memory:", DB_CREATE, &d);
	if (db == NULL)
		abort();
	opts.lim = fuzz_limits();
	opts.rules = rules;
	opts.stats = NULL;
	ingest_bundle(db, path, &opts, on_event, &o);
	if (db_check(db, &d) != 0 || db_snapshots_each(db, count_snapshot, &stored, &d) != 0 ||
	    stored != o.new_snapshots) {
		fprintf(stderr, "store inconsistent: %s\n", d.message);
		abort();
	}
	db_free(db);
	close(fd);
	return 0;
}
