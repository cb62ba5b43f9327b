//! `cakupan generate`: synthetic exports with realistic mess and expected counts.

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
    Both,
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Kab/kota codes to populate, e.g. 94.04 64.72.
    #[arg(long, num_args = 1.., required = true, value_name = "PP.KK")]
    pub kab: Vec<String>,
    /// Number of population rows to generate (before damage).
    #[arg(long, default_value_t = 20_000)]
    pub residents: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[arg(long, default_value = "2024-08-26", value_parser = super::parse_day)]
    pub as_of: chrono::NaiveDate,
    #[arg(long, default_value = "2024-11-27", value_parser = super::parse_day)]
    pub election_date: chrono::NaiveDate,
    /// Clean data: no damaged rows, duplicates or orphans.
    #[arg(long)]
    pub clean: bool,
    /// csv (default), parquet (penduduk.parquet + rekam_ktpel.parquet), or both.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
}

pub fn run(a: GenerateArgs) -> Result<()> {
    let cfg = synth::Config {
        kabs: a.kab.clone(),
        residents: a.residents,
        seed: a.seed,
        as_of: a.as_of,
        election: a.election_date,
        mess: !a.clean,
    };
    let pb = super::progress();
    if let Some(pb) = &pb {
        pb.set_message(format!("generating {} residents…", a.residents));
    }
    let t = std::time::Instant::now();
    let summary = synth::generate(&cfg, &a.out).with_context(|| format!("generating into {}", a.out.display()))?;
    if a.format != Format::Csv {
        for name in ["penduduk", "rekam_ktpel"] {
            if let Some(pb) = &pb {
                pb.set_message(format!("writing {name}.parquet…"));
            }
            let csv = a.out.join(format!("{name}.csv"));
            pipeline::convert::csv_to_parquet(&csv, &a.out.join(format!("{name}.parquet")))?;
            if a.format == Format::Parquet {
                std::fs::remove_file(&csv)?;
            }
        }
    }
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    println!(
        "cakupan generate: {} population rows and {} enrollment rows in {} ({:.1}s); expected counts in expected_*.csv",
        summary.population_rows,
        summary.enrollment_rows,
        a.out.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
