//! KTP-el enrollment rows: validate, then join to the accepted population by NIK.

use crate::error::PipelineError;
use crate::ingest::{Row, Source};
use crate::population::{coded, Candidate, KeyMemo, MemoMap};
use crate::quality::{CompactString, IntoText, Issue, QualityLog};
use chrono::NaiveDate;
use data_schema::columns::{enrollment as col, resolve};
use data_schema::date::{parse_date, to_days};
use data_schema::nik::{self, NikError};
use data_schema::values::EnrollmentStatus;
use data_schema::{RejectReason, WarningKind};
use rayon::prelude::*;

/// One enrollment row that passed validation: 24 bytes (its file and line
/// are the bits of `seq`, see [`Record::file`] and [`Record::line`]; the
/// status shares a word with `seq`, the date with the offset). 5.8M of them
/// at 10M residents are sorted by the join.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub nik: u64,
    /// `seq << 2 | status`: sorts as `seq` does.
    seq_status: u64,
    /// The offset (below [`Record::OFFSET_LIMIT`]) and, above it, the date
    /// ([`crate::population::day_bits`]).
    offset_date: u64,
}

const OFFSET_BITS: u32 = 41;

/// A status as 2 bits (a recording's, and its spill encoding's).
pub(crate) fn status_code(s: EnrollmentStatus) -> u8 {
    match s {
        EnrollmentStatus::Counting => 0,
        EnrollmentStatus::Failed => 1,
        EnrollmentStatus::Unknown => 2,
    }
}

/// The status of [`status_code`]'s code.
pub(crate) fn status_of_code(code: u8) -> EnrollmentStatus {
    match code {
        0 => EnrollmentStatus::Counting,
        1 => EnrollmentStatus::Failed,
        _ => EnrollmentStatus::Unknown,
    }
}

impl Record {
    /// Offsets (a CSV row's byte offset, a Parquet or spreadsheet row's
    /// index) are below this: 2 TiB ([`crate::ingest::Source`] refuses
    /// larger CSV files).
    pub const OFFSET_LIMIT: u64 = 1 << OFFSET_BITS;

    /// `seq`: file order over all input files, the file index above
    /// [`crate::population::LINE_BITS`], the physical line below.
    /// `offset`: where the row is in its file, to read it again
    /// ([`Source::with_row`]).
    pub fn new(nik: u64, seq: u64, offset: u64, date: i32, status: EnrollmentStatus) -> Record {
        let d = crate::population::day_bits(date)
            .filter(|_| offset < Self::OFFSET_LIMIT && seq < 1 << 62)
            .expect("a recording's offset, date and seq fit their bits");
        Record { nik, seq_status: seq << 2 | status_code(status) as u64, offset_date: offset | d << OFFSET_BITS }
    }

    /// File order over all input files (see [`Record::new`]).
    #[inline]
    pub fn seq(&self) -> u64 {
        self.seq_status >> 2
    }

    /// Where the row is in its file.
    #[inline]
    pub fn offset(&self) -> u64 {
        self.offset_date & (Self::OFFSET_LIMIT - 1)
    }

    /// TGL_REKAM in days since 1970.
    #[inline]
    pub fn date(&self) -> i32 {
        crate::population::bits_day(self.offset_date >> OFFSET_BITS)
    }

    #[inline]
    pub fn status(&self) -> EnrollmentStatus {
        status_of_code((self.seq_status & 3) as u8)
    }

    /// The join's order, `(nik, seq)`, as two plain integers.
    #[inline]
    pub fn order(&self) -> (u64, u64) {
        (self.nik, self.seq_status)
    }

    /// The row's physical line in its file.
    pub fn line(&self) -> u64 {
        crate::population::line_of(self.seq())
    }
    /// The index of the row's file among all input files.
    pub fn file(&self) -> u16 {
        crate::population::file_of(self.seq())
    }
}

/// An enrollment row whose NIK cannot be joined but which says who was
/// recorded (NAMA_LGKP, TGL_LHR, JENIS_KLMIN, KODE_WILAYAH): a query for
/// probabilistic linkage. Personal data.
#[derive(Clone, Debug)]
pub struct LinkQuery {
    pub seq: u64,
    pub file: u16,
    pub line: u64,
    /// Why the NIK could not be joined: a reject code or `ENROLLMENT_ORPHAN`.
    pub why: &'static str,
    pub raw_nik: String,
    pub name: String,
    pub birth: Option<i32>,
    pub female: Option<bool>,
    pub area: Option<u64>,
    pub date: i32,
}

/// The optional "who" columns of an enrollment file, if it has a name column.
#[derive(Clone, Copy, Debug)]
pub struct WhoColumns {
    name: usize,
    birth: Option<usize>,
    sex: Option<usize>,
    area: Option<usize>,
}

impl WhoColumns {
    pub fn of(src: &Source) -> Option<WhoColumns> {
        let idx = resolve(&col::ALL, &src.headers);
        Some(WhoColumns { name: idx[4]?, birth: idx[5], sex: idx[6], area: idx[7] })
    }

    /// The query for a row (`None` when the row gives no name).
    pub fn query(&self, row: &Row, seq: u64, file: u16, why: &'static str, raw_nik: &str, date: i32) -> Option<LinkQuery> {
        let name = row.get(Some(self.name)).trim().to_string();
        if name.is_empty() {
            return None;
        }
        Some(LinkQuery {
            seq,
            file,
            line: row.line,
            why,
            raw_nik: raw_nik.trim().to_string(),
            name,
            birth: parse_date(&row.get(self.birth)).map(to_days),
            female: data_schema::values::Sex::parse(&row.get(self.sex)).map(|s| s == data_schema::values::Sex::Female),
            area: data_schema::AreaCode::from_kode(&row.get(self.area)).map(|a| a.0),
            date,
        })
    }
}

#[derive(Default)]
pub struct Chunk {
    pub records: Vec<Record>,
    /// Rows rejected for their NIK that say who was recorded, with a counting
    /// status and a readable TGL_REKAM (linkage queries).
    pub link: Vec<LinkQuery>,
    pub rejects: Vec<(u64, Issue)>,
    pub warnings: Vec<(u64, Issue)>,
    pub rows: u64,
    /// Parsed STATUS_KTP values seen in this chunk (the parser is pure), by
    /// dictionary key (a Parquet dictionary column) or by bytes.
    status: (KeyMemo<EnrollmentStatus>, MemoMap<EnrollmentStatus>),
    /// Parsed TGL_REKAM values by dictionary key.
    dates: KeyMemo<Option<chrono::NaiveDate>>,
}

/// Validate every row of one enrollment file in parallel chunks, handing the
/// chunks to `sink` as they are validated (in file order) instead of keeping
/// them all.
pub fn read_file(
    src: &Source,
    file: u16,
    seq_base: u64,
    sink: impl FnMut(Vec<Chunk>) -> Result<(), PipelineError> + Send,
) -> Result<(), PipelineError> {
    let idx = resolve(&col::ALL, &src.headers);
    for (k, c) in [(0usize, col::NIK), (1, col::TGL_REKAM)] {
        if idx[k].is_none() {
            return Err(PipelineError::MissingColumn {
                file: src.display.clone(),
                column: c.name.into(),
                accepted: std::iter::once(c.name).chain(c.aliases.iter().copied()).collect::<Vec<_>>().join(", "),
                found: src.headers.join(", "),
            });
        }
    }
    let width = src.headers.len();
    let name = src.display.as_str();
    let who = WhoColumns::of(src);
    // A row rejected for its NIK may still be linked by name and birth date
    // when it would have counted (counting status, readable date).
    let linkable = |row: &Row, seq: u64, why: &'static str, raw_nik: &str| -> Option<LinkQuery> {
        let w = who?;
        let date = parse_date(&row.get(idx[1]))?;
        if EnrollmentStatus::parse(&row.get(idx[2])) != EnrollmentStatus::Counting {
            return None;
        }
        w.query(row, seq, file, why, raw_nik, to_days(date))
    };
    // Only the columns read below are decoded (of a Parquet file): NIK,
    // date and status, and who was recorded when the file says so.
    let who_idx: &[Option<usize>] = if who.is_some() { &idx[4..] } else { &[] };
    let used: Vec<usize> = idx[..3].iter().chain(who_idx).flatten().copied().collect();
    // Sized once for the rows a chunk visits, not grown by doubling.
    let rows = src.chunk_rows_hint();
    src.par_chunks_each_of(
        Some(&used),
        || Chunk { records: Vec::with_capacity(rows), ..Chunk::default() },
        |acc: &mut Chunk, row: &Row| {
            acc.rows += 1;
            let seq = seq_base + row.line;
            let reject = |reason, column: &'static str, raw: &str, hint: CompactString| {
                (seq, Issue::reject(name, row.line, column, reason, raw, hint))
            };
            if row.len() != width {
                acc.rejects.push(reject(
                    RejectReason::FieldCount,
                    "",
                    &format!("{} fields", row.len()),
                    format!("the header has {width} fields").into_text(),
                ));
                return;
            }
            let raw_nik = row.get(idx[0]);
            let nik = match nik::parse_nik(&raw_nik) {
                Ok(n) => n,
                Err(e) => {
                    let (reason, hint) = match e {
                        NikError::Scientific => (
                            RejectReason::NikScientific,
                            "the NIK was turned into a number by a spreadsheet; re-export the NIK column as text",
                        ),
                        NikError::Format => {
                            (RejectReason::NikFormat, "NIK must be exactly 16 digits with a valid date part")
                        }
                    };
                    acc.rejects.push(reject(reason, "NIK", &raw_nik, hint.into_text()));
                    acc.link.extend(linkable(row, seq, reason.code(), &raw_nik));
                    return;
                }
            };
            let Some(date) = acc.dates.of(row, idx[1], parse_date) else {
                acc.rejects.push(reject(
                    RejectReason::RecordDateInvalid,
                    "TGL_REKAM",
                    &row.get(idx[1]),
                    "expected YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY".into_text(),
                ));
                return;
            };
            let status = coded(&mut acc.status, row, idx[2], EnrollmentStatus::parse);
            if status == EnrollmentStatus::Unknown {
                acc.warnings.push((
                    seq,
                    Issue::warning(
                        name,
                        row.line,
                        "STATUS_KTP",
                        WarningKind::EnrollmentStatusUnknown,
                        &row.get(idx[2]),
                        "status not in the contract's lists: this record does not count",
                    )
                    .at_nik(Some(nik)),
                ));
            }
            debug_assert_eq!((crate::population::file_of(seq), crate::population::line_of(seq)), (file, row.line));
            acc.records.push(Record::new(nik, seq, row.offset, to_days(date), status));
        },
        sink,
    )
}

/// How the join sorted the enrollment records (the manifest's enrollment stage).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JoinCounts {
    pub matched: u64,
    pub orphan: u64,
    pub of_rejected_row: u64,
    /// Matched, counting status, on or before the as-of date.
    pub counting_records: u64,
    pub after_as_of: u64,
    pub failed_status: u64,
    pub unknown_status: u64,
}

impl JoinCounts {
    pub fn add(&mut self, o: &JoinCounts) {
        self.matched += o.matched;
        self.orphan += o.orphan;
        self.of_rejected_row += o.of_rejected_row;
        self.counting_records += o.counting_records;
        self.after_as_of += o.after_as_of;
        self.failed_status += o.failed_status;
        self.unknown_status += o.unknown_status;
    }
}

/// Per accepted person: the earliest counting recording (days), or `i32::MAX`.
#[derive(Default)]
pub struct Joined {
    pub first_counting: Vec<i32>,
    /// Counting records per accepted person index, for the weekly trend:
    /// (person, date), in record order, in the pieces the join ran in
    /// (not copied into one list).
    pub counting: Vec<Vec<(u32, i32)>>,
    pub counts: JoinCounts,
    /// Orphan records that would have counted (counting status, on or before S).
    pub counting_orphans: Vec<Record>,
    /// Matched records chosen by the caller's `keep_matched`, with the person's index.
    pub kept_matched: Vec<(Record, u32)>,
}

/// What one piece of the join found (see [`join`]).
#[derive(Default)]
struct Piece {
    counting: Vec<(u32, i32)>,
    counts: JoinCounts,
    counting_orphans: Vec<Record>,
    kept_matched: Vec<(Record, u32)>,
    warnings: Vec<(u64, Issue)>,
}

/// Join records to the accepted population (sorted by NIK), applying the
/// as-of date and the status rules, and log orphans and late records.
///
/// The records are sorted by (NIK, seq) and cut into pieces that start at a
/// NIK change; each piece walks its own stretch of the population (the
/// residents with NIKs from its first up to the next piece's first), so the
/// pieces run in parallel and write disjoint parts of `first_counting`.
/// Their results are put together in piece order, which is the order one
/// walk over all records would give.
pub fn join(
    records: Vec<Record>,
    accepted: &[Candidate],
    rejected_niks: &[u64],
    as_of: NaiveDate,
    log: &mut QualityLog,
    keep_matched: &(dyn Fn(&Record) -> bool + Sync),
) -> Joined {
    let step = records.len().div_ceil(rayon::current_num_threads() * 8).max(1 << 16);
    join_in_pieces(records, accepted, rejected_niks, as_of, log, keep_matched, step)
}

/// [`join`] with pieces of `step` records or a few more (up to the next NIK).
fn join_in_pieces(
    mut records: Vec<Record>,
    accepted: &[Candidate],
    rejected_niks: &[u64],
    as_of: NaiveDate,
    log: &mut QualityLog,
    keep_matched: &(dyn Fn(&Record) -> bool + Sync),
    step: usize,
) -> Joined {
    let s = to_days(as_of);
    records.par_sort_unstable_by_key(Record::order);
    let n = records.len();
    let step = step.max(1);
    let mut starts = vec![0usize];
    let mut i = step;
    while i < n {
        while i < n && records[i].nik == records[i - 1].nik {
            i += 1;
        }
        if i < n {
            starts.push(i);
        }
        i += step;
    }
    // The stretch of the population each piece walks: from the first
    // resident whose NIK is not below the piece's first NIK.
    let from: Vec<usize> = starts
        .iter()
        .map(|&i| if i == 0 { 0 } else { accepted.partition_point(|c| c.nik < records[i].nik) })
        .collect();
    let mut first_counting = vec![i32::MAX; accepted.len()];
    let mut stretches = Vec::with_capacity(starts.len());
    let mut rest = &mut first_counting[..];
    for k in 0..starts.len() {
        let end = from.get(k + 1).copied().unwrap_or(accepted.len());
        let (mine, tail) = rest.split_at_mut(end - from[k]);
        stretches.push(mine);
        rest = tail;
    }
    let log_ro: &QualityLog = log;
    let pieces: Vec<Piece> = stretches
        .into_par_iter()
        .enumerate()
        .map(|(k, first)| {
            let recs = &records[starts[k]..starts.get(k + 1).copied().unwrap_or(n)];
            let base = from[k];
            let people = &accepted[base..base + first.len()];
            join_piece(recs, people, base, first, rejected_niks, s, as_of, log_ro, keep_matched)
        })
        .collect();
    let mut j = Joined { counting: Vec::with_capacity(pieces.len()), ..Joined::default() };
    log.warnings.reserve(pieces.iter().map(|p| p.warnings.len()).sum());
    for mut p in pieces {
        j.counting.push(p.counting);
        j.counts.add(&p.counts);
        j.counting_orphans.append(&mut p.counting_orphans);
        j.kept_matched.append(&mut p.kept_matched);
        log.warnings.append(&mut p.warnings);
    }
    j.first_counting = first_counting;
    j
}

/// One piece of [`join`]: `recs` sorted by (NIK, seq), `people` the stretch
/// of the population starting at index `base`, `first` its part of
/// `first_counting`.
#[allow(clippy::too_many_arguments)]
fn join_piece(
    recs: &[Record],
    people: &[Candidate],
    base: usize,
    first: &mut [i32],
    rejected_niks: &[u64],
    s: i32,
    as_of: NaiveDate,
    log: &QualityLog,
    keep_matched: &(dyn Fn(&Record) -> bool + Sync),
) -> Piece {
    let mut j = Piece::default();
    let mut p = 0usize;
    // The same for every late record of the run: one copy, not one per issue.
    let late = crate::quality::run_text(format!("recorded after the as-of date {as_of}: does not count in this run"));
    for r in recs {
        while p < people.len() && people[p].nik < r.nik {
            p += 1;
        }
        let name = log.file_name(r.file());
        if p < people.len() && people[p].nik == r.nik {
            j.counts.matched += 1;
            if keep_matched(r) {
                j.kept_matched.push((*r, (base + p) as u32));
            }
            match r.status() {
                EnrollmentStatus::Failed => j.counts.failed_status += 1,
                EnrollmentStatus::Unknown => j.counts.unknown_status += 1,
                EnrollmentStatus::Counting => {
                    if r.date() > s {
                        j.counts.after_as_of += 1;
                        j.warnings.push((
                            r.seq(),
                            Issue::warning(
                                name,
                                r.line(),
                                "TGL_REKAM",
                                WarningKind::EnrollmentAfterAsOf,
                                &data_schema::date::from_days(r.date()).to_string(),
                                late,
                            )
                            .at(people[p].area),
                        ));
                    } else {
                        j.counts.counting_records += 1;
                        j.counting.push(((base + p) as u32, r.date()));
                        let f = &mut first[p];
                        *f = (*f).min(r.date());
                    }
                }
            }
        } else if rejected_niks.binary_search(&r.nik).is_ok() {
            j.counts.of_rejected_row += 1;
            j.warnings.push((
                r.seq(),
                Issue::warning(
                    name,
                    r.line(),
                    "NIK",
                    WarningKind::EnrollmentOfRejectedRow,
                    &nik::format_nik(r.nik),
                    "the population row with this NIK was rejected (see rejects.csv): fix it to count this person",
                )
                .at_nik(Some(r.nik)),
            ));
        } else {
            j.counts.orphan += 1;
            if r.status() == EnrollmentStatus::Counting && r.date() <= s {
                j.counting_orphans.push(*r);
            }
            j.warnings.push((
                r.seq(),
                Issue::warning(
                    name,
                    r.line(),
                    "NIK",
                    WarningKind::EnrollmentOrphan,
                    &nik::format_nik(r.nik),
                    "NIK not in the population export (orphan recording)",
                )
                .at_nik(Some(r.nik)),
            ));
        }
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A recording keeps what went in at the ends of its packed words, and
    /// sorts by `(nik, seq)`; a value beyond its bits stops the run.
    #[test]
    fn a_record_keeps_its_values_and_order() {
        let statuses = [EnrollmentStatus::Counting, EnrollmentStatus::Failed, EnrollmentStatus::Unknown];
        let dates = [(1800, 1, 1), (9999, 12, 31), (1970, 1, 1), (1969, 12, 31), (2024, 8, 26)];
        let seqs = [2, (1 << 56) - 1, 7 << crate::population::LINE_BITS | 12_345];
        let offsets = [0, Record::OFFSET_LIMIT - 1, 987_654_321];
        let mut all = Vec::new();
        for (k, &(y, m, d)) in dates.iter().enumerate() {
            for (i, &seq) in seqs.iter().enumerate() {
                // (seqs are unique, as a run's are)
                let seq = if i == 1 { seq - k as u64 } else { seq + k as u64 };
                let date = to_days(NaiveDate::from_ymd_opt(y, m, d).unwrap());
                let (offset, status) = (offsets[(k + i) % 3], statuses[(k + 2 * i) % 3]);
                let r = Record::new(9_401_010_101_900_001 + k as u64 % 2, seq, offset, date, status);
                assert_eq!((r.seq(), r.offset(), r.date(), r.status()), (seq, offset, date, status));
                all.push(r);
            }
        }
        let mut by_order = all.clone();
        by_order.sort_unstable_by_key(Record::order);
        all.sort_unstable_by_key(|r| (r.nik, r.seq()));
        assert_eq!(by_order, all);
        let too_far = std::panic::catch_unwind(|| Record::new(1, 2, Record::OFFSET_LIMIT, 0, EnrollmentStatus::Counting));
        assert!(too_far.is_err());
    }

    /// Every piece size gives what one walk over all records gives.
    #[test]
    fn the_join_in_pieces_equals_one_walk() {
        let mut x = 99u64;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        // NIKs 0..3000: residents at every third (some absent), rejected rows
        // at some others, the rest orphans; several records per NIK.
        let accepted: Vec<Candidate> = (0..3_000u64)
            .filter(|n| n % 3 == 0 && n % 7 != 0)
            .map(|n| Candidate { nik: n, area: 9_401_010_001 + n % 5, birth: 0, flags: 8, file: 0, offset: n })
            .collect();
        let rejected: Vec<u64> = (0..3_000u64).filter(|n| n % 3 == 1 && n % 2 == 0).collect();
        let as_of = NaiveDate::from_ymd_opt(2024, 8, 26).unwrap();
        let s = to_days(as_of);
        let records: Vec<Record> = (0..12_000u64)
            .map(|seq| {
                let (nik, date) = (rnd() % 3_000, s - 400 + (rnd() % 500) as i32);
                let status = match rnd() % 5 {
                    0 => EnrollmentStatus::Failed,
                    1 => EnrollmentStatus::Unknown,
                    _ => EnrollmentStatus::Counting,
                };
                Record::new(nik, (1 << 40) | (seq + 2), seq * 10, date, status)
            })
            .collect();
        let keep = |r: &Record| r.nik % 11 == 0;
        let run = |step: usize| {
            let mut log = QualityLog::default();
            log.add_file("penduduk.csv");
            log.add_file("rekam.csv");
            let j = join_in_pieces(records.clone(), &accepted, &rejected, as_of, &mut log, &keep, step);
            let warnings: Vec<String> = log.warnings.iter().map(|w| format!("{w:?}")).collect();
            let summary = format!(
                "{:?} {:?} {:?} {:?} {:?}",
                j.first_counting,
                j.counting.concat(),
                j.counts,
                j.counting_orphans.iter().map(|r| r.seq()).collect::<Vec<_>>(),
                j.kept_matched.iter().map(|(r, p)| (r.seq(), *p)).collect::<Vec<_>>(),
            );
            (j.counting.len(), summary, warnings)
        };
        let (one, whole, whole_log) = run(usize::MAX);
        assert_eq!(one, 1);
        assert!(whole_log.len() > 3_000, "orphans, rejected rows and late records are logged");
        for step in [1, 7, 100, 5_000] {
            let (pieces, got, log) = run(step);
            // At most one piece per NIK, and pieces of at least `step` records.
            assert!(pieces > 1 && pieces <= 3_000.min(12_000 / step + 1), "{step}: {pieces} pieces");
            assert_eq!(got, whole, "pieces of {step}");
            assert_eq!(log, whole_log, "pieces of {step}");
        }
    }
}
