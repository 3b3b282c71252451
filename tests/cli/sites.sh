#!/usr/bin/env bash
# Allocation sites in diff, against the real `go tool pprof -top -diff_base`
# on the heap profiles inside the bundles: for an explained heap growth
# (fixtures/truth/heap-64-go126) and the Go 1.24 regression pair
# (fixtures/matrix, go1.23.12 -> go1.24.0 largealloc-ptr), the change of
# every site rssgap lists, summed by leaf function, is pprof's flat change
# of that function, to the byte, and pprof names no function rssgap misses.
# The text says what it shows; a C process (no heap profile) shows nothing.
# go is found as tests/cli/profile.sh finds it.
set -u
. tests/clilib.sh

db=$tmp/s.db
"$RSSGAP" ingest --quiet --db "$db" fixtures/truth/heap-64-go126/before.rssgap.tar.gz \
	fixtures/truth/heap-64-go126/after.rssgap.tar.gz \
	fixtures/matrix/go1.23.12-largealloc-ptr.rssgap.tar.gz \
	fixtures/matrix/go1.24.0-largealloc-ptr.rssgap.tar.gz \
	fixtures/truth/cmalloc/before.rssgap.tar.gz fixtures/truth/cmalloc/after.rssgap.tar.gz

# ---- the text ----
"$RSSGAP" diff --db "$db" 1 2 >"$tmp/heap.txt"
grep -q '^ALLOCATION SITES THAT GREW' "$tmp/heap.txt" &&
	grep -Eq '^ +0 B +63\.8 MiB +\+63\.8 MiB  main\.buffers <- main\.act' "$tmp/heap.txt" &&
	grep -q 'last completed GC' "$tmp/heap.txt" &&
	ok "heap-64: the site that grew is main.buffers <- main.act, +63.8 MiB" ||
	not_ok "heap-64: $(sed -n '/^ALLOCATION/,/^THREE/p' "$tmp/heap.txt" | head -8)"
"$RSSGAP" diff --db "$db" 3 4 >"$tmp/go124.txt"
grep -q '^ALLOCATION SITES of the go-heap finding' "$tmp/go124.txt" &&
	grep -Eq '^  [0-9]+ x 256\.[0-9] KiB = [0-9.]+ MiB +[0-9]+ x 256\.[0-9] KiB = [0-9.]+ MiB +main\.shape\.addChan' "$tmp/go124.txt" &&
	grep -q "^  large objects in all: .*, while go-heap's Rss changed by +404.2 MiB" "$tmp/go124.txt" &&
	ok "go1.24.0: the channels' 256 KiB buffers are large objects before and after" ||
	not_ok "go1.24.0: $(sed -n '/^LARGE/,/^THREE/p' "$tmp/go124.txt" | head -8)"
"$RSSGAP" diff --db "$db" 1 2 --top 1 | grep -c 'main\.' >"$tmp/n"
[ "$(cat "$tmp/n")" = 1 ] && ok "--top 1 lists one site" || not_ok "--top 1 lists $(cat "$tmp/n")"
"$RSSGAP" diff --db "$db" 5 6 >"$tmp/c.txt"
"$RSSGAP" diff --db "$db" 5 6 --json >"$tmp/c.json"
! grep -q 'ALLOCATION SITES' "$tmp/c.txt" && ! grep -q allocation_sites "$tmp/c.json" &&
	ok "no heap profile: no allocation sites" || not_ok "cmalloc shows allocation sites"

# ---- a schema 1 store (before the large objects were stored) is upgraded, its rows unknown ----
old=$tmp/old.db
"$RSSGAP" ingest --quiet --db "$old" fixtures/matrix/go1.23.12-largealloc-ptr.rssgap.tar.gz
python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("ALTER TABLE pprof_site DROP COLUMN large_inuse_space")
c.execute("ALTER TABLE pprof_site DROP COLUMN large_inuse_objects")
c.execute("PRAGMA user_version = 1")
c.commit()' "$old"
expect_status 1 "a schema 1 store is not read without an upgrade" "$RSSGAP" diff --db "$old" 1 1
grep -q "schema version 1 is older than this rssgap's 2" "$tmp/err" && ok "naming both versions" ||
	not_ok "$(cat "$tmp/err")"
"$RSSGAP" ingest --quiet --db "$old" fixtures/matrix/go1.24.0-largealloc-ptr.rssgap.tar.gz &&
	"$RSSGAP" diff --db "$old" 1 2 >"$tmp/old.txt" 2>"$tmp/err" &&
	grep -q '^  not known: a side was ingested by an rssgap that did not store them' "$tmp/old.txt" &&
	grep -q '^ALLOCATION SITES of the go-heap finding' "$tmp/old.txt" &&
	ok "upgraded to schema 2 by ingest: the old side's large objects are unknown, not 0" ||
	not_ok "upgrade: $(head -3 "$tmp/err") $(sed -n '/^LARGE/,+2p' "$tmp/old.txt")"

# ---- against go tool pprof ----
go=${PPROF_GO:-}
if [ -z "$go" ]; then
	if [ -x /usr/bin/go ]; then go=/usr/bin/go; else go=$(command -v go || true); fi
fi
if [ -z "$go" ]; then
	echo "# skip the pprof comparison: no go for go tool pprof (apt-get install golang-go)"
	finish
	exit $?
fi
export GOTOOLCHAIN=local GOFLAGS= GOCACHE="$tmp/gocache" PPROF_TMPDIR="$tmp/pprof" GOENV=off
echo "# go tool pprof of $go ($("$go" version 2>&1))"

# heap_of BUNDLE OUT: the bundle's runtime/heap.pb.gz
heap_of() {
	mkdir -p "$tmp/x" && rm -rf "$tmp/x"/* &&
		tar xzf "$1" -C "$tmp/x" --wildcards '*/runtime/heap.pb.gz' &&
		mv "$tmp/x"/*/runtime/heap.pb.gz "$2"
}
# "FUNCTION FLAT" per function with a non-zero flat change, sorted
pprof_flat() {
	"$go" tool pprof -top -unit=B -nodefraction=0 -nodecount=1000000 -sample_index=inuse_space \
		-diff_base "$1" "$2" 2>/dev/null | awk '
		/^ *flat / { t = 1; next }
		t && NF >= 6 {
			f = $1; sub(/B$/, "", f); if (f == 0) next
			name = $6; for (i = 7; i <= NF; i++) if ($i != "(inline)") name = name " " $i
			print name, f
		}' | sort
}
# the same from rssgap diff --json: every changed site, summed by leaf
rssgap_flat() {
	"$RSSGAP" diff --db "$db" "$1" "$2" --json --top 100000 | python3 -c '
import json, sys
s = json.load(sys.stdin)["allocation_sites"]
by = {}
for v in s["changed"]:
    by[v["leaf"]] = by.get(v["leaf"], 0) + v["inuse_space_change"]
for k, v in by.items():
    if v:
        print(k, v)' | sort
}
compare() {	# compare NAME BEFORE-BUNDLE AFTER-BUNDLE BEFORE-ID AFTER-ID
	heap_of "$2" "$tmp/b.pb.gz" && heap_of "$3" "$tmp/a.pb.gz" ||
		{ not_ok "$1: no runtime/heap.pb.gz in the bundles"; return; }
	pprof_flat "$tmp/b.pb.gz" "$tmp/a.pb.gz" >"$tmp/pprof.txt"
	rssgap_flat "$4" "$5" >"$tmp/rssgap.txt"
	if [ ! -s "$tmp/pprof.txt" ]; then
		not_ok "$1: go tool pprof -top -diff_base printed no function"
	elif cmp -s "$tmp/pprof.txt" "$tmp/rssgap.txt"; then
		ok "$1: every site's change is pprof -diff_base's flat change ($(wc -l <"$tmp/pprof.txt") functions)"
	else
		not_ok "$1: pprof (<) and rssgap (>) differ"
		diff "$tmp/pprof.txt" "$tmp/rssgap.txt" | head -10 | sed 's/^/    /'
	fi
}
# ---- show: one snapshot's sites, against go tool pprof -top of its own profile ----
# The bytes each site holds must be pprof's flat bytes of a function; the names are
# compared only where no allocator frame leads (rssgap names a site by its first frame
# past runtime.mallocgc and the like, pprof's flat goes to the allocator itself).
show_case() {	# show_case NAME BUNDLE [names]
	heap_of "$2" "$tmp/one.pb.gz" || { not_ok "$1: no runtime/heap.pb.gz in the bundle"; return; }
	"$go" tool pprof -top -unit=B -nodefraction=0 -nodecount=1000000 -sample_index=inuse_space \
		"$tmp/one.pb.gz" 2>/dev/null | awk '
		/^ *flat / { t = 1; next }
		t && NF >= 6 {
			f = $1; sub(/B$/, "", f); if (f == 0) next
			name = $6; for (i = 7; i <= NF; i++) if ($i != "(inline)") name = name " " $i
			print name, f
		}' | sort >"$tmp/pprof1.txt"
	"$RSSGAP" show --json --top 100000 "$2" 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)["allocation_sites"]
by = {}
for v in s["top"]:
    by[v["leaf"]] = by.get(v["leaf"], 0) + v["inuse_space"]
for k, v in by.items():
    print(k, v)' | sort >"$tmp/rssgap1.txt"
	if [ "${3:-}" != names ]; then
		awk '{ print $NF }' "$tmp/pprof1.txt" | sort -n >"$tmp/p1" && mv "$tmp/p1" "$tmp/pprof1.txt"
		awk '{ print $NF }' "$tmp/rssgap1.txt" | sort -n >"$tmp/r1" && mv "$tmp/r1" "$tmp/rssgap1.txt"
	fi
	if [ -s "$tmp/pprof1.txt" ] && cmp -s "$tmp/pprof1.txt" "$tmp/rssgap1.txt"; then
		ok "$1: show's sites are go tool pprof -top's flat inuse_space ($(wc -l <"$tmp/pprof1.txt") functions)"
	else
		not_ok "$1: pprof -top (<) and show (>) differ"
		diff "$tmp/pprof1.txt" "$tmp/rssgap1.txt" | head -10 | sed 's/^/    /'
	fi
}
show_case "show go1.24.0 largealloc-ptr" fixtures/matrix/go1.24.0-largealloc-ptr.rssgap.tar.gz names
show_case "show heap-64-go126 after" fixtures/truth/heap-64-go126/after.rssgap.tar.gz
# the regression's shape in one snapshot: main.shape.addChan's large objects are its
# 256 KiB channel buffers (fixtures/scenarios/largealloc), 2048 of them (sampling: +-15%)
"$RSSGAP" show --json fixtures/matrix/go1.24.0-largealloc-ptr.rssgap.tar.gz >"$tmp/one.json" 2>/dev/null
python3 - "$tmp/one.json" <<'PY' && ok "show: addChan holds ~2048 large objects of 256 KiB" || not_ok "show: addChan's large objects"
import json, sys
d = json.load(open(sys.argv[1]))["allocation_sites"]
v = [s for s in d["top"] if s["leaf"] == "main.shape.addChan"][0]
size = v["large_inuse_space"] / v["large_inuse_objects"]
sys.exit(0 if abs(size - 262144) < 2622 and 0.85 * 2048 <= v["large_inuse_objects"] <= 1.15 * 2048 else 1)
PY
"$RSSGAP" show --json fixtures/truth/cmalloc/after.rssgap.tar.gz >"$tmp/c.json" 2>/dev/null
grep -q '^  "allocation_sites": null$' "$tmp/c.json" && ok "show: a C process has no allocation sites (null)" ||
	not_ok "show: C process allocation_sites: $(grep allocation_sites "$tmp/c.json")"
"$RSSGAP" show fixtures/truth/cmalloc/after.rssgap.tar.gz >"$tmp/c.txt" 2>/dev/null
grep -q 'allocation sites' "$tmp/c.txt" && not_ok "show: a C process prints a sites block" ||
	ok "show: no sites block without a heap profile"

compare "heap-64-go126" fixtures/truth/heap-64-go126/before.rssgap.tar.gz \
	fixtures/truth/heap-64-go126/after.rssgap.tar.gz 1 2
compare "go1.23.12 -> go1.24.0 largealloc-ptr" fixtures/matrix/go1.23.12-largealloc-ptr.rssgap.tar.gz \
	fixtures/matrix/go1.24.0-largealloc-ptr.rssgap.tar.gz 3 4
finish
