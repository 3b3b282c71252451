#!/usr/bin/env bash
# The Go toolchain matrix (fixtures/matrix, fixtures/make-matrix.sh): real
# processes built with Go 1.22 to 1.26 and the client_golang of each. Every
# bundle ingests with its Go heap found where its own smaps says it is, and
# with runtime numbers from each source on its own (heap.txt, vars.json,
# metrics.prom as that client_golang names the series); Go 1.26's randomised
# heap bases are found by shape and align.
set -u
. tests/clilib.sh
M=fixtures/matrix

# json FILE EXPR: evaluate a python expression over the JSON object d.
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# heap_truth BUNDLE: start (hex) and Rss (kB) of the unnamed rw-p VMA with
# the most Rss in the bundle's own proc/smaps: the Go heap, wherever its base.
heap_truth() {
	tar -xzOf "$1" --wildcards '*/proc/smaps' | awk '
		/^[0-9a-f]+-[0-9a-f]+ / { split($1, r, "-"); cand = ($2 == "rw-p" && NF == 5); start = r[1]; next }
		$1 == "Rss:" && cand && $2 + 0 > best { best = $2 + 0; at = start }
		END { print at, best }'
}

n=0
for b in $M/*.rssgap.tar.gz; do
	name=$(basename "$b" .rssgap.tar.gz)
	n=$((n + 1))
	"$RSSGAP" ingest --quiet --db "$tmp/m.db" "$b" >/dev/null 2>"$tmp/err" || { not_ok "$name: ingest failed"; cat "$tmp/err"; continue; }
	"$RSSGAP" show --json "$b" >"$tmp/$name.json" 2>"$tmp/err" || { not_ok "$name: show failed"; continue; }
	for k in go_estimate heap_inuse heap_released pprof_inuse; do
		[ "$(json "$tmp/$name.json" "d['$k'] is not None and d['$k'] > 0")" = True ] ||
			not_ok "$name: $k unknown"
	done
	read -r at truth_kb <<<"$(heap_truth "$b")"
	got=$(json "$tmp/$name.json" "sum(r['rss'] for r in d['roles'] if r['role'] == 'go-heap')")
	# go-heap holds the heap VMA (and maybe more of the heap's run): at least
	# its Rss, at most the whole process's.
	if [ "$got" -ge $((truth_kb * 1024)) ] && [ "$got" -gt 0 ]; then
		ok "$name: go-heap holds the heap at $at (Rss $((truth_kb / 1024)) MiB)"
	else
		not_ok "$name: go-heap Rss $got, the heap at $at has $((truth_kb * 1024))"
	fi
done
[ "$n" -ge 27 ] && ok "$n matrix bundles" || not_ok "only $n matrix bundles"
ok "every bundle knows go_estimate, heap_inuse, heap_released, pprof_inuse (no not-ok above)"

# The role of the heap VMA itself, from the stored rows (export CSV: start is
# column 4, role 11): go-heap on every toolchain, by address hint before Go
# 1.26 and by shape on 1.26 (no hint there; this kernel names no VMA).
"$RSSGAP" export --db "$tmp/m.db" --csv "$tmp/csv" >/dev/null
for b in $M/*.rssgap.tar.gz; do
	name=$(basename "$b" .rssgap.tar.gz)
	read -r at _ <<<"$(heap_truth "$b")"
	pid=$(tar -xzOf "$b" --wildcards '*/manifest' | sed -n 's/^pid=//p')
	sid=$(awk -F, -v pid="$pid" 'NR > 1 && $0 ~ ("," pid ",") { print $1; exit }' "$tmp/csv/snapshot.csv")
	role=$(awk -F, -v sid="$sid" -v at="$((16#$at))" '$2 == sid && $4 == at { print $11 }' "$tmp/csv/vma.csv")
	[ "$role" = go-heap ] && ok "$name: the VMA at $at is go-heap" || not_ok "$name: the VMA at $at is '$role'"
done

# Runtime numbers from each source alone: heap.txt, vars.json (expvar
# memstats), metrics.prom (go_memstats_* and go_memory_classes_* as each
# client_golang exposes them). Each must give HeapInuse within 1% (or 1 MiB)
# of what the full bundle says: they were read moments apart.
only() { # BUNDLE MEMBER OUT: BUNDLE with runtime/MEMBER as its only runtime member
	rm -rf "$tmp/x" && mkdir "$tmp/x" && tar -xzf "$1" -C "$tmp/x"
	find "$tmp/x" -path '*/runtime/*' ! -name "$2" -delete
	tar -C "$tmp/x" -czf "$3" .
}
for tc in $(ls $M | sed -n 's/-memshape\.rssgap\.tar\.gz$//p'); do
	b=$M/$tc-memshape.rssgap.tar.gz
	cg=$(tar -xzOf "$b" --wildcards '*/manifest' | sed -n 's/^label.client_golang=//p')
	full=$(json "$tmp/$tc-memshape.json" "d['heap_inuse']")
	for member in heap.txt vars.json metrics.prom; do
		only "$b" "$member" "$tmp/only.rssgap.tar.gz"
		"$RSSGAP" show --json "$tmp/only.rssgap.tar.gz" >"$tmp/only.json" 2>/dev/null
		got=$(json "$tmp/only.json" "d['heap_inuse']")
		est=$(json "$tmp/only.json" "d['go_estimate']")
		if [ "$got" != None ] && [ "$est" != None ] &&
			[ "$(json "$tmp/only.json" "abs(d['heap_inuse'] - $full) <= max(0.01 * $full, 1 << 20)")" = True ]; then
			ok "$tc (client_golang $cg): $member alone gives HeapInuse $got and Sys-HeapReleased $est"
		else
			not_ok "$tc (client_golang $cg): $member alone gives HeapInuse $got, go_estimate $est (full: $full)"
		fi
	done
	only "$b" heap.pb.gz "$tmp/only.rssgap.tar.gz"
	"$RSSGAP" show --json "$tmp/only.rssgap.tar.gz" >"$tmp/only.json" 2>/dev/null
	[ "$(json "$tmp/only.json" "(d['pprof_inuse'] or 0) > 8 << 20")" = True ] &&
		ok "$tc: heap.pb.gz alone gives the pprof in-use bytes" || not_ok "$tc: no pprof in-use from heap.pb.gz"
done

# Go 1.26 randomises the heap base (GOEXPERIMENT randomizedheapbase64, on by
# default): the memshape captures of the newest toolchain have their heaps
# at different addresses, each found by shape (above), and two of them align
# heap to heap (analyze/align.c pairs the Go heap by role).
newest=$(ls $M | sed -n 's/-memshape\.rssgap\.tar\.gz$//p' | sort -V | tail -n 1)
bases=$(for b in $M/$newest-memshape*.rssgap.tar.gz; do heap_truth "$b" | cut -d' ' -f1; done | sort -u | wc -l)
runs=$(ls $M/$newest-memshape*.rssgap.tar.gz | wc -l)
[ "$runs" -ge 4 ] && [ "$bases" -eq "$runs" ] && ok "$newest: $runs processes, $bases different heap bases" ||
	not_ok "$newest: $runs processes but $bases heap bases"
# Two bases, one heap: diff pairs them (go-heap Rss on both sides, no growth);
# tests/test_align.c checks the region pair itself on these two smaps.
set -- $M/$newest-memshape.rssgap.tar.gz $M/$newest-memshape-4.rssgap.tar.gz
"$RSSGAP" diff --json "$1" "$2" >"$tmp/bases.json"
read -r a1 _ <<<"$(heap_truth "$1")"
read -r a2 _ <<<"$(heap_truth "$2")"
[ "$(json "$tmp/bases.json" "d['verdict']")" = no-growth ] && ok "$newest: heaps at $a1 and $a2, verdict no-growth" ||
	not_ok "$newest: heaps at $a1 and $a2: verdict $(json "$tmp/bases.json" "d['verdict']")"
[ "$(json "$tmp/bases.json" "[(r['rss_before'] > 16 << 20 and r['rss_after'] > 16 << 20 and abs(r['unexplained']) < 4 << 20) for r in d['roles'] if r['role'] == 'go-heap'] == [True]")" = True ] &&
	ok "$newest: go-heap on both sides, nothing unexplained" ||
	not_ok "$newest: go-heap $(json "$tmp/bases.json" "[r for r in d['roles'] if r['role'] == 'go-heap']")"
finish
