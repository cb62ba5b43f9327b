//! `quality.csv`: the damage in the inputs, counted so that an officer can act
//! on it (issue 6). Aggregate only: no NIK, no name, no raw cell value; the
//! rows themselves are in `rejects.csv` / `warnings.csv` (personal data).
//!
//! Columns: `check, level, area_code, area_name, count, denominator, pct, flag, detail`.
//!
//! | check | level | count / denominator |
//! |---|---|---|
//! | `population:reject:<CODE>`, `population:dropped:DUPLICATE_ROW`, `population:warning:<CODE>`, `enrollment:reject:<CODE>`, `enrollment:warning:<CODE>` | `all` | rows with that reason / rows read on that side |
//! | same | `kecamatan` | per kecamatan of domicile (or of the NIK when the domicile cannot be read; `detail` says so) |
//! | `file_not_counted` | `file` | rejected + dropped rows of one input file / its rows; `detail` names the file and its first lines; the worst file is flagged `WORST` |
//! | `nik_region_differs` | `kecamatan` | counted rows whose NIK was issued in another kecamatan (movers) / counted rows of the kecamatan |
//! | `residents_vs_official` | `kabupaten` | counted residents / the official total (`wilayah_penduduk`); flagged `LOW` or `HIGH` beyond ±10% |
//! | `coverage_over_100` | each level | areas where recorded exceeds the denominator (impossible) / areas; flagged `ERROR` if any |

use crate::aggregate::{AreaRow, UNKNOWN_NAME};
use crate::error::PipelineError;
use crate::quality::{Issue, IssueKind};
use data_schema::area::{AreaCode, AreaKey, Level};
use data_schema::regions::{official_population, Regions};
use std::collections::BTreeMap;
use std::path::Path;

/// Official totals further than this from the counted residents are flagged.
pub const OFFICIAL_TOLERANCE: f64 = 0.10;

pub struct Row {
    pub check: String,
    pub level: &'static str,
    pub area_code: String,
    pub area_name: String,
    pub count: u64,
    pub denominator: u64,
    pub flag: &'static str,
    pub detail: String,
}

pub struct FileRows {
    pub path: String,
    pub role: &'static str,
    pub rows: u64,
}

fn pct(n: u64, d: u64) -> String {
    if d == 0 {
        String::new()
    } else {
        format!("{:.2}", n as f64 * 100.0 / d as f64)
    }
}

/// Build the rows. `npop` = number of population files (the first files in
/// the log's numbering); `movers` and `counted_by_kec` are per kecamatan code.
pub fn build(
    rejects: &[(u64, Issue)],
    warnings: &[(u64, Issue)],
    files: &[FileRows],
    npop: usize,
    movers: &BTreeMap<u64, u64>,
    counted_by_kec: &BTreeMap<u64, u64>,
    tables: &BTreeMap<Level, Vec<AreaRow>>,
) -> Vec<Row> {
    let regions = Regions::get();
    let pop_rows: u64 = files.iter().filter(|f| f.role == "population").map(|f| f.rows).sum();
    let enr_rows: u64 = files.iter().filter(|f| f.role == "enrollment").map(|f| f.rows).sum();
    let mut out = Vec::new();

    // Per reason: the total, then per kecamatan. Millions of issues at
    // national scale: counted in parallel under small integer keys (kind,
    // side, kecamatan code or none), then named once per distinct key.
    use rayon::prelude::*;
    type Tally = ahash::AHashMap<(IssueKind, bool, Option<u64>), (u64, bool)>;
    let tally: Tally = rejects
        .par_iter()
        .chain(warnings.par_iter())
        .fold(Tally::default, |mut m, (seq, i)| {
            let side_pop = ((*seq >> 40) as usize) < npop || *seq == u64::MAX;
            let kec = (i.area != 0).then(|| AreaCode(i.area).key(Level::Kecamatan).code);
            let e = m.entry((i.kind, side_pop, kec)).or_insert((0, true));
            e.0 += 1;
            e.1 &= i.area != 0 && i.area_from_nik;
            m
        })
        .reduce(Tally::default, |mut a, b| {
            for (k, (n, from_nik)) in b {
                let e = a.entry(k).or_insert((0, true));
                e.0 += n;
                e.1 &= from_nik;
            }
            a
        });
    type Key = (String, String); // (check, kecamatan code)
    let mut totals: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut per_kec: BTreeMap<Key, (u64, String, bool)> = BTreeMap::new();
    for ((kind, side_pop, kec), (n, from_nik)) in tally {
        let check = match kind {
            IssueKind::Reject(r) => format!("reject:{}", r.code()),
            IssueKind::DuplicateRow => "dropped:DUPLICATE_ROW".to_string(),
            IssueKind::Warning(w) => format!("warning:{}", w.code()),
        };
        let check = format!("{}:{check}", if side_pop { "population" } else { "enrollment" });
        totals.entry(check.clone()).or_insert((0, if side_pop { pop_rows } else { enr_rows })).0 += n;
        let (code, name) = match kec {
            None => ("(unknown)".to_string(), UNKNOWN_NAME.to_string()),
            Some(code) => {
                let key = AreaKey { level: Level::Kecamatan, code };
                (key.to_string(), regions.name(key).unwrap_or(UNKNOWN_NAME).to_string())
            }
        };
        let e = per_kec.entry((check, code)).or_insert((0, name, true));
        e.0 += n;
        e.2 &= from_nik;
    }
    for (check, (n, d)) in &totals {
        out.push(Row {
            check: check.clone(),
            level: "all",
            area_code: String::new(),
            area_name: String::new(),
            count: *n,
            denominator: *d,
            flag: "",
            detail: String::new(),
        });
        for ((c, code), (k, name, from_nik)) in per_kec.range((check.clone(), String::new())..) {
            if c != check {
                break;
            }
            out.push(Row {
                check: check.clone(),
                level: "kecamatan",
                area_code: code.clone(),
                area_name: name.clone(),
                count: *k,
                denominator: *n,
                flag: "",
                detail: if *from_nik { "area from the NIK (domicile unreadable)".into() } else { String::new() },
            });
        }
    }

    // Per input file: rows not counted, the worst file flagged, first lines named.
    let mut by_file: BTreeMap<&str, (u64, Vec<u64>)> = BTreeMap::new();
    for (_, i) in rejects {
        let e = by_file.entry(&i.file).or_default();
        e.0 += 1;
        if e.1.len() < 10 {
            e.1.push(i.line);
        }
    }
    let worst = files
        .iter()
        .filter(|f| f.rows > 0)
        .map(|f| (by_file.get(f.path.as_str()).map(|x| x.0).unwrap_or(0) as f64 / f.rows as f64, &f.path))
        .filter(|(s, _)| *s > 0.0)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, p)| p.clone());
    for f in files {
        let (n, lines) = by_file.get(f.path.as_str()).cloned().unwrap_or_default();
        let lines: Vec<String> = lines.iter().map(u64::to_string).collect();
        out.push(Row {
            check: "file_not_counted".into(),
            level: "file",
            area_code: String::new(),
            area_name: String::new(),
            count: n,
            denominator: f.rows,
            flag: if worst.as_deref() == Some(f.path.as_str()) { "WORST" } else { "" },
            detail: if lines.is_empty() {
                format!("{} ({})", f.path, f.role)
            } else {
                format!("{} ({}); first lines: {}", f.path, f.role, lines.join(", "))
            },
        });
    }

    // Movers: NIK issued in another kecamatan than the domicile.
    for (kec, n) in movers {
        let key = AreaKey { level: Level::Kecamatan, code: *kec };
        out.push(Row {
            check: "nik_region_differs".into(),
            level: "kecamatan",
            area_code: key.to_string(),
            area_name: regions.name(key).unwrap_or(UNKNOWN_NAME).to_string(),
            count: *n,
            denominator: counted_by_kec.get(kec).copied().unwrap_or(0),
            flag: "",
            detail: "counted at the domicile; the NIK prefix is where it was issued".into(),
        });
    }

    // Denominator sanity against the official kab/kota totals.
    let official = official_population();
    for r in tables.get(&Level::Kabupaten).into_iter().flatten() {
        let off = official.get(&r.key).copied().unwrap_or(0);
        let got = r.counts.residents;
        let flag = if off == 0 {
            "NO_OFFICIAL_TOTAL"
        } else if (got as f64) < off as f64 * (1.0 - OFFICIAL_TOLERANCE) {
            "LOW"
        } else if (got as f64) > off as f64 * (1.0 + OFFICIAL_TOLERANCE) {
            "HIGH"
        } else {
            "OK"
        };
        out.push(Row {
            check: "residents_vs_official".into(),
            level: "kabupaten",
            area_code: r.key.to_string(),
            area_name: r.name.clone(),
            count: got,
            denominator: off,
            flag,
            detail: match flag {
                "LOW" => "fewer residents than the official total: is the export complete (all kecamatan, all files)?".into(),
                "HIGH" => "more residents than the official total: duplicates across files, or movers not removed?".into(),
                _ => String::new(),
            },
        });
    }

    // Impossible coverage: more recorded than the denominator.
    for (level, rows) in tables {
        let bad: Vec<&AreaRow> = rows
            .iter()
            .filter(|r| r.counts.eligible_recorded > r.counts.eligible || r.counts.required_recorded > r.counts.required)
            .collect();
        out.push(Row {
            check: "coverage_over_100".into(),
            level: level.name(),
            area_code: String::new(),
            area_name: String::new(),
            count: bad.len() as u64,
            denominator: rows.len() as u64,
            flag: if bad.is_empty() { "OK" } else { "ERROR" },
            detail: bad.iter().take(10).map(|r| r.key.to_string()).collect::<Vec<_>>().join(" "),
        });
    }
    out
}

pub fn write(path: &Path, rows: &[Row]) -> Result<(), PipelineError> {
    let err = |e: csv::Error| PipelineError::output(path.display(), e);
    let mut w = csv::Writer::from_path(path).map_err(err)?;
    w.write_record(["check", "level", "area_code", "area_name", "count", "denominator", "pct", "flag", "detail"])
        .map_err(err)?;
    for r in rows {
        w.write_record([
            r.check.as_str(),
            r.level,
            &r.area_code,
            &r.area_name,
            &r.count.to_string(),
            &r.denominator.to_string(),
            &pct(r.count, r.denominator),
            r.flag,
            &r.detail,
        ])
        .map_err(err)?;
    }
    w.flush().map_err(|e| PipelineError::output(path.display(), e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::QualityLog;
    use data_schema::RejectReason;

    #[test]
    fn a_files_first_lines_are_named_in_row_order_however_they_were_logged() {
        // Logged out of order (duplicates are found after the rows they copy).
        let mut log = QualityLog::default();
        for l in [40u64, 7, 12, 3, 99, 5, 61, 8, 20, 2, 77, 30] {
            log.reject(l, Issue::reject("p.csv", l, "NIK", RejectReason::NikFormat, "x", String::new()));
        }
        log.sort();
        let files = [FileRows { path: "p.csv".into(), role: "population", rows: 100 }];
        let rows = build(&log.rejects, &[], &files, 1, &BTreeMap::new(), &BTreeMap::new(), &BTreeMap::new());
        let file = rows.iter().find(|r| r.check == "file_not_counted").expect("a row per file");
        assert_eq!(file.count, 12);
        assert_eq!(file.detail, "p.csv (population); first lines: 2, 3, 5, 7, 8, 12, 20, 30, 40, 61");
    }
}
