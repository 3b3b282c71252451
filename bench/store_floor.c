/*
 * The floor under `rssgap ingest` of one big snapshot: rssgap's own store
 * path (core/db*.c, the statements and batch table ingest uses) timed alone
 * on VMAs already in memory. The smaps text is read and parsed first,
 * untimed; then, timed: open a new database (WAL, schema), BEGIN, the
 * snapshot row, every VMA in batches of VMA_WRITER_BATCH, COMMIT (with the
 * checkpoint the WAL then needs) and close. No decompression, parsing,
 * classifying or hashing: what ingest cannot go below while it stores
 * every field. Prints the best of three runs in seconds.
 *
 * Usage: store_floor SMAPS_FILE DB_FILE
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/db.h"
#include "core/diag.h"
#include "core/limits.h"
#include "core/timer.h"
#include "core/vma.h"
#include "core/xalloc.h"
#include "ingest/smaps.h"
#include "ingest/vma_writer.h"

struct vmas {
	struct vma *v;
	const char **roles;
	size_t n, cap;
};

/* Keep a copy of each VMA: path and vmflags are only lent to emit. */
static int
keep(void *ctx, const struct vma *v, struct diag *d)
{
	struct vmas *all = ctx;

	(void)d;
	if (all->n == all->cap) {
		all->cap = all->cap ? size_mul(all->cap, 2) : 1024;
		all->v = xreallocarray(all->v, all->cap, sizeof(*all->v));
		all->roles = xreallocarray(all->roles, all->cap, sizeof(*all->roles));
	}
	all->v[all->n] = *v;
	all->v[all->n].path = xstrndup(v->path, v->path_len);
	all->v[all->n].vmflags = v->vmflags != NULL ? xstrdup(v->vmflags) : NULL;
	all->roles[all->n] = v->path_len == 0 ? "anon" : "file";
	all->n++;
	return 0;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return NULL;
	do {
		if (n == cap) {
			cap = cap ? size_mul(cap, 2) : 1 << 20;
			data = xrealloc(data, cap);
		}
		got = fread(data + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return data;
}

/* One timed store into a new database at path; the seconds, or -1. */
static double
store_once(const struct vmas *all, const char *path, struct diag *d)
{
	struct db_snapshot s = { .bundle = "floor", .dir = "snap", .captured_at = "2026-11-22T10:30:00Z",
				  .pid = 1, .comm = "synth", .page_size = -1 };
	char wal[4096];
	double t0;
	struct db *db;
	int64_t id;
	size_t i;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	unlink(path);
	unlink(wal);
	t0 = timer_now();
	db = db_open(path, DB_CREATE, d);
	if (db == NULL || db_begin(db, d) != 0 || db_snapshot_insert(db, &s, &id, d) != 0)
		goto fail;
	for (i = 0; i < all->n; i += VMA_WRITER_BATCH) {
		size_t n = all->n - i < VMA_WRITER_BATCH ? all->n - i : VMA_WRITER_BATCH;

		if (db_vmas_put(db, id, (int64_t)i, all->v + i, all->roles + i, n, d) != 0)
			goto fail;
	}
	if (db_commit(db, d) != 0)
		goto fail;
	db_free(db);
	return timer_now() - t0;
fail:
	db_free(db);
	return -1;
}

int
main(int argc, char **argv)
{
	struct vmas all = { 0 };
	struct limits lim;
	struct diag d;
	double best = -1;
	size_t len, i;
	char *text;
	int run;

	if (argc != 3) {
		fprintf(stderr, "usage: store_floor SMAPS_FILE DB_FILE\n");
		return 2;
	}
	text = slurp(argv[1], &len);
	if (text == NULL) {
		perror(argv[1]);
		return 1;
	}
	limits_default(&lim);
	diag_clear(&d);
	if (smaps_parse(text, len, 0, &lim, keep, &all, &d) != 0) {
		fprintf(stderr, "store_floor: %s:%llu: %s\n", argv[1], (unsigned long long)d.line,
			d.message);
		return 1;
	}
	for (run = 0; run < 3; run++) {
		double t = store_once(&all, argv[2], &d);

		if (t < 0) {
			fprintf(stderr, "store_floor: %s\n", d.message);
			return 1;
		}
		if (best < 0 || t < best)
			best = t;
	}
	printf("%.3f\n", best);
	for (i = 0; i < all.n; i++) {
		free((char *)all.v[i].path);
		free((char *)all.v[i].vmflags);
	}
	free(all.v);
	free(all.roles);
	free(text);
	return 0;
}
