//! Issue 4 end to end: school rosters, worklists, privacy, the drive plan and
//! the projection, through the real binary on generated cases. Expected values
//! are computed here from the generated inputs and the run's own targets.csv /
//! coverage / trend tables, never by calling planner code.
mod common;
use common::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

const E: &str = "2024-11-27";
const S: &str = "2024-08-26";

fn generate(dir: &Path, residents: &str, seed: &str, clean: bool) {
    let mut a = vec!["generate", "--kab", "94.04", "--residents", residents, "--seed", seed, "--out", dir.to_str().unwrap()];
    if clean {
        a.push("--clean");
    }
    run_ok(&a);
}

fn run_args<'a>(gen: &'a Path, out: &'a Path, extra: &[&'a str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "run", "--population", gen.join("penduduk.csv").to_str().unwrap(), "--enrollment",
        gen.join("rekam_ktpel.csv").to_str().unwrap(), "--election-date", E, "--as-of", S, "--out",
        out.to_str().unwrap(), "--no-report",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn run(gen: &Path, out: &Path, extra: &[&str]) -> String {
    let a = run_args(gen, out, extra);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    String::from_utf8(run_ok(&a).stdout).unwrap()
}

/// Rows of a CSV as header-keyed maps (any delimiter of the contract, BOM stripped).
fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or("");
    let delim = [b';', b',', b'|', b'\t'].into_iter().max_by_key(|d| first.bytes().filter(|c| c == d).count()).unwrap();
    let mut r = csv::ReaderBuilder::new().delimiter(delim).flexible(true).from_reader(text.as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|x| {
            let x = x.unwrap();
            h.iter().cloned().zip(x.iter().map(String::from)).collect()
        })
        .collect()
}

fn date(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The roster built from the generated population: residents born in a 3-year
/// window, round-robin over 5 schools; plus students not in the population
/// and a few bad rows. Returns (roster path, expected accepted rows as (nik, npsn),
/// niks not in the population, expected rejects by reason).
struct Roster {
    path: PathBuf,
    students: Vec<(String, String)>,
    outsiders: BTreeSet<String>,
    rejects: BTreeMap<&'static str, u64>,
}

fn build_roster(gen: &Path, dir: &Path) -> Roster {
    let pop = rows(&gen.join("penduduk.csv"));
    let mut count: HashMap<String, u32> = HashMap::new();
    for r in &pop {
        *count.entry(r["NIK"].trim().to_string()).or_default() += 1;
    }
    let (lo, hi) = (date("2006-09-01"), date("2009-08-31"));
    let mut picked: Vec<String> = pop
        .iter()
        .filter(|r| {
            let nik = r["NIK"].trim();
            let status = r.get("STATUS_PENDUDUK").map(|s| s.trim().to_uppercase()).unwrap_or_default();
            let born = data_schema::parse_date(r.get("TGL_LHR").map(String::as_str).unwrap_or(""));
            count[nik] == 1
                && data_schema::parse_nik(nik).is_ok()
                && (status.is_empty() || status == "AKTIF")
                && born.is_some_and(|b| b >= lo && b <= hi)
        })
        .map(|r| r["NIK"].trim().to_string())
        .collect();
    picked.sort();
    assert!(picked.len() > 200, "the generated case should have teenagers: {}", picked.len());
    let npsn = |i: usize| format!("6030{:04}", 101 + i);
    let school = |i: usize| format!("SMA Negeri {} Mimika", i + 1);
    let mut lines = vec!["NIK,NPSN,NAMA_SEKOLAH,KELAS,KODE_WILAYAH".to_string()];
    let mut students = Vec::new();
    for (k, nik) in picked.iter().enumerate() {
        let i = k % 5;
        let area = if i % 2 == 0 { "94.04.01" } else { "" };
        lines.push(format!("{nik},{},{},{},{area}", npsn(i), school(i), 10 + k % 3));
        students.push((nik.clone(), npsn(i)));
    }
    // students whose NIK is not in the population
    let mut outsiders = BTreeSet::new();
    let mut serial = 9000;
    while outsiders.len() < 3 {
        let nik = format!("940401010108{serial:04}");
        serial += 1;
        if !count.contains_key(&nik) {
            lines.push(format!("{nik},{},{},11,", npsn(4), school(4)));
            students.push((nik.clone(), npsn(4)));
            outsiders.insert(nik);
        }
    }
    let mut rejects = BTreeMap::new();
    lines.push(format!("9.40401E+15,{},{},10,", npsn(0), school(0)));
    *rejects.entry("NIK_SCIENTIFIC").or_default() += 1;
    lines.push(format!("{},,Tanpa NPSN,10,", picked[1]));
    *rejects.entry("NPSN_MISSING").or_default() += 1;
    // the same student again, listed at another school: NIK ganda, first row wins
    lines.push(format!("{},{},{},12,", picked[0], npsn(3), school(3)));
    *rejects.entry("DUPLICATE_NIK").or_default() += 1;
    // an exact copy of an accepted row
    let copy = lines[3].clone();
    lines.push(copy);
    *rejects.entry("DUPLICATE_ROW").or_default() += 1;
    let path = dir.join("sekolah.csv");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    Roster { path, students, outsiders, rejects }
}

#[test]
fn school_counts_equal_an_independent_count() {
    let tmp = tempfile::tempdir().unwrap();
    let gen = tmp.path().join("gen");
    generate(&gen, "20000", "21", true);
    let roster = build_roster(&gen, tmp.path());
    let out = tmp.path().join("out");
    let stdout = run(&gen, &out, &["--schools", roster.path.to_str().unwrap()]);
    assert!(stdout.contains("schools:"), "{stdout}");

    // expected: from the roster we built and the run's targets.csv
    let targets: HashMap<String, String> =
        rows(&out.join("targets.csv")).into_iter().map(|r| (r["nik"].clone(), r["category"].clone())).collect();
    let mut exp: BTreeMap<String, [u64; 4]> = BTreeMap::new();
    for (nik, npsn) in &roster.students {
        let e = exp.entry(npsn.clone()).or_default();
        e[0] += 1;
        e[1] += !roster.outsiders.contains(nik) as u64;
        if let Some(cat) = targets.get(nik) {
            e[2] += 1;
            e[3] += (cat == "first_time") as u64;
        }
    }
    let got = rows(&out.join("schools.csv"));
    assert_eq!(got.len(), exp.len());
    for r in &got {
        let e = exp[&r["npsn"]];
        let g = ["students", "students_in_population", "eligible_unrecorded", "first_time_unrecorded"]
            .map(|c| r[c].parse::<u64>().unwrap());
        assert_eq!(g, e, "school {}", r["npsn"]);
        assert_eq!(r["students_not_in_population"].parse::<u64>().unwrap(), e[0] - e[1]);
    }
    assert!(exp.values().map(|e| e[2]).sum::<u64>() > 0, "some students should be without KTP-el");
    assert!(exp.values().map(|e| e[3]).sum::<u64>() > 0, "some first-time voters among students");
    let order: Vec<u64> = got.iter().map(|r| r["eligible_unrecorded"].parse().unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] >= w[1]), "ranked by eligible_unrecorded: {order:?}");
    // school area: given in the roster, or else the students' kecamatan
    for r in &got {
        let i: usize = r["npsn"][4..].parse::<usize>().unwrap() - 101;
        if i % 2 == 0 {
            assert_eq!((r["area_code"].as_str(), r["area_source"].as_str()), ("94.04.01", "roster"));
        } else {
            assert_eq!(r["area_source"], "students");
        }
    }

    // rejects and the students not in the population
    let rej = rows(&out.join("schools_rejects.csv"));
    let mut by: BTreeMap<&str, u64> = BTreeMap::new();
    for r in &rej {
        *by.entry(Box::leak(r["reason"].clone().into_boxed_str())).or_default() += 1;
    }
    assert_eq!(by, roster.rejects);
    let missing: BTreeSet<String> =
        rows(&out.join("restricted/students_not_in_population.csv")).into_iter().map(|r| r["nik"].clone()).collect();
    assert_eq!(missing, roster.outsiders);
    let m = manifest(&out);
    let sm = &m["planning"]["schools"];
    assert_eq!(u(&sm["students_not_in_population"]), roster.outsiders.len() as u64);
    assert_eq!(u(&sm["rows_read"]), roster.students.len() as u64 + 4);
    assert_eq!(u(&sm["rejected"]), 3);

    // per-school worklists: one per school with unrecorded students, with exactly those students
    for (npsn, e) in &exp {
        let files: Vec<PathBuf> = std::fs::read_dir(out.join("restricted/sekolah"))
            .unwrap()
            .map(|d| d.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with(npsn.as_str()) && p.extension().unwrap() == "csv")
            .collect();
        if e[2] == 0 {
            assert!(files.is_empty());
            continue;
        }
        assert_eq!(files.len(), 1, "{npsn}");
        let wl = rows(&files[0]);
        assert_eq!(wl.len() as u64, e[2], "{npsn}");
        let mine: BTreeSet<&str> = roster.students.iter().filter(|s| &s.1 == npsn).map(|s| s.0.as_str()).collect();
        assert!(wl.iter().all(|r| mine.contains(r["NIK"].as_str()) && targets.contains_key(&r["NIK"])));
    }
    // kecamatan worklists: every target exactly once
    let mut listed = Vec::new();
    for d in std::fs::read_dir(out.join("restricted/kecamatan")).unwrap() {
        let p = d.unwrap().path();
        if p.extension().unwrap() == "csv" {
            let kec = p.file_name().unwrap().to_str().unwrap()[..8].to_string();
            for r in rows(&p) {
                assert!(r["Kode desa"].starts_with(&kec));
                listed.push(r["NIK"].clone());
            }
        }
    }
    listed.sort();
    let mut all: Vec<String> = targets.keys().cloned().collect();
    all.sort();
    assert_eq!(listed, all);
}

/// Every 16-digit NIK written in the inputs' NIK columns.
fn input_niks(gen: &Path) -> BTreeSet<String> {
    let mut s = BTreeSet::new();
    for f in ["penduduk.csv", "rekam_ktpel.csv"] {
        for r in rows(&gen.join(f)) {
            let n = r["NIK"].trim();
            if n.len() == 16 && n.bytes().all(|c| c.is_ascii_digit()) {
                s.insert(n.to_string());
            }
        }
    }
    s
}

/// The text of every file under `dir`: xlsx cells via calamine, parquet cells
/// via the pipeline's reader, everything else as raw bytes.
fn all_texts(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut v = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("").to_string();
            let text = match ext.as_str() {
                "xlsx" => {
                    use calamine::Reader;
                    let mut wb = calamine::open_workbook_auto(&p).unwrap();
                    let mut t = String::new();
                    for name in wb.sheet_names() {
                        let range = wb.worksheet_range(&name).unwrap();
                        for row in range.rows() {
                            for c in row {
                                t.push_str(&c.to_string());
                                t.push('\n');
                            }
                        }
                    }
                    t
                }
                "parquet" => {
                    let t = pipeline::frame::read_parquet_strings(&p).unwrap();
                    let mut s = String::new();
                    for r in 0..t.height() {
                        for c in 0..t.headers.len() {
                            s.push_str(t.get(r, c));
                            s.push('\n');
                        }
                    }
                    s
                }
                _ => String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned(),
            };
            v.push((p, text));
        }
    }
    v
}

fn niks_found(texts: &[(PathBuf, String)], niks: &BTreeSet<String>) -> Vec<String> {
    let mut found = Vec::new();
    for (p, t) in texts {
        let b = t.as_bytes();
        let mut i = 0;
        while i + 16 <= b.len() {
            if b[i..i + 16].iter().all(u8::is_ascii_digit) && niks.contains(&t[i..i + 16]) {
                found.push(format!("{}: {}", p.display(), &t[i..i + 16]));
                i += 16;
            } else {
                i += 1;
            }
        }
    }
    found
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
#[cfg(unix)]
fn worklists_are_private_and_mask_nik_leaves_no_full_nik_anywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let gen = tmp.path().join("gen");
    generate(&gen, "15000", "4", false); // messy: rejects and warnings quote NIKs
    let roster = build_roster(&gen, tmp.path());
    let niks = input_niks(&gen);

    // unmasked, with the report: the scanner finds NIKs (so it can find them)
    let plain = tmp.path().join("plain");
    let a = run_args(&gen, &plain, &["--schools", roster.path.to_str().unwrap()]);
    let a: Vec<&str> = a.iter().map(String::as_str).filter(|s| *s != "--no-report").collect();
    run_ok(&a);
    let texts = all_texts(&plain);
    let found = niks_found(&texts, &niks);
    for f in ["targets.csv", "rejects.csv", "warnings.csv", "restricted/kecamatan", "restricted/sekolah"] {
        assert!(found.iter().any(|x| x.contains(f)), "unmasked run should show NIKs in {f}");
    }
    // only personal-data files hold NIKs, and they are all owner-only
    let m = manifest(&plain);
    let personal: BTreeMap<String, bool> = m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["path"].as_str().unwrap().to_string(), o["personal_data"].as_bool().unwrap()))
        .collect();
    for x in &found {
        let rel = x.split(": ").next().unwrap().strip_prefix(&format!("{}/", plain.display())).unwrap().to_string();
        assert_eq!(personal.get(&rel), Some(&true), "{rel} holds a NIK but is not marked personal_data");
        assert_eq!(mode(&plain.join(&rel)), 0o600, "{rel}");
    }
    for f in ["plan_summary.csv", "projection.csv", "plan.csv", "schools.csv", "plan.txt"] {
        assert_eq!(personal.get(f), Some(&false), "{f}");
    }
    // restricted/: directories 0700, files 0600, and every file listed as personal data
    let r = plain.join("restricted");
    assert_eq!(mode(&r), 0o700);
    let mut files = 0;
    let mut stack = vec![r];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                assert_eq!(mode(&p), 0o700, "{}", p.display());
                stack.push(p);
            } else {
                files += 1;
                assert_eq!(mode(&p), 0o600, "{}", p.display());
                let rel = p.strip_prefix(&plain).unwrap().to_str().unwrap().to_string();
                assert_eq!(personal.get(&rel), Some(&true), "{rel}");
            }
        }
    }
    assert!(files >= 4, "kecamatan and school worklists, CSV and XLSX");
    // nothing under restricted/ is named outside it
    assert!(personal.keys().filter(|k| k.contains("kecamatan/") || k.contains("sekolah/")).all(|k| k.starts_with("restricted/")));

    // masked: no full NIK in any file, xlsx and parquet included
    let masked = tmp.path().join("masked");
    let a = run_args(&gen, &masked, &["--schools", roster.path.to_str().unwrap(), "--mask-nik"]);
    let a: Vec<&str> = a.iter().map(String::as_str).filter(|s| *s != "--no-report").collect();
    run_ok(&a);
    let texts = all_texts(&masked);
    assert!(texts.iter().any(|(p, _)| p.extension().unwrap() == "xlsx"));
    let found = niks_found(&texts, &niks);
    assert!(found.is_empty(), "full NIKs with --mask-nik:\n{}", found.join("\n"));
    // and the masked form is there, in the worklists and targets
    let t = rows(&masked.join("targets.csv"));
    assert!(!t.is_empty() && t.iter().all(|r| r["nik"].len() == 18 && &r["nik"][6..14] == "********"));
    let plain_t = rows(&plain.join("targets.csv"));
    assert_eq!(t.len(), plain_t.len());
    assert!(t.iter().zip(&plain_t).all(|(a, b)| a["nik"][..6] == b["nik"][..6] && a["nik"][14..] == b["nik"][12..]));
    assert_eq!(manifest(&masked)["planning"]["mask_nik"], true);
    // same counts either way
    assert_eq!(
        std::fs::read(plain.join("schools.csv")).unwrap(),
        std::fs::read(masked.join("schools.csv")).unwrap()
    );

    // --no-pii: no worklists at all, schools.csv still there
    let nopii = tmp.path().join("nopii");
    run(&gen, &nopii, &["--schools", roster.path.to_str().unwrap(), "--no-pii"]);
    assert!(!nopii.join("restricted").exists());
    assert!(!nopii.join("targets.csv").exists());
    assert_eq!(std::fs::read(plain.join("schools.csv")).unwrap(), std::fs::read(nopii.join("schools.csv")).unwrap());
}

fn is_workday(d: chrono::NaiveDate, fri_only_week: bool) -> bool {
    use chrono::Datelike;
    let w = d.weekday().num_days_from_monday();
    if fri_only_week {
        w < 5
    } else {
        w < 6
    }
}

#[test]
fn plan_never_overspends_and_adds_up() {
    let tmp = tempfile::tempdir().unwrap();
    let gen = tmp.path().join("gen");
    generate(&gen, "30000", "9", false);
    let roster = build_roster(&gen, tmp.path());
    // scarce capacity: some kecamatan must stay below the target
    let out = tmp.path().join("out");
    let stdout = run(
        &gen,
        &out,
        &["--schools", roster.path.to_str().unwrap(), "--units", "2", "--per-unit-per-day", "40", "--workdays", "mon-fri",
          "--start", "2024-10-01", "--target-pct", "90"],
    );
    let (units, k, p) = (2u64, 40u64, 90u64);
    let days: Vec<chrono::NaiveDate> =
        date("2024-10-01").iter_days().take_while(|d| *d < date(E)).filter(|d| is_workday(*d, true)).collect();
    let plan = rows(&out.join("plan.csv"));
    assert!(plan.len() as u64 <= units * days.len() as u64);
    let mut slots = BTreeSet::new();
    for r in &plan {
        let d = date(&r["date"]);
        assert!(days.contains(&d), "{d} is not a working day of the drive");
        let unit: u64 = r["unit"].parse().unwrap();
        assert!((1..=units).contains(&unit));
        assert!(slots.insert((d, unit)), "unit {unit} booked twice on {d}");
        let n: u64 = r["planned_recordings"].parse().unwrap();
        assert!(n >= 1 && n <= k);
        let at_schools: u64 = r["schools"]
            .split("; ")
            .filter(|s| !s.is_empty())
            .map(|s| s.rsplit('(').next().unwrap().trim_end_matches(')').parse::<u64>().unwrap())
            .sum();
        assert!(at_schools <= n);
    }
    // per kecamatan: need from the coverage table, totals from plan.csv
    let cov: HashMap<String, (u64, u64)> = rows(&out.join("coverage_kecamatan.csv"))
        .into_iter()
        .map(|r| (r["area_code"].clone(), (r["eligible"].parse().unwrap(), r["eligible_recorded"].parse().unwrap())))
        .collect();
    let summary = rows(&out.join("plan_summary.csv"));
    assert_eq!(summary.len(), cov.len());
    let mut below = 0;
    let mut allocated_total = 0;
    for r in &summary {
        let (el, rec) = cov[&r["area_code"]];
        let need = ((p * el + 99) / 100).saturating_sub(rec);
        let g = |c: &str| r[c].parse::<u64>().unwrap();
        assert_eq!(g("recordings_needed"), need, "{}", r["area_code"]);
        assert_eq!(g("unit_days_needed"), need.div_ceil(k));
        let mine: Vec<&HashMap<String, String>> = plan.iter().filter(|x| x["area_code"] == r["area_code"]).collect();
        assert_eq!(g("unit_days_allocated"), mine.len() as u64);
        assert!(g("unit_days_allocated") <= g("unit_days_needed"));
        let planned: u64 = mine.iter().map(|x| x["planned_recordings"].parse::<u64>().unwrap()).sum();
        assert_eq!(g("planned_recordings"), planned);
        assert!(planned <= need);
        let reaches = rec + planned >= (p * el + 99) / 100;
        assert_eq!(r["reaches_target"], reaches.to_string());
        below += !reaches as u64;
        allocated_total += mine.len() as u64;
    }
    assert!(below > 0 && below < summary.len() as u64, "the case should be partly reachable: {below}");
    // ranked: lower coverage first; a kecamatan left out never ranks above one served
    let mut ranked: Vec<&HashMap<String, String>> = summary.iter().filter(|r| !r["priority_rank"].is_empty()).collect();
    ranked.sort_by_key(|r| r["priority_rank"].parse::<u64>().unwrap());
    for w in ranked.windows(2) {
        let (a, b) = (cov[&w[0]["area_code"]], cov[&w[1]["area_code"]]);
        assert!(a.1 as u128 * b.0 as u128 <= b.1 as u128 * a.0 as u128, "rank order by coverage");
    }
    let m = manifest(&out);
    let pl = &m["planning"];
    assert_eq!(u(&pl["unit_days_available"]), units * days.len() as u64);
    assert_eq!(u(&pl["unit_days_allocated"]), allocated_total);
    assert_eq!(u(&pl["unit_days_allocated"]) + u(&pl["unit_days_spare"]), u(&pl["unit_days_available"]));
    assert_eq!(u(&pl["kecamatan_below_target_after_plan"]), below);
    let sentence = format!("dengan 2 unit × 40 per hari selama {} hari kerja, {below} kecamatan tetap di bawah 90%", days.len());
    let txt = std::fs::read_to_string(out.join("plan.txt")).unwrap();
    assert!(txt.contains(&sentence), "{sentence}\n{txt}");
    assert!(stdout.contains(&sentence), "{stdout}");

    // English, and plenty of capacity: every kecamatan reaches the target
    let out2 = tmp.path().join("out2");
    let stdout = run(&gen, &out2, &["--lang", "en", "--units", "5", "--per-unit-per-day", "500"]);
    let summary = rows(&out2.join("plan_summary.csv"));
    assert!(summary.iter().all(|r| r["reaches_target"] == "true"));
    let d2 = date(S).succ_opt().unwrap().iter_days().take_while(|d| *d < date(E)).filter(|d| is_workday(*d, false)).count();
    let sentence = format!("with 5 units × 500 per day for {d2} working days, 0 kecamatan stay below 95%");
    assert!(std::fs::read_to_string(out2.join("plan.txt")).unwrap().contains(&sentence));
    assert!(stdout.contains(&sentence), "{stdout}");
}

#[test]
fn projection_uses_the_last_eight_complete_weeks() {
    let tmp = tempfile::tempdir().unwrap();
    let gen = tmp.path().join("gen");
    generate(&gen, "20000", "13", false);
    let out = tmp.path().join("out");
    run(&gen, &out, &["--no-pii"]);
    // 2024-08-26 is a Monday: the 8 complete weeks start 2024-07-01 .. 2024-08-19
    let weeks: BTreeSet<String> =
        (0..8).map(|i| (date("2024-07-01") + chrono::Duration::days(7 * i)).to_string()).collect();
    let mut sum: HashMap<String, u64> = HashMap::new();
    for r in rows(&out.join("trend_weekly.csv")) {
        if weeks.contains(&r["week_start"]) {
            *sum.entry(r["area_code"].clone()).or_default() += r["first_recordings_eligible"].parse::<u64>().unwrap();
        }
    }
    let weeks_left = ((date(E) - date(S)).num_days() - 1) as f64 / 7.0; // the days S+1 .. E-1
    let proj = rows(&out.join("projection.csv"));
    assert_eq!(proj.len(), rows(&out.join("coverage_kecamatan.csv")).len());
    let mut any_rate = false;
    for r in &proj {
        let rate = *sum.get(&r["area_code"]).unwrap_or(&0) as f64 / 8.0;
        any_rate |= rate > 0.0;
        assert_eq!(r["weekly_rate"], format!("{rate:.2}"), "{}", r["area_code"]);
        let (el, rec): (u64, u64) = (r["eligible"].parse().unwrap(), r["eligible_recorded"].parse().unwrap());
        let projected = ((rec as f64 + rate * weeks_left).round() as u64).min(el);
        assert_eq!(r["projected_recorded_at_e"].parse::<u64>().unwrap(), projected);
        let target = (95 * el).div_ceil(100);
        assert_eq!(r["will_miss_target"], (projected < target).to_string(), "{}", r["area_code"]);
    }
    assert!(any_rate);
    // no personal data in the planning tables
    assert!(!out.join("restricted").exists());
}

#[test]
fn worklist_window_keeps_the_backlog_and_first_timers_in_the_window() {
    let tmp = tempfile::tempdir().unwrap();
    let gen = tmp.path().join("gen");
    generate(&gen, "20000", "17", true);
    let out = tmp.path().join("out");
    run(&gen, &out, &["--worklist-from", "2024-09-01", "--worklist-to", "2024-09-30"]);
    let targets = rows(&out.join("targets.csv"));
    let expected: BTreeSet<String> = targets
        .iter()
        .filter(|r| r["category"] == "backlog" || (r["turns_17"].as_str() >= "2024-09-01" && r["turns_17"].as_str() <= "2024-09-30"))
        .map(|r| r["nik"].clone())
        .collect();
    assert!(expected.len() < targets.len(), "the window should leave some first-time voters out");
    let mut listed = BTreeSet::new();
    for d in std::fs::read_dir(out.join("restricted/kecamatan")).unwrap() {
        let p = d.unwrap().path();
        if p.extension().unwrap() == "csv" {
            for r in rows(&p) {
                assert!(listed.insert(r["NIK"].clone()));
                // turns 17 and recordable-from dates agree with the birth date
                let b = date(&r["Tanggal lahir"]);
                assert_eq!(date(&r["Genap 17 tahun"]), data_schema::rules::turns_17(b));
                let rf = date(&r["Boleh rekam sejak (ulang tahun ke-16)"]);
                let key = r.keys().find(|k| k.starts_with("Sudah boleh rekam per")).unwrap().clone();
                assert_eq!(r[&key] == "ya", rf <= date(S));
            }
        }
    }
    assert_eq!(listed, expected);
}

/// The report shows the plan (one row per kecamatan the plan ranks, in rank
/// order, with its allocated unit-days) and the quality checks from
/// `quality.csv`.
#[test]
fn report_shows_the_plan_and_the_quality_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    run_ok(&["demo", "--out", out.to_str().unwrap(), "--units", "2"]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let start = html.find("id=\"rencana\"").expect("no plan section in report.html");
    let section = &html[start..];
    let table = &section[..section.find("</table>").unwrap()];
    let mut ranked: Vec<_> = rows(&out.join("plan_summary.csv"))
        .into_iter()
        .filter(|r| !r["priority_rank"].is_empty())
        .collect();
    ranked.sort_by_key(|r| r["priority_rank"].parse::<u32>().unwrap());
    assert!(!ranked.is_empty());
    let body_rows: Vec<&str> = table.split("<tr>").skip(2).collect();
    assert_eq!(body_rows.len(), ranked.len(), "one table row per ranked kecamatan");
    for (row, r) in body_rows.iter().zip(&ranked) {
        assert!(row.contains(&format!("<td>{}</td>", r["area_name"])), "{row} vs {}", r["area_name"]);
        assert!(row.contains(&format!("<td class=\"n\">{}</td>", r["unit_days_allocated"])), "{row}");
    }
    let sentence = std::fs::read_to_string(out.join("plan.txt")).unwrap().lines().nth(2).unwrap().to_string();
    assert!(section.contains(&sentence), "plan sentence missing: {sentence}");
    // Quality checks: the demo is a sample of Mimika, so LOW against the official total.
    let q = &html[html.find("id=\"kualitas\"").unwrap()..];
    assert!(q.contains("Jumlah penduduk dibanding data resmi"));
    assert!(q.contains("Kabupaten Mimika") && q.contains("<strong>LOW</strong>"));
    assert!(q.contains("<strong>WORST</strong>"));
}
