#!/usr/bin/env bash
# docs/json.md names every member that show, diff, fleet and list --json
# print on the committed bundles (labels' and role names aside: data).
set -u
. tests/clilib.sh
B=fixtures/bundles
db=$tmp/j.db
"$RSSGAP" ingest --quiet --db "$db" $B/*.rssgap.tar.gz
"$RSSGAP" show --db "$db" scenario=zeroing-after --json >"$tmp/show.json"
"$RSSGAP" show --db "$db" scenario=cgo-after --json >>"$tmp/show.json"
"$RSSGAP" diff --db "$db" scenario=zeroing-before scenario=zeroing-after --json >"$tmp/diff.json"
"$RSSGAP" diff --db "$db" scenario=lazyfree-before scenario=lazyfree-after --json >>"$tmp/diff.json"
"$RSSGAP" fleet --db "$db" --by version --before v1 --after v2 --json >"$tmp/fleet.json"
"$RSSGAP" list --db "$db" --json >"$tmp/list.json"
"$RSSGAP" trend fixtures/trend/mmap-grows/series.rssgap.tar.gz --json >"$tmp/trend.json"
# every key of every object, except those under "labels" and a cohort's "roles"
keys() {
	python3 -c '
import json, sys
def walk(v, data_keys):
    # data_keys: v is the object under "labels" or a fleet cohort "roles": its keys are data
    if isinstance(v, dict):
        for k, x in v.items():
            if not data_keys:
                print(k)
            walk(x, isinstance(x, dict) and k in ("labels", "roles"))
    elif isinstance(v, list):
        for x in v:
            walk(x, False)
dec = json.JSONDecoder()
text = open(sys.argv[1]).read()
i = 0
while i < len(text):
    if text[i].isspace():
        i += 1
        continue
    v, i = dec.raw_decode(text, i)
    walk(v, False)
' "$1" | sort -u
}
for f in show diff fleet list trend; do
	[ -s "$tmp/$f.json" ] || { not_ok "$f --json printed nothing"; continue; }
	missing=""
	for k in $(keys "$tmp/$f.json"); do
		grep -q "\`$k\`" docs/json.md || missing="$missing $k"
	done
	[ -z "$missing" ] && ok "$f --json: docs/json.md names every member" ||
		not_ok "$f --json: not in docs/json.md:$missing"
done
grep -q '"format": "rssgap-show/1"' "$tmp/show.json" && grep -q '"format": "rssgap-diff/1"' "$tmp/diff.json" &&
	grep -q '"format": "rssgap-fleet/1"' "$tmp/fleet.json" &&
	grep -q '"format": "rssgap-trend/1"' "$tmp/trend.json" && ok "each object names its format" ||
	not_ok "a format line is missing"
finish
