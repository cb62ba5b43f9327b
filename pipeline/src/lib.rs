//! The cakupan pipeline: ingest → validate → join → classify → aggregate → write.
//!
//! The whole query plan is in [`plan`]; polars is used only in [`frame`].
//! Start at [`run`].

pub mod aggregate;
pub mod atomic;
pub mod convert;
pub mod enrollment;
pub mod error;
pub mod frame;
pub mod ingest;
pub mod link;
pub mod manifest;
pub mod output;
pub mod plan;
pub mod population;
pub mod quality;
pub mod quality_report;
pub mod spill;
pub mod trend;

pub use error::PipelineError;
pub use plan::{RunConfig, RunResult};

use std::path::Path;

/// Run the pipeline into `out` all-or-nothing. `extra` may add more files
/// (charts, report) into the staging directory before it is moved into place.
pub fn run(
    cfg: &RunConfig,
    out: &Path,
    extra: impl FnOnce(&Path, &RunResult) -> Result<(), String>,
) -> Result<(RunResult, std::path::PathBuf), PipelineError> {
    let staging = atomic::StagingDir::new(out)?;
    let result = plan::run_into(cfg, staging.path())?;
    extra(staging.path(), &result).map_err(|e| PipelineError::output(out.display(), e))?;
    let dir = staging.commit()?;
    Ok((result, dir))
}
