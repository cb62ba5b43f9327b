//! Probabilistic linkage of enrollment rows whose NIK cannot be joined
//! (issue 6), run once over all partitions: queries are the rows that would
//! have counted but carry a damaged NIK (rejected) or an unknown one (orphan),
//! and say who was recorded; candidates are the eligible residents without
//! KTP-el (the worklist rows). Fellegi–Sunter scoring lives in the `recordlink`
//! crate. Exact-NIK results never change: the coverage tables stay as they
//! are; `coverage_range.csv` gives coverage from exact NIK only up to exact +
//! probable links.

use crate::aggregate::UNKNOWN_NAME;
use crate::enrollment::LinkQuery;
use crate::error::PipelineError;
use crate::output::{restrict, Target};
use data_schema::area::{AreaCode, AreaKey, Level};
use data_schema::date::from_days;
use data_schema::regions::Regions;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The manifest's `linkage` section.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub queries: u64,
    pub queries_by_reason: BTreeMap<String, u64>,
    pub candidates: u64,
    pub pairs_compared: u64,
    /// Known matches (NIK-joined recordings that say who was recorded) used
    /// to estimate m; fewer than 50 → m from default typing-error rates.
    pub known_matches: u64,
    pub m_from_known: bool,
    pub lambda: f64,
    pub threshold: f64,
    pub review_from: f64,
    pub probable: u64,
    pub review: u64,
    pub eligible: u64,
    pub eligible_recorded_exact: u64,
    pub eligible_recorded_with_probable: u64,
    pub eligible_coverage_pct_exact: Option<f64>,
    pub eligible_coverage_pct_with_probable: Option<f64>,
}

fn pct(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| (n as f64 * 10_000.0 / d as f64).round() / 100.0)
}

fn fmt_pct(p: Option<f64>) -> String {
    p.map(|v| format!("{v:.2}")).unwrap_or_default()
}

/// Link, write `linkage.csv` (personal data, 0600) and `coverage_range.csv`
/// (aggregate), and return the summary. `eligible` holds, per kecamatan code,
/// (eligible, eligible_recorded) from the exact-NIK tables.
pub fn run(
    dir: &Path,
    queries: &[LinkQuery],
    targets: &[Target],
    known: &[(recordlink::Record, recordlink::Record)],
    eligible: &BTreeMap<u64, (u64, u64)>,
    file_name: impl Fn(u16) -> String,
    cfg: &recordlink::Config,
) -> Result<(Summary, Vec<(String, bool)>), PipelineError> {
    let q: Vec<recordlink::Record> = queries
        .iter()
        .enumerate()
        .map(|(i, x)| recordlink::Record { id: i as u64, name: x.name.clone(), birth: x.birth, female: x.female, area: x.area })
        .collect();
    let c: Vec<recordlink::Record> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| recordlink::Record {
            id: i as u64,
            name: t.name.clone(),
            birth: Some(t.birth),
            female: Some(t.sex == "P"),
            area: AreaCode::from_kode(&t.area_code).map(|a| a.0),
        })
        .collect();
    let out = recordlink::link(&q, &c, known, cfg);
    let mut matches = out.matches;
    matches.sort_by(|a, b| (a.query, a.candidate).cmp(&(b.query, b.candidate)));

    // linkage.csv: one row per probable or review link, in input order.
    let path = dir.join("linkage.csv");
    let err = |e: csv::Error| PipelineError::output(path.display(), e);
    let mut w = csv::Writer::from_path(&path).map_err(err)?;
    w.write_record([
        "status", "match_probability", "file", "line", "why_not_joined", "enrollment_nik", "enrollment_name",
        "enrollment_birth_date", "enrollment_area_code", "record_date", "resident_nik", "resident_name",
        "resident_birth_date", "resident_area_code", "resident_area_name", "agreement",
    ])
    .map_err(err)?;
    let day = |d: Option<i32>| d.map(|d| from_days(d).to_string()).unwrap_or_default();
    let mut linked_by_kec: BTreeMap<u64, u64> = BTreeMap::new();
    let (mut probable, mut review) = (0u64, 0u64);
    for m in &matches {
        let x = &queries[m.query];
        let t = &targets[m.candidate];
        let status = match m.status {
            recordlink::Status::Probable => {
                probable += 1;
                if let Some(a) = AreaCode::from_kode(&t.area_code) {
                    *linked_by_kec.entry(a.0 / 10_000).or_default() += 1;
                }
                "probable"
            }
            recordlink::Status::Review => {
                review += 1;
                "review"
            }
        };
        w.write_record([
            status,
            &format!("{:.4}", m.probability),
            &file_name(x.file),
            &x.line.to_string(),
            x.why,
            &x.raw_nik,
            &x.name,
            &day(x.birth),
            &x.area.map(|a| AreaCode(a).to_string()).unwrap_or_default(),
            &from_days(x.date).to_string(),
            &data_schema::nik::format_nik(t.nik),
            &t.name,
            &from_days(t.birth).to_string(),
            &t.area_code,
            &t.area_name,
            &m.agreement,
        ])
        .map_err(err)?;
    }
    w.flush().map_err(|e| PipelineError::output(path.display(), e))?;
    restrict(&path)?;

    // coverage_range.csv: exact NIK only … exact + probable links, per level.
    let path = dir.join("coverage_range.csv");
    let err = |e: csv::Error| PipelineError::output(path.display(), e);
    let mut w = csv::Writer::from_path(&path).map_err(err)?;
    w.write_record([
        "level", "area_code", "area_name", "eligible", "eligible_recorded", "probable_links",
        "eligible_recorded_with_probable", "eligible_coverage_pct", "eligible_coverage_pct_with_probable",
    ])
    .map_err(err)?;
    let regions = Regions::get();
    let (mut te, mut tr) = (0u64, 0u64);
    for (e, r) in eligible.values() {
        te += e;
        tr += r;
    }
    let mut rows: Vec<(&str, String, String, u64, u64, u64)> = vec![("all", String::new(), String::new(), te, tr, probable)];
    for level in [Level::Provinsi, Level::Kabupaten, Level::Kecamatan] {
        let mut m: BTreeMap<AreaKey, (u64, u64, u64)> = BTreeMap::new();
        for (&kec, &(e, r)) in eligible {
            let key = AreaCode(kec * 10_000).key(level);
            let v = m.entry(key).or_default();
            v.0 += e;
            v.1 += r;
            v.2 += linked_by_kec.get(&kec).copied().unwrap_or(0);
        }
        for (key, (e, r, l)) in m {
            let name = regions.name(key).unwrap_or(UNKNOWN_NAME).to_string();
            rows.push((level.name(), key.to_string(), name, e, r, l));
        }
    }
    for (level, code, name, e, r, l) in &rows {
        w.write_record([
            level.to_string(),
            code.clone(),
            name.clone(),
            e.to_string(),
            r.to_string(),
            l.to_string(),
            (r + l).to_string(),
            fmt_pct(pct(*r, *e)),
            fmt_pct(pct(r + l, *e)),
        ])
        .map_err(err)?;
    }
    w.flush().map_err(|e| PipelineError::output(path.display(), e))?;

    let mut by_reason = BTreeMap::new();
    for x in queries {
        *by_reason.entry(x.why.to_string()).or_insert(0u64) += 1;
    }
    let summary = Summary {
        queries: queries.len() as u64,
        queries_by_reason: by_reason,
        candidates: targets.len() as u64,
        pairs_compared: out.pairs_compared,
        known_matches: known.len() as u64,
        m_from_known: out.m_from_known,
        lambda: out.params.lambda,
        threshold: cfg.threshold,
        review_from: cfg.review_from,
        probable,
        review,
        eligible: te,
        eligible_recorded_exact: tr,
        eligible_recorded_with_probable: tr + probable,
        eligible_coverage_pct_exact: pct(tr, te),
        eligible_coverage_pct_with_probable: pct(tr + probable, te),
    };
    Ok((summary, vec![("linkage.csv".into(), true), ("coverage_range.csv".into(), false)]))
}
