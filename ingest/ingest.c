/*
 * The bundle walk: each member of the bundle classified by its name and
 * handed to the snapshot of its directory (ingest/ingest_member.c), held
 * when it comes before its manifest (ingest/ingest_hold.c); snapshots are
 * closed and committed by ingest/ingest_commit.c. ingest/ingest_int.h is
 * what these files share.
 */
#include "ingest/ingest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "ingest/bundle.h"
#include "ingest/ingest_int.h"
#include "ingest/vma_writer.h"

static const struct {
	const char *rel;
	enum member_kind kind;
} member_kinds[] = {
	{ "manifest", M_MANIFEST },
	{ "errors", M_ERRORS },
	{ "proc/smaps", M_SMAPS },
	{ "proc/smaps_rollup", M_ROLLUP },
	{ "proc/maps", M_MAPS },
	{ "proc/status", M_STATUS },
	{ "cgroup/version", M_CGROUP_VERSION },
	{ "runtime/heap.pb.gz", M_RUNTIME },
	{ "runtime/heap.txt", M_RUNTIME },
	{ "runtime/metrics.prom", M_RUNTIME },
	{ "runtime/vars.json", M_RUNTIME },
};

/* Which known member is name, and under which directory? */
static enum member_kind
classify_member(const char *name, const char **rel, size_t *dir_len)
{
	size_t n = strlen(name), i, r;
	const char *base;

	for (i = 0; i < sizeof(member_kinds) / sizeof(member_kinds[0]); i++) {
		r = strlen(member_kinds[i].rel);
		if (n == r && strcmp(name, member_kinds[i].rel) == 0) {
			*rel = name;
			*dir_len = 0;
			return member_kinds[i].kind;
		}
		if (n > r && name[n - r - 1] == '/' && strcmp(name + n - r, member_kinds[i].rel) == 0) {
			*rel = name + n - r;
			*dir_len = n - r - 1;
			return member_kinds[i].kind;
		}
	}
	base = strrchr(name, '/');
	if (base != NULL && strncmp(base + 1, "memory.", 7) == 0 && base - name >= 6 &&
	    strncmp(base - 6, "cgroup", 6) == 0 && (base - name == 6 || base[-7] == '/')) {
		*rel = base - 6;
		*dir_len = base - name == 6 ? 0 : (size_t)(base - name - 7);
		return M_CGROUP;
	}
	return M_UNKNOWN;
}

void
emit(struct ingest *in, enum ingest_event_kind kind, int64_t id, const char *dir,
     const struct diag *d)
{
	struct ingest_event ev = { kind, id, dir, d, NULL };

	in->fn(in->ctx, &ev);
}

void
mark_done(struct ingest *in, const char *dir, enum done_state state, int64_t id)
{
	if (in->ndone == in->cap_done) {
		in->cap_done = in->cap_done ? in->cap_done * 2 : 16;
		in->done = xreallocarray(in->done, in->cap_done, sizeof(*in->done));
	}
	in->done[in->ndone].dir = xstrdup(dir);
	in->done[in->ndone].state = state;
	in->done[in->ndone++].id = id;
}

/* The closed snapshot of directory dir[0..len), or NULL when it is not closed. */
static struct done *
done_find(const struct ingest *in, const char *dir, size_t len)
{
	size_t i;

	for (i = in->ndone; i-- > 0;)
		if (strlen(in->done[i].dir) == len && memcmp(in->done[i].dir, dir, len) == 0)
			return &in->done[i];
	return NULL;
}

static void
dir_label(struct buf *b, const char *name, size_t dir_len)
{
	buf_reset(b);
	buf_add(b, name, dir_len);
}

/*
 * libarchive read the member's header with a warning (ARCHIVE_WARN: done,
 * but something was not understood, e.g. a name it could not convert):
 * a member rssgap reads is read, and the warning reported; the others ride
 * along unread, as always.
 */
static void
on_warning(struct ingest *in, struct bundle *b, const char *name, struct diag *d)
{
	const char *rel;
	size_t dir_len;

	if (classify_member(name, &rel, &dir_len) == M_UNKNOWN)
		return;
	diag_where(d, NULL, name);
	diag_fail(d, DIAG_FORMAT, 0, "warning: %s (read anyway)", bundle_warning(b));
	emit(in, INGEST_MEMBER_WARNING, 0, NULL, d);
	d->kind = DIAG_NONE;
	d->message[0] = '\0';
}

/*
 * A member of a snapshot already closed: its members are split by another
 * snapshot's, so what went in is not the whole snapshot. Refused whole: a
 * snapshot this bundle added is removed again at the end of the bundle
 * (remove_split), when no transaction of this thread is open.
 */
static void
refuse_split(struct ingest *in, struct done *done, struct diag *d)
{
	if (done->state == DONE_NEW)
		diag_fail(d, DIAG_FORMAT, 0,
			  "member comes after its snapshot was closed: its members are split by another"
			  " snapshot's, so snapshot %" PRId64 " is incomplete and is removed again",
			  done->id);
	else
		diag_fail(d, DIAG_FORMAT, 0,
			  "member comes after its snapshot was closed: its members are split by another"
			  " snapshot's (refused)");
	diag_hint(d, "keep each snapshot's members together in the tar, manifest first");
	emit(in, INGEST_SNAPSHOT_FAILED, done->state == DONE_NEW ? done->id : 0, done->dir, d);
	in->failures++;
	done->state = done->state == DONE_NEW ? DONE_REMOVE : DONE_FAILED;
}

/* Remove the snapshots refuse_split refused after their commit; -1 if one could not be. */
static void
remove_split(struct ingest *in, struct diag *d)
{
	size_t i;

	for (i = 0; i < in->ndone; i++) {
		if (in->done[i].state != DONE_REMOVE)
			continue;
		store_lock(in);
		/* on its own: the batch open (with the snapshot, maybe) commits first */
		store_flush(in);
		if (db_begin(in->db, d) != 0 || db_snapshot_delete(in->db, in->done[i].id, d) != 0 ||
		    db_commit(in->db, d) != 0) {
			db_rollback(in->db);
			diag_where(d, NULL, in->done[i].dir);
			emit(in, INGEST_SNAPSHOT_FAILED, 0, in->done[i].dir, d);
			in->failures++;
		}
		store_unlock(in);
		in->done[i].state = DONE_FAILED;
	}
}

/* One member of the bundle. Returns -1 only when the bundle cannot be read on. */
static int
on_member(struct ingest *in, struct bundle *b, const char *name, struct diag *d)
{
	const char *rel;
	size_t dir_len;
	enum member_kind kind = classify_member(name, &rel, &dir_len);
	struct buf dir = BUF_INIT;
	struct done *done;
	char *data = NULL;
	size_t len = 0;
	int rc = 0;

	if (kind == M_UNKNOWN)
		return 0;	/* other files ride along unread */
	dir_label(&dir, name, dir_len);
	done = done_find(in, buf_str(&dir), dir.len);
	if (done != NULL) {
		if (done->state != DONE_FAILED && done->state != DONE_REMOVE)
			refuse_split(in, done, d);
		goto out;	/* the rest of a snapshot already refused */
	}
	if (kind == M_MANIFEST && in->s.open && strcmp(in->s.dir, buf_str(&dir)) == 0) {
		/* two identities for one snapshot: neither is trusted */
		diag_where(d, NULL, name);
		diag_fail(d, DIAG_FORMAT, 0, "member appears twice in the snapshot (expected once)");
		fail_snapshot(in, d);
		goto out;
	}
	if (kind == M_MANIFEST) {
		finish_current(in, d);
		diag_where(d, NULL, name);
		if (slurp(in, b, &data, &len, d) != 0 ||
		    open_snapshot(in, buf_str(&dir), data, len, d) != 0 ||
		    drain_pending(in, d) != 0) {
			if (!in->s.open) {
				/* no transaction yet: report the directory as failed */
				in->s.dir = xstrdup(buf_str(&dir));
				in->s.open = 1;
			}
			/* its members held before the manifest go with it */
			take_pending(in, in->s.dir, 0, d);
			fail_snapshot(in, d);
		}
		goto out;
	}
	if (in->s.open && strcmp(in->s.dir, buf_str(&dir)) == 0) {
		if (kind == M_SMAPS)
			rc = stream_smaps(in, b, rel, d);
		else if ((rc = slurp(in, b, &data, &len, d)) == 0) {
			rc = handle_member(in, kind, rel, data, len, d);
			data = NULL;
		}
		if (rc != 0)
			fail_snapshot(in, d);
		rc = 0;
		goto out;
	}
	/*
	 * Before its manifest: hold it until the manifest arrives, within
	 * held_bytes for all such members together. A member that cannot be
	 * held, or read, is lost to its snapshot: the snapshot is refused now.
	 */
	if (slurp_capped(in, b, in->o->lim->held_bytes - in->held_bytes, &data, &len, d) != 0) {
		refuse_pending(in, buf_str(&dir), d);
		goto out;
	}
	in->held_bytes += len;
	pending_add(in, dir.data, dir.len, rel, kind, data, len);
	data = NULL;
out:
	free(data);
	buf_release(&dir);
	return rc;
}

/* A bundle-wide error (no member named) that rolls back the open snapshot says so. */
static void
note_rolled_back(struct diag *d, const char *dir)
{
	size_t n = strlen(d->message);

	snprintf(d->message + n, sizeof(d->message) - n,
		 "; snapshot \"%s\" is rolled back (the member may be one of its)",
		 dir[0] != '\0' ? dir : ".");
}

int
ingest_bundle(struct db *db, const char *path, const struct ingest_opts *o, ingest_event_fn fn,
	      void *ctx)
{
	return ingest_bundle_shared(db, path, o, NULL, fn, ctx);
}

/* Walk the members of b into the store; returns the number of failures. */
static int
walk(struct ingest *in, struct bundle *b, struct diag *d)
{
	const char *name;
	size_t i;
	int rc;

	in->w = vma_writer_new(in->db);
	vma_writer_sink(in->w, in->o->vma_sink, in->o->vma_sink_ctx);
	while ((rc = bundle_next(b, &name, d)) != 0) {
		if (rc < 0) {
			/*
			 * A member refused (unsafe) or lost (a damaged header)
			 * taints the snapshot being read: it may be one of its.
			 */
			if (in->s.open) {
				if (d->member[0] == '\0')
					note_rolled_back(d, in->s.dir);
				fail_snapshot(in, d);
			} else {
				emit(in, bundle_dead(b) ? INGEST_BUNDLE_FAILED : INGEST_MEMBER_ERROR, 0,
				     NULL, d);
				in->failures++;
			}
			continue;	/* bundle_next returns 0 once the bundle is dead */
		}
		if (bundle_warning(b) != NULL)
			on_warning(in, b, name, d);
		if (on_member(in, b, name, d) != 0)
			break;
	}
	finish_current(in, d);
	if (bundle_check_end(b, d) != 0) {
		emit(in, INGEST_MEMBER_ERROR, 0, NULL, d);
		in->failures++;
	}
	remove_split(in, d);
	report_no_manifest(in, d);
	if (in->ndone == 0 && in->failures == 0) {
		diag_where(d, NULL, NULL);
		diag_fail(d, DIAG_MISSING, 0, "bundle holds no snapshot (no member named manifest)");
		diag_hint(d, "make bundles with capture/rssgap-capture");
		emit(in, INGEST_BUNDLE_FAILED, 0, NULL, d);
		in->failures++;
	}
	free(in->pending);
	for (i = 0; i < in->ndone; i++)
		free(in->done[i].dir);
	free(in->done);
	vma_writer_free(in->w);
	held_release(&in->held);
	return in->failures;
}

static void
ingest_setup(struct ingest *in, struct db *db, const char *path, const struct ingest_opts *o,
	     struct ingest_lock *lock, ingest_event_fn fn, void *ctx)
{
	memset(in, 0, sizeof(*in));
	in->db = db;
	in->lock = lock;
	in->o = o;
	in->path = path;
	in->fn = fn;
	in->ctx = ctx;
}

int
ingest_bundle_shared(struct db *db, const char *path, const struct ingest_opts *o,
		     struct ingest_lock *lock, ingest_event_fn fn, void *ctx)
{
	struct ingest in;
	struct db_files files;
	struct diag d;
	struct bundle *b;
	struct stat st;
	int rc;

	ingest_setup(&in, db, path, o, lock, fn, ctx);
	diag_clear(&d);
	db_files(db, &files);
	if (stat(path, &st) == 0 && db_files_has(&files, st.st_dev, st.st_ino)) {
		/* not even opened: closing it would drop SQLite's locks on it */
		diag_where(&d, path, NULL);
		diag_fail(&d, DIAG_UNSAFE, 0,
			  "is this command's database (--db) or a file of it, not a bundle");
		emit(&in, INGEST_BUNDLE_FAILED, 0, NULL, &d);
		return 1;
	}
	rc = bare_ingest(&in, &d);
	if (rc >= 0)
		return rc;
	b = bundle_open(path, o->lim, &d);
	if (b == NULL) {
		bare_hint(path, &d);
		emit(&in, INGEST_BUNDLE_FAILED, 0, NULL, &d);
		return 1;
	}
	bundle_skip(b, &files);
	rc = walk(&in, b, &d);
	bundle_free(b);
	return rc;
}

int
ingest_members(struct ingest *in, const struct bundle_member *m, size_t n, struct diag *d)
{
	struct bundle *b = bundle_open_members(in->path, m, n, in->o->lim, d);
	int rc;

	if (in->bare != NULL)
		open_snapshot_bare(in, d);
	rc = walk(in, b, d);

	bundle_free(b);
	return rc;
}

int
ingest_live_shared(struct db *db, int64_t pid, const struct ingest_opts *o,
		   struct ingest_lock *lock, ingest_event_fn fn, void *ctx)
{
	struct ingest in;
	struct diag d;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%" PRId64, pid);
	ingest_setup(&in, db, path, o, lock, fn, ctx);
	diag_clear(&d);
	return live_ingest(&in, pid, &d);
}

int
ingest_live(struct db *db, int64_t pid, const struct ingest_opts *o, ingest_event_fn fn,
	    void *ctx)
{
	return ingest_live_shared(db, pid, o, NULL, fn, ctx);
}
