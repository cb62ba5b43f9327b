use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::Path;
use synth::{generate, Config, Summary};

fn cfg(residents: usize, seed: u64) -> Config {
    Config {
        residents,
        seed,
        ..Config::default()
    }
}

const FILES: [&str; 7] = [
    "penduduk.csv",
    "rekam_ktpel.csv",
    "expected_provinsi.csv",
    "expected_kabupaten.csv",
    "expected_kecamatan.csv",
    "expected_desa.csv",
    "expected_summary.csv",
];

fn read_all(dir: &Path) -> Vec<Vec<u8>> {
    FILES
        .iter()
        .map(|f| fs::read(dir.join(f)).unwrap())
        .collect()
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn same_seed_same_bytes_whatever_the_threads() {
    let t = tempfile::tempdir().unwrap();
    let c = cfg(60_000, 42);
    let (a, b, d) = (t.path().join("a"), t.path().join("b"), t.path().join("c"));
    let sa = generate(&c, &a).unwrap();
    let sb = in_pool(1, || generate(&c, &b).unwrap());
    let sd = in_pool(3, || generate(&c, &d).unwrap());
    assert_eq!(sa, sb);
    assert_eq!(sa, sd);
    let (fa, fb, fd) = (read_all(&a), read_all(&b), read_all(&d));
    for (i, name) in FILES.iter().enumerate() {
        assert!(
            fa[i] == fb[i] && fa[i] == fd[i],
            "{name} differs between runs"
        );
    }
}

#[test]
fn other_seed_other_data() {
    let t = tempfile::tempdir().unwrap();
    generate(&cfg(5_000, 1), &t.path().join("a")).unwrap();
    generate(&cfg(5_000, 2), &t.path().join("b")).unwrap();
    let (fa, fb) = (read_all(&t.path().join("a")), read_all(&t.path().join("b")));
    assert_ne!(fa[0], fb[0]);
    assert_ne!(fa[1], fb[1]);
}

fn lines(dir: &Path, file: &str) -> Vec<String> {
    let s = fs::read_to_string(dir.join(file)).unwrap();
    s.lines()
        .map(|l| l.trim_end_matches('\r').to_string())
        .collect()
}

fn summary_file(dir: &Path) -> Vec<(String, u64)> {
    lines(dir, "expected_summary.csv")[1..]
        .iter()
        .map(|l| {
            let (k, v) = l.split_once(',').unwrap();
            (k.to_string(), v.parse().unwrap())
        })
        .collect()
}

/// (code, counts) of an expected_* file; names must be present.
fn table(dir: &Path, level: &str) -> Vec<(String, [u64; 8])> {
    let ls = lines(dir, &format!("expected_{level}.csv"));
    assert_eq!(ls[0], synth::EXPECTED_HEADER);
    ls[1..]
        .iter()
        .map(|l| {
            // Names may be quoted and contain commas: take the code first, the counts last.
            let code = l.split(',').next().unwrap().to_string();
            let f: Vec<&str> = l.rsplitn(9, ',').collect();
            let mut c = [0u64; 8];
            for i in 0..8 {
                c[7 - i] = f[i].parse().unwrap();
            }
            let name = &f[8][code.len() + 1..];
            assert!(!name.is_empty() && name != "\"\"", "no name for {code}");
            (code, c)
        })
        .collect()
}

fn check_consistency(dir: &Path, s: &Summary) {
    // Headers.
    let pop = fs::read(dir.join("penduduk.csv")).unwrap();
    assert!(pop.starts_with(b"\xEF\xBB\xBF"));
    let pop_lines = lines(dir, "penduduk.csv");
    assert_eq!(
        pop_lines[0].trim_start_matches('\u{feff}'),
        synth::POPULATION_HEADER
    );
    let enr_lines = lines(dir, "rekam_ktpel.csv");
    assert_eq!(enr_lines[0], synth::ENROLLMENT_HEADER);
    assert_eq!(pop_lines.len() as u64 - 1, s.population_rows);
    assert_eq!(enr_lines.len() as u64 - 1, s.enrollment_rows);
    for l in &pop_lines[1..] {
        assert_eq!(l.split(';').count(), 16, "{l}");
    }

    // Summary file = Summary, reconciles.
    let sf = summary_file(dir);
    let want: Vec<(String, u64)> = s
        .rows()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    assert_eq!(sf, want);
    let names: Vec<&str> = sf.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "population_rows",
            "duplicate_rows",
            "reject_NIK_SCIENTIFIC",
            "reject_NIK_FORMAT",
            "reject_BIRTH_DATE_INVALID",
            "reject_BIRTH_DATE_FUTURE",
            "reject_AREA_FORMAT",
            "reject_DUPLICATE_NIK",
            "residents",
            "not_resident",
            "enrollment_rows",
            "enrollment_orphan",
            "enrollment_of_rejected_row",
            "enrollment_after_as_of",
            "enrollment_failed_status"
        ]
    );
    assert_eq!(
        s.population_rows,
        s.residents + s.not_resident + s.duplicate_rows + s.rejects()
    );

    // Children sum to parents, exactly; sorted; every area has residents.
    let levels = ["provinsi", "kabupaten", "kecamatan", "desa"];
    let tables: Vec<_> = levels.iter().map(|l| table(dir, l)).collect();
    for t in &tables {
        assert!(t.windows(2).all(|w| w[0].0 < w[1].0), "not sorted");
        assert!(t.iter().all(|(_, c)| c[0] >= 1));
        for (code, c) in t {
            assert!(
                c[1] >= c[2] && c[3] == c[4] + c[5] && c[6] >= c[7] && c[3] >= c[6],
                "{code} {c:?}"
            );
        }
    }
    for i in 1..4 {
        let mut sums: BTreeMap<String, [u64; 8]> = BTreeMap::new();
        for (code, c) in &tables[i] {
            let parent = code[..code.rfind('.').unwrap()].to_string();
            let e = sums.entry(parent).or_default();
            for k in 0..8 {
                e[k] += c[k];
            }
        }
        let parents: BTreeMap<String, [u64; 8]> = tables[i - 1].iter().cloned().collect();
        assert_eq!(
            sums,
            parents,
            "{} do not sum to {}",
            levels[i],
            levels[i - 1]
        );
    }
    let total: u64 = tables[0].iter().map(|(_, c)| c[0]).sum();
    assert_eq!(total, s.residents);
    let eligible: u64 = tables[0].iter().map(|(_, c)| c[3]).sum();
    assert_eq!(eligible, s.eligible);

    // NIKs: unique except for duplicates; orphans are not in the population.
    let mut niks = HashSet::new();
    let mut n16 = 0u64;
    for l in &pop_lines[1..] {
        let nik = l.split(';').next().unwrap();
        if nik.len() == 16 && nik.bytes().all(|b| b.is_ascii_digit()) {
            n16 += 1;
            niks.insert(nik.to_string());
        }
    }
    assert_eq!(
        niks.len() as u64,
        n16 - s.duplicate_rows - s.reject_duplicate_nik
    );
    let not_in_pop = enr_lines[1..]
        .iter()
        .filter(|l| !niks.contains(&l[..16]))
        .count() as u64;
    assert_eq!(not_in_pop, s.enrollment_orphan);
}

#[test]
fn messy_case_is_consistent() {
    let t = tempfile::tempdir().unwrap();
    let s = generate(&cfg(60_000, 7), t.path()).unwrap();
    check_consistency(t.path(), &s);
    let rows = s.population_rows as f64;
    for (what, v, lo, hi) in [
        ("scientific", s.reject_nik_scientific, 0.001, 0.004),
        ("format", s.reject_nik_format, 0.001, 0.004),
        ("birth", s.reject_birth_date_invalid, 0.001, 0.004),
        ("future", s.reject_birth_date_future, 0.0003, 0.002),
        ("area", s.reject_area_format, 0.0003, 0.002),
        ("dup", s.duplicate_rows, 0.001, 0.004),
        ("dupnik", s.reject_duplicate_nik, 0.0003, 0.002),
        ("first_time", s.first_time, 0.006, 0.012),
    ] {
        let share = v as f64 / rows;
        assert!(share > lo && share < hi, "{what}: {v} of {rows}");
    }
    let coverage = s.required_recorded as f64 / s.required as f64;
    assert!((0.65..0.85).contains(&coverage), "{coverage}");
    assert!(s.enrollment_orphan > 0 && s.enrollment_of_rejected_row > 0);
    assert!(s.enrollment_after_as_of > 0 && s.enrollment_failed_status > 0);
    assert!(s.not_resident > 0 && s.nik_date_mismatch > 0 && s.nik_prefix_elsewhere > 0);
}

#[test]
fn clean_case_has_no_damage() {
    let t = tempfile::tempdir().unwrap();
    let c = Config {
        mess: false,
        ..cfg(20_000, 3)
    };
    let s = generate(&c, t.path()).unwrap();
    check_consistency(t.path(), &s);
    assert_eq!(s.rejects() + s.duplicate_rows + s.not_resident, 0);
    assert_eq!(s.residents, 20_000);
    assert_eq!(
        s.enrollment_orphan + s.enrollment_after_as_of + s.enrollment_failed_status,
        0
    );
    assert_eq!(s.nik_date_mismatch, 0);
}

#[test]
fn other_kabs_and_dates() {
    let t = tempfile::tempdir().unwrap();
    // Deli Serdang has a desa named "Lubuk Pakam I,II" (quoted in the CSV).
    let c = Config {
        kabs: vec!["12.07".into(), "95.01".into(), "12.07".into()],
        as_of: chrono::NaiveDate::from_ymd_opt(2023, 12, 1).unwrap(),
        election: chrono::NaiveDate::from_ymd_opt(2024, 2, 14).unwrap(),
        ..cfg(30_000, 9)
    };
    let s = generate(&c, t.path()).unwrap();
    check_consistency(t.path(), &s);
    let kabs: Vec<String> = table(t.path(), "kabupaten")
        .into_iter()
        .map(|x| x.0)
        .collect();
    assert_eq!(kabs, ["12.07", "95.01"]);
    // A look back (S after E): nobody is a first-time voter.
    let c = Config {
        as_of: chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
        ..cfg(10_000, 9)
    };
    let s = generate(&c, &t.path().join("back")).unwrap();
    check_consistency(&t.path().join("back"), &s);
    assert_eq!(s.first_time, 0);
}

#[test]
fn bad_kab_codes_are_errors() {
    let t = tempfile::tempdir().unwrap();
    for bad in ["94", "99.99", "94.04.01", "9404", "x"] {
        let c = Config {
            kabs: vec![bad.into()],
            ..cfg(10, 1)
        };
        let e = generate(&c, t.path()).unwrap_err();
        assert!(matches!(e, synth::SynthError::UnknownKab(_)), "{bad}: {e}");
    }
    let c = Config {
        kabs: vec![],
        ..cfg(10, 1)
    };
    assert!(matches!(
        generate(&c, t.path()),
        Err(synth::SynthError::NoKabs)
    ));
}

#[test]
fn zero_residents_gives_empty_tables() {
    let t = tempfile::tempdir().unwrap();
    let s = generate(&cfg(0, 1), t.path()).unwrap();
    check_consistency(t.path(), &s);
    assert_eq!(s.population_rows, 0);
}
