/* rssgap profile: all of a snapshot's resident memory as a pprof profile (memory_space). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze/memspace.h"
#include "cmd/commands.h"
#include "cmd/common.h"
#include "core/buf.h"
#include "core/escape.h"
#include "core/vma.h"
#include "core/xalloc.h"
#include "report/pprofout.h"

static int cmd_profile(int argc, char **argv);

/* profile's own option, past the shared ones of cmd/common.h */
enum { OPT_SAMPLE_INDEX = 1100 };

const struct cmd_entry cmd_profile_entry = {
	.name = "profile",
	.exec = cmd_profile,
	.usage = "profile [--db FILE] SNAPSHOT|--pid N -o FILE.pb.gz [--sample-index TYPE]",
	.summary = "the resident memory of a snapshot as a pprof profile (memory_space)",
	.help =
	"Writes all of a snapshot's resident memory as a gzipped pprof profile, for\n"
	"'go tool pprof', Pyroscope or Parca. Its stacks are names: the process, the\n"
	"role, the region (a mapped file, a named mapping or an address range), and in\n"
	"the roles that hold the Go runtime's memory, what the runtime says it is: heap\n"
	"objects by allocation site (from the heap profile), unused spans, free pages,\n"
	"goroutine stacks, GC and allocator metadata. The samples add up to the\n"
	"snapshot's Rss exactly; where the runtime counts more than is resident, its\n"
	"parts are scaled down to the Rss, and what it counts less is \"not accounted\n"
	"by the runtime\". SNAPSHOT is a bundle file, an id or key=value; also\n"
	"/proc/PID (a live process) or a bare smaps file.\n"
	"\n"
	"  -o FILE     where to write the profile (\"-\": standard output, not a terminal)\n"
	"  --pid N     the live process N, read from /proc/N now (as /proc/N)\n"
	"  --sample-index TYPE\n"
	"              the heap profile's sample type that splits the heap objects among\n"
	"              the allocation sites and is the profile's second sample type:\n"
	"              inuse_space (the default), alloc_space, inuse_objects or\n"
	"              alloc_objects, as go tool pprof's sample_index option names them;\n"
	"              the resident bytes (memory_space) still add up to the Rss exactly\n"
	"\n"
	"Sample types: memory_space (resident bytes, the default) and inuse_space\n"
	"(the heap profile's live bytes, on the allocation sites; or the TYPE of\n"
	"--sample-index). Open it with\n"
	"'go tool pprof FILE.pb.gz'; two of them diff with its diff_base option.\n"
	"docs/profile.md has the commands, the tree and the rounding rule.\n",
};

/* What the profile is built from, copied out of the store's rows. */
struct profile_rows {
	struct memspace_vma *vmas;
	size_t nvmas, vmas_cap;
	char **roles;		/* the distinct role names */
	size_t nroles;
	struct memspace_site *sites;
	size_t nsites;
	enum memspace_index index;	/* --sample-index: which value of a site is kept */
	const char *index_name;		/* its name, whose total is read */
	struct opt_i64 index_total;
};

static const char *
intern_role(struct profile_rows *p, const char *role)
{
	size_t i;

	for (i = 0; i < p->nroles; i++)
		if (strcmp(p->roles[i], role) == 0)
			return p->roles[i];
	p->roles = xreallocarray(p->roles, p->nroles + 1, sizeof(char *));
	p->roles[p->nroles] = xstrdup(role);
	return p->roles[p->nroles++];
}

static int
on_vma(void *ctx, const struct db_vma_row *row)
{
	struct profile_rows *p = ctx;
	struct memspace_vma *v;

	if (row->field[VMA_RSS] <= 0)
		return 0;	/* nothing resident: in no sample */
	if (p->nvmas == p->vmas_cap) {
		p->vmas_cap = p->vmas_cap ? 2 * p->vmas_cap : 256;
		p->vmas = xreallocarray(p->vmas, p->vmas_cap, sizeof(*p->vmas));
	}
	v = &p->vmas[p->nvmas++];
	v->start = row->start;
	v->end = row->end;
	v->role = intern_role(p, row->role);
	v->path = xstrdup(row->path);
	v->rss = row->field[VMA_RSS];
	return 0;
}

static int
on_site(void *ctx, const struct db_site_row *row)
{
	struct profile_rows *p = ctx;

	p->sites = xreallocarray(p->sites, p->nsites + 1, sizeof(*p->sites));
	p->sites[p->nsites].frames = xstrdup(row->frames);
	p->sites[p->nsites].inuse_space =
		p->index == MEMSPACE_ALLOC_SPACE ? row->alloc_space :
		p->index == MEMSPACE_INUSE_OBJECTS ? row->inuse_objects :
		p->index == MEMSPACE_ALLOC_OBJECTS ? row->alloc_objects : row->inuse_space;
	p->nsites++;
	return 0;
}

/* The heap profile's total of the --sample-index type (group = unit, key = sample type). */
static int
on_total(void *ctx, const char *unit, const char *type, int has_value, int64_t value,
	 const char *text)
{
	struct profile_rows *p = ctx;

	(void)unit;
	(void)text;
	if (has_value && type != NULL && strcmp(type, p->index_name) == 0) {
		p->index_total.known = 1;
		p->index_total.v = value;
	}
	return 0;
}

static void
profile_rows_release(struct profile_rows *p)
{
	size_t i;

	for (i = 0; i < p->nvmas; i++)
		free((char *)p->vmas[i].path);
	for (i = 0; i < p->nroles; i++)
		free(p->roles[i]);
	for (i = 0; i < p->nsites; i++)
		free((char *)p->sites[i].frames);
	free(p->vmas);
	free(p->roles);
	free(p->sites);
}

/* captured_at ("2026-11-22T10:30:00Z", as ingest checked it) in nanoseconds; 0 if not that. */
static int64_t
captured_nanos(const char *at)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (at == NULL || sscanf(at, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
				 &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	return t > 0 && t < INT64_MAX / 1000000000 ? (int64_t)t * 1000000000 : 0;
}

/* The profile's comments: what it is and where its numbers come from (text escaped). */
static void
comments_of(const struct snapshot_info *s, const struct memspace *m, struct buf c[4])
{
	const char *comm = s->comm != NULL ? s->comm : "?";

	buf_printf(&c[0], "rssgap profile of snapshot %" PRId64 " (", s->id);
	escape_term(&c[0], comm, strlen(comm));
	buf_printf(&c[0], " pid %" PRId64 ", captured %s)", s->pid,
		   s->captured_at != NULL ? s->captured_at : "?");
	buf_printf(&c[1], "memory_space: smaps Rss, %" PRId64 " bytes; the samples add up to it",
		   m->rss);
	if (!m->runtime) {
		buf_puts(&c[2], "no Go runtime numbers");
		if (s->runtime_missing != NULL) {
			buf_puts(&c[2], " (capture: ");
			escape_term(&c[2], s->runtime_missing, strlen(s->runtime_missing));
			buf_putc(&c[2], ')');
		}
		buf_puts(&c[2], ": the tree stops at role and region");
	} else {
		buf_printf(&c[2], "runtime numbers from %s%s", s->rt[RT_SYS].source,
			   m->scaled ? "; runtime parts scaled down to the Rss of their roles" : "");
	}
	if (m->sites)
		buf_printf(&c[3], "heap objects split by the heap profile's %s, %" PRId64 " %s",
			   memspace_index_name(m->index), m->inuse,
			   m->index == MEMSPACE_INUSE_SPACE || m->index == MEMSPACE_ALLOC_SPACE ?
			   "bytes" : "objects");
	else
		buf_printf(&c[3], "no allocation sites: %s is 0", memspace_index_name(m->index));
}

/*
 * The profile on standard output, which is then closed: a binary written
 * to a pipe or file must be known whole (fflush, ferror and fclose).
 */
static int
write_stdout(const struct buf *gz)
{
	int ok = fwrite(gz->data, 1, gz->len, stdout) == gz->len;

	ok = fflush(stdout) == 0 && !ferror(stdout) && ok;
	if (fclose(stdout) != 0)
		ok = 0;
	if (!ok) {
		cmd_error("error writing the profile to standard output: %s", strerror(errno));
		return RSSGAP_EXIT_FAIL;
	}
	return RSSGAP_EXIT_OK;
}

/* The gzipped profile of snapshot id in gz; prints the error, -1 on failure. */
static int
build_profile(struct cmd *c, int64_t id, enum memspace_index index, struct buf *gz)
{
	struct profile_rows rows;
	struct memspace_input in;
	struct snapshot_info *s = NULL;
	struct memspace *m = NULL;
	struct buf raw = BUF_INIT, comment[4], file = BUF_INIT;
	const char *texts[4];
	struct pprofout_meta meta;
	struct diag d;
	size_t i;
	int rc = -1;

	memset(&rows, 0, sizeof(rows));
	rows.index = index;
	rows.index_name = memspace_index_name(index);
	for (i = 0; i < 4; i++)
		buf_init(&comment[i]);
	diag_clear(&d);
	s = snapshot_info_load(c->db, id, &d);
	if (s == NULL || db_vmas_each(c->db, id, on_vma, &rows, &d) != 0 ||
	    db_pprof_sites_each(c->db, id, on_site, &rows, &d) != 0 ||
	    db_pprof_total_each(c->db, id, on_total, &rows, &d) != 0)
		goto fail;
	in.info = s;
	in.vmas = rows.vmas;
	in.nvmas = rows.nvmas;
	in.sites = rows.sites;
	in.nsites = rows.nsites;
	/* inuse_space: the snapshot's pprof_inuse, as memspace_build reads it */
	m = index == MEMSPACE_INUSE_SPACE ? memspace_build(&in, &d) :
		memspace_build_by(&in, index, &rows.index_total, &d);
	if (m == NULL)
		goto fail;
	comments_of(s, m, comment);
	for (i = 0; i < 4; i++)
		texts[i] = buf_str(&comment[i]);
	meta.time_nanos = captured_nanos(s->captured_at);
	if (s->comm != NULL)
		escape_term(&file, s->comm, strlen(s->comm));
	meta.main_file = buf_str(&file);
	meta.comments = texts;
	meta.ncomments = 4;
	pprofout_encode(m, &meta, &raw);
	if (pprofout_gzip(raw.data, raw.len, gz, &d) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	cmd_print_diag(&d);
out:
	for (i = 0; i < 4; i++)
		buf_release(&comment[i]);
	buf_release(&raw);
	buf_release(&file);
	memspace_free(m);
	snapshot_info_free(s);
	profile_rows_release(&rows);
	return rc;
}

static int
cmd_profile(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "pid", required_argument, NULL, OPT_PID },
		{ "sample-index", required_argument, NULL, OPT_SAMPLE_INDEX },
		{ NULL, 0, NULL, 0 },
	};
	enum memspace_index index = MEMSPACE_INUSE_SPACE;
	struct buf gz = BUF_INIT;
	struct cmd c;
	const char *path = NULL, *live = NULL;
	int opt, rc;
	int64_t id;

	cmd_init(&c, "profile");
	while ((opt = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (opt == 'h')
			return cmd_help(&cmd_profile_entry);
		if (opt == 'o') {
			path = optarg;
			continue;
		}
		if (opt == OPT_SAMPLE_INDEX) {
			if (memspace_index_parse(optarg, &index) != 0)
				return cmd_usage_error(&c, "bad --sample-index \"%s\" (expected one of %s)",
						       optarg, memspace_index_choices);
			continue;
		}
		if (opt == OPT_PID) {
			if ((live = cmd_pid_option(&c, optarg)) == NULL)
				return RSSGAP_EXIT_USAGE;
			continue;
		}
		if ((rc = cmd_other_option(&c, NULL, opt, optarg, argv[optind - 1])) != 0)
			return rc;
	}
	if (path == NULL)
		return cmd_usage_error(&c, "no output file (-o FILE.pb.gz, or -o - for standard output)");
	if ((rc = cmd_one_snapshot(&c, argc, argv, &optind, live)) != 0)
		return rc;
	if (strcmp(path, "-") == 0 && isatty(STDOUT_FILENO))
		return cmd_usage_error(&c, "standard output is a terminal: a profile is binary "
				       "(redirect it, or -o FILE.pb.gz)");
	if (cmd_open_selectors(&c, argv + optind, 1) != 0)
		return RSSGAP_EXIT_FAIL;
	rc = RSSGAP_EXIT_FAIL;
	if (cmd_resolve(&c, argv[optind], &id) != 0 || build_profile(&c, id, index, &gz) != 0)
		goto out;
	if (strcmp(path, "-") == 0) {
		rc = write_stdout(&gz);
		buf_release(&gz);
		cmd_release(&c);
		return rc;
	}
	if (cmd_write_file(path, &gz) != 0)
		goto out;
	printf("%s\n", path);
	rc = RSSGAP_EXIT_OK;
out:
	buf_release(&gz);
	cmd_release(&c);
	return cmd_finish_output(rc);
}
