#!/usr/bin/env bash
# The Go 1.24 zeroing regression (golang/go#72991), reproduced for real:
# fixtures/matrix/<toolchain>-largealloc-{ptr,noptr} are one workload (large
# pointer-bearing channel buffers and slices, half written, fresh from the
# OS) built with each toolchain. Go 1.24.0-1.24.5 zero every large
# pointer-bearing allocation (CL 614257); Go 1.23 and Go >= 1.24.6 (CL 659956,
# golang/go#73800) skip it for fresh memory. The truth is each bundle's own
# smaps (the heap VMA's Size and Rss) and heap.txt (HeapInuse); rssgap diff
# must name the growth in go-heap with that Size-vs-Rss evidence, see the
# fix as the reverse, and find nothing in the pointer-free control.
set -u
. tests/clilib.sh
M=fixtures/matrix

json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
b() { echo "$M/$1-largealloc-$2.rssgap.tar.gz"; }

# heap_vma BUNDLE: start Size Rss (bytes) of the unnamed rw-p VMA with the
# most Rss in the bundle's proc/smaps.
heap_vma() {
	tar -xzOf "$1" --wildcards '*/proc/smaps' | awk '
		/^[0-9a-f]+-[0-9a-f]+ / { split($1, r, "-"); cand = ($2 == "rw-p" && NF == 5); start = r[1]; next }
		$1 == "Size:" { size = $2 }
		$1 == "Rss:" && cand && $2 + 0 > best { best = $2 + 0; at = start; bsize = size }
		END { print at, bsize * 1024, best * 1024 }'
}
heap_inuse() { tar -xzOf "$1" --wildcards '*/runtime/heap.txt' | awk '/^# HeapInuse = / { print $4 }'; }
# fmt BYTES: as rssgap prints sizes (three significant digits, binary units)
fmt() {
	python3 -c '
import sys
v = float(sys.argv[1]); u = "B"
for unit in ("KiB", "MiB", "GiB", "TiB"):
    if v < 1024: break
    v /= 1024; u = unit
print(("%d B" % v) if u == "B" else ("%.2f %s" % (v, u) if v < 10 else "%.1f %s" % (v, u)))' "$1"
}

# --- the truth, from the captured files alone --------------------------
read -r _ s23 r23 <<<"$(heap_vma "$(b go1.23.12 ptr)")"
read -r _ s240 r240 <<<"$(heap_vma "$(b go1.24.0 ptr)")"
read -r _ sfix rfix <<<"$(heap_vma "$(b go1.24.13 ptr)")"
i23=$(heap_inuse "$(b go1.23.12 ptr)")
i240=$(heap_inuse "$(b go1.24.0 ptr)")
echo "# heap VMA Size/Rss: go1.23.12 $(fmt "$s23")/$(fmt "$r23"), go1.24.0 $(fmt "$s240")/$(fmt "$r240"), go1.24.13 $(fmt "$sfix")/$(fmt "$rfix")"
[ $((r240 - r23)) -gt $((256 << 20)) ] && [ $((r240 - rfix)) -gt $((256 << 20)) ] &&
	ok "smaps: the 1.24.0 heap is $(fmt $((r240 - r23))) more resident than 1.23's, $(fmt $((r240 - rfix))) more than 1.24.13's" ||
	not_ok "smaps: heap Rss 1.23 $r23, 1.24.0 $r240, 1.24.13 $rfix: the fixtures do not show the regression"
d=$((i240 - i23))
[ "${d#-}" -lt $((32 << 20)) ] && ok "heap.txt: HeapInuse $(fmt "$i23") -> $(fmt "$i240"): the runtime saw no such growth" ||
	not_ok "heap.txt: HeapInuse moved $d"

# --- 1.23 -> 1.24.0: unexplained growth in go-heap ----------------------
"$RSSGAP" diff --json "$(b go1.23.12 ptr)" "$(b go1.24.0 ptr)" >"$tmp/up.json"
"$RSSGAP" diff "$(b go1.23.12 ptr)" "$(b go1.24.0 ptr)" >"$tmp/up.txt"
[ "$(json "$tmp/up.json" "d['verdict']")" = unexplained-growth ] && ok "1.23 -> 1.24.0: unexplained-growth" ||
	not_ok "1.23 -> 1.24.0: verdict $(json "$tmp/up.json" "d['verdict']")"
[ "$(json "$tmp/up.json" "d['findings'][0]['role'] if d['findings'] else None")" = go-heap ] &&
	ok "1.23 -> 1.24.0: the first finding is go-heap" || not_ok "1.23 -> 1.24.0: findings $(json "$tmp/up.json" "[f['role'] for f in d['findings']]")"
[ "$(json "$tmp/up.json" "d['findings'][0]['unexplained'] > 256 << 20 and abs(d['findings'][0]['runtime_delta']) < 32 << 20")" = True ] &&
	ok "1.23 -> 1.24.0: $(fmt "$(json "$tmp/up.json" "d['findings'][0]['unexplained']")") unexplained, runtime saw $(fmt "$(json "$tmp/up.json" "abs(d['findings'][0]['runtime_delta'])")")" ||
	not_ok "1.23 -> 1.24.0: $(json "$tmp/up.json" "d['findings'][0]")"
# The evidence is the heap VMA itself, Size and Rss before and after, as smaps says.
[ "$(json "$tmp/up.json" "[(r['size_before'], r['rss_before'], r['size_after'], r['rss_after']) for r in d['findings'][0]['regions']][0]")" = "($s23, $r23, $s240, $r240)" ] &&
	ok "1.23 -> 1.24.0: region evidence is the heap VMA's Size/Rss from both smaps" ||
	not_ok "1.23 -> 1.24.0: regions $(json "$tmp/up.json" "d['findings'][0]['regions']"), smaps ($s23, $r23, $s240, $r240)"
line="size $(fmt "$s23") → $(fmt "$s240"), rss $(fmt "$r23") → $(fmt "$r240")"
grep -qF "$line" "$tmp/up.txt" && ok "1.23 -> 1.24.0 text says \"$line\"" || {
	not_ok "1.23 -> 1.24.0 text lacks \"$line\""
	sed -n '/^Finding 1/,/^$/p' "$tmp/up.txt" | sed 's/^/    /'
}
# The finding's sentence names the Size change the smaps shows (no "unchanged" for 952 -> 964 MiB).
if [ "$s23" = "$s240" ]; then want="with Size unchanged ($(fmt "$s240"))"; else
	want="with Size nearly unchanged ($(fmt "$s23") → $(fmt "$s240"))"; fi
[ "$(json "$tmp/up.json" "'$want' in d['findings'][0]['summary']")" = True ] &&
	ok "1.23 -> 1.24.0: the finding says \"$want\"" ||
	not_ok "1.23 -> 1.24.0: summary $(json "$tmp/up.json" "d['findings'][0]['summary']"), wanted \"$want\""
expect_status 3 "1.23 -> 1.24.0: --check exits 3" "$RSSGAP" diff --check "$(b go1.23.12 ptr)" "$(b go1.24.0 ptr)"

# --- 1.24.0 -> the fix: the reverse --------------------------------------
for fixed in go1.24.13 go1.24.6; do
	from=go1.24.0
	[ $fixed = go1.24.6 ] && from=go1.24.5 # the last release without the fix against the first with it
	"$RSSGAP" diff --json "$(b $from ptr)" "$(b $fixed ptr)" >"$tmp/down.json"
	[ "$(json "$tmp/down.json" "d['verdict'] == 'no-growth' and d['findings'] == []")" = True ] &&
		ok "$from -> $fixed: no-growth, no finding" || not_ok "$from -> $fixed: $(json "$tmp/down.json" "d['verdict']")"
	[ "$(json "$tmp/down.json" "[(r['rss_delta'] < -(256 << 20) and r['unexplained'] < -(256 << 20) and abs(r['runtime_delta']) < 8 << 20) for r in d['roles'] if r['role'] == 'go-heap'] == [True]")" = True ] &&
		ok "$from -> $fixed: go-heap Rss $(fmt "$(json "$tmp/down.json" "[-r['rss_delta'] for r in d['roles'] if r['role'] == 'go-heap'][0]")") down with the runtime unchanged" ||
		not_ok "$from -> $fixed: go-heap $(json "$tmp/down.json" "[r for r in d['roles'] if r['role'] == 'go-heap']")"
	expect_status 0 "$from -> $fixed: --check exits 0" "$RSSGAP" diff --check "$(b $from ptr)" "$(b $fixed ptr)"
done

# --- the pointer-free control: same sizes, no finding on any pair --------
for pair in "go1.23.12 go1.24.0" "go1.24.0 go1.24.13" "go1.23.12 go1.24.13"; do
	set -- $pair
	"$RSSGAP" diff --json "$(b "$1" noptr)" "$(b "$2" noptr)" >"$tmp/ctl.json"
	[ "$(json "$tmp/ctl.json" "d['findings'] == [] and d['verdict'] != 'unexplained-growth'")" = True ] &&
		ok "control $1 -> $2: no finding ($(json "$tmp/ctl.json" "d['verdict']"))" ||
		not_ok "control $1 -> $2: $(json "$tmp/ctl.json" "(d['verdict'], [f['summary'] for f in d['findings']])")"
done

# --- every toolchain against Go 1.23: growth exactly where the runtime
# source zeroes (malloc.go's mallocgcLarge: `!noscan || (needzero &&
# span.needzero != 0)` in go1.24.0-go1.24.5, `needzero && span.needzero != 0`
# before and after)
for f in $M/*-largealloc-ptr.rssgap.tar.gz; do
	tc=$(basename "$f" -largealloc-ptr.rssgap.tar.gz)
	[ "$tc" = go1.23.12 ] && continue
	case $tc in go1.24.[0-5]) want=unexplained-growth ;; *) want=no-growth ;; esac
	got=$("$RSSGAP" diff --json "$(b go1.23.12 ptr)" "$f" | python3 -c 'import json,sys; print(json.load(sys.stdin)["verdict"])')
	[ "$got" = "$want" ] && ok "go1.23.12 -> $tc: $got" || not_ok "go1.23.12 -> $tc: $got, expected $want"
done
finish
