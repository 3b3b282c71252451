#!/usr/bin/env bash
# show --explain: every VMA with its descriptor and the rule that gave its
# role, classified again from the database with the rules in effect now.
set -u
. tests/clilib.sh
B=fixtures/bundles
db=$tmp/e.db
"$RSSGAP" ingest --quiet --db "$db" $B/zeroing-after.rssgap.tar.gz $B/race-after.rssgap.tar.gz $B/cgo-after.rssgap.tar.gz

for s in zeroing-after race-after cgo-after; do
	expect_status 0 "show --explain scenario=$s" "$RSSGAP" show --db "$db" --explain "scenario=$s"
	n=$("$RSSGAP" show --db "$db" --json --top 100000 "scenario=$s" | grep -c '"range":')
	[ "$(grep -c '^  descriptor: ' "$tmp/out")" -eq "$n" ] && [ "$(grep -c '^  rule: ' "$tmp/out")" -eq "$n" ] &&
		ok "$s: a descriptor and a rule for each of its $n VMAs" || not_ok "$s: $(tail -1 "$tmp/out")"
	# classified again in another process, from the stored VMAs: the roles ingest stored
	tail -1 "$tmp/out" | grep -qx "$n VMAs; 0 would now get another role than the stored one" &&
		ok "$s: the same roles as at ingest" || not_ok "$s: $(tail -1 "$tmp/out")"
done
"$RSSGAP" show --db "$db" --explain scenario=zeroing-after >"$tmp/z"
grep -A2 '^00c000000000-00c007400000 rw-p go-heap$' "$tmp/z" >"$tmp/heap"
grep -q '^  descriptor: rw-p 0 \[anon\] @c000000000 size=7400000 exe=0 shape=heap64 ' "$tmp/heap" &&
	grep -Eq '^  rule:       default\.rules:[0-9]+: go-heap \^rw-p 0 \\\[anon\\\] ' "$tmp/heap" &&
	ok "the Go heap: its descriptor, and the default rule (file:line, role, pattern) that matched" ||
	not_ok "go heap explained as: $(cat "$tmp/heap")"
line=$(sed -n 's/^  rule:       default\.rules:\([0-9]*\): go-heap .*/\1/p' "$tmp/heap")
sed -n "${line}p" fixtures/rules/default.rules | grep -q '^go-heap ' && ok "default.rules:$line is that go-heap rule" ||
	not_ok "default.rules:$line is: $(sed -n "${line}p" fixtures/rules/default.rules)"

# rules given now change the explanation, and say what was stored
printf '# mine\nlibc-mine /libc\\.so\\.6\\b\n' >"$tmp/my.rules"
expect_status 0 "show --explain --rules FILE" "$RSSGAP" show --db "$db" --explain --rules "$tmp/my.rules" scenario=cgo-after
grep -A2 'r-xp libc-mine (stored: lib)$' "$tmp/out" | grep -q "^  rule:       $tmp/my.rules:2: libc-mine /libc\\\\.so\\\\.6\\\\b$" &&
	ok "a VMA the new rule takes: its stored role and the rule's file:line" || not_ok "--rules: $(grep -A2 libc-mine "$tmp/out" | head -3)"
k=$(grep -c '(stored: lib)$' "$tmp/out")
[ "$k" -gt 0 ] && tail -1 "$tmp/out" | grep -q "; $k would now get another role than the stored one$" &&
	ok "and counts them ($k)" || not_ok "count: $(tail -1 "$tmp/out")"

# a path with control bytes and a backslash reaches the terminal escaped
dir=$tmp/hostile
mkdir -p "$dir"
tar -xzf $B/baseline.rssgap.tar.gz -C "$dir"
sed -i 's|/libc\.so\.6$|/li\x1b[31mb\\c.so.6|' "$dir"/snap-*/proc/smaps
expect_status 0 "show --explain of a path with ESC and a backslash" "$RSSGAP" show --explain "$dir"
grep -q '^  descriptor: r-xp [0-9a-f]* /usr/lib/x86_64-linux-gnu/li\\x1b\[31mb\\x5cc\.so\.6 @' "$tmp/out" &&
	! grep -q $'\x1b' "$tmp/out" && ok "ESC as \\x1b, the backslash as the descriptor writes it (\\x5c)" ||
	not_ok "hostile path: $(grep -a 'li.*so' "$tmp/out" | head -2)"

expect_status 2 "--explain with --json is a usage error" "$RSSGAP" show --db "$db" --explain --json scenario=cgo-after
finish
