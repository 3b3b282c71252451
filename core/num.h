/* Number parsing that reports overflow instead of wrapping, and number formatting. */
#ifndef RSSGAP_NUM_H
#define RSSGAP_NUM_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Parse decimal digits s[0..n) exactly (no sign, no space); 0 ok, -1 bad or overflow. */
int num_parse_u64(const char *s, size_t n, uint64_t *out);
/*
 * Check an RFC 3339 UTC time s[0..n) ("2026-11-22T10:30:00Z", a fraction and
 * "+00:00" allowed) and give its Unix seconds; 0 ok, -1 not one.
 */
int num_parse_utc(const char *s, size_t n, int64_t *unix_seconds);
/* Parse hex digits s[0..n) exactly (no 0x); 0 ok, -1 bad or overflow. */
int num_parse_hex(const char *s, size_t n, uint64_t *out);
/* Parse an optionally signed decimal; 0 ok, -1 bad or overflow. */
int num_parse_i64(const char *s, size_t n, int64_t *out);
/* Parse a floating value as Prometheus writes it (NaN, +Inf, -Inf, 1e3); 0 ok, -1 bad. */
int num_parse_double(const char *s, size_t n, double *out);
/*
 * Parse a size as rssgap prints it or a person writes it: a decimal number
 * (a fraction with a unit: "1.5 GiB"), optional blanks, then no unit or B
 * (bytes); K, M, G, T alone or with i or iB (KiB, MiB, GiB, TiB): powers of
 * 1024, as git and coreutils read K, M, G; kB, MB, GB, TB: powers of 1000.
 * Units ignore case. Rounds to the nearest byte; 0 ok, -1 bad or overflow.
 */
int num_parse_size(const char *s, size_t n, uint64_t *out);
/* kB * 1024 without overflow; 0 ok, -1 overflow. */
int num_kib_to_bytes(uint64_t kib, uint64_t *out);
/* *acc += v unless that overflows: 0 ok, -1 overflow (*acc is then undefined). */
int num_add_i64(int64_t *acc, int64_t v);
/* Append bytes in human units: "512 B", "1.5 KiB", "101.3 MiB", "1.26 GiB". */
void num_human(struct buf *out, double bytes);
/* Append a signed byte change: "+101.3 MiB", "-2.0 KiB", "0 B". */
void num_human_delta(struct buf *out, double bytes);
/* num_human of a byte count. */
void num_bytes(struct buf *out, int64_t bytes);
/* num_bytes, or "-" for a negative count (a field the snapshot does not have). */
void num_bytes_or_dash(struct buf *out, int64_t bytes);
/* num_human_delta of a byte change. */
void num_bytes_delta(struct buf *out, int64_t bytes);

#endif
