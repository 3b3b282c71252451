#!/usr/bin/env bash
# Which rules a binary reads: --rules, then PREFIX/share/rssgap/*.rules, then
# PREFIX/share/rssgap/default.rules or the compiled-in copy, PREFIX being the
# directory above the bin directory of the binary. The binary is copied into
# a tree laid out as make install lays it out (tests/cli/install.sh installs
# for real). A binary outside a bin directory (./rssgap) reads no directory.
set -u
. tests/clilib.sh
b=fixtures/bundles/cgo-after.rssgap.tar.gz
p=$tmp/prefix
mkdir -p "$p/bin" "$p/share/rssgap"
cp "$RSSGAP" "$p/bin/rssgap"
roles() { "$@" show --json "$b" 2>/dev/null | sed -n 's/^      "role": "\(.*\)",$/\1/p' | sort -u | tr '\n' ' '; }
want=$(roles "$RSSGAP")
[ -n "$want" ] && [ "$(roles "$p/bin/rssgap")" = "$want" ] &&
	ok "an empty share/rssgap: the compiled-in defaults ($want)" || not_ok "roles $(roles "$p/bin/rssgap") != $want"

cp fixtures/rules/default.rules "$p/share/rssgap/default.rules"
[ "$(roles "$p/bin/rssgap")" = "$want" ] && ok "the installed default.rules gives the same roles" ||
	not_ok "installed default.rules: $(roles "$p/bin/rssgap")"
echo 'broken ^(' >>"$p/share/rssgap/default.rules"
expect_status 1 "a broken rule in the installed default.rules fails the command" "$p/bin/rssgap" show "$b"
grep -q "^rssgap: $p/share/rssgap/default.rules:[0-9]*: bad pattern for rule \"broken\"" "$tmp/err" &&
	ok "and names that file and line" || not_ok "broken default.rules said: $(cat "$tmp/err")"
expect_status 0 "the build tree's binary does not read it" "$RSSGAP" show "$b"

# default.rules there replaces the compiled-in copy: a rule removed from it is gone
grep -v '^malloc-heap' fixtures/rules/default.rules >"$p/share/rssgap/default.rules"
case " $(roles "$p/bin/rssgap") " in
*" malloc-heap "*) not_ok "a rule removed from the installed default.rules still applies" ;;
*) ok "a rule removed from the installed default.rules no longer applies" ;;
esac
cp fixtures/rules/default.rules "$p/share/rssgap/default.rules"

# other *.rules there come before the defaults, in name order; --rules before them
printf 'site-b /libc\\.so\n' >"$p/share/rssgap/b.rules"
printf 'site-a /libc\\.so\n' >"$p/share/rssgap/a.rules"
printf 'site-hidden /libc\\.so\n' >"$p/share/rssgap/.hidden.rules"
printf 'not-rules /libc\\.so\n' >"$p/share/rssgap/c.rules~"
"$p/bin/rssgap" show --json "$b" >"$tmp/site.json"
grep -q '"role": "site-a"' "$tmp/site.json" && ! grep -q '"role": "site-b"\|site-hidden\|not-rules' "$tmp/site.json" &&
	ok "site rules: a.rules before b.rules, dot files and other names skipped" || not_ok "site rules: $(grep -o '"role": "site[^"]*"' "$tmp/site.json" | sort -u)"
printf 'mine /libc\\.so\n' >"$tmp/mine.rules"
"$p/bin/rssgap" show --json --rules "$tmp/mine.rules" "$b" | grep -q '"role": "mine"' &&
	ok "--rules comes before the site rules" || not_ok "--rules lost to the site rules"
rm "$p/share/rssgap/b.rules" && mkdir "$p/share/rssgap/b.rules"
expect_status 1 "a site rules file that cannot be read fails" "$p/bin/rssgap" show "$b"
grep -q "^rssgap: $p/share/rssgap/b.rules: cannot read rules" "$tmp/err" && ok "and names it" ||
	not_ok "unreadable: $(cat "$tmp/err")"
finish
