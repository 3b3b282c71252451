/* rssgap ingest: read bundles into the database, each snapshot all or nothing. */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "cmd/common.h"
#include "core/buf.h"
#include "core/escape.h"
#include "core/num.h"
#include "core/timer.h"
#include "core/xalloc.h"
#include "ingest/ingest.h"
#include "ingest/rules.h"

static int cmd_ingest(int argc, char **argv);

const struct cmd_entry cmd_ingest_entry = {
	.name = "ingest",
	.exec = cmd_ingest,
	.usage = "ingest [--db FILE] [--rules FILE] [--limit NAME=N] [-j N] [-q] [--stats] BUNDLE...",
	.summary = "read bundles into the database (idempotent)",
	.help =
	"Reads each bundle (a .tar, .tar.gz/.zst/.xz/.bz2 or a directory) into the\n"
	"database, or a bare smaps, smaps_rollup or heap profile file, or /proc/PID\n"
	"(the live process, read now: source=live in its manifest): one line per\n"
	"snapshot on stdout, errors on stderr. A bad snapshot is rolled back whole\n"
	"and the others still go in (exit 1 at the end).\n"
	"Ingesting the same content again changes nothing.\n"
	"\n"
	"On a terminal, stderr shows progress: bundles done, MB/s, time left. Without\n"
	"--db (or $RSSGAP_DB) the bundles are only checked, into an in-memory database.\n"
	"\n"
	"  -j, --jobs N     ingest N bundles at a time (default 1)\n"
	"  -q, --quiet      no line per snapshot\n"
	"  --stats          at the end, on stderr: the time spent storing snapshots,\n"
	"                   which the store takes one at a time (when it nears the\n"
	"                   wall time, more -j cannot help), and in the commits\n"
	"\n"
	"Snapshots go in batches: one transaction for up to 500 snapshots or a\n"
	"quarter second, each snapshot all or nothing within it.\n"
	"A kill -9 loses at most the batch not yet committed; ingesting the same\n"
	"bundles again stores it. A snapshot is printed as ingested once its batch\n"
	"has committed (a duplicate or a failure is printed when it is found).\n",
};

#define JOBS_MAX 64
#define OPT_JOBS 'j'

/* What the workers share; everything below mu is guarded by it. */
struct batch_run {
	struct cmd *c;
	char **bundles;
	int nbundles;
	uint64_t *sizes;	/* bytes on disk per bundle (0 for a directory) */
	uint64_t bytes_total;
	struct ingest_lock *lock;	/* the workers' store: their transactions, batched */
	int progress;		/* stderr is a terminal: draw the progress line */
	double t0;
	pthread_mutex_t mu;	/* also keeps output lines whole */
	pthread_cond_t finished;
	int next, done, running;
	uint64_t bytes_done;
	int failures;
	int progress_shown;
	struct ingest_stats stats;	/* the workers' sums */
};

/*
 * Every worker writes through the command's connection: the ingest lock
 * gives it to one transaction at a time, and one connection keeps its
 * page cache from one snapshot to the next (a second writing connection
 * would find its cache stale after every commit of the other and read
 * the pages again).
 */
struct worker {
	struct batch_run *br;
	struct db *db;		/* the command's connection, shared under the ingest lock */
	struct rules *rules;	/* own rules: a struct rules is used by one thread */
	pthread_t thread;
};

struct ingest_run {
	struct worker *w;
	const char *bundle;
	int new_snapshots, duplicates;
};

/* Erase the progress line (mu held) so that a message starts at column 0. */
static void
progress_clear(struct batch_run *br)
{
	if (br->progress_shown) {
		fputs("\r\033[K", stderr);
		br->progress_shown = 0;
	}
}

/* Redraw "N/M bundles, X MB/s, ETA m:ss" on stderr (mu held). */
static void
progress_draw(struct batch_run *br)
{
	double elapsed = timer_now() - br->t0, rate, left = -1;

	if (!br->progress)
		return;
	rate = elapsed > 0 ? (double)br->bytes_done / elapsed / 1e6 : 0;
	if (br->bytes_done > 0 && br->bytes_total > 0)
		left = elapsed * (double)(br->bytes_total - br->bytes_done) / (double)br->bytes_done;
	else if (br->done > 0)
		left = elapsed * (double)(br->nbundles - br->done) / (double)br->done;
	fprintf(stderr, "\r\033[Krssgap: ingest %d/%d bundles, %.1f MB/s, ETA ", br->done,
		br->nbundles, rate);
	if (left < 0)
		fputs("--", stderr);
	else
		fprintf(stderr, "%d:%02d", (int)(left + 0.5) / 60, (int)(left + 0.5) % 60);
	fflush(stderr);
	br->progress_shown = 1;
}

static void
run_lock(struct batch_run *br)
{
	if (pthread_mutex_lock(&br->mu) != 0)
		die("pthread_mutex_lock failed");
}

static void
run_unlock(struct batch_run *br)
{
	pthread_mutex_unlock(&br->mu);
}

/* One line per snapshot: id, host/pod, pid, labels, Rss (from the event: no read of the store). */
static void
print_snapshot(struct ingest_run *r, const char *what, int64_t id,
	       const struct ingest_headline *h)
{
	struct batch_run *br = r->w->br;
	struct buf line = BUF_INIT;
	size_t i;

	if (br->c->quiet)
		return;
	buf_printf(&line, "%s snapshot %" PRId64 ": ", what, id);
	if (h->pod != NULL)
		escape_term(&line, h->pod, strlen(h->pod));
	else if (h->host != NULL)
		escape_term(&line, h->host, strlen(h->host));
	else
		buf_puts(&line, "-");
	if (h->bare != NULL)
		buf_printf(&line, " pid unknown (a bare %s file, no manifest)", h->bare);
	else
		buf_printf(&line, " pid %" PRId64, h->pid);
	if (h->comm != NULL) {
		buf_puts(&line, " (");
		escape_term(&line, h->comm, strlen(h->comm));
		buf_putc(&line, ')');
	}
	for (i = 0; i < h->nlabels; i++) {
		buf_putc(&line, i == 0 ? ' ' : ',');
		escape_term(&line, h->labels[i].key, strlen(h->labels[i].key));
		buf_putc(&line, '=');
		escape_term(&line, h->labels[i].value, strlen(h->labels[i].value));
	}
	buf_puts(&line, " rss ");
	if (h->rss_known)
		num_human(&line, (double)h->rss);
	else if (h->bare != NULL)
		buf_puts(&line, "unknown (no memory map)");
	else
		buf_puts(&line, "unknown (maps only)");
	buf_printf(&line, ", %" PRId64 " VMAs", h->vma_count);
	run_lock(br);
	progress_clear(br);
	printf("%s\n", buf_str(&line));
	if (br->progress) {
		fflush(stdout);
		progress_draw(br);
	}
	run_unlock(br);
	buf_release(&line);
}

/* The snapshot's warnings, "rssgap: BUNDLE:DIR/runtime: warning: ..." on stderr (--quiet too). */
static void
print_warnings(struct ingest_run *r, const char *dir, const struct ingest_headline *h)
{
	struct batch_run *br = r->w->br;
	/* a batch's commit reports the snapshots of every bundle it holds */
	const char *bundle = h->bundle != NULL ? h->bundle : r->bundle;
	size_t i;

	for (i = 0; i < h->nwarnings; i++) {
		const struct ingest_warning *w = &h->warnings[i];
		struct buf msg = BUF_INIT;

		escape_term(&msg, bundle, strlen(bundle));
		buf_putc(&msg, ':');
		if (dir != NULL && dir[0] != '\0') {
			escape_term(&msg, dir, strlen(dir));
			buf_putc(&msg, '/');
		}
		escape_term(&msg, w->member, strlen(w->member));
		buf_puts(&msg, ": warning: ");
		escape_term(&msg, w->message, strlen(w->message));
		run_lock(br);
		progress_clear(br);
		fprintf(stderr, "rssgap: %s\n", buf_str(&msg));
		progress_draw(br);
		run_unlock(br);
		buf_release(&msg);
	}
}

/* Called from the worker's thread, outside any transaction. */
static void
on_event(void *ctx, const struct ingest_event *ev)
{
	struct ingest_run *r = ctx;
	struct batch_run *br = r->w->br;

	switch (ev->kind) {
	case INGEST_SNAPSHOT_NEW:
		r->new_snapshots++;
		print_snapshot(r, "ingested", ev->id, ev->headline);
		print_warnings(r, ev->dir, ev->headline);
		break;
	case INGEST_SNAPSHOT_DUPLICATE:
		r->duplicates++;
		print_snapshot(r, "already had", ev->id, ev->headline);
		break;
	case INGEST_SNAPSHOT_FAILED:
	case INGEST_MEMBER_ERROR:
	case INGEST_BUNDLE_FAILED:
	case INGEST_MEMBER_WARNING:
		run_lock(br);
		progress_clear(br);
		cmd_print_diag(ev->diag);
		progress_draw(br);
		run_unlock(br);
		break;
	}
}

/* Take bundles one at a time until none is left. */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct batch_run *br = w->br;
	struct ingest_stats stats = { 0, 0, 0, 0 };
	struct ingest_opts o = { 0 };
	int i, failures;

	o.lim = &br->c->lim;
	o.rules = w->rules;
	o.stats = &stats;
	for (;;) {
		run_lock(br);
		i = br->next < br->nbundles ? br->next++ : -1;
		run_unlock(br);
		if (i < 0)
			break;
		{
			struct ingest_run r = { w, br->bundles[i], 0, 0 };
			int64_t pid;

			if (cmd_live_selector(br->bundles[i], &pid))
				failures = ingest_live_shared(w->db, pid, &o, br->lock, on_event, &r);
			else
				failures = ingest_bundle_shared(w->db, br->bundles[i], &o, br->lock,
								on_event, &r);
		}
		run_lock(br);
		br->failures += failures;
		br->done++;
		br->bytes_done += br->sizes[i];
		fflush(stdout);
		progress_draw(br);
		run_unlock(br);
	}
	run_lock(br);
	br->stats.transactions += stats.transactions;
	br->stats.store_seconds += stats.store_seconds;
	br->stats.commits += stats.commits;
	br->stats.commit_seconds += stats.commit_seconds;
	br->running--;
	pthread_cond_signal(&br->finished);
	run_unlock(br);
	return NULL;
}

/* Give worker w (w > 0) its own rules; prints the error and returns -1. */
static int
worker_open(struct cmd *c, struct worker *w)
{
	struct diag d;

	diag_clear(&d);
	w->rules = rule_files_compile(&c->rule_files, &c->lim, &d);
	if (w->rules == NULL) {
		cmd_print_diag(&d);
		return -1;
	}
	return 0;
}

static void
stat_bundles(struct batch_run *br)
{
	int i;

	br->sizes = xcalloc((size_t)br->nbundles, sizeof(*br->sizes));
	for (i = 0; i < br->nbundles; i++) {
		struct stat st;

		if (stat(br->bundles[i], &st) == 0 && S_ISREG(st.st_mode))
			br->sizes[i] = (uint64_t)st.st_size;
		br->bytes_total += br->sizes[i];
	}
}

/*
 * Ingest every bundle with jobs workers, each with its own rules, all on
 * the command's connection; the main thread redraws the progress line
 * while they run.
 */
static int
run_batch(struct cmd *c, char **bundles, int nbundles, int jobs, int stats)
{
	struct batch_run br;
	struct worker *workers;
	int i, started = 0, failures, nworkers;

	memset(&br, 0, sizeof(br));
	br.c = c;
	br.bundles = bundles;
	br.nbundles = nbundles;
	br.progress = isatty(STDERR_FILENO);
	br.t0 = timer_now();
	if (pthread_mutex_init(&br.mu, NULL) != 0 || pthread_cond_init(&br.finished, NULL) != 0)
		die("cannot initialise a mutex");
	stat_bundles(&br);
	if (jobs > nbundles)
		jobs = nbundles;
	nworkers = jobs;
	workers = xcalloc((size_t)nworkers, sizeof(*workers));
	workers[0].rules = c->rules;
	br.lock = ingest_lock_new();
	for (i = 0; i < jobs; i++) {
		workers[i].br = &br;
		workers[i].db = c->db;
		if (i > 0 && worker_open(c, &workers[i]) != 0) {
			br.failures++;
			break;	/* fewer workers, same result */
		}
	}
	jobs = i;	/* worker 0 has the command's rules: at least one */
	run_lock(&br);
	progress_draw(&br);
	for (i = 0; i < jobs; i++) {
		br.running++;
		if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0)
			die("cannot start an ingest thread");
		started++;
	}
	while (br.running > 0) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 250 * 1000 * 1000;
		if (until.tv_nsec >= 1000 * 1000 * 1000) {
			until.tv_sec++;
			until.tv_nsec -= 1000 * 1000 * 1000;
		}
		pthread_cond_timedwait(&br.finished, &br.mu, &until);
		if (br.running > 0)
			progress_draw(&br);
	}
	progress_clear(&br);
	run_unlock(&br);
	for (i = 0; i < started; i++)
		pthread_join(workers[i].thread, NULL);
	{
		/* the last batch: a failure names each snapshot it held */
		struct ingest_run last = { &workers[0], NULL, 0, 0 };

		br.failures += ingest_lock_finish(br.lock, on_event, &last, &br.stats);
	}
	for (i = 0; i < nworkers; i++)
		if (workers[i].rules != c->rules)
			rules_free(workers[i].rules);
	failures = br.failures;
	if (stats)
		fprintf(stderr,
			"rssgap: ingest: %d bundle%s, %.1f MB, in %.2f s with %d worker%s;"
			" %" PRIu64 " snapshot%s in the store took %.2f s (one at a time),"
			" of which %" PRIu64 " commit%s %.3f s (%.3f ms a snapshot)\n",
			nbundles, nbundles == 1 ? "" : "s", (double)br.bytes_total / 1e6,
			timer_now() - br.t0, jobs, jobs == 1 ? "" : "s", br.stats.transactions,
			br.stats.transactions == 1 ? "" : "s", br.stats.store_seconds,
			br.stats.commits, br.stats.commits == 1 ? "" : "s", br.stats.commit_seconds,
			br.stats.transactions > 0
				? br.stats.commit_seconds * 1e3 / (double)br.stats.transactions : 0.0);
	free(workers);
	free(br.sizes);
	ingest_lock_free(br.lock);
	pthread_cond_destroy(&br.finished);
	pthread_mutex_destroy(&br.mu);
	return failures;
}

static int
cmd_ingest(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "jobs", required_argument, NULL, OPT_JOBS },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd c;
	int opt, failures, rc, jobs = 1, stats = 0;
	uint64_t n;

	cmd_init(&c, "ingest");
	while ((opt = getopt_long(argc, argv, "hj:q", longopts, NULL)) != -1) {
		if (opt == 'h') {
			return cmd_help(&cmd_ingest_entry);
		}
		if (opt == 'q')
			opt = OPT_QUIET;	/* the short form, for scripts over many bundles */
		if (opt == OPT_JOBS) {
			if (num_parse_u64(optarg, strlen(optarg), &n) != 0 || n < 1 || n > JOBS_MAX)
				return cmd_usage_error(&c, "bad -j \"%s\" (expected 1 to %d)", optarg,
						       JOBS_MAX);
			jobs = (int)n;
			continue;
		}
		if (opt == OPT_STATS) {
			stats = 1;
			continue;
		}
		if ((rc = cmd_other_option(&c, NULL, opt, optarg, argv[optind - 1])) != 0)
			return rc;
	}
	if (optind >= argc)
		return cmd_usage_error(&c, "no bundle given");
	c.db_mode = DB_CREATE;
	if (cmd_open(&c) != 0)
		return RSSGAP_EXIT_FAIL;
	if (c.db_path == NULL && !c.quiet)
		fprintf(stderr, "rssgap: no --db: checking bundles into an in-memory database "
				"(nothing is kept)\n");
	/* an in-memory database is one connection's: workers could not share it */
	if (c.db_path == NULL)
		jobs = 1;
	failures = run_batch(&c, argv + optind, argc - optind, jobs, stats);
	cmd_release(&c);
	return cmd_finish_output(failures > 0 ? RSSGAP_EXIT_FAIL : RSSGAP_EXIT_OK);
}
