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

/// Counts per desa code, from accepted rows and their recording status.
pub fn by_desa(accepted: &[Candidate], first_counting: &[i32], dates: &Dates) -> BTreeMap<u64, Counts> {
    let cut = Cutoffs::new(dates);
    accepted
        .par_iter()
        .zip(first_counting.par_iter())
        .fold(ahash::AHashMap::<u64, Counts>::new, |mut m, (c, &fc)| {
            if let Some(cl) = class_of(c, &cut) {
                let rec = fc != i32::MAX;
                let e = m.entry(c.area).or_default();
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
        .reduce(ahash::AHashMap::new, |mut a, b| {
            for (k, v) in b {
                a.entry(k).or_default().add(&v);
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
    fn unknown_codes_are_kept_and_flagged() {
        let mut d = BTreeMap::new();
        d.insert(9404999999, Counts { residents: 1, ..Default::default() });
        let r = roll_up(&d);
        let desa = &r[&Level::Desa][0];
        assert_eq!((desa.name.as_str(), desa.in_reference), (UNKNOWN_NAME, false));
        assert!(r[&Level::Kabupaten][0].in_reference);
    }
}
