//! A run killed with SIGKILL leaves the previous good output intact, and the
//! next run cleans up what the killed one left behind (issue 6).
mod common;
use common::*;
use std::time::{Duration, Instant};

#[test]
fn sigkill_mid_run_keeps_the_previous_good_output() {
    let tmp = tempfile::tempdir().unwrap();
    let gen = tmp.path().join("gen");
    run_ok(&[
        "generate", "--kab", "94.04", "--residents", "150000", "--seed", "9", "--out", gen.to_str().unwrap(),
        "--format", "csv",
    ]);
    let out = tmp.path().join("out");
    let args = [
        "run", "--population", gen.join("penduduk.csv").to_str().unwrap(), "--enrollment",
        gen.join("rekam_ktpel.csv").to_str().unwrap(), "--election-date", "2024-11-27", "--as-of", "2024-08-26",
        "--out", out.to_str().unwrap(),
    ]
    .map(String::from);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run_ok(&refs);
    let before: Vec<(String, Vec<u8>)> = ["manifest.json", "coverage_desa.csv", "report.html", "targets.csv"]
        .iter()
        .map(|f| (f.to_string(), std::fs::read(out.join(f)).unwrap()))
        .collect();

    // Start a second run and kill it (SIGKILL) once its staging directory exists.
    let mut child = bin().args(&refs).spawn().unwrap();
    let staging = tmp.path().join(format!(".out.tmp-{}", child.id()));
    let t = Instant::now();
    while !staging.exists() && t.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(staging.exists(), "the run never created its staging directory");
    std::thread::sleep(Duration::from_millis(150));
    child.kill().unwrap(); // SIGKILL: no destructor runs
    child.wait().unwrap();

    for (f, bytes) in &before {
        assert_eq!(&std::fs::read(out.join(f)).unwrap(), bytes, "{f} changed after a killed run");
    }
    // The next run succeeds and removes the killed run's leftovers.
    run_ok(&refs);
    assert!(!staging.exists(), "stale staging directory left behind");
    assert_eq!(std::fs::read(out.join("coverage_desa.csv")).unwrap(), before[1].1);
}
