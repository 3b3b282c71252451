/*
 * The legacy text heap profiles: `heap profile: ...` as Go's
 * /debug/pprof/heap?debug=1 writes it, heapz_v2, and the Java
 * `--- heapz 1 ---`, read line by line into sites (ingest/pprof_int.h).
 */
#include "ingest/pprof.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/lines.h"
#include "core/num.h"
#include "core/xalloc.h"
#include "ingest/pprof_int.h"

/* ---- legacy text profiles ---- */

enum legacy_kind { LEG_HEADER, LEG_GO_SAMPLES, LEG_JAVA_ATTRS, LEG_JAVA_SAMPLES,
		   LEG_JAVA_LOCS, LEG_DONE };

struct legacy {
	const struct limits *lim;
	struct pprof_summary *sum;
	enum legacy_kind state;
	int v2;			/* unsample with the Poisson scale */
	int has_alloc;
	int java;
	int64_t rate;
	struct sites sites;
	struct u64map locset;	/* distinct (adjusted) addresses */
	struct u64map symmap;	/* address -> names index + 1 */
	char **names;
	size_t nnames, capnames;
};

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

struct cur {
	const char *p, *end;
};

static void
skip_sp(struct cur *c)
{
	while (c->p < c->end && is_space((unsigned char)*c->p))
		c->p++;
}

static int
eat(struct cur *c, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

/* Digits with an optional '-' as text (for hasAlloc's comparison) and value. */
static int
number(struct cur *c, int allow_neg, const char **txt, size_t *txtlen, int64_t *v)
{
	const char *s = c->p;

	if (allow_neg && c->p < c->end && *c->p == '-')
		c->p++;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	if (num_parse_i64(s, (size_t)(c->p - s), v) != 0) {
		c->p = s;
		return 0;
	}
	if (txt != NULL) {
		*txt = s;
		*txtlen = (size_t)(c->p - s);
	}
	return 1;
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_space((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_space((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static int
contains(const char *s, size_t n, const char *lit)
{
	size_t k = strlen(lit), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(s + i, lit, k) == 0)
			return 1;
	return 0;
}

static void
set_types(struct legacy *L, const char *const *names, const char *space_unit, size_t n)
{
	size_t i;

	L->sum->ntypes = n;
	L->sum->types = xcalloc(n, sizeof(*L->sum->types));
	for (i = 0; i < n; i++) {
		L->sum->types[i].type = xstrdup(names[i]);
		L->sum->types[i].unit = xstrdup(i % 2 ? space_unit : "count");
	}
	sites_init(&L->sites, n);
	sites_track_large(&L->sites, L->sum);
}

/* The header `heap profile: 1: 2 [3: 4] @ heap/1048576` (google/pprof parseHeapHeader). */
static int
legacy_header(struct legacy *L, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	struct cur c = { s, s + n };
	const char *t[4], *kind;
	size_t tl[4], kl;
	int64_t v[4], period = 0;
	int i;
	static const char *const alloc_types[] = { "alloc_objects", "alloc_space",
						   "inuse_objects", "inuse_space" };
	static const char *const plain_types[] = { "objects", "space" };

	skip_sp(&c);
	if (!eat(&c, "heap profile:"))
		goto bad;
	for (i = 0; i < 4; i++) {
		skip_sp(&c);
		if (i == 2) {
			if (!eat(&c, "["))
				goto bad;
			skip_sp(&c);
		}
		if (!number(&c, 0, &t[i], &tl[i], &v[i]))
			goto bad;
		skip_sp(&c);
		if (i % 2 == 0 && !eat(&c, ":"))
			goto bad;
	}
	if (!eat(&c, "]"))
		goto bad;
	skip_sp(&c);
	if (!eat(&c, "@"))
		goto bad;
	skip_sp(&c);
	L->sum->period_type = xstrdup("space");
	L->sum->period_unit = xstrdup("bytes");
	if (eat(&c, "growthz") || eat(&c, "fragmentationz")) {
		L->sum->period = 1;
		set_types(L, plain_types, "bytes", 2);
		return 0;
	}
	kind = c.p;
	if (!eat(&c, "heap"))
		goto bad;
	while (c.p < c.end && ((*c.p >= 'a' && *c.p <= 'z') || (*c.p >= '0' && *c.p <= '9') ||
			       *c.p == '_'))
		c.p++;
	kl = (size_t)(c.p - kind);
	if (eat(&c, "/") && c.p < c.end && *c.p >= '0' && *c.p <= '9' &&
	    !number(&c, 0, NULL, NULL, &period))
		goto bad;
	L->has_alloc = (!(tl[2] == tl[0] && memcmp(t[2], t[0], tl[0]) == 0) &&
			!(tl[2] == 1 && t[2][0] == '0')) ||
		       (!(tl[3] == tl[1] && memcmp(t[3], t[1], tl[1]) == 0) &&
			!(tl[3] == 1 && t[3][0] == '0'));
	if ((kl == 8 && memcmp(kind, "heapz_v2", 8) == 0) ||
	    (kl == 7 && memcmp(kind, "heap_v2", 7) == 0)) {
		L->v2 = 1;
	} else if (kl == 11 && memcmp(kind, "heapprofile", 11) == 0) {
		period = 1;
	} else if (kl == 4 && memcmp(kind, "heap", 4) == 0) {
		/* Go writes 2*MemProfileRate here: google/pprof halves it. */
		L->v2 = 1;
		period /= 2;
	} else {
		return diag_fail(d, DIAG_FORMAT, lineno,
				 "unknown heap profile kind \"%.*s\" (expected heap, heap_v2, heapz_v2 or heapprofile)",
				 (int)(kl > 64 ? 64 : kl), kind);
	}
	L->rate = period;
	L->sum->period = period;
	if (L->has_alloc)
		set_types(L, alloc_types, "bytes", 4);
	else
		set_types(L, plain_types, "bytes", 2);
	return 0;
bad:
	return diag_fail(d, DIAG_FORMAT, lineno,
			 "bad heap profile header \"%.*s\" (expected `heap profile: N: N [N: N] @ heap/RATE`)",
			 (int)(n > 80 ? 80 : n), s);
}

/* google/pprof scaleHeapSample: divide by the probability 1-exp(-avg/rate). */
static int
scale_heap(int64_t *count, int64_t *size, int64_t rate)
{
	double avg, scale, c, s;

	if (*count == 0 || *size == 0) {
		*count = *size = 0;
		return 0;
	}
	if (rate <= 1)
		return 0;
	avg = (double)*size / (double)*count;
	scale = 1 / (1 - exp(-avg / (double)rate));
	c = (double)*count * scale;
	s = (double)*size * scale;
	if (!(fabs(c) < 9.2e18) || !(fabs(s) < 9.2e18))
		return -1;
	*count = (int64_t)c;
	*size = (int64_t)s;
	return 0;
}

static int
add_totals(struct legacy *L, const int64_t *vals, uint64_t lineno, struct diag *d)
{
	size_t k;

	for (k = 0; k < L->sum->ntypes; k++)
		if (__builtin_add_overflow(L->sum->types[k].total, vals[k], &L->sum->types[k].total))
			return diag_fail(d, DIAG_FORMAT, lineno, "sample values overflow a 64-bit total");
	return 0;
}

/* Hex addresses "0x.. 0x.."; adjust subtracts 1 from non-leaf frames for the location count. */
static int
legacy_frames(struct legacy *L, struct cur *c, int adjust, uint64_t *tok, uint32_t *ntok,
	      uint64_t lineno, struct diag *d)
{
	size_t i = 0;

	*ntok = 0;
	for (;;) {
		const char *h;
		uint64_t a, key;
		int found;

		skip_sp(c);
		if (c->p >= c->end)
			break;
		if (!eat(c, "0x"))
			return diag_fail(d, DIAG_FORMAT, lineno,
					 "bad stack address \"%.*s\" (expected 0x followed by hex digits)",
					 (int)(c->end - c->p > 32 ? 32 : c->end - c->p), c->p);
		h = c->p;
		while (c->p < c->end && ((*c->p >= '0' && *c->p <= '9') || (*c->p >= 'a' && *c->p <= 'f')))
			c->p++;
		if (num_parse_hex(h, (size_t)(c->p - h), &a) != 0)
			return diag_fail(d, DIAG_FORMAT, lineno,
					 "bad stack address \"0x%.*s\" (expected at most 16 hex digits)",
					 (int)(c->p - h > 32 ? 32 : c->p - h), h);
		key = (adjust && i > 0) ? a - 1 : a;
		if (key != 0 && (u64map_slot(&L->locset, key, &found), !found) &&
		    L->locset.n > L->lim->pprof_locations)
			return diag_fail(d, DIAG_LIMIT, lineno, "more than %llu locations (limit pprof_locations)",
					 (unsigned long long)L->lim->pprof_locations);
		if (*ntok < PPROF_SITE_FRAMES)
			tok[(*ntok)++] = a;
		i++;
	}
	return 0;
}

/* A sample `N: M [N2: M2] @ 0x.. 0x..` (google/pprof parseHeapSample). */
static int
legacy_go_sample(struct legacy *L, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	struct cur c = { s, s + n };
	int64_t v[4], vals[4];
	uint64_t tok[PPROF_SITE_FRAMES];
	uint32_t ntok;
	size_t nv = 0;
	int i;

	for (i = 0; i < 4; i++) {
		skip_sp(&c);
		if (i == 2) {
			if (!eat(&c, "["))
				goto bad;
			skip_sp(&c);
		}
		if (!number(&c, i < 2, NULL, NULL, &v[i]))
			goto bad;
		skip_sp(&c);
		if (i % 2 == 0 && !eat(&c, ":"))
			goto bad;
	}
	if (!eat(&c, "]"))
		goto bad;
	skip_sp(&c);
	if (!eat(&c, "@"))
		goto bad;
	for (i = L->has_alloc ? 2 : 0; i >= 0; i -= 2) {
		int64_t count = v[i], size = v[i + 1];

		if (count == 0 && size != 0)
			return diag_fail(d, DIAG_FORMAT, lineno,
					 "%s count is 0 but its bytes are %lld (expected 0)",
					 i ? "allocation" : "inuse", (long long)size);
		if (count != 0 && L->v2 && scale_heap(&count, &size, L->rate) != 0)
			return diag_fail(d, DIAG_FORMAT, lineno, "sample value too large to unsample");
		vals[nv++] = count;
		vals[nv++] = size;
	}
	if (++L->sum->samples > L->lim->pprof_samples)
		return diag_fail(d, DIAG_LIMIT, lineno, "more than %llu samples (limit pprof_samples)",
				 (unsigned long long)L->lim->pprof_samples);
	if (legacy_frames(L, &c, 1, tok, &ntok, lineno, d) != 0)
		return -1;
	if (add_totals(L, vals, lineno, d) != 0)
		return -1;
	return sites_add(&L->sites, tok, ntok, vals, -1, d) == 0 ? 0 :
		diag_fail(d, DIAG_FORMAT, lineno, "sample values overflow a 64-bit total");
bad:
	return diag_fail(d, DIAG_FORMAT, lineno,
			 "bad heap sample \"%.*s\" (expected `N: N [N: N] @ 0x...`)",
			 (int)(n > 80 ? 80 : n), s);
}

/* Remember a symbol, `ADDR NAME`, for the frames of the top sites. */
static int
add_symbol(struct legacy *L, uint64_t addr, const char *name, size_t n, uint64_t lineno,
	   struct diag *d)
{
	uint32_t *slot;
	int found;

	if (addr == 0 || n == 0)
		return 0;
	slot = u64map_slot(&L->symmap, addr, &found);
	if (found)
		return 0;	/* the first name is the innermost inlined function */
	if (L->nnames >= L->lim->pprof_locations)
		return diag_fail(d, DIAG_LIMIT, lineno, "more than %llu symbols (limit pprof_locations)",
				 (unsigned long long)L->lim->pprof_locations);
	if (L->nnames == L->capnames) {
		L->capnames = L->capnames ? size_mul(L->capnames, 2) : 64;
		L->names = xreallocarray(L->names, L->capnames, sizeof(*L->names));
	}
	L->names[L->nnames++] = xstrndup(name, n);
	*slot = (uint32_t)L->nnames;
	return 0;
}

/*
 * Go's debug=1 output follows each sample with `#\t0xPC\tfunc+0xOFF\tfile:line`
 * lines; PC is the sample's address minus one (CallersFrames), so the
 * symbol is filed under PC + 1.
 */
static int
go_symbol_comment(struct legacy *L, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	struct cur c = { s + 1, s + n };
	const char *h, *name;
	uint64_t pc;

	skip_sp(&c);
	if (!eat(&c, "0x"))
		return 0;
	h = c.p;
	while (c.p < c.end && !is_space((unsigned char)*c.p))
		c.p++;
	if (num_parse_hex(h, (size_t)(c.p - h), &pc) != 0)
		return 0;
	skip_sp(&c);
	name = c.p;
	while (c.p < c.end && !is_space((unsigned char)*c.p))
		c.p++;
	/* Drop "+0x2c" but keep '+' inside names. */
	{
		const char *e = c.p, *plus = NULL, *q;

		for (q = name; q + 2 < e; q++)
			if (q[0] == '+' && q[1] == '0' && q[2] == 'x')
				plus = q;
		if (plus != NULL)
			e = plus;
		return add_symbol(L, pc + 1, name, (size_t)(e - name), lineno, d);
	}
}

/* Java `0xADDR function (File.java:12)` (google/pprof parseJavaLocations, simplified). */
static int
java_location(struct legacy *L, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	struct cur c = { s, s + n };
	const char *h, *name;
	uint64_t a;
	size_t nl, i;

	if (!eat(&c, "0x"))
		return 0;
	h = c.p;
	while (c.p < c.end && !is_space((unsigned char)*c.p))
		c.p++;
	if (num_parse_hex(h, (size_t)(c.p - h), &a) != 0 || c.p == c.end)
		return 0;
	skip_sp(&c);
	name = c.p;
	nl = (size_t)(c.end - c.p);
	if (nl > 0 && name[nl - 1] == ')') {
		for (i = nl; i-- > 1;)
			if (name[i] == '(' && is_space((unsigned char)name[i - 1])) {
				nl = i;
				while (nl > 0 && is_space((unsigned char)name[nl - 1]))
					nl--;
				break;
			}
	}
	if (contains(name, nl, "generated stub/JIT")) {
		name = "STUB";
		nl = 4;
	}
	return add_symbol(L, a, name, nl, lineno, d);
}

/* ` *(\d+) +(\d+) +@ +addrs`: size, count (inverted), scaled at 512 KiB. */
static int
java_sample(struct legacy *L, const char *s, size_t n, uint64_t lineno, int *matched,
	    struct diag *d)
{
	struct cur c = { s, s + n };
	int64_t size, count, vals[2];
	uint64_t tok[PPROF_SITE_FRAMES];
	uint32_t ntok;

	*matched = 0;
	if (!number(&c, 0, NULL, NULL, &size) || c.p == c.end || !is_space((unsigned char)*c.p))
		return 0;
	skip_sp(&c);
	if (!number(&c, 0, NULL, NULL, &count) || c.p == c.end || !is_space((unsigned char)*c.p))
		return 0;
	skip_sp(&c);
	if (!eat(&c, "@"))
		return 0;
	*matched = 1;
	if (count == 0)
		return diag_fail(d, DIAG_FORMAT, lineno, "java heap sample with a count of 0 (expected non-zero)");
	if (scale_heap(&count, &size, 524288) != 0)
		return diag_fail(d, DIAG_FORMAT, lineno, "sample value too large to unsample");
	vals[0] = count;
	vals[1] = size;
	if (++L->sum->samples > L->lim->pprof_samples)
		return diag_fail(d, DIAG_LIMIT, lineno, "more than %llu samples (limit pprof_samples)",
				 (unsigned long long)L->lim->pprof_samples);
	if (legacy_frames(L, &c, 0, tok, &ntok, lineno, d) != 0 || add_totals(L, vals, lineno, d) != 0)
		return -1;
	return sites_add(&L->sites, tok, ntok, vals, -1, d) == 0 ? 0 :
		diag_fail(d, DIAG_FORMAT, lineno, "sample values overflow a 64-bit total");
}

/* `key = value` in a Java header; 1 if the line was an attribute. */
static int
java_attr(struct legacy *L, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	const char *eq = memchr(s, '=', n), *k = s, *v;
	size_t kn, vn;

	if (eq == NULL)
		return 0;
	kn = (size_t)(eq - s);
	v = eq + 1;
	vn = n - kn - 1;
	trim(&k, &kn);
	trim(&v, &vn);
	if (kn == 6 && memcmp(k, "format", 6) == 0) {
		if (!(vn == 4 && memcmp(v, "java", 4) == 0))
			return diag_fail(d, DIAG_FORMAT, lineno,
					 "java heapz format \"%.*s\" (expected java)", (int)(vn > 40 ? 40 : vn), v);
		return 1;
	}
	if (kn == 10 && memcmp(k, "resolution", 10) == 0) {
		static const char *const types[] = { "inuse_objects", "inuse_space" };
		char unit[64];

		if (L->sum->types != NULL)
			return diag_fail(d, DIAG_FORMAT, lineno, "resolution given twice (expected once)");
		snprintf(unit, sizeof(unit), "%.*s", (int)(vn > 63 ? 63 : vn), v);
		set_types(L, types, unit, 2);
		return 1;
	}
	return diag_fail(d, DIAG_FORMAT, lineno,
			 "unknown java heapz attribute \"%.*s\" (expected format or resolution)",
			 (int)(kn > 40 ? 40 : kn), k);
}

static int
legacy_line(void *ctx, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	struct legacy *L = ctx;
	int matched;

	if (L->state == LEG_HEADER) {
		const char *t = s;
		size_t tn = n;

		trim(&t, &tn);
		if (tn == 15 && memcmp(t, "--- heapz 1 ---", 15) == 0) {
			L->java = 1;
			L->sum->format = "java-heapz";
			L->sum->period_type = xstrdup("");
			L->sum->period_unit = xstrdup("");
			L->state = LEG_JAVA_ATTRS;
			return 0;
		}
		if (legacy_header(L, s, n, lineno, d) != 0)
			return -1;
		L->state = LEG_GO_SAMPLES;
		return 0;
	}
	trim(&s, &n);
	switch (L->state) {
	case LEG_GO_SAMPLES:
		if (n > 0 && s[0] == '#')
			return go_symbol_comment(L, s, n, lineno, d);
		if (n == 0)
			return 0;
		if (contains(s, n, "--- Memory map: ---") || contains(s, n, "MAPPED_LIBRARIES:")) {
			L->state = LEG_DONE;
			return 0;
		}
		return legacy_go_sample(L, s, n, lineno, d);
	case LEG_JAVA_ATTRS:
		if (n == 0)
			return 0;
		switch (java_attr(L, s, n, lineno, d)) {
		case 1:
			return 0;
		case -1:
			return -1;
		default:
			break;
		}
		if (L->sum->types == NULL)
			return diag_fail(d, DIAG_FORMAT, lineno,
					 "java heapz profile without a resolution attribute (expected `resolution = bytes`)");
		L->state = LEG_JAVA_SAMPLES;
		/* fall through */
	case LEG_JAVA_SAMPLES:
		if (n == 0)
			return 0;
		if (java_sample(L, s, n, lineno, &matched, d) != 0)
			return -1;
		if (matched)
			return 0;
		L->state = LEG_JAVA_LOCS;
		/* fall through */
	case LEG_JAVA_LOCS:
		return java_location(L, s, n, lineno, d);
	default:
		return 0;
	}
}

static void
legacy_frame_name(void *ctx, uint64_t tok, struct buf *out)
{
	const struct legacy *L = ctx;
	uint32_t i;

	if (u64map_get(&L->symmap, tok, &i) && i > 0)
		buf_puts(out, L->names[i - 1]);
	else
		buf_printf(out, "0x%llx", (unsigned long long)tok);
}

int
pprof_is_legacy(const void *buf, size_t len)
{
	const char *s = buf;
	size_t n = len;

	trim(&s, &n);
	return (n >= 13 && memcmp(s, "heap profile:", 13) == 0) ||
	       (n >= 9 && memcmp(s, "--- heapz", 9) == 0);
}

int
pprof_parse_legacy(const char *text, size_t len, const struct limits *lim,
		   struct pprof_summary **out, struct diag *d)
{
	struct legacy L;
	size_t i;
	int rc = -1;

	*out = NULL;
	memset(&L, 0, sizeof(L));
	L.lim = lim;
	L.sum = pprof_summary_new("legacy-heap");
	u64map_init(&L.locset, 64);
	u64map_init(&L.symmap, 64);
	if (lines_each(text, len, lim->line_bytes, legacy_line, &L, d) != 0)
		goto out;
	if (L.state == LEG_HEADER) {
		diag_fail(d, DIAG_FORMAT, 1, "empty heap profile (expected a `heap profile:` header)");
		goto out;
	}
	if (L.sum->types == NULL) {
		diag_fail(d, DIAG_FORMAT, 0, "java heapz profile without a resolution attribute (expected `resolution = bytes`)");
		goto out;
	}
	L.sum->locations = L.locset.n;
	L.sum->sort_type = choose_sort_type(L.sum);
	sites_emit(&L.sites, L.sum, lim->pprof_top_sites, legacy_frame_name, &L);
	*out = L.sum;
	L.sum = NULL;
	rc = 0;
out:
	for (i = 0; i < L.nnames; i++)
		free(L.names[i]);
	free(L.names);
	sites_release(&L.sites);
	u64map_release(&L.locset);
	u64map_release(&L.symmap);
	pprof_summary_free(L.sum);
	return rc;
}
