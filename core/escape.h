/*
 * Escaping of untrusted text (it comes from bundles) for each place it can
 * reach. Every function appends to a buf and never fails; invalid UTF-8 and
 * control characters are always made visible, never passed through; so are
 * the Unicode controls that reorder text (bidi embeddings, overrides and
 * isolates, LRM/RLM/ALM) and the line/paragraph separators U+2028/U+2029.
 */
#ifndef RSSGAP_ESCAPE_H
#define RSSGAP_ESCAPE_H

#include <stddef.h>

#include "core/buf.h"

/* Terminal: control bytes, DEL and invalid UTF-8 as \xHH, bidi controls as \uHHHH; backslash doubled. */
void escape_term(struct buf *out, const char *s, size_t n);
/* JSON string body (no quotes): RFC 8259 escapes (bidi controls too), invalid UTF-8 as U+FFFD. */
void escape_json(struct buf *out, const char *s, size_t n);
/* XML/SVG text or attribute: &amp; &lt; &gt; &quot; &apos;, controls dropped. */
void escape_xml(struct buf *out, const char *s, size_t n);
/* Markdown table cell / inline text: HTML and Markdown specials backslashed or entity-coded. */
void escape_md(struct buf *out, const char *s, size_t n);
/*
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or
 * LF, quotes doubled; a cell a spreadsheet would run as a formula (it
 * starts with = + - @, a tab or CR and is not a number) gets a leading '
 * inside quotes. NULL (SQL NULL, unknown) appends nothing: an empty field.
 */
void escape_csv(struct buf *out, const char *s);
/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid or truncated. */
size_t utf8_seq_len(const unsigned char *s, size_t n);
/* 1 if all n bytes are valid UTF-8 with no C0 control characters but tab. */
int utf8_clean(const char *s, size_t n);

#endif
