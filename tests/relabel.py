#!/usr/bin/env python3
"""Copy a bundle with one label added to every manifest: python3 tests/relabel.py SRC OUT KEY=VALUE.

Gives tests many bundles of distinct content (a new digest per label) made of the real
captures in fixtures/bundles, e.g. for disjoint sets of concurrent ingesters.
"""
import gzip
import io
import sys
import tarfile

src, out, label = sys.argv[1], sys.argv[2], sys.argv[3].encode()
bio = io.BytesIO()
with tarfile.open(src) as t, tarfile.open(fileobj=bio, mode="w", format=tarfile.GNU_FORMAT) as o:
    for m in t.getmembers():
        data = t.extractfile(m).read() if m.isfile() else None
        if data is not None and m.name.endswith("/manifest"):
            data = data + b"label." + label + b"\n"
            m.size = len(data)
        o.addfile(m, io.BytesIO(data) if data is not None else None)
with open(out, "wb") as f:
    f.write(gzip.compress(bio.getvalue(), mtime=0))
