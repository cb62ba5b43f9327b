//! Rejects, dropped duplicates and warnings, in input order.

use data_schema::{RejectReason, WarningKind};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IssueKind {
    Reject(RejectReason),
    /// A byte-identical copy of an earlier row: dropped, not rejected.
    DuplicateRow,
    Warning(WarningKind),
}

impl IssueKind {
    pub fn code(self) -> &'static str {
        match self {
            IssueKind::Reject(r) => r.code(),
            IssueKind::DuplicateRow => "DUPLICATE_ROW",
            IssueKind::Warning(w) => w.code(),
        }
    }
}

/// One line of `rejects.csv` or `warnings.csv`.
#[derive(Debug, Clone)]
pub struct Issue {
    pub file: Arc<str>,
    pub line: u64,
    pub column: String,
    pub kind: IssueKind,
    pub raw: String,
    pub hint: String,
    /// The row's area as far as it can be told, for `quality.csv`: the
    /// domicile desa code (`PPKKCCDDDD`), or the NIK's issuing kecamatan
    /// (`PPKKCC0000`, see `area_from_nik`), or 0 when neither can be read.
    pub area: u64,
    pub area_from_nik: bool,
}

impl Issue {
    /// Attach the domicile area (desa code).
    pub fn at(mut self, area: u64) -> Issue {
        self.area = area;
        self.area_from_nik = false;
        self
    }
    /// Attach the NIK's issuing kecamatan when no domicile is known.
    pub fn at_nik(mut self, nik: Option<u64>) -> Issue {
        if self.area == 0 {
            if let Some(n) = nik {
                self.area = (n / 10_000_000_000) * 10_000;
                self.area_from_nik = true;
            }
        }
        self
    }
    pub fn reject(file: &str, line: u64, column: &str, reason: RejectReason, raw: &str, hint: String) -> Issue {
        Issue {
            file: file.into(),
            line,
            column: column.into(),
            kind: IssueKind::Reject(reason),
            raw: raw.into(),
            hint,
            area: 0,
            area_from_nik: false,
        }
    }
    pub fn warning(file: &str, line: u64, column: &str, kind: WarningKind, raw: &str, msg: String) -> Issue {
        Issue {
            file: file.into(),
            line,
            column: column.into(),
            kind: IssueKind::Warning(kind),
            raw: raw.into(),
            hint: msg,
            area: 0,
            area_from_nik: false,
        }
    }
    pub fn reject_dup(file: &str, line: u64, first: &str, nik: u64) -> Issue {
        Issue::reject(
            file,
            line,
            "NIK",
            RejectReason::DuplicateNik,
            &data_schema::nik::format_nik(nik),
            format!("NIK already on an earlier row ({first}), which is counted; NIK ganda: check both rows"),
        )
    }
    pub fn placeholder() -> Issue {
        Issue {
            file: "".into(),
            line: 0,
            column: String::new(),
            kind: IssueKind::DuplicateRow,
            raw: String::new(),
            hint: String::new(),
            area: 0,
            area_from_nik: false,
        }
    }
}

/// Everything found about the inputs, keyed by a sequence number in input order.
#[derive(Default)]
pub struct QualityLog {
    files: Vec<Arc<str>>,
    /// Rejected and dropped rows.
    pub rejects: Vec<(u64, Issue)>,
    /// Warnings about counted rows.
    pub warnings: Vec<(u64, Issue)>,
    not_counted: ahash::AHashSet<u64>,
}

impl QualityLog {
    pub fn add_file(&mut self, name: &str) -> u16 {
        self.files.push(name.into());
        (self.files.len() - 1) as u16
    }
    pub fn file_name(&self, i: u16) -> &str {
        &self.files[i as usize]
    }
    pub fn reject(&mut self, seq: u64, issue: Issue) {
        self.not_counted.insert(seq);
        self.rejects.push((seq, issue));
    }
    pub fn duplicate_row(&mut self, seq: u64, file: &str, line: u64, area: u64, area_from_nik: bool) {
        self.not_counted.insert(seq);
        self.rejects.push((
            seq,
            Issue {
                file: file.into(),
                line,
                column: String::new(),
                kind: IssueKind::DuplicateRow,
                raw: String::new(),
                hint: "exact copy of an earlier row: dropped, not counted twice".into(),
                area,
                area_from_nik,
            },
        ));
    }
    /// Keep warnings only for rows that ended up counted.
    pub fn add_row_warnings(&mut self, w: Vec<(u64, Issue)>) {
        let nc = &self.not_counted;
        self.warnings.extend(w.into_iter().filter(|(s, _)| !nc.contains(s)));
    }
    pub fn warn(&mut self, seq: u64, issue: Issue) {
        self.warnings.push((seq, issue));
    }
    /// Sort both lists into input order (stable within a row).
    pub fn sort(&mut self) {
        use rayon::prelude::*;
        // Stable: a row's issues keep the order they were found in.
        self.rejects.par_sort_by_key(|(s, _)| *s);
        self.warnings.par_sort_by_key(|(s, _)| *s);
    }
    pub fn count(&self, kind: IssueKind) -> u64 {
        self.rejects.iter().chain(self.warnings.iter()).filter(|(_, i)| i.kind == kind).count() as u64
    }
}
