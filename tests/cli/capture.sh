#!/usr/bin/env bash
# tests/cli/capture.sh: end-to-end tests of capture/rssgap-capture.
#
# Runs the real script, under dash and under busybox sh, against a live Go
# scenario process (fixtures/scenarios/memshape, built here with go) and a
# plain non-Go process (sleep), locally (--pid) and through the generic
# prefix path (--exec 'env --', --exec-quote, and a fake kubectl for
# --kubectl, --kubectl-debug and --all-pods). Run from the repository root.
# Prints "ok - ..." / "not ok - ..." per check and "N passed, M failed";
# exits 0 only when nothing failed.
set -u

root=$(pwd)
capture=$root/capture/rssgap-capture
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
check() { # DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$d"; else not_ok "$d"; fi
}
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

if [ ! -x "$capture" ]; then
	not_ok "capture/rssgap-capture exists and is executable (run from the repository root)"
	finish
fi
if ! command -v go >/dev/null 2>&1; then
	echo "skip: no go to build the scenario process (apt-get install golang-go golang-github-prometheus-client-golang-dev)"
	exit 77
fi
if [ ! -d /usr/share/gocode/src/github.com/prometheus/client_golang ]; then
	echo "skip: no client_golang for the scenario process (apt-get install golang-github-prometheus-client-golang-dev)"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rssgap-test-capture.XXXXXX")
started=()
cleanup() {
	local p
	for p in "${started[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${started[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ------------------------------------------------------------ processes
# A comm of its own: --name must find this process, not another test's memshape.
comm=ms-$$
if ! (cd fixtures/scenarios/memshape &&
	GO111MODULE=off GOPATH=/usr/share/gocode go build -trimpath -o "$tmp/bin/$comm" .) >"$tmp/build.log" 2>&1; then
	cat "$tmp/build.log"
	not_ok "build fixtures/scenarios/memshape"
	finish
fi
ok "build fixtures/scenarios/memshape"

port=$((19600 + $$ % 200))
# 48 MiB live: its Sys is far above the whole address space of a sleep(1),
# which ingest's cross-check of a --http-any bundle must notice.
: >"$tmp/memshape.out"
"$tmp/bin/$comm" -mode baseline -base-mib 48 -addr "127.0.0.1:$port" >"$tmp/memshape.out" 2>&1 &
gopid=$!
started+=("$gopid")
for _ in $(seq 1 300); do
	grep -q '^ready$' "$tmp/memshape.out" && break
	sleep 0.1
done
if ! grep -q '^ready$' "$tmp/memshape.out"; then
	cat "$tmp/memshape.out"
	not_ok "memshape scenario is ready"
	finish
fi
ok "memshape scenario is ready"
url=http://127.0.0.1:$port
# the inode of the Go server's listening socket (from its net/tcp and fds)
listen_inode=$(awk -v p="$(printf '%04X' "$port")" '$4 == "0A" && $2 ~ (":" p "$") { print $10; exit }' /proc/net/tcp)
if [ -n "$listen_inode" ] && ls -l "/proc/$gopid/fd/" 2>/dev/null | grep -q "socket:\[$listen_inode\]"; then
	ok "the Go server's listening socket is socket:[$listen_inode]"
else
	not_ok "find the Go server's listening socket (port $port)"
fi

sleep 300 &
sleeppid=$!
started+=("$sleeppid")

# A fake kubectl: "exec ... -- CMD" runs CMD here; get/debug answer like a
# cluster would. Every call is logged.
mkdir -p "$tmp/fakebin" "$tmp/tmpdir"
cat >"$tmp/fakebin/kubectl" <<'EOF'
#!/bin/sh
echo "$*" >>"$FAKE_KUBECTL_LOG"
if [ -n "${FAKE_KUBECTL_DOWN:-}" ]; then
	# what kubectl says with no cluster to talk to
	echo 'E1202 10:00:00.000000    4242 memcache.go:265] couldn'"'"'t get current server API group list' >&2
	echo 'The connection to the server localhost:8080 was refused - did you specify the right host or port?' >&2
	exit 1
fi
case $1 in
exec)
	while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done
	shift
	exec "$@" ;;
get)
	case "$*" in
	*"-o name"*) printf 'pod/web-a\npod/web-b\npod/web-c\n' ;;
	*nodeName*) printf 'node-7' ;;
	*containers*) printf 'app' ;;
	esac ;;
debug) exit 0 ;;
*) exit 1 ;;
esac
EOF
chmod +x "$tmp/fakebin/kubectl"
export FAKE_KUBECTL_LOG=$tmp/kubectl.log

# ------------------------------------------------------------ helpers
members() { tar -tzf "$1"; }
has_member() { members "$1" | grep -qx -- "$2"; }
manifest() { tar -xzOf "$1" --wildcards "${2:-*}/manifest"; }
# run_capture SHELL ARGS...: run the script under SHELL with our TMPDIR;
# stdout in $tmp/out, stderr in $tmp/err, status in $rc.
run_capture() {
	local sh=$1
	shift
	# shellcheck disable=SC2086
	TMPDIR=$tmp/tmpdir timeout 120 $sh "$capture" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
no_temp_left() { [ -z "$(ls -A "$tmp/tmpdir")" ]; }
manifest_ok() { # BUNDLE PID: required keys and formats
	local m
	m=$(manifest "$1") || return 1
	grep -qx 'format=rssgap/1' <<<"$m" &&
		grep -Eqx 'captured_at=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z' <<<"$m" &&
		grep -qx "pid=$2" <<<"$m" &&
		grep -qx "tool=rssgap-capture/$(sed -n 's/^VERSION=//p' "$capture")" <<<"$m" &&
		grep -Eqx 'page_size=[0-9]+' <<<"$m" &&
		grep -Eqx 'kernel=.+' <<<"$m"
}
no_secrets() { ! members "$1" | grep -Eq '(^|/)(environ|cmdline|core)[^/]*$'; }
manifest_first() { # every snapshot's first member is its manifest
	members "$1" | awk -F/ '
		{ dir = $0; sub(/\/[^\/]*$/, "", dir) }
		/\/manifest$/ { seen[dir] = 1; next }
		{ d = $0; ok = 0
		  while (d ~ /\//) { sub(/\/[^\/]*$/, "", d); if (seen[d]) ok = 1 }
		  if (!ok) bad = 1 }
		END { exit bad }'
}

# ------------------------------------------------------------ per shell
for sh in dash "busybox sh"; do
	tag=${sh%% *}
	if ! command -v "${sh%% *}" >/dev/null 2>&1; then
		not_ok "$tag: shell '$sh' is installed"
		continue
	fi

	# Go process, local --pid.
	b=$tmp/go-$tag.rssgap.tar.gz
	run_capture "$sh" --pid "$gopid" --http "$url" --label scenario=test --label phase=before -o "$b"
	check "$tag: --pid on a Go process exits 0" test "$rc" -eq 0
	check "$tag: prints the bundle path on stdout" grep -qx "$b" "$tmp/out"
	check "$tag: one summary line on stderr names the pid and rss" grep -Eq "pid $gopid \($comm\): rss [0-9.]+ MiB" "$tmp/err"
	check "$tag: manifest has format, captured_at, pid, tool, page_size, kernel" manifest_ok "$b" "$gopid"
	check "$tag: manifest has comm=$comm" grep -qx "comm=$comm" <(manifest "$b")
	check "$tag: manifest has the labels" bash -c "tar -xzOf '$b' --wildcards '*/manifest' | grep -qx label.scenario=test && tar -xzOf '$b' --wildcards '*/manifest' | grep -qx label.phase=before"
	for m in manifest proc/smaps proc/smaps_rollup proc/maps proc/status cgroup/version \
		runtime/heap.pb.gz runtime/heap.txt runtime/metrics.prom runtime/vars.json; do
		check "$tag: Go bundle has $m" has_member "$b" "snap-$gopid-1/$m"
	done
	check "$tag: manifest is each snapshot's first member" manifest_first "$b"
	check "$tag: runtime/heap.pb.gz is gzip" bash -c "tar -xzOf '$b' snap-$gopid-1/runtime/heap.pb.gz | gzip -t"
	check "$tag: runtime/heap.txt holds runtime.MemStats" bash -c "tar -xzOf '$b' snap-$gopid-1/runtime/heap.txt | grep -q '^# HeapInuse = '"
	check "$tag: runtime/metrics.prom has go_memory_classes" bash -c "tar -xzOf '$b' snap-$gopid-1/runtime/metrics.prom | grep -q '^go_memory_classes_heap_objects_bytes'"
	check "$tag: runtime/vars.json keeps memstats" bash -c "tar -xzOf '$b' snap-$gopid-1/runtime/vars.json | grep -q '^\"memstats\": {'"
	check "$tag: runtime/vars.json has the expvar cmdline removed" bash -c "v=\$(tar -xzOf '$b' snap-$gopid-1/runtime/vars.json) && grep -q 'removed by rssgap-capture' <<<\"\$v\" && ! grep -q -- -addr <<<\"\$v\""
	check "$tag: Go bundle has no errors member" bash -c "! tar -tzf '$b' | grep -q /errors\$"
	check "$tag: manifest records http_check=owner" grep -qx http_check=owner <(manifest "$b")
	check "$tag: manifest names the socket the endpoints came from" grep -qx "http_listener=127.0.0.1:$port socket:\[$listen_inode\]" <(manifest "$b")
	check "$tag: no environ, cmdline or core members" no_secrets "$b"
	check "$tag: no temporary files left in TMPDIR" no_temp_left

	# Refuse to overwrite; --force overwrites.
	sum=$(cksum <"$b")
	run_capture "$sh" --pid "$gopid" --no-http -o "$b"
	check "$tag: refuses to overwrite an existing bundle (exit != 0)" test "$rc" -ne 0
	check "$tag: the existing bundle is unchanged" test "$sum" = "$(cksum <"$b")"
	check "$tag: the refusal names --force" grep -q -- --force "$tmp/err"
	run_capture "$sh" --pid "$gopid" --no-http -o "$b" --force
	check "$tag: --force overwrites" test "$rc" -eq 0 -a "$sum" != "$(cksum <"$b")"

	# Non-Go process: no endpoints -> errors member, still a valid bundle.
	b=$tmp/sleep-$tag.rssgap.tar.gz
	run_capture "$sh" --pid "$sleeppid" --http "http://127.0.0.1:1" --timeout 2 -o "$b"
	check "$tag: non-Go process: exits 0" test "$rc" -eq 0
	check "$tag: non-Go process: manifest keys" manifest_ok "$b" "$sleeppid"
	check "$tag: non-Go process: has proc/smaps and proc/status" bash -c "tar -tzf '$b' | grep -qx snap-$sleeppid-1/proc/smaps && tar -tzf '$b' | grep -qx snap-$sleeppid-1/proc/status"
	check "$tag: non-Go process: errors member names every runtime file" bash -c "tar -xzOf '$b' snap-$sleeppid-1/errors | grep -c '^runtime/[a-z.]*: ' | grep -qx 4"
	check "$tag: non-Go process: no runtime members" bash -c "! tar -tzf '$b' | grep -q /runtime/"
	check "$tag: non-Go process: summary says what failed" grep -q "failed: heap.pb.gz heap.txt metrics.prom vars.json" "$tmp/err"

	# Whose numbers: another process than the one behind the URL. The Go
	# server answers on that port, but it is not the captured process: nothing
	# is fetched, errors says why, and the manifest says the check was made.
	b=$tmp/foreign-$tag.rssgap.tar.gz
	run_capture "$sh" --pid "$sleeppid" --http "$url" -o "$b"
	check "$tag: foreign listener: exits 0" test "$rc" -eq 0
	check "$tag: foreign listener: no runtime member" bash -c "! tar -tzf '$b' | grep -q /runtime/"
	for m in heap.pb.gz heap.txt metrics.prom vars.json; do
		check "$tag: foreign listener: errors says runtime/$m is another process's socket" \
			grep -q "^runtime/$m: not fetched: 127.0.0.1:$port is served by socket:\[$listen_inode\], which pid $sleeppid does not hold: another process listens there" <(tar -xzOf "$b" "snap-$sleeppid-1/errors")
	done
	check "$tag: foreign listener: errors names --http-any" grep -q -- '--http-any fetches anyway' <(tar -xzOf "$b" "snap-$sleeppid-1/errors")
	check "$tag: foreign listener: stderr says it" grep -q "pid $sleeppid: runtime endpoints at 127.0.0.1:$port not fetched: " "$tmp/err"
	check "$tag: foreign listener: manifest http_check=owner, no http_listener" bash -c "m=\$(tar -xzOf '$b' snap-$sleeppid-1/manifest); grep -qx http_check=owner <<<\"\$m\" && ! grep -q '^http_listener=' <<<\"\$m\""
	b=$tmp/any-$tag.rssgap.tar.gz
	run_capture "$sh" --pid "$sleeppid" --http "$url" --http-any -o "$b"
	check "$tag: --http-any fetches the foreign endpoint" bash -c "[ $rc -eq 0 ] && tar -tzf '$b' | grep -qx snap-$sleeppid-1/runtime/heap.txt"
	check "$tag: --http-any is recorded in the manifest" grep -qx http_check=any <(tar -xzOf "$b" "snap-$sleeppid-1/manifest")

	# The generic prefix path: every read and fetch through --exec.
	b=$tmp/exec-$tag.rssgap.tar.gz
	run_capture "$sh" --exec 'env --' --pid "$gopid" --http "$url" --label via=exec -o "$b"
	check "$tag: --exec 'env --' exits 0" test "$rc" -eq 0
	check "$tag: --exec: manifest keys" manifest_ok "$b" "$gopid"
	for m in proc/smaps proc/status runtime/heap.pb.gz runtime/heap.txt; do
		check "$tag: --exec: has $m" has_member "$b" "snap-$gopid-1/$m"
	done
	check "$tag: --exec: no secrets" no_secrets "$b"
	check "$tag: --exec: the listener was checked through the prefix" grep -qx "http_listener=127.0.0.1:$port socket:\[$listen_inode\]" <(manifest "$b")

	# A prefix that re-parses a command string (like ssh): --exec-quote.
	b=$tmp/quote-$tag.rssgap.tar.gz
	run_capture "$sh" --exec 'sh -c' --exec-quote --pid "$gopid" --http "$url" -o "$b"
	check "$tag: --exec-quote 'sh -c' exits 0 with smaps and heap.txt" bash -c "[ $rc -eq 0 ] && tar -tzf '$b' | grep -qx snap-$gopid-1/proc/smaps && tar -tzf '$b' | grep -qx snap-$gopid-1/runtime/heap.txt"

	# Several pids, per-pid labels and HTTP origin, --count.
	b=$tmp/multi-$tag.rssgap.tar.gz
	run_capture "$sh" --pid "$gopid:version=v1,role=go" --pid-http "$url" --pid "$sleeppid" --pid-label version=v2 \
		--http http://127.0.0.1:1 --timeout 2 --count 2 --interval 1 --label fleet=yes -o "$b"
	check "$tag: several --pid: exits 0" test "$rc" -eq 0
	check "$tag: several --pid with --count 2: four snapshots" test "$(members "$b" | grep -c '/manifest$')" -eq 4
	check "$tag: per-pid labels go to that pid only" bash -c "tar -xzOf '$b' snap-$gopid-2/manifest | grep -qx label.version=v1 && tar -xzOf '$b' snap-$sleeppid-1/manifest | grep -qx label.version=v2 && ! tar -xzOf '$b' snap-$sleeppid-1/manifest | grep -q label.role="
	check "$tag: bundle labels go to every snapshot" test "$(tar -xzOf "$b" --wildcards '*/manifest' | grep -cx label.fleet=yes)" -eq 4
	check "$tag: --pid-http applies to its pid only" bash -c "tar -tzf '$b' | grep -qx snap-$gopid-1/runtime/heap.txt && tar -tzf '$b' | grep -qx snap-$sleeppid-1/errors"
	# a series: seq=1,2 and one series= per process, named by host, pid and start_time
	st=$(sed 's/.*) //' "/proc/$sleeppid/stat" | awk '{ print $20 }')
	check "$tag: --count 2: start_time is field 22 of /proc/PID/stat" bash -c "tar -xzOf '$b' snap-$sleeppid-1/manifest | grep -qx start_time=$st"
	check "$tag: --count 2: seq=1 and seq=2 on each process" bash -c "[ \$(tar -xzOf '$b' snap-$gopid-1/manifest snap-$sleeppid-1/manifest | grep -cx label.seq=1) -eq 2 ] && [ \$(tar -xzOf '$b' snap-$gopid-2/manifest snap-$sleeppid-2/manifest | grep -cx label.seq=2) -eq 2 ]"
	check "$tag: --count 2: series=HOST-PID-START, one per process" bash -c "tar -xzOf '$b' snap-$sleeppid-1/manifest snap-$sleeppid-2/manifest | grep -c '^label.series=.*-$sleeppid-$st\$' | grep -qx 2 && [ \$(tar -xzOf '$b' --wildcards '*/manifest' | grep '^label.series=' | sort -u | wc -l) -eq 2 ]"
	b=$tmp/series-$tag.rssgap.tar.gz
	run_capture "$sh" --pid "$sleeppid" --no-http --count 2 --interval 0 --label series=mine -o "$b"
	check "$tag: --label series=NAME wins over the capture's own" bash -c "[ $rc -eq 0 ] && [ \$(tar -xzOf '$b' --wildcards '*/manifest' | grep -c '^label.series=') -eq 2 ] && [ \$(tar -xzOf '$b' --wildcards '*/manifest' | grep -cx label.series=mine) -eq 2 ]"
	run_capture "$sh" --pid "$sleeppid" --no-http -o "$b" --force
	check "$tag: one snapshot: no seq= or series= label" bash -c "[ $rc -eq 0 ] && ! tar -xzOf '$b' --wildcards '*/manifest' | grep -q -e '^label.seq=' -e '^label.series='"

	# --name.
	b=$tmp/name-$tag.rssgap.tar.gz
	run_capture "$sh" --name "$comm" --no-http -o "$b"
	check "$tag: --name finds the process by comm" bash -c "[ $rc -eq 0 ] && tar -tzf '$b' | grep -qx snap-$gopid-1/manifest"
	run_capture "$sh" --name no-such-comm-xyz --no-http -o "$tmp/none-$tag.tar.gz"
	check "$tag: --name with no match fails without a bundle" test "$rc" -ne 0 -a ! -e "$tmp/none-$tag.tar.gz"

	# Failures.
	run_capture "$sh" --pid 999999999 --no-http -o "$tmp/gone-$tag.tar.gz"
	check "$tag: a pid that does not exist: exit 1, no bundle" test "$rc" -eq 1 -a ! -e "$tmp/gone-$tag.tar.gz"
	run_capture "$sh" --pid "$gopid" --label bad -o "$tmp/usage-$tag.tar.gz"
	check "$tag: a malformed --label is a usage error (exit 2)" test "$rc" -eq 2
	TMPDIR=$tmp/does-not-exist timeout 60 $sh "$capture" --pid "$gopid" --no-http -o "$tmp/notmp-$tag.tar.gz" >/dev/null 2>"$tmp/err"
	rc=$?
	check "$tag: an unusable TMPDIR fails and says so" bash -c "[ $rc -ne 0 ] && grep -q TMPDIR '$tmp/err'"
	check "$tag: no temporary files left in TMPDIR after all runs" no_temp_left
	check "$tag: --version" bash -c "$sh '$capture' --version | grep -qx 'rssgap-capture 0.1.0'"
	check "$tag: --help mentions --exec" bash -c "$sh '$capture' --help | grep -q -- --exec"
done

# ------------------------------------------------------------ default name
(cd "$tmp" && TMPDIR=$tmp/tmpdir dash "$capture" --pid "$gopid" --no-http -q >"$tmp/out" 2>"$tmp/err")
name=$(cat "$tmp/out")
check "default name is <host>-<pid>-<UTC time>.rssgap.tar.gz in the current directory" \
	bash -c "echo '$name' | grep -Eqx '[A-Za-z0-9._-]+-$gopid-[0-9]{8}T[0-9]{6}Z\.rssgap\.tar\.gz' && [ -f '$tmp/$name' ]"

# ------------------------------------------------------------ addresses
# How a URL names the endpoint: by name, v6 loopback, an address of no
# namespace here, a wildcard listener of another process.
b=$tmp/addr.rssgap.tar.gz
errors_of() { tar -xzOf "$b" "snap-$1-1/errors" 2>/dev/null; }
run_capture dash --pid "$gopid" --http "http://localhost:$port" -o "$b"
check "a URL by name (localhost, from /etc/hosts) reaches the process's own socket" \
	grep -qx "http_listener=localhost (127.0.0.1:$port) socket:\[$listen_inode\]" <(manifest "$b")
run_capture dash --pid "$gopid" --http "http://[::1]:$port" --timeout 2 -o "$b" --force
check "[::1] when the process listens on 127.0.0.1 only: nothing listens there, nothing fetched" \
	grep -q "^runtime/heap.txt: not fetched: nothing listens on \[::1\]:$port where the fetch runs; pid $gopid listens on port(s) $port" <(errors_of "$gopid")
run_capture dash --pid "$gopid" --http "http://no-such-host.invalid:$port" -o "$b" --force
check "a name not in /etc/hosts: cannot tell which address, nothing fetched" \
	grep -q "^runtime/heap.txt: not fetched: cannot tell which address no-such-host.invalid names where the fetch runs" <(errors_of "$gopid")
run_capture dash --pid "$gopid" --http "http://198.51.100.7:$port" -o "$b" --force
check "an address of no namespace here: the fetch would reach another host, nothing fetched" \
	grep -q "^runtime/heap.txt: not fetched: 198.51.100.7:$port is an address of neither the network namespace where the fetch runs nor pid $gopid's" <(errors_of "$gopid")
# Another process listening on [::]:P (dual stack) serves 127.0.0.1:P too.
port6=$((19800 + $$ % 150))
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1]))); s.listen(1)
print("ready", flush=True); time.sleep(300)' "$port6" >"$tmp/v6.out" 2>&1 &
started+=("$!")
for _ in $(seq 1 50); do grep -q ready "$tmp/v6.out" && break; sleep 0.1; done
if grep -q ready "$tmp/v6.out"; then
	run_capture dash --pid "$gopid" --http "http://127.0.0.1:$port6" -o "$b" --force
	check "another process's [::] wildcard listener takes 127.0.0.1 too: refused" \
		grep -q "^runtime/heap.txt: not fetched: 127.0.0.1:$port6 is served by socket:\[[0-9]*\], which pid $gopid does not hold" <(errors_of "$gopid")
else
	echo "# skip: no IPv6 listener here ($(head -c 200 "$tmp/v6.out")): wildcard check skipped"
fi

# ------------------------------------------------------------ failures
run_capture dash --exec 'nosuchcmd --' -o "$tmp/nosuch.tar.gz"
check "--exec 'nosuchcmd --': exit 1, says the prefix is not a command" \
	bash -c "[ $rc -eq 1 ] && grep -q \"'nosuchcmd' is not a command here\" '$tmp/err' && ! grep -q 'no such process' '$tmp/err'"
run_capture dash --exec 'env --' --pid 999999999 --no-http -o "$tmp/gone.tar.gz"
check "--exec and a pid that does not exist: 'no such process'" grep -q "pid 999999999: no such process" "$tmp/err"

# ------------------------------------------------------------ fake kubectl
export PATH=$tmp/fakebin:$PATH
: >"$FAKE_KUBECTL_LOG"
b=$tmp/kubectl.rssgap.tar.gz
run_capture dash --kubectl shop/web-a/app --pid "$gopid" --http "$url" -o "$b"
check "--kubectl NS/POD/CTR (fake kubectl) exits 0" test "$rc" -eq 0
check "--kubectl runs reads through 'kubectl exec -n NS POD -c CTR --'" grep -q "^exec -n shop web-a -c app -- cat /proc/$gopid/smaps\$" "$FAKE_KUBECTL_LOG"
check "--kubectl fetches through the prefix" grep -q "^exec -n shop web-a -c app -- .*$url/debug/pprof/heap" "$FAKE_KUBECTL_LOG"
check "--kubectl: manifest has pod, namespace, container, node" bash -c "m=\$(tar -xzOf '$b' --wildcards '*/manifest'); grep -qx pod=web-a <<<\"\$m\" && grep -qx namespace=shop <<<\"\$m\" && grep -qx container=app <<<\"\$m\" && grep -qx node=node-7 <<<\"\$m\""
check "--kubectl: snapshot directory is under the pod name" has_member "$b" "web-a/snap-$gopid-1/manifest"

: >"$FAKE_KUBECTL_LOG"
b=$tmp/debug.rssgap.tar.gz
run_capture "busybox sh" --kubectl-debug shop/web-a --pid "$gopid" --http "$url" -o "$b"
check "--kubectl-debug (fake kubectl) exits 0" test "$rc" -eq 0
check "--kubectl-debug starts an ephemeral busybox container targeting the app container" \
	grep -Eq '^debug -n shop web-a --image=busybox --container=rssgap-[0-9]+-[0-9]+-1 --target=app -q -- sleep 600$' "$FAKE_KUBECTL_LOG"
check "--kubectl-debug reads through 'kubectl exec ... -c <ephemeral> --'" grep -Eq "^exec -n shop web-a -c rssgap-[0-9-]+ -- cat /proc/$gopid/smaps\$" "$FAKE_KUBECTL_LOG"
check "--kubectl-debug: bundle has smaps and heap.txt" bash -c "tar -tzf '$b' | grep -qx web-a/snap-$gopid-1/proc/smaps && tar -tzf '$b' | grep -qx web-a/snap-$gopid-1/runtime/heap.txt"

: >"$FAKE_KUBECTL_LOG"
b=$tmp/fleet.rssgap.tar.gz
run_capture dash --all-pods -n shop -l app=web -c app -j 2 --pid "$gopid" --http "$url" --label version=v2 -o "$b"
check "--all-pods (fake kubectl) exits 0" test "$rc" -eq 0
check "--all-pods lists pods with the selector" grep -qx 'get pods -n shop -l app=web -o name' "$FAKE_KUBECTL_LOG"
check "--all-pods: one snapshot per pod" bash -c "[ \$(tar -tzf '$b' | grep -c '/manifest\$') -eq 3 ] && tar -tzf '$b' | grep -qx web-c/snap-$gopid-1/manifest"
check "--all-pods: each manifest names its pod" bash -c "tar -xzOf '$b' web-b/snap-$gopid-1/manifest | grep -qx pod=web-b"
check "--all-pods: no temporary files left" no_temp_left

FAKE_KUBECTL_DOWN=1 run_capture dash --kubectl shop/web-a/app --no-http -o "$tmp/down.tar.gz"
check "--kubectl with no cluster: exit 1 and kubectl's own error" \
	bash -c "[ $rc -eq 1 ] && grep -q 'The connection to the server localhost:8080 was refused' '$tmp/err' && ! grep -q 'no such process' '$tmp/err'"

# ------------------------------------------------------------ rssgap ingest
if [ -x ./rssgap ]; then
	b=$tmp/go-dash.rssgap.tar.gz
	if ./rssgap ingest --db "$tmp/db" "$b" >"$tmp/ingest.out" 2>&1; then
		ok "./rssgap ingest accepts a captured bundle"
	else
		sed 's/^/# /' "$tmp/ingest.out"
		not_ok "./rssgap ingest accepts a captured bundle"
	fi
	if ./rssgap ingest --db "$tmp/db" "$tmp/fleet.rssgap.tar.gz" >"$tmp/ingest.out" 2>&1; then
		ok "./rssgap ingest accepts a multi-snapshot bundle"
	else
		sed 's/^/# /' "$tmp/ingest.out"
		not_ok "./rssgap ingest accepts a multi-snapshot bundle"
	fi
	./rssgap ingest --db "$tmp/db" "$tmp/any-dash.rssgap.tar.gz" >"$tmp/ingest.out" 2>"$tmp/ingest.err"
	check "ingest of a --http-any bundle warns that nothing checked whose numbers they are" \
		grep -q "^rssgap: $tmp/any-dash.rssgap.tar.gz:snap-$sleeppid-1/runtime: warning: whose runtime numbers: captured with --http-any" "$tmp/ingest.err"
	check "ingest warns when the runtime's Sys is above the process's whole address space" \
		grep -q "warning: whose runtime numbers: Sys .* is more than the whole address space of pid $sleeppid (smaps Size " "$tmp/ingest.err"
	id=$(sed -n 's/^ingested snapshot \([0-9]*\): .*/\1/p' "$tmp/ingest.out")
	check "show lists both under Notes" bash -c "./rssgap show --db '$tmp/db' '$id' | grep -c '^  runtime: whose runtime numbers: ' | grep -qx 2"
	./rssgap ingest --db "$tmp/db" "$tmp/foreign-dash.rssgap.tar.gz" >"$tmp/ingest.out" 2>"$tmp/ingest.err"
	check "ingest of a bundle whose check refused the endpoint: no warning" bash -c "[ \$? -eq 0 ] && ! grep -q warning '$tmp/ingest.err'"
else
	echo "# skip: ./rssgap not built, ingest checks skipped"
fi

finish
