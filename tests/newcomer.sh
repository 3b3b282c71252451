#!/usr/bin/env bash
# make newcomer: the README's two commands, `make demo` then `make test`, on a
# fresh Debian 12 (bookworm), first time, as root, with no network but
# Debian's packages. Needs root on a Linux host (namespaces, chroot, overlay).
#
#   build/newcomer/bookworm/  a minimal root made by debootstrap (minbase, with
#                             git and make: what the README asks to install
#                             first); cached, made once
#   build/newcomer/debs/      the .deb files of the packages tests/deps.sh
#                             names, with their dependencies, downloaded once
#                             from the Debian archive (apt checks their
#                             signatures) into a local repository; cached
#                             until the package list changes
#   build/newcomer/run/       one run's log (and the suites' logs when it
#                             failed); the run writes into an overlay on the
#                             cached root, in memory, gone when the run ends
#
# A run is a fresh git clone of HEAD in the root, then, inside chroot, only
# `make demo && make test` in the clone. The root's apt sources name the local
# repository only, and the run has a network namespace of its own with
# nothing but loopback: whatever else the two commands would fetch (a Go
# module, a toolchain, a file on the web) fails the check.
#
# Every mount (the overlay, /proc, /sys, /dev, the repository) is made in a
# mount namespace of a process that dies with the run (unshare --kill-child):
# when it exits, however it exits, the kernel takes the mounts down, and the
# host never sees them. Processes the tests leave behind die with the run's
# pid namespace.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${NEWCOMER_DIR:-$top/build/newcomer}
mirror=${NEWCOMER_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
base=$cache/$suite
debs=$cache/debs
run=$cache/run
t0=$(date +%s)

say() { printf 'newcomer: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
elapsed() { echo $(($(date +%s) - $1)); }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot and mounts); run: sudo make newcomer"
[ "$(uname -s)" = Linux ] || die "needs Linux"
for tool in unshare chroot mount ip git; do
	command -v "$tool" >/dev/null || die "needs $tool"
done
if ! command -v debootstrap >/dev/null || ! command -v dpkg-scanpackages >/dev/null; then
	say "installing debootstrap and dpkg-dev on this host"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap dpkg-dev >/dev/null
fi

# Refuse to delete a tree that something still has mounted (it cannot be,
# the mounts live in namespaces that are gone; this is the proof).
no_mounts_under() {
	if awk -v d="$1" '$5 == d || index($5, d "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
		die "something is mounted under $1; not removing it"
	fi
}
remove_tree() {
	[ -e "$1" ] || return 0
	no_mounts_under "$1"
	rm -rf --one-file-system "$1"
}

# ---- 1. the minimal root, once ----
if [ ! -e "$base/.newcomer-root" ]; then
	t=$(date +%s)
	say "debootstrap $suite (minbase, git, make) from $mirror into $base"
	remove_tree "$base.tmp"
	mkdir -p "$cache"
	# debootstrap mounts /proc and /sys inside the target: in its own namespace
	if ! unshare --mount --propagation private --kill-child \
		debootstrap --variant=minbase --include=git,make "$suite" "$base.tmp" "$mirror" \
		>"$cache/debootstrap.log" 2>&1; then
		tail -20 "$cache/debootstrap.log" >&2
		die "debootstrap failed (log: $cache/debootstrap.log)"
	fi
	# nothing of this host in the root: debootstrap copied its resolv.conf and hosts
	rm -f "$base.tmp/etc/resolv.conf" "$base.tmp/etc/hostname"
	printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$base.tmp/etc/hosts"
	rm -rf "$base.tmp/var/cache/apt/archives/"*.deb "$base.tmp/var/lib/apt/lists/"*_*
	touch "$base.tmp/.newcomer-root"
	remove_tree "$base"
	mv "$base.tmp" "$base"
	say "root ready in $(elapsed "$t") s"
fi

# ---- 2. the Debian packages the README's commands will ask for, once per list ----
pkgs=$(sh "$top/tests/deps.sh" all --list)
if [ ! -e "$debs/Packages" ] || [ "$(cat "$debs/.list" 2>/dev/null)" != "$pkgs" ]; then
	t=$(date +%s)
	say "downloading the .debs of: $pkgs"
	remove_tree "$debs.tmp"
	remove_tree "$run"
	mkdir -p "$debs.tmp" "$run/upper" "$run/work" "$run/root"
	# apt resolves the dependencies against the root as it is, in a throwaway
	# overlay with the host's network and resolv.conf; it checks every
	# package's signature against the Debian archive keyring of the root
	unshare --mount --propagation private --kill-child bash -euc '
		base=$1 run=$2 debs=$3 mirror=$4 suite=$5; shift 5
		mount -t overlay overlay -o "lowerdir=$base,upperdir=$run/upper,workdir=$run/work" "$run/root"
		mount -t proc proc "$run/root/proc"
		touch "$run/root/etc/resolv.conf"
		mount --bind /etc/resolv.conf "$run/root/etc/resolv.conf"
		mount --bind "$debs" "$run/root/var/cache/apt/archives"
		mkdir -p "$run/root/var/cache/apt/archives/partial"
		echo "deb $mirror $suite main" >"$run/root/etc/apt/sources.list"
		chroot "$run/root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
			sh -c "apt-get update -q && apt-get install -y -q --download-only --no-install-recommends $*"
	' _ "$base" "$run" "$debs.tmp" "$mirror" "$suite" $pkgs >"$cache/download.log" 2>&1 || {
		tail -20 "$cache/download.log" >&2
		die "downloading the packages failed (log: $cache/download.log)"
	}
	rm -rf "$debs.tmp/partial" "$debs.tmp/lock"
	(cd "$debs.tmp" && dpkg-scanpackages --multiversion . /dev/null 2>/dev/null >Packages)
	[ -s "$debs.tmp/Packages" ] || die "no packages downloaded (log: $cache/download.log)"
	# a flat repository's Release (unsigned: the root trusts this one source)
	{ echo "Origin: rssgap-newcomer"; echo "Label: rssgap-newcomer"; echo "Suite: $suite"
	  echo "Date: $(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S UTC')"; echo "SHA256:"
	  echo " $(sha256sum <"$debs.tmp/Packages" | cut -d' ' -f1) $(stat -c %s "$debs.tmp/Packages") Packages"
	} >"$debs.tmp/Release"
	echo "$pkgs" >"$debs.tmp/.list"
	remove_tree "$run"
	remove_tree "$debs"
	mv "$debs.tmp" "$debs"
	say "$(ls "$debs" | grep -c '\.deb$') packages, $(du -sm "$debs" | cut -f1) MB, in $(elapsed "$t") s"
fi

# ---- 3. a run: a fresh clone of HEAD, the README's two commands, nothing else ----
head=$(git -C "$top" rev-parse HEAD)
remove_tree "$run"
mkdir -p "$run/mem" "$run/root"
log=$run/newcomer.log
say "a fresh clone of $(git -C "$top" rev-parse --short HEAD) in a fresh $suite root: make demo, then make test"
t=$(date +%s)
set +e
unshare --mount --propagation private --pid --fork --kill-child --net --uts --ipc bash -euc '
	base=$1 run=$2 debs=$3 repo=$4 head=$5
	r=$run/root
	# what the run writes stays in memory (dpkg syncs every file it unpacks; a
	# disk shared with other work made that most of the run), and is gone with it
	mount -t tmpfs -o mode=755 tmpfs "$run/mem"
	mkdir "$run/mem/upper" "$run/mem/work"
	mount -t overlay overlay -o "lowerdir=$base,upperdir=$run/mem/upper,workdir=$run/mem/work" "$r"
	mount -t proc proc "$r/proc"
	mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$r/sys"
	# the memory cgroup files the capture tests read, read-only
	if mountpoint -q /sys/fs/cgroup; then
		mount --rbind /sys/fs/cgroup "$r/sys/fs/cgroup"
		awk -v d="$r/sys/fs/cgroup" "\$5 == d || index(\$5, d \"/\") == 1 { print \$5 }" /proc/self/mountinfo |
			while read -r m; do mount -o remount,bind,ro "$m"; done
	fi
	# a /dev of its own: the usual nodes, a private devpts, /dev/shm
	mount -t tmpfs -o mode=755,nosuid tmpfs "$r/dev"
	for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
		IFS=: read -r name major minor <<<"$n"
		mknod -m 666 "$r/dev/$name" c "$major" "$minor"
	done
	mkdir "$r/dev/pts" "$r/dev/shm"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$r/dev/pts"
	ln -s pts/ptmx "$r/dev/ptmx"
	mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$r/dev/shm"
	ln -s /proc/self/fd "$r/dev/fd"
	ln -s /proc/self/fd/0 "$r/dev/stdin"
	ln -s /proc/self/fd/1 "$r/dev/stdout"
	ln -s /proc/self/fd/2 "$r/dev/stderr"
	# Debian packages from the local repository only; no network but loopback
	mkdir -p "$r/var/local/debian"
	mount --bind -o ro "$debs" "$r/var/local/debian"
	mount -o remount,bind,ro "$r/var/local/debian"
	echo "deb [trusted=yes] file:/var/local/debian ./" >"$r/etc/apt/sources.list"
	rm -f "$r/etc/apt/sources.list.d/"*
	ip link set lo up
	hostname newcomer
	git clone -q --no-hardlinks "$repo" "$r/root/rssgap"
	git -C "$r/root/rssgap" checkout -q --detach "$head"
	# not exec: bash stays pid 1 of the namespace and reaps what the tests orphan
	rc=0
	chroot "$r" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/sh \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/sh -c "cd /root/rssgap && make demo && make test" || rc=$?
	# the whole log of every suite, out of the memory that goes with the run
	[ "$rc" -eq 0 ] || cp -r "$r/root/rssgap/build/logs" "$run/logs" 2>/dev/null || true
	exit "$rc"
' _ "$base" "$run" "$debs" "$(git -C "$top" rev-parse --path-format=absolute --git-common-dir)" "$head" 2>&1 |
	while IFS= read -r line; do
		printf 'newcomer| %s\n' "$line"
		printf '%(%H:%M:%S)T %s\n' -1 "$line" >>"$log"	# the log says when
	done
rc=${PIPESTATUS[0]}
set -e
run_s=$(elapsed "$t")
if [ "$rc" -ne 0 ]; then
	say "FAILED (exit $rc) after $run_s s; the log is $log, the suites' logs in $run/logs"
	exit 1
fi
say "passed: make demo and make test in $run_s s (all steps: $(elapsed "$t0") s); log: $log"
