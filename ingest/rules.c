#include "ingest/rules.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/lines.h"
#include "core/xalloc.h"

/* Longest descriptor quoted in a match-limit message. */
#define QUOTE_MAX 160
/* Most rules folded into one combined pattern. */
#define GROUP_MAX 64

struct rule {
	char role[RULES_ROLE_MAX + 1];
	pcre2_code *code;
	int jit;		/* code is JIT-compiled: pcre2_jit_match skips the checks */
	char *pattern;		/* the source, to build combined patterns */
	size_t pattern_len;
	int combinable;
	const char *origin;	/* one of rules.origins */
	unsigned long long line;
};

/*
 * Consecutive anchored rules matched as one pattern, "(?:P0)(*MARK:0)|
 * (?:P1)(*MARK:1)|...": every alternative can only match at offset 0 and
 * they are tried in order, so the mark of a match names the first rule
 * that matches, as if each were tried alone, for one call instead of one
 * per rule (a call costs more than failing on the first bytes).
 * code is NULL for a group of one rule, or when the combination failed.
 */
struct group {
	size_t *idx;		/* the rules, in order */
	size_t count;
	pcre2_code *code;
	int jit;
};

/* The groups to try, in order, for the rules of one plan. */
struct plan {
	struct group *groups;
	size_t ngroups;
};

/*
 * Most descriptors begin with one of a few prefixes (an unnamed mapping,
 * a file at offset 0). For each, a plan holds only the rules that could
 * match some descriptor with that prefix: an anchored rule that fails a
 * partial match on the prefix alone never matches, so it is left out.
 * The prefixes only speed things up; a descriptor with none uses all rules.
 */
#define FAST(s) { s, sizeof(s) - 1 }
static const struct {
	const char *s;
	size_t len;
} fast_prefixes[] = {
	FAST("rw-p 0 [anon] @"), FAST("---p 0 [anon] @"), FAST("r--p 0 [anon] @"),
	FAST("r-xp 0 [anon] @"),
	FAST("r--p 0 /"), FAST("r-xp 0 /"), FAST("rw-p 0 /"), FAST("r--s 0 /"),
};
#define NFAST (sizeof(fast_prefixes) / sizeof(fast_prefixes[0]))

struct rules {
	struct rule *v;
	size_t n, cap;
	char **origins;		/* owned copies of every origin seen */
	size_t norigins;
	struct plan all;	/* every rule */
	struct plan fast[NFAST];
	pcre2_match_data *md;	/* reused by every match: one thread at a time */
	pcre2_match_context *mctx;
	pcre2_compile_context *cctx;
	unsigned long long match_limit;
};

/* State of one rules_add_text call, for the line callback. */
struct add_state {
	struct rules *r;
	const char *origin;
	const struct limits *lim;
};

struct rules *
rules_new(void)
{
	struct rules *r = xcalloc(1, sizeof(*r));

	r->md = pcre2_match_data_create(1, NULL);
	r->mctx = pcre2_match_context_create(NULL);
	r->cctx = pcre2_compile_context_create(NULL);
	if (r->md == NULL || r->mctx == NULL || r->cctx == NULL)
		die("out of memory creating PCRE2 contexts");
	return r;
}

static void
plan_release(struct plan *pl)
{
	size_t i;

	for (i = 0; i < pl->ngroups; i++) {
		pcre2_code_free(pl->groups[i].code);
		free(pl->groups[i].idx);
	}
	free(pl->groups);
	pl->groups = NULL;
	pl->ngroups = 0;
}

static void
free_plans(struct rules *r)
{
	size_t k;

	plan_release(&r->all);
	for (k = 0; k < NFAST; k++)
		plan_release(&r->fast[k]);
}

/*
 * A rule can join a combined pattern when it is anchored and cannot reach
 * outside its own alternative: no back references or subroutine calls
 * (group numbers shift), no verbs ((*COMMIT) would stop the next rules),
 * no \Q (it would quote the suffix) and no '#' (a (?x) comment would).
 */
static int
combinable(const struct rule *ru)
{
	uint32_t opts = 0, backref = 0;
	size_t i;

	if (pcre2_pattern_info(ru->code, PCRE2_INFO_ALLOPTIONS, &opts) != 0 ||
	    !(opts & PCRE2_ANCHORED))
		return 0;
	if (pcre2_pattern_info(ru->code, PCRE2_INFO_BACKREFMAX, &backref) != 0 || backref != 0)
		return 0;
	for (i = 0; i < ru->pattern_len; i++) {
		const char *p = ru->pattern + i;
		size_t left = ru->pattern_len - i;

		if (*p == '#' || *p == '\0')
			return 0;
		if (*p == '\\' && left > 1 && (p[1] == 'Q' || p[1] == 'g' || p[1] == 'k'))
			return 0;
		if (*p == '(' && left > 1 && p[1] == '*')
			return 0;
		if (*p == '(' && left > 2 && p[1] == '?' &&
		    (strchr("R&P+-0123456789C", p[2]) != NULL))
			return 0;
	}
	return 1;
}

/* Group the rules idx[0..n) and compile the combined patterns into pl. */
static void
plan_build(struct rules *r, struct plan *pl, const size_t *idx, size_t n)
{
	size_t i = 0;

	plan_release(pl);
	pl->groups = xreallocarray(NULL, n ? n : 1, sizeof(*pl->groups));
	while (i < n) {
		struct group *g = &pl->groups[pl->ngroups++];
		size_t j = i + 1, k;

		if (r->v[idx[i]].combinable)
			while (j < n && j - i < GROUP_MAX && r->v[idx[j]].combinable)
				j++;
		g->count = j - i;
		g->idx = xreallocarray(NULL, g->count, sizeof(*g->idx));
		memcpy(g->idx, idx + i, g->count * sizeof(*g->idx));
		g->code = NULL;
		g->jit = 0;
		if (g->count > 1) {
			struct buf pat = BUF_INIT;
			int errcode;
			PCRE2_SIZE erroff;

			for (k = 0; k < g->count; k++) {
				const struct rule *ru = &r->v[g->idx[k]];

				if (k > 0)
					buf_putc(&pat, '|');
				buf_puts(&pat, "(?:");
				buf_add(&pat, ru->pattern, ru->pattern_len);
				buf_printf(&pat, ")(*MARK:%zu)", k);
			}
			/* On failure (a name used twice, say) the rules are tried one by one. */
			g->code = pcre2_compile((PCRE2_SPTR)pat.data, pat.len,
						PCRE2_NEVER_UTF | PCRE2_NEVER_UCP, &errcode, &erroff, r->cctx);
			if (g->code != NULL)
				g->jit = pcre2_jit_compile(g->code, PCRE2_JIT_COMPLETE) == 0;
			buf_release(&pat);
		}
		i = j;
	}
}

/*
 * Which fast prefixes rule ru may match a descriptor beginning with: bit k
 * for fast_prefixes[k]. A bit is clear when the rule is anchored and a hard
 * partial match of the prefix (without start-up optimisations, which may
 * say "no" for a subject merely too short) fails outright.
 */
static unsigned
may_match_prefixes(const struct rules *r, const struct rule *ru)
{
	pcre2_code *slow;
	pcre2_match_data *md;
	int errcode, rc;
	PCRE2_SIZE erroff;
	uint32_t opts = 0;
	unsigned may = 0;
	size_t k;

	if (pcre2_pattern_info(ru->code, PCRE2_INFO_ALLOPTIONS, &opts) != 0 || !(opts & PCRE2_ANCHORED))
		return ~0u;
	slow = pcre2_compile((PCRE2_SPTR)ru->pattern, ru->pattern_len,
			     PCRE2_NEVER_UTF | PCRE2_NEVER_UCP | PCRE2_NO_START_OPTIMIZE, &errcode,
			     &erroff, r->cctx);
	if (slow == NULL)
		return ~0u;
	md = pcre2_match_data_create_from_pattern(slow, NULL);
	if (md == NULL)
		die("out of memory creating PCRE2 match data");
	for (k = 0; k < NFAST; k++) {
		rc = pcre2_match(slow, (PCRE2_SPTR)fast_prefixes[k].s, fast_prefixes[k].len, 0,
				 PCRE2_PARTIAL_HARD, md, r->mctx);
		if (rc != PCRE2_ERROR_NOMATCH)
			may |= 1u << k;
	}
	pcre2_match_data_free(md);
	pcre2_code_free(slow);
	return may;
}

/* Build the plan of every rule and the plan of each fast prefix. */
static void
build_plans(struct rules *r)
{
	size_t *idx = xreallocarray(NULL, r->n ? r->n : 1, sizeof(*idx));
	unsigned *may = xreallocarray(NULL, r->n ? r->n : 1, sizeof(*may));
	size_t i, k, n;

	_Static_assert(NFAST <= sizeof(unsigned) * 8, "a bit for each fast prefix");
	for (i = 0; i < r->n; i++) {
		idx[i] = i;
		may[i] = may_match_prefixes(r, &r->v[i]);	/* one compile a rule */
	}
	plan_build(r, &r->all, idx, r->n);
	for (k = 0; k < NFAST; k++) {
		for (i = 0, n = 0; i < r->n; i++)
			if (may[i] & (1u << k))
				idx[n++] = i;
		plan_build(r, &r->fast[k], idx, n);
	}
	free(may);
	free(idx);
}

void
rules_free(struct rules *r)
{
	size_t i;

	if (r == NULL)
		return;
	free_plans(r);
	for (i = 0; i < r->n; i++) {
		pcre2_code_free(r->v[i].code);
		free(r->v[i].pattern);
	}
	for (i = 0; i < r->norigins; i++)
		free(r->origins[i]);
	free(r->origins);
	free(r->v);
	pcre2_match_data_free(r->md);
	pcre2_match_context_free(r->mctx);
	pcre2_compile_context_free(r->cctx);
	free(r);
}

size_t
rules_count(const struct rules *r)
{
	return r->n;
}

int
rules_role_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > RULES_ROLE_MAX || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (i = 1; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return 1;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * Limits apply per descriptor. The depth limit bounds the interpreter's
 * backtracking frames (JIT ignores it and has its own fixed stack); the
 * heap limit (KiB) bounds the frames' memory whatever the depth.
 */
static void
set_limits(struct rules *r, const struct limits *lim)
{
	uint64_t match_limit = lim->match_limit;
	uint64_t depth = match_limit;

	if (match_limit == 0 || match_limit > UINT32_MAX)
		match_limit = UINT32_MAX;
	if (depth == 0 || depth > 100000)
		depth = 100000;
	pcre2_set_match_limit(r->mctx, (uint32_t)match_limit);
	pcre2_set_depth_limit(r->mctx, (uint32_t)depth);
	pcre2_set_heap_limit(r->mctx, 64 * 1024);
	r->match_limit = match_limit;
}

static int
add_line(void *ctx, const char *line, size_t len, uint64_t lineno, struct diag *d)
{
	struct add_state *st = ctx;
	struct rules *r = st->r;
	size_t i = 0, role_start, role_len, pat_start, pat_end;
	pcre2_code *code;
	int errcode;
	PCRE2_SIZE erroff;
	struct rule *ru;

	while (i < len && is_blank(line[i]))
		i++;
	if (i == len || line[i] == '#')
		return 0;
	role_start = i;
	while (i < len && !is_blank(line[i]))
		i++;
	role_len = i - role_start;
	if (!rules_role_valid(line + role_start, role_len)) {
		diag_fail(d, DIAG_FORMAT, lineno, "bad role \"%.*s\" (expected [a-z][a-z0-9-]*, at most %d bytes)",
			  (int)(role_len > 64 ? 64 : role_len), line + role_start, RULES_ROLE_MAX);
		return -1;
	}
	while (i < len && is_blank(line[i]))
		i++;
	pat_start = i;
	pat_end = len;
	while (pat_end > pat_start && is_blank(line[pat_end - 1]))
		pat_end--;
	if (pat_end == pat_start)
		return diag_fail(d, DIAG_FORMAT, lineno, "rule \"%.*s\" has no pattern (expected ROLE PATTERN)",
				 (int)role_len, line + role_start);
	if (pat_end - pat_start > st->lim->pattern_bytes)
		return diag_fail(d, DIAG_LIMIT, lineno, "pattern of rule \"%.*s\" is %zu bytes (pattern_bytes=%llu)",
				 (int)role_len, line + role_start, pat_end - pat_start,
				 (unsigned long long)st->lim->pattern_bytes);
	if (r->n >= st->lim->rules)
		return diag_fail(d, DIAG_LIMIT, lineno, "more than %llu rules (rules=%llu)",
				 (unsigned long long)st->lim->rules, (unsigned long long)st->lim->rules);

	code = pcre2_compile((PCRE2_SPTR)(line + pat_start), pat_end - pat_start,
			     PCRE2_NEVER_UTF | PCRE2_NEVER_UCP, &errcode, &erroff, r->cctx);
	if (code == NULL) {
		PCRE2_UCHAR msg[256];

		if (pcre2_get_error_message(errcode, msg, sizeof(msg)) < 0)
			strcpy((char *)msg, "unknown error");
		diag_fail(d, DIAG_FORMAT, lineno, "bad pattern for rule \"%.*s\" at offset %zu: %s (PCRE2 syntax)",
			  (int)role_len, line + role_start, (size_t)erroff, (const char *)msg);
		return -1;
	}

	if (r->n == r->cap) {
		r->cap = r->cap ? size_mul(r->cap, 2) : 32;
		r->v = xreallocarray(r->v, r->cap, sizeof(*r->v));
	}
	ru = &r->v[r->n++];
	memcpy(ru->role, line + role_start, role_len);
	ru->role[role_len] = '\0';
	ru->code = code;
	/* No JIT on this platform or build: the interpreter is correct, only slower. */
	ru->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
	ru->pattern = xstrndup(line + pat_start, pat_end - pat_start);
	ru->pattern_len = pat_end - pat_start;
	ru->combinable = combinable(ru);
	ru->origin = st->origin;
	ru->line = lineno;
	return 0;
}

int
rules_add_text(struct rules *r, const char *text, size_t len, const char *origin,
	       const struct limits *lim, struct diag *d)
{
	struct add_state st;
	size_t before = r->n;

	if (origin == NULL)
		origin = "rules";
	r->origins = xreallocarray(r->origins, r->norigins + 1, sizeof(*r->origins));
	r->origins[r->norigins] = xstrdup(origin);
	st.r = r;
	st.origin = r->origins[r->norigins++];
	st.lim = lim;
	set_limits(r, lim);
	if (lines_each(text, len, lim->line_bytes, add_line, &st, d) != 0) {
		/* All or nothing: a half-read rules file would silently change roles. */
		while (r->n > before) {
			r->n--;
			pcre2_code_free(r->v[r->n].code);
			free(r->v[r->n].pattern);
		}
		build_plans(r);
		diag_where(d, origin, NULL);	/* "my.rules:3: ...": a file, not a bundle member */
		return -1;
	}
	build_plans(r);
	return 0;
}

int
rules_add_default(struct rules *r, const struct limits *lim, struct diag *d)
{
	return rules_add_text(r, rssgap_default_rules, strlen(rssgap_default_rules),
			      "default.rules", lim, d);
}

const char *
rules_origin(const struct rules *r, size_t i, unsigned long long *line)
{
	if (i >= r->n)
		return NULL;
	if (line != NULL)
		*line = r->v[i].line;
	return r->v[i].origin;
}

const char *
rules_pattern(const struct rules *r, size_t i)
{
	return i < r->n ? r->v[i].pattern : NULL;
}

/* One match of code against the descriptor: the JIT entry point when there is one. */
static int
run(const struct rules *r, const pcre2_code *code, int jit, const char *descriptor, size_t len)
{
	if (jit)
		return pcre2_jit_match(code, (PCRE2_SPTR)descriptor, len, 0, 0, r->md, r->mctx);
	return pcre2_match(code, (PCRE2_SPTR)descriptor, len, 0, 0, r->md, r->mctx);
}

/* Try the rules of g one by one; 1 matched (*hit), 0 none, -1 error (d filled). */
static int
match_each(const struct rules *r, const struct group *g, const char *descriptor, size_t len,
	   size_t *hit, struct diag *d)
{
	size_t k;

	for (k = 0; k < g->count; k++) {
		const struct rule *ru = &r->v[g->idx[k]];
		int rc = run(r, ru->code, ru->jit, descriptor, len);
		PCRE2_UCHAR msg[256];
		int quoted = len > QUOTE_MAX ? QUOTE_MAX : (int)len;

		if (rc >= 0) {
			*hit = g->idx[k];
			return 1;
		}
		if (rc == PCRE2_ERROR_NOMATCH)
			continue;
		if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
			strcpy((char *)msg, "unknown error");
		diag_fail(d, DIAG_LIMIT, 0,
			  "rule \"%s\" (%s:%llu) stopped on descriptor \"%.*s%s\": %s (match_limit=%llu)",
			  ru->role, ru->origin, ru->line, quoted, descriptor,
			  quoted < (int)len ? "..." : "", (const char *)msg, r->match_limit);
		diag_hint(d, "simplify the pattern (nested quantifiers backtrack) or raise --limit match_limit");
		return -1;
	}
	return 0;
}

/*
 * The plan for a descriptor: the one of its fast prefix, or all rules.
 * Every fast prefix is PERMS, " 0 ", then "[anon] @" or "/": the bytes
 * after PERMS pick the kind and PERMS the prefix, with no call per prefix.
 */
static const struct plan *
plan_for(const struct rules *r, const char *descriptor, size_t len)
{
	size_t k, n;

	if (len < 8 || memcmp(descriptor + 4, " 0 ", 3) != 0)
		return &r->all;
	if (descriptor[7] == '/')
		n = 8;
	else if (len >= 15 && memcmp(descriptor + 7, "[anon] @", 8) == 0)
		n = 15;
	else
		return &r->all;
	for (k = 0; k < NFAST; k++)
		if (fast_prefixes[k].len == n && memcmp(descriptor, fast_prefixes[k].s, 4) == 0)
			return &r->fast[k];
	return &r->all;
}

const char *
rules_classify_ex(const struct rules *r, const char *descriptor, size_t len, long *index,
		  struct diag *d)
{
	const struct plan *pl = plan_for(r, descriptor, len);
	size_t gi, hit = 0;

	if (index != NULL)
		*index = -1;
	for (gi = 0; gi < pl->ngroups; gi++) {
		const struct group *g = &pl->groups[gi];
		int found;

		if (g->code != NULL) {
			int rc = run(r, g->code, g->jit, descriptor, len);

			if (rc == PCRE2_ERROR_NOMATCH)
				continue;
			if (rc >= 0) {
				PCRE2_SPTR mark = pcre2_get_mark(r->md);
				size_t k = 0;

				while (mark != NULL && *mark >= '0' && *mark <= '9')
					k = k * 10 + (size_t)(*mark++ - '0');
				if (k >= g->count)
					die("combined rule pattern gave mark %zu of %zu", k, g->count);
				hit = g->idx[k];
				goto found;
			}
			/* A limit for the whole group: the rules alone say which one (or match). */
		}
		found = match_each(r, g, descriptor, len, &hit, d);
		if (found < 0)
			return NULL;
		if (found > 0)
			goto found;
	}
	return "anon";
found:
	if (index != NULL)
		*index = (long)hit;
	return r->v[hit].role;
}

const char *
rules_classify(const struct rules *r, const char *descriptor, size_t len, struct diag *d)
{
	return rules_classify_ex(r, descriptor, len, NULL, d);
}
