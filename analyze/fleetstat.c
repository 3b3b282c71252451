#include "analyze/fleetstat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static int
cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a > b) - (a < b);
}

/* Nearest-rank percentile of a sorted array. */
static int64_t
rank(const int64_t *sorted, int n, double p)
{
	int k = (int)ceil(p * n) - 1;

	if (k < 0)
		k = 0;
	if (k >= n)
		k = n - 1;
	return sorted[k];
}

/* The median of sorted values, the mean of the middle two when n is even. */
static int64_t
median_sorted(const int64_t *sorted, int n)
{
	if (n % 2 == 1)
		return sorted[n / 2];
	return sorted[n / 2 - 1] + (sorted[n / 2] - sorted[n / 2 - 1]) / 2;
}

struct fleet_stat
fleet_stat_of(const int64_t *v, int n)
{
	struct fleet_stat s = { n, 0, 0, 0 };
	int64_t *c;

	if (n <= 0)
		return s;
	c = xcalloc((size_t)n, sizeof(*c));
	memcpy(c, v, (size_t)n * sizeof(*c));
	qsort(c, (size_t)n, sizeof(*c), cmp_i64);
	s.p10 = rank(c, n, 0.10);
	s.median = median_sorted(c, n);
	s.p90 = rank(c, n, 0.90);
	free(c);
	return s;
}

int64_t
fleet_median(const int64_t *v, int n)
{
	return fleet_stat_of(v, n).median;
}

/* xorshift64*: a small deterministic generator for the bootstrap. */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/*
 * One cohort resampled with replacement, without sorting each resample:
 * v is sorted once, a draw of v[i] counts one more of v's rank rank_of[i],
 * and the resample's median is found by walking the counts in rank order.
 * The same draws give the same median as sorting the resample would.
 */
struct resampler {
	int n;
	int64_t *sorted;
	int *rank_of;
	int *count;
};

struct value_at {
	int64_t v;
	int i;
};

static int
cmp_value_at(const void *x, const void *y)
{
	const struct value_at *a = x, *b = y;

	if (a->v != b->v)
		return a->v < b->v ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

static void
resampler_init(struct resampler *s, const int64_t *v, int n)
{
	struct value_at *at = xcalloc((size_t)n + 1, sizeof(*at));
	int i;

	s->n = n;
	s->sorted = xcalloc((size_t)n + 1, sizeof(*s->sorted));
	s->rank_of = xcalloc((size_t)n + 1, sizeof(*s->rank_of));
	s->count = xcalloc((size_t)n + 1, sizeof(*s->count));
	for (i = 0; i < n; i++) {
		at[i].v = v[i];
		at[i].i = i;
	}
	qsort(at, (size_t)n, sizeof(*at), cmp_value_at);
	for (i = 0; i < n; i++) {
		s->sorted[i] = at[i].v;
		s->rank_of[at[i].i] = i;
	}
	free(at);
}

static void
resampler_release(struct resampler *s)
{
	free(s->sorted);
	free(s->rank_of);
	free(s->count);
}

/* The value at position k (0-based) of the current resample in sorted order. */
static int64_t
resample_at(const struct resampler *s, int k)
{
	int j, seen = 0;

	for (j = 0; j < s->n; j++) {
		seen += s->count[j];
		if (seen > k)
			return s->sorted[j];
	}
	return s->sorted[s->n - 1];
}

/* Draw n values with replacement (n random numbers from state); their median as median_sorted. */
static int64_t
resample_median(struct resampler *s, uint64_t *state)
{
	int i, n = s->n;
	int64_t lo, hi;

	if (n == 0)
		return 0;
	memset(s->count, 0, (size_t)n * sizeof(*s->count));
	for (i = 0; i < n; i++)
		s->count[s->rank_of[next_random(state) % (uint64_t)n]]++;
	if (n % 2 == 1)
		return resample_at(s, n / 2);
	lo = resample_at(s, n / 2 - 1);
	hi = resample_at(s, n / 2);
	return lo + (hi - lo) / 2;
}

/*
 * Bootstrap band of median(after) - median(before): resample each cohort
 * with replacement, keep the band's percentiles of the differences.
 */
void
fleet_bootstrap(const int64_t *b, int nb, const int64_t *a, int na, const struct fleet_opts *o,
	  int64_t *low, int64_t *high)
{
	int64_t *diffs = xcalloc((size_t)o->resamples, sizeof(int64_t));
	struct resampler sb, sa;
	uint64_t state = o->seed;
	int r;

	resampler_init(&sb, b, nb);
	resampler_init(&sa, a, na);
	for (r = 0; r < o->resamples; r++) {
		int64_t mb = resample_median(&sb, &state);

		diffs[r] = resample_median(&sa, &state) - mb;
	}
	qsort(diffs, (size_t)o->resamples, sizeof(int64_t), cmp_i64);
	*low = rank(diffs, o->resamples, (1 - o->band) / 2);
	*high = rank(diffs, o->resamples, 1 - (1 - o->band) / 2);
	free(diffs);
	resampler_release(&sb);
	resampler_release(&sa);
}
