#!/bin/sh
# The Debian packages rssgap needs: installs the missing ones when run as
# root, otherwise prints the apt-get line that would. `make` runs it before
# anything compiles (set "build"); `make test` and `make demo` want the
# packages of the tests too (set "all", the default). `--list` prints a set.
#   sh tests/deps.sh [build|all] [--list]
set -u
build="build-essential pkg-config libarchive-dev libsqlite3-dev libpcre2-dev libcairo2-dev
libjansson-dev libxxhash-dev zlib1g-dev fonts-dejavu-core"
# cmocka for the unit tests; Go, busybox, dash and the compressors for the
# capture tests and the fixture programs; python3, bc and time for scripts;
# zsh and mandoc to run the completions and check the man pages; graphviz for
# go tool pprof -svg (tests/cli/profile.sh)
tests="libcmocka-dev golang-go golang-github-prometheus-client-golang-dev busybox dash gzip zstd
xz-utils bzip2 curl python3 bc time zsh mandoc graphviz"
set_name=all
list=0
for a in "$@"; do
	case $a in
	build | all) set_name=$a ;;
	--list) list=1 ;;
	*) echo "usage: sh tests/deps.sh [build|all] [--list]" >&2; exit 2 ;;
	esac
done
pkgs=$build
[ "$set_name" = all ] && pkgs="$build $tests"
if [ $list -eq 1 ]; then
	echo $pkgs
	exit 0
fi
if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "rssgap: not a Debian system: make sure the equivalents of these are installed:" $pkgs >&2
	exit 0
fi
# one dpkg-query for every package; a package dpkg has never heard of prints nothing
installed=$(dpkg-query -W -f='${db:Status-Status} ${Package}\n' $pkgs 2>/dev/null |
	sed -n 's/^installed //p')
missing=""
for p in $pkgs; do
	case " $(echo $installed) " in
	*" $p "*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "rssgap: missing packages:$missing" >&2
	echo "rssgap: hint: sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "rssgap: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null &&
	apt-get install -y -q --no-install-recommends $missing >/dev/null
