//! `cakupan demo`: the same job on the embedded Kab. Mimika sample.

use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;

const POPULATION: &[u8] = include_bytes!("../../demo/penduduk.csv");
const ENROLLMENT: &[u8] = include_bytes!("../../demo/rekam_ktpel.csv");

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Output directory.
    #[arg(long, default_value = "cakupan-demo", value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub opts: super::run::JobOptions,
}

pub fn run(a: DemoArgs) -> Result<()> {
    let inputs = std::env::temp_dir().join(format!("cakupan-demo-inputs-{}", std::process::id()));
    std::fs::create_dir_all(&inputs).with_context(|| format!("creating {}", inputs.display()))?;
    let pop = inputs.join("penduduk.csv");
    let enr = inputs.join("rekam_ktpel.csv");
    std::fs::write(&pop, POPULATION)?;
    std::fs::write(&enr, ENROLLMENT)?;
    println!("cakupan demo: Kabupaten Mimika (94.04), 18 distrik, as of 2024-08-26 for Pilkada 2024-11-27");
    let partitions = a.opts.partitions(std::slice::from_ref(&pop), std::slice::from_ref(&enr))?;
    let cfg = pipeline::RunConfig {
        population: vec![pop],
        enrollment: vec![enr],
        partitions,
        link_threshold: a.opts.link_threshold,
        election: chrono::NaiveDate::from_ymd_opt(2024, 11, 27).unwrap(),
        as_of: chrono::NaiveDate::from_ymd_opt(2024, 8, 26).unwrap(),
        max_reject_rate: a.opts.max_reject_rate,
        write_targets: !a.opts.no_pii,
        keep_targets: !a.opts.plan.schools.is_empty(),
    };
    let plan = a.opts.plan.to_options(&a.opts);
    let r = super::run::execute_planned(&cfg, &a.out, &a.opts.report, Some(&plan));
    let _ = std::fs::remove_dir_all(&inputs);
    r
}
