# Print an smaps of N VMAs shaped like a big process's: libraries in 5 VMAs each,
# anonymous runs, a [heap], a Go heap; every field of proc.rst, ~830 bytes a VMA.
# usage: awk -v n=65530 -f bench/synth-smaps.awk
# With -v after=1, the same process later and restarted elsewhere, for diff: the
# mmap area at another base (ASLR), library versions bumped, one anonymous VMA in
# 40 fully resident, one in 200 grown by 16 pages, one VMA in 1000 gone and one
# new, the Go heap more resident.
# mawk's %x stops at 32 bits: print 48-bit addresses in two halves
function hex12(x,    hi) {
	hi = int(x / 4294967296)
	return sprintf("%04x%08x", hi, x - hi * 4294967296)
}
function vma(start, size, perms, path, rss, anon,    kb) {
	kb = size / 1024
	printf "%s-%s %s 00000000 fd:01 %d %s\n", hex12(start), hex12(start + size), perms, (path ~ /^\// ? 1000 + i : 0), path
	printf "Size:           %8d kB\nKernelPageSize:        4 kB\nMMUPageSize:           4 kB\n", kb
	printf "Rss:            %8d kB\nPss:            %8d kB\nPss_Dirty:      %8d kB\n", rss, rss, anon
	printf "Shared_Clean:          0 kB\nShared_Dirty:          0 kB\nPrivate_Clean:  %8d kB\n", rss - anon
	printf "Private_Dirty:  %8d kB\nReferenced:     %8d kB\nAnonymous:      %8d kB\n", anon, rss, anon
	printf "KSM:                   0 kB\nLazyFree:              0 kB\nAnonHugePages:         0 kB\n"
	printf "ShmemPmdMapped:        0 kB\nFilePmdMapped:         0 kB\nShared_Hugetlb:        0 kB\n"
	printf "Private_Hugetlb:       0 kB\nSwap:                  0 kB\nSwapPss:               0 kB\n"
	printf "Locked:                0 kB\nTHPeligible:           0\nProtectionKey:         0\n"
	printf "VmFlags: rd wr mr mw me ac sd\n"
}
BEGIN {
	addr = after ? 136000000000000 : 139637976727552
	vma(4194304, 4096 * 1024, "r-xp", "/app/server", 2048, 0)
	vma(824633720832, 64 * 1024 * 1024, "rw-p", "", after ? 56000 : 40000, after ? 56000 : 40000)
	for (i = 2; i < n; i++) {
		size = 4096 * (1 + (i * 7919) % 64)
		if (after && i % 200 == 5)
			size += 4096 * 16
		if (i % 10 < 5) {
			path = sprintf("/usr/lib/x86_64-linux-gnu/libsynthetic-component-%d.so.%d", int(i / 10), (i + after) % 3)
			perms = (i % 5 == 1) ? "r-xp" : (i % 5 == 4 ? "rw-p" : "r--p")
			rss = size / 1024 / 2; anon = (perms == "rw-p") ? rss : 0
		} else {
			path = ""; perms = (i % 10 == 9) ? "---p" : "rw-p"
			rss = (perms == "rw-p") ? size / 1024 / ((after && i % 40 == 5) ? 1 : 4) : 0; anon = rss
		}
		if (!(after && i % 1000 == 3))
			vma(addr, size, perms, path, rss, anon)
		addr += size + ((i % 10 == 9) ? 4096 * 16 : 0)
		if (after && i % 1000 == 9) {
			vma(addr, 4096 * 8, "rw-p", "", 32, 32)
			addr += 4096 * 24
		}
	}
}
