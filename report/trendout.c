#include "report/trendout.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/escape.h"
#include "core/num.h"
#include "report/json.h"
#include "report/scale.h"

/* Numbers for a terminal (core/num.h) or, drawn on the chart, at most three digits (scale.h). */
static void
human_delta(struct buf *out, double v, int drawn)
{
	if (drawn)
		scale_bytes_delta(out, round(v));
	else
		num_human_delta(out, round(v));
}

static void
human(struct buf *out, int64_t v, int drawn)
{
	if (drawn)
		scale_bytes(out, (double)v);
	else
		num_bytes(out, v);
}

void
trendout_who(struct buf *out, const struct trend_result *r)
{
	const char *who = r->proc.pod != NULL && r->proc.pod[0] ? r->proc.pod :
			  r->proc.host != NULL ? r->proc.host : "unknown host";

	escape_term(out, who, strlen(who));
	buf_printf(out, " pid %" PRId64, r->proc.pid);
	if (r->proc.comm != NULL) {
		buf_puts(out, " (");
		escape_term(out, r->proc.comm, strlen(r->proc.comm));
		buf_putc(out, ')');
	}
	if (r->proc.start_time != NULL) {
		buf_puts(out, ", start_time ");
		escape_term(out, r->proc.start_time, strlen(r->proc.start_time));
	}
}

/* "+12.0 MiB along the line (+4.0 MiB/min)" of s. */
static void
along(struct buf *out, const struct trend_slope *s, int drawn)
{
	human_delta(out, s->fitted, drawn);
	if (s->per_minute_known) {
		buf_puts(out, " (");
		human_delta(out, s->per_minute, drawn);
		buf_puts(out, "/min)");
	}
}

/*
 * When the runtime's estimate rose by the floor too, growth beyond the
 * runtime is only part of the growth (etcd: its heap and a mapped database
 * file together). Which role holds the gap is not named here: without Go's
 * mapping names, anon also holds the runtime's metadata, credited together
 * with go-runtime (docs/attribution.md); `rssgap diff` of the first and last
 * snapshot splits it by credit.
 */
static void
beyond_where(struct buf *out, const struct trend_result *r)
{
	if (r->series[TREND_ESTIMATE].known &&
	    r->series[TREND_ESTIMATE].fitted >= (double)r->threshold)
		buf_puts(out, "; the rest of the growth the runtime's numbers hold");
}

void
trendout_says(struct buf *out, const struct trend_result *r, int for_chart)
{
	const struct trend_slope *rss = &r->series[TREND_RSS], *est = &r->series[TREND_ESTIMATE];
	const struct trend_slope *gap = &r->series[TREND_GAP], *heap = &r->series[TREND_HEAP];

	switch (r->word) {
	case TREND_GROWING_WITH_RUNTIME:
		buf_puts(out, "Rss ");
		along(out, rss, for_chart);
		buf_puts(out, ", the runtime's estimate ");
		along(out, est, for_chart);
		buf_puts(out, ": the gap moved ");
		human_delta(out, gap->fitted, for_chart);
		buf_puts(out, ", so the runtime's numbers hold the growth");
		break;
	case TREND_GROWING_BEYOND_RUNTIME:
		buf_puts(out, "Rss ");
		along(out, rss, for_chart);
		buf_puts(out, ", the runtime's estimate ");
		along(out, est, for_chart);
		buf_puts(out, ": the gap (memory the runtime cannot see) ");
		along(out, gap, for_chart);
		beyond_where(out, r);
		break;
	case TREND_GROWING:
		buf_puts(out, "Rss ");
		along(out, rss, for_chart);
		buf_puts(out, "; no runtime numbers in every snapshot, so whose memory it is stays open");
		break;
	case TREND_SHRINKING:
		buf_puts(out, "Rss ");
		along(out, rss, for_chart);
		break;
	case TREND_SAWTOOTH:
		if (rss->rise >= r->threshold && rss->fall >= r->threshold) {
			buf_puts(out, "Rss rose by up to ");
			human(out, rss->rise, for_chart);
			buf_puts(out, " and fell by up to ");
			human(out, rss->fall, for_chart);
		} else {
			buf_puts(out, "heap in use rose by up to ");
			human(out, heap->rise, for_chart);
			buf_puts(out, " and fell by up to ");
			human(out, heap->fall, for_chart);
		}
		buf_puts(out, " between snapshots, with no net trend: Rss ");
		human_delta(out, rss->fitted, for_chart);
		buf_puts(out, " along the line");
		break;
	default:
		buf_puts(out, "Rss ");
		human_delta(out, rss->fitted, for_chart);
		buf_puts(out, " along the line, between ");
		human(out, rss->min, for_chart);
		buf_puts(out, " and ");
		human(out, rss->max, for_chart);
		break;
	}
	if (r->word != TREND_SAWTOOTH && r->swings)
		buf_puts(out, "; it also swings up and down by more than the noise floor");
	buf_puts(out, " (noise floor ");
	human(out, r->threshold, for_chart);
	buf_puts(out, ")");
}

static void
cell_bytes(struct buf *out, int known, int64_t v, int width)
{
	struct buf c = BUF_INIT;

	if (known)
		num_bytes(&c, v);
	else
		buf_puts(&c, "-");
	buf_printf(out, " %*s", width, buf_str(&c));
	buf_release(&c);
}

static void
cell_delta(struct buf *out, int known, double v, int width)
{
	struct buf c = BUF_INIT;

	if (known)
		human_delta(&c, v, 0);
	else
		buf_puts(&c, "-");
	buf_printf(out, " %*s", width, buf_str(&c));
	buf_release(&c);
}

static void
slope_row(struct buf *out, const char *name, const struct trend_slope *s)
{
	struct buf c = BUF_INIT;

	escape_term(&c, name, strlen(name));
	buf_printf(out, "  %-24s", buf_str(&c));
	cell_delta(out, s->known, s->per_snapshot, 13);
	cell_delta(out, s->known && s->per_minute_known, s->per_minute, 13);
	cell_delta(out, s->known, s->fitted, 13);
	cell_bytes(out, s->known, s->first, 11);
	cell_bytes(out, s->known, s->last, 11);
	buf_putc(out, '\n');
	buf_release(&c);
}

void
trendout_text(struct buf *out, const struct trend_result *r, int top)
{
	static const char *const labels[TREND_NSERIES] = { "Rss", "runtime estimate",
							   "heap in use", "gap (Rss - estimate)" };
	int i, shown;

	buf_puts(out, "trend: ");
	trendout_who(out, r);
	buf_printf(out, "; %d snapshots", r->n);
	if (r->seconds >= 0)
		buf_printf(out, " over %d s", r->seconds);
	buf_putc(out, '\n');
	if (r->proc.start_time == NULL)
		buf_puts(out, "note: no start_time in the manifests: the process is its host or pod "
			      "and pid only (a pid can be reused)\n");
	buf_printf(out, "reading: %s\n  ", trend_word_label(r->word));
	trendout_says(out, r, 0);
	buf_puts(out, "\n\n");
	buf_printf(out, "  %4s %6s  %-20s %11s %11s %11s %11s\n", "SEQ", "ID", "CAPTURED", "RSS",
		   "GO_EST", "HEAP_INUSE", "GAP");
	for (i = 0; i < r->n; i++) {
		const struct trend_point *p = &r->points[i];
		struct buf c = BUF_INIT;

		if (p->seq > 0)
			buf_printf(out, "  %4" PRId64, p->seq);
		else
			buf_printf(out, "  %4s", "-");
		if (p->captured_at != NULL)
			escape_term(&c, p->captured_at, strlen(p->captured_at));
		buf_printf(out, " %6" PRId64 "  %-20s", p->id, buf_str(&c));
		cell_bytes(out, p->rss_known, p->rss, 11);
		cell_bytes(out, p->est_known, p->estimate, 11);
		cell_bytes(out, p->heap_known, p->heap_inuse, 11);
		if (p->rss_known && p->est_known)
			cell_delta(out, 1, (double)(p->rss - p->estimate), 11);
		else
			cell_bytes(out, 0, 0, 11);
		buf_putc(out, '\n');
		buf_release(&c);
	}
	buf_printf(out, "\n  %-24s %13s %13s %13s %11s %11s\n", "SLOPE", "PER SNAPSHOT",
		   "PER MINUTE", "ALONG LINE", "FIRST", "LAST");
	for (i = 0; i < TREND_NSERIES; i++)
		slope_row(out, labels[i], &r->series[i]);
	shown = top > 0 && top < r->nroles ? top : r->nroles;
	buf_printf(out, "\n  %-24s %13s %13s %13s %11s %11s\n", "ROLE", "PER SNAPSHOT",
		   "PER MINUTE", "ALONG LINE", "FIRST", "LAST");
	for (i = 0; i < shown; i++)
		slope_row(out, r->roles[i].role, &r->roles[i].s);
	if (shown < r->nroles)
		buf_printf(out, "  ... %d more roles (--top N shows more)\n", r->nroles - shown);
}

static void
json_slope(struct json *j, const char *key, const struct trend_slope *s)
{
	if (!s->known) {
		json_null(j, key);
		return;
	}
	json_object(j, key);
	json_num(j, "per_snapshot", s->per_snapshot);
	if (s->per_minute_known)
		json_num(j, "per_minute", s->per_minute);
	else
		json_null(j, "per_minute");
	json_num(j, "along_line", s->fitted);
	json_int(j, "first", s->first);
	json_int(j, "last", s->last);
	json_int(j, "min", s->min);
	json_int(j, "max", s->max);
	json_int(j, "rise", s->rise);
	json_int(j, "fall", s->fall);
	json_end(j, '}');
}

void
trendout_json(struct buf *out, const struct trend_result *r)
{
	struct buf says = BUF_INIT;
	struct json j;
	int i;

	json_init(&j, out, 1);
	json_object(&j, NULL);
	json_str(&j, "format", "rssgap-trend/1");
	json_object(&j, "process");
	json_str(&j, "host", r->proc.host);
	json_str(&j, "pod", r->proc.pod);
	json_int(&j, "pid", r->proc.pid);
	json_str(&j, "comm", r->proc.comm);
	json_str(&j, "start_time", r->proc.start_time);
	json_end(&j, '}');
	json_object(&j, "reading");
	json_str(&j, "word", trend_word_name(r->word));
	json_str(&j, "label", trend_word_label(r->word));
	trendout_says(&says, r, 0);
	json_str(&j, "says", buf_str(&says));
	json_bool(&j, "swings", r->swings);
	json_int(&j, "noise_floor", r->threshold);
	json_int(&j, "min_bytes", r->opts.min_bytes);
	json_num(&j, "min_percent", r->opts.min_percent);
	json_end(&j, '}');
	if (r->seconds >= 0)
		json_int(&j, "seconds", r->seconds);
	else
		json_null(&j, "seconds");
	json_array(&j, "snapshots");
	for (i = 0; i < r->n; i++) {
		const struct trend_point *p = &r->points[i];

		json_object(&j, NULL);
		json_int(&j, "snapshot", p->id);
		json_str(&j, "captured_at", p->captured_at);
		json_int_or_null(&j, "seq", p->seq > 0, p->seq);
		json_int_or_null(&j, "rss", p->rss_known, p->rss);
		json_int_or_null(&j, "go_estimate", p->est_known, p->estimate);
		json_int_or_null(&j, "heap_inuse", p->heap_known, p->heap_inuse);
		json_int_or_null(&j, "gap", p->rss_known && p->est_known, p->rss - p->estimate);
		json_end(&j, '}');
	}
	json_end(&j, ']');
	json_object(&j, "slopes");
	for (i = 0; i < TREND_NSERIES; i++)
		json_slope(&j, trend_series_name(i), &r->series[i]);
	json_end(&j, '}');
	json_array(&j, "roles");
	for (i = 0; i < r->nroles; i++) {
		json_object(&j, NULL);
		json_str(&j, "role", r->roles[i].role);
		json_slope(&j, "rss", &r->roles[i].s);
		json_end(&j, '}');
	}
	json_end(&j, ']');
	json_end(&j, '}');
	buf_putc(out, '\n');
	buf_release(&says);
}
