//! The generated values must be understood by the contract's parsers in
//! `data-schema` (no unknown codes), and each damaged row must fail exactly the
//! check the generator meant. The coverage counts are deliberately *not*
//! recomputed here with `data_schema::rules`: they come from synth's own
//! bookkeeping and are cross-checked by `check_synth.py`.
use data_schema::values::{Citizenship, EnrollmentStatus, Marital, RegisterStatus, Sex};
use data_schema::{parse_date, parse_nik, AreaCode, NikError};
use std::collections::HashMap;

#[test]
fn values_parse_and_rejects_classify_as_intended() {
    let t = tempfile::tempdir().unwrap();
    let cfg = synth::Config { residents: 40_000, seed: 5, ..Default::default() };
    let s = synth::generate(&cfg, t.path()).unwrap();
    let text = std::fs::read_to_string(t.path().join("penduduk.csv")).unwrap();
    let mut rej: HashMap<&str, u64> = HashMap::new();
    let mut first: HashMap<u64, &str> = HashMap::new();
    let mut dup = 0;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(';').collect();
        assert!(Sex::parse(f[3]).is_some(), "{line}");
        assert!(Marital::parse(f[6]).is_some(), "{line}");
        assert!(Citizenship::parse(f[8]).is_ok(), "{line}");
        assert!(RegisterStatus::parse(f[15]).is_some(), "{line}");
        let reason = match parse_nik(f[0]) {
            Err(NikError::Scientific) => "sci",
            Err(NikError::Format) => "fmt",
            Ok(nik) => match parse_date(f[5]) {
                None => "birth",
                Some(b) if b > cfg.as_of => "future",
                Some(_) => match AreaCode::from_parts(f[9], f[10], f[11], f[12]) {
                    None => "area",
                    Some(_) => match first.get(&nik) {
                        Some(&l) if l == line => {
                            dup += 1;
                            continue;
                        }
                        Some(_) => "dupnik",
                        None => {
                            first.insert(nik, line);
                            continue;
                        }
                    },
                },
            },
        };
        *rej.entry(reason).or_default() += 1;
    }
    assert_eq!(dup, s.duplicate_rows);
    let got = |k| rej.get(k).copied().unwrap_or(0);
    assert_eq!(got("sci"), s.reject_nik_scientific);
    assert_eq!(got("fmt"), s.reject_nik_format);
    assert_eq!(got("birth"), s.reject_birth_date_invalid);
    assert_eq!(got("future"), s.reject_birth_date_future);
    assert_eq!(got("area"), s.reject_area_format);
    assert_eq!(got("dupnik"), s.reject_duplicate_nik);

    let enr = std::fs::read_to_string(t.path().join("rekam_ktpel.csv")).unwrap();
    let mut failed = 0;
    for line in enr.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        assert!(parse_nik(f[0]).is_ok() && parse_date(f[1]).is_some(), "{line}");
        match EnrollmentStatus::parse(f[2]) {
            EnrollmentStatus::Unknown => panic!("unknown status in {line}"),
            EnrollmentStatus::Failed => failed += 1,
            EnrollmentStatus::Counting => {}
        }
    }
    assert_eq!(failed, s.enrollment_failed_status);
}
