/*
 * proc/smaps (and proc/maps with FUZZ_MAPS_ONLY): the input parsed whole,
 * then fed again in blocks cut at every 1..64 bytes (the way members
 * stream in); both must agree on the VMAs, the result and the line.
 */
#include "tests/fuzz/fuzz.h"

#include "ingest/smaps.h"

#ifndef FUZZ_MAPS_ONLY
#define FUZZ_MAPS_ONLY 0
#endif

struct seen {
	uint64_t vmas;
	uint64_t sum;
};

static int
count_vma(void *ctx, const struct vma *v, struct diag *d)
{
	struct seen *s = ctx;
	int f;

	(void)d;
	if (v->path == NULL || strlen(v->path) != v->path_len || v->end < v->start)
		abort();
	s->vmas++;
	s->sum += v->start ^ v->end ^ v->offset ^ v->inode ^ v->path_len;
	for (f = 0; f < VMA_NFIELDS; f++)
		s->sum += (uint64_t)v->field[f];
	if (v->vmflags != NULL)
		s->sum += strlen(v->vmflags);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct limits *lim = fuzz_limits();
	char *buf = fuzz_copy(data, size);
	struct seen whole = { 0, 0 }, fed = { 0, 0 };
	struct smaps_parser *p;
	struct diag d1, d2;
	size_t at = 0, step = size > 0 ? (size_t)data[0] % 64 + 1 : 1;
	int rc1, rc2 = 0;

	diag_clear(&d1);
	diag_clear(&d2);
	rc1 = smaps_parse(buf, size, FUZZ_MAPS_ONLY, lim, count_vma, &whole, &d1);
	fuzz_check_diag(rc1, &d1);
	p = smaps_parser_new(FUZZ_MAPS_ONLY, lim, count_vma, &fed);
	while (at < size && rc2 == 0) {
		size_t n = size - at < step ? size - at : step;
		char *block = fuzz_copy(data + at, n);

		rc2 = smaps_parser_feed(p, block, n, &d2);
		free(block);
		at += n;
	}
	if (rc2 == 0)
		rc2 = smaps_parser_finish(p, &d2);
	smaps_parser_free(p);
	if (rc1 != rc2 || whole.vmas != fed.vmas || (rc1 == 0 && whole.sum != fed.sum) ||
	    d1.line != d2.line || d1.kind != d2.kind)
		abort();
	free(buf);
	return 0;
}
