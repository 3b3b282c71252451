/*
 * The open snapshot's members: the manifest that opens it, each member
 * read whole (or proc/smaps streamed), hashed into the snapshot's digest
 * and parsed into rows and VMAs, the VMAs classified and added to the
 * totals on their way to the VMA writer.
 */
#include "ingest/ingest_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "ingest/bundle.h"
#include "ingest/cgroup.h"
#include "ingest/kv.h"
#include "ingest/manifest.h"
#include "ingest/procfile.h"
#include "ingest/roles.h"
#include "ingest/runtime_ingest.h"
#include "ingest/smaps.h"
#include "ingest/vma_writer.h"

struct member_digest {
	char *rel;
	XXH128_hash_t hash;
};

static void
digest_add(struct snap *s, const char *rel, XXH128_hash_t h)
{
	if (s->ndigests == s->cap_digests) {
		s->cap_digests = s->cap_digests ? s->cap_digests * 2 : 16;
		s->digests = xreallocarray(s->digests, s->cap_digests, sizeof(*s->digests));
	}
	s->digests[s->ndigests].rel = xstrdup(rel);
	s->digests[s->ndigests].hash = h;
	s->ndigests++;
}

/* A second copy of a member would count its VMAs and rows twice (and pass the vmas cap). */
static int
refuse_twice(const struct snap *s, const char *rel, struct diag *d)
{
	size_t i;

	for (i = 0; i < s->ndigests; i++)
		if (strcmp(s->digests[i].rel, rel) == 0)
			return diag_fail(d, DIAG_FORMAT, 0,
					 "member appears twice in the snapshot (expected once)");
	return 0;
}

static int
cmp_digest(const void *a, const void *b)
{
	return strcmp(((const struct member_digest *)a)->rel, ((const struct member_digest *)b)->rel);
}

/* The snapshot's identity: its members' names and content, in name order. */
void
snapshot_digest(struct snap *s, char out[33])
{
	XXH3_state_t *st = XXH3_createState();
	XXH128_canonical_t c;
	XXH128_hash_t h;
	size_t i;

	if (st == NULL)
		die("out of memory");
	qsort(s->digests, s->ndigests, sizeof(*s->digests), cmp_digest);
	XXH3_128bits_reset(st);
	for (i = 0; i < s->ndigests; i++) {
		XXH128_canonicalFromHash(&c, s->digests[i].hash);
		XXH3_128bits_update(st, s->digests[i].rel, strlen(s->digests[i].rel) + 1);
		XXH3_128bits_update(st, &c, sizeof(c));
	}
	h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	XXH128_canonicalFromHash(&c, h);
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", c.digest[i]);
}

static int
collect_manifest(void *ctx, const char *group, const char *key, int has_value, int64_t value,
		 const char *text, uint64_t line, struct diag *d)
{
	struct manifest_keys *m = ctx;
	char num[32];

	(void)group;
	(void)line;
	(void)d;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->keys = xreallocarray(m->keys, m->cap, sizeof(char *));
		m->values = xreallocarray(m->values, m->cap, sizeof(char *));
	}
	if (text == NULL && has_value) {
		snprintf(num, sizeof(num), "%" PRId64, value);
		text = num;
	}
	m->keys[m->n] = xstrdup(key);
	m->values[m->n] = xstrdup(text != NULL ? text : "");
	m->n++;
	return 0;
}

static const char *
manifest_get(const struct manifest_keys *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->keys[i], key) == 0)
			return m->values[i];
	return NULL;
}

static void
manifest_keys_release(struct manifest_keys *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->keys[i]);
		free(m->values[i]);
	}
	free(m->keys);
	free(m->values);
	memset(m, 0, sizeof(*m));
}

void
snap_release(struct snap *s)
{
	size_t i;

	for (i = 0; i < s->ndigests; i++)
		free(s->digests[i].rel);
	free(s->digests);
	for (i = 0; i < s->nwarnings; i++) {
		free((char *)s->warnings[i].member);
		free((char *)s->warnings[i].message);
	}
	free(s->warnings);
	classifier_free(s->cls);
	runtime_ingest_free(s->rt);
	free(s->maps_data);
	free(s->roles);
	free(s->dir);
	manifest_keys_release(&s->m);
	memset(s, 0, sizeof(*s));
}

static struct role_acc *
role_for(struct snap *s, const char *role)
{
	size_t i;

	/* roles are names the rules lend: the same pointer, but for a name two rules give */
	for (i = 0; i < s->nroles; i++)
		if (s->roles[i].role == role)
			return &s->roles[i];
	for (i = 0; i < s->nroles; i++)
		if (strcmp(s->roles[i].role, role) == 0)
			return &s->roles[i];
	if (s->nroles == s->cap_roles) {
		s->cap_roles = s->cap_roles ? s->cap_roles * 2 : 16;
		s->roles = xreallocarray(s->roles, s->cap_roles, sizeof(*s->roles));
	}
	memset(&s->roles[s->nroles], 0, sizeof(s->roles[0]));
	s->roles[s->nroles].role = role;
	s->roles[s->nroles].t.role = role;
	return &s->roles[s->nroles++];
}

static int64_t
field_or_zero(const struct vma *v, enum vma_field f)
{
	return v->field[f] < 0 ? 0 : v->field[f];
}

/* The totals a VMA adds to, per snapshot and per role. */
static const enum vma_field total_fields[] = {
	VMA_SIZE, VMA_RSS, VMA_PSS, VMA_ANONYMOUS, VMA_LAZYFREE, VMA_ANON_HUGE_PAGES,
	VMA_SWAP, VMA_PRIVATE_DIRTY,
};

/*
 * Add v's fields to the snapshot's and its role's totals. Each field fits
 * in 63 bits, their sum need not: -1 with d filled when one overflows.
 */
static int
add_totals(struct snap *s, struct role_acc *r, const struct vma *v, struct diag *d)
{
	int64_t *snap_total[] = { &s->size, &s->rss, &s->pss, &s->anonymous, &s->lazyfree,
				  &s->anon_huge_pages, &s->swap, NULL };
	int64_t *role_total[] = { &r->t.size, &r->t.rss, &r->t.pss, &r->t.anonymous,
				  &r->t.lazyfree, &r->t.anon_huge_pages, &r->t.swap,
				  &r->t.private_dirty };
	size_t i;

	for (i = 0; i < sizeof(total_fields) / sizeof(total_fields[0]); i++) {
		int64_t x = field_or_zero(v, total_fields[i]);

		if ((snap_total[i] != NULL && __builtin_add_overflow(*snap_total[i], x, snap_total[i])) ||
		    __builtin_add_overflow(*role_total[i], x, role_total[i]))
			return diag_fail(d, DIAG_FORMAT, v->line,
					 "the snapshot's %s total passes 2^63 bytes at this VMA"
					 " (expected a real address space)",
					 vma_field_name(total_fields[i]));
	}
	s->unknown_fields += v->unknown_fields;
	s->vmas++;
	r->t.vmas++;
	return 0;
}

/* A classified VMA: add it to the totals and hand it to the writer. */
static int
store_vma(void *ctx, const struct vma *v, const char *role, struct diag *d)
{
	struct ingest *in = ctx;
	struct snap *s = &in->s;
	struct role_acc *r = role_for(s, role);
	uint64_t held;

	if (add_totals(s, r, v, d) != 0 || vma_writer_put(in->w, v, role, d) != 0)
		return -1;
	/* a full batch: begin now if the store is free, else hold up to HOLD_VMAS */
	held = s->begun ? 0 : vma_writer_held(in->w);
	if (held == 0 || held == s->tried_held)
		return 0;
	if (in->lock != NULL && held < HOLD_VMAS) {
		if (pthread_mutex_trylock(&in->lock->mu) != 0) {
			s->tried_held = held;
			return 0;
		}
		s->locked = 1;
	}
	return snap_begin(in, d);
}

int
classify_vma(void *ctx, const struct vma *v, struct diag *d)
{
	struct ingest *in = ctx;

	return classifier_push(in->s.cls, v, d);
}

/* Key/value sinks for each table. */
struct kv_ctx {
	struct ingest *in;
	enum db_kv_table table;
	uint64_t rows;		/* values of this member so far */
};

static int
put_kv(void *ctx, const char *group, const char *key, int has_value, int64_t value,
       const char *text, uint64_t line, struct diag *d)
{
	struct kv_ctx *k = ctx;

	/* rows wait in memory until the member ends: bound them like any member */
	if (++k->rows > k->in->o->lim->kv_rows)
		return diag_fail(d, DIAG_LIMIT, line, "more than %llu values in one member (limit kv_rows)",
				 (unsigned long long)k->in->o->lim->kv_rows);
	if (k->table == DB_KV_ROLLUP && has_value) {
		struct snap *s = &k->in->s;
		static const enum vma_field f[] = { VMA_RSS, VMA_PSS, VMA_ANONYMOUS, VMA_LAZYFREE,
						    VMA_ANON_HUGE_PAGES, VMA_SWAP };
		int64_t *to[] = { &s->ro_rss, &s->ro_pss, &s->ro_anonymous, &s->ro_lazyfree,
				  &s->ro_anon_huge_pages, &s->ro_swap };
		size_t i;

		s->have_rollup = 1;
		for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
			if (strcmp(key, vma_field_name(f[i])) == 0)
				*to[i] = value;
	}
	/* written with the member's own row (member_put) */
	held_put(&k->in->held, db_rows_of_kv(k->table), group, key, has_value, value, text);
	return 0;
}

static int
parse_kv_member(struct ingest *in, enum member_kind kind, const char *rel, const char *data,
		size_t len, struct diag *d)
{
	struct kv_ctx k = { in, DB_KV_STATUS, 0 };
	struct kv_sink sink = { put_kv, &k };

	switch (kind) {
	case M_STATUS:
		k.table = DB_KV_STATUS;
		return procfile_status_parse(data, len, in->o->lim, &sink, d);
	case M_ROLLUP:
		k.table = DB_KV_ROLLUP;
		return procfile_rollup_parse(data, len, in->o->lim, &sink, d);
	case M_ERRORS:
		k.table = DB_KV_ERRORS;
		return manifest_errors_parse(data, len, in->o->lim, &sink, d);
	case M_CGROUP:
		k.table = DB_KV_CGROUP;
		return cgroup_parse(strrchr(rel, '/') + 1, data, len, in->o->lim, &sink, d);
	default:
		return 0;
	}
}

static int
parse_cgroup_version(struct snap *s, const char *data, size_t len, struct diag *d)
{
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == ' '))
		len--;
	if (len == 1 && (data[0] == '1' || data[0] == '2')) {
		s->cgroup_version = data[0] - '0';
		return 0;
	}
	return diag_fail(d, DIAG_FORMAT, 1, "cgroup version \"%.*s\" (expected 1 or 2)",
			 (int)(len > 16 ? 16 : len), data);
}

/* Parse one member held in memory into the open snapshot. */
int
handle_member(struct ingest *in, enum member_kind kind, const char *rel, char *data, size_t len,
	      struct diag *d)
{
	struct snap *s = &in->s;
	int rc = 0;

	if (refuse_twice(s, rel, d) != 0) {
		free(data);
		return -1;
	}
	digest_add(s, rel, XXH3_128bits(data, len));
	switch (kind) {
	case M_SMAPS:
		s->have_smaps = 1;
		rc = smaps_parse(data, len, 0, in->o->lim, classify_vma, in, d);
		break;
	case M_MAPS:
		/* used only when there is no smaps; kept until the snapshot ends */
		free(s->maps_data);
		s->maps_data = data;
		s->maps_len = len;
		data = NULL;
		break;
	case M_CGROUP_VERSION:
		rc = parse_cgroup_version(s, data, len, d);
		break;
	case M_RUNTIME:
		/* the runtime's numbers are optional: a bad one is marked invalid, never fatal */
		if (runtime_ingest_member(s->rt, rel, data, len, d) != 0) {
			emit(in, INGEST_MEMBER_ERROR, s->id, s->dir, d);
			in->failures++;
			rc = member_put(in, rel, (int64_t)len, "invalid", d);
			free(data);
			return rc;
		}
		break;
	default:
		rc = parse_kv_member(in, kind, rel, data, len, d);
		break;
	}
	if (rc == 0)
		rc = member_put(in, rel, (int64_t)len, "ok", d);
	free(data);
	return rc;
}

/*
 * Read the current member whole, within the member cap and, for a member
 * held before its manifest, within what is left of held_bytes (held).
 */
int
slurp_capped(struct ingest *in, struct bundle *b, uint64_t held, char **data, size_t *len,
	     struct diag *d)
{
	struct buf acc = BUF_INIT;
	const void *p;
	int64_t n;

	while ((n = bundle_read(b, &p, d)) > 0) {
		if (acc.len + (uint64_t)n > in->o->lim->member_bytes) {
			buf_release(&acc);
			return diag_fail_at(d, DIAG_LIMIT, (int64_t)bundle_member_offset(b),
					    "member is over %llu bytes (limit member_bytes)",
					    (unsigned long long)in->o->lim->member_bytes);
		}
		if (acc.len + (uint64_t)n > held) {
			buf_release(&acc);
			diag_fail_at(d, DIAG_LIMIT, (int64_t)bundle_member_offset(b),
				     "members before their manifest hold more than %llu bytes"
				     " (limit held_bytes)", (unsigned long long)in->o->lim->held_bytes);
			diag_hint(d, "put each snapshot's manifest first in the tar"
				     " (rssgap-capture does), or raise --limit held_bytes=N");
			return -1;
		}
		buf_add(&acc, p, (size_t)n);
	}
	if (n < 0) {
		buf_release(&acc);
		return -1;
	}
	*data = buf_detach(&acc, len);
	return 0;
}

/* Read the current member whole, within the member cap. */
int
slurp(struct ingest *in, struct bundle *b, char **data, size_t *len, struct diag *d)
{
	return slurp_capped(in, b, UINT64_MAX, data, len, d);
}

/*
 * Stream proc/smaps of the open snapshot: a million VMAs never sit in
 * memory. This thread inflates, parses and classifies; the VMA writer
 * stores the batches on its own thread meanwhile.
 */
int
stream_smaps(struct ingest *in, struct bundle *b, const char *rel, struct diag *d)
{
	struct smaps_parser *parser;
	XXH3_state_t *st = XXH3_createState();
	const void *p;
	int64_t n;
	int rc = 0;

	if (st == NULL)
		die("out of memory");
	if (refuse_twice(&in->s, rel, d) != 0) {
		XXH3_freeState(st);
		return -1;
	}
	XXH3_128bits_reset(st);
	parser = smaps_parser_new(0, in->o->lim, classify_vma, in);
	while ((n = bundle_read(b, &p, d)) > 0) {
		XXH3_128bits_update(st, p, (size_t)n);
		if ((rc = smaps_parser_feed(parser, p, (size_t)n, d)) != 0)
			break;
	}
	if (n < 0)
		rc = -1;
	if (rc == 0)
		rc = smaps_parser_finish(parser, d);
	if (rc == 0) {
		in->s.have_smaps = 1;
		digest_add(&in->s, rel, XXH3_128bits_digest(st));
		rc = member_put(in, rel, (int64_t)bundle_member_offset(b), "ok", d);
	}
	smaps_parser_free(parser);
	XXH3_freeState(st);
	return rc;
}

/* Start the open snapshot s of directory dir with the manifest keys m (taken). */
static void
snap_start(struct ingest *in, const char *dir, struct manifest_keys m)
{
	struct snap *s = &in->s;
	struct db_snapshot *row;
	const char *ps, *pid;
	size_t i;

	s->open = 1;
	s->dir = xstrdup(dir);
	s->rss_known = 1;
	s->m = m;
	for (i = 0; i < m.n; i++)
		held_put(&in->held, DB_ROWS_MANIFEST, NULL, m.keys[i], 0, 0, m.values[i]);
	s->cls = classifier_new(in->o->rules, store_vma, in);
	s->rt = runtime_ingest_new(in->o->lim);
	row = &s->row;
	memset(row, 0, sizeof(*row));
	row->bundle = in->path;
	row->dir = s->dir;
	/* a bare file's are unknown: "" and 0 in the store, never made up */
	row->captured_at = manifest_get(&s->m, "captured_at");
	if (row->captured_at == NULL)
		row->captured_at = "";
	pid = manifest_get(&s->m, "pid");
	row->pid = pid != NULL ? strtoll(pid, NULL, 10) : 0;
	row->comm = manifest_get(&s->m, "comm");
	row->host = manifest_get(&s->m, "host");
	row->pod = manifest_get(&s->m, "pod");
	row->namespace = manifest_get(&s->m, "namespace");
	row->container = manifest_get(&s->m, "container");
	row->node = manifest_get(&s->m, "node");
	row->kernel = manifest_get(&s->m, "kernel");
	row->arch = manifest_get(&s->m, "arch");
	row->tool = manifest_get(&s->m, "tool");
	ps = manifest_get(&s->m, "page_size");
	row->page_size = ps != NULL ? strtoll(ps, NULL, 10) : -1;
}

int
open_snapshot_bare(struct ingest *in, struct diag *d)
{
	struct manifest_keys m = { 0 };

	(void)d;
	collect_manifest(&m, NULL, "source", 0, 0, "bare", 0, NULL);
	collect_manifest(&m, NULL, "bare", 0, 0, in->bare, 0, NULL);
	in->snapshots++;
	snap_start(in, "", m);
	return 0;
}

/* Open a snapshot for dir from its manifest; its transaction begins later (snap_begin). */
int
open_snapshot(struct ingest *in, const char *dir, const char *data, size_t len, struct diag *d)
{
	struct manifest_keys m = { 0 };
	struct kv_sink sink = { collect_manifest, &m };
	struct snap *s = &in->s;

	if (manifest_parse(data, len, in->o->lim, &sink, d) != 0) {
		manifest_keys_release(&m);
		return -1;
	}
	if (++in->snapshots > in->o->lim->snapshots) {
		manifest_keys_release(&m);
		return diag_fail(d, DIAG_LIMIT, 0, "more than %llu snapshots (limit snapshots)",
				 (unsigned long long)in->o->lim->snapshots);
	}
	snap_start(in, dir, m);
	digest_add(s, "manifest", XXH3_128bits(data, len));
	return member_put(in, "manifest", (int64_t)len, "ok", d);
}
