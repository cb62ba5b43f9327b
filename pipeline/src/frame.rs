//! Every use of polars in cakupan lives in this module, behind a small API of
//! our own, so that polars version churn stays in one place.
//!
//! * [`read_parquet_strings`]: a Parquet file as string columns (the validator
//!   reads every input as text, as the contract's rules are about text).
//! * [`write_parquet`]: our own column vectors to a Parquet file.

use polars::prelude::*;
use std::fs::File;
use std::path::Path;

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
    cols: Vec<StringChunked>,
    height: usize,
}

impl StringTable {
    pub fn height(&self) -> usize {
        self.height
    }

    /// Cell `(row, col)` as text; `""` for null.
    pub fn get(&self, row: usize, col: usize) -> &str {
        self.cols[col].get(row).unwrap_or("")
    }
}

pub fn read_parquet_strings(path: &Path) -> Result<StringTable, String> {
    let f = File::open(path).map_err(|e| e.to_string())?;
    let df = ParquetReader::new(f).finish().map_err(|e| e.to_string())?;
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
        cols.push(s.str().map_err(|e| e.to_string())?.rechunk().into_owned());
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
