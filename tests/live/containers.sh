#!/usr/bin/env bash
# tests/live/containers.sh (make test-live): run the container scenario for
# real (fixtures/make-container-bundles.sh: a Docker engine, Go, a static
# busybox) into a temporary directory and check its captures as
# tests/cli/containers.sh checks the committed ones, plus what only a live
# run shows: the kernel OOM-killed the service when pushed past the limit,
# the capture from a debug container left no zombie in the target's pid
# namespace, nothing was left running. Exits 77 with one line when the
# engine or a tool is missing.
set -u
. tests/clilib.sh
. tests/container_checks.sh

bash fixtures/make-container-bundles.sh "$tmp/out" >"$tmp/make.out" 2>"$tmp/make.err"
rc=$?
if [ "$rc" -eq 77 ]; then
	cat "$tmp/make.out"
	exit 77
fi
if [ "$rc" -ne 0 ]; then
	tail -n 20 "$tmp/make.err"
	not_ok "fixtures/make-container-bundles.sh runs (exit $rc)"
	finish
	exit 1
fi
ok "fixtures/make-container-bundles.sh ran ($(tail -n 1 "$tmp/make.err" | sed 's/^make-container-bundles: //'))"
sed 's/^/# /' "$tmp/out/facts"
fact() { sed -n "s/^$1=//p" "$tmp/out/facts"; }

container_checks "$tmp/out" $(( $(fact limit_mib) << 20 ))

expect_eq "the hog in the service's cgroup was OOM-killed (exit 137), the service lived on" \
	"137 running" "$(fact hog_exit) $(fact service_after_hog)"
case $(fact service_final) in
"exited oom_killed=true exit=137") ok "pushed past the limit, the service was OOM-killed (docker: OOMKilled)" ;;
*) not_ok "pushed past the limit, the service was OOM-killed ($(fact service_final))" ;;
esac
expect_eq "a capture from a debug container leaves no zombie in the target's pid namespace" 0 \
	"$(fact zombies_after_debug_capture)"
expect_eq "no container left (helpers removed)" 0 "$(fact containers_left)"

b=$tmp/out/extra/host-loopback.rssgap.tar.gz
if tar -xzOf "$b" --wildcards '*/errors' | grep -q '^runtime/heap.txt: not fetched: nothing listens on 127.0.0.1:6060 where the fetch runs; pid [0-9]* listens on port 6060 in its own network namespace'; then
	ok "from the host, 127.0.0.1 is the host's: refused, and errors says the process listens in its own namespace"
else
	not_ok "from the host, 127.0.0.1 is the host's: refused ($(tar -xzOf "$b" --wildcards '*/errors' | head -n 1))"
fi
expect_eq "from the host: no runtime member" 0 "$(tar -tzf "$b" | grep -c /runtime/)"
b=$tmp/out/extra/withcat.rssgap.tar.gz
"$RSSGAP" show --json "$b" >"$tmp/withcat.json" 2>/dev/null
expect_eq "--exec 'docker exec -i C' on an image with cat: the container's 128 MiB limit" 134217728 \
	"$(jq_py "$tmp/withcat.json" 'j["cgroup"]["limit"]')"
case $(manifest_key "$b" cgroup_dir) in
/proc/*) not_ok "docker exec: cgroup read inside the container, not through a helper ($(manifest_key "$b" cgroup_dir))" ;;
*) ok "docker exec: cgroup read inside the container, its own mount" ;;
esac
finish
