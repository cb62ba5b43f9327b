//! Writing the machine tables: coverage, targets, trend, rejects, warnings.

use crate::aggregate::AreaRow;
use crate::error::PipelineError;
use crate::frame::{write_parquet, Col};
use crate::quality::Issue;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

pub const COVERAGE_COLUMNS: [&str; 14] = [
    "area_code",
    "area_name",
    "in_reference",
    "residents",
    "required",
    "required_recorded",
    "required_coverage_pct",
    "eligible",
    "eligible_recorded",
    "eligible_unrecorded",
    "eligible_coverage_pct",
    "first_time",
    "first_time_unrecorded",
    "backlog_unrecorded",
];

fn csv_writer(path: &Path) -> Result<csv::Writer<BufWriter<File>>, PipelineError> {
    let f = File::create(path).map_err(|e| PipelineError::output(path.display(), e))?;
    Ok(csv::WriterBuilder::new().from_writer(BufWriter::with_capacity(1 << 20, f)))
}

fn fmt_pct(p: Option<f64>) -> String {
    p.map(|v| format!("{v:.2}")).unwrap_or_default()
}

/// `coverage_<level>.csv` and `.parquet`.
pub fn write_coverage(dir: &Path, level: &str, rows: &[AreaRow]) -> Result<(), PipelineError> {
    let csv_path = dir.join(format!("coverage_{level}.csv"));
    let err = |e: csv::Error| PipelineError::output(csv_path.display(), e);
    let mut w = csv_writer(&csv_path)?;
    w.write_record(COVERAGE_COLUMNS).map_err(err)?;
    for r in rows {
        let c = &r.counts;
        w.write_record([
            r.key.to_string(),
            r.name.clone(),
            r.in_reference.to_string(),
            c.residents.to_string(),
            c.required.to_string(),
            c.required_recorded.to_string(),
            fmt_pct(c.required_coverage_pct()),
            c.eligible.to_string(),
            c.eligible_recorded.to_string(),
            c.eligible_unrecorded().to_string(),
            fmt_pct(c.eligible_coverage_pct()),
            c.first_time.to_string(),
            c.first_time_unrecorded.to_string(),
            c.backlog_unrecorded().to_string(),
        ])
        .map_err(err)?;
    }
    w.flush().map_err(|e| PipelineError::output(csv_path.display(), e))?;

    let u = |f: &dyn Fn(&AreaRow) -> u64| Col::U64(rows.iter().map(f).collect());
    let cols = vec![
        ("area_code", Col::Str(rows.iter().map(|r| r.key.to_string()).collect())),
        ("area_name", Col::Str(rows.iter().map(|r| r.name.clone()).collect())),
        ("in_reference", Col::Bool(rows.iter().map(|r| r.in_reference).collect())),
        ("residents", u(&|r| r.counts.residents)),
        ("required", u(&|r| r.counts.required)),
        ("required_recorded", u(&|r| r.counts.required_recorded)),
        ("required_coverage_pct", Col::OptF64(rows.iter().map(|r| r.counts.required_coverage_pct()).collect())),
        ("eligible", u(&|r| r.counts.eligible)),
        ("eligible_recorded", u(&|r| r.counts.eligible_recorded)),
        ("eligible_unrecorded", u(&|r| r.counts.eligible_unrecorded())),
        ("eligible_coverage_pct", Col::OptF64(rows.iter().map(|r| r.counts.eligible_coverage_pct()).collect())),
        ("first_time", u(&|r| r.counts.first_time)),
        ("first_time_unrecorded", u(&|r| r.counts.first_time_unrecorded)),
        ("backlog_unrecorded", u(&|r| r.counts.backlog_unrecorded())),
    ];
    let pq = dir.join(format!("coverage_{level}.parquet"));
    write_parquet(&pq, cols).map_err(|e| PipelineError::output(pq.display(), e))
}

/// `rejects.csv` or `warnings.csv`.
pub fn write_issues(path: &Path, last_header: &str, issues: &[(u64, Issue)]) -> Result<(), PipelineError> {
    let err = |e: csv::Error| PipelineError::output(path.display(), e);
    let mut w = csv_writer(path)?;
    let kind_header = if last_header == "hint" { "reason" } else { "warning" };
    w.write_record(["file", "line", "column", kind_header, "raw_value", last_header]).map_err(err)?;
    let mut out = w.into_inner().map_err(|e| PipelineError::output(path.display(), e.into_error()))?;
    // Millions of rows at national scale.
    write_blocks(path, &mut out, issues, 16_384, |block| {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::with_capacity(block.len() * 96));
        let mut num = itoa::Buffer::new();
        for (_, i) in block {
            w.write_record([&*i.file, num.format(i.line), &i.column, i.kind.code(), &i.raw, &i.hint]).map_err(err)?;
        }
        w.into_inner().map_err(|e| err(e.into_error().into()))
    })?;
    out.flush().map_err(|e| PipelineError::output(path.display(), e))
}

/// Write `rows` to `out` (the file at `path`) in blocks of `block` rows,
/// each formatted by `fmt` in parallel, 16 blocks at a time, in order. A
/// thread of its own writes each group of blocks while the next group is
/// formatted: a write copies into the page cache at well under 1 GB/s here,
/// and nationally the issue files are 1.6 GB.
fn write_blocks<T: Sync>(
    path: &Path,
    out: &mut (impl Write + Send),
    rows: &[T],
    block: usize,
    fmt: impl Fn(&[T]) -> Result<Vec<u8>, PipelineError> + Sync,
) -> Result<(), PipelineError> {
    use rayon::prelude::*;
    std::thread::scope(|scope| {
        // One group waits while one is written and one is formatted.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Vec<u8>>>(1);
        let writer = scope.spawn(move || -> Result<(), PipelineError> {
            for blocks in rx {
                for b in blocks {
                    out.write_all(&b).map_err(|e| PipelineError::output(path.display(), e))?;
                }
            }
            Ok(())
        });
        let formatted = (|| {
            for group in rows.chunks(block * 16) {
                let blocks: Vec<Vec<u8>> = group.par_chunks(block).map(&fmt).collect::<Result<_, _>>()?;
                if tx.send(blocks).is_err() {
                    break; // the writer stopped: its error is returned below
                }
            }
            Ok(())
        })();
        drop(tx);
        let written = writer.join().expect("the writer thread");
        written.and(formatted)
    })
}

/// One row of the worklist of eligible voters without KTP-el.
#[derive(Debug, Clone)]
pub struct Target {
    pub nik: u64,
    pub name: String,
    pub sex: &'static str,
    pub birth: i32,
    pub turns_17: i32,
    pub recordable_from: i32,
    pub recordable_at_as_of: bool,
    /// The desa code as a number (`area_code` is its text, same order).
    pub area: u64,
    pub area_code: String,
    /// From the embedded Kemendagri list (or "(unknown)"): not copied per row.
    pub area_name: &'static str,
    pub rt: String,
    pub rw: String,
    pub address: String,
    pub category: &'static str,
}

pub const TARGET_COLUMNS: [&str; 13] = [
    "nik",
    "name",
    "sex",
    "birth_date",
    "turns_17",
    "recordable_from",
    "recordable_at_as_of",
    "area_code",
    "area_name",
    "rt",
    "rw",
    "address",
    "category",
];

/// `targets.csv` and `targets.parquet` (personal data: mode 0600 on Unix).
pub fn write_targets(dir: &Path, t: &[Target]) -> Result<Vec<String>, PipelineError> {
    write_targets_with(dir, t, data_schema::nik::format_nik)
}

/// [`write_targets`] with the NIK written by `nik_text` (e.g. `data_schema::nik::mask_nik`).
pub fn write_targets_with(dir: &Path, t: &[Target], nik_text: fn(u64) -> String) -> Result<Vec<String>, PipelineError> {
    // The CSV and the Parquet copy are written side by side (two cores).
    let (a, b) = rayon::join(|| write_targets_csv(dir, t, nik_text), || write_targets_parquet(dir, t, nik_text));
    a?;
    b?;
    let files = vec!["targets.csv".to_string(), "targets.parquet".to_string()];
    for f in &files {
        restrict(&dir.join(f))?;
    }
    Ok(files)
}

fn write_targets_csv(dir: &Path, t: &[Target], nik_text: fn(u64) -> String) -> Result<(), PipelineError> {
    use data_schema::date::from_days;
    let csv_path = dir.join("targets.csv");
    let err = |e: csv::Error| PipelineError::output(csv_path.display(), e);
    let mut w = csv_writer(&csv_path)?;
    w.write_record(TARGET_COLUMNS).map_err(err)?;
    for x in t {
        w.write_record([
            &nik_text(x.nik),
            &x.name,
            x.sex,
            &from_days(x.birth).to_string(),
            &from_days(x.turns_17).to_string(),
            &from_days(x.recordable_from).to_string(),
            &x.recordable_at_as_of.to_string(),
            &x.area_code,
            &x.area_name,
            &x.rt,
            &x.rw,
            &x.address,
            x.category,
        ])
        .map_err(err)?;
    }
    w.flush().map_err(|e| PipelineError::output(csv_path.display(), e))
}

fn write_targets_parquet(dir: &Path, t: &[Target], nik_text: fn(u64) -> String) -> Result<(), PipelineError> {
    let s = |f: &dyn Fn(&Target) -> String| Col::Str(t.iter().map(f).collect());
    let pq = dir.join("targets.parquet");
    write_parquet(
        &pq,
        vec![
            ("nik", s(&|x| nik_text(x.nik))),
            ("name", s(&|x| x.name.clone())),
            ("sex", s(&|x| x.sex.to_string())),
            ("birth_date", Col::Date(t.iter().map(|x| x.birth).collect())),
            ("turns_17", Col::Date(t.iter().map(|x| x.turns_17).collect())),
            ("recordable_from", Col::Date(t.iter().map(|x| x.recordable_from).collect())),
            ("recordable_at_as_of", Col::Bool(t.iter().map(|x| x.recordable_at_as_of).collect())),
            ("area_code", s(&|x| x.area_code.clone())),
            ("area_name", s(&|x| x.area_name.to_string())),
            ("rt", s(&|x| x.rt.clone())),
            ("rw", s(&|x| x.rw.clone())),
            ("address", s(&|x| x.address.clone())),
            ("category", s(&|x| x.category.to_string())),
        ],
    )
    .map_err(|e| PipelineError::output(pq.display(), e))
}

/// Owner-only permissions for files that hold personal data.
pub fn restrict(path: &Path) -> Result<(), PipelineError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| PipelineError::output(path.display(), e))?;
    }
    Ok(())
}

/// `trend_weekly.csv` from rows `(kecamatan, week, recordings, first
/// required, first eligible)` in the order given; `kec_text` and `week_text`
/// spell a kecamatan code and a week (each is asked once per run of equal
/// values, or once per block for weeks). Over a million rows at 10 M
/// residents: blocks are formatted in parallel and written in order. The
/// cells are codes, ISO dates and numbers, none of which CSV quotes.
pub fn write_trend(
    path: &Path,
    rows: &[(u64, i32, u64, u64, u64)],
    kec_text: impl Fn(u64) -> String + Sync,
    week_text: impl Fn(i32) -> String + Sync,
) -> Result<(), PipelineError> {
    let io = |e: std::io::Error| PipelineError::output(path.display(), e);
    let f = File::create(path).map_err(io)?;
    let mut out = BufWriter::with_capacity(1 << 20, f);
    out.write_all(b"week_start,area_code,recordings,first_recordings_required,first_recordings_eligible\n").map_err(io)?;
    write_blocks(path, &mut out, rows, 65_536, |block| {
        let mut b = Vec::with_capacity(block.len() * 40);
        let mut weeks: ahash::AHashMap<i32, String> = ahash::AHashMap::new();
        let mut kec: Option<(u64, String)> = None;
        let mut num = itoa::Buffer::new();
        for &(k, wk, n, r, e) in block {
            b.extend_from_slice(weeks.entry(wk).or_insert_with(|| week_text(wk)).as_bytes());
            b.push(b',');
            if kec.as_ref().map(|x| x.0) != Some(k) {
                kec = Some((k, kec_text(k)));
            }
            b.extend_from_slice(kec.as_ref().map(|x| x.1.as_bytes()).unwrap_or_default());
            for x in [n, r, e] {
                b.push(b',');
                b.extend_from_slice(num.format(x).as_bytes());
            }
            b.push(b'\n');
        }
        Ok(b)
    })?;
    out.flush().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use data_schema::RejectReason;

    #[test]
    fn the_trend_is_written_as_the_csv_crate_writes_it() {
        // More rows than one group of blocks; kecamatan runs cross blocks.
        let rows: Vec<(u64, i32, u64, u64, u64)> =
            (0..1_100_000u64).map(|k| (3_171_000_000 + k / 7, 19_000 + (k % 13) as i32, k, k % 5, k % 3)).collect();
        let kec = |k: u64| format!("{}.{:02}.{:02}", k / 10_000_000, k / 100_000 % 100, k / 1_000 % 100);
        let week = |w: i32| format!("W{w}");
        let dir = std::env::temp_dir().join(format!("cakupan-trend-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("trend_weekly.csv");
        write_trend(&path, &rows, kec, week).unwrap();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["week_start", "area_code", "recordings", "first_recordings_required", "first_recordings_eligible"])
            .unwrap();
        for &(k, wk, n, r, e) in &rows {
            w.write_record([week(wk), kec(k), n.to_string(), r.to_string(), e.to_string()]).unwrap();
        }
        let want = w.into_inner().unwrap();
        assert!(std::fs::read(&path).unwrap() == want, "byte for byte what the csv crate writes");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn issues_written_in_parallel_blocks_keep_their_order_and_quoting() {
        // More rows than one group of blocks, with values that need quoting.
        let issues: Vec<(u64, Issue)> = (0..300_000u64)
            .map(|k| {
                let raw = match k % 4 {
                    0 => format!("{k}"),
                    1 => format!("a,b {k}"),
                    2 => format!("say \"{k}\""),
                    _ => format!("line\nbreak {k}"),
                };
                (k, Issue::reject("p.csv", k + 2, "NIK", RejectReason::NikFormat, &raw, format!("hint {k}")))
            })
            .collect();
        let dir = std::env::temp_dir().join(format!("cakupan-issues-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rejects.csv");
        write_issues(&path, "hint", &issues).unwrap();
        // The same rows through one plain csv writer.
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        w.write_record(["file", "line", "column", "reason", "raw_value", "hint"]).unwrap();
        for (_, i) in &issues {
            w.write_record([&*i.file, &i.line.to_string(), &i.column, i.kind.code(), &i.raw, &i.hint]).unwrap();
        }
        let want = w.into_inner().unwrap();
        assert!(std::fs::read(&path).unwrap() == want, "rejects.csv differs from a sequential write");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
