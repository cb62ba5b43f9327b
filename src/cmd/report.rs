//! `cakupan report --from DIR`: re-render the human outputs without re-running.

use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// An output directory of `cakupan run` or `cakupan demo`.
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,
    #[command(flatten)]
    pub report: super::run::ReportOptions,
}

pub fn run(a: ReportArgs) -> Result<()> {
    let r = reports::render(&a.from, &a.report.to_options())
        .with_context(|| format!("rendering from {}", a.from.display()))?;
    println!("cakupan report: {} files written in {}", r.files.len(), a.from.display());
    Ok(())
}
