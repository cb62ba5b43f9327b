//! Reading the pipeline's aggregate outputs: `coverage_*.csv`,
//! `trend_weekly.csv` and `manifest.json`. Nothing else in the directory is
//! opened (no `targets.*`, no `rejects.csv`/`warnings.csv`: they hold raw values).

use crate::format::Fmt;
use crate::ReportError;
use chrono::NaiveDate;
use data_schema::area::Level;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// One row of a `coverage_<level>.csv`.
#[derive(Debug, Clone)]
#[allow(dead_code)] // level: kept for callers and debugging
pub struct Row {
    pub level: Level,
    pub code: String,
    pub name: String,
    pub in_reference: bool,
    pub residents: u64,
    pub required: u64,
    pub required_recorded: u64,
    pub eligible: u64,
    pub eligible_recorded: u64,
    pub eligible_unrecorded: u64,
    pub first_time: u64,
    pub first_time_unrecorded: u64,
    pub backlog_unrecorded: u64,
}

impl Row {
    /// Code of the enclosing area (`PP.KK.CC` for a desa), if any.
    pub fn parent_code(&self) -> Option<&str> {
        self.code.rfind('.').map(|i| &self.code[..i])
    }

    /// Eligible-voter coverage in percent as it may be shown (None when there
    /// are no eligible voters or the cell is suppressed).
    pub fn coverage(&self, f: &Fmt) -> Option<f64> {
        f.share(self.eligible_recorded, self.eligible)
    }

    pub fn required_coverage(&self, f: &Fmt) -> Option<f64> {
        f.share(self.required_recorded, self.required)
    }

    /// Name for people: the Kemendagri name, or the code when it is unknown.
    pub fn label(&self, lang: crate::Lang) -> String {
        if self.name.is_empty() || self.name == "(unknown)" {
            format!(
                "{} ({})",
                self.code,
                lang.t("kode tidak dikenal", "unknown code")
            )
        } else {
            self.name.clone()
        }
    }
}

/// One row of `trend_weekly.csv`.
#[derive(Debug, Clone)]
#[allow(dead_code)] // first_recordings_required is read but not charted yet
pub struct TrendRow {
    pub week_start: NaiveDate,
    pub area_code: String,
    pub recordings: u64,
    pub first_recordings_required: u64,
    pub first_recordings_eligible: u64,
}

/// All the inputs of the reports.
pub struct Data {
    pub provinsi: Vec<Row>,
    pub kabupaten: Vec<Row>,
    pub kecamatan: Vec<Row>,
    pub desa: Vec<Row>,
    pub trend: Option<Vec<TrendRow>>,
    pub manifest: Option<Manifest>,
    /// Other aggregate tables of the run, when present: `quality.csv`,
    /// `plan_summary.csv`, `coverage_range.csv` (header → value per row).
    pub quality: Vec<Record>,
    pub plan_summary: Vec<Record>,
    pub coverage_range: Vec<Record>,
    /// The plan's headline sentence (line 3 of `plan.txt`).
    pub plan_sentence: Option<String>,
}

/// One row of a table read by header name.
pub type Record = std::collections::BTreeMap<String, String>;

/// All rows of an optional CSV table (empty when the file is absent).
fn read_records(path: &Path) -> Result<Vec<Record>, ReportError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let mut rdr = open_csv(path)?;
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| table_err(path, 1, e.to_string()))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let mut out = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| table_err(path, n as u64 + 2, e.to_string()))?;
        out.push(headers.iter().cloned().zip(rec.iter().map(String::from)).collect());
    }
    Ok(out)
}

impl Data {
    pub fn load(dir: &Path) -> Result<Data, ReportError> {
        if !dir.is_dir() {
            return Err(ReportError::Missing {
                path: dir.to_path_buf(),
            });
        }
        let trend_path = dir.join("trend_weekly.csv");
        let manifest_path = dir.join("manifest.json");
        Ok(Data {
            provinsi: read_coverage(dir, Level::Provinsi)?,
            kabupaten: read_coverage(dir, Level::Kabupaten)?,
            kecamatan: read_coverage(dir, Level::Kecamatan)?,
            desa: read_coverage(dir, Level::Desa)?,
            trend: if trend_path.exists() {
                Some(read_trend(&trend_path)?)
            } else {
                None
            },
            manifest: if manifest_path.exists() {
                Some(Manifest::read(&manifest_path)?)
            } else {
                None
            },
            quality: read_records(&dir.join("quality.csv"))?,
            plan_summary: read_records(&dir.join("plan_summary.csv"))?,
            coverage_range: read_records(&dir.join("coverage_range.csv"))?,
            plan_sentence: std::fs::read_to_string(dir.join("plan.txt"))
                .ok()
                .and_then(|t| t.lines().nth(2).map(|l| l.trim().to_string()))
                .filter(|l| !l.is_empty()),
        })
    }

    pub fn rows(&self, level: Level) -> &[Row] {
        match level {
            Level::Provinsi => &self.provinsi,
            Level::Kabupaten => &self.kabupaten,
            Level::Kecamatan => &self.kecamatan,
            Level::Desa => &self.desa,
        }
    }

    /// Rows of `level` inside the area `parent` (by code prefix).
    pub fn children<'a>(
        &'a self,
        level: Level,
        parent: &'a str,
    ) -> impl Iterator<Item = &'a Row> + 'a {
        self.rows(level).iter().filter(move |r| {
            r.code.len() > parent.len()
                && r.code.starts_with(parent)
                && r.code.as_bytes()[parent.len()] == b'.'
        })
    }

    pub fn find(&self, level: Level, code: &str) -> Option<&Row> {
        self.rows(level).iter().find(|r| r.code == code)
    }

    /// Totals over all provinces (the provinsi table sums to the whole).
    pub fn total(&self) -> Row {
        let src = if self.provinsi.is_empty() {
            &self.kabupaten
        } else {
            &self.provinsi
        };
        let mut t = Row {
            level: Level::Provinsi,
            code: String::new(),
            name: String::new(),
            in_reference: true,
            residents: 0,
            required: 0,
            required_recorded: 0,
            eligible: 0,
            eligible_recorded: 0,
            eligible_unrecorded: 0,
            first_time: 0,
            first_time_unrecorded: 0,
            backlog_unrecorded: 0,
        };
        for r in src {
            t.residents += r.residents;
            t.required += r.required;
            t.required_recorded += r.required_recorded;
            t.eligible += r.eligible;
            t.eligible_recorded += r.eligible_recorded;
            t.eligible_unrecorded += r.eligible_unrecorded;
            t.first_time += r.first_time;
            t.first_time_unrecorded += r.first_time_unrecorded;
            t.backlog_unrecorded += r.backlog_unrecorded;
        }
        t
    }

    pub fn election_date(&self) -> Option<NaiveDate> {
        self.manifest.as_ref().and_then(|m| m.date("election_date"))
    }

    pub fn as_of(&self) -> Option<NaiveDate> {
        self.manifest
            .as_ref()
            .and_then(|m| m.date("as_of"))
            .or_else(|| {
                // Without a manifest: the last week in the trend.
                self.trend
                    .as_ref()
                    .and_then(|t| t.iter().map(|r| r.week_start).max())
            })
    }
}

fn open_csv(path: &Path) -> Result<csv::Reader<std::fs::File>, ReportError> {
    let file = std::fs::File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            ReportError::Missing {
                path: path.to_path_buf(),
            }
        } else {
            ReportError::Io {
                path: path.to_path_buf(),
                source: e,
            }
        }
    })?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(file))
}

fn table_err(path: &Path, line: u64, message: impl Into<String>) -> ReportError {
    ReportError::Table {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

/// Column positions by header name (case-insensitive; extra columns ignored).
struct Cols {
    pos: HashMap<String, usize>,
    path: PathBuf,
}

impl Cols {
    fn new(path: &Path, headers: &csv::StringRecord) -> Self {
        let pos = headers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                (
                    h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase(),
                    i,
                )
            })
            .collect();
        Cols {
            pos,
            path: path.to_path_buf(),
        }
    }
    fn need(&self, name: &str) -> Result<usize, ReportError> {
        self.pos
            .get(name)
            .copied()
            .ok_or_else(|| table_err(&self.path, 1, format!("missing column `{name}`")))
    }
    fn opt(&self, name: &str) -> Option<usize> {
        self.pos.get(name).copied()
    }
}

fn int(
    rec: &csv::StringRecord,
    i: usize,
    col: &str,
    path: &Path,
    line: u64,
) -> Result<u64, ReportError> {
    let s = rec.get(i).unwrap_or("").trim();
    s.parse::<u64>()
        .map_err(|_| table_err(path, line, format!("`{col}`: not a whole number: {s:?}")))
}

fn read_coverage(dir: &Path, level: Level) -> Result<Vec<Row>, ReportError> {
    let path = dir.join(format!("coverage_{}.csv", level.name()));
    let mut rdr = open_csv(&path)?;
    let headers = rdr
        .headers()
        .map_err(|e| table_err(&path, 1, e.to_string()))?
        .clone();
    let c = Cols::new(&path, &headers);
    let counts = [
        "residents",
        "required",
        "required_recorded",
        "eligible",
        "eligible_recorded",
        "eligible_unrecorded",
        "first_time",
        "first_time_unrecorded",
    ];
    let idx: Vec<usize> = counts.iter().map(|n| c.need(n)).collect::<Result<_, _>>()?;
    let (code_i, name_i) = (c.need("area_code")?, c.need("area_name")?);
    let (ref_i, backlog_i) = (c.opt("in_reference"), c.opt("backlog_unrecorded"));
    let mut rows = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let line = n as u64 + 2;
        let rec = rec.map_err(|e| table_err(&path, line, e.to_string()))?;
        let mut v = [0u64; 8];
        for (k, (&i, name)) in idx.iter().zip(counts).enumerate() {
            v[k] = int(&rec, i, name, &path, line)?;
        }
        let code = rec.get(code_i).unwrap_or("").trim().to_string();
        let in_reference = match ref_i {
            Some(i) => rec.get(i).unwrap_or("").trim().eq_ignore_ascii_case("true"),
            None => data_schema::area::AreaKey::parse(&code)
                .is_some_and(|k| data_schema::regions::Regions::get().contains(k)),
        };
        let backlog = match backlog_i {
            Some(i) => int(&rec, i, "backlog_unrecorded", &path, line)?,
            None => v[5].saturating_sub(v[7]),
        };
        rows.push(Row {
            level,
            name: rec.get(name_i).unwrap_or("").trim().to_string(),
            code,
            in_reference,
            residents: v[0],
            required: v[1],
            required_recorded: v[2],
            eligible: v[3],
            eligible_recorded: v[4],
            eligible_unrecorded: v[5],
            first_time: v[6],
            first_time_unrecorded: v[7],
            backlog_unrecorded: backlog,
        });
    }
    rows.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(rows)
}

fn read_trend(path: &Path) -> Result<Vec<TrendRow>, ReportError> {
    let mut rdr = open_csv(path)?;
    let headers = rdr
        .headers()
        .map_err(|e| table_err(path, 1, e.to_string()))?
        .clone();
    let c = Cols::new(path, &headers);
    let (w, a) = (c.need("week_start")?, c.need("area_code")?);
    let (r, fr, fe) = (
        c.need("recordings")?,
        c.need("first_recordings_required")?,
        c.need("first_recordings_eligible")?,
    );
    let mut out = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let line = n as u64 + 2;
        let rec = rec.map_err(|e| table_err(path, line, e.to_string()))?;
        let ws = rec.get(w).unwrap_or("").trim();
        let week_start = NaiveDate::parse_from_str(ws, "%Y-%m-%d")
            .map_err(|_| table_err(path, line, format!("`week_start`: not a date: {ws:?}")))?;
        out.push(TrendRow {
            week_start,
            area_code: rec.get(a).unwrap_or("").trim().to_string(),
            recordings: int(&rec, r, "recordings", path, line)?,
            first_recordings_required: int(&rec, fr, "first_recordings_required", path, line)?,
            first_recordings_eligible: int(&rec, fe, "first_recordings_eligible", path, line)?,
        });
    }
    Ok(out)
}

/// `manifest.json`, read leniently: only counts and parameters are used.
pub struct Manifest {
    pub json: Value,
}

impl Manifest {
    fn read(path: &Path) -> Result<Manifest, ReportError> {
        let text = std::fs::read_to_string(path).map_err(|e| ReportError::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        let json: Value = serde_json::from_str(&text).map_err(|e| ReportError::Manifest {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        if !json.is_object() {
            return Err(ReportError::Manifest {
                path: path.to_path_buf(),
                message: "not a JSON object".into(),
            });
        }
        Ok(Manifest { json })
    }

    pub fn param(&self, key: &str) -> Option<&Value> {
        self.json.get("parameters").and_then(|p| p.get(key))
    }

    pub fn date(&self, key: &str) -> Option<NaiveDate> {
        self.param(key)
            .and_then(|v| v.as_str())
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    }

    pub fn look_back(&self) -> bool {
        self.param("look_back")
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    /// A count at `section.key`, e.g. `population.rows_read`.
    pub fn count(&self, section: &str, key: &str) -> Option<u64> {
        self.json
            .get(section)
            .and_then(|s| s.get(key))
            .and_then(|v| v.as_u64())
    }

    /// A `{name: count}` map, e.g. `population.rejected_by_reason` or the
    /// top-level `warnings_by_kind` (section = None).
    pub fn counts(&self, section: Option<&str>, key: &str) -> BTreeMap<String, u64> {
        let obj = match section {
            Some(s) => self.json.get(s).and_then(|v| v.get(key)),
            None => self.json.get(key),
        };
        obj.and_then(|v| v.as_object())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_u64().map(|n| (k.clone(), n)))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn program_version(&self) -> Option<String> {
        let p = self.json.get("program")?;
        Some(format!(
            "{} {}",
            p.get("name").and_then(|v| v.as_str()).unwrap_or("cakupan"),
            p.get("version").and_then(|v| v.as_str()).unwrap_or("?")
        ))
    }

    /// Inputs: (role, path, sha256, bytes, rows).
    #[allow(clippy::type_complexity)]
    pub fn inputs(&self) -> Vec<(String, String, String, Option<u64>, Option<u64>)> {
        let s = |v: &Value, k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        self.json
            .get("inputs")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .map(|i| {
                        (
                            s(i, "role"),
                            s(i, "path"),
                            s(i, "sha256"),
                            i.get("bytes").and_then(|x| x.as_u64()),
                            i.get("rows").and_then(|x| x.as_u64()),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}
