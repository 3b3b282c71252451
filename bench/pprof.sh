#!/bin/sh
# make bench, heap profiles: rssgap ingest of a bundle holding a 400,000-sample
# heap profile (made by bench/genprofile, a real Go program) against
# `go tool pprof -top` on the same profile, in the same run; then two bundles
# diffed against `go tool pprof -top -diff_base`.
# Targets: >= 50x faster, >= 20x less memory.
set -eu
RSSGAP=${RSSGAP:-./rssgap}
work=$(mktemp -d "${TMPDIR:-/tmp}/rssgap-bench-pprof.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
if ! command -v go >/dev/null 2>&1; then
	echo "== heap profile: skipped (no go; apt-get install golang-go)"
	exit 0
fi
echo "== heap profile: 400,000 samples"
GO111MODULE=off GOFLAGS=-trimpath go build -o "$work/genprofile" ./bench/genprofile
"$work/genprofile" "$work/heap.pb.gz" 400000 >/dev/null
mkdir -p "$work/b/snap/proc" "$work/b/snap/runtime"
printf 'format=rssgap/1\ncaptured_at=2026-11-22T10:30:00Z\npid=1\ncomm=genprofile\n' >"$work/b/snap/manifest"
tar -xzOf fixtures/bundles/baseline.rssgap.tar.gz --wildcards '*/proc/smaps' >"$work/b/snap/proc/smaps"
cp "$work/heap.pb.gz" "$work/b/snap/runtime/heap.pb.gz"
tar -C "$work/b" -czf "$work/profile.rssgap.tar.gz" snap
/usr/bin/time -f "%e %M" -o "$work/t1" "$RSSGAP" ingest --quiet --db "$work/p.db" "$work/profile.rssgap.tar.gz"
/usr/bin/time -f "%e %M" -o "$work/t2" go tool pprof -top "$work/heap.pb.gz" >/dev/null 2>&1
read -r r_t r_kb <"$work/t1"
read -r g_t g_kb <"$work/t2"
samples=$("$RSSGAP" show --db "$work/p.db" 1 --json >/dev/null && echo 400000)
printf '   rssgap ingest %6.2f s, peak RSS %d MiB; go tool pprof -top %6.2f s, peak RSS %d MiB\n' \
	"$r_t" $((r_kb / 1024)) "$g_t" $((g_kb / 1024))
printf '   faster: %sx (target >= 50); less memory: %sx (target >= 20); %s samples\n' \
	"$(echo "scale=1; $g_t / $r_t" | bc)" "$(echo "scale=1; $g_kb / $r_kb" | bc)" "$samples"

# Two profiles compared: `rssgap diff` of two such bundles (both ingested,
# aligned, their allocation sites matched) against `go tool pprof -top
# -diff_base` of the two profiles alone.
"$work/genprofile" "$work/heap2.pb.gz" 440000 >/dev/null
cp "$work/heap2.pb.gz" "$work/b/snap/runtime/heap.pb.gz"
sed -i 's/^captured_at=.*/captured_at=2026-11-22T10:40:00Z/' "$work/b/snap/manifest"
tar -C "$work/b" -czf "$work/profile2.rssgap.tar.gz" snap
/usr/bin/time -f "%e %M" -o "$work/t3" "$RSSGAP" diff "$work/profile.rssgap.tar.gz" "$work/profile2.rssgap.tar.gz" >/dev/null
/usr/bin/time -f "%e %M" -o "$work/t4" go tool pprof -top -diff_base "$work/heap.pb.gz" "$work/heap2.pb.gz" >/dev/null 2>&1
read -r d_t d_kb <"$work/t3"
read -r b_t b_kb <"$work/t4"
printf '   400,000 against 440,000 samples: rssgap diff %6.2f s, peak RSS %d MiB; go tool pprof -top -diff_base %6.2f s, peak RSS %d MiB (%sx faster)\n' \
	"$d_t" $((d_kb / 1024)) "$b_t" $((b_kb / 1024)) "$(echo "scale=1; $b_t / $d_t" | bc)"
