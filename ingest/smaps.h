/*
 * /proc/PID/smaps and /proc/PID/maps, parsed line by line as they stream in
 * (a snapshot can hold a million VMAs; nothing but the VMA being read is
 * kept). Each complete VMA is handed to emit in file order.
 *
 * The record filled is core/vma.h's struct vma (what its fields mean,
 * which are -1, where Size comes from). Unknown "Name: N kB" fields
 * (any value) are tolerated and counted in unknown_fields. Separators may
 * be spaces or tabs; a repeated field in one VMA is an error.
 * A VMA handed to emit, its path (NUL-terminated, may hold spaces) and its
 * vmflags (trailing blanks dropped) are lent for the duration of the call.
 * Blank lines are skipped. Lines longer than lim->line_bytes, more than
 * lim->vmas VMAs, a bad header or a field value past INT64_MAX bytes are
 * errors with the line.
 */
#ifndef RSSGAP_SMAPS_H
#define RSSGAP_SMAPS_H

#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/limits.h"
#include "core/vma.h"

typedef int (*smaps_emit_fn)(void *ctx, const struct vma *v, struct diag *d);

struct smaps_parser;

/* New parser; maps_only=1 reads /proc/PID/maps (header lines only). */
struct smaps_parser *smaps_parser_new(int maps_only, const struct limits *lim,
				      smaps_emit_fn emit, void *ctx);
/* Free p (NULL is a no-op). */
void smaps_parser_free(struct smaps_parser *p);
/*
 * Feed the next n bytes of the member, cut anywhere (a block as it is
 * read); lines are split and numbered here, a line longer than
 * lim->line_bytes is a DIAG_LIMIT. The fast way in. -1 with d filled; the
 * parser then refuses more input. Use this or smaps_parser_line, not both.
 */
int smaps_parser_feed(struct smaps_parser *p, const char *data, size_t n, struct diag *d);
/* Feed one line (without '\n'); -1 with d filled on malformed input or a cap. */
int smaps_parser_line(struct smaps_parser *p, const char *line, size_t len, uint64_t lineno,
		      struct diag *d);
/* End of member: the last line without '\n' (after smaps_parser_feed), then the last VMA. */
int smaps_parser_finish(struct smaps_parser *p, struct diag *d);
/* VMAs emitted so far. */
uint64_t smaps_parser_count(const struct smaps_parser *p);
/* Parse a whole member held in memory. */
int smaps_parse(const char *buf, size_t len, int maps_only, const struct limits *lim,
		smaps_emit_fn emit, void *ctx, struct diag *d);
/* The field named name[0..len) ("Rss"), or -1 when it is not one (VmFlags is not). */
int smaps_field_lookup(const char *name, size_t len);
/*
 * Mark p as reading smaps_rollup: a VMA without a Size line keeps Size -1
 * (the rollup's range spans the whole address space, not a mapping).
 * Otherwise a missing Size is taken from the range.
 */
void smaps_parser_rollup(struct smaps_parser *p);

#endif
