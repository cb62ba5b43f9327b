//! Generate a case and time it:
//! `cargo run --release -p synth --example gen -- OUT_DIR [RESIDENTS] [SEED] [clean|mess] [KAB,KAB..] [AS_OF ELECTION]`
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = args.get(1).map(String::as_str).unwrap_or("synth-out");
    let mut cfg = synth::Config::default();
    if let Some(n) = args.get(2) {
        cfg.residents = n.replace('_', "").parse().expect("RESIDENTS");
    }
    if let Some(s) = args.get(3) {
        cfg.seed = s.parse().expect("SEED");
    }
    if args.get(4).map(String::as_str) == Some("clean") {
        cfg.mess = false;
    }
    if let Some(k) = args.get(5) {
        cfg.kabs = k.split(',').map(String::from).collect();
    }
    if let (Some(s), Some(e)) = (args.get(6), args.get(7)) {
        cfg.as_of = s.parse().expect("AS_OF");
        cfg.election = e.parse().expect("ELECTION");
    }
    let t = Instant::now();
    let s = synth::generate(&cfg, std::path::Path::new(out)).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "{:.2}s on {} threads",
        t.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    );
    println!("{s:#?}");
}
