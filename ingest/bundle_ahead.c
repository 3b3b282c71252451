#include "ingest/bundle_ahead.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* Blocks in flight: enough for the reader to run ahead, few enough to bound memory. */
#define SLOTS 4

struct slot {
	char *data;
	size_t cap;
	int64_t n;		/* what src returned */
};

struct ahead {
	ahead_source_fn src;
	void *ctx;
	XXH3_state_t *st;	/* NULL: no hash */
	XXH128_hash_t digest;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot slot[SLOTS];
	uint64_t filled;	/* slots the reader filled */
	uint64_t taken;		/* slots the caller took */
	uint64_t freed;		/* slots the caller is done with */
	int held;		/* the caller holds slot taken - 1 */
	int stop;		/* ahead_free: the reader stops at its next block */
	int done;		/* the reader has returned */
	struct diag err;	/* the reader's error, handed out in its place */
};

static void
lock(struct ahead *a)
{
	if (pthread_mutex_lock(&a->mu) != 0)
		die("pthread_mutex_lock failed");
}

static void *
reader_main(void *arg)
{
	struct ahead *a = arg;
	struct slot *s;
	const void *p;
	int64_t n;

	for (;;) {
		lock(a);
		while (a->filled - a->freed == SLOTS && !a->stop)
			pthread_cond_wait(&a->cv, &a->mu);
		if (a->stop) {
			pthread_mutex_unlock(&a->mu);
			return NULL;
		}
		s = &a->slot[a->filled % SLOTS];
		pthread_mutex_unlock(&a->mu);
		/* the slot is the reader's until filled moves past it */
		n = a->src(a->ctx, &p, &a->err);
		if (n > 0) {
			if ((size_t)n > s->cap) {
				free(s->data);
				s->cap = (size_t)n;
				s->data = xmalloc(s->cap);
			}
			memcpy(s->data, p, (size_t)n);
			if (a->st != NULL)
				XXH3_128bits_update(a->st, p, (size_t)n);
		} else if (n == 0 && a->st != NULL) {
			a->digest = XXH3_128bits_digest(a->st);
		}
		s->n = n;
		lock(a);
		a->filled++;
		pthread_cond_broadcast(&a->cv);
		pthread_mutex_unlock(&a->mu);
		if (n <= 0)
			return NULL;
	}
}

struct ahead *
ahead_start(ahead_source_fn src, void *ctx, int hash)
{
	struct ahead *a = xcalloc(1, sizeof(*a));

	a->src = src;
	a->ctx = ctx;
	diag_clear(&a->err);
	if (hash) {
		if ((a->st = XXH3_createState()) == NULL)
			die("out of memory");
		XXH3_128bits_reset(a->st);
	}
	if (pthread_mutex_init(&a->mu, NULL) != 0 || pthread_cond_init(&a->cv, NULL) != 0)
		die("cannot set up the bundle reader");
	if (pthread_create(&a->thread, NULL, reader_main, a) != 0)
		die("cannot start the bundle reader thread");
	return a;
}

/* Wait for the reader to return (it has, or will at its next block). */
static void
join(struct ahead *a)
{
	if (!a->done) {
		pthread_join(a->thread, NULL);
		a->done = 1;
	}
}

int64_t
ahead_read(struct ahead *a, const void **data, struct diag *d)
{
	struct slot *s;

	lock(a);
	if (a->held) {
		a->freed++;
		a->held = 0;
		pthread_cond_broadcast(&a->cv);
	}
	while (a->taken == a->filled)
		pthread_cond_wait(&a->cv, &a->mu);
	s = &a->slot[a->taken++ % SLOTS];
	a->held = 1;
	pthread_mutex_unlock(&a->mu);
	if (s->n > 0) {
		*data = s->data;
		return s->n;
	}
	join(a);
	if (s->n < 0) {
		/* what src's diag_fail left: where (bundle, member) stays the caller's */
		d->kind = a->err.kind;
		d->line = a->err.line;
		d->offset = a->err.offset;
		memcpy(d->message, a->err.message, sizeof(d->message));
		memcpy(d->hint, a->err.hint, sizeof(d->hint));
	}
	return s->n;
}

XXH128_hash_t
ahead_digest(const struct ahead *a)
{
	return a->digest;
}

void
ahead_free(struct ahead *a)
{
	size_t i;

	if (a == NULL)
		return;
	lock(a);
	a->stop = 1;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	join(a);
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mu);
	for (i = 0; i < SLOTS; i++)
		free(a->slot[i].data);
	if (a->st != NULL)
		XXH3_freeState(a->st);
	free(a);
}
