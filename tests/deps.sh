#!/bin/sh
# Install the Debian packages rssgap needs to build and test, or say which.
set -u
pkgs="build-essential pkg-config libarchive-dev libsqlite3-dev libpcre2-dev libcairo2-dev
libcmocka-dev libjansson-dev libxxhash-dev fonts-dejavu-core golang-go
golang-github-prometheus-client-golang-dev busybox dash gzip zstd xz-utils bzip2 curl
python3 bc time"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "rssgap: missing packages:$missing" >&2
	echo "rssgap: hint: sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing" >&2
apt-get update -q >/dev/null &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
