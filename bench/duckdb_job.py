#!/usr/bin/env python3
"""The cakupan job written as DuckDB SQL, for the side-by-side benchmark.

    duckdb_job.py --population P --enrollment E --as-of S --election-date E \
                  --out DIR --threads 2 [--wilayah data-schema/data/wilayah.csv]

It follows the data contract as closely as SQL allows (see BENCHMARKS.md):
NIK parsed and validated (16 digits, day 01-31/41-71, month 01-12), the
contract's date formats, domicile codes from NO_PROP..NO_KEL or KODE_WILAYAH,
exact copies dropped, NIK ganda resolved by "first valid row in file order
wins", register status / marital / TNI-POLRI / citizenship rules, enrollment
as-of and status rules, the age rules with the Feb 29 -> Feb 28 convention,
counts per desa rolled up to kecamatan, kabupaten and provinsi with Kemendagri
names, written as the 4 coverage_*.csv tables with cakupan's columns.

Not done here (cakupan does them): rejects.csv / warnings.csv, the worklist,
the weekly trend, Parquet copies of the tables, the manifest.

How it is made fast (same rules, same results as the first, regex-based
version, cell for cell; set DUCKDB_JOB_TIMING=1 for per-statement times):
  * Validation by GLOB shapes ('[0-9][0-9]-[0-9][0-9]-...'), strlen and casts
    instead of regexp_full_match. The trimming / time-part / normalising forms
    run only for cells that are not already in clean form, so each test means
    exactly what it meant before (GLOB [0-9] is ASCII like the regex's \\d).
  * Code lists (marital, citizenship, register and card status, occupation):
    a cell that is one of the usual SIAK values is decided by an IN list; only
    other cells go through the normalising regex. TNI/POLRI: a cell without
    TNI, POLRI, TENTARA, KEPOLISIAN, 6 or 7 in it cannot match, whatever its
    spelling.
  * Ages: "17 or older on d" is a DATE comparison with constants computed in
    Python (with the Feb 29 -> Feb 28 rule), no year()/month()/day().
  * One streaming pass reduces each population row to (NIK, one BIGINT code =
    desa code * 16 + counting flags) in a table whose rowid is the file order
    (insertion order is preserved through scans and projections; the plan is
    checked to contain nothing else). No row_number() OVER (), no window: NIK
    ganda = one GROUP BY nik with arg_min(code, rowid). Exact copies share
    their NIK and every cell, so the first copy wins there too and no hash of
    every cell is needed (the old hash could, in principle, also collide).
  * Only the needed columns are read; preserve_insertion_order is switched off
    after the population pass.
"""
import argparse
import datetime as dt
import json
import os
import sys
import time

import duckdb

DIGIT = "[0-9]"


def shape(p):
    """A GLOB pattern for a fixed shape: 'd' is one ASCII digit, anything else is literal."""
    return "'" + "".join(DIGIT if ch == "d" else ch for ch in p) + "'"


def norm(x):
    """cakupan's values::normalize: upper, trim, fold _ - and whitespace runs to one space."""
    return f"trim(regexp_replace(upper(coalesce({x}, '')), '[_\\-\\s]+', ' ', 'g'))"


def sql_list(values):
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


# The rules (on normalised values; n = the normalised cell).
MARRIED = ["2", "KAWIN", "KAWIN TERCATAT", "KAWIN BELUM TERCATAT", "KAWIN TIDAK TERCATAT", "3", "CERAI HIDUP",
           "CERAI HIDUP TERCATAT", "CERAI HIDUP BELUM TERCATAT", "4", "CERAI MATI"]
FOREIGN = ["WNA", "ASING", "WARGA NEGARA ASING", "2"]
RESIDENT_STATUS = ["", "AKTIF", "HIDUP"]
COUNTING = ["", "SUDAH REKAM", "REKAM", "PRINT READY RECORD", "PRR", "SENT FOR CARD PRINTING", "CARD PRINTED", "CETAK",
            "CARD SHIPPED", "CARD ISSUED", "BIO CAPTURED", "PROCESSING", "SENT FOR ENROLLMENT", "RECEIVED AT CENTRAL"]
TNI_RULE = ("({n} IN ('6','7') OR (NOT (starts_with({n}, 'PENSIUNAN') OR starts_with({n}, 'PURNAWIRAWAN')) "
            "AND (contains({n}, 'TNI') OR contains({n}, 'POLRI') OR contains({n}, 'TENTARA NASIONAL INDONESIA') "
            "OR contains({n}, 'KEPOLISIAN'))))")

# Each code-list rule as (rule on {n}, the usual SIAK values where it is true,
# where it is false). The value lists are only a fast path: a cell that is one
# of them (exactly) is decided without the regex (check_flags() makes sure that
# each listed value is its own normalisation and gets the listed answer); any
# other cell is normalised with the regex and the rule applied.
FLAGS = {
    "married": ("{n} IN (" + sql_list(MARRIED) + ")", MARRIED, ["", "1", "BELUM KAWIN"]),
    "foreign": ("{n} IN (" + sql_list(FOREIGN) + ")", FOREIGN, ["", "1", "WNI", "WARGA NEGARA INDONESIA"]),
    "resident": ("{n} IN (" + sql_list(RESIDENT_STATUS) + ")", RESIDENT_STATUS, ["MATI", "PINDAH"]),
    "counting": ("{n} IN (" + sql_list(COUNTING) + ")", COUNTING, ["BELUM REKAM", "DUPLICATE RECORD", "DUP"]),
    # occupation: only a fast path for the commonest SIAK values (see tni_flag())
    "tni": (TNI_RULE, [], ["PELAJAR/MAHASISWA", "BELUM/TIDAK BEKERJA", "MENGURUS RUMAH TANGGA", "PETANI/PEKEBUN",
                           "KARYAWAN SWASTA", "WIRASWASTA", "BURUH HARIAN LEPAS", "PERDAGANGAN", "NELAYAN/PERIKANAN",
                           "PENSIUNAN", "PEGAWAI NEGERI SIPIL (PNS)"]),
}


def _subst(r, n):
    """The rule text with its value {n} replaced by the expression n."""
    return r.replace("{n}", n)


def flag(x, name):
    r, yes, no = FLAGS[name]
    c = f"coalesce({x}, '')"
    return (f"(CASE WHEN {c} IN ({sql_list(yes)}) THEN true WHEN {c} IN ({sql_list(no)}) THEN false "
            f"ELSE {_subst(r, norm(x))} END)")


def tni_flag(x):
    """Active TNI/POLRI by occupation. Besides the common values, a cell whose
    upper() has none of TNI, POLRI, TENTARA, KEPOLISIAN, 6, 7 cannot match the
    rule after normalisation (which only folds separator runs to one space and
    trims, so it cannot create those strings): false without the regex."""
    c = f"coalesce({x}, '')"
    return (f"(CASE WHEN {c} IN ({sql_list(FLAGS['tni'][2])}) THEN false "
            f"WHEN NOT regexp_matches(upper({c}), 'TNI|POLRI|TENTARA|KEPOLISIAN|6|7') THEN false "
            f"ELSE {_subst(TNI_RULE, norm(x))} END)")


def check_flags(con):
    """Each fast-path value must be its own normalisation and get the listed answer."""
    for name, (r, yes, no) in FLAGS.items():
        for vals, want in ((yes, True), (no, False)):
            if not vals:
                continue
            bad = con.execute(f"SELECT list(v) FROM (SELECT unnest([{sql_list(vals)}]) AS v) "
                              f"WHERE {norm('v')} <> v OR ({_subst(r, 'v')}) <> {want}").fetchone()[0]
            assert not bad, f"{name}: fast-path values {bad} are wrong"


DATE_FORMATS = [  # (shape, strptime format): the contract's formats plus YYYY/MM/DD
    ("dd-dd-dddd", "%d-%m-%Y"),
    ("dddd-dd-dd", "%Y-%m-%d"),
    ("dd/dd/dddd", "%d/%m/%Y"),
    ("dddd/dd/dd", "%Y/%m/%d"),
]


def parse_date_shapes(s, formats):
    """s in one of the four 10-character shapes -> its try_strptime, else NULL (the shapes cannot overlap,
    so their order only matters for speed)."""
    return " ".join(f"WHEN {s} GLOB {shape(p)} THEN try_strptime({s}, '{f}')" for p, f in formats)


def date_expr(x, first="dd-dd-dddd"):
    """The contract's date formats (plus YYYY/MM/DD and a trailing time part) -> DATE or NULL."""
    formats = sorted(DATE_FORMATS, key=lambda pf: pf[0] != first)
    t = f"trim(coalesce({x}, ''))"
    # a trailing time part after position 8 is ignored (only looked for when t has a ' ' or 'T')
    s = (
        f"(CASE WHEN (contains({t}, ' ') OR contains({t}, 'T')) AND regexp_matches({t}, '^.{{8,}}[ T]') "
        f"THEN substr({t}, 1, least(coalesce(nullif(strpos(substr({t}, 9), ' '), 0), 1000000), "
        f"coalesce(nullif(strpos(substr({t}, 9), 'T'), 0), 1000000)) + 7) ELSE {t} END)"
    )
    # fast path: the raw cell already has one of the shapes (then trimming and
    # cutting a time part leave it unchanged); else the same on the cleaned cell
    return (f"(CASE {parse_date_shapes(x, formats)} "
            f"ELSE (CASE {parse_date_shapes(s, formats)} END) END)::DATE")


def nik_expr(x):
    """16 digits after trimming -> UBIGINT, else NULL (the date part is checked by nik_ok())."""
    d16 = shape("d" * 16)
    return (f"(CASE WHEN {x} GLOB {d16} THEN {x}::UBIGINT "
            f"WHEN trim(coalesce({x}, '')) GLOB {d16} THEN trim({x})::UBIGINT END)")


def nik_ok(n):
    """NIK digits 7-8 are the day (01-31, +40 for women), 9-10 the month."""
    day, mon = f"({n} // 100000000 % 100)", f"({n} // 1000000 % 100)"
    return f"(({day} BETWEEN 1 AND 31 OR {day} BETWEEN 41 AND 71) AND {mon} BETWEEN 1 AND 12)"


def digits6(x):
    """1-6 digits after trimming -> INT, else NULL (the range is checked by area_from_ints())."""
    c = f"coalesce({x}, '')"
    t = f"trim({c})"
    # a cell of 1-6 digits needs no trim; anything else is trimmed first
    return (f"(CASE WHEN strlen({c}) BETWEEN 1 AND 6 AND NOT {c} GLOB '*[!0-9]*' THEN {c}::INT "
            f"WHEN strlen({t}) BETWEEN 1 AND 6 AND NOT {t} GLOB '*[!0-9]*' THEN {t}::INT END)")


def area_from_ints(p, k, c, d):
    """NO_PROP, NO_KAB, NO_KEC 1-99 and NO_KEL 1-9999 -> the desa code PPKKCCDDDD as BIGINT, else NULL."""
    return (f"(CASE WHEN {p} BETWEEN 1 AND 99 AND {k} BETWEEN 1 AND 99 AND {c} BETWEEN 1 AND 99 "
            f"AND {d} BETWEEN 1 AND 9999 THEN (({p}::BIGINT * 100 + {k}) * 100 + {c}) * 10000 + {d} END)")


def area_from_parts(p, k, c, d):
    return area_from_ints(*(digits6(x) for x in (p, k, c, d)))


def area_from_kode(x):
    t = f"trim(coalesce({x}, ''))"
    ten = area_from_parts(f"substr({t},1,2)", f"substr({t},3,2)", f"substr({t},5,2)", f"substr({t},7,4)")
    parts = area_from_parts(*(f"split_part({t}, '.', {i})" for i in (1, 2, 3, 4)))
    return (
        f"(CASE WHEN {t} GLOB {shape('d' * 10)} THEN {ten} "
        f"WHEN len(string_split({t}, '.')) = 4 THEN {parts} END)"
    )


def is_leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def age_at_least_17(birth, d: dt.date):
    """age_at(birth, d) >= 17 as date comparisons (no year/month/day extraction).

    A person reaches 17 on their 17th anniversary; a Feb 29 birthday is Feb 28
    in common years. So: born on or before d's day and month 17 years back (Feb 28
    if that is a Feb 29 of a common year), or, when d is Feb 28 of a common year,
    born on Feb 29 17 years back."""
    y = d.year - 17
    last = dt.date(y, 2, 28) if (d.month, d.day) == (2, 29) and not is_leap(y) else dt.date(y, d.month, d.day)
    cond = f"{birth} <= DATE '{last}'"
    if not is_leap(d.year) and (d.month, d.day) == (2, 28) and is_leap(y):
        cond += f" OR {birth} = DATE '{dt.date(y, 2, 29)}'"
    return f"({cond})"


POP_ALIASES = {
    "NIK": ["NIK"],
    "TGL_LHR": ["TGL_LHR", "TANGGAL_LAHIR"],
    "STAT_KWN": ["STAT_KWN", "STATUS_KAWIN"],
    "PKRJN": ["JENIS_PKRJN", "PEKERJAAN"],
    "KWN": ["KEWARGANEGARAAN", "KWN"],
    "NO_PROP": ["NO_PROP"],
    "NO_KAB": ["NO_KAB"],
    "NO_KEC": ["NO_KEC"],
    "NO_KEL": ["NO_KEL"],
    "KODE_WILAYAH": ["KODE_WILAYAH"],
    "STATUS_PENDUDUK": ["STATUS_PENDUDUK"],
}
ENR_ALIASES = {"NIK": ["NIK"], "TGL_REKAM": ["TGL_REKAM"], "STATUS": ["STATUS_KTP", "STATUS"]}


def pick(cols, aliases):
    up = {c.strip().lstrip("\ufeff").upper(): c for c in cols}
    out = {}
    for k, names in aliases.items():
        for n in names:
            if n in up:
                out[k] = '"' + up[n].replace('"', '""') + '"'
                break
    return out


def reader(path):
    p = path.replace("'", "''")
    if path.lower().endswith((".parquet", ".pq")) or os.path.isdir(path):
        if os.path.isdir(path):
            p = p.rstrip("/") + "/**/*.parquet"
        return f"read_parquet('{p}', hive_partitioning = false)"
    return f"read_csv('{p}', header = true, all_varchar = true, auto_detect = true)"


# Counting flags packed with the desa code: code = area * 16 + flags.
RESIDENT, REQ, ELIG, FIRST = 8, 1, 2, 4
ORDER_PRESERVING = {"BATCH_CREATE_TABLE_AS", "CREATE_TABLE_AS", "PROJECTION", "READ_CSV", "READ_PARQUET",
                    "TABLE_SCAN"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--population", required=True)
    ap.add_argument("--enrollment", required=True)
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--election-date", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--memory-limit", default=None)
    ap.add_argument("--wilayah", default=os.path.join(os.path.dirname(__file__), "..", "data-schema", "data", "wilayah.csv"))
    a = ap.parse_args()
    S = dt.date.fromisoformat(a.as_of)
    E = dt.date.fromisoformat(a.election_date)
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()
    con = duckdb.connect()
    con.execute(f"SET threads = {a.threads}")
    if a.memory_limit:
        con.execute(f"SET memory_limit = '{a.memory_limit}'")
    check_flags(con)
    # The file order rides on insertion order through the population pass
    # (rowid = file order). That holds for scans and projections, not for joins,
    # and DuckDB may rewrite a long IN list as a join: don't (checked in run()).
    con.execute("SET disabled_optimizers = 'in_clause'")
    timing = os.environ.get("DUCKDB_JOB_TIMING")

    def run(sql, ordered=False):
        if ordered:  # rowid must be the file order: only scans and projections may feed the table
            ops = set()

            def walk(node):
                ops.add(node["name"])
                for child in node.get("children", []):
                    walk(child)

            for root in json.loads(con.execute("EXPLAIN (FORMAT json) " + sql).fetchall()[0][1]):
                walk(root)
            assert ops <= ORDER_PRESERVING, f"the population pass would lose the file order: {ops}"
        t = time.time()
        con.execute(sql)
        if timing:
            print(f"{time.time() - t:7.2f}s {' '.join(sql.split())[:60]}", file=sys.stderr)

    pop_src, enr_src = reader(a.population), reader(a.enrollment)
    pop_cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {pop_src}").fetchall()]
    enr_cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {enr_src}").fetchall()]
    pc, ec = pick(pop_cols, POP_ALIASES), pick(enr_cols, ENR_ALIASES)
    v = lambda k: f"{pc[k]}::VARCHAR" if k in pc else "NULL::VARCHAR"  # noqa: E731
    if "KODE_WILAYAH" in pc:
        parts = area_from_parts(v("NO_PROP"), v("NO_KAB"), v("NO_KEC"), v("NO_KEL")) if "NO_KEL" in pc else "NULL"
        area_cols = f"(CASE WHEN trim(coalesce({v('KODE_WILAYAH')}, '')) <> '' OR {'true' if 'NO_KEL' not in pc else 'false'} THEN {area_from_kode(v('KODE_WILAYAH'))} ELSE {parts} END) AS area"
        area = "area"
    else:
        # the four codes are parsed in one projection and combined in the next
        area_cols = ", ".join(f"{digits6(v(c))} AS {c.lower()}" for c in ("NO_PROP", "NO_KAB", "NO_KEC", "NO_KEL"))
        area = area_from_ints("no_prop", "no_kab", "no_kec", "no_kel")

    # 1. Population, one streaming pass: parse and validate the cells the rules
    #    need, classify each person, and keep (nik, code) in file order
    #    (rowid = file order); code is NULL for an invalid row.
    adult_s, adult_e = age_at_least_17("birth", S), age_at_least_17("birth", E)
    req = f"(married OR {adult_s})"
    elig = f"(wni AND NOT tni AND (married OR {adult_e}))"
    first = f"({elig} AND NOT married AND NOT {adult_s})"
    # (No WHERE here or in step 2: DuckDB would push the filter down through
    # the projections and evaluate the parsing expressions twice.)
    run(f"""
    CREATE TEMP TABLE pop AS
    WITH parsed AS (
        SELECT {nik_expr(v('NIK'))} AS nik,
               {date_expr(v('TGL_LHR'))} AS birth,
               {area_cols},
               {flag(v('STAT_KWN'), 'married')} AS married,
               {tni_flag(v('PKRJN'))} AS tni,
               NOT {flag(v('KWN'), 'foreign')} AS wni,
               {flag(v('STATUS_PENDUDUK'), 'resident')} AS resident
        FROM {pop_src}
    ), flags AS (
        SELECT nik, {area} AS area, birth, married, tni, wni, resident,
               nik IS NOT NULL AND {nik_ok('nik')} AND birth IS NOT NULL AND birth <= DATE '{S}' AND {area} IS NOT NULL AS valid
        FROM parsed
    )
    SELECT nik,
           CASE WHEN valid THEN
               area * 16 + CASE WHEN resident THEN {RESIDENT} ELSE 0 END + CASE WHEN {req} THEN {REQ} ELSE 0 END
               + CASE WHEN {elig} THEN {ELIG} ELSE 0 END + CASE WHEN {first} THEN {FIRST} ELSE 0 END
           END AS code
    FROM flags
    """, ordered=True)
    con.execute("SET preserve_insertion_order = false")  # nothing below depends on row order

    # 2. Enrollment: valid NIK and date, counting status, on or before S: the
    #    NIK of each row that counts (NULL for the others; not made DISTINCT,
    #    the membership test in step 3 does not need it).
    if "STATUS" in ec:
        counting = flag(ec['STATUS'] + '::VARCHAR', 'counting')
    else:
        counting = "true"
    run(f"""
    CREATE TEMP TABLE recorded AS
    SELECT CASE WHEN ok THEN nik END AS nik FROM (
        SELECT nik, {nik_ok('nik')} AND d IS NOT NULL AND d <= DATE '{S}' AND counting AS ok
        FROM (
            SELECT {nik_expr(ec['NIK'] + '::VARCHAR')} AS nik, {date_expr(ec['TGL_REKAM'] + '::VARCHAR', first='dddd-dd-dd')} AS d,
                   {counting} AS counting
            FROM {enr_src}
        )
    )
    """)

    # 3. NIK ganda: the first valid row in file order wins; recorded = the NIK
    #    is in `recorded` (a mark join); count per desa. (Slower at 10M: DISTINCT
    #    + LEFT JOIN, the enrollment rows in the same GROUP BY nik, EXISTS.)
    run(f"""
    CREATE TEMP TABLE desa AS
    WITH accepted AS (
        SELECT nik, arg_min(code, rowid) AS code FROM pop WHERE code IS NOT NULL GROUP BY nik
    ), c AS (
        SELECT code // 16 AS area, code % 16 AS f,
               nik IN (SELECT nik FROM recorded WHERE nik IS NOT NULL) AS rec
        FROM accepted
        WHERE code & {RESIDENT} <> 0
    )
    SELECT area,
           count(*) AS residents,
           count(*) FILTER (f & {REQ} <> 0) AS required,
           count(*) FILTER (f & {REQ} <> 0 AND rec) AS required_recorded,
           count(*) FILTER (f & {ELIG} <> 0) AS eligible,
           count(*) FILTER (f & {ELIG} <> 0 AND rec) AS eligible_recorded,
           count(*) FILTER (f & {FIRST} <> 0) AS first_time,
           count(*) FILTER (f & {FIRST} <> 0 AND NOT rec) AS first_time_unrecorded
    FROM c GROUP BY area
    """)

    # 4. Roll up and write the four tables.
    w = a.wilayah.replace("'", "''")
    run(f"CREATE TEMP TABLE wilayah AS SELECT kode, nama FROM read_csv('{w}', header = true, all_varchar = true)")
    levels = [
        ("provinsi", "area // 100000000", "printf('%02d', k)"),
        ("kabupaten", "area // 1000000", "printf('%02d.%02d', k // 100, k % 100)"),
        ("kecamatan", "area // 10000", "printf('%02d.%02d.%02d', k // 10000, k // 100 % 100, k % 100)"),
        ("desa", "area", "printf('%02d.%02d.%02d.%04d', k // 100000000, k // 1000000 % 100, k // 10000 % 100, k % 10000)"),
    ]
    pct = lambda n, d: f"CASE WHEN {d} > 0 THEN printf('%.2f', round({n} * 10000.0 / {d}) / 100) END"  # noqa: E731
    for name, key, code in levels:
        out = os.path.join(a.out, f"coverage_{name}.csv").replace("'", "''")
        run(f"""
        COPY (
          WITH g AS (
            SELECT {key} AS k, sum(residents)::BIGINT AS residents, sum(required)::BIGINT AS required,
                   sum(required_recorded)::BIGINT AS required_recorded, sum(eligible)::BIGINT AS eligible,
                   sum(eligible_recorded)::BIGINT AS eligible_recorded, sum(first_time)::BIGINT AS first_time,
                   sum(first_time_unrecorded)::BIGINT AS first_time_unrecorded
            FROM desa GROUP BY ALL
          ), named AS (SELECT {code} AS area_code, * FROM g)
          SELECT area_code, coalesce(w.nama, '(unknown)') AS area_name, w.kode IS NOT NULL AS in_reference,
                 residents, required, required_recorded, {pct('required_recorded', 'required')} AS required_coverage_pct,
                 eligible, eligible_recorded, eligible - eligible_recorded AS eligible_unrecorded,
                 {pct('eligible_recorded', 'eligible')} AS eligible_coverage_pct,
                 first_time, first_time_unrecorded,
                 eligible - eligible_recorded - first_time_unrecorded AS backlog_unrecorded
          FROM named LEFT JOIN wilayah w ON w.kode = named.area_code
          ORDER BY area_code
        ) TO '{out}' (HEADER, DELIMITER ',')
        """)
    print(f"duckdb {duckdb.__version__}: done in {time.time() - t0:.2f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
