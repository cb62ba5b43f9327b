//! End to end on generated messy data: the real binary generates a case with
//! its own expected counts, runs the pipeline, and every area at every level
//! must match; the manifest must reconcile; Parquet and CSV inputs agree.
mod common;
use common::*;
use std::path::Path;

fn generate(dir: &Path, residents: &str, seed: &str, format: &str) {
    run_ok(&[
        "generate", "--kab", "94.04", "64.72", "--residents", residents, "--seed", seed, "--out",
        dir.to_str().unwrap(), "--format", format,
    ]);
}

fn run(pop: &Path, enr: &Path, out: &Path) {
    run_ok(&[
        "run", "--population", pop.to_str().unwrap(), "--enrollment", enr.to_str().unwrap(),
        "--election-date", "2024-11-27", "--as-of", "2024-08-26", "--out", out.to_str().unwrap(), "--no-report",
    ]);
}

fn check_against_expected(gen: &Path, out: &Path) {
    for level in ["provinsi", "kabupaten", "kecamatan", "desa"] {
        assert_tables_agree(&gen.join(format!("expected_{level}.csv")), &out.join(format!("coverage_{level}.csv")));
    }
    let s = summary(&gen.join("expected_summary.csv"));
    let m = manifest(out);
    let p = &m["population"];
    assert_eq!(u(&p["rows_read"]), s["population_rows"]);
    assert_eq!(u(&p["duplicate_rows"]), s["duplicate_rows"]);
    assert_eq!(u(&p["residents"]), s["residents"]);
    assert_eq!(u(&p["not_resident"]), s["not_resident"]);
    for code in ["NIK_SCIENTIFIC", "NIK_FORMAT", "BIRTH_DATE_INVALID", "BIRTH_DATE_FUTURE", "AREA_FORMAT", "DUPLICATE_NIK"] {
        assert_eq!(u(&p["rejected_by_reason"][code]), s[&format!("reject_{code}")], "{code}");
    }
    // reconciliation: read = counted + duplicates + rejected
    assert_eq!(u(&p["rows_read"]), u(&p["counted"]) + u(&p["duplicate_rows"]) + u(&p["rejected"]));
    let e = &m["enrollment"];
    assert_eq!(u(&e["rows_read"]), s["enrollment_rows"]);
    assert_eq!(u(&e["orphan"]), s["enrollment_orphan"]);
    assert_eq!(u(&e["of_rejected_row"]), s["enrollment_of_rejected_row"]);
    assert_eq!(u(&e["after_as_of"]), s["enrollment_after_as_of"]);
    assert_eq!(u(&e["failed_status"]), s["enrollment_failed_status"]);
    assert_eq!(u(&e["rows_read"]), u(&e["matched"]) + u(&e["orphan"]) + u(&e["of_rejected_row"]) + u(&e["rejected"]));
    // rejects.csv has one line per rejected or dropped row, with its reason
    let (_, n) = count_lines(&out.join("rejects.csv"));
    assert_eq!(n as u64, u(&p["rejected"]) + u(&p["duplicate_rows"]) + u(&e["rejected"]));
}

fn count_lines(p: &Path) -> (Vec<String>, usize) {
    let mut r = csv::Reader::from_path(p).unwrap();
    let h = r.headers().unwrap().iter().map(String::from).collect();
    (h, r.records().count())
}

#[test]
fn generated_messy_case_matches_expected_counts_csv_and_parquet() {
    let tmp = tempfile::tempdir().unwrap();
    let gen = tmp.path().join("gen");
    generate(&gen, "60000", "11", "both");
    let out_csv = tmp.path().join("out-csv");
    run(&gen.join("penduduk.csv"), &gen.join("rekam_ktpel.csv"), &out_csv);
    check_against_expected(&gen, &out_csv);

    let out_pq = tmp.path().join("out-pq");
    run(&gen.join("penduduk.parquet"), &gen.join("rekam_ktpel.parquet"), &out_pq);
    check_against_expected(&gen, &out_pq);
    for level in ["provinsi", "kabupaten", "kecamatan", "desa"] {
        let f = format!("coverage_{level}.csv");
        assert_eq!(std::fs::read(out_csv.join(&f)).unwrap(), std::fs::read(out_pq.join(&f)).unwrap(), "{f}");
    }
    // Row by row too: the same rejects and warnings, at the same lines (the
    // generated CSV has one record per line), the file names aside. The
    // Parquet files are read as dictionaries, their cells parsed once per
    // distinct value; the CSV's cell by cell.
    for f in ["rejects.csv", "warnings.csv"] {
        let csv = std::fs::read_to_string(out_csv.join(f)).unwrap();
        let pq = std::fs::read_to_string(out_pq.join(f)).unwrap().replace("rekam_ktpel.parquet", "rekam_ktpel.csv").replace("penduduk.parquet", "penduduk.csv");
        assert!(csv.lines().count() > 100, "{f} has rows");
        assert_eq!(csv, pq, "{f}");
    }
}

#[test]
fn two_runs_give_byte_identical_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let gen = tmp.path().join("gen");
    generate(&gen, "30000", "5", "csv");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&gen.join("penduduk.csv"), &gen.join("rekam_ktpel.csv"), &a);
    run(&gen.join("penduduk.csv"), &gen.join("rekam_ktpel.csv"), &b);
    for f in [
        "coverage_provinsi.csv", "coverage_kabupaten.csv", "coverage_kecamatan.csv", "coverage_desa.csv",
        "coverage_desa.parquet", "targets.csv", "targets.parquet", "rejects.csv", "warnings.csv", "trend_weekly.csv",
    ] {
        assert_eq!(std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap(), "{f} differs");
    }
}

#[test]
fn children_sum_to_parents_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let gen = tmp.path().join("gen");
    generate(&gen, "20000", "3", "csv");
    let out = tmp.path().join("out");
    run(&gen.join("penduduk.csv"), &gen.join("rekam_ktpel.csv"), &out);
    let levels = ["provinsi", "kabupaten", "kecamatan", "desa"];
    for w in levels.windows(2) {
        let (h, parents) = read_keyed(&out.join(format!("coverage_{}.csv", w[0])));
        let (_, children) = read_keyed(&out.join(format!("coverage_{}.csv", w[1])));
        for (pcode, prow) in &parents {
            for col in ["residents", "required", "required_recorded", "eligible", "eligible_recorded",
                        "eligible_unrecorded", "first_time", "first_time_unrecorded", "backlog_unrecorded"] {
                let i = h.iter().position(|c| c == col).unwrap();
                let sum: u64 = children
                    .iter()
                    .filter(|(c, _)| c.starts_with(&format!("{pcode}.")))
                    .map(|(_, r)| r[i].parse::<u64>().unwrap())
                    .sum();
                assert_eq!(sum, prow[i].parse::<u64>().unwrap(), "{pcode} {col}");
            }
        }
    }
    // targets: one row per eligible unrecorded resident
    let (_, n) = count_lines(&out.join("targets.csv"));
    assert_eq!(n as u64, u(&manifest(&out)["totals"]["eligible_unrecorded"]));
}
