/*
 * smaps text read a word at a time, for the smaps parser (ingest/smaps.c):
 * the lookup of "Name:" (little-endian packing: a name of up to 15 bytes is
 * two words, the bytes after it zero) and numbers eight digits a step. The
 * number readers are inline: they run on nearly every line.
 */
#ifndef RSSGAP_SMAPS_FIELD_H
#define RSSGAP_SMAPS_FIELD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/vma.h"

/* What the lookups return for "VmFlags" (not a numeric field). */
#define SMAPS_FIELD_VMFLAGS VMA_NFIELDS

/* The field whose packed name is w0, w1 (an enum vma_field or SMAPS_FIELD_VMFLAGS), or -1. */
int smaps_field_by_words(uint64_t w0, uint64_t w1);
/*
 * Load s[0..16) (16 bytes must be readable) and find the first ':' in them:
 * its index (0 when absent or first), with *w0, *w1 the packed name before
 * it, for smaps_field_by_words.
 */
size_t smaps_field_colon(const char *s, uint64_t *w0, uint64_t *w1);
/* 1 if c may be in a field name: a letter, a digit or '_'. */
int smaps_field_char(unsigned c);

/* The 8 bytes at s as a little-endian word: byte 0 lowest, whatever the host. */
static inline uint64_t
smaps_le64(const char *s)
{
	uint64_t x;

	memcpy(&x, s, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x;
}

/*
 * 1 if the 8 bytes at s are a number as the kernel pads it ("%8lu": blanks,
 * then 1 to 8 digits), its value in *out; 0 for anything else. One pass over
 * a word: no loop per digit.
 */
static inline int
smaps_padded8(const char *s, uint64_t *out)
{
	const uint64_t lows = 0x7f7f7f7f7f7f7f7full, highs = 0x8080808080808080ull;
	uint64_t x, y, nonblank, lead, v;
	unsigned k;

	x = smaps_le64(s);
	/* high bit of each byte that is not a space, exactly (no borrow between bytes) */
	y = x ^ 0x2020202020202020ull;
	nonblank = (((y & lows) + lows) | y) & highs;
	if (nonblank == 0)
		return 0;
	k = (unsigned)__builtin_ctzll(nonblank) / 8;	/* leading spaces */
	lead = k == 0 ? 0 : ~0ull >> (64 - 8 * k);
	x += lead & 0x1010101010101010ull;	/* leading ' ' (0x20) reads as '0' (0x30) */
	/* every byte now '0'..'9': high nibble 3, and adding 6 keeps it 3 */
	if ((x & 0xf0f0f0f0f0f0f0f0ull) != 0x3030303030303030ull ||
	    ((x + 0x0606060606060606ull) & 0xf0f0f0f0f0f0f0f0ull) != 0x3030303030303030ull)
		return 0;
	/* the first digit is the lowest byte: pairs, then fours, then eight */
	v = x & 0x0f0f0f0f0f0f0f0full;
	v = (v * 2561) >> 8;
	v = ((v & 0x00ff00ff00ff00ffull) * 6553601) >> 16;
	v = ((v & 0x0000ffff0000ffffull) * 42949672960001ull) >> 32;
	*out = v;
	return 1;
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/*
 * The hex digits that open the 8 bytes at s (first byte lowest): how many
 * (0..8) and their value. Every byte below 0x80 plus a constant below 0x80
 * stays in its byte, so "byte >= c" is the high bit of byte + (0x80 - c);
 * a byte of 0x80 or more is no digit, and what it carries into the bytes
 * after it does not matter, as they come after a non-digit.
 */
static inline unsigned
smaps_hex8(const char *s, uint64_t *out)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t x, y, digit, letter, valid, nib, z;
	unsigned k;

	memcpy(&x, s, 8);
	y = x | 0x2020202020202020ull;	/* 'A'..'F' as 'a'..'f' */
	digit = (x + ones * (0x80 - '0')) & ~(x + ones * (0x80 - '9' - 1));
	letter = (y + ones * (0x80 - 'a')) & ~(y + ones * (0x80 - 'f' - 1));
	valid = (digit | letter) & ~x & highs;
	k = valid == highs ? 8 : (unsigned)__builtin_ctzll(~valid & highs) / 8;
	if (k == 0)
		return 0;
	/* '0'..'9' keep their low nibble; 'a'..'f' and 'A'..'F' have 1..6 there: add 9 */
	nib = (x & 0x0f0f0f0f0f0f0f0full) + ((letter >> 7) & ones) * 9;
	/* the k digits at the top, then reversed: the last digit in the lowest byte */
	z = __builtin_bswap64(nib << (8 * (8 - k)));
	z = (z | (z >> 4)) & 0x00ff00ff00ff00ffull;
	z = (z | (z >> 8)) & 0x0000ffff0000ffffull;
	z = (z | (z >> 16)) & 0x00000000ffffffffull;
	*out = z;
	return k;
}
#endif

#endif
