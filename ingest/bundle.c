#include "ingest/bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/escape.h"
#include "core/xalloc.h"

#define BLOCK_BYTES (1024 * 1024)
#define RATIO_FLOOR (16ull * 1024 * 1024)

struct bundle {
	struct archive *ar;
	const struct limits *lim;
	char *path;
	int is_dir;
	size_t dir_prefix;	/* bytes to strip from disk paths */
	struct buf name;
	uint64_t members;
	uint64_t inflated;
	uint64_t member_offset;
	int in_member;
	int dead;		/* a fatal read error was reported: nothing more to read */
};

/* A libarchive error: inside a member at its offset, else at the compressed offset. */
static int
archive_fail(struct bundle *b, struct diag *d, const char *what, int rc)
{
	const char *msg = archive_error_string(b->ar);
	int64_t at = b->in_member ? (int64_t)b->member_offset
		     : b->is_dir ? -1 : (int64_t)archive_filter_bytes(b->ar, -1);

	if (msg == NULL)
		msg = "unknown libarchive error";
	if (rc == ARCHIVE_FATAL)
		b->dead = 1;
	if (at <= 0 && !b->in_member)
		return diag_fail(d, DIAG_FORMAT, 0, "%s: %s", what, msg);
	return diag_fail_at(d, DIAG_FORMAT, at, "%s: %s", what, msg);
}

struct bundle *
bundle_open(const char *path, const struct limits *lim, struct diag *d)
{
	struct bundle *b;
	struct stat st;

	if (stat(path, &st) != 0) {
		diag_where(d, path, NULL);
		diag_fail(d, DIAG_IO, 0, "cannot open bundle: %s", strerror(errno));
		return NULL;
	}
	b = xcalloc(1, sizeof(*b));
	b->lim = lim;
	b->path = xstrdup(path);
	buf_init(&b->name);
	diag_where(d, path, NULL);
	if (S_ISDIR(st.st_mode)) {
		b->is_dir = 1;
		b->ar = archive_read_disk_new();
		archive_read_disk_set_symlink_physical(b->ar);
		archive_read_disk_set_behavior(b->ar, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
		if (archive_read_disk_open(b->ar, path) != ARCHIVE_OK) {
			archive_fail(b, d, "cannot read directory", ARCHIVE_FATAL);
			bundle_free(b);
			return NULL;
		}
		b->dir_prefix = strlen(path);
		while (b->dir_prefix > 1 && path[b->dir_prefix - 1] == '/')
			b->dir_prefix--;
		return b;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_fail(d, DIAG_UNSAFE, 0, "not a regular file or directory");
		bundle_free(b);
		return NULL;
	}
	if ((uint64_t)st.st_size > lim->compressed_bytes) {
		diag_fail(d, DIAG_LIMIT, 0, "bundle is %lld bytes, over the %llu-byte cap (limit compressed_bytes)",
			  (long long)st.st_size, (unsigned long long)lim->compressed_bytes);
		bundle_free(b);
		return NULL;
	}
	b->ar = archive_read_new();
	archive_read_support_filter_all(b->ar);
	archive_read_support_format_tar(b->ar);
	archive_read_support_format_gnutar(b->ar);
	if (archive_read_open_filename(b->ar, path, BLOCK_BYTES) != ARCHIVE_OK) {
		archive_fail(b, d, "cannot open bundle", ARCHIVE_FATAL);
		bundle_free(b);
		return NULL;
	}
	return b;
}

void
bundle_free(struct bundle *b)
{
	if (b == NULL)
		return;
	if (b->ar != NULL)
		archive_read_free(b->ar);
	buf_release(&b->name);
	free(b->path);
	free(b);
}

/* Is the member name safe to use: relative, no "..", UTF-8, bounded? */
static int
check_name(struct bundle *b, const char *name, struct diag *d)
{
	size_t n = strlen(name);
	const char *p;

	if (n > b->lim->path_bytes)
		return diag_fail(d, DIAG_LIMIT, 0, "member path is %zu bytes, over the %llu-byte cap (limit path_bytes)",
				 n, (unsigned long long)b->lim->path_bytes);
	if (!utf8_clean(name, n))
		return diag_fail(d, DIAG_UNSAFE, 0, "member path is not valid UTF-8 text (refused)");
	if (name[0] == '/')
		return diag_fail(d, DIAG_UNSAFE, 0, "absolute member path (refused)");
	for (p = name; *p != '\0';) {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.')
			return diag_fail(d, DIAG_UNSAFE, 0, "member path contains \"..\" (refused)");
		p += len;
		while (*p == '/')
			p++;
	}
	return 0;
}

/* Drain the rest of the current member so the next header can be read. */
static int
skip_member(struct bundle *b, struct diag *d)
{
	const void *data;
	int64_t n;

	while (b->in_member) {
		n = bundle_read(b, &data, d);
		if (n < 0)
			return -1;
	}
	return 0;
}

int
bundle_next(struct bundle *b, const char **name, struct diag *d)
{
	struct archive_entry *e;
	const char *raw;
	int rc;

	if (b->in_member && skip_member(b, d) != 0)
		return -1;
	if (b->dead)
		return 0;
	for (;;) {
		if (b->is_dir) {
			e = archive_entry_new();
			rc = archive_read_next_header2(b->ar, e);
		} else {
			rc = archive_read_next_header(b->ar, &e);
		}
		if (rc == ARCHIVE_EOF) {
			if (b->is_dir)
				archive_entry_free(e);
			return 0;
		}
		diag_where(d, NULL, NULL);
		if (rc < ARCHIVE_WARN) {
			if (b->is_dir)
				archive_entry_free(e);
			return archive_fail(b, d, "cannot read the next member", rc);
		}
		raw = archive_entry_pathname(e);
		if (raw == NULL)
			raw = "";
		if (b->is_dir) {
			archive_read_disk_descend(b->ar);
			raw += strlen(raw) >= b->dir_prefix ? b->dir_prefix : strlen(raw);
		}
		while (raw[0] == '.' && raw[1] == '/')
			raw += 2;
		while (b->is_dir && raw[0] == '/')
			raw++;
		buf_reset(&b->name);
		buf_puts(&b->name, raw);
		while (b->name.len > 0 && b->name.data[b->name.len - 1] == '/')
			b->name.data[--b->name.len] = '\0';
		if (b->is_dir)
			archive_entry_free(e), e = NULL;
		if (b->name.len == 0)
			continue;
		diag_where(d, NULL, buf_str(&b->name));
		if (++b->members > b->lim->members) {
			return diag_fail(d, DIAG_LIMIT, 0, "more than %llu members (limit members)",
					 (unsigned long long)b->lim->members);
		}
		if (check_name(b, buf_str(&b->name), d) != 0)
			return -1;
		/* e is NULL for directories read from disk: their types were checked by stat below */
		if (!b->is_dir) {
			mode_t type = archive_entry_filetype(e);

			if (type == AE_IFDIR)
				continue;
			if (archive_entry_hardlink(e) != NULL)
				return diag_fail(d, DIAG_UNSAFE, 0, "member is a hard link (refused)");
			if (type == AE_IFLNK)
				return diag_fail(d, DIAG_UNSAFE, 0, "member is a symbolic link (refused)");
			if (type != AE_IFREG)
				return diag_fail(d, DIAG_UNSAFE, 0, "member is not a regular file (refused)");
		} else {
			struct buf full = BUF_INIT;
			struct stat st;
			int ok;

			buf_printf(&full, "%.*s/%s", (int)b->dir_prefix, b->path, buf_str(&b->name));
			ok = lstat(buf_str(&full), &st) == 0;
			buf_release(&full);
			if (!ok)
				return diag_fail(d, DIAG_IO, 0, "cannot stat member: %s", strerror(errno));
			if (S_ISDIR(st.st_mode))
				continue;
			if (S_ISLNK(st.st_mode))
				return diag_fail(d, DIAG_UNSAFE, 0, "member is a symbolic link (refused)");
			if (!S_ISREG(st.st_mode))
				return diag_fail(d, DIAG_UNSAFE, 0, "member is not a regular file (refused)");
		}
		b->member_offset = 0;
		b->in_member = 1;
		*name = buf_str(&b->name);
		return 1;
	}
}

int64_t
bundle_read(struct bundle *b, const void **data, struct diag *d)
{
	size_t size;
	la_int64_t off;
	int rc;

	if (!b->in_member)
		return 0;
	rc = archive_read_data_block(b->ar, data, &size, &off);
	if (rc == ARCHIVE_EOF) {
		b->in_member = 0;
		return 0;
	}
	if (rc < ARCHIVE_WARN) {
		archive_fail(b, d, "cannot read member data", rc);
		b->in_member = 0;
		return -1;
	}
	/* sparse members: holes are not delivered, so keep to the data given */
	b->member_offset += size;
	b->inflated += size;
	if (b->inflated > b->lim->inflated_bytes) {
		b->in_member = 0;
		return diag_fail_at(d, DIAG_LIMIT, (int64_t)b->member_offset,
				    "bundle inflates past %llu bytes (limit inflated_bytes)",
				    (unsigned long long)b->lim->inflated_bytes);
	}
	if (!b->is_dir && b->inflated > RATIO_FLOOR) {
		la_int64_t packed = archive_filter_bytes(b->ar, -1);

		if (packed > 0 && b->inflated / (uint64_t)packed > b->lim->inflate_ratio) {
			b->in_member = 0;
			return diag_fail_at(d, DIAG_LIMIT, (int64_t)b->member_offset,
					    "bundle inflates %llu bytes from %lld, a ratio over %llu (limit inflate_ratio)",
					    (unsigned long long)b->inflated, (long long)packed,
					    (unsigned long long)b->lim->inflate_ratio);
		}
	}
	if (size == 0)
		return bundle_read(b, data, d);
	return (int64_t)size;
}

uint64_t
bundle_member_offset(const struct bundle *b)
{
	return b->member_offset;
}

int
bundle_gunzip(const void *in, size_t in_len, uint64_t max, char **out, size_t *out_len,
	      struct diag *d)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *e;
	struct buf b = BUF_INIT;
	int rc = -1;

	archive_read_support_filter_gzip(ar);
	archive_read_support_format_raw(ar);
	if (archive_read_open_memory(ar, in, in_len) != ARCHIVE_OK ||
	    archive_read_next_header(ar, &e) != ARCHIVE_OK) {
		diag_fail_at(d, DIAG_FORMAT, 0, "not a gzip stream: %s",
			     archive_error_string(ar) ? archive_error_string(ar) : "unknown");
		goto out;
	}
	if (archive_filter_code(ar, 0) != ARCHIVE_FILTER_GZIP) {
		diag_fail_at(d, DIAG_FORMAT, 0, "not a gzip stream (expected gzip magic 1f 8b)");
		goto out;
	}
	for (;;) {
		char chunk[65536];
		la_ssize_t n = archive_read_data(ar, chunk, sizeof(chunk));

		if (n == 0)
			break;
		if (n < 0) {
			diag_fail_at(d, DIAG_FORMAT, (int64_t)b.len, "corrupt gzip data: %s",
				     archive_error_string(ar) ? archive_error_string(ar) : "unknown");
			goto out;
		}
		if (b.len + (size_t)n > max) {
			diag_fail_at(d, DIAG_LIMIT, (int64_t)b.len,
				     "inflates past %llu bytes (limit member_bytes)",
				     (unsigned long long)max);
			goto out;
		}
		buf_add(&b, chunk, (size_t)n);
	}
	*out = buf_detach(&b, out_len);
	rc = 0;
out:
	buf_release(&b);
	archive_read_free(ar);
	return rc;
}
