#!/usr/bin/env bash
# rssgap profile, read by the real `go tool pprof`: for committed bundles of
# every kind (scenarios, the truth corpus with Go, C and Python processes,
# the Go toolchain matrix) pprof's total is the snapshot's Rss to the byte;
# -diff_base of two profiles totals after's Rss minus before's; -svg draws
# (with graphviz) and -http serves the profile on loopback. The go is the
# one tests/deps.sh installs (Debian's golang-go: /usr/bin/go), else the
# one in PATH; PPROF_GO=... tries another (a Go 1.26 toolchain, say).
set -u
. tests/clilib.sh

go=${PPROF_GO:-}
if [ -z "$go" ]; then
	if [ -x /usr/bin/go ]; then go=/usr/bin/go; else go=$(command -v go || true); fi
fi
if [ -z "$go" ]; then
	echo "skip: no go for go tool pprof (apt-get install golang-go)"
	exit 77
fi
# nothing fetched, nothing written outside $tmp
export GOTOOLCHAIN=local GOFLAGS= GOCACHE="$tmp/gocache" PPROF_TMPDIR="$tmp/pprof" GOENV=off
echo "# go tool pprof of $go ($("$go" version 2>&1))"
pprof() { "$go" tool pprof "$@"; }

rss_of() {	# rss_of SNAPSHOT [--db FILE]: the snapshot's Rss in bytes, from show --json
	"$RSSGAP" show --json "$@" | sed -n 's/^  "rss": \([0-9]*\),$/\1/p'
}
# the sum of the samples' first value (memory_space) of `pprof -raw`: exact bytes
raw_total() {
	pprof -raw "$@" 2>/dev/null | awk '/^Samples:/ { s = 1; next } /^[A-Z][a-z]*:/ { s = 0 }
		s && $1 ~ /^-?[0-9]+$/ && $2 ~ /^-?[0-9]+:$/ { t += $1 } END { printf "%d\n", t }'
}
# "Showing nodes accounting for X, P% of Z total" of -top with -unit=B and nothing dropped
top_line() { pprof -top -unit=B -nodefraction=0 -nodecount=1000000 "$@" 2>/dev/null | grep '^Showing nodes'; }

# ---- every kind of bundle: pprof's total is the Rss ----
bundles="fixtures/bundles/baseline.rssgap.tar.gz fixtures/bundles/cgo-after.rssgap.tar.gz
fixtures/bundles/lazyfree-after.rssgap.tar.gz fixtures/truth/mmap-go126/after.rssgap.tar.gz
fixtures/truth/prometheus/after.rssgap.tar.gz fixtures/truth/caddy/before.rssgap.tar.gz
fixtures/truth/cmalloc/after.rssgap.tar.gz fixtures/truth/python/after.rssgap.tar.gz
fixtures/truth/heap-1536-go119/after.rssgap.tar.gz fixtures/matrix/go1.26.8-memshape.rssgap.tar.gz
fixtures/matrix/go1.22.12-largealloc-ptr.rssgap.tar.gz"
i=0
for b in $bundles; do
	i=$((i + 1))
	name=${b#fixtures/}
	if ! "$RSSGAP" profile "$b" -o "$tmp/p$i.pb.gz" >"$tmp/out" 2>"$tmp/err"; then
		not_ok "$name: rssgap profile failed: $(head -2 "$tmp/err")"
		continue
	fi
	rss=$(rss_of "$b")
	top=$(top_line -sample_index=memory_space "$tmp/p$i.pb.gz")
	case $top in
	"Showing nodes accounting for ${rss}B, 100% of ${rss}B total") ok "$name: pprof -top total is the Rss, $rss B" ;;
	*) not_ok "$name: pprof says \"$top\", Rss is $rss" ;;
	esac
	raw=$(raw_total "$tmp/p$i.pb.gz")
	[ "$raw" = "$rss" ] && ok "$name: pprof -raw samples add up to the Rss" || not_ok "$name: -raw sums to $raw, Rss $rss"
done
# the default sample type is memory_space; inuse_space is the heap profile's
pprof -top "$tmp/p4.pb.gz" 2>/dev/null | grep -q '^Type: memory_space$' &&
	ok "memory_space is the default sample type" || not_ok "default type: $(pprof -top "$tmp/p4.pb.gz" 2>&1 | grep Type)"
inuse=$("$RSSGAP" show --json fixtures/truth/mmap-go126/after.rssgap.tar.gz | sed -n 's/^  "pprof_inuse": \([0-9]*\),$/\1/p')
top=$(top_line -sample_index=inuse_space "$tmp/p4.pb.gz")
case $top in
*" of ${inuse}B total") ok "inuse_space totals the heap profile's inuse_space ($inuse B)" ;;
*) not_ok "inuse_space: \"$top\", the heap profile says $inuse" ;;
esac
pprof -top -unit=B "$tmp/p4.pb.gz" 2>/dev/null >"$tmp/top4"
for want in 'not accounted by the runtime' 'main\.buffers' 'GC metadata (GCSys)' '/shape-go126$'; do
	grep -q "$want" "$tmp/top4" && ok "pprof -top names $want" || not_ok "pprof -top lacks $want"
done
pprof -top "$tmp/p8.pb.gz" 2>/dev/null | grep -q 'no Go runtime numbers' &&
	ok "a C process's profile says it has no runtime numbers" || not_ok "cmalloc: no comment on the runtime"
pprof -traces "$tmp/p8.pb.gz" 2>/dev/null | grep -q 'heap objects' &&
	not_ok "a C process's profile has heap objects" || ok "and stops at role and region"

# ---- every snapshot of a bundle of many, by id ----
"$RSSGAP" ingest --db "$tmp/fleet.db" fixtures/bundles/fleet.rssgap.tar.gz >/dev/null
n=0
bad=""
for id in $("$RSSGAP" list --db "$tmp/fleet.db" --json | sed -n 's/^ *"snapshot": \([0-9]*\),$/\1/p'); do
	n=$((n + 1))
	"$RSSGAP" profile --db "$tmp/fleet.db" "$id" -o "$tmp/f.pb.gz" >/dev/null 2>&1 || { bad="$bad $id(failed)"; continue; }
	[ "$(raw_total "$tmp/f.pb.gz")" = "$(rss_of --db "$tmp/fleet.db" "$id")" ] || bad="$bad $id"
done
[ "$n" -gt 1 ] && [ -z "$bad" ] && ok "fleet bundle: all $n snapshots add up to their Rss" || not_ok "fleet: $n snapshots, wrong:$bad"

# ---- -diff_base: the total is after's Rss minus before's ----
for case in mmap-go126 prometheus; do
	d=fixtures/truth/$case
	"$RSSGAP" profile $d/before.rssgap.tar.gz -o "$tmp/before.pb.gz" >/dev/null
	"$RSSGAP" profile $d/after.rssgap.tar.gz -o "$tmp/after.pb.gz" >/dev/null
	want=$(($(rss_of $d/after.rssgap.tar.gz) - $(rss_of $d/before.rssgap.tar.gz)))
	before=$(rss_of $d/before.rssgap.tar.gz)
	top=$(top_line -diff_base="$tmp/before.pb.gz" "$tmp/after.pb.gz")
	# pprof's "of Z total" is the base's; what the nodes account for is the difference
	case $top in
	"Showing nodes accounting for ${want}B, "*" of ${before}B total") ok "$case: -diff_base accounts for after - before = $want B" ;;
	*) not_ok "$case: -diff_base says \"$top\", after - before is $want" ;;
	esac
	raw=$(raw_total -diff_base="$tmp/before.pb.gz" "$tmp/after.pb.gz")
	[ "$raw" = "$want" ] && ok "$case: -diff_base -raw adds up to $want" || not_ok "$case: -diff_base -raw: $raw, want $want"
done

# ---- -svg (graphviz) ----
if command -v dot >/dev/null 2>&1; then
	if pprof -svg -output="$tmp/p.svg" "$tmp/p4.pb.gz" >/dev/null 2>"$tmp/err" && grep -q '<svg' "$tmp/p.svg" &&
		grep -q 'not accounted by the runtime' "$tmp/p.svg"; then
		ok "pprof -svg draws the profile"
	else
		not_ok "pprof -svg: $(head -2 "$tmp/err")"
	fi
else
	echo "# skip -svg: no graphviz dot (apt-get install graphviz)"
fi

# ---- -http on loopback: start it, read the page, stop it ----
served=""
lo_up=1
# an unshare'd network namespace starts with lo down (make newcomer brings it up)
if command -v ip >/dev/null 2>&1 && ! ip -o link show lo 2>/dev/null | grep -q '[<,]UP[,>]'; then lo_up=0; fi
for try in 1 2 3; do
	[ $lo_up -eq 1 ] || break
	port=$((20000 + (RANDOM % 20000)))
	pprof -http=127.0.0.1:$port -no_browser "$tmp/p4.pb.gz" >"$tmp/http.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do
		curl -sf "http://127.0.0.1:$port/ui/top" >"$tmp/page.html" 2>/dev/null && { served=$port; break; }
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	[ -n "$served" ] && break
	# the port was taken: try another; loopback missing: say so once
	grep -q 'address already in use' "$tmp/http.log" || break
done
if [ -n "$served" ]; then
	grep -q 'not accounted by the runtime' "$tmp/page.html" && ok "pprof -http serves the top page on loopback" ||
		not_ok "pprof -http page lacks the frames"
elif [ $lo_up -eq 0 ]; then
	echo "# skip -http: the loopback interface is down here"
elif grep -qiE 'cannot assign|network is unreachable|no such device' "$tmp/http.log"; then
	echo "# skip -http: no loopback here ($(head -1 "$tmp/http.log"))"
else
	not_ok "pprof -http did not serve: $(head -3 "$tmp/http.log")"
fi

# ---- the command's own rules ----
b=fixtures/bundles/baseline.rssgap.tar.gz
expect_status 2 "profile without -o is a usage error" "$RSSGAP" profile $b
expect_status 2 "profile without a snapshot is a usage error" "$RSSGAP" profile -o "$tmp/x.pb.gz"
expect_status 0 "profile -o - writes to a pipe" bash -c "'$RSSGAP' profile $b -o - | cat >'$tmp/stdout.pb.gz'"
"$RSSGAP" profile $b -o "$tmp/file.pb.gz" >/dev/null
cmp -s "$tmp/stdout.pb.gz" "$tmp/file.pb.gz" && ok "-o - writes the same bytes as -o FILE" || not_ok "-o - differs from -o FILE"
"$RSSGAP" profile $b -o "$tmp/again.pb.gz" >/dev/null
cmp -s "$tmp/again.pb.gz" "$tmp/file.pb.gz" && ok "the same snapshot makes the same bytes" || not_ok "profile is not deterministic"
if command -v script >/dev/null 2>&1; then
	script -qec "'$RSSGAP' profile $b -o -" /dev/null >"$tmp/tty.out" 2>&1
	grep -q 'standard output is a terminal' "$tmp/tty.out" && ok "-o - refuses a terminal" || not_ok "-o - on a terminal: $(head -c 200 "$tmp/tty.out")"
fi
expect_status 1 "-o - to a full disk fails" bash -c "'$RSSGAP' profile $b -o - >/dev/full"
grep -q 'error writing' "$tmp/err" && ok "and says so" || not_ok "full disk message: $(cat "$tmp/err")"
expect_status 1 "a directory that does not exist fails" "$RSSGAP" profile $b -o "$tmp/no/such/dir/p.pb.gz"
[ ! -e "$tmp/no" ] && ok "and leaves nothing" || not_ok "left $tmp/no"
# ---- --sample-index: what splits the heap objects among the allocation sites ----
# (go tool pprof's -sample_index names). memory_space still sums to the Rss; the
# second sample type is the chosen one, totalling the bundle's own heap profile.
CH=fixtures/truth/churn-go126/after.rssgap.tar.gz
tar -xOzf "$CH" --wildcards '*/runtime/heap.pb.gz' >"$tmp/heap.pb.gz"
rss=$(rss_of "$CH")
"$RSSGAP" profile "$CH" -o "$tmp/si-default.pb.gz" >/dev/null
for si in inuse_space alloc_space inuse_objects alloc_objects; do
	if ! "$RSSGAP" profile "$CH" --sample-index "$si" -o "$tmp/si-$si.pb.gz" >/dev/null 2>"$tmp/err"; then
		not_ok "profile --sample-index $si failed: $(head -1 "$tmp/err")"; continue
	fi
	top=$(top_line -sample_index=memory_space "$tmp/si-$si.pb.gz")
	[ "$top" = "Showing nodes accounting for ${rss}B, 100% of ${rss}B total" ] &&
		[ "$(raw_total "$tmp/si-$si.pb.gz")" = "$rss" ] &&
		ok "--sample-index $si: memory_space still adds up to the Rss ($rss B)" ||
		not_ok "--sample-index $si: memory_space \"$top\", Rss $rss"
	want=$(pprof -top -sample_index="$si" -unit=B -nodefraction=0 "$tmp/heap.pb.gz" 2>/dev/null |
		sed -n 's/^Showing nodes accounting for .* of \([0-9]*\)B* total$/\1/p')
	got=$(pprof -top -sample_index="$si" -unit=B -nodefraction=0 "$tmp/si-$si.pb.gz" 2>/dev/null |
		sed -n 's/^Showing nodes accounting for .* of \([0-9]*\)B* total$/\1/p')
	[ -n "$want" ] && [ "$got" = "$want" ] &&
		ok "--sample-index $si: the profile's $si totals the bundle's heap profile ($want)" ||
		not_ok "--sample-index $si: $si totals \"$got\", the heap profile says \"$want\""
	pprof -top -sample_index="$si" "$tmp/si-$si.pb.gz" 2>/dev/null | grep -q "^Type: $si\$" &&
		pprof -comments "$tmp/si-$si.pb.gz" 2>/dev/null | grep -q "split by the heap profile's $si" &&
		ok "--sample-index $si: its sample type and comment say so" || not_ok "--sample-index $si: type or comment"
done
cmp -s "$tmp/si-default.pb.gz" "$tmp/si-inuse_space.pb.gz" &&
	ok "--sample-index inuse_space is the default, to the byte" || not_ok "--sample-index inuse_space differs from the default"
# the heap objects take the same resident bytes, split otherwise: alloc_space gives a site what it allocated
heap_of() { pprof -top -sample_index=memory_space -unit=B -nodefraction=0 -focus='^heap objects' "$1" 2>/dev/null |
	sed -n 's/^Showing nodes accounting for \([0-9]*\)B.*/\1/p'; }
a=$(heap_of "$tmp/si-inuse_space.pb.gz"); b=$(heap_of "$tmp/si-alloc_space.pb.gz")
[ -n "$a" ] && [ "$a" = "$b" ] && ! cmp -s "$tmp/si-inuse_space.pb.gz" "$tmp/si-alloc_space.pb.gz" &&
	ok "--sample-index alloc_space: the heap objects keep their $a B, split differently" ||
	not_ok "--sample-index alloc_space: heap objects $b B, inuse_space's $a B"
for bad in bogus inuse-space INUSE_SPACE memory_space ''; do
	expect_status 2 "profile --sample-index '$bad': usage error" "$RSSGAP" profile "$CH" --sample-index "$bad" -o "$tmp/bad.pb.gz"
	grep -q "bad --sample-index \"$bad\" (expected one of inuse_space, alloc_space, inuse_objects, alloc_objects)" "$tmp/err" ||
		not_ok "profile --sample-index '$bad': $(head -1 "$tmp/err")"
done
[ ! -e "$tmp/bad.pb.gz" ] && ok "a bad --sample-index writes no profile" || not_ok "a bad --sample-index wrote a profile"

finish
