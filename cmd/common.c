#include "cmd/common.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/attribute.h"
#include "cmd/commands.h"
#include "core/buf.h"
#include "core/escape.h"
#include "core/num.h"
#include "core/outfile.h"
#include "core/xalloc.h"
#include "ingest/ingest.h"
#include "ingest/rules.h"

void
cmd_init(struct cmd *c, const char *name)
{
	const char *env = getenv("RSSGAP_DB");

	memset(c, 0, sizeof(*c));
	c->name = name;
	c->db_path = env != NULL && env[0] != '\0' ? env : NULL;
	limits_default(&c->lim);
}

/* fmt and ap formatted, then escaped for a terminal (it holds what a user or a bundle named). */
static void
print_escaped(const char *prefix, const char *fmt, va_list ap)
{
	struct buf raw = BUF_INIT, out = BUF_INIT;

	buf_vprintf(&raw, fmt, ap);
	escape_term(&out, buf_str(&raw), raw.len);
	fprintf(stderr, "%s%s\n", prefix, buf_str(&out));
	buf_release(&raw);
	buf_release(&out);
}

void
cmd_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_escaped("rssgap: ", fmt, ap);
	va_end(ap);
}

int
cmd_usage_error(const struct cmd *c, const char *fmt, ...)
{
	struct buf prefix = BUF_INIT;
	va_list ap;

	buf_printf(&prefix, "rssgap %s: ", c->name);
	va_start(ap, fmt);
	print_escaped(buf_str(&prefix), fmt, ap);
	va_end(ap);
	fprintf(stderr, "rssgap: hint: rssgap %s --help\n", c->name);
	buf_release(&prefix);
	return RSSGAP_EXIT_USAGE;
}

/* The length of the synopsis word at s: a bracketed group ("[--before V --after V]") is one word. */
static size_t
usage_word(const char *s)
{
	size_t n = 0;
	int depth = 0;

	for (; s[n] != '\0' && (depth > 0 || s[n] != ' '); n++) {
		if (s[n] == '[')
			depth++;
		else if (s[n] == ']' && depth > 0)
			depth--;
	}
	return n;
}

void
cmd_print_usage(FILE *f, const char *lead, const char *usage)
{
	size_t col, indent, n;
	const char *s = usage;

	/* continuation lines start under the first word after the command's name */
	n = usage_word(s);
	fprintf(f, "%s%.*s", lead, (int)n, s);
	col = indent = strlen(lead) + n + 1;
	for (s += n; *s != '\0'; s += n) {
		while (*s == ' ')
			s++;
		n = usage_word(s);
		if (n == 0)
			break;
		if (col + n > RSSGAP_USAGE_WIDTH && col > indent) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else {
			fputc(' ', f);
		}
		fprintf(f, "%.*s", (int)n, s);
		col += n + 1;
	}
	fputc('\n', f);
}

int
cmd_help(const struct cmd_entry *e)
{
	cmd_print_usage(stdout, "usage: rssgap ", e->usage);
	fputs("\n", stdout);
	fputs(e->help, stdout);
	fputs("\n"
	      "Every command also takes:\n"
	      "  --db FILE        the database (default $RSSGAP_DB); without either, bundles\n"
	      "                   given as files go into an in-memory one\n"
	      "  --rules FILE     role rules tried before the installed and built-in ones\n"
	      "                   (docs/roles.md)\n"
	      "  --limit NAME=N   raise or lower a cap on hostile input; a size for *_bytes\n"
	      "                   caps, e.g. member_bytes=512MiB (docs/limits.md)\n"
	      "  --quiet          fewer messages\n"
	      "  -h, --help       this help (also: rssgap help COMMAND; man rssgap)\n", stdout);
	return cmd_finish_output(0);
}

int
cmd_common_option(struct cmd *c, int opt, const char *arg)
{
	switch (opt) {
	case OPT_DB:
		c->db_path = arg;
		return 1;
	case OPT_RULES:
		c->rules_path = arg;
		return 1;
	case OPT_QUIET:
		c->quiet = 1;
		return 1;
	case OPT_LIMIT:
		if (limits_set(&c->lim, arg) != 0) {
			cmd_usage_error(c, "bad --limit \"%s\" (expected NAME=N, a size for *_bytes; "
					"see docs/limits.md)", arg);
			return -1;
		}
		return 1;
	default:
		return 0;
	}
}

void
cmd_print_diag(const struct diag *d)
{
	diag_print(d, stderr);
}

int
cmd_open(struct cmd *c)
{
	struct diag d;

	diag_clear(&d);
	if (rule_files_load(&c->rule_files, c->rules_path, &c->lim, &d) != 0 ||
	    (c->rules = rule_files_compile(&c->rule_files, &c->lim, &d)) == NULL)
		goto err;
	diag_clear(&d);
	c->db = db_open(c->db_path != NULL ? c->db_path : ":memory:", c->db_mode, &d);
	if (c->db == NULL)
		goto err;
	return 0;
err:
	cmd_print_diag(&d);
	return -1;
}

int
cmd_live_selector(const char *s, int64_t *pid)
{
	uint64_t v;
	size_t n;

	if (strncmp(s, "/proc/", 6) != 0)
		return 0;
	s += 6;
	n = strcspn(s, "/");
	if (n == 0 || (s[n] == '/' && s[n + 1] != '\0') || num_parse_u64(s, n, &v) != 0 ||
	    v == 0 || v > INT32_MAX)
		return 0;
	*pid = (int64_t)v;
	return 1;
}

const char *
cmd_pid_option(struct cmd *c, const char *arg)
{
	uint64_t v;

	if (num_parse_u64(arg, strlen(arg), &v) != 0 || v == 0 || v > INT32_MAX) {
		cmd_usage_error(c, "bad --pid \"%s\" (expected a process id)", arg);
		return NULL;
	}
	snprintf(c->pid_selector, sizeof(c->pid_selector), "/proc/%" PRIu64, v);
	return c->pid_selector;
}

int
cmd_one_snapshot(struct cmd *c, int argc, char **argv, int *optindp, const char *live)
{
	if (live != NULL && argc - *optindp != 0)
		return cmd_usage_error(c, "--pid is the SNAPSHOT: give no other");
	if (live != NULL)
		argv[--*optindp] = (char *)live;
	if (argc - *optindp != 1)
		return cmd_usage_error(c, "expected one SNAPSHOT");
	return 0;
}

int
cmd_open_selectors(struct cmd *c, char *const *selectors, int n)
{
	struct stat st;
	int64_t pid;
	int i;

	/* a bundle named is ingested into the store (DESIGN: bundles as selectors) */
	for (i = 0; i < n; i++)
		if (cmd_live_selector(selectors[i], &pid) || stat(selectors[i], &st) == 0)
			c->db_mode = DB_WRITE;
	return cmd_open(c);
}

void
cmd_release(struct cmd *c)
{
	db_free(c->db);
	rules_free(c->rules);
	rule_files_release(&c->rule_files);
	c->db = NULL;
	c->rules = NULL;
}

/* The snapshots a bundle named as a selector held, as ingest reported them. */
struct resolve_ctx {
	int64_t *ids;
	int64_t n, cap;
	int failed;
	const char *selector;	/* NULL: say nothing of bare files */
};

static void
on_resolve_event(void *ctx, const struct ingest_event *ev)
{
	struct resolve_ctx *r = ctx;

	switch (ev->kind) {
	case INGEST_SNAPSHOT_NEW:
	case INGEST_SNAPSHOT_DUPLICATE:
		if (r->selector != NULL && ev->headline != NULL && ev->headline->bare != NULL)
			cmd_error("note: %s: a bare %s file: no manifest, so pid, comm, captured_at "
				  "and host are unknown%s", r->selector, ev->headline->bare,
				  ev->headline->vma_count == 0 && !ev->headline->rss_known ?
				  "; no memory map (no VMAs, Rss unknown)" : "");
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 16;
			r->ids = xreallocarray(r->ids, (size_t)r->cap, sizeof(*r->ids));
		}
		r->ids[r->n++] = ev->id;
		break;
	case INGEST_MEMBER_WARNING:
		cmd_print_diag(ev->diag);
		break;
	default:
		r->failed = 1;
		cmd_print_diag(ev->diag);
		break;
	}
}

/* Split "k=v,k=v" into arrays; returns the pair count or -1. */
static int
split_pairs(char *spec, char **keys, char **values, int max)
{
	int n = 0;
	char *save = NULL, *tok;

	for (tok = strtok_r(spec, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (eq == NULL || eq == tok || n == max)
			return -1;
		*eq = '\0';
		keys[n] = tok;
		values[n] = eq + 1;
		n++;
	}
	return n;
}

int
cmd_resolve(struct cmd *c, const char *selector, int64_t *id)
{
	struct stat st;
	struct diag d;
	uint64_t num;
	int64_t pid;
	int live;

	diag_clear(&d);
	if ((live = cmd_live_selector(selector, &pid)) || stat(selector, &st) == 0) {
		struct ingest_opts o = { .lim = &c->lim, .rules = c->rules, .vma_sink = c->vma_sink,
					 .vma_sink_ctx = c->vma_sink_ctx };
		struct resolve_ctx r = { NULL, 0, 0, 0, selector };
		int64_t n;

		if (live)
			ingest_live(c->db, pid, &o, on_resolve_event, &r);
		else
			ingest_bundle(c->db, selector, &o, on_resolve_event, &r);
		n = r.n;
		if (n == 1 && !r.failed)
			*id = r.ids[0];
		free(r.ids);
		if (n == 1 && !r.failed)
			return 0;
		if (n == 0 || (r.failed && n == 1)) {
			/* the errors are printed; a snapshot found and then refused is no answer */
			if (!r.failed)
				cmd_error("%s: no snapshot could be read", selector);
			return -1;
		}
		cmd_error("%s: holds %lld snapshots (expected one)", selector, (long long)n);
		fprintf(stderr, "rssgap: hint: ingest it with --db FILE, then select one with "
				"an id from 'rssgap list' or key=value\n");
		return -1;
	}
	if (num_parse_u64(selector, strlen(selector), &num) == 0) {
		struct db_snapshot_row row;
		int rc = db_snapshot_get(c->db, (int64_t)num, &row, &d);

		if (rc < 0) {
			cmd_print_diag(&d);
			return -1;
		}
		if (rc == 1) {
			cmd_error("no snapshot %s in %s", selector,
				c->db_path != NULL ? c->db_path : "the in-memory database");
			if (c->db_path == NULL)
				fprintf(stderr, "rssgap: hint: pass --db FILE (or set RSSGAP_DB) to use "
						"ingested snapshots\n");
			return -1;
		}
		*id = (int64_t)num;
		return 0;
	}
	if (strchr(selector, '=') != NULL) {
		char *spec = xstrdup(selector), *keys[16], *values[16];
		int64_t *ids = NULL, count = 0;
		int n = split_pairs(spec, keys, values, 16), rc = -1;

		if (n <= 0) {
			cmd_error("bad selector \"%s\" (expected key=value[,key=value])",
				selector);
		} else if (db_select_ids(c->db, (const char *const *)keys,
					 (const char *const *)values, n, &ids, &count, &d) != 0) {
			cmd_print_diag(&d);
		} else if (count != 1) {
			struct buf b = BUF_INIT;

			escape_term(&b, selector, strlen(selector));
			fprintf(stderr, "rssgap: selector \"%s\" matches %" PRId64
					" snapshots (expected exactly one)\n", buf_str(&b), count);
			if (count > 1)
				fprintf(stderr, "rssgap: hint: add a key (e.g. pod=NAME) or use an id "
						"from 'rssgap list'\n");
			buf_release(&b);
		} else {
			*id = ids[0];
			rc = 0;
		}
		free(ids);
		free(spec);
		return rc;
	}
	cmd_error("\"%s\" is not a bundle, a snapshot id or key=value", selector);
	return -1;
}

struct labels_ctx {
	struct buf *out;
	int n;
};

static int
add_label(void *ctx, const char *group, const char *key, int has_value, int64_t value,
	  const char *text)
{
	struct labels_ctx *l = ctx;

	(void)group;
	(void)has_value;
	(void)value;
	if (strncmp(key, "label.", 6) != 0)
		return 0;
	if (l->n++ > 0)
		buf_putc(l->out, ',');
	escape_term(l->out, key + 6, strlen(key + 6));
	buf_putc(l->out, '=');
	escape_term(l->out, text, strlen(text));
	return 0;
}

void
cmd_labels_text(struct cmd *c, int64_t id, struct buf *out)
{
	struct labels_ctx l = { out, 0 };
	struct diag d;

	diag_clear(&d);
	db_manifest_each(c->db, id, add_label, &l, &d);
}

int
cmd_finish_output(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "rssgap: error writing output: %s\n", strerror(errno));
		return RSSGAP_EXIT_FAIL;
	}
	return rc;
}

/* A percentage: "5", "5%", "2.5 %"; 0 ok, -1 bad. */
static int
parse_percent(const char *arg, double *out)
{
	char *end;
	double v;

	if (arg[0] == '\0' || arg[0] == ' ' || arg[0] == '-' || arg[0] == '+')
		return -1;
	v = strtod(arg, &end);
	if (end == arg)
		return -1;
	while (*end == ' ')
		end++;
	if (*end == '%')
		end++;
	if (*end != '\0' || !(v >= 0 && v <= 1000))
		return -1;
	*out = v;
	return 0;
}

/* --min-bytes and --min-percent: 1 taken, 0 not ours, -1 usage error printed. */
static int
threshold_option(struct cmd *c, struct diff_opts *o, int opt, const char *arg)
{
	if (opt == OPT_MIN_BYTES) {
		uint64_t v;

		if (num_parse_size(arg, strlen(arg), &v) != 0 || v > INT64_MAX)
			return cmd_usage_error(c, "bad --min-bytes \"%s\" (expected a size: 8MiB, "
					       "8 MiB, 512KiB, 1G or bytes)", arg), -1;
		o->min_bytes = (int64_t)v;
		return 1;
	}
	if (opt == OPT_MIN_PERCENT) {
		if (parse_percent(arg, &o->min_percent) != 0)
			return cmd_usage_error(c, "bad --min-percent \"%s\" (expected 0 to 1000, "
					       "e.g. 5 or 5%%)", arg), -1;
		return 1;
	}
	return 0;
}

int
cmd_write_file(const char *path, const struct buf *b)
{
	struct diag d;

	diag_clear(&d);
	if (outfile_write(path, b->data, b->len, &d) != 0) {
		cmd_print_diag(&d);
		return -1;
	}
	return 0;
}

int
cmd_other_option(struct cmd *c, struct diff_opts *o, int opt, const char *arg, const char *given)
{
	int rc = o != NULL ? threshold_option(c, o, opt, arg) : 0;

	if (rc == 0)
		rc = cmd_common_option(c, opt, arg);
	if (rc < 0)
		return RSSGAP_EXIT_USAGE;
	if (rc == 0)
		return cmd_usage_error(c, "unknown option \"%s\"", given);
	return 0;
}

int
cmd_parse_top(struct cmd *c, const char *arg, int max, int *top)
{
	uint64_t n;

	if (num_parse_u64(arg, strlen(arg), &n) != 0 || n < 1 || n > (uint64_t)max) {
		cmd_usage_error(c, "bad --top \"%s\" (expected 1 to %d)", arg, max);
		return -1;
	}
	*top = (int)n;
	return 0;
}

int
cmd_resolve_all(struct cmd *c, const char *selector, int64_t **ids, int64_t *n)
{
	struct stat st;
	struct diag d;
	int64_t pid, one;

	*ids = NULL;
	*n = 0;
	diag_clear(&d);
	if (!cmd_live_selector(selector, &pid) && stat(selector, &st) == 0) {
		struct ingest_opts o = { .lim = &c->lim, .rules = c->rules };
		struct resolve_ctx r = { NULL, 0, 0, 0, NULL };

		ingest_bundle(c->db, selector, &o, on_resolve_event, &r);
		if (r.failed || r.n == 0) {
			if (!r.failed)
				cmd_error("%s: no snapshot could be read", selector);
			free(r.ids);
			return -1;
		}
		*ids = r.ids;
		*n = r.n;
		return 0;
	}
	if (strchr(selector, '=') != NULL && !cmd_live_selector(selector, &pid)) {
		char *spec = xstrdup(selector), *keys[16], *values[16];
		int k = split_pairs(spec, keys, values, 16), rc = -1;

		if (k <= 0)
			cmd_error("bad selector \"%s\" (expected key=value[,key=value])", selector);
		else if (db_select_ids(c->db, (const char *const *)keys, (const char *const *)values, k,
				       ids, n, &d) != 0)
			cmd_print_diag(&d);
		else if (*n == 0) {
			cmd_error("selector \"%s\" matches no snapshot", selector);
			if (c->db_path == NULL)
				fprintf(stderr, "rssgap: hint: pass --db FILE (or set RSSGAP_DB) to "
						"select from ingested snapshots, or give the bundles\n");
		} else
			rc = 0;
		free(spec);
		if (rc != 0) {
			free(*ids);
			*ids = NULL;
			*n = 0;
		}
		return rc;
	}
	if (cmd_resolve(c, selector, &one) != 0)
		return -1;
	*ids = xcalloc(1, sizeof(**ids));
	(*ids)[0] = one;
	*n = 1;
	return 0;
}
