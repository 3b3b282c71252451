#!/bin/sh
# make bench, smem's habits: one live process with 20,000 mappings (python3,
# alternating read-only and written pages so that none merge), read by
# `smem -m` (PSS per mapping of the processes -P selects) and by
# `rssgap show --pid N` (PSS and USS per role and per VMA), in the same run:
# best of 3 each, and their PSS totals side by side (they read the same smaps).
set -eu
RSSGAP=${RSSGAP:-./rssgap}
if ! command -v smem >/dev/null 2>&1; then
	echo "== smem: skipped (no smem; apt-get install smem)"
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/rssgap-bench-smem.XXXXXX")
python3 - "rssgap-bench-smem-$$" "$work/ready" <<'PY' &
import mmap, sys, time
maps = []
for i in range(20000):
    m = mmap.mmap(-1, 4096, prot=(mmap.PROT_READ | mmap.PROT_WRITE) if i % 2 else mmap.PROT_READ)
    if i % 2:
        m[0] = 1
    maps.append(m)
open(sys.argv[2], "w").write("ready")
time.sleep(600)
PY
pid=$!
trap 'kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT INT TERM
i=0
while [ ! -s "$work/ready" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
vmas=$(wc -l <"/proc/$pid/maps")
echo "== smem: one live process, $vmas mappings"
best() { # best CMD...: the fastest of 3 wall times, seconds
	b=""
	for _ in 1 2 3; do
		/usr/bin/time -f "%e" -o "$work/t" "$@" >"$work/out" 2>/dev/null
		t=$(cat "$work/t")
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
	done
	echo "$b"
}
# [s]: the regex does not match smem's own command line, which holds it
filter="python3 - rssgap-bench-[s]mem-$$"
s_t=$(best smem -m -n -t -P "$filter")
s_pss=$(tail -n 1 "$work/out" | awk '{ print $NF }')
r_t=$(best "$RSSGAP" show --pid "$pid" --json)
r_pss=$(sed -n 's/^  "pss": \([0-9]*\),$/\1/p' "$work/out")
printf '   smem -m %6.2f s, PSS %s KiB; rssgap show --pid %6.2f s, PSS %s KiB; rssgap is %sx faster\n' \
	"$s_t" "$s_pss" "$r_t" "$((r_pss / 1024))" "$(echo "scale=1; $s_t / $r_t" | bc)"
