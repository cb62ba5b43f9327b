//! Failures are clear and leave no half-written outputs.
mod common;
use common::*;
use std::path::Path;

fn write(p: &Path, s: &str) {
    std::fs::write(p, s).unwrap();
}

const ENR: &str = "NIK,TGL_REKAM,STATUS_KTP\n9404010101900001,2020-01-01,CARD ISSUED\n";

fn args<'a>(pop: &'a str, enr: &'a str, out: &'a str) -> Vec<&'a str> {
    vec!["run", "--population", pop, "--enrollment", enr, "--election-date", "2024-11-27", "--as-of", "2024-08-26", "--out", out, "--no-report"]
}

#[test]
fn missing_required_column_names_column_and_file_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let pop = tmp.path().join("penduduk.csv");
    write(&pop, "NIK;NAMA_LGKP;NO_PROP;NO_KAB;NO_KEC;NO_KEL\n9404010101900001;A;94;4;1;1001\n");
    let enr = tmp.path().join("rekam.csv");
    write(&enr, ENR);
    let out = tmp.path().join("out");
    let o = bin().args(args(pop.to_str().unwrap(), enr.to_str().unwrap(), out.to_str().unwrap())).output().unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("TGL_LHR") && err.contains("penduduk.csv"), "{err}");
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 2, "no staging directory left behind");
}

#[test]
fn too_many_rejects_fails_and_keeps_the_previous_good_run() {
    let tmp = tempfile::tempdir().unwrap();
    let enr = tmp.path().join("rekam.csv");
    write(&enr, ENR);
    let good = tmp.path().join("good.csv");
    write(&good, "NIK,TGL_LHR,NO_PROP,NO_KAB,NO_KEC,NO_KEL\n9404010101900001,01-01-1990,94,4,1,1001\n9404014101900001,01-01-1990,94,4,1,1001\n");
    let out = tmp.path().join("out");
    run_ok(&args(good.to_str().unwrap(), enr.to_str().unwrap(), out.to_str().unwrap()));
    let before = std::fs::read(out.join("coverage_desa.csv")).unwrap();

    let bad = tmp.path().join("bad.csv");
    write(&bad, "NIK,TGL_LHR,NO_PROP,NO_KAB,NO_KEC,NO_KEL\n9.40401E+15,01-01-1990,94,4,1,1001\n9404014101900001,01-01-1990,94,4,1,1001\n");
    let o = bin().args(args(bad.to_str().unwrap(), enr.to_str().unwrap(), out.to_str().unwrap())).output().unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("max-reject-rate") && err.contains("NIK_SCIENTIFIC"), "{err}");
    assert_eq!(std::fs::read(out.join("coverage_desa.csv")).unwrap(), before, "previous run intact");

    // with a higher limit the same input runs, and the reject is listed with a hint
    let mut a = args(bad.to_str().unwrap(), enr.to_str().unwrap(), out.to_str().unwrap());
    a.extend(["--max-reject-rate", "60%"]);
    run_ok(&a);
    let rej = std::fs::read_to_string(out.join("rejects.csv")).unwrap();
    assert!(rej.contains("NIK_SCIENTIFIC") && rej.contains("re-export the NIK column as text"), "{rej}");
}

#[test]
fn formats_aliases_kode_wilayah_and_several_files() {
    let tmp = tempfile::tempdir().unwrap();
    // tab-separated, aliases, KODE_WILAYAH, ISO dates, text statuses
    let a = tmp.path().join("a.tsv");
    write(&a, "nik\tnama\ttanggal_lahir\tstatus_kawin\tKODE_WILAYAH\tJENIS_KELAMIN\n\
               9404010101900001\tA\t1990-01-01\tKAWIN\t94.04.01.1001\tL\n\
               9404014101080001\tB\t01/01/2008\tBELUM KAWIN\t94.4.1.1001\tP\n");
    // pipe-separated second file with parts; one NIK repeats the first file's (NIK ganda)
    let b = tmp.path().join("b.csv");
    write(&b, "NIK|TGL_LHR|NO_PROP|NO_KAB|NO_KEC|NO_KEL|STATUS_PENDUDUK\n\
               9404010101900001|01-01-1991|94|4|1|1001|AKTIF\n\
               9404010202000001|02-02-2000|94|4|1|1001|MATI\n");
    let enr = tmp.path().join("rekam.csv");
    write(&enr, "NIK;TGL_REKAM;STATUS\n9404010101900001;01-02-2020;SUDAH REKAM\n9404014101080001;2024-09-01;REKAM\n");
    let out = tmp.path().join("out");
    run_ok(&["run", "--population", a.to_str().unwrap(), b.to_str().unwrap(), "--enrollment", enr.to_str().unwrap(),
        "--election-date", "2024-11-27", "--as-of", "2024-08-26", "--out", out.to_str().unwrap(), "--no-report",
        "--max-reject-rate", "50%"]);
    let m = manifest(&out);
    assert_eq!(u(&m["population"]["rows_read"]), 4);
    assert_eq!(u(&m["population"]["rejected_by_reason"]["DUPLICATE_NIK"]), 1);
    assert_eq!(u(&m["population"]["residents"]), 2);
    assert_eq!(u(&m["population"]["not_resident"]), 1);
    assert_eq!(u(&m["enrollment"]["after_as_of"]), 1);
    let (_, rows) = read_keyed(&out.join("coverage_desa.csv"));
    let r = &rows["94.04.01.1001"];
    // residents, required, required_recorded, _, eligible, eligible_recorded
    assert_eq!(&r[1], "Koperapoka");
    assert_eq!(&r[3..6], &["2", "1", "1"]);
    let rej = std::fs::read_to_string(out.join("rejects.csv")).unwrap();
    assert!(rej.contains("b.csv,2,NIK,DUPLICATE_NIK"), "{rej}");
}

#[test]
fn look_back_is_announced() {
    let tmp = tempfile::tempdir().unwrap();
    let pop = tmp.path().join("p.csv");
    write(&pop, "NIK,TGL_LHR,KODE_WILAYAH\n9404010101900001,01-01-1990,94.04.01.1001\n");
    let enr = tmp.path().join("e.csv");
    write(&enr, ENR);
    let out = tmp.path().join("out");
    let o = run_ok(&["run", "--population", pop.to_str().unwrap(), "--enrollment", enr.to_str().unwrap(),
        "--election-date", "2024-02-14", "--as-of", "2024-08-26", "--out", out.to_str().unwrap(), "--no-report"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("look back"));
    assert_eq!(manifest(&out)["parameters"]["look_back"], true);
}
