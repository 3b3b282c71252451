#!/usr/bin/env bash
# Past one machine: shards ingested separately and merged give the same
# snapshots as one ingest; export --csv writes every table.
set -u
. tests/clilib.sh
B=fixtures/bundles

"$RSSGAP" ingest --db "$tmp/all.db" $B/*.rssgap.tar.gz >"$tmp/all.txt"
"$RSSGAP" ingest --quiet --db "$tmp/s1.db" $B/baseline.rssgap.tar.gz $B/zeroing-*.rssgap.tar.gz $B/cgo-after.rssgap.tar.gz
"$RSSGAP" ingest --quiet --db "$tmp/s2.db" $B/fleet.rssgap.tar.gz $B/zeroing-after.rssgap.tar.gz $B/[glr]*.rssgap.tar.gz
expect_status 0 "merge two shards into a new database" "$RSSGAP" merge "$tmp/m.db" "$tmp/s1.db" "$tmp/s2.db"
grep -q "s1.db: 4 snapshots added, 0 already there" "$tmp/out" && grep -q "s2.db: 46 snapshots added, 1 already there" "$tmp/out" &&
	ok "counts added and already-there snapshots" || not_ok "merge output: $(cat "$tmp/out")"
count() { "$RSSGAP" list --db "$1" --json | grep -c '"snapshot":'; }
[ "$(count "$tmp/m.db")" -eq "$(count "$tmp/all.db")" ] && ok "merged holds as many snapshots as one ingest ($(count "$tmp/all.db"))" ||
	not_ok "merged $(count "$tmp/m.db") != $(count "$tmp/all.db")"
expect_status 0 "merging again" "$RSSGAP" merge "$tmp/m.db" "$tmp/s1.db"
grep -q "0 snapshots added, 4 already there" "$tmp/out" && ok "adds nothing" || not_ok "$(cat "$tmp/out")"
# the same analysis on the merged database
strip() { grep -v '"snapshot":\|"ingested_at"'; }
for s in zeroing-after cgo-after; do
	"$RSSGAP" show --db "$tmp/all.db" "scenario=$s" --json | strip >"$tmp/a.json"
	"$RSSGAP" show --db "$tmp/m.db" "scenario=$s" --json | strip >"$tmp/m.json"
	cmp -s "$tmp/a.json" "$tmp/m.json" && ok "show $s is the same after the merge" || not_ok "show $s differs after merge"
done
"$RSSGAP" diff --db "$tmp/m.db" scenario=zeroing-before scenario=zeroing-after --json | strip >"$tmp/md.json"
"$RSSGAP" diff --db "$tmp/all.db" scenario=zeroing-before scenario=zeroing-after --json | strip >"$tmp/ad.json"
cmp -s "$tmp/md.json" "$tmp/ad.json" && ok "diff is the same after the merge" || not_ok "diff differs after merge"
expect_status 1 "a missing shard is an error" "$RSSGAP" merge "$tmp/m.db" "$tmp/nope.db"
[ ! -e "$tmp/nope.db" ] && ok "and is not created" || not_ok "merge created the missing shard"
expect_status 2 "merge without a shard is a usage error" "$RSSGAP" merge "$tmp/m.db"

expect_status 2 "fleet --before without --after is a usage error" "$RSSGAP" fleet --db "$tmp/m.db" --by version --before v1
expect_status 0 "fleet of the merged database" "$RSSGAP" fleet --db "$tmp/m.db" --by version --before v1 --after v2
expect_status 0 "export --csv" "$RSSGAP" export --db "$tmp/m.db" --csv "$tmp/csv"
[ "$(wc -l <"$tmp/out")" -eq 15 ] && ok "15 tables written" || not_ok "tables: $(cat "$tmp/out")"
# every ingested line ends "N VMAs"; /proc paths never hold a newline, so a CSV row is a line
vmas=$(sed -n 's/.*, \([0-9]*\) VMAs$/\1/p' "$tmp/all.txt" | awk '{ n += $1 } END { print n }')
rows=$(($(wc -l <"$tmp/csv/vma.csv") - 1))
[ "$rows" = "$vmas" ] && ok "vma.csv holds every VMA ($rows)" || not_ok "vma.csv rows $rows != $vmas"
head -1 "$tmp/csv/snapshot.csv" | grep -q '^id,digest,bundle,dir,captured_at,pid' && ok "CSV header names the columns" ||
	not_ok "header: $(head -1 "$tmp/csv/snapshot.csv")"
expect_status 2 "export without --csv is a usage error" "$RSSGAP" export --db "$tmp/m.db"
finish
