//! `manifest.json`: inputs with sha256 and row counts, parameters, program
//! version, per-stage counts that reconcile, and timings.

use crate::aggregate::Counts;
use crate::error::PipelineError;
use crate::ingest::Source;
use crate::plan::RunConfig;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub program: Program,
    pub parameters: Parameters,
    pub inputs: Vec<InputInfo>,
    pub population: PopulationStage,
    pub enrollment: EnrollmentStage,
    pub warnings_by_kind: BTreeMap<String, u64>,
    pub totals: Totals,
    pub timings_ms: BTreeMap<String, u64>,
    pub outputs: Vec<OutputInfo>,
    /// Probabilistic linkage of recordings whose NIK cannot be joined (only
    /// when some enrollment file says who was recorded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linkage: Option<crate::link::Summary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Program {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Parameters {
    pub election_date: String,
    pub as_of: String,
    pub max_reject_rate: f64,
    /// The as-of date is after polling day: a look back.
    pub look_back: bool,
    /// NIK partitions the run was processed in (1 = all at once).
    pub partitions: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct InputInfo {
    pub role: &'static str,
    pub path: String,
    pub format: &'static str,
    pub sha256: String,
    pub bytes: u64,
    pub rows: u64,
}

impl InputInfo {
    pub fn new(role: &'static str, src: &Source, rows: u64) -> Result<Self, crate::PipelineError> {
        Ok(InputInfo {
            role,
            path: src.display.clone(),
            format: src.format(),
            sha256: src.sha256()?,
            bytes: src.bytes,
            rows,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PopulationStage {
    pub rows_read: u64,
    pub duplicate_rows: u64,
    pub rejected: u64,
    pub rejected_by_reason: BTreeMap<String, u64>,
    /// Rows that passed: residents + not_resident.
    pub counted: u64,
    pub residents: u64,
    /// Counted rows whose STATUS_PENDUDUK is not AKTIF (MATI, PINDAH, unreadable).
    pub not_resident: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnrollmentStage {
    pub rows_read: u64,
    pub rejected: u64,
    pub rejected_by_reason: BTreeMap<String, u64>,
    pub matched: u64,
    pub orphan: u64,
    pub of_rejected_row: u64,
    /// Matched records that count (status counts, dated on or before as_of).
    pub counting: u64,
    pub after_as_of: u64,
    pub failed_status: u64,
    pub unknown_status: u64,
    pub residents_recorded: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub residents: u64,
    pub required: u64,
    pub required_recorded: u64,
    pub required_coverage_pct: Option<f64>,
    pub eligible: u64,
    pub eligible_recorded: u64,
    pub eligible_unrecorded: u64,
    pub eligible_coverage_pct: Option<f64>,
    pub first_time: u64,
    pub first_time_unrecorded: u64,
    pub backlog_unrecorded: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutputInfo {
    pub path: String,
    pub personal_data: bool,
}

pub struct Parts<'a> {
    pub cfg: &'a RunConfig,
    pub inputs: Vec<InputInfo>,
    pub population: PopulationStage,
    pub enrollment: EnrollmentStage,
    pub warnings_by_kind: BTreeMap<String, u64>,
    pub totals: Counts,
    pub timings: Vec<(String, u64)>,
    pub outputs: Vec<(String, bool)>,
    pub linkage: Option<crate::link::Summary>,
}

pub fn build(p: Parts) -> Manifest {
    let mut timings_ms = BTreeMap::new();
    for (k, v) in p.timings {
        *timings_ms.entry(k).or_insert(0) += v;
    }
    let t = p.totals;
    Manifest {
        program: Program { name: "cakupan", version: env!("CARGO_PKG_VERSION") },
        parameters: Parameters {
            election_date: p.cfg.election.to_string(),
            as_of: p.cfg.as_of.to_string(),
            max_reject_rate: p.cfg.max_reject_rate,
            look_back: p.cfg.as_of > p.cfg.election,
            partitions: p.cfg.partitions.max(1),
        },
        inputs: p.inputs,
        population: p.population,
        enrollment: p.enrollment,
        warnings_by_kind: p.warnings_by_kind,
        totals: Totals {
            residents: t.residents,
            required: t.required,
            required_recorded: t.required_recorded,
            required_coverage_pct: t.required_coverage_pct(),
            eligible: t.eligible,
            eligible_recorded: t.eligible_recorded,
            eligible_unrecorded: t.eligible_unrecorded(),
            eligible_coverage_pct: t.eligible_coverage_pct(),
            first_time: t.first_time,
            first_time_unrecorded: t.first_time_unrecorded,
            backlog_unrecorded: t.backlog_unrecorded(),
        },
        timings_ms,
        outputs: p.outputs.into_iter().map(|(path, personal_data)| OutputInfo { path, personal_data }).collect(),
        linkage: p.linkage,
    }
}

impl Manifest {
    /// Every input row is accounted for: the stage counts must add up.
    pub fn check(&self) -> Result<(), PipelineError> {
        let p = &self.population;
        let e = &self.enrollment;
        let pop_rows: u64 = self.inputs.iter().filter(|i| i.role == "population").map(|i| i.rows).sum();
        let enr_rows: u64 = self.inputs.iter().filter(|i| i.role == "enrollment").map(|i| i.rows).sum();
        let ok = p.rows_read == p.counted + p.duplicate_rows + p.rejected
            && p.rows_read == pop_rows
            && p.counted == p.residents + p.not_resident
            && p.rejected == p.rejected_by_reason.values().sum::<u64>()
            && e.rows_read == e.matched + e.orphan + e.of_rejected_row + e.rejected
            && e.rows_read == enr_rows
            && e.matched == e.counting + e.after_as_of + e.failed_status + e.unknown_status
            && self.totals.residents == p.residents;
        if ok {
            Ok(())
        } else {
            Err(PipelineError::output(
                "manifest.json",
                format!("internal error: stage counts do not reconcile: {:?} {:?}", p, e),
            ))
        }
    }
}

pub fn write(path: &Path, m: &Manifest) -> Result<(), PipelineError> {
    let s = serde_json::to_string_pretty(m).map_err(|e| PipelineError::output(path.display(), e))?;
    std::fs::write(path, s + "\n").map_err(|e| PipelineError::output(path.display(), e))
}
