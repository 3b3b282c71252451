#!/usr/bin/env bash
# Live and bare inputs: show --pid N and show /proc/N read a process the
# test started (a sleep) with the bundle's parsers, its Rss checked against
# /proc/N/smaps_rollup read here; a pid that does not exist is an error that
# says so. Bare files taken out of a fixture bundle (smaps, smaps_rollup,
# heap.pb.gz, heap.txt) are snapshots of one member: the same role totals as
# the bundle, identity unknown (a note on stderr, "unknown" in the header,
# null in JSON). A file that is none of these names itself and what was
# expected.
set -u
. tests/clilib.sh

b=fixtures/bundles/grow-after.rssgap.tar.gz
json_num() {	# json_num KEY FILE: the top-level "KEY": N of a show --json
	sed -n "s/^  \"$1\": \\([0-9-]*\\),\$/\\1/p" "$2"
}
roles_of() {	# roles_of FILE: the role table of a show's text
	sed -n '/^ROLE /,/^$/p' "$1"
}

# ---- a live process ----
if [ ! -r /proc/self/smaps_rollup ]; then
	echo "skip: no /proc/PID/smaps_rollup here"
	exit 77
fi
sleep 60 &
sp=$!
trap 'kill $sp 2>/dev/null; rm -rf "$tmp"' EXIT
for i in 1 2 3 4 5 6 7 8 9 10; do	# until the shell's child is sleep itself
	[ "$(cat /proc/$sp/comm 2>/dev/null)" = sleep ] && break
	sleep 0.1
done
expect_status 0 "show --pid of a sleep exits 0" "$RSSGAP" show --json --pid "$sp"
cp "$tmp/out" "$tmp/live.json"
want=$(awk '/^Rss:/ { print $2 * 1024 }' "/proc/$sp/smaps_rollup")
got=$(json_num rss "$tmp/live.json")
# the process sleeps: its Rss may move by a page or two between the reads
if [ -n "$got" ] && [ -n "$want" ] && [ $((got > want ? got - want : want - got)) -le 65536 ]; then
	ok "show --pid: Rss $got is smaps_rollup's $want (within 64 KiB)"
else
	not_ok "show --pid: Rss \"$got\", smaps_rollup says \"$want\""
fi
[ "$(json_num pid "$tmp/live.json")" = "$sp" ] && ok "show --pid: the pid is $sp" ||
	not_ok "show --pid: pid $(json_num pid "$tmp/live.json")"
grep -q '"captured_at": "20[0-9-]*T[0-9:]*Z"' "$tmp/live.json" && ok "show --pid: captured_at is now, RFC 3339" ||
	not_ok "show --pid: no captured_at"
expect_status 0 "show /proc/N exits 0" "$RSSGAP" show "/proc/$sp"
head -1 "$tmp/out" | grep -q "pid $sp (sleep), captured " && ok "show /proc/N: the header names pid and comm" ||
	not_ok "show /proc/N header: $(head -1 "$tmp/out")"
grep -q "^bundle: /proc/$sp\$" "$tmp/out" && ok "show /proc/N: the source is /proc/$sp" ||
	not_ok "show /proc/N: $(sed -n 2p "$tmp/out")"
grep -q '^exe ' "$tmp/out" && grep -q '^lib ' "$tmp/out" && ok "show /proc/N: exe and lib roles from the rules" ||
	not_ok "show /proc/N: no exe/lib roles"
expect_status 0 "diff BUNDLE /proc/N runs" "$RSSGAP" diff "$b" "/proc/$sp"
expect_status 0 "profile --pid N writes a profile" "$RSSGAP" profile --pid "$sp" -o "$tmp/live.pb.gz"
gzip -t "$tmp/live.pb.gz" 2>/dev/null && ok "profile --pid: the profile is gzip" || not_ok "profile --pid: not gzip"
"$RSSGAP" ingest --quiet --db "$tmp/live.db" "$b" 2>/dev/null
expect_status 0 "show --db FILE --pid N stores the snapshot" "$RSSGAP" show --db "$tmp/live.db" --pid "$sp"
expect_status 0 "list shows it" "$RSSGAP" list --db "$tmp/live.db"
grep -q "$sp" "$tmp/out" && ok "the stored live snapshot lists pid $sp" || not_ok "list: $(cat "$tmp/out")"
# ingest takes /proc/N as the live process too, next to bundles, in one batch
expect_status 0 "ingest /proc/N BUNDLE exits 0" "$RSSGAP" ingest -j 2 --db "$tmp/ingest.db" "/proc/$sp" "$b"
grep -q "^ingested snapshot [0-9]*: .* pid $sp (sleep) " "$tmp/out" &&
	ok "ingest /proc/N: the live sleep is ingested" || not_ok "ingest /proc/N: $(cat "$tmp/out")"
[ "$(grep -c '^ingested snapshot' "$tmp/out")" = 2 ] && ok "ingest /proc/N BUNDLE: two snapshots" ||
	not_ok "ingest /proc/N BUNDLE: $(cat "$tmp/out")"
src=$(python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(" ".join(r[0] for r in c.execute("SELECT m.value FROM manifest m JOIN snapshot s ON s.id = m.snapshot_id"
                                      " WHERE m.key = ? AND s.pid = ?", ("source", int(sys.argv[2])))))' \
	"$tmp/ingest.db" "$sp")
[ "$src" = live ] && ok "ingest /proc/N: its manifest says source=live" ||
	not_ok "ingest /proc/N: source \"$src\""
# another directory of /proc is no bundle: said, not libarchive's "Couldn't read link data"
expect_status 1 "ingest /proc/self exits 1" "$RSSGAP" ingest --db "$tmp/ingest.db" /proc/self
grep -q '/proc/self: a directory of /proc, not a bundle' "$tmp/err" &&
	grep -q 'hint: give it as /proc/PID' "$tmp/err" && ! grep -q 'link data' "$tmp/err" &&
	ok "ingest /proc/self: says it is /proc, not a bundle, and how to read it" ||
	not_ok "ingest /proc/self: $(cat "$tmp/err")"

# a pid that is not there (the largest pid_max is 2^22)
expect_status 1 "show --pid of no process exits 1" "$RSSGAP" show --pid 4194304
grep -q '/proc/4194304: no such process' "$tmp/err" && ok "the message says no such process" ||
	not_ok "$(cat "$tmp/err")"
expect_status 2 "show --pid abc is a usage error" "$RSSGAP" show --pid abc
expect_status 2 "show --pid N SNAPSHOT is a usage error" "$RSSGAP" show --pid "$sp" "$b"
kill "$sp" 2>/dev/null
wait "$sp" 2>/dev/null
expect_status 1 "show --pid of a process gone exits 1" "$RSSGAP" show --pid "$sp"

# ---- bare files ----
member() { tar -xOzf "$b" --wildcards "*/$1"; }
member proc/smaps >"$tmp/smaps"
member proc/smaps_rollup >"$tmp/rollup"
member runtime/heap.pb.gz >"$tmp/heap.pb.gz"
member runtime/heap.txt >"$tmp/heap.txt"

"$RSSGAP" show "$b" >"$tmp/bundle.txt" 2>/dev/null
"$RSSGAP" show --json "$b" >"$tmp/bundle.json" 2>/dev/null
expect_status 0 "show of a bare smaps exits 0" "$RSSGAP" show "$tmp/smaps"
cp "$tmp/out" "$tmp/smaps.txt"
grep -q 'note: .*smaps: a bare smaps file: no manifest, so pid, comm, captured_at and host are unknown' "$tmp/err" &&
	ok "bare smaps: stderr says which identity fields are missing" || not_ok "bare smaps stderr: $(cat "$tmp/err")"
head -1 "$tmp/smaps.txt" | grep -q '^snapshot 1: unknown host pid unknown (comm unknown), captured unknown$' &&
	ok "bare smaps: the header says unknown" || not_ok "bare smaps header: $(head -1 "$tmp/smaps.txt")"
if cmp -s <(roles_of "$tmp/bundle.txt") <(roles_of "$tmp/smaps.txt"); then
	ok "bare smaps: the role totals are the bundle's"
else
	not_ok "bare smaps: role totals differ"
	diff <(roles_of "$tmp/bundle.txt") <(roles_of "$tmp/smaps.txt") | head -10 | sed 's/^/    /'
fi
"$RSSGAP" show --json "$tmp/smaps" >"$tmp/smaps.json" 2>/dev/null
[ "$(json_num rss "$tmp/smaps.json")" = "$(json_num rss "$tmp/bundle.json")" ] &&
	ok "bare smaps: Rss is the bundle's" || not_ok "bare smaps: Rss $(json_num rss "$tmp/smaps.json")"
grep -q '^  "captured_at": null,$' "$tmp/smaps.json" && grep -q '^  "pid": null,$' "$tmp/smaps.json" &&
	grep -q '^  "host": null,$' "$tmp/smaps.json" && ok "bare smaps: captured_at, pid and host are null in JSON" ||
	not_ok "bare smaps JSON: $(head -6 "$tmp/smaps.json")"
gzip -c "$tmp/smaps" >"$tmp/smaps.gz"
"$RSSGAP" show "$tmp/smaps.gz" >"$tmp/smapsgz.txt" 2>/dev/null
cmp -s <(roles_of "$tmp/bundle.txt") <(roles_of "$tmp/smapsgz.txt") &&
	ok "bare smaps, gzipped: the same role totals" || not_ok "bare smaps.gz: role totals differ"
expect_status 0 "diff bundle against a bare smaps runs" "$RSSGAP" diff "$b" "$tmp/smaps"

expect_status 0 "show of a bare smaps_rollup exits 0" "$RSSGAP" show --json "$tmp/rollup"
want=$(awk '/^Rss:/ { print $2 * 1024 }' "$tmp/rollup")
[ "$(json_num rss "$tmp/out")" = "$want" ] && ok "bare rollup: Rss is the rollup's $want" ||
	not_ok "bare rollup: Rss $(json_num rss "$tmp/out"), expected $want"
grep -q 'a bare smaps_rollup file' "$tmp/err" && ok "bare rollup: stderr says it is bare" ||
	not_ok "bare rollup stderr: $(cat "$tmp/err")"

for h in heap.pb.gz heap.txt; do
	expect_status 0 "show of a bare $h exits 0" "$RSSGAP" show "$tmp/$h"
	grep -q 'a bare heap profile file: .*; no memory map' "$tmp/err" &&
		ok "bare $h: stderr says the memory map is missing" || not_ok "bare $h stderr: $(cat "$tmp/err")"
	grep -q 'resident (Rss, smaps) *unknown   (no memory map: Rss unknown)' "$tmp/out" &&
		ok "bare $h: Rss unknown, no memory map" || not_ok "bare $h: $(sed -n 4,6p "$tmp/out")"
	grep -qE '(heap profile in use \(pprof\) *[0-9.]* [KMG]iB|runtime-visible \(Sys-HeapReleased\) *[0-9.]* [KMG]iB   from heap.txt)' "$tmp/out" &&
		ok "bare $h: the runtime's view is shown" || not_ok "bare $h: $(sed -n 4,9p "$tmp/out")"
	grep -q 'no memory map: a heap profile alone has no VMAs' "$tmp/out" &&
		ok "bare $h: a note says the memory map is missing" || not_ok "bare $h: no note"
done
"$RSSGAP" show --json "$b" | sed -n 's/^  "pprof_inuse": \(.*\),$/\1/p' >"$tmp/want.inuse"
"$RSSGAP" show --json "$tmp/heap.pb.gz" 2>/dev/null | sed -n 's/^  "pprof_inuse": \(.*\),$/\1/p' >"$tmp/got.inuse"
cmp -s "$tmp/want.inuse" "$tmp/got.inuse" && ok "bare heap.pb.gz: pprof in-use is the bundle's ($(cat "$tmp/got.inuse"))" ||
	not_ok "bare heap.pb.gz: pprof_inuse $(cat "$tmp/got.inuse"), bundle $(cat "$tmp/want.inuse")"

expect_status 0 "ingest of a bare smaps exits 0" "$RSSGAP" ingest "$tmp/smaps"
grep -q '^ingested snapshot 1: - pid unknown (a bare smaps file, no manifest) rss 129.3 MiB, 64 VMAs$' "$tmp/out" &&
	ok "ingest of a bare smaps: its line says pid unknown" || not_ok "ingest: $(cat "$tmp/out")"
"$RSSGAP" ingest --quiet --db "$tmp/bare.db" "$tmp/smaps" >/dev/null 2>&1
expect_status 0 "list of a bare snapshot exits 0" "$RSSGAP" list --db "$tmp/bare.db"
awk 'NR == 2 && $2 == "-" && $3 == "-" && $4 == "-" { f = 1 } END { exit !f }' "$tmp/out" &&
	ok "list: a bare snapshot's captured, host and pid read '-', not 0" || not_ok "list: $(cat "$tmp/out")"
"$RSSGAP" list --db "$tmp/bare.db" --json >"$tmp/list.json" 2>&1
grep -q '"pid": null,' "$tmp/list.json" && grep -q '"captured_at": null,' "$tmp/list.json" &&
	ok "list --json: a bare snapshot's pid and captured_at are null" || not_ok "list --json: $(cat "$tmp/list.json")"
"$RSSGAP" list --db "$tmp/bare.db" --csv >"$tmp/list.csv" 2>&1
grep -q '^1,,,,,' "$tmp/list.csv" && ok "list --csv: a bare snapshot's pid is an empty field" ||
	not_ok "list --csv: $(cat "$tmp/list.csv")"

# ---- none of these ----
printf 'hello\nworld\n' >"$tmp/hello.txt"
expect_status 1 "show of a text file exits 1" "$RSSGAP" show "$tmp/hello.txt"
grep -q 'hello.txt: cannot open bundle: ' "$tmp/err" && ok "the error names the file" || not_ok "$(cat "$tmp/err")"
grep -q 'hint: expected a bundle (a tar archive, maybe compressed, or a directory), or a bare proc/smaps, proc/smaps_rollup or pprof heap profile' "$tmp/err" &&
	ok "the error says what was expected" || not_ok "$(cat "$tmp/err")"
printf 'hello\n' | gzip -c >"$tmp/hello.gz"
expect_status 1 "show of a gzipped text file exits 1" "$RSSGAP" show "$tmp/hello.gz"
grep -q 'hint: expected a bundle' "$tmp/err" && ok "a gzipped non-profile says what was expected" ||
	not_ok "$(cat "$tmp/err")"
finish
