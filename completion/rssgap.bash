# bash completion for rssgap and rssgap-capture: commands, options, and
# the files or values an option takes. Installed as
# share/bash-completion/completions/{rssgap,rssgap-capture}; or source it.

_rssgap_common="--db --rules --limit --quiet --help -h"
_rssgap_limits="compressed_bytes= inflated_bytes= inflate_ratio= member_bytes= held_bytes= members= path_bytes=
line_bytes= vmas= snapshots= kv_rows= pprof_strings= pprof_samples= pprof_locations= pprof_values=
pprof_top_sites= json_depth= prom_series= rules= pattern_bytes= match_limit= chart_points="

# The options of one rssgap command, on stdout.
_rssgap_options()
{
	case $1 in
	ingest) echo "-j --jobs -q --stats" ;;
	list) echo "--json --csv" ;;
	show) echo "--json --csv --top --sort --explain --pid" ;;
	diff) echo "--json --check --min-bytes --min-percent --top" ;;
	trend) echo "--json -o --min-bytes --min-percent --top" ;;
	report) echo "-o --format --min-bytes --min-percent --top" ;;
	fleet) echo "--by --before --after --json -o --min-bytes --min-percent" ;;
	profile) echo "-o --pid --sample-index" ;;
	merge) echo "" ;;
	export) echo "--csv" ;;
	esac
}

_rssgap()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local commands="ingest list show diff trend report fleet profile merge export help"
	local cmd=${COMP_WORDS[1]}	# the command comes first: rssgap COMMAND [OPTIONS]

	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$commands --help -h --version -V" -- "$cur"))
		return
	fi
	if [ "$cmd" = help ]; then
		[ "$COMP_CWORD" -eq 2 ] && COMPREPLY=($(compgen -W "${commands% help}" -- "$cur"))
		return
	fi
	case $prev in
	--db | --rules)
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		return ;;
	-o | --csv)
		# profile writes a file; report, trend, fleet and export a directory; list and show's --csv takes none
		if [ "$prev" = -o ] || [ "$cmd" = export ]; then
			if [ "$cmd" = profile ]; then COMPREPLY=($(compgen -f -- "$cur")); else
				COMPREPLY=($(compgen -d -- "$cur")); fi
			compopt -o filenames 2>/dev/null
			return
		fi ;;
	--limit)
		COMPREPLY=($(compgen -W "$_rssgap_limits" -- "$cur"))
		compopt -o nospace 2>/dev/null
		return ;;
	--format)
		COMPREPLY=($(compgen -W "png svg png,svg" -- "$cur"))
		return ;;
	--pid)
		COMPREPLY=($(compgen -W "$(cd /proc 2>/dev/null && printf '%s ' [0-9]*)" -- "$cur"))
		return ;;
	--sort)
		COMPREPLY=($(compgen -W "rss pss uss size swap anon lazyfree name" -- "$cur"))
		return ;;
	--sample-index)
		COMPREPLY=($(compgen -W "inuse_space alloc_space inuse_objects alloc_objects" -- "$cur"))
		return ;;
	-j | --jobs | --top | --min-bytes | --min-percent | --by | --before | --after)
		return ;;
	esac
	case $cur in
	-*) COMPREPLY=($(compgen -W "$(_rssgap_options "$cmd") $_rssgap_common" -- "$cur")) ;;
	*)
		# bundles (files or directories), databases, selectors typed by hand
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null ;;
	esac
}

_rssgap_capture()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local options="--pid --pid-label --pid-http --name --all-matches --exec --exec-quote --kubectl
--kubectl-debug --docker --debug-image --debug-profile --debug-ttl --all-pods -n --namespace -l --selector
-c --container --via-debug -j --http --pprof --metrics --vars --no-http --http-any --timeout --label --count
--interval -o --output --force -q --quiet -h --help -V --version"

	COMPREPLY=()
	case $prev in
	--pid)
		COMPREPLY=($(cd /proc 2>/dev/null && compgen -W "$(echo [0-9]*)" -- "$cur"))
		return ;;
	--name)
		COMPREPLY=($(compgen -W "$(cat /proc/[0-9]*/comm 2>/dev/null | sort -u)" -- "$cur"))
		return ;;
	-o | --output)
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		return ;;
	--pid-label | --pid-http | --exec | --kubectl | --kubectl-debug | --docker | --debug-image | \
		--debug-profile | --debug-ttl | -n | --namespace | -l | --selector | -c | --container | \
		-j | --http | --pprof | --metrics | --vars | --timeout | --label | --count | --interval)
		return ;;
	esac
	COMPREPLY=($(compgen -W "$options" -- "$cur"))
}

complete -F _rssgap rssgap
complete -F _rssgap_capture rssgap-capture
