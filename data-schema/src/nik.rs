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
    let t = crate::text::trim(s);
    let b = t.as_bytes();
    if b.len() != 16 || !b.iter().all(u8::is_ascii_digit) {
        return Err(if looks_scientific(t) {
            NikError::Scientific
        } else {
            NikError::Format
        });
    }
    let mut v = 0u64;
    for &c in b {
        v = v * 10 + (c - b'0') as u64;
    }
    let (day, month) = (two(b, 6), two(b, 8));
    let day_ok = (1..=31).contains(&day) || (41..=71).contains(&day);
    if !day_ok || !(1..=12).contains(&month) {
        return Err(NikError::Format);
    }
    Ok(v)
}

fn two(b: &[u8], i: usize) -> u32 {
    ((b[i] - b'0') * 10 + (b[i + 1] - b'0')) as u32
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
    #[test]
    fn parts_and_masks() {
        let p = nik_parts(9404136107150001);
        assert_eq!((p.issue_kecamatan, p.day, p.month, p.year2, p.female), (940413, 21, 7, 15, true));
        assert_eq!(mask_nik(9404010101000001), "940401********0001");
        assert_eq!(format_nik(101010101000001), "0101010101000001");
    }
}
