#!/usr/bin/env bash
# Opening the store: only ingest and merge create a database; every other
# command refuses a missing one, and reads without writing; another
# program's SQLite file is refused by every command, untouched; a read-only
# database can be read; merge opens its shards read only.
set -u
. tests/clilib.sh
B=fixtures/bundles/baseline.rssgap.tar.gz
A=fixtures/bundles/cgo-after.rssgap.tar.gz
sum() { sha256sum "$1" | cut -d' ' -f1; }
# on DB CMD [ARGS]: the command CMD [ARGS] (one string) with --db DB
on() {
	local db=$1 words
	read -ra words <<<"$2"
	"$RSSGAP" "${words[0]}" --db "$db" "${words[@]:1}"
}

# ---- a missing --db ----
read_cmds=("list" "show 1" "diff 1 2" "report 1 -o $tmp/rep" "fleet --by version" "export --csv $tmp/csv")
for cmd in "${read_cmds[@]}"; do
	expect_status 1 "$cmd --db MISSING exits 1" on "$tmp/missing.db" "$cmd"
	grep -q "missing.db: no such database; ingest first" "$tmp/err" && [ ! -e "$tmp/missing.db" ] &&
		ok "$cmd: \"no such database; ingest first\", nothing created" ||
		not_ok "$cmd: $(head -1 "$tmp/err"); exists: $(ls "$tmp" | grep -c missing)"
done
# show/diff/report given a bundle still need the store to exist
expect_status 1 "show --db MISSING BUNDLE exits 1" "$RSSGAP" show --db "$tmp/missing.db" "$B"
[ ! -e "$tmp/missing.db" ] && ok "and creates nothing" || not_ok "show created the database"
expect_status 2 "list without any database is a usage error" env -u RSSGAP_DB "$RSSGAP" list
grep -q "needs a database: --db FILE or RSSGAP_DB" "$tmp/err" && ok "and says so, as fleet and export do" ||
	not_ok "list without a database: $(head -1 "$tmp/err")"
expect_status 0 "ingest creates a database" "$RSSGAP" ingest --quiet --db "$tmp/s.db" "$B" "$A"
expect_status 0 "merge creates its output" "$RSSGAP" merge "$tmp/m.db" "$tmp/s.db"

# ---- reading never writes the database file ----
before=$(sum "$tmp/s.db")
for cmd in "list" "show 1" "diff 1 2" "fleet --by version" "export --csv $tmp/csv" "report 1 2 -o $tmp/rep"; do
	on "$tmp/s.db" "$cmd" >/dev/null 2>&1 || not_ok "$cmd failed on a store"
done
[ "$(sum "$tmp/s.db")" = "$before" ] && ok "six read commands leave the database file as it was" ||
	not_ok "a read command wrote to the database file"
expect_status 0 "ingesting what it holds already" "$RSSGAP" ingest --quiet --db "$tmp/s.db" "$B"
python3 tests/store_check.py "$tmp/s.db" | grep -q '^ok 2 ' && ok "adds nothing: 2 snapshots" ||
	not_ok "store: $(python3 tests/store_check.py "$tmp/s.db")"

# ---- another program's SQLite file ----
python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("CREATE TABLE t(x)"); c.execute("INSERT INTO t VALUES(1)"); c.commit()
c = sqlite3.connect(sys.argv[2]); c.execute("PRAGMA user_version = -3"); c.execute("CREATE TABLE u(y)"); c.commit()
c = sqlite3.connect(sys.argv[3]); c.execute("PRAGMA user_version = 1"); c.execute("CREATE TABLE v(z)"); c.commit()' \
	"$tmp/foreign.db" "$tmp/negative.db" "$tmp/lookalike.db"
for f in foreign negative lookalike; do
	before=$(sum "$tmp/$f.db")
	refused=0
	for cmd in "${read_cmds[@]}" "ingest $B"; do
		on "$tmp/$f.db" "$cmd" >/dev/null 2>"$tmp/err"
		rc=$?
		[ "$rc" -eq 1 ] && grep -q "$f.db: not an rssgap database (user_version" "$tmp/err" &&
			refused=$((refused + 1))
	done
	[ "$refused" -eq 7 ] && ok "$f.db: all 7 commands refuse it (exit 1, \"not an rssgap database\")" ||
		not_ok "$f.db: $refused of 7 commands refused it: $(head -1 "$tmp/err")"
	[ "$(sum "$tmp/$f.db")" = "$before" ] && [ ! -e "$tmp/$f.db-wal" ] &&
		ok "$f.db: untouched (same bytes, not switched to WAL)" || not_ok "$f.db was changed"
done
expect_status 1 "merge refuses another program's file as a shard" "$RSSGAP" merge "$tmp/m2.db" "$tmp/foreign.db"
grep -q "foreign.db: not an rssgap database" "$tmp/err" && [ ! -e "$tmp/m2.db" ] &&
	ok "naming it, and creates no output for it" || not_ok "merge: $(head -1 "$tmp/err")"
before=$(sum "$tmp/foreign.db")
expect_status 1 "merge of a good shard and a foreign one exits 1" "$RSSGAP" merge "$tmp/m3.db" "$tmp/s.db" "$tmp/foreign.db"
grep -q "s.db: 2 snapshots added" "$tmp/out" && [ "$(sum "$tmp/foreign.db")" = "$before" ] &&
	ok "the good shard goes in, the foreign one is untouched" || not_ok "merge: $(cat "$tmp/out" "$tmp/err" | head -3)"
: >"$tmp/empty.db"
expect_status 1 "list of an empty file exits 1" "$RSSGAP" list --db "$tmp/empty.db"
grep -q "holds no rssgap store (an empty database); ingest first" "$tmp/err" && ok "saying it is empty" ||
	not_ok "empty file: $(head -1 "$tmp/err")"
expect_status 0 "ingest into an empty file makes it a store" "$RSSGAP" ingest --quiet --db "$tmp/empty.db" "$B"

# ---- a read-only database ----
# root ignores file modes: the reader then runs as nobody (setpriv), when it can
as_reader=()
if [ "$(id -u)" -eq 0 ]; then
	if command -v setpriv >/dev/null 2>&1; then
		as_reader=(setpriv --reuid=65534 --regid=65534 --clear-groups)
		chmod 755 "$tmp"
	fi
fi
rsg=$(cd "$(dirname "$RSSGAP")" && pwd)/$(basename "$RSSGAP")
if [ "$(id -u)" -eq 0 ] && [ ${#as_reader[@]} -eq 0 ]; then
	ok "# skip: read-only databases: running as root without setpriv to drop privileges"
elif [ "$(id -u)" -eq 0 ] && ! "${as_reader[@]}" test -x "$rsg"; then
	ok "# skip: read-only databases: nobody cannot run $rsg"
else
	mkdir -p "$tmp/ro"
	cp "$tmp/s.db" "$tmp/ro/s.db"
	chmod 444 "$tmp/ro/s.db"
	chmod 777 "$tmp/ro"
	expect_status 0 "a read-only database file is read" "${as_reader[@]}" "$rsg" list --db "$tmp/ro/s.db"
	expect_status 1 "ingest into it exits 1" "${as_reader[@]}" "$rsg" ingest --db "$tmp/ro/s.db" "$A"
	grep -q "ro/s.db: the database file is read-only" "$tmp/err" && ok "saying the file is read-only" ||
		not_ok "ingest into a read-only file: $(head -1 "$tmp/err")"
	rm -f "$tmp/ro/s.db-wal" "$tmp/ro/s.db-shm"
	chmod 555 "$tmp/ro"
	expect_status 0 "in a read-only directory (no -shm can be made) it is read" \
		"${as_reader[@]}" "$rsg" show --db "$tmp/ro/s.db" 1
	grep -q "27664" "$tmp/out" && ok "showing its snapshot" ||
		not_ok "show in a read-only directory: $(head -2 "$tmp/out")"
	# a -wal left beside it (a writer was killed) cannot be read without a -shm
	chmod 755 "$tmp/ro"
	python3 -c 'import sqlite3, sys, shutil
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA wal_autocheckpoint = 0"); c.execute("UPDATE snapshot SET comm = comm"); c.commit()
shutil.copy(sys.argv[1], sys.argv[2]); shutil.copy(sys.argv[1] + "-wal", sys.argv[2] + "-wal")' \
		"$tmp/s.db" "$tmp/ro/w.db"
	chmod 444 "$tmp/ro/w.db" "$tmp/ro/w.db-wal"
	chmod 555 "$tmp/ro"
	expect_status 1 "a read-only directory with a -wal file: exit 1" "${as_reader[@]}" "$rsg" list --db "$tmp/ro/w.db"
	grep -q "it has a write-ahead log (-wal file) and its directory is not writable" "$tmp/err" &&
		ok "saying why it cannot be read" || not_ok "read-only with -wal: $(head -1 "$tmp/err")"
	chmod 755 "$tmp/ro"
fi

finish
