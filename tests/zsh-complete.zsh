# zsh tests/zsh-complete.zsh FPATH_DIR LINE...: the candidates zsh's
# completion system offers for each LINE followed by TAB, as "N<tab>WORD"
# lines (N: the LINE's number, from 1), for tests/cli/completion.sh. Runs one
# interactive zsh -f in a pseudo-terminal with only FPATH_DIR added and
# records every compadd. Markers are computed ($((6*7))) so that the
# terminal's echo of what is typed never matches them.
zmodload zsh/zpty || exit 1
zpty z zsh -f -i
zpty -w z "fpath=($1 \$fpath); autoload -U compinit; compinit -u -D"
shift
zpty -w z 'compadd () {
  local -a __hits
  builtin compadd -O __hits "$@"
  local h; for h in $__hits; do print -r -- "<hit>$h</hit>" > /dev/tty; done
  builtin compadd "$@"
}'
# the completed line runs when Enter is sent: make the commands no-ops
zpty -w z 'rssgap () { : }; rssgap-capture () { : }; bindkey "^I" complete-word'
zpty -w z "PS1='P%(?.4.4)2>'; print -r -- READY\$((6*7))"
# read_until PATTERN: read into $out until it matches (30 s at most)
read_until() {
	local chunk deadline=$((SECONDS + 30))
	out=
	while ((SECONDS < deadline)); do
		if zpty -r -t z chunk; then
			out+=$chunk
			[[ $out == $~1 ]] && return 0
		else
			sleep 0.02
		fi
	done
	return 1
}
# type only once the line editor waits at its prompt (raw mode: keys reach it as typed)
read_until '*READY42*P42>*' || exit 1
n=0
for l in "$@"; do
	(( n++ ))
	zpty -n -w z "$l"$'\t\n'"print -r -- END\$((6*7))"$'\n'
	read_until '*END42*P42>*' || exit 1
	# each candidate between markers: the terminal's echo and redraws are around them
	print -r -- "$out" | grep -ao '<hit>[^<]*</hit>' | sed "s/^<hit>/$n	/; s/<\/hit>\$//" | sort -u
done
zpty -d z
