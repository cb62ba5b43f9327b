use thiserror::Error;

/// Why a run failed. A failed run leaves no output directory behind.
#[derive(Debug, Error)]
pub enum PipelineError {
    #[error("{file}: cannot be read: {reason}")]
    Unreadable { file: String, reason: String },
    #[error("{file}: required column {column} is missing (accepted names: {accepted}); the header has: {found}")]
    MissingColumn { file: String, column: String, accepted: String, found: String },
    #[error(
        "{rejected} of {read} {what} rows rejected ({pct:.2}%), above --max-reject-rate {max_pct:.2}%; \
         see the reasons below and fix the export, or raise --max-reject-rate\n{summary}"
    )]
    TooManyRejects { what: &'static str, rejected: u64, read: u64, pct: f64, max_pct: f64, summary: String },
    #[error("no {0} file given")]
    NoInput(&'static str),
    #[error("cannot write outputs in {path}: {reason}")]
    Output { path: String, reason: String },
}

impl PipelineError {
    pub fn output(path: impl std::fmt::Display, e: impl std::fmt::Display) -> Self {
        PipelineError::Output { path: path.to_string(), reason: e.to_string() }
    }
}
