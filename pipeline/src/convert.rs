//! Converting a CSV input to Parquet (all columns text, as the contract keeps
//! NIKs as text), used by `cakupan generate --format parquet`.
//!
//! The CSV is streamed in batches of rows, each written as one row group, so a
//! 10-million-row file never sits in memory as strings.

use crate::error::PipelineError;
use crate::frame::TextParquetWriter;
use crate::ingest::detect_delimiter;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

const BATCH_ROWS: usize = 1 << 20;

pub fn csv_to_parquet(csv: &Path, parquet: &Path) -> Result<u64, PipelineError> {
    let unreadable = |e: String| PipelineError::Unreadable { file: csv.display().to_string(), reason: e };
    let out = |e: String| PipelineError::output(parquet.display(), e);
    let f = std::fs::File::open(csv).map_err(|e| unreadable(e.to_string()))?;
    let mut r = BufReader::with_capacity(1 << 20, f);
    // peek the header line for the delimiter; skip a BOM
    let head = r.fill_buf().map_err(|e| unreadable(e.to_string()))?;
    let bom = head.starts_with(&[0xEF, 0xBB, 0xBF]);
    let line_end = memchr::memchr(b'\n', head).unwrap_or(head.len());
    let delim = detect_delimiter(&head[if bom { 3 } else { 0 }..line_end]);
    if bom {
        r.consume(3);
    }
    let mut rdr = csv::ReaderBuilder::new().delimiter(delim).flexible(true).from_reader(r.take(u64::MAX));
    let headers: Vec<String> =
        rdr.headers().map_err(|e| unreadable(e.to_string()))?.iter().map(|h| h.trim().to_string()).collect();
    let width = headers.len();
    let mut w = TextParquetWriter::create(parquet, &headers).map_err(out)?;
    let mut cols: Vec<Vec<String>> = vec![Vec::with_capacity(BATCH_ROWS); width];
    let mut rec = csv::ByteRecord::new();
    let mut n = 0u64;
    loop {
        let more = rdr.read_byte_record(&mut rec).map_err(|e| unreadable(e.to_string()))?;
        if more {
            for (i, col) in cols.iter_mut().enumerate() {
                col.push(rec.get(i).map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default());
            }
            n += 1;
        }
        if (!more && !cols[0].is_empty()) || cols[0].len() == BATCH_ROWS {
            let batch = std::mem::replace(&mut cols, vec![Vec::with_capacity(BATCH_ROWS); width]);
            w.write(batch).map_err(out)?;
        }
        if !more {
            break;
        }
    }
    w.finish().map_err(out)?;
    Ok(n)
}
