#include "core/diag.h"

#include <stdarg.h>
#include <string.h>

#include "core/buf.h"
#include "core/escape.h"

void
diag_clear(struct diag *d)
{
	memset(d, 0, sizeof(*d));
	d->offset = -1;
}

static void
copy_field(char *dst, size_t cap, const char *src)
{
	size_t n;

	if (src == NULL)
		src = "";
	n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void
diag_where(struct diag *d, const char *bundle, const char *member)
{
	if (bundle != NULL)
		copy_field(d->bundle, sizeof(d->bundle), bundle);
	copy_field(d->member, sizeof(d->member), member);
}

static void
set_message(struct diag *d, enum diag_kind kind, const char *fmt, va_list ap)
{
	d->kind = kind;
	d->hint[0] = '\0';
	vsnprintf(d->message, sizeof(d->message), fmt, ap);
}

int
diag_fail(struct diag *d, enum diag_kind kind, uint64_t line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_message(d, kind, fmt, ap);
	va_end(ap);
	d->line = line;
	d->offset = -1;
	return -1;
}

int
diag_fail_at(struct diag *d, enum diag_kind kind, int64_t offset, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_message(d, kind, fmt, ap);
	va_end(ap);
	d->line = 0;
	d->offset = offset;
	return -1;
}

void
diag_hint(struct diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->hint, sizeof(d->hint), fmt, ap);
	va_end(ap);
}

void
diag_print(const struct diag *d, FILE *f)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "rssgap: ");
	if (d->bundle[0] != '\0') {
		escape_term(&b, d->bundle, strlen(d->bundle));
		buf_putc(&b, ':');
	}
	if (d->member[0] != '\0') {
		escape_term(&b, d->member, strlen(d->member));
		buf_putc(&b, ':');
	}
	if (d->line != 0)
		buf_printf(&b, "%llu:", (unsigned long long)d->line);
	else if (d->offset >= 0)
		buf_printf(&b, "byte %lld:", (long long)d->offset);
	if (b.len > 8)
		buf_putc(&b, ' ');
	escape_term(&b, d->message, strlen(d->message));
	buf_putc(&b, '\n');
	if (d->hint[0] != '\0') {
		buf_puts(&b, "rssgap: hint: ");
		escape_term(&b, d->hint, strlen(d->hint));
		buf_putc(&b, '\n');
	}
	fputs(buf_str(&b), f);
	buf_release(&b);
}

const char *
diag_kind_name(enum diag_kind kind)
{
	switch (kind) {
	case DIAG_NONE: return "none";
	case DIAG_IO: return "io";
	case DIAG_FORMAT: return "format";
	case DIAG_LIMIT: return "limit";
	case DIAG_UNSAFE: return "unsafe";
	case DIAG_MISSING: return "missing";
	case DIAG_DB: return "db";
	case DIAG_USAGE: return "usage";
	}
	return "unknown";
}
