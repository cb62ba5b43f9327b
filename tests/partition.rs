//! Bounded memory (issue 5): a run split into NIK partitions, processed one
//! after another, writes exactly what the one-pass run writes; directories of
//! input files (hive-style) read like the files themselves.
mod common;
use common::*;
use std::path::Path;

const SAME: [&str; 12] = [
    "quality.csv",
    "coverage_provinsi.csv", "coverage_kabupaten.csv", "coverage_kecamatan.csv", "coverage_desa.csv",
    "coverage_desa.parquet", "coverage_kecamatan.parquet", "targets.csv", "targets.parquet", "rejects.csv",
    "warnings.csv", "trend_weekly.csv",
];

fn run(pop: &[&Path], enr: &[&Path], out: &Path, extra: &[&str]) {
    let mut args: Vec<String> = vec!["run".into(), "--population".into()];
    args.extend(pop.iter().map(|p| p.display().to_string()));
    args.push("--enrollment".into());
    args.extend(enr.iter().map(|p| p.display().to_string()));
    for a in ["--election-date", "2024-11-27", "--as-of", "2024-08-26", "--no-report", "--out"] {
        args.push(a.into());
    }
    args.push(out.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run_ok(&refs);
}

fn assert_same_outputs(a: &Path, b: &Path, files: &[&str]) {
    for f in files {
        let (x, y) = (std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap());
        assert!(x == y, "{f} differs between {} and {}", a.display(), b.display());
    }
    let (ma, mb) = (manifest(a), manifest(b));
    for k in ["population", "enrollment", "totals", "warnings_by_kind", "inputs"] {
        assert_eq!(ma[k], mb[k], "manifest section {k}");
    }
}

#[test]
fn partitioned_runs_write_identical_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let gen = tmp.path().join("gen");
    run_ok(&[
        "generate", "--kab", "94.04", "64.72", "--residents", "40000", "--seed", "7", "--out",
        gen.to_str().unwrap(), "--format", "csv",
    ]);
    let (pop, enr) = (gen.join("penduduk.csv"), gen.join("rekam_ktpel.csv"));
    let one = tmp.path().join("one");
    run(&[&pop], &[&enr], &one, &["--partitions", "1"]);
    assert_eq!(u(&manifest(&one)["parameters"]["partitions"]), 1);

    let five = tmp.path().join("five");
    run(&[&pop], &[&enr], &five, &["--partitions", "5"]);
    assert_eq!(u(&manifest(&five)["parameters"]["partitions"]), 5);
    assert_same_outputs(&one, &five, &SAME);
    // The rows waited in temporary files inside the output; none is left.
    assert!(!five.join(".partitions").exists());

    // A tiny memory budget makes the run choose partitions by itself.
    let budget = tmp.path().join("budget");
    run(&[&pop], &[&enr], &budget, &["--memory-budget", "6M"]);
    let n = u(&manifest(&budget)["parameters"]["partitions"]);
    assert!(n > 1, "a 6 MB budget for a 40,000-row case should partition, got {n}");
    assert_same_outputs(&one, &budget, &SAME);

    // Every stage count still reconciles in the partitioned manifest.
    let m = manifest(&five);
    let p = &m["population"];
    assert_eq!(u(&p["rows_read"]), u(&p["counted"]) + u(&p["duplicate_rows"]) + u(&p["rejected"]));
    let e = &m["enrollment"];
    assert_eq!(u(&e["rows_read"]), u(&e["matched"]) + u(&e["orphan"]) + u(&e["of_rejected_row"]) + u(&e["rejected"]));
}

#[test]
fn messy_sample_partitioned_agrees_with_one_pass() {
    // The shared messy case has NIK ganda, exact copies, damaged NIKs and
    // orphans: all of them must land the same way in every partitioning.
    let tmp = tempfile::tempdir().unwrap();
    let (pop, enr) = (data("messy-20k/penduduk.csv"), data("messy-20k/rekam_ktpel.csv"));
    let one = tmp.path().join("one");
    run(&[&pop], &[&enr], &one, &["--partitions", "1"]);
    for n in ["2", "7"] {
        let out = tmp.path().join(format!("p{n}"));
        run(&[&pop], &[&enr], &out, &["--partitions", n]);
        assert_same_outputs(&one, &out, &SAME);
    }
}

#[test]
fn a_directory_of_files_reads_like_the_files() {
    // Hive-style layout: pop/prop=64/part-0.csv, pop/prop=94/part-0.csv.
    let tmp = tempfile::tempdir().unwrap();
    let gen = tmp.path().join("gen");
    run_ok(&[
        "generate", "--kab", "94.04", "64.72", "--residents", "8000", "--seed", "2", "--out",
        gen.to_str().unwrap(), "--format", "csv",
    ]);
    let text = std::fs::read_to_string(gen.join("penduduk.csv")).unwrap();
    let mut lines = text.split_inclusive('\n');
    let header = lines.next().unwrap();
    let body: Vec<&str> = lines.collect();
    let (a, b) = body.split_at(body.len() / 2);
    let dir = tmp.path().join("pop");
    let (d1, d2) = (dir.join("prop=64"), dir.join("prop=94"));
    std::fs::create_dir_all(&d1).unwrap();
    std::fs::create_dir_all(&d2).unwrap();
    let (f1, f2) = (d1.join("part-0.csv"), d2.join("part-0.csv"));
    std::fs::write(&f1, format!("{header}{}", a.concat())).unwrap();
    std::fs::write(&f2, format!("{header}{}", b.concat())).unwrap();
    std::fs::write(dir.join("_SUCCESS"), "").unwrap();
    let enr = gen.join("rekam_ktpel.csv");

    let files = tmp.path().join("files");
    run(&[&f1, &f2], &[&enr], &files, &[]);
    let dirs = tmp.path().join("dirs");
    run(&[&dir], &[&enr], &dirs, &["--partitions", "3"]);
    assert_same_outputs(&files, &dirs, &SAME);
    let m = manifest(&dirs);
    let inputs: Vec<String> = m["inputs"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap().to_string()).collect();
    assert!(inputs[0].ends_with("prop=64/part-0.csv") && inputs[1].ends_with("prop=94/part-0.csv"), "{inputs:?}");
}
