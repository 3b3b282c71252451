#!/bin/sh
# Run each libFuzzer harness named (bundle, smaps, ...: build-fuzz/fuzz_NAME,
# made by `make fuzz-build`) for FUZZ_SECONDS seconds, one after the other,
# from the seed corpora of tests/fuzz/seeds.py plus what earlier runs found
# (build-fuzz/corpus/NAME). Prints one line per harness: executions, corpus,
# and any crash, which libFuzzer writes to build-fuzz/crashes/NAME-*: a crash
# becomes a fixture (fixtures/hostile/fuzz/) with a test. Exits 1 on a crash.
set -u
FZ=${FZ:-build-fuzz}
secs=${FUZZ_SECONDS:-60}
python3 tests/fuzz/seeds.py "$FZ/seeds" || exit 1
mkdir -p "$FZ/crashes" "$FZ/logs"
failed=0
for h in "$@"; do
	# a bundle holds several members; a member of a capture fits in 64 KiB
	case $h in
	bundle) max_len=131072 ;;
	*) max_len=65536 ;;
	esac
	mkdir -p "$FZ/corpus/$h"
	log="$FZ/logs/$h.log"
	"$FZ/fuzz_$h" -max_total_time="$secs" -max_len="$max_len" -timeout=30 -rss_limit_mb=2560 \
		-print_final_stats=1 -artifact_prefix="$FZ/crashes/$h-" \
		"$FZ/corpus/$h" "$FZ/seeds/$h" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	corpus=$(ls "$FZ/corpus/$h" | wc -l)
	if [ "$rc" -eq 0 ]; then
		printf 'fuzz_%-13s %10s execs in %s s, corpus %s, no crash\n' "$h" "${execs:-?}" "$secs" "$corpus"
	else
		failed=1
		printf 'fuzz_%-13s CRASH (exit %d) after %s execs: %s\n' "$h" "$rc" "${execs:-?}" \
			"$(ls -t "$FZ/crashes/$h-"* 2>/dev/null | head -1)"
		grep -m 3 -E 'ERROR|SUMMARY|runtime error' "$log" | sed 's/^/    /'
	fi
done
exit $failed
