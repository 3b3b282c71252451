#include "report/sitesout.h"

#include <inttypes.h>
#include <string.h>

#include "analyze/sites.h"
#include "core/escape.h"
#include "core/num.h"

#define MAX_PICK 1024

static const struct site_diff *
shown(const struct diff_result *r)
{
	return r->sites != NULL && r->sites->view != SITES_NONE ? r->sites : NULL;
}

const char *
sitesout_title(const struct diff_result *r)
{
	const struct site_diff *s = shown(r);

	if (s == NULL)
		return NULL;
	return s->view == SITES_FINDING ? "the sites that changed most" : "the sites that grew";
}

int
sitesout_pick(const struct diff_result *r, int *idx, int max)
{
	const struct site_diff *s = r->sites;
	int i, n = 0;

	if (s == NULL)
		return 0;
	for (i = 0; i < s->nsites && n < max; i++) {
		if (site_delta_change(&s->sites[i]) == 0)
			continue;
		if (s->view == SITES_GREW && !site_delta_grew(&s->sites[i]))
			continue;
		idx[n++] = i;
	}
	return n;
}

/* How many of a list to show: the diff's max_sites, within MAX_PICK. */
static int
limit(const struct diff_result *r)
{
	int m = r->opts.max_sites > 0 ? r->opts.max_sites : 5;

	return m < MAX_PICK ? m : MAX_PICK;
}

/* The object size of objects/space, 0 when none. */
static int64_t
per_object(int64_t space, int64_t objects)
{
	return objects > 0 && space > 0 ? space / objects : 0;
}

/* "2078 x 256 KiB = 519.7 MiB", "-" without large objects, "unknown". */
static void
large_cell(struct buf *out, int64_t space, int64_t objects)
{
	if (space < 0 || objects < 0) {
		buf_puts(out, "unknown");
		return;
	}
	if (space == 0 || objects == 0) {
		buf_puts(out, "-");
		return;
	}
	buf_printf(out, "%" PRId64 " x ", objects);
	num_bytes(out, per_object(space, objects));
	buf_puts(out, " = ");
	num_bytes(out, space);
}

/* A side's value of a site in text: its bytes, or "not kept" when it may be among those not stored. */
static void
side_cell(struct buf *out, const char *fmt, int listed, const struct site_side *side, int64_t v)
{
	struct buf c = BUF_INIT;

	if (!listed && side->listed < side->total)
		buf_puts(&c, "not kept");
	else
		num_bytes(&c, v);
	buf_printf(out, fmt, buf_str(&c));
	buf_release(&c);
}

static void
coverage_text(struct buf *out, const struct site_diff *s)
{
	if (s->before.listed >= s->before.total && s->after.listed >= s->after.total)
		return;
	buf_puts(out, "  the stored sites hold ");
	num_bytes(out, s->before.listed);
	buf_puts(out, " of the before profile's ");
	num_bytes(out, s->before.total);
	buf_puts(out, " and ");
	num_bytes(out, s->after.listed);
	buf_puts(out, " of the after's ");
	num_bytes(out, s->after.total);
	buf_puts(out, " (the rest: sites not stored, --limit pprof_top_sites; \"not kept\": a site"
		      " not among them)\n");
}

int64_t
sitesout_go_heap_delta(const struct diff_result *r)
{
	int i;

	for (i = 0; i < r->nroles; i++)
		if (strcmp(r->roles[i].role, "go-heap") == 0)
			return r->roles[i].rss_delta;
	return 0;
}

/* "A before, B after (+D), while go-heap's Rss changed by +R" of the large objects. */
static void
large_totals(struct buf *out, const struct diff_result *r, const struct site_diff *s)
{
	num_bytes(out, s->before.large_space);
	buf_puts(out, " before, ");
	num_bytes(out, s->after.large_space);
	buf_puts(out, " after (");
	num_bytes_delta(out, s->after.large_space - s->before.large_space);
	buf_puts(out, "), while go-heap's Rss changed by ");
	num_bytes_delta(out, sitesout_go_heap_delta(r));
}

static void
large_text(struct buf *out, const struct diff_result *r, const struct site_diff *s)
{
	struct buf c = BUF_INIT;
	int i, n = s->nlarge < limit(r) ? s->nlarge : limit(r);

	buf_puts(out, "LARGE OBJECTS (> 32 KiB each) BY SITE: count x size each = in use (counts"
		      " are the profile's, scaled for sampling)\n");
	if (!s->before.large_known || !s->after.large_known) {
		buf_puts(out, "  not known: a side was ingested by an rssgap that did not store them\n\n");
		return;
	}
	if (n == 0) {
		buf_puts(out, "  none on either side\n\n");
		return;
	}
	buf_printf(out, "  %-32s %-32s %s\n", "BEFORE", "AFTER", "SITE");
	for (i = 0; i < n; i++) {
		const struct site_delta *v = &s->sites[s->large[i]];

		buf_reset(&c);
		large_cell(&c, v->large_space_before, v->large_objects_before);
		buf_printf(out, "  %-32s ", buf_str(&c));
		buf_reset(&c);
		large_cell(&c, v->large_space_after, v->large_objects_after);
		buf_printf(out, "%-32s ", buf_str(&c));
		escape_term(out, v->frames, strlen(v->frames));
		buf_putc(out, '\n');
	}
	buf_puts(out, "  large objects in all: ");
	large_totals(out, r, s);
	buf_puts(out, "\n\n");
	buf_release(&c);
}

void
sitesout_text(struct buf *out, const struct diff_result *r)
{
	const struct site_diff *s = shown(r);
	int idx[MAX_PICK], i, n;
	struct buf c = BUF_INIT;

	if (s == NULL)
		return;
	n = sitesout_pick(r, idx, limit(r));
	if (s->view == SITES_FINDING)
		buf_puts(out, "ALLOCATION SITES of the go-heap finding: the heap profile's inuse_space"
			      " by site, changed most first\n");
	else
		buf_puts(out, "ALLOCATION SITES THAT GREW (go-heap grew, explained): the heap profile's"
			      " inuse_space by site, as go tool pprof -diff_base shows it\n");
	buf_puts(out, "  (each profile is as of its process's last completed GC: objects allocated"
		      " since are not in it, Rss is as of the capture)\n");
	if (n == 0) {
		buf_puts(out, s->view == SITES_GREW ? "  no stored site grew\n"
						    : "  no stored site changed\n");
	} else {
		buf_printf(out, "  %11s %11s %11s  %s\n", "BEFORE", "AFTER", "CHANGE", "SITE");
		for (i = 0; i < n; i++) {
			const struct site_delta *v = &s->sites[idx[i]];

			side_cell(out, "  %11s", v->listed_before, &s->before, v->inuse_before);
			side_cell(out, " %11s", v->listed_after, &s->after, v->inuse_after);
			buf_reset(&c);
			num_bytes_delta(&c, site_delta_change(v));
			buf_printf(out, " %11s  ", buf_str(&c));
			escape_term(out, v->frames, strlen(v->frames));
			buf_putc(out, '\n');
		}
	}
	coverage_text(out, s);
	buf_putc(out, '\n');
	if (s->view == SITES_FINDING)
		large_text(out, r, s);
	buf_release(&c);
}

static void
json_side(struct json *j, const char *key, const struct site_side *side)
{
	json_object(j, key);
	json_int(j, "inuse_space", side->total);
	json_int(j, "listed_inuse_space", side->listed);
	json_int(j, "sites", side->nsites);
	json_int_or_null(j, "large_inuse_space", side->large_known, side->large_space);
	json_int_or_null(j, "large_inuse_objects", side->large_known, side->large_objects);
	json_end(j, '}');
}

static void
json_site(struct json *j, const struct site_delta *v)
{
	json_object(j, NULL);
	json_str(j, "leaf", v->leaf);
	json_str(j, "frames", v->frames);
	json_bool(j, "listed_before", v->listed_before);
	json_bool(j, "listed_after", v->listed_after);
	json_int(j, "inuse_space_before", v->inuse_before);
	json_int(j, "inuse_space_after", v->inuse_after);
	json_int(j, "inuse_space_change", site_delta_change(v));
	json_int(j, "inuse_objects_before", v->objects_before);
	json_int(j, "inuse_objects_after", v->objects_after);
	json_int_or_null(j, "large_inuse_space_before", v->large_space_before >= 0,
			 v->large_space_before);
	json_int_or_null(j, "large_inuse_space_after", v->large_space_after >= 0,
			 v->large_space_after);
	json_int_or_null(j, "large_inuse_objects_before", v->large_objects_before >= 0,
			 v->large_objects_before);
	json_int_or_null(j, "large_inuse_objects_after", v->large_objects_after >= 0,
			 v->large_objects_after);
	json_int_or_null(j, "large_object_size_before", v->large_objects_before > 0,
			 per_object(v->large_space_before, v->large_objects_before));
	json_int_or_null(j, "large_object_size_after", v->large_objects_after > 0,
			 per_object(v->large_space_after, v->large_objects_after));
	json_end(j, '}');
}

void
sitesout_json(struct json *j, const struct diff_result *r)
{
	const struct site_diff *s = r->sites;
	int i, n, m = limit(r);

	if (s == NULL || !s->before.known || !s->after.known)
		return;
	json_object(j, "allocation_sites");
	json_str(j, "view", s->view == SITES_FINDING ? "finding" : s->view == SITES_GREW ? "grew"
									 : "none");
	json_side(j, "before", &s->before);
	json_side(j, "after", &s->after);
	json_array(j, "changed");
	for (i = n = 0; i < s->nsites && n < m; i++)
		if (site_delta_change(&s->sites[i]) != 0) {
			json_site(j, &s->sites[i]);
			n++;
		}
	json_end(j, ']');
	json_array(j, "grew");
	for (i = n = 0; i < s->nsites && n < m; i++)
		if (site_delta_grew(&s->sites[i])) {
			json_site(j, &s->sites[i]);
			n++;
		}
	json_end(j, ']');
	json_array(j, "large");
	for (i = 0; i < s->nlarge && i < m; i++)
		json_site(j, &s->sites[s->large[i]]);
	json_end(j, ']');
	json_end(j, '}');
}

static void
md_text(struct buf *out, const char *s)
{
	escape_md(out, s, strlen(s));
}

static void
md_side(struct buf *out, int listed, const struct site_side *side, int64_t v)
{
	if (!listed && side->listed < side->total)
		buf_puts(out, "not kept");
	else
		num_bytes(out, v);
}

void
sitesout_markdown(struct buf *out, const struct diff_result *r)
{
	const struct site_diff *s = shown(r);
	int idx[MAX_PICK], i, n;

	if (s == NULL)
		return;
	n = sitesout_pick(r, idx, limit(r));
	buf_printf(out, "\n## Allocation sites\n\n%s (the heap profile's inuse\\_space)%s; each "
		   "profile is as of its process's last completed GC, Rss as of the capture.\n\n",
		   s->view == SITES_FINDING ? "The go-heap finding: the sites whose in-use bytes "
					      "changed most"
					    : "go-heap grew, explained: the sites whose in-use bytes grew",
		   s->view == SITES_GREW ? ", as `go tool pprof -diff_base` shows it" : "");
	if (n == 0)
		buf_puts(out, s->view == SITES_GREW ? "No stored site grew.\n" : "No stored site changed.\n");
	else
		buf_puts(out, "| site | before | after | change |\n|---|---:|---:|---:|\n");
	for (i = 0; i < n; i++) {
		const struct site_delta *v = &s->sites[idx[i]];

		buf_puts(out, "| ");
		md_text(out, v->frames);
		buf_puts(out, " | ");
		md_side(out, v->listed_before, &s->before, v->inuse_before);
		buf_puts(out, " | ");
		md_side(out, v->listed_after, &s->after, v->inuse_after);
		buf_puts(out, " | ");
		num_bytes_delta(out, site_delta_change(v));
		buf_puts(out, " |\n");
	}
	if (s->view != SITES_FINDING || !s->before.large_known || !s->after.large_known ||
	    s->nlarge == 0)
		return;
	buf_puts(out, "\nLarge objects (> 32 KiB each) by site: count x size each = in use (counts "
		      "scaled for sampling, as the profile has them).\n\n| site | before | after |\n"
		      "|---|---:|---:|\n");
	for (i = 0; i < s->nlarge && i < limit(r); i++) {
		const struct site_delta *v = &s->sites[s->large[i]];

		buf_puts(out, "| ");
		md_text(out, v->frames);
		buf_puts(out, " | ");
		large_cell(out, v->large_space_before, v->large_objects_before);
		buf_puts(out, " | ");
		large_cell(out, v->large_space_after, v->large_objects_after);
		buf_puts(out, " |\n");
	}
	buf_puts(out, "\nLarge objects in all: ");
	large_totals(out, r, s);
	buf_puts(out, ".\n");
}

/* ---- one snapshot (rssgap show): s from site_one_load ---- */

/* How many of s's first sites hold memory (largest first: the rest hold none), at most max. */
static int
in_use_count(const struct site_diff *s, int max)
{
	int n = 0;

	while (n < s->nsites && n < max && s->sites[n].inuse_after > 0)
		n++;
	return n;
}

void
sitesout_show_text(struct buf *out, const struct site_diff *s, int max)
{
	struct buf c = BUF_INIT;
	int i, n;

	if (s == NULL || s->view != SITES_ONE)
		return;
	n = in_use_count(s, max);
	if (n == 0)
		return;
	buf_printf(out, "Top %d allocation sites by the heap profile's inuse_space (as of the "
		   "process's last completed GC; Rss is as of the capture)\n", n);
	buf_printf(out, "  %11s %11s  %-32s %s\n", "IN USE", "OBJECTS", "LARGE (> 32 KiB EACH)",
		   "SITE");
	for (i = 0; i < n; i++) {
		const struct site_delta *v = &s->sites[i];

		buf_reset(&c);
		num_bytes(&c, v->inuse_after);
		buf_printf(out, "  %11s %11" PRId64 "  ", buf_str(&c), v->objects_after);
		buf_reset(&c);
		large_cell(&c, v->large_space_after, v->large_objects_after);
		buf_printf(out, "%-32s ", buf_str(&c));
		escape_term(out, v->frames, strlen(v->frames));
		buf_putc(out, '\n');
	}
	buf_puts(out, "  the stored sites hold ");
	num_bytes(out, s->after.listed);
	buf_puts(out, " of the profile's ");
	num_bytes(out, s->after.total);
	if (s->after.large_known) {
		buf_puts(out, "; large objects in all ");
		num_bytes(out, s->after.large_space);
	}
	buf_puts(out, "\n\n");
	buf_release(&c);
}

void
sitesout_show_json(struct json *j, const struct site_diff *s, int max)
{
	int i, n;

	if (s == NULL || s->view != SITES_ONE) {
		json_null(j, "allocation_sites");
		return;
	}
	n = in_use_count(s, max);
	json_object(j, "allocation_sites");
	json_int(j, "inuse_space", s->after.total);
	json_int(j, "listed_inuse_space", s->after.listed);
	json_int(j, "sites", s->after.nsites);
	json_int_or_null(j, "large_inuse_space", s->after.large_known, s->after.large_space);
	json_int_or_null(j, "large_inuse_objects", s->after.large_known, s->after.large_objects);
	json_array(j, "top");
	for (i = 0; i < n; i++) {
		const struct site_delta *v = &s->sites[i];

		json_object(j, NULL);
		json_str(j, "leaf", v->leaf);
		json_str(j, "frames", v->frames);
		json_int(j, "inuse_space", v->inuse_after);
		json_int(j, "inuse_objects", v->objects_after);
		json_int_or_null(j, "large_inuse_space", v->large_space_after >= 0,
				 v->large_space_after);
		json_int_or_null(j, "large_inuse_objects", v->large_objects_after >= 0,
				 v->large_objects_after);
		json_end(j, '}');
	}
	json_end(j, ']');
	json_end(j, '}');
}
