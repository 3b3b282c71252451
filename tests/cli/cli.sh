#!/usr/bin/env bash
# The command line as a new user meets it: help, version, the units the tool
# prints accepted back, rules errors that name the file once.
set -u
. tests/clilib.sh
B=fixtures/bundles
zb=$B/zeroing-before.rssgap.tar.gz
za=$B/zeroing-after.rssgap.tar.gz

# help CMD is CMD --help, for every command
for c in ingest list show diff report fleet merge export; do
	"$RSSGAP" "$c" --help >"$tmp/want" 2>&1
	expect_status 0 "rssgap help $c exits 0" "$RSSGAP" help "$c"
	cmp -s "$tmp/out" "$tmp/want" && grep -q "^usage: rssgap $c " "$tmp/out" &&
		ok "rssgap help $c prints $c --help" || not_ok "rssgap help $c: $(head -1 "$tmp/out")"
done
expect_status 2 "rssgap help of an unknown command exits 2" "$RSSGAP" help nosuch
grep -q 'unknown command "nosuch"' "$tmp/err" && ok "and names it" || not_ok "help nosuch said: $(head -1 "$tmp/err")"
expect_status 0 "rssgap help lists the commands" "$RSSGAP" help
grep -q "rssgap help COMMAND" "$tmp/out" && ok "and says how to get a command's help" || not_ok "help: $(tail -2 "$tmp/out")"

# -V is --version; the capture script reports the same version
expect_status 0 "-V exits 0" "$RSSGAP" -V
cp "$tmp/out" "$tmp/V"
expect_status 0 "--version exits 0" "$RSSGAP" --version
cmp -s "$tmp/V" "$tmp/out" && grep -Eqx 'rssgap [0-9]+\.[0-9]+\.[0-9]+' "$tmp/out" && ok "-V prints what --version prints" ||
	not_ok "-V: $(cat "$tmp/V"), --version: $(cat "$tmp/out")"
v=$(sed 's/^rssgap //' "$tmp/out")
[ "$(sh capture/rssgap-capture --version)" = "rssgap-capture $v" ] && ok "rssgap-capture --version reports $v too" ||
	not_ok "capture says $(sh capture/rssgap-capture --version), binary $v"

# diff --help prints a percent sign, not a printf escape
"$RSSGAP" diff --help >"$tmp/out"
grep -q 'P% of the before Rss' "$tmp/out" && ! grep -q '%%' "$tmp/out" && ok "diff --help says P% of the before Rss" ||
	not_ok "diff --help: $(grep min-percent "$tmp/out")"
for c in ingest list show diff report fleet merge export; do
	"$RSSGAP" "$c" --help | grep -q '%%' && not_ok "$c --help prints %%"
done
# ingest -j works without --db (an in-memory check), as its help says
"$RSSGAP" ingest --help | grep -- '--jobs' | grep -q 'needs --db' && not_ok "ingest --help says -j needs --db"
expect_status 0 "ingest -j 2 without --db" "$RSSGAP" ingest -j 2 $B/baseline.rssgap.tar.gz $B/cgo-after.rssgap.tar.gz
[ "$(grep -c '^ingested snapshot' "$tmp/out")" -eq 2 ] && ok "and checks both bundles" || not_ok "ingest -j 2: $(cat "$tmp/out")"

# sizes in the units the tool prints, plain bytes, and percentages with %
"$RSSGAP" diff --json $zb $za >"$tmp/default.json"
for size in 8MiB "8 MiB" 8M 8192KiB 8388608 0.0078125GiB; do
	expect_status 0 "--min-bytes '$size'" "$RSSGAP" diff --json --min-bytes "$size" $zb $za
	cmp -s "$tmp/out" "$tmp/default.json" && ok "--min-bytes '$size' is the default 8 MiB" ||
		not_ok "--min-bytes '$size' changed the result"
done
for pct in 5 5% "5 %" 5.0%; do
	expect_status 0 "--min-percent '$pct'" "$RSSGAP" diff --json --min-percent "$pct" $zb $za
	cmp -s "$tmp/out" "$tmp/default.json" && ok "--min-percent '$pct' is the default 5%" ||
		not_ok "--min-percent '$pct' changed the result"
done
# the zeroing pair has 96.1 MiB unexplained: 1G (GiB) and 400% keep it out, 512KiB keeps it in
"$RSSGAP" diff --json --min-bytes 1G $zb $za | grep -q '"verdict": "unexplained-growth"' &&
	not_ok "--min-bytes 1G still finds 96 MiB" || ok "--min-bytes 1G is a GiB: no finding"
"$RSSGAP" diff --json --min-percent 400% $zb $za | grep -q '"verdict": "unexplained-growth"' &&
	not_ok "--min-percent 400% still finds +300%" || ok "--min-percent 400%: no finding"
"$RSSGAP" diff --json --min-bytes 512KiB $zb $za | grep -q '"verdict": "unexplained-growth"' &&
	ok "--min-bytes 512KiB finds it" || not_ok "--min-bytes 512KiB found nothing"
for bad in 8XiB -1 "" 1.5 MiB 8MiBs; do
	expect_status 2 "--min-bytes '$bad' is a usage error" "$RSSGAP" diff --min-bytes "$bad" $zb $za
done
grep -q 'bad --min-bytes "8MiBs" (expected a size' "$tmp/err" && ok "and says a size is expected" ||
	not_ok "--min-bytes 8MiBs said: $(head -1 "$tmp/err")"
for bad in x % -5 1001 5%%; do
	expect_status 2 "--min-percent '$bad' is a usage error" "$RSSGAP" diff --min-percent "$bad" $zb $za
done
for bad in 0 5x -1 100001 ""; do
	expect_status 2 "show --top '$bad' is a usage error" "$RSSGAP" show --top "$bad" $zb
done
grep -q 'bad --top "" (expected 1 to 100000)' "$tmp/err" && ok "and names the value and the range" ||
	not_ok "--top '' said: $(head -1 "$tmp/err")"
expect_status 0 "--limit member_bytes=64MiB" "$RSSGAP" ingest --quiet --limit member_bytes=64MiB $zb
expect_status 1 "--limit line_bytes=1KiB stops a longer line" "$RSSGAP" ingest --quiet --limit line_bytes=1KiB \
	fixtures/hostile/long-line.rssgap.tar.gz
grep -q 'longer than 1024 bytes (limit line_bytes)' "$tmp/err" && ok "and names 1024 bytes" || not_ok "line_bytes=1KiB said: $(head -1 "$tmp/err")"
expect_status 2 "--limit vmas=1M: a count takes a number" "$RSSGAP" ingest --limit vmas=1M $zb

# a broken rule names the file and the line once
printf 'my-role ^rw-p\nbroken ^(\n' >"$tmp/my.rules"
expect_status 1 "a broken --rules file exits 1" "$RSSGAP" ingest --rules "$tmp/my.rules" $zb
grep -qx "rssgap: $tmp/my.rules:2: bad pattern for rule \"broken\" at offset 2: missing closing parenthesis (PCRE2 syntax)" "$tmp/err" &&
	ok "the error is FILE:LINE: once" || not_ok "broken rule said: $(cat "$tmp/err")"
finish
