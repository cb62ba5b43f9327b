//! quality.csv (issue 6): every damaged row of a generated case is counted
//! under the right reason, per kecamatan rows add up to the totals, the
//! denominator is checked against the official totals, and nothing personal
//! is in it.
mod common;
use common::*;
use std::collections::BTreeMap;

fn rows(path: &std::path::Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records().map(|rec| h.iter().cloned().zip(rec.unwrap().iter().map(String::from)).collect()).collect()
}

#[test]
fn quality_counts_every_damaged_row_under_its_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let gen = tmp.path().join("gen");
    run_ok(&[
        "generate", "--kab", "94.04", "64.72", "--residents", "50000", "--seed", "21", "--out",
        gen.to_str().unwrap(), "--format", "csv",
    ]);
    let out = tmp.path().join("out");
    run_ok(&[
        "run", "--population", gen.join("penduduk.csv").to_str().unwrap(), "--enrollment",
        gen.join("rekam_ktpel.csv").to_str().unwrap(), "--election-date", "2024-11-27", "--as-of", "2024-08-26",
        "--out", out.to_str().unwrap(), "--no-report",
    ]);
    let q = rows(&out.join("quality.csv"));
    let s = summary(&gen.join("expected_summary.csv"));
    let total = |check: &str| -> u64 {
        q.iter()
            .find(|r| r["check"] == check && r["level"] == "all")
            .map(|r| r["count"].parse().unwrap())
            .unwrap_or(0)
    };
    // The generator's own bookkeeping of the damage it did.
    for code in ["NIK_SCIENTIFIC", "NIK_FORMAT", "BIRTH_DATE_INVALID", "BIRTH_DATE_FUTURE", "AREA_FORMAT", "DUPLICATE_NIK"] {
        assert_eq!(total(&format!("population:reject:{code}")), s[&format!("reject_{code}")], "{code}");
    }
    assert_eq!(total("population:dropped:DUPLICATE_ROW"), s["duplicate_rows"]);
    assert_eq!(total("enrollment:warning:ENROLLMENT_ORPHAN"), s["enrollment_orphan"]);
    assert_eq!(total("enrollment:warning:ENROLLMENT_AFTER_AS_OF"), s["enrollment_after_as_of"]);
    assert!(s["reject_NIK_SCIENTIFIC"] > 0 && s["duplicate_rows"] > 0, "the case must carry damage");

    // Every reason's kecamatan rows add up to its total, and the total equals
    // the rows of rejects.csv / warnings.csv with that reason.
    let mut listed: BTreeMap<String, u64> = BTreeMap::new();
    for (f, col) in [("rejects.csv", "reason"), ("warnings.csv", "warning")] {
        for r in rows(&out.join(f)) {
            *listed.entry(r[col].clone()).or_default() += 1;
        }
    }
    let mut from_quality: BTreeMap<String, u64> = BTreeMap::new();
    for t in q.iter().filter(|r| r["level"] == "all" && r["check"].contains(':')) {
        let check = &t["check"];
        let n: u64 = t["count"].parse().unwrap();
        let by_kec: u64 = q
            .iter()
            .filter(|r| &r["check"] == check && r["level"] == "kecamatan")
            .map(|r| r["count"].parse::<u64>().unwrap())
            .sum();
        assert_eq!(by_kec, n, "{check}: kecamatan rows add up");
        *from_quality.entry(check.rsplit(':').next().unwrap().to_string()).or_default() += n;
    }
    assert_eq!(from_quality, listed);

    // A 50,000-resident sample of two kabupaten is far below the official totals.
    let official: Vec<_> = q.iter().filter(|r| r["check"] == "residents_vs_official").collect();
    assert_eq!(official.len(), 2);
    assert!(official.iter().all(|r| r["flag"] == "LOW"), "{official:?}");
    assert!(q.iter().filter(|r| r["check"] == "coverage_over_100").all(|r| r["flag"] == "OK"));
    // Movers (NIK issued elsewhere) are counted per kecamatan.
    assert!(q.iter().any(|r| r["check"] == "nik_region_differs"));
    // The worst file is named.
    assert_eq!(q.iter().filter(|r| r["flag"] == "WORST").count(), 1);

    // Aggregate: no 16-digit number (NIK) and no raw value in it.
    let text = std::fs::read_to_string(out.join("quality.csv")).unwrap();
    let digits = text.as_bytes().split(|c| !c.is_ascii_digit()).filter(|d| d.len() >= 15).count();
    assert_eq!(digits, 0, "quality.csv must not hold a NIK");
}
