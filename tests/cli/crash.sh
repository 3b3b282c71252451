#!/usr/bin/env bash
# A kill -9 at random moments, and a full disk: the store stays whole (SQLite's
# integrity_check, no half-written snapshot), running again completes without
# duplicates, and no output file is left partial (report, summary, CSV).
set -u
. tests/clilib.sh

# six copies of the 40-snapshot fleet capture, each with a label of its own, and the rest
work=()
for i in 1 2 3 4 5 6; do
	python3 tests/relabel.py fixtures/bundles/fleet.rssgap.tar.gz "$tmp/fleet$i.rssgap.tar.gz" "copy=$i"
	work+=("$tmp/fleet$i.rssgap.tar.gz")
done
work+=(fixtures/bundles/*.rssgap.tar.gz)
want=0
for b in "${work[@]}"; do want=$((want + $(tar -tzf "$b" | grep -c '/manifest$'))); done
check_store() { # check_store DB WHAT: store_check passes
	local got
	got=$(python3 tests/store_check.py "$1" 2>&1) || { not_ok "$2: $got"; return 1; }
}

# ---- kill -9 at 20 random moments of an ingest (half of them with -j 2) ----
db=$tmp/k.db
bad=0
for k in $(seq 1 20); do
	jobs=$((k % 2 + 1))
	"$RSSGAP" ingest --quiet -j "$jobs" --db "$db" "${work[@]}" 2>/dev/null &
	pid=$!
	# anywhere in the first 1.5 s: opening, the first snapshots, the middle of one
	sleep "$((RANDOM % 15)).$((RANDOM % 10))e-1"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ -e "$db" ] || continue
	check_store "$db" "after kill $k" || bad=$((bad + 1))
done
[ "$bad" -eq 0 ] && ok "20 kill -9 during ingest: the store passes integrity_check, no partial snapshot, each time" ||
	not_ok "$bad of 20 kills left the store damaged"
# a snapshot printed as ingested is committed: a kill -9 right after the first such line
# (a fresh store each time, the bundles' first batch still open) cannot have lost it
printed=0
lost=0
for k in 1 2 3 4 5 6; do
	rm -f "$tmp/p.db" "$tmp/p.db-wal" "$tmp/p.db-shm"
	: >"$tmp/out"
	"$RSSGAP" ingest -j "$((k % 2 + 1))" --db "$tmp/p.db" "${work[@]}" >"$tmp/out" 2>/dev/null &
	pid=$!
	while kill -0 "$pid" 2>/dev/null && ! grep -q '^ingested snapshot' "$tmp/out"; do sleep 0.005; done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	ids=$(sed -n 's/^ingested snapshot \([0-9]*\): .*/\1/p' "$tmp/out")
	[ -n "$ids" ] || continue
	printed=$((printed + $(echo $ids | wc -w)))
	lost=$((lost + $(python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(sum(1 for i in sys.argv[2:] if c.execute("SELECT count(*) FROM snapshot WHERE id = ?",
                                               (int(i),)).fetchone()[0] != 1))' "$tmp/p.db" $ids)))
done
[ "$printed" -gt 0 ] && [ "$lost" -eq 0 ] &&
	ok "a kill -9 after snapshots were printed as ingested: each is in the store ($printed printed)" ||
	not_ok "$lost of $printed snapshots printed as ingested are not in the store after a kill -9"
expect_status 0 "ingesting again after the kills exits 0" "$RSSGAP" ingest --quiet --db "$db" "${work[@]}"
got=$(python3 tests/store_check.py "$db")
case $got in "ok $want "*) ok "and completes: $want snapshots, each once" ;; *) not_ok "after the kills: $got (expected $want snapshots)" ;; esac

# ---- kill -9 during export and report: every file there is whole ----
"$RSSGAP" export --db "$db" --csv "$tmp/csv-ref" >/dev/null
"$RSSGAP" report --db "$db" 1 2 -o "$tmp/rep-ref" >/dev/null
partial=0
for k in $(seq 1 10); do
	rm -rf "$tmp/csv" "$tmp/rep"
	"$RSSGAP" export --db "$db" --csv "$tmp/csv" >/dev/null &
	p1=$!
	"$RSSGAP" report --db "$db" 1 2 -o "$tmp/rep" >/dev/null &
	p2=$!
	sleep "0.$((RANDOM % 6))"
	kill -9 "$p1" "$p2" 2>/dev/null
	wait "$p1" "$p2" 2>/dev/null
	for f in "$tmp"/csv/* "$tmp"/csv/.[!.]* "$tmp"/rep/* "$tmp"/rep/.[!.]*; do
		[ -e "$f" ] || continue
		ref=$tmp/${f#"$tmp"/}
		ref=${ref/\/csv\//\/csv-ref\/}
		ref=${ref/\/rep\//\/rep-ref\/}
		cmp -s "$f" "$ref" || { partial=$((partial + 1)); echo "    partial: $f"; }
	done
done
[ "$partial" -eq 0 ] && ok "10 kill -9 during export and report: every file left is whole" ||
	not_ok "$partial partial output files after kill -9"

# ---- a full disk (a small tmpfs) ----
full=$tmp/full
mkdir -p "$full"
if ! mount -t tmpfs -o size=3m tmpfs "$full" 2>/dev/null; then
	ok "# skip: full disk: cannot mount a small tmpfs here (needs root)"
	finish
	exit
fi
trap 'umount "$full" 2>/dev/null; rm -rf "$tmp"' EXIT
db=$full/f.db
"$RSSGAP" ingest --quiet --db "$db" "${work[@]}" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] && ok "ingest onto a full disk exits 1" || not_ok "ingest onto a full disk: exit $rc"
msg=$(head -1 "$tmp/err")
case $msg in
*":snap-"*"-1: commit: database or disk is full (database $db)"|*":snap-"*"-1: "*"database or disk is full (database $db)")
	ok "naming the bundle, the snapshot and the database: $msg" ;;
*) not_ok "full disk message: $msg" ;;
esac
grep -q ':runtime:' "$tmp/err" && not_ok "a full disk is blamed on the member \"runtime\"" ||
	ok "never blaming a member \"runtime\""
check_store "$db" "on the full disk" && ok "the store on the full disk is whole: $(python3 tests/store_check.py "$db")"
mount -o remount,size=64m "$full"
expect_status 0 "with space again, ingest completes" "$RSSGAP" ingest --quiet --db "$db" "${work[@]}"
got=$(python3 tests/store_check.py "$db")
case $got in "ok $want "*) ok "without duplicates: $want snapshots" ;; *) not_ok "after the full disk: $got" ;; esac
# fill what is left, then write a report and an export onto it
dd if=/dev/zero of="$full/filler" bs=64k 2>/dev/null
expect_status 1 "report onto a full disk exits 1" "$RSSGAP" report --db "$db" 1 2 -o "$full/rep"
grep -q "No space left on device" "$tmp/err" && ok "saying the disk is full" || not_ok "report: $(head -1 "$tmp/err")"
left=$(find "$full/rep" -type f 2>/dev/null | wc -l)
[ "$left" -eq 0 ] && ok "and leaves no partial report.png, report.svg or summary.md" ||
	not_ok "report left $left files: $(ls -a "$full/rep")"
expect_status 1 "export onto a full disk exits 1" "$RSSGAP" export --db "$db" --csv "$full/csv"
partial=0
for f in "$full"/csv/* "$full"/csv/.[!.]*; do
	[ -e "$f" ] || continue
	cmp -s "$f" "$tmp/csv-ref/${f##*/}" || partial=$((partial + 1))
done
[ "$partial" -eq 0 ] && ok "export leaves only whole CSV files ($(ls "$full/csv" | wc -l) of 15)" ||
	not_ok "export left $partial partial files"
finish
