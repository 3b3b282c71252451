#!/usr/bin/env python3
"""Check an rssgap store from outside rssgap (tests/cli/*.sh): python3 tests/store_check.py DB.

Prints "ok SNAPSHOTS VMAS" and exits 0 when the store is whole: SQLite's integrity and
foreign-key checks pass, no snapshot is half written (a provisional digest, no totals),
no content digest is stored twice, and every snapshot holds as many VMA rows as it counts.
Otherwise prints what is wrong and exits 1. Opens the file read only.
"""
import sqlite3
import sys

db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
problems = []
# killed before its schema was made (one transaction with user_version): an
# empty file, whole; the next ingest makes the schema, reading says "ingest first"
tables = db.execute("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").fetchone()[0]
version = db.execute("PRAGMA user_version").fetchone()[0]
if tables == 0 and version == 0:
    if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        print("integrity_check fails on an empty database")
        sys.exit(1)
    print("ok 0 0")
    sys.exit(0)
if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
    problems.append("integrity_check: " + db.execute("PRAGMA integrity_check").fetchone()[0])
if db.execute("PRAGMA foreign_key_check").fetchone() is not None:
    problems.append("foreign_key_check finds rows without their snapshot")
partial = db.execute("SELECT count(*) FROM snapshot WHERE digest LIKE 'pending:%'"
                     " OR vma_source IS NULL").fetchone()[0]
if partial:
    problems.append("%d partial snapshots" % partial)
twice = db.execute("SELECT count(*) - count(DISTINCT digest) FROM snapshot").fetchone()[0]
if twice:
    problems.append("%d snapshots stored twice" % twice)
short = db.execute("SELECT count(*) FROM snapshot s WHERE vma_count IS NOT (SELECT count(*)"
                   " FROM vma WHERE id >= s.id << 24 AND id < (s.id + 1) << 24)").fetchone()[0]
if short:
    problems.append("%d snapshots whose VMA rows are not their vma_count" % short)
if problems:
    print("; ".join(problems))
    sys.exit(1)
print("ok %d %d" % (db.execute("SELECT count(*) FROM snapshot").fetchone()[0],
                    db.execute("SELECT count(*) FROM vma").fetchone()[0]))
