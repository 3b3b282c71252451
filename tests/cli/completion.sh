#!/usr/bin/env bash
# Every option a command takes (read from its getopt tables) is in its
# --help (the command table of cmd/commands.h), offered by the bash and zsh
# completions, and in rssgap(1) under that command, and nothing else is;
# the same for rssgap-capture (read from its option parser). The completions
# are run for real: bash calls the completion function, zsh runs its
# completion system in a pseudo-terminal (tests/zsh-complete.zsh).
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

# The command table (cmd/commands.h) is the one source of every command's
# usage: 'rssgap --help' prints each entry's usage and summary, 'rssgap CMD
# --help' its usage and help. Below, each command's options as its getopt
# tables read them (code) are held against that help, against both
# completions and against rssgap(1), both ways.
minus() {	# minus A B: the words of A that are not in B
	local o out=""
	for o in $1; do case " $2 " in *" $o "*) ;; *) out="$out $o" ;; esac; done
	echo $out
}
uncovered() {	# uncovered OPTIONS SET ALIASES: OPTIONS neither in SET nor with an alias (-j, --jobs) in SET
	local o a hit out=""
	for o in $1; do
		hit=""
		for a in $o $(grep -E -- "(^| )$o( |$)" "$3"); do case " $2 " in *" $a "*) hit=1 ;; esac; done
		[ -n "$hit" ] || out="$out $o"
	done
	echo $out
}
# the options every command takes (CMD_COMMON_LONGOPTS), and those of them that take an argument
common_opts=$(awk '/^#define CMD_COMMON_LONGOPTS/,/[^\\]$/' cmd/common.h | sed -n 's/.*{ "\([a-z-]*\)", .*/--\1/p' | words)
common_args=$(awk '/^#define CMD_COMMON_LONGOPTS/,/[^\\]$/' cmd/common.h |
	sed -n 's/.*{ "\([a-z-]*\)", required_argument.*/--\1/p' | words)
[ "$common_opts" = "--db --help --limit --quiet --rules " ] && ok "the common options: $common_opts" ||
	not_ok "CMD_COMMON_LONGOPTS read as: $common_opts"
# rssgap(1) as rendered, cut into records: syn NAME (its SYNOPSIS lines),
# text NAME (its item in COMMANDS), tag NAME (the option tags of that item;
# "-" for those of OPTIONS)
awk '
/^[A-Z]/ { sec = $1; name = ""; next }
sec == "SYNOPSIS" && /^     rssgap / { name = $2 }
sec == "SYNOPSIS" && name != "" { print "syn\t" name "\t" $0; next }
sec == "COMMANDS" && /^     [A-Z]/ { over = 1 }
sec == "COMMANDS" && !over && /^     [a-z]/ { name = $1 }
sec == "COMMANDS" && !over && name != "" {
	print "text\t" name "\t" $0
	if ($0 ~ /^             -/) { t = substr($0, 14); sub(/  .*/, "", t); print "tag\t" name "\t" t }
}
sec == "OPTIONS" && /^     -/ { t = substr($0, 6); sub(/  .*/, "", t); print "tag\t-\t" t }
' "$tmp/rssgap.man" >"$tmp/man.tsv"
man_opts() { awk -F'\t' -v k="$1" -v n="$2" '$1 == k && $2 == n { print $3 }' "$tmp/man.tsv" | opts_in; }
[ "$(awk -F'\t' '$1 == "text" { print $2 }' "$tmp/man.tsv" | words)" = "$(echo $commands help | words)" ] &&
	ok "rssgap(1) COMMANDS has an item for each command of the table, and help" ||
	not_ok "rssgap(1) COMMANDS items: $(awk -F'\t' '$1 == "text" { print $2 }' "$tmp/man.tsv" | words)"
[ "$(awk -F'\t' '$1 == "syn" { print $2 }' "$tmp/man.tsv" | words)" = "$(echo $commands command help -V | words)" ] &&
	ok "rssgap(1) SYNOPSIS has a line for each command of the table" ||
	not_ok "rssgap(1) SYNOPSIS lines: $(awk -F'\t' '$1 == "syn" { print $2 }' "$tmp/man.tsv" | words)"
[ "$(man_opts tag -)" = "$(echo $common_opts -h -V --version | words)" ] &&
	ok "rssgap(1) OPTIONS are the common options and -V" || not_ok "rssgap(1) OPTIONS: $(man_opts tag -)"
[ "$(man_opts syn command)" = "$(minus "$common_opts" "--help" | words)" ] &&
	ok "rssgap(1) SYNOPSIS names the common options" || not_ok "rssgap(1) SYNOPSIS common: $(man_opts syn command)"
# 'rssgap --help': usage\tNAME\tLINE (the synopsis and its continuations), summary\tNAME\tLINE
"$RSSGAP" --help | awk '
/^  rssgap / { name = $2; sub(/^  rssgap /, ""); print "usage\t" name "\t" $0; next }
name != "" && /^      [^ ]/ { sub(/^ +/, ""); print "summary\t" name "\t" $0; next }
name != "" && /^       / { print "usage\t" name "\t" $0; next }
{ name = "" }' >"$tmp/top.tsv"
# _rssgap: the spec lines of the options every command takes, then those of one command
zsh_common=$(awk '/^	common=\(/,/^	\)/' completion/_rssgap)
zsh_args() {	# the options of a spec that take an argument ("]:" after the description)
	grep -F ']:' | sed 's/\[.*//' | grep -oE -- '-[a-zA-Z]|--[a-z][a-z-]*' | words
}
bash_args=$(awk '/^_rssgap\(\)/,/^}/' completion/rssgap.bash | awk '/case \$prev in/,/esac/' |
	sed -n 's/^	\([-a-z |]*\))$/\1/p' | tr '|' ' ' | words)
all_args=$common_args

for c in $commands; do
	src=cmd/cmd_$c.c
	# the getopt tables: the options every command shares, its longopts, its short letters
	short=$(grep -o 'getopt_long(argc, argv, "[^"]*"' "$src" | sed 's/.*"\(.*\)"/\1/')
	code=$( { echo "$common_opts"
		awk '/longopts\[\] = \{/,/\};/' "$src" | sed -n 's/.*{ "\([a-z-]*\)", .*/--\1/p'
		echo "$short" | tr -d ':' | sed 's/./-& /g'
	} | words)
	args=$( { echo "$common_args"
		awk '/longopts\[\] = \{/,/\};/' "$src" | sed -n 's/.*{ "\([a-z-]*\)", required_argument.*/--\1/p'
		echo "$short" | grep -o '.:' | sed 's/^\(.\):/-\1 /'
	} | words)
	all_args="$all_args $args"
	own=$(minus "$code" "$common_opts -h")
	"$RSSGAP" "$c" --help >"$tmp/help.$c"
	help=$(opts_in <"$tmp/help.$c")
	# its synopsis: the lines before the first blank one; an option line "-j, --jobs N" names aliases
	syn=$(sed '/^$/q' "$tmp/help.$c" | opts_in)
	grep '^  -' "$tmp/help.$c" | sed 's/^  //; s/  .*//' | while read -r l; do echo "$(echo "$l" | opts_in)"; done >"$tmp/alias.$c"
	[ -z "$(minus "$code" "$help")" ] && ok "$c --help names every option it takes ($code)" ||
		not_ok "$c --help lacks: $(minus "$code" "$help")"
	[ -z "$(minus "$help" "$code")" ] && ok "$c --help names no option it does not take" ||
		not_ok "$c --help names what it does not take: $(minus "$help" "$code")"
	[ -z "$(uncovered "$own" "$(tr "\n" " " <"$tmp/alias.$c")" "$tmp/alias.$c")" ] &&
		ok "$c --help describes each of its own options on a line of its own" ||
		not_ok "$c --help has no option line for: $(uncovered "$own" "$(tr "\n" " " <"$tmp/alias.$c")" "$tmp/alias.$c")"
	[ -z "$(minus "$syn" "$code")" ] && [ -z "$(uncovered "$own" "$syn" "$tmp/alias.$c")" ] &&
		ok "$c: the usage line names each of its own options ($own), and no other" ||
		not_ok "$c usage line: lacks $(uncovered "$own" "$syn" "$tmp/alias.$c"), extra $(minus "$syn" "$code")"
	want=$(sed '/^$/q' "$tmp/help.$c" | sed 's/^usage: rssgap //' | tr -s ' \n' '  ')
	got=$(awk -F'\t' -v n="$c" '$1 == "usage" && $2 == n { print $3 }' "$tmp/top.tsv" | tr -s ' \n' '  ')
	[ -n "$want" ] && [ "$got" = "$want" ] && ok "rssgap --help and rssgap $c --help print one usage" ||
		not_ok "usage of $c: rssgap --help has '$got', $c --help '$want'"
	# the completions
	[ "$(bash_complete _rssgap rssgap "$c" -)" = "$code" ] && ok "bash: rssgap $c -<TAB> offers exactly those" ||
		not_ok "bash: rssgap $c -<TAB>: $(bash_complete _rssgap rssgap "$c" -) (want $code)"
	# zsh lists -h and --help as one candidate group; compare the long ones
	long=$(echo $code | tr ' ' '\n' | grep -- '^--' | words)
	[ "$(zsh_complete "rssgap $c --")" = "$long" ] && ok "zsh: rssgap $c --<TAB> offers exactly those" ||
		not_ok "zsh: rssgap $c --<TAB>: $(zsh_complete "rssgap $c --") (want $long)"
	zargs=$( { echo "$zsh_common"; awk -v c="$c" '$0 == "	" c ")" { on = 1 } on { print } on && /;;/ { exit }' completion/_rssgap; } |
		zsh_args)
	[ "$zargs" = "$args" ] && ok "zsh: the options of $c that take an argument ($args) ask for one" ||
		not_ok "zsh: options of $c with an argument: $zargs (want $args)"
	summary=$(awk -F'\t' -v n="$c" '$1 == "summary" && $2 == n { print $3 }' "$tmp/top.tsv")
	zdesc=$(sed -n "s/^		'$c:\(.*\)'\$/\1/p" completion/_rssgap)
	[ -n "$summary" ] && [ "$zdesc" = "$summary" ] && ok "zsh describes $c with its summary" ||
		not_ok "zsh describes $c as '$zdesc', the table as '$summary'"
	# rssgap(1): its SYNOPSIS line and its COMMANDS item
	m=$(man_opts syn "$c")
	[ -z "$(minus "$m" "$code")" ] && [ -z "$(uncovered "$own" "$m" "$tmp/alias.$c")" ] &&
		ok "rssgap(1) SYNOPSIS: $c with each of its options, and no other" ||
		not_ok "rssgap(1) SYNOPSIS of $c: lacks $(uncovered "$own" "$m" "$tmp/alias.$c"), extra $(minus "$m" "$code")"
	m=$(man_opts tag "$c")
	[ -z "$(minus "$m" "$code")" ] && [ -z "$(uncovered "$own" "$m" "$tmp/alias.$c")" ] &&
		ok "rssgap(1) COMMANDS: $c describes each of its options, and no other" ||
		not_ok "rssgap(1) COMMANDS $c: lacks $(uncovered "$own" "$m" "$tmp/alias.$c"), extra $(minus "$m" "$code")"
	m=$(man_opts text "$c")
	[ -z "$(minus "$m" "$code")" ] && ok "rssgap(1) COMMANDS: $c mentions no option it does not take" ||
		not_ok "rssgap(1) COMMANDS $c mentions $(minus "$m" "$code")"
done
[ "$bash_args" = "$(echo $all_args | words)" ] && ok "bash: the options that take an argument complete none ($bash_args)" ||
	not_ok "bash: options taken as having an argument: $bash_args (the commands': $(echo $all_args | words))"
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
