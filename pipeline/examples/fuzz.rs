//! Timed fuzzing of the readers and the whole plan: mutates real rows (and
//! feeds raw random bytes) for a given number of seconds, catching panics.
//!
//! `cargo run --release -p pipeline --example fuzz -- 600` (seconds; default 60).
//! Inputs that panic are saved under `fuzz-crashes/`; the exit code is 1 if any.
use pipeline::{plan, RunConfig};
use std::path::Path;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(r: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    let special = [b'"', b';', b',', b'\n', b'\r', b'\t', 0xff, 0xe9, b'|', 0, b'E', b'+', b'.', b'-', b'/'];
    for _ in 0..1 + r.below(16) {
        if v.is_empty() {
            v.push(special[r.below(special.len())]);
        }
        let i = r.below(v.len());
        match r.below(7) {
            0 => v[i] = r.next() as u8,
            1 => v.insert(i, special[r.below(special.len())]),
            2 => {
                v.remove(i);
            }
            3 => {
                let j = (i + r.below(200)).min(v.len());
                let piece = v[i..j].to_vec();
                v.splice(i..i, piece);
            }
            4 => v.truncate(i),
            5 => v[i] = special[r.below(special.len())],
            _ => {
                let j = (i + r.below(40)).min(v.len());
                v[i..j].reverse();
            }
        }
    }
    v
}

fn main() {
    let secs: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(60);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let pop = std::fs::read(root.join("tests/data/messy-20k/penduduk.csv")).unwrap();
    let enr = std::fs::read(root.join("tests/data/messy-20k/rekam_ktpel.csv")).unwrap();
    let head = |b: &[u8], n: usize| {
        let mut k = 0;
        let end = b.iter().position(|&c| {
            k += (c == b'\n') as usize;
            k == n
        });
        b[..end.map(|e| e + 1).unwrap_or(b.len())].to_vec()
    };
    let (pop, enr) = (head(&pop, 120), head(&enr, 80));
    std::panic::set_hook(Box::new(|_| {}));
    let tmp = tempfile::tempdir().unwrap();
    let mut r = Rng(0x9E37_79B9_7F4A_7C15 ^ std::process::id() as u64);
    let start = std::time::Instant::now();
    let (mut runs, mut ok, mut errs, mut panics) = (0u64, 0u64, 0u64, 0u64);
    while start.elapsed().as_secs() < secs {
        let (p, e, ext) = match r.below(6) {
            0 => ((0..r.below(400)).map(|_| r.next() as u8).collect(), enr.clone(), "csv"),
            1 => (pop.clone(), mutate(&mut r, &enr), "csv"),
            2 => (mutate(&mut r, &pop), enr.clone(), if r.below(8) == 0 { "xlsx" } else { "parquet" }),
            _ => (mutate(&mut r, &pop), enr.clone(), "csv"),
        };
        let dir = tmp.path().join(format!("r{runs}"));
        std::fs::create_dir(&dir).unwrap();
        let (pp, ep, out) = (dir.join(format!("p.{ext}")), dir.join("e.csv"), dir.join("out"));
        std::fs::write(&pp, &p).unwrap();
        std::fs::write(&ep, &e).unwrap();
        std::fs::create_dir(&out).unwrap();
        let cfg = RunConfig {
            population: vec![pp.clone()],
            enrollment: vec![ep.clone()],
            election: chrono::NaiveDate::from_ymd_opt(2024, 11, 27).unwrap(),
            as_of: chrono::NaiveDate::from_ymd_opt(2024, 8, 26).unwrap(),
            max_reject_rate: 1.0,
            write_targets: true,
            keep_targets: true,
            partitions: 1 + r.below(3) as u32,
            link_threshold: 0.9,
        };
        match std::panic::catch_unwind(|| plan::run_into(&cfg, &out)) {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(e)) => {
                assert!(!e.to_string().is_empty());
                errs += 1
            }
            Err(_) => {
                panics += 1;
                let c = root.join("fuzz-crashes");
                std::fs::create_dir_all(&c).unwrap();
                std::fs::write(c.join(format!("crash-{runs}.{ext}")), &p).unwrap();
                std::fs::write(c.join(format!("crash-{runs}-enrollment.csv")), &e).unwrap();
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        runs += 1;
    }
    println!("fuzz: {runs} runs in {secs} s: {ok} ok, {errs} clear errors, {panics} panics");
    if panics > 0 {
        std::process::exit(1);
    }
}
