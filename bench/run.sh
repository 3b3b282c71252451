#!/bin/sh
# make bench: figures and ratios against baselines measured in the same run.
# Ingest against gzip -dc: the median of BENCH_PAIRS (default 5) paired runs,
# the two alternating (which goes first flips each pair) so that noise on a
# shared machine hits both; elsewhere wall times are the best of 3 runs. Peak
# RSS is the maximum resident size GNU time reports. Nothing here is a
# pass/fail test: it prints, you read.
set -eu
RSSGAP=${RSSGAP:-./rssgap}
work=$(mktemp -d "${TMPDIR:-/tmp}/rssgap-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# best_of CMD...: prints "SECONDS PEAK_KB" of the fastest of 3 runs
best_of() {
	best_t=""; best_m=""
	for _ in 1 2 3; do
		[ -n "${BENCH_BEFORE:-}" ] && sh -c "$BENCH_BEFORE"
		/usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" ||
			{ cat "$work/err" >&2; exit 1; }
		read -r t m < "$work/time"
		if [ -z "$best_t" ] || [ "$(echo "$t < $best_t" | bc)" = 1 ]; then best_t=$t; fi
		if [ -z "$best_m" ] || [ "$m" -gt "$best_m" ]; then best_m=$m; fi
	done
	echo "$best_t $best_m"
}

# now_ns: the clock in nanoseconds (GNU date)
now_ns() { date +%s%N; }

# wall_of CMD...: run it once; prints "SECONDS PEAK_KB CPU_SECONDS" (CPU: user + system)
wall_of() {
	[ -n "${BENCH_BEFORE:-}" ] && sh -c "$BENCH_BEFORE"
	t0=$(now_ns)
	/usr/bin/time -f "%M %U %S" -o "$work/time" "$@" >/dev/null 2>"$work/err" ||
		{ cat "$work/err" >&2; exit 1; }
	t1=$(now_ns)
	echo "$(( (t1 - t0) / 1000 )) $(cat "$work/time")" |
		awk '{ printf "%.4f %d %.2f\n", $1 / 1e6, $2, $3 + $4 }'
}

# median: of the numbers on stdin, one a line
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

synth_bundle() { # N OUT
	d="$work/b$1"
	mkdir -p "$d/snap/proc"
	printf 'format=rssgap/1\ncaptured_at=2026-11-22T10:30:00Z\npid=1\ncomm=synth\nhost=bench\nlabel.vmas=%s\n' \
		"$1" > "$d/snap/manifest"
	awk -v n="$1" -f bench/synth-smaps.awk > "$d/snap/proc/smaps"
	tar -C "$d" -czf "$2" snap
	mv "$d/snap/proc/smaps" "$work/smaps-$1"
	rm -rf "$d"
}

echo "== ingest of synthetic smaps bundles (one snapshot each)"
for n in 65530 1000000; do
	b="$work/synth-$n.rssgap.tar.gz"
	synth_bundle "$n" "$b"
	text=$(gzip -dc "$b" | wc -c)
	pairs=${BENCH_PAIRS:-5}
	: > "$work/gz" ; : > "$work/in"; : > "$work/ratio"; : > "$work/cpu"
	in_kb=0
	i=0
	while [ "$i" -lt "$pairs" ]; do
		i=$((i + 1))
		rm -f "$work/bench.db" "$work/bench.db-wal" "$work/bench.db-shm"
		if [ $((i % 2)) = 1 ]; then
			set -- $(wall_of gzip -dc "$b"); g=$1
			set -- $(wall_of "$RSSGAP" ingest --quiet --db "$work/bench.db" "$b"); t=$1 m=$2 cpu=$3
		else
			set -- $(wall_of "$RSSGAP" ingest --quiet --db "$work/bench.db" "$b"); t=$1 m=$2 cpu=$3
			set -- $(wall_of gzip -dc "$b"); g=$1
		fi
		echo "$g" >> "$work/gz"
		echo "$t" >> "$work/in"
		echo "$cpu" >> "$work/cpu"
		awk -v t="$t" -v g="$g" 'BEGIN { printf "%.4f\n", t / g }' >> "$work/ratio"
		[ "$m" -gt "$in_kb" ] && in_kb=$m
	done
	gz_t=$(median < "$work/gz")
	in_t=$(median < "$work/in")
	ratio=$(median < "$work/ratio")
	budget_kb=$(( 65536 + n * 256 / 1024 ))
	printf '%8d VMAs, %4d MB inflated: gzip -dc %6.3f s; rssgap ingest %6.3f s (medians of %d paired runs), peak RSS %d MiB\n' \
		"$n" $((text / 1000000)) "$gz_t" "$in_t" "$pairs" $((in_kb / 1024))
	printf '          ratio ingest/gzip %.2f (median of the %d pairs; target <= 0.8); peak RSS %d MiB of budget %d MiB (64 MiB + 256 B/VMA)\n' \
		"$ratio" "$pairs" $((in_kb / 1024)) $((budget_kb / 1024))
	# CPU time over the cores: the wall time ingest cannot go below, however well its threads overlap
	cpu_t=$(median < "$work/cpu")
	printf '          ingest CPU (user + system) %.2f s: on %d cores at least %.3f s of wall, %.2f x gzip -dc\n' \
		"$cpu_t" "$(nproc)" "$(echo "$cpu_t / $(nproc)" | bc -l)" "$(echo "$cpu_t / $(nproc) / $gz_t" | bc -l)"
	if [ -n "${STORE_FLOOR:-}" ]; then
		# the same VMAs stored by rssgap's store path alone: what ingest cannot go below
		fl_t=$("$STORE_FLOOR" "$work/smaps-$n" "$work/floor.db")
		printf '          floor: storing the same VMAs alone (no gunzip, parse or roles) %6.2f s, ratio to gzip %s; ingest is %s x the floor\n' \
			"$fl_t" "$(echo "scale=2; $fl_t / $gz_t" | bc)" "$(echo "scale=2; $in_t / $fl_t" | bc)"
		rm -f "$work/floor.db" "$work/floor.db-wal" "$work/floor.db-shm"
	fi
	rm -f "$b" "$work/smaps-$n"
done

echo "== parallel ingest of every bundle in fixtures/bundles into one database"
BENCH_BEFORE="rm -f $work/bench.db $work/bench.db-wal $work/bench.db-shm"
export BENCH_BEFORE
for j in 1 2; do
	set -- $(best_of "$RSSGAP" ingest -j "$j" --quiet --db "$work/bench.db" fixtures/bundles/*.rssgap.tar.gz)
	printf '  -j %d: %6.2f s, peak RSS %d MiB\n' "$j" "$1" $(($2 / 1024))
done
unset BENCH_BEFORE
