//! Classify residents and count them per area; roll desa up to provinsi.

use crate::population::{Candidate, F_MARRIED, F_RESIDENT, F_TNI, F_WNI};
use data_schema::area::{AreaCode, AreaKey, Level};
use data_schema::regions::Regions;
use data_schema::rules::{Class, Cutoffs, Dates};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// The counts of one area. Every field is a plain sum over residents, so
/// children sum to their parent exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub residents: u64,
    pub required: u64,
    pub required_recorded: u64,
    pub eligible: u64,
    pub eligible_recorded: u64,
    pub first_time: u64,
    pub first_time_unrecorded: u64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.residents += o.residents;
        self.required += o.required;
        self.required_recorded += o.required_recorded;
        self.eligible += o.eligible;
        self.eligible_recorded += o.eligible_recorded;
        self.first_time += o.first_time;
        self.first_time_unrecorded += o.first_time_unrecorded;
    }
    pub fn eligible_unrecorded(&self) -> u64 {
        self.eligible - self.eligible_recorded
    }
    pub fn backlog_unrecorded(&self) -> u64 {
        self.eligible_unrecorded() - self.first_time_unrecorded
    }
    pub fn required_coverage_pct(&self) -> Option<f64> {
        pct(self.required_recorded, self.required)
    }
    pub fn eligible_coverage_pct(&self) -> Option<f64> {
        pct(self.eligible_recorded, self.eligible)
    }
}

/// Percentage rounded to 2 decimals; `None` when the denominator is 0.
pub fn pct(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| ((n as f64) * 10_000.0 / d as f64).round() / 100.0)
}

/// Classification of one accepted row (residents only; `None` otherwise).
pub fn class_of(c: &Candidate, cut: &Cutoffs) -> Option<Class> {
    if c.flags & F_RESIDENT == 0 {
        return None;
    }
    Some(cut.classify(c.birth, c.flags & F_MARRIED != 0, c.flags & F_WNI != 0, c.flags & F_TNI != 0))
}

/// What a partition's accepted rows add up to for one domicile code (desa).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AreaTally {
    /// The residents' counts (all zero when the code has only non-residents).
    pub counts: Counts,
    /// Every accepted row with this code, resident or not.
    pub rows: u64,
    /// Of them, the rows whose NIK was issued in another kecamatan.
    pub movers: u64,
    /// Residents with a counting recording (for the manifest).
    pub residents_recorded: u64,
}

/// Per desa code, in one parallel pass over the accepted rows and their
/// recording status (earliest counting recording or `i32::MAX`): the
/// residents' counts, all rows, movers and recorded residents. Unsorted.
pub fn by_area(accepted: &[Candidate], first_counting: &[i32], dates: &Dates) -> Vec<(u64, AreaTally)> {
    let cut = Cutoffs::new(dates);
    type M = ahash::AHashMap<u64, AreaTally>;
    accepted
        .par_iter()
        .zip(first_counting.par_iter())
        .fold(M::new, |mut m, (c, &fc)| {
            let t = m.entry(c.area).or_default();
            t.rows += 1;
            t.movers += (c.nik / 10_000_000_000 != c.area / 10_000) as u64;
            if let Some(cl) = class_of(c, &cut) {
                let rec = fc != i32::MAX;
                t.residents_recorded += rec as u64;
                let e = &mut t.counts;
                e.residents += 1;
                e.required += cl.required as u64;
                e.required_recorded += (cl.required && rec) as u64;
                e.eligible += cl.eligible as u64;
                e.eligible_recorded += (cl.eligible && rec) as u64;
                e.first_time += cl.first_time as u64;
                e.first_time_unrecorded += (cl.first_time && !rec) as u64;
            }
            m
        })
        .reduce(M::new, |a, b| {
            let (mut a, b) = if a.len() >= b.len() { (a, b) } else { (b, a) };
            for (k, v) in b {
                let t = a.entry(k).or_default();
                t.counts.add(&v.counts);
                t.rows += v.rows;
                t.movers += v.movers;
                t.residents_recorded += v.residents_recorded;
            }
            a
        })
        .into_iter()
        .collect()
}

/// One row of a coverage table.
#[derive(Debug, Clone)]
pub struct AreaRow {
    pub key: AreaKey,
    pub name: String,
    pub in_reference: bool,
    pub counts: Counts,
}

/// The name written for codes that are not in the Kemendagri list.
pub const UNKNOWN_NAME: &str = "(unknown)";

/// Roll desa counts up to every level, with names from the reference list.
pub fn roll_up(desa: &BTreeMap<u64, Counts>) -> BTreeMap<Level, Vec<AreaRow>> {
    let regions = Regions::get();
    let mut out = BTreeMap::new();
    for level in Level::ALL {
        let mut m: BTreeMap<AreaKey, Counts> = BTreeMap::new();
        for (&code, c) in desa {
            m.entry(AreaCode(code).key(level)).or_default().add(c);
        }
        let rows = m
            .into_iter()
            .map(|(key, counts)| {
                let name = regions.name(key);
                AreaRow { key, name: name.unwrap_or(UNKNOWN_NAME).to_string(), in_reference: name.is_some(), counts }
            })
            .collect();
        out.insert(level, rows);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn pct_rounds_and_handles_zero() {
        assert_eq!(pct(1, 3), Some(33.33));
        assert_eq!(pct(2, 3), Some(66.67));
        assert_eq!(pct(0, 0), None);
        assert_eq!(pct(5, 5), Some(100.0));
    }
    #[test]
    fn roll_up_sums_children() {
        let mut d = BTreeMap::new();
        let c = Counts { residents: 3, required: 2, required_recorded: 1, eligible: 2, eligible_recorded: 1, first_time: 1, first_time_unrecorded: 1 };
        d.insert(9404011001, c);
        d.insert(9404011002, c);
        d.insert(9404022001, c);
        d.insert(6472011001, c);
        let r = roll_up(&d);
        assert_eq!(r[&Level::Provinsi].len(), 2);
        assert_eq!(r[&Level::Kecamatan].iter().find(|a| a.key.to_string() == "94.04.01").unwrap().counts.residents, 6);
        assert_eq!(r[&Level::Kabupaten].iter().find(|a| a.key.to_string() == "94.04").unwrap().name, "Kabupaten Mimika");
        // 94.04.01.1002 Kwamki, 94.04.02.2001 Kiliarma, 64.72.01.1001 Rawa Makmur
        assert!(r[&Level::Desa].iter().all(|a| a.in_reference));
    }
    #[test]
    fn by_area_counts_every_row_once() {
        use data_schema::rules::Dates;
        let dates = Dates {
            as_of: chrono::NaiveDate::from_ymd_opt(2024, 8, 26).unwrap(),
            election: chrono::NaiveDate::from_ymd_opt(2024, 11, 27).unwrap(),
        };
        let cut = Cutoffs::new(&dates);
        let areas = [9_404_011_001u64, 9_404_011_002, 9_404_022_001, 6_472_011_001];
        let mut x = 5u64;
        let (accepted, first): (Vec<Candidate>, Vec<i32>) = (0..50_000u64)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let area = areas[(x % 4) as usize];
                // Most NIKs issued where the person lives, some elsewhere.
                let kec = if (x >> 8) % 10 == 0 { 9_404_03 } else { area / 10_000 };
                let c = Candidate {
                    nik: kec * 10_000_000_000 + i,
                    area,
                    birth: -7_000 + (x >> 20) as i32 % 21_000,
                    flags: (x >> 40) as u8 & 31,
                    file: 0,
                    offset: i,
                };
                (c, if x % 3 == 0 { i32::MAX } else { 19_000 })
            })
            .unzip();
        let got: BTreeMap<u64, AreaTally> = by_area(&accepted, &first, &dates).into_iter().collect();
        // The same, one row at a time.
        let mut want: BTreeMap<u64, AreaTally> = BTreeMap::new();
        for (c, &f) in accepted.iter().zip(&first) {
            let t = want.entry(c.area).or_default();
            t.rows += 1;
            t.movers += (c.nik / 10_000_000_000 != c.area / 10_000) as u64;
            if let Some(cl) = class_of(c, &cut) {
                let rec = f != i32::MAX;
                t.residents_recorded += rec as u64;
                t.counts.add(&Counts {
                    residents: 1,
                    required: cl.required as u64,
                    required_recorded: (cl.required && rec) as u64,
                    eligible: cl.eligible as u64,
                    eligible_recorded: (cl.eligible && rec) as u64,
                    first_time: cl.first_time as u64,
                    first_time_unrecorded: (cl.first_time && !rec) as u64,
                });
            }
        }
        assert_eq!(got, want);
        assert_eq!(got.values().map(|t| t.rows).sum::<u64>(), 50_000);
        assert!(got.values().all(|t| t.movers > 0 && t.counts.residents < t.rows && t.counts.first_time > 0));
    }
    #[test]
    fn unknown_codes_are_kept_and_flagged() {
        let mut d = BTreeMap::new();
        d.insert(9404999999, Counts { residents: 1, ..Default::default() });
        let r = roll_up(&d);
        let desa = &r[&Level::Desa][0];
        assert_eq!((desa.name.as_str(), desa.in_reference), (UNKNOWN_NAME, false));
        assert!(r[&Level::Kabupaten][0].in_reference);
    }
}
