#include "core/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("rssgap: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die("out of memory allocating %zu bytes", n);
	return p;
}

void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (p == NULL)
		die("out of memory allocating %zu x %zu bytes", n, sz);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		die("out of memory reallocating %zu bytes", n);
	return q;
}

void *
xreallocarray(void *p, size_t n, size_t sz)
{
	return xrealloc(p, size_mul(n, sz));
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(size_add(n, 1));

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

size_t
size_add(size_t a, size_t b)
{
	size_t r;

	if (__builtin_add_overflow(a, b, &r))
		die("size overflow: %zu + %zu", a, b);
	return r;
}

size_t
size_mul(size_t a, size_t b)
{
	size_t r;

	if (__builtin_mul_overflow(a, b, &r))
		die("size overflow: %zu * %zu", a, b);
	return r;
}
