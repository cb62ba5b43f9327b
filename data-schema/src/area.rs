//! Domicile area codes (Kemendagri `PP.KK.CC.DDDD`), kept compactly as one
//! decimal number `PPKKCCDDDD` in a `u64`.

use std::fmt;

/// Administrative level of an area code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    Provinsi,
    Kabupaten,
    Kecamatan,
    Desa,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Provinsi, Level::Kabupaten, Level::Kecamatan, Level::Desa];

    /// Machine name used in output file names (`coverage_<name>`).
    pub fn name(self) -> &'static str {
        match self {
            Level::Provinsi => "provinsi",
            Level::Kabupaten => "kabupaten",
            Level::Kecamatan => "kecamatan",
            Level::Desa => "desa",
        }
    }

    fn divisor(self) -> u64 {
        match self {
            Level::Provinsi => 100_000_000,
            Level::Kabupaten => 1_000_000,
            Level::Kecamatan => 10_000,
            Level::Desa => 1,
        }
    }

    /// Number of dot-separated parts in this level's code.
    pub fn parts(self) -> usize {
        self as usize + 1
    }
}

/// A full desa/kelurahan code, `PPKKCCDDDD` as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AreaCode(pub u64);

/// The prefix of an [`AreaCode`] at one level, e.g. kecamatan `940401`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AreaKey {
    pub level: Level,
    pub code: u64,
}

fn small_int(s: &str, max: u32) -> Option<u32> {
    let t = crate::text::trim(s);
    if t.is_empty() || t.len() > 6 || !t.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // At most 6 digits: no overflow (and no `str::parse`, which the hot
    // path of every population row calls four times).
    let v = t.bytes().fold(0u32, |v, c| v * 10 + (c - b'0') as u32);
    (1..=max).contains(&v).then_some(v)
}

/// Largest value of each domicile part: NO_PROP, NO_KAB, NO_KEC, NO_KEL.
pub const PART_MAX: [u32; 4] = [99, 99, 99, 9999];

/// One domicile part (`i`: 0 NO_PROP .. 3 NO_KEL) as [`AreaCode::from_parts`]
/// reads it: a whole number from 1 to [`PART_MAX`]`[i]`, leading zeros optional.
pub fn part(s: &str, i: usize) -> Option<u32> {
    small_int(s, PART_MAX[i])
}

impl AreaCode {
    /// From `NO_PROP`, `NO_KAB`, `NO_KEC`, `NO_KEL`; leading zeros may be missing.
    pub fn from_parts(prop: &str, kab: &str, kec: &str, kel: &str) -> Option<AreaCode> {
        Some(Self::from_numbers([part(prop, 0)?, part(kab, 1)?, part(kec, 2)?, part(kel, 3)?]))
    }

    /// From the four parts as read by [`part`].
    #[inline]
    pub fn from_numbers([p, k, c, d]: [u32; 4]) -> AreaCode {
        AreaCode(((p as u64 * 100 + k as u64) * 100 + c as u64) * 10_000 + d as u64)
    }

    /// From `KODE_WILAYAH`: `PP.KK.CC.DDDD` (zeros may be missing) or 10 digits.
    pub fn from_kode(s: &str) -> Option<AreaCode> {
        let t = crate::text::trim(s);
        if t.len() == 10 && t.bytes().all(|c| c.is_ascii_digit()) {
            return Self::from_parts(&t[0..2], &t[2..4], &t[4..6], &t[6..10]);
        }
        let mut it = t.split('.');
        let (a, b, c, d) = (it.next()?, it.next()?, it.next()?, it.next()?);
        if it.next().is_some() {
            return None;
        }
        Self::from_parts(a, b, c, d)
    }

    pub fn key(self, level: Level) -> AreaKey {
        AreaKey { level, code: self.0 / level.divisor() }
    }
}

impl AreaKey {
    /// Parse `PP`, `PP.KK`, `PP.KK.CC` or `PP.KK.CC.DDDD` (exact digits).
    pub fn parse(s: &str) -> Option<AreaKey> {
        let parts: Vec<&str> = s.trim().split('.').collect();
        let widths = [2usize, 2, 2, 4];
        if parts.is_empty() || parts.len() > 4 {
            return None;
        }
        let mut code = 0u64;
        for (p, w) in parts.iter().zip(widths) {
            if p.len() != w || !p.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            code = code * 10u64.pow(w as u32) + p.parse::<u64>().ok()?;
        }
        Some(AreaKey { level: Level::ALL[parts.len() - 1], code })
    }

    /// The enclosing area one level up, if any.
    pub fn parent(self) -> Option<AreaKey> {
        let (level, div) = match self.level {
            Level::Provinsi => return None,
            Level::Kabupaten => (Level::Provinsi, 100),
            Level::Kecamatan => (Level::Kabupaten, 100),
            Level::Desa => (Level::Kecamatan, 10_000),
        };
        Some(AreaKey { level, code: self.code / div })
    }
}

impl fmt::Display for AreaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.code;
        match self.level {
            Level::Provinsi => write!(f, "{:02}", c),
            Level::Kabupaten => write!(f, "{:02}.{:02}", c / 100, c % 100),
            Level::Kecamatan => write!(f, "{:02}.{:02}.{:02}", c / 10_000, c / 100 % 100, c % 100),
            Level::Desa => write!(
                f,
                "{:02}.{:02}.{:02}.{:04}",
                c / 100_000_000,
                c / 1_000_000 % 100,
                c / 10_000 % 100,
                c % 10_000
            ),
        }
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.key(Level::Desa).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The hand-rolled digit fold reads what `str::parse` reads.
        #[test]
        fn small_int_reads_what_str_parse_reads(s in "[ 0-9+\\-a\u{a0}]{0,8}", max in prop_oneof![Just(99u32), Just(9999u32)]) {
            let t = s.trim();
            let reference = if t.is_empty() || t.len() > 6 || !t.bytes().all(|c| c.is_ascii_digit()) {
                None
            } else {
                t.parse::<u32>().ok().filter(|v| (1..=max).contains(v))
            };
            prop_assert_eq!(small_int(&s, max), reference);
        }
    }

    #[test]
    fn parts_without_leading_zeros() {
        let a = AreaCode::from_parts("94", "4", "14", "2005").unwrap();
        assert_eq!(a.to_string(), "94.04.14.2005");
        assert_eq!(a.key(Level::Kecamatan).to_string(), "94.04.14");
        assert_eq!(a.key(Level::Kabupaten).to_string(), "94.04");
        assert_eq!(a.key(Level::Provinsi).to_string(), "94");
        assert_eq!(AreaCode::from_parts("64", "72", "3", "1").unwrap().to_string(), "64.72.03.0001");
    }
    #[test]
    fn kode_wilayah() {
        assert_eq!(AreaCode::from_kode("94.04.14.2005"), AreaCode::from_parts("94", "4", "14", "2005"));
        assert_eq!(AreaCode::from_kode("9404142005"), AreaCode::from_parts("94", "4", "14", "2005"));
        assert_eq!(AreaCode::from_kode("94.4.14.2005").unwrap().to_string(), "94.04.14.2005");
        assert_eq!(AreaCode::from_kode("94.04.14"), None);
        assert_eq!(AreaCode::from_kode("94.04.14.2005.1"), None);
        assert_eq!(AreaCode::from_kode(""), None);
    }
    #[test]
    fn malformed_parts() {
        assert_eq!(AreaCode::from_parts("", "4", "14", "2005"), None);
        assert_eq!(AreaCode::from_parts("94", "0", "14", "2005"), None);
        assert_eq!(AreaCode::from_parts("94", "4", "1a", "2005"), None);
        assert_eq!(AreaCode::from_parts("940", "4", "14", "2005"), None);
        assert_eq!(AreaCode::from_parts("94", "4", "14", "20050"), None);
        assert_eq!(AreaCode::from_parts("94", "-4", "14", "2005"), None);
    }
    #[test]
    fn keys_parse_and_parent() {
        let k = AreaKey::parse("94.04.14.2005").unwrap();
        assert_eq!(k.level, Level::Desa);
        assert_eq!(k.parent().unwrap().to_string(), "94.04.14");
        assert_eq!(k.parent().unwrap().parent().unwrap().parent().unwrap().to_string(), "94");
        assert_eq!(AreaKey::parse("94").unwrap().parent(), None);
        assert_eq!(AreaKey::parse("94.4"), None);
    }
}
