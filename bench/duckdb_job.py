#!/usr/bin/env python3
"""The cakupan job written as DuckDB SQL, for the side-by-side benchmark.

    duckdb_job.py --population P --enrollment E --as-of S --election-date E \
                  --out DIR --threads 2 [--wilayah data-schema/data/wilayah.csv]

It follows the data contract as closely as SQL allows (see BENCHMARKS.md):
NIK parsed and validated (16 digits, day 01-31/41-71, month 01-12), the
contract's date formats, domicile codes from NO_PROP..NO_KEL or KODE_WILAYAH,
exact copies dropped by a hash of every cell, NIK ganda resolved by "first
valid row in file order wins", register status / marital / TNI-POLRI /
citizenship rules, enrollment as-of and status rules, the age rules with the
Feb 29 -> Feb 28 convention, counts per desa rolled up to kecamatan,
kabupaten and provinsi with Kemendagri names, written as the 4 coverage_*.csv
tables with cakupan's columns.

Not done here (cakupan does them): rejects.csv / warnings.csv, the worklist,
the weekly trend, Parquet copies of the tables, the manifest.
"""
import argparse
import datetime as dt
import os
import sys
import time

import duckdb


def norm(x):
    """cakupan's values::normalize: upper, trim, fold _ - and whitespace runs to one space."""
    return f"trim(regexp_replace(upper(coalesce({x}, '')), '[_\\-\\s]+', ' ', 'g'))"


def date_expr(x):
    """The contract's date formats (plus YYYY/MM/DD and a trailing time part) -> DATE or NULL."""
    t = f"trim(coalesce({x}, ''))"
    # a trailing time part after position 8 is ignored
    s = (
        f"(CASE WHEN regexp_matches({t}, '^.{{8,}}[ T]') "
        f"THEN substr({t}, 1, least(coalesce(nullif(strpos(substr({t}, 9), ' '), 0), 1000000), "
        f"coalesce(nullif(strpos(substr({t}, 9), 'T'), 0), 1000000)) + 7) ELSE {t} END)"
    )
    return (
        f"(CASE WHEN regexp_full_match({s}, '\\d{{4}}-\\d{{2}}-\\d{{2}}') THEN try_strptime({s}, '%Y-%m-%d') "
        f"WHEN regexp_full_match({s}, '\\d{{4}}/\\d{{2}}/\\d{{2}}') THEN try_strptime({s}, '%Y/%m/%d') "
        f"WHEN regexp_full_match({s}, '\\d{{2}}-\\d{{2}}-\\d{{4}}') THEN try_strptime({s}, '%d-%m-%Y') "
        f"WHEN regexp_full_match({s}, '\\d{{2}}/\\d{{2}}/\\d{{4}}') THEN try_strptime({s}, '%d/%m/%Y') END)::DATE"
    )


def nik_expr(x):
    """16 digits after trimming with a possible date part -> UBIGINT, else NULL."""
    t = f"trim(coalesce({x}, ''))"
    day = f"substr({t}, 7, 2)::INT"
    mon = f"substr({t}, 9, 2)::INT"
    return (
        f"(CASE WHEN regexp_full_match({t}, '[0-9]{{16}}') "
        f"AND ({day} BETWEEN 1 AND 31 OR {day} BETWEEN 41 AND 71) AND {mon} BETWEEN 1 AND 12 "
        f"THEN {t}::UBIGINT END)"
    )


def small_int(x, mx):
    t = f"trim(coalesce({x}, ''))"
    return f"(CASE WHEN regexp_full_match({t}, '[0-9]{{1,6}}') AND {t}::INT BETWEEN 1 AND {mx} THEN {t}::BIGINT END)"


def area_from_parts(p, k, c, d):
    return f"((({small_int(p, 99)} * 100 + {small_int(k, 99)}) * 100 + {small_int(c, 99)}) * 10000 + {small_int(d, 9999)})"


def area_from_kode(x):
    t = f"trim(coalesce({x}, ''))"
    ten = area_from_parts(f"substr({t},1,2)", f"substr({t},3,2)", f"substr({t},5,2)", f"substr({t},7,4)")
    parts = area_from_parts(*(f"split_part({t}, '.', {i})" for i in (1, 2, 3, 4)))
    return (
        f"(CASE WHEN regexp_full_match({t}, '[0-9]{{10}}') THEN {ten} "
        f"WHEN len(string_split({t}, '.')) = 4 THEN {parts} END)"
    )


def age_expr(birth, d: dt.date):
    """Full years on d; a Feb 29 birthday is Feb 28 in common years."""
    leap = d.year % 4 == 0 and (d.year % 100 != 0 or d.year % 400 == 0)
    md = d.month * 100 + d.day
    anniv = f"(month({birth}) * 100 + day({birth}))" if leap else (
        f"(CASE WHEN month({birth}) = 2 AND day({birth}) = 29 THEN 228 ELSE month({birth}) * 100 + day({birth}) END)"
    )
    return f"({d.year} - year({birth}) - CASE WHEN {md} < {anniv} THEN 1 ELSE 0 END)"


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

    pop_src, enr_src = reader(a.population), reader(a.enrollment)
    pop_cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {pop_src}").fetchall()]
    enr_cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {enr_src}").fetchall()]
    pc, ec = pick(pop_cols, POP_ALIASES), pick(enr_cols, ENR_ALIASES)
    v = lambda k: f"{pc[k]}::VARCHAR" if k in pc else "NULL::VARCHAR"  # noqa: E731
    all_cells = ", ".join('"' + c.replace('"', '""') + '"' for c in pop_cols)
    if "KODE_WILAYAH" in pc:
        parts = area_from_parts(v("NO_PROP"), v("NO_KAB"), v("NO_KEC"), v("NO_KEL")) if "NO_KEL" in pc else "NULL"
        area = f"(CASE WHEN trim(coalesce({v('KODE_WILAYAH')}, '')) <> '' OR {'true' if 'NO_KEL' not in pc else 'false'} THEN {area_from_kode(v('KODE_WILAYAH'))} ELSE {parts} END)"
    else:
        area = area_from_parts(v("NO_PROP"), v("NO_KAB"), v("NO_KEC"), v("NO_KEL"))

    # 1. Population: only the columns the rules need, plus a hash of every
    #    cell (exact copies) and the file order (first valid row wins).
    con.execute(f"""
    CREATE TEMP TABLE pop AS
    SELECT row_number() OVER () AS rn,
           hash({all_cells}) AS h,
           {nik_expr(v('NIK'))} AS nik,
           {date_expr(v('TGL_LHR'))} AS birth,
           {area} AS area,
           {norm(v('STAT_KWN'))} AS kwn,
           {norm(v('PKRJN'))} AS occ,
           {norm(v('KWN'))} AS cit,
           {norm(v('STATUS_PENDUDUK'))} AS st
    FROM {pop_src}
    """)
    married = ("kwn IN ('2','KAWIN','KAWIN TERCATAT','KAWIN BELUM TERCATAT','KAWIN TIDAK TERCATAT','3','CERAI HIDUP',"
               "'CERAI HIDUP TERCATAT','CERAI HIDUP BELUM TERCATAT','4','CERAI MATI')")
    tni = ("(occ IN ('6','7') OR (NOT (starts_with(occ, 'PENSIUNAN') OR starts_with(occ, 'PURNAWIRAWAN')) "
           "AND (contains(occ, 'TNI') OR contains(occ, 'POLRI') OR contains(occ, 'TENTARA NASIONAL INDONESIA') "
           "OR contains(occ, 'KEPOLISIAN'))))")
    wni = "NOT (cit IN ('WNA','ASING','WARGA NEGARA ASING','2'))"
    resident = "st IN ('', 'AKTIF', 'HIDUP')"
    con.execute(f"""
    CREATE TEMP TABLE accepted AS
    WITH distinct_rows AS (
        SELECT * FROM pop QUALIFY row_number() OVER (PARTITION BY h ORDER BY rn) = 1
    ), valid AS (
        SELECT * FROM distinct_rows
        WHERE nik IS NOT NULL AND birth IS NOT NULL AND birth <= DATE '{S}' AND area IS NOT NULL
    )
    SELECT nik, area, birth, {married} AS married, {tni} AS tni, {wni} AS wni, {resident} AS resident
    FROM valid QUALIFY row_number() OVER (PARTITION BY nik ORDER BY rn) = 1
    """)

    # 2. Enrollment: valid NIK and date, counting status, on or before S.
    if "STATUS" in ec:
        st = norm(f"{ec['STATUS']}::VARCHAR")
        counting = (f"{st} IN ('', 'SUDAH REKAM','REKAM','PRINT READY RECORD','PRR','SENT FOR CARD PRINTING',"
                    "'CARD PRINTED','CETAK','CARD SHIPPED','CARD ISSUED','BIO CAPTURED','PROCESSING',"
                    "'SENT FOR ENROLLMENT','RECEIVED AT CENTRAL')")
    else:
        counting = "true"
    con.execute(f"""
    CREATE TEMP TABLE recorded AS
    SELECT DISTINCT nik FROM (
        SELECT {nik_expr(ec['NIK'] + '::VARCHAR')} AS nik, {date_expr(ec['TGL_REKAM'] + '::VARCHAR')} AS d
        FROM {enr_src} WHERE {counting}
    ) WHERE nik IS NOT NULL AND d IS NOT NULL AND d <= DATE '{S}'
    """)

    # 3. Classify, count per desa.
    age_s, age_e = age_expr("birth", S), age_expr("birth", E)
    con.execute(f"""
    CREATE TEMP TABLE desa AS
    WITH c AS (
        SELECT a.area,
               (a.married OR {age_s} >= 17) AS req,
               (a.wni AND NOT a.tni AND (a.married OR {age_e} >= 17)) AS elig,
               {age_s} AS age_s, a.married,
               r.nik IS NOT NULL AS rec
        FROM accepted a LEFT JOIN recorded r USING (nik)
        WHERE a.resident
    )
    SELECT area,
           count(*) AS residents,
           count(*) FILTER (req) AS required,
           count(*) FILTER (req AND rec) AS required_recorded,
           count(*) FILTER (elig) AS eligible,
           count(*) FILTER (elig AND rec) AS eligible_recorded,
           count(*) FILTER (elig AND NOT married AND age_s < 17) AS first_time,
           count(*) FILTER (elig AND NOT married AND age_s < 17 AND NOT rec) AS first_time_unrecorded
    FROM c GROUP BY area
    """)

    # 4. Roll up and write the four tables.
    w = a.wilayah.replace("'", "''")
    con.execute(f"CREATE TEMP TABLE wilayah AS SELECT kode, nama FROM read_csv('{w}', header = true, all_varchar = true)")
    levels = [
        ("provinsi", "area // 100000000", "printf('%02d', k)"),
        ("kabupaten", "area // 1000000", "printf('%02d.%02d', k // 100, k % 100)"),
        ("kecamatan", "area // 10000", "printf('%02d.%02d.%02d', k // 10000, k // 100 % 100, k % 100)"),
        ("desa", "area", "printf('%02d.%02d.%02d.%04d', k // 100000000, k // 1000000 % 100, k // 10000 % 100, k % 10000)"),
    ]
    pct = lambda n, d: f"CASE WHEN {d} > 0 THEN printf('%.2f', round({n} * 10000.0 / {d}) / 100) END"  # noqa: E731
    for name, key, code in levels:
        out = os.path.join(a.out, f"coverage_{name}.csv").replace("'", "''")
        con.execute(f"""
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
