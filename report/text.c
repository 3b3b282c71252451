#include "report/text.h"

#include <inttypes.h>
#include <string.h>

#include "analyze/credit.h"
#include "analyze/words.h"
#include "core/escape.h"
#include "core/num.h"
#include "report/cgroupout.h"

static void
cell_bytes(struct buf *out, const char *fmt, int known, int64_t v)
{
	struct buf cell = BUF_INIT;

	if (known && v >= 0)
		num_human(&cell, (double)v);
	else
		buf_puts(&cell, known ? "-" : "unknown");
	buf_printf(out, fmt, buf_str(&cell));
	buf_release(&cell);
}

void
text_snapshot_header(struct buf *out, const struct snapshot_info *s)
{
	const char *who = s->pod != NULL ? s->pod : s->host != NULL ? s->host : "-";
	int i;

	buf_printf(out, "snapshot %" PRId64 ": ", s->id);
	/* a bare file (no manifest): who, pid and when are unknown, said so */
	if (s->pid <= 0 && s->host == NULL && s->pod == NULL)
		who = "unknown host";
	escape_term(out, who, strlen(who));
	if (s->pid > 0)
		buf_printf(out, " pid %" PRId64, s->pid);
	else
		buf_puts(out, " pid unknown");
	if (s->comm != NULL) {
		buf_puts(out, " (");
		escape_term(out, s->comm, strlen(s->comm));
		buf_putc(out, ')');
	} else if (s->pid <= 0) {
		buf_puts(out, " (comm unknown)");
	}
	buf_printf(out, ", captured %s\n", s->captured_at[0] != '\0' ? s->captured_at : "unknown");
	buf_puts(out, "bundle: ");
	escape_term(out, s->bundle, strlen(s->bundle));
	if (s->dir != NULL && s->dir[0] != '\0') {
		buf_puts(out, " (");
		escape_term(out, s->dir, strlen(s->dir));
		buf_putc(out, ')');
	}
	buf_putc(out, '\n');
	if (s->nlabels > 0) {
		buf_puts(out, "labels:");
		for (i = 0; i < s->nlabels; i++) {
			buf_putc(out, ' ');
			escape_term(out, s->label_keys[i], strlen(s->label_keys[i]));
			buf_putc(out, '=');
			escape_term(out, s->label_values[i], strlen(s->label_values[i]));
		}
		buf_putc(out, '\n');
	}
}

void
text_layers(struct buf *out, const struct snapshot_info *s)
{
	int no_map = s->vma_source != NULL && (strcmp(s->vma_source, "none") == 0 ||
					     strcmp(s->vma_source, "rollup") == 0);

	buf_puts(out, "Three layers\n");
	cell_bytes(out, "  resident (Rss, smaps)              %12s", s->rss_known, s->rss);
	if (!s->rss_known && no_map)
		buf_puts(out, "   (no memory map: Rss unknown)");
	else if (!s->rss_known)
		buf_puts(out, "   (only proc/maps: Rss unknown)");
	else if (no_map)
		buf_puts(out, "   from smaps_rollup (no memory map)");
	buf_putc(out, '\n');
	cell_bytes(out, "  virtual (Size)                     %12s\n", !no_map, s->size);
	cell_bytes(out, "  runtime-visible (Sys-HeapReleased) %12s", s->go_estimate.known,
		   s->go_estimate.v);
	if (!s->go_estimate.known && s->runtime_missing != NULL) {
		buf_puts(out, "   no Go runtime numbers (capture: ");
		escape_term(out, s->runtime_missing, strlen(s->runtime_missing));
		buf_putc(out, ')');
	} else if (!s->go_estimate.known) {
		buf_puts(out, "   no Go runtime numbers in the bundle");
	}
	else
		buf_printf(out, "   from %s", s->go_estimate.source);
	buf_putc(out, '\n');
	cell_bytes(out, "    heap in use (HeapInuse)          %12s\n", s->rt[RT_HEAP_INUSE].known,
		   s->rt[RT_HEAP_INUSE].v);
	cell_bytes(out, "    heap profile in use (pprof)      %12s\n", s->pprof_inuse.known,
		   s->pprof_inuse.v);
	if (s->rss_known && s->go_estimate.known) {
		struct buf cell = BUF_INIT;

		num_human(&cell, (double)(s->rss - s->go_estimate.v));
		buf_printf(out, "  non-Go (Rss - runtime-visible)     %12s\n", buf_str(&cell));
		buf_release(&cell);
		if (s->rss < s->go_estimate.v)
			text_wrapped(out, "    ", words_negative_non_go(s->rss - s->go_estimate.v));
	}
	if (s->cgroup_usage.known) {
		buf_puts(out, "  ");
		cgroup_words(out, s, 0);
		buf_putc(out, '\n');
	}
}

void
text_credits(struct buf *out, const struct snapshot_info *s)
{
	struct credit_plan p;
	int k;

	if (!snapshot_has_runtime(s))
		return;
	credit_plan_init(&p);
	credit_plan_add(&p, s);
	credit_plan_finish(&p);
	buf_printf(out, "Where the runtime's memory is (%" PRId64 " VMAs named [anon: Go: ...])\n",
		   s->go_named);
	for (k = 0; k < p.ncredits; k++) {
		int64_t view = 0;
		struct buf cell = BUF_INIT;

		if (credit_view(&p, k, s, &view))
			num_human(&cell, (double)view);
		else
			buf_puts(&cell, "unknown");
		buf_printf(out, "  %-20s %11s  ", p.credits[k].name, buf_str(&cell));
		buf_puts(out, credit_classes_words(&p, k));
		buf_putc(out, '\n');
		buf_release(&cell);
		if (credit_why(&p, k) != NULL)
			text_wrapped(out, "    ", credit_why(&p, k));
	}
}

int
text_go_classes(struct buf *out, const struct snapshot_info *s)
{
	struct go_classes g;
	int i;

	if (!go_classes_from(s, &g))
		return 0;
	buf_printf(out, "Go memory classes (from %s)\n", s->rt[RT_HEAP_INUSE].source);
	for (i = 0; i < GO_CLASS_COUNT; i++) {
		buf_printf(out, "  %-36s", go_class_label(i));
		cell_bytes(out, " %11s\n", 1, g.bytes[i]);
	}
	return 1;
}

void
text_wrapped(struct buf *out, const char *indent, const char *text)
{
	size_t width = 96, col = 0, len, i = 0;

	while (text[i] != '\0') {
		while (text[i] == ' ')
			i++;
		len = strcspn(text + i, " ");
		if (len == 0)
			break;
		if (col > 0 && col + 1 + len > width) {
			buf_putc(out, '\n');
			col = 0;
		}
		if (col == 0) {
			buf_puts(out, indent);
			col = strlen(indent);
		} else {
			buf_putc(out, ' ');
			col++;
		}
		buf_printf(out, "%.*s", (int)len, text + i);
		col += len;
		i += len;
	}
	buf_puts(out, ".\n");
}
