/*
 * A live process as a snapshot: /proc/PID's smaps, smaps_rollup, status
 * and maps and its memory cgroup's files read into memory, with a manifest
 * made here, handed to the bundle walk as members held in memory
 * (bundle_open_members). The same parsers read them as read a bundle;
 * nothing is written to disk and nothing is fetched over HTTP.
 */
#include "ingest/ingest_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/version.h"
#include "core/xalloc.h"
#include "ingest/bundle.h"

#define LIVE_MAX_MEMBERS 24

struct live {
	struct bundle_member m[LIVE_MAX_MEMBERS];
	struct buf data[LIVE_MAX_MEMBERS];
	char *names[LIVE_MAX_MEMBERS];
	size_t n;
	int64_t pid;
};

/* Is /proc/PID still there? */
static int
alive(int64_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%" PRId64, pid);
	return stat(path, &st) == 0;
}

/*
 * Read path whole into b, within max bytes. 0 ok, 1 absent or unreadable
 * when optional, -1 with d filled.
 */
static int
read_whole(struct live *l, const char *path, uint64_t max, int optional, struct buf *b,
	   struct diag *d)
{
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		if (optional)
			return 1;
		diag_where(d, path, NULL);
		if (errno == EACCES || errno == EPERM) {
			diag_fail(d, DIAG_IO, 0, "cannot read: %s", strerror(errno));
			diag_hint(d, "run as the process's user or as root");
			return -1;
		}
		if (errno == ENOENT || errno == ESRCH) {
			if (!alive(l->pid))
				return diag_fail(d, DIAG_IO, 0,
						 "process %" PRId64 " exited while it was read",
						 l->pid);
		}
		return diag_fail(d, DIAG_IO, 0, "cannot read: %s", strerror(errno));
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			if (optional)
				return 1;
			diag_where(d, path, NULL);
			if (e == ESRCH || !alive(l->pid))
				return diag_fail(d, DIAG_IO, 0,
						 "process %" PRId64 " exited while it was read",
						 l->pid);
			return diag_fail(d, DIAG_IO, 0, "cannot read: %s", strerror(e));
		}
		if (b->len + (uint64_t)n > max) {
			close(fd);
			diag_where(d, path, NULL);
			return diag_fail(d, DIAG_LIMIT, 0, "over %llu bytes (limit member_bytes)",
					 (unsigned long long)max);
		}
		buf_add(b, chunk, (size_t)n);
	}
	close(fd);
	return 0;
}

/* The member rel of the snapshot, read from path; see read_whole. */
static int
add_file(struct live *l, const char *rel, const char *path, const struct limits *lim,
	 int optional, struct diag *d)
{
	struct buf *b = &l->data[l->n];
	int rc;

	if (l->n == LIVE_MAX_MEMBERS)
		return 1;
	buf_init(b);
	rc = read_whole(l, path, lim->member_bytes, optional, b, d);
	if (rc != 0) {
		buf_release(b);
		return rc;
	}
	l->names[l->n] = xstrdup(rel);
	l->m[l->n].name = l->names[l->n];
	l->m[l->n].data = b->data != NULL ? b->data : "";
	l->m[l->n].len = b->len;
	l->n++;
	return 0;
}

/*
 * Field 22 of /proc/PID/stat (starttime: clock ticks since boot, what the
 * capture records as start_time) into out[cap], "" when unreadable. comm,
 * field 2, may hold spaces and ')': the fields are counted after the last ')'.
 */
static void
start_time_of(struct live *l, char *out, size_t cap)
{
	struct buf stat = BUF_INIT;
	struct diag d;
	char path[64];
	const char *p, *e;
	int field = 3;

	out[0] = '\0';
	diag_clear(&d);
	snprintf(path, sizeof(path), "/proc/%" PRId64 "/stat", l->pid);
	if (read_whole(l, path, 4096, 1, &stat, &d) != 0 || stat.len == 0)
		goto out;
	p = strrchr(buf_str(&stat), ')');
	if (p == NULL)
		goto out;
	for (p++; field <= 22; field++) {
		if (*p != ' ')
			goto out;
		p++;
		if (field == 22)
			break;
		p += strcspn(p, " ");
	}
	e = p + strspn(p, "0123456789");
	if (e > p && (*e == ' ' || *e == '\n' || *e == '\0') && (size_t)(e - p) < cap) {
		memcpy(out, p, (size_t)(e - p));
		out[e - p] = '\0';
	}
out:
	buf_release(&stat);
}

/* A manifest value: one line, printable ASCII (comm may hold any byte). */
static void
kv(struct buf *b, const char *key, const char *value)
{
	const unsigned char *p;

	if (value == NULL || value[0] == '\0')
		return;
	buf_printf(b, "%s=", key);
	for (p = (const unsigned char *)value; *p != '\0'; p++)
		buf_putc(b, *p < 0x20 || *p >= 0x7f ? '?' : (char)*p);
	buf_putc(b, '\n');
}

/* The memory cgroup of the process, v1 or v2, where /sys/fs/cgroup mounts it (optional). */
static void
add_cgroup(struct live *l, const struct limits *lim, struct diag *d)
{
	static const char *const v1[] = { "memory.usage_in_bytes", "memory.limit_in_bytes",
					  "memory.max_usage_in_bytes", "memory.stat",
					  "memory.failcnt", "memory.oom_control", NULL };
	static const char *const v2[] = { "memory.current", "memory.max", "memory.high",
					  "memory.peak", "memory.stat", "memory.events",
					  "memory.swap.current", "memory.swap.max",
					  "memory.pressure", NULL };
	struct buf cg = BUF_INIT, dir = BUF_INIT, file = BUF_INIT, rel = BUF_INIT;
	const char *const *files = NULL;
	char path[64], *line, *save = NULL, *v2path = NULL;
	struct diag ignored;
	struct stat st;
	size_t i;

	diag_clear(&ignored);
	snprintf(path, sizeof(path), "/proc/%" PRId64 "/cgroup", l->pid);
	if (read_whole(l, path, lim->member_bytes, 1, &cg, &ignored) != 0)
		goto out;
	buf_putc(&cg, '\0');
	/* the v1 memory controller's line wins (hybrid hosts also have a 0:: line) */
	for (line = strtok_r(cg.data, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;

		if (c2 == NULL)
			continue;
		if (strncmp(line, "0::", 3) == 0) {
			v2path = c2 + 1;
			continue;
		}
		*c2 = '\0';
		if (strstr(c1 + 1, "memory") != NULL) {
			buf_printf(&dir, "/sys/fs/cgroup/memory%s", c2 + 1);
			files = v1;
			break;
		}
	}
	if (files == NULL && v2path != NULL) {
		buf_printf(&dir, "/sys/fs/cgroup%s", v2path);
		files = v2;
	}
	if (files == NULL || stat(buf_str(&dir), &st) != 0 || !S_ISDIR(st.st_mode))
		goto out;
	if (l->n < LIVE_MAX_MEMBERS) {
		buf_init(&l->data[l->n]);
		buf_puts(&l->data[l->n], files == v1 ? "1\n" : "2\n");
		l->names[l->n] = xstrdup("cgroup/version");
		l->m[l->n].name = l->names[l->n];
		l->m[l->n].data = l->data[l->n].data;
		l->m[l->n].len = l->data[l->n].len;
		l->n++;
	}
	for (i = 0; files[i] != NULL; i++) {
		buf_reset(&file);
		buf_reset(&rel);
		buf_printf(&file, "%s/%s", buf_str(&dir), files[i]);
		buf_printf(&rel, "cgroup/%s", files[i]);
		add_file(l, buf_str(&rel), buf_str(&file), lim, 1, d);
	}
out:
	buf_release(&cg);
	buf_release(&dir);
	buf_release(&file);
	buf_release(&rel);
}

/* The manifest: who and when, as the capture writes it (docs/capturing.md). */
static void
add_manifest(struct live *l, const char *comm, const char *start_time)
{
	struct buf *b = &l->data[l->n];
	struct utsname u;
	char at[32], num[32];
	time_t now = time(NULL);
	struct tm tm;
	long ps = sysconf(_SC_PAGESIZE);

	buf_init(b);
	gmtime_r(&now, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_puts(b, "# made by rssgap from /proc (a live process)\n");
	kv(b, "format", "rssgap/1");
	kv(b, "captured_at", at);
	snprintf(num, sizeof(num), "%" PRId64, l->pid);
	kv(b, "pid", num);
	kv(b, "comm", comm);
	if (uname(&u) == 0) {
		kv(b, "host", u.nodename);
		kv(b, "kernel", u.release);
		kv(b, "arch", u.machine);
	}
	if (ps > 0) {
		snprintf(num, sizeof(num), "%ld", ps);
		kv(b, "page_size", num);
	}
	if (start_time[0] != '\0')
		kv(b, "start_time", start_time);
	kv(b, "source", "live");
	kv(b, "tool", "rssgap/" RSSGAP_VERSION);
	l->names[l->n] = xstrdup("manifest");
	l->m[l->n].name = l->names[l->n];
	l->m[l->n].data = b->data;
	l->m[l->n].len = b->len;
	l->n++;
}

static void
live_release(struct live *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		buf_release(&l->data[i]);
		free(l->names[i]);
	}
}

int
live_ingest(struct ingest *in, int64_t pid, struct diag *d)
{
	struct live l;
	struct buf comm = BUF_INIT;
	const struct limits *lim = in->o->lim;
	char path[96], start[32];
	size_t smaps_at;
	int rc;

	memset(&l, 0, sizeof(l));
	l.pid = pid;
	snprintf(path, sizeof(path), "/proc/%" PRId64, pid);
	if (pid <= 0 || !alive(pid)) {
		diag_where(d, path, NULL);
		diag_fail(d, DIAG_IO, 0, "no such process");
		emit(in, INGEST_BUNDLE_FAILED, 0, NULL, d);
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/%" PRId64 "/comm", pid);
	if (read_whole(&l, path, 4096, 0, &comm, d) != 0)
		goto fail;
	while (comm.len > 0 && comm.data[comm.len - 1] == '\n')
		comm.data[--comm.len] = '\0';
	start_time_of(&l, start, sizeof(start));
	add_manifest(&l, buf_str(&comm), start);
	/* the order the capture reads them in: rollup first, status last */
	snprintf(path, sizeof(path), "/proc/%" PRId64 "/smaps_rollup", pid);
	if (add_file(&l, "proc/smaps_rollup", path, lim, 1, d) < 0)
		goto fail;
	smaps_at = l.n;
	snprintf(path, sizeof(path), "/proc/%" PRId64 "/smaps", pid);
	if (add_file(&l, "proc/smaps", path, lim, 0, d) != 0)
		goto fail;
	snprintf(path, sizeof(path), "/proc/%" PRId64 "/maps", pid);
	if (add_file(&l, "proc/maps", path, lim, 0, d) != 0)
		goto fail;
	snprintf(path, sizeof(path), "/proc/%" PRId64 "/status", pid);
	if (add_file(&l, "proc/status", path, lim, 0, d) != 0)
		goto fail;
	add_cgroup(&l, lim, d);
	/* a process gone before its last file was read leaves empty files behind */
	if (!alive(pid) || l.m[smaps_at].len == 0) {
		snprintf(path, sizeof(path), "/proc/%" PRId64, pid);
		diag_where(d, path, NULL);
		if (!alive(pid))
			diag_fail(d, DIAG_IO, 0, "process %" PRId64 " exited while it was read", pid);
		else
			diag_fail(d, DIAG_MISSING, 0,
				  "smaps is empty (a kernel thread or a zombie has no memory map)");
		goto fail;
	}
	rc = ingest_members(in, l.m, l.n, d);
	live_release(&l);
	buf_release(&comm);
	return rc;
fail:
	emit(in, INGEST_BUNDLE_FAILED, 0, NULL, d);
	live_release(&l);
	buf_release(&comm);
	return 1;
}
