#include "ingest/smaps.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/buf.h"
#include "core/num.h"
#include "core/xalloc.h"
#include "ingest/smaps_field.h"

/*
 * The kernel prints the same fields in the same order for every VMA, each
 * "Name:" padded to 16 columns, the number to 8, then " kB". Line k after
 * a header remembers the last such line seen there: its first 16 bytes,
 * field and value bytes. A line whose first 16 bytes are the same is that
 * field without a lookup, and a value whose 8 bytes are the same is the
 * same number without parsing it. w0 == 0 (no name starts with NUL) is a
 * slot never filled.
 */
#define TMPL_MAX 40

struct tmpl {
	uint64_t w0, w1;	/* bytes 0..16 as loaded from the line */
	uint64_t raw;		/* bytes 16..24: the padded number */
	int64_t bytes;		/* its value in bytes */
	int field;
	unsigned len;		/* 27 for "N kB", 24 for a plain number */
};

struct smaps_parser {
	int maps_only;
	int rollup;		/* Size stays -1 when absent: the range spans everything */
	const struct limits *lim;
	smaps_emit_fn emit;
	void *ctx;
	int pending;		/* cur holds a VMA not yet emitted */
	uint64_t count;		/* VMAs emitted */
	int have_prev;		/* a VMA header was read: prev_end and prev_line are set */
	uint64_t prev_end, prev_line;
	struct vma cur;
	struct buf path;	/* storage of cur.path, reused from VMA to VMA */
	struct buf vmflags;	/* storage of cur.vmflags */
	struct buf vmflags_line;	/* the last VmFlags line taken, as read */
	struct buf partial;	/* smaps_parser_feed: a line not yet ended */
	uint64_t lineno;	/* smaps_parser_feed: lines delivered */
	int failed;		/* smaps_parser_feed returned -1 once */
	unsigned pos;		/* lines read since the VMA's header; TMPL_MAX when no VMA is open */
	int tmpl_ok;		/* a 27-byte line is within the line_bytes cap */
	struct tmpl tmpl[TMPL_MAX];
};

/* Fields the kernel prints as a plain number, not "N kB". */
static const unsigned char plain[VMA_NFIELDS] = {
	[VMA_THP_ELIGIBLE] = 1,
	[VMA_PROTECTION_KEY] = 1,
};

struct smaps_parser *
smaps_parser_new(int maps_only, const struct limits *lim, smaps_emit_fn emit, void *ctx)
{
	struct smaps_parser *p = xcalloc(1, sizeof(*p));

	p->maps_only = maps_only;
	p->lim = lim;
	p->emit = emit;
	p->ctx = ctx;
	p->tmpl_ok = lim->line_bytes >= 27;
	p->pos = TMPL_MAX;
	buf_init(&p->path);
	buf_init(&p->vmflags);
	buf_init(&p->vmflags_line);
	buf_init(&p->partial);
	return p;
}

void
smaps_parser_rollup(struct smaps_parser *p)
{
	p->rollup = 1;
}

void
smaps_parser_free(struct smaps_parser *p)
{
	if (p == NULL)
		return;
	buf_release(&p->path);
	buf_release(&p->vmflags);
	buf_release(&p->vmflags_line);
	buf_release(&p->partial);
	free(p);
}

uint64_t
smaps_parser_count(const struct smaps_parser *p)
{
	return p->count;
}

static inline int
is_space(int c)
{
	return c == ' ' || c == '\t';
}

static inline int
hex_digit(unsigned c)
{
	if (c - '0' < 10)
		return (int)(c - '0');
	c |= 0x20;
	if (c - 'a' < 6)
		return (int)(c - 'a' + 10);
	return -1;
}

/* Every field -1: what a VMA header starts with. */
static const int64_t absent_fields[VMA_NFIELDS] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};
_Static_assert(VMA_NFIELDS == 27, "absent_fields lists one -1 per field");

/* The index of the first byte at or after i that is not a space or tab. */
static inline size_t
skip_blanks(const char *s, size_t i, size_t n)
{
	const uint64_t spaces = 0x2020202020202020ull;
	uint64_t w;

	/* The kernel pads with spaces: eight at a time, then byte by byte. */
	while (i + 8 <= n) {
		memcpy(&w, s + i, 8);
		w ^= spaces;
		if (w != 0) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
			i += (size_t)__builtin_clzll(w) / 8;
#else
			i += (size_t)__builtin_ctzll(w) / 8;
#endif
			break;
		}
		i += 8;
	}
	while (i < n && is_space((unsigned char)s[i]))
		i++;
	return i;
}

/* Quote at most 64 bytes of an offending value. */
#define QUOTE_MAX 64
#define QLEN(n) ((int)((n) > QUOTE_MAX ? QUOTE_MAX : (n)))


/* Hex digits up to a delimiter; *pos advanced. 0 ok, -1 bad or more than 16 digits. */
static inline __attribute__((always_inline)) int
scan_hex(const char *s, size_t n, size_t *pos, uint64_t *out)
{
	size_t i = *pos, start = i;
	uint64_t v = 0;
	int dgt;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* eight digits a step while eight bytes are left; 17 digits are too many anyway */
	while (i + 8 <= n && i - start <= 16) {
		uint64_t part;
		unsigned k = smaps_hex8(s + i, &part);

		v = k == 8 ? v << 32 | part : k == 0 ? v : v << (4 * k) | part;
		i += k;
		if (k < 8)
			goto done;
	}
#endif
	while (i < n && (dgt = hex_digit((unsigned char)s[i])) >= 0) {
		v = (v << 4) | (unsigned)dgt;
		i++;
	}
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
done:
#endif
	if (i == start || i - start > 16)
		return -1;
	*pos = i;
	*out = v;
	return 0;
}

/* Emit the VMA held in p->cur, if any. */
static int
flush(struct smaps_parser *p, struct diag *d)
{
	struct vma *v = &p->cur;

	if (!p->pending)
		return 0;
	p->pending = 0;
	p->pos = TMPL_MAX;	/* no VMA is open: tmpl_field stays out */
	if (v->field[VMA_SIZE] < 0 && !p->rollup) {
		uint64_t size = v->end - v->start;

		/* No user address space spans 2^63 bytes: such a range stays unknown. */
		if (size <= (uint64_t)INT64_MAX)
			v->field[VMA_SIZE] = (int64_t)size;
	}
	v->path = buf_str(&p->path);
	v->vmflags = v->vmflags != NULL ? buf_str(&p->vmflags) : NULL;
	p->count++;
	return p->emit(p->ctx, v, d);
}

static int
bad_header(struct diag *d, uint64_t lineno, const char *what, const char *s, size_t n,
	   const char *expect)
{
	return diag_fail(d, DIAG_FORMAT, lineno, "bad %s \"%.*s\" (expected %s)", what, QLEN(n), s,
			 expect);
}

/* Length of the whitespace-delimited token at s[i..n). */
static inline size_t
token_len(const char *s, size_t n, size_t i)
{
	size_t j = i;

	while (j < n && !is_space((unsigned char)s[j]))
		j++;
	return j - i;
}

/* 1 if s[i] ends a token: the end of the line or a blank. */
static inline int
token_end(const char *s, size_t n, size_t i)
{
	return i == n || is_space((unsigned char)s[i]);
}

/*
 * A header line, "START-END PERMS OFFSET MAJOR:MINOR INODE PATH". Each
 * token is scanned once; its length is only counted to quote it in an error.
 */
static int
parse_header(struct smaps_parser *p, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	uint64_t start, end, offset, inode = 0, major, minor;
	size_t i = 0, offset_at, dev_at, dev_len, path_at, inode_at;
	const char *nul;
	char perms[5];
	struct vma *v;

	if (scan_hex(s, n, &i, &start) != 0 || i >= n || s[i] != '-')
		return bad_header(d, lineno, "address range", s, token_len(s, n, 0), "hex START-END");
	i++;
	if (scan_hex(s, n, &i, &end) != 0 || !token_end(s, n, i))
		return bad_header(d, lineno, "address range", s, token_len(s, n, 0), "hex START-END");
	if (start > end)
		return bad_header(d, lineno, "address range", s, i, "START <= END");
	/* the kernel lists each VMA once, in address order: another would count its pages twice */
	if (p->have_prev && start < p->prev_end)
		return diag_fail(d, DIAG_FORMAT, lineno,
				 "VMA \"%.*s\" overlaps or comes before the VMA at line %llu, which ends"
				 " at %llx (expected VMAs in address order, each once)",
				 QLEN(i), s, (unsigned long long)p->prev_line,
				 (unsigned long long)p->prev_end);
	i = skip_blanks(s, i, n);
	if (n - i < 4 || (s[i] != 'r' && s[i] != '-') || (s[i + 1] != 'w' && s[i + 1] != '-') ||
	    (s[i + 2] != 'x' && s[i + 2] != '-') || (s[i + 3] != 'p' && s[i + 3] != 's') ||
	    !token_end(s, n, i + 4))
		return bad_header(d, lineno, "permissions", s + i, token_len(s, n, i), "like rw-p");
	memcpy(perms, s + i, 4);
	perms[4] = '\0';
	i += 4;
	i = skip_blanks(s, i, n);
	offset_at = i;
	if (scan_hex(s, n, &i, &offset) != 0 || !token_end(s, n, i))
		return bad_header(d, lineno, "offset", s + offset_at, token_len(s, n, offset_at),
				  "hex");
	i = skip_blanks(s, i, n);
	dev_at = i;
	if (scan_hex(s, n, &i, &major) != 0 || i >= n || s[i] != ':')
		return bad_header(d, lineno, "device", s + dev_at, token_len(s, n, dev_at),
				  "hex MAJOR:MINOR");
	i++;
	if (scan_hex(s, n, &i, &minor) != 0 || !token_end(s, n, i) ||
	    i - dev_at >= sizeof(v->dev))
		return bad_header(d, lineno, "device", s + dev_at, token_len(s, n, dev_at),
				  "hex MAJOR:MINOR");
	dev_len = i - dev_at;
	i = skip_blanks(s, i, n);
	inode_at = i;
	for (; i < n && !is_space((unsigned char)s[i]); i++) {
		unsigned dg = (unsigned char)s[i] - '0';

		if (dg > 9 || i - inode_at >= 20 || __builtin_mul_overflow(inode, 10, &inode) ||
		    __builtin_add_overflow(inode, dg, &inode))
			return bad_header(d, lineno, "inode", s + inode_at,
					  token_len(s, n, inode_at), "a decimal number");
	}
	if (i == inode_at)
		return bad_header(d, lineno, "inode", s + i, 0, "a decimal number");
	i = skip_blanks(s, i, n);
	path_at = i;
	/* the kernel never prints a NUL: a path holding one would be cut short wherever it is read */
	nul = memchr(s + path_at, '\0', n - path_at);
	if (nul != NULL)
		return diag_fail(d, DIAG_FORMAT, lineno,
				 "NUL byte in the path at column %zu (expected text)",
				 (size_t)(nul - s) + 1);

	/* The header is good: the previous VMA is complete. */
	if (flush(p, d) != 0)
		return -1;
	if (p->count >= p->lim->vmas) {
		diag_fail(d, DIAG_LIMIT, lineno, "more than %llu VMAs (limit vmas)",
			  (unsigned long long)p->lim->vmas);
		diag_hint(d, "raise it with --limit vmas=N if the input is genuine");
		return -1;
	}
	p->have_prev = 1;
	p->prev_end = end;
	p->prev_line = lineno;
	v = &p->cur;
	v->start = start;
	v->end = end;
	v->offset = offset;
	v->inode = inode;
	memcpy(v->perms, perms, sizeof(perms));
	memcpy(v->dev, s + dev_at, dev_len);
	v->dev[dev_len] = '\0';
	memcpy(v->field, absent_fields, sizeof(v->field));
	v->vmflags = NULL;
	v->unknown_fields = 0;
	v->line = lineno;
	buf_reset(&p->path);
	buf_add(&p->path, s + path_at, n - path_at);
	v->path = NULL;
	v->path_len = n - path_at;
	p->pending = 1;
	p->pos = p->tmpl_ok ? 0 : TMPL_MAX;
	if (p->maps_only)
		return flush(p, d);
	return 0;
}

/* Any field line, with every check and message; the hot path falls back to it. */
static __attribute__((noinline)) int
parse_field(struct smaps_parser *p, const char *s, size_t n, size_t name_len, int f,
	    uint64_t lineno, struct diag *d)
{
	struct vma *v = &p->cur;
	size_t i = name_len + 1, digits_at, ndigits;
	uint64_t num = 0;
	unsigned dg;

	if (__builtin_expect(!p->pending, 0)) {
		if (p->maps_only)
			return diag_fail(d, DIAG_FORMAT, lineno,
					 "field \"%.*s\" in a maps file (expected a VMA header)",
					 QLEN(name_len), s);
		return diag_fail(d, DIAG_FORMAT, lineno,
				 "field \"%.*s\" before any VMA header (expected START-END PERMS ...)",
				 QLEN(name_len), s);
	}
	i = skip_blanks(s, i, n);
	if (__builtin_expect(f < 0, 0)) {
		/* A field this kernel added after us: tolerated, counted. */
		if (v->unknown_fields < UINT32_MAX)
			v->unknown_fields++;
		return 0;
	}
	if (f == SMAPS_FIELD_VMFLAGS) {
		if (v->vmflags != NULL)
			return diag_fail(d, DIAG_FORMAT, lineno,
					 "duplicate field \"VmFlags\" (expected one per VMA)");
		buf_reset(&p->vmflags_line);
		buf_add(&p->vmflags_line, s, n);
		while (n > i && is_space((unsigned char)s[n - 1]))
			n--;
		if (memchr(s + i, '\0', n - i) != NULL) {
			buf_reset(&p->vmflags_line);
			return diag_fail(d, DIAG_FORMAT, lineno, "NUL byte in VmFlags (expected text)");
		}
		buf_reset(&p->vmflags);
		buf_add(&p->vmflags, s + i, n - i);
		v->vmflags = "";	/* marks it present; pointed at the buf in flush */
		return 0;
	}
	digits_at = i;
	/* No overflow is possible in 19 digits; longer runs are checked below. */
	while (i < n && (dg = (unsigned char)s[i] - '0') < 10) {
		num = num * 10 + dg;
		i++;
	}
	ndigits = i - digits_at;
	if (ndigits == 0)
		goto bad;
	if (ndigits > 19 && num_parse_u64(s + digits_at, ndigits, &num) != 0)
		goto overflow;
	while (i < n && is_space((unsigned char)s[i]))
		i++;
	if (!plain[f]) {
		if (n - i < 2 || s[i] != 'k' || s[i + 1] != 'B')
			goto bad;
		i += 2;
		if (__builtin_mul_overflow(num, 1024, &num))
			goto overflow;
		while (i < n && is_space((unsigned char)s[i]))
			i++;
	}
	if (i != n)
		goto bad;
	if (num > (uint64_t)INT64_MAX)
		goto overflow;
	if (__builtin_expect(v->field[f] >= 0, 0))
		return diag_fail(d, DIAG_FORMAT, lineno,
				 "duplicate field \"%s\" (expected one per VMA)", vma_field_name(f));
	v->field[f] = (int64_t)num;
	return 0;
overflow:
	return diag_fail(d, DIAG_FORMAT, lineno, "%s \"%.*s\": value overflows 64 bits",
			 vma_field_name(f), QLEN(n - digits_at), s + digits_at);
bad:
	return diag_fail(d, DIAG_FORMAT, lineno, "bad %s value \"%.*s\" (expected %s)",
			 vma_field_name(f), QLEN(n - digits_at), s + digits_at,
			 plain[f] ? "a decimal number" : "N kB");
}

/*
 * The line as the kernel prints it: "Name:", blanks, up to 19 digits, then
 * " kB" (or nothing for the plain fields) ending the line, a value that
 * fits and a field not seen yet. Stores it and returns 1; anything else
 * returns 0 and parse_field decides, with its message.
 */
static inline __attribute__((always_inline)) int
fast_field(struct smaps_parser *p, const char *s, size_t n, size_t name_len, int f)
{
	size_t i = skip_blanks(s, name_len + 1, n), digits_at = i;
	uint64_t num = 0;
	unsigned dg;

	while (i < n && (dg = (unsigned char)s[i] - '0') < 10) {
		num = num * 10 + dg;
		i++;
	}
	if (i == digits_at || i - digits_at > 18 || p->cur.field[f] >= 0)
		return 0;
	if (!plain[f]) {
		if (n - i != 3 || s[i] != ' ' || s[i + 1] != 'k' || s[i + 2] != 'B' ||
		    num > (uint64_t)INT64_MAX / 1024)
			return 0;
		num *= 1024;
	} else if (i != n) {
		return 0;
	}
	p->cur.field[f] = (int64_t)num;
	return 1;
}


/*
 * The line exactly as the kernel prints a field: the name and blanks filling
 * 16 columns, the number right-aligned in 8, then " kB" (27 bytes) or, for
 * the plain fields, nothing (24 bytes).
 * colon is where colon_in_16 found the ':' (1..15). Stores the value and
 * returns 1, or 0 for fast_field to decide.
 */
static inline __attribute__((always_inline)) int
kernel_field(struct smaps_parser *p, const char *s, size_t n, size_t colon, int f)
{
	uint64_t a, b, blanks_a, blanks_b, num;
	struct tmpl *t;

	if (p->cur.field[f] >= 0 ||
	    (plain[f] ? n != 24 : n != 27 || memcmp(s + 24, " kB", 3) != 0))
		return 0;
	/* columns colon+1 .. 15 are spaces */
	a = smaps_le64(s);
	b = smaps_le64(s + 8);
	colon++;
	blanks_a = colon >= 8 ? 0 : ~0ull << (8 * colon);
	blanks_b = colon <= 8 ? ~0ull : colon >= 16 ? 0 : ~0ull << (8 * (colon - 8));
	if (((a ^ 0x2020202020202020ull) & blanks_a) != 0 ||
	    ((b ^ 0x2020202020202020ull) & blanks_b) != 0 || !smaps_padded8(s + 16, &num))
		return 0;
	p->cur.field[f] = (int64_t)(plain[f] ? num : num * 1024);
	if (p->pos - 1 < TMPL_MAX) {
		/* remember the line for the VMAs after this one (see struct tmpl) */
		t = &p->tmpl[p->pos - 1];
		memcpy(&t->w0, s, 8);
		memcpy(&t->w1, s + 8, 8);
		memcpy(&t->raw, s + 16, 8);
		t->bytes = p->cur.field[f];
		t->field = f;
		t->len = (unsigned)n;
	}
	return 1;
}

/*
 * A 27- or 24-byte line the same as the one remembered at its place after
 * the header but for the number (see struct tmpl): stored, returns 1. 0 for
 * anything else, with nothing changed: parse_line decides.
 */
static inline __attribute__((always_inline)) int
tmpl_field(struct smaps_parser *p, const char *s, size_t n)
{
	struct tmpl *t;
	uint64_t a, b, raw, num;

	if (p->pos >= TMPL_MAX)	/* also when no VMA is open (see struct smaps_parser) */
		return 0;
	t = &p->tmpl[p->pos];
	memcpy(&a, s, 8);
	memcpy(&b, s + 8, 8);
	memcpy(&raw, s + 16, 8);
	if (a != t->w0 || b != t->w1 || n != t->len || (n == 27 && memcmp(s + 24, " kB", 3) != 0) ||
	    p->cur.field[t->field] >= 0)
		return 0;
	if (raw != t->raw) {
		if (!smaps_padded8(s + 16, &num))
			return 0;
		t->raw = raw;
		t->bytes = (int64_t)(n == 24 ? num : num * 1024);
	}
	p->cur.field[t->field] = t->bytes;
	p->pos++;
	return 1;
}

/*
 * 1 if the line at s may be the one the template remembers at its place:
 * its '\n' is where that line's would be (and 28 bytes can be read).
 */
static inline __attribute__((always_inline)) int
tmpl_ready(const struct smaps_parser *p, const char *s, const char *end)
{
	unsigned len;

	if (p->pos >= TMPL_MAX || end - s < 28)
		return 0;
	len = p->tmpl[p->pos].len;
	return len != 0 && s[len] == '\n';
}

/* Take the lines at s tmpl_field takes, one after another; returns where it stopped. */
static inline __attribute__((always_inline)) const char *
tmpl_run(struct smaps_parser *p, const char *s, const char *end)
{
	do {
		unsigned len = p->tmpl[p->pos].len;

		if (!tmpl_field(p, s, len))
			break;
		p->lineno++;
		s += len + 1;
	} while (tmpl_ready(p, s, end));
	return s;
}

/* Any line but those tmpl_field takes. */
static __attribute__((noinline)) int
parse_line(struct smaps_parser *p, const char *s, size_t n, uint64_t lineno, struct diag *d)
{
	uint64_t w0, w1 = 0;
	size_t i, t;
	unsigned c;

	p->pos++;	/* a header sets it back to 0 */

	if (__builtin_expect(n > p->lim->line_bytes, 0)) {
		diag_fail(d, DIAG_LIMIT, lineno, "line longer than %llu bytes (limit line_bytes)",
			  (unsigned long long)p->lim->line_bytes);
		diag_hint(d, "raise it with --limit line_bytes=N if the input is genuine");
		return -1;
	}
	if (n == 0)
		return 0;	/* smaps_rollup as some tools save it ends in a blank line */
	/*
	 * A field is "Name:" with Name of letters, digits and '_'; it starts
	 * with a capital letter in every kernel. A header's first token holds
	 * '-' (or is all hex: a range missing its '-'). Anything else is neither.
	 * The name is packed into w0, w1 as it is scanned (see field_by_words).
	 */
	c = (unsigned char)s[0];
	if (n >= 16 && c - 'A' < 26) {
		/* Fast path: the kernel pads names to 16 columns. */
		size_t colon = smaps_field_colon(s, &w0, &w1);
		int f;

		if (colon > 0 && (f = smaps_field_by_words(w0, w1)) >= 0) {
			if (f < VMA_NFIELDS && p->pending &&
			    (kernel_field(p, s, n, colon, f) || fast_field(p, s, n, colon, f)))
				return 0;
			return parse_field(p, s, n, colon, f, lineno, d);
		}
		w1 = 0;
	}
	if (c - 'A' < 26) {
		w0 = c;
		for (i = 1; i < n; i++) {
			c = (unsigned char)s[i];
			if (!smaps_field_char(c))
				break;
			if (i < 8)
				w0 |= (uint64_t)c << (8 * i);
			else if (i < 16)
				w1 |= (uint64_t)c << (8 * (i - 8));
		}
		if (i < n && c == ':')
			return parse_field(p, s, n, i, i < 16 ? smaps_field_by_words(w0, w1) : -1, lineno,
					   d);
	}
	/* the usual header: hex digits, then the range's '-' */
	for (i = 0; i < n && hex_digit((unsigned char)s[i]) >= 0; i++)
		;
	if (i < n && s[i] == '-')
		return parse_header(p, s, n, lineno, d);
	t = token_len(s, n, 0);
	if (t == 0)
		goto neither;
	if (memchr(s, '-', t) != NULL)
		return parse_header(p, s, n, lineno, d);
	for (i = 0; i < t; i++)
		if (hex_digit((unsigned char)s[i]) < 0)
			goto neither;
	return parse_header(p, s, n, lineno, d);
neither:
	return diag_fail(d, DIAG_FORMAT, lineno,
			 "unrecognised line \"%.*s\" (expected a VMA header or \"Name: value\")",
			 QLEN(n), s);
}

int
smaps_parser_line(struct smaps_parser *p, const char *line, size_t len, uint64_t lineno,
		  struct diag *d)
{
	return parse_line(p, line, len, lineno, d);
}

/* Hand line [s, e) to the parser, dropping a '\r' before its end as core/lines.c does. */
static inline __attribute__((always_inline)) int
deliver(struct smaps_parser *p, const char *s, const char *e, uint64_t lineno, struct diag *d)
{
	size_t n = (size_t)(e - s);

	if (n > 0 && s[n - 1] == '\r')
		n--;
	if ((n == 27 || n == 24) && tmpl_field(p, s, n))
		return 0;
	/* the VmFlags line of the VMA before, byte for byte: the flags parse_field kept */
	if (n == p->vmflags_line.len && n > 0 && p->pending && p->cur.vmflags == NULL &&
	    memcmp(s, p->vmflags_line.data, n) == 0) {
		p->cur.vmflags = "";
		p->pos++;
		return 0;
	}
	return parse_line(p, s, n, lineno, d);
}

#ifdef __SSE2__
/* Bit i set when b[i] is '\n', for the 64 bytes at b. */
static inline uint64_t
newline_mask(const char *b)
{
	const __m128i nl = _mm_set1_epi8('\n');
	uint64_t m0, m1, m2, m3;

	m0 = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const void *)b), nl));
	m1 = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const void *)(b + 16)), nl));
	m2 = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const void *)(b + 32)), nl));
	m3 = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const void *)(b + 48)), nl));
	return m0 | m1 << 16 | m2 << 32 | m3 << 48;
}
#endif

static int
too_long(struct smaps_parser *p, struct diag *d)
{
	p->failed = 1;
	diag_fail(d, DIAG_LIMIT, p->lineno + 1, "line longer than %llu bytes (limit line_bytes)",
		  (unsigned long long)p->lim->line_bytes);
	diag_hint(d, "raise it with --limit line_bytes=N if the input is genuine");
	return -1;
}

int
smaps_parser_feed(struct smaps_parser *p, const char *data, size_t n, struct diag *d)
{
	const char *line = data, *end = data + n, *q, *e;

	if (p->failed)
		return diag_fail(d, DIAG_FORMAT, p->lineno, "smaps parser fed after an error");
	if (p->partial.len > 0) {
		/* finish the line the last block began */
		e = memchr(data, '\n', n);
		if ((e != NULL ? (size_t)(e - data) : n) > p->lim->line_bytes - p->partial.len)
			return too_long(p, d);
		buf_add(&p->partial, data, e != NULL ? (size_t)(e - data) : n);
		if (e == NULL)
			return 0;
		if (deliver(p, p->partial.data, p->partial.data + p->partial.len, ++p->lineno,
			    d) != 0)
			goto fail;
		buf_reset(&p->partial);
		line = e + 1;
	}
	/*
	 * The lines core/lines.c would deliver, found without a call per line:
	 * smaps lines are short (~30 bytes), and a memchr per line cost a
	 * third of the parse. Line length is capped in parse_line. Runs of
	 * lines the field template knows are taken where they stand, their
	 * '\n' checked at the length the template expects.
	 */
#ifdef __SSE2__
	while ((size_t)(end - line) >= 64) {
		uint64_t m;

		q = line;
		if (tmpl_ready(p, line, end) && (q = tmpl_run(p, line, end)) != line) {
			line = q;
			continue;
		}
		m = newline_mask(q);
		if (m == 0) {
			/* a line of 64 bytes or more (a long path) */
			if ((e = memchr(q + 64, '\n', (size_t)(end - q - 64))) == NULL)
				break;
			if (deliver(p, line, e, ++p->lineno, d) != 0)
				goto fail;
			line = e + 1;
			continue;
		}
		do {
			e = q + __builtin_ctzll(m);
			m &= m - 1;
			if (deliver(p, line, e, ++p->lineno, d) != 0)
				goto fail;
			line = e + 1;
		} while (m != 0 && !tmpl_ready(p, line, end));
	}
#endif
	while (line < end) {
		if (tmpl_ready(p, line, end) && (q = tmpl_run(p, line, end)) != line) {
			line = q;
			continue;
		}
		if ((e = memchr(line, '\n', (size_t)(end - line))) == NULL)
			break;
		if (deliver(p, line, e, ++p->lineno, d) != 0)
			goto fail;
		line = e + 1;
	}
	if (line < end) {
		if ((size_t)(end - line) > p->lim->line_bytes)
			return too_long(p, d);
		buf_add(&p->partial, line, (size_t)(end - line));
	}
	return 0;
fail:
	p->failed = 1;
	return -1;
}

int
smaps_parser_finish(struct smaps_parser *p, struct diag *d)
{
	if (p->partial.len > 0) {
		int rc = deliver(p, p->partial.data, p->partial.data + p->partial.len,
				 ++p->lineno, d);

		buf_reset(&p->partial);
		if (rc != 0)
			return -1;
	}
	return flush(p, d);
}

int
smaps_parse(const char *buf, size_t len, int maps_only, const struct limits *lim,
	    smaps_emit_fn emit, void *ctx, struct diag *d)
{
	struct smaps_parser *p = smaps_parser_new(maps_only, lim, emit, ctx);
	int rc;

	rc = smaps_parser_feed(p, buf, len, d);
	if (rc == 0)
		rc = smaps_parser_finish(p, d);
	smaps_parser_free(p);
	return rc;
}
