//! The whole query plan of one run, in one place:
//! ingest → validate → resolve duplicates → join → classify → aggregate → write.
//!
//! The run can be split into NIK partitions ([`Part`]) processed one after
//! another, to bound memory: each pass keeps only the rows whose NIK falls into
//! its partition, on both sides (population and enrollment are co-partitioned,
//! so duplicates and the join never cross partitions). Rows whose NIK cannot
//! be read belong to partition 0. Everything a partition produces is either a
//! sum (per-desa counts, weekly trend, stage counts) or a list sorted at the
//! end (rejects, warnings, worklist), so partitioned and unpartitioned runs
//! write identical tables.

use crate::aggregate::{self, class_of, AreaRow, Counts};
use crate::enrollment;
use crate::error::PipelineError;
use crate::ingest::Source;
use crate::manifest::{self, InputInfo, Manifest};
use crate::output::{self, Target};
use crate::population::{self, Candidate, F_FEMALE};
use crate::quality::{IssueKind, QualityLog};
use chrono::NaiveDate;
use data_schema::area::{AreaCode, Level};
use data_schema::columns::population as pcol;
use data_schema::date::{from_days, to_days};
use data_schema::regions::Regions;
use data_schema::rules::{recordable_from, turns_17, Cutoffs, Dates};
use data_schema::RejectReason;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Everything a run needs to know.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub population: Vec<PathBuf>,
    pub enrollment: Vec<PathBuf>,
    pub election: NaiveDate,
    pub as_of: NaiveDate,
    /// Fail when more than this share of population rows is rejected (0.05 = 5%).
    pub max_reject_rate: f64,
    /// Write `targets.*` (the personal-data worklist).
    pub write_targets: bool,
    /// For per-school counts: build the worklist rows in
    /// [`RunResult::targets`] even without `write_targets` (they are built
    /// anyway when `write_targets` is set or linkage needs them), and
    /// [`RunResult::resident_niks`].
    pub keep_targets: bool,
    /// Number of NIK partitions processed one after another (1 = all at once).
    pub partitions: u32,
    /// Linkage: match probability at or above which a link is probable (0.9).
    pub link_threshold: f64,
}

/// One NIK partition of a run: `index` of `count`.
#[derive(Debug, Clone, Copy)]
pub struct Part {
    pub index: u32,
    pub count: u32,
}

impl Part {
    /// The partition (of `count`) of a row with this NIK (`None`: unreadable):
    /// a hash of the whole NIK, so that a single kabupaten's export (where
    /// every NIK shares its first digits) splits evenly too.
    pub fn of(nik: Option<u64>, count: u32) -> u32 {
        if count <= 1 {
            return 0;
        }
        match nik {
            Some(n) => ((n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % count as u64) as u32,
            None => 0,
        }
    }
}

/// What a finished run reports to its caller.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub manifest: Manifest,
    pub tables: BTreeMap<Level, Vec<AreaRow>>,
    /// The worklist rows (eligible residents without KTP-el), sorted by area,
    /// RT, RW, name. Built when `write_targets` or `keep_targets` is set (for
    /// aggregate planning: per-school counts) or linkage needs them, empty
    /// otherwise; personal data: never write it unmasked outside
    /// `targets.*` / `restricted/`.
    pub targets: Vec<Target>,
    /// NIKs of counted residents (AKTIF), sorted; only with `keep_targets`
    /// (per-school counts), empty otherwise.
    pub resident_niks: Vec<u64>,
}

fn stage<T>(timings: &mut Vec<(String, u64)>, name: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let r = f();
    timings.push((name.to_string(), t.elapsed().as_millis() as u64));
    if std::env::var_os("CAKUPAN_TRACE_MEMORY").is_some() {
        // For benchmarking: resident and peak memory after each stage.
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let kb = |k: &str| status.lines().find(|l| l.starts_with(k)).map(|l| l[k.len()..].trim().to_string());
        eprintln!("stage {name}: {} ms, VmRSS {:?}, VmHWM {:?}", t.elapsed().as_millis(), kb("VmRSS:"), kb("VmHWM:"));
    }
    r
}

/// Files named on the command line, with directories expanded: every CSV,
/// Parquet or XLSX file below a directory (hive-style `prop=94/part-0.parquet`
/// included), in path order.
pub fn expand_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, PipelineError> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
        entries.sort();
        for p in entries {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') || name.starts_with('_') {
                continue; // hidden files, _SUCCESS, _metadata
            }
            if p.is_dir() {
                walk(&p, out)?;
            } else {
                let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
                if matches!(ext.as_str(), "parquet" | "pq" | "csv" | "txt" | "tsv" | "xlsx" | "xlsm" | "xls" | "ods") {
                    out.push(p);
                }
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let before = out.len();
            walk(p, &mut out).map_err(|e| PipelineError::Unreadable { file: p.display().to_string(), reason: e.to_string() })?;
            if out.len() == before {
                return Err(PipelineError::Unreadable {
                    file: p.display().to_string(),
                    reason: "the directory holds no CSV, Parquet or XLSX file".into(),
                });
            }
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// How many NIK partitions keep a run within `budget` bytes of memory.
///
/// A one-partition run may hold its CSV files as bytes (Parquet is decoded
/// in batches of row groups: about 1 GB for the batch being validated and
/// the next one) plus per-row state (about 220 bytes per population row,
/// measured at 10 M rows). A partitioned run reads each input once and keeps
/// its validated rows in files, one per partition (partition 0's, processed
/// first, stay in memory), so it holds one CSV file at a time and a
/// partition's share of the per-row state:
/// `ceil(rows × 220 / (budget − largest file))`, between 2 and 256.
pub fn partitions_for_budget(population: &[PathBuf], enrollment: &[PathBuf], budget: u64) -> Result<u32, PipelineError> {
    let population = expand_inputs(population)?;
    let enrollment = expand_inputs(enrollment)?;
    let size = |p: &PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let is_parquet = |p: &PathBuf| {
        matches!(p.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()).as_deref(), Some("parquet" | "pq"))
    };
    let held = |p: &PathBuf| if is_parquet(p) { 0 } else { size(p) };
    let batches: u64 = if population.iter().chain(&enrollment).any(is_parquet) { 1 << 30 } else { 0 };
    let rows = |p: &PathBuf, csv_row: u64| {
        if is_parquet(p) {
            size(p) / 23
        } else {
            size(p) / csv_row
        }
    };
    let per_row: u64 = population.iter().map(|p| rows(p, 120)).sum::<u64>() * 220
        + enrollment.iter().map(|p| rows(p, 50)).sum::<u64>() * 40;
    let one_pass: u64 =
        population.iter().map(held).sum::<u64>() + enrollment.iter().map(held).max().unwrap_or(0) + batches;
    if one_pass + per_row <= budget {
        return Ok(1);
    }
    let largest = population.iter().chain(&enrollment).map(held).max().unwrap_or(0) + batches;
    let room = budget.saturating_sub(largest).max(1);
    Ok(per_row.div_ceil(room).clamp(2, 256) as u32)
}

#[cfg(test)]
mod tests {
    use super::apply_permutation;

    /// Minor page faults taken by this thread so far.
    #[cfg(target_os = "linux")]
    fn faults() -> i64 {
        // SAFETY: getrusage fills the struct it is given.
        let mut r: libc::rusage = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut r) }, 0);
        r.ru_minflt
    }

    /// Rows appended to a prefaulted vector land in memory that is already
    /// there: filling 128 MB (32,768 pages) takes almost no page faults, and
    /// what was written is what is read.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_prefaulted_vector_fills_without_page_faults() {
        // Kernels before 5.14 do not know MADV_POPULATE_WRITE: there
        // prefaulting does nothing, and runs are as before.
        let mut probe: Vec<u8> = Vec::with_capacity(1 << 16);
        let p = (probe.spare_capacity_mut().as_mut_ptr() as usize + 4095) & !4095;
        // SAFETY: one page inside the probe's allocation; populating does not change it.
        if unsafe { libc::madvise(p as *mut libc::c_void, 4096, super::MADV_POPULATE_WRITE) } != 0 {
            eprintln!("MADV_POPULATE_WRITE is not supported here: {}", std::io::Error::last_os_error());
            return;
        }
        let fill = |prefault: bool| -> (i64, Vec<u64>) {
            let mut v: Vec<u64> = Vec::with_capacity(16 << 20);
            let guard = if prefault { Some(super::prefault(&mut v)) } else { None };
            drop(guard); // waits for the kernel to have faulted it in
            let before = faults();
            v.extend((0..16u64 << 20).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
            (faults() - before, v)
        };
        let (plain, _) = fill(false);
        let (prefaulted, v) = fill(true);
        assert!(plain > 20_000, "a fresh 128 MB vector faults in page by page ({plain})");
        assert!(prefaulted < 1_000, "{prefaulted} page faults after prefaulting");
        assert!(v.iter().enumerate().all(|(i, &x)| x == (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    }

    #[test]
    fn permutation_is_applied_in_place() {
        let mut v = vec!['a', 'b', 'c', 'd', 'e'];
        apply_permutation(&mut v, vec![2, 0, 1, 4, 3]);
        assert_eq!(v, vec!['c', 'a', 'b', 'e', 'd']);
        // Against sorting directly, on a shuffled vector.
        let mut x: Vec<u64> = (0..1000u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) % 997).collect();
        let mut perm: Vec<u32> = (0..x.len() as u32).collect();
        perm.sort_by_key(|&i| (x[i as usize], i));
        let mut want = x.clone();
        want.sort();
        apply_permutation(&mut x, perm);
        assert_eq!(x, want);
    }
}

/// Known matches used to estimate linkage's m (the lowest NIK hashes).
const KNOWN_MATCHES: usize = 5_000;

/// What the partitions add up to.
#[derive(Default)]
struct Acc {
    inputs_pop: Vec<InputInfo>,
    inputs_enr: Vec<InputInfo>,
    rows_read: u64,
    duplicate_rows: u64,
    counted: u64,
    enr_rows: u64,
    enr_rejected: u64,
    join: enrollment::JoinCounts,
    residents_recorded: u64,
    unknown_areas: BTreeMap<u64, u64>,
    desa: BTreeMap<u64, Counts>,
    trend: crate::trend::Trend,
    targets: Vec<Target>,
    resident_niks: Vec<u64>,
    /// Per domicile kecamatan: counted rows, and those whose NIK was issued elsewhere.
    counted_by_kec: BTreeMap<u64, u64>,
    movers: BTreeMap<u64, u64>,
    /// Enrollment rows that would count but whose NIK cannot be joined, and
    /// that say who was recorded: linkage queries (personal data).
    link_queries: Vec<enrollment::LinkQuery>,
    /// Known matches for linkage: (hash, NIK, as typed at recording, resident).
    known: Vec<(u64, u64, recordlink::Record, recordlink::Record)>,
}

/// The hash that picks known matches, independent of the partitioning.
fn known_hash(nik: u64) -> u64 {
    (nik ^ 0x5bd1_e995).wrapping_mul(0xff51_afd7_ed55_8ccd).rotate_left(31).wrapping_mul(0xc4ce_b9fe_1a85_ec53)
}

/// Run the pipeline and write every machine output into `dir` (which must exist
/// and be empty; see [`crate::atomic`] for the all-or-nothing directory).
pub fn run_into(cfg: &RunConfig, dir: &Path) -> Result<RunResult, PipelineError> {
    let population = expand_inputs(&cfg.population)?;
    let enrollment = expand_inputs(&cfg.enrollment)?;
    if population.is_empty() {
        return Err(PipelineError::NoInput("population"));
    }
    if enrollment.is_empty() {
        return Err(PipelineError::NoInput("enrollment"));
    }
    let started = Instant::now();
    let dates = Dates { as_of: cfg.as_of, election: cfg.election };
    let mut timings = Vec::new();
    let mut log = QualityLog::default();
    for p in population.iter().chain(&enrollment) {
        log.add_file(&p.display().to_string());
    }
    let count = cfg.partitions.max(1);
    let mut acc = Acc::default();
    // Every input is read and validated once; with several partitions the
    // validated rows wait in spill files, one per partition.
    let mut ing = ingest(cfg, &population, &enrollment, count, dir, &mut log, &mut acc, &mut timings)?;
    for index in 0..count {
        let rows = stage(&mut timings, "read_partition", || ing.take(index))?;
        if let (Some(s), true) = (&ing.spill, index + 1 < count) {
            s.prefetch(index + 1);
        }
        run_partition(
            cfg,
            &population,
            &enrollment,
            Part { index, count },
            rows,
            &ing,
            &dates,
            &mut log,
            &mut acc,
            &mut timings,
        )?;
    }
    if let Some(s) = ing.spill.take() {
        s.remove()?;
    }
    drop(ing);

    // Area-code warnings, one per unknown code, over all partitions.
    for (area, n) in std::mem::take(&mut acc.unknown_areas) {
        log.warn(
            u64::MAX,
            crate::quality::Issue::warning(
                "",
                0,
                "area_code",
                data_schema::WarningKind::AreaNotInReference,
                &AreaCode(area).to_string(),
                format!("{n} counted rows have this domicile code, which is not in the Kemendagri list; kept as (unknown)"),
            )
            .at(area),
        );
    }
    let tables = aggregate::roll_up(&acc.desa);

    // Write the machine tables and the quality files side by side: both are
    // mostly serial (CSV writing, the log's sort), so on two cores they
    // overlap. Their outputs and timings are listed in the order they were
    // before (tables, worklists, quality).
    let (mut outputs, mut out_quality) = (Vec::new(), Vec::new());
    let (mut t_tables, mut t_quality) = (Vec::new(), Vec::new());
    let (written, quality) = rayon::join(
        || {
            let mut out_tables = Vec::new();
            stage(&mut t_tables, "write_tables", || -> Result<(), PipelineError> {
                for (level, rows) in &tables {
                    output::write_coverage(dir, level.name(), rows)?;
                    out_tables.push((format!("coverage_{}.csv", level.name()), false));
                    out_tables.push((format!("coverage_{}.parquet", level.name()), false));
                }
                // By kecamatan, then week: numerically, which is also their text order
                // (fixed-width codes, ISO dates).
                let trend = acc.trend.rows();
                output::write_trend(
                    &dir.join("trend_weekly.csv"),
                    &trend,
                    |kec| data_schema::area::AreaKey { level: Level::Kecamatan, code: kec }.to_string(),
                    |wk| from_days(wk).to_string(),
                )?;
                out_tables.push(("trend_weekly.csv".into(), false));
                Ok(())
            })
            .map(|()| out_tables)
        },
        || {
            stage(&mut t_quality, "write_quality", || -> Result<(), PipelineError> {
                log.sort();
                // Side by side: each formats in parallel, then waits on its writer.
                let (r, w) = rayon::join(
                    || output::write_issues(&dir.join("rejects.csv"), "hint", &log.rejects),
                    || output::write_issues(&dir.join("warnings.csv"), "message", &log.warnings),
                );
                r.and(w)?;
                for f in ["rejects.csv", "warnings.csv"] {
                    output::restrict(&dir.join(f))?;
                    out_quality.push((f.to_string(), true));
                }
                let files: Vec<crate::quality_report::FileRows> = acc
                    .inputs_pop
                    .iter()
                    .chain(&acc.inputs_enr)
                    .map(|i| crate::quality_report::FileRows { path: i.path.clone(), role: i.role, rows: i.rows })
                    .collect();
                let rows = crate::quality_report::build(
                    &log.rejects,
                    &log.warnings,
                    &files,
                    population.len(),
                    &acc.movers,
                    &acc.counted_by_kec,
                    &tables,
                );
                crate::quality_report::write(&dir.join("quality.csv"), &rows)?;
                out_quality.push(("quality.csv".into(), false));
                Ok(())
            })
        },
    );
    outputs.extend(written?);
    timings.append(&mut t_tables);
    quality?;
    let mut targets = std::mem::take(&mut acc.targets);
    if !targets.is_empty() {
        stage(&mut timings, "targets", || {
            use rayon::prelude::*;
            // Sort a permutation, not the (large) rows, then move each row once.
            let mut perm: Vec<u32> = (0..targets.len() as u32).collect();
            perm.par_sort_unstable_by(|&a, &b| {
                let (a, b) = (&targets[a as usize], &targets[b as usize]);
                // The numeric desa code sorts as its fixed-width text does.
                (a.area, &a.rt, &a.rw, &a.name, a.nik).cmp(&(b.area, &b.rt, &b.rw, &b.name, b.nik))
            });
            apply_permutation(&mut targets, perm);
        });
    }
    let mut linkage = None;
    if !acc.link_queries.is_empty() {
        let mut eligible: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
        for (code, c) in &acc.desa {
            let e = eligible.entry(code / 10_000).or_default();
            e.0 += c.eligible;
            e.1 += c.eligible_recorded;
        }
        acc.link_queries.sort_by_key(|q| q.seq);
        acc.known.sort_by_key(|k| (k.0, k.1));
        acc.known.truncate(KNOWN_MATCHES);
        let known: Vec<(recordlink::Record, recordlink::Record)> =
            acc.known.drain(..).map(|(_, _, a, b)| (a, b)).collect();
        let link_cfg = recordlink::Config { threshold: cfg.link_threshold, ..recordlink::Config::default() };
        let (summary, files) = stage(&mut timings, "linkage", || {
            crate::link::run(dir, &acc.link_queries, &targets, &known, &eligible, |f| log.file_name(f).to_string(), &link_cfg)
        })?;
        outputs.extend(files);
        linkage = Some(summary);
    }
    if cfg.write_targets {
        for f in stage(&mut timings, "write_targets", || output::write_targets(dir, &targets))? {
            outputs.push((f, true));
        }
    }
    let mut resident_niks = std::mem::take(&mut acc.resident_niks);
    resident_niks.sort_unstable();
    timings.append(&mut t_quality);
    outputs.append(&mut out_quality);

    // The manifest: inputs, parameters, stage counts that reconcile, timings.
    let mut total = Counts::default();
    for c in acc.desa.values() {
        total.add(c);
    }
    let residents = total.residents;
    let npop = population.len();
    let mut rejected_by_reason = BTreeMap::new();
    let mut enr_rejected_by_reason = BTreeMap::new();
    for (seq, i) in &log.rejects {
        if let IssueKind::Reject(r) = i.kind {
            let is_enr = (*seq >> 40) as usize >= npop;
            let m = if is_enr { &mut enr_rejected_by_reason } else { &mut rejected_by_reason };
            *m.entry(r.code().to_string()).or_insert(0u64) += 1;
        }
    }
    let pop_rejected: u64 = rejected_by_reason.values().sum();
    for r in RejectReason::ALL {
        if r != RejectReason::RecordDateInvalid {
            rejected_by_reason.entry(r.code().to_string()).or_insert(0);
        }
    }
    let mut warnings_by_kind = BTreeMap::new();
    for (_, i) in &log.warnings {
        *warnings_by_kind.entry(i.kind.code().to_string()).or_insert(0u64) += 1;
    }
    timings.push(("total".into(), started.elapsed().as_millis() as u64));
    let mut inputs = std::mem::take(&mut acc.inputs_pop);
    inputs.append(&mut acc.inputs_enr);
    let manifest = manifest::build(manifest::Parts {
        cfg,
        inputs,
        population: manifest::PopulationStage {
            rows_read: acc.rows_read,
            duplicate_rows: acc.duplicate_rows,
            rejected: pop_rejected,
            rejected_by_reason,
            counted: acc.counted,
            residents,
            not_resident: acc.counted - residents,
        },
        enrollment: manifest::EnrollmentStage {
            rows_read: acc.enr_rows,
            rejected: acc.enr_rejected,
            rejected_by_reason: enr_rejected_by_reason,
            matched: acc.join.matched,
            orphan: acc.join.orphan,
            of_rejected_row: acc.join.of_rejected_row,
            counting: acc.join.counting_records,
            after_as_of: acc.join.after_as_of,
            failed_status: acc.join.failed_status,
            unknown_status: acc.join.unknown_status,
            residents_recorded: acc.residents_recorded,
        },
        warnings_by_kind,
        totals: total,
        timings,
        outputs,
        linkage,
    });
    manifest.check()?;
    manifest::write(&dir.join("manifest.json"), &manifest)?;
    drop_in_background((log, acc));
    Ok(RunResult { manifest, tables, targets, resident_niks })
}

/// Free `x` on a thread of its own. The log of a national run holds millions
/// of issues whose strings the worker threads allocated; freeing them one by
/// one took 6 s on the main thread after the outputs were written (perf,
/// 285 M rows), while the run only has to rename its directory and exit.
fn drop_in_background<T: Send + 'static>(x: T) {
    // Should no thread start, the closure (and `x` with it) is dropped here.
    let _ = std::thread::Builder::new().name("cakupan-free".into()).spawn(move || drop(x));
}

/// Validated rows of one partition, waiting to be resolved and joined.
#[derive(Default)]
struct PartRows {
    seen: Vec<population::Seen>,
    /// Issues of this partition's rejected population rows, by seq.
    rejects: Vec<(u64, crate::quality::Issue)>,
    /// Warnings on this partition's population rows (kept if the row counts).
    warnings: Vec<(u64, crate::quality::Issue)>,
    records: Vec<enrollment::Record>,
    /// The rows of a one-partition run, already resolved (then `seen` and
    /// `rejects` are empty).
    resolved: Option<population::Resolved>,
}

/// What reading every input once leaves for the partitions.
struct Ingested {
    /// With several partitions: the rows, one file per partition (the issues
    /// stay in `parts`, they are few).
    spill: Option<crate::spill::Spill>,
    parts: Vec<PartRows>,
    pop_columns: Vec<population::PopColumns>,
    /// Population files kept open for reading rows again (a one-partition
    /// run that writes worklists); otherwise opened again when needed.
    pop_sources: Vec<Source>,
    /// Enrollment files that say who was recorded: file index, columns, and
    /// the open file in a one-partition run.
    named: Vec<(u16, enrollment::WhoColumns, Option<Source>)>,
}

impl Ingested {
    fn take(&mut self, index: u32) -> Result<PartRows, PipelineError> {
        let mut rows = std::mem::take(&mut self.parts[index as usize]);
        // Partition 0 (processed first) never left memory.
        if let (Some(s), true) = (&self.spill, index > 0) {
            rows.seen = s.take_seen(index)?;
            rows.records = s.take_records(index)?;
        }
        Ok(rows)
    }
}

/// Linux's `madvise` advice that faults a range in for writing (5.14+).
#[cfg(target_os = "linux")]
const MADV_POPULATE_WRITE: libc::c_int = 23;

/// Have the kernel fault in `v`'s unused capacity on a thread of its own
/// (Linux's `MADV_POPULATE_WRITE`), so that the rows appended to it later
/// land in memory that is already there instead of taking a page fault
/// every 4 KB (10M Parquet: 0.97 of the wall time, 0.96 of the CPU time,
/// BENCHMARKS.md). Only for vectors of 64 MB or more; not at all when
/// `CAKUPAN_NO_PREFAULT` is set (for side-by-side benchmarks). The guard
/// waits for the thread when dropped: keep it no longer than `v` keeps its
/// allocation.
fn prefault<T>(v: &mut Vec<T>) -> Prefault {
    #[cfg(target_os = "linux")]
    {
        let spare = v.spare_capacity_mut();
        let (p, len) = (spare.as_mut_ptr() as usize, std::mem::size_of_val(spare));
        let (from, to) = ((p + 4095) & !4095, (p + len) & !4095);
        if std::env::var_os("CAKUPAN_NO_PREFAULT").is_some() || to < from + (64 << 20) {
            return Prefault(None);
        }
        // SAFETY: the range lies in `v`'s allocation, which the caller keeps
        // until the thread is joined; populating never changes what the
        // memory holds (failure only means the pages fault in later).
        let populate = move || unsafe {
            libc::madvise(from as *mut libc::c_void, to - from, MADV_POPULATE_WRITE);
        };
        Prefault(std::thread::Builder::new().name("cakupan-prefault".into()).spawn(populate).ok())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = v;
        Prefault(None)
    }
}

/// See [`prefault`].
struct Prefault(Option<std::thread::JoinHandle<()>>);

impl Drop for Prefault {
    fn drop(&mut self) {
        if let Some(h) = self.0.take() {
            let _ = h.join();
        }
    }
}

/// Rows of a file of `rows` rows expected in partition 0 of `count` (NIK
/// partitions are about equal; a little more for the unreadable NIKs).
fn share(rows: usize, count: u32) -> usize {
    if count <= 1 {
        rows
    } else {
        rows / count as usize + rows / 64
    }
}

/// Read and validate every input once, in the order given, and route each
/// row to the partition of its NIK (unreadable NIK or wrong field count:
/// partition 0). Enrollment issues and linkage queries go straight to the
/// log and `acc`; population issues wait for their partition's duplicates.
#[allow(clippy::too_many_arguments)]
fn ingest(
    cfg: &RunConfig,
    population: &[PathBuf],
    enrollment: &[PathBuf],
    count: u32,
    dir: &Path,
    log: &mut QualityLog,
    acc: &mut Acc,
    timings: &mut Vec<(String, u64)>,
) -> Result<Ingested, PipelineError> {
    let mut parts: Vec<PartRows> = (0..count).map(|_| PartRows::default()).collect();
    let mut spill = match count {
        1 => None,
        _ => {
            let by_index = |paths: &[PathBuf]| paths.iter().all(|p| crate::ingest::offset_is_row_index(p));
            Some(crate::spill::Spill::create(&dir.join(".partitions"), count, by_index(population), by_index(enrollment))?)
        }
    };
    let keep_pop = count == 1 && cfg.write_targets;
    let mut pop_sources = Vec::new();
    let mut pop_columns = Vec::new();
    for (f, path) in population.iter().enumerate() {
        let src = stage(timings, "read_population", || Source::open_hashed(path, true))?;
        let mut rows = 0u64;
        // The rows of partition 0 (all of them in a one-partition run) stay
        // in memory: they are appended as they come, into a vector sized once
        // for its share of the file (no second copy, rarely regrown). The
        // other partitions' rows wait in spill files.
        if let Some(sp) = spill.as_ref() {
            sp.check_room(&src.display, true, src.rows_hint() as u64)?;
        }
        parts[0].seen.reserve(share(src.rows_hint(), count));
        let faulting = prefault(&mut parts[0].seen);
        let cols = stage(timings, "validate_population", || {
            population::read_file(&src, f as u16, (f as u64) << 40, cfg.as_of, |chunks| {
                for c in chunks {
                    rows += c.total;
                    let Some(sp) = spill.as_mut() else {
                        let p = &mut parts[0];
                        p.seen.extend_from_slice(&c.rows);
                        p.rejects.extend(c.rejects);
                        p.warnings.extend(c.warnings);
                        continue;
                    };
                    for r in &c.rows {
                        match Part::of(r.nik(), count) {
                            0 => parts[0].seen.push(*r),
                            k => sp.push_seen(k, r)?,
                        }
                    }
                    // Issues follow their row (the chunk's rows are in seq order).
                    let part_of = |seq: u64| {
                        let k = c
                            .rows
                            .binary_search_by_key(&seq, |r| r.seq)
                            .expect("an issue belongs to a row of its chunk");
                        Part::of(c.rows[k].nik(), count) as usize
                    };
                    for (seq, i) in c.rejects {
                        parts[part_of(seq)].rejects.push((seq, i));
                    }
                    for (seq, i) in c.warnings {
                        parts[part_of(seq)].warnings.push((seq, i));
                    }
                }
                Ok(())
            })
        })?;
        drop(faulting);
        acc.inputs_pop.push(InputInfo::new("population", &src, rows)?);
        pop_columns.push(cols);
        if keep_pop {
            pop_sources.push(src);
        }
    }
    // In a one-partition run the duplicates are resolved on a thread of
    // their own while the enrollment files are validated: both leave a core
    // partly idle when run one after the other, and the rows are complete
    // once the last population file has been read. Their issues go to a log
    // of their own, taken into the run's log afterwards (no row has issues
    // in both). Measured: 10M Parquet wall 0.967 of before (8 pairs); but
    // with 7 partitions (national) the enrollment took 6-8 s longer beside
    // partition 0's 2 GB sort and the runs were slower (2 pairs), so
    // partitioned runs resolve every partition in its turn.
    let mut log0 = log.fork();
    let (resolved0, named) = std::thread::scope(|scope| {
        let resolving = (count == 1).then(|| {
            let seen = std::mem::take(&mut parts[0].seen);
            let rejects = std::mem::take(&mut parts[0].rejects);
            let log0 = &mut log0;
            scope.spawn(move || {
                let t = Instant::now();
                let r = population::resolve(seen, rejects, log0);
                (r, t.elapsed().as_millis() as u64)
            })
        });
        let named = (|| -> Result<_, PipelineError> {
            let s_days = to_days(cfg.as_of);
            let mut named = Vec::new();
            for (k, path) in enrollment.iter().enumerate() {
                let f = population.len() + k;
                let src = stage(timings, "read_enrollment", || Source::open_hashed(path, true))?;
                let mut rows = 0u64;
                if let Some(sp) = spill.as_ref() {
                    sp.check_room(&src.display, false, src.rows_hint() as u64)?;
                }
                parts[0].records.reserve(share(src.rows_hint(), count));
                let faulting = prefault(&mut parts[0].records);
                stage(timings, "validate_enrollment", || {
                    enrollment::read_file(&src, f as u16, (f as u64) << 40, |chunks| {
                        for c in chunks {
                            rows += c.rows;
                            acc.enr_rejected += c.rejects.len() as u64;
                            acc.link_queries.extend(c.link.into_iter().filter(|q| q.date <= s_days));
                            match spill.as_mut() {
                                None => parts[0].records.extend(c.records),
                                Some(sp) => {
                                    for r in &c.records {
                                        match Part::of(Some(r.nik), count) {
                                            0 => parts[0].records.push(*r),
                                            k => sp.push_record(k, r)?,
                                        }
                                    }
                                }
                            }
                            for (s, i) in c.rejects {
                                log.reject(s, i);
                            }
                            for (s, i) in c.warnings {
                                log.warn(s, i);
                            }
                        }
                        Ok(())
                    })
                })?;
                drop(faulting);
                acc.enr_rows += rows;
                acc.inputs_enr.push(InputInfo::new("enrollment", &src, rows)?);
                if let Some(who) = enrollment::WhoColumns::of(&src) {
                    named.push((f as u16, who, (count == 1).then_some(src)));
                }
            }
            Ok(named)
        })();
        (resolving.map(|h| h.join().expect("the resolve thread")), named)
    });
    let named = named?;
    if let Some((resolved, ms)) = resolved0 {
        timings.push(("resolve_duplicates".into(), ms));
        log.absorb(log0);
        parts[0].resolved = Some(resolved);
    }
    if let Some(sp) = spill.as_mut() {
        sp.finish()?;
    }
    Ok(Ingested { spill, parts, pop_columns, pop_sources, named })
}

/// One NIK partition, already validated: resolve duplicates, join, classify
/// and add the results to `acc`. Input files are read again only for the
/// worklist's names and addresses and for linkage.
#[allow(clippy::too_many_arguments)]
fn run_partition(
    cfg: &RunConfig,
    population: &[PathBuf],
    enrollment: &[PathBuf],
    part: Part,
    rows: PartRows,
    ing: &Ingested,
    dates: &Dates,
    log: &mut QualityLog,
    acc: &mut Acc,
    timings: &mut Vec<(String, u64)>,
) -> Result<(), PipelineError> {
    let last = part.index + 1 == part.count;
    let pop_columns = &ing.pop_columns;
    let PartRows { seen, rejects: pop_issues, warnings: row_warnings, records, resolved } = rows;

    // 2. Duplicates: exact copies dropped, NIK ganda rejected, first row wins
    // (a one-partition run's were resolved while the enrollment was read).
    let resolved = match resolved {
        Some(r) => r,
        None => stage(timings, "resolve_duplicates", || population::resolve(seen, pop_issues, log)),
    };
    log.add_row_warnings(row_warnings);
    acc.rows_read += resolved.rows_read;
    acc.duplicate_rows += resolved.duplicate_rows;
    acc.counted += resolved.accepted.len() as u64;
    if last {
        check_reject_rate(cfg, log, population.len(), acc.inputs_pop.iter().map(|i| i.rows).sum())?;
    }

    // 3. Enrollment: join by NIK as of S. Files that say who was recorded are
    // read again for their orphan rows (opened again if a pass closed them).
    let npop = population.len();
    let reopened: Vec<Option<Source>> = ing
        .named
        .iter()
        .map(|(f, _, s)| match s {
            Some(_) => Ok(None),
            None => Source::open_hashed(&enrollment[*f as usize - npop], false).map(Some),
        })
        .collect::<Result<_, _>>()?;
    let named_sources: Vec<(u16, &Source, enrollment::WhoColumns)> = ing
        .named
        .iter()
        .zip(&reopened)
        .map(|((f, who, s), r)| (*f, s.as_ref().or(r.as_ref()).expect("open or opened again"), *who))
        .collect();
    let has_named = !named_sources.is_empty();
    // Names and addresses are read back only when something will use them:
    // the worklist files, or linkage (enrollment files with names).
    let need_pii = cfg.write_targets || has_named;
    let reopened_pop: Vec<Source> = if need_pii && ing.pop_sources.is_empty() {
        population.iter().map(|p| Source::open_hashed(p, false)).collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    // Kept open only when `need_pii` (a one-partition run with worklists).
    let pop_sources: &[Source] = if ing.pop_sources.is_empty() { &reopened_pop } else { &ing.pop_sources };
    // Recordings that joined by NIK and say who was recorded are known
    // matches for linkage (to estimate m); a fixed 1/8 of them by NIK hash,
    // so the sample does not depend on the partitioning.
    let named: Vec<u16> = named_sources.iter().map(|(f, _, _)| *f).collect();
    let keep_matched = |r: &enrollment::Record| named.contains(&r.file()) && known_hash(r.nik) < u64::MAX / 8;
    let joined = stage(timings, "join", || {
        enrollment::join(records, &resolved.accepted, &resolved.rejected_niks, cfg.as_of, log, &keep_matched)
    });
    acc.join.add(&joined.counts);
    for (f, src, who) in &named_sources {
        let mut mine: Vec<&enrollment::Record> = joined.counting_orphans.iter().filter(|r| r.file() == *f).collect();
        mine.sort_unstable_by_key(|r| r.offset());
        let offsets: Vec<u64> = mine.iter().map(|r| r.offset()).collect();
        let qs = src.rows_at(&offsets, |_, row| who.query(row, 0, *f, "ENROLLMENT_ORPHAN", "", 0))?;
        for (r, q) in mine.into_iter().zip(qs) {
            acc.link_queries.extend(q.map(|q| enrollment::LinkQuery {
                seq: r.seq(),
                line: r.line(),
                raw_nik: data_schema::nik::format_nik(r.nik),
                date: r.date(),
                ..q
            }));
        }
    }
    if !joined.kept_matched.is_empty() {
        // The typed side from the enrollment row, the resident's side from the population row.
        let mut typed = Vec::new();
        for (f, src, who) in &named_sources {
            let mine: Vec<&(enrollment::Record, u32)> = joined.kept_matched.iter().filter(|(r, _)| r.file() == *f).collect();
            let offsets: Vec<u64> = mine.iter().map(|(r, _)| r.offset()).collect();
            let qs = src.rows_at(&offsets, |_, row| who.query(row, 0, *f, "", "", 0))?;
            typed.extend(mine.into_iter().zip(qs).filter_map(|((r, p), q)| q.map(|q| (r.nik, *p, q))));
        }
        let name_col = |f: usize| pop_columns[f].i(pcol::NAMA);
        for (f, src) in pop_sources.iter().enumerate() {
            let mut mine: Vec<&(u64, u32, enrollment::LinkQuery)> =
                typed.iter().filter(|(_, p, _)| resolved.accepted[*p as usize].file as usize == f).collect();
            mine.sort_by_key(|(_, p, _)| resolved.accepted[*p as usize].offset);
            let offsets: Vec<u64> = mine.iter().map(|(_, p, _)| resolved.accepted[*p as usize].offset).collect();
            let ni = name_col(f);
            let names = src.rows_at_columns(&offsets, Some(&[ni]), |_, row| row.get(ni).trim().to_string())?;
            for ((nik, p, q), name) in mine.into_iter().zip(names) {
                let c = &resolved.accepted[*p as usize];
                let resident = recordlink::Record {
                    id: *nik,
                    name,
                    birth: Some(c.birth),
                    female: Some(c.flags & F_FEMALE != 0),
                    area: Some(c.area),
                };
                let as_typed =
                    recordlink::Record { id: *nik, name: q.name.clone(), birth: q.birth, female: q.female, area: q.area };
                acc.known.push((known_hash(*nik), *nik, as_typed, resident));
            }
        }
    }
    drop(named_sources);
    drop(reopened);

    // 4. Area codes, classification, aggregation, trend and worklist rows.
    let regions = Regions::get();
    // Per desa code in one pass: residents' counts, all rows (for the
    // area-code check), movers (per kecamatan) and recorded residents.
    let areas = stage(timings, "aggregate", || aggregate::by_area(&resolved.accepted, &joined.first_counting, dates));
    // The kecamatan of everyone's domicile: the trend's grid rows.
    let kecs = crate::trend::kecamatans(areas.iter().map(|(area, _)| *area));
    for (area, t) in areas {
        if !regions.contains(AreaCode(area).key(Level::Desa)) {
            *acc.unknown_areas.entry(area).or_default() += t.rows;
        }
        if t.counts.residents > 0 {
            acc.desa.entry(area).or_default().add(&t.counts);
        }
        acc.residents_recorded += t.residents_recorded;
        let kec = area / 10_000;
        *acc.counted_by_kec.entry(kec).or_default() += t.rows;
        if t.movers > 0 {
            *acc.movers.entry(kec).or_default() += t.movers;
        }
    }
    stage(timings, "trend", || acc.trend.add(&resolved.accepted, &joined, dates, &kecs));
    if cfg.keep_targets || need_pii {
        let targets = stage(timings, "targets", || {
            build_targets(&resolved.accepted, &joined.first_counting, dates, pop_sources, pop_columns, need_pii)
        })?;
        acc.targets.extend(targets);
    }
    if cfg.keep_targets {
        let resident = |c: &&Candidate| c.flags & population::F_RESIDENT != 0;
        acc.resident_niks.extend(resolved.accepted.iter().filter(resident).map(|c| c.nik));
    }
    Ok(())
}

/// `--max-reject-rate`: fail when too many population rows were rejected.
fn check_reject_rate(cfg: &RunConfig, log: &QualityLog, npop: usize, rows_read: u64) -> Result<(), PipelineError> {
    let mut by: BTreeMap<&str, u64> = BTreeMap::new();
    for (seq, i) in &log.rejects {
        if let IssueKind::Reject(r) = i.kind {
            if ((*seq >> 40) as usize) < npop {
                *by.entry(r.code()).or_default() += 1;
            }
        }
    }
    let rejected: u64 = by.values().sum();
    if rows_read == 0 {
        return Ok(());
    }
    let share = rejected as f64 / rows_read as f64;
    if share <= cfg.max_reject_rate {
        return Ok(());
    }
    let summary = by.iter().map(|(k, v)| format!("  {k}: {v}")).collect::<Vec<_>>().join("\n");
    Err(PipelineError::TooManyRejects {
        what: "population",
        rejected,
        read: rows_read,
        pct: share * 100.0,
        max_pct: cfg.max_reject_rate * 100.0,
        summary,
    })
}

/// Reorder `v` so that `v[k]` becomes the old `v[perm[k]]`, in place
/// (following the permutation's cycles; `perm` is used up as scratch).
fn apply_permutation<T>(v: &mut [T], mut perm: Vec<u32>) {
    for start in 0..v.len() {
        if perm[start] as usize == start {
            continue;
        }
        let mut cur = start;
        loop {
            let src = perm[cur] as usize;
            perm[cur] = cur as u32;
            if src == start {
                break;
            }
            v.swap(cur, src);
            cur = src;
        }
    }
}

/// The worklist: eligible residents without a counting recording, with the
/// fields an officer needs to find them, read back from the input rows
/// (unsorted: the run sorts all partitions' rows together).
fn build_targets(
    accepted: &[Candidate],
    first_counting: &[i32],
    dates: &Dates,
    sources: &[Source],
    cols: &[population::PopColumns],
    need_pii: bool,
) -> Result<Vec<Target>, PipelineError> {
    use rayon::prelude::*;
    let regions = Regions::get();
    let s = to_days(dates.as_of);
    let idx = |f: usize, spec: data_schema::columns::ColumnSpec| cols[f].i(spec);
    // Who is on the worklist, per input file, in file order.
    let cut = Cutoffs::new(dates);
    let chosen: Vec<(usize, bool)> = accepted
        .par_iter()
        .zip(first_counting.par_iter())
        .enumerate()
        .filter_map(|(i, (c, &fc))| {
            let cl = class_of(c, &cut)?;
            (cl.eligible && fc == i32::MAX).then_some((i, cl.first_time))
        })
        .collect();
    let mut out = Vec::with_capacity(chosen.len());
    #[allow(clippy::needless_range_loop)] // `sources` is empty without `need_pii`
    for f in 0..cols.len() {
        let mut mine: Vec<(u64, usize, bool)> = chosen
            .iter()
            .filter(|(i, _)| accepted[*i].file as usize == f)
            .map(|&(i, ft)| (accepted[i].offset, i, ft))
            .collect();
        mine.par_sort_unstable();
        let offsets: Vec<u64> = mine.iter().map(|m| m.0).collect();
        let (ni, ri, wi, ai) = (idx(f, pcol::NAMA), idx(f, pcol::NO_RT), idx(f, pcol::NO_RW), idx(f, pcol::ALAMAT));
        let fields = if need_pii {
            sources[f].rows_at_columns(&offsets, Some(&[ni, ri, wi, ai]), |_, r| {
                (
                    r.get(ni).trim().to_string(),
                    r.get(ri).trim().to_string(),
                    r.get(wi).trim().to_string(),
                    r.get(ai).trim().to_string(),
                )
            })?
        } else {
            vec![Default::default(); offsets.len()]
        };
        out.par_extend(mine.into_par_iter().zip(fields.into_par_iter()).map(|((_, i, first_time), (name, rt, rw, address))| {
            let c = &accepted[i];
            let birth = from_days(c.birth);
            let rf = to_days(recordable_from(birth));
            let area = AreaCode(c.area);
            Target {
                nik: c.nik,
                name,
                sex: if c.flags & F_FEMALE != 0 { "P" } else { "L" },
                birth: c.birth,
                turns_17: to_days(turns_17(birth)),
                recordable_from: rf,
                recordable_at_as_of: rf <= s,
                area: c.area,
                area_code: area.to_string(),
                area_name: regions.name(area.key(Level::Desa)).unwrap_or(aggregate::UNKNOWN_NAME),
                rt,
                rw,
                address,
                category: if first_time { "first_time" } else { "backlog" },
            }
        }));
    }
    Ok(out)
}
