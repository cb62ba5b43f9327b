//! NIK (Nomor Induk Kependudukan): 16 digits `PPKKCC DDMMYY SSSS`.
//!
//! `PPKKCC` is the kecamatan where the NIK was first issued (not necessarily the
//! domicile), `DD` the birth day (+40 for women), `MM` the month, `YY` the year
//! mod 100, `SSSS` a serial.

use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum NikError {
    /// Spreadsheet damage such as `3.17401E+15`.
    #[error("NIK in scientific notation (spreadsheet damage)")]
    Scientific,
    /// Not 16 digits after trimming, or an impossible date part.
    #[error("NIK is not 16 digits with a valid date part")]
    Format,
}

/// True for values like `3.17401E+15`, `9,40408E+15` or `3E15`.
pub fn looks_scientific(s: &str) -> bool {
    let b = s.trim().as_bytes();
    let Some(e) = b.iter().position(|&c| c == b'e' || c == b'E') else {
        return false;
    };
    let (mant, exp) = (&b[..e], &b[e + 1..]);
    let exp = exp.strip_prefix(b"+").unwrap_or(exp);
    if mant.is_empty() || exp.is_empty() || !exp.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut seen_sep = false;
    for (i, &c) in mant.iter().enumerate() {
        if c.is_ascii_digit() {
            continue;
        }
        if (c == b'.' || c == b',') && !seen_sep && i > 0 {
            seen_sep = true;
            continue;
        }
        return false;
    }
    true
}

/// Parse an NIK as the contract says: trim, exactly 16 ASCII digits, day part
/// 01–31 or 41–71, month part 01–12.
pub fn parse_nik(s: &str) -> Result<u64, NikError> {
    // The usual cell, 16 digits and nothing else, read 8 digits at a time.
    if let Ok(b) = <&[u8; 16]>::try_from(s.as_bytes()) {
        let word = |k: usize| u64::from_le_bytes(b[k..k + 8].try_into().expect("8 bytes"));
        let (hi, lo) = (word(0), word(8));
        if eight_digits(hi) && eight_digits(lo) {
            return with_valid_date_part(eight_digits_value(hi) * 100_000_000 + eight_digits_value(lo));
        }
    }
    let t = crate::text::trim(s);
    let b = t.as_bytes();
    if b.len() != 16 || !b.iter().all(u8::is_ascii_digit) {
        return Err(if looks_scientific(t) {
            NikError::Scientific
        } else {
            NikError::Format
        });
    }
    with_valid_date_part(b.iter().fold(0u64, |v, &c| v * 10 + (c - b'0') as u64))
}

/// The NIK `v` if its date part is possible (day 01–31 or 41–71, month 01–12).
fn with_valid_date_part(v: u64) -> Result<u64, NikError> {
    let (day, month) = ((v / 100_000_000) % 100, (v / 1_000_000) % 100);
    let day_ok = (1..=31).contains(&day) || (41..=71).contains(&day);
    if day_ok && (1..=12).contains(&month) {
        Ok(v)
    } else {
        Err(NikError::Format)
    }
}

/// Whether all 8 bytes of `x` are ASCII digits: each byte's high nibble is
/// 3, and adding 6 does not carry into it (no byte exceeds 0x3F once the
/// first test has passed, so no carry crosses bytes).
fn eight_digits(x: u64) -> bool {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const THREES: u64 = 0x3030_3030_3030_3030;
    x & HIGH == THREES && x.wrapping_add(0x0606_0606_0606_0606) & HIGH == THREES
}

/// The number written by 8 ASCII digits loaded little-endian (the first
/// digit in the lowest byte): pairs, then fours, then the eight, by
/// multiplication (as Rust's own float parser reads digits).
fn eight_digits_value(x: u64) -> u64 {
    const MASK: u64 = 0x0000_00FF_0000_00FF;
    const MUL1: u64 = 0x000F_4240_0000_0064; // 100 + (1_000_000 << 32)
    const MUL2: u64 = 0x0000_2710_0000_0001; // 1 + (10_000 << 32)
    let v = x - 0x3030_3030_3030_3030;
    let v = v * 10 + (v >> 8);
    let v1 = (v & MASK).wrapping_mul(MUL1);
    let v2 = ((v >> 16) & MASK).wrapping_mul(MUL2);
    (v1.wrapping_add(v2) >> 32) as u32 as u64
}

/// The date and sex encoded in a (valid) NIK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NikParts {
    pub issue_kecamatan: u32,
    pub day: u32,
    pub month: u32,
    pub year2: u32,
    pub female: bool,
}

pub fn nik_parts(nik: u64) -> NikParts {
    let day_raw = ((nik / 100_000_000) % 100) as u32;
    NikParts {
        issue_kecamatan: (nik / 10_000_000_000) as u32,
        day: if day_raw > 40 { day_raw - 40 } else { day_raw },
        month: ((nik / 1_000_000) % 100) as u32,
        year2: ((nik / 10_000) % 100) as u32,
        female: day_raw > 40,
    }
}

/// Text form, always 16 digits.
pub fn format_nik(nik: u64) -> String {
    format!("{nik:016}")
}

/// Masked form for outputs that leave the office, as the worklist issue
/// writes it: the issuing kecamatan, eight stars, the serial: `940401********0001`.
pub fn mask_nik(nik: u64) -> String {
    let s = format_nik(nik);
    format!("{}********{}", &s[..6], &s[12..])
}

/// The NIK's date as `DD-MM-YY` text, used in hints for bad birth dates.
pub fn nik_date_hint(nik: u64) -> String {
    let p = nik_parts(nik);
    format!("{:02}-{:02}-..{:02}", p.day, p.month, p.year2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    #[test]
    fn valid_niks() {
        assert_eq!(parse_nik("9404141908210001"), Ok(9404141908210001));
        assert_eq!(parse_nik(" 9404136107150001 "), Ok(9404136107150001));
        // female: day + 40
        assert_eq!(parse_nik("9404137107150001"), Ok(9404137107150001));
    }
    #[test]
    fn scientific() {
        assert_eq!(parse_nik("9.40408E+15"), Err(NikError::Scientific));
        assert_eq!(parse_nik("3.17401e15"), Err(NikError::Scientific));
        assert_eq!(parse_nik("9,40408E+15"), Err(NikError::Scientific));
        assert!(!looks_scientific("E+15"));
        assert!(!looks_scientific("94040E"));
    }
    #[test]
    fn format_errors() {
        assert_eq!(parse_nik("647209010220000"), Err(NikError::Format)); // 15
        assert_eq!(parse_nik("64720901022000011"), Err(NikError::Format)); // 17
        assert_eq!(parse_nik(""), Err(NikError::Format));
        assert_eq!(parse_nik("94041419082100a1"), Err(NikError::Format));
        assert_eq!(parse_nik("9404143208210001"), Err(NikError::Format)); // day 32
        assert_eq!(parse_nik("9404144008210001"), Err(NikError::Format)); // day 40
        assert_eq!(parse_nik("9404147208210001"), Err(NikError::Format)); // day 72
        assert_eq!(parse_nik("9404140013210001"), Err(NikError::Format)); // day 00
        assert_eq!(parse_nik("9404141913210001"), Err(NikError::Format)); // month 13
        assert_eq!(parse_nik("9404141900210001"), Err(NikError::Format)); // month 00
        assert_eq!(parse_nik("9404147112210001"), Ok(9404147112210001)); // day 71 ok
    }
    fn two(b: &[u8], i: usize) -> u32 {
        ((b[i] - b'0') * 10 + (b[i + 1] - b'0')) as u32
    }

    /// The contract's rule as first written: trim, 16 ASCII digits read one
    /// by one, the date part checked from the text.
    fn reference(s: &str) -> Result<u64, NikError> {
        let t = s.trim();
        let b = t.as_bytes();
        if b.len() != 16 || !b.iter().all(u8::is_ascii_digit) {
            return Err(if looks_scientific(t) { NikError::Scientific } else { NikError::Format });
        }
        let v = t.parse::<u64>().expect("16 digits");
        let (day, month) = (two(b, 6), two(b, 8));
        let day_ok = (1..=31).contains(&day) || (41..=71).contains(&day);
        if !day_ok || !(1..=12).contains(&month) {
            return Err(NikError::Format);
        }
        Ok(v)
    }

    proptest! {
        /// The 8-digits-at-a-time path reads what the byte loop reads, for
        /// 16-digit cells, cells one byte off (every byte value, including
        /// the neighbours of '0' and '9'), and padded or short cells.
        #[test]
        fn parse_nik_matches_the_rule(kec in "[0-9]{6}", day in prop_oneof![Just(0u32), 1u32..=31, 32u32..=40, 41u32..=71, 72u32..=99],
                                      month in prop_oneof![1u32..=12, 0u32..=99], rest in "[0-9]{6}", at in 0usize..16, byte in any::<u8>(),
                                      pad in proptest::sample::select(vec!["", " ", "\t", "\u{a0}"]), cut in 0usize..3) {
            // Mostly valid NIKs (a random date part is rarely valid), some not.
            let digits = format!("{kec}{day:02}{month:02}{rest}");
            prop_assert_eq!(parse_nik(&digits), reference(&digits));
            let mut b = digits.clone().into_bytes();
            b[at] = byte;
            if let Ok(s) = String::from_utf8(b) {
                prop_assert_eq!(parse_nik(&s), reference(&s));
            }
            let padded = format!("{pad}{}{pad}", &digits[cut..]);
            prop_assert_eq!(parse_nik(&padded), reference(&padded));
        }

        /// Valid NIKs (any serial, any issuing kecamatan) come back as their number.
        #[test]
        fn valid_niks_read_back(kec in 0u64..1_000_000, day in prop_oneof![1u64..=31, 41u64..=71], month in 1u64..=12,
                                year in 0u64..100, serial in 0u64..10_000) {
            let n = ((kec * 100 + day) * 100 + month) * 100 + year;
            let n = n * 10_000 + serial;
            prop_assert_eq!(parse_nik(&format_nik(n)), Ok(n));
        }
    }

    #[test]
    fn eight_digits_at_the_edges() {
        let word = |s: &[u8; 8]| u64::from_le_bytes(*s);
        assert!(eight_digits(word(b"01234567")) && eight_digits(word(b"99999999")) && eight_digits(word(b"00000000")));
        for bad in [b"0123456/", b"/1234567", b"0123:567", b"012345\x3f7", b"0123456\xb0", b"\xf0\x30000000"] {
            assert!(!eight_digits(word(bad)), "{bad:?}");
        }
        assert_eq!(eight_digits_value(word(b"12345678")), 12_345_678);
        assert_eq!(eight_digits_value(word(b"99999999")), 99_999_999);
        assert_eq!(eight_digits_value(word(b"00000001")), 1);
    }

    #[test]
    fn parts_and_masks() {
        let p = nik_parts(9404136107150001);
        assert_eq!((p.issue_kecamatan, p.day, p.month, p.year2, p.female), (940413, 21, 7, 15, true));
        assert_eq!(mask_nik(9404010101000001), "940401********0001");
        assert_eq!(format_nik(101010101000001), "0101010101000001");
    }
}
