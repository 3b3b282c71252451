#include "core/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/xalloc.h"

struct outfile {
	FILE *f;
	char *path;
	char *tmp;	/* the temporary name, or NULL for an unnamed O_TMPFILE */
};

static int
io_fail(struct diag *d, const char *path, const char *what, int err)
{
	return diag_fail(d, DIAG_IO, 0, "cannot %s \"%s\": %s", what, path, strerror(err));
}

/* The directory part of path ("." when none). */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

struct outfile *
outfile_open(const char *path, struct diag *d)
{
	struct outfile *o = xcalloc(1, sizeof(*o));
	char *dir = dir_of(path);
	int fd;

	o->path = xstrdup(path);
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0) {
		/* no O_TMPFILE here: a hidden name beside the file, removed on failure */
		const char *base = strrchr(path, '/');
		struct buf tmp = BUF_INIT;

		buf_printf(&tmp, "%s/.%s.XXXXXX", dir, base != NULL ? base + 1 : path);
		o->tmp = buf_detach(&tmp, NULL);
		fd = mkostemp(o->tmp, O_CLOEXEC);
		if (fd >= 0)
			fchmod(fd, 0644);
	}
	free(dir);
	if (fd < 0) {
		io_fail(d, path, "write", errno);
		outfile_abort(o);
		return NULL;
	}
	o->f = fdopen(fd, "wb");
	if (o->f == NULL) {
		io_fail(d, path, "write", errno);
		close(fd);
		outfile_abort(o);
		return NULL;
	}
	return o;
}

FILE *
outfile_stream(struct outfile *o)
{
	return o->f;
}

/* Give the unnamed file of fd its name: link it, over an existing file by a rename. */
static int
name_tmpfile(struct outfile *o, int fd)
{
	struct buf proc = BUF_INIT, tmp = BUF_INIT;
	int rc, i;

	buf_printf(&proc, "/proc/self/fd/%d", fd);
	rc = linkat(AT_FDCWD, buf_str(&proc), AT_FDCWD, o->path, AT_SYMLINK_FOLLOW);
	for (i = 0; rc != 0 && errno == EEXIST && i < 100; i++) {
		/* path exists: link under a fresh name beside it, then rename over it */
		buf_reset(&tmp);
		buf_printf(&tmp, "%s.%ld.%d.tmp", o->path, (long)getpid(), i);
		rc = linkat(AT_FDCWD, buf_str(&proc), AT_FDCWD, buf_str(&tmp), AT_SYMLINK_FOLLOW);
		if (rc == 0 && rename(buf_str(&tmp), o->path) != 0) {
			int err = errno;

			unlink(buf_str(&tmp));
			errno = err;
			rc = -1;
			break;
		}
		if (rc != 0 && errno != EEXIST)
			break;
	}
	buf_release(&proc);
	buf_release(&tmp);
	return rc;
}

int
outfile_commit(struct outfile *o, struct diag *d)
{
	int fd = fileno(o->f), err = 0;

	if (fflush(o->f) != 0 || ferror(o->f))
		err = errno != 0 ? errno : EIO;
	/* a full disk may only show at writeback: sync before the file gets its name */
	else if (fsync(fd) != 0)
		err = errno;
	else if (o->tmp == NULL && name_tmpfile(o, fd) != 0)
		err = errno;
	if (fclose(o->f) != 0 && err == 0)
		err = errno;
	o->f = NULL;
	if (err == 0 && o->tmp != NULL) {
		if (rename(o->tmp, o->path) != 0)
			err = errno;
		else {
			free(o->tmp);
			o->tmp = NULL;
		}
	}
	if (err != 0)
		io_fail(d, o->path, "write", err);
	outfile_abort(o);	/* unlinks a temporary name left */
	return err != 0 ? -1 : 0;
}

void
outfile_abort(struct outfile *o)
{
	if (o == NULL)
		return;
	if (o->f != NULL)
		fclose(o->f);
	if (o->tmp != NULL)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	free(o);
}

int
outfile_write(const char *path, const void *data, size_t len, struct diag *d)
{
	struct outfile *o = outfile_open(path, d);

	if (o == NULL)
		return -1;
	if (len > 0 && fwrite(data, 1, len, o->f) != len) {
		io_fail(d, path, "write", errno != 0 ? errno : EIO);
		outfile_abort(o);
		return -1;
	}
	return outfile_commit(o, d);
}
