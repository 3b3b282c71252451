#include "report/listout.h"

#include <inttypes.h>
#include <string.h>

#include "core/escape.h"
#include "core/num.h"

static void
text_row(struct buf *out, const struct snapshot_info *s)
{
	const char *who = s->pod != NULL ? s->pod : s->host != NULL ? s->host : "-";
	struct buf cell = BUF_INIT;
	int i;

	buf_printf(out, "%-5" PRId64 " %-20s ", s->id,
		   s->captured_at[0] != '\0' ? s->captured_at : "-");
	escape_term(&cell, who, strlen(who));
	buf_printf(out, "%-24s ", buf_str(&cell));
	/* a bare file has no manifest: pid unknown (stored as 0) */
	if (s->pid > 0)
		buf_printf(out, "%7" PRId64 " ", s->pid);
	else
		buf_printf(out, "%7s ", "-");
	buf_reset(&cell);
	if (s->rss_known)
		num_human(&cell, (double)s->rss);
	else
		buf_puts(&cell, "unknown");
	buf_printf(out, "%11s ", buf_str(&cell));
	buf_reset(&cell);
	if (s->go_estimate.known)
		num_human(&cell, (double)s->go_estimate.v);
	else
		buf_puts(&cell, "-");
	buf_printf(out, "%11s  ", buf_str(&cell));
	for (i = 0; i < s->nlabels; i++) {
		if (i > 0)
			buf_putc(out, ',');
		escape_term(out, s->label_keys[i], strlen(s->label_keys[i]));
		buf_putc(out, '=');
		escape_term(out, s->label_values[i], strlen(s->label_values[i]));
	}
	buf_putc(out, '\n');
	buf_release(&cell);
}

static void
json_row(struct json *j, const struct snapshot_info *s)
{
	int i;

	json_object(j, NULL);
	json_int(j, "snapshot", s->id);
	json_str(j, "captured_at", s->captured_at[0] != '\0' ? s->captured_at : NULL);
	json_int_or_null(j, "pid", s->pid > 0, s->pid);
	json_str(j, "host", s->host);
	json_str(j, "pod", s->pod);
	json_object(j, "labels");
	for (i = 0; i < s->nlabels; i++)
		json_str(j, s->label_keys[i], s->label_values[i]);
	json_end(j, '}');
	json_int_or_null(j, "rss", s->rss_known, s->rss);
	json_int_or_null(j, "go_estimate", s->go_estimate.known, s->go_estimate.v);
	json_end(j, '}');
}

/* A CSV field of a count, empty when unknown. */
static void
csv_int(struct buf *out, int known, int64_t v)
{
	if (known)
		buf_printf(out, "%" PRId64, v);
}

/* The same fields as the JSON row, labels as one "k=v,k=v" cell. */
static void
csv_row(struct buf *out, const struct snapshot_info *s)
{
	struct buf labels = BUF_INIT;
	int i;

	buf_printf(out, "%" PRId64 ",", s->id);
	escape_csv(out, s->captured_at);
	buf_putc(out, ',');
	csv_int(out, s->pid > 0, s->pid);
	buf_putc(out, ',');
	escape_csv(out, s->host);
	buf_putc(out, ',');
	escape_csv(out, s->pod);
	buf_putc(out, ',');
	csv_int(out, s->rss_known, s->rss);
	buf_putc(out, ',');
	csv_int(out, s->rss_known, s->pss);
	buf_putc(out, ',');
	csv_int(out, s->go_estimate.known, s->go_estimate.v);
	buf_putc(out, ',');
	for (i = 0; i < s->nlabels; i++)
		buf_printf(&labels, "%s%s=%s", i > 0 ? "," : "", s->label_keys[i],
			   s->label_values[i]);
	escape_csv(out, buf_str(&labels));
	buf_puts(out, "\r\n");
	buf_release(&labels);
}

void
listout_begin(struct listout *l, struct buf *out, enum listout_format format)
{
	l->out = out;
	l->format = format;
	json_init(&l->j, out, 1);
	if (format == LISTOUT_JSON)
		json_array(&l->j, NULL);
	else if (format == LISTOUT_CSV)
		buf_puts(out, "snapshot,captured_at,pid,host,pod,rss,pss,go_estimate,labels\r\n");
	else
		buf_printf(out, "%-5s %-20s %-24s %7s %11s %11s  %s\n", "ID", "CAPTURED", "POD/HOST",
			   "PID", "RSS", "GO_EST", "LABELS");
}

void
listout_row(struct listout *l, const struct snapshot_info *s)
{
	if (l->format == LISTOUT_JSON)
		json_row(&l->j, s);
	else if (l->format == LISTOUT_CSV)
		csv_row(l->out, s);
	else
		text_row(l->out, s);
}

void
listout_end(struct listout *l)
{
	if (l->format == LISTOUT_JSON) {
		json_end(&l->j, ']');
		buf_putc(l->out, '\n');
	}
}
