#include "report/showout.h"

#include <inttypes.h>
#include <string.h>

#include "core/escape.h"
#include "core/num.h"
#include "report/cgroupout.h"
#include "report/json.h"
#include "report/text.h"

static void
text_vma(struct buf *out, const struct topvma *v)
{
	struct buf cell = BUF_INIT;

	buf_printf(out, "  %012" PRIx64 "-%012" PRIx64 " %s %-12s ", v->start, v->end, v->perms,
		   v->role);
	num_bytes_or_dash(&cell, v->size);
	buf_printf(out, "%11s ", buf_str(&cell));
	buf_reset(&cell);
	num_bytes_or_dash(&cell, v->rss);
	buf_printf(out, "%11s  ", buf_str(&cell));
	escape_term(out, v->path, strlen(v->path));
	buf_putc(out, '\n');
	buf_release(&cell);
}

static void
text_note(struct buf *out, const struct note *n)
{
	buf_puts(out, "  ");
	escape_term(out, n->member, strlen(n->member));
	if (n->has_line)
		buf_printf(out, ":%" PRId64, n->line);
	buf_puts(out, ": ");
	escape_term(out, n->message, strlen(n->message));
	buf_putc(out, '\n');
}

static void
text_error(struct buf *out, const struct capture_error *e)
{
	buf_puts(out, "  capture could not read ");
	escape_term(out, e->file, strlen(e->file));
	buf_puts(out, ": ");
	escape_term(out, e->reason, strlen(e->reason));
	buf_putc(out, '\n');
}

void
showout_text(struct buf *out, const struct snapshot_info *s, const struct topvma_list *top,
	     int top_asked, const struct notes *n)
{
	size_t i;

	text_snapshot_header(out, s);
	buf_putc(out, '\n');
	text_layers(out, s);
	buf_putc(out, '\n');
	text_roles(out, s);
	buf_putc(out, '\n');
	if (text_go_classes(out, s))
		buf_putc(out, '\n');
	if (snapshot_has_runtime(s)) {
		text_credits(out, s);
		buf_putc(out, '\n');
	}
	buf_printf(out, "Top %d VMAs by Rss\n", top_asked);
	for (i = 0; i < top->n; i++)
		text_vma(out, &top->v[i]);
	buf_puts(out, "\nNotes\n");
	for (i = 0; i < n->nnotes; i++)
		text_note(out, &n->notes[i]);
	for (i = 0; i < n->nerrors; i++)
		text_error(out, &n->errors[i]);
}

static void
json_vma(struct json *j, const struct topvma *v)
{
	json_object(j, NULL);
	json_str(j, "range", v->range);
	json_str(j, "perms", v->perms);
	json_str(j, "path", v->path);
	json_str(j, "role", v->role);
	json_int_or_null(j, "size", v->size >= 0, v->size);
	json_int_or_null(j, "rss", v->rss >= 0, v->rss);
	json_int_or_null(j, "anonymous", v->anonymous >= 0, v->anonymous);
	json_int_or_null(j, "lazyfree", v->lazyfree >= 0, v->lazyfree);
	json_int_or_null(j, "swap", v->swap >= 0, v->swap);
	json_end(j, '}');
}

static void
json_role(struct json *j, const struct role_info *r)
{
	json_object(j, NULL);
	json_str(j, "role", r->role);
	json_int(j, "vmas", r->vmas);
	json_int(j, "size", r->size);
	json_int_or_null(j, "rss", r->rss >= 0, r->rss);
	json_int_or_null(j, "anonymous", r->anonymous >= 0, r->anonymous);
	json_int_or_null(j, "lazyfree", r->lazyfree >= 0, r->lazyfree);
	json_int_or_null(j, "swap", r->swap >= 0, r->swap);
	json_end(j, '}');
}

void
showout_json(struct buf *out, const struct snapshot_info *s, const struct topvma_list *top)
{
	struct json j;
	struct go_classes g;
	size_t k;
	int i;

	json_init(&j, out, 1);
	json_object(&j, NULL);
	json_str(&j, "format", "rssgap-show/1");
	json_int(&j, "snapshot", s->id);
	json_str(&j, "captured_at", s->captured_at[0] != '\0' ? s->captured_at : NULL);
	json_int_or_null(&j, "pid", s->pid > 0, s->pid);
	json_str(&j, "host", s->host);
	json_str(&j, "pod", s->pod);
	json_object(&j, "labels");
	for (i = 0; i < s->nlabels; i++)
		json_str(&j, s->label_keys[i], s->label_values[i]);
	json_end(&j, '}');
	json_int_or_null(&j, "rss", s->rss_known, s->rss);
	json_int_or_null(&j, "pss", s->rss_known, s->pss);
	json_int(&j, "size", s->size);
	json_int_or_null(&j, "go_estimate", s->go_estimate.known, s->go_estimate.v);
	json_int_or_null(&j, "heap_inuse", s->rt[RT_HEAP_INUSE].known, s->rt[RT_HEAP_INUSE].v);
	json_int_or_null(&j, "heap_released", s->rt[RT_HEAP_RELEASED].known,
			 s->rt[RT_HEAP_RELEASED].v);
	json_int_or_null(&j, "pprof_inuse", s->pprof_inuse.known, s->pprof_inuse.v);
	json_bool(&j, "runtime_known", snapshot_has_runtime(s));
	json_str(&j, "runtime_missing", snapshot_has_runtime(s) ? NULL : s->runtime_missing);
	json_int(&j, "go_named_vmas", s->go_named);
	json_int_or_null(&j, "non_go", s->rss_known && s->go_estimate.known,
			 s->rss - s->go_estimate.v);
	cgroup_json(&j, s);
	json_array(&j, "roles");
	for (i = 0; i < s->nroles; i++)
		json_role(&j, &s->roles[i]);
	json_end(&j, ']');
	json_object(&j, "runtime");
	for (i = 0; i < RT_NFIELDS; i++)
		if (s->rt[i].known)
			json_int(&j, rt_field_name(i), s->rt[i].v);
	json_end(&j, '}');
	if (go_classes_from(s, &g)) {
		json_object(&j, "go_classes");
		for (i = 0; i < GO_CLASS_COUNT; i++)
			json_int(&j, go_class_name(i), g.bytes[i]);
		json_end(&j, '}');
	}
	json_array(&j, "top_vmas");
	for (k = 0; k < top->n; k++)
		json_vma(&j, &top->v[k]);
	json_end(&j, ']');
	json_end(&j, '}');
	buf_putc(out, '\n');
}
