#!/bin/sh
# make bench, fleets: 1,000 bundles derived from the real fleet capture
# (fixtures/bundles/fleet.rssgap.tar.gz: 40 Go processes) with perturbed
# numbers and names, ingested with -j 2 into one database, then analysed.
# Baseline, same run: the sum of `gzip -dc` over every bundle, halved for 2 cores.
# Targets: ingest <= 1.1x the baseline; fleet analysis <= 1 s.
set -eu
RSSGAP=${RSSGAP:-./rssgap}
N=${BENCH_FLEET_BUNDLES:-1000}
work=$(mktemp -d "${TMPDIR:-/tmp}/rssgap-bench-fleet.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
echo "== fleet: $N bundles derived from 40 real snapshots"
mkdir "$work/src" "$work/bundles"
tar -xzf fixtures/bundles/fleet.rssgap.tar.gz -C "$work/src"
ls -d "$work"/src/*/manifest "$work"/src/*/*/manifest 2>/dev/null | sed 's|/manifest$||' >"$work/snaps"
nsnap=$(wc -l <"$work/snaps")
i=0
while [ "$i" -lt "$N" ]; do
	src=$(sed -n "$((i % nsnap + 1))p" "$work/snaps")
	d="$work/gen/snap"
	rm -rf "$work/gen"
	mkdir -p "$d"
	cp -r "$src"/. "$d"/
	# another pod, and every Rss moved by a few pages: a different snapshot, the same shape
	sed -i -e "s/^pid=.*/pid=$((1000 + i))/" -e '/^pod=/d' "$d/manifest"
	echo "pod=bench-$i" >>"$d/manifest"
	awk -v seed="$i" 'BEGIN { srand(seed) } /^Rss:/ && $2 > 64 { $2 = $2 + int(rand() * 16) * 4 } { print }' \
		"$d/proc/smaps" >"$d/proc/smaps.new" && mv "$d/proc/smaps.new" "$d/proc/smaps"
	tar -C "$work/gen" -czf "$work/bundles/b$i.rssgap.tar.gz" snap
	i=$((i + 1))
done
start=$(date +%s.%N)
for b in "$work"/bundles/*.rssgap.tar.gz; do gzip -dc "$b" >/dev/null; done
gz=$(echo "($(date +%s.%N) - $start) / 2" | bc -l)
start=$(date +%s.%N)
"$RSSGAP" ingest --quiet --stats -j 2 --db "$work/f.db" "$work"/bundles/*.rssgap.tar.gz 2>"$work/stats" ||
	{ cat "$work/stats" >&2; exit 1; }
ing=$(echo "$(date +%s.%N) - $start" | bc -l)
# the store takes one snapshot transaction at a time: their sum is what -j cannot divide
store=$(sed -n 's/.* took \([0-9.]*\) s (one at a time)$/\1/p' "$work/stats")
[ -n "$store" ] || { echo "bench/fleet.sh: no --stats line in:" >&2; cat "$work/stats" >&2; exit 1; }
got=$("$RSSGAP" list --db "$work/f.db" --json | grep -c '"snapshot":')
start=$(date +%s.%N)
"$RSSGAP" fleet --db "$work/f.db" --by version >"$work/fleet.txt"
fl=$(echo "$(date +%s.%N) - $start" | bc -l)
printf '   %d snapshots ingested of %d; ingest -j 2 %.2f s; sum(gzip -dc)/2 %.2f s; ratio %.2f (target <= 1.1)\n' \
	"$got" "$N" "$ing" "$gz" "$(echo "$ing / $gz" | bc -l)"
printf '   floor: the snapshot transactions, one at a time, took %.2f s of it (ratio %.2f to the baseline on their own)\n' \
	"$store" "$(echo "$store / $gz" | bc -l)"
printf '   fleet analysis of %d snapshots %.2f s (target <= 1 s): %s\n' "$got" "$fl" "$(head -1 "$work/fleet.txt")"
