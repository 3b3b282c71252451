/* Allocation that cannot fail (it aborts with a message) and overflow-checked sizes. */
#ifndef RSSGAP_XALLOC_H
#define RSSGAP_XALLOC_H

#include <stddef.h>
#include <stdint.h>

/* Allocate n bytes or abort; never returns NULL. */
void *xmalloc(size_t n);
/* Allocate n zeroed elements of size sz or abort (the product is checked). */
void *xcalloc(size_t n, size_t sz);
/* Resize p to n bytes or abort. */
void *xrealloc(void *p, size_t n);
/* Resize p to n elements of sz bytes or abort (the product is checked). */
void *xreallocarray(void *p, size_t n, size_t sz);
/* Copy a NUL-terminated string or abort. */
char *xstrdup(const char *s);
/* Copy n bytes of s and NUL-terminate them, or abort. */
char *xstrndup(const char *s, size_t n);
/* Print "rssgap: fatal: ..." and abort: for impossible states, not bad input. */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* a + b, aborting on overflow (for sizes computed from trusted bounds). */
size_t size_add(size_t a, size_t b);
/* a * b, aborting on overflow. */
size_t size_mul(size_t a, size_t b);

#endif
