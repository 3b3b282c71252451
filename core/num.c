#include "core/num.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* The multiplier of a size unit (case ignored), 0 when u[0..n) is none we know. */
static uint64_t
size_unit(const char *u, size_t n)
{
	static const struct {
		const char *name;
		uint64_t mult;
	} units[] = {
		{ "", 1 }, { "b", 1 },
		{ "k", 1ull << 10 }, { "ki", 1ull << 10 }, { "kib", 1ull << 10 }, { "kb", 1000ull },
		{ "m", 1ull << 20 }, { "mi", 1ull << 20 }, { "mib", 1ull << 20 }, { "mb", 1000000ull },
		{ "g", 1ull << 30 }, { "gi", 1ull << 30 }, { "gib", 1ull << 30 },
		{ "gb", 1000000000ull },
		{ "t", 1ull << 40 }, { "ti", 1ull << 40 }, { "tib", 1ull << 40 },
		{ "tb", 1000000000000ull },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == n && strncasecmp(units[i].name, u, n) == 0)
			return units[i].mult;
	return 0;
}

int
num_parse_size(const char *s, size_t n, uint64_t *out)
{
	size_t i = 0, int_end, frac_start, frac_end;
	uint64_t whole, mult, bytes;
	double frac = 0, scale = 1;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	int_end = i;
	if (num_parse_u64(s, int_end, &whole) != 0)
		return -1;
	frac_start = frac_end = i;
	if (i < n && s[i] == '.') {
		frac_start = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (i - frac_start < 15) {
				scale *= 10;
				frac = frac * 10 + (s[i] - '0');
			}
			i++;
		}
		frac_end = i;
		if (frac_end == frac_start)
			return -1;	/* "1." */
	}
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	mult = size_unit(s + i, n - i);
	if (mult == 0 || (mult == 1 && frac_end > frac_start))
		return -1;	/* no such unit, or a fraction of a byte */
	if (__builtin_mul_overflow(whole, mult, &bytes) ||
	    __builtin_add_overflow(bytes, (uint64_t)llround(frac / scale * (double)mult), &bytes))
		return -1;
	*out = bytes;
	return 0;
}

int
num_kib_to_bytes(uint64_t kib, uint64_t *out)
{
	return __builtin_mul_overflow(kib, 1024, out) ? -1 : 0;
}

int
num_add_i64(int64_t *acc, int64_t v)
{
	return __builtin_add_overflow(*acc, v, acc) ? -1 : 0;
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
num_bytes_or_dash(struct buf *out, int64_t bytes)
{
	if (bytes < 0)
		buf_puts(out, "-");
	else
		num_bytes(out, bytes);
}

void
num_bytes_delta(struct buf *out, int64_t bytes)
{
	num_human_delta(out, (double)bytes);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int
num_parse_utc(const char *s, size_t n, int64_t *unix_seconds)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	uint64_t year, mon, day, hour, min, sec, dim;
	size_t i;

	/* YYYY-MM-DDTHH:MM:SS */
	if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		return -1;
	if (num_parse_u64(s, 4, &year) || num_parse_u64(s + 5, 2, &mon) ||
	    num_parse_u64(s + 8, 2, &day) || num_parse_u64(s + 11, 2, &hour) ||
	    num_parse_u64(s + 14, 2, &min) || num_parse_u64(s + 17, 2, &sec))
		return -1;
	if (mon < 1 || mon > 12 || hour > 23 || min > 59 || sec > 60)
		return -1;
	dim = mdays[mon - 1];
	if (mon == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		dim = 29;
	if (day < 1 || day > dim)
		return -1;
	i = 19;
	if (s[i] == '.') {
		size_t f = ++i;

		while (i < n && (unsigned)((unsigned char)s[i] - '0') <= 9)
			i++;
		if (i == f)
			return -1;
	}
	if (!((n - i == 1 && (s[i] == 'Z' || s[i] == 'z')) ||
	      (n - i == 6 && memcmp(s + i, "+00:00", 6) == 0)))
		return -1;
	*unix_seconds = days_from_civil((int64_t)year, (unsigned)mon, (unsigned)day) * 86400 +
			(int64_t)(hour * 3600 + min * 60 + (sec == 60 ? 59 : sec));
	return 0;
}
