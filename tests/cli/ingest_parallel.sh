#!/bin/bash
# rssgap ingest -j: every bundle of fixtures/bundles with two workers into a
# fresh database, three times over: no snapshot lost, none stored twice, a
# second ingest adds nothing, and two workers on identical content end with
# one row each (the other reported as a duplicate, never an error).
# Run from the repository root.
. tests/clilib.sh

bundles=(fixtures/bundles/*.rssgap.tar.gz)
# snapshots the bundles hold: one per member named manifest
want=0
for b in "${bundles[@]}"; do
	n=$(tar -tzf "$b" | grep -c '\(^\|/\)manifest$')
	want=$((want + n))
done
if [ "${#bundles[@]}" -ge 2 ] && [ "$want" -gt "${#bundles[@]}" ]; then
	ok "fixtures hold $want snapshots in ${#bundles[@]} bundles"
else
	not_ok "fixtures hold $want snapshots in ${#bundles[@]} bundles (expected several)"
fi

# list_count DB: the number of snapshots `list --json` prints (one "snapshot": ID each)
list_count() {
	"$RSSGAP" list --db "$1" --json | grep -o '"snapshot": *[0-9][0-9]*' | wc -l | tr -d ' '
}

for round in 1 2 3; do
	db="$tmp/round$round.db"
	expect_status 0 "round $round: ingest -j 2 of ${#bundles[@]} bundles exits 0" \
		"$RSSGAP" ingest -j 2 --db "$db" "${bundles[@]}"
	cp "$tmp/out" "$tmp/first$round"
	got=$(list_count "$db")
	if [ "$got" = "$want" ]; then ok "round $round: list counts $got snapshots"; else
		not_ok "round $round: list counts $got snapshots (expected $want)"; fi
	n=$(grep -c '^ingested snapshot ' "$tmp/first$round")
	if [ "$n" = "$want" ]; then ok "round $round: one 'ingested' line per snapshot"; else
		not_ok "round $round: $n 'ingested' lines (expected $want)"; fi
	if grep -qv -e '^ingested snapshot [0-9]*: ' -e '^already had snapshot [0-9]*: ' "$tmp/first$round"; then
		not_ok "round $round: a line of output is not a whole snapshot line"
		grep -v -e '^ingested snapshot ' -e '^already had snapshot ' "$tmp/first$round" | head -3 | sed 's/^/    /'
	else
		ok "round $round: every output line is whole"
	fi
	if [ -s "$tmp/err" ]; then not_ok "round $round: nothing on stderr (not a terminal)"
		head -3 "$tmp/err" | sed 's/^/    /'; else ok "round $round: nothing on stderr (not a terminal)"; fi
	expect_status 0 "round $round: a second ingest -j 2 exits 0" \
		"$RSSGAP" ingest -j 2 --db "$db" "${bundles[@]}"
	got=$(list_count "$db")
	if [ "$got" = "$want" ]; then ok "round $round: the second ingest adds none"; else
		not_ok "round $round: $got snapshots after the second ingest (expected $want)"; fi
	n=$(grep -c '^already had snapshot ' "$tmp/out")
	if [ "$n" = "$want" ]; then ok "round $round: the second ingest reports $n duplicates"; else
		not_ok "round $round: the second ingest reports $n duplicates (expected $want)"; fi
done

# the same lines but for the ids, whatever the order workers finished in
strip_ids() { sed 's/snapshot [0-9]*:/snapshot N:/' "$1" | sort; }
for round in 2 3; do
	if cmp -s <(strip_ids "$tmp/first1") <(strip_ids "$tmp/first$round"); then
		ok "round $round printed the same lines as round 1"
	else
		not_ok "round $round printed other lines than round 1"
		diff <(strip_ids "$tmp/first1") <(strip_ids "$tmp/first$round") | head -5 | sed 's/^/    /'
	fi
done

# identical content in two workers at once: one row, one duplicate, no error
db="$tmp/same.db"
fleet=fixtures/bundles/fleet.rssgap.tar.gz
nfleet=$(tar -tzf "$fleet" | grep -c '\(^\|/\)manifest$')
expect_status 0 "the same bundle twice with -j 2 exits 0" "$RSSGAP" ingest -j 2 --db "$db" "$fleet" "$fleet"
got=$(list_count "$db")
if [ "$got" = "$nfleet" ]; then ok "the same bundle twice stores $got snapshots once"; else
	not_ok "the same bundle twice stores $got snapshots (expected $nfleet)"; fi
n=$(grep -c '^already had snapshot ' "$tmp/out")
if [ "$n" = "$nfleet" ]; then ok "the other worker reports $n duplicates"; else
	not_ok "the other worker reports $n duplicates (expected $nfleet)"; fi

# on a terminal (script(1) gives one), a progress line redrawn with \r
if command -v script >/dev/null 2>&1; then
	script -qec "$RSSGAP ingest -j 2 --quiet --db $tmp/tty.db ${bundles[*]}" /dev/null >"$tmp/tty" 2>&1
	if grep -q $'\r.*rssgap: ingest [0-9]*/'"${#bundles[@]}"' bundles, [0-9.]* MB/s, ETA' "$tmp/tty"; then
		ok "on a terminal, stderr shows bundles done/total, MB/s and ETA"
	else
		not_ok "on a terminal, stderr shows bundles done/total, MB/s and ETA"
		head -c 300 "$tmp/tty" | cat -v | sed 's/^/    /'
	fi
	if grep -q "ingest ${#bundles[@]}/${#bundles[@]} bundles" "$tmp/tty"; then
		ok "the progress line reaches ${#bundles[@]}/${#bundles[@]}"
	else
		not_ok "the progress line reaches ${#bundles[@]}/${#bundles[@]}"
	fi
else
	ok "# skip: no script(1) to give ingest a terminal"
fi

expect_status 2 "-j 0 is a usage error" "$RSSGAP" ingest -j 0 --db "$tmp/x.db" "$fleet"
if grep -q 'bad -j "0"' "$tmp/err"; then ok "naming the bad -j"; else not_ok "naming the bad -j"; fi

finish
