/* Plain-text sections shared by show, diff and report: aligned columns, escaped text. */
#ifndef RSSGAP_TEXT_H
#define RSSGAP_TEXT_H

#include "analyze/snapshot.h"
#include "core/buf.h"

/* "snapshot 3: pod pid 1 (comm) captured ..." and the labels line. */
void text_snapshot_header(struct buf *out, const struct snapshot_info *s);
/* The three layers: resident, virtual, runtime-visible, and non-Go memory. */
void text_layers(struct buf *out, const struct snapshot_info *s);
/* Which roles hold which runtime classes (analyze/credit.h); nothing without runtime numbers. */
void text_credits(struct buf *out, const struct snapshot_info *s);
/* The Go memory classes; returns 0 (and writes nothing) when unknown. */
int text_go_classes(struct buf *out, const struct snapshot_info *s);

/* text wrapped at 96 columns, each line starting with indent, ending in ".\n". */
void text_wrapped(struct buf *out, const char *indent, const char *text);

#endif
