#include "report/cgroupout.h"

#include <inttypes.h>

#include "core/num.h"

int
cgroup_to_limit(const struct snapshot_info *s, int64_t *left)
{
	if (!s->cgroup_usage.known || !s->cgroup_limit.known)
		return 0;
	*left = s->cgroup_limit.v > s->cgroup_usage.v ? s->cgroup_limit.v - s->cgroup_usage.v : 0;
	return 1;
}

static void
plural(struct buf *out, int64_t n, const char *one, const char *many)
{
	buf_printf(out, "%" PRId64 " %s", n, n == 1 ? one : many);
}

/* "; limit reached N times (memory.failcnt); N OOM kills (memory.oom_control)" */
static void
events(struct buf *out, const struct snapshot_info *s, int short_form)
{
	if (s->cgroup_limit_hits.known) {
		buf_puts(out, short_form ? ", limit reached " : "; limit reached ");
		plural(out, s->cgroup_limit_hits.v, "time", "times");
		if (!short_form)
			buf_printf(out, " (%s)", s->cgroup_limit_hits.source);
	}
	if (s->cgroup_oom_kill.known) {
		buf_puts(out, short_form ? ", " : "; ");
		plural(out, s->cgroup_oom_kill.v, "OOM kill", "OOM kills");
		if (!short_form)
			buf_printf(out, " (%s oom_kill)", s->cgroup_oom_kill.source);
	}
}

void
cgroup_words(struct buf *out, const struct snapshot_info *s, int short_form)
{
	int64_t left;

	if (!s->cgroup_usage.known)
		return;
	buf_puts(out, short_form ? "cgroup " : "cgroup usage ");
	num_bytes(out, s->cgroup_usage.v);
	if (cgroup_to_limit(s, &left)) {
		buf_puts(out, short_form ? " of " : " of limit ");
		num_bytes(out, s->cgroup_limit.v);
		buf_puts(out, short_form ? " (" : ": ");
		num_bytes(out, left);
		if (short_form)
			buf_puts(out, " left)");
		else
			buf_printf(out, " (%.1f%%) to the limit",
				   100.0 * (double)left / (double)s->cgroup_limit.v);
	} else {
		buf_puts(out, " (no limit)");
	}
	if (s->cgroup_peak.known && !short_form) {
		buf_puts(out, "; peak ");
		num_bytes(out, s->cgroup_peak.v);
	}
	events(out, s, short_form);
}

/* " N -> M" of a counter known on both sides, else the after value. */
static void
counter(struct buf *out, const struct opt_i64 *b, const struct opt_i64 *a, const char *one,
	const char *many)
{
	if (b->known && b->v != a->v)
		buf_printf(out, "%" PRId64 " \xe2\x86\x92 ", b->v);
	plural(out, a->v, one, many);
}

void
cgroup_diff_words(struct buf *out, const struct snapshot_info *before,
		  const struct snapshot_info *after, int short_form)
{
	int64_t left;

	if (!after->cgroup_usage.known)
		return;
	buf_puts(out, "cgroup ");
	if (after->cgroup_limit.known) {
		buf_puts(out, "limit ");
		if (before->cgroup_limit.known && before->cgroup_limit.v != after->cgroup_limit.v) {
			num_bytes(out, before->cgroup_limit.v);
			buf_puts(out, " \xe2\x86\x92 ");
		}
		num_bytes(out, after->cgroup_limit.v);
		buf_puts(out, ": ");
	}
	buf_puts(out, "usage ");
	if (before->cgroup_usage.known) {
		num_bytes(out, before->cgroup_usage.v);
		buf_puts(out, " \xe2\x86\x92 ");
	}
	num_bytes(out, after->cgroup_usage.v);
	if (cgroup_to_limit(after, &left)) {
		buf_puts(out, ", ");
		num_bytes(out, left);
		buf_puts(out, " to the limit");
	} else {
		buf_puts(out, " (no limit)");
	}
	if (after->cgroup_limit_hits.known) {
		buf_puts(out, short_form ? ", limit reached " : "; limit reached ");
		counter(out, &before->cgroup_limit_hits, &after->cgroup_limit_hits, "time", "times");
		if (!short_form)
			buf_printf(out, " (%s)", after->cgroup_limit_hits.source);
	}
	if (after->cgroup_oom_kill.known) {
		buf_puts(out, short_form ? ", " : "; ");
		counter(out, &before->cgroup_oom_kill, &after->cgroup_oom_kill, "OOM kill",
			"OOM kills");
		if (!short_form)
			buf_printf(out, " (%s oom_kill)", after->cgroup_oom_kill.source);
	}
}

void
cgroup_json(struct json *j, const struct snapshot_info *s)
{
	int64_t left = 0;
	int known = cgroup_to_limit(s, &left);

	json_object(j, "cgroup");
	json_int_or_null(j, "usage", s->cgroup_usage.known, s->cgroup_usage.v);
	json_int_or_null(j, "limit", s->cgroup_limit.known, s->cgroup_limit.v);
	json_int_or_null(j, "to_limit", known, left);
	json_int_or_null(j, "peak", s->cgroup_peak.known, s->cgroup_peak.v);
	json_int_or_null(j, "page_cache", s->cgroup_file.known, s->cgroup_file.v);
	json_int_or_null(j, "limit_reached", s->cgroup_limit_hits.known, s->cgroup_limit_hits.v);
	json_str(j, "limit_reached_from", s->cgroup_limit_hits.known ? s->cgroup_limit_hits.source :
		 NULL);
	json_int_or_null(j, "oom_kill", s->cgroup_oom_kill.known, s->cgroup_oom_kill.v);
	json_str(j, "oom_kill_from", s->cgroup_oom_kill.known ? s->cgroup_oom_kill.source : NULL);
	json_end(j, '}');
}
