//! Rejects, dropped duplicates and warnings, in input order.

pub use compact_str::CompactString;
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
///
/// A national run logs ~10 million issues, written out at the end in row
/// order, which is not the order most were found in. So an issue holds
/// little behind pointers: its file's name is shared by all the issues of
/// that file ([`shared_name`]), its column is the program's own text, a raw
/// cell of up to 24 bytes is kept inline and a fixed message is a reference
/// to the program's text ([`IntoText`]). Only longer cells and messages
/// made for the row (e.g. with its NIK's date) are allocations of their own.
#[derive(Debug, Clone)]
pub struct Issue {
    pub file: Arc<str>,
    pub line: u64,
    pub column: &'static str,
    pub kind: IssueKind,
    pub raw: CompactString,
    pub hint: CompactString,
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
    /// The one constructor the others share.
    fn new(file: &str, line: u64, column: &'static str, kind: IssueKind, raw: &str, hint: CompactString) -> Issue {
        Issue {
            file: shared_name(file),
            line,
            column,
            kind,
            raw: CompactString::new(raw),
            hint,
            area: 0,
            area_from_nik: false,
        }
    }
    pub fn reject(
        file: &str,
        line: u64,
        column: &'static str,
        reason: RejectReason,
        raw: &str,
        hint: impl IntoText,
    ) -> Issue {
        Issue::new(file, line, column, IssueKind::Reject(reason), raw, hint.into_text())
    }
    pub fn warning(
        file: &str,
        line: u64,
        column: &'static str,
        kind: WarningKind,
        raw: &str,
        msg: impl IntoText,
    ) -> Issue {
        Issue::new(file, line, column, IssueKind::Warning(kind), raw, msg.into_text())
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
        Issue::new("", 0, "", IssueKind::DuplicateRow, "", CompactString::default())
    }
}

/// An issue's message: a fixed text stays a reference to the program's own
/// (no allocation, and one copy in the cache however many issues use it);
/// a text made for the row becomes a [`CompactString`] (inline up to 24 bytes).
pub trait IntoText {
    fn into_text(self) -> CompactString;
}
impl IntoText for &'static str {
    fn into_text(self) -> CompactString {
        CompactString::const_new(self)
    }
}
impl IntoText for String {
    fn into_text(self) -> CompactString {
        CompactString::from(self)
    }
}
impl IntoText for CompactString {
    fn into_text(self) -> CompactString {
        self
    }
}

/// A text made once per run (e.g. a message naming the as-of date) and
/// used for millions of issues, kept for the life of the process so that
/// those issues can refer to it as to a fixed text. Each distinct text is
/// kept once, so the memory this holds is bounded by the distinct texts
/// asked for (a few per set of run parameters), not by runs or issues.
pub fn run_text(text: String) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static TEXTS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut texts = TEXTS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(t) = texts.get(text.as_str()) {
        return t;
    }
    let t: &'static str = Box::leak(text.into_boxed_str());
    texts.insert(t);
    t
}

/// The file name as an `Arc` shared with the previous issue made on this
/// thread, when it names the same file (issues come in runs of one file):
/// no allocation per issue, and one copy of the name to read when writing.
pub fn shared_name(name: &str) -> Arc<str> {
    use std::cell::RefCell;
    thread_local! {
        static LAST: RefCell<Option<Arc<str>>> = const { RefCell::new(None) };
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some(a) if **a == *name => a.clone(),
            _ => {
                let a: Arc<str> = name.into();
                *last = Some(a.clone());
                a
            }
        }
    })
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
    /// An empty log that knows the same files, for work that runs beside
    /// this log's own; its issues come back with [`QualityLog::absorb`].
    pub fn fork(&self) -> QualityLog {
        QualityLog { files: self.files.clone(), ..QualityLog::default() }
    }
    /// Take in a forked log's issues. The two logs' rows must not overlap
    /// (each row's issues come from one of them), so that after
    /// [`QualityLog::sort`] the log is the one a single pass would make.
    pub fn absorb(&mut self, other: QualityLog) {
        debug_assert!(other.files.len() <= self.files.len());
        self.rejects.extend(other.rejects);
        self.warnings.extend(other.warnings);
        self.not_counted.extend(other.not_counted);
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
                area,
                area_from_nik,
                ..Issue::new(
                    file,
                    line,
                    "",
                    IssueKind::DuplicateRow,
                    "",
                    "exact copy of an earlier row: dropped, not counted twice".into_text(),
                )
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
        let (rejects, warnings) = (&mut self.rejects, &mut self.warnings);
        rayon::join(|| rejects.par_sort_by_key(|(s, _)| *s), || warnings.par_sort_by_key(|(s, _)| *s));
    }
    pub fn count(&self, kind: IssueKind) -> u64 {
        self.rejects.iter().chain(self.warnings.iter()).filter(|(_, i)| i.kind == kind).count() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issues logged in two logs (a fork for one file's rows, the run's log
    /// for the other's), taken together and sorted, are what one log would
    /// hold: the same issues in row order, a row's issues in the order found,
    /// and the fork's rejected rows keep their warnings out.
    #[test]
    fn a_forked_log_taken_back_equals_one_log() {
        let reject = |line: u64| Issue::reject("a.csv", line, "NIK", RejectReason::NikFormat, "x", "h");
        let warn = |line: u64, k: WarningKind| Issue::warning("b.csv", line, "NIK", k, "y", format!("w{line}"));
        let pop = |line: u64| line;
        let enr = |line: u64| (1u64 << 40) | line;
        let events = |log: &mut QualityLog, which: u8| {
            // Population rows (file 0) in NIK order, not row order.
            if which != 1 {
                for line in [9, 3, 7] {
                    log.reject(pop(line), reject(line));
                }
                log.duplicate_row(pop(5), "a.csv", 5, 0, false);
            }
            // Enrollment rows (file 1), two warnings on one row.
            if which != 0 {
                log.reject(enr(4), reject(4));
                log.warn(enr(2), warn(2, WarningKind::EnrollmentOrphan));
                log.warn(enr(2), warn(2, WarningKind::EnrollmentAfterAsOf));
            }
        };
        let row_warnings =
            || vec![(pop(3), warn(3, WarningKind::NikDateMismatch)), (pop(4), warn(4, WarningKind::NikDateMismatch))];
        let show = |log: &QualityLog| format!("{:?} {:?}", log.rejects, log.warnings);

        let mut one = QualityLog::default();
        one.add_file("a.csv");
        one.add_file("b.csv");
        events(&mut one, 2);
        one.add_row_warnings(row_warnings());
        one.sort();

        let mut run = QualityLog::default();
        run.add_file("a.csv");
        run.add_file("b.csv");
        let mut fork = run.fork();
        assert_eq!(fork.file_name(1), "b.csv");
        events(&mut run, 1);
        events(&mut fork, 0);
        run.absorb(fork);
        run.add_row_warnings(row_warnings());
        run.sort();
        assert_eq!(show(&run), show(&one));
        // Row 3 was rejected (in the fork): its warning is not kept.
        assert_eq!(run.warnings.iter().map(|(s, _)| *s).collect::<Vec<_>>(), vec![pop(4), enr(2), enr(2)]);
        assert_eq!(run.count(IssueKind::DuplicateRow), 1);
    }

    /// What keeps a national run's issues light: a fixed message and a run's
    /// shared message are one copy for all issues, the file name is shared
    /// by consecutive issues of one file, short cells are inline; and a
    /// message made for its row is kept as given.
    #[test]
    fn issues_share_their_fixed_texts() {
        // Texts of up to 24 bytes are inline anyway: these are longer.
        const FIXED: &str = "a fixed message, the same for every row";
        let a = Issue::warning("p.csv", 2, "NIK", WarningKind::EnrollmentOrphan, "3171", FIXED);
        let b = Issue::warning("p.csv", 3, "NIK", WarningKind::EnrollmentOrphan, "3172", FIXED);
        assert_eq!(a.hint.as_static_str().map(str::as_ptr), Some(FIXED.as_ptr()));
        assert!(Arc::ptr_eq(&a.file, &b.file));
        assert!(!a.raw.is_heap_allocated());
        let made = format!("a message made for row {} of the file", 4);
        let c = Issue::warning("q.csv", 4, "NIK", WarningKind::EnrollmentOrphan, "x", made.clone());
        assert_eq!((&*c.file, c.hint.as_str(), c.hint.as_static_str()), ("q.csv", made.as_str(), None));
        assert!(!Arc::ptr_eq(&a.file, &c.file));
        let (x, y) = (run_text(format!("recorded after the as-of date {}", 1)), run_text("recorded after the as-of date 1".into()));
        assert!(std::ptr::eq(x, y));
        assert_ne!(run_text("recorded after the as-of date 2".into()), x);
        let d = Issue::warning("q.csv", 5, "TGL_REKAM", WarningKind::EnrollmentAfterAsOf, "2025-01-01", x);
        assert_eq!(d.hint.as_static_str().map(|t| t.as_ptr()), Some(x.as_ptr()));
    }
}
