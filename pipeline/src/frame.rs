//! Every use of polars and of the parquet crate in cakupan lives in this
//! module, behind a small API of our own, so that version churn stays in one
//! place.
//!
//! * [`ParquetFile`]: a Parquet file read in slices as string columns (the
//!   validator reads every input as text, as the contract's rules are about
//!   text). A file whose columns are all text, in a codec of
//!   [`arrow_codec`], is decoded by the parquet crate (arrow-rs), which
//!   takes 0.55–0.65 of polars' CPU for the same columns and keeps
//!   dictionary-encoded columns as dictionaries ([`StringTable::dict_key`]);
//!   any other file (numbers, dates, other codecs) by polars, which turns its
//!   cells into text.
//! * [`write_parquet`]: our own column vectors to a Parquet file.

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, RecordBatch, StringArray, StringViewArray};
use arrow_buffer::{NullBuffer, ScalarBuffer};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection, RowSelector,
};
use parquet::arrow::ProjectionMask;
use parquet::basic::Compression;
use polars::prelude::*;
use std::fs::File;
use std::path::Path;

/// Whether the parquet crate is built with this codec here (zstd, snappy,
/// none); a file using another is read by polars.
fn arrow_codec(c: Compression) -> bool {
    matches!(c, Compression::UNCOMPRESSED | Compression::SNAPPY | Compression::ZSTD(_))
}

/// One output column, owned, in our own types.
pub enum Col {
    Str(Vec<String>),
    U64(Vec<u64>),
    OptF64(Vec<Option<f64>>),
    Bool(Vec<bool>),
    /// Days since 1970-01-01, written as a Parquet DATE.
    Date(Vec<i32>),
}

/// Write named columns (all of the same length) as one Parquet file (zstd).
pub fn write_parquet(path: &Path, cols: Vec<(&str, Col)>) -> Result<(), String> {
    let mut columns = Vec::with_capacity(cols.len());
    for (name, c) in cols {
        let name = PlSmallStr::from(name);
        let s: Series = match c {
            Col::Str(v) => Series::new(name, v),
            Col::U64(v) => Series::new(name, v),
            Col::OptF64(v) => Series::new(name, v),
            Col::Bool(v) => Series::new(name, v),
            Col::Date(v) => Series::new(name, v).cast(&DataType::Date).map_err(|e| e.to_string())?,
        };
        columns.push(Column::from(s));
    }
    let mut df = DataFrame::new_infer_height(columns).map_err(|e| e.to_string())?;
    let f = File::create(path).map_err(|e| e.to_string())?;
    ParquetWriter::new(f)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// A Parquet file read as text columns: date cells become `YYYY-MM-DD`,
/// integers their digits, nulls empty strings.
pub struct StringTable {
    pub headers: Vec<String>,
    /// `None`: a column not read (a projection); its cells read as `""`.
    cols: Vec<Option<TextCol>>,
    height: usize,
    /// Tells this table's dictionaries from every other table's ([`DictKey::id`]).
    serial: usize,
}

/// Where a cell of a dictionary column is in its dictionary: equal `id`s
/// and `key`s are equal cells (the same dictionary of the same table), so a
/// value parsed from the cell can be remembered by `key` (`0..len`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DictKey {
    pub id: usize,
    pub key: u32,
    pub len: u32,
}

/// Dictionaries larger than this give no [`DictKey`]s: a memo by key would
/// be a table as large for each chunk of rows.
const DICT_KEY_MAX: usize = 1 << 16;

/// Serial numbers of [`StringTable`]s (for [`DictKey::id`]).
static TABLES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

fn next_serial() -> usize {
    TABLES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// One decoded column of a [`StringTable`].
enum TextCol {
    /// A string per row (as the parquet crate or polars decoded it), and
    /// whether any is null.
    Views(StringViewArray, bool),
    /// A dictionary-encoded column kept as one: each row's index into the
    /// values (a null row: `None` in `nulls`). The values' cell hashes are
    /// computed once per batch, when first asked for.
    Dict {
        keys: ScalarBuffer<i32>,
        nulls: Option<NullBuffer>,
        values: StringArray,
        hashes: std::sync::OnceLock<Vec<u64>>,
    },
}

impl StringTable {
    pub fn height(&self) -> usize {
        self.height
    }

    /// Cell `(row, col)` as text; `""` for null.
    #[inline(always)]
    pub fn get(&self, row: usize, col: usize) -> &str {
        match &self.cols[col] {
            // SAFETY: row < height, the array's length; no validity to check.
            Some(TextCol::Views(a, false)) if row < self.height => unsafe { a.value_unchecked(row) },
            // SAFETY: row < height, the keys' length; without nulls every
            // key was checked to be below the values' length (arrow_table).
            Some(TextCol::Dict { keys, nulls: None, values, .. }) if row < self.height => unsafe {
                values.value_unchecked(*keys.get_unchecked(row) as usize)
            },
            _ => self.get_checked(row, col),
        }
    }

    /// Cell `(row, col)`'s place in its column's dictionary, for a
    /// dictionary column without nulls of at most [`DICT_KEY_MAX`] values;
    /// `None` otherwise.
    #[inline(always)]
    pub fn dict_key(&self, row: usize, col: usize) -> Option<DictKey> {
        match self.cols.get(col) {
            Some(Some(TextCol::Dict { keys, nulls: None, values, .. })) if row < self.height && values.len() <= DICT_KEY_MAX => Some(DictKey {
                id: self.serial.wrapping_mul(1 << 16) ^ col,
                // SAFETY: row < height, the keys' length.
                key: unsafe { *keys.get_unchecked(row) } as u32,
                len: values.len() as u32,
            }),
            _ => None,
        }
    }

    /// [`StringTable::get`] for nullable columns and rows out of range.
    #[inline(never)]
    fn get_checked(&self, row: usize, col: usize) -> &str {
        if row >= self.height {
            return "";
        }
        match &self.cols[col] {
            Some(TextCol::Views(a, _)) if a.is_valid(row) => a.value(row),
            Some(TextCol::Dict { keys, nulls, values, .. }) if !nulls.as_ref().is_some_and(|n| n.is_null(row)) => {
                values.value(keys[row] as usize)
            }
            _ => "",
        }
    }

    /// The content hash of each row of `rows`: from `seed`, each cell's
    /// `cell(bytes)` folded in left to right by `mix` (a null or unread cell
    /// is `""`), computed a column at a time; a dictionary column's values
    /// are hashed once each.
    pub fn hash_rows(
        &self,
        rows: std::ops::Range<usize>,
        seed: u64,
        cell: impl Fn(&[u8]) -> u64,
        mix: impl Fn(u64, u64) -> u64,
    ) -> Vec<u64> {
        assert!(rows.end <= self.height);
        let mut h = vec![seed; rows.len()];
        let empty = cell(b"");
        for c in &self.cols {
            match c {
                Some(TextCol::Views(a, false)) => {
                    for (x, r) in h.iter_mut().zip(rows.clone()) {
                        // SAFETY: r < height, the array's length (asserted above).
                        *x = mix(*x, cell(unsafe { a.value_unchecked(r) }.as_bytes()));
                    }
                }
                Some(TextCol::Views(a, true)) => {
                    for (x, r) in h.iter_mut().zip(rows.clone()) {
                        *x = mix(*x, if a.is_valid(r) { cell(a.value(r).as_bytes()) } else { empty });
                    }
                }
                Some(TextCol::Dict { keys, nulls, values, hashes }) => {
                    let vh = hashes.get_or_init(|| values.iter().map(|v| cell(v.unwrap_or("").as_bytes())).collect());
                    let keys = &keys[rows.clone()];
                    match nulls {
                        None => h.iter_mut().zip(keys).for_each(|(x, &k)| *x = mix(*x, vh[k as usize])),
                        Some(n) => {
                            for ((x, &k), r) in h.iter_mut().zip(keys).zip(rows.clone()) {
                                *x = mix(*x, if n.is_null(r) { empty } else { vh[k as usize] });
                            }
                        }
                    }
                }
                None => h.iter_mut().for_each(|x| *x = mix(*x, empty)),
            }
        }
        h
    }
}

/// How a [`ParquetFile`] is decoded.
enum Engine {
    /// Every column is text, in a codec of [`arrow_codec`]: the parquet
    /// crate, reading each column as a dictionary when it is one in every
    /// row group, else as string views ([`open_arrow`]).
    Arrow(ArrowReaderMetadata),
    Polars(polars::io::parquet::metadata::FileMetadataRef),
}

/// A Parquet file opened for reading in slices: the footer (schema, row
/// groups) is read once; [`ParquetFile::read_slice`] decodes only the row
/// groups a slice touches, so a large file never has to be held whole as text.
pub struct ParquetFile {
    path: std::path::PathBuf,
    engine: Engine,
    groups: Vec<usize>,
    pub headers: Vec<String>,
}

impl ParquetFile {
    pub fn open(path: &Path) -> Result<ParquetFile, String> {
        let f = File::open(path).map_err(|e| e.to_string())?;
        if f.metadata().map_err(|e| e.to_string())?.len() == 0 {
            return Err("the file is empty (0 bytes), not a Parquet file".into());
        }
        match open_arrow(&f) {
            Some((meta, headers)) => {
                let groups = meta.metadata().row_groups().iter().map(|g| g.num_rows() as usize).collect();
                Ok(ParquetFile { path: path.to_path_buf(), engine: Engine::Arrow(meta), groups, headers })
            }
            None => Self::open_polars(path, f),
        }
    }

    /// Open with polars whatever the columns are (tests compare the two readers).
    fn open_polars(path: &Path, f: File) -> Result<ParquetFile, String> {
        let mut r = ParquetReader::new(f);
        let schema = r.schema().map_err(|e| e.to_string())?;
        let meta = r.get_metadata().map_err(|e| e.to_string())?.clone();
        let headers = schema.iter_names().map(|n| n.to_string()).collect();
        let groups = meta.row_groups.iter().map(|g| g.num_rows()).collect();
        Ok(ParquetFile { path: path.to_path_buf(), engine: Engine::Polars(meta), groups, headers })
    }

    /// Rows per row group, in file order.
    pub fn row_groups(&self) -> Vec<usize> {
        self.groups.clone()
    }

    /// Rows `start .. start + len` as text columns; with `columns`, only
    /// those columns are decoded (the others read as empty cells). Fewer
    /// rows than asked for is an error (a truncated or changed file).
    pub fn read_slice(&self, start: usize, len: usize, columns: Option<&[usize]>) -> Result<StringTable, String> {
        match &self.engine {
            Engine::Arrow(_) => {
                // One batch of the stream.
                let mut got = None;
                self.read_batches(&[(start, len)], columns, |t| {
                    got = Some(t);
                    false
                });
                got.expect("read_batches hands out its one batch or an error")
            }
            Engine::Polars(meta) => self.polars_slice(meta, start, len, columns),
        }
    }

    /// Rows `batches` (contiguous, in file order) as text tables, handed to
    /// `each` one at a time; `each` returning false stops the reading. The
    /// parquet crate decodes the whole span as one stream (each page once,
    /// whatever the batches' bounds); polars decodes batch by batch.
    pub fn read_batches(
        &self,
        batches: &[(usize, usize)],
        columns: Option<&[usize]>,
        mut each: impl FnMut(Result<StringTable, String>) -> bool,
    ) {
        let contiguous = batches.windows(2).all(|w| w[0].0 + w[0].1 == w[1].0);
        let (Engine::Arrow(meta), true, Some(&(first, _)), Some(&(last, last_len))) =
            (&self.engine, contiguous, batches.first(), batches.last())
        else {
            for &(start, len) in batches {
                let t = self.read_slice(start, len, columns);
                let failed = t.is_err();
                if !each(t) || failed {
                    return;
                }
            }
            return;
        };
        let columns = self.projection(columns);
        let widest = batches.iter().map(|b| b.1).max().unwrap_or(1).max(1);
        let stream = (|| {
            let (groups, selection) = self.selection(first, last + last_len - first);
            self.arrow_reader(meta, columns.as_deref())?
                .with_row_groups(groups)
                .with_row_selection(selection)
                .with_batch_size(widest)
                .build()
                .map_err(|e| e.to_string())
        })();
        let mut stream = match stream {
            Ok(s) => s,
            Err(e) => {
                each(Err(e));
                return;
            }
        };
        // Decoded rows not yet handed out, in order.
        let mut pending: std::collections::VecDeque<RecordBatch> = Default::default();
        let mut have = 0usize;
        for &(start, len) in batches {
            while have < len {
                match stream.next() {
                    Some(Ok(b)) => {
                        have += b.num_rows();
                        pending.push_back(b);
                    }
                    Some(Err(e)) => {
                        each(Err(e.to_string()));
                        return;
                    }
                    None => {
                        each(Err(short_read(start, len, have)));
                        return;
                    }
                }
            }
            // Take `len` rows off the front.
            let mut parts = Vec::new();
            let mut need = len;
            while need > 0 {
                let b = pending.pop_front().expect("have >= len rows pending");
                if b.num_rows() <= need {
                    need -= b.num_rows();
                    parts.push(b);
                } else {
                    parts.push(b.slice(0, need));
                    pending.push_front(b.slice(need, b.num_rows() - need));
                    need = 0;
                }
            }
            have -= len;
            let t = concat(parts).and_then(|b| self.arrow_table(b, columns.as_deref(), len));
            let failed = t.is_err();
            if !each(t) || failed {
                return;
            }
        }
    }

    /// The asked-for columns that exist, sorted, each once.
    fn projection(&self, columns: Option<&[usize]>) -> Option<Vec<usize>> {
        columns.map(|c| {
            let mut c: Vec<usize> = c.iter().copied().filter(|&i| i < self.headers.len()).collect();
            c.sort_unstable();
            c.dedup();
            c
        })
    }

    /// The row groups that hold rows `start .. start + len` and the rows to
    /// take from them.
    fn selection(&self, start: usize, len: usize) -> (Vec<usize>, RowSelection) {
        let mut groups = Vec::new();
        let (mut at, mut first_at) = (0usize, 0usize);
        for (g, &n) in self.groups.iter().enumerate() {
            if at + n > start && at < start + len {
                if groups.is_empty() {
                    first_at = at;
                }
                groups.push(g);
            }
            at += n;
        }
        let span: usize = groups.iter().map(|&g| self.groups[g]).sum();
        let skip = start.saturating_sub(first_at);
        let take = len.min(span.saturating_sub(skip));
        let mut sel = Vec::with_capacity(3);
        if skip > 0 {
            sel.push(RowSelector::skip(skip));
        }
        sel.push(RowSelector::select(take));
        if span > skip + take {
            sel.push(RowSelector::skip(span - skip - take));
        }
        (groups, RowSelection::from(sel))
    }

    fn arrow_reader(
        &self,
        meta: &ArrowReaderMetadata,
        columns: Option<&[usize]>,
    ) -> Result<ParquetRecordBatchReaderBuilder<File>, String> {
        let f = File::open(&self.path).map_err(|e| e.to_string())?;
        let mut b = ParquetRecordBatchReaderBuilder::new_with_metadata(f, meta.clone());
        if let Some(c) = columns {
            let mask = ProjectionMask::roots(meta.parquet_schema(), c.iter().copied());
            b = b.with_projection(mask);
        }
        Ok(b)
    }

    /// A decoded batch (the `columns` read, in file order) at the file's column positions.
    fn arrow_table(&self, b: RecordBatch, columns: Option<&[usize]>, len: usize) -> Result<StringTable, String> {
        let mut cols: Vec<Option<TextCol>> = (0..self.headers.len()).map(|_| None).collect();
        let at: Vec<usize> = match columns {
            Some(c) => c.to_vec(),
            None => (0..self.headers.len()).collect(),
        };
        if at.len() != b.num_columns() || b.num_rows() != len {
            return Err(format!("decoded {} columns and {} rows, expected {} and {len}", b.num_columns(), b.num_rows(), at.len()));
        }
        for (k, a) in at.into_iter().zip(b.columns()) {
            let col = if let Some(v) = a.as_any().downcast_ref::<StringViewArray>() {
                TextCol::Views(v.clone(), v.null_count() > 0)
            } else if let Some(d) = a.as_dictionary_opt::<Int32Type>() {
                let values = d
                    .values()
                    .as_string_opt::<i32>()
                    .ok_or_else(|| format!("column {} was not decoded as text", self.headers[k]))?
                    .clone();
                let keys = d.keys();
                let nulls = keys.nulls().filter(|n| n.null_count() > 0).cloned();
                // The largest key, as u32 (a negative key is a large one).
                if nulls.is_none() && keys.values().iter().map(|&k| k as u32).max().is_some_and(|m| m as usize >= values.len()) {
                    return Err(format!("column {}: a dictionary index is out of range", self.headers[k]));
                }
                TextCol::Dict {
                    keys: keys.values().clone(),
                    nulls,
                    values,
                    hashes: Default::default(),
                }
            } else {
                return Err(format!("column {} was not decoded as text", self.headers[k]));
            };
            cols[k] = Some(col);
        }
        Ok(StringTable { headers: self.headers.clone(), cols, height: len, serial: next_serial() })
    }

    fn polars_slice(
        &self,
        meta: &polars::io::parquet::metadata::FileMetadataRef,
        start: usize,
        len: usize,
        columns: Option<&[usize]>,
    ) -> Result<StringTable, String> {
        let f = File::open(&self.path).map_err(|e| e.to_string())?;
        let mut r = ParquetReader::new(f);
        r.set_metadata(meta.clone());
        let mut r = r.with_slice(Some((start, len)));
        if let Some(c) = self.projection(columns) {
            r = r.with_projection(Some(c));
        }
        let df = r.finish().map_err(|e| e.to_string())?;
        if df.height() != len {
            return Err(short_read(start, len, df.height()));
        }
        let mut t = to_strings(df)?;
        if columns.is_some() {
            // Back to the file's column positions.
            let mut cols: Vec<Option<TextCol>> = (0..self.headers.len()).map(|_| None).collect();
            for (name, c) in t.headers.iter().zip(t.cols.drain(..)) {
                if let Some(k) = self.headers.iter().position(|h| h == name) {
                    cols[k] = c;
                }
            }
            t = StringTable { headers: self.headers.clone(), cols, height: t.height, serial: t.serial };
        }
        Ok(t)
    }
}

fn short_read(start: usize, len: usize, got: usize) -> String {
    format!("rows {start}..{} could not be read (got {got} rows); is the file complete and unchanged?", start + len)
}

/// One batch of several decoded pieces (a copy only when there are several).
fn concat(mut parts: Vec<RecordBatch>) -> Result<RecordBatch, String> {
    if parts.len() == 1 {
        return Ok(parts.pop().expect("one"));
    }
    let schema = parts.first().ok_or("no rows decoded")?.schema();
    arrow_select::concat::concat_batches(&schema, &parts).map_err(|e| e.to_string())
}

/// The footer read by the parquet crate, when it can read the file as text:
/// every column a plain (not nested) string column, in a codec it is built
/// with. Then each column is asked for as string views. `None`: use polars.
fn open_arrow(f: &File) -> Option<(ArrowReaderMetadata, Vec<String>)> {
    use arrow_schema::{DataType, Field, Schema};
    let meta = ArrowReaderMetadata::load(f, ArrowReaderOptions::new()).ok()?;
    let schema = meta.schema();
    let text = schema
        .fields()
        .iter()
        .all(|f| matches!(f.data_type(), DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View));
    let leaves = meta.parquet_schema().num_columns() == schema.fields().len();
    let codecs = meta.metadata().row_groups().iter().flat_map(|g| g.columns()).all(|c| arrow_codec(c.compression()));
    if !(text && leaves && codecs) || schema.fields().is_empty() {
        return None;
    }
    let headers = schema.fields().iter().map(|f| f.name().clone()).collect();
    // A column dictionary-encoded in every row group is read as a
    // dictionary (its rows as indices: no string per row is built, and each
    // value is hashed once); any other as string views.
    let groups = meta.metadata().row_groups();
    let dictionary = |i: usize| groups.iter().all(|g| g.column(i).dictionary_page_offset().is_some());
    let views = Schema::new(
        schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let t = if dictionary(i) {
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
                } else {
                    DataType::Utf8View
                };
                Field::new(f.name(), t, f.is_nullable())
            })
            .collect::<Vec<_>>(),
    );
    let meta = ArrowReaderMetadata::try_new(
        meta.metadata().clone(),
        ArrowReaderOptions::new().with_schema(std::sync::Arc::new(views)),
    )
    .ok()?;
    Some((meta, headers))
}

/// A whole Parquet file as text columns.
pub fn read_parquet_strings(path: &Path) -> Result<StringTable, String> {
    let f = File::open(path).map_err(|e| e.to_string())?;
    let df = ParquetReader::new(f).finish().map_err(|e| e.to_string())?;
    to_strings(df)
}

fn to_strings(df: DataFrame) -> Result<StringTable, String> {
    let height = df.height();
    let mut headers = Vec::new();
    let mut cols = Vec::new();
    for c in df.columns() {
        headers.push(c.name().to_string());
        let s = c.as_materialized_series();
        let s = match s.dtype() {
            DataType::Float32 | DataType::Float64 => float_as_text(s)?,
            _ => s.cast(&DataType::String).map_err(|e| e.to_string())?,
        };
        let ca = s.str().map_err(|e| e.to_string())?;
        // Copied into the parquet crate's array type (this path serves only
        // files with non-text columns), so that cells are read one way.
        let a: StringViewArray = ca.iter().collect();
        cols.push(Some(TextCol::Views(a, ca.null_count() > 0)));
    }
    Ok(StringTable { headers, cols, height, serial: next_serial() })
}

/// Floats (an NIK or code saved as a number) as text: whole numbers below
/// 2^53 as their digits, anything else in scientific notation, as a
/// spreadsheet would show it, so that damaged NIKs are recognised.
fn float_as_text(s: &Series) -> Result<Series, String> {
    let f = s.cast(&DataType::Float64).map_err(|e| e.to_string())?;
    let ca = f.f64().map_err(|e| e.to_string())?;
    let v: Vec<Option<String>> = ca.iter().map(|x| x.map(crate::ingest::float_text)).collect();
    Ok(Series::new(s.name().clone(), v))
}

/// Writes all-text tables to Parquet in batches (row groups), for converting
/// large CSV files without holding them whole as strings.
pub struct TextParquetWriter {
    names: Vec<PlSmallStr>,
    inner: polars::io::parquet::write::BatchedWriter<File>,
}

impl TextParquetWriter {
    pub fn create(path: &Path, headers: &[String]) -> Result<Self, String> {
        let names: Vec<PlSmallStr> = headers.iter().map(|h| PlSmallStr::from(h.as_str())).collect();
        let schema = Schema::from_iter(names.iter().map(|n| Field::new(n.clone(), DataType::String)));
        let f = File::create(path).map_err(|e| e.to_string())?;
        let inner = ParquetWriter::new(f)
            .with_compression(ParquetCompression::Zstd(None))
            .batched(&schema)
            .map_err(|e| e.to_string())?;
        Ok(TextParquetWriter { names, inner })
    }

    /// Write one batch given as columns of equal length.
    pub fn write(&mut self, columns: Vec<Vec<String>>) -> Result<(), String> {
        let cols: Vec<Column> = columns
            .into_iter()
            .zip(&self.names)
            .map(|(v, n)| Column::from(Series::new(n.clone(), v)))
            .collect();
        let df = DataFrame::new_infer_height(cols).map_err(|e| e.to_string())?;
        self.inner.write_batch(&df).map_err(|e| e.to_string())
    }

    pub fn finish(self) -> Result<(), String> {
        self.inner.finish().map(|_| ()).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;
    use std::sync::Arc;

    /// The hash of tests: any function of the bytes will do, as long as both
    /// readers give the same cells in the same order.
    fn cell(b: &[u8]) -> u64 {
        b.iter().fold(0xcbf2_9ce4_8422_2325, |h, &c| (h ^ c as u64).wrapping_mul(0x100_0000_01b3)) ^ b.len() as u64
    }
    fn mix(h: u64, c: u64) -> u64 {
        h.rotate_left(17).wrapping_mul(31) ^ c
    }

    /// A text file with what SIAK exports hold and what would trip a reader:
    /// nulls and empty cells, long and non-ASCII cells, a low-cardinality
    /// column (dictionary-encoded), one whose dictionary overflows into
    /// plain pages half way, one written without a dictionary, all in
    /// uneven row groups and small pages.
    fn write_text_file(path: &Path, rows: usize) -> Vec<Vec<Option<String>>> {
        let cols: Vec<Vec<Option<String>>> = vec![
            (0..rows).map(|i| Some(format!("{:016}", 3_171_014_101_900_001u64 + i as u64 * 7919))).collect(),
            (0..rows).map(|i| if i % 13 == 0 { None } else { Some(["AKTIF", "", "MATI", "PINDAH"][i % 4].to_string()) }).collect(),
            (0..rows).map(|i| Some(format!("Nama Lengkap Sekali Orang Ke-{} é€", i % 500))).collect(),
            (0..rows).map(|i| if i % 29 == 3 { None } else { Some(format!("{:02}-{:02}-19{:02}", i % 28 + 1, i % 12 + 1, i % 100)) }).collect(),
            (0..rows).map(|i| Some(format!("{}", i % 7))).collect(),
        ];
        let names = ["NIK", "STATUS", "NAMA", "TGL_LHR", "KODE"];
        let schema = Arc::new(Schema::new(
            names.iter().map(|n| Field::new(*n, DataType::Utf8, true)).collect::<Vec<_>>(),
        ));
        let arrays: Vec<arrow_array::ArrayRef> = cols
            .iter()
            .map(|c| Arc::new(c.iter().map(|v| v.as_deref()).collect::<StringArray>()) as arrow_array::ArrayRef)
            .collect();
        let batch = RecordBatch::try_new(schema.clone(), arrays).unwrap();
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(Default::default()))
            .set_max_row_group_row_count(Some(rows / 3 + 17))
            .set_data_page_row_count_limit(100)
            .set_write_batch_size(50)
            .set_dictionary_page_size_limit(2_000)
            .set_column_dictionary_enabled("NIK".into(), false)
            .build();
        let mut w = ArrowWriter::try_new(File::create(path).unwrap(), schema, Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        cols
    }

    fn cells(t: &StringTable, width: usize) -> Vec<Vec<String>> {
        (0..t.height()).map(|r| (0..width).map(|c| t.get(r, c).to_string()).collect()).collect()
    }

    /// The parquet crate and polars read a text file to the same cells and
    /// row hashes, for any slice and projection, and the stream of batches
    /// gives the slices' cells whatever the batches' bounds.
    #[test]
    fn both_readers_give_the_same_cells() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("text.parquet");
        let rows = 2_000;
        let written = write_text_file(&path, rows);
        let arrow = ParquetFile::open(&path).unwrap();
        assert!(matches!(arrow.engine, Engine::Arrow(_)), "a text file is read by the parquet crate");
        let polars = ParquetFile::open_polars(&path, File::open(&path).unwrap()).unwrap();
        assert_eq!(arrow.headers, polars.headers);
        assert_eq!(arrow.row_groups(), polars.row_groups());
        assert!(arrow.row_groups().len() >= 3);
        let Engine::Arrow(meta) = &arrow.engine else { unreachable!() };
        let dict: Vec<bool> = (0..5).map(|i| meta.metadata().row_group(0).column(i).dictionary_page_offset().is_some()).collect();
        assert_eq!(dict, [false, true, true, true, true], "the file holds dictionary and plain columns");

        let width = arrow.headers.len();
        for (start, len) in [(0, rows), (0, 1), (5, 700), (660, 1), (650, 40), (1_999, 1), (1_234, 766)] {
            let a = arrow.read_slice(start, len, None).unwrap();
            let p = polars.read_slice(start, len, None).unwrap();
            assert_eq!(a.height(), len);
            let ca = cells(&a, width);
            assert_eq!(ca, cells(&p, width), "slice {start}+{len}");
            for (r, row) in ca.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    assert_eq!(v, written[c][start + r].as_deref().unwrap_or(""), "cell {},{c}", start + r);
                }
            }
            for rs in [0..len, len / 3..len] {
                assert_eq!(a.hash_rows(rs.clone(), 7, cell, mix), p.hash_rows(rs, 7, cell, mix));
            }
            // A projection reads the other columns as empty cells.
            let a = arrow.read_slice(start, len, Some(&[3, 1, 9])).unwrap();
            let p = polars.read_slice(start, len, Some(&[3, 1, 9])).unwrap();
            assert_eq!(cells(&a, width), cells(&p, width));
            assert!((0..len).all(|r| a.get(r, 0).is_empty() && a.get(r, 2).is_empty()));
            assert_eq!(a.hash_rows(0..len, 7, cell, mix), p.hash_rows(0..len, 7, cell, mix));
        }
        assert!(arrow.read_slice(1_990, 20, None).err().unwrap().contains("could not be read"));

        // Batches of any bounds, streamed: each equals the slice read alone.
        for batches in [vec![(0, 700), (700, 1_300)], vec![(0, 3), (3, 997), (1_000, 1), (1_001, 999)], vec![(100, 1_800)]] {
            let mut got = Vec::new();
            arrow.read_batches(&batches, Some(&[0, 2, 4]), |t| {
                got.push(t.unwrap());
                true
            });
            assert_eq!(got.len(), batches.len());
            for (t, &(start, len)) in got.iter().zip(&batches) {
                assert_eq!(cells(t, width), cells(&polars.read_slice(start, len, Some(&[0, 2, 4])).unwrap(), width));
            }
        }
        // Past the end: an error, handed on as the last batch.
        let mut got = Vec::new();
        arrow.read_batches(&[(1_500, 400), (1_900, 200)], None, |t| {
            got.push(t.map(|t| t.height()));
            true
        });
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], Ok(400));
        assert!(got[1].as_ref().unwrap_err().contains("could not be read"));
        // The reader stops when told to.
        let mut n = 0;
        arrow.read_batches(&[(0, 10), (10, 10), (20, 10)], None, |_| {
            n += 1;
            false
        });
        assert_eq!(n, 1);
    }

    /// A file with a column that is not text is read by polars, which turns
    /// its cells into text.
    #[test]
    fn a_file_with_numbers_is_read_by_polars() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("num.parquet");
        write_parquet(&path, vec![("NIK", Col::U64(vec![3171014101900001, 7])), ("NAMA", Col::Str(vec!["A".into(), "B".into()]))])
            .unwrap();
        let f = ParquetFile::open(&path).unwrap();
        assert!(matches!(f.engine, Engine::Polars(_)));
        let t = f.read_slice(0, 2, None).unwrap();
        assert_eq!(cells(&t, 2), [["3171014101900001", "A"], ["7", "B"]]);
    }
}
