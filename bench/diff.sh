#!/bin/sh
# make bench, diff: two synthetic snapshots of N VMAs each (bench/synth-smaps.awk;
# the after one restarted elsewhere: ASLR-shifted, some regions grown, a few gone
# or new, so alignment does real work), N = 10k, 100k, 1M. Each diffed from a
# store (ids) and straight from the two bundles (an in-memory store).
# Figures: median wall time of 5 runs, peak RSS the largest GNU time reports.
# Baseline, same run: gzip -dc of the two bundles. BENCH_DIFF_BASE=RSSGAP also
# measures another rssgap binary side by side (a build before a change).
# Targets at 1M: from the store <= 1.5 s and <= 200 MiB, from bundles <= 3 s and
# <= 250 MiB; linear in VMAs.
set -eu
RSSGAP=${RSSGAP:-./rssgap}
BASE=${BENCH_DIFF_BASE:-}
SIZES=${BENCH_DIFF_SIZES:-10000 100000 1000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/rssgap-bench-diff.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
unset RSSGAP_DB

# median_of CMD...: prints "SECONDS PEAK_KB CPU_SECONDS": the median wall time of 5 runs,
# the largest peak, the median user+system time (steadier than wall on a busy machine)
median_of() {
	: >"$work/times"
	: >"$work/cpus"
	peak=0
	for _ in 1 2 3 4 5; do
		/usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >/dev/null 2>"$work/err" ||
			{ cat "$work/err" >&2; exit 1; }
		read -r t m u s <"$work/time"
		echo "$t" >>"$work/times"
		echo "$u + $s" | bc >>"$work/cpus"
		[ "$m" -gt "$peak" ] && peak=$m
	done
	echo "$(sort -n "$work/times" | sed -n 3p) $peak $(sort -n "$work/cpus" | sed -n 3p)"
}

bundle() { # N AFTER OUT
	d="$work/gen"
	rm -rf "$d"
	mkdir -p "$d/snap/proc" "$d/snap/runtime"
	printf 'format=rssgap/1\ncaptured_at=2026-11-22T1%d:30:00Z\npid=%d\ncomm=synth\nhost=bench\nlabel.vmas=%s\n' \
		"$2" $((100 + $2)) "$1" >"$d/snap/manifest"
	awk -v n="$1" -v after="$2" -f bench/synth-smaps.awk >"$d/snap/proc/smaps"
	# the Go heap grows by 15.6 MiB: the runtime explains that much
	h=$((65536000 + $2 * 16384000))
	printf 'heap profile: 0: 0 [0: 0] @ heap/1048576\n\n# runtime.MemStats\n# Alloc = %d\n# Sys = %d\n# HeapAlloc = %d\n# HeapSys = %d\n# HeapIdle = 0\n# HeapInuse = %d\n# HeapReleased = 0\n# Stack = 1048576 / 1048576\n# MSpan = 100000 / 100000\n# MCache = 1000 / 1000\n# BuckHashSys = 1000\n# GCSys = 100000\n# OtherSys = 100000\n# NextGC = 1\n# NumGC = 1\n' \
		"$h" $((h + 1350000)) "$h" "$h" "$h" >"$d/snap/runtime/heap.txt"
	tar -C "$d" -czf "$3" snap
	rm -rf "$d"
}

echo "== diff of two synthetic snapshots (median of 5; peak RSS)"
for n in $SIZES; do
	b="$work/before-$n.rssgap.tar.gz" a="$work/after-$n.rssgap.tar.gz"
	bundle "$n" 0 "$b"
	bundle "$n" 1 "$a"
	"$RSSGAP" ingest --quiet --db "$work/s.db" "$b" "$a"
	set -- $(median_of sh -c 'gzip -dc "$1" >/dev/null && gzip -dc "$2" >/dev/null' sh "$b" "$a")
	gz=$1
	set -- $(median_of "$RSSGAP" diff --db "$work/s.db" 1 2)
	st_t=$1 st_kb=$2 st_c=$3
	set -- $(median_of "$RSSGAP" diff "$b" "$a")
	bu_t=$1 bu_kb=$2 bu_c=$3
	printf '%8d vs %d VMAs: from the store %5.2f s, %4d MiB; from the bundles %5.2f s, %4d MiB; gzip -dc of both %5.2f s\n' \
		"$n" "$n" "$st_t" $((st_kb / 1024)) "$bu_t" $((bu_kb / 1024)) "$gz"
	printf '          CPU (user+sys): store %5.2f s, bundles %5.2f s; peak RSS per VMA (both sides): store %d B, bundles %d B\n' \
		"$st_c" "$bu_c" $((st_kb * 1024 / (2 * n))) $((bu_kb * 1024 / (2 * n)))
	if [ -n "$BASE" ]; then
		set -- $(median_of "$BASE" diff --db "$work/s.db" 1 2)
		bs_t=$1 bs_kb=$2 bs_c=$3
		set -- $(median_of "$BASE" diff "$b" "$a")
		printf '          %s: from the store %5.2f s, %4d MiB (CPU %5.2f s); from the bundles %5.2f s, %4d MiB (CPU %5.2f s)\n' \
			"$BASE" "$bs_t" $((bs_kb / 1024)) "$bs_c" "$1" $(($2 / 1024)) "$3"
	fi
	rm -f "$b" "$a" "$work/s.db" "$work/s.db-wal" "$work/s.db-shm"
done
echo "   targets at 1M: from the store <= 1.5 s and <= 200 MiB; from bundles <= 3 s and <= 250 MiB"
