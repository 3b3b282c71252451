#include "ingest/vma_writer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vma.h"
#include "core/xalloc.h"

#define ARENA_MIN (64 * 1024)

struct batch {
	struct batch *next;
	size_t n;
	int64_t first_idx;
	char *arena;		/* path and vmflags of v[]; never moves while v[] points into it */
	size_t used, cap;
	struct vma v[VMA_WRITER_BATCH];
	const char *roles[VMA_WRITER_BATCH];
};

struct vma_writer {
	struct db *db;
	ingest_vma_fn sink;	/* set before the first put */
	void *sink_ctx;
	/* the caller's alone */
	struct batch *cur;
	struct batch *held, *held_tail;
	uint64_t nheld;
	int64_t next_idx;
	int begun;
	char member[sizeof(((struct diag *)0)->member)];
	/* shared, under mu */
	pthread_mutex_t mu;
	pthread_cond_t work;	/* the thread waits for a batch or stop */
	pthread_cond_t idle;	/* the caller waits for room or for the queue to drain */
	pthread_t thread;
	int running, stop, busy;
	struct batch *queue, *queue_tail;
	size_t nqueue;
	struct batch *spare;
	int64_t id;
	int failed;
	struct diag err;
};

static void
lock(struct vma_writer *w)
{
	if (pthread_mutex_lock(&w->mu) != 0)
		die("pthread_mutex_lock failed");
}

static void
unlock(struct vma_writer *w)
{
	pthread_mutex_unlock(&w->mu);
}

struct vma_writer *
vma_writer_new(struct db *db)
{
	struct vma_writer *w = xcalloc(1, sizeof(*w));

	w->db = db;
	if (pthread_mutex_init(&w->mu, NULL) != 0 || pthread_cond_init(&w->work, NULL) != 0 ||
	    pthread_cond_init(&w->idle, NULL) != 0)
		die("cannot initialise a mutex");
	diag_clear(&w->err);
	return w;
}

static void
free_list(struct batch *b)
{
	while (b != NULL) {
		struct batch *next = b->next;

		free(b->arena);
		free(b);
		b = next;
	}
}

void
vma_writer_sink(struct vma_writer *w, ingest_vma_fn sink, void *ctx)
{
	w->sink = sink;
	w->sink_ctx = ctx;
}

void
vma_writer_free(struct vma_writer *w)
{
	if (w == NULL)
		return;
	if (w->running) {
		lock(w);
		w->stop = 1;
		pthread_cond_signal(&w->work);
		unlock(w);
		pthread_join(w->thread, NULL);
	}
	free_list(w->cur);
	free_list(w->held);
	free_list(w->queue);
	free_list(w->spare);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->idle);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

/* Store one batch; on failure remember the first error. Called without mu held. */
static void
write_batch(struct vma_writer *w, struct batch *b, int64_t id)
{
	struct diag d;

	diag_clear(&d);
	if (w->sink != NULL) {
		w->sink(w->sink_ctx, id, b->first_idx, b->v, b->roles, b->n);
		return;
	}
	if (db_vmas_put(w->db, id, b->first_idx, b->v, b->roles, b->n, &d) != 0) {
		lock(w);
		if (!w->failed) {
			w->failed = 1;
			w->err = d;
		}
		unlock(w);
	}
}

static void *
writer_main(void *arg)
{
	struct vma_writer *w = arg;
	struct batch *b;
	int64_t id;
	int failed;

	lock(w);
	for (;;) {
		while (w->queue == NULL && !w->stop)
			pthread_cond_wait(&w->work, &w->mu);
		if (w->queue == NULL)
			break;
		b = w->queue;
		w->queue = b->next;
		if (w->queue == NULL)
			w->queue_tail = NULL;
		w->nqueue--;
		w->busy = 1;
		id = w->id;
		failed = w->failed;
		unlock(w);
		if (!failed)
			write_batch(w, b, id);
		lock(w);
		b->next = w->spare;
		w->spare = b;
		w->busy = 0;
		pthread_cond_signal(&w->idle);
	}
	unlock(w);
	return NULL;
}

/* A fresh batch, recycled when possible. */
static struct batch *
batch_get(struct vma_writer *w)
{
	struct batch *b;

	lock(w);
	b = w->spare;
	if (b != NULL)
		w->spare = b->next;
	unlock(w);
	if (b == NULL) {
		/* not zeroed: v[] and roles[] are written before they are read, up to n */
		b = xmalloc(sizeof(*b));
		b->cap = ARENA_MIN;
		b->arena = xmalloc(b->cap);
	}
	b->next = NULL;
	b->n = 0;
	b->used = 0;
	b->first_idx = w->next_idx;
	return b;
}

/* Hand a batch to the thread (starting it), waiting while the queue is full. */
static void
enqueue(struct vma_writer *w, struct batch *b)
{
	lock(w);
	while (w->nqueue >= VMA_WRITER_QUEUE && !w->failed)
		pthread_cond_wait(&w->idle, &w->mu);
	b->next = NULL;
	if (w->queue_tail != NULL)
		w->queue_tail->next = b;
	else
		w->queue = b;
	w->queue_tail = b;
	w->nqueue++;
	if (!w->running) {
		if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
			die("cannot start the VMA writer thread");
		w->running = 1;
	}
	pthread_cond_signal(&w->work);
	unlock(w);
}

/* The current batch is complete: queue it, or hold it until begin. */
static void
push_cur(struct vma_writer *w)
{
	struct batch *b = w->cur;

	if (b == NULL || b->n == 0)
		return;
	w->cur = NULL;
	if (w->begun) {
		enqueue(w, b);
		return;
	}
	if (w->held_tail != NULL)
		w->held_tail->next = b;
	else
		w->held = b;
	w->held_tail = b;
	w->nheld += b->n;
}

static int
writer_failed(struct vma_writer *w)
{
	int failed;

	lock(w);
	failed = w->failed;
	unlock(w);
	return failed;
}

int
vma_writer_put(struct vma_writer *w, const struct vma *v, const char *role, struct diag *d)
{
	size_t plen = v->path_len + 1;
	size_t flen = v->vmflags != NULL ? strlen(v->vmflags) + 1 : 0;
	size_t need = size_add(plen, flen);
	struct batch *b = w->cur;
	struct vma *dst;

	if (w->next_idx == 0)
		snprintf(w->member, sizeof(w->member), "%s", d->member);
	if (b != NULL && (b->n == VMA_WRITER_BATCH || b->used + need > b->cap)) {
		push_cur(w);
		b = NULL;
	}
	if (b == NULL) {
		/* a full queue blocks in push_cur; a failure stops the parse here */
		if (w->begun && w->running && writer_failed(w))
			return vma_writer_sync(w, d);
		b = w->cur = batch_get(w);
		if (need > b->cap) {
			b->cap = need;
			free(b->arena);
			b->arena = xmalloc(b->cap);
		}
	}
	dst = &b->v[b->n];
	*dst = *v;
	memcpy(b->arena + b->used, v->path, v->path_len);
	b->arena[b->used + v->path_len] = '\0';
	dst->path = b->arena + b->used;
	b->used += plen;
	if (v->vmflags != NULL) {
		memcpy(b->arena + b->used, v->vmflags, flen);
		dst->vmflags = b->arena + b->used;
		b->used += flen;
	}
	b->roles[b->n++] = role;
	w->next_idx++;
	return 0;
}

uint64_t
vma_writer_held(const struct vma_writer *w)
{
	return w->nheld;
}

void
vma_writer_begin(struct vma_writer *w, int64_t id)
{
	struct batch *b, *next;

	lock(w);
	w->id = id;
	unlock(w);
	w->begun = 1;
	for (b = w->held; b != NULL; b = next) {
		next = b->next;
		enqueue(w, b);
	}
	w->held = w->held_tail = NULL;
	w->nheld = 0;
}

int
vma_writer_sync(struct vma_writer *w, struct diag *d)
{
	char bundle[sizeof(d->bundle)];
	struct diag err;
	int failed;

	if (!w->begun)
		return 0;
	if (!w->running) {
		/* small snapshot: one partial batch, written here without a thread */
		if (w->cur != NULL && w->cur->n > 0 && !w->failed)
			write_batch(w, w->cur, w->id);
		if (w->cur != NULL)
			w->cur->n = w->cur->used = 0;
		if (w->cur != NULL)
			w->cur->first_idx = w->next_idx;
	} else {
		push_cur(w);
	}
	lock(w);
	while (w->queue != NULL || w->busy)
		pthread_cond_wait(&w->idle, &w->mu);
	failed = w->failed;
	err = w->err;
	w->failed = 0;
	diag_clear(&w->err);
	unlock(w);
	if (!failed)
		return 0;
	/* the error is the writer's, where is the VMAs' member of this bundle */
	memcpy(bundle, d->bundle, sizeof(bundle));
	*d = err;
	memcpy(d->bundle, bundle, sizeof(bundle));
	snprintf(d->member, sizeof(d->member), "%s", w->member);
	return -1;
}

void
vma_writer_discard(struct vma_writer *w)
{
	struct batch *b, *drop;

	drop = w->held;
	w->held = w->held_tail = NULL;
	w->nheld = 0;
	if (w->cur != NULL) {
		w->cur->next = drop;
		drop = w->cur;
		w->cur = NULL;
	}
	lock(w);
	/* what is queued is never written: the thread only ever takes it from here */
	if (w->queue_tail != NULL) {
		w->queue_tail->next = drop;
		drop = w->queue;
	}
	w->queue = w->queue_tail = NULL;
	w->nqueue = 0;
	while (w->busy)
		pthread_cond_wait(&w->idle, &w->mu);
	while (drop != NULL) {
		b = drop->next;
		drop->next = w->spare;
		w->spare = drop;
		drop = b;
	}
	w->id = 0;
	w->failed = 0;
	diag_clear(&w->err);
	unlock(w);
	w->begun = 0;
	w->next_idx = 0;
}
