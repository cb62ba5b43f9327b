//! Every use of polars in cakupan lives in this module, behind a small API of
//! our own, so that polars version churn stays in one place.
//!
//! * [`ParquetFile`]: a Parquet file read in slices as string columns (the
//!   validator reads every input as text, as the contract's rules are about text).
//! * [`write_parquet`]: our own column vectors to a Parquet file.

use polars::prelude::*;
use std::fs::File;
use std::path::Path;

/// The Arrow array behind a one-chunk string column.
type Utf8ViewArray = <StringType as PolarsDataType>::Array;

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
    /// Kept as the bare Arrow array (one chunk) for cheap cell access.
    /// With each array: whether it has any null.
    cols: Vec<Option<(Utf8ViewArray, bool)>>,
    height: usize,
}

impl StringTable {
    pub fn height(&self) -> usize {
        self.height
    }

    /// Cell `(row, col)` as text; `""` for null.
    #[inline]
    pub fn get(&self, row: usize, col: usize) -> &str {
        match &self.cols[col] {
            // SAFETY: row < height, the array's length; no validity to check.
            Some((a, false)) if row < self.height => unsafe { a.value_unchecked(row) },
            Some((a, _)) => a.get(row).unwrap_or(""),
            None => "",
        }
    }

    /// `fold(seed, cell)` over the cells of each row of `rows`, left to right
    /// (a null or unread cell is `""`), computed a column at a time.
    pub fn hash_rows(&self, rows: std::ops::Range<usize>, seed: u64, fold: impl Fn(u64, &[u8]) -> u64) -> Vec<u64> {
        assert!(rows.end <= self.height);
        let mut h = vec![seed; rows.len()];
        for c in &self.cols {
            match c {
                Some((a, false)) => {
                    for (x, r) in h.iter_mut().zip(rows.clone()) {
                        // SAFETY: r < height, the array's length (asserted above).
                        *x = fold(*x, unsafe { a.value_unchecked(r) }.as_bytes());
                    }
                }
                Some((a, true)) => {
                    for (x, r) in h.iter_mut().zip(rows.clone()) {
                        *x = fold(*x, a.get(r).unwrap_or("").as_bytes());
                    }
                }
                None => h.iter_mut().for_each(|x| *x = fold(*x, b"")),
            }
        }
        h
    }
}

/// A Parquet file opened for reading in slices: the footer (schema, row
/// groups) is read once; [`ParquetFile::read_slice`] decodes only the row
/// groups a slice touches, so a large file never has to be held whole as text.
pub struct ParquetFile {
    path: std::path::PathBuf,
    meta: polars::io::parquet::metadata::FileMetadataRef,
    pub headers: Vec<String>,
}

impl ParquetFile {
    pub fn open(path: &Path) -> Result<ParquetFile, String> {
        let f = File::open(path).map_err(|e| e.to_string())?;
        if f.metadata().map_err(|e| e.to_string())?.len() == 0 {
            return Err("the file is empty (0 bytes), not a Parquet file".into());
        }
        let mut r = ParquetReader::new(f);
        let schema = r.schema().map_err(|e| e.to_string())?;
        let meta = r.get_metadata().map_err(|e| e.to_string())?.clone();
        let headers = schema.iter_names().map(|n| n.to_string()).collect();
        Ok(ParquetFile { path: path.to_path_buf(), meta, headers })
    }

    /// Rows per row group, in file order.
    pub fn row_groups(&self) -> Vec<usize> {
        self.meta.row_groups.iter().map(|g| g.num_rows()).collect()
    }

    /// Rows `start .. start + len` as text columns; with `columns`, only
    /// those columns are decoded (the others read as empty cells). Fewer
    /// rows than asked for is an error (a truncated or changed file).
    pub fn read_slice(&self, start: usize, len: usize, columns: Option<&[usize]>) -> Result<StringTable, String> {
        let f = File::open(&self.path).map_err(|e| e.to_string())?;
        let mut r = ParquetReader::new(f);
        r.set_metadata(self.meta.clone());
        let mut r = r.with_slice(Some((start, len)));
        if let Some(c) = columns {
            let mut c: Vec<usize> = c.iter().copied().filter(|&i| i < self.headers.len()).collect();
            c.sort_unstable();
            c.dedup();
            r = r.with_projection(Some(c));
        }
        let df = r.finish().map_err(|e| e.to_string())?;
        if df.height() != len {
            return Err(format!(
                "rows {start}..{} could not be read (got {} rows); is the file complete and unchanged?",
                start + len,
                df.height()
            ));
        }
        let mut t = to_strings(df)?;
        if columns.is_some() {
            // Back to the file's column positions.
            let mut cols: Vec<Option<(Utf8ViewArray, bool)>> = vec![None; self.headers.len()];
            for (name, c) in t.headers.iter().zip(t.cols.drain(..)) {
                if let Some(k) = self.headers.iter().position(|h| h == name) {
                    cols[k] = c;
                }
            }
            t = StringTable { headers: self.headers.clone(), cols, height: t.height };
        }
        Ok(t)
    }
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
        let ca = s.str().map_err(|e| e.to_string())?.rechunk().into_owned();
        cols.push(Some((ca.downcast_as_array().clone(), ca.null_count() > 0)));
    }
    Ok(StringTable { headers, cols, height })
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
