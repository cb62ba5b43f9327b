//! The recording-drive planning flags of `cakupan run` and `demo` (issue 4).

use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
pub struct PlanArgs {
    /// School roster(s), Dapodik style: NIK, NPSN, NAMA_SEKOLAH, optional KELAS and the school's
    /// KODE_WILAYAH; CSV, Parquet or XLSX. Gives schools.csv and per-school worklists.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub schools: Vec<PathBuf>,
    /// Mobile recording units available for the drive.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub units: u32,
    /// Recordings one unit can make in a working day.
    #[arg(long, default_value_t = 150, value_parser = clap::value_parser!(u32).range(1..))]
    pub per_unit_per_day: u32,
    /// First day of the drive (default: the day after --as-of). The drive ends the day before polling day.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_day)]
    pub start: Option<chrono::NaiveDate>,
    /// Working days of the units: a range (mon-sat, mon-fri) or a list (mon,tue,thu).
    #[arg(long, default_value = "mon-sat", value_parser = planner::calendar::Workdays::parse)]
    pub workdays: planner::calendar::Workdays,
    /// Worklists: list first-time voters who turn 17 on or after this date (the backlog is always listed).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_day)]
    pub worklist_from: Option<chrono::NaiveDate>,
    /// Worklists: list first-time voters who turn 17 on or before this date (the backlog is always listed).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_day)]
    pub worklist_to: Option<chrono::NaiveDate>,
    /// Write NIKs masked (940401********0001) in every output that holds one.
    #[arg(long)]
    pub mask_nik: bool,
}

impl PlanArgs {
    pub fn to_options(&self, job: &super::run::JobOptions) -> planner::Options {
        planner::Options {
            target_pct: job.report.target_pct,
            units: self.units,
            per_unit_per_day: self.per_unit_per_day,
            start: self.start,
            workdays: self.workdays,
            schools: self.schools.clone(),
            worklist_from: self.worklist_from,
            worklist_to: self.worklist_to,
            mask_nik: self.mask_nik,
            pii: !job.no_pii,
            lang: if job.report.lang == "en" { planner::Lang::En } else { planner::Lang::Id },
            max_reject_rate: job.max_reject_rate,
        }
    }
}
