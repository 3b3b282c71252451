/* core/: buf, escape, num, lines, limits. Hand-written inputs pin single edge cases. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/escape.h"
#include "core/limits.h"
#include "core/lines.h"
#include "core/num.h"

static void
test_buf(void **state)
{
	struct buf b = BUF_INIT;
	char *p;
	size_t n;

	(void)state;
	assert_string_equal(buf_str(&b), "");
	buf_puts(&b, "rss ");
	buf_printf(&b, "%d kB", 29948);
	buf_putc(&b, '!');
	assert_string_equal(buf_str(&b), "rss 29948 kB!");
	assert_int_equal(b.len, 13);
	buf_reset(&b);
	assert_string_equal(buf_str(&b), "");
	buf_add(&b, "a\0b", 3);
	assert_int_equal(b.len, 3);
	p = buf_detach(&b, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(p, "a\0b", 3);
	assert_null(b.data);
	free(p);
}

static void
test_escape(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	escape_term(&b, "a\x1b[31m\xff\\", 8);
	assert_string_equal(buf_str(&b), "a\\x1b[31m\\xff\\\\");
	buf_reset(&b);
	escape_json(&b, "\"<\n\xc3\xa9\xff", 6);
	assert_string_equal(buf_str(&b), "\\\"<\\n\xc3\xa9\\ufffd");
	buf_reset(&b);
	escape_xml(&b, "<script>&'\"", 11);
	assert_string_equal(buf_str(&b), "&lt;script&gt;&amp;&apos;&quot;");
	buf_reset(&b);
	escape_md(&b, "a|b*<x>", 7);
	assert_string_equal(buf_str(&b), "a\\|b\\*&lt;x&gt;");
	/* U+202E (RIGHT-TO-LEFT OVERRIDE) shows "abc\u202edcba" as "abcabcd"; U+2066 isolates */
	buf_reset(&b);
	escape_term(&b, "abc\xe2\x80\xae" "dcba \xe2\x81\xa6x \xd8\x9c", 18);
	assert_string_equal(buf_str(&b), "abc\\u202edcba \\u2066x \\u061c");
	buf_reset(&b);
	escape_json(&b, "abc\xe2\x80\xae" "dcba", 10);
	assert_string_equal(buf_str(&b), "abc\\u202edcba");
	buf_reset(&b);
	escape_xml(&b, "abc\xe2\x80\xae" "dcba", 10);
	assert_string_equal(buf_str(&b), "abc?dcba");
	buf_reset(&b);
	escape_md(&b, "abc\xe2\x80\xae" "dcba", 10);
	assert_string_equal(buf_str(&b), "abc dcba");
	buf_reset(&b);
	escape_term(&b, "\xe2\x80\x94 \xc3\xa9", 6);	/* an em dash and an e acute pass */
	assert_string_equal(buf_str(&b), "\xe2\x80\x94 \xc3\xa9");
	assert_true(utf8_clean("snap/proc/smaps", 15));
	assert_false(utf8_clean("snap/\xff", 6));
	assert_false(utf8_clean("\xed\xa0\x80", 3));	/* a UTF-16 surrogate */
	assert_false(utf8_clean("a\nb", 3));
	buf_release(&b);
}

static void
test_num(void **state)
{
	uint64_t u;
	int64_t i;
	double f;
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(num_parse_u64("18446744073709551615", 20, &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(num_parse_u64("18446744073709551616", 20, &u), -1);
	assert_int_equal(num_parse_u64("99999999999999999999", 20, &u), -1);
	assert_int_equal(num_parse_u64("12a", 3, &u), -1);
	assert_int_equal(num_parse_hex("ffffffffff600000", 16, &u), 0);
	assert_true(u == 0xffffffffff600000ull);
	assert_int_equal(num_parse_hex("10000000000000000", 17, &u), -1);
	assert_int_equal(num_parse_i64("-9223372036854775808", 20, &i), 0);
	assert_true(i == INT64_MIN);
	assert_int_equal(num_parse_i64("9223372036854775808", 19, &i), -1);
	assert_int_equal(num_parse_double("+Inf", 4, &f), 0);
	assert_true(isinf(f) && f > 0);
	assert_int_equal(num_parse_double("NaN", 3, &f), 0);
	assert_true(isnan(f));
	assert_int_equal(num_parse_double("1.2345e+07", 10, &f), 0);
	assert_true(f == 12345000.0);
	/* sizes: what num_human prints reads back, and what people type */
	assert_int_equal(num_parse_size("8MiB", 4, &u), 0);
	assert_true(u == 8ull << 20);
	assert_int_equal(num_parse_size("8 MiB", 5, &u), 0);
	assert_true(u == 8ull << 20);
	assert_int_equal(num_parse_size("512KiB", 6, &u), 0);
	assert_true(u == 512ull << 10);
	assert_int_equal(num_parse_size("1G", 2, &u), 0);
	assert_true(u == 1ull << 30);
	assert_int_equal(num_parse_size("1g", 2, &u), 0);
	assert_true(u == 1ull << 30);
	assert_int_equal(num_parse_size("1Gi", 3, &u), 0);
	assert_true(u == 1ull << 30);
	assert_int_equal(num_parse_size("1GB", 3, &u), 0);
	assert_true(u == 1000000000ull);
	assert_int_equal(num_parse_size("8388608", 7, &u), 0);
	assert_true(u == 8388608);
	assert_int_equal(num_parse_size("0", 1, &u), 0);
	assert_true(u == 0);
	assert_int_equal(num_parse_size("512 B", 5, &u), 0);
	assert_true(u == 512);
	assert_int_equal(num_parse_size("1.5 KiB", 7, &u), 0);
	assert_true(u == 1536);
	assert_int_equal(num_parse_size("101.3 MiB", 9, &u), 0);
	assert_true(u == 106220749);	/* 101.3 * 2^20 = 106220748.8, to the nearest byte */
	assert_int_equal(num_parse_size("16777215TiB", 11, &u), 0);
	assert_true(u == 16777215ull << 40);
	assert_int_equal(num_parse_size("16777216TiB", 11, &u), -1);	/* 2^64 */
	assert_int_equal(num_parse_size("18446744073709551615", 20, &u), 0);
	assert_int_equal(num_parse_size("1.5", 3, &u), -1);	/* a fraction of a byte */
	assert_int_equal(num_parse_size("1.5B", 4, &u), -1);
	assert_int_equal(num_parse_size("", 0, &u), -1);
	assert_int_equal(num_parse_size("MiB", 3, &u), -1);
	assert_int_equal(num_parse_size("-1", 2, &u), -1);
	assert_int_equal(num_parse_size("1.MiB", 5, &u), -1);
	assert_int_equal(num_parse_size("8 MiB ", 6, &u), -1);
	assert_int_equal(num_parse_size("8 PiB", 5, &u), -1);
	assert_int_equal(num_parse_size("8XiB", 4, &u), -1);
	assert_int_equal(num_kib_to_bytes(29948, &u), 0);
	assert_true(u == 29948ull * 1024);
	assert_int_equal(num_kib_to_bytes(UINT64_MAX / 1000, &u), -1);
	num_human(&b, 1.26 * 1024 * 1024 * 1024);
	assert_string_equal(buf_str(&b), "1.26 GiB");
	buf_reset(&b);
	num_human(&b, 101.3 * 1024 * 1024);
	assert_string_equal(buf_str(&b), "101.3 MiB");
	buf_reset(&b);
	num_human_delta(&b, 512);
	assert_string_equal(buf_str(&b), "+512 B");
	buf_reset(&b);
	num_human_delta(&b, -2048);
	assert_string_equal(buf_str(&b), "-2.00 KiB");
	buf_release(&b);
}

struct collected {
	int n;
	char last[64];
	uint64_t last_no;
};

static int
collect(void *ctx, const char *line, size_t len, uint64_t lineno, struct diag *d)
{
	struct collected *c = ctx;

	(void)d;
	c->n++;
	snprintf(c->last, sizeof(c->last), "%.*s", (int)len, line);
	c->last_no = lineno;
	return 0;
}

static void
test_lines(void **state)
{
	struct collected c = { 0, "", 0 };
	struct lines l;
	struct diag d;

	(void)state;
	diag_clear(&d);
	/* a line split across feeds, CRLF, and a last line without newline */
	lines_init(&l, 64, collect, &c);
	assert_int_equal(lines_feed(&l, "Rss:  4", 7, &d), 0);
	assert_int_equal(lines_feed(&l, " kB\r\nPss: 2 kB\nSwap: 0", 22, &d), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.last, "Pss: 2 kB");
	assert_int_equal(lines_finish(&l, &d), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.last, "Swap: 0");
	assert_int_equal(c.last_no, 3);
	lines_release(&l);
	/* the cap, whether the long line arrives whole or in pieces */
	assert_int_equal(lines_each("short\nthis line is longer than sixteen\n", 39, 16, collect, &c, &d), -1);
	assert_int_equal(d.kind, DIAG_LIMIT);
	assert_int_equal(d.line, 2);
	lines_init(&l, 16, collect, &c);
	assert_int_equal(lines_feed(&l, "0123456789", 10, &d), 0);
	assert_int_equal(lines_feed(&l, "0123456789", 10, &d), -1);
	lines_release(&l);
}

static void
test_limits(void **state)
{
	struct limits l;

	(void)state;
	limits_default(&l);
	assert_true(l.member_bytes == 256ull * 1024 * 1024);
	assert_true(l.inflated_bytes == 4ull * 1024 * 1024 * 1024);
	assert_true(l.vmas == 1000000);
	assert_int_equal(limits_set(&l, "vmas=70000"), 0);
	assert_true(l.vmas == 70000);
	assert_int_equal(limits_set(&l, "nosuch=1"), -1);
	assert_int_equal(limits_set(&l, "vmas=-1"), -1);
	assert_int_equal(limits_set(&l, "vmas"), -1);
	assert_int_equal(limits_set(&l, "member_bytes=512MiB"), 0);
	assert_true(l.member_bytes == 512ull << 20);
	assert_int_equal(limits_set(&l, "line_bytes=1 KiB"), 0);
	assert_true(l.line_bytes == 1024);
	assert_int_equal(limits_set(&l, "vmas=1M"), -1);	/* a count is a plain number */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_num),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
