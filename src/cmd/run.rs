//! `cakupan run`: the contract's command line.

use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Population export(s) (SIAK BIODATA_WNI style): CSV, Parquet or XLSX, read in the order given.
    #[arg(long, num_args = 1.., required = true, value_name = "FILE")]
    pub population: Vec<PathBuf>,
    /// KTP-el enrollment export(s): CSV, Parquet or XLSX.
    #[arg(long, num_args = 1.., required = true, value_name = "FILE")]
    pub enrollment: Vec<PathBuf>,
    /// Polling day E, e.g. 2024-11-27 (Pilkada 2024).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_day)]
    pub election_date: chrono::NaiveDate,
    /// The date the exports describe (S). Recordings after it do not count.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_day)]
    pub as_of: chrono::NaiveDate,
    /// Output directory (replaced only when the run succeeds).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub opts: JobOptions,
}

/// Options shared by `run` and `demo`.
#[derive(Args, Debug, Clone)]
pub struct JobOptions {
    /// Fail when more than this share of population rows is rejected: 0.05 or 5%.
    #[arg(long, default_value = "5%", value_parser = super::parse_rate)]
    pub max_reject_rate: f64,
    /// Do not write the personal-data worklist (targets.*).
    #[arg(long)]
    pub no_pii: bool,
    /// Memory the run may use, e.g. 8G, 512M or 50% (of this machine's memory;
    /// the default). Beyond it the run is split into NIK partitions processed
    /// one after another, with identical results.
    #[arg(long, value_name = "SIZE", default_value = "50%", value_parser = super::parse_size)]
    pub memory_budget: u64,
    /// Probabilistic linkage of recordings whose NIK cannot be joined (when the
    /// enrollment file has NAMA_LGKP): links at or above this match
    /// probability are "probable" (linkage.csv, coverage_range.csv).
    #[arg(long, value_name = "P", default_value_t = 0.9)]
    pub link_threshold: f64,
    /// Process the data in exactly N NIK partitions (overrides --memory-budget).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub partitions: Option<u32>,
    #[command(flatten)]
    pub report: ReportOptions,
    #[command(flatten)]
    pub plan: super::planning::PlanArgs,
}

impl JobOptions {
    /// `--partitions`, or as many as `--memory-budget` needs for these inputs.
    pub fn partitions(&self, population: &[PathBuf], enrollment: &[PathBuf]) -> Result<u32> {
        if let Some(n) = self.partitions {
            return Ok(n);
        }
        Ok(pipeline::plan::partitions_for_budget(population, enrollment, self.memory_budget)?)
    }
}

/// Options of the human outputs (charts, report, spreadsheet).
#[derive(Args, Debug, Clone)]
pub struct ReportOptions {
    /// Language of charts, report and spreadsheet: id (Bahasa Indonesia) or en.
    #[arg(long, default_value = "id", value_parser = ["id", "en"])]
    pub lang: String,
    /// Coverage target in percent, drawn on charts.
    #[arg(long, default_value_t = 95.0)]
    pub target_pct: f64,
    /// Show counts below N as "<N" in the report and spreadsheet (outputs that leave the office).
    #[arg(long, value_name = "N")]
    pub suppress_below: Option<u64>,
    /// Write only the machine tables: no charts, report or spreadsheet.
    #[arg(long)]
    pub no_report: bool,
}

impl ReportOptions {
    pub fn to_options(&self) -> reports::Options {
        reports::Options {
            lang: if self.lang == "en" { reports::Lang::En } else { reports::Lang::Id },
            target_pct: self.target_pct,
            suppress_below: self.suppress_below,
        }
    }
}

pub fn run(a: RunArgs) -> Result<()> {
    let partitions = a.opts.partitions(&a.population, &a.enrollment)?;
    let cfg = pipeline::RunConfig {
        population: a.population,
        enrollment: a.enrollment,
        election: a.election_date,
        as_of: a.as_of,
        max_reject_rate: a.opts.max_reject_rate,
        write_targets: !a.opts.no_pii,
        keep_targets: !a.opts.plan.schools.is_empty(),
        partitions,
        link_threshold: a.opts.link_threshold,
    };
    let plan = a.opts.plan.to_options(&a.opts);
    execute_planned(&cfg, &a.out, &a.opts.report, Some(&plan))
}

/// Run the job, print where the outputs are and the headline figures. With
/// `plan`, the recording-drive plan, schools and worklists (`planner::apply`)
/// are written before the report is drawn.
pub fn execute_planned(
    cfg: &pipeline::RunConfig,
    out: &std::path::Path,
    report: &ReportOptions,
    plan: Option<&planner::Options>,
) -> Result<()> {
    let pb = super::progress();
    let mut planned: Option<planner::Outcome> = None;
    if let Some(pb) = &pb {
        pb.set_message(format!("cakupan: reading {} population and {} enrollment file(s)…", cfg.population.len(), cfg.enrollment.len()));
    }
    let opts = report.to_options();
    let res = pipeline::run(cfg, out, |dir, res| {
        if let Some(p) = plan {
            if let Some(pb) = &pb {
                pb.set_message("cakupan: planning the recording drive, schools and worklists…");
            }
            planned = Some(planner::apply(dir, cfg, res, p).map_err(|e| format!("planning the drive: {e:#}"))?);
        }
        if report.no_report {
            return Ok(());
        }
        if let Some(pb) = &pb {
            pb.set_message("cakupan: drawing charts, maps, report.html and cakupan.xlsx…");
        }
        reports::render(dir, &opts).map(|_| ()).map_err(|e| format!("rendering the report: {e}"))
    });
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    let (res, dir) = res.context("the run failed; no outputs were written")?;
    print_headline(&res.manifest, &dir);
    if let Some(p) = planned {
        for line in p.headline {
            println!("{line}");
        }
    }
    Ok(())
}

fn print_headline(m: &pipeline::manifest::Manifest, dir: &std::path::Path) {
    let t = &m.totals;
    let p = &m.population;
    let e = &m.enrollment;
    let pct = |x: Option<f64>| x.map(|v| format!("{v:.2}%")).unwrap_or_else(|| "-".into());
    println!("cakupan {}: outputs in {}", m.program.version, dir.display());
    if m.parameters.look_back {
        println!(
            "note: as-of date {} is after polling day {}: this is a look back",
            m.parameters.as_of, m.parameters.election_date
        );
    }
    println!("  as of {}, polling day {}", m.parameters.as_of, m.parameters.election_date);
    println!(
        "  population rows {}: {} counted ({} residents), {} exact duplicates dropped, {} rejected (rejects.csv)",
        p.rows_read, p.counted, p.residents, p.duplicate_rows, p.rejected
    );
    println!(
        "  enrollment rows {}: {} matched, {} orphan, {} of rejected rows, {} after as-of, {} rejected",
        e.rows_read, e.matched, e.orphan, e.of_rejected_row, e.after_as_of, e.rejected
    );
    println!("  wajib KTP-el: {} of {} recorded ({})", t.required_recorded, t.required, pct(t.required_coverage_pct));
    println!(
        "  eligible voters: {} of {} recorded ({}); {} without KTP-el",
        t.eligible_recorded,
        t.eligible,
        pct(t.eligible_coverage_pct),
        t.eligible_unrecorded
    );
    println!(
        "  first-time voters: {}, of whom {} without KTP-el; backlog (already 17 or married): {}",
        t.first_time, t.first_time_unrecorded, t.backlog_unrecorded
    );
}
