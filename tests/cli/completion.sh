#!/usr/bin/env bash
# Every option a command takes (read from its getopt tables) is in its
# --help, offered by the bash and zsh completions, and in the man page; the
# same for rssgap-capture (read from its option parser). The completions are
# run for real: bash calls the completion function, zsh runs its completion
# system in a pseudo-terminal (tests/zsh-complete.zsh).
set -u
. tests/clilib.sh
words() { tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' '; }
# options in a text: -x or --long-name after a blank, bracket, comma or pipe
opts_in() { grep -oE '(^|[][ ,|(])(-[a-zA-Z]|--[a-z][a-z-]*)' | sed 's/^[][ ,|(]//' | words; }
comp=$PWD/completion/rssgap.bash
bash_complete() {	# bash_complete FUNCTION WORD...: COMPREPLY for completing the last word
	bash -c '. "$0"; f=$1; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		"$f"; printf "%s\n" "${COMPREPLY[@]}"' "$comp" "$@" | words
}
# zsh: every line is completed in one session up front; zsh_complete LINE reads its answer
zsh_lines=("rssgap " "rssgap help " "rssgap report --format " "rssgap ingest --limit member" "rssgap-capture --")
# the commands, from the command table (rssgap --help prints each entry's usage)
commands=$("$RSSGAP" --help | sed -n 's/^  rssgap \([a-z]*\)\( .*\)*$/\1/p' | words)
for c in $commands; do zsh_lines+=("rssgap $c --"); done
zsh tests/zsh-complete.zsh completion "${zsh_lines[@]}" >"$tmp/zsh.out" ||
	not_ok "zsh tests/zsh-complete.zsh failed"
zsh_complete() {
	local i
	for i in "${!zsh_lines[@]}"; do
		[ "${zsh_lines[$i]}" = "$1" ] && { sed -n "s/^$((i + 1))	//p" "$tmp/zsh.out" | words; return; }
	done
	echo "(not completed: $1)"
}
mandoc -T utf8 man/rssgap.1 | sed 's/.\x08//g' >"$tmp/rssgap.man"
mandoc -T utf8 man/rssgap-capture.1 | sed 's/.\x08//g' >"$tmp/capture.man"
for m in man/rssgap.1 man/rssgap-capture.1; do
	mandoc -T lint -W warning "$m" >"$tmp/lint" 2>&1 && [ ! -s "$tmp/lint" ] && ok "$m: mandoc -T lint is clean" ||
		not_ok "$m: $(head -3 "$tmp/lint")"
done

[ "$(bash_complete _rssgap rssgap '' | words)" = "$(echo $commands help --help -h --version -V | words)" ] &&
	ok "bash: rssgap <TAB> offers the commands ($commands)" || not_ok "bash top level: $(bash_complete _rssgap rssgap '')"
[ "$(zsh_complete 'rssgap ')" = "$(echo $commands help --help -h --version -V | words)" ] &&
	ok "zsh: rssgap <TAB> offers the commands" || not_ok "zsh top level: $(zsh_complete 'rssgap ')"
[ "$(bash_complete _rssgap rssgap help '')" = "$commands" ] && [ "$(zsh_complete 'rssgap help ')" = "$commands" ] &&
	ok "bash and zsh: rssgap help <TAB> offers the commands" || not_ok "help <TAB>: $(bash_complete _rssgap rssgap help '')"

for c in $commands; do
	src=cmd/cmd_$c.c
	# the getopt tables: the options every command shares, its longopts, its short letters
	code=$( { echo "--db --rules --limit --quiet --help"
		awk '/longopts\[\] = \{/,/\};/' "$src" | sed -n 's/.*{ "\([a-z-]*\)", .*/--\1/p'
		grep -o 'getopt_long(argc, argv, "[^"]*"' "$src" | sed 's/.*"\(.*\)"/\1/' | tr -d ':' | sed 's/./-& /g'
	} | words)
	help=$("$RSSGAP" "$c" --help | opts_in)
	missing=""
	for o in $code; do case " $help " in *" $o "*) ;; *) missing="$missing $o" ;; esac; done
	[ -z "$missing" ] && ok "$c --help names every option it takes ($code)" || not_ok "$c --help lacks:$missing"
	[ "$(bash_complete _rssgap rssgap "$c" -)" = "$code" ] && ok "bash: rssgap $c -<TAB> offers exactly those" ||
		not_ok "bash: rssgap $c -<TAB>: $(bash_complete _rssgap rssgap "$c" -) (want $code)"
	# zsh lists -h and --help as one candidate group; compare the long ones
	long=$(echo $code | tr ' ' '\n' | grep -- '^--' | words)
	[ "$(zsh_complete "rssgap $c --")" = "$long" ] && ok "zsh: rssgap $c --<TAB> offers exactly those" ||
		not_ok "zsh: rssgap $c --<TAB>: $(zsh_complete "rssgap $c --") (want $long)"
	missing=""
	for o in $code; do grep -q -- "$o\b" "$tmp/rssgap.man" || missing="$missing $o"; done
	[ -z "$missing" ] && ok "rssgap(1) documents the options of $c" || not_ok "rssgap(1) lacks for $c:$missing"
done
[ "$(bash_complete _rssgap rssgap report --format '')" = "png png,svg svg " ] && [ "$(zsh_complete 'rssgap report --format ')" = "png png,svg svg " ] &&
	ok "bash and zsh: --format offers png, svg, png,svg" || not_ok "--format: $(bash_complete _rssgap rssgap report --format '')"
bash_complete _rssgap rssgap ingest --limit member | grep -q '^member_bytes= members= $' && zsh_complete 'rssgap ingest --limit member' | grep -q 'member_bytes=' &&
	ok "bash and zsh: --limit offers the cap names" || not_ok "--limit: $(bash_complete _rssgap rssgap ingest --limit member)"
# every cap of docs/limits.md is offered
caps=$(sed -n 's/^| `\([a-z_]*\)` |.*/\1=/p' docs/limits.md | words)
[ -n "$caps" ] && [ "$(bash_complete _rssgap rssgap ingest --limit '')" = "$caps" ] && ok "bash: --limit offers every cap of docs/limits.md" ||
	not_ok "--limit caps: $(bash_complete _rssgap rssgap ingest --limit '') (docs: $caps)"
(cd fixtures && bash_complete _rssgap rssgap show bund) | grep -q '^bundles $' && ok "bash: a snapshot argument completes file names" ||
	not_ok "bash file names: $(cd fixtures && bash_complete _rssgap rssgap show bund)"

# rssgap-capture: its option parser, its --help, both completions, its man page
code=$(sed -n '/^while \[ \$# -gt 0 \]; do/,/^done/p' capture/rssgap-capture |
	sed -n 's/^	\(-[-a-zA-Z|=*]*\)).*/\1/p' | tr '|' '\n' | grep -v '[=*]' | words)
help=$(sh capture/rssgap-capture --help | opts_in)
missing=""
for o in $code; do case " $help " in *" $o "*) ;; *) missing="$missing $o" ;; esac; done
[ -n "$code" ] && [ -z "$missing" ] && ok "rssgap-capture --help names every option it takes" || not_ok "capture --help lacks:$missing"
[ "$(bash_complete _rssgap_capture rssgap-capture -)" = "$code" ] && ok "bash: rssgap-capture -<TAB> offers exactly those" ||
	not_ok "bash capture: $(bash_complete _rssgap_capture rssgap-capture -) (want $code)"
long=$(echo $code | tr ' ' '\n' | grep -- '^--' | words)
[ "$(zsh_complete 'rssgap-capture --')" = "$long" ] && ok "zsh: rssgap-capture --<TAB> offers exactly those" ||
	not_ok "zsh capture: $(zsh_complete 'rssgap-capture --') (want $long)"
missing=""
for o in $code; do grep -q -- "$o\b" "$tmp/capture.man" || missing="$missing $o"; done
[ -z "$missing" ] && ok "rssgap-capture(1) documents every option" || not_ok "rssgap-capture(1) lacks:$missing"
finish
