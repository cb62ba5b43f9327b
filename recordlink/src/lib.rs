//! Fellegi–Sunter record linkage for KTP-el recordings whose NIK cannot be
//! joined (damaged by a spreadsheet, mistyped, not found), against residents
//! who are not yet recorded.
//!
//! * **Normalisation** ([`normalize`]): Indonesian names without titles, old
//!   spelling modernised, every way of writing Muhammad as `M`, a phonetic key.
//! * **Blocking**: candidate pairs share (1) birth date and kecamatan, or
//!   (2) the phonetic key of the first name and the birth year, or (3) the
//!   phonetic key of the whole name and the desa (catches a mistyped birth
//!   date). Blocks larger than [`Config::max_block`] are skipped for that pass.
//! * **Comparison** ([`Gamma`]): name (Jaro–Winkler on the normalised and on
//!   the token-sorted name: ≥0.96, ≥0.90, ≥0.80, less), birth date (same; one
//!   of day/month/year differs or day and month swapped; other), sex (same,
//!   different), area (same desa, kecamatan, kabupaten, other). A missing
//!   value adds no evidence.
//! * **Parameters**: `u` (chance of each level among non-matches) from random
//!   query–candidate pairs; `m` (among matches) from known matches — in
//!   cakupan, the recordings that joined by NIK and also say who was recorded,
//!   compared with the resident's own row — or, with fewer than
//!   [`MIN_KNOWN`] of them, from default typing-error rates ([`DEFAULT_M`]);
//!   the prior `λ` by EM on the blocked pairs with `m` and `u` fixed. (Full EM
//!   over `m` as well was tried and drifted to "similar first name, same
//!   birth year" as the match class: precision 0.83 on the generated truth.)
//! * **Decision**: the candidates of one recording are exclusive hypotheses
//!   (plus "none of them"): `P(j) = r_j / (1 + Σ r_k)` with `r` the posterior
//!   odds of each pair, so two equally good namesakes share the probability;
//!   then one-to-one, best first; `Probable` at or above [`Config::threshold`], `Review` from
//!   [`Config::review_from`].
//!
//! Deterministic for the same input, whatever the number of threads.

pub mod normalize;
pub mod truth;

use normalize::{first_token, phonetic, tokens};
use rayon::prelude::*;

/// One side of a pair: a recording (query) or a resident (candidate).
#[derive(Clone, Debug, Default)]
pub struct Record {
    pub id: u64,
    pub name: String,
    /// Days since 1970-01-01.
    pub birth: Option<i32>,
    pub female: Option<bool>,
    /// Desa code `PPKKCCDDDD` (kecamatan = area / 10 000).
    pub area: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Posterior probability at or above which a link is `Probable` (default 0.9).
    pub threshold: f64,
    /// Links from this probability up to the threshold are listed for `Review` (default 0.5).
    pub review_from: f64,
    /// Blocks with more candidates than this are skipped in that pass (default 400).
    pub max_block: usize,
    /// Random pairs used to estimate `u` (default 200 000).
    pub u_sample: usize,
    pub em_iterations: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config { threshold: 0.9, review_from: 0.5, max_block: 400, u_sample: 200_000, em_iterations: 50 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Probable,
    Review,
}

#[derive(Clone, Debug)]
pub struct Match {
    /// Index into the queries / candidates slices given to [`link`].
    pub query: usize,
    pub candidate: usize,
    pub probability: f64,
    /// Log2 likelihood ratio of the comparison vector.
    pub weight: f64,
    pub status: Status,
    /// The comparison in words, e.g. `name=0.97 birth=exact sex=same area=desa`.
    pub agreement: String,
}

/// Estimated parameters: per field, per level, m and u; and the prior.
#[derive(Clone, Debug)]
pub struct Params {
    pub m: [Vec<f64>; 4],
    pub u: [Vec<f64>; 4],
    pub lambda: f64,
}

#[derive(Clone, Debug)]
pub struct Outcome {
    pub matches: Vec<Match>,
    pub params: Params,
    pub pairs_compared: u64,
    /// `m` came from known matches (else from [`DEFAULT_M`]).
    pub m_from_known: bool,
}

/// Known matches needed to estimate `m` from them.
pub const MIN_KNOWN: usize = 50;

/// `m` when there are too few known matches: how often a person re-typed at
/// the recording counter agrees at each level (name ≥0.96/≥0.90/≥0.80/less;
/// birth same/one part/other; sex same/different; area desa/kecamatan/kabupaten/other).
pub const DEFAULT_M: [&[f64]; 4] = [&[0.85, 0.10, 0.04, 0.01], &[0.93, 0.06, 0.01], &[0.97, 0.03], &[0.80, 0.15, 0.04, 0.01]];

/// Number of levels per field: name, birth, sex, area.
const LEVELS: [usize; 4] = [4, 3, 2, 4];
const MISSING: u8 = u8::MAX;

/// A comparison vector: the level of each field, or [`MISSING`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gamma(pub [u8; 4]);

/// A record ready for comparison.
struct Prepared {
    norm: String,
    sorted: String,
    first_key: Option<String>,
    full_key: String,
    birth: Option<i32>,
    female: Option<bool>,
    area: Option<u64>,
}

fn prepare(r: &Record) -> Prepared {
    let t = tokens(&r.name);
    let mut s = t.clone();
    s.sort();
    let mut keys: Vec<String> = t.iter().map(|x| phonetic(x)).collect();
    keys.sort();
    Prepared {
        norm: t.join(" "),
        sorted: s.join(" "),
        first_key: first_token(&t).map(|x| phonetic(x)),
        full_key: keys.join(" "),
        birth: r.birth,
        female: r.female,
        area: r.area.filter(|&a| a > 0),
    }
}

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
fn ymd(days: i32) -> (i32, u32, u32) {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + if m <= 2 { 1 } else { 0 }) as i32;
    (y, m, d)
}

fn compare(a: &Prepared, b: &Prepared) -> (Gamma, f64) {
    let sim = if a.norm.is_empty() || b.norm.is_empty() {
        -1.0
    } else if a.norm == b.norm {
        1.0
    } else {
        strsim::jaro_winkler(&a.norm, &b.norm).max(strsim::jaro_winkler(&a.sorted, &b.sorted))
    };
    let name = match sim {
        s if s < 0.0 => MISSING,
        s if s >= 0.96 => 0,
        s if s >= 0.90 => 1,
        s if s >= 0.80 => 2,
        _ => 3,
    };
    let birth = match (a.birth, b.birth) {
        (Some(x), Some(y)) if x == y => 0,
        (Some(x), Some(y)) => {
            let ((y1, m1, d1), (y2, m2, d2)) = (ymd(x), ymd(y));
            let same = (y1 == y2) as u8 + (m1 == m2) as u8 + (d1 == d2) as u8;
            if same == 2 || (y1 == y2 && m1 == d2 && d1 == m2) {
                1
            } else {
                2
            }
        }
        _ => MISSING,
    };
    let sex = match (a.female, b.female) {
        (Some(x), Some(y)) => (x != y) as u8,
        _ => MISSING,
    };
    let area = match (a.area, b.area) {
        (Some(x), Some(y)) if x == y => 0,
        (Some(x), Some(y)) if x / 10_000 == y / 10_000 => 1,
        (Some(x), Some(y)) if x / 1_000_000 == y / 1_000_000 => 2,
        (Some(_), Some(_)) => 3,
        _ => MISSING,
    };
    (Gamma([name, birth, sex, area]), sim)
}

fn describe(g: Gamma, sim: f64) -> String {
    let name = if g.0[0] == MISSING { "name=missing".to_string() } else { format!("name={sim:.2}") };
    let birth = ["exact", "one part differs", "differs"].get(g.0[1] as usize).copied().unwrap_or("missing");
    let sex = ["same", "differs"].get(g.0[2] as usize).copied().unwrap_or("missing");
    let area = ["desa", "kecamatan", "kabupaten", "other"].get(g.0[3] as usize).copied().unwrap_or("missing");
    format!("{name} birth={birth} sex={sex} area={area}")
}

/// Log-likelihood ratio (natural log) and posterior for a comparison vector.
fn score(p: &Params, g: Gamma) -> (f64, f64) {
    let mut llr = 0.0;
    for f in 0..4 {
        let l = g.0[f];
        if l != MISSING {
            llr += (p.m[f][l as usize] / p.u[f][l as usize]).ln();
        }
    }
    let prior = (p.lambda / (1.0 - p.lambda)).ln();
    let post = 1.0 / (1.0 + (-(llr + prior)).exp());
    (llr / std::f64::consts::LN_2, post)
}

/// `u` from random pairs: the chance of each level when the two are not the same person.
fn estimate_u(q: &[Prepared], c: &[Prepared], n: usize) -> [Vec<f64>; 4] {
    let mut counts: [Vec<f64>; 4] = LEVELS.map(|k| vec![1.0; k]); // add-one smoothing
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    if q.is_empty() || c.is_empty() {
        return counts.map(|v| {
            let t: f64 = v.iter().sum();
            v.iter().map(|x| x / t).collect()
        });
    }
    for _ in 0..n {
        let a = &q[(next() % q.len() as u64) as usize];
        let b = &c[(next() % c.len() as u64) as usize];
        let (g, _) = compare(a, b);
        for f in 0..4 {
            if g.0[f] != MISSING {
                counts[f][g.0[f] as usize] += 1.0;
            }
        }
    }
    counts.map(|v| {
        let t: f64 = v.iter().sum();
        v.iter().map(|x| x / t).collect()
    })
}

/// `m` from known matches (add-one smoothed), or [`DEFAULT_M`].
fn estimate_m(known: &[(Record, Record)]) -> ([Vec<f64>; 4], bool) {
    if known.len() < MIN_KNOWN {
        return (DEFAULT_M.map(|v| v.to_vec()), false);
    }
    let mut counts: [Vec<f64>; 4] = LEVELS.map(|k| vec![0.5; k]);
    for (a, b) in known {
        let (g, _) = compare(&prepare(a), &prepare(b));
        for f in 0..4 {
            if g.0[f] != MISSING {
                counts[f][g.0[f] as usize] += 1.0;
            }
        }
    }
    (
        counts.map(|v| {
            let t: f64 = v.iter().sum();
            v.iter().map(|x| x / t).collect()
        }),
        true,
    )
}

/// EM for the prior `λ` over the distinct comparison vectors (with their counts), `m` and `u` fixed.
fn em_lambda(patterns: &[(Gamma, u64)], m: [Vec<f64>; 4], u: [Vec<f64>; 4], iterations: usize, queries: usize) -> Params {
    let total: u64 = patterns.iter().map(|p| p.1).sum();
    let mut p = Params { m, u, lambda: if total == 0 { 0.5 } else { (queries as f64 / total as f64).clamp(1e-4, 0.5) } };
    for _ in 0..iterations {
        let matched: f64 = patterns.iter().map(|&(g, n)| score(&p, g).1 * n as f64).sum();
        p.lambda = (matched / total.max(1) as f64).clamp(1e-6, 0.999);
    }
    p
}

/// Link `queries` to `candidates`; `known` are pairs known to be the same
/// person (recording as typed, resident's row), used to estimate `m`.
pub fn link(queries: &[Record], candidates: &[Record], known: &[(Record, Record)], cfg: &Config) -> Outcome {
    let q: Vec<Prepared> = queries.par_iter().map(prepare).collect();
    let c: Vec<Prepared> = candidates.par_iter().map(prepare).collect();

    // Blocking indexes over the candidates.
    type Index<K> = ahash::AHashMap<K, Vec<u32>>;
    let mut by_birth_kec: Index<(i32, u64)> = Index::default();
    let mut by_first_year: Index<(String, i32)> = Index::default();
    let mut by_full_desa: Index<(String, u64)> = Index::default();
    for (i, x) in c.iter().enumerate() {
        let i = i as u32;
        if let (Some(b), Some(a)) = (x.birth, x.area) {
            by_birth_kec.entry((b, a / 10_000)).or_default().push(i);
        }
        if let (Some(k), Some(b)) = (&x.first_key, x.birth) {
            by_first_year.entry((k.clone(), ymd(b).0)).or_default().push(i);
        }
        if let Some(a) = x.area {
            if !x.full_key.is_empty() {
                by_full_desa.entry((x.full_key.clone(), a)).or_default().push(i);
            }
        }
    }
    let max = cfg.max_block;
    let pairs: Vec<(u32, u32, Gamma, f64)> = q
        .par_iter()
        .enumerate()
        .flat_map_iter(|(qi, x)| {
            let mut cand: Vec<u32> = Vec::new();
            let mut take = |v: Option<&Vec<u32>>| {
                if let Some(v) = v {
                    if v.len() <= max {
                        cand.extend_from_slice(v);
                    }
                }
            };
            if let (Some(b), Some(a)) = (x.birth, x.area) {
                take(by_birth_kec.get(&(b, a / 10_000)));
            }
            if let (Some(k), Some(b)) = (&x.first_key, x.birth) {
                take(by_first_year.get(&(k.clone(), ymd(b).0)));
            }
            if let Some(a) = x.area {
                take(by_full_desa.get(&(x.full_key.clone(), a)));
            }
            cand.sort_unstable();
            cand.dedup();
            cand.into_iter()
                .map(|ci| {
                    let (g, s) = compare(x, &c[ci as usize]);
                    (qi as u32, ci, g, s)
                })
                .collect::<Vec<_>>()
        })
        .collect();

    let mut counts: std::collections::BTreeMap<Gamma, u64> = std::collections::BTreeMap::new();
    for p in &pairs {
        *counts.entry(p.2).or_default() += 1;
    }
    let patterns: Vec<(Gamma, u64)> = counts.into_iter().collect();
    let u = estimate_u(&q, &c, cfg.u_sample);
    let (m, m_from_known) = estimate_m(known);
    let params = em_lambda(&patterns, m, u, cfg.em_iterations, q.len());

    // A query's candidates are exclusive hypotheses (plus "none of them"):
    // P(candidate j) = r_j / (1 + Σ r_k), with r the posterior odds. Two
    // equally good namesakes then share the probability instead of both
    // looking certain.
    let prior = (params.lambda / (1.0 - params.lambda)).ln();
    let mut odds_sum = vec![0.0f64; q.len()];
    let odds: Vec<f64> = pairs
        .iter()
        .map(|&(qi, _, g, _)| {
            let (w, _) = score(&params, g);
            let r = (w * std::f64::consts::LN_2 + prior).min(700.0).exp();
            odds_sum[qi as usize] += r;
            r
        })
        .collect();
    let mut scored: Vec<(f64, f64, u32, u32, Gamma, f64)> = pairs
        .par_iter()
        .zip(odds.par_iter())
        .filter_map(|(&(qi, ci, g, s), &r)| {
            let (w, _) = score(&params, g);
            let post = r / (1.0 + odds_sum[qi as usize]);
            (post >= cfg.review_from).then_some((post, w, qi, ci, g, s))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.2.cmp(&b.2)).then(a.3.cmp(&b.3)));
    let mut q_used = vec![false; q.len()];
    let mut c_used = vec![false; c.len()];
    let mut matches = Vec::new();
    for (post, w, qi, ci, g, s) in scored {
        if q_used[qi as usize] || c_used[ci as usize] {
            continue;
        }
        q_used[qi as usize] = true;
        c_used[ci as usize] = true;
        matches.push(Match {
            query: qi as usize,
            candidate: ci as usize,
            probability: post,
            weight: w,
            status: if post >= cfg.threshold { Status::Probable } else { Status::Review },
            agreement: describe(g, s),
        });
    }
    matches.sort_by_key(|m| (m.query, m.candidate));
    Outcome { matches, params, pairs_compared: pairs.len() as u64, m_from_known }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn days_to_dates() {
        assert_eq!(ymd(0), (1970, 1, 1));
        assert_eq!(ymd(19_782), (2024, 2, 29));
        assert_eq!(ymd(-1), (1969, 12, 31));
    }
    #[test]
    fn comparison_levels() {
        let r = |name: &str, birth: i32, f: bool, area: u64| prepare(&Record { id: 0, name: name.into(), birth: Some(birth), female: Some(f), area: Some(area) });
        let a = r("Muhammad Rizki", 12_000, false, 9404011001);
        let (g, _) = compare(&a, &r("M. RIZKI", 12_000, false, 9404011001));
        assert_eq!(g, Gamma([0, 0, 0, 0]));
        let (g, _) = compare(&a, &r("Muhammad Rizky", 12_001, false, 9404011002));
        assert_eq!(g.0[1], 1);
        assert_eq!(g.0[3], 1);
        assert!(g.0[0] <= 1);
        let (g, _) = compare(&a, &r("Yohana Kambu", 5_000, true, 6472011001));
        assert_eq!(g, Gamma([3, 2, 1, 3]));
        // day and month swapped: 2001-03-07 vs 2001-07-03
        let (d1, d2) = (11_388, 11_506);
        assert_eq!((ymd(d1), ymd(d2)), ((2001, 3, 7), (2001, 7, 3)));
        let (g, _) = compare(&r("X", d1, true, 1), &r("X", d2, true, 1));
        assert_eq!(g.0[1], 1);
    }
    #[test]
    fn missing_fields_add_no_evidence() {
        let p = Params { m: [vec![0.9, 0.05, 0.03, 0.02], vec![0.9, 0.05, 0.05], vec![0.95, 0.05], vec![0.7, 0.2, 0.05, 0.05]], u: [vec![0.01, 0.02, 0.07, 0.9], vec![0.001, 0.01, 0.989], vec![0.5, 0.5], vec![0.01, 0.05, 0.2, 0.74]], lambda: 0.1 };
        let (w_all, _) = score(&p, Gamma([0, 0, 0, MISSING]));
        let (w_no_area, _) = score(&p, Gamma([0, 0, 0, MISSING]));
        assert_eq!(w_all, w_no_area);
        assert!(score(&p, Gamma([0, 0, 0, 0])).1 > score(&p, Gamma([0, 0, 0, MISSING])).1);
        assert!(score(&p, Gamma([3, 2, 1, 3])).1 < 0.01);
    }
}
