//! The shared messy-20k case: our tables must agree cell for cell with the
//! counts computed by a separate implementation.
mod common;
use common::*;

#[test]
fn messy_20k_agrees_cell_for_cell() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let pop = data("messy-20k/penduduk.csv");
    let enr = data("messy-20k/rekam_ktpel.csv");
    run_ok(&[
        "run", "--population", pop.to_str().unwrap(), "--enrollment", enr.to_str().unwrap(),
        "--election-date", "2024-11-27", "--as-of", "2024-08-26", "--out", out.to_str().unwrap(),
    ]);
    let mut cells = 0;
    for level in ["kabupaten", "kecamatan", "desa"] {
        cells += assert_tables_agree(
            &data(&format!("messy-20k/expected_{level}.csv")),
            &out.join(format!("coverage_{level}.csv")),
        );
    }
    assert!(cells > 1000, "compared only {cells} cells");

    let s = summary(&data("messy-20k/expected_summary.csv"));
    let m = manifest(&out);
    let p = &m["population"];
    assert_eq!(u(&p["rows_read"]), s["population_rows"]);
    assert_eq!(u(&p["duplicate_rows"]), s["duplicate_rows"]);
    let r = &p["rejected_by_reason"];
    assert_eq!(u(&r["NIK_SCIENTIFIC"]), s["reject_NIK_SCIENTIFIC"]);
    assert_eq!(u(&r["NIK_FORMAT"]), s["reject_NIK_LENGTH"]);
    assert_eq!(u(&r["BIRTH_DATE_INVALID"]), s["reject_BIRTH_DATE"]);
    assert_eq!(u(&r["BIRTH_DATE_FUTURE"]), s["reject_BIRTH_FUTURE"]);
    // The sample's 200 orphans are the other implementation's own bookkeeping;
    // we also count as orphans the recordings of people whose population NIK
    // was damaged beyond recognition (scientific or truncated NIKs), so ours is
    // at least that, and every enrollment row is accounted for.
    let e = &m["enrollment"];
    assert!(u(&e["orphan"]) >= s["orphan_enrollments"]);
    assert_eq!(
        u(&e["rows_read"]),
        u(&e["matched"]) + u(&e["orphan"]) + u(&e["of_rejected_row"]) + u(&e["rejected"])
    );
}

/// The charts are drawn from the real pipeline output: in each kabupaten the
/// worst kecamatan (lowest eligible coverage) is the first bar and is in the
/// darkest class on the map.
#[test]
fn messy_20k_worst_kecamatan_is_first_bar_and_darkest_on_map() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let pop = data("messy-20k/penduduk.csv");
    let enr = data("messy-20k/rekam_ktpel.csv");
    run_ok(&[
        "run", "--population", pop.to_str().unwrap(), "--enrollment", enr.to_str().unwrap(),
        "--election-date", "2024-11-27", "--as-of", "2024-08-26", "--out", out.to_str().unwrap(),
    ]);
    let (h, rows) = read_keyed(&out.join("coverage_kecamatan.csv"));
    let (ni, pi) = (
        h.iter().position(|c| c == "area_name").unwrap(),
        h.iter().position(|c| c == "eligible_coverage_pct").unwrap(),
    );
    for kab in ["94.04", "64.72"] {
        let mut kec: Vec<(f64, String)> = rows
            .iter()
            .filter(|(k, _)| k.starts_with(&format!("{kab}.")))
            .map(|(_, r)| (r[pi].parse::<f64>().unwrap(), r[ni].clone()))
            .collect();
        kec.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let worst = &kec[0].1;
        let stem = kab.replace('.', "");
        let svg = std::fs::read_to_string(out.join(format!("charts/kecamatan_coverage_{stem}.svg"))).unwrap();
        let pos = |n: &str| svg.find(&format!(">{n}</text>")).unwrap_or_else(|| panic!("{n} not in chart"));
        for (_, other) in &kec[1..] {
            assert!(pos(worst) < pos(other), "{kab}: {worst} is not the first bar (before {other})");
        }
        let map = std::fs::read_to_string(out.join(format!("charts/map_kecamatan_{stem}.svg"))).unwrap();
        let at = map.find(&format!("<title>{worst} (")).unwrap_or_else(|| panic!("{worst} not on the map"));
        let path_start = map[..at].rfind("<path").unwrap();
        assert!(map[path_start..at].contains(r##"fill="#b30000""##), "{worst} is not in the darkest class");
    }
    assert!(out.join("report.html").exists() && out.join("cakupan.xlsx").exists());
}
