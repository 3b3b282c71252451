#!/usr/bin/env bash
# Run each libFuzzer harness named (bundle, smaps, ...: build-fuzz/fuzz_NAME,
# made by `make fuzz-build`) for FUZZ_SECONDS seconds, FUZZ_JOBS at a time
# (default 1), from the seed corpora of tests/fuzz/seeds.py plus what earlier
# runs found (build-fuzz/corpus/NAME). Prints one line per harness:
# executions, corpus, and any crash, which libFuzzer writes to
# build-fuzz/crashes/NAME-*: a crash becomes a fixture (made by
# fixtures/hostile/make-hostile.py) with a test. Exits 1 on a crash.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
FZ=${FZ:-build-fuzz}
secs=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
python3 tests/fuzz/seeds.py "$FZ/seeds" || exit 1
mkdir -p "$FZ/crashes" "$FZ/logs"

# run_one NAME: fuzz it, then write its line to $FZ/logs/NAME.line; exit 1 on a crash
run_one() {
	local h=$1 max_len=65536 log="$FZ/logs/$1.log" rc execs corpus
	# a bundle holds several members; a member of a capture fits in 64 KiB
	[ "$h" = bundle ] && max_len=131072
	mkdir -p "$FZ/corpus/$h"
	"$FZ/fuzz_$h" -max_total_time="$secs" -max_len="$max_len" -timeout=30 -rss_limit_mb=2560 \
		-print_final_stats=1 -artifact_prefix="$FZ/crashes/$h-" \
		"$FZ/corpus/$h" "$FZ/seeds/$h" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	corpus=$(find "$FZ/corpus/$h" -type f | wc -l)
	if [ "$rc" -eq 0 ]; then
		printf 'fuzz_%-13s %10s execs in %s s, corpus %s, no crash\n' "$h" "${execs:-?}" "$secs" \
			"$corpus" >"$FZ/logs/$h.line"
		return 0
	fi
	{
		printf 'fuzz_%-13s CRASH (exit %d) after %s execs: %s\n' "$h" "$rc" "${execs:-?}" \
			"$(ls -t "$FZ/crashes/$h-"* 2>/dev/null | head -1)"
		grep -m 3 -E 'ERROR|SUMMARY|runtime error' "$log" | sed 's/^/    /'
	} >"$FZ/logs/$h.line"
	return 1
}

failed=0
running=0
for h in "$@"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n || failed=1
		running=$((running - 1))
	fi
	run_one "$h" &
	running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
	wait -n || failed=1
	running=$((running - 1))
done
for h in "$@"; do cat "$FZ/logs/$h.line"; done
exit $failed
