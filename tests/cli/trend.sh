#!/usr/bin/env bash
# rssgap trend on the real series of fixtures/trend: text, --json, -o DIR (PNG
# and SVG), selecting a series by its label in a database, refusing to mix two
# processes (and the selector it prints picking one), and its usage errors.
set -u
. tests/clilib.sh
T=fixtures/trend
heap=$T/heap-grows/series.rssgap.tar.gz
mmap=$T/mmap-grows/series.rssgap.tar.gz
saw=$T/sawtooth/series.rssgap.tar.gz

expect_status 0 "trend of a bundle holding a series" "$RSSGAP" trend "$mmap"
grep -qx 'reading: growing beyond the runtime' "$tmp/out" && ok "text: mmap-grows reads growing beyond the runtime" ||
	not_ok "text reading: $(sed -n 2p "$tmp/out")"
[ "$(grep -cE '^ +[1-5] +[0-9]+  2026-' "$tmp/out")" -eq 5 ] && ok "text: one row per snapshot, seq 1 to 5" ||
	not_ok "text rows: $(cat "$tmp/out")"
grep -qE '^  anon +\+' "$tmp/out" && ok "text: the anon role's slope is listed" || not_ok "no anon role row"
"$RSSGAP" trend "$heap" --top 1 >"$tmp/top1"
grep -q '^  \.\.\. [0-9]* more roles' "$tmp/top1" && ok "--top 1 lists one role and says how many more" ||
	not_ok "--top 1: $(tail -3 "$tmp/top1")"

expect_status 0 "trend --json" "$RSSGAP" trend "$saw" --json
python3 - "$tmp/out" <<'PY' && ok "--json: rssgap-trend/1, 6 snapshots in seq order, sawtooth, slopes" || not_ok "--json content"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["format"] == "rssgap-trend/1", j["format"]
assert j["reading"]["word"] == "sawtooth", j["reading"]
assert [s["seq"] for s in j["snapshots"]] == [1, 2, 3, 4, 5, 6]
assert all(s["gap"] == s["rss"] - s["go_estimate"] for s in j["snapshots"])
assert j["slopes"]["rss"]["rise"] >= 8 << 20 and j["slopes"]["rss"]["fall"] >= 8 << 20
assert j["seconds"] > 0 and j["slopes"]["rss"]["per_minute"] is not None
assert j["process"]["start_time"] and j["process"]["pid"] > 0
assert j["roles"] and all("rss" in r for r in j["roles"])
PY

expect_status 0 "trend -o DIR" "$RSSGAP" trend "$mmap" -o "$tmp/page"
[ "$(head -c 8 "$tmp/page/trend.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
	ok "trend.png is a PNG" || not_ok "trend.png is not a PNG"
grep -q '<text[^>]*>GROWING BEYOND THE RUNTIME</text>' "$tmp/page/trend.svg" &&
	ok "trend.svg draws the reading as <text>" || not_ok "trend.svg has no reading as text"
"$RSSGAP" trend "$mmap" -o "$tmp/page2" >/dev/null 2>&1
cmp -s "$tmp/page/trend.svg" "$tmp/page2/trend.svg" && ok "trend.svg is the same bytes twice" ||
	not_ok "trend.svg differs between runs"

# two processes: refused, listed, and the selector printed picks one
expect_status 1 "two processes are not mixed" "$RSSGAP" trend "$heap" "$saw"
grep -q 'holds snapshots of 2 processes' "$tmp/err" && [ "$(grep -c '^rssgap:   host=' "$tmp/err")" -eq 2 ] &&
	ok "the two processes are listed" || not_ok "two processes: $(cat "$tmp/err")"
sel=$(sed -n 's/^rssgap:   \(host=[^ ]*\) .*/\1/p' "$tmp/err" | head -n 1)
expect_status 0 "the listed selector picks one process" "$RSSGAP" trend "$heap" "$saw" "$sel" --json
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["reading"]["word"] == "growing-with-runtime" and len(j["snapshots"]) == 5' "$tmp/out" &&
	ok "... the heap-grows series, alone" || not_ok "picked: $(head -c 300 "$tmp/out")"

"$RSSGAP" trend fixtures/bundles/fleet.rssgap.tar.gz 2>"$tmp/err" >/dev/null
[ "$(grep -c '^rssgap:   host=\|^rssgap:   pod=' "$tmp/err")" -eq 20 ] && grep -q '^rssgap:   \.\.\. and 20 more processes' "$tmp/err" &&
	ok "40 processes: 20 named, the rest counted" || not_ok "many processes: $(head -3 "$tmp/err")"

# in a database, by the series label the capture wrote
db=$tmp/t.db
"$RSSGAP" ingest --quiet --db "$db" "$heap" "$mmap" "$saw"
series=$(tar -xzOf "$mmap" --wildcards '*/manifest' | sed -n 's/^label.series=//p' | head -n 1)
expect_status 0 "trend --db FILE series=NAME" "$RSSGAP" trend --db "$db" "series=$series"
grep -qx 'reading: growing beyond the runtime' "$tmp/out" && ok "series= finds the mmap-grows series" ||
	not_ok "series=: $(head -3 "$tmp/out")"
expect_status 0 "ids in any order come back in capture order" "$RSSGAP" trend --db "$db" 5 3 1 2 4 --json
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert [s["snapshot"] for s in j["snapshots"]] == [1,2,3,4,5]' "$tmp/out" &&
	ok "... ids 1 to 5" || not_ok "order: $(head -c 300 "$tmp/out")"
expect_status 1 "a selector matching nothing" "$RSSGAP" trend --db "$db" series=no-such
grep -q 'matches no snapshot' "$tmp/err" && ok "... says it matches no snapshot" || not_ok "no match: $(cat "$tmp/err")"
expect_status 1 "one snapshot is no trend" "$RSSGAP" trend --db "$db" 1
grep -q 'at least two snapshots' "$tmp/err" && ok "... says a trend needs two" || not_ok "one: $(cat "$tmp/err")"

# a live process read twice: its start_time is the one /proc/PID/stat says
sleep 30 &
sp=$!
st=$(sed 's/.*) //' "/proc/$sp/stat" | awk '{ print $20 }')
expect_status 0 "trend /proc/PID /proc/PID" "$RSSGAP" trend "/proc/$sp" "/proc/$sp" --json
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["process"]["start_time"] == sys.argv[2] and len(j["snapshots"]) == 2' "$tmp/out" "$st" &&
	ok "... one process, start_time $st from /proc/PID/stat" || not_ok "live: $(head -c 300 "$tmp/out")"
kill "$sp" 2>/dev/null
wait "$sp" 2>/dev/null

expect_status 2 "no selector is a usage error" "$RSSGAP" trend
RSSGAP_DB= expect_status 2 "key=value alone without a database is a usage error" "$RSSGAP" trend series=x
grep -q 'pass --db FILE' "$tmp/err" && ok "... and says to pass --db" || not_ok "no db: $(cat "$tmp/err")"
expect_status 2 "bad --min-bytes" "$RSSGAP" trend "$heap" --min-bytes lots
expect_status 0 "--min-bytes 1GiB makes the growing series steady" "$RSSGAP" trend "$heap" --min-bytes 1GiB
grep -qx 'reading: steady' "$tmp/out" && ok "... reads steady under a 1 GiB floor" || not_ok "floor: $(sed -n 2p "$tmp/out")"
finish
