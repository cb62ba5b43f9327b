//! Helpers for tests that run the real `cakupan` binary.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cakupan"))
}

pub fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

pub fn run_ok(args: &[&str]) -> Output {
    let out = bin().args(args).output().expect("cakupan runs");
    assert!(
        out.status.success(),
        "cakupan {:?} failed:\nstdout:\n{}\nstderr:\n{}",
        args,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A CSV file as (header, rows keyed by the first column).
pub fn read_keyed(path: &Path) -> (Vec<String>, BTreeMap<String, Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = r.headers().unwrap().iter().map(|s| s.trim_start_matches('\u{feff}').to_string()).collect();
    let mut rows = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let v: Vec<String> = rec.iter().map(String::from).collect();
        assert!(rows.insert(v[0].clone(), v).is_none(), "duplicate key in {}", path.display());
    }
    (header, rows)
}

/// Compare every column of `expected` with the same column of `actual`, row by
/// row keyed by `area_code`. Returns the number of cells compared.
pub fn assert_tables_agree(expected: &Path, actual: &Path) -> usize {
    let (eh, erows) = read_keyed(expected);
    let (ah, arows) = read_keyed(actual);
    let keys_e: Vec<_> = erows.keys().collect();
    let keys_a: Vec<_> = arows.keys().collect();
    assert_eq!(keys_e, keys_a, "{} vs {}: different areas", expected.display(), actual.display());
    let mut cells = 0;
    let mut bad = Vec::new();
    for (k, ev) in &erows {
        let av = &arows[k];
        for (i, col) in eh.iter().enumerate() {
            let j = ah.iter().position(|c| c == col).unwrap_or_else(|| panic!("{} lacks column {col}", actual.display()));
            cells += 1;
            if ev[i] != av[j] {
                bad.push(format!("{k} {col}: expected {} got {}", ev[i], av[j]));
            }
        }
    }
    assert!(bad.is_empty(), "{} cells differ in {}:\n{}", bad.len(), actual.display(), bad.join("\n"));
    cells
}

pub fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// `what,count` summary as a map.
pub fn summary(path: &Path) -> BTreeMap<String, u64> {
    let (_, rows) = read_keyed(path);
    rows.into_iter().map(|(k, v)| (k, v[1].parse().unwrap())).collect()
}

pub fn u(v: &serde_json::Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}
