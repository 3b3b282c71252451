/*
 * What the cmocka tests share: reading a fixture whole, collecting what a
 * key/value parser puts (ingest/kv.h), and an in-memory store with the
 * default rules that fixture bundles are ingested into. Every function
 * fails the running test (cmocka's fail_msg) instead of returning an error,
 * so it may only be called from a test, setup or teardown.
 */
#ifndef RSSGAP_TESTUTIL_H
#define RSSGAP_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "core/limits.h"
#include "ingest/kv.h"

struct rules;

/* The whole file at path, NUL-terminated, its size in *len; the caller frees it. */
char *tu_read_file(const char *path, size_t *len);
/*
 * Make a new directory $TMPDIR/NAME.XXXXXX (/tmp without TMPDIR) and write
 * its path to dir[cap]; 0, or -1 (for a setup to return).
 */
int tu_mkdtemp(char *dir, size_t cap, const char *name);
/* Remove the tree at path (what tu_mkdtemp made); 0, or -1. */
int tu_rmtree(const char *path);

/* One put of a kv_sink, strings copied (owned by the struct tu_kv). */
struct tu_kv_row {
	char *group;
	char *key;
	int has_value;
	int64_t value;
	char *text;		/* NULL where the parser passed none */
	uint64_t line;
};

/* Every put, in order. Zero-initialised is empty; tu_kv_free empties it again. */
struct tu_kv {
	struct tu_kv_row *row;
	size_t n, cap;
};

/* A sink that appends every put to kv (and asserts kv.h's has_value || text). */
struct kv_sink tu_kv_sink(struct tu_kv *kv);
/* The first row of key in group (NULL: any group), or NULL. */
const struct tu_kv_row *tu_kv_get(const struct tu_kv *kv, const char *group, const char *key);
/* As tu_kv_get, failing the test when there is no such row. */
const struct tu_kv_row *tu_kv_must(const struct tu_kv *kv, const char *group, const char *key);
/* The value of key in group (NULL: any), failing the test when absent or text-only. */
int64_t tu_kv_value(const struct tu_kv *kv, const char *group, const char *key);
/* Fail the test unless every row collected is of group. */
void tu_kv_assert_group(const struct tu_kv *kv, const char *group);
/* Free the rows and leave kv empty, ready for reuse (NULL is a no-op). */
void tu_kv_free(struct tu_kv *kv);

/* An in-memory store and the compiled default rules for ingesting into it. */
struct tu_db {
	struct db *db;
	struct rules *rules;
	struct limits lim;
};

/* Open ":memory:" and compile the default rules into w. */
void tu_db_init(struct tu_db *w);
/*
 * Ingest the bundle at path, failing the test on any failure event or
 * error; the id of its last snapshot (new or a duplicate), 0 if it had none.
 */
int64_t tu_db_ingest(struct tu_db *w, const char *path);
/* The number of snapshots in db. */
int tu_db_snapshots(struct db *db);
/* Free the store and rules of w. */
void tu_db_release(struct tu_db *w);
/* A new in-memory store holding the bundles (NULL-terminated), ingested with the default rules. */
struct db *tu_db_with(const char *const *bundles);

#endif
