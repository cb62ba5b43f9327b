//! Robustness of the readers and the whole plan (issue 6): arbitrary bytes
//! and mutated real files never panic; every failure is a clear error; odd
//! but valid files (Latin-1 names, huge fields, ragged rows, header-only)
//! are read with every row accounted for.
use pipeline::{plan, RunConfig};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn sample_head(lines: usize) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/messy-20k/penduduk.csv");
    let text = std::fs::read(p).unwrap();
    let mut n = 0;
    let end = text.iter().position(|&c| {
        if c == b'\n' {
            n += 1;
        }
        n == lines
    });
    text[..end.map(|e| e + 1).unwrap_or(text.len())].to_vec()
}

const ENROLLMENT: &str = "NIK,TGL_REKAM,STATUS_KTP\n9404141908210001,2024-01-05,CARD PRINTED\n";

fn cfg(pop: PathBuf, enr: PathBuf) -> RunConfig {
    RunConfig {
        population: vec![pop],
        enrollment: vec![enr],
        election: chrono::NaiveDate::from_ymd_opt(2024, 11, 27).unwrap(),
        as_of: chrono::NaiveDate::from_ymd_opt(2024, 8, 26).unwrap(),
        max_reject_rate: 1.0,
        write_targets: true,
        keep_targets: true,
        partitions: 1,
        link_threshold: 0.9,
    }
}

/// Run the whole plan on `pop` bytes (with the given extension); it must
/// either succeed with reconciling counts or fail with a message.
fn run_bytes(pop: &[u8], ext: &str, enr: &[u8]) -> Result<pipeline::RunResult, String> {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join(format!("penduduk.{ext}"));
    let e = tmp.path().join("rekam.csv");
    std::fs::write(&p, pop).unwrap();
    std::fs::write(&e, enr).unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    match plan::run_into(&cfg(p, e), &out) {
        Ok(r) => {
            let m = &r.manifest;
            assert_eq!(m.population.rows_read, m.population.counted + m.population.duplicate_rows + m.population.rejected);
            Ok(r)
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.trim().is_empty(), "an error must say something");
            Err(msg)
        }
    }
}

fn mutate(base: &[u8], ops: &[(u8, usize, u8)]) -> Vec<u8> {
    let mut v = base.to_vec();
    for &(op, at, b) in ops {
        if v.is_empty() {
            v.push(b);
            continue;
        }
        let i = at % v.len();
        let special = [b'"', b';', b',', b'\n', b'\r', b'\t', 0xff, 0xe9, b'|', 0];
        match op % 6 {
            0 => v[i] = b,
            1 => v.insert(i, special[b as usize % special.len()]),
            2 => {
                v.remove(i);
            }
            3 => {
                let j = (i + b as usize).min(v.len());
                let piece = v[i..j].to_vec();
                v.splice(i..i, piece);
            }
            4 => v.truncate(i),
            _ => v[i] = special[b as usize % special.len()],
        }
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = run_bytes(&bytes, "csv", ENROLLMENT.as_bytes());
        let _ = run_bytes(ENROLLMENT.as_bytes(), "csv", &bytes);
    }

    #[test]
    fn arbitrary_bytes_as_parquet_or_xlsx_are_clear_errors(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        prop_assert!(run_bytes(&bytes, "parquet", ENROLLMENT.as_bytes()).is_err());
        prop_assert!(run_bytes(&bytes, "xlsx", ENROLLMENT.as_bytes()).is_err());
    }

    #[test]
    fn mutated_real_files_never_panic(ops in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<u8>()), 1..12)) {
        let base = sample_head(40);
        let _ = run_bytes(&mutate(&base, &ops), "csv", ENROLLMENT.as_bytes());
    }
}

#[test]
fn empty_and_header_only_files() {
    let e = run_bytes(b"", "csv", ENROLLMENT.as_bytes()).unwrap_err();
    assert!(e.contains("empty"), "{e}");
    let r = run_bytes(b"NIK;TGL_LHR;NO_PROP;NO_KAB;NO_KEC;NO_KEL\n", "csv", ENROLLMENT.as_bytes()).unwrap();
    assert_eq!(r.manifest.population.rows_read, 0);
    assert_eq!(r.manifest.enrollment.orphan, 1);
}

#[test]
fn latin1_names_huge_fields_and_ragged_rows_are_accounted_for() {
    let mut pop = b"NIK;NAMA_LGKP;TGL_LHR;NO_PROP;NO_KAB;NO_KEC;NO_KEL\n".to_vec();
    pop.extend_from_slice(b"9404141908210001;Jos\xe9 Mar\xeda;19-08-2001;94;4;14;2005\n"); // Latin-1
    pop.extend_from_slice(b"9404141908210002;");
    pop.extend(std::iter::repeat_n(b'A', 2_000_000)); // a 2 MB name
    pop.extend_from_slice(b";19-08-2001;94;4;14;2005\n");
    pop.extend_from_slice(b"9404141908210003;Ragged;19-08-2001;94;4\n");
    pop.extend_from_slice(b"9404141908210004;Too;many;19-08-2001;94;4;14;2005\n");
    let r = run_bytes(&pop, "csv", b"NIK,TGL_REKAM\n").unwrap();
    let p = &r.manifest.population;
    assert_eq!(p.rows_read, 4);
    assert_eq!(p.counted, 2);
    assert_eq!(p.rejected_by_reason["FIELD_COUNT"], 2);
    // Invalid UTF-8 is read as Latin-1: the worklist shows the name as typed.
    let t = r.targets.iter().find(|t| t.nik == 9404141908210001).expect("an unrecorded adult is a target");
    assert_eq!(t.name, "José María");
    let big = r.targets.iter().find(|t| t.nik == 9404141908210002).unwrap();
    assert_eq!(big.name.len(), 2_000_000);
}
