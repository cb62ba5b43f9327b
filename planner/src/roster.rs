//! The school roster (Dapodik style): one row per student with `NIK`, `NPSN`,
//! `NAMA_SEKOLAH`, optional `KELAS` and the school's `KODE_WILAYAH`.
//!
//! Read with the population's reader ([`pipeline::ingest::Source`]: CSV with
//! any of the contract's delimiters, Parquet, XLSX) and the same rules: every
//! row ends counted, dropped as an exact copy (`DUPLICATE_ROW`) or rejected
//! with a reason (`FIELD_COUNT`, `NIK_SCIENTIFIC`, `NIK_FORMAT`,
//! `NPSN_MISSING`, `AREA_FORMAT`, `DUPLICATE_NIK`: a student listed twice,
//! first row wins). Rejected rows go to `schools_rejects.csv`.

use data_schema::area::{AreaCode, AreaKey, Level};
use data_schema::columns::{resolve, ColumnSpec};
use data_schema::nik::{parse_nik, NikError};
use pipeline::ingest::{Row, Source};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

pub const NIK: ColumnSpec = ColumnSpec { name: "NIK", aliases: &[] };
pub const NPSN: ColumnSpec = ColumnSpec { name: "NPSN", aliases: &["KODE_SEKOLAH"] };
pub const NAMA_SEKOLAH: ColumnSpec =
    ColumnSpec { name: "NAMA_SEKOLAH", aliases: &["SEKOLAH", "NAMA_SATUAN_PENDIDIKAN", "SATUAN_PENDIDIKAN"] };
pub const KELAS: ColumnSpec = ColumnSpec { name: "KELAS", aliases: &["TINGKAT", "TINGKAT_PENDIDIKAN", "ROMBEL"] };
pub const KODE_WILAYAH: ColumnSpec =
    ColumnSpec { name: "KODE_WILAYAH", aliases: &["KODE_WILAYAH_SEKOLAH", "KODE_WILAYAH_SATUAN_PENDIDIKAN"] };
pub const ALL: [ColumnSpec; 5] = [NIK, NPSN, NAMA_SEKOLAH, KELAS, KODE_WILAYAH];

/// One accepted roster row.
#[derive(Debug, Clone)]
pub struct Student {
    pub nik: u64,
    pub npsn: String,
    pub kelas: String,
    pub file: String,
    pub line: u64,
}

/// A school: its name and area, from the first row that gives them.
#[derive(Debug, Clone, Default)]
pub struct School {
    pub name: String,
    /// Desa- or kecamatan-level code from the roster, if any.
    pub area: Option<AreaKey>,
}

/// One line of `schools_rejects.csv` (same columns as `rejects.csv`).
#[derive(Debug, Clone)]
pub struct Reject {
    pub file: String,
    pub line: u64,
    pub column: String,
    pub reason: &'static str,
    pub raw: String,
    pub hint: String,
}

#[derive(Debug, Default)]
pub struct Roster {
    pub students: Vec<Student>,
    pub schools: BTreeMap<String, School>,
    pub rejects: Vec<Reject>,
    pub rows_read: u64,
    pub duplicate_rows: u64,
    /// Rejected (not counting exact copies).
    pub rejected: u64,
}

/// A school area: `PP.KK.CC.DDDD` (desa, zeros may be missing, or 10 digits)
/// or `PP.KK.CC` (kecamatan).
pub fn parse_school_area(s: &str) -> Option<AreaKey> {
    AreaCode::from_kode(s).map(|a| a.key(Level::Desa)).or_else(|| {
        let k = AreaKey::parse(s)?;
        (k.level == Level::Kecamatan).then_some(k)
    })
}

enum Outcome {
    Ok { nik: u64, npsn: String, name: String, kelas: String, area: Option<AreaKey> },
    Rejected(Reject),
}

struct Seen {
    line: u64,
    hash: u64,
    outcome: Outcome,
}

fn check(row: &Row, idx: &[Option<usize>], width: usize, file: &str) -> Outcome {
    let rej = |column: &str, reason: &'static str, raw: &str, hint: String| {
        Outcome::Rejected(Reject { file: file.into(), line: row.line, column: column.into(), reason, raw: raw.into(), hint })
    };
    if row.len() != width {
        return rej(
            "",
            "FIELD_COUNT",
            &format!("{} fields", row.len()),
            format!("the header has {width} fields; check for an unquoted delimiter in a name"),
        );
    }
    let raw = row.get(idx[0]);
    let nik = match parse_nik(&raw) {
        Ok(n) => n,
        Err(NikError::Scientific) => {
            return rej(
                "NIK",
                "NIK_SCIENTIFIC",
                &raw,
                "the NIK was turned into a number by a spreadsheet; re-export the NIK column as text".into(),
            )
        }
        Err(NikError::Format) => {
            return rej("NIK", "NIK_FORMAT", &raw, "NIK must be exactly 16 digits with a valid date part".into())
        }
    };
    let npsn = row.get(idx[1]).trim().to_string();
    if npsn.is_empty() {
        return rej("NPSN", "NPSN_MISSING", "", "the student's school (NPSN) is empty".into());
    }
    let raw_area = row.get(idx[4]);
    let area = if raw_area.trim().is_empty() {
        None
    } else {
        match parse_school_area(&raw_area) {
            Some(a) => Some(a),
            None => {
                return rej(
                    "KODE_WILAYAH",
                    "AREA_FORMAT",
                    &raw_area,
                    "expected the school's PP.KK.CC.DDDD (desa) or PP.KK.CC (kecamatan)".into(),
                )
            }
        }
    };
    Outcome::Ok {
        nik,
        npsn,
        name: row.get(idx[2]).trim().to_string(),
        kelas: row.get(idx[3]).trim().to_string(),
        area,
    }
}

/// Read roster files in the order given. Fails (like the population) when a
/// required column is missing, a file cannot be read, or more than
/// `max_reject_rate` of the rows are rejected.
pub fn read(paths: &[PathBuf], max_reject_rate: f64) -> anyhow::Result<Roster> {
    let mut all: Vec<(String, Seen)> = Vec::new();
    for p in paths {
        let src = Source::open(p)?;
        let idx = resolve(&ALL, &src.headers);
        for (k, c) in [(0usize, NIK), (1, NPSN), (2, NAMA_SEKOLAH)] {
            if idx[k].is_none() {
                anyhow::bail!(
                    "{}: required column {} is missing in the school roster (accepted names: {}); the header has: {}",
                    src.display,
                    c.name,
                    std::iter::once(c.name).chain(c.aliases.iter().copied()).collect::<Vec<_>>().join(", "),
                    src.headers.join(", ")
                );
            }
        }
        let width = src.headers.len();
        let file = src.display.clone();
        let chunks = src.par_chunks(Vec::new, |acc: &mut Vec<Seen>, row: &Row| {
            acc.push(Seen { line: row.line, hash: row.content_hash(), outcome: check(row, &idx, width, &file) });
        })?;
        all.extend(chunks.into_iter().flatten().map(|s| (file.clone(), s)));
    }
    let mut r = Roster { rows_read: all.len() as u64, ..Default::default() };
    let mut hashes = std::collections::HashSet::new();
    let mut first: HashMap<u64, (String, u64)> = HashMap::new();
    for (file, s) in all {
        if !hashes.insert(s.hash) {
            r.duplicate_rows += 1;
            r.rejects.push(Reject {
                file,
                line: s.line,
                column: String::new(),
                reason: "DUPLICATE_ROW",
                raw: String::new(),
                hint: "exact copy of an earlier row: dropped, not counted twice".into(),
            });
            continue;
        }
        match s.outcome {
            Outcome::Rejected(x) => {
                r.rejected += 1;
                r.rejects.push(x);
            }
            Outcome::Ok { nik, npsn, name, kelas, area } => {
                if let Some((f, l)) = first.get(&nik) {
                    r.rejected += 1;
                    r.rejects.push(Reject {
                        file,
                        line: s.line,
                        column: "NIK".into(),
                        reason: "DUPLICATE_NIK",
                        raw: data_schema::nik::format_nik(nik),
                        hint: format!("student already listed on an earlier row ({f}:{l}), which is counted"),
                    });
                    continue;
                }
                first.insert(nik, (file.clone(), s.line));
                let sch = r.schools.entry(npsn.clone()).or_default();
                if sch.name.is_empty() {
                    sch.name = name;
                }
                if sch.area.is_none() {
                    sch.area = area;
                }
                r.students.push(Student { nik, npsn, kelas, file, line: s.line });
            }
        }
    }
    if r.rows_read > 0 {
        let share = r.rejected as f64 / r.rows_read as f64;
        if share > max_reject_rate {
            let mut by: BTreeMap<&str, u64> = BTreeMap::new();
            for x in r.rejects.iter().filter(|x| x.reason != "DUPLICATE_ROW") {
                *by.entry(x.reason).or_default() += 1;
            }
            anyhow::bail!(
                "{} of {} school roster rows rejected ({:.2}%), above --max-reject-rate {:.2}%; fix the roster or raise --max-reject-rate\n{}",
                r.rejected,
                r.rows_read,
                share * 100.0,
                max_reject_rate * 100.0,
                by.iter().map(|(k, v)| format!("  {k}: {v}")).collect::<Vec<_>>().join("\n")
            );
        }
    }
    Ok(r)
}
