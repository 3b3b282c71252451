/*
 * proc/smaps (and proc/maps with FUZZ_MAPS_ONLY): the input parsed whole,
 * then fed again in blocks cut at every 1..64 bytes (the way members
 * stream in), then line by line through smaps_parser_line (which never
 * takes the block path's shortcuts: the field template of smaps.c); all
 * three must agree on the VMAs, the result and the line.
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

/* The input split as smaps_parser_feed splits it, each line to smaps_parser_line. */
static int
by_lines(const char *buf, size_t size, const struct limits *lim, struct seen *s, struct diag *d)
{
	struct smaps_parser *p = smaps_parser_new(FUZZ_MAPS_ONLY, lim, count_vma, s);
	const char *line = buf, *end = buf + size, *nl;
	uint64_t lineno = 0;
	int rc = 0;

	while (rc == 0 && line < end) {
		size_t n;

		nl = memchr(line, '\n', (size_t)(end - line));
		n = nl != NULL ? (size_t)(nl - line) : (size_t)(end - line);
		if (nl == NULL && n > lim->line_bytes) {
			/* the block path refuses an unended line before dropping its '\r' */
			d->kind = DIAG_LIMIT;
			d->line = lineno + 1;
			rc = -1;
			break;
		}
		if (n > 0 && line[n - 1] == '\r')
			n--;
		rc = smaps_parser_line(p, line, n, ++lineno, d);
		line = nl != NULL ? nl + 1 : end;
	}
	if (rc == 0)
		rc = smaps_parser_finish(p, d);
	smaps_parser_free(p);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct limits *lim = fuzz_limits();
	char *buf = fuzz_copy(data, size);
	struct seen whole = { 0, 0 }, fed = { 0, 0 }, lined = { 0, 0 };
	struct smaps_parser *p;
	struct diag d1, d2, d3;
	size_t at = 0, step = size > 0 ? (size_t)data[0] % 64 + 1 : 1;
	int rc1, rc2 = 0, rc3;

	diag_clear(&d1);
	diag_clear(&d2);
	diag_clear(&d3);
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
	rc3 = by_lines(buf, size, lim, &lined, &d3);
	if (rc1 != rc3 || whole.vmas != lined.vmas || (rc1 == 0 && whole.sum != lined.sum) ||
	    d1.line != d3.line || d1.kind != d3.kind)
		abort();
	free(buf);
	return 0;
}
