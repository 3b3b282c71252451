#include "ingest/smaps_field.h"

#include <string.h>

#include "ingest/smaps.h"

/*
 * A field name of up to 15 bytes packed little-endian into two words (the
 * rest zero) identifies it exactly; ((w0 + 3 * w1) * FIELD_MUL) >> 58 is a
 * perfect hash over the 27 names and "VmFlags" (the multiplier was found
 * offline). A field line thus costs one multiply and two compares, not a
 * scan over the names; tests/test_smaps.c checks that every name finds itself.
 */
#define FIELD_MUL 0x9d9361cb73e545b7ull

static const struct {
	uint64_t w0, w1;
	int field;
} field_hash[64] = {
	[26] = { 0x00000000657a6953ull, 0x0000000000000000ull, VMA_SIZE },
	[1] = { 0x61506c656e72654bull, 0x0000657a69536567ull, VMA_KERNEL_PAGE_SIZE },
	[7] = { 0x5365676150554d4dull, 0x0000000000657a69ull, VMA_MMU_PAGE_SIZE },
	[39] = { 0x0000000000737352ull, 0x0000000000000000ull, VMA_RSS },
	[24] = { 0x0000000000737350ull, 0x0000000000000000ull, VMA_PSS },
	[43] = { 0x6e6f6e415f737350ull, 0x0000000000000000ull, VMA_PSS_ANON },
	[13] = { 0x656c69465f737350ull, 0x0000000000000000ull, VMA_PSS_FILE },
	[48] = { 0x656d68535f737350ull, 0x000000000000006dull, VMA_PSS_SHMEM },
	[6] = { 0x747269445f737350ull, 0x0000000000000079ull, VMA_PSS_DIRTY },
	[61] = { 0x435f646572616853ull, 0x000000006e61656cull, VMA_SHARED_CLEAN },
	[38] = { 0x445f646572616853ull, 0x0000000079747269ull, VMA_SHARED_DIRTY },
	[41] = { 0x5f65746176697250ull, 0x0000006e61656c43ull, VMA_PRIVATE_CLEAN },
	[28] = { 0x5f65746176697250ull, 0x0000007974726944ull, VMA_PRIVATE_DIRTY },
	[55] = { 0x636e657265666552ull, 0x0000000000006465ull, VMA_REFERENCED },
	[50] = { 0x756f6d796e6f6e41ull, 0x0000000000000073ull, VMA_ANONYMOUS },
	[23] = { 0x00000000004d534bull, 0x0000000000000000ull, VMA_KSM },
	[56] = { 0x65657246797a614cull, 0x0000000000000000ull, VMA_LAZYFREE },
	[5] = { 0x656775486e6f6e41ull, 0x0000007365676150ull, VMA_ANON_HUGE_PAGES },
	[63] = { 0x646d506d656d6853ull, 0x000064657070614dull, VMA_SHMEM_PMD_MAPPED },
	[45] = { 0x4d646d50656c6946ull, 0x0000006465707061ull, VMA_FILE_PMD_MAPPED },
	[31] = { 0x485f646572616853ull, 0x0000626c74656775ull, VMA_SHARED_HUGETLB },
	[40] = { 0x5f65746176697250ull, 0x00626c7465677548ull, VMA_PRIVATE_HUGETLB },
	[42] = { 0x0000000070617753ull, 0x0000000000000000ull, VMA_SWAP },
	[12] = { 0x0073735070617753ull, 0x0000000000000000ull, VMA_SWAP_PSS },
	[52] = { 0x000064656b636f4cull, 0x0000000000000000ull, VMA_LOCKED },
	[17] = { 0x6967696c65504854ull, 0x0000000000656c62ull, VMA_THP_ELIGIBLE },
	[35] = { 0x69746365746f7250ull, 0x00000079654b6e6full, VMA_PROTECTION_KEY },
	[47] = { 0x007367616c466d56ull, 0x0000000000000000ull, SMAPS_FIELD_VMFLAGS },
};

/* Empty slots hold 0, never a name. */
int
smaps_field_by_words(uint64_t w0, uint64_t w1)
{
	unsigned h = (unsigned)(((w0 + 3 * w1) * FIELD_MUL) >> 58);

	if (field_hash[h].w0 != w0 || field_hash[h].w1 != w1)
		return -1;
	return field_hash[h].field;
}

size_t
smaps_field_colon(const char *s, uint64_t *w0, uint64_t *w1)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	const uint64_t colons = 0x3a3a3a3a3a3a3a3aull;
	uint64_t a, b, x;
	unsigned k;

	a = smaps_le64(s);
	b = smaps_le64(s + 8);
	/* The lowest flagged byte is exactly the first zero byte of a ^ colons. */
	x = a ^ colons;
	x = (x - ones) & ~x & highs;
	if (x != 0) {
		k = (unsigned)__builtin_ctzll(x) / 8;
		*w0 = k == 0 ? 0 : a & (~0ull >> (64 - 8 * k));
		*w1 = 0;
		return k;
	}
	x = b ^ colons;
	x = (x - ones) & ~x & highs;
	if (x == 0)
		return 0;
	k = (unsigned)__builtin_ctzll(x) / 8;
	*w0 = a;
	*w1 = k == 0 ? 0 : b & (~0ull >> (64 - 8 * k));
	return 8 + k;
}

int
smaps_field_char(unsigned c)
{
	return (c | 0x20) - 'a' < 26 || c - '0' < 10 || c == '_';
}

static int
field_lookup(const char *s, size_t n)
{
	uint64_t w[2] = { 0, 0 };
	size_t i;

	if (n == 0 || n > 15)
		return -1;
	for (i = 0; i < n; i++) {
		if (!smaps_field_char((unsigned char)s[i]))
			return -1;
		w[i / 8] |= (uint64_t)(unsigned char)s[i] << (8 * (i % 8));
	}
	return smaps_field_by_words(w[0], w[1]);
}

int
smaps_field_lookup(const char *name, size_t len)
{
	int f = field_lookup(name, len);

	return f == SMAPS_FIELD_VMFLAGS ? -1 : f;
}
