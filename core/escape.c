#include "core/escape.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

size_t
utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * The code point of a valid sequence of k bytes at s, when it is one that
 * reorders or hides text (Unicode bidi controls: an override makes
 * "abc\u202edcba" show as "abcabcd"; line and paragraph separators);
 * else 0.
 */
static unsigned
hidden_cp(const unsigned char *s, size_t k)
{
	unsigned cp;

	if (k == 2)
		cp = (s[0] & 0x1fu) << 6 | (s[1] & 0x3fu);
	else if (k == 3)
		cp = (s[0] & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu);
	else
		return 0;
	if (cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069))
		return cp;
	return 0;
}

int
utf8_clean(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (p[i] < 0x20 && p[i] != '\t')
			return 0;
		if (p[i] == 0x7f)
			return 0;
		k = utf8_seq_len(p + i, n - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

void
escape_term(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (p[i] == '\\') {
			buf_puts(out, "\\\\");
			i++;
			continue;
		}
		if (p[i] < 0x20 || p[i] == 0x7f) {
			buf_printf(out, "\\x%02x", p[i]);
			i++;
			continue;
		}
		k = utf8_seq_len(p + i, n - i);
		if (k == 0) {
			buf_printf(out, "\\x%02x", p[i]);
			i++;
			continue;
		}
		/* C1 controls (U+0080..U+009F) can drive terminals too. */
		if (k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) {
			buf_printf(out, "\\x%02x\\x%02x", p[i], p[i + 1]);
			i += 2;
			continue;
		}
		if (hidden_cp(p + i, k) != 0) {
			buf_printf(out, "\\u%04x", hidden_cp(p + i, k));
			i += k;
			continue;
		}
		buf_add(out, p + i, k);
		i += k;
	}
}

void
escape_json(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		unsigned c = p[i];

		switch (c) {
		case '"': buf_puts(out, "\\\""); i++; continue;
		case '\\': buf_puts(out, "\\\\"); i++; continue;
		case '\n': buf_puts(out, "\\n"); i++; continue;
		case '\r': buf_puts(out, "\\r"); i++; continue;
		case '\t': buf_puts(out, "\\t"); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			buf_printf(out, "\\u%04x", c);
			i++;
			continue;
		}
		k = utf8_seq_len(p + i, n - i);
		if (k == 0) {
			buf_puts(out, "\\ufffd");
			i++;
			continue;
		}
		/* the same string to a parser, and no reordering on a terminal */
		if (hidden_cp(p + i, k) != 0) {
			buf_printf(out, "\\u%04x", hidden_cp(p + i, k));
			i += k;
			continue;
		}
		buf_add(out, p + i, k);
		i += k;
	}
}

void
escape_xml(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		switch (p[i]) {
		case '&': buf_puts(out, "&amp;"); i++; continue;
		case '<': buf_puts(out, "&lt;"); i++; continue;
		case '>': buf_puts(out, "&gt;"); i++; continue;
		case '"': buf_puts(out, "&quot;"); i++; continue;
		case '\'': buf_puts(out, "&apos;"); i++; continue;
		default: break;
		}
		if (p[i] < 0x20 || p[i] == 0x7f) {
			buf_putc(out, '?');
			i++;
			continue;
		}
		k = utf8_seq_len(p + i, n - i);
		if (k == 0) {
			buf_puts(out, "\xef\xbf\xbd");
			i++;
			continue;
		}
		if (hidden_cp(p + i, k) != 0) {
			buf_putc(out, '?');
			i += k;
			continue;
		}
		buf_add(out, p + i, k);
		i += k;
	}
}

void
escape_md(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		switch (p[i]) {
		case '&': buf_puts(out, "&amp;"); i++; continue;
		case '<': buf_puts(out, "&lt;"); i++; continue;
		case '>': buf_puts(out, "&gt;"); i++; continue;
		case '|': case '\\': case '`': case '*': case '_': case '[': case ']':
		case '#': case '~': case '!':
			buf_putc(out, '\\');
			buf_putc(out, p[i]);
			i++;
			continue;
		default: break;
		}
		if (p[i] < 0x20 || p[i] == 0x7f) {
			buf_putc(out, ' ');
			i++;
			continue;
		}
		k = utf8_seq_len(p + i, n - i);
		if (k == 0) {
			buf_puts(out, "\xef\xbf\xbd");
			i++;
			continue;
		}
		if (hidden_cp(p + i, k) != 0) {
			buf_putc(out, ' ');
			i += k;
			continue;
		}
		buf_add(out, p + i, k);
		i += k;
	}
}

/* A spreadsheet reads "=...", "+...", "-...", "@..." as a formula; "-12" is a number. */
static int
formula_like(const char *s)
{
	char *end;

	if (strchr("=+-@\t\r", s[0]) == NULL || s[0] == '\0')
		return 0;
	errno = 0;
	(void)strtod(s, &end);
	return end == s || *end != '\0' || errno != 0;
}

void
escape_csv(struct buf *out, const char *s)
{
	int guard;

	if (s == NULL)
		return;
	guard = formula_like(s);
	if (!guard && strpbrk(s, ",\"\r\n") == NULL) {
		buf_puts(out, s);
		return;
	}
	buf_putc(out, '"');
	if (guard)
		buf_putc(out, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			buf_putc(out, '"');
		buf_putc(out, *s);
	}
	buf_putc(out, '"');
}
