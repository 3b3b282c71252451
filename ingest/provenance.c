#include "ingest/provenance.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/num.h"

#define SLACK_MIN (INT64_C(32) << 20)	/* growth between the smaps read and the fetch */

struct provenance {
	provenance_note_fn fn;	/* NULL: the notes go to the store only */
	void *ctx;
	int http_any;
	int64_t pid;
	int runtime_values;
	int has_sys;
	int64_t sys;
	char sys_source[32];
};

static int
on_manifest(void *ctx, const char *group, const char *key, int has_value, int64_t value,
	    const char *text)
{
	struct provenance *p = ctx;

	(void)group;
	(void)has_value;
	(void)value;
	if (text == NULL)
		return 0;
	if (strcmp(key, "http_check") == 0 && strcmp(text, "any") == 0)
		p->http_any = 1;
	if (strcmp(key, "pid") == 0)
		p->pid = strtoll(text, NULL, 10);
	return 0;
}

static int
on_runtime(void *ctx, const char *source, const char *name, int has_value, int64_t value,
	   const char *text)
{
	struct provenance *p = ctx;

	(void)text;
	p->runtime_values++;
	if (has_value && strcmp(name, "Sys") == 0) {
		p->has_sys = 1;
		p->sys = value;
		snprintf(p->sys_source, sizeof(p->sys_source), "%s", source != NULL ? source : "");
	}
	return 0;
}

static int
note(const struct provenance *p, struct db *db, int64_t id, struct buf *msg, struct diag *d)
{
	int rc = db_note_put(db, id, "runtime", 0, buf_str(msg), d);

	if (rc == 0 && p->fn != NULL)
		p->fn(p->ctx, "runtime", buf_str(msg));
	buf_release(msg);
	return rc;
}

int
provenance_check(struct db *db, int64_t id, int64_t size, provenance_note_fn fn, void *ctx,
		 struct diag *d)
{
	struct provenance p;
	struct buf msg = BUF_INIT;
	int64_t slack;

	memset(&p, 0, sizeof(p));
	p.fn = fn;
	p.ctx = ctx;
	if (db_manifest_each(db, id, on_manifest, &p, d) != 0 ||
	    db_runtime_each(db, id, on_runtime, &p, d) != 0)
		return -1;
	if (p.runtime_values == 0)
		return 0;
	if (p.http_any) {
		buf_printf(&msg, PROVENANCE_PREFIX "captured with --http-any: nothing checked that pid %"
			   PRId64 " holds the socket its endpoints were fetched from, so they may "
			   "describe another process", p.pid);
		if (note(&p, db, id, &msg, d) != 0)
			return -1;
	}
	slack = size / 4 > SLACK_MIN ? size / 4 : SLACK_MIN;
	if (p.has_sys && size > 0 && p.sys > size + slack) {
		buf_puts(&msg, PROVENANCE_PREFIX "Sys ");
		num_bytes(&msg, p.sys);
		buf_printf(&msg, " (%s) is more than the whole address space of pid %" PRId64
			   " (smaps Size ", p.sys_source, p.pid);
		num_bytes(&msg, size);
		buf_puts(&msg, "): the Go runtime cannot have obtained more than that, so these "
			       "numbers are another process's (an endpoint it does not serve?)");
		if (note(&p, db, id, &msg, d) != 0)
			return -1;
	}
	return 0;
}
