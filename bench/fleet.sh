#!/bin/sh
# make bench, fleets: 1,000 bundles derived from the real fleet capture
# (fixtures/bundles/fleet.rssgap.tar.gz: 40 Go processes) with perturbed
# numbers and names, ingested with -j 2 into one database, then analysed.
# Baselines, same runs: xargs -P 2 gzip -dc over the same files (see below).
# Targets: ingest <= 1.0x the baseline; fleet analysis <= 1 s.
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
# Paired runs, medians: each run times the baselines, then ingest -j 2 into a new database.
# Baselines: xargs -P 2 gzip -dc, one process per bundle (as ingest opens each) and two
# processes over half the bundles each (no process start per bundle: the harder floor).
RUNS=${BENCH_FLEET_RUNS:-5}
now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ls "$work"/bundles/*.rssgap.tar.gz >"$work/list"
half=$(( (N + 1) / 2 ))
: >"$work/r1"; : >"$work/r2"; : >"$work/ing"; : >"$work/gz1"; : >"$work/gz2"
r=0
while [ "$r" -lt "$RUNS" ]; do
	s=$(now); xargs -P 2 -n 1 gzip -dc <"$work/list" >/dev/null; g1=$(echo "$(now) - $s" | bc -l)
	s=$(now); xargs -P 2 -n "$half" gzip -dc <"$work/list" >/dev/null; g2=$(echo "$(now) - $s" | bc -l)
	rm -f "$work/f.db" "$work/f.db-wal" "$work/f.db-shm"
	s=$(now)
	"$RSSGAP" ingest --quiet --stats -j 2 --db "$work/f.db" "$work"/bundles/*.rssgap.tar.gz 2>"$work/stats" ||
		{ cat "$work/stats" >&2; exit 1; }
	t=$(echo "$(now) - $s" | bc -l)
	echo "$g1" >>"$work/gz1"; echo "$g2" >>"$work/gz2"; echo "$t" >>"$work/ing"
	echo "$t / $g1" | bc -l >>"$work/r1"; echo "$t / $g2" | bc -l >>"$work/r2"
	r=$((r + 1))
done
ing=$(median <"$work/ing")
# the store takes one snapshot at a time: that sum is what -j cannot divide
store=$(sed -n 's/.* took \([0-9.]*\) s (one at a time).*/\1/p' "$work/stats")
commits=$(sed -n 's/.*, of which \([0-9]*\) commits\{0,1\} \([0-9.]*\) s (\([0-9.]*\) ms a snapshot)$/\1 \2 \3/p' "$work/stats")
[ -n "$store" ] && [ -n "$commits" ] ||
	{ echo "bench/fleet.sh: no --stats line in:" >&2; cat "$work/stats" >&2; exit 1; }
set -- $commits
got=$("$RSSGAP" list --db "$work/f.db" --json | grep -c '"snapshot":')
start=$(date +%s.%N)
"$RSSGAP" fleet --db "$work/f.db" --by version >"$work/fleet.txt"
fl=$(echo "$(date +%s.%N) - $start" | bc -l)
printf '   %d snapshots ingested of %d; ingest -j 2 %.2f s (median of %d paired runs)\n' "$got" "$N" "$ing" "$RUNS"
printf '   against xargs -P 2 gzip -dc, a process per bundle: %.2f s, ratio %.2f (target <= 1.0)\n' \
	"$(median <"$work/gz1")" "$(median <"$work/r1")"
printf '   against xargs -P 2 gzip -dc, two processes:        %.2f s, ratio %.2f\n' \
	"$(median <"$work/gz2")" "$(median <"$work/r2")"
printf '   the store, one snapshot at a time: %.2f s of it (last run); %d commits %.3f s, %.3f ms a snapshot\n' \
	"$store" "$1" "$2" "$3"
printf '   fleet analysis of %d snapshots %.2f s (target <= 1 s): %s\n' "$got" "$fl" "$(head -1 "$work/fleet.txt")"
