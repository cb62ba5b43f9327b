//! Reading input files (CSV, Parquet, XLSX) into a uniform row view.
//!
//! Every input is read as text: the contract's rules are about what the
//! officer's file says, and the validator decides what it means. CSV files
//! are parsed in parallel chunks split at record boundaries; line numbers are
//! physical lines (the header is line 1), so `rejects.csv` points at the line
//! an officer sees in an editor.

use crate::error::PipelineError;
use crate::frame::{DictKey, ParquetFile, StringTable};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// Target size of one parallel CSV chunk.
const CHUNK_BYTES: usize = 8 << 20;
/// Rows per parallel chunk for Parquet and XLSX.
const CHUNK_ROWS: usize = 65_536;
/// Rows of a Parquet file decoded at a time (whole row groups up to about
/// this many rows): the file is never held whole as text.
const PARQUET_BATCH_ROWS: usize = 262_144;
/// Parquet batches decoded ahead of the one being validated (one being
/// decoded, the others waiting). Two instead of one: 10M Parquet
/// validate_population 3.36 s against 3.73 s (medians of 8 alternated
/// pairs), peak RSS +23 MB.
const READ_AHEAD: usize = 2;
/// CSV chunks validated before their results are handed on (see [`Source::par_chunks_each`]).
const CSV_CHUNKS_PER_SINK: usize = 8;

/// A stretch of a CSV file's body that ends at a record boundary.
#[derive(Debug, Clone, Copy, PartialEq)]
struct CsvChunk {
    start: usize,
    end: usize,
    /// Physical line of the chunk's first byte (the header is line 1).
    first_line: u64,
    /// Whether the chunk has a `\r` not followed by `\n` (an old Mac line
    /// end). Without one, the CSV parser's own count of `\n` gives each
    /// record's line; with one, line breaks are counted as an editor does.
    lone_cr: bool,
    /// Whether this chunk has no `"` and no lone `\r`: then each line is a
    /// record and each delimiter ends a field (a chunk starts at a record,
    /// outside quotes), and the chunk is split by [`plain_records`] instead
    /// of the CSV parser.
    plain: bool,
}

/// An input file, opened: CSV mapped from disk, XLSX held in memory, Parquet
/// read in batches of row groups when visited.
pub struct Source {
    pub path: PathBuf,
    /// The path as the user gave it, used in rejects and warnings.
    pub display: String,
    pub headers: Vec<String>,
    pub bytes: u64,
    sha256: std::sync::Mutex<Sha>,
    data: Data,
}

/// A file's sha256: known, or being computed on a thread of its own while
/// the file is validated.
enum Sha {
    /// The hex digest, or why it could not be had.
    Done(Result<String, String>),
    Running(std::thread::JoinHandle<std::io::Result<(u64, String)>>),
}

enum Data {
    Csv { buf: CsvBytes, delim: u8, chunks: Vec<CsvChunk> },
    Parquet { file: ParquetFile, batches: Vec<(usize, usize)> },
    Xlsx(Vec<Vec<String>>),
}

/// The bytes of a CSV file after any byte-order mark: mapped from disk, so
/// that the file is never copied into memory and the pages validation has
/// finished with are handed back ([`CsvBytes::release`]); held in memory for
/// an empty file and in unit tests.
pub(crate) struct CsvBytes {
    store: CsvStore,
    /// Bytes skipped at the start (a UTF-8 byte-order mark).
    skip: usize,
}

enum CsvStore {
    Map(memmap2::Mmap),
    Vec(Vec<u8>),
}

impl std::ops::Deref for CsvBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.store {
            CsvStore::Map(m) => &m[self.skip..],
            CsvStore::Vec(v) => &v[self.skip..],
        }
    }
}

impl From<Vec<u8>> for CsvBytes {
    fn from(v: Vec<u8>) -> Self {
        CsvBytes { store: CsvStore::Vec(v), skip: 0 }
    }
}

impl CsvBytes {
    /// Map a file. Like every reader here it assumes the file does not change
    /// while it is read; a change of size is caught by the sha256 check
    /// ([`Source::sha256`]).
    fn map(path: &Path) -> std::io::Result<CsvBytes> {
        let f = std::fs::File::open(path)?;
        if f.metadata()?.len() == 0 {
            return Ok(Vec::new().into());
        }
        // SAFETY: the mapping is read-only; the file is an export that is
        // not being written while cakupan reads it (as for any reader).
        let m = unsafe { memmap2::Mmap::map(&f)? };
        Ok(CsvBytes { store: CsvStore::Map(m), skip: 0 })
    }

    /// Drop `self[from..to]` from this process's memory (resident set); the
    /// bytes stay readable and come back from the page cache if read again
    /// (worklists read a few rows again by offset).
    fn release(&self, from: usize, to: usize) {
        #[cfg(unix)]
        if let CsvStore::Map(m) = &self.store {
            let (from, to) = (from.min(to), to.min(self.len()));
            if to > from {
                // SAFETY: a read-only file mapping; MADV_DONTNEED only drops
                // the page table entries, later reads fault the same file
                // bytes in again. Failure only means the pages stay resident.
                let _ = unsafe {
                    m.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, self.skip + from, to - from)
                };
            }
        }
        #[cfg(not(unix))]
        let _ = (from, to);
    }
}

/// One input row, whatever the file format.
pub struct Row<'a> {
    /// 1-based physical line (CSV) or spreadsheet row number (header = 1).
    pub line: u64,
    /// Byte offset of the record (CSV) or row index (Parquet, XLSX), to find it again.
    pub offset: u64,
    cells: Cells<'a>,
}

enum Cells<'a> {
    /// A CSV record, and whether all of its bytes are ASCII (then every
    /// cell is UTF-8 without checking each one).
    Csv(&'a csv::ByteRecord, bool),
    /// A line of a [`CsvChunk::plain`] chunk, the positions of its
    /// delimiters, and whether it is all ASCII.
    Plain(&'a [u8], &'a [u32], bool),
    /// A row of a decoded batch, with its chunk's content hashes (computed
    /// column by column, when the first row asks).
    Parquet(&'a StringTable, usize, Option<&'a ChunkHashes>),
    Xlsx(&'a [String]),
}

impl<'a> Cells<'a> {
    fn csv(rec: &'a csv::ByteRecord) -> Self {
        Cells::Csv(rec, rec.as_slice().is_ascii())
    }
}

/// The content hashes of rows `start..end` of a Parquet batch, computed a
/// block of rows at a time (column by column: one pass over each column's
/// cells) when a row of the block first asks. The block is small enough to
/// stay in the core's cache, so validating its rows, which reads the same
/// cells row by row, finds them there.
struct ChunkHashes {
    start: usize,
    end: usize,
    /// Hashes of rows `start..start + hashes.len()`.
    hashes: std::cell::RefCell<Vec<u64>>,
}

/// Rows hashed at a time (16 columns of 1,024 rows: 256 KB of Arrow views).
const HASH_BLOCK_ROWS: usize = 1024;

impl ChunkHashes {
    fn new(start: usize, end: usize) -> Self {
        ChunkHashes { start, end, hashes: std::cell::RefCell::new(Vec::with_capacity(end - start)) }
    }

    fn of(&self, t: &StringTable, row: usize) -> u64 {
        let k = row - self.start;
        let mut h = self.hashes.borrow_mut();
        while h.len() <= k {
            let from = self.start + h.len();
            let to = (from + HASH_BLOCK_ROWS).min(self.end);
            h.extend(t.hash_rows(from..to, ROW_SEED, cell_hash, mix_hash));
        }
        h[k]
    }
}

/// Where a row's content hash starts; each cell is folded in by [`mix_cell`].
const ROW_SEED: u64 = 0x6361_6b75_7061_6e21;

/// Fold one cell into a row's content hash: the cell's own hash
/// ([`cell_hash`]) mixed into the row's by [`mix_hash`]. Every format
/// computes the same value for the same cells (a CSV row and the same row in
/// Parquet hash alike), whether row by row or column by column, and a
/// Parquet dictionary's values are hashed once each.
#[inline]
pub(crate) fn mix_cell(h: u64, cell: &[u8]) -> u64 {
    mix_hash(h, cell_hash(cell))
}

/// One cell's hash (foldhash, which mixes in the length, so cell
/// boundaries count).
#[inline(always)]
pub(crate) fn cell_hash(cell: &[u8]) -> u64 {
    use std::hash::Hasher;
    static SEED: foldhash::SharedSeed = foldhash::SharedSeed::from_u64(0x4e49_4b21_4b54_5021);
    let mut s = foldhash::fast::FoldHasher::with_seed(0x6365_6c6c_6861_7368, &SEED);
    // Only `write` is used: the hasher's state is its accumulator, which
    // `finish` returns as is.
    s.write(cell);
    s.finish()
}

/// A row's hash so far with its next cell's hash: foldhash's folded
/// multiply (the 128-bit product's halves xor-ed) of the two, each first
/// xor-ed with a constant of its own, so the order of cells counts.
#[inline(always)]
pub(crate) fn mix_hash(h: u64, cell: u64) -> u64 {
    let p = ((h ^ 0x243f_6a88_85a3_08d3) as u128) * ((cell ^ 0x1319_8a2e_0370_7344) as u128);
    (p as u64) ^ ((p >> 64) as u64)
}

impl Row<'_> {
    /// Number of cells in this row.
    pub fn len(&self) -> usize {
        match &self.cells {
            Cells::Csv(r, _) => r.len(),
            Cells::Plain(_, seps, _) => seps.len() + 1,
            Cells::Parquet(t, _, _) => t.headers.len(),
            Cells::Xlsx(r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Cell `i` as text (`""` when absent). Invalid UTF-8 is read as Latin-1.
    #[inline]
    pub fn get(&self, i: Option<usize>) -> Cow<'_, str> {
        let Some(i) = i else { return Cow::Borrowed("") };
        match &self.cells {
            Cells::Csv(r, ascii) => r.get(i).map_or(Cow::Borrowed(""), |b| text(b, *ascii)),
            Cells::Plain(line, seps, ascii) => plain_field(line, seps, i).map_or(Cow::Borrowed(""), |b| text(b, *ascii)),
            Cells::Parquet(t, row, _) => Cow::Borrowed(if i < t.headers.len() { t.get(*row, i) } else { "" }),
            Cells::Xlsx(r) => Cow::Borrowed(r.get(i).map(String::as_str).unwrap_or("")),
        }
    }

    /// Cell `i`'s place in its column's dictionary (a Parquet column read
    /// as a dictionary, without nulls): cells with the same key are equal.
    #[inline]
    pub fn dict_key(&self, i: Option<usize>) -> Option<DictKey> {
        match (&self.cells, i) {
            (Cells::Parquet(t, row, _), Some(i)) => t.dict_key(*row, i),
            _ => None,
        }
    }

    /// A hash of every cell, to find byte-identical copies of a row.
    pub fn content_hash(&self) -> u64 {
        match &self.cells {
            Cells::Csv(r, _) => r.iter().fold(ROW_SEED, mix_cell),
            Cells::Plain(line, seps, _) => (0..=seps.len()).fold(ROW_SEED, |h, i| mix_cell(h, plain_field(line, seps, i).unwrap_or(b""))),
            Cells::Parquet(t, row, Some(chunk)) => chunk.of(t, *row),
            Cells::Parquet(t, row, None) => (0..t.headers.len()).fold(ROW_SEED, |h, i| mix_cell(h, t.get(*row, i).as_bytes())),
            Cells::Xlsx(r) => r.iter().fold(ROW_SEED, |h, c| mix_cell(h, c.as_bytes())),
        }
    }
}

/// A CSV cell as text: borrowed when it is UTF-8 (without a check when its
/// record is all ASCII), else read as Latin-1.
#[inline]
fn text(b: &[u8], ascii: bool) -> Cow<'_, str> {
    if ascii {
        // SAFETY: ASCII is UTF-8.
        return Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(b) });
    }
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(b.iter().map(|&c| c as char).collect()),
    }
}

/// Field `i` of a plain line whose delimiters are at `seps`.
#[inline]
fn plain_field<'a>(line: &'a [u8], seps: &[u32], i: usize) -> Option<&'a [u8]> {
    if i > seps.len() {
        return None;
    }
    let start = if i == 0 { 0 } else { seps[i - 1] as usize + 1 };
    let end = seps.get(i).map_or(line.len(), |&e| e as usize);
    Some(&line[start..end])
}

/// Spreadsheet-style text for a number cell: whole numbers below 2^53 as
/// digits, anything larger or fractional in scientific notation (`9.40414E15`),
/// which the NIK check recognises as spreadsheet damage.
pub fn float_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:E}");
        if x.fract() == 0.0 {
            s
        } else {
            format!("{x}")
        }
    }
}

fn extension(path: &Path) -> String {
    path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase()
}

/// Whether a file's rows are found again by their index (Parquet and
/// spreadsheets: a row's `offset` is its line minus 2, the header being
/// line 1) rather than by a byte offset (CSV, any other extension).
pub fn offset_is_row_index(path: &Path) -> bool {
    matches!(extension(path).as_str(), "parquet" | "pq" | "xlsx" | "xlsm" | "xls" | "ods")
}

impl Source {
    /// Open a CSV, Parquet or XLSX file (by extension; CSV otherwise), without
    /// its sha256.
    pub fn open(path: &Path) -> Result<Source, PipelineError> {
        Self::open_hashed(path, false)
    }

    /// [`Source::open`], computing the file's sha256 when `hash` is set (the
    /// run's inputs, for the manifest; not when a file is opened again).
    pub fn open_hashed(path: &Path, hash: bool) -> Result<Source, PipelineError> {
        const MAX_CSV_BYTES: u64 = crate::enrollment::Record::OFFSET_LIMIT;
        let display = path.display().to_string();
        let unreadable = |e: String| PipelineError::Unreadable { file: display.clone(), reason: e };
        let ext = extension(path);
        let is_csv = !offset_is_row_index(path);
        // CSV is parsed from a read-only mapping of the file; other formats
        // are read by their own readers. The sha256 is computed from the file in a stream on a
        // thread of its own (no second copy in memory), overlapping with
        // validation; [`Source::sha256`] waits for it.
        let (raw, bytes) = if is_csv {
            let raw = CsvBytes::map(path).map_err(|e| unreadable(e.to_string()))?;
            let n = raw.len() as u64;
            // A row's byte offset is kept in 41 bits (crate::enrollment::Record).
            if n >= MAX_CSV_BYTES {
                return Err(unreadable(format!(
                    "the file has {n} bytes; CSV files up to 2 TiB are read: split it (rows in several files are read as one input)"
                )));
            }
            (raw, n)
        } else {
            let bytes = std::fs::metadata(path).map_err(|e| unreadable(e.to_string()))?.len();
            (Vec::new().into(), bytes)
        };
        let sha256 = if hash {
            let p = path.to_path_buf();
            // Hashed from a mapping of its own, with no copy into a buffer
            // (the copy was 2% of a CSV run's CPU); a file that cannot be
            // mapped is read.
            Sha::Running(std::thread::spawn(move || sha256_mapped(&p, SHA_PIECE).or_else(|_| sha256_stream(&p))))
        } else {
            Sha::Done(Ok(String::new()))
        };
        let sha256 = std::sync::Mutex::new(sha256);
        let (headers, data) = match ext.as_str() {
            "parquet" | "pq" => {
                let file = ParquetFile::open(path).map_err(unreadable)?;
                let batches = parquet_batches(&file.row_groups(), PARQUET_BATCH_ROWS);
                (file.headers.clone(), Data::Parquet { file, batches })
            }
            "xlsx" | "xlsm" | "xls" | "ods" => {
                let mut rows = read_xlsx(path).map_err(unreadable)?;
                if rows.is_empty() {
                    return Err(unreadable("the spreadsheet's first sheet is empty (no header row)".into()));
                }
                let headers = rows.remove(0);
                (headers, Data::Xlsx(rows))
            }
            _ => open_csv(raw).map_err(unreadable)?,
        };
        Ok(Source { path: path.to_path_buf(), display, headers, bytes, sha256, data })
    }

    /// The file's sha256 as hex (empty when it was opened without hashing),
    /// waiting for the hashing thread if it is still running. The size read
    /// while hashing must be the size opened: a file that changed while it was
    /// read is an error.
    pub fn sha256(&self) -> Result<String, PipelineError> {
        let mut g = self.sha256.lock().expect("sha256 lock");
        if let Sha::Running(_) = &*g {
            let Sha::Running(h) = std::mem::replace(&mut *g, Sha::Done(Ok(String::new()))) else { unreachable!() };
            *g = Sha::Done(match h.join().expect("the sha256 thread") {
                Ok((n, sha)) if n == self.bytes => Ok(sha),
                Ok((n, _)) => Err(format!("the file changed while it was read ({} bytes, then {n})", self.bytes)),
                Err(e) => Err(e.to_string()),
            });
        }
        match &*g {
            Sha::Done(r) => r.clone().map_err(|e| self.unreadable(e)),
            Sha::Running(_) => unreachable!("joined above"),
        }
    }

    /// How many data rows the file holds at most, to size buffers once: exact
    /// for Parquet and XLSX; for CSV its physical lines after the header,
    /// known from the chunks' first line numbers (a record has at least one).
    pub fn rows_hint(&self) -> usize {
        match &self.data {
            Data::Parquet { batches, .. } => batches.iter().map(|b| b.1).sum(),
            Data::Xlsx(rows) => rows.len(),
            Data::Csv { buf, chunks, .. } => match (chunks.first(), chunks.last()) {
                // +1: a last line without a line end.
                (Some(first), Some(last)) => {
                    (last.first_line - first.first_line + count_breaks(buf, last.start, last.end) + 1) as usize
                }
                _ => 0,
            },
        }
    }

    /// About how many rows one chunk of [`Source::par_chunks_each`] visits,
    /// to size a chunk's buffers once: exact for Parquet and XLSX (a chunk is
    /// at most that many rows), for CSV a tenth more than the average.
    pub fn chunk_rows_hint(&self) -> usize {
        match &self.data {
            Data::Parquet { .. } | Data::Xlsx(_) => CHUNK_ROWS.min(self.rows_hint()),
            Data::Csv { chunks, .. } => (self.rows_hint() / chunks.len().max(1)) * 11 / 10,
        }
    }

    /// Number of data rows (known up front for Parquet/XLSX; counted for CSV).
    pub fn format(&self) -> &'static str {
        match self.data {
            Data::Csv { .. } => "csv",
            Data::Parquet { .. } => "parquet",
            Data::Xlsx(_) => "xlsx",
        }
    }

    /// Visit every row in parallel chunks. Each chunk gets a fresh accumulator
    /// from `init`; the accumulators come back in file order.
    pub fn par_chunks<A, I, F>(&self, init: I, f: F) -> Result<Vec<A>, PipelineError>
    where
        A: Send,
        I: Fn() -> A + Sync,
        F: Fn(&mut A, &Row) + Sync,
    {
        let mut out = Vec::new();
        self.par_chunks_each(init, f, |accs| {
            out.extend(accs);
            Ok(())
        })?;
        Ok(out)
    }

    /// [`Source::par_chunks`], handing the accumulators to `sink` a group at a
    /// time (in file order) instead of keeping them all: one Parquet batch, or
    /// a group of CSV chunks. The sink runs on a thread of its own, one call
    /// at a time, in file order, while the next groups are validated, so the
    /// pool never waits for it. An error from the sink stops validation and
    /// is returned.
    pub fn par_chunks_each<A, I, F, S>(&self, init: I, f: F, sink: S) -> Result<(), PipelineError>
    where
        A: Send,
        I: Fn() -> A + Sync,
        F: Fn(&mut A, &Row) + Sync,
        S: FnMut(Vec<A>) -> Result<(), PipelineError> + Send,
    {
        self.par_chunks_each_of(None, init, f, sink)
    }

    /// [`Source::par_chunks_each`] reading only `columns` of a Parquet file
    /// (the other cells read as empty, as does a row's content hash); other
    /// formats parse every cell anyway. `None`: every column.
    pub fn par_chunks_each_of<A, I, F, S>(
        &self,
        columns: Option<&[usize]>,
        init: I,
        f: F,
        mut sink: S,
    ) -> Result<(), PipelineError>
    where
        A: Send,
        I: Fn() -> A + Sync,
        F: Fn(&mut A, &Row) + Sync,
        S: FnMut(Vec<A>) -> Result<(), PipelineError> + Send,
    {
        // The sink runs on a thread of its own, one group at a time in file
        // order, while the pool validates the next groups: no pool thread
        // waits for it, nor for the others at the end of a group while it
        // sinks (on a pool thread, it left a core idle at the end of most
        // groups).
        std::thread::scope(|scope| -> Result<(), PipelineError> {
            let (to_sink, groups) = std::sync::mpsc::sync_channel::<Vec<A>>(1);
            let sinking = scope.spawn(move || -> Result<(), PipelineError> {
                for accs in groups {
                    sink(accs)?;
                }
                Ok(())
            });
            let validated = self.groups_each(columns, &init, &f, &mut |accs| to_sink.send(accs).is_ok());
            drop(to_sink);
            // The sink's error first: validation stopped because of it.
            sinking.join().expect("the sink thread")?;
            validated
        })
    }

    /// Validate the groups of [`Source::par_chunks_each_of`] in file order,
    /// handing each group's accumulators to `sink` (false: stop).
    fn groups_each<A, I, F>(
        &self,
        columns: Option<&[usize]>,
        init: &I,
        f: &F,
        sink: &mut dyn FnMut(Vec<A>) -> bool,
    ) -> Result<(), PipelineError>
    where
        A: Send,
        I: Fn() -> A + Sync,
        F: Fn(&mut A, &Row) + Sync,
    {
        let mut step = |work: &(dyn Fn() -> Result<Vec<A>, PipelineError> + Sync)| -> Result<(), PipelineError> {
            if sink(work()?) {
                Ok(())
            } else {
                Err(PipelineError::Unreadable { file: self.display.clone(), reason: "validation stopped".into() })
            }
        };
        match &self.data {
            Data::Csv { buf, delim, chunks } => {
                for group in chunks.chunks(CSV_CHUNKS_PER_SINK) {
                    step(&|| {
                    let accs = group
                        .par_iter()
                        .map(|c| {
                            let mut acc = init();
                            if c.plain {
                                plain_records(buf, *delim, c, |row| f(&mut acc, row));
                                return Ok(acc);
                            }
                            csv_records(buf, *delim, c, !c.lone_cr, |row| f(&mut acc, row)).map_err(|e| {
                                PipelineError::Unreadable { file: self.display.clone(), reason: format!("CSV parse error: {e}") }
                            })?;
                            Ok(acc)
                        })
                        .collect::<Result<Vec<A>, PipelineError>>()?;
                    if let (Some(first), Some(last)) = (group.first(), group.last()) {
                        buf.release(first.start, last.end);
                    }
                    Ok(accs)
                    })?;
                }
            }
            Data::Parquet { file, batches } => {
                // The batches are decoded in order on a thread of their own,
                // up to READ_AHEAD of them ahead of the one being validated,
                // so that decoding and validation overlap and the pool does
                // not wait at a batch's end for a decoder that got less than
                // its share of the cores meanwhile.
                if !batches.is_empty() {
                    std::thread::scope(|scope| -> Result<(), PipelineError> {
                        // READ_AHEAD - 1 decoded batches wait in the channel while the next is decoded.
                        let (decoded, ready) = std::sync::mpsc::sync_channel(READ_AHEAD - 1);
                        scope.spawn(move || {
                            // Stops when validation stopped (the channel is
                            // closed) or a batch failed (its error was sent).
                            file.read_batches(batches, columns, |t| decoded.send(t).is_ok());
                        });
                        for k in 0..batches.len() {
                            let t: StringTable = ready
                                .recv()
                                .expect("the Parquet reader sends every batch or an error")
                                .map_err(|e| self.unreadable(e))?;
                            let (start, len) = batches[k];
                            let t = &t;
                            step(&|| {
                                Ok((0..len)
                                    .step_by(CHUNK_ROWS)
                                    .collect::<Vec<_>>()
                                    .par_iter()
                                    .map(|&s| {
                                        let mut acc = init();
                                        let end = (s + CHUNK_ROWS).min(len);
                                        let hashes = ChunkHashes::new(s, end);
                                        for r in s..end {
                                            let g = (start + r) as u64;
                                            let cells = Cells::Parquet(t, r, Some(&hashes));
                                            f(&mut acc, &Row { line: g + 2, offset: g, cells });
                                        }
                                        acc
                                    })
                                    .collect())
                            })?;
                        }
                        Ok(())
                    })?;
                }
            }
            Data::Xlsx(rows) => step(&|| {
                Ok(rows
                    .par_chunks(CHUNK_ROWS)
                    .enumerate()
                    .map(|(ci, chunk)| {
                        let mut acc = init();
                        for (k, r) in chunk.iter().enumerate() {
                            let idx = (ci * CHUNK_ROWS + k) as u64;
                            f(&mut acc, &Row { line: idx + 2, offset: idx, cells: Cells::Xlsx(r) });
                        }
                        acc
                    })
                    .collect())
            })?,
        }
        Ok(())
    }

    /// Read several rows again by their `offset`s (for worklists and linkage,
    /// after the join), in parallel; results come back in the order of `offsets`.
    pub fn rows_at<T, F>(&self, offsets: &[u64], f: F) -> Result<Vec<T>, PipelineError>
    where
        T: Send,
        F: Fn(u64, &Row) -> T + Sync,
    {
        self.rows_at_columns(offsets, None, f)
    }

    /// [`Source::rows_at`] when `f` reads only `columns` (`None` entries are
    /// missing columns): a Parquet file then decodes only those; any other
    /// cell reads as empty.
    pub fn rows_at_columns<T, F>(&self, offsets: &[u64], columns: Option<&[Option<usize>]>, f: F) -> Result<Vec<T>, PipelineError>
    where
        T: Send,
        F: Fn(u64, &Row) -> T + Sync,
    {
        let columns: Option<Vec<usize>> = columns.map(|c| c.iter().flatten().copied().collect());
        let Data::Parquet { file, batches } = &self.data else {
            return Ok(offsets.par_iter().map(|&o| self.with_in_memory_row(o, |r| f(o, r))).collect());
        };
        // Parquet: visit the batches that hold any of the rows, once each.
        let mut order: Vec<usize> = (0..offsets.len()).collect();
        order.sort_unstable_by_key(|&i| offsets[i]);
        let mut out: Vec<Option<T>> = (0..offsets.len()).map(|_| None).collect();
        let mut k = 0;
        for &(start, len) in batches {
            let end = (start + len) as u64;
            let from = k;
            while k < order.len() && offsets[order[k]] < end {
                k += 1;
            }
            if from == k {
                continue;
            }
            let t = file.read_slice(start, len, columns.as_deref()).map_err(|e| self.unreadable(e))?;
            let got: Vec<(usize, T)> = order[from..k]
                .par_iter()
                .map(|&i| {
                    let o = offsets[i];
                    let r = (o as usize).checked_sub(start).expect("offsets are sorted");
                    (i, f(o, &Row { line: 0, offset: o, cells: Cells::Parquet(&t, r, None) }))
                })
                .collect();
            for (i, v) in got {
                out[i] = Some(v);
            }
        }
        out.into_iter()
            .map(|v| v.ok_or_else(|| self.unreadable("a row to read again is beyond the end of the file".into())))
            .collect()
    }

    /// Read one row again by its `offset`.
    pub fn with_row<T: Send>(&self, offset: u64, f: impl Fn(&Row) -> T + Sync) -> Result<T, PipelineError> {
        Ok(self.rows_at(&[offset], |_, r| f(r))?.pop().expect("one row"))
    }

    fn unreadable(&self, reason: String) -> PipelineError {
        PipelineError::Unreadable { file: self.display.clone(), reason }
    }

    /// One row of a CSV or XLSX file, which are held in memory.
    fn with_in_memory_row<T>(&self, offset: u64, f: impl FnOnce(&Row) -> T) -> T {
        match &self.data {
            Data::Csv { buf, delim, .. } => {
                let rest = &buf[offset as usize..];
                // A record's position may point at the `\n` of the previous
                // CRLF; the csv reader skips line ends before a record.
                let skip = rest.iter().take_while(|&&c| c == b'\n' || c == b'\r').count();
                let rest = &rest[skip..];
                let end = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
                let mut rec = csv::ByteRecord::new();
                if memchr::memchr(b'"', &rest[..end]).is_none() {
                    // An unquoted record is its bytes up to the line end, split at
                    // the delimiter: what the csv reader would give, without
                    // building a csv reader (and its DFA) per row.
                    for field in rest[..end].split(|&c| c == *delim) {
                        rec.push_field(field);
                    }
                } else {
                    let mut rdr = csv_reader(*delim, rest);
                    let _ = rdr.read_byte_record(&mut rec);
                }
                f(&Row { line: 0, offset, cells: Cells::csv(&rec) })
            }
            Data::Xlsx(rows) => f(&Row { line: 0, offset, cells: Cells::Xlsx(&rows[offset as usize]) }),
            Data::Parquet { .. } => unreachable!("Parquet rows are read again in batches"),
        }
    }
}

/// Batches `(start, len)` of whole row groups of about `target` rows; a
/// larger row group is split into slices of `target` rows.
fn parquet_batches(row_groups: &[usize], target: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut start, mut len) = (0usize, 0usize);
    for &n in row_groups {
        if len > 0 && len + n > target {
            out.push((start, len));
            start += len;
            len = 0;
        }
        if n > target {
            let mut s = 0;
            while s < n {
                let l = target.min(n - s);
                out.push((start + s, l));
                s += l;
            }
            start += n;
        } else {
            len += n;
        }
    }
    if len > 0 {
        out.push((start, len));
    }
    out
}

fn csv_reader(delim: u8, bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().delimiter(delim).has_headers(false).flexible(true).from_reader(bytes)
}

/// Size and sha256 of a file, read in 1 MiB pieces.
fn sha256_stream(path: &Path) -> std::io::Result<(u64, String)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((n, hex(&h.finalize())))
}

/// Bytes hashed between releases of a mapping's pages.
const SHA_PIECE: usize = 16 << 20;

/// Size and sha256 of a file read through a read-only mapping, `piece` bytes
/// at a time, each released once hashed (the process never holds more than
/// one piece of it).
fn sha256_mapped(path: &Path, piece: usize) -> std::io::Result<(u64, String)> {
    let m = CsvBytes::map(path)?;
    let mut h = Sha256::new();
    let mut at = 0;
    while at < m.len() {
        let to = (at + piece.max(1)).min(m.len());
        h.update(&m[at..to]);
        m.release(at, to);
        at = to;
    }
    Ok((m.len() as u64, hex(&h.finalize())))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Detect the delimiter from the header line: the most frequent of `,` `;` `|` tab.
pub fn detect_delimiter(header_line: &[u8]) -> u8 {
    let mut best = (0usize, b',');
    for d in [b',', b';', b'|', b'\t'] {
        let n = header_line.iter().filter(|&&c| c == d).count();
        if n > best.0 {
            best = (n, d);
        }
    }
    best.1
}

fn open_csv(buf: impl Into<CsvBytes>) -> Result<(Vec<String>, Data), String> {
    let mut buf: CsvBytes = buf.into();
    if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
        buf.skip = 3;
    }
    if buf.starts_with(&[0xFF, 0xFE]) || buf.starts_with(&[0xFE, 0xFF]) {
        return Err("the file is UTF-16; save it as UTF-8 CSV".into());
    }
    if buf.iter().all(|c| c.is_ascii_whitespace()) {
        return Err("the file is empty (no header line)".into());
    }
    let header_end = memchr::memchr(b'\n', &buf).map(|i| i + 1).unwrap_or(buf.len());
    let delim = detect_delimiter(&buf[..header_end]);
    let mut rdr = csv_reader(delim, &buf[..header_end]);
    let mut rec = csv::ByteRecord::new();
    rdr.read_byte_record(&mut rec).map_err(|e| format!("cannot read the header line: {e}"))?;
    let headers: Vec<String> = rec.iter().map(|b| String::from_utf8_lossy(b).trim().to_string()).collect();
    let chunks = split_chunks(&buf, header_end, CHUNK_BYTES);
    // Finding the chunks read the whole file; its pages are read again chunk
    // by chunk when the rows are validated.
    buf.release(0, buf.len());
    Ok((headers, Data::Csv { buf, delim, chunks }))
}

/// Visit the records of one chunk in order, each with its physical line.
/// With `parser_lines`, a record's line comes from the CSV parser's count of
/// `\n` (right when the chunk has no lone `\r`); otherwise line breaks are
/// counted from the previous record's start, as [`count_breaks`] counts them.
fn csv_records(
    buf: &[u8],
    delim: u8,
    c: &CsvChunk,
    parser_lines: bool,
    mut f: impl FnMut(&Row),
) -> Result<(), csv::Error> {
    let (start, end) = (c.start, c.end);
    let mut rdr = csv_reader(delim, &buf[start..end]);
    let mut rec = csv::ByteRecord::new();
    let (mut line, mut cursor) = (c.first_line, start);
    while rdr.read_byte_record(&mut rec)? {
        let pos = rec.position().expect("csv position");
        let at = start + pos.byte() as usize;
        // The position may point at line ends before the record (the `\n`
        // of a CRLF, blank lines): the record starts after them.
        let skipped = &buf[at..end];
        let skip = skipped.iter().take_while(|&&c| c == b'\n' || c == b'\r').count();
        let first = at + skip;
        line = if parser_lines {
            // The parser's line counts every `\n` before `at` (it starts at 1).
            c.first_line - 1 + pos.line() + skipped[..skip].iter().filter(|&&c| c == b'\n').count() as u64
        } else {
            line + count_breaks(buf, cursor, first)
        };
        cursor = first;
        f(&Row { line, offset: at as u64, cells: Cells::csv(&rec) });
    }
    Ok(())
}

/// Visit the records of a [`CsvChunk::plain`] chunk as [`csv_records`]
/// visits them (the same records, cells, lines and offsets), splitting each
/// line at its delimiters instead of running the CSV parser: with no quote
/// in the file and no lone `\r` in the chunk, a record is a line (ended by
/// `\n` or `\r\n`, or by the chunk's end), a line with nothing on it is
/// skipped, and a record's offset is where the parser would have stood when
/// it began it: just past the first byte of the previous record's line end
/// (the `\n` of a CRLF, or any blank lines, may lie between).
fn plain_records(buf: &[u8], delim: u8, c: &CsvChunk, mut f: impl FnMut(&Row)) {
    let (mut p, end) = (c.start, c.end);
    let mut line = c.first_line;
    let mut at = c.start;
    let mut seps: Vec<u32> = Vec::with_capacity(64);
    while p < end {
        let nl = memchr::memchr(b'\n', &buf[p..end]).map_or(end, |i| p + i);
        let content_end = if nl > p && buf[nl - 1] == b'\r' { nl - 1 } else { nl };
        if content_end > p {
            let record = &buf[p..content_end];
            seps.clear();
            seps.extend(memchr::memchr_iter(delim, record).map(|i| i as u32));
            f(&Row { line, offset: at as u64, cells: Cells::Plain(record, &seps, record.is_ascii()) });
            at = content_end + 1;
        }
        line += 1;
        p = nl + 1;
    }
}

/// Line breaks in `buf[from..to]`: each `\n`, and each `\r` not followed by
/// `\n` (old Mac line ends), looking past `to` for that one byte.
fn count_breaks(buf: &[u8], from: usize, to: usize) -> u64 {
    breaks(buf, from, to).0
}

/// [`count_breaks`], and whether any of the breaks is a lone `\r`.
fn breaks(buf: &[u8], from: usize, to: usize) -> (u64, bool) {
    if from >= to {
        return (0, false);
    }
    let part = &buf[from..to];
    // Usually one short record: eight bytes at a time in a register (no
    // search to set up per record), `\n` counted and `\r` noted.
    let (mut n, mut cr) = (0u64, 0u64);
    let mut words = part.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        n += swar_equal(w, b'\n').count_ones() as u64;
        cr |= swar_equal(w, b'\r');
    }
    for &c in words.remainder() {
        n += (c == b'\n') as u64;
        cr |= (c == b'\r') as u64;
    }
    if cr == 0 {
        return (n, false);
    }
    let mut lone = 0;
    for i in memchr::memchr_iter(b'\r', part) {
        if buf.get(from + i + 1) != Some(&b'\n') {
            lone += 1;
        }
    }
    (n + lone, lone > 0)
}

/// The high bit of each byte of `w` equal to `b` (exact: no false hits).
#[inline]
fn swar_equal(w: u64, b: u8) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let x = w ^ (ONES * b as u64);
    !(((x & !HIGH).wrapping_add(!HIGH)) | x) & HIGH
}

/// How many bytes of `part` are `b`, eight at a time in a register.
fn count_byte(part: &[u8], b: u8) -> u64 {
    let mut words = part.chunks_exact(8);
    let mut n = 0u64;
    for w in &mut words {
        n += swar_equal(u64::from_le_bytes(w.try_into().expect("8 bytes")), b).count_ones() as u64;
    }
    n + words.remainder().iter().filter(|&&c| c == b).count() as u64
}

/// Split the body (from `body_start`) into chunks ending at record
/// boundaries (a newline outside quotes), each with the physical line number
/// of its first byte.
fn split_chunks(buf: &[u8], body_start: usize, chunk_bytes: usize) -> Vec<CsvChunk> {
    let n = buf.len();
    // First as if no field were quoted: chunks end at the first `\n` after
    // each cut, and one parallel pass over them counts their line breaks and
    // their quotes.
    let mut bounds = vec![body_start];
    let mut at = body_start;
    while at + chunk_bytes < n {
        match memchr::memchr(b'\n', &buf[at + chunk_bytes..]) {
            Some(i) => {
                at = at + chunk_bytes + i + 1;
                if at < n {
                    bounds.push(at);
                }
            }
            None => break,
        }
    }
    bounds.push(n);
    let ranges: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
    // Per range: line breaks, a lone `\r`, quotes.
    let scanned: Vec<(u64, bool, u64)> = ranges
        .par_iter()
        .map(|&(a, b)| {
            // In pieces that stay in cache between the looks.
            let (mut nl, mut lone, mut quotes) = (0, false, 0);
            let mut p = a;
            while p < b {
                let q = (p + (64 << 10)).min(b);
                let (k, l) = breaks(buf, p, q);
                nl += k;
                lone |= l;
                if memchr::memchr(b'"', &buf[p..q]).is_some() {
                    quotes += count_byte(&buf[p..q], b'"');
                }
                p = q;
            }
            (nl, lone, quotes)
        })
        .collect();
    // Per chunk: line breaks, a lone `\r`, a quote.
    let (ranges, counted): (Vec<(usize, usize)>, Vec<(u64, bool, bool)>) = if scanned.iter().all(|s| s.2 == 0) {
        (ranges, scanned.into_iter().map(|(nl, lone, _)| (nl, lone, false)).collect())
    } else {
        // A quoted field may hold a line break: each cut moves to the first
        // line end outside quotes at or after it ([`cuts_outside_quotes`]);
        // a range whose cut did not move keeps its counts.
        let mut bounds = cuts_outside_quotes(buf, body_start, &ranges, &scanned);
        bounds.push(n);
        let chunks: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
        let counted = chunks
            .par_iter()
            .map(|&(a, b)| match ranges.binary_search(&(a, b)) {
                Ok(k) => (scanned[k].0, scanned[k].1, scanned[k].2 > 0),
                Err(_) => {
                    let (nl, lone) = breaks(buf, a, b);
                    (nl, lone, memchr::memchr(b'"', &buf[a..b]).is_some())
                }
            })
            .collect();
        (chunks, counted)
    };
    let mut line = 2u64; // the header is line 1
    ranges
        .into_iter()
        .zip(counted)
        .map(|((start, end), (nl, lone_cr, quote))| {
            // A chunk starts at a record (outside quotes); with no quote in
            // it, none of its fields is quoted. (Delimiter positions are kept
            // as u32: a longer chunk, one line of over 4 GiB, goes to the parser.)
            let plain = !quote && !lone_cr && end - start <= u32::MAX as usize;
            let c = CsvChunk { start, end, first_line: line, lone_cr, plain };
            line += nl;
            c
        })
        .collect()
}

/// Chunk starts outside quotes, in parallel: a quote toggles "inside a
/// quoted field" (from `body_start`, outside), so the state at each range's
/// start is the parity of the quotes before it (`scanned`'s counts). A range
/// that starts outside quotes starts a chunk there (its start follows a line
/// end); one that starts inside is cut after its first line end outside
/// quotes, if it has one (else it joins the chunk before). Returns the
/// chunk starts, increasing, the first being `body_start`.
fn cuts_outside_quotes(buf: &[u8], body_start: usize, ranges: &[(usize, usize)], scanned: &[(u64, bool, u64)]) -> Vec<usize> {
    let mut inside = Vec::with_capacity(ranges.len());
    let mut q = false;
    for s in scanned {
        inside.push(q);
        q ^= s.2 % 2 == 1;
    }
    let cuts: Vec<Option<usize>> = ranges
        .par_iter()
        .zip(inside)
        .map(|(&(a, b), mut q)| {
            if !q {
                return Some(a);
            }
            for i in memchr::memchr2_iter(b'"', b'\n', &buf[a..b]) {
                if buf[a + i] == b'"' {
                    q = !q;
                } else if !q {
                    return Some(a + i + 1).filter(|&c| c < b);
                }
            }
            None
        })
        .collect();
    let mut out = vec![body_start];
    for c in cuts.into_iter().flatten() {
        if c > *out.last().expect("a start") {
            out.push(c);
        }
    }
    out
}

fn read_xlsx(path: &Path) -> Result<Vec<Vec<String>>, String> {
    use calamine::{open_workbook_auto, Data as X, Reader};
    let mut wb = open_workbook_auto(path).map_err(|e| e.to_string())?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| "the workbook has no sheet".to_string())?
        .map_err(|e| e.to_string())?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
    Ok(range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    X::Empty => String::new(),
                    X::String(s) => s.clone(),
                    X::Int(i) => i.to_string(),
                    X::Float(f) => float_text(*f),
                    X::Bool(b) => b.to_string(),
                    X::DateTime(d) => {
                        let days = d.as_f64().floor() as i64;
                        (epoch + chrono::Duration::days(days)).format("%Y-%m-%d").to_string()
                    }
                    X::DateTimeIso(s) | X::DurationIso(s) => s.clone(),
                    X::Error(e) => format!("#ERROR {e:?}"),
                })
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter(b"NIK;NAMA;TGL_LHR\n"), b';');
        assert_eq!(detect_delimiter(b"NIK,NAMA\n"), b',');
        assert_eq!(detect_delimiter(b"NIK|NAMA|X\n"), b'|');
        assert_eq!(detect_delimiter(b"NIK\tNAMA\n"), b'\t');
        assert_eq!(detect_delimiter(b"NIK\n"), b',');
    }
    #[test]
    fn float_cells() {
        assert_eq!(float_text(1002.0), "1002");
        assert!(data_schema::nik::looks_scientific(&float_text(9404141908210001.0)));
    }
    /// A CSV file of 2 TiB or more (a row's byte offset has 41 bits) is
    /// refused with a message that says what to do, not misread.
    #[test]
    fn a_csv_file_beyond_two_tib_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("huge.csv");
        let f = std::fs::File::create(&p).unwrap();
        // Sparse: no disk space is used.
        if let Err(e) = f.set_len(crate::enrollment::Record::OFFSET_LIMIT) {
            eprintln!("cannot make a 2 TiB sparse file here ({e}); not tested");
            return;
        }
        drop(f);
        let err = Source::open(&p).err().expect("refused");
        assert!(err.to_string().contains("CSV files up to 2 TiB are read"), "{err}");
    }

    /// A CSV source held in memory.
    fn csv_source(csv: Vec<u8>) -> Source {
        let (_, data) = open_csv(csv).unwrap();
        Source { path: "x.csv".into(), display: "x.csv".into(), headers: vec![], bytes: 0, sha256: std::sync::Mutex::new(Sha::Done(Ok(String::new()))), data }
    }

    #[test]
    fn with_row_reads_the_record_at_its_offset() {
        // CRLF line ends, a quoted record and an unquoted one: `with_row`
        // (used for worklists) must give what the parallel reader gave.
        let csv = b"NIK;NAMA;RT\r\n1;Ani;001\r\n2;\"Budi; S\";002\r\n3;Citra;\r\n".to_vec();
        let src = csv_source(csv);
        let rows: Vec<(u64, Vec<String>)> = src
            .par_chunks(Vec::new, |acc: &mut Vec<(u64, Vec<String>)>, r: &Row| {
                acc.push((r.offset, (0..r.len()).map(|i| r.get(Some(i)).into_owned()).collect()))
            })
            .unwrap()
            .concat();
        assert_eq!(rows.len(), 3);
        for (offset, cells) in rows {
            let again: Vec<String> = src.with_row(offset, |r| (0..r.len()).map(|i| r.get(Some(i)).into_owned()).collect()).unwrap();
            assert_eq!(again, cells);
        }
    }
    proptest::proptest! {
        /// Line breaks are counted as an editor counts them (`\n`, `\r\n`
        /// and a lone `\r` each end a line), a `\r` at the end of the range
        /// looking at the byte after it.
        #[test]
        fn count_breaks_counts_what_an_editor_counts(
            buf in proptest::collection::vec(proptest::prop_oneof![proptest::strategy::Just(b'\n'), proptest::strategy::Just(b'\r'), proptest::strategy::Just(b'a'), proptest::strategy::Just(0x8d_u8), proptest::strategy::Just(0x0a_u8 | 0x80), proptest::arbitrary::any::<u8>()], 0..80),
            a in 0usize..80, b in 0usize..80,
        ) {
            let (from, to) = (a.min(buf.len()), b.min(buf.len()));
            let reference = (from..to)
                .filter(|&i| buf[i] == b'\n' || (buf[i] == b'\r' && buf.get(i + 1) != Some(&b'\n')))
                .count() as u64;
            proptest::prop_assert_eq!(count_breaks(&buf, from, to), reference);
        }
    }

    #[test]
    fn cells_are_read_as_utf8_or_else_as_latin1() {
        // An ASCII record, a UTF-8 one and a Latin-1 one (0xE9 is é there).
        let csv = b"NIK;NAMA\n1;ANI\n2;JOS\xc3\xa9\n3;REN\xe9\n".to_vec();
        let src = csv_source(csv);
        let names: Vec<String> =
            src.par_chunks(Vec::new, |acc: &mut Vec<String>, r: &Row| acc.push(r.get(Some(1)).into_owned())).unwrap().concat();
        assert_eq!(names, ["ANI", "JOSé", "RENé"]);
    }

    #[test]
    fn a_mapped_csv_reads_the_same_after_its_pages_are_released() {
        // A file of several chunks, with a byte-order mark: its pages are
        // released once the chunks are found and after each group is
        // validated; rows are then read again by offset.
        let dir = std::env::temp_dir().join(format!("cakupan-csv-map-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.csv");
        let mut text = b"\xEF\xBB\xBFNIK;NAMA\n".to_vec();
        for i in 0..400_000u64 {
            text.extend_from_slice(format!("{:016};orang nomor {i}\n", 3300000000000000 + i).as_bytes());
        }
        std::fs::write(&path, &text).unwrap();
        let src = Source::open(&path).unwrap();
        assert_eq!(src.headers, vec!["NIK", "NAMA"]);
        let Data::Csv { buf, chunks, .. } = &src.data else { panic!("a CSV source") };
        assert!(matches!(buf.store, CsvStore::Map(_)));
        assert!(chunks.len() > 1, "more than one chunk");
        let rows: Vec<(u64, u64, String)> = src
            .par_chunks(Vec::new, |acc: &mut Vec<(u64, u64, String)>, r: &Row| {
                acc.push((r.line, r.offset, r.get(Some(1)).into_owned()))
            })
            .unwrap()
            .concat();
        assert_eq!(rows.len(), 400_000);
        assert_eq!(src.rows_hint(), 400_001, "the lines after the header, and one for a last unterminated line");
        for (k, (line, _, name)) in rows.iter().enumerate() {
            assert_eq!(*line, k as u64 + 2);
            assert_eq!(name, &format!("orang nomor {k}"));
        }
        let offsets: Vec<u64> = rows.iter().step_by(9_973).map(|r| r.1).collect();
        let again = src.rows_at(&offsets, |_, r| r.get(Some(1)).into_owned()).unwrap();
        let want: Vec<String> = rows.iter().step_by(9_973).map(|r| r.2.clone()).collect();
        assert_eq!(again, want);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn parquet_batches_cover_the_row_groups() {
        assert_eq!(parquet_batches(&[], 10), vec![]);
        assert_eq!(parquet_batches(&[4, 4, 4], 10), vec![(0, 8), (8, 4)]);
        assert_eq!(parquet_batches(&[3, 25, 2], 10), vec![(0, 3), (3, 10), (13, 10), (23, 5), (28, 2)]);
        assert_eq!(parquet_batches(&[10, 0, 10], 10), vec![(0, 10), (10, 10)]);
    }

    /// Exact copies are found by content hash across files of any format:
    /// a row hashes the same from CSV and from Parquet (where a batch's hashes
    /// are computed column by column, and a null reads as an empty cell), and
    /// rows that differ in any cell, or only in where a cell ends, do not.
    #[test]
    fn a_row_hashes_the_same_from_csv_and_parquet() {
        let dir = tempfile::tempdir().unwrap();
        let cell = |k: usize, c: usize| -> String {
            match (k * 7 + c * 3) % 9 {
                0 => String::new(),
                1 => format!("{}", k % 5),
                2 => format!("{:016}", 3_171_000_000_000_000u64 + k as u64),
                3 => format!("NAMA LENGKAP, \"ORANG\" KE-{k} DI DESA PANJANG SEKALI"),
                4 => "a".repeat(k % 20),
                5 => "é€".repeat(k % 7),
                6 => format!("{:02}-{:02}-19{:02}", k % 28 + 1, k % 12 + 1, k % 100),
                7 => "baris\r\nbaru".into(),
                _ => format!("{k}"),
            }
        };
        // More rows than a hash block (HASH_BLOCK_ROWS), so that a chunk
        // hashes several blocks.
        let n = 2 * HASH_BLOCK_ROWS + 300;
        let mut rows: Vec<Vec<String>> = (0..n).map(|k| (0..4).map(|c| cell(k, c)).collect()).collect();
        // Cells that concatenate alike must still hash apart; exact copies alike.
        rows.push(vec!["ab".into(), "c".into(), "".into(), "x".into()]);
        rows.push(vec!["a".into(), "bc".into(), "".into(), "x".into()]);
        rows.push(rows[10].clone());
        // Column 4: a number column with nulls (read as empty cells).
        let mut num: Vec<Option<f64>> = (0..rows.len()).map(|k| (k % 4 != 0).then_some(k as f64)).collect();
        num[n + 2] = num[10];
        let csv_path = dir.path().join("p.csv");
        let mut w = csv::Writer::from_path(&csv_path).unwrap();
        w.write_record(["A", "B", "C", "D", "E"]).unwrap();
        for (r, x) in rows.iter().zip(&num) {
            let e = x.map(|v| format!("{}", v as i64)).unwrap_or_default();
            w.write_record(r.iter().map(String::as_str).chain([e.as_str()])).unwrap();
        }
        w.flush().unwrap();
        let pq_path = dir.path().join("p.parquet");
        let col = |c: usize| crate::frame::Col::Str(rows.iter().map(|r| r[c].clone()).collect());
        crate::frame::write_parquet(
            &pq_path,
            vec![("A", col(0)), ("B", col(1)), ("C", col(2)), ("D", col(3)), ("E", crate::frame::Col::OptF64(num.clone()))],
        )
        .unwrap();
        let hashes = |src: &Source| -> Vec<u64> {
            src.par_chunks(Vec::new, |acc: &mut Vec<u64>, r: &Row| acc.push(r.content_hash())).unwrap().concat()
        };
        let from_csv = hashes(&Source::open(&csv_path).unwrap());
        let mut pq = Source::open(&pq_path).unwrap();
        // One batch, whose one chunk spans three hash blocks.
        assert!(rows.len() < CHUNK_ROWS);
        let from_parquet = hashes(&pq);
        assert_eq!(from_csv.len(), rows.len());
        assert_eq!(from_csv, from_parquet);
        // Small batches: many chunks, each within a block.
        if let Data::Parquet { file, batches } = &mut pq.data {
            *batches = parquet_batches(&file.row_groups(), 64);
        }
        assert_eq!(hashes(&pq), from_csv);
        // Read again one by one (row by row, not column by column): the same.
        let offsets: Vec<u64> = (0..rows.len() as u64).rev().collect();
        let again = pq.rows_at(&offsets, |_, r| r.content_hash()).unwrap();
        assert_eq!(again.into_iter().rev().collect::<Vec<_>>(), from_parquet);
        // Equal hashes exactly where the rows are equal.
        for i in 0..rows.len() {
            for j in 0..i {
                let same = rows[i] == rows[j] && num[i] == num[j];
                assert_eq!(from_csv[i] == from_csv[j], same, "rows {i} and {j}");
            }
        }
        assert_eq!(from_csv[n + 2], from_csv[10]);
    }

    #[test]
    fn parquet_is_read_in_batches_with_global_lines_and_offsets() {
        let dir = std::env::temp_dir().join(format!("cakupan-pq-batches-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.parquet");
        let headers = vec!["NIK".to_string(), "NAMA".to_string()];
        let mut w = crate::frame::TextParquetWriter::create(&path, &headers).unwrap();
        for b in 0..5 {
            let ids: Vec<String> = (0..7).map(|i| format!("{}", b * 7 + i)).collect();
            let names: Vec<String> = ids.iter().map(|i| format!("orang {i}")).collect();
            w.write(vec![ids, names]).unwrap();
        }
        w.finish().unwrap();
        for target in [1, 3, 7, 8, 100] {
            let mut src = Source::open(&path).unwrap();
            if let Data::Parquet { file, batches } = &mut src.data {
                *batches = parquet_batches(&file.row_groups(), target);
            }
            let rows: Vec<(u64, u64, String)> = src
                .par_chunks(Vec::new, |acc: &mut Vec<(u64, u64, String)>, r: &Row| {
                    acc.push((r.line, r.offset, r.get(Some(0)).into_owned()))
                })
                .unwrap()
                .concat();
            assert_eq!(rows.len(), 35, "batch target {target}");
            // With a projection, only the columns asked for are decoded.
            let names: Vec<(String, String)> = src
                .par_chunks(Vec::new, |acc: &mut Vec<(String, String)>, r: &Row| {
                    acc.push((r.get(Some(0)).into_owned(), r.get(Some(1)).into_owned()))
                })
                .unwrap()
                .concat();
            let mut only = Vec::new();
            src.par_chunks_each_of(Some(&[1]), Vec::new, |acc: &mut Vec<(String, String)>, r: &Row| {
                acc.push((r.get(Some(0)).into_owned(), r.get(Some(1)).into_owned()))
            }, |accs| {
                only.extend(accs.into_iter().flatten());
                Ok(())
            })
            .unwrap();
            assert_eq!(only.len(), 35);
            for ((id, name), (no_id, same)) in names.iter().zip(&only) {
                assert_eq!((no_id.as_str(), same), ("", name), "only column 1 read, id {id}");
            }
            for (k, (line, offset, id)) in rows.iter().enumerate() {
                assert_eq!((*line, *offset, id.as_str()), (k as u64 + 2, k as u64, k.to_string().as_str()));
            }
            // Read again, unsorted and repeated: in the order asked.
            let ask = [34u64, 0, 17, 17, 8, 33];
            let names = src.rows_at(&ask, |o, r| (o, r.get(Some(1)).into_owned())).unwrap();
            let want: Vec<(u64, String)> = ask.iter().map(|&o| (o, format!("orang {o}"))).collect();
            assert_eq!(names, want);
            assert_eq!(src.with_row(5, |r| r.get(Some(1)).into_owned()).unwrap(), "orang 5");
            // Only the columns asked for are read; the others are empty.
            let only = src.rows_at_columns(&[3], Some(&[Some(1), None]), |_, r| (r.get(Some(0)).into_owned(), r.get(Some(1)).into_owned()));
            assert_eq!(only.unwrap(), vec![(String::new(), "orang 3".to_string())]);
            assert!(src.rows_at(&[35], |_, _| ()).is_err(), "beyond the end is an error, not a panic");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The sink (on a thread of its own) gets the groups in file order; an
    /// error it returns stops validation and is the error the caller sees.
    #[test]
    fn the_sink_gets_groups_in_order_and_its_error_stops_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let pq = dir.path().join("p.parquet");
        let headers = vec!["NIK".to_string()];
        let mut w = crate::frame::TextParquetWriter::create(&pq, &headers).unwrap();
        for b in 0..12 {
            w.write(vec![(0..5).map(|i| format!("{}", b * 5 + i)).collect()]).unwrap();
        }
        w.finish().unwrap();
        let csv = dir.path().join("p.csv");
        let text: String = std::iter::once("NIK\n".to_string()).chain((0..60).map(|i| format!("{i}\n"))).collect();
        std::fs::write(&csv, text).unwrap();
        for path in [&pq, &csv] {
            let mut src = Source::open(path).unwrap();
            match &mut src.data {
                Data::Parquet { file, batches } => *batches = parquet_batches(&file.row_groups(), 5),
                // Chunks of a line or two: several groups of 8 chunks.
                Data::Csv { buf, chunks, .. } => *chunks = split_chunks(&buf[..], 4, 3),
                Data::Xlsx(_) => unreachable!(),
            }
            let ids = |accs: Vec<Vec<u64>>| accs.into_iter().flatten().collect::<Vec<u64>>();
            // Every group, in order.
            let mut all = Vec::new();
            let mut groups = 0;
            src.par_chunks_each(Vec::new, |acc: &mut Vec<u64>, r: &Row| acc.push(r.get(Some(0)).parse().unwrap()), |accs| {
                groups += 1;
                all.extend(ids(accs));
                Ok(())
            })
            .unwrap();
            assert!(groups > 3, "{}: several groups ({groups})", path.display());
            assert_eq!(all, (0..60).collect::<Vec<u64>>(), "{}", path.display());
            // The third group fails.
            let (mut calls, mut seen) = (0, Vec::new());
            let r = src.par_chunks_each(Vec::new, |acc: &mut Vec<u64>, r: &Row| acc.push(r.get(Some(0)).parse().unwrap()), |accs| {
                calls += 1;
                if calls == 3 {
                    return Err(PipelineError::Unreadable { file: "sink".into(), reason: "the disk is full".into() });
                }
                seen.extend(ids(accs));
                Ok(())
            });
            match r {
                Err(PipelineError::Unreadable { file, reason }) => assert_eq!((file.as_str(), reason.as_str()), ("sink", "the disk is full")),
                other => panic!("{}: {other:?}", path.display()),
            }
            assert_eq!(calls, 3, "{}: no group is sunk after the error", path.display());
            assert_eq!(seen, all[..seen.len()].to_vec(), "{}", path.display());
        }
    }

    /// A batch that cannot be decoded (here: rows past the end, as in a
    /// file cut short after it was opened) is the error the caller sees; the
    /// batches before it were validated and sunk in order, none after it.
    #[test]
    fn a_batch_that_cannot_be_read_stops_the_run_with_its_error() {
        let dir = tempfile::tempdir().unwrap();
        let pq = dir.path().join("p.parquet");
        let mut w = crate::frame::TextParquetWriter::create(&pq, &["NIK".to_string()]).unwrap();
        for b in 0..6 {
            w.write(vec![(0..5).map(|i| format!("{}", b * 5 + i)).collect()]).unwrap();
        }
        w.finish().unwrap();
        let mut src = Source::open(&pq).unwrap();
        if let Data::Parquet { file, batches } = &mut src.data {
            *batches = parquet_batches(&file.row_groups(), 5);
            // Batch 4 of 8 asks for rows the file does not have.
            batches.insert(3, (100, 5));
        }
        let mut seen = Vec::new();
        let r = src.par_chunks_each(Vec::new, |acc: &mut Vec<u64>, r: &Row| acc.push(r.get(Some(0)).parse().unwrap()), |accs| {
            seen.extend(accs.into_iter().flatten());
            Ok(())
        });
        match r {
            Err(PipelineError::Unreadable { reason, .. }) => assert!(reason.contains("rows 100..105 could not be read"), "{reason}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(seen, (0..15).collect::<Vec<u64>>());
    }

    #[test]
    fn every_record_gets_its_own_line_whatever_the_line_ends() {
        // LF, CRLF, lone CR (old Mac), a quoted field spanning lines, a blank line.
        let csv = b"A;B\n1;x\r\n2;y\r3;\"p\nq\"\n\n4;z\r".to_vec();
        let src = csv_source(csv);
        let lines: Vec<u64> =
            src.par_chunks(Vec::new, |acc: &mut Vec<u64>, r: &Row| acc.push(r.line)).unwrap().concat();
        assert_eq!(lines, vec![2, 3, 4, 7]);
    }

    #[test]
    fn a_chunk_is_sized_for_the_rows_it_visits() {
        // CSV: the chunks' rows average out to about the hint.
        let mut csv = b"A;B\n".to_vec();
        for i in 0..50_000 {
            csv.extend_from_slice(format!("{i};x\n").as_bytes());
        }
        let src = csv_source(csv);
        let counts = src.par_chunks(|| 0usize, |n: &mut usize, _: &Row| *n += 1).unwrap();
        let hint = src.chunk_rows_hint();
        let mean = counts.iter().sum::<usize>() / counts.len();
        assert!(hint >= mean && hint <= mean * 12 / 10, "hint {hint}, mean {mean} over {} chunks", counts.len());
    }

    #[test]
    fn a_mapped_file_hashes_as_a_streamed_one() {
        let dir = std::env::temp_dir().join(format!("cakupan-sha-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (k, len) in [0usize, 1, 4095, 4096, 100_003].into_iter().enumerate() {
            let path = dir.join(format!("f{k}"));
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            let streamed = sha256_stream(&path).unwrap();
            assert_eq!(streamed.0, len as u64);
            for piece in [1, 4096, 10_000, SHA_PIECE] {
                assert_eq!(sha256_mapped(&path, piece).unwrap(), streamed, "{len} bytes in pieces of {piece}");
            }
        }
        // The digest of no bytes, as `sha256sum` prints it.
        assert_eq!(sha256_stream(&dir.join("f0")).unwrap().1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn without_a_lone_cr_the_parser_counts_the_lines() {
        // CRLF and LF, a quoted field spanning lines, blank lines; no lone CR.
        let csv = b"A;B\n1;x\r\n2;y\r\n\r\n3;\"p\r\nq\"\n\n\n4;z\r\n5;w".to_vec();
        let src = csv_source(csv);
        let Data::Csv { chunks, .. } = &src.data else { panic!("a CSV source") };
        assert!(chunks.iter().all(|c| !c.lone_cr));
        let lines: Vec<u64> =
            src.par_chunks(Vec::new, |acc: &mut Vec<u64>, r: &Row| acc.push(r.line)).unwrap().concat();
        assert_eq!(lines, vec![2, 3, 5, 9, 10]);
        // A lone CR is noticed, so that its chunk counts lines itself.
        let src = csv_source(b"A;B\n1;x\r2;y\n".to_vec());
        let Data::Csv { chunks, .. } = &src.data else { panic!("a CSV source") };
        assert!(chunks.iter().any(|c| c.lone_cr));
    }

    /// What a record reads as: line, offset, width, every cell (and the
    /// one past the last, which reads as empty), content hash.
    type ReadAs = (u64, u64, usize, Vec<String>, u64);

    /// A `;`-separated chunk's records as [`plain_records`] splits them and
    /// as the CSV parser ([`csv_records`]) reads them.
    fn split_and_parsed(buf: &[u8], c: &CsvChunk) -> (Vec<ReadAs>, Vec<ReadAs>) {
        let read = |r: &Row| -> ReadAs {
            (r.line, r.offset, r.len(), (0..r.len() + 1).map(|i| r.get(Some(i)).into_owned()).collect(), r.content_hash())
        };
        let (mut plain, mut parsed) = (Vec::new(), Vec::new());
        plain_records(buf, b';', c, |r| plain.push(read(r)));
        csv_records(buf, b';', c, true, |r| parsed.push(read(r))).unwrap();
        (plain, parsed)
    }

    use proptest::prelude::*;

    proptest::proptest! {
        /// Records of plain and quoted fields (with line breaks and quotes
        /// inside), ended by LF or CRLF, with blank lines between: the
        /// parser's line count gives each record the line counting breaks gives.
        #[test]
        fn parser_lines_are_counted_lines(
            records in proptest::collection::vec((
                proptest::collection::vec(proptest::prop_oneof![
                    "[a-z0-9 ]{0,4}",
                    "[a-z;\n]{0,4}(\r\n)?[a-z\n]{0,3}".prop_map(|t| format!("\"{}\"", t.replace('"', "\"\""))),
                    "[a-z]{0,2}".prop_map(|t| format!("\"{t}\"\"{t}\"")),
                ], 1..4),
                proptest::prop_oneof!["\n", "\r\n"],
                0usize..3,
            ), 1..40),
        ) {
            let mut buf = b"A;B;C\n".to_vec();
            for (fields, end, blank) in &records {
                buf.extend_from_slice(fields.join(";").as_bytes());
                buf.extend_from_slice(end.as_bytes());
                for _ in 0..*blank {
                    buf.extend_from_slice(end.as_bytes());
                }
            }
            let chunks = split_chunks(&buf, 6, 16);
            prop_assert!(chunks.iter().all(|c| !c.lone_cr));
            // The chunks cover the body in order, each starting at the line
            // an editor would show.
            prop_assert_eq!(chunks[0].start, 6);
            prop_assert_eq!(chunks.last().unwrap().end, buf.len());
            prop_assert!(chunks.windows(2).all(|w| w[0].end == w[1].start));
            for c in &chunks {
                prop_assert_eq!(c.first_line, 2 + count_breaks(&buf, 6, c.start));
            }
            let lines = |parser: bool| {
                let mut out = Vec::new();
                for c in &chunks {
                    csv_records(&buf, b';', c, parser, |r| out.push((r.line, r.offset))).unwrap();
                }
                out
            };
            let counted = lines(false);
            prop_assert_eq!(counted.len(), records.iter().filter(|r| r.0 != [""]).count());
            prop_assert_eq!(lines(true), counted);
            // A chunk without a quote (or lone CR) is split, not parsed, and
            // gives the parser's records: cells, lines, offsets, hashes.
            for c in &chunks {
                prop_assert_eq!(c.plain, !buf[c.start..c.end].contains(&b'"'));
                if c.plain {
                    let (plain, parsed) = split_and_parsed(&buf, c);
                    prop_assert_eq!(plain, parsed);
                }
            }
        }
    }

    proptest::proptest! {
        /// Without quotes or lone `\r`, a chunk split at its line ends and
        /// delimiters gives what the CSV parser gives: the same records, with
        /// the same cells, lines, offsets, widths and content hashes (LF and
        /// CRLF, blank lines, empty and Latin-1 cells, no final line end).
        #[test]
        fn plain_chunks_read_as_the_parser_reads_them(
            records in proptest::collection::vec((
                proptest::collection::vec(proptest::prop_oneof![
                    "[a-z0-9 ]{0,5}",
                    "[A-Z\\-/.]{0,3}",
                    proptest::collection::vec(proptest::prop_oneof![Just(0xE9u8), Just(b'x'), Just(0xC3u8), Just(0xA9u8)], 0..4)
                        .prop_map(|b| b.into_iter().map(|c| c as char).collect::<String>()),
                ], 1..5),
                proptest::prop_oneof!["\n", "\r\n"],
                0usize..3,
            ), 1..40),
            last_end in proptest::bool::ANY,
            chunk_bytes in 1usize..64,
        ) {
            let mut buf = b"A;B;C\n".to_vec();
            for (k, (fields, end, blank)) in records.iter().enumerate() {
                // Cells as bytes: chars below 256 as one byte each (Latin-1).
                buf.extend(fields.join(";").chars().map(|c| c as u32 as u8));
                if k + 1 < records.len() || last_end {
                    buf.extend_from_slice(end.as_bytes());
                    for _ in 0..*blank {
                        buf.extend_from_slice(end.as_bytes());
                    }
                }
            }
            let chunks = split_chunks(&buf, 6, chunk_bytes);
            prop_assert!(chunks.iter().all(|c| c.plain));
            let (mut plain, mut parsed) = (Vec::new(), Vec::new());
            for c in &chunks {
                let (p, q) = split_and_parsed(&buf, c);
                plain.extend(p);
                parsed.extend(q);
            }
            // A record of one empty cell is a blank line: no record.
            prop_assert_eq!(plain.len(), records.iter().filter(|r| !r.0.join(";").is_empty()).count());
            prop_assert_eq!(plain, parsed);
        }
    }

    #[test]
    fn only_chunks_without_quotes_or_lone_crs_are_split_plainly() {
        let chunks = |csv: &[u8]| {
            let src = csv_source(csv.to_vec());
            let Data::Csv { chunks, .. } = &src.data else { panic!("a CSV source") };
            chunks.iter().map(|c| c.plain).collect::<Vec<_>>()
        };
        assert_eq!(chunks(b"A;B\n1;x\r\n2;y\n"), vec![true]);
        // A quote: the parser reads that chunk.
        assert_eq!(chunks(b"A;B\n1;\"x\"\n2;y\n"), vec![false]);
        // A lone CR: the parser, and lines counted as an editor counts them.
        assert_eq!(chunks(b"A;B\n1;x\r2;y\n"), vec![false]);
        // Chunks of one record each: only the one with the quoted field
        // (which holds a line break) goes to the parser.
        let buf = b"A;B\n1;x\n2;y\r\n3;\"p\nq\"\n4;z\n5;w";
        let plain: Vec<bool> = split_chunks(buf, 4, 2).iter().map(|c| c.plain).collect();
        assert_eq!(plain, vec![true, true, false, true, true]);
    }

    #[test]
    fn chunks_respect_quotes_and_lines() {
        let mut buf = b"A,B\n".to_vec();
        for i in 0..200_000 {
            buf.extend_from_slice(format!("\"x\ny{i}\",{i}\n").as_bytes());
        }
        let ch = split_chunks(&buf, 4, 4096);
        assert!(ch.len() > 1);
        // every chunk starts right after a record: with `"x`
        for &CsvChunk { start: a, first_line: line, .. } in &ch {
            assert_eq!(&buf[a..a + 2], b"\"x");
            assert_eq!(line % 2, 0); // each record spans two lines, first at line 2
        }
        // and the chunks cover the body exactly, in order
        assert_eq!(ch[0].start, 4);
        assert_eq!(ch.last().unwrap().end, buf.len());
        assert!(ch.windows(2).all(|w| w[0].end == w[1].start));
    }
}
