//! Recording-drive planning (issue 4): turns a run's coverage into a plan.
//!
//! [`apply`] runs after the pipeline has written its machine tables into the
//! staging directory and before the report is drawn. It writes:
//!
//! * `schools.csv` (with `--schools`): per-school counts, no personal data;
//!   `schools_rejects.csv`: rejected roster rows (personal data, 0600);
//! * `projection.csv`: coverage projected to polling day at the last 8 complete
//!   weeks' rate;
//! * `plan_summary.csv`, `plan.csv`, `plan.txt`: recordings and unit-days
//!   needed per kecamatan, the ranked allocation and the day-by-day schedule;
//! * `restricted/` (0700; files 0600; not with `--no-pii`): worklists per
//!   kecamatan and per school (CSV + XLSX), students not in the population;
//! * with `--mask-nik`: NIKs masked in worklists, `targets.*`, and the raw
//!   values of NIK columns in `rejects.csv`/`warnings.csv`;
//! * `manifest.json` again, with the new files in `outputs` and a `planning`
//!   section.

pub mod calendar;
pub mod drive;
pub mod privacy;
pub mod projection;
pub mod roster;
mod text;
pub mod worklist;

use anyhow::Context;
use chrono::NaiveDate;
use data_schema::area::{AreaKey, Level};
use data_schema::nik::{format_nik, mask_nik};
use data_schema::regions::Regions;
use drive::{Kecamatan, SchoolStop};
use pipeline::{RunConfig, RunResult};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Id,
    En,
}

/// The planning flags of `cakupan run` / `demo`.
#[derive(Debug, Clone)]
pub struct Options {
    pub target_pct: f64,
    pub units: u32,
    pub per_unit_per_day: u32,
    /// First day of the drive; default the day after the as-of date.
    pub start: Option<NaiveDate>,
    pub workdays: calendar::Workdays,
    pub schools: Vec<PathBuf>,
    /// Worklist window on the date people turn 17 (the backlog is always listed).
    pub worklist_from: Option<NaiveDate>,
    pub worklist_to: Option<NaiveDate>,
    pub mask_nik: bool,
    /// Write personal-data files (worklists); false with `--no-pii`.
    pub pii: bool,
    pub lang: Lang,
    pub max_reject_rate: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            target_pct: 95.0,
            units: 1,
            per_unit_per_day: 150,
            start: None,
            workdays: calendar::Workdays::MON_SAT,
            schools: Vec::new(),
            worklist_from: None,
            worklist_to: None,
            mask_nik: false,
            pii: true,
            lang: Lang::Id,
            max_reject_rate: 0.05,
        }
    }
}

/// The `planning` section of `manifest.json`.
#[derive(Debug, Clone, Serialize)]
pub struct PlanningInfo {
    pub target_pct: f64,
    pub units: u32,
    pub per_unit_per_day: u32,
    pub workdays: String,
    pub first_day: Option<String>,
    pub last_day: Option<String>,
    pub working_days: u64,
    pub unit_days_available: u64,
    pub unit_days_needed: u64,
    pub unit_days_allocated: u64,
    pub unit_days_spare: u64,
    pub recordings_needed: u64,
    pub recordings_planned: u64,
    pub kecamatan: u64,
    pub kecamatan_below_target_now: u64,
    pub kecamatan_below_target_after_plan: u64,
    pub projection_weeks: i64,
    pub kecamatan_will_miss_target_without_drive: u64,
    pub mask_nik: bool,
    pub worklists: Option<WorklistInfo>,
    pub schools: Option<SchoolsInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WorklistInfo {
    /// `turns_17` window; people outside it are listed only if backlog.
    pub turns_17_from: Option<String>,
    pub turns_17_to: Option<String>,
    pub rows: u64,
    pub kecamatan_files: u64,
    pub school_files: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SchoolsInfo {
    pub files: Vec<String>,
    pub rows_read: u64,
    pub duplicate_rows: u64,
    pub rejected: u64,
    pub students: u64,
    pub schools: u64,
    pub students_in_population: u64,
    pub students_not_in_population: u64,
    pub eligible_unrecorded: u64,
    pub first_time_unrecorded: u64,
}

/// What the caller prints.
pub struct Outcome {
    pub info: PlanningInfo,
    pub headline: Vec<String>,
}

/// One row of `schools.csv`.
#[derive(Debug, Clone)]
pub struct SchoolRow {
    pub npsn: String,
    pub name: String,
    pub area_code: String,
    pub area_name: String,
    pub area_source: &'static str,
    pub kecamatan: Option<String>,
    pub students: u64,
    pub in_population: u64,
    pub eligible_unrecorded: u64,
    pub first_time_unrecorded: u64,
}

fn pct2(n: u64, d: u64) -> String {
    pipeline::aggregate::pct(n, d).map(|v| format!("{v:.2}")).unwrap_or_default()
}

fn csv_out(dir: &Path, name: &str) -> anyhow::Result<csv::Writer<std::fs::File>> {
    csv::Writer::from_path(dir.join(name)).with_context(|| format!("writing {name}"))
}

fn kec_of(area_code: &str) -> String {
    area_code.get(..8).unwrap_or(area_code).to_string()
}

/// Per-school counts from the roster, the residents and the targets.
pub fn school_rows(r: &roster::Roster, res: &RunResult) -> (Vec<SchoolRow>, Vec<usize>) {
    let regions = Regions::get();
    let tidx: HashMap<u64, usize> = res.targets.iter().enumerate().map(|(i, t)| (t.nik, i)).collect();
    let mut stats: BTreeMap<&str, (u64, u64, u64, u64, BTreeMap<String, u64>)> = BTreeMap::new();
    let mut missing = Vec::new();
    for (i, s) in r.students.iter().enumerate() {
        let e = stats.entry(&s.npsn).or_default();
        e.0 += 1;
        if res.resident_niks.binary_search(&s.nik).is_ok() {
            e.1 += 1;
        } else {
            missing.push(i);
        }
        if let Some(&ti) = tidx.get(&s.nik) {
            let t = &res.targets[ti];
            e.2 += 1;
            e.3 += (t.category == "first_time") as u64;
            *e.4.entry(kec_of(&t.area_code)).or_default() += 1;
        }
    }
    let mut rows: Vec<SchoolRow> = stats
        .into_iter()
        .map(|(npsn, (n, inp, unrec, first, votes))| {
            let sch = &r.schools[npsn];
            let (area_code, area_name, source, kec) = match sch.area {
                Some(k) => {
                    let kec = if k.level == Level::Desa { k.parent().unwrap() } else { k };
                    (k.to_string(), regions.name(k).unwrap_or("(unknown)").to_string(), "roster", Some(kec.to_string()))
                }
                None => match votes.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) {
                    Some((kc, _)) => {
                        let name = AreaKey::parse(kc).and_then(|k| regions.name(k)).unwrap_or("(unknown)").to_string();
                        (kc.clone(), name, "students", Some(kc.clone()))
                    }
                    None => (String::new(), String::new(), "", None),
                },
            };
            SchoolRow {
                npsn: npsn.to_string(),
                name: sch.name.clone(),
                area_code,
                area_name,
                area_source: source,
                kecamatan: kec,
                students: n,
                in_population: inp,
                eligible_unrecorded: unrec,
                first_time_unrecorded: first,
            }
        })
        .collect();
    rows.sort_by(|a, b| b.eligible_unrecorded.cmp(&a.eligible_unrecorded).then(a.npsn.cmp(&b.npsn)));
    (rows, missing)
}

/// Write every planning output into `dir` (the run's staging directory) and
/// rewrite its manifest. See the crate docs for the files.
pub fn apply(dir: &Path, cfg: &RunConfig, res: &RunResult, o: &Options) -> anyhow::Result<Outcome> {
    let (s, e) = (cfg.as_of, cfg.election);
    let bp = drive::basis_points(o.target_pct);
    let k = o.per_unit_per_day.max(1) as u64;
    let nik_text: fn(u64) -> String = if o.mask_nik { mask_nik } else { format_nik };
    let mut outputs: Vec<(String, bool)> = Vec::new();
    let kec_rows = res.tables.get(&Level::Kecamatan).cloned().unwrap_or_default();
    let kecs: Vec<Kecamatan> = kec_rows
        .iter()
        .map(|r| Kecamatan {
            code: r.key.to_string(),
            name: r.name.clone(),
            eligible: r.counts.eligible,
            eligible_recorded: r.counts.eligible_recorded,
            first_time_unrecorded: r.counts.first_time_unrecorded,
        })
        .collect();

    // 1. School roster.
    let roster = if o.schools.is_empty() { None } else { Some(roster::read(&o.schools, o.max_reject_rate)?) };
    let (schools, missing) = match &roster {
        Some(r) => school_rows(r, res),
        None => (Vec::new(), Vec::new()),
    };
    if let Some(r) = &roster {
        let mut w = csv_out(dir, "schools_rejects.csv")?;
        w.write_record(["file", "line", "column", "reason", "raw_value", "hint"])?;
        for x in &r.rejects {
            let raw = if o.mask_nik && x.column == "NIK" { privacy::mask_raw(&x.raw) } else { x.raw.clone() };
            w.write_record([&x.file, &x.line.to_string(), &x.column, x.reason, &raw, &x.hint])?;
        }
        w.flush()?;
        privacy::restrict_file(&dir.join("schools_rejects.csv"))?;
        outputs.push(("schools_rejects.csv".into(), true));

        let mut w = csv_out(dir, "schools.csv")?;
        w.write_record([
            "npsn", "school_name", "area_code", "area_name", "area_source", "students", "students_in_population",
            "students_not_in_population", "eligible_unrecorded", "first_time_unrecorded",
        ])?;
        for x in &schools {
            w.write_record([
                &x.npsn,
                &x.name,
                &x.area_code,
                &x.area_name,
                x.area_source,
                &x.students.to_string(),
                &x.in_population.to_string(),
                &(x.students - x.in_population).to_string(),
                &x.eligible_unrecorded.to_string(),
                &x.first_time_unrecorded.to_string(),
            ])?;
        }
        w.flush()?;
        outputs.push(("schools.csv".into(), false));
    }

    // 2. Projection at the last 8 complete weeks' rate.
    let rates = projection::weekly_rates(&dir.join("trend_weekly.csv"), s)?;
    let weeks = projection::weeks_left(s, e);
    let projections: Vec<projection::Projection> =
        kecs.iter().map(|c| projection::project(c, rates.get(&c.code).copied().unwrap_or(0.0), weeks, bp)).collect();
    {
        let mut w = csv_out(dir, "projection.csv")?;
        w.write_record([
            "area_code", "area_name", "eligible", "eligible_recorded", "weekly_rate", "projected_recorded_at_e",
            "projected_pct_at_e", "will_miss_target", "eligible_coverage_pct", "target_pct", "shortfall_at_e",
        ])?;
        for p in &projections {
            w.write_record([
                &p.kec.code,
                &p.kec.name,
                &p.kec.eligible.to_string(),
                &p.kec.eligible_recorded.to_string(),
                &format!("{:.2}", p.weekly_rate),
                &p.projected_recorded.to_string(),
                &pct2(p.projected_recorded, p.kec.eligible),
                &p.will_miss_target.to_string(),
                &pct2(p.kec.eligible_recorded, p.kec.eligible),
                &format!("{}", bp as f64 / 100.0),
                &p.shortfall.to_string(),
            ])?;
        }
        w.flush()?;
        outputs.push(("projection.csv".into(), false));
    }

    // 3. The drive: working days, allocation, schedule.
    let start = o.start.unwrap_or(s + chrono::Duration::days(1));
    let last = e - chrono::Duration::days(1);
    let days = calendar::working_days(start, last, o.workdays);
    let available = o.units as u64 * days.len() as u64;
    let plans = drive::allocate(&kecs, bp, k, available);
    let mut by_kec: HashMap<String, Vec<SchoolStop>> = HashMap::new();
    for x in &schools {
        if let Some(kc) = &x.kecamatan {
            by_kec.entry(kc.clone()).or_default().push(SchoolStop {
                npsn: x.npsn.clone(),
                name: x.name.clone(),
                students: x.eligible_unrecorded,
            });
        }
    }
    let sched = drive::schedule(&plans, &days, o.units, k, &|c: &str| by_kec.get(c).cloned().unwrap_or_default());
    {
        let mut w = csv_out(dir, "plan.csv")?;
        w.write_record(["date", "unit", "area_code", "area_name", "planned_recordings", "schools"])?;
        for d in &sched {
            let sch = d
                .schools
                .iter()
                .map(|(x, n)| format!("{} {} ({n})", x.npsn, x.name))
                .collect::<Vec<_>>()
                .join("; ");
            w.write_record([
                &d.date.to_string(),
                &d.unit.to_string(),
                &d.area_code,
                &d.area_name,
                &d.planned_recordings.to_string(),
                &sch,
            ])?;
        }
        w.flush()?;
        outputs.push(("plan.csv".into(), false));
    }
    {
        let mut w = csv_out(dir, "plan_summary.csv")?;
        w.write_record([
            "area_code", "area_name", "eligible", "eligible_recorded", "eligible_unrecorded", "eligible_coverage_pct",
            "first_time_unrecorded", "backlog_unrecorded", "target_pct", "recordings_needed", "unit_days_needed",
            "priority_rank", "unit_days_allocated", "planned_recordings", "coverage_pct_after_plan", "reaches_target",
            "first_day", "last_day", "schools", "schools_scheduled", "projected_pct_at_e",
            "will_miss_target_without_drive",
        ])?;
        for (p, pr) in plans.iter().zip(&projections) {
            let c = &p.kec;
            let mine: Vec<&drive::Day> = sched.iter().filter(|d| d.area_code == c.code).collect();
            let n_sch = by_kec.get(&c.code).map(|v| v.iter().filter(|x| x.students > 0).count()).unwrap_or(0);
            let mut visited: Vec<&str> = mine.iter().flat_map(|d| d.schools.iter().map(|x| x.0.npsn.as_str())).collect();
            visited.sort_unstable();
            visited.dedup();
            let unrec = c.eligible - c.eligible_recorded;
            w.write_record([
                &c.code,
                &c.name,
                &c.eligible.to_string(),
                &c.eligible_recorded.to_string(),
                &unrec.to_string(),
                &pct2(c.eligible_recorded, c.eligible),
                &c.first_time_unrecorded.to_string(),
                &(unrec - c.first_time_unrecorded).to_string(),
                &format!("{}", bp as f64 / 100.0),
                &p.needed.to_string(),
                &p.unit_days_needed.to_string(),
                &p.rank.map(|r| r.to_string()).unwrap_or_default(),
                &p.unit_days_allocated.to_string(),
                &p.planned_recordings.to_string(),
                &pct2(c.eligible_recorded + p.planned_recordings, c.eligible),
                &p.reaches_target().to_string(),
                &mine.first().map(|d| d.date.to_string()).unwrap_or_default(),
                &mine.last().map(|d| d.date.to_string()).unwrap_or_default(),
                &n_sch.to_string(),
                &visited.len().to_string(),
                &pct2(pr.projected_recorded, c.eligible),
                &pr.will_miss_target.to_string(),
            ])?;
        }
        w.flush()?;
        outputs.push(("plan_summary.csv".into(), false));
    }

    // 4. Worklists and the list of students not in the population (personal data).
    let mut wl_info = None;
    if o.pii {
        let rdir = dir.join("restricted");
        privacy::restricted_dir(&rdir)?;
        let student_of: HashMap<u64, worklist::SchoolRef> = roster
            .as_ref()
            .map(|r| {
                r.students
                    .iter()
                    .map(|st| {
                        let name = r.schools.get(&st.npsn).map(|x| x.name.clone()).unwrap_or_default();
                        (st.nik, worklist::SchoolRef { npsn: st.npsn.clone(), name, kelas: st.kelas.clone() })
                    })
                    .collect()
            })
            .unwrap_or_default();
        if let Some(r) = &roster {
            let p = rdir.join("students_not_in_population.csv");
            let mut w = csv::Writer::from_path(&p)?;
            w.write_record(["nik", "npsn", "school_name", "kelas", "file", "line"])?;
            for &i in &missing {
                let st = &r.students[i];
                let name = r.schools.get(&st.npsn).map(|x| x.name.as_str()).unwrap_or("");
                w.write_record([&nik_text(st.nik), &st.npsn, name, &st.kelas, &st.file, &st.line.to_string()])?;
            }
            w.flush()?;
            privacy::restrict_file(&p)?;
            outputs.push(("restricted/students_not_in_population.csv".into(), true));
        }
        let (from, to) = (o.worklist_from.map(data_schema::date::to_days), o.worklist_to.map(data_schema::date::to_days));
        let keep = |t: &pipeline::output::Target| {
            t.category != "first_time" || (from.is_none_or(|f| t.turns_17 >= f) && to.is_none_or(|x| t.turns_17 <= x))
        };
        let listed: Vec<&pipeline::output::Target> = res.targets.iter().filter(|t| keep(t)).collect();
        let note = text::privacy_note(o.lang);
        let mut kec_files = 0u64;
        let kdir = rdir.join("kecamatan");
        privacy::restricted_dir(&kdir)?;
        let hk = worklist::headers(worklist::Kind::Kecamatan, o.lang, s);
        // One file per kecamatan, written in parallel (rows are already sorted by area).
        let mut ranges = Vec::new();
        let mut i = 0;
        while i < listed.len() {
            let kc = kec_of(&listed[i].area_code);
            let mut j = i;
            while j < listed.len() && kec_of(&listed[j].area_code) == kc {
                j += 1;
            }
            ranges.push((i, j, kc));
            i = j;
        }
        use rayon::prelude::*;
        let written: Vec<anyhow::Result<[std::path::PathBuf; 2]>> = ranges
            .par_iter()
            .map(|(i, j, kc)| {
                let kname = kecs.iter().find(|c| &c.code == kc).map(|c| c.name.clone()).unwrap_or_default();
                let rows: Vec<Vec<worklist::Cell>> = listed[*i..*j]
                    .iter()
                    .enumerate()
                    .map(|(n, t)| {
                        worklist::row(worklist::Kind::Kecamatan, o.lang, n + 1, t, &nik_text(t.nik), student_of.get(&t.nik))
                    })
                    .collect();
                let stem = kdir.join(format!("{}_{}", kc, worklist::slug(&kname)));
                let title = text::worklist_title(o.lang, &format!("{kname} ({kc})"), s, e);
                worklist::write(&stem, &title, note, &hk, &rows)
            })
            .collect();
        for w in written {
            for p in w? {
                outputs.push((rel(dir, &p), true));
            }
            kec_files += 1;
        }
        let mut school_files = 0u64;
        if let Some(r) = &roster {
            let sdir = rdir.join("sekolah");
            privacy::restricted_dir(&sdir)?;
            let hs = worklist::headers(worklist::Kind::School, o.lang, s);
            let mut per: BTreeMap<&str, Vec<(&worklist::SchoolRef, &pipeline::output::Target)>> = BTreeMap::new();
            for t in &listed {
                if let Some(sr) = student_of.get(&t.nik) {
                    per.entry(sr.npsn.as_str()).or_default().push((sr, t));
                }
            }
            for (npsn, mut v) in per {
                v.sort_by(|a, b| (&a.0.kelas, &a.1.name, a.1.nik).cmp(&(&b.0.kelas, &b.1.name, b.1.nik)));
                let sname = r.schools.get(npsn).map(|x| x.name.clone()).unwrap_or_default();
                let rows: Vec<Vec<worklist::Cell>> = v
                    .iter()
                    .enumerate()
                    .map(|(n, (sr, t))| worklist::row(worklist::Kind::School, o.lang, n + 1, t, &nik_text(t.nik), Some(sr)))
                    .collect();
                let stem = sdir.join(format!("{}_{}", worklist::slug(npsn), worklist::slug(&sname)));
                let title = text::worklist_title(o.lang, &format!("{sname} (NPSN {npsn})"), s, e);
                for p in worklist::write(&stem, &title, note, &hs, &rows)? {
                    outputs.push((rel(dir, &p), true));
                }
                school_files += 1;
            }
        }
        wl_info = Some(WorklistInfo {
            turns_17_from: o.worklist_from.map(|d| d.to_string()),
            turns_17_to: o.worklist_to.map(|d| d.to_string()),
            rows: listed.len() as u64,
            kecamatan_files: kec_files,
            school_files,
        });
    }

    // 5. --mask-nik: targets.* and the raw values in rejects/warnings.
    if o.mask_nik {
        if cfg.write_targets {
            pipeline::output::write_targets_with(dir, &res.targets, mask_nik)?;
        }
        for f in ["rejects.csv", "warnings.csv"] {
            privacy::mask_issue_file(&dir.join(f))?;
        }
    }

    // 6. Summary, plan.txt, manifest.
    let below_after: Vec<&drive::KecPlan> = plans.iter().filter(|p| !p.reaches_target()).collect();
    let info = PlanningInfo {
        target_pct: bp as f64 / 100.0,
        units: o.units,
        per_unit_per_day: o.per_unit_per_day,
        workdays: o.workdays.names(),
        first_day: days.first().map(|d| d.to_string()),
        last_day: days.last().map(|d| d.to_string()),
        working_days: days.len() as u64,
        unit_days_available: available,
        unit_days_needed: plans.iter().map(|p| p.unit_days_needed).sum(),
        unit_days_allocated: plans.iter().map(|p| p.unit_days_allocated).sum(),
        unit_days_spare: available - plans.iter().map(|p| p.unit_days_allocated).sum::<u64>(),
        recordings_needed: plans.iter().map(|p| p.needed).sum(),
        recordings_planned: plans.iter().map(|p| p.planned_recordings).sum(),
        kecamatan: plans.len() as u64,
        kecamatan_below_target_now: plans.iter().filter(|p| p.needed > 0).count() as u64,
        kecamatan_below_target_after_plan: below_after.len() as u64,
        projection_weeks: projection::WEEKS,
        kecamatan_will_miss_target_without_drive: projections.iter().filter(|p| p.will_miss_target).count() as u64,
        mask_nik: o.mask_nik,
        worklists: wl_info,
        schools: roster.as_ref().map(|r| SchoolsInfo {
            files: o.schools.iter().map(|p| p.display().to_string()).collect(),
            rows_read: r.rows_read,
            duplicate_rows: r.duplicate_rows,
            rejected: r.rejected,
            students: r.students.len() as u64,
            schools: schools.len() as u64,
            students_in_population: schools.iter().map(|x| x.in_population).sum(),
            students_not_in_population: missing.len() as u64,
            eligible_unrecorded: schools.iter().map(|x| x.eligible_unrecorded).sum(),
            first_time_unrecorded: schools.iter().map(|x| x.first_time_unrecorded).sum(),
        }),
    };
    let plan_txt = text::plan_txt(o.lang, cfg, &info, &plans, &projections, &schools);
    std::fs::write(dir.join("plan.txt"), &plan_txt)?;
    outputs.push(("plan.txt".into(), false));

    let mut m = res.manifest.clone();
    for (path, personal_data) in outputs {
        m.outputs.push(pipeline::manifest::OutputInfo { path, personal_data });
    }
    #[derive(Serialize)]
    struct WithPlanning<'a> {
        #[serde(flatten)]
        manifest: &'a pipeline::manifest::Manifest,
        planning: &'a PlanningInfo,
    }
    let js = serde_json::to_string_pretty(&WithPlanning { manifest: &m, planning: &info })?;
    std::fs::write(dir.join("manifest.json"), js + "\n")?;

    let headline = text::headline(o.lang, &info);
    Ok(Outcome { info, headline })
}

fn rel(dir: &Path, p: &Path) -> String {
    p.strip_prefix(dir).unwrap_or(p).to_string_lossy().replace('\\', "/")
}
