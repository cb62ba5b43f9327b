//! Calendar arithmetic of the generator's own, kept apart from `data_schema` so
//! that the expected counts are computed independently of the pipeline's code.
//!
//! Dates are `i32` days since 1970-01-01 (proleptic Gregorian).

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y as i64 - 1 } else { y as i64 };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) as i32
}

/// Civil date `(year, month, day)` of a day number.
pub fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z as i64 + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

pub fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Month and day of the anniversary of a birth in year `y`: Feb 29 births
/// have theirs on Feb 28 in non-leap years.
fn anniversary(bm: u32, bd: u32, y: i32) -> (u32, u32) {
    if bm == 2 && bd == 29 && !is_leap(y) {
        (2, 28)
    } else {
        (bm, bd)
    }
}

/// The day a person born on `b` reaches age `n`.
pub fn birthday(b: i32, n: i32) -> i32 {
    let (y, m, d) = civil_from_days(b);
    let (am, ad) = anniversary(m, d, y + n);
    days_from_civil(y + n, am, ad)
}

/// Full years completed on day `d` by a person born on day `b`.
pub fn age_at(b: i32, d: i32) -> i32 {
    let (by, bm, bd) = civil_from_days(b);
    let (dy, dm, dd) = civil_from_days(d);
    let mut a = dy - by;
    if (dm, dd) < anniversary(bm, bd, dy) {
        a -= 1;
    }
    a
}

/// Append `DD-MM-YYYY`.
pub fn push_dmy(buf: &mut Vec<u8>, days: i32) {
    let (y, m, d) = civil_from_days(days);
    push2(buf, d);
    buf.push(b'-');
    push2(buf, m);
    buf.push(b'-');
    push4(buf, y as u32);
}

/// Append `YYYY-MM-DD`.
pub fn push_ymd(buf: &mut Vec<u8>, days: i32) {
    let (y, m, d) = civil_from_days(days);
    push4(buf, y as u32);
    buf.push(b'-');
    push2(buf, m);
    buf.push(b'-');
    push2(buf, d);
}

pub fn push2(buf: &mut Vec<u8>, v: u32) {
    buf.extend_from_slice(&[b'0' + (v / 10 % 10) as u8, b'0' + (v % 10) as u8]);
}

pub fn push4(buf: &mut Vec<u8>, v: u32) {
    buf.extend_from_slice(&[
        b'0' + (v / 1000 % 10) as u8,
        b'0' + (v / 100 % 10) as u8,
        b'0' + (v / 10 % 10) as u8,
        b'0' + (v % 10) as u8,
    ]);
}

/// Append a number without leading zeros.
pub fn push_num(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Append a number zero-padded to `width` digits.
pub fn push_pad(buf: &mut Vec<u8>, v: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    let mut v = v;
    for i in (20 - width..20).rev() {
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    buf.extend_from_slice(&tmp[20 - width..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    fn d(y: i32, m: u32, dd: u32) -> i32 {
        days_from_civil(y, m, dd)
    }
    #[test]
    fn round_trip() {
        assert_eq!(d(1970, 1, 1), 0);
        assert_eq!(d(2000, 3, 1), 11_017);
        for z in -40_000..40_000 {
            let (y, m, dd) = civil_from_days(z);
            assert_eq!(d(y, m, dd), z);
        }
    }
    #[test]
    fn ages() {
        assert_eq!(age_at(d(2007, 8, 26), d(2024, 8, 26)), 17);
        assert_eq!(age_at(d(2007, 8, 27), d(2024, 8, 26)), 16);
        assert_eq!(age_at(d(2007, 11, 27), d(2024, 11, 27)), 17);
        // Feb 29 births reach an age on Feb 28 in non-leap years.
        assert_eq!(age_at(d(2008, 2, 29), d(2025, 2, 27)), 16);
        assert_eq!(age_at(d(2008, 2, 29), d(2025, 2, 28)), 17);
        assert_eq!(age_at(d(2008, 2, 29), d(2024, 2, 28)), 15);
        assert_eq!(age_at(d(2008, 2, 29), d(2024, 2, 29)), 16);
        assert_eq!(birthday(d(2008, 2, 29), 17), d(2025, 2, 28));
        assert_eq!(birthday(d(2008, 2, 29), 16), d(2024, 2, 29));
    }
    #[test]
    fn formats() {
        let mut b = Vec::new();
        push_dmy(&mut b, d(2024, 8, 6));
        b.push(b' ');
        push_ymd(&mut b, d(1935, 12, 31));
        b.push(b' ');
        push_num(&mut b, 4);
        b.push(b' ');
        push_pad(&mut b, 12, 3);
        assert_eq!(String::from_utf8(b).unwrap(), "06-08-2024 1935-12-31 4 012");
    }
}
