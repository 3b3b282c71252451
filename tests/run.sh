#!/bin/sh
# Run every cmocka binary given and every tests/cli/*.sh (SUITES: other
# script suites instead, e.g. tests/live/*.sh); one line per suite, then a
# total. A suite that exits 77 was skipped: its last line says why. Fails if
# any suite fails.
set -u
pass=0
fail=0
skip=0
failed=""
for t in "$@" ${SUITES:-tests/cli/*.sh}; do
	[ -e "$t" ] || continue
	log="build/logs/$(basename "$t").log"
	mkdir -p build/logs
	case "$t" in
	*.sh) bash "$t" >"$log" 2>&1 ;;
	*) CMOCKA_MESSAGE_OUTPUT=stdout "$t" >"$log" 2>&1 ;;
	esac
	rc=$?
	if [ $rc -eq 77 ]; then
		skip=$((skip + 1))
		printf 'SKIP %-28s %s\n' "$(basename "$t")" "$(sed -n '/[^[:space:]]/p' "$log" | tail -n 1)"
	elif [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		printf 'PASS %-28s %s\n' "$(basename "$t")" "$(grep -E 'PASSED|passed' "$log" | tail -1)"
	else
		fail=$((fail + 1))
		failed="$failed $t"
		printf 'FAIL %-28s (exit %d)\n' "$(basename "$t")" "$rc"
		sed 's/^/    /' "$log" | tail -40
	fi
done
if [ $skip -gt 0 ]; then
	echo "suites: $pass passed, $fail failed, $skip skipped"
else
	echo "suites: $pass passed, $fail failed"
fi
[ $fail -eq 0 ] || { echo "failed:$failed"; exit 1; }
