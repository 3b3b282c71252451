#!/usr/bin/env bash
# smem's and pprof's habits on real bundles: show's PSS and USS per role
# (USS = Private_Clean + Private_Dirty) against the bundle's own smaps
# summed with awk, unknown without smaps; --sort, --top, --csv and
# profile --sample-index, each with a bad value refused as a usage error.
set -u
. tests/clilib.sh

B=fixtures/bundles/cgo-after.rssgap.tar.gz
smaps_of() { tar -xOzf "$1" --wildcards '*/proc/smaps'; }
# field sums of the bundle's smaps in bytes: awk_sum BUNDLE REGEX
awk_sum() { smaps_of "$1" | awk -v re="$2" '$1 ~ re { s += $2 } END { printf "%d\n", s * 1024 }'; }
# jfield EXPR: python expression over j (show --json of $B) printed
jq_py() { python3 -c 'import json,sys; j=json.load(sys.stdin); print('"$1"')'; }

# ---- 1. PSS and USS per role ----
"$RSSGAP" show --json "$B" >"$tmp/show.json"
uss_awk=$(awk_sum "$B" '^Private_(Clean|Dirty):$')
pss_awk=$(awk_sum "$B" '^Pss:$')
uss_roles=$(jq_py 'sum(r["uss"] for r in j["roles"])' <"$tmp/show.json")
pss_roles=$(jq_py 'sum(r["pss"] for r in j["roles"])' <"$tmp/show.json")
if [ "$uss_roles" = "$uss_awk" ] && [ "$uss_awk" -gt 0 ]; then
	ok "show: roles' USS sum to the smaps' Private_Clean+Private_Dirty ($uss_awk)"
else not_ok "show: roles' USS $uss_roles, smaps say $uss_awk"; fi
if [ "$pss_roles" = "$pss_awk" ] && [ "$pss_awk" -gt 0 ]; then
	ok "show: roles' PSS sum to the smaps' Pss ($pss_awk)"
else not_ok "show: roles' PSS $pss_roles, smaps say $pss_awk"; fi
# one role by itself: lib's VMAs are the ranges show --explain gives that role
"$RSSGAP" show --explain "$B" | awk '$3 == "lib" { print $1 }' >"$tmp/lib.ranges"
lib_awk=$(smaps_of "$B" | awk 'NR == FNR { want[$1] = 1; next }
	/^[0-9a-f]+-[0-9a-f]+ / { on = ($1 in want) }
	on && /^Private_(Clean|Dirty):/ { s += $2 } END { printf "%d\n", s * 1024 }' "$tmp/lib.ranges" -)
lib_json=$(jq_py '[r["uss"] for r in j["roles"] if r["role"] == "lib"][0]' <"$tmp/show.json")
if [ "$lib_json" = "$lib_awk" ] && [ -s "$tmp/lib.ranges" ]; then
	ok "show: lib's USS is its $(wc -l <"$tmp/lib.ranges") VMAs' private pages ($lib_awk)"
else not_ok "show: lib's USS $lib_json, smaps say $lib_awk"; fi
# the top VMA's own uss and pss, from its range in smaps
range=$(jq_py 'j["top_vmas"][0]["range"]' <"$tmp/show.json")
vma_awk=$(smaps_of "$B" | awk -v r="$range" '/^[0-9a-f]+-[0-9a-f]+ / { on = ($1 == r) }
	on && /^Private_(Clean|Dirty):/ { u += $2 } on && /^Pss:/ { p += $2 }
	END { printf "%d %d\n", u * 1024, p * 1024 }')
vma_json=$(jq_py 'str(j["top_vmas"][0]["uss"]) + " " + str(j["top_vmas"][0]["pss"])' <"$tmp/show.json")
if [ "$vma_json" = "$vma_awk" ]; then ok "show: top VMA $range has uss pss $vma_awk"
else not_ok "show: top VMA $range: $vma_json, smaps say $vma_awk"; fi
"$RSSGAP" show "$B" >"$tmp/show.txt"
if grep -q '^ROLE  *VMAS  *SIZE  *RSS  *PSS  *USS  *ANONYMOUS' "$tmp/show.txt"; then
	ok "show: the role table has PSS and USS next to RSS"
else not_ok "show: no PSS/USS columns"; sed -n '/ROLE/p' "$tmp/show.txt"; fi

# a bundle with proc/maps only (the same capture without smaps): unknown, never 0
mkdir -p "$tmp/mo"
tar -xzf "$B" -C "$tmp/mo"
rm -f "$tmp"/mo/*/proc/smaps "$tmp"/mo/*/proc/smaps_rollup
(cd "$tmp/mo" && tar -czf ../maps-only.rssgap.tar.gz ./*)
MO=$tmp/maps-only.rssgap.tar.gz
"$RSSGAP" show --json "$MO" >"$tmp/mo.json" 2>"$tmp/err"
nulls=$(jq_py 'all(r["pss"] is None and r["uss"] is None for r in j["roles"]) and len(j["roles"]) > 0' <"$tmp/mo.json")
if [ "$nulls" = True ]; then ok "show --json: maps only: every role's pss and uss is null"
else not_ok "show --json: maps only: pss/uss not all null"; fi
"$RSSGAP" show "$MO" >"$tmp/mo.txt" 2>"$tmp/err"
if awk '/^ROLE/ { on = 1; next } /^$/ { on = 0 } on && ($5 != "unknown" || $6 != "unknown") { bad = 1 }
	END { exit bad }' "$tmp/mo.txt"; then ok "show: maps only: PSS and USS are unknown"
else not_ok "show: maps only: a PSS or USS is not unknown"; sed -n '/ROLE/,/^$/p' "$tmp/mo.txt"; fi

# ---- 2. --sort ----
# the top 5 VMAs by USS are the smaps' 5 largest Private_Clean+Private_Dirty (ties: larger Size, lower address)
smaps_of "$B" | awk '/^[0-9a-f]+-[0-9a-f]+ / { r = $1; split(r, a, "-") }
	/^Size:/ { sz[r] = $2 } /^Private_(Clean|Dirty):/ { u[r] += $2 * 1024 }
	END { for (r in u) printf "%d %d %s\n", u[r], sz[r], r }' |
	sort -k1,1nr -k2,2nr -k3,3 | head -5 | awk '{ print $3 }' >"$tmp/uss.awk"
"$RSSGAP" show --json --sort uss --top 5 "$B" |
	jq_py '"\n".join(v["range"] for v in j["top_vmas"])' >"$tmp/uss.json"
sed 's/^0*//; s/-0*/-/' "$tmp/uss.awk" >"$tmp/uss.want"
if cmp -s "$tmp/uss.want" "$tmp/uss.json"; then ok "show --sort uss --top 5: the smaps' five largest USS VMAs, in order"
else not_ok "show --sort uss: VMAs differ from smaps"; diff "$tmp/uss.want" "$tmp/uss.json" | head -5; fi
# the roles by uss are in descending uss order; by name in name order
"$RSSGAP" show --json --sort uss "$B" >"$tmp/s.json"
sorted=$(jq_py 'j["sort"] == "uss" and [r["uss"] for r in j["roles"]] == sorted([r["uss"] for r in j["roles"]], reverse=True)' <"$tmp/s.json")
[ "$sorted" = True ] && ok "show --sort uss: roles largest USS first, \"sort\": \"uss\"" || not_ok "show --sort uss: roles not by uss"
"$RSSGAP" show --json --sort name "$B" >"$tmp/s.json"
sorted=$(jq_py '[r["role"] for r in j["roles"]] == sorted(r["role"] for r in j["roles"]) and all(v["path"] != "" for v in j["top_vmas"])' <"$tmp/s.json")
[ "$sorted" = True ] && ok "show --sort name: roles by name, named VMAs first" || not_ok "show --sort name: not by name"
"$RSSGAP" show --sort pss --top 3 "$B" >"$tmp/s.txt"
grep -q '^Top 3 VMAs by PSS$' "$tmp/s.txt" && ok "show --sort pss: the table says what it is ordered by" ||
	not_ok "show --sort pss: no 'Top 3 VMAs by PSS'"
# the default is the store's order, the same as --sort rss
"$RSSGAP" show --json "$B" >"$tmp/a.json"; "$RSSGAP" show --json --sort rss "$B" >"$tmp/b.json"
cmp -s "$tmp/a.json" "$tmp/b.json" && ok "show: --sort rss is the default" || not_ok "show: --sort rss differs from the default"
expect_status 2 "show --sort bogus: usage error" "$RSSGAP" show --sort bogus "$B"
grep -q 'bad --sort "bogus" (expected one of rss, pss, uss, size, swap, anon, lazyfree, name)' "$tmp/err" &&
	ok "show --sort bogus: names the value and the choices" || not_ok "show --sort bogus: $(head -1 "$tmp/err")"
expect_status 2 "show --sort RSS: columns are lowercase" "$RSSGAP" show --sort RSS "$B"

# ---- 3. --top on diff and report ----
BASE=fixtures/bundles/baseline.rssgap.tar.gz
RACE=fixtures/bundles/race-after.rssgap.tar.gz
"$RSSGAP" diff --json "$BASE" "$RACE" >"$tmp/d10.json"
"$RSSGAP" diff --json --top 2 "$BASE" "$RACE" >"$tmp/d2.json"
counts=$(jq_py '[len(f["regions"]) for f in j["findings"]]' <"$tmp/d10.json")
counts2=$(jq_py '[len(f["regions"]) for f in j["findings"]]' <"$tmp/d2.json")
same=$(python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
print(all(fb["regions"] == fa["regions"][:2] for fa, fb in zip(a["findings"], b["findings"])) and a["roles"] == b["roles"])' \
	"$tmp/d10.json" "$tmp/d2.json")
if [ "$counts" = "[4, 1]" ] && [ "$counts2" = "[2, 1]" ] && [ "$same" = True ]; then
	ok "diff --top 2: each finding keeps its 2 largest regions (of $counts), every role still there"
else not_ok "diff --top 2: regions $counts2 of $counts, same prefix: $same"; fi
"$RSSGAP" diff --top 1 "$BASE" "$RACE" >"$tmp/d1.txt"
n=$(grep -c '^    .*  size .*, rss ' "$tmp/d1.txt")
[ "$n" = 2 ] && ok "diff --top 1: one region line under each of the 2 findings" || not_ok "diff --top 1: $n region lines"
"$RSSGAP" report -o "$tmp/rep" --top 3 "$BASE" "$RACE" >/dev/null 2>"$tmp/err"
n=$(sed -n '/^## Top regions/,/^## /p' "$tmp/rep/summary.md" | grep -c '^| [-0-9a-f]* | ')
if [ "$n" = 3 ] && grep -q -- '--top 3$' "$tmp/rep/summary.md"; then
	ok "report --top 3 (diff): summary.md names 3 regions and reproduces with --top 3"
else not_ok "report --top 3 (diff): $n regions"; fi
"$RSSGAP" report -o "$tmp/rep1" --top 2 "$B" >/dev/null 2>"$tmp/err"
n=$(sed -n '/^## Top VMAs/,/^## /p' "$tmp/rep1/summary.md" | grep -c '^| [0-9a-f]*-[0-9a-f]* | ')
"$RSSGAP" show --json --top 2 "$B" | jq_py '"\n".join(v["range"] for v in j["top_vmas"])' >"$tmp/top2"
if [ "$n" = 2 ] && grep -q "$(head -1 "$tmp/top2")" "$tmp/rep1/summary.md" && grep -q "$(tail -1 "$tmp/top2")" "$tmp/rep1/summary.md"; then
	ok "report --top 2 (one snapshot): summary.md lists show's top 2 VMAs"
else not_ok "report --top 2 (one snapshot): $n VMAs"; fi
for v in 0 -1 x 2x 100001 99999999999999999999; do
	expect_status 2 "diff --top $v: usage error" "$RSSGAP" diff --top "$v" "$BASE" "$RACE"
	grep -q "bad --top \"$v\" (expected 1 to 100000)" "$tmp/err" || not_ok "diff --top $v: $(head -1 "$tmp/err")"
	expect_status 2 "report --top $v: usage error" "$RSSGAP" report -o "$tmp/rep" --top "$v" "$B"
done
expect_status 2 "report --top 6 with --limit chart_points=10 (one snapshot): more VMAs than the chart takes" \
	"$RSSGAP" report -o "$tmp/rep" --limit chart_points=10 --top 6 "$B"
grep -q 'bad --top "6" (expected 1 to 5, half of --limit chart_points)' "$tmp/err" &&
	ok "report --top 6: names the cap" || not_ok "report --top 6: $(head -1 "$tmp/err")"

# ---- 4. --csv on list and show ----
"$RSSGAP" show --csv "$B" >"$tmp/show.csv"
csv_check=$(python3 - "$tmp/show.csv" "$tmp/show.json" <<'PY'
import csv, json, sys
raw = open(sys.argv[1], newline="").read()
rows = list(csv.reader(raw.splitlines()))
j = json.load(open(sys.argv[2]))
head = rows[0]
roles = [dict(zip(head, r)) for r in rows[1:] if r[0] == "role"]
vmas = [dict(zip(head, r)) for r in rows[1:] if r[0] == "vma"]
ok = raw.endswith("\r\n") and raw.count("\r\n") == len(rows) and all(len(r) == len(head) for r in rows)
ok = ok and [r["role"] for r in roles] == [r["role"] for r in j["roles"]]
ok = ok and all(int(a["uss"]) == b["uss"] and int(a["pss"]) == b["pss"] and int(a["rss"]) == b["rss"] for a, b in zip(roles, j["roles"]))
ok = ok and [v["range"] for v in vmas] == [v["range"] for v in j["top_vmas"]]
print(ok, sum(int(r["uss"]) for r in roles))
PY
)
if [ "$csv_check" = "True $uss_awk" ]; then ok "show --csv: CRLF rows of equal width, the JSON's roles and VMAs, USS summing to smaps' $uss_awk"
else not_ok "show --csv: $csv_check (want True $uss_awk)"; fi
"$RSSGAP" show --csv "$MO" >"$tmp/mo.csv" 2>/dev/null
if awk -F, 'NR > 1 && $1 == "role" && ($8 != "" || $9 != "" || $10 != "") { bad = 1 } END { exit bad }' "$tmp/mo.csv"; then
	ok "show --csv: maps only: rss, pss, uss are empty fields, not 0"
else not_ok "show --csv: maps only: a 0 where unknown"; fi
# hostile text from a bundle: the labels and perms of formula-bidi, guarded as export --csv guards them
"$RSSGAP" ingest --db "$tmp/csv.db" "$B" fixtures/hostile/formula-bidi.rssgap.tar.gz >/dev/null 2>&1
"$RSSGAP" list --db "$tmp/csv.db" --csv >"$tmp/list.csv"
"$RSSGAP" export --db "$tmp/csv.db" --csv "$tmp/export" >/dev/null
list_check=$(python3 - "$tmp/list.csv" "$tmp/export/manifest.csv" "$tmp/export/snapshot.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
snaps = {r["id"]: r for r in csv.DictReader(open(sys.argv[3], newline=""))}
ok = len(rows) == 2 and all(r["rss"] == snaps[r["snapshot"]]["rss"] and r["pss"] == snaps[r["snapshot"]]["pss"] for r in rows)
# a label cell as one field, and export's guarded manifest cell
bad = [r for r in rows if "HYPERLINK" in r["labels"]]
guarded = [m["value"] for m in csv.DictReader(open(sys.argv[2], newline="")) if "HYPERLINK" in m["value"]]
print(ok and len(bad) == 1 and guarded and guarded[0].startswith("'="))
PY
)
[ "$list_check" = True ] && ok "list --csv: one row per snapshot, rss and pss as export's snapshot table, labels one field" ||
	not_ok "list --csv: $list_check"
id=$(awk -F, 'NR > 1 && /HYPERLINK/ { print $1 }' "$tmp/list.csv")
"$RSSGAP" show --db "$tmp/csv.db" --csv --sort name --top 1000 "$id" >"$tmp/h.csv"
"$RSSGAP" export --db "$tmp/csv.db" --csv "$tmp/export" >/dev/null
grep -q "^vma,[a-z-]*,[0-9a-f-]*,\"'---p\"," "$tmp/h.csv" && grep -q "\"'---p\"" "$tmp/export/vma.csv" &&
	ok "show --csv: a formula-like cell (---p) gets the leading ' export --csv gives it" ||
	not_ok "show --csv: ---p not guarded as export does"
expect_status 2 "show --csv --json: usage error" "$RSSGAP" show --csv --json "$B"
grep -q -- '--json or --csv, not both' "$tmp/err" && ok "show --csv --json: says why" || not_ok "show --csv --json: $(head -1 "$tmp/err")"
expect_status 2 "show --csv --explain: usage error" "$RSSGAP" show --csv --explain "$B"
expect_status 2 "list --csv --json: usage error" "$RSSGAP" list --db "$tmp/csv.db" --csv --json
expect_status 2 "list --csv=x: takes no value" "$RSSGAP" list --db "$tmp/csv.db" --csv=x

# ---- 5. profile --sample-index (go tool pprof's checks are in profile.sh) ----
expect_status 0 "profile --sample-index alloc_objects writes a profile" \
	"$RSSGAP" profile "$B" --sample-index alloc_objects -o "$tmp/ao.pb.gz"
expect_status 2 "profile --sample-index alloc: usage error" "$RSSGAP" profile "$B" --sample-index alloc -o "$tmp/x.pb.gz"
grep -q 'bad --sample-index "alloc" (expected one of inuse_space, alloc_space, inuse_objects, alloc_objects)' "$tmp/err" &&
	ok "profile --sample-index alloc: names the value and the choices" || not_ok "profile --sample-index alloc: $(head -1 "$tmp/err")"

finish
