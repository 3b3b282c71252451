#!/bin/sh
# make demo: the main job on the committed fixtures. Bundles of real Go
# processes go in; a report of the Go 1.24-style zeroing regression comes out.
set -eu
out=${DEMO_OUT:-demo-out}
rssgap=${RSSGAP:-./rssgap}
db="$out/demo.db"
mkdir -p "$out"
rm -f "$db" "$db-wal" "$db-shm"
fleet_db="$out/fleet.db"
rm -f "$fleet_db" "$fleet_db-wal" "$fleet_db-shm"
echo "== rssgap ingest: the scenario bundles of fixtures/bundles (real Go processes)"
for b in fixtures/bundles/*.rssgap.tar.gz; do
	[ "$b" = fixtures/bundles/fleet.rssgap.tar.gz ] || "$rssgap" ingest --db "$db" "$b"
done
echo
echo "== rssgap show: one snapshot"
"$rssgap" show --db "$db" scenario=zeroing-after --top 5
echo
echo "== rssgap diff: before and after the zeroing change"
"$rssgap" diff --db "$db" scenario=zeroing-before scenario=zeroing-after
echo
echo "== rssgap fleet: 20 pods of v1 against 20 pods of v2 (one bundle of 40 snapshots)"
"$rssgap" ingest --quiet --db "$fleet_db" fixtures/bundles/fleet.rssgap.tar.gz
"$rssgap" fleet --db "$fleet_db" --by version --before v1 --after v2 -o "$out/fleet"
echo
echo "== rssgap report"
"$rssgap" report fixtures/bundles/zeroing-before.rssgap.tar.gz \
	fixtures/bundles/zeroing-after.rssgap.tar.gz -o "$out/report"
echo
echo "== the real Go 1.24 regression: one workload built with Go 1.23.12, 1.24.0 and 1.24.13 (fixtures/matrix)"
./rssgap diff fixtures/matrix/go1.23.12-largealloc-ptr.rssgap.tar.gz fixtures/matrix/go1.24.0-largealloc-ptr.rssgap.tar.gz
echo
./rssgap diff fixtures/matrix/go1.24.0-largealloc-ptr.rssgap.tar.gz fixtures/matrix/go1.24.13-largealloc-ptr.rssgap.tar.gz | head -n 1
echo
echo "open $out/report/report.png (or .svg) and paste $out/report/summary.md into the ticket"
