#include "ingest/bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __linux__
#include <linux/magic.h>
#include <sys/vfs.h>
#endif

#include "core/buf.h"
#include "core/db.h"
#include "core/escape.h"
#include "core/xalloc.h"

#define BLOCK_BYTES (1024 * 1024)

struct bundle;
static int check_name(struct bundle *b, const char *name, struct diag *d);
#define RATIO_FLOOR (16ull * 1024 * 1024)

struct bundle {
	struct archive *ar;
	const struct limits *lim;
	char *path;
	int is_dir;
	size_t dir_prefix;	/* bytes to strip from disk paths */
	struct buf name;
	struct buf raw;		/* the name as libarchive gives it */
	uint64_t members;
	uint64_t inflated;
	uint64_t member_offset;
	int in_member;
	int dead;		/* a fatal read error was reported: nothing more to read */
	int damaged;		/* the last header read was damaged (reported once per run) */
	int64_t damaged_at;	/* where the reader was after it */
	uint64_t skipped;	/* damaged headers after the first of a run */
	struct buf warning;	/* libarchive's warning about the current member, "" none */
	uint64_t file_bytes;	/* the bundle file's size */
	locale_t utf8;		/* C.UTF-8 while libarchive reads headers, or (locale_t)0 */
	int at_end;		/* libarchive found the end of the archive */
	const struct db_files *skip;	/* files a directory walk passes over, or NULL */
	const struct bundle_member *mem;	/* members held in memory, or NULL */
	size_t nmem, next_mem;
	int mem_read;		/* the current memory member was handed out */
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

/* path is a directory of procfs (Linux's /proc). */
static int
on_procfs(const char *path)
{
#ifdef __linux__
	struct statfs fs;

	return statfs(path, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
#else
	(void)path;
	return 0;
#endif
}

/* libarchive's metadata filter: before it opens a file of a directory bundle (0 passes over it) */
static int
keep_entry(struct archive *ar, void *ctx, struct archive_entry *e)
{
	const struct bundle *b = ctx;

	(void)ar;
	return b->skip == NULL ||
	       !db_files_has(b->skip, (dev_t)archive_entry_dev(e), (ino_t)archive_entry_ino64(e));
}

void
bundle_skip(struct bundle *b, const struct db_files *f)
{
	b->skip = f;
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
	/*
	 * Member names are UTF-8 (check_name refuses others): libarchive
	 * converts pax names to the current locale's charset, and in the C
	 * locale it warns for every non-ASCII one. It reads headers in C.UTF-8.
	 */
	b->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	buf_init(&b->name);
	buf_init(&b->raw);
	buf_init(&b->warning);
	diag_where(d, path, NULL);
	if (S_ISDIR(st.st_mode)) {
		if (on_procfs(path)) {
			/* say so: libarchive would stop at the first link of /proc/PID it may not read */
			diag_fail(d, DIAG_FORMAT, 0, "a directory of /proc, not a bundle");
			diag_hint(d, "give it as /proc/PID (its number: ingest, show and diff read the"
				     " live process), or capture it into a bundle: rssgap-capture --pid PID");
			bundle_free(b);
			return NULL;
		}
		b->is_dir = 1;
		b->ar = archive_read_disk_new();
		archive_read_disk_set_symlink_physical(b->ar);
		/*
		 * No flags, ACLs, xattrs or holes: libarchive would open every
		 * file it meets for them. It still opens each file it returns,
		 * so the store's own (struct db_files) are passed over before.
		 */
		archive_read_disk_set_behavior(b->ar, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS |
						      ARCHIVE_READDISK_NO_XATTR |
						      ARCHIVE_READDISK_NO_ACL |
						      ARCHIVE_READDISK_NO_FFLAGS |
						      ARCHIVE_READDISK_NO_SPARSE);
		archive_read_disk_set_metadata_filter_callback(b->ar, keep_entry, b);
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
	b->file_bytes = (uint64_t)st.st_size;
	b->ar = archive_read_new();
	archive_read_support_filter_all(b->ar);
	archive_read_support_format_tar(b->ar);
	archive_read_support_format_gnutar(b->ar);
	/*
	 * Past the end-of-archive blocks, read on: "cat a.tar.gz b.tar.gz"
	 * (gzip members one after the other, which libarchive inflates as one
	 * stream) or "cat a.tar b.tar" holds both archives, and anything else
	 * after the end is read as a header and reported, never dropped.
	 */
	if (archive_read_set_format_option(b->ar, "tar", "read_concatenated_archives", "1") !=
	    ARCHIVE_OK) {
		archive_fail(b, d, "cannot set up the tar reader", ARCHIVE_FATAL);
		bundle_free(b);
		return NULL;
	}
	if (archive_read_open_filename(b->ar, path, BLOCK_BYTES) != ARCHIVE_OK) {
		archive_fail(b, d, "cannot open bundle", ARCHIVE_FATAL);
		bundle_free(b);
		return NULL;
	}
	return b;
}

struct bundle *
bundle_open_members(const char *label, const struct bundle_member *m, size_t n,
		    const struct limits *lim, struct diag *d)
{
	struct bundle *b = xcalloc(1, sizeof(*b));

	(void)d;
	b->lim = lim;
	b->path = xstrdup(label);
	b->mem = m;
	b->nmem = n;
	buf_init(&b->name);
	buf_init(&b->raw);
	buf_init(&b->warning);
	diag_where(d, label, NULL);
	return b;
}

/* bundle_next for members held in memory. */
static int
next_mem(struct bundle *b, const char **name, struct diag *d)
{
	if (b->next_mem == b->nmem) {
		b->at_end = 1;
		return 0;
	}
	buf_reset(&b->name);
	buf_puts(&b->name, b->mem[b->next_mem++].name);
	diag_where(d, NULL, buf_str(&b->name));
	if (++b->members > b->lim->members) {
		b->dead = 1;
		return diag_fail(d, DIAG_LIMIT, 0, "more than %llu members (limit members)",
				 (unsigned long long)b->lim->members);
	}
	if (check_name(b, buf_str(&b->name), d) != 0)
		return -1;
	b->member_offset = 0;
	b->in_member = 1;
	b->mem_read = 0;
	*name = buf_str(&b->name);
	return 1;
}

int
bundle_peek(const char *path, size_t max, char **head, size_t *len, int *compressed,
	    struct diag *d)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *e;
	struct buf b = BUF_INIT;
	int rc = -1;

	archive_read_support_filter_all(ar);
	archive_read_support_format_raw(ar);
	diag_where(d, path, NULL);
	if (archive_read_open_filename(ar, path, 65536) != ARCHIVE_OK ||
	    archive_read_next_header(ar, &e) != ARCHIVE_OK) {
		diag_fail(d, DIAG_IO, 0, "cannot read: %s",
			  archive_error_string(ar) ? archive_error_string(ar) : "unknown");
		goto out;
	}
	*compressed = archive_filter_count(ar) > 1;
	while (b.len < max) {
		char chunk[16384];
		size_t want = max - b.len < sizeof(chunk) ? max - b.len : sizeof(chunk);
		la_ssize_t n = archive_read_data(ar, chunk, want);

		if (n == 0)
			break;
		if (n < 0) {
			if (b.len > 0)
				break;	/* what was read is enough to tell what it is */
			diag_fail(d, DIAG_FORMAT, 0, "cannot read: %s",
				  archive_error_string(ar) ? archive_error_string(ar) : "unknown");
			goto out;
		}
		buf_add(&b, chunk, (size_t)n);
	}
	buf_putc(&b, '\0');
	b.len--;
	*head = buf_detach(&b, len);
	rc = 0;
out:
	buf_release(&b);
	archive_read_free(ar);
	return rc;
}

void
bundle_free(struct bundle *b)
{
	if (b == NULL)
		return;
	if (b->ar != NULL)
		archive_read_free(b->ar);
	if (b->utf8 != (locale_t)0)
		freelocale(b->utf8);
	buf_release(&b->name);
	buf_release(&b->raw);
	buf_release(&b->warning);
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

/*
 * libarchive could not use a header (ARCHIVE_RETRY, e.g. "Damaged tar
 * archive": a bad checksum; or ARCHIVE_FAILED: this entry only): the
 * member it began is lost, and the blocks after it are tried as headers
 * until one is good. -1 with d filled for the first of a run (the caller
 * may go on), 0 for the others, which are only counted. A reader that
 * stops moving is fatal.
 */
static int
header_lost(struct bundle *b, struct diag *d)
{
	int64_t at = b->is_dir ? -1 : (int64_t)archive_filter_bytes(b->ar, 0);
	const char *msg = archive_error_string(b->ar);

	if (b->damaged && at == b->damaged_at) {
		b->dead = 1;
		return diag_fail(d, DIAG_FORMAT, 0, "the reader is stuck after a damaged header: %s",
				 msg != NULL ? msg : "unknown libarchive error");
	}
	if (b->damaged) {
		b->damaged_at = at;
		b->skipped++;
		return 0;
	}
	b->damaged = 1;
	b->damaged_at = at;
	if (b->is_dir)
		return diag_fail(d, DIAG_IO, 0, "cannot read an entry: %s",
				 msg != NULL ? msg : "unknown libarchive error");
	/* the header is the 512-byte block just consumed */
	return diag_fail_at(d, DIAG_FORMAT, at >= 512 ? at - 512 : 0,
			    "damaged tar header (%s): the member it began is lost",
			    msg != NULL ? msg : "unreadable");
}

/* Are the bytes of the bundle file from offset at to its end all zero (padding)? */
static int
zeros_from(const char *path, uint64_t at)
{
	FILE *f = fopen(path, "rb");
	unsigned char chunk[65536];
	size_t n, i;
	int zero = 1;

	if (f == NULL || fseeko(f, (off_t)at, SEEK_SET) != 0) {
		if (f != NULL)
			fclose(f);
		return 0;
	}
	while (zero && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		for (i = 0; i < n && zero; i++)
			zero = chunk[i] == 0;
	if (ferror(f))
		zero = 0;
	fclose(f);
	return zero;
}

int
bundle_check_end(struct bundle *b, struct diag *d)
{
	la_int64_t used;

	if (b->is_dir || b->mem != NULL || !b->at_end)
		return 0;
	used = archive_filter_bytes(b->ar, -1);
	if (used < 0 || (uint64_t)used >= b->file_bytes || zeros_from(b->path, (uint64_t)used))
		return 0;
	diag_where(d, NULL, NULL);
	return diag_fail_at(d, DIAG_FORMAT, (int64_t)used,
			    "%llu bytes after the end of the compressed archive (not read)",
			    (unsigned long long)(b->file_bytes - (uint64_t)used));
}

/* The next header into *e, and its path name into b->raw, read in C.UTF-8 (b->utf8). */
static int
read_header(struct bundle *b, struct archive_entry **e)
{
	locale_t was = b->utf8 != (locale_t)0 ? uselocale(b->utf8) : (locale_t)0;
	const char *raw;
	int rc;

	if (b->is_dir) {
		*e = archive_entry_new();
		rc = archive_read_next_header2(b->ar, *e);
	} else {
		rc = archive_read_next_header(b->ar, e);
	}
	buf_reset(&b->raw);
	if (rc == ARCHIVE_OK || rc == ARCHIVE_WARN) {
		raw = archive_entry_pathname(*e);
		buf_puts(&b->raw, raw != NULL ? raw : "");
	}
	if (was != (locale_t)0)
		uselocale(was);
	return rc;
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
	if (b->mem != NULL)
		return next_mem(b, name, d);
	for (;;) {
		rc = read_header(b, &e);
		if (rc == ARCHIVE_EOF) {
			if (b->is_dir)
				archive_entry_free(e);
			b->at_end = 1;
			return 0;
		}
		diag_where(d, NULL, NULL);
		if (rc == ARCHIVE_RETRY || rc == ARCHIVE_FAILED) {
			if (b->is_dir)
				archive_entry_free(e);
			if (header_lost(b, d) != 0)
				return -1;
			continue;
		}
		if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
			if (b->is_dir)
				archive_entry_free(e);
			return archive_fail(b, d, "cannot read the next member", ARCHIVE_FATAL);
		}
		b->damaged = 0;
		buf_reset(&b->warning);
		if (rc == ARCHIVE_WARN)
			buf_puts(&b->warning, archive_error_string(b->ar) != NULL ?
						      archive_error_string(b->ar) : "unknown warning");
		raw = buf_str(&b->raw);
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
			b->dead = 1;
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
			/* another name of a file that may live anywhere (/etc/passwd), as in a tar */
			if (st.st_nlink > 1)
				return diag_fail(d, DIAG_UNSAFE, 0,
						 "member is a hard link (%ju names) (refused)",
						 (uintmax_t)st.st_nlink);
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
	if (b->mem != NULL) {
		const struct bundle_member *m = &b->mem[b->next_mem - 1];

		if (b->mem_read || m->len == 0) {
			b->in_member = 0;
			return 0;
		}
		b->mem_read = 1;
		*data = m->data;
		size = m->len;
		b->member_offset += size;
		b->inflated += size;
		if (b->inflated > b->lim->inflated_bytes) {
			b->in_member = 0;
			b->dead = 1;
			return diag_fail_at(d, DIAG_LIMIT, 0,
					    "members pass %llu bytes (limit inflated_bytes)",
					    (unsigned long long)b->lim->inflated_bytes);
		}
		return (int64_t)size;
	}
	rc = archive_read_data_block(b->ar, data, &size, &off);
	if (rc == ARCHIVE_EOF) {
		b->in_member = 0;
		return 0;
	}
	if (rc != ARCHIVE_OK) {
		/* a warning here means data may be missing: the member is not whole */
		archive_fail(b, d, "cannot read member data", rc);
		b->in_member = 0;
		return -1;
	}
	/* sparse members: holes are not delivered, so keep to the data given */
	b->member_offset += size;
	b->inflated += size;
	if (b->inflated > b->lim->inflated_bytes) {
		b->in_member = 0;
		b->dead = 1;
		return diag_fail_at(d, DIAG_LIMIT, (int64_t)b->member_offset,
				    "bundle inflates past %llu bytes (limit inflated_bytes)",
				    (unsigned long long)b->lim->inflated_bytes);
	}
	if (!b->is_dir && b->inflated > RATIO_FLOOR) {
		la_int64_t packed = archive_filter_bytes(b->ar, -1);

		if (packed > 0 && b->inflated / (uint64_t)packed > b->lim->inflate_ratio) {
			b->in_member = 0;
			b->dead = 1;
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

int
bundle_dead(const struct bundle *b)
{
	return b->dead;
}

const char *
bundle_warning(const struct bundle *b)
{
	return b->warning.len > 0 ? buf_str(&b->warning) : NULL;
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
