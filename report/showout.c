#include "report/showout.h"

#include <inttypes.h>
#include <string.h>

#include "core/escape.h"
#include "core/num.h"
#include "report/cgroupout.h"
#include "report/json.h"
#include "report/sitesout.h"
#include "report/text.h"

/* A byte count in human units, "unknown" when it is not known (-1), in format fmt. */
static void
cell(struct buf *out, const char *fmt, int64_t bytes)
{
	struct buf c = BUF_INIT;

	if (bytes >= 0)
		num_human(&c, (double)bytes);
	else
		buf_puts(&c, "unknown");
	buf_printf(out, fmt, buf_str(&c));
	buf_release(&c);
}

/*
 * Per role: Size, Rss, PSS and USS (smem's columns), Anonymous, LazyFree,
 * Swap; a sum the bundle cannot give is "unknown", never 0.
 */
static void
text_roles_mem(struct buf *out, const struct rolemem_list *roles)
{
	size_t i;

	buf_printf(out, "%-14s %6s %11s %11s %11s %11s %11s %11s %11s\n", "ROLE", "VMAS", "SIZE",
		   "RSS", "PSS", "USS", "ANONYMOUS", "LAZYFREE", "SWAP");
	for (i = 0; i < roles->n; i++) {
		const struct role_info *r = roles->v[i].info;
		struct buf name = BUF_INIT;

		escape_term(&name, r->role, strlen(r->role));
		buf_printf(out, "%-14s %6" PRId64, buf_str(&name), r->vmas);
		cell(out, " %11s", r->size);
		cell(out, " %11s", r->rss);
		cell(out, " %11s", roles->v[i].pss);
		cell(out, " %11s", roles->v[i].uss);
		cell(out, " %11s", r->anonymous);
		cell(out, " %11s", r->lazyfree);
		cell(out, " %11s\n", r->swap);
		buf_release(&name);
	}
}

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
	buf_printf(out, "%11s ", buf_str(&cell));
	buf_reset(&cell);
	num_bytes_or_dash(&cell, v->pss);
	buf_printf(out, "%11s ", buf_str(&cell));
	buf_reset(&cell);
	num_bytes_or_dash(&cell, v->uss);
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
showout_text(struct buf *out, const struct snapshot_info *s, const struct rolemem_list *roles,
	     const struct topvma_list *top, int top_asked, enum topvma_sort sort,
	     const struct site_diff *sites, const struct notes *n)
{
	size_t i;

	text_snapshot_header(out, s);
	buf_putc(out, '\n');
	text_layers(out, s);
	buf_putc(out, '\n');
	text_roles_mem(out, roles);
	buf_putc(out, '\n');
	if (text_go_classes(out, s))
		buf_putc(out, '\n');
	if (snapshot_has_runtime(s)) {
		text_credits(out, s);
		buf_putc(out, '\n');
	}
	buf_printf(out, "Top %d VMAs by %s\n", top_asked, topvma_sort_label(sort));
	buf_printf(out, "  %-25s %-4s %-12s %11s %11s %11s %11s  %s\n", "RANGE", "PERM", "ROLE",
		   "SIZE", "RSS", "PSS", "USS", "PATH");
	for (i = 0; i < top->n; i++)
		text_vma(out, &top->v[i]);
	buf_putc(out, '\n');
	sitesout_show_text(out, sites, top_asked);
	buf_puts(out, "Notes\n");
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
	json_int_or_null(j, "pss", v->pss >= 0, v->pss);
	json_int_or_null(j, "uss", v->uss >= 0, v->uss);
	json_end(j, '}');
}

static void
json_role(struct json *j, const struct rolemem *m)
{
	const struct role_info *r = m->info;

	json_object(j, NULL);
	json_str(j, "role", r->role);
	json_int(j, "vmas", r->vmas);
	json_int(j, "size", r->size);
	json_int_or_null(j, "rss", r->rss >= 0, r->rss);
	json_int_or_null(j, "anonymous", r->anonymous >= 0, r->anonymous);
	json_int_or_null(j, "lazyfree", r->lazyfree >= 0, r->lazyfree);
	json_int_or_null(j, "swap", r->swap >= 0, r->swap);
	json_int_or_null(j, "pss", m->pss >= 0, m->pss);
	json_int_or_null(j, "uss", m->uss >= 0, m->uss);
	json_end(j, '}');
}

void
showout_json(struct buf *out, const struct snapshot_info *s, const struct rolemem_list *roles,
	     const struct topvma_list *top, enum topvma_sort sort, const struct site_diff *sites,
	     int top_asked)
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
	for (k = 0; k < roles->n; k++)
		json_role(&j, &roles->v[k]);
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
	json_str(&j, "sort", topvma_sort_name(sort));
	json_array(&j, "top_vmas");
	for (k = 0; k < top->n; k++)
		json_vma(&j, &top->v[k]);
	json_end(&j, ']');
	sitesout_show_json(&j, sites, top_asked);
	json_end(&j, '}');
	buf_putc(out, '\n');
}

/* A CSV field of a byte count, empty when unknown (-1). */
static void
csv_bytes(struct buf *out, int64_t v)
{
	buf_putc(out, ',');
	if (v >= 0)
		buf_printf(out, "%" PRId64, v);
}

void
showout_csv(struct buf *out, const struct rolemem_list *roles, const struct topvma_list *top)
{
	size_t i;

	buf_puts(out, "kind,role,range,perms,path,vmas,size,rss,pss,uss,anonymous,lazyfree,swap\r\n");
	for (i = 0; i < roles->n; i++) {
		const struct role_info *r = roles->v[i].info;

		buf_puts(out, "role,");
		escape_csv(out, r->role);
		buf_printf(out, ",,,,%" PRId64, r->vmas);
		csv_bytes(out, r->size);
		csv_bytes(out, r->rss);
		csv_bytes(out, roles->v[i].pss);
		csv_bytes(out, roles->v[i].uss);
		csv_bytes(out, r->anonymous);
		csv_bytes(out, r->lazyfree);
		csv_bytes(out, r->swap);
		buf_puts(out, "\r\n");
	}
	for (i = 0; i < top->n; i++) {
		const struct topvma *v = &top->v[i];

		buf_puts(out, "vma,");
		escape_csv(out, v->role);
		buf_printf(out, ",%s,", v->range);
		escape_csv(out, v->perms);
		buf_putc(out, ',');
		escape_csv(out, v->path);
		buf_puts(out, ",1");
		csv_bytes(out, v->size);
		csv_bytes(out, v->rss);
		csv_bytes(out, v->pss);
		csv_bytes(out, v->uss);
		csv_bytes(out, v->anonymous);
		csv_bytes(out, v->lazyfree);
		csv_bytes(out, v->swap);
		buf_puts(out, "\r\n");
	}
}
