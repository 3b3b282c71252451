/*
 * summary.md: what gets pasted into an incident ticket. Markdown whose
 * bundle-derived text (paths, labels, pods) is escaped; the same inputs
 * give the same bytes (no clock, no locale).
 */
#ifndef RSSGAP_SUMMARY_H
#define RSSGAP_SUMMARY_H

#include <stddef.h>

#include "analyze/attribute.h"
#include "core/buf.h"
#include "report/chart.h"

/* Verdict, findings table, three layers, and command (the rssgap diff that reproduces it). */
void summary_diff(struct buf *out, const struct diff_result *r, const char *command);
/* One snapshot: three layers, roles, top VMAs, and the command (rssgap show). */
void summary_single(struct buf *out, const struct snapshot_info *s, const struct chart_vma *vmas,
		    size_t nvmas, const char *command);
/* A fenced sh code block whose fence is longer than any backtick run inside. */
void summary_code_block(struct buf *out, const char *text);
/* Append argv as one shell command line, each word quoted when it needs it. */
void summary_shell_words(struct buf *out, int argc, char *const *argv);

#endif
