//! `cargo run --release -p recordlink --example measure -- [candidates] [queries] [seed]`
//! Precision, recall and speed on generated truth.
use recordlink::{link, truth, Config};
fn main() {
    let a: Vec<usize> = std::env::args().skip(1).filter_map(|s| s.parse().ok()).collect();
    let (n, k, seed) = (a.first().copied().unwrap_or(1_000_000), a.get(1).copied().unwrap_or(200_000), a.get(2).copied().unwrap_or(1));
    let t = std::time::Instant::now();
    let case = truth::case(n, k, seed as u64);
    let gen = t.elapsed();
    let t = std::time::Instant::now();
    let out = link(&case.queries, &case.candidates, &case.known, &Config::default());
    let secs = t.elapsed().as_secs_f64();
    let (p, r, probable, correct) = truth::evaluate(&case, &out);
    println!("candidates {n}, queries {k}, seed {seed} (generated in {:.1} s)", gen.as_secs_f64());
    println!("link: {secs:.2} s, {} pairs compared, {probable} probable, {correct} correct", out.pairs_compared);
    println!("precision {p:.4}, recall {r:.4}");
    println!("records linked per minute (queries + candidates): {:.0}", (n + k) as f64 / secs * 60.0);
    println!("lambda {:.5}; m name {:?}; u name {:?}", out.params.lambda, out.params.m[0], out.params.u[0]);
}
