//! Linkage of enrollment rows whose NIK cannot be joined (issue 6), end to
//! end: recordings of known unrecorded residents are added with a damaged NIK
//! and the name, birth date, sex and desa typed at recording (with typos);
//! people who are not in the population are added as decoys. The exact-NIK
//! tables must not change; the probable links must be right (precision) and
//! find most of the damaged recordings (recall).
mod common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};

fn rows(path: &std::path::Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records().map(|rec| h.iter().cloned().zip(rec.unwrap().iter().map(String::from)).collect()).collect()
}

/// A small typo: drop, double or swap a letter (deterministic by `k`).
fn typo(name: &str, k: usize) -> String {
    let mut c: Vec<char> = name.chars().collect();
    let i = 1 + k % (c.len().saturating_sub(2)).max(1);
    match k % 3 {
        0 => {
            c.remove(i);
        }
        1 => c.insert(i, c[i]),
        _ => {
            if i + 1 < c.len() && c[i] != ' ' && c[i + 1] != ' ' {
                c.swap(i, i + 1)
            }
        }
    }
    c.into_iter().collect()
}

#[test]
fn damaged_nik_recordings_are_linked_and_exact_results_do_not_change() {
    let tmp = tempfile::tempdir().unwrap();
    let gen = tmp.path().join("gen");
    run_ok(&[
        "generate", "--kab", "94.04", "--residents", "30000", "--seed", "31", "--out", gen.to_str().unwrap(),
        "--format", "csv",
    ]);
    let (pop, enr) = (gen.join("penduduk.csv"), gen.join("rekam_ktpel.csv"));
    let base = tmp.path().join("base");
    let common_args = ["--election-date", "2024-11-27", "--as-of", "2024-08-26", "--no-report"];
    let mut a = vec!["run", "--population", pop.to_str().unwrap(), "--enrollment", enr.to_str().unwrap()];
    a.extend(common_args);
    a.extend(["--out", base.to_str().unwrap()]);
    run_ok(&a);

    // Every NIK in the population, so that a damaged NIK never hits a real one.
    let text = std::fs::read_to_string(&pop).unwrap();
    let taken: BTreeSet<String> = text.lines().skip(1).filter_map(|l| l.split(';').next()).map(String::from).collect();

    let targets = rows(&base.join("targets.csv"));
    assert!(targets.len() > 2000, "{} targets", targets.len());
    let mut extra = String::from("NIK,TGL_REKAM,STATUS_KTP,NAMA_LGKP,TGL_LHR,JENIS_KLMIN,KODE_WILAYAH\n");
    let mut truth: BTreeMap<u64, String> = BTreeMap::new(); // line in the extra file → true NIK
    let mut line = 1u64;
    for (k, t) in targets.iter().step_by(7).take(300).enumerate() {
        let nik = &t["nik"];
        let damaged = if k % 2 == 0 {
            // spreadsheet damage: 9.40414E+15
            format!("{}.{}E+15", &nik[..1], &nik[1..6])
        } else {
            // a mistyped serial: a valid NIK that is nobody's
            let mut n = nik.to_string();
            for d in ["9", "8", "7", "6"] {
                n.replace_range(12..13, d);
                if !taken.contains(&n) {
                    break;
                }
            }
            assert!(!taken.contains(&n));
            n
        };
        let name = if k % 3 == 0 { typo(&t["name"], k) } else { t["name"].to_uppercase() };
        let birth = if k % 10 == 4 {
            // day and month swapped at the counter (only when that is a date)
            let b = &t["birth_date"];
            let (y, m, d) = (&b[0..4], &b[5..7], &b[8..10]);
            if d.parse::<u32>().unwrap() <= 12 { format!("{y}-{d}-{m}") } else { b.clone() }
        } else {
            t["birth_date"].clone()
        };
        let area = if k % 11 == 5 { String::new() } else { t["area_code"].clone() };
        line += 1;
        extra.push_str(&format!("{damaged},2024-06-{:02},CARD PRINTED,{name},{birth},{},{area}\n", 1 + k % 28, t["sex"]));
        truth.insert(line, nik.clone());
    }
    // Decoys: recorded people who are not in this population.
    let decoys = ["YOHANA KAMBU", "PETRUS WAKERKWA", "SITI AMINAH RAHAYU", "ANDI PRATAMA", "MARIA GOBAY"];
    for k in 0..60 {
        extra.push_str(&format!(
            "{}.{}E+15,2024-05-{:02},CARD PRINTED,{} {},{}-0{}-1{},{},94.04.{:02}.2001\n",
            9, 40411 + k, 1 + k % 28, decoys[k % 5], k, 1990 + k % 20, 1 + k % 9, k % 9, if k % 2 == 0 { "L" } else { "P" },
            1 + k % 18
        ));
    }
    // Hand-typed rows of people already recorded, with their correct NIK: they
    // join by NIK (so coverage does not change) and are the known matches the
    // linkage learns its typing-error rates (m) from.
    let enr_text = std::fs::read_to_string(&enr).unwrap();
    let printed: BTreeSet<&str> =
        enr_text.lines().filter(|l| l.contains("CARD PRINTED")).filter_map(|l| l.split(',').next()).collect();
    let mut known_rows = 0;
    for l in text.lines().skip(1) {
        let f: Vec<&str> = l.split(';').collect();
        if known_rows == 1200 || f.len() < 6 || !printed.contains(f[0]) {
            continue;
        }
        let sex = match f[3] { "1" => "L", "2" => "P", s => s };
        let name = if known_rows % 4 == 0 { typo(f[2], known_rows) } else { f[2].to_uppercase() };
        extra.push_str(&format!("{},2014-03-{:02},CARD PRINTED,{name},{},{sex},\n", f[0], 1 + known_rows % 28, f[5]));
        known_rows += 1;
    }
    assert_eq!(known_rows, 1200);
    let extra_path = gen.join("rekam_tambahan.csv");
    std::fs::write(&extra_path, extra).unwrap();

    let out = tmp.path().join("out");
    let mut a = vec![
        "run", "--population", pop.to_str().unwrap(), "--enrollment", enr.to_str().unwrap(), extra_path.to_str().unwrap(),
    ];
    a.extend(common_args);
    a.extend(["--out", out.to_str().unwrap()]);
    run_ok(&a);

    // Exact-NIK results never change.
    for f in ["coverage_provinsi.csv", "coverage_kabupaten.csv", "coverage_kecamatan.csv", "coverage_desa.csv", "targets.csv"] {
        assert_eq!(std::fs::read(base.join(f)).unwrap(), std::fs::read(out.join(f)).unwrap(), "{f} changed");
    }
    // Precision and recall of the probable links against the truth.
    let links = rows(&out.join("linkage.csv"));
    let extra_name = extra_path.display().to_string();
    let probable: Vec<_> = links.iter().filter(|r| r["status"] == "probable").collect();
    let correct = probable
        .iter()
        .filter(|r| r["file"] == extra_name && truth.get(&r["line"].parse::<u64>().unwrap()) == Some(&r["resident_nik"]))
        .count();
    let precision = correct as f64 / probable.len().max(1) as f64;
    let recall = correct as f64 / truth.len() as f64;
    eprintln!("linkage: {} probable, {correct} correct, precision {precision:.3}, recall {recall:.3}", probable.len());
    assert!(precision >= 0.99, "precision {precision:.3}");
    assert!(recall >= 0.9, "recall {recall:.3}");

    // Coverage as a range: exact … exact + probable.
    let m = manifest(&out);
    let l = &m["linkage"];
    assert_eq!(u(&l["probable"]), probable.len() as u64);
    assert!(l["m_from_known"].as_bool().unwrap(), "m should be estimated from the known matches: {l}");
    assert!(u(&l["known_matches"]) >= 50, "{l}");
    assert_eq!(u(&l["eligible_recorded_with_probable"]), u(&l["eligible_recorded_exact"]) + u(&l["probable"]));
    assert_eq!(u(&l["eligible_recorded_exact"]), u(&m["totals"]["eligible_recorded"]));
    let range = rows(&out.join("coverage_range.csv"));
    let all = range.iter().find(|r| r["level"] == "all").unwrap();
    assert_eq!(all["probable_links"], probable.len().to_string());
    let kec_sum: u64 = range.iter().filter(|r| r["level"] == "kecamatan").map(|r| r["probable_links"].parse::<u64>().unwrap()).sum();
    assert_eq!(kec_sum, probable.len() as u64);
    // linkage.csv holds names and NIKs: personal data, owner-only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(out.join("linkage.csv")).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // Split into NIK partitions (inputs read once, rows kept in temporary
    // files, named files opened again for each partition) and without the
    // worklist files: the same links and the same tables.
    let parts = tmp.path().join("parts");
    let mut a = vec![
        "run",
        "--population",
        pop.to_str().unwrap(),
        "--enrollment",
        enr.to_str().unwrap(),
        extra_path.to_str().unwrap(),
    ];
    a.extend(common_args);
    a.extend(["--out", parts.to_str().unwrap(), "--partitions", "3", "--no-pii"]);
    run_ok(&a);
    for f in [
        "linkage.csv",
        "coverage_range.csv",
        "coverage_kecamatan.csv",
        "coverage_desa.csv",
        "rejects.csv",
        "quality.csv",
    ] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(parts.join(f)).unwrap(),
            "{f} differs when partitioned"
        );
    }
    assert!(!parts.join(".partitions").exists(), "the temporary partition files are removed");
    assert!(!parts.join("targets.csv").exists());
}
