//! The whole query plan of one run, in one place:
//! ingest → validate → resolve duplicates → join → classify → aggregate → write.
//!
//! A later partitioned runner can call the same stages per partition (by
//! province or NIK prefix) and merge the per-desa counts, which are plain sums.

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
use data_schema::rules::{recordable_from, turns_17, Dates};
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
}

/// What a finished run reports to its caller.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub manifest: Manifest,
    pub tables: BTreeMap<Level, Vec<AreaRow>>,
}

fn stage<T>(timings: &mut Vec<(String, u64)>, name: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let r = f();
    timings.push((name.to_string(), t.elapsed().as_millis() as u64));
    r
}

/// Run the pipeline and write every machine output into `dir` (which must exist
/// and be empty; see [`crate::atomic`] for the all-or-nothing directory).
pub fn run_into(cfg: &RunConfig, dir: &Path) -> Result<RunResult, PipelineError> {
    if cfg.population.is_empty() {
        return Err(PipelineError::NoInput("population"));
    }
    if cfg.enrollment.is_empty() {
        return Err(PipelineError::NoInput("enrollment"));
    }
    let started = Instant::now();
    let dates = Dates { as_of: cfg.as_of, election: cfg.election };
    let mut timings = Vec::new();
    let mut log = QualityLog::default();
    let mut inputs = Vec::new();

    // 1. Ingest and validate the population, file by file, in the order given.
    let mut pop_sources = Vec::new();
    let mut seen = Vec::new();
    let mut row_warnings = Vec::new();
    let mut pop_columns = Vec::new();
    for path in &cfg.population {
        let src = stage(&mut timings, "read_population", || Source::open(path))?;
        let file = log.add_file(&src.display);
        let (chunks, cols) =
            stage(&mut timings, "validate_population", || population::read_file(&src, file, (file as u64) << 40, cfg.as_of))?;
        let mut rows = 0u64;
        for c in chunks {
            rows += c.rows.len() as u64;
            seen.extend(c.rows);
            row_warnings.extend(c.warnings);
        }
        inputs.push(InputInfo::new("population", &src, rows));
        pop_columns.push(cols);
        pop_sources.push(src);
    }

    // 2. Duplicates: exact copies dropped, NIK ganda rejected, first row wins.
    let resolved = stage(&mut timings, "resolve_duplicates", || population::resolve(seen, &mut log));
    log.add_row_warnings(row_warnings);
    let pop_rejected = log.rejects.iter().filter(|(_, i)| matches!(i.kind, IssueKind::Reject(_))).count() as u64;
    if resolved.rows_read > 0 {
        let share = pop_rejected as f64 / resolved.rows_read as f64;
        if share > cfg.max_reject_rate {
            let mut by: BTreeMap<&str, u64> = BTreeMap::new();
            for (_, i) in &log.rejects {
                if let IssueKind::Reject(r) = i.kind {
                    *by.entry(r.code()).or_default() += 1;
                }
            }
            let summary = by.iter().map(|(k, v)| format!("  {k}: {v}")).collect::<Vec<_>>().join("\n");
            return Err(PipelineError::TooManyRejects {
                what: "population",
                rejected: pop_rejected,
                read: resolved.rows_read,
                pct: share * 100.0,
                max_pct: cfg.max_reject_rate * 100.0,
                summary,
            });
        }
    }

    // 3. Enrollment: validate, then join by NIK as of S.
    let mut records = Vec::new();
    let mut enr_rows = 0u64;
    let mut enr_rejected = 0u64;
    for path in &cfg.enrollment {
        let src = stage(&mut timings, "read_enrollment", || Source::open(path))?;
        let file = log.add_file(&src.display);
        let chunks =
            stage(&mut timings, "validate_enrollment", || enrollment::read_file(&src, file, (file as u64) << 40))?;
        let mut rows = 0u64;
        for c in chunks {
            rows += c.rows;
            enr_rejected += c.rejects.len() as u64;
            records.extend(c.records);
            for (s, i) in c.rejects {
                log.reject(s, i);
            }
            for (s, i) in c.warnings {
                log.warn(s, i);
            }
        }
        enr_rows += rows;
        inputs.push(InputInfo::new("enrollment", &src, rows));
    }
    let joined = stage(&mut timings, "join", || {
        enrollment::join(records, &resolved.accepted, &resolved.rejected_niks, cfg.as_of, &mut log)
    });

    // 4. Area-code warnings, then classify and aggregate.
    let regions = Regions::get();
    stage(&mut timings, "check_areas", || {
        let mut unknown: BTreeMap<u64, u64> = BTreeMap::new();
        for c in &resolved.accepted {
            if !regions.contains(AreaCode(c.area).key(Level::Desa)) {
                *unknown.entry(c.area).or_default() += 1;
            }
        }
        for (area, n) in unknown {
            log.warn(
                u64::MAX,
                crate::quality::Issue::warning(
                    "",
                    0,
                    "area_code",
                    data_schema::WarningKind::AreaNotInReference,
                    &AreaCode(area).to_string(),
                    format!("{n} counted rows have this domicile code, which is not in the Kemendagri list; kept as (unknown)"),
                ),
            );
        }
    });
    let desa = stage(&mut timings, "aggregate", || aggregate::by_desa(&resolved.accepted, &joined.first_counting, &dates));
    let tables = aggregate::roll_up(&desa);

    // 5. Write the machine tables.
    let mut outputs = Vec::new();
    stage(&mut timings, "write_tables", || -> Result<(), PipelineError> {
        for (level, rows) in &tables {
            output::write_coverage(dir, level.name(), rows)?;
            outputs.push((format!("coverage_{}.csv", level.name()), false));
            outputs.push((format!("coverage_{}.parquet", level.name()), false));
        }
        let trend = weekly_trend(&resolved.accepted, &joined, &dates);
        output::write_trend(&dir.join("trend_weekly.csv"), &trend)?;
        outputs.push(("trend_weekly.csv".into(), false));
        Ok(())
    })?;
    if cfg.write_targets {
        let targets = stage(&mut timings, "targets", || {
            build_targets(&resolved.accepted, &joined.first_counting, &dates, &pop_sources, &pop_columns)
        });
        for f in stage(&mut timings, "write_targets", || output::write_targets(dir, &targets))? {
            outputs.push((f, true));
        }
    }
    log.sort();
    stage(&mut timings, "write_quality", || -> Result<(), PipelineError> {
        output::write_issues(&dir.join("rejects.csv"), "hint", &log.rejects)?;
        output::write_issues(&dir.join("warnings.csv"), "message", &log.warnings)?;
        for f in ["rejects.csv", "warnings.csv"] {
            output::restrict(&dir.join(f))?;
            outputs.push((f.to_string(), true));
        }
        Ok(())
    })?;

    // 6. The manifest: inputs, parameters, stage counts that reconcile, timings.
    let mut total = Counts::default();
    for c in desa.values() {
        total.add(c);
    }
    let residents = total.residents;
    let counted = resolved.accepted.len() as u64;
    let mut rejected_by_reason = BTreeMap::new();
    let mut enr_rejected_by_reason = BTreeMap::new();
    for (seq, i) in &log.rejects {
        if let IssueKind::Reject(r) = i.kind {
            let is_enr = (*seq >> 40) as usize >= cfg.population.len();
            let m = if is_enr { &mut enr_rejected_by_reason } else { &mut rejected_by_reason };
            *m.entry(r.code().to_string()).or_insert(0u64) += 1;
        }
    }
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
    let manifest = manifest::build(manifest::Parts {
        cfg,
        inputs,
        population: manifest::PopulationStage {
            rows_read: resolved.rows_read,
            duplicate_rows: resolved.duplicate_rows,
            rejected: pop_rejected,
            rejected_by_reason,
            counted,
            residents,
            not_resident: counted - residents,
        },
        enrollment: manifest::EnrollmentStage {
            rows_read: enr_rows,
            rejected: enr_rejected,
            rejected_by_reason: enr_rejected_by_reason,
            matched: joined.matched,
            orphan: joined.orphan,
            of_rejected_row: joined.of_rejected_row,
            counting: joined.counting_records,
            after_as_of: joined.after_as_of,
            failed_status: joined.failed_status,
            unknown_status: joined.unknown_status,
            residents_recorded: resolved
                .accepted
                .iter()
                .zip(&joined.first_counting)
                .filter(|(c, f)| c.flags & population::F_RESIDENT != 0 && **f != i32::MAX)
                .count() as u64,
        },
        warnings_by_kind,
        totals: total,
        timings,
        outputs,
    });
    manifest.check()?;
    manifest::write(&dir.join("manifest.json"), &manifest)?;
    Ok(RunResult { manifest, tables })
}

/// Recordings per (ISO week, kecamatan of domicile).
fn weekly_trend(accepted: &[Candidate], j: &enrollment::Joined, dates: &Dates) -> Vec<(String, String, u64, u64, u64)> {
    let monday = |d: i32| d - (d + 3).rem_euclid(7); // 1970-01-01 was a Thursday
    let mut m: BTreeMap<(i32, u64), (u64, u64, u64)> = BTreeMap::new();
    for &(p, d) in &j.counting {
        let c = &accepted[p as usize];
        if c.flags & population::F_RESIDENT != 0 {
            m.entry((monday(d), c.area / 10_000)).or_default().0 += 1;
        }
    }
    for (c, &f) in accepted.iter().zip(&j.first_counting) {
        if f == i32::MAX {
            continue;
        }
        if let Some(cl) = class_of(c, dates) {
            let e = m.entry((monday(f), c.area / 10_000)).or_default();
            e.1 += cl.required as u64;
            e.2 += cl.eligible as u64;
        }
    }
    let mut v: Vec<_> = m
        .into_iter()
        .map(|((wk, kec), (n, r, e))| {
            let key = data_schema::area::AreaKey { level: Level::Kecamatan, code: kec };
            (from_days(wk).to_string(), key.to_string(), n, r, e)
        })
        .collect();
    v.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    v
}

/// The worklist: eligible residents without a counting recording, with the
/// fields an officer needs to find them, read back from the input rows.
fn build_targets(
    accepted: &[Candidate],
    first_counting: &[i32],
    dates: &Dates,
    sources: &[Source],
    cols: &[population::PopColumns],
) -> Vec<Target> {
    use rayon::prelude::*;
    let regions = Regions::get();
    let s = to_days(dates.as_of);
    let idx = |f: usize, spec: data_schema::columns::ColumnSpec| {
        let k = pcol::ALL.iter().position(|x| x.name == spec.name).unwrap();
        cols[f].idx[k]
    };
    let mut t: Vec<Target> = accepted
        .par_iter()
        .zip(first_counting.par_iter())
        .filter_map(|(c, &fc)| {
            let cl = class_of(c, dates)?;
            if !cl.eligible || fc != i32::MAX {
                return None;
            }
            let f = c.file as usize;
            let (name, rt, rw, address) = sources[f].with_row(c.offset, |r| {
                (
                    r.get(idx(f, pcol::NAMA)).trim().to_string(),
                    r.get(idx(f, pcol::NO_RT)).trim().to_string(),
                    r.get(idx(f, pcol::NO_RW)).trim().to_string(),
                    r.get(idx(f, pcol::ALAMAT)).trim().to_string(),
                )
            });
            let birth = from_days(c.birth);
            let rf = to_days(recordable_from(birth));
            let area = AreaCode(c.area);
            Some(Target {
                nik: c.nik,
                name,
                sex: if c.flags & F_FEMALE != 0 { "P" } else { "L" },
                birth: c.birth,
                turns_17: to_days(turns_17(birth)),
                recordable_from: rf,
                recordable_at_as_of: rf <= s,
                area_code: area.to_string(),
                area_name: regions.name(area.key(Level::Desa)).unwrap_or(aggregate::UNKNOWN_NAME).to_string(),
                rt,
                rw,
                address,
                category: if cl.first_time { "first_time" } else { "backlog" },
            })
        })
        .collect();
    t.par_sort_by(|a, b| (&a.area_code, &a.rt, &a.rw, &a.name, a.nik).cmp(&(&b.area_code, &b.rt, &b.rw, &b.name, b.nik)));
    t
}
