#!/usr/bin/env bash
# The hostile bundles of issue 14 through the CLI (tests/test_hostile.c has
# the same in detail): the exit status, the message naming bundle, member and
# line or offset, and a store that is unchanged or holds exactly what went in.
# Then what only the CLI shows: escaped names, CSV cells, a directory bundle
# with a hard link, and the memory members held before a manifest take.
set -u
. tests/clilib.sh
H=fixtures/hostile

# says MESSAGE: stderr holds it (an empty one: stderr is empty)
says() {
	if [ -z "$1" ]; then [ ! -s "$tmp/err" ]; else grep -qF -- "$1" "$tmp/err"; fi
}
# case_of FIXTURE STATUS SNAPSHOTS MESSAGE: ingest into a fresh store
case_of() {
	local f=$1 want=$2 snaps=$3 msg=$4 db="$tmp/$1.db" got
	"$RSSGAP" ingest --quiet --db "$db" "$H/$f.rssgap.tar.gz" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -eq "$want" ] && says "$msg"; then
		ok "$f: exit $want, ${msg:+\"$msg\"}${msg:-nothing on stderr}"
	else
		not_ok "$f: exit $got (expected $want): $(head -2 "$tmp/err")"
	fi
	got=$(python3 tests/store_check.py "$db")
	case $got in "ok $snaps "*) ok "$f: the store is whole with $snaps snapshots" ;;
	*) not_ok "$f: store $got (expected $snaps snapshots)" ;; esac
}
case_of no-manifest 1 0 "$H/no-manifest.rssgap.tar.gz:snap: snapshot directory has members but no manifest"
[ "$(grep -c 'but no manifest' "$tmp/err")" -eq 1 ] && ok "no-manifest: reported once" ||
	not_ok "no-manifest: reported $(grep -c 'but no manifest' "$tmp/err") times"
case_of manifest-symlink 1 0 "manifest-symlink.rssgap.tar.gz:snap/manifest: member is a symbolic link (refused)"
case_of manifest-dir 1 0 "manifest-dir.rssgap.tar.gz:snap: snapshot directory has members but no manifest"
case_of damaged-header 1 1 "damaged-header.rssgap.tar.gz:byte 52736: damaged tar header (Damaged tar archive): the member it began is lost; snapshot \"a\" is rolled back"
case_of concatenated 0 2 ""
case_of trailing-garbage 1 1 "trailing-garbage.rssgap.tar.gz:byte 8974: 18 bytes after the end of the compressed archive (not read)"
case_of held-before-manifest 1 0 "held-before-manifest.rssgap.tar.gz:snap/cgroup/memory.x4:byte "
grep -q "(limit held_bytes)" "$tmp/err" && ok "held-before-manifest: names the cap held_bytes" ||
	not_ok "held-before-manifest: $(head -1 "$tmp/err")"
case_of interleaved 1 1 "interleaved.rssgap.tar.gz:a/proc/maps: member comes after its snapshot was closed: its members are split by another snapshot's, so snapshot 1 is incomplete and is removed again"
case_of totals-overflow 1 0 "totals-overflow.rssgap.tar.gz:snap/proc/smaps:27: the snapshot's Size total passes 2^63 bytes"
case_of duplicate-vma 1 0 "duplicate-vma.rssgap.tar.gz:snap/proc/smaps:53: VMA \"00402000-0081a000\" overlaps or comes before the VMA at line 27"
case_of page-size-nan 1 0 "page-size-nan.rssgap.tar.gz:snap/manifest:9: bad page_size \"NaN\""
case_of page-size-negative 1 0 "page-size-negative.rssgap.tar.gz:snap/manifest:9: bad page_size \"-4096\""
case_of nul-path 1 0 "nul-path.rssgap.tar.gz:snap/proc/smaps:1: NUL byte in the path at column 108"
case_of pax-warning 0 1 "pax-warning.rssgap.tar.gz:snap/proc/status: warning: Ignoring malformed pax extended attribute (read anyway)"

# a bundle ingested into a store that holds others: they stay as they were
db=$tmp/keep.db
"$RSSGAP" ingest --quiet --db "$db" fixtures/bundles/baseline.rssgap.tar.gz fixtures/bundles/cgo-after.rssgap.tar.gz
before=$("$RSSGAP" export --db "$db" --csv "$tmp/before" >/dev/null && cat "$tmp"/before/*.csv | grep -v ingested_at | sha256sum)
for f in no-manifest damaged-header interleaved totals-overflow duplicate-vma held-before-manifest; do
	"$RSSGAP" ingest --quiet --db "$db" "$H/$f.rssgap.tar.gz" 2>/dev/null
done
# what goes in: b of damaged-header and of interleaved (the same capture, so once)
python3 tests/store_check.py "$db" | grep -q '^ok 3 ' && ok "six hostile bundles add to a store only their whole snapshots (2 + 1)" ||
	not_ok "store after hostile bundles: $(python3 tests/store_check.py "$db")"
"$RSSGAP" export --db "$db" --csv "$tmp/after" >/dev/null
for t in vma role_total status; do
	n_before=$(grep -c '^[12],' "$tmp/before/$t.csv")
	n_after=$(grep -c '^[12],' "$tmp/after/$t.csv")
	[ "$n_before" = "$n_after" ] || not_ok "$t: the first two snapshots' rows changed ($n_before -> $n_after)"
done
ok "the snapshots it held keep their rows"

# members held before their manifest: 80 MiB of them, capped at 64 MiB (held_bytes)
if [ -x /usr/bin/time ]; then
	# ASan keeps 256 MiB of freed memory in quarantine by default: that
	# would be measured, not rssgap, so a sanitized build runs with 16
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16 \
		/usr/bin/time -f '%M' -o "$tmp/rss" "$RSSGAP" ingest --quiet "$H/held-before-manifest.rssgap.tar.gz" 2>/dev/null
	kb=$(tail -1 "$tmp/rss")
	[ "$kb" -lt 200000 ] && ok "80 MiB of members before the manifest take $((kb / 1024)) MiB of memory (under 200)" ||
		not_ok "held members took $((kb / 1024)) MiB of memory"
else
	ok "# skip: no /usr/bin/time to measure memory"
fi

# a directory bundle with a hard link to a file outside it
dir=$tmp/dirbundle
mkdir -p "$dir"
tar -xzf fixtures/bundles/baseline.rssgap.tar.gz -C "$dir"
echo "root:x:0:0:secret" >"$tmp/secret"
st=$(echo "$dir"/snap-*/proc/status)
rm "$st" && ln "$tmp/secret" "$st"
expect_status 1 "a directory bundle holding a hard link exits 1" "$RSSGAP" ingest --db "$tmp/hl.db" "$dir"
grep -q "dirbundle:snap-[0-9]*-1/proc/status: member is a hard link (2 names) (refused)" "$tmp/err" &&
	ok "naming the link, refused" || not_ok "hard link: $(head -1 "$tmp/err")"
python3 tests/store_check.py "$tmp/hl.db" | grep -q '^ok 0 ' && ! grep -q secret "$tmp/hl.db" &&
	ok "nothing of it is stored" || not_ok "the hard-linked file went in"

# names and text from bundles on a terminal, in CSV
# U+202E as bytes: $'\u202e' depends on the locale bash runs in (C in a fresh root)
evil=$tmp/$'evil\e[2J\xe2\x80\xae.rssgap.tar.gz'
cp fixtures/bundles/fleet.rssgap.tar.gz "$evil"
expect_status 1 "show of a bundle holding many snapshots exits 1" "$RSSGAP" show "$evil"
grep -qF 'evil\x1b[2J\u202e.rssgap.tar.gz: holds 40 snapshots' "$tmp/err" && ! grep -q $'\e' "$tmp/err" &&
	ok "its file name is escaped on the terminal" || not_ok "file name: $(head -1 "$tmp/err" | cat -v)"
db=$tmp/fb.db
"$RSSGAP" ingest --db "$db" "$H/formula-bidi.rssgap.tar.gz" >"$tmp/out" 2>/dev/null
grep -qF 'flip=abc\u202edcba' "$tmp/out" && ok "a bidi override in a label is escaped (ingest)" ||
	not_ok "ingest line: $(cat "$tmp/out")"
"$RSSGAP" list --db "$db" >"$tmp/out"
grep -qF 'flip=abc\u202edcba' "$tmp/out" && ! grep -q $'\xe2\x80\xae' "$tmp/out" && ok "and in list" ||
	not_ok "list: $(tail -1 "$tmp/out")"
"$RSSGAP" export --db "$db" --csv "$tmp/fcsv" >/dev/null
grep -qF "1,label.note,\"'=HYPERLINK(\"\"http://example.invalid/x\"\",\"\"open\"\")\"" "$tmp/fcsv/manifest.csv" &&
	grep -qF "1,label.owner,\"'@SUM(1+1)*cmd|' /C calc'!A0\"" "$tmp/fcsv/manifest.csv" &&
	ok "CSV: text a spreadsheet would run as a formula gets a leading '" ||
	not_ok "CSV formula cells: $(grep 'label\.\(note\|owner\)' "$tmp/fcsv/manifest.csv")"
grep -q ',-[0-9]' "$tmp/fcsv/vma.csv" && ! grep -q ",'-[0-9]" "$tmp/fcsv/vma.csv" &&
	ok "CSV: negative numbers stay numbers" || not_ok "CSV numbers were changed"
# a big member (many gzip blocks): a parse error before a damaged stream is
# reported first, at its line, then the read error at its byte, in stream
# order; whole, its digest is the one of the same snapshot read from a
# directory (guards any reading ahead of the parser)
big=$tmp/big
mkdir -p "$big/snap/proc"
printf 'format=rssgap/1\ncaptured_at=2026-11-22T10:30:00Z\npid=1\ncomm=big\nhost=h\n' >"$big/snap/manifest"
awk -v n=8000 -f bench/synth-smaps.awk >"$big/snap/proc/smaps"
tar -C "$big" -czf "$tmp/big.tar.gz" snap
head -c $(($(wc -c <"$tmp/big.tar.gz") / 2)) "$tmp/big.tar.gz" >"$tmp/big-cut.tar.gz"
awk 'NR == 40 { print "garbage line" } { print }' "$big/snap/proc/smaps" >"$tmp/smaps" &&
	mv "$tmp/smaps" "$big/snap/proc/smaps"
tar -C "$big" -czf "$tmp/bad.tar.gz" snap
head -c $(($(wc -c <"$tmp/bad.tar.gz") / 2)) "$tmp/bad.tar.gz" >"$tmp/bad-cut.tar.gz"
expect_status 1 "a cut big member exits 1" "$RSSGAP" ingest --db "$tmp/cut.db" "$tmp/big-cut.tar.gz"
grep -qE '^rssgap: [^ ]*big-cut.tar.gz:snap/proc/smaps:byte [1-9][0-9]*: cannot read member data: truncated gzip input$' "$tmp/err" &&
	[ "$(wc -l <"$tmp/err")" -eq 1 ] && ok "the read error names the member and its byte" ||
	not_ok "cut member: $(head -2 "$tmp/err")"
python3 tests/store_check.py "$tmp/cut.db" | grep -q '^ok 0 ' && ok "nothing of the cut snapshot is stored" ||
	not_ok "cut member: $(python3 tests/store_check.py "$tmp/cut.db")"
expect_status 1 "a bad line in a cut big member exits 1" "$RSSGAP" ingest --db "$tmp/bad.db" "$tmp/bad-cut.tar.gz"
head -1 "$tmp/err" | grep -qF 'bad-cut.tar.gz:snap/proc/smaps:40: unrecognised line "garbage line"' &&
	sed -n 2p "$tmp/err" | grep -qE 'bad-cut.tar.gz:snap/proc/smaps:byte [1-9][0-9]*: cannot read member data: truncated gzip input$' &&
	ok "the parse error comes first, the read error after it" || not_ok "bad cut member: $(head -2 "$tmp/err")"
expect_status 1 "a bad line in a whole big member exits 1" "$RSSGAP" ingest --db "$tmp/bad.db" "$tmp/bad.tar.gz"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qF 'bad.tar.gz:snap/proc/smaps:40: unrecognised line' "$tmp/err" &&
	ok "and alone when the stream is whole" || not_ok "bad member: $(head -2 "$tmp/err")"
awk -v n=8000 -f bench/synth-smaps.awk >"$big/snap/proc/smaps"
"$RSSGAP" ingest --db "$tmp/big.db" "$tmp/big.tar.gz" >/dev/null 2>&1
"$RSSGAP" ingest --db "$tmp/big.db" "$big" >"$tmp/out" 2>&1
grep -q '^already had snapshot 1: ' "$tmp/out" && ok "a big member from a tar.gz hashes as from a directory" ||
	not_ok "big member digest: $(head -1 "$tmp/out")"
finish
