#include "report/diffout.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/credit.h"
#include "analyze/words.h"
#include "core/escape.h"
#include "core/num.h"
#include "report/cgroupout.h"
#include "report/json.h"
#include "report/sitesout.h"
#include "report/text.h"

static void
cell(struct buf *out, const char *fmt, double v, int delta)
{
	struct buf c = BUF_INIT;

	if (delta)
		num_human_delta(&c, v);
	else
		num_human(&c, v);
	buf_printf(out, fmt, buf_str(&c));
	buf_release(&c);
}

int
diffout_layers(const struct diff_result *r, struct layer_row *rows, int max)
{
	const struct snapshot_info *b = r->before, *a = r->after;
	int n = 0;

	if (max < 6)
		return 0;
	rows[n++] = (struct layer_row){ "resident (Rss)", 1, b->rss, a->rss };
	rows[n++] = (struct layer_row){ "virtual (Size)", 1, b->size, a->size };
	rows[n++] = (struct layer_row){ "runtime-visible (Sys-HeapReleased)",
					b->go_estimate.known && a->go_estimate.known,
					b->go_estimate.v, a->go_estimate.v };
	rows[n++] = (struct layer_row){ "heap in use (HeapInuse)",
					b->rt[RT_HEAP_INUSE].known && a->rt[RT_HEAP_INUSE].known,
					b->rt[RT_HEAP_INUSE].v, a->rt[RT_HEAP_INUSE].v };
	rows[n++] = (struct layer_row){ "heap profile in use (pprof)",
					b->pprof_inuse.known && a->pprof_inuse.known,
					b->pprof_inuse.v, a->pprof_inuse.v };
	rows[n++] = (struct layer_row){ "non-Go (Rss - runtime-visible)",
					b->go_estimate.known && a->go_estimate.known,
					b->rss - b->go_estimate.v, a->rss - a->go_estimate.v };
	return n;
}

static void
region_line(struct buf *out, const struct region_delta *g)
{
	buf_printf(out, "    %-27s %-27s ", g->before[0] ? g->before : "(none)",
		   g->after[0] ? g->after : "(none)");
	cell(out, "size %s", (double)g->size_before, 0);
	cell(out, " \xe2\x86\x92 %s", (double)g->size_after, 0);
	cell(out, ", rss %s", (double)g->rss_before, 0);
	cell(out, " \xe2\x86\x92 %s", (double)g->rss_after, 0);
	if (g->lazyfree_after > 0)
		cell(out, ", lazyfree %s", (double)g->lazyfree_after, 0);
	if (g->path[0] != '\0') {
		buf_puts(out, "  ");
		escape_term(out, g->path, strlen(g->path));
	}
	buf_printf(out, "  [%s]\n", g->how);
}

/* Width of the role table's first column: the longest credit name, 16 at least. */
static int
role_width(const struct diff_result *r)
{
	int i, w = 16;

	for (i = 0; i < r->ncredits; i++)
		if ((int)strlen(r->credits[i].role) + 1 > w)
			w = (int)strlen(r->credits[i].role) + 1;
	for (i = 0; i < r->nroles; i++)
		if ((int)strlen(r->roles[i].role) + 3 > w)
			w = (int)strlen(r->roles[i].role) + 3;
	return w < 48 ? w : 48;
}

/* One row of the role table: a credit, or (indented) one of a credit's roles. */
static void
role_row(struct buf *out, int width, const struct role_delta *d, const char *indent)
{
	struct buf name = BUF_INIT;

	buf_puts(&name, indent);
	escape_term(&name, d->role, strlen(d->role));
	buf_printf(out, "%-*s", width, buf_str(&name));
	cell(out, " %11s", (double)d->rss_before, 0);
	cell(out, " %11s", (double)d->rss_after, 0);
	cell(out, " %11s", (double)d->rss_delta, 1);
	if (d->shared) {
		buf_printf(out, " %13s %13s\n", "(together)", "(together)");
		buf_release(&name);
		return;
	}
	if (d->runtime_known)
		cell(out, " %13s", (double)d->runtime_delta, 1);
	else
		buf_printf(out, " %13s", "unknown");
	cell(out, " %13s\n", (double)d->unexplained, 1);
	buf_release(&name);
}

void
diffout_text(struct buf *out, const struct diff_result *r)
{
	struct layer_row rows[8];
	int i, j, n, w;

	buf_printf(out, "%s: ", verdict_name(r->verdict));
	escape_term(out, r->headline, strlen(r->headline));
	buf_puts(out, "\n\n");
	buf_puts(out, "before: ");
	text_snapshot_header(out, r->before);
	buf_puts(out, "after:  ");
	text_snapshot_header(out, r->after);
	buf_putc(out, '\n');
	w = role_width(r);
	buf_printf(out, "%-*s %11s %11s %11s %13s %13s\n", w, "ROLE", "RSS BEFORE", "RSS AFTER",
		   "RSS CHANGE", "RUNTIME SAW", "UNEXPLAINED");
	for (i = 0; i < r->ncredits; i++) {
		const struct role_delta *c = &r->credits[i];

		role_row(out, w, c, "");
		if (c->nmembers < 2)
			continue;
		/* a credit of several roles: its roles below it, their shares unknowable */
		for (j = 0; j < r->nroles; j++)
			if (r->roles[j].credit == i)
				role_row(out, w, &r->roles[j], "  ");
	}
	buf_printf(out, "%-*s", w, "total");
	cell(out, " %11s", (double)r->before->rss, 0);
	cell(out, " %11s", (double)r->after->rss, 0);
	cell(out, " %11s", (double)r->rss_delta, 1);
	if (r->runtime_known)
		cell(out, " %13s", (double)r->runtime_delta, 1);
	else
		buf_printf(out, " %13s", "unknown");
	cell(out, " %13s\n", (double)r->unexplained, 1);
	for (i = 0; i < r->ncredits; i++)
		if (r->credits[i].why != NULL)
			buf_printf(out, "%s: %s%s.\n", r->credits[i].role,
				   r->credits[i].nmembers > 1 ? "credited together: " : "",
				   r->credits[i].why);
	buf_putc(out, '\n');
	if (r->nfindings == 0) {
		buf_puts(out, "No finding: no role grew by more than ");
		cell(out, "%s", (double)r->opts.min_bytes, 0);
		buf_printf(out, " and %.0f%% of the before Rss beyond what the runtime reports.\n\n",
			   r->opts.min_percent);
	}
	for (i = 0; i < r->nfindings; i++) {
		const struct finding *f = &r->findings[i];
		const char *ev[8];

		buf_printf(out, "Finding %d: %s, ", i + 1, f->role);
		if (f->credit != NULL && strcmp(f->credit, f->role) != 0)
			buf_printf(out, "in %s, ", f->credit);
		cell(out, "%s unexplained", (double)f->unexplained, 0);
		n = evidence_names(f->evidence, ev, 8);
		for (j = 0; j < n; j++)
			buf_printf(out, "%s%s", j == 0 ? " (evidence: " : ", ", ev[j]);
		buf_puts(out, n > 0 ? ")\n  " : "\n  ");
		escape_term(out, f->summary, strlen(f->summary));
		buf_putc(out, '\n');
		for (j = 0; j < f->nregions; j++)
			region_line(out, &f->regions[j]);
		buf_putc(out, '\n');
	}
	sitesout_text(out, r);
	buf_printf(out, "%-36s %12s %12s %12s\n", "THREE LAYERS", "BEFORE", "AFTER", "CHANGE");
	n = diffout_layers(r, rows, 8);
	for (i = 0; i < n; i++) {
		buf_printf(out, "%-36s", rows[i].label);
		if (!rows[i].known) {
			buf_printf(out, " %12s %12s %12s\n", "unknown", "unknown", "unknown");
			continue;
		}
		cell(out, " %12s", (double)rows[i].before, 0);
		cell(out, " %12s", (double)rows[i].after, 0);
		cell(out, " %12s\n", (double)(rows[i].after - rows[i].before), 1);
	}
	if (r->after->go_estimate.known && r->after->rss < r->after->go_estimate.v)
		text_wrapped(out, "  ", words_negative_non_go(r->after->rss - r->after->go_estimate.v));
	else if (r->before->go_estimate.known && r->before->rss < r->before->go_estimate.v)
		text_wrapped(out, "  ",
			     words_negative_non_go(r->before->rss - r->before->go_estimate.v));
	if (r->classes.known) {
		buf_puts(out, "\nGO MEMORY CLASSES\n");
		for (i = 0; i < GO_CLASS_COUNT; i++) {
			buf_printf(out, "  %-34s", go_class_label(i));
			cell(out, " %12s", (double)r->classes.before[i], 0);
			cell(out, " %12s", (double)r->classes.after[i], 0);
			cell(out, " %12s\n", (double)(r->classes.after[i] - r->classes.before[i]), 1);
		}
	}
	if (r->cgroup_note != NULL) {
		buf_puts(out, "\n");
		escape_term(out, r->cgroup_note, strlen(r->cgroup_note));
		buf_putc(out, '\n');
	}
	if (r->after->cgroup_usage.known) {
		buf_puts(out, r->cgroup_note != NULL ? "" : "\n");
		cgroup_diff_words(out, r->before, r->after, 0);
		buf_putc(out, '\n');
	}
	buf_printf(out, "\nalignment: %" PRId64 " region pairs, %" PRId64 " only before, %" PRId64
			" only after\n", r->pairs, r->only_before, r->only_after);
}

/* The runtime classes credited (1 << enum credit_class), by their names. */
static void
credit_class_names(struct json *j, unsigned classes)
{
	if (classes & (1u << CREDIT_HEAP))
		json_str(j, NULL, "heap");
	if (classes & (1u << CREDIT_META))
		json_str(j, NULL, "metadata");
}

static void
json_side(struct json *j, const char *key, const struct snapshot_info *s)
{
	int i;

	json_object(j, key);
	json_int(j, "snapshot", s->id);
	json_object(j, "labels");
	for (i = 0; i < s->nlabels; i++)
		json_str(j, s->label_keys[i], s->label_values[i]);
	json_end(j, '}');
	json_int(j, "rss", s->rss);
	json_int_or_null(j, "go_estimate", s->go_estimate.known, s->go_estimate.v);
	json_int_or_null(j, "heap_inuse", s->rt[RT_HEAP_INUSE].known, s->rt[RT_HEAP_INUSE].v);
	json_int_or_null(j, "pprof_inuse", s->pprof_inuse.known, s->pprof_inuse.v);
	json_bool(j, "runtime_known", snapshot_has_runtime(s));
	json_str(j, "runtime_missing", snapshot_has_runtime(s) ? NULL : s->runtime_missing);
	json_int(j, "go_named_vmas", s->go_named);
	cgroup_json(j, s);
	json_str(j, "captured_at", s->captured_at);
	json_end(j, '}');
}

static void
json_region(struct json *j, const struct region_delta *g)
{
	json_object(j, NULL);
	json_str(j, "before", g->before);	/* "" when the region exists on one side only */
	json_str(j, "after", g->after);
	json_str(j, "role", g->role);
	json_str(j, "path", g->path);
	json_str(j, "paired_by", g->how);
	json_int(j, "size_before", g->size_before);
	json_int(j, "size_after", g->size_after);
	json_int(j, "rss_before", g->rss_before);
	json_int(j, "rss_after", g->rss_after);
	json_int(j, "lazyfree_before", g->lazyfree_before);
	json_int(j, "lazyfree_after", g->lazyfree_after);
	json_int(j, "anon_huge_pages_before", g->anon_huge_before);
	json_int(j, "anon_huge_pages_after", g->anon_huge_after);
	json_int(j, "swap_before", g->swap_before);
	json_int(j, "swap_after", g->swap_after);
	json_int(j, "dirty_before", g->dirty_before);
	json_int(j, "dirty_after", g->dirty_after);
	json_end(j, '}');
}

void
diffout_json(struct buf *out, const struct diff_result *r)
{
	struct json j;
	int i, k, n;

	json_init(&j, out, 1);
	json_object(&j, NULL);
	json_str(&j, "format", "rssgap-diff/1");
	json_side(&j, "before", r->before);
	json_side(&j, "after", r->after);
	json_array(&j, "roles");
	for (i = 0; i < r->nroles; i++) {
		const struct role_delta *d = &r->roles[i];

		json_object(&j, NULL);
		json_str(&j, "role", d->role);
		json_int(&j, "rss_before", d->rss_before);
		json_int(&j, "rss_after", d->rss_after);
		json_int(&j, "rss_delta", d->rss_delta);
		/* null when unknown, or when the role shares its credit (see "credits") */
		json_int_or_null(&j, "runtime_delta", d->runtime_known && !d->shared,
				 d->runtime_delta);
		json_bool(&j, "runtime_known", d->runtime_known);
		json_int_or_null(&j, "unexplained", !d->shared, d->unexplained);
		json_str(&j, "credit", r->credits[d->credit].role);
		json_int(&j, "size_before", d->size_before);
		json_int(&j, "size_after", d->size_after);
		json_int(&j, "lazyfree_before", d->lazyfree_before);
		json_int(&j, "lazyfree_after", d->lazyfree_after);
		json_int(&j, "anon_huge_pages_before", d->anon_huge_before);
		json_int(&j, "anon_huge_pages_after", d->anon_huge_after);
		json_int(&j, "dirty_before", d->dirty_before);
		json_int(&j, "dirty_after", d->dirty_after);
		json_end(&j, '}');
	}
	json_end(&j, ']');
	json_array(&j, "credits");
	for (i = 0; i < r->ncredits; i++) {
		const struct role_delta *c = &r->credits[i];

		json_object(&j, NULL);
		json_str(&j, "credit", c->role);
		json_array(&j, "roles");
		for (k = 0; k < r->nroles; k++)
			if (r->roles[k].credit == i)
				json_str(&j, NULL, r->roles[k].role);
		json_end(&j, ']');
		json_array(&j, "classes");
		credit_class_names(&j, c->classes);
		json_end(&j, ']');
		json_int(&j, "rss_before", c->rss_before);
		json_int(&j, "rss_after", c->rss_after);
		json_int(&j, "rss_delta", c->rss_delta);
		json_int_or_null(&j, "runtime_delta", c->runtime_known, c->runtime_delta);
		json_bool(&j, "runtime_known", c->runtime_known);
		json_int(&j, "unexplained", c->unexplained);
		json_str(&j, "why", c->why);
		json_end(&j, '}');
	}
	json_end(&j, ']');
	json_object(&j, "total");
	json_int(&j, "rss_delta", r->rss_delta);
	json_int_or_null(&j, "runtime_delta", r->runtime_known, r->runtime_delta);
	json_bool(&j, "runtime_known", r->runtime_known);
	json_int(&j, "unexplained", r->unexplained);
	json_end(&j, '}');
	json_bool(&j, "labelled", r->labelled);
	json_array(&j, "findings");
	for (i = 0; i < r->nfindings; i++) {
		const struct finding *f = &r->findings[i];
		const char *ev[8];

		json_object(&j, NULL);
		json_str(&j, "role", f->role);
		json_str(&j, "credit", f->credit);
		json_int(&j, "rss_delta", f->rss_delta);
		json_int_or_null(&j, "runtime_delta", f->runtime_known, f->runtime_delta);
		json_bool(&j, "runtime_known", f->runtime_known);
		json_int(&j, "unexplained", f->unexplained);
		json_array(&j, "evidence");
		n = evidence_names(f->evidence, ev, 8);
		for (k = 0; k < n; k++)
			json_str(&j, NULL, ev[k]);
		json_end(&j, ']');
		json_str(&j, "summary", f->summary);
		json_array(&j, "regions");
		for (k = 0; k < f->nregions; k++)
			json_region(&j, &f->regions[k]);
		json_end(&j, ']');
		json_end(&j, '}');
	}
	json_end(&j, ']');
	sitesout_json(&j, r);
	if (r->classes.known) {
		json_object(&j, "go_classes");
		for (i = 0; i < GO_CLASS_COUNT; i++) {
			json_object(&j, go_class_name(i));
			json_int(&j, "before", r->classes.before[i]);
			json_int(&j, "after", r->classes.after[i]);
			json_end(&j, '}');
		}
		json_end(&j, '}');
	}
	json_str(&j, "cgroup", r->cgroup_note);
	json_object(&j, "alignment");
	json_int(&j, "pairs", r->pairs);
	json_int(&j, "only_before", r->only_before);
	json_int(&j, "only_after", r->only_after);
	json_end(&j, '}');
	json_str(&j, "headline", r->headline);
	json_str(&j, "verdict", verdict_name(r->verdict));
	json_end(&j, '}');
	buf_putc(out, '\n');
}
