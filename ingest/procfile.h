/*
 * /proc/PID/status and /proc/PID/smaps_rollup, as key/value pairs handed to
 * a kv_sink (ingest/kv.h). Both take a whole member held in memory.
 *
 * status (group "status"): every "Key:\tvalue" line. "N kB" becomes bytes
 * (has_value); a plain decimal (Threads, Pid, PPid, FDSize...) its value;
 * anything else, and the masks that only look decimal (Umask, Sig*, ShdPnd,
 * Cap*, Cpus_allowed, Mems_allowed), text with surrounding blanks dropped
 * (Name, State, Uid's four numbers, SigQ "8/63965").
 *
 * smaps_rollup (group "smaps_rollup"): the one "[rollup]" VMA read by the
 * smaps parser; each field present is put under its kernel name ("Rss",
 * "SwapPss") in bytes (THPeligible, ProtectionKey as plain numbers), with
 * the line of the header. More than one VMA is an error.
 */
#ifndef RSSGAP_PROCFILE_H
#define RSSGAP_PROCFILE_H

#include <stddef.h>

#include "core/diag.h"
#include "core/limits.h"
#include "ingest/kv.h"

/* Parse /proc/PID/status; 0 ok, -1 with d filled (bad line, cap, or the sink failed). */
int procfile_status_parse(const char *buf, size_t len, const struct limits *lim,
			  struct kv_sink *sink, struct diag *d);
/* Parse /proc/PID/smaps_rollup; 0 ok, -1 with d filled. */
int procfile_rollup_parse(const char *buf, size_t len, const struct limits *lim,
			  struct kv_sink *sink, struct diag *d);

#endif
