//! All-or-nothing output directories: a run writes into a temporary sibling
//! directory and renames it into place at the end. A failed or killed run
//! leaves no half-written outputs and never clobbers a previous good run.

use crate::error::PipelineError;
use std::path::{Path, PathBuf};

pub struct StagingDir {
    tmp: PathBuf,
    target: PathBuf,
    done: bool,
}

impl StagingDir {
    /// Create `<out>.tmp-<pid>` beside `out`.
    pub fn new(out: &Path) -> Result<StagingDir, PipelineError> {
        let out = if out.as_os_str().is_empty() { Path::new(".") } else { out };
        let name = out.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "out".into());
        let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| PipelineError::output(parent.display(), e))?;
        clean_stale(parent, &name, out);
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir(&tmp).map_err(|e| PipelineError::output(tmp.display(), e))?;
        Ok(StagingDir { tmp, target: out.to_path_buf(), done: false })
    }

    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Move the finished outputs into place, replacing a previous run's.
    pub fn commit(mut self) -> Result<PathBuf, PipelineError> {
        let err = |e: std::io::Error| PipelineError::output(self.target.display(), e);
        if self.target.exists() {
            let old = self.tmp.with_file_name(format!(
                ".{}.old-{}",
                self.target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
                std::process::id()
            ));
            std::fs::rename(&self.target, &old).map_err(err)?;
            std::fs::rename(&self.tmp, &self.target).map_err(err)?;
            let _ = std::fs::remove_dir_all(&old);
        } else {
            std::fs::rename(&self.tmp, &self.target).map_err(err)?;
        }
        self.done = true;
        Ok(self.target.clone())
    }
}

/// Leftovers of runs that were killed (SIGKILL, power loss): `.<name>.tmp-<pid>`
/// staging directories are removed; a `.<name>.old-<pid>` (the previous good
/// output, moved aside in the instant before the new one took its place) is
/// put back when the output itself is missing. Only dead processes' leftovers
/// are touched.
fn clean_stale(parent: &Path, name: &str, out: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for e in entries.flatten() {
        let f = e.file_name().to_string_lossy().to_string();
        let (kind, pid) = if let Some(p) = f.strip_prefix(&format!(".{name}.tmp-")) {
            ("tmp", p.to_string())
        } else if let Some(p) = f.strip_prefix(&format!(".{name}.old-")) {
            ("old", p.to_string())
        } else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        if kind == "old" && !out.exists() {
            let _ = std::fs::rename(e.path(), out);
        } else {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

impl Drop for StagingDir {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}
