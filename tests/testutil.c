/*
 * What the cmocka tests share (see testutil.h). Failures go through
 * cmocka's fail_msg, which leaves the running test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/db.h"
#include "core/diag.h"
#include "core/limits.h"
#include "ingest/ingest.h"
#include "ingest/kv.h"
#include "ingest/rules.h"
#include "tests/testutil.h"

int
tu_mkdtemp(char *dir, size_t cap, const char *name)
{
	const char *base = getenv("TMPDIR");
	int n;

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	n = snprintf(dir, cap, "%s/%s.XXXXXX", base, name);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

int
tu_rmtree(const char *path)
{
	return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Read in blocks until EOF, so pipes and files whose size changes read whole too. */
char *
tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		fail_msg("cannot open %s: %s (run the tests from the repository root)", path,
			 strerror(errno));
	do {
		if (n + 65536 > cap) {
			cap = (n + 65536) * 2;
			data = realloc(data, cap + 1);
			assert_non_null(data);
		}
		got = fread(data + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	if (ferror(f)) {
		fclose(f);
		free(data);
		fail_msg("cannot read %s", path);
	}
	fclose(f);
	data[n] = '\0';
	*len = n;
	return data;
}

/* A copy of s, or NULL for NULL. */
static char *
dup_or_null(const char *s)
{
	char *c;

	if (s == NULL)
		return NULL;
	c = strdup(s);
	assert_non_null(c);
	return c;
}

/* The put of tu_kv_sink: append a copy of the row. */
static int
kv_put(void *ctx, const char *group, const char *key, int has_value, int64_t value,
       const char *text, uint64_t line, struct diag *d)
{
	struct tu_kv *kv = ctx;
	struct tu_kv_row *r;

	(void)d;
	/* ingest/kv.h: a text-only field always has its text */
	assert_true(has_value || text != NULL);
	if (kv->n == kv->cap) {
		kv->cap = kv->cap ? kv->cap * 2 : 64;
		kv->row = realloc(kv->row, kv->cap * sizeof(*kv->row));
		assert_non_null(kv->row);
	}
	r = &kv->row[kv->n++];
	r->group = dup_or_null(group);
	r->key = dup_or_null(key);
	r->has_value = has_value;
	r->value = value;
	r->text = dup_or_null(text);
	r->line = line;
	return 0;
}

struct kv_sink
tu_kv_sink(struct tu_kv *kv)
{
	struct kv_sink sink = { kv_put, kv };

	return sink;
}

const struct tu_kv_row *
tu_kv_get(const struct tu_kv *kv, const char *group, const char *key)
{
	size_t i;

	for (i = 0; i < kv->n; i++)
		if (strcmp(kv->row[i].key, key) == 0 &&
		    (group == NULL || strcmp(kv->row[i].group, group) == 0))
			return &kv->row[i];
	return NULL;
}

const struct tu_kv_row *
tu_kv_must(const struct tu_kv *kv, const char *group, const char *key)
{
	const struct tu_kv_row *r = tu_kv_get(kv, group, key);

	if (r == NULL)
		fail_msg("no key \"%s\" in group \"%s\"", key, group != NULL ? group : "(any)");
	return r;
}

int64_t
tu_kv_value(const struct tu_kv *kv, const char *group, const char *key)
{
	const struct tu_kv_row *r = tu_kv_must(kv, group, key);

	if (!r->has_value)
		fail_msg("key \"%s\" has no value (text \"%s\")", key, r->text);
	return r->value;
}

void
tu_kv_assert_group(const struct tu_kv *kv, const char *group)
{
	size_t i;

	for (i = 0; i < kv->n; i++)
		assert_string_equal(kv->row[i].group, group);
}

void
tu_kv_free(struct tu_kv *kv)
{
	size_t i;

	if (kv == NULL)
		return;
	for (i = 0; i < kv->n; i++) {
		free(kv->row[i].group);
		free(kv->row[i].key);
		free(kv->row[i].text);
	}
	free(kv->row);
	memset(kv, 0, sizeof(*kv));
}

void
tu_db_init(struct tu_db *w)
{
	struct diag d;

	diag_clear(&d);
	limits_default(&w->lim);
	w->db = db_open(":memory:", DB_CREATE, &d);
	if (w->db == NULL)
		fail_msg("cannot open an in-memory store: %s", d.message);
	w->rules = rules_new();
	if (rules_add_default(w->rules, &w->lim, &d) != 0)
		fail_msg("default rules: %s", d.message);
}

/* What tu_db_ingest follows of one bundle. */
struct ingested {
	const char *path;
	int64_t last_id;
};

/* Keep the last snapshot id; any failure fails the test. */
static void
on_ingest(void *ctx, const struct ingest_event *ev)
{
	struct ingested *in = ctx;

	if (ev->kind == INGEST_SNAPSHOT_NEW || ev->kind == INGEST_SNAPSHOT_DUPLICATE)
		in->last_id = ev->id;
	else
		fail_msg("ingest of %s failed: %s: %s", in->path, ev->diag->member,
			 ev->diag->message);
}

int64_t
tu_db_ingest(struct tu_db *w, const char *path)
{
	struct ingest_opts o = { .lim = &w->lim, .rules = w->rules };
	struct ingested in = { path, 0 };

	assert_int_equal(ingest_bundle(w->db, path, &o, on_ingest, &in), 0);
	return in.last_id;
}

/* Count one snapshot row into *(int *)ctx. */
static int
count_snapshot(void *ctx, const struct db_snapshot_row *row)
{
	(void)row;
	(*(int *)ctx)++;
	return 0;
}

int
tu_db_snapshots(struct db *db)
{
	struct diag d;
	int n = 0;

	diag_clear(&d);
	assert_int_equal(db_snapshots_each(db, count_snapshot, &n, &d), 0);
	return n;
}

void
tu_db_release(struct tu_db *w)
{
	db_free(w->db);
	rules_free(w->rules);
	w->db = NULL;
	w->rules = NULL;
}

struct db *
tu_db_with(const char *const *bundles)
{
	struct tu_db w;
	struct db *db;

	tu_db_init(&w);
	for (; *bundles != NULL; bundles++)
		tu_db_ingest(&w, *bundles);
	db = w.db;
	w.db = NULL;
	tu_db_release(&w);
	return db;
}
