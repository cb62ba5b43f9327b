//! Times decoding a Parquet file batch by batch (no validation): where the
//! validate stage's floor is. `cargo run --release --example decode_bench -- FILE [batch]`
use std::time::Instant;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let path = std::path::Path::new(&a[1]);
    let batch: usize = a.get(2).map(|s| s.parse().unwrap()).unwrap_or(262_144);
    let f = pipeline::frame::ParquetFile::open(path).unwrap();
    let groups = f.row_groups();
    println!("{} row groups, first {:?}", groups.len(), &groups[..groups.len().min(3)]);
    let total: usize = groups.iter().sum();
    let t = Instant::now();
    let mut s = 0;
    let mut n = 0;
    while s < total {
        let len = batch.min(total - s);
        let t = f.read_slice(s, len, None).unwrap();
        n += t.height();
        s += len;
    }
    println!("{} rows decoded in {:.2} s", n, t.elapsed().as_secs_f64());
}
