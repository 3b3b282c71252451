/*
 * The names of smaps fields, read a word at a time: the smaps parser's
 * lookup of "Name:" (ingest/smaps.c). Little-endian packing: a name of up
 * to 15 bytes is two words, the bytes after it zero.
 */
#ifndef RSSGAP_SMAPS_FIELD_H
#define RSSGAP_SMAPS_FIELD_H

#include <stddef.h>
#include <stdint.h>

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

#endif
