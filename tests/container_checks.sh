# tests/container_checks.sh (sourced by tests/cli/containers.sh on the
# committed fixtures/containers and by tests/live/containers.sh on a fresh
# run of fixtures/make-container-bundles.sh): what captures of a Go service
# in a container with a 256 MiB limit must show. Needs ok/not_ok, $tmp and
# $RSSGAP (tests/clilib.sh) and python3.

# jq_py FILE EXPR: EXPR evaluated on the JSON in FILE (as j), printed
jq_py() {
	python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
manifest_key() { # BUNDLE KEY
	tar -xzOf "$1" --wildcards '*/manifest' | sed -n "s/^$2=//p"
}
expect_eq() { # DESCRIPTION WANT GOT
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$3', want '$2')"; fi
}
expect_true() { # DESCRIPTION PYTHON-EXPR-ON-j FILE
	if [ "$(jq_py "$3" "$2" 2>&1)" = True ]; then ok "$1"; else not_ok "$1 ($2 on $(basename "$3"))"; fi
}

# container_checks DIR LIMIT_BYTES
container_checks() {
	local dir=$1 limit=$2 b how dir_read path listener paths="" listeners=""
	for how in docker nsenter debug; do
		b=$dir/container-$how.rssgap.tar.gz
		if ! "$RSSGAP" show --json "$b" >"$tmp/show-$how.json" 2>"$tmp/err"; then
			not_ok "container-$how: rssgap show reads it ($(head -c 300 "$tmp/err"))"
			continue
		fi
		expect_eq "container-$how: the cgroup limit is the container's own" "$limit" \
			"$(jq_py "$tmp/show-$how.json" 'j["cgroup"]["limit"]')"
		expect_true "container-$how: usage is below the limit and to_limit = limit - usage" \
			'0 < j["cgroup"]["usage"] < j["cgroup"]["limit"] and j["cgroup"]["to_limit"] == j["cgroup"]["limit"] - j["cgroup"]["usage"]' \
			"$tmp/show-$how.json"
		expect_true "container-$how: usage holds the process's Rss (the cgroup charges it)" \
			'j["rss"] <= j["cgroup"]["usage"] + j["cgroup"]["page_cache"]' "$tmp/show-$how.json"
		expect_true "container-$how: the Go runtime's numbers are in" \
			'j["heap_inuse"] is not None and j["go_estimate"] is not None' "$tmp/show-$how.json"
		expect_eq "container-$how: the endpoints were checked to be the process's" owner \
			"$(manifest_key "$b" http_check)"
		dir_read=$(manifest_key "$b" cgroup_dir)
		case $how in
		nsenter) case $dir_read in /proc/*) not_ok "container-nsenter: cgroup read in the host's hierarchy ($dir_read)" ;;
			 *) ok "container-nsenter: cgroup read in the host's hierarchy" ;; esac ;;
		*) case $dir_read in /proc/1/root/sys/fs/cgroup*) ok "container-$how: cgroup read through the target's mount namespace" ;;
		   *) not_ok "container-$how: cgroup read through the target's mount namespace ($dir_read)" ;; esac ;;
		esac
		path=$(manifest_key "$b" cgroup_path)
		listener=$(manifest_key "$b" http_listener)
		paths="$paths$path
"
		listeners="$listeners$listener
"
	done
	expect_eq "the three ways in read one cgroup (cgroup_path)" 1 "$(printf '%s' "$paths" | sort -u | grep -c .)"
	expect_eq "the three ways in fetched from one listening socket" 1 "$(printf '%s' "$listeners" | sort -u | grep -c 'socket:\[[0-9]*\]$')"

	# Into the limit: before healthy, after a process of the cgroup was
	# OOM-killed and the service grown to just below the limit.
	if ! "$RSSGAP" diff --json "$dir/oom-before.rssgap.tar.gz" "$dir/oom-near-limit.rssgap.tar.gz" \
		>"$tmp/oom.json" 2>"$tmp/err"; then
		not_ok "oom: rssgap diff --json reads the pair ($(head -c 300 "$tmp/err"))"
		return
	fi
	expect_eq "oom: the limit is 256 MiB on both sides" "$limit $limit" \
		"$(jq_py "$tmp/oom.json" 'str(j["before"]["cgroup"]["limit"]) + " " + str(j["after"]["cgroup"]["limit"])')"
	expect_true "oom: just before the kill, less than 32 MiB to the limit (to_limit = limit - usage)" \
		'j["after"]["cgroup"]["to_limit"] < 32 << 20 and j["after"]["cgroup"]["to_limit"] == j["after"]["cgroup"]["limit"] - j["after"]["cgroup"]["usage"]' \
		"$tmp/oom.json"
	expect_eq "oom: oom_kill 0 before, 1 after (the process the kernel killed)" "0 1" \
		"$(jq_py "$tmp/oom.json" 'str(j["before"]["cgroup"]["oom_kill"]) + " " + str(j["after"]["cgroup"]["oom_kill"])')"
	expect_true "oom: the limit was reached (failcnt / memory.events max) since before" \
		'j["after"]["cgroup"]["limit_reached"] > j["before"]["cgroup"]["limit_reached"]' "$tmp/oom.json"
	expect_true "oom: the cgroup note reconciles usage with the process's Rss and page cache" \
		'"of 256.0 MiB: this process'"'"'s Rss" in j["cgroup"] and "page cache" in j["cgroup"]' "$tmp/oom.json"
	"$RSSGAP" diff "$dir/oom-before.rssgap.tar.gz" "$dir/oom-near-limit.rssgap.tar.gz" >"$tmp/oom.txt" 2>/dev/null
	if grep -Eq '^cgroup limit 256\.0 MiB: usage .* MiB, [0-9.]+ MiB to the limit; limit reached 0 → [0-9]+ times \(memory\.(failcnt|events max)\); 0 → 1 OOM kill \(memory\.(oom_control|events) oom_kill\)$' "$tmp/oom.txt"; then
		ok "oom: diff says the limit, the distance to it, the limit reached and the OOM kill"
	else
		not_ok "oom: diff's cgroup line ($(grep '^cgroup' "$tmp/oom.txt"))"
	fi
	"$RSSGAP" show "$dir/oom-near-limit.rssgap.tar.gz" >"$tmp/near.txt" 2>/dev/null
	if grep -Eq '^  cgroup usage [0-9.]+ MiB of limit 256\.0 MiB: [0-9.]+ MiB \([0-9.]+%\) to the limit; peak .*; limit reached [0-9]+ times .*; 1 OOM kill ' "$tmp/near.txt"; then
		ok "oom: show says the limit, the distance to it and the OOM kill"
	else
		not_ok "oom: show's cgroup line ($(grep 'cgroup' "$tmp/near.txt"))"
	fi
	rm -rf "$tmp/oom-report"
	if "$RSSGAP" report "$dir/oom-before.rssgap.tar.gz" "$dir/oom-near-limit.rssgap.tar.gz" \
		-o "$tmp/oom-report" >/dev/null 2>&1; then
		if grep -q 'to the limit; limit reached 0 → [0-9]* times .*; 0 → 1 OOM kill' "$tmp/oom-report/summary.md"; then
			ok "oom: summary.md has the cgroup line"
		else
			not_ok "oom: summary.md has the cgroup line"
		fi
		if grep -q '0 → 1 OOM kill' "$tmp/oom-report/report.svg" &&
			grep -q 'MiB to the limit' "$tmp/oom-report/report.svg"; then
			ok "oom: the chart page draws the cgroup block"
		else
			not_ok "oom: the chart page draws the cgroup block"
		fi
	else
		not_ok "oom: rssgap report writes the pair's page"
	fi
}
