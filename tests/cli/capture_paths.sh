#!/usr/bin/env bash
# tests/cli/capture_paths.sh: where capture/rssgap-capture finds a process's
# memory cgroup, and the --docker path, without a container engine.
#
# Cgroups: each case is a small tree standing for /proc and /sys as some
# reader sees them (a process in a container with its own cgroup namespace,
# a debug container sharing only the pid namespace, the host, cgroup v1 and
# v2); a prefix (--exec) maps every /proc, /sys and /etc path the script
# reads into the tree, so the script's own logic runs on the layouts that
# this machine's engine (one cgroup version) cannot show. The bundle must
# hold the target's cgroup files, never the reader's, or say why not.
#
# Docker: a fake docker(1) that behaves like the real one for a scratch
# container (no cat: "executable file not found", on stdout, as docker 28
# prints it) and for a container that has cat. Run from the repository root.
set -u

root=$(pwd)
capture=$root/capture/rssgap-capture
. tests/clilib.sh

mkdir -p "$tmp/bin" "$tmp/tmpdir"
cat >"$tmp/bin/fakeproc" <<'EOF'
#!/bin/sh
# fakeproc -- CMD ARG...: CMD with /proc, /sys and /etc paths under $FAKEROOT
[ "$1" = -- ] && shift
cmd=$1
shift
if [ "$cmd" = ls ] && [ -f "$FAKEROOT/ls.out" ]; then
	# what ls printed there, and its status
	cat "$FAKEROOT/ls.out"
	cat "$FAKEROOT/ls.err" >&2 2>/dev/null
	exit "$(cat "$FAKEROOT/ls.rc")"
fi
n=$#
for a in "$@"; do
	case $a in /proc/*|/sys/*|/etc/*) a=$FAKEROOT$a ;; esac
	set -- "$@" "$a"
done
shift "$n"
exec "$cmd" "$@"
EOF
chmod +x "$tmp/bin/fakeproc"

# tree NAME: a fresh tree with pid 1 a process (real smaps/status files)
tree() {
	t=$tmp/$1
	mkdir -p "$t/proc/1" "$t/proc/self"
	cp fixtures/real/go-smaps "$t/proc/1/smaps"
	cp fixtures/real/go-smaps_rollup "$t/proc/1/smaps_rollup"
	cp fixtures/real/go-status "$t/proc/1/status"
	echo server >"$t/proc/1/comm"
}
# cgfiles DIR VERSION LIMIT: memory cgroup files of one version in DIR
cgfiles() {
	mkdir -p "$1"
	if [ "$2" = 2 ]; then
		echo 104857600 >"$1/memory.current"
		echo "$3" >"$1/memory.max"
		printf 'anon 94371840\nfile 8388608\nkernel 2097152\n' >"$1/memory.stat"
		printf 'low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n' >"$1/memory.events"
	else
		echo 104857600 >"$1/memory.usage_in_bytes"
		echo "$3" >"$1/memory.limit_in_bytes"
		printf 'cache 8388608\nrss 94371840\n' >"$1/memory.stat"
		echo 12 >"$1/memory.failcnt"
		printf 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n' >"$1/memory.oom_control"
	fi
}
V2MOUNT='30 25 0:26 ROOT MNT ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate'
V1MOUNT='40 31 0:32 ROOT MNT ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory'
mount_line() { # TEMPLATE ROOT MOUNTPOINT
	printf '%s\n' "$1" | sed "s|ROOT|$2|; s|MNT|$3|"
}
# run_case NAME: capture pid 1 of tree NAME through the fake prefix
run_case() {
	b=$tmp/$1.rssgap.tar.gz
	FAKEROOT=$tmp/$1 TMPDIR=$tmp/tmpdir timeout 60 dash "$capture" \
		--exec "$tmp/bin/fakeproc --" --pid 1 --no-http -o "$b" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
member() { tar -xzOf "$b" "snap-1-1/$1" 2>/dev/null; }
check() { # DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$d"; else not_ok "$d"; fi
}
expect() { # DESCRIPTION WANT GOT
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$3', want '$2')"; fi
}

# -------------------------------------------------- v2, in the container
# its own cgroup namespace: the process sees itself at the root "/"
tree v2-own
echo '0::/' >"$tmp/v2-own/proc/1/cgroup"
mount_line "$V2MOUNT" / /sys/fs/cgroup >"$tmp/v2-own/proc/self/mountinfo"
cgfiles "$tmp/v2-own/sys/fs/cgroup" 2 268435456
run_case v2-own
expect "v2 in its own cgroup namespace: exit 0" 0 "$rc"
expect "v2 in its own cgroup namespace: version 2" 2 "$(member cgroup/version)"
expect "v2 in its own cgroup namespace: memory.max is the container's 256 MiB" 268435456 "$(member cgroup/memory.max)"
expect "v2 in its own cgroup namespace: cgroup_dir is the mount" cgroup_dir=/sys/fs/cgroup "$(member manifest | grep '^cgroup_dir=')"

# -------------------------------------------------- v2, from a debug container
# kubectl debug --target / docker run --pid=container:X with its own cgroup
# namespace: the target's cgroup is outside the reader's ("/../app"), its
# /sys/fs/cgroup is the reader's own (no limit); the target's mount is
# reached through /proc/1/root.
tree v2-debug
echo '0::/../app' >"$tmp/v2-debug/proc/1/cgroup"
mount_line "$V2MOUNT" / /sys/fs/cgroup >"$tmp/v2-debug/proc/self/mountinfo"
mount_line "$V2MOUNT" /../app /sys/fs/cgroup >"$tmp/v2-debug/proc/1/mountinfo"
cgfiles "$tmp/v2-debug/sys/fs/cgroup" 2 max
cgfiles "$tmp/v2-debug/proc/1/root/sys/fs/cgroup" 2 268435456
run_case v2-debug
expect "v2 from a debug container: memory.max is the target's, not the reader's" 268435456 "$(member cgroup/memory.max)"
expect "v2 from a debug container: read through the target's mount namespace" \
	cgroup_dir=/proc/1/root/sys/fs/cgroup "$(member manifest | grep '^cgroup_dir=')"
expect "v2 from a debug container: cgroup_path as /proc/1/cgroup shows it" \
	cgroup_path=/../app "$(member manifest | grep '^cgroup_path=')"

# -------------------------------------------------- v2, from the host
# host view (systemd driver): the whole hierarchy is mounted where we read
tree v2-host
echo '0::/system.slice/docker-abc.scope' >"$tmp/v2-host/proc/1/cgroup"
mount_line "$V2MOUNT" / /sys/fs/cgroup >"$tmp/v2-host/proc/self/mountinfo"
cgfiles "$tmp/v2-host/sys/fs/cgroup/system.slice/docker-abc.scope" 2 268435456
run_case v2-host
expect "v2 from the host: the container's directory under the mount" \
	cgroup_dir=/sys/fs/cgroup/system.slice/docker-abc.scope "$(member manifest | grep '^cgroup_dir=')"
expect "v2 from the host: memory.events read (oom_kill 1)" "oom_kill 1" "$(member cgroup/memory.events | grep '^oom_kill ')"

# -------------------------------------------------- v1, from a debug container
# docker's v1 layout (cgroupfs driver, no cgroup namespace): the reader's
# memory mount is its own cgroup (/docker/helper), the target is /docker/app
tree v1-debug
printf '4:memory:/docker/app\n1:cpu:/docker/app\n0::/docker/app\n' >"$tmp/v1-debug/proc/1/cgroup"
{
	mount_line "$V2MOUNT" /docker/helper /sys/fs/cgroup/unified
	mount_line "$V1MOUNT" /docker/helper /sys/fs/cgroup/memory
} >"$tmp/v1-debug/proc/self/mountinfo"
mount_line "$V1MOUNT" /docker/app /sys/fs/cgroup/memory >"$tmp/v1-debug/proc/1/mountinfo"
cgfiles "$tmp/v1-debug/sys/fs/cgroup/memory" 1 9223372036854771712
cgfiles "$tmp/v1-debug/proc/1/root/sys/fs/cgroup/memory" 1 268435456
run_case v1-debug
expect "v1 from a debug container: version 1 (the memory controller's line wins)" 1 "$(member cgroup/version)"
expect "v1 from a debug container: the target's limit, not the reader's" 268435456 "$(member cgroup/memory.limit_in_bytes)"
expect "v1 from a debug container: failcnt and oom_control captured" "12 oom_kill 1" \
	"$(member cgroup/memory.failcnt) $(member cgroup/memory.oom_control | grep '^oom_kill ')"

# -------------------------------------------------- v1, in the container
# the container's own mount has the container's path as its root
tree v1-own
echo '4:memory:/docker/app' >"$tmp/v1-own/proc/1/cgroup"
mount_line "$V1MOUNT" /docker/app /sys/fs/cgroup/memory >"$tmp/v1-own/proc/self/mountinfo"
cgfiles "$tmp/v1-own/sys/fs/cgroup/memory" 1 268435456
run_case v1-own
expect "v1 in the container: its own mount" cgroup_dir=/sys/fs/cgroup/memory "$(member manifest | grep '^cgroup_dir=')"
expect "v1 in the container: limit 256 MiB" 268435456 "$(member cgroup/memory.limit_in_bytes)"

# -------------------------------------------------- a mount point with a space
tree v2-space
echo '0::/' >"$tmp/v2-space/proc/1/cgroup"
mount_line "$V2MOUNT" / '/sys/fs/cgroup\\040two' >"$tmp/v2-space/proc/self/mountinfo"
cgfiles "$tmp/v2-space/sys/fs/cgroup two" 2 268435456
run_case v2-space
expect "a mountinfo mount point with an escaped space" 268435456 "$(member cgroup/memory.max)"

# -------------------------------------------------- nowhere to be read
# the target's cgroup is outside the reader's namespace and its mountinfo
# is not readable: no cgroup files (not the reader's), and errors says why
tree v2-hidden
echo '0::/../app' >"$tmp/v2-hidden/proc/1/cgroup"
mount_line "$V2MOUNT" / /sys/fs/cgroup >"$tmp/v2-hidden/proc/self/mountinfo"
cgfiles "$tmp/v2-hidden/sys/fs/cgroup" 2 max
run_case v2-hidden
expect "cgroup not visible: the snapshot is still written" 0 "$rc"
expect "cgroup not visible: no cgroup member at all" 0 "$(tar -tzf "$b" | grep -c /cgroup/)"
if member errors | grep -q '^cgroup: memory cgroup /../app (v2) of pid 1 is mounted neither where the capture reads nor readable in the process'"'"'s mount namespace'; then
	ok "cgroup not visible: errors says so"
else
	not_ok "cgroup not visible: errors says so ($(member errors))"
fi

# -------------------------------------------------- whose listener, on crafted tables
# /proc/net/tcp{,6} as the kernel prints them (little-endian words), the
# process's fd links as ls prints them. port: not one a real server here
# would answer on; the check's verdict is what is tested, not the fetch.
lport=$((19850 + $$ % 100))
hexport=$(printf '%04X' "$lport")
tcp_header='  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
tcp_line() { # ADDRHEX INODE
	printf '   0: %s:%s %s:0000 0A 00000000:00000000 00:00000000 00000000     0        0 %s 1 0000000000000000 100 0 0 10 0\n' \
		"$1" "$hexport" "$(printf '%s' "$1" | tr 0-9A-F 0)" "$2"
}
# net_case NAME V4LINES V6LINES OWNED-INODES: a tree whose fetch side and
# process side are one namespace
net_case() {
	tree "$1"
	mkdir -p "$tmp/$1/proc/self/net" "$tmp/$1/proc/1/net"
	{ echo "$tcp_header"; printf '%b' "$2"; } >"$tmp/$1/proc/self/net/tcp"
	{ echo "$tcp_header"; printf '%b' "$3"; } >"$tmp/$1/proc/self/net/tcp6"
	cp "$tmp/$1/proc/self/net/tcp" "$tmp/$1/proc/self/net/tcp6" "$tmp/$1/proc/1/net/"
	: >"$tmp/$1/ls.out"
	for i in $4; do
		echo "lrwx------ 1 root root 64 Dec  2 18:27 $i -> socket:[$i]" >>"$tmp/$1/ls.out"
	done
	echo 0 >"$tmp/$1/ls.rc"
}
run_http() { # NAME: capture with the endpoints at 127.0.0.1:lport
	b=$tmp/$1.rssgap.tar.gz
	FAKEROOT=$tmp/$1 TMPDIR=$tmp/tmpdir timeout 60 busybox sh "$capture" --exec "$tmp/bin/fakeproc --" \
		--pid 1 --http "http://127.0.0.1:$lport" --timeout 1 -o "$b" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
# the process's socket bound to ::ffff:127.0.0.1 (v4-mapped, exact) beats
# another process's 0.0.0.0 wildcard
net_case exact-beats-wildcard "$(tcp_line 00000000 222)\n" "$(tcp_line 0000000000000000FFFF00000100007F 111)\n" 111
run_http exact-beats-wildcard
expect "a v4-mapped exact listener of the process beats a foreign wildcard: checked, fetched from it" \
	"http_listener=127.0.0.1:$lport socket:[111]" "$(member manifest | grep '^http_listener=')"
# the reverse: the process holds the wildcard, another process the address
net_case wildcard-loses "$(tcp_line 0100007F 222)\n$(tcp_line 00000000 111)\n" "" 111
run_http wildcard-loses
if member errors | grep -q "^runtime/heap.txt: not fetched: 127.0.0.1:$lport is served by socket:\[222\], which pid 1 does not hold"; then
	ok "a foreign listener bound to the address beats the process's wildcard: refused"
else
	not_ok "a foreign listener bound to the address beats the process's wildcard ($(member errors | head -n 1))"
fi
# fd links not readable: say so, fetch nothing
net_case fd-denied "$(tcp_line 0100007F 111)\n" "" 111
echo "ls: cannot open directory '/proc/1/fd/': Permission denied" >"$tmp/fd-denied/ls.err"
echo 2 >"$tmp/fd-denied/ls.rc"
run_http fd-denied
if member errors | grep -q "^runtime/heap.txt: not fetched: cannot read /proc/1/fd (ls: cannot open directory '/proc/1/fd/': Permission denied): cannot tell whether pid 1 holds the listening socket (run as root or as the process's user); --http-any fetches anyway"; then
	ok "fd links not readable: errors says so, nothing fetched"
else
	not_ok "fd links not readable: errors says so ($(member errors | head -n 1))"
fi
expect "fd links not readable: no runtime member" 0 "$(tar -tzf "$b" | grep -c /runtime/)"

# -------------------------------------------------- fake docker
cat >"$tmp/bin/docker" <<'EOF'
#!/bin/sh
echo "$*" >>"$FAKE_DOCKER_LOG"
case $1 in
exec)
	shift
	[ "$1" = -i ] && shift
	c=$1
	shift
	case $c in
	scratchy)
		# docker 28 prints its exec errors on stdout when stdin is not a tty
		echo "OCI runtime exec failed: exec failed: unable to start container process: exec: \"$1\": executable file not found in \$PATH: unknown"
		exit 126 ;;
	gone)
		echo "Error response from daemon: No such container: gone" >&2
		exit 1 ;;
	esac
	exec "$@" ;;
run) echo 0123456789abcdef ;;
rm) ;;
*) exit 1 ;;
esac
EOF
chmod +x "$tmp/bin/docker"
export FAKE_DOCKER_LOG=$tmp/docker.log
sleep 120 &
target=$!
trap 'kill $target 2>/dev/null; rm -rf "$tmp"' EXIT
docker_capture() {
	: >"$FAKE_DOCKER_LOG"
	b=$tmp/docker.rssgap.tar.gz
	rm -f "$b"
	PATH=$tmp/bin:$PATH TMPDIR=$tmp/tmpdir timeout 60 busybox sh "$capture" "$@" -o "$b" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
docker_capture --docker scratchy --pid "$target" --no-http --debug-image img:1
expect "--docker on a container without cat: exit 0" 0 "$rc"
if grep -Eq "^run -d --rm --name (rssgap-[0-9]+-[0-9]+-1) --pid container:scratchy --network container:scratchy img:1 sleep 600$" "$FAKE_DOCKER_LOG"; then
	ok "--docker starts a helper of --debug-image sharing the container's pid and network namespaces"
else
	not_ok "--docker starts a helper ($(cat "$FAKE_DOCKER_LOG"))"
fi
helper=$(sed -n 's/^run .* --name \([^ ]*\) .*/\1/p' "$FAKE_DOCKER_LOG")
check "--docker reads through 'docker exec -i <helper>'" grep -q "^exec -i $helper cat /proc/$target/smaps\$" "$FAKE_DOCKER_LOG"
check "--docker removes the helper when done" grep -qx "rm -f $helper" "$FAKE_DOCKER_LOG"
check "--docker says it read through a helper" grep -q "container scratchy has no cat: reading through helper container $helper" "$tmp/err"
check "--docker: the manifest names the container" bash -c "tar -xzOf '$b' snap-$target-1/manifest | grep -qx container=scratchy"
docker_capture --docker withcat --pid "$target" --no-http
check "--docker on a container with cat: docker exec, no helper" bash -c "[ $rc -eq 0 ] && ! grep -q '^run ' '$FAKE_DOCKER_LOG' && grep -q '^exec -i withcat cat /proc/$target/smaps\$' '$FAKE_DOCKER_LOG'"
docker_capture --docker gone --no-http
check "--docker on a missing container: exit 1 with docker's own error" \
	bash -c "[ $rc -eq 1 ] && grep -q 'No such container: gone' '$tmp/err' && [ ! -e '$b' ]"
docker_capture --docker scratchy --name server --no-http
expect "--docker with --name is a usage error" 2 "$rc"

finish
