//! The Kemendagri region list (Kepmendagri 300.2.2-2138/2025), embedded at
//! build time from `data-schema/data/wilayah.csv` (MIT, cahyadsn/wilayah; see
//! `data-schema/data/NOTICE.md`), and the kab/kota population totals.

use crate::area::{AreaKey, Level};
use std::collections::HashMap;
use std::sync::OnceLock;

const WILAYAH: &str = include_str!("../data/wilayah.csv");
const PENDUDUK: &str = include_str!("../data/wilayah_penduduk.csv");

/// Names of all areas in the reference list, by level and code.
pub struct Regions {
    names: HashMap<AreaKey, &'static str>,
}

/// Split one line of the reference CSV into its fields (names may be quoted).
fn fields(line: &'static str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        if let Some(r) = rest.strip_prefix('"') {
            let end = r.find('"').unwrap_or(r.len());
            out.push(&r[..end]);
            rest = r.get(end + 1..).unwrap_or("");
            rest = rest.strip_prefix(',').unwrap_or(rest);
            if rest.is_empty() {
                break;
            }
        } else {
            match rest.find(',') {
                Some(i) => {
                    out.push(&rest[..i]);
                    rest = &rest[i + 1..];
                }
                None => {
                    out.push(rest);
                    break;
                }
            }
        }
    }
    out
}

impl Regions {
    /// The embedded list, parsed once per process.
    pub fn get() -> &'static Regions {
        static R: OnceLock<Regions> = OnceLock::new();
        R.get_or_init(|| {
            let mut names = HashMap::with_capacity(92_000);
            for line in WILAYAH.lines().skip(1) {
                let f = fields(line.trim_end_matches('\r'));
                if f.len() < 2 {
                    continue;
                }
                if let Some(k) = AreaKey::parse(f[0]) {
                    names.insert(k, f[1]);
                }
            }
            Regions { names }
        })
    }

    pub fn name(&self, key: AreaKey) -> Option<&'static str> {
        self.names.get(&key).copied()
    }

    pub fn contains(&self, key: AreaKey) -> bool {
        self.names.contains_key(&key)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// All areas of `level` inside `parent` (or all of the level when `None`), sorted.
    pub fn children(&self, level: Level, parent: Option<AreaKey>) -> Vec<(AreaKey, &'static str)> {
        let mut v: Vec<_> = self
            .names
            .iter()
            .filter(|(k, _)| k.level == level)
            .filter(|(k, _)| match parent {
                None => true,
                Some(p) => {
                    let mut a = **k;
                    while a.level > p.level {
                        a = a.parent().unwrap();
                    }
                    a == p
                }
            })
            .map(|(k, n)| (*k, *n))
            .collect();
        v.sort();
        v
    }
}

/// Official kab/kota (and provinsi) population totals, December 2024.
pub fn official_population() -> &'static HashMap<AreaKey, u64> {
    static P: OnceLock<HashMap<AreaKey, u64>> = OnceLock::new();
    P.get_or_init(|| {
        let mut m = HashMap::new();
        for line in PENDUDUK.lines().skip(1) {
            let f = fields(line.trim_end_matches('\r'));
            if f.len() < 5 {
                continue;
            }
            if let (Some(k), Ok(t)) = (AreaKey::parse(f[0]), f[4].trim().parse::<u64>()) {
                m.insert(k, t);
            }
        }
        m
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn counts_of_the_list() {
        let r = Regions::get();
        assert_eq!(r.len(), 91_599);
        assert_eq!(r.children(Level::Provinsi, None).len(), 38);
        assert_eq!(r.children(Level::Kabupaten, None).len(), 514);
        assert_eq!(r.children(Level::Kecamatan, None).len(), 7_285);
        assert_eq!(r.children(Level::Desa, None).len(), 83_762);
    }
    #[test]
    fn mimika() {
        let r = Regions::get();
        let mimika = AreaKey::parse("94.04").unwrap();
        assert_eq!(r.name(mimika), Some("Kabupaten Mimika"));
        assert_eq!(r.children(Level::Kecamatan, Some(mimika)).len(), 18);
        assert_eq!(r.name(AreaKey::parse("94.04.01").unwrap()), Some("Mimika Baru"));
        assert_eq!(r.name(AreaKey::parse("12.07.28.1007").unwrap()), Some("Lubuk Pakam I,II"));
    }
    #[test]
    fn population_totals() {
        let p = official_population();
        assert!(p[&AreaKey::parse("94.04").unwrap()] > 100_000);
    }
}
