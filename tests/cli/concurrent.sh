#!/usr/bin/env bash
# Concurrent users of one database, as SQLite promises them in WAL mode:
# N ingest processes over disjoint bundle sets (with and without -j 2) all
# exit 0 and lose nothing while a reader lists the store over and over;
# a reader neither waits for a writer nor needs the write lock; writers wait
# for a lock held longer than any timeout would allow (11 s; it was 10 s).
# N = 8 here; RSSGAP_STRESS=1 also runs N = 16.
set -u
. tests/clilib.sh

# Disjoint sets: every bundle gets a label of its own (a new content digest).
srcs=(fixtures/bundles/*.rssgap.tar.gz)
make_set() { # make_set NAME WRITERS PER: bundles in $tmp/NAME/w<i>/
	local name=$1 n=$2 per=$3 i k b
	for ((i = 0; i < n; i++)); do
		mkdir -p "$tmp/$name/w$i"
		for ((k = 0; k < per; k++)); do
			b=${srcs[$(((i * per + k) % ${#srcs[@]}))]}
			python3 tests/relabel.py "$b" "$tmp/$name/w$i/$k.rssgap.tar.gz" "copy=$name-$i-$k"
		done
	done
}
snapshots_in() { # the manifests in the bundles under a directory
	local n=0 b
	for b in $(find "$1" -name '*.rssgap.tar.gz'); do
		n=$((n + $(tar -tzf "$b" | grep -c '/manifest$')))
	done
	echo "$n"
}
# reader DB STOP LOG: list DB until STOP exists; one line per run, its exit status
reader() {
	while [ ! -e "$2" ]; do
		"$RSSGAP" list --db "$1" --json >/dev/null 2>>"$3.err"
		echo $? >>"$3"
	done
}

# writers NAME N JOBS: N ingest processes at once, each over its own set, and a reader
writers() {
	local name=$1 n=$2 jobs=$3 db="$tmp/$1-j$3.db" i pids=() rc bad=0 want got
	make_set "$name" "$n" 3
	want=$(snapshots_in "$tmp/$name")
	# the store exists before the reader starts (a missing one is an error to read)
	"$RSSGAP" ingest --quiet --db "$db" "$tmp/$name/w0/0.rssgap.tar.gz"
	reader "$db" "$tmp/$name.stop" "$tmp/$name.reads" &
	local rpid=$!
	for ((i = 0; i < n; i++)); do
		"$RSSGAP" ingest --quiet -j "$jobs" --db "$db" "$tmp/$name/w$i/"*.rssgap.tar.gz \
			>"$tmp/$name.w$i.out" 2>"$tmp/$name.w$i.err" &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}"
		rc=$?
		if [ "$rc" -ne 0 ]; then
			bad=$((bad + 1))
			echo "    writer $i exit $rc: $(head -2 "$tmp/$name.w$i.err")"
		fi
	done
	touch "$tmp/$name.stop"
	wait "$rpid"
	[ "$bad" -eq 0 ] && ok "N=$n -j $jobs: every ingest exits 0" ||
		not_ok "N=$n -j $jobs: $bad of $n ingests failed"
	local reads fails
	reads=$(wc -l <"$tmp/$name.reads")
	fails=$(grep -vc '^0$' "$tmp/$name.reads")
	[ "$reads" -gt 0 ] && [ "$fails" -eq 0 ] && ok "N=$n -j $jobs: a reader listed the store $reads times meanwhile, never failing" ||
		not_ok "N=$n -j $jobs: $fails of $reads reads failed: $(head -2 "$tmp/$name.reads.err")"
	got=$(python3 tests/store_check.py "$db")
	[ "$got" = "ok $want $(echo "$got" | cut -d' ' -f3)" ] && ok "N=$n -j $jobs: the store is whole and holds all $want snapshots once" ||
		not_ok "N=$n -j $jobs: store_check says \"$got\" (expected ok $want ...)"
}

writers w8 8 1
writers w8j 8 2
if [ "${RSSGAP_STRESS:-}" = 1 ]; then
	writers w16 16 1
	writers w16j 16 2
fi

# A writer holds the lock 11 s: readers go on at once, 8 writers wait it out.
make_set lock 8 1
db=$tmp/lock.db
"$RSSGAP" ingest --quiet --db "$db" fixtures/bundles/baseline.rssgap.tar.gz
python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(11)
c.execute("COMMIT")' "$db" "$tmp/held" &
holder=$!
while [ ! -e "$tmp/held" ]; do sleep 0.1; done
pids=()
for ((i = 0; i < 8; i++)); do
	"$RSSGAP" ingest --quiet --db "$db" "$tmp/lock/w$i/0.rssgap.tar.gz" 2>"$tmp/lock.w$i.err" &
	pids+=($!)
done
expect_status 0 "while another connection holds the write lock, list reads" "$RSSGAP" list --db "$db"
kill -0 "$holder" 2>/dev/null && ok "and does not wait for it (the lock is still held)" ||
	not_ok "list returned only after the lock was released"
bad=0
for i in "${!pids[@]}"; do wait "${pids[$i]}" || bad=$((bad + 1)); done
wait "$holder"
[ "$bad" -eq 0 ] && ok "8 writers waited 11 s for the lock and exit 0" ||
	not_ok "$bad writers failed waiting: $(cat "$tmp"/lock.w*.err | head -2)"
want=$(($(snapshots_in "$tmp/lock") + 1))
got=$(python3 tests/store_check.py "$db")
case $got in "ok $want "*) ok "nothing lost: $want snapshots" ;; *) not_ok "after the wait: $got (expected $want)" ;; esac

finish
