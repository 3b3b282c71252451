#include "core/num.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int
num_parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9)
			return -1;
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d, &v))
			return -1;
	}
	*out = v;
	return 0;
}

int
num_parse_hex(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 16)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned c = (unsigned char)s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = (v << 4) | d;
	}
	*out = v;
	return 0;
}

int
num_parse_i64(const char *s, size_t n, int64_t *out)
{
	uint64_t v;
	int neg = 0;

	if (n > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		s++;
		n--;
	}
	if (num_parse_u64(s, n, &v) != 0)
		return -1;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -1;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > (uint64_t)INT64_MAX)
			return -1;
		*out = (int64_t)v;
	}
	return 0;
}

int
num_parse_double(const char *s, size_t n, double *out)
{
	char tmp[64], *end;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (strcmp(tmp, "NaN") == 0) {
		*out = NAN;
		return 0;
	}
	if (strcmp(tmp, "+Inf") == 0 || strcmp(tmp, "Inf") == 0) {
		*out = INFINITY;
		return 0;
	}
	if (strcmp(tmp, "-Inf") == 0) {
		*out = -INFINITY;
		return 0;
	}
	*out = strtod(tmp, &end);
	if (end != tmp + n)
		return -1;
	return 0;
}

int
num_kib_to_bytes(uint64_t kib, uint64_t *out)
{
	return __builtin_mul_overflow(kib, 1024, out) ? -1 : 0;
}

void
num_human(struct buf *out, double bytes)
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = fabs(bytes);
	int u = 0;

	if (isnan(bytes)) {
		buf_puts(out, "n/a");
		return;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (bytes < 0)
		buf_putc(out, '-');
	if (u == 0)
		buf_printf(out, "%.0f B", v);
	else if (v >= 100)
		buf_printf(out, "%.1f %s", v, units[u]);
	else if (v >= 10)
		buf_printf(out, "%.1f %s", v, units[u]);
	else
		buf_printf(out, "%.2f %s", v, units[u]);
}

void
num_human_delta(struct buf *out, double bytes)
{
	if (bytes > 0)
		buf_putc(out, '+');
	num_human(out, bytes);
}

void
num_bytes(struct buf *out, int64_t bytes)
{
	num_human(out, (double)bytes);
}

void
num_bytes_delta(struct buf *out, int64_t bytes)
{
	num_human_delta(out, (double)bytes);
}
