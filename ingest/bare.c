/*
 * Bare files as snapshots: a proc/smaps, a proc/smaps_rollup or a pprof
 * heap profile (gzipped profile.proto or the legacy text) given where a
 * bundle is expected, told by its content and read as a snapshot of that
 * one member. It has no manifest: pid, comm, captured_at and host are
 * unknown, and are stored as unknown ("" and 0 in the snapshot row, absent
 * from its manifest), never made up. Anything else is read as a bundle.
 */
#include "ingest/ingest_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "ingest/bundle.h"

#define PEEK_BYTES 65536

/* The line at s (up to n bytes): its length without the newline. */
static size_t
line_len(const char *s, size_t n)
{
	const char *nl = memchr(s, '\n', n);

	return nl != NULL ? (size_t)(nl - s) : n;
}

/* Is s[0..n) "start-end perms offset dev inode [path]", a VMA header of smaps? */
static int
vma_header(const char *s, size_t n)
{
	size_t i = 0, k;
	int fields = 0;

	/* start-end: hex digits, '-', hex digits */
	for (k = i; i < n && strchr("0123456789abcdef", s[i]) != NULL && s[i] != '\0'; i++)
		;
	if (i == k || i == n || s[i++] != '-')
		return 0;
	for (k = i; i < n && strchr("0123456789abcdef", s[i]) != NULL && s[i] != '\0'; i++)
		;
	if (i == k || i == n || s[i] != ' ')
		return 0;
	/* perms offset dev inode */
	while (fields < 4) {
		while (i < n && s[i] == ' ')
			i++;
		for (k = i; i < n && s[i] != ' '; i++)
			;
		if (i == k)
			return 0;
		fields++;
	}
	return 1;
}

/* Does s begin with the smaps line "KEY:"? */
static int
starts_key(const char *s, size_t n, const char *key)
{
	size_t k = strlen(key);

	return n > k && memcmp(s, key, k) == 0 && s[k] == ':';
}

/*
 * Does the start of an inflated gzip stream look like profile.proto? The
 * top-level fields are walked as far as they go: each must be a field of
 * Profile (1 to 14) with its wire type. What the parser finds wrong later
 * is its own error; this only tells a profile from something else.
 */
static int
proto_profile(const unsigned char *p, size_t n)
{
	/* wire types of Profile's fields 1..14: 2 = bytes, 0 = varint */
	static const int wire[15] = { -1, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 2, 0, 2, 0 };
	size_t i = 0;
	int fields = 0;

	while (i < n && fields < 64) {
		uint64_t tag = 0, len = 0;
		int shift = 0;

		for (; i < n && shift < 64; shift += 7) {
			tag |= (uint64_t)(p[i] & 0x7f) << shift;
			if ((p[i++] & 0x80) == 0)
				break;
		}
		if ((tag >> 3) < 1 || (tag >> 3) > 14 || (int)(tag & 7) != wire[tag >> 3]) {
			/* repeated scalars (drop_frames ...) may also come packed */
			if (!((tag >> 3) >= 7 && (tag >> 3) <= 8 && (tag & 7) == 2))
				return 0;
		}
		for (shift = 0; i < n && shift < 64; shift += 7) {
			len |= (uint64_t)(p[i] & 0x7f) << shift;
			if ((p[i++] & 0x80) == 0)
				break;
		}
		if ((tag & 7) == 2)
			i = len > n - i ? n : i + (size_t)len;
		fields++;
	}
	return fields > 0;
}

/* What the start of a file's content (inflated) is: a member name, or NULL for none of ours. */
static const char *
detect(const char *head, size_t len, int gzip, const char **kind)
{
	size_t n1 = line_len(head, len), n2;
	const char *l2 = n1 < len ? head + n1 + 1 : head + len;

	n2 = line_len(l2, (size_t)(head + len - l2));
	if (len >= 262 && memcmp(head + 257, "ustar", 5) == 0)
		return NULL;	/* a tar archive: a bundle */
	if (gzip && proto_profile((const unsigned char *)head, len)) {
		*kind = "heap profile";
		return "runtime/heap.pb.gz";
	}
	if (len >= 13 && memcmp(head, "heap profile:", 13) == 0) {
		*kind = "heap profile";
		return "runtime/heap.txt";
	}
	if (!vma_header(head, n1))
		return NULL;
	if (n1 >= 8 && memmem(head, n1, "[rollup]", 8) != NULL && starts_key(l2, n2, "Rss")) {
		*kind = "smaps_rollup";
		return "proc/smaps_rollup";
	}
	if (starts_key(l2, n2, "Size")) {
		*kind = "smaps";
		return "proc/smaps";
	}
	return NULL;
}

/* The file's bytes as they are, within max. */
static int
read_raw(const char *path, uint64_t max, struct buf *b, struct diag *d)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	diag_where(d, path, NULL);
	if (f == NULL)
		return diag_fail(d, DIAG_IO, 0, "cannot read: %s", strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b->len + n > max) {
			fclose(f);
			return diag_fail(d, DIAG_LIMIT, 0, "over %llu bytes (limit member_bytes)",
					 (unsigned long long)max);
		}
		buf_add(b, chunk, n);
	}
	if (ferror(f)) {
		fclose(f);
		return diag_fail(d, DIAG_IO, 0, "cannot read: %s", strerror(errno));
	}
	fclose(f);
	return 0;
}

int
bare_ingest(struct ingest *in, struct diag *d)
{
	const struct limits *lim = in->o->lim;
	struct bundle_member m;
	struct diag quiet;
	struct stat st;
	struct buf raw = BUF_INIT;
	const char *rel, *kind = NULL;
	char *head = NULL, *all = NULL;
	size_t len = 0, all_len = 0;
	int compressed = 0, rc, gzip;
	unsigned char magic[2] = { 0, 0 };
	FILE *f;

	if (stat(in->path, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	if ((f = fopen(in->path, "rb")) == NULL)
		return -1;
	gzip = fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
	fclose(f);
	diag_clear(&quiet);
	if (bundle_peek(in->path, PEEK_BYTES, &head, &len, &compressed, &quiet) != 0)
		return -1;	/* the bundle reader says why */
	rel = detect(head, len, gzip && compressed, &kind);
	free(head);
	if (rel == NULL)
		return -1;
	in->bare = kind;
	diag_clear(d);
	if (strcmp(rel, "runtime/heap.pb.gz") == 0)
		rc = read_raw(in->path, lim->member_bytes, &raw, d);
	else if ((rc = bundle_peek(in->path, lim->member_bytes + 1, &all, &all_len, &compressed,
				   d)) == 0 && all_len > lim->member_bytes) {
		diag_where(d, in->path, NULL);
		rc = diag_fail(d, DIAG_LIMIT, 0, "over %llu bytes (limit member_bytes)",
			       (unsigned long long)lim->member_bytes);
	} else if (rc == 0) {
		buf_add(&raw, all, all_len);
	}
	free(all);
	if (rc != 0) {
		emit(in, INGEST_BUNDLE_FAILED, 0, NULL, d);
		buf_release(&raw);
		return 1;
	}
	m.name = rel;
	m.data = raw.data != NULL ? raw.data : "";
	m.len = raw.len;
	rc = ingest_members(in, &m, 1, d);
	buf_release(&raw);
	return rc;
}

int
bare_notes(struct ingest *in, struct diag *d)
{
	struct buf b = BUF_INIT;
	int rc;

	buf_printf(&b, "a bare %s file: no manifest, so pid, comm, captured_at and host are unknown",
		   in->bare);
	rc = db_note_put(in->db, in->s.id, "manifest", 0, buf_str(&b), d);
	if (rc == 0 && !in->s.have_smaps && in->s.maps_data == NULL)
		rc = db_note_put(in->db, in->s.id, in->s.have_rollup ? "proc/smaps_rollup" :
						      "proc/smaps", 0,
				 in->s.have_rollup ?
				 "no memory map: totals from smaps_rollup, no VMAs or roles" :
				 "no memory map: a heap profile alone has no VMAs, Rss unknown", d);
	buf_release(&b);
	return rc;
}

void
bare_hint(const char *path, struct diag *d)
{
	struct stat st;

	if (d->kind != DIAG_FORMAT || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	diag_hint(d, "expected a bundle (a tar archive, maybe compressed, or a directory), or a bare "
		     "proc/smaps, proc/smaps_rollup or pprof heap profile (heap.pb.gz or the "
		     "\"heap profile:\" text)");
}
