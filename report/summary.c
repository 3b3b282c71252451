#include "report/summary.h"

#include <inttypes.h>
#include <string.h>

#include "analyze/words.h"
#include "core/escape.h"
#include "core/num.h"
#include "report/cgroupout.h"
#include "report/diffout.h"
#include "report/sitesout.h"

static void
md_text(struct buf *out, const char *s)
{
	escape_md(out, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

void
summary_code_block(struct buf *out, const char *text)
{
	size_t run = 0, longest = 0, i, fence;

	for (i = 0; text[i] != '\0'; i++) {
		run = text[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	fence = longest < 3 ? 3 : longest + 1;
	for (i = 0; i < fence; i++)
		buf_putc(out, '`');
	buf_puts(out, "sh\n");
	/* control characters would reach the reader's terminal when copied */
	escape_term(out, text, strlen(text));
	buf_putc(out, '\n');
	for (i = 0; i < fence; i++)
		buf_putc(out, '`');
	buf_putc(out, '\n');
}

static void
snapshot_line(struct buf *out, const char *what, const struct snapshot_info *s)
{
	int i;

	buf_printf(out, "- **%s**: snapshot %" PRId64 ", ", what, s->id);
	md_text(out, s->pod != NULL ? s->pod : s->host != NULL ? s->host : "-");
	buf_printf(out, " pid %" PRId64 ", captured %s", s->pid, s->captured_at);
	for (i = 0; i < s->nlabels; i++) {
		buf_puts(out, i == 0 ? ", labels " : ", ");
		md_text(out, s->label_keys[i]);
		buf_putc(out, '=');
		md_text(out, s->label_values[i]);
	}
	buf_puts(out, "\n");
}

void
summary_shell_words(struct buf *out, int argc, char *const *argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *w = argv[i];

		if (i > 0)
			buf_putc(out, ' ');
		if (w[0] != '\0' && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					   "0123456789-_./=,:+@%") == strlen(w)) {
			buf_puts(out, w);
			continue;
		}
		buf_putc(out, '\'');
		for (; *w != '\0'; w++) {
			if (*w == '\'')
				buf_puts(out, "'\\''");
			else
				buf_putc(out, *w);
		}
		buf_putc(out, '\'');
	}
}

/* A runtime change, or "unknown". */
static void
md_runtime(struct buf *out, int known, int64_t delta)
{
	if (known)
		num_bytes_delta(out, delta);
	else
		buf_puts(out, "unknown");
}

/* One row of the roles table: a credit, or (marked) one of a credit's roles. */
static void
md_role_row(struct buf *out, const struct role_delta *d, const char *mark)
{
	buf_puts(out, "| ");
	buf_puts(out, mark);
	md_text(out, d->role);
	buf_puts(out, " | ");
	num_bytes(out, d->rss_before);
	buf_puts(out, " | ");
	num_bytes(out, d->rss_after);
	buf_puts(out, " | ");
	num_bytes_delta(out, d->rss_delta);
	buf_puts(out, " | ");
	if (d->shared) {
		buf_puts(out, "(together) | (together)");
	} else {
		md_runtime(out, d->runtime_known, d->runtime_delta);
		buf_puts(out, " | ");
		num_bytes_delta(out, d->unexplained);
	}
	buf_puts(out, " |\n");
}

void
summary_diff(struct buf *out, const struct diff_result *r, const char *command)
{
	struct layer_row rows[8];
	int i, n;

	buf_printf(out, "# rssgap: %s\n\n", verdict_name(r->verdict));
	md_text(out, r->headline);
	buf_puts(out, "\n\n");
	snapshot_line(out, "before", r->before);
	snapshot_line(out, "after", r->after);
	buf_puts(out, "\n## Findings\n\n");
	if (r->nfindings == 0) {
		buf_puts(out, "No region grew beyond what the Go runtime reports (thresholds: ");
		num_bytes(out, r->opts.min_bytes);
		buf_printf(out, " and %.0f%% of the before Rss).\n", r->opts.min_percent);
	} else {
		buf_puts(out, "| role | Rss change | runtime saw | unexplained | evidence | region |\n");
		buf_puts(out, "|---|---:|---:|---:|---|---|\n");
		for (i = 0; i < r->nfindings; i++) {
			const struct finding *f = &r->findings[i];
			const char *ev[8];
			int k, nev = evidence_names(f->evidence, ev, 8);

			buf_puts(out, "| ");
			md_text(out, f->role);
			if (f->credit != NULL && strcmp(f->credit, f->role) != 0) {
				buf_puts(out, " (in ");
				md_text(out, f->credit);
				buf_putc(out, ')');
			}
			buf_puts(out, " | ");
			num_bytes_delta(out, f->rss_delta);
			buf_puts(out, " | ");
			md_runtime(out, f->runtime_known, f->runtime_delta);
			buf_puts(out, " | ");
			num_bytes(out, f->unexplained);
			buf_puts(out, " | ");
			for (k = 0; k < nev; k++)
				buf_printf(out, "%s%s", k ? ", " : "", ev[k]);
			buf_puts(out, " | ");
			if (f->nregions > 0) {
				const struct region_delta *g = &f->regions[0];

				md_text(out, g->after[0] ? g->after : g->before);
				buf_puts(out, ": Size ");
				num_bytes(out, g->size_before);
				buf_puts(out, " \xe2\x86\x92 ");
				num_bytes(out, g->size_after);
				buf_puts(out, ", Rss ");
				num_bytes(out, g->rss_before);
				buf_puts(out, " \xe2\x86\x92 ");
				num_bytes(out, g->rss_after);
				if (g->path[0] != '\0') {
					buf_puts(out, " ");
					md_text(out, g->path);
				}
			}
			buf_puts(out, " |\n");
		}
		buf_putc(out, '\n');
		for (i = 0; i < r->nfindings; i++) {
			buf_printf(out, "%d. ", i + 1);
			md_text(out, r->findings[i].summary);
			buf_putc(out, '\n');
		}
	}
	sitesout_markdown(out, r);
	buf_puts(out, "\n## Three layers\n\n| | before | after | change |\n|---|---:|---:|---:|\n");
	n = diffout_layers(r, rows, 8);
	for (i = 0; i < n; i++) {
		buf_printf(out, "| %s | ", rows[i].label);
		if (!rows[i].known) {
			buf_puts(out, "unknown | unknown | unknown |\n");
			continue;
		}
		num_bytes(out, rows[i].before);
		buf_puts(out, " | ");
		num_bytes(out, rows[i].after);
		buf_puts(out, " | ");
		num_bytes_delta(out, rows[i].after - rows[i].before);
		buf_puts(out, " |\n");
	}
	if (r->after->go_estimate.known && r->after->rss < r->after->go_estimate.v) {
		buf_puts(out, "\n");
		md_text(out, words_negative_non_go(r->after->rss - r->after->go_estimate.v));
		buf_puts(out, ".\n");
	}
	buf_puts(out, "\n## Roles\n\n| role | Rss before | Rss after | change | runtime saw | unexplained |\n"
		      "|---|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < r->ncredits; i++) {
		const struct role_delta *c = &r->credits[i];
		int k;

		md_role_row(out, c, "");
		if (c->nmembers < 2)
			continue;
		for (k = 0; k < r->nroles; k++)
			if (r->roles[k].credit == i)
				md_role_row(out, &r->roles[k], "\xe2\x86\xb3 ");
	}
	for (i = 0; i < r->ncredits; i++) {
		if (r->credits[i].why == NULL)
			continue;
		buf_puts(out, "\n");
		md_text(out, r->credits[i].role);
		buf_puts(out, r->credits[i].nmembers > 1 ? ": credited together: " : ": ");
		md_text(out, r->credits[i].why);
		buf_puts(out, ".\n");
	}
	buf_puts(out, "\n## Top regions by Rss change\n\n| before | after | role | Size | Rss | path |\n"
		      "|---|---|---|---:|---:|---|\n");
	for (i = 0; i < r->ntop; i++) {
		const struct region_delta *g = &r->top_regions[i];

		buf_puts(out, "| ");
		md_text(out, g->before[0] ? g->before : "-");
		buf_puts(out, " | ");
		md_text(out, g->after[0] ? g->after : "-");
		buf_puts(out, " | ");
		md_text(out, g->role);
		buf_puts(out, " | ");
		num_bytes(out, g->size_before);
		buf_puts(out, " \xe2\x86\x92 ");
		num_bytes(out, g->size_after);
		buf_puts(out, " | ");
		num_bytes(out, g->rss_before);
		buf_puts(out, " \xe2\x86\x92 ");
		num_bytes(out, g->rss_after);
		buf_puts(out, " | ");
		md_text(out, g->path);
		buf_puts(out, " |\n");
	}
	if (r->cgroup_note != NULL) {
		buf_puts(out, "\n");
		md_text(out, r->cgroup_note);
		buf_puts(out, "\n");
	}
	if (r->after->cgroup_usage.known) {
		struct buf w = BUF_INIT;

		cgroup_diff_words(&w, r->before, r->after, 0);
		buf_puts(out, "\n");
		md_text(out, buf_str(&w));
		buf_puts(out, "\n");
		buf_release(&w);
	}
	buf_puts(out, "\n## Reproduce\n\n");
	summary_code_block(out, command);
}

void
summary_single(struct buf *out, const struct snapshot_info *s, const struct chart_vma *vmas,
	       size_t nvmas, const char *command)
{
	size_t i;
	int k;

	buf_puts(out, "# rssgap: one snapshot\n\n");
	snapshot_line(out, "snapshot", s);
	buf_puts(out, "\n## Three layers\n\n| | bytes |\n|---|---:|\n| resident (Rss) | ");
	if (s->rss_known)
		num_bytes(out, s->rss);
	else
		buf_puts(out, "unknown (maps only)");
	buf_puts(out, " |\n| virtual (Size) | ");
	num_bytes(out, s->size);
	buf_puts(out, " |\n| runtime-visible (Sys-HeapReleased) | ");
	if (s->go_estimate.known)
		num_bytes(out, s->go_estimate.v);
	else
		buf_puts(out, "unknown (no Go runtime numbers)");
	buf_puts(out, " |\n| non-Go (Rss - runtime-visible) | ");
	if (s->go_estimate.known && s->rss_known)
		num_bytes(out, s->rss - s->go_estimate.v);
	else
		buf_puts(out, "unknown");
	buf_puts(out, " |\n");
	if (s->go_estimate.known && s->rss_known && s->rss < s->go_estimate.v) {
		buf_puts(out, "\n");
		md_text(out, words_negative_non_go(s->rss - s->go_estimate.v));
		buf_puts(out, ".\n");
	}
	if (s->cgroup_usage.known) {
		struct buf w = BUF_INIT;

		cgroup_words(&w, s, 0);
		buf_puts(out, "\n");
		md_text(out, buf_str(&w));
		buf_puts(out, "\n");
		buf_release(&w);
	}
	buf_puts(out, "\n## Roles\n\n| role | VMAs | Size | Rss | LazyFree | Swap |\n"
		      "|---|---:|---:|---:|---:|---:|\n");
	for (k = 0; k < s->nroles; k++) {
		const struct role_info *r = &s->roles[k];

		buf_puts(out, "| ");
		md_text(out, r->role);
		buf_printf(out, " | %" PRId64 " | ", r->vmas);
		num_bytes(out, r->size);
		buf_puts(out, " | ");
		if (r->rss >= 0)
			num_bytes(out, r->rss);
		else
			buf_puts(out, "-");
		buf_puts(out, " | ");
		num_bytes(out, r->lazyfree > 0 ? r->lazyfree : 0);
		buf_puts(out, " | ");
		num_bytes(out, r->swap > 0 ? r->swap : 0);
		buf_puts(out, " |\n");
	}
	buf_puts(out, "\n## Top VMAs by Rss\n\n| range | role | Size | Rss | path |\n"
		      "|---|---|---:|---:|---|\n");
	for (i = 0; i < nvmas; i++) {
		buf_puts(out, "| ");
		md_text(out, vmas[i].range);
		buf_puts(out, " | ");
		md_text(out, vmas[i].role);
		buf_puts(out, " | ");
		num_bytes(out, vmas[i].size);
		buf_puts(out, " | ");
		if (vmas[i].rss >= 0)
			num_bytes(out, vmas[i].rss);
		else
			buf_puts(out, "-");
		buf_puts(out, " | ");
		md_text(out, vmas[i].path);
		buf_puts(out, " |\n");
	}
	buf_puts(out, "\n## Reproduce\n\n");
	summary_code_block(out, command);
}
