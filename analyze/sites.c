#include "analyze/sites.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xalloc.h"

/* One stored site as read, with its matching key. */
struct site_read {
	char *key, *leaf, *frames;
	int64_t inuse, objects, large_space, large_objects;
};

struct site_list {
	struct site_read *v;
	size_t n, cap;
};

/*
 * The allocator's entry frames: Go >= 1.24 profiles show them at the top of
 * some stacks, older ones never; they name no allocation site.
 */
static int
allocator_frame(const char *f, size_t n)
{
	static const char *const names[] = { "runtime.mallocgc", "runtime.newobject" };
	size_t i, k;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		k = strlen(names[i]);
		if (n >= k && memcmp(f, names[i], k) == 0)
			return 1;
	}
	return 0;
}

/* The key sites are matched by: frames without the leading allocator frames. */
static char *
site_key(const char *frames)
{
	const char *s = frames, *sep;

	while ((sep = strstr(s, " <- ")) != NULL && allocator_frame(s, (size_t)(sep - s)))
		s = sep + 4;
	return xstrdup(s);
}

/* The leaf of the key: its first frame. */
static char *
key_leaf(const char *key)
{
	const char *sep = strstr(key, " <- ");

	return sep != NULL ? xstrndup(key, (size_t)(sep - key)) : xstrdup(key);
}

static int
on_site(void *ctx, const struct db_site_row *row)
{
	struct site_list *l = ctx;
	struct site_read *s;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	s = &l->v[l->n++];
	s->key = site_key(row->frames != NULL ? row->frames : "");
	s->leaf = key_leaf(s->key);
	s->frames = xstrdup(row->frames != NULL ? row->frames : "");
	s->inuse = row->inuse_space > 0 ? row->inuse_space : 0;
	s->objects = row->inuse_objects > 0 ? row->inuse_objects : 0;
	s->large_space = row->large_space;
	s->large_objects = row->large_objects;
	return 0;
}

static void
site_list_release(struct site_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].leaf);
		free(l->v[i].frames);
	}
	free(l->v);
}

static int
on_total(void *ctx, const char *unit, const char *type, int has_value, int64_t value,
	 const char *text)
{
	struct site_side *side = ctx;

	(void)unit;
	(void)text;
	if (has_value && type != NULL && strcmp(type, "inuse_space") == 0) {
		side->known = 1;
		side->total = value;
	}
	return 0;
}

/* Read one side: its profile's total and its stored sites. */
static int
load_side(struct db *db, int64_t id, struct site_side *side, struct site_list *l, struct diag *d)
{
	size_t i;

	memset(side, 0, sizeof(*side));
	if (db_pprof_total_each(db, id, on_total, side, d) != 0 ||
	    db_pprof_sites_each(db, id, on_site, l, d) != 0)
		return -1;
	side->nsites = (int)l->n;
	side->large_known = 1;
	for (i = 0; i < l->n; i++) {
		side->listed += l->v[i].inuse;
		if (l->v[i].large_space < 0 || l->v[i].large_objects < 0) {
			side->large_known = 0;
			continue;
		}
		side->large_space += l->v[i].large_space;
		side->large_objects += l->v[i].large_objects;
	}
	return 0;
}

/* Add s (one side's stored site) to its match in out, or as a new site. */
static void
add_site(struct site_diff *out, char **keys, const struct site_read *s, int after)
{
	struct site_delta *v = NULL;
	int i;

	for (i = 0; i < out->nsites; i++)
		if (strcmp(keys[i], s->key) == 0) {
			v = &out->sites[i];
			break;
		}
	if (v == NULL) {
		v = &out->sites[out->nsites];
		keys[out->nsites++] = s->key;
		memset(v, 0, sizeof(*v));
		v->leaf = xstrdup(s->leaf);
		v->large_space_before = v->large_objects_before = 0;
		v->large_space_after = v->large_objects_after = 0;
	}
	if (after) {
		free(v->frames);
		v->frames = xstrdup(s->frames);
		v->listed_after = 1;
		v->inuse_after += s->inuse;
		v->objects_after += s->objects;
		v->large_space_after = s->large_space < 0 || v->large_space_after < 0 ? -1
				       : v->large_space_after + s->large_space;
		v->large_objects_after = s->large_objects < 0 || v->large_objects_after < 0 ? -1
					 : v->large_objects_after + s->large_objects;
	} else {
		if (v->frames == NULL)
			v->frames = xstrdup(s->frames);
		v->listed_before = 1;
		v->inuse_before += s->inuse;
		v->objects_before += s->objects;
		v->large_space_before = s->large_space < 0 || v->large_space_before < 0 ? -1
					: v->large_space_before + s->large_space;
		v->large_objects_before = s->large_objects < 0 || v->large_objects_before < 0 ? -1
					  : v->large_objects_before + s->large_objects;
	}
}

int64_t
site_delta_change(const struct site_delta *v)
{
	return v->inuse_after - v->inuse_before;
}

int
site_delta_grew(const struct site_delta *v)
{
	return site_delta_change(v) > 0;
}

static int64_t
abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

/* Largest |change| first, then the larger after, then frames: a total order. */
static int
cmp_change(const void *a, const void *b)
{
	const struct site_delta *x = a, *y = b;
	int64_t cx = abs64(site_delta_change(x)), cy = abs64(site_delta_change(y));

	if (cx != cy)
		return cx > cy ? -1 : 1;
	if (x->inuse_after != y->inuse_after)
		return x->inuse_after > y->inuse_after ? -1 : 1;
	return strcmp(x->frames, y->frames);
}

static int64_t
large_max(const struct site_delta *v)
{
	int64_t b = v->large_space_before > 0 ? v->large_space_before : 0;
	int64_t a = v->large_space_after > 0 ? v->large_space_after : 0;

	return a > b ? a : b;
}

/* The sites with large objects on either side, largest first (qsort_r-free: ties by index). */
static void
order_large(struct site_diff *s)
{
	int i, j;

	s->large = xcalloc((size_t)s->nsites + 1, sizeof(*s->large));
	for (i = 0; i < s->nsites; i++) {
		int64_t m = large_max(&s->sites[i]);

		if (m <= 0)
			continue;
		for (j = s->nlarge; j > 0 && large_max(&s->sites[s->large[j - 1]]) < m; j--)
			s->large[j] = s->large[j - 1];
		s->large[j] = i;
		s->nlarge++;
	}
}

struct site_diff *
site_diff_load(struct db *db, int64_t before, int64_t after, struct diag *d)
{
	struct site_diff *s = xcalloc(1, sizeof(*s));
	struct site_list lb = { 0 }, la = { 0 };
	char **keys = NULL;
	size_t i;

	if (load_side(db, before, &s->before, &lb, d) != 0 ||
	    load_side(db, after, &s->after, &la, d) != 0) {
		site_list_release(&lb);
		site_list_release(&la);
		site_diff_free(s);
		return NULL;
	}
	s->sites = xcalloc(lb.n + la.n + 1, sizeof(*s->sites));
	keys = xcalloc(lb.n + la.n + 1, sizeof(*keys));
	for (i = 0; i < lb.n; i++)
		add_site(s, keys, &lb.v[i], 0);
	for (i = 0; i < la.n; i++)
		add_site(s, keys, &la.v[i], 1);
	if (s->nsites > 1)
		qsort(s->sites, (size_t)s->nsites, sizeof(*s->sites), cmp_change);
	order_large(s);
	free(keys);
	site_list_release(&lb);
	site_list_release(&la);
	return s;
}

/* 1 when credit (roles joined by '+') is or holds role go-heap. */
struct site_diff *
site_one_load(struct db *db, int64_t id, struct diag *d)
{
	struct site_diff *s = xcalloc(1, sizeof(*s));
	struct site_list l = { 0 };
	char **keys = NULL;
	size_t i;

	if (load_side(db, id, &s->after, &l, d) != 0) {
		site_list_release(&l);
		site_diff_free(s);
		return NULL;
	}
	s->sites = xcalloc(l.n + 1, sizeof(*s->sites));
	keys = xcalloc(l.n + 1, sizeof(*keys));
	for (i = 0; i < l.n; i++)
		add_site(s, keys, &l.v[i], 1);
	/* nothing before: the change is the site's inuse_space, so the largest first */
	if (s->nsites > 1)
		qsort(s->sites, (size_t)s->nsites, sizeof(*s->sites), cmp_change);
	order_large(s);
	free(keys);
	site_list_release(&l);
	s->view = s->after.known && s->nsites > 0 ? SITES_ONE : SITES_NONE;
	return s;
}

static int
holds_go_heap(const char *credit)
{
	const char *s = credit;
	size_t k = strlen("go-heap");

	while (s != NULL && *s != '\0') {
		const char *plus = strchr(s, '+');
		size_t n = plus != NULL ? (size_t)(plus - s) : strlen(s);

		if (n == k && memcmp(s, "go-heap", k) == 0)
			return 1;
		s = plus != NULL ? plus + 1 : NULL;
	}
	return 0;
}

/* bytes pass --min-bytes and --min-percent of the before Rss. */
static int
grew_past(const struct diff_result *r, int64_t bytes)
{
	double pct = r->before->rss > 0 ? 100.0 * (double)bytes / (double)r->before->rss : 100.0;

	return bytes > 0 && bytes >= r->opts.min_bytes && pct >= r->opts.min_percent;
}

void
site_diff_judge(struct site_diff *s, const struct diff_result *r)
{
	int i;

	s->view = SITES_NONE;
	if (!s->before.known || !s->after.known)
		return;
	for (i = 0; i < r->nfindings; i++)
		if (holds_go_heap(r->findings[i].role) ||
		    (r->findings[i].credit != NULL && holds_go_heap(r->findings[i].credit))) {
			s->view = SITES_FINDING;
			return;
		}
	/* go-heap's own growth passes the diff's thresholds, as a finding's must */
	for (i = 0; i < r->nroles; i++)
		if (strcmp(r->roles[i].role, "go-heap") == 0 &&
		    grew_past(r, r->roles[i].rss_delta)) {
			s->view = SITES_GREW;
			return;
		}
}

void
site_diff_free(struct site_diff *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nsites; i++) {
		free(s->sites[i].leaf);
		free(s->sites[i].frames);
	}
	free(s->sites);
	free(s->large);
	free(s);
}
