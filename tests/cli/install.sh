#!/usr/bin/env bash
# make install DESTDIR=... PREFIX=...: every file where a user looks for it,
# the installed binary reading the installed rules (a broken rule there is
# reported), the man pages and completions usable, SAN=1 installing the
# sanitized binary, and make uninstall removing it all.
set -u
. tests/clilib.sh
# a make of its own: not the jobserver or the flags of the make running the tests
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -s "$@"; }
san=""
case $RSSGAP in *build-san/*) san="SAN=1" ;; esac
d=$tmp/stage
p=/opt/rssgap-test
expect_status 0 "make install DESTDIR=... PREFIX=$p" mk $san install DESTDIR="$d" PREFIX="$p"
r=$d$p
for f in bin/rssgap bin/rssgap-capture; do
	[ -x "$r/$f" ] && [ "$(stat -c %a "$r/$f")" = 755 ] && ok "$f installed, mode 755" || not_ok "$f missing or mode $(stat -c %a "$r/$f" 2>&1)"
done
for f in share/rssgap/default.rules share/man/man1/rssgap.1 share/man/man1/rssgap-capture.1 \
	share/bash-completion/completions/rssgap share/bash-completion/completions/rssgap-capture \
	share/zsh/site-functions/_rssgap share/doc/rssgap/json.md share/doc/rssgap/roles.md; do
	[ -f "$r/$f" ] && [ "$(stat -c %a "$r/$f")" = 644 ] && ok "$f installed, mode 644" || not_ok "$f missing or mode $(stat -c %a "$r/$f" 2>&1)"
done
cmp -s "$r/bin/rssgap" "$RSSGAP" && ok "bin/rssgap is the binary the tests run ($RSSGAP)" || not_ok "bin/rssgap differs from $RSSGAP"
[ -z "$(find "$d" -path "$r" -prune -o -type f -print)" ] && ok "nothing outside PREFIX" || not_ok "outside PREFIX: $(find "$d" -path "$r" -prune -o -type f -print | head -3)"

# the installed programs: one version, the installed rules
v=$("$r/bin/rssgap" --version)
[ "$("$r/bin/rssgap-capture" --version)" = "rssgap-capture ${v#rssgap }" ] && ok "installed rssgap and rssgap-capture report one version (${v#rssgap })" ||
	not_ok "versions: $v, $("$r/bin/rssgap-capture" --version)"
b=fixtures/bundles/zeroing-after.rssgap.tar.gz
expect_status 0 "the installed rssgap reads a bundle" "$r/bin/rssgap" show --explain "$b"
grep -q "^  rule:       $r/share/rssgap/default.rules:[0-9]*: go-heap " "$tmp/out" &&
	ok "with the installed share/rssgap/default.rules" || not_ok "rules used: $(grep -m1 '^  rule:' "$tmp/out")"
echo 'broken ^(' >>"$r/share/rssgap/default.rules"
expect_status 1 "a broken rule appended to the installed default.rules" "$r/bin/rssgap" show "$b"
grep -q "^rssgap: $r/share/rssgap/default.rules:[0-9]*: bad pattern for rule \"broken\"" "$tmp/err" &&
	ok "is reported with the file and line" || not_ok "broken installed rule said: $(cat "$tmp/err")"
expect_status 0 "the build tree's binary is not affected" "$RSSGAP" show "$b"

# man pages render, completions load
mandoc -T utf8 "$r/share/man/man1/rssgap.1" | sed 's/.\x08//g' | grep -q '^     rssgap – where did resident memory grow' &&
	ok "man rssgap renders" || not_ok "rssgap.1 does not render"
bash -c '. "$1"; complete -p rssgap && complete -p rssgap-capture' _ "$r/share/bash-completion/completions/rssgap" >"$tmp/out" 2>&1 &&
	grep -q '_rssgap rssgap$' "$tmp/out" && ok "the bash completion registers rssgap and rssgap-capture" || not_ok "bash completion: $(cat "$tmp/out")"
head -1 "$r/share/zsh/site-functions/_rssgap" | grep -qx '#compdef rssgap rssgap-capture' && ok "the zsh completion names both commands" ||
	not_ok "_rssgap starts: $(head -1 "$r/share/zsh/site-functions/_rssgap")"

# SAN=1 installs the sanitized build (a dry run: no second build here)
mk -n SAN=1 install DESTDIR="$tmp/san" PREFIX=/usr >"$tmp/out" 2>&1
grep -q "^install -m 755 build-san/rssgap $tmp/san/usr/bin/rssgap$" "$tmp/out" && ok "make SAN=1 install installs build-san/rssgap" ||
	not_ok "SAN=1 install: $(grep 'bin/rssgap$' "$tmp/out")"

# a site rules file of the user's survives uninstall, the rest goes
printf 'mine /libc\\.so\n' >"$r/share/rssgap/site.rules"
expect_status 0 "make uninstall" mk $san uninstall DESTDIR="$d" PREFIX="$p"
left=$(find "$d" -type f | sed "s|^$r/||")
[ "$left" = share/rssgap/site.rules ] && ok "removes everything install wrote, keeps share/rssgap/site.rules" || not_ok "left after uninstall: $left"
finish
