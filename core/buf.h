/*
 * A growable byte buffer that is always NUL-terminated.
 * Invariant: data[len] == '\0' and len < cap whenever data != NULL; an
 * initialised empty buf has data == NULL, len == 0 and buf_str() returns "".
 * Bytes may include NULs; buf_str() is only meaningful for text.
 */
#ifndef RSSGAP_BUF_H
#define RSSGAP_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

/* Make b empty without allocating. */
void buf_init(struct buf *b);
/* Free b's storage and make it empty. */
void buf_release(struct buf *b);
/* Drop the contents, keep the storage. */
void buf_reset(struct buf *b);
/* Make room for n more bytes. */
void buf_grow(struct buf *b, size_t n);
/* Append n bytes. */
void buf_add(struct buf *b, const void *p, size_t n);
/* Append a NUL-terminated string. */
void buf_puts(struct buf *b, const char *s);
/* Append one byte. */
void buf_putc(struct buf *b, int c);
/* Append printf-formatted text. */
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append vprintf-formatted text. */
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* The contents as a string ("" when empty); lent until the next change. */
const char *buf_str(const struct buf *b);
/* Hand the storage to the caller (never NULL) and make b empty. */
char *buf_detach(struct buf *b, size_t *len);

#endif
