//! Render from the fixture output directory (tests/fixtures/out-sample, built
//! from shared/samples/messy-20k/expected_*.csv by make_out_sample.py) and
//! check what a planner would see.

use reports::{render, Lang, Options};
use std::path::{Path, PathBuf};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/out-sample");

/// A fresh copy of the fixture in a temporary directory.
fn fixture() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(FIXTURE).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), t.path().join(e.file_name())).unwrap();
    }
    t
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Kecamatan of `kab` from the coverage table, worst eligible coverage first.
fn worst_kecamatan(dir: &Path, kab: &str) -> Vec<(String, f64)> {
    let mut rdr = csv::Reader::from_path(dir.join("coverage_kecamatan.csv")).unwrap();
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (code, name, pct) = (
        col("area_code"),
        col("area_name"),
        col("eligible_coverage_pct"),
    );
    let mut v: Vec<(String, f64)> = rdr
        .records()
        .map(|r| r.unwrap())
        .filter(|r| r[code].starts_with(&format!("{kab}.")))
        .map(|r| (r[name].to_string(), r[pct].parse::<f64>().unwrap()))
        .collect();
    v.sort_by(|a, b| a.1.total_cmp(&b.1));
    v
}

/// Position of `>text<` (a whole SVG text element) in `svg`.
fn text_pos(svg: &str, text: &str) -> usize {
    svg.find(&format!(">{text}</text>"))
        .unwrap_or_else(|| panic!("no text {text:?}"))
}

#[test]
fn writes_all_files() {
    let t = fixture();
    let r = render(t.path(), &Options::default()).unwrap();
    let files: Vec<PathBuf> = r.files.clone();
    for f in [
        "report.html",
        "cakupan.xlsx",
        "charts/missing_boundaries.csv",
        "charts/kabupaten_coverage.svg",
        "charts/kabupaten_coverage.png",
        "charts/kecamatan_coverage_9404.svg",
        "charts/kecamatan_coverage_6472.png",
        "charts/kecamatan_unrecorded_9404.svg",
        "charts/kecamatan_unrecorded_6472.png",
        "charts/desa_coverage_940401.svg",
        "charts/desa_coverage_647201.png",
        "charts/trend_weekly.svg",
        "charts/trend_weekly.png",
        "charts/trend_projection.svg",
        "charts/trend_projection.png",
        "charts/map_kabupaten.svg",
        "charts/map_kabupaten.png",
        "charts/map_kecamatan_9404.svg",
        "charts/map_kecamatan_6472.png",
    ] {
        assert!(
            files.contains(&PathBuf::from(f)),
            "{f} not in Rendered.files"
        );
    }
    for f in &files {
        let p = t.path().join(f);
        let len = std::fs::metadata(&p).unwrap().len();
        assert!(len > 0 || f.ends_with(".csv"), "{} is empty", f.display());
        let ext = p.extension().unwrap().to_str().unwrap();
        let bytes = std::fs::read(&p).unwrap();
        match ext {
            "png" => assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", f.display()),
            "svg" => {
                let s = String::from_utf8(bytes).unwrap();
                assert!(
                    s.starts_with("<svg")
                        && s.trim_end().ends_with("</svg>")
                        && s.contains("<text"),
                    "{}",
                    f.display()
                );
            }
            "xlsx" => assert_eq!(&bytes[..2], b"PK"),
            _ => {}
        }
    }
    // No temporary files left behind.
    for e in std::fs::read_dir(t.path().join("charts")).unwrap() {
        assert!(!e.unwrap().file_name().to_string_lossy().contains(".tmp-"));
    }
    // Every sample area has a boundary: the list has only its header.
    assert_eq!(
        read(t.path(), "charts/missing_boundaries.csv").trim(),
        "level,area_code,area_name,reason"
    );
}

#[test]
fn worst_kecamatan_is_first_bar_and_darkest_on_the_map() {
    let t = fixture();
    render(t.path(), &Options::default()).unwrap();
    for kab in ["94.04", "64.72"] {
        let stem = kab.replace('.', "");
        let order = worst_kecamatan(t.path(), kab);
        let svg = read(t.path(), &format!("charts/kecamatan_coverage_{stem}.svg"));
        // Bars are worst first: the label order in the SVG follows the table.
        let pos: Vec<usize> = order.iter().map(|(n, _)| text_pos(&svg, n)).collect();
        assert!(
            pos.windows(2).all(|w| w[0] < w[1]),
            "{kab}: bars not sorted worst first"
        );
        let (worst, pct) = &order[0];
        // Its value label is "60,4%" style (Indonesian decimal comma).
        assert!(svg.contains(&format!(
            ">{}%</text>",
            format!("{pct:.1}").replace('.', ",")
        )));

        // On the map the worst kecamatan has the darkest class colour.
        let map = read(t.path(), &format!("charts/map_kecamatan_{stem}.svg"));
        let at = map
            .find(&format!("<title>{worst} ("))
            .unwrap_or_else(|| panic!("{worst} not on the map"));
        let path_start = map[..at].rfind("<path").unwrap();
        assert!(
            map[path_start..at].contains(r##"fill="#b30000""##),
            "{worst} is not in the darkest class"
        );
    }
    // The worst kecamatan overall is Agimuga (60,37 %).
    let order = worst_kecamatan(t.path(), "94.04");
    assert_eq!(order[0].0, "Agimuga");
}

#[test]
fn report_is_self_contained_and_has_the_headline() {
    let t = fixture();
    render(t.path(), &Options::default()).unwrap();
    let html = read(t.path(), "report.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"id\">"));
    assert!(html.contains("@page") && html.contains("@media print"));
    // No external resources.
    for bad in [
        "src=\"http",
        "href=\"http",
        "<script",
        "<link",
        "url(http",
        "<img",
    ] {
        assert!(!html.contains(bad), "report references {bad}");
    }
    // Inline charts.
    assert!(html.matches("<svg").count() >= 8);
    // Headline: eligible unrecorded 390 + 1.891 = 2.281; first-time 29 + 98 = 127.
    assert!(html.contains(">2.281<"));
    assert!(html.contains(">127<"));
    assert!(html.contains("pemilih belum rekam KTP-el"));
    // Worst kecamatan first in the ranked table.
    let rank = html.find("Kecamatan terendah").unwrap();
    assert!(html[rank..].find("Agimuga").unwrap() < html[rank..].find("Wania").unwrap());
    // Data quality from the manifest: reasons and counts, no raw values.
    assert!(
        html.contains("NIK_SCIENTIFIC")
            && html.contains("BIRTH_DATE_FUTURE")
            && html.contains("ENROLLMENT_ORPHAN")
    );
    assert!(html.contains("20.040"));
    // Parameters and input hashes.
    assert!(html.contains("27 November 2024") && html.contains("26 Agustus 2024"));
    assert!(html.contains("3b1f0c6a9d8e4f2a7c5b0e1d9f8a6c4b2e0d7f5a3c1b9e8d6f4a2c0b8e6d4f2a"));
}

#[test]
fn no_personal_data_and_raw_files_not_read() {
    let t = fixture();
    // Plant files with personal data: the reports must not pick anything up.
    std::fs::write(
        t.path().join("targets.csv"),
        "NIK,NAMA_LGKP\n9404141908210001,Yohanes Wenda\n",
    )
    .unwrap();
    std::fs::write(
        t.path().join("rejects.csv"),
        "file,line,column,reason,raw_value,hint\npenduduk.csv,7,NIK,NIK_SCIENTIFIC,9.40414E+15,x\n",
    )
    .unwrap();
    std::fs::create_dir(t.path().join("restricted")).unwrap();
    std::fs::write(t.path().join("restricted/x.csv"), "Fransiska Pratama").unwrap();
    let r = render(t.path(), &Options::default()).unwrap();
    for f in r.files {
        let bytes = std::fs::read(t.path().join(&f)).unwrap();
        let s = String::from_utf8_lossy(&bytes);
        for bad in ["9404141908210001", "Yohanes", "Fransiska", "9.40414E+15"] {
            assert!(!s.contains(bad), "{} contains {bad}", f.display());
        }
    }
}

#[test]
fn suppression_replaces_small_counts() {
    let t = fixture();
    let opts = Options {
        suppress_below: Some(10),
        ..Options::default()
    };
    render(t.path(), &opts).unwrap();
    let html = read(t.path(), "report.html");
    assert!(html.contains("&lt;10"), "no <10 in the report");
    // Kwamki desa 94.04.01.xxxx: 2 of 7 recorded → "<10 dari <10", no 28,6%.
    assert!(!html.contains("2 dari 7"));
    assert!(!html.contains("28,6%"));
    // Samarinda kecamatan chart: Palaran has 0 first-time unrecorded → "<10".
    let svg = read(t.path(), "charts/kecamatan_unrecorded_6472.svg");
    assert!(svg.contains("(pemula &lt;10)"));
    assert!(!svg.contains("(pemula 0)"));
    // Desa chart of Mimika Baru: small desa have their coverage hidden.
    let desa = read(t.path(), "charts/desa_coverage_940401.svg");
    assert!(desa.contains("&lt;10 dari &lt;10") && desa.contains("disembunyikan"));
    // Spreadsheet: suppressed cells are the text "<10" (shared strings).
    let xlsx = std::fs::read(t.path().join("cakupan.xlsx")).unwrap();
    assert!(xlsx.len() > 1000);
    // Without suppression the exact values are there.
    let t2 = fixture();
    render(t2.path(), &Options::default()).unwrap();
    let html2 = read(t2.path(), "report.html");
    assert!(html2.contains("2 dari 7") && html2.contains("28,6%"));
}

#[test]
fn english_switches_labels() {
    let t = fixture();
    let opts = Options {
        lang: Lang::En,
        ..Options::default()
    };
    render(t.path(), &opts).unwrap();
    let html = read(t.path(), "report.html");
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("eligible voters without KTP-el recording"));
    assert!(html.contains("Areas with the lowest coverage"));
    assert!(html.contains("2,281"), "English thousands separator");
    assert!(!html.contains("pemilih belum rekam KTP-el"));
    assert!(!html.contains("Wilayah dengan cakupan terendah"));
    let svg = read(t.path(), "charts/kecamatan_coverage_9404.svg");
    assert!(
        svg.contains("by district") && svg.contains(">60.4%</text>") && svg.contains("262 of 434")
    );
    assert!(!svg.contains(" dari "));
    let map = read(t.path(), "charts/map_kabupaten.svg");
    assert!(map.contains("Voter coverage") && !map.contains("Cakupan pemilih"));
    let trend = read(t.path(), "charts/trend_projection.svg");
    assert!(trend.contains("polling day") && !trend.contains("hari-H"));
}

#[test]
fn missing_boundaries_are_listed_not_dropped() {
    let t = fixture();
    // Add a kecamatan in a province without kecamatan boundaries (Aceh, 11.01.01)
    // and one with a code missing from the boundary file (94.04.99).
    let path = t.path().join("coverage_kecamatan.csv");
    let mut s = std::fs::read_to_string(&path).unwrap();
    s.push_str("11.01.01,Bakongan,true,50,30,20,66.67,30,20,10,66.67,0,0,10\n");
    s.push_str("94.04.99,(unknown),false,40,20,10,50.00,20,10,10,50.00,0,0,10\n");
    std::fs::write(&path, s).unwrap();
    render(t.path(), &Options::default()).unwrap();
    let csv = read(t.path(), "charts/missing_boundaries.csv");
    assert!(csv.contains("kecamatan,11.01.01,Bakongan,"));
    assert!(csv.contains("kecamatan,94.04.99,"));
    let html = read(t.path(), "report.html");
    assert!(
        html.contains("Wilayah tanpa batas peta")
            && html.contains("11.01.01")
            && html.contains("94.04.99")
    );
    // Mimika's map says an area is missing.
    let map = read(t.path(), "charts/map_kecamatan_9404.svg");
    assert!(map.contains("1 wilayah tanpa batas peta"));
}

#[test]
fn missing_directory_or_table_is_an_error() {
    let t = tempfile::tempdir().unwrap();
    let e = render(&t.path().join("nope"), &Options::default()).unwrap_err();
    assert!(e.to_string().contains("not found"));
    let e = render(t.path(), &Options::default()).unwrap_err();
    assert!(e.to_string().contains("coverage_provinsi.csv"), "{e}");
    let e = render(
        t.path(),
        &Options {
            target_pct: 0.0,
            ..Options::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("target_pct"));
}
