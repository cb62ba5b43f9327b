//! Converting a CSV input to Parquet (all columns text, as the contract keeps
//! NIKs as text), used by `cakupan generate --format parquet`.

use crate::error::PipelineError;
use crate::frame::TextParquetWriter;
use crate::ingest::{Row, Source};
use std::path::Path;

pub fn csv_to_parquet(csv: &Path, parquet: &Path) -> Result<u64, PipelineError> {
    let src = Source::open(csv)?;
    let width = src.headers.len();
    let out = |e: String| PipelineError::output(parquet.display(), e);
    let mut w = TextParquetWriter::create(parquet, &src.headers).map_err(out)?;
    // Each parallel chunk becomes one row group, written in file order.
    let chunks = src.par_chunks(
        || vec![Vec::<String>::new(); width],
        |acc: &mut Vec<Vec<String>>, row: &Row| {
            for (i, col) in acc.iter_mut().enumerate() {
                col.push(row.get(Some(i)).into_owned());
            }
        },
    )?;
    let mut n = 0u64;
    for c in chunks {
        n += c[0].len() as u64;
        if !c[0].is_empty() {
            w.write(c).map_err(out)?;
        }
    }
    w.finish().map_err(out)?;
    Ok(n)
}
