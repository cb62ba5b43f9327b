//! Number, percentage and date formatting, and small-cell suppression.
//!
//! Indonesian: `1.234`, `95,3%`, `27 November 2024`; English: `1,234`, `95.3%`.

use crate::Lang;
use chrono::{Datelike, NaiveDate};

const BULAN: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];
const MONTH: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const BLN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
];
const MON: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Formats numbers and dates for one language and applies suppression.
#[derive(Debug, Clone)]
pub struct Fmt {
    pub lang: Lang,
    pub suppress_below: Option<u64>,
}

impl Fmt {
    pub fn new(lang: Lang, suppress_below: Option<u64>) -> Self {
        Fmt {
            lang,
            suppress_below,
        }
    }

    fn seps(&self) -> (char, char) {
        match self.lang {
            Lang::Id => ('.', ','),
            Lang::En => (',', '.'),
        }
    }

    /// An integer with thousands separators, never suppressed.
    pub fn int(&self, n: u64) -> String {
        let (th, _) = self.seps();
        let s = n.to_string();
        let mut out = String::with_capacity(s.len() + s.len() / 3);
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(th);
            }
            out.push(c);
        }
        out
    }

    /// A signed integer with thousands separators.
    pub fn signed(&self, n: i64) -> String {
        if n < 0 {
            format!("−{}", self.int(n.unsigned_abs()))
        } else {
            self.int(n as u64)
        }
    }

    /// A decimal number with `dp` decimals.
    pub fn dec(&self, x: f64, dp: usize) -> String {
        let (_, dec) = self.seps();
        let s = format!("{:.*}", dp, x.abs());
        let (ip, fp) = s.split_once('.').unwrap_or((&s, ""));
        let mut out = String::new();
        if x < 0.0 && s.chars().any(|c| c != '0' && c != '.') {
            out.push('−');
        }
        out.push_str(&self.int(ip.parse().unwrap_or(0)));
        if !fp.is_empty() {
            out.push(dec);
            out.push_str(fp);
        }
        out
    }

    /// A percentage with one decimal: `95,3%`.
    pub fn pct(&self, p: f64) -> String {
        format!("{}%", self.dec(p, 1))
    }

    /// A percentage without a trailing zero decimal: `95%`, `95,5%`.
    pub fn pct_short(&self, p: f64) -> String {
        if (p - p.round()).abs() < 1e-9 {
            format!("{}%", p.round() as i64)
        } else {
            self.pct(p)
        }
    }

    /// Whether a count is a small cell that must not be shown.
    pub fn is_suppressed(&self, n: u64) -> bool {
        matches!(self.suppress_below, Some(k) if n < k)
    }

    /// A count of people: `<N` when suppressed.
    pub fn count(&self, n: u64) -> String {
        match self.suppress_below {
            Some(k) if n < k => format!("<{}", self.int(k)),
            _ => self.int(n),
        }
    }

    /// The percentage `num / den`, unless numerator or denominator is suppressed
    /// (the percentage would reveal the small count) or the denominator is 0.
    pub fn share(&self, num: u64, den: u64) -> Option<f64> {
        if den == 0 || self.is_suppressed(num) || self.is_suppressed(den) {
            None
        } else {
            Some(100.0 * num as f64 / den as f64)
        }
    }

    /// `n dari N` / `n of N`.
    pub fn n_of(&self, n: u64, total: u64) -> String {
        format!(
            "{} {} {}",
            self.count(n),
            self.lang.t("dari", "of"),
            self.count(total)
        )
    }

    /// `27 November 2024`.
    pub fn date(&self, d: NaiveDate) -> String {
        let m = (d.month() - 1) as usize;
        let name = match self.lang {
            Lang::Id => BULAN[m],
            Lang::En => MONTH[m],
        };
        format!("{} {} {}", d.day(), name, d.year())
    }

    /// `27 Nov 2024`.
    pub fn date_short(&self, d: NaiveDate) -> String {
        format!("{} {}", d.day(), self.month_year(d))
    }

    /// `Nov 2024`.
    pub fn month_year(&self, d: NaiveDate) -> String {
        format!("{} {}", self.month_short(d), d.year())
    }

    pub fn month_short(&self, d: NaiveDate) -> &'static str {
        let m = (d.month() - 1) as usize;
        match self.lang {
            Lang::Id => BLN[m],
            Lang::En => MON[m],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_numbers() {
        let f = Fmt::new(Lang::Id, None);
        assert_eq!(f.int(0), "0");
        assert_eq!(f.int(999), "999");
        assert_eq!(f.int(1234), "1.234");
        assert_eq!(f.int(1234567), "1.234.567");
        assert_eq!(f.pct(95.34), "95,3%");
        assert_eq!(f.pct(100.0), "100,0%");
        assert_eq!(f.dec(1234.5, 1), "1.234,5");
        assert_eq!(f.signed(-1234), "−1.234");
    }

    #[test]
    fn english_numbers() {
        let f = Fmt::new(Lang::En, None);
        assert_eq!(f.int(1234567), "1,234,567");
        assert_eq!(f.pct(95.34), "95.3%");
        assert_eq!(f.n_of(12, 1500), "12 of 1,500");
    }

    #[test]
    fn suppression() {
        let f = Fmt::new(Lang::Id, Some(10));
        assert_eq!(f.count(9), "<10");
        assert_eq!(f.count(10), "10");
        assert_eq!(f.n_of(3, 45), "<10 dari 45");
        assert_eq!(f.share(3, 45), None);
        assert_eq!(f.share(30, 5), None);
        assert!(f.share(30, 45).is_some());
        assert_eq!(Fmt::new(Lang::Id, None).share(3, 0), None);
    }

    #[test]
    fn dates() {
        let d = NaiveDate::from_ymd_opt(2024, 8, 26).unwrap();
        assert_eq!(Fmt::new(Lang::Id, None).date(d), "26 Agustus 2024");
        assert_eq!(Fmt::new(Lang::En, None).date(d), "26 August 2024");
        assert_eq!(Fmt::new(Lang::Id, None).date_short(d), "26 Agu 2024");
    }
}
