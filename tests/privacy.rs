//! UU 27/2022: no NIK or name from the input may reach an aggregate table,
//! chart, map, the report or the spreadsheet. Only targets.* (the worklist)
//! and the quality files (rejects/warnings, marked personal data) may hold them.
mod common;
use common::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every NIK and every full name and name part (≥ 4 letters) of the demo input.
fn personal_strings() -> (BTreeSet<String>, BTreeSet<String>) {
    let raw = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/penduduk.csv")).unwrap();
    let mut niks = BTreeSet::new();
    let mut names = BTreeSet::new();
    for line in raw.lines().skip(1) {
        let f: Vec<&str> = line.split(';').collect();
        let nik = f[0].trim();
        if nik.len() >= 12 && nik.bytes().all(|c| c.is_ascii_digit()) {
            niks.insert(nik.to_string());
        }
        for col in [1usize, 2] {
            // NO_KK is personal too
            let v = f[col].trim();
            if col == 1 {
                if v.len() == 16 {
                    niks.insert(v.to_string());
                }
            } else if !v.is_empty() {
                names.insert(v.to_string());
            }
        }
    }
    (niks, names)
}

/// `needle` occurs in `hay` as a whole word (single names like "Agus" must not
/// match "Agustus").
fn contains_word(hay: &str, needle: &str) -> bool {
    hay.match_indices(needle).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + needle.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Every run of 1..=max consecutive words of `text`, joined by one space.
fn word_grams(text: &str, max: usize) -> std::collections::HashSet<String> {
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-').filter(|w| !w.is_empty()).collect();
    let mut set = std::collections::HashSet::new();
    for i in 0..words.len() {
        for n in 1..=max.min(words.len() - i) {
            set.insert(words[i..i + n].join(" "));
        }
    }
    set
}

#[test]
fn word_matching() {
    let g = word_grams("<td>Dwi Muhammad Utomo</td> 26 Agustus", 4);
    assert!(g.contains("Dwi Muhammad Utomo"));
    assert!(!g.contains("Agus"));
    assert!(!contains_word("26 Agustus 2024", "Agus"));
    assert!(contains_word("x Agus y", "Agus"));
    assert!(contains_word("<td>Agus</td>", "Agus"));
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            v.extend(files_under(&p));
        } else {
            v.push(p);
        }
    }
    v
}

fn xlsx_text(p: &Path) -> String {
    use calamine::{open_workbook_auto, Reader};
    let mut wb = open_workbook_auto(p).unwrap();
    let mut s = String::new();
    for name in wb.sheet_names().to_owned() {
        let r = wb.worksheet_range(&name).unwrap();
        for row in r.rows() {
            for c in row {
                s.push_str(&c.to_string());
                s.push('\n');
            }
        }
    }
    s
}

#[test]
fn demo_outputs_hold_no_nik_or_name_outside_the_worklist() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    run_ok(&["demo", "--out", out.to_str().unwrap()]);
    let (niks, mut names) = personal_strings();
    // Single names that are also words of place names (a person called "Indah",
    // the desa "Timika Indah") cannot be told apart in text; place names are
    // not personal data. Every other name is checked.
    let places = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data-schema/data/wilayah.csv")).unwrap();
    let place_words: BTreeSet<&str> = places.split(|c: char| !c.is_alphanumeric()).collect();
    let before = names.len();
    names.retain(|n| n.contains(' ') || !place_words.contains(n.as_str()));
    assert!(names.len() * 100 >= before * 99, "too many names skipped: {before} -> {}", names.len());
    assert!(niks.len() > 20_000 && names.len() > 100, "{} NIKs, {} names", niks.len(), names.len());

    let m = manifest(&out);
    let personal: BTreeSet<String> = m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["personal_data"] == true)
        .map(|o| o["path"].as_str().unwrap().to_string())
        .collect();
    assert!(personal.contains("targets.csv"));

    let mut scanned = 0;
    for f in files_under(&out) {
        let rel = f.strip_prefix(&out).unwrap().to_string_lossy().replace('\\', "/");
        if personal.contains(&rel) || rel.starts_with("restricted/") {
            continue;
        }
        let text = match f.extension().and_then(|e| e.to_str()) {
            Some("xlsx") => xlsx_text(&f),
            Some("parquet") | Some("png") => {
                // binary: scan the bytes as text too (parquet stores strings plainly or compressed)
                String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned()
            }
            _ => std::fs::read_to_string(&f).unwrap(),
        };
        scanned += 1;
        // any run of 16 digits is suspicious; check them all against the input NIKs
        let b = text.as_bytes();
        let mut i = 0;
        while i + 16 <= b.len() {
            if b[i..i + 16].iter().all(u8::is_ascii_digit) {
                let s = std::str::from_utf8(&b[i..i + 16]).unwrap();
                assert!(!niks.contains(s), "{rel} contains NIK/KK {s}");
                i += 1;
            } else {
                i += 1;
            }
        }
        let grams = word_grams(&text, 4);
        for n in &names {
            let key = n.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(!grams.contains(&key), "{rel} contains the name {n:?}");
        }
    }
    assert!(scanned >= 20, "scanned only {scanned} files");
    // the worklist does hold them: the scan above would have found them there
    let targets = std::fs::read_to_string(out.join("targets.csv")).unwrap();
    assert!(niks.iter().any(|n| targets.contains(n.as_str())));
}
