//! Charts, maps, report and spreadsheet from the coverage tables (issue 3).
//!
//! [`render`] reads an existing output directory written by the pipeline
//! (`coverage_*.csv`, `trend_weekly.csv`, `manifest.json`; see
//! `docs/output-schema.md`) and writes, into the same directory:
//!
//! - `charts/*.png` and `charts/*.svg` (bar charts, trend, choropleth maps),
//!   `charts/missing_boundaries.csv`;
//! - `report.html`, self-contained (inline SVG and CSS), A4 printable;
//! - `cakupan.xlsx`.
//!
//! Privacy (UU 27/2022): only aggregate tables and the manifest's counts are
//! read. `targets.*`, `restricted/`, `rejects.csv` and `warnings.csv` are never
//! opened; nothing written here holds a NIK or a name of a person.

mod charts;
mod classes;
mod data;
mod format;
mod geo;
mod report;
mod scene;
mod xlsx;

use std::path::{Path, PathBuf};

pub use classes::Class;
pub use format::Fmt;

/// Language of all human-facing text. Indonesian is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    /// Pick the Indonesian or the English text.
    pub fn t(self, id: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Id => id,
            Lang::En => en,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }
}

/// What to render and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub lang: Lang,
    /// Coverage target in percent, drawn as a line on the charts (default 95).
    pub target_pct: f64,
    /// Small-cell suppression: counts below N are shown as `<N`, and
    /// percentages computed from such counts are hidden.
    pub suppress_below: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            lang: Lang::Id,
            target_pct: 95.0,
            suppress_below: None,
        }
    }
}

/// Files written by [`render`], relative to the output directory.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub files: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{path}: not found (is this a cakupan output directory?)")]
    Missing { path: PathBuf },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: line {line}: {message}")]
    Table {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}: {message}")]
    Manifest { path: PathBuf, message: String },
    #[error("{what}: {message}")]
    Render { what: String, message: String },
    #[error("option: {0}")]
    Option(String),
}

impl ReportError {
    pub(crate) fn render(what: impl Into<String>, e: impl std::fmt::Display) -> Self {
        ReportError::Render {
            what: what.into(),
            message: e.to_string(),
        }
    }
}

/// Render charts, maps, `report.html` and `cakupan.xlsx` into `dir`, from the
/// coverage tables, trend and manifest already there.
pub fn render(dir: &Path, opts: &Options) -> Result<Rendered, ReportError> {
    if !(opts.target_pct > 0.0 && opts.target_pct <= 100.0) {
        return Err(ReportError::Option(format!(
            "target_pct must be in (0, 100], got {}",
            opts.target_pct
        )));
    }
    if opts.suppress_below == Some(0) {
        return Err(ReportError::Option(
            "suppress_below must be at least 1".into(),
        ));
    }
    let data = data::Data::load(dir)?;
    let fmt = Fmt::new(opts.lang, opts.suppress_below);
    let ctx = Ctx {
        data: &data,
        fmt: &fmt,
        opts,
    };

    let mut out = Out {
        dir: dir.to_path_buf(),
        files: Vec::new(),
    };
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir).map_err(|e| ReportError::Io {
        path: charts_dir.clone(),
        source: e,
    })?;

    let figures = charts::render_all(&ctx, &mut out)?;
    report::write(&ctx, &figures, &mut out)?;
    xlsx::write(&ctx, &mut out)?;
    Ok(Rendered { files: out.files })
}

/// Everything a chart, the report or the spreadsheet needs.
pub(crate) struct Ctx<'a> {
    pub data: &'a data::Data,
    pub fmt: &'a Fmt,
    pub opts: &'a Options,
}

impl Ctx<'_> {
    pub fn lang(&self) -> Lang {
        self.opts.lang
    }
}

/// The output directory and the list of files written so far.
pub(crate) struct Out {
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
}

impl Out {
    /// Write `bytes` to `rel` (relative to the output directory) through a
    /// temporary file and a rename, so no half-written file is left behind.
    pub fn write(&mut self, rel: &str, bytes: &[u8]) -> Result<(), ReportError> {
        let path = self.dir.join(rel);
        let tmp = self.dir.join(format!("{rel}.tmp-{}", std::process::id()));
        std::fs::write(&tmp, bytes)
            .and_then(|_| std::fs::rename(&tmp, &path))
            .map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                ReportError::Io {
                    path: path.clone(),
                    source: e,
                }
            })?;
        self.files.push(PathBuf::from(rel));
        Ok(())
    }
}
