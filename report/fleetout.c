#include "report/fleetout.h"

#include <inttypes.h>
#include <string.h>

#include "core/escape.h"
#include "core/num.h"
#include "report/json.h"
#include "report/summary.h"

typedef void (*escape_fn)(struct buf *, const char *, size_t);

static void
put(struct buf *out, escape_fn esc, const char *s)
{
	esc(out, s, strlen(s));
}

static void
cell(struct buf *out, const char *fmt, int64_t v, int delta)
{
	struct buf c = BUF_INIT;

	if (delta)
		num_human_delta(&c, (double)v);
	else
		num_human(&c, (double)v);
	buf_printf(out, fmt, buf_str(&c));
	buf_release(&c);
}

static void
stat_cells(struct buf *out, const struct fleet_stat *s)
{
	if (s->n == 0) {
		buf_printf(out, " %10s %10s %10s", "-", "-", "-");
		return;
	}
	cell(out, " %10s", s->p10, 0);
	cell(out, " %10s", s->median, 0);
	cell(out, " %10s", s->p90, 0);
}

void
fleetout_text(struct buf *out, const struct fleet_result *r)
{
	int c, i;

	buf_printf(out, "%s: ", verdict_name(r->verdict));
	put(out, escape_term, r->headline);
	buf_puts(out, "\n\ncohorts by ");
	put(out, escape_term, r->by);
	buf_printf(out, "\n%-20s %4s %32s %32s %32s\n", "", "", "RSS p10 / median / p90",
		   "GO ESTIMATE", "NON-GO");
	for (c = 0; c < r->ncohorts; c++) {
		const struct fleet_cohort *co = &r->cohorts[c];
		struct buf name = BUF_INIT;

		escape_term(&name, co->value, strlen(co->value));
		buf_printf(out, "%-20s %4d", buf_str(&name), co->n);
		stat_cells(out, &co->rss);
		stat_cells(out, &co->go_estimate);
		stat_cells(out, &co->non_go);
		if (c == r->before)
			buf_puts(out, "  (before)");
		if (c == r->after)
			buf_puts(out, "  (after)");
		buf_putc(out, '\n');
		buf_release(&name);
	}
	buf_puts(out, "\nmedian Rss change ");
	cell(out, "%s", r->median_rss_delta, 1);
	cell(out, " (90%% band %s", r->band_low, 1);
	cell(out, " to %s)", r->band_high, 1);
	if (r->paired > 0) {
		buf_printf(out, "; %d pods in both cohorts, their median change ", r->paired);
		cell(out, "%s", r->paired_median_delta, 1);
	}
	buf_puts(out, "\n\n");
	if (r->nfindings == 0)
		buf_puts(out, "No finding: no role's median Rss grew beyond what the runtime reports, "
			      "across the noise band.\n");
	for (i = 0; i < r->nfindings; i++) {
		buf_printf(out, "Finding %d: ", i + 1);
		put(out, escape_term, r->findings[i].summary);
		buf_putc(out, '\n');
	}
	if (r->noutliers > 0)
		buf_puts(out, "\nOutliers\n");
	for (i = 0; i < r->noutliers; i++) {
		buf_printf(out, "  snapshot %" PRId64 ": ", r->outliers[i].id);
		put(out, escape_term, r->outliers[i].why);
		buf_putc(out, '\n');
	}
}

static void
json_stat(struct json *j, const char *key, const struct fleet_stat *s)
{
	if (s->n == 0) {
		json_null(j, key);
		return;
	}
	json_object(j, key);
	json_int(j, "p10", s->p10);
	json_int(j, "median", s->median);
	json_int(j, "p90", s->p90);
	json_end(j, '}');
}

void
fleetout_json(struct buf *out, const struct fleet_result *r)
{
	struct json j;
	int c, i;

	json_init(&j, out, 1);
	json_object(&j, NULL);
	json_str(&j, "format", "rssgap-fleet/1");
	json_str(&j, "by", r->by);
	json_str(&j, "before", r->cohorts[r->before].value);
	json_str(&j, "after", r->cohorts[r->after].value);
	json_array(&j, "cohorts");
	for (c = 0; c < r->ncohorts; c++) {
		const struct fleet_cohort *co = &r->cohorts[c];

		json_object(&j, NULL);
		json_str(&j, "value", co->value);
		json_int(&j, "n", co->n);
		json_stat(&j, "rss", &co->rss);
		json_stat(&j, "go_estimate", &co->go_estimate);
		json_stat(&j, "non_go", &co->non_go);
		json_object(&j, "roles");
		for (i = 0; i < r->nroles; i++)
			json_stat(&j, r->roles[i], &co->role_rss[i]);
		json_end(&j, '}');
		json_end(&j, '}');
	}
	json_end(&j, ']');
	json_int(&j, "median_rss_delta", r->median_rss_delta);
	json_array(&j, "median_rss_delta_band");
	json_int(&j, NULL, r->band_low);
	json_int(&j, NULL, r->band_high);
	json_end(&j, ']');
	json_object(&j, "paired");
	json_int(&j, "n", r->paired);
	json_int_or_null(&j, "median_rss_delta", r->paired > 0, r->paired_median_delta);
	json_end(&j, '}');
	json_array(&j, "findings");
	for (i = 0; i < r->nfindings; i++) {
		const struct fleet_finding *f = &r->findings[i];

		json_object(&j, NULL);
		json_str(&j, "role", f->role);
		json_str(&j, "credit", f->credit);
		json_int(&j, "median_rss_delta", f->median_rss_delta);
		json_int_or_null(&j, "median_runtime_delta", f->runtime_known,
				 f->median_runtime_delta);
		json_bool(&j, "runtime_known", f->runtime_known);
		json_int(&j, "runtime_known_before", f->known_before);
		json_int(&j, "runtime_known_after", f->known_after);
		json_int(&j, "unexplained", f->unexplained);
		json_array(&j, "band");
		json_int(&j, NULL, f->band_low);
		json_int(&j, NULL, f->band_high);
		json_end(&j, ']');
		json_str(&j, "summary", f->summary);
		json_end(&j, '}');
	}
	json_end(&j, ']');
	json_array(&j, "credits");
	for (i = 0; i < r->ncredits; i++) {
		int k;

		json_object(&j, NULL);
		json_str(&j, "credit", r->credits[i]);
		json_array(&j, "roles");
		for (k = 0; k < r->nroles; k++)
			if (r->role_credit[k] == i)
				json_str(&j, NULL, r->roles[k]);
		json_end(&j, ']');
		json_end(&j, '}');
	}
	json_end(&j, ']');
	json_bool(&j, "labelled", r->labelled);
	json_array(&j, "outliers");
	for (i = 0; i < r->noutliers; i++) {
		json_object(&j, NULL);
		json_int(&j, "snapshot", r->outliers[i].id);
		json_str(&j, "why", r->outliers[i].why);
		json_end(&j, '}');
	}
	json_end(&j, ']');
	json_str(&j, "headline", r->headline);
	json_str(&j, "verdict", verdict_name(r->verdict));
	json_end(&j, '}');
	buf_putc(out, '\n');
}

static void
md_stat(struct buf *out, const struct fleet_stat *s)
{
	if (s->n == 0) {
		buf_puts(out, " - |");
		return;
	}
	cell(out, " %s", s->p10, 0);
	cell(out, " / %s", s->median, 0);
	cell(out, " / %s |", s->p90, 0);
}

void
fleetout_markdown(struct buf *out, const struct fleet_result *r, const char *command)
{
	int c, i;

	buf_printf(out, "# rssgap fleet: %s\n\n", verdict_name(r->verdict));
	put(out, escape_md, r->headline);
	buf_puts(out, "\n\n## Cohorts by ");
	put(out, escape_md, r->by);
	buf_puts(out, "\n\n| cohort | n | Rss p10 / median / p90 | Go estimate | non-Go |\n"
		      "|---|---:|---:|---:|---:|\n");
	for (c = 0; c < r->ncohorts; c++) {
		buf_puts(out, "| ");
		put(out, escape_md, r->cohorts[c].value);
		buf_printf(out, " | %d |", r->cohorts[c].n);
		md_stat(out, &r->cohorts[c].rss);
		md_stat(out, &r->cohorts[c].go_estimate);
		md_stat(out, &r->cohorts[c].non_go);
		buf_putc(out, '\n');
	}
	buf_puts(out, "\n## Findings\n\n");
	if (r->nfindings == 0)
		buf_puts(out, "None across the noise band.\n");
	for (i = 0; i < r->nfindings; i++) {
		buf_printf(out, "%d. ", i + 1);
		put(out, escape_md, r->findings[i].summary);
		buf_putc(out, '\n');
	}
	if (r->noutliers > 0)
		buf_puts(out, "\n## Outliers\n\n");
	for (i = 0; i < r->noutliers; i++) {
		buf_printf(out, "- snapshot %" PRId64 ": ", r->outliers[i].id);
		put(out, escape_md, r->outliers[i].why);
		buf_putc(out, '\n');
	}
	buf_puts(out, "\n## Reproduce\n\n");
	summary_code_block(out, command);
}
