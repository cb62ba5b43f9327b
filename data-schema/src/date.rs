//! Dates as the contract accepts them: `YYYY-MM-DD`, `DD-MM-YYYY`, `DD/MM/YYYY`.
//!
//! A trailing time part (`2024-02-20 00:00:00`, `2024-02-20T00:00:00`), as
//! spreadsheets and databases add it, is ignored. `YYYY/MM/DD` is accepted too.

use chrono::NaiveDate;

/// Parse a date in one of the contract's formats; `None` when it is not one.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = crate::text::trim(s);
    // A time part can only follow a 10-character date: shorter cells are
    // refused by `parse_exact` whether or not they are cut.
    let s = if s.len() > 10 { cut_time(s) } else { s };
    parse_exact(s)
}

/// `s` without a time part: everything from the first space or `T` at
/// position 8 or later.
fn cut_time(s: &str) -> &str {
    match s.find([' ', 'T']) {
        Some(i) if i >= 8 => &s[..i],
        _ => s,
    }
}

/// A date of exactly 10 characters in one of the contract's formats.
fn parse_exact(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let mut v = 0u32;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + (c - b'0') as u32;
        }
        Some(v)
    };
    let (y, m, d) = if (b[4] == b'-' || b[4] == b'/') && b[7] == b[4] {
        (num(0..4)?, num(5..7)?, num(8..10)?)
    } else if (b[2] == b'-' || b[2] == b'/') && b[5] == b[2] {
        (num(6..10)?, num(3..5)?, num(0..2)?)
    } else {
        return None;
    };
    if y < 1800 {
        return None;
    }
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// Days since 1970-01-01, the compact form the pipeline keeps per person.
pub fn to_days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
}

/// Inverse of [`to_days`].
pub fn from_days(days: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(days as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    fn d(y: i32, m: u32, dd: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, dd)
    }
    #[test]
    fn formats_of_the_contract() {
        assert_eq!(parse_date("2024-11-27"), d(2024, 11, 27));
        assert_eq!(parse_date("27-11-2024"), d(2024, 11, 27));
        assert_eq!(parse_date("27/11/2024"), d(2024, 11, 27));
        assert_eq!(parse_date(" 2024/11/27 "), d(2024, 11, 27));
        assert_eq!(parse_date("2024-11-27 00:00:00"), d(2024, 11, 27));
        assert_eq!(parse_date("2024-11-27T08:00:00"), d(2024, 11, 27));
    }
    #[test]
    fn rejects_impossible_and_odd() {
        assert_eq!(parse_date("31-02-2020"), None);
        assert_eq!(parse_date("2020-13-01"), None);
        assert_eq!(parse_date(""), None);
        assert_eq!(parse_date("00-00-0000"), None);
        assert_eq!(parse_date("2020-1-1"), None);
        assert_eq!(parse_date("27-11/2024"), None);
        assert_eq!(parse_date("abcd-ef-gh"), None);
        assert_eq!(parse_date("1-1-2020"), None);
    }
    #[test]
    fn a_time_part_is_cut_at_any_length_past_the_date() {
        assert_eq!(parse_date("2024-11-27T"), d(2024, 11, 27));
        assert_eq!(parse_date("27/11/2024 0"), d(2024, 11, 27));
        assert_eq!(parse_date("2024-11-2 T"), None);
    }
    /// The parser as it was before its fast paths (trim, time part).
    fn reference(s: &str) -> Option<NaiveDate> {
        parse_exact(cut_time(s.trim()))
    }
    proptest::proptest! {
        #[test]
        fn fast_paths_change_nothing(s in "[ \\t\u{a0}\u{3000}]{0,2}([0-9T/ -]{6,12}|[0-9]{4}-[01][0-9]-[0-3][0-9][ T:0-9]{0,9}|[0-3][0-9]/[01][0-9]/[0-9]{4})[ \\t\u{a0}\u{3000}]{0,2}") {
            proptest::prop_assert_eq!(parse_date(&s), reference(&s));
        }
    }
    #[test]
    fn leap_days() {
        assert_eq!(parse_date("29-02-2008"), d(2008, 2, 29));
        assert_eq!(parse_date("29-02-2007"), None);
    }
    #[test]
    fn days_round_trip() {
        let x = d(2024, 2, 29).unwrap();
        assert_eq!(from_days(to_days(x)), x);
        assert_eq!(to_days(d(1970, 1, 1).unwrap()), 0);
    }
}
