#!/usr/bin/env python3
"""Write the seed corpora of the fuzz harnesses into OUT/<harness>/ (run from the repository root).

Every seed is a real input from fixtures/: the members of the fixture bundles (and of the
hostile ones), the real captures of fixtures/real/ and anything added under fixtures/ later,
sorted to harnesses by name. A seed is named by its SHA-1, so the same bytes are kept once.
"""
import gzip
import hashlib
import os
import sys
import io
import tarfile

OUT = sys.argv[1] if len(sys.argv) > 1 else "build-fuzz/seeds"
# the cgroup harness reads its first byte as the file (tests/fuzz/fuzz_cgroup.c keeps the order)
CGROUP_FILES = ["memory.current", "memory.max", "memory.peak", "memory.stat", "memory.events",
                "memory.swap.current", "memory.pressure", "memory.numa_stat",
                "memory.usage_in_bytes", "memory.limit_in_bytes", "memory.max_usage_in_bytes",
                "memory.failcnt", "memory.oom_control", "memory.kmem.slabinfo",
                "memory.swap.events", "version"]


def put(harness, data):
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    name = os.path.join(d, hashlib.sha1(data).hexdigest())
    if os.path.exists(name):
        return
    # written whole, then renamed: a fuzzer running meanwhile never reads half a seed
    with open(name + ".tmp%d" % os.getpid(), "wb") as f:
        f.write(data)
    os.rename(name + ".tmp%d" % os.getpid(), name)


def gunzip(data):
    try:
        return gzip.decompress(data)
    except (OSError, EOFError):
        return None


def member(name, data):
    """One file, named as in a bundle or on disk: to the harnesses that parse it."""
    base = os.path.basename(name)
    parent = os.path.basename(os.path.dirname(name))
    # a bare smaps, smaps_rollup or heap profile is a bundle input of its own
    # (ingest/bare.c tells it by content): the bundle harness gets it as a whole
    if len(data) <= 65536 and (
        "smaps" in base or base.endswith("heap.txt") or base.endswith(".pb.gz")
    ):
        put("bundle", data)
    if base.endswith("smaps_rollup") or base == "c-smaps_rollup":
        put("rollup", data)
    elif "smaps" in base:
        put("smaps", data)
        put("maps", data)
    elif base == "maps":
        put("maps", data)
    elif base.endswith("status"):
        put("status", data)
    elif base in ("manifest", "errors") or base.startswith("manifest-"):
        put("manifest", data)
    elif base.endswith(".prom"):
        put("prom", data)
    elif base.endswith(".json"):
        put("expvar", data)
    elif base.endswith("heap.txt"):
        put("pprof_legacy", data)
        put("memstats", data)
    elif base.endswith(".pb.gz"):
        raw = gunzip(data)
        if raw is not None:
            put("pprof", raw)
    elif base.endswith(".pb"):
        put("pprof", data)
    elif base.endswith(".rules"):
        put("rules", data)
    elif parent == "cgroup" or base.startswith("memory."):
        if base in CGROUP_FILES:
            put("cgroup", bytes([CGROUP_FILES.index(base)]) + data)


def bundle(path, data):
    """A bundle file: a seed itself (and its plain tar), and each of its members."""
    if len(data) <= 65536:
        put("bundle", data)
    raw = gunzip(data)
    tar = raw if raw is not None else data
    if raw is not None and len(raw) <= 131072:
        put("bundle", raw)
    try:

        with tarfile.open(fileobj=io.BytesIO(tar), mode="r:") as t:
            for m in t.getmembers():
                if m.isfile() and m.size <= 4 << 20:
                    member(m.name, t.extractfile(m).read())
    except (tarfile.TarError, EOFError, OSError):
        pass


for root, dirs, files in os.walk("fixtures"):
    dirs.sort()
    for f in sorted(files):
        path = os.path.join(root, f)
        if os.path.getsize(path) > 8 << 20:
            continue
        with open(path, "rb") as fh:
            data = fh.read()
        if ".tar" in f:
            bundle(path, data)
        else:
            member(path, data)
