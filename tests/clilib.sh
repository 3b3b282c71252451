# Shared by tests/cli/*.sh (sourced, not run): counters, checks, a temp dir.
# Each script prints "ok - ..." / "not ok - ..." per check and ends with
# "N passed, M failed"; it exits 0 only when nothing failed.
pass=0
fail=0
RSSGAP=${RSSGAP:-./rssgap}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rssgap-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
# expect_status WANT DESCRIPTION COMMAND...: the command's exit status is WANT
expect_status() {
	local want=$1 d=$2 got
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$d"; else
		not_ok "$d (exit $got, expected $want)"
		sed 's/^/    /' "$tmp/err" | head -5
	fi
}
# same_as_expected NAME FILE: FILE equals fixtures/expected/NAME
# (RSSGAP_UPDATE_EXPECTED=1 rewrites the golden instead: review the diff before committing)
same_as_expected() {
	local name=$1 file=$2
	if [ "${RSSGAP_UPDATE_EXPECTED:-}" = 1 ]; then
		cp "$file" "fixtures/expected/$name"
		ok "updated fixtures/expected/$name"
	elif cmp -s "$file" "fixtures/expected/$name"; then
		ok "$name matches fixtures/expected"
	else
		not_ok "$name differs from fixtures/expected/$name"
		diff "fixtures/expected/$name" "$file" | head -20 | sed 's/^/    /'
	fi
}
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
