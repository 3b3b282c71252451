#!/bin/sh
# Does a change to diff's internals keep its output? Runs two rssgap
# binaries on the same pairs of fixture bundles and compares stdout, stderr
# and exit status byte for byte: text and --json, from the bundles (an
# in-memory store) and from one store file by snapshot id.
#
# usage: sh bench/diff-same.sh OLD_RSSGAP NEW_RSSGAP
# Pairs: every truth case (before -> after, and with other thresholds), every
# ordered pair of the one-snapshot bundles in fixtures/bundles, every ordered
# pair of the matrix bundles of one program, and each hostile fixture against
# fixtures/bundles/baseline on either side. Prints one line per difference
# and a count; exits 1 when anything differs.
set -eu
[ $# -eq 2 ] || { echo "usage: sh bench/diff-same.sh OLD_RSSGAP NEW_RSSGAP" >&2; exit 2; }
old=$1 new=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/rssgap-diff-same.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
unset RSSGAP_DB

pairs="$work/pairs"
: >"$pairs"
for d in fixtures/truth/*/; do
	[ -f "$d/before.rssgap.tar.gz" ] && [ -f "$d/after.rssgap.tar.gz" ] &&
		echo "$d/before.rssgap.tar.gz $d/after.rssgap.tar.gz" >>"$pairs"
done
single=$(ls fixtures/bundles/*.rssgap.tar.gz | grep -v '/fleet\.')
for x in $single; do
	for y in $single; do
		echo "$x $y" >>"$pairs"
	done
done
for kind in largealloc-noptr largealloc-ptr memshape; do
	set -- $(ls fixtures/matrix/*-"$kind".rssgap.tar.gz fixtures/matrix/*-"$kind"-[0-9].rssgap.tar.gz 2>/dev/null)
	for x in "$@"; do
		for y in "$@"; do
			[ "$x" = "$y" ] || echo "$x $y" >>"$pairs"
		done
	done
done
hostile="$work/hostile"
ls fixtures/hostile/* | grep -v '\.py$' >"$hostile"

# store: every bundle of the pairs once, by the old binary (ingest is not what is compared)
ids="$work/ids"
: >"$ids"
for b in $(tr ' ' '\n' <"$pairs" | sort -u); do
	id=$("$old" ingest --db "$work/s.db" "$b" 2>/dev/null | sed -n 's/^[a-z ]*snapshot \([0-9]*\):.*/\1/p' | head -1)
	echo "$b $id" >>"$ids"
done
id_of() { awk -v b="$1" '$1 == b { print $2 }' "$ids"; }

n=0 bad=0
# run_both NAME ARGS...: one comparison
run_both() {
	name=$1
	shift
	for bin in old new; do
		eval "exe=\$$bin"
		rc=0
		"$exe" "$@" >"$work/$bin.out" 2>"$work/$bin.err" || rc=$?
		echo "$rc" >"$work/$bin.rc"
	done
	n=$((n + 1))
	if ! cmp -s "$work/old.out" "$work/new.out" || ! cmp -s "$work/old.err" "$work/new.err" ||
		! cmp -s "$work/old.rc" "$work/new.rc"; then
		bad=$((bad + 1))
		echo "DIFFERS: $name: rssgap $*"
	fi
}

while read -r b a; do
	run_both bundles diff "$b" "$a"
	run_both bundles diff --json "$b" "$a"
	ib=$(id_of "$b") ia=$(id_of "$a")
	run_both store diff --db "$work/s.db" "$ib" "$ia"
	run_both store diff --json --db "$work/s.db" "$ib" "$ia"
done <"$pairs"
# other thresholds and --top on the truth corpus: more findings, more regions listed
for d in fixtures/truth/*/; do
	[ -f "$d/before.rssgap.tar.gz" ] || continue
	for opts in "--min-bytes 1MiB --min-percent 1 --top 3" "--min-bytes 0 --min-percent 0 --top 100000"; do
		# shellcheck disable=SC2086
		run_both bundles diff $opts --json "$d/before.rssgap.tar.gz" "$d/after.rssgap.tar.gz"
		# shellcheck disable=SC2086
		run_both bundles diff $opts "$d/before.rssgap.tar.gz" "$d/after.rssgap.tar.gz"
	done
done
while read -r h; do
	run_both hostile diff fixtures/bundles/baseline.rssgap.tar.gz "$h"
	run_both hostile diff --json "$h" fixtures/bundles/baseline.rssgap.tar.gz
done <"$hostile"
echo "diff-same: $n comparisons, $bad differ"
[ "$bad" -eq 0 ]
