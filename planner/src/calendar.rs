//! Working days: which weekdays the mobile units work, and the days between
//! the start of the drive and the day before polling day.

use chrono::{Datelike, NaiveDate, Weekday};

/// A set of weekdays (Monday = bit 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workdays(u8);

const NAMES: [(&str, &str, &str); 7] = [
    ("mon", "sen", "monday"),
    ("tue", "sel", "tuesday"),
    ("wed", "rab", "wednesday"),
    ("thu", "kam", "thursday"),
    ("fri", "jum", "friday"),
    ("sat", "sab", "saturday"),
    ("sun", "min", "sunday"),
];

fn day_index(s: &str) -> Option<u8> {
    let t = s.trim().to_ascii_lowercase();
    let extra = [("senin", 0), ("selasa", 1), ("rabu", 2), ("kamis", 3), ("jumat", 4), ("sabtu", 5), ("minggu", 6)];
    NAMES
        .iter()
        .position(|(a, b, c)| t == *a || t == *b || t == *c)
        .map(|i| i as u8)
        .or_else(|| extra.iter().find(|(n, _)| *n == t).map(|(_, i)| *i))
}

impl Workdays {
    /// Monday to Saturday, the default.
    pub const MON_SAT: Workdays = Workdays(0b0011_1111);

    /// `mon-sat`, `mon-fri`, `mon,tue,thu`, `sen-jum` (Indonesian short names work too).
    pub fn parse(s: &str) -> Result<Workdays, String> {
        let mut bits = 0u8;
        for part in s.split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let bad = || format!("unknown weekday in {s:?}: use mon,tue,wed,thu,fri,sat,sun or a range like mon-fri");
            if let Some((a, b)) = part.split_once('-') {
                let (a, b) = (day_index(a).ok_or_else(bad)?, day_index(b).ok_or_else(bad)?);
                let mut i = a;
                loop {
                    bits |= 1 << i;
                    if i == b {
                        break;
                    }
                    i = (i + 1) % 7;
                }
            } else {
                bits |= 1 << day_index(part).ok_or_else(bad)?;
            }
        }
        if bits == 0 {
            return Err(format!("no working days in {s:?}"));
        }
        Ok(Workdays(bits))
    }

    pub fn contains(self, d: Weekday) -> bool {
        self.0 & (1 << d.num_days_from_monday()) != 0
    }

    /// Short names, e.g. `mon,tue,wed,thu,fri,sat`.
    pub fn names(self) -> String {
        NAMES.iter().enumerate().filter(|(i, _)| self.0 & (1 << i) != 0).map(|(_, n)| n.0).collect::<Vec<_>>().join(",")
    }
}

/// Working days from `start` to `last` inclusive (empty when start > last).
pub fn working_days(start: NaiveDate, last: NaiveDate, w: Workdays) -> Vec<NaiveDate> {
    start.iter_days().take_while(|d| *d <= last).filter(|d| w.contains(d.weekday())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }
    #[test]
    fn parse_ranges_and_lists() {
        assert_eq!(Workdays::parse("mon-sat").unwrap(), Workdays::MON_SAT);
        assert_eq!(Workdays::parse("mon-fri").unwrap().names(), "mon,tue,wed,thu,fri");
        assert_eq!(Workdays::parse("mon,wed, Fri").unwrap().names(), "mon,wed,fri");
        assert_eq!(Workdays::parse("sen-jum").unwrap(), Workdays::parse("mon-fri").unwrap());
        assert_eq!(Workdays::parse("sat-mon").unwrap().names(), "mon,sat,sun");
        assert!(Workdays::parse("mon-xyz").is_err());
        assert!(Workdays::parse("").is_err());
    }
    #[test]
    fn counts_days() {
        // 2024-08-26 is a Monday; two full weeks Mon-Sat = 12 days
        let v = working_days(d(2024, 8, 26), d(2024, 9, 8), Workdays::MON_SAT);
        assert_eq!(v.len(), 12);
        assert!(v.iter().all(|x| x.weekday() != Weekday::Sun));
        assert_eq!(working_days(d(2024, 8, 26), d(2024, 9, 8), Workdays::parse("mon-fri").unwrap()).len(), 10);
        assert!(working_days(d(2024, 9, 9), d(2024, 9, 8), Workdays::MON_SAT).is_empty());
    }
}
