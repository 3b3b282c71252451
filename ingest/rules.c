#include "ingest/rules.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/lines.h"
#include "core/xalloc.h"

/* Longest descriptor quoted in a match-limit message. */
#define QUOTE_MAX 160

struct rule {
	char role[RULES_ROLE_MAX + 1];
	pcre2_code *code;
	const char *origin;	/* one of rules.origins */
	unsigned long long line;
};

struct rules {
	struct rule *v;
	size_t n, cap;
	char **origins;		/* owned copies of every origin seen */
	size_t norigins;
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

void
rules_free(struct rules *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		pcre2_code_free(r->v[i].code);
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
	/* No JIT on this platform or build: the interpreter is correct, only slower. */
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);

	if (r->n == r->cap) {
		r->cap = r->cap ? size_mul(r->cap, 2) : 32;
		r->v = xreallocarray(r->v, r->cap, sizeof(*r->v));
	}
	ru = &r->v[r->n++];
	memcpy(ru->role, line + role_start, role_len);
	ru->role[role_len] = '\0';
	ru->code = code;
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
		while (r->n > before)
			pcre2_code_free(r->v[--r->n].code);
		diag_where(d, NULL, origin);
		return -1;
	}
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
rules_classify_ex(const struct rules *r, const char *descriptor, size_t len, long *index,
		  struct diag *d)
{
	size_t i;

	if (index != NULL)
		*index = -1;
	for (i = 0; i < r->n; i++) {
		int rc = pcre2_match(r->v[i].code, (PCRE2_SPTR)descriptor, len, 0, 0, r->md, r->mctx);

		if (rc >= 0) {
			if (index != NULL)
				*index = (long)i;
			return r->v[i].role;
		}
		if (rc == PCRE2_ERROR_NOMATCH)
			continue;
		{
			PCRE2_UCHAR msg[256];
			int quoted = len > QUOTE_MAX ? QUOTE_MAX : (int)len;

			if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
				strcpy((char *)msg, "unknown error");
			diag_fail(d, DIAG_LIMIT, 0,
				  "rule \"%s\" (%s:%llu) stopped on descriptor \"%.*s%s\": %s (match_limit=%llu)",
				  r->v[i].role, r->v[i].origin, r->v[i].line, quoted, descriptor,
				  quoted < (int)len ? "..." : "", (const char *)msg, r->match_limit);
			diag_hint(d, "simplify the pattern (nested quantifiers backtrack) or raise --limit match_limit");
			return NULL;
		}
	}
	return "anon";
}

const char *
rules_classify(const struct rules *r, const char *descriptor, size_t len, struct diag *d)
{
	return rules_classify_ex(r, descriptor, len, NULL, d);
}
