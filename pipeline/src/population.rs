//! Validating population rows: every row ends counted, dropped as an exact
//! duplicate, or rejected with a contract reason.

use crate::error::PipelineError;
use crate::frame::DictKey;
use crate::ingest::{Row, Source};
use crate::quality::{CompactString, IntoText, Issue, QualityLog};
use chrono::{Datelike, NaiveDate};
use data_schema::columns::{self, population as col, ColumnSpec};
use data_schema::date::{parse_date, to_days};
use data_schema::nik::{self, NikError};
use data_schema::values::{is_active_tni_polri, Citizenship, Marital, RegisterStatus, Sex};
use data_schema::{area, AreaCode, RejectReason, WarningKind};

/// Column indices of the population columns in one file.
#[derive(Clone, Debug)]
pub struct PopColumns {
    pub idx: Vec<Option<usize>>,
    pub width: usize,
    /// The columns validation reads, looked up once per file.
    hot: Hot,
}

#[derive(Clone, Copy, Debug)]
struct Hot {
    nik: Option<usize>,
    tgl_lhr: Option<usize>,
    kode: Option<usize>,
    prop: Option<usize>,
    kab: Option<usize>,
    kec: Option<usize>,
    kel: Option<usize>,
    sex: Option<usize>,
    stat_kwn: Option<usize>,
    pekerjaan: Option<usize>,
    kwn: Option<usize>,
    status: Option<usize>,
}

/// Where population column `c` is in a file, from [`columns::resolve`]'s answer.
fn at(idx: &[Option<usize>], c: ColumnSpec) -> Option<usize> {
    idx[col::ALL.iter().position(|x| x.name == c.name).expect("a population column")]
}

impl PopColumns {
    /// Where column `c` is in this file (`None`: the file has no such column).
    pub(crate) fn i(&self, c: ColumnSpec) -> Option<usize> {
        at(&self.idx, c)
    }
}

/// Check that the required columns exist; the error names the column and file.
pub fn columns(src: &Source) -> Result<PopColumns, PipelineError> {
    let idx = columns::resolve(&col::ALL, &src.headers);
    let hot = Hot {
        nik: at(&idx, col::NIK),
        tgl_lhr: at(&idx, col::TGL_LHR),
        kode: at(&idx, col::KODE_WILAYAH),
        prop: at(&idx, col::NO_PROP),
        kab: at(&idx, col::NO_KAB),
        kec: at(&idx, col::NO_KEC),
        kel: at(&idx, col::NO_KEL),
        sex: at(&idx, col::SEX),
        stat_kwn: at(&idx, col::STAT_KWN),
        pekerjaan: at(&idx, col::PEKERJAAN),
        kwn: at(&idx, col::KWN),
        status: at(&idx, col::STATUS_PENDUDUK),
    };
    let pc = PopColumns { idx, width: src.headers.len(), hot };
    let missing = |c: ColumnSpec| PipelineError::MissingColumn {
        file: src.display.clone(),
        column: c.name.to_string(),
        accepted: std::iter::once(c.name).chain(c.aliases.iter().copied()).collect::<Vec<_>>().join(", "),
        found: src.headers.join(", "),
    };
    for c in [col::NIK, col::TGL_LHR] {
        if pc.i(c).is_none() {
            return Err(missing(c));
        }
    }
    let parts = [col::NO_PROP, col::NO_KAB, col::NO_KEC, col::NO_KEL];
    if pc.i(col::KODE_WILAYAH).is_none() {
        if let Some(c) = parts.iter().find(|c| pc.i(**c).is_none()) {
            return Err(PipelineError::MissingColumn {
                file: src.display.clone(),
                column: format!("{} (or KODE_WILAYAH)", c.name),
                accepted: "NO_PROP, NO_KAB, NO_KEC, NO_KEL, or KODE_WILAYAH".into(),
                found: src.headers.join(", "),
            });
        }
    }
    Ok(pc)
}

pub const F_MARRIED: u8 = 1;
pub const F_WNI: u8 = 2;
pub const F_TNI: u8 = 4;
pub const F_RESIDENT: u8 = 8;
pub const F_FEMALE: u8 = 16;

/// A row that passed validation (it may still be a duplicate NIK).
#[derive(Clone, Copy, Debug)]
pub struct Candidate {
    pub nik: u64,
    pub area: u64,
    pub birth: i32,
    pub flags: u8,
    pub file: u16,
    pub offset: u64,
}

/// What one row turned into before duplicates are resolved.
#[derive(Debug)]
pub enum Outcome {
    Valid(Candidate),
    /// Rejected; `nik` is set when the NIK itself was valid (for duplicate grouping).
    Rejected { nik: Option<u64>, issue: Issue },
}

/// A row with its global sequence number (file order) and content hash,
/// kept compact (40 bytes, no enum tag): a rejected row's issue waits in
/// [`Chunk::rejects`]. What the row turned into is [`Seen::kept`].
///
/// The NIK comes first and is [`NO_NIK`] when unreadable, so that rows sort
/// by `(nik, seq)` with plain integer comparisons, unreadable ones last.
/// A valid row's area code, birth date and flags share one word
/// ([`Seen::area`], [`Seen::birth`], [`Seen::flags`]; zero for a rejected
/// row), and its file is the seq's top bits: the 10 M rows of a 10 M run are
/// sorted, copied and faulted in as 400 MB instead of 480.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub nik: u64,
    pub seq: u64,
    pub hash: u64,
    /// A valid row's [`Candidate::offset`] (zero for a rejected row).
    pub offset: u64,
    /// Bit 0: valid; bits 1-5: flags; 6-28: birth ([`day_bits`]);
    /// 29-63: area code (35 bits; codes have 10 digits).
    packed: u64,
}

const AREA_SHIFT: u32 = 29;

/// Bits of a day count packed beside other fields ([`Seen`]'s birth date,
/// [`crate::enrollment::Record`]'s TGL_REKAM): days since 1970 plus
/// 2^22, so that every date `parse_date` reads (year 1800 to 9999) fits.
pub(crate) const DAY_BITS: u32 = 23;
const DAY_BIAS: i64 = 1 << (DAY_BITS - 1);

/// `days` (since 1970) as [`DAY_BITS`] unsigned bits, if it fits.
#[inline]
pub(crate) fn day_bits(days: i32) -> Option<u64> {
    let b = days as i64 + DAY_BIAS;
    (0..1 << DAY_BITS).contains(&b).then_some(b as u64)
}

/// The day count of [`day_bits`]' bits (the low [`DAY_BITS`] of `bits`).
#[inline]
pub(crate) fn bits_day(bits: u64) -> i32 {
    ((bits & ((1 << DAY_BITS) - 1)) as i64 - DAY_BIAS) as i32
}

/// [`Seen::nik`] of a row whose NIK could not be read (no NIK is this large).
pub const NO_NIK: u64 = u64::MAX;

/// What a row turned into, without the text of its issue.
#[derive(Debug, Clone, Copy)]
pub enum Kept {
    Valid(Candidate),
    /// Rejected; `nik` is set when the NIK itself was valid (for duplicate grouping).
    Rejected { nik: Option<u64> },
}

/// The bits of `seq` that hold the physical line (the rest is the file index).
pub const LINE_BITS: u32 = 40;

/// The physical line in a `seq` (see [`LINE_BITS`]).
pub fn line_of(seq: u64) -> u64 {
    seq & ((1u64 << LINE_BITS) - 1)
}

/// The file index in a `seq`: its bits above [`LINE_BITS`].
pub fn file_of(seq: u64) -> u16 {
    (seq >> LINE_BITS) as u16
}

impl Seen {
    pub fn new(seq: u64, hash: u64, kept: Kept) -> Seen {
        match kept {
            Kept::Valid(c) => {
                let birth = day_bits(c.birth)
                    .filter(|_| c.area < 1 << (64 - AREA_SHIFT) && c.flags < 32)
                    .expect("a valid row's area code, flags and birth date fit their bits");
                debug_assert_eq!(c.file, file_of(seq), "a row's file is its seq's");
                Seen { nik: c.nik, seq, hash, offset: c.offset, packed: 1 | (c.flags as u64) << 1 | birth << 6 | c.area << AREA_SHIFT }
            }
            Kept::Rejected { nik } => Seen { nik: nik.unwrap_or(NO_NIK), seq, hash, offset: 0, packed: 0 },
        }
    }

    /// Whether the row was accepted by validation.
    #[inline]
    pub fn valid(&self) -> bool {
        self.packed & 1 != 0
    }

    /// A valid row's domicile code (0 for a rejected row).
    #[inline]
    pub fn area(&self) -> u64 {
        self.packed >> AREA_SHIFT
    }

    /// A valid row's birth date in days since 1970.
    #[inline]
    pub fn birth(&self) -> i32 {
        bits_day(self.packed >> 6)
    }

    /// A valid row's flags (`F_*`).
    #[inline]
    pub fn flags(&self) -> u8 {
        ((self.packed >> 1) & 31) as u8
    }

    /// The row's file index.
    #[inline]
    pub fn file(&self) -> u16 {
        file_of(self.seq)
    }

    pub fn kept(&self) -> Kept {
        if self.valid() {
            Kept::Valid(Candidate {
                nik: self.nik,
                area: self.area(),
                birth: self.birth(),
                flags: self.flags(),
                file: self.file(),
                offset: self.offset,
            })
        } else {
            Kept::Rejected { nik: self.nik() }
        }
    }

    pub fn line(&self) -> u64 {
        line_of(self.seq)
    }

    /// The row's NIK if validation could read it (what partitions the row).
    pub fn nik(&self) -> Option<u64> {
        (self.nik != NO_NIK).then_some(self.nik)
    }
}

/// Per-chunk result of validation.
#[derive(Default)]
pub struct Chunk {
    pub rows: Vec<Seen>,
    /// Rows of the file visited by this chunk.
    pub total: u64,
    /// Issues of rejected rows, by seq (in file order).
    pub rejects: Vec<(u64, Issue)>,
    pub warnings: Vec<(u64, Issue)>,
    memo: Memo,
}

/// The coded columns repeat a handful of values: their parsed meaning is
/// remembered per chunk (the parsers are pure, so this changes nothing but speed).
/// A Parquet dictionary column's cells are remembered by their key instead
/// ([`KeyMemo`]), the birth date among them.
#[derive(Default)]
pub struct Memo {
    sex: (KeyMemo<Option<Sex>>, MemoMap<Option<Sex>>),
    marital: (KeyMemo<Option<Marital>>, MemoMap<Option<Marital>>),
    tni: (KeyMemo<bool>, MemoMap<bool>),
    cit: (KeyMemo<Result<Citizenship, ()>>, MemoMap<Result<Citizenship, ()>>),
    status: (KeyMemo<Option<RegisterStatus>>, MemoMap<Option<RegisterStatus>>),
    birth: KeyMemo<Option<NaiveDate>>,
    /// NO_PROP .. NO_KEL, each as [`area::part`] reads it.
    parts: [KeyMemo<Option<u32>>; 4],
}

/// Values parsed from the cells of one dictionary column, by key: the
/// value is parsed once per distinct cell of a batch, and found again with
/// neither the cell's bytes nor a hash. Another dictionary (another column
/// or batch) starts it afresh.
pub(crate) struct KeyMemo<V> {
    id: usize,
    values: Vec<Option<V>>,
}

impl<V> Default for KeyMemo<V> {
    fn default() -> Self {
        KeyMemo { id: 0, values: Vec::new() }
    }
}

impl<V: Copy> KeyMemo<V> {
    /// `f()`, the value of the cell at `k`, remembered by `k.key`.
    #[inline]
    pub(crate) fn get(&mut self, k: DictKey, f: impl FnOnce() -> V) -> V {
        if self.id != k.id || self.values.len() != k.len as usize {
            self.id = k.id;
            self.values.clear();
            self.values.resize(k.len as usize, None);
        }
        *self.values[k.key as usize].get_or_insert_with(f)
    }

    /// `f(cell i)`, remembered by dictionary key when the cell has one,
    /// else computed (`f` must be pure).
    #[inline]
    pub(crate) fn of(&mut self, row: &Row, i: Option<usize>, f: impl FnOnce(&str) -> V) -> V {
        match row.dict_key(i) {
            Some(k) => self.get(k, || f(&row.get(i))),
            None => f(&row.get(i)),
        }
    }
}

/// `f(cell i)`, remembered by dictionary key when the cell has one, else by
/// its bytes (`f` must be pure).
#[inline]
pub(crate) fn coded<V: Copy>(m: &mut (KeyMemo<V>, MemoMap<V>), row: &Row, i: Option<usize>, f: impl Fn(&str) -> V) -> V {
    match row.dict_key(i) {
        Some(k) => m.0.get(k, || f(&row.get(i))),
        None => memo(&mut m.1, &row.get(i), f),
    }
}

/// A memo of parsed cell values. Cells of up to 16 bytes (nearly every
/// coded cell) are found by their bytes read as two words ([`ShortKey`]), in
/// a small open-addressing table: no string hashing, comparison or copy.
/// Longer cells go to a hash map.
pub(crate) struct MemoMap<V> {
    short: Vec<Option<(ShortKey, V)>>,
    short_len: usize,
    long: std::collections::HashMap<Box<str>, V, foldhash::fast::FixedState>,
}

/// Slots of [`MemoMap`]'s table of short cells (a power of two); it takes at
/// most half as many cells, so that a lookup ends after a few probes.
const SHORT_SLOTS: usize = 256;
/// Distinct cells longer than 16 bytes remembered per memo; past this, such
/// cells are parsed every time (the short table's bound is half its slots).
const MEMO_MAX: usize = 4096;

impl<V> Default for MemoMap<V> {
    fn default() -> Self {
        MemoMap { short: Vec::new(), short_len: 0, long: Default::default() }
    }
}

/// A cell of at most 16 bytes, exactly: two words that between them hold
/// every byte of the cell, and its length.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct ShortKey {
    a: u64,
    b: u64,
    len: u8,
}

impl ShortKey {
    /// `None` for a cell longer than 16 bytes. For a given length, the words
    /// are the first and last 8 bytes (length 8–16), the first and last 4
    /// (length 4–7), or the bytes themselves (length 0–3), so two cells of
    /// the same length have the same key only if they are equal.
    #[inline]
    fn of(s: &[u8]) -> Option<ShortKey> {
        let n = s.len();
        let word8 = |i: usize| u64::from_le_bytes(s[i..i + 8].try_into().expect("8 bytes"));
        let word4 = |i: usize| u32::from_le_bytes(s[i..i + 4].try_into().expect("4 bytes")) as u64;
        let (a, b) = match n {
            0 => (0, 0),
            1..=3 => (s[0] as u64 | (s[n / 2] as u64) << 8 | (s[n - 1] as u64) << 16, 0),
            4..=7 => (word4(0), word4(n - 4)),
            8..=16 => (word8(0), word8(n - 8)),
            _ => return None,
        };
        Some(ShortKey { a, b, len: n as u8 })
    }

    #[inline]
    fn slot(self) -> usize {
        let h = (self.a ^ self.b.rotate_left(29) ^ ((self.len as u64) << 58)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> (64 - SHORT_SLOTS.trailing_zeros())) as usize
    }
}

/// `f(raw)`, remembered in `m` (`f` must be pure).
#[inline]
pub(crate) fn memo<V: Copy>(m: &mut MemoMap<V>, raw: &str, f: impl Fn(&str) -> V) -> V {
    let Some(key) = ShortKey::of(raw.as_bytes()) else {
        if let Some(v) = m.long.get(raw) {
            return *v;
        }
        let v = f(raw);
        if m.long.len() < MEMO_MAX {
            m.long.insert(raw.into(), v);
        }
        return v;
    };
    if m.short.is_empty() {
        m.short = vec![None; SHORT_SLOTS];
    }
    let mut i = key.slot();
    loop {
        match &m.short[i] {
            Some((k, v)) if *k == key => return *v,
            Some(_) => i = (i + 1) % SHORT_SLOTS,
            None => break,
        }
    }
    let v = f(raw);
    if m.short_len < SHORT_SLOTS / 2 {
        m.short[i] = Some((key, v));
        m.short_len += 1;
    }
    v
}

/// Validate one row. Checks run in the contract's order; the first failure is the reason.
pub fn validate(
    row: &Row,
    cols: &PopColumns,
    file: u16,
    file_name: &str,
    as_of: NaiveDate,
    warnings: &mut Vec<Issue>,
    memo_: &mut Memo,
) -> Outcome {
    let h = &cols.hot;
    let get = |i: Option<usize>| row.get(i);
    // Where a rejected row lives, for quality.csv: its domicile if readable, else its NIK's kecamatan.
    let domicile = || -> Option<u64> {
        let kode = h.kode.map(|i| row.get(Some(i)));
        match kode {
            Some(k) if !k.trim().is_empty() => AreaCode::from_kode(&k).map(|a| a.0),
            _ => AreaCode::from_parts(&get(h.prop), &get(h.kab), &get(h.kec), &get(h.kel)).map(|a| a.0),
        }
    };
    let reject = |nik: Option<u64>, reason: RejectReason, column: &'static str, raw: &str, hint: CompactString| {
        let issue = Issue::reject(file_name, row.line, column, reason, raw, hint);
        let issue = match if row.len() == cols.width { domicile() } else { None } {
            Some(a) => issue.at(a),
            None => issue,
        };
        Outcome::Rejected { nik, issue: issue.at_nik(nik) }
    };
    if row.len() != cols.width {
        return reject(
            None,
            RejectReason::FieldCount,
            "",
            &format!("{} fields", row.len()),
            format!("the header has {} fields; check for an unquoted delimiter in a name or address", cols.width).into_text(),
        );
    }
    let raw_nik = get(h.nik);
    let nik = match nik::parse_nik(&raw_nik) {
        Ok(n) => n,
        Err(NikError::Scientific) => {
            return reject(
                None,
                RejectReason::NikScientific,
                "NIK",
                &raw_nik,
                "the NIK was turned into a number by a spreadsheet; re-export the NIK column as text".into_text(),
            )
        }
        Err(NikError::Format) => {
            let t = raw_nik.trim();
            let hint = if t.len() != 16 {
                format!("NIK has {} characters, must be exactly 16 digits", t.chars().count()).into_text()
            } else if !t.bytes().all(|c| c.is_ascii_digit()) {
                "NIK must be digits only".into_text()
            } else {
                "NIK date part is impossible (day must be 01-31 or 41-71, month 01-12)".into_text()
            };
            return reject(None, RejectReason::NikFormat, "NIK", &raw_nik, hint);
        }
    };
    let raw_birth = || get(h.tgl_lhr);
    let Some(birth) = memo_.birth.of(row, h.tgl_lhr, parse_date) else {
        let hint = format!(
            "expected YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY; the NIK's date part reads {}",
            nik::nik_date_hint(nik)
        );
        return reject(Some(nik), RejectReason::BirthDateInvalid, "TGL_LHR", &raw_birth(), hint.into_text());
    };
    if birth > as_of {
        return reject(
            Some(nik),
            RejectReason::BirthDateFuture,
            "TGL_LHR",
            &raw_birth(),
            format!("birth date is after the as-of date {as_of}; the NIK's date part reads {}", nik::nik_date_hint(nik))
                .into_text(),
        );
    }
    let area = match h.kode {
        Some(i) if !row.get(Some(i)).trim().is_empty() || h.kel.is_none() => {
            let raw = row.get(Some(i));
            match AreaCode::from_kode(&raw) {
                Some(a) => a,
                None => {
                    return reject(
                        Some(nik),
                        RejectReason::AreaFormat,
                        "KODE_WILAYAH",
                        &raw,
                        "expected PP.KK.CC.DDDD (Kemendagri)".into_text(),
                    )
                }
            }
        }
        _ => {
            let part_cols = [h.prop, h.kab, h.kec, h.kel];
            let mut part = |i: usize| memo_.parts[i].of(row, part_cols[i], |s| area::part(s, i));
            let code = (|| Some(AreaCode::from_numbers([part(0)?, part(1)?, part(2)?, part(3)?])))();
            match code {
                Some(a) => a,
                None => {
                    let (p, k, c, d) = (get(h.prop), get(h.kab), get(h.kec), get(h.kel));
                    return reject(
                        Some(nik),
                        RejectReason::AreaFormat,
                        "NO_PROP/NO_KAB/NO_KEC/NO_KEL",
                        &format!("{p}/{k}/{c}/{d}"),
                        "domicile codes must be whole numbers: NO_PROP, NO_KAB, NO_KEC 1-99, NO_KEL 1-9999".into_text(),
                    )
                }
            }
        }
    };

    // Counted from here on: only warnings.
    let mut warn = |kind: WarningKind, column: &'static str, raw: &str, msg: CompactString| {
        warnings.push(Issue::warning(file_name, row.line, column, kind, raw, msg).at(area.0));
    };
    let parts = nik::nik_parts(nik);
    if parts.day != birth.day() || parts.month != birth.month() || parts.year2 != (birth.year() % 100) as u32 {
        warn(
            WarningKind::NikDateMismatch,
            "TGL_LHR",
            &raw_birth(),
            format!("NIK date part reads {}; age is taken from TGL_LHR", nik::nik_date_hint(nik)).into_text(),
        );
    }
    let raw_sex = || get(h.sex);
    let female = match coded(&mut memo_.sex, row, h.sex, Sex::parse) {
        Some(s) => {
            let f = s == Sex::Female;
            if f != parts.female {
                warn(
                    WarningKind::NikSexMismatch,
                    "JENIS_KLMIN",
                    &raw_sex(),
                    if parts.female { "NIK day part says female (P)" } else { "NIK day part says male (L)" }.into_text(),
                );
            }
            f
        }
        None => {
            warn(
                WarningKind::SexDerivedFromNik,
                "JENIS_KLMIN",
                &raw_sex(),
                if parts.female {
                    "sex missing or unreadable; derived from the NIK day: P"
                } else {
                    "sex missing or unreadable; derived from the NIK day: L"
                }
                .into_text(),
            );
            parts.female
        }
    };
    let raw_kwn = || get(h.stat_kwn);
    let married = match coded(&mut memo_.marital, row, h.stat_kwn, Marital::parse) {
        Some(m) => m.ever_married(),
        None => {
            warn(
                WarningKind::MaritalMissing,
                "STAT_KWN",
                &raw_kwn(),
                "marital status missing or unreadable; treated as not married".into_text(),
            );
            false
        }
    };
    let tni = coded(&mut memo_.tni, row, h.pekerjaan, is_active_tni_polri);
    let raw_cit = || get(h.kwn);
    let wni = match coded(&mut memo_.cit, row, h.kwn, Citizenship::parse) {
        Ok(c) => c == Citizenship::Wni,
        Err(()) => {
            warn(WarningKind::CitizenshipUnknown, "KEWARGANEGARAAN", &raw_cit(), "unreadable; treated as WNI".into_text());
            true
        }
    };
    let raw_status = || get(h.status);
    let resident = match coded(&mut memo_.status, row, h.status, RegisterStatus::parse) {
        Some(s) => s == RegisterStatus::Aktif,
        None => {
            warn(
                WarningKind::RegisterStatusUnknown,
                "STATUS_PENDUDUK",
                &raw_status(),
                "only AKTIF rows are residents; this row is counted as not resident".into_text(),
            );
            false
        }
    };
    let flags = (married as u8) * F_MARRIED
        | (wni as u8) * F_WNI
        | (tni as u8) * F_TNI
        | (resident as u8) * F_RESIDENT
        | (female as u8) * F_FEMALE;
    Outcome::Valid(Candidate { nik, area: area.0, birth: to_days(birth), flags, file, offset: row.offset })
}

/// Validate every row of one population file in parallel chunks, handing the
/// chunks to `sink` as they are validated (in file order) instead of keeping
/// them all; returns the file's columns.
pub fn read_file(
    src: &Source,
    file: u16,
    seq_base: u64,
    as_of: NaiveDate,
    sink: impl FnMut(Vec<Chunk>) -> Result<(), PipelineError> + Send,
) -> Result<PopColumns, PipelineError> {
    let cols = columns(src)?;
    // Sized once for the rows a chunk visits (one Seen each), not grown by doubling.
    let rows = src.chunk_rows_hint();
    src.par_chunks_each(
        || Chunk { rows: Vec::with_capacity(rows), ..Chunk::default() },
        |acc: &mut Chunk, row: &Row| {
            acc.total += 1;
            let mut w = Vec::new();
            let outcome = validate(row, &cols, file, &src.display, as_of, &mut w, &mut acc.memo);
            // seq: file order; lines are unique and increasing within a file
            let seq = seq_base + row.line;
            acc.warnings.extend(w.into_iter().map(|i| (seq, i)));
            let kept = match outcome {
                Outcome::Valid(c) => Kept::Valid(c),
                Outcome::Rejected { nik, issue } => {
                    acc.rejects.push((seq, issue));
                    Kept::Rejected { nik }
                }
            };
            acc.rows.push(Seen::new(seq, row.content_hash(), kept));
        },
        sink,
    )?;
    Ok(cols)
}

/// What deciding a NIK group asks the log to record (by row index), in row order.
enum Event {
    /// An exact copy of an earlier row of its group.
    Duplicate(usize),
    /// A valid row whose NIK an earlier accepted row (file, line) has.
    DuplicateNik(usize, (u16, u64)),
    /// A row validation rejected: its issue stands.
    Rejected(usize),
}

/// Apply the duplicate rules to `rows` (whole NIK groups, sorted by NIK
/// then file order; `at` is the first row's index): marks the accepted rows
/// in `keep` and returns the events to log, the NIKs of groups with a
/// rejected row and no accepted one, and the number of exact copies.
fn decide_groups(rows: &[Seen], at: usize, keep: &mut [bool]) -> (Vec<Event>, Vec<u64>, u64) {
    let (mut events, mut niks, mut dups) = (Vec::new(), Vec::new(), 0u64);
    // Content hashes seen in the current NIK group (reused: one allocation).
    let mut hashes: Vec<u64> = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let nik = rows[i].nik;
        let mut j = i + 1;
        while j < rows.len() && rows[j].nik == nik {
            j += 1;
        }
        hashes.clear();
        let mut winner: Option<(u16, u64)> = None;
        let mut any_rejected = false;
        for (k, s) in rows[i..j].iter().enumerate() {
            let x = at + i + k;
            if hashes.contains(&s.hash) {
                dups += 1;
                events.push(Event::Duplicate(x));
                continue;
            }
            hashes.push(s.hash);
            if s.valid() {
                match winner {
                    Some(w) => events.push(Event::DuplicateNik(x, w)),
                    None => {
                        winner = Some((s.file(), s.line()));
                        keep[i + k] = true;
                    }
                }
            } else {
                any_rejected = true;
                events.push(Event::Rejected(x));
            }
        }
        if any_rejected && winner.is_none() {
            niks.push(nik);
        }
        i = j;
    }
    (events, niks, dups)
}

/// Result of resolving duplicates over all population files.
pub struct Resolved {
    /// Accepted rows, sorted by NIK (unique).
    pub accepted: Vec<Candidate>,
    /// NIKs of rows that were rejected (valid NIK) and of no accepted row, sorted.
    pub rejected_niks: Vec<u64>,
    pub duplicate_rows: u64,
    pub rows_read: u64,
}

/// Apply the duplicate rules in file order: a byte-identical copy of an earlier
/// row is dropped (`DUPLICATE_ROW`); otherwise validation's verdict stands; a
/// valid row whose NIK an earlier *accepted* row already has is rejected as
/// `DUPLICATE_NIK` (the first accepted row wins).
pub fn resolve(mut rows: Vec<Seen>, rejects: Vec<(u64, Issue)>, log: &mut QualityLog) -> Resolved {
    use rayon::prelude::*;
    let rows_read = rows.len() as u64;
    let mut duplicate_rows = 0u64;
    // Which rows are accepted; they are taken out of `rows` at the end, in
    // place (a fresh vector would have to be faulted in page by page).
    let mut keep = vec![false; rows.len()];
    let mut rejected_niks = Vec::new();
    // Rows whose NIK is unreadable: exact duplicates are found by content hash.
    let mut raw_seen = ahash::AHashSet::new();
    debug_assert!(rejects.windows(2).all(|w| w[0].0 < w[1].0));
    let mut rejects: Vec<(u64, Option<Issue>)> = rejects.into_iter().map(|(s, i)| (s, Some(i))).collect();
    let mut take_issue = |seq: u64| -> Issue {
        let k = rejects.binary_search_by_key(&seq, |r| r.0).expect("a rejected row has its issue");
        rejects[k].1.take().expect("each issue is taken once")
    };
    // NIK groups in NIK order, then the unreadable ones (NO_NIK), each in file order.
    rows.par_sort_unstable_by_key(|s| (s.nik, s.seq));
    // The NIK groups are decided in parallel, in pieces that start at a
    // group; what each decision logs is then replayed in row order, so the
    // log is the same as one pass would make it.
    let grouped_end = rows.partition_point(|s| s.nik != NO_NIK);
    let pieces = {
        let n = (rayon::current_num_threads() * 8).max(1);
        let mut cuts = vec![0usize];
        for k in 1..n {
            let mut b = (grouped_end * k / n).max(*cuts.last().expect("a cut"));
            while b > 0 && b < grouped_end && rows[b].nik == rows[b - 1].nik {
                b += 1;
            }
            cuts.push(b);
        }
        cuts.push(grouped_end);
        cuts.dedup();
        cuts
    };
    let mut slices = Vec::new();
    let mut rest = &mut keep[..grouped_end];
    for w in pieces.windows(2) {
        let (a, b) = std::mem::take(&mut rest).split_at_mut(w[1] - w[0]);
        slices.push((w[0], a));
        rest = b;
    }
    let decided: Vec<(Vec<Event>, Vec<u64>, u64)> =
        slices.into_par_iter().map(|(at, keep)| decide_groups(&rows[at..at + keep.len()], at, keep)).collect();
    // Unreadable NIKs, each row on its own: exact copies by content hash.
    let mut unreadable = Vec::new();
    for (x, s) in rows.iter().enumerate().skip(grouped_end) {
        if raw_seen.insert(s.hash) {
            unreadable.push(Event::Rejected(x));
        } else {
            duplicate_rows += 1;
            unreadable.push(Event::Duplicate(x));
        }
    }
    let decided = decided.into_iter().chain(std::iter::once((unreadable, Vec::new(), 0)));
    for (events, niks, dups) in decided {
        duplicate_rows += dups;
        rejected_niks.extend(niks);
        for e in events {
            match e {
                Event::Duplicate(x) => {
                    let s = &rows[x];
                    let (file, area, from_nik) = if s.valid() {
                        (log.file_name(s.file()).to_string(), s.area(), false)
                    } else {
                        let i = take_issue(s.seq);
                        (i.file.to_string(), i.area, i.area_from_nik)
                    };
                    log.duplicate_row(s.seq, &file, s.line(), area, from_nik);
                }
                Event::DuplicateNik(x, (wf, wl)) => {
                    let s = &rows[x];
                    let first = format!("{}:{}", log.file_name(wf), wl);
                    log.reject(s.seq, Issue::reject_dup(log.file_name(s.file()), s.line(), &first, s.nik).at(s.area()));
                }
                Event::Rejected(x) => {
                    let seq = rows[x].seq;
                    log.reject(seq, take_issue(seq));
                }
            }
        }
    }
    // Collected in place: the rows' own allocation holds the accepted ones.
    let accepted: Vec<Candidate> = rows
        .into_iter()
        .zip(keep)
        .filter_map(|(s, k)| match s.kept() {
            Kept::Valid(c) if k => Some(c),
            _ => None,
        })
        .collect();
    Resolved { accepted, rejected_niks, duplicate_rows, rows_read }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Two cells of up to 16 bytes have the same key only if they are equal.
        #[test]
        fn short_keys_are_exact(a in proptest::collection::vec(prop_oneof![Just(b'A'), Just(b'B'), Just(b' '), any::<u8>()], 0..=17),
                                flips in proptest::collection::vec((0usize..17, any::<u8>()), 0..3)) {
            let mut b = a.clone();
            for (i, x) in flips {
                if i < b.len() {
                    b[i] = x;
                }
            }
            match (ShortKey::of(&a), ShortKey::of(&b)) {
                (Some(ka), Some(kb)) => prop_assert_eq!(ka == kb, a == b),
                (None, None) => prop_assert!(a.len() > 16),
                _ => prop_assert!(false, "same length, different answers"),
            }
        }

        /// The memo answers what the function answers, for short and long
        /// cells, past the point where it stops remembering.
        #[test]
        fn memo_answers_what_the_function_answers(cells in proptest::collection::vec("[A-Z ]{0,3}|[A-Z/ ]{4,20}", 1..600)) {
            let f = |s: &str| s.len() * 31 + s.bytes().map(usize::from).sum::<usize>();
            let mut m = MemoMap::default();
            for c in cells.iter().chain(cells.iter()) {
                prop_assert_eq!(memo(&mut m, c, f), f(c));
            }
        }
    }

    /// A memo by key answers from the dictionary it was filled from, and
    /// starts afresh for another (another column or batch).
    #[test]
    fn a_key_memo_starts_afresh_for_another_dictionary() {
        let mut m: KeyMemo<u32> = KeyMemo::default();
        let k = |id, key, len| DictKey { id, key, len };
        assert_eq!(m.get(k(1, 2, 3), || 20), 20);
        assert_eq!(m.get(k(1, 2, 3), || unreachable!("remembered")), 20);
        assert_eq!(m.get(k(1, 0, 3), || 7), 7);
        assert_eq!(m.get(k(2, 2, 3), || 21), 21, "another dictionary, the same key");
        assert_eq!(m.get(k(2, 0, 3), || 8), 8, "nothing kept from dictionary 1");
        assert_eq!(m.get(k(2, 5, 6), || 9), 9, "the same id, another length: another dictionary");
        assert_eq!(m.get(k(2, 2, 6), || 22), 22);
    }

    #[test]
    fn the_memo_keeps_at_most_half_its_short_slots() {
        let mut m: MemoMap<usize> = MemoMap::default();
        for i in 0..1000 {
            let s = format!("{i:04}");
            assert_eq!(memo(&mut m, &s, |s: &str| s.parse::<usize>().unwrap()), i);
        }
        assert_eq!(m.short_len, SHORT_SLOTS / 2);
        assert_eq!(m.short.iter().filter(|s| s.is_some()).count(), SHORT_SLOTS / 2);
        assert!(m.long.is_empty());
    }

    /// The per-row state of a run is 40 bytes a row (the national run holds
    /// tens of millions of these per partition) and gives back what went in.
    #[test]
    fn seen_is_compact_and_keeps_what_the_row_turned_into() {
        assert_eq!(std::mem::size_of::<Seen>(), 40);
        let c = Candidate { nik: 9_471_010_101_900_001, area: 9_404_010_001, birth: -3_000, flags: 0b10110, file: 3, offset: 1 << 41 };
        let valid = Seen::new(3 << LINE_BITS | 7, 42, Kept::Valid(c));
        assert!(matches!(valid.kept(), Kept::Valid(x) if format!("{x:?}") == format!("{c:?}")));
        assert_eq!((valid.nik(), valid.line()), (Some(c.nik), 7));
        let rejected = Seen::new(9, 1, Kept::Rejected { nik: Some(c.nik) });
        assert!(matches!(rejected.kept(), Kept::Rejected { nik: Some(n) } if n == c.nik));
        let unreadable = Seen::new(10, 1, Kept::Rejected { nik: None });
        assert!(matches!(unreadable.kept(), Kept::Rejected { nik: None }));
        assert_eq!(unreadable.nik(), None);
        // Unreadable NIKs sort after every NIK.
        assert!(unreadable.nik > 9_999_999_999_999_999);
        // The packed word's ends: the earliest and latest birth dates a
        // cell can give, the largest area code, every flag.
        for (y, m, d) in [(1800, 1, 1), (9999, 12, 31), (1970, 1, 1), (1969, 12, 31)] {
            let birth = to_days(NaiveDate::from_ymd_opt(y, m, d).unwrap());
            let c = Candidate { area: 9_999_999_999, birth, flags: 31, file: 0, ..c };
            let s = Seen::new(5, 1, Kept::Valid(c));
            assert!(matches!(s.kept(), Kept::Valid(x) if format!("{x:?}") == format!("{c:?}")), "{y}-{m}-{d}");
            assert!(s.valid() && s.area() == c.area && s.birth() == birth && s.flags() == 31);
        }
    }

    /// A value beyond its bits stops the run rather than turn into another.
    #[test]
    #[should_panic(expected = "fit their bits")]
    fn an_area_code_beyond_its_bits_is_refused() {
        let c = Candidate { nik: 9_471_010_101_900_001, area: 1 << 35, birth: 0, flags: 0, file: 0, offset: 0 };
        Seen::new(2, 0, Kept::Valid(c));
    }

    /// resolve decides NIK groups in parallel pieces: its verdicts and its
    /// log (in order) equal a plain one-pass reading of the rules, on rows
    /// whose groups straddle the pieces' boundaries.
    #[test]
    fn resolve_equals_the_rules_read_in_one_pass() {
        let mut rows = Vec::new();
        let mut rejects = Vec::new();
        let mut log = QualityLog::default();
        log.add_file("a.csv");
        // 3,000 NIKs with 1-6 rows each (exact copies, other content, rejected
        // rows), plus unreadable NIKs; in file order, NIKs interleaved.
        let mut line = 2u64;
        for round in 0..6u64 {
            for n in 0..3_000u64 {
                if (n * 7 + round * 3) % 11 > 12 - (n % 6) * 2 {
                    continue;
                }
                let nik = 3_171_010_101_900_000 + (n * 7_919) % 3_000;
                let hash = (n * 31 + round % 3) % 5; // repeats: exact copies
                let seq = line;
                let kept = if (n + round) % 5 == 0 {
                    rejects.push((seq, Issue::reject("a.csv", line, "TGL_LHR", RejectReason::BirthDateInvalid, "x", String::new())));
                    Kept::Rejected { nik: Some(nik) }
                } else {
                    Kept::Valid(Candidate { nik, area: 3_171_010_001 + n % 7, birth: 1_000, flags: 0, file: 0, offset: line })
                };
                rows.push(Seen::new(seq, hash, kept));
                line += 1;
            }
            for u in 0..40u64 {
                rejects.push((line, Issue::reject("a.csv", line, "NIK", RejectReason::NikFormat, "x", String::new())));
                rows.push(Seen::new(line, u % 13, Kept::Rejected { nik: None }));
                line += 1;
            }
        }
        // The rules, one row at a time in file order.
        let (mut want_log, mut want_keep, mut want_rejected_niks, mut want_dups) = (Vec::new(), Vec::new(), Vec::new(), 0u64);
        let mut by_nik: std::collections::BTreeMap<u64, Vec<&Seen>> = Default::default();
        let mut raw = std::collections::HashSet::new();
        let mut unreadable = Vec::new();
        for s in &rows {
            match s.nik() {
                Some(n) => by_nik.entry(n).or_default().push(s),
                None => unreadable.push(s),
            }
        }
        for (nik, group) in &by_nik {
            let (mut seen, mut winner, mut any_rejected) = (Vec::new(), None, false);
            for s in group {
                if seen.contains(&s.hash) {
                    want_dups += 1;
                    want_log.push((s.seq, "DUPLICATE_ROW".to_string()));
                    continue;
                }
                seen.push(s.hash);
                match (s.valid(), winner) {
                    (true, None) => {
                        winner = Some(s.seq);
                        want_keep.push(s.seq);
                    }
                    (true, Some(_)) => want_log.push((s.seq, "DUPLICATE_NIK".to_string())),
                    (false, _) => {
                        any_rejected = true;
                        want_log.push((s.seq, "BIRTH_DATE_INVALID".to_string()));
                    }
                }
            }
            if any_rejected && winner.is_none() {
                want_rejected_niks.push(*nik);
            }
        }
        for s in unreadable {
            if raw.insert(s.hash) {
                want_log.push((s.seq, "NIK_FORMAT".to_string()));
            } else {
                want_dups += 1;
                want_log.push((s.seq, "DUPLICATE_ROW".to_string()));
            }
        }
        let got = resolve(rows, rejects, &mut log);
        let got_log: Vec<(u64, String)> = log
            .rejects
            .iter()
            .map(|(seq, i)| (*seq, i.kind.code().to_string()))
            .collect();
        assert!(want_dups > 100 && want_rejected_niks.len() > 10 && want_keep.len() > 1_000);
        assert_eq!(got_log, want_log);
        assert_eq!(got.accepted.iter().map(|c| c.offset).collect::<Vec<_>>(), want_keep);
        assert_eq!(got.rejected_niks, want_rejected_niks);
        assert_eq!(got.duplicate_rows, want_dups);
    }

}
