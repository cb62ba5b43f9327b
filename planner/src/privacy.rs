//! Personal data (UU 27/2022): the `restricted/` directory (0700, files 0600)
//! and NIK masking (`940401********0001`) for `--mask-nik`.

use std::path::Path;

/// Mask a raw NIK cell as written in an input file: a 16-digit NIK becomes
/// `data_schema::nik::mask_nik`'s `940401********0001`; any other value of 10
/// or more characters keeps its first 6 and last 4 characters around 8 stars.
/// Spreadsheet-damaged values like `9.40408E+15` hold only 6 digits and are
/// kept so the officer can find the row.
pub fn mask_raw(raw: &str) -> String {
    let t = raw.trim();
    if let Ok(n) = data_schema::nik::parse_nik(t) {
        return data_schema::nik::mask_nik(n);
    }
    if data_schema::nik::looks_scientific(t) {
        return raw.to_string();
    }
    let c: Vec<char> = t.chars().collect();
    if c.len() < 10 {
        return raw.to_string();
    }
    format!("{}********{}", c[..6].iter().collect::<String>(), c[c.len() - 4..].iter().collect::<String>())
}

/// Mask every run of 15 or more digits in free text.
pub fn mask_digit_runs(s: &str) -> String {
    let b = s.as_bytes();
    if b.iter().filter(|c| c.is_ascii_digit()).count() < 15 {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j - i >= 15 {
                out.push_str(&mask_raw(&s[i..j]));
            } else {
                out.push_str(&s[i..j]);
            }
            i = j;
        } else {
            let ch = s[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// Owner-only file (0600).
pub fn restrict_file(p: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Create an owner-only directory (0700).
pub fn restricted_dir(p: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(p)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Rewrite `rejects.csv` / `warnings.csv` (`file,line,column,<kind>,raw_value,<hint>`)
/// with the raw value of NIK columns masked, and any NIK-long digit run masked
/// in the other text columns.
pub fn mask_issue_file(path: &Path) -> anyhow::Result<()> {
    if !path.exists() {
        return Ok(());
    }
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_path(path)?;
    let mut rows: Vec<csv::StringRecord> = Vec::new();
    for rec in r.records() {
        rows.push(rec?);
    }
    drop(r);
    let mut w = csv::Writer::from_path(path)?;
    for (i, rec) in rows.iter().enumerate() {
        if i == 0 {
            w.write_record(rec)?;
            continue;
        }
        let nik_col = rec.get(2).is_some_and(|c| c.trim().eq_ignore_ascii_case("NIK"));
        let v: Vec<String> = rec
            .iter()
            .enumerate()
            .map(|(j, x)| if j == 4 && nik_col { mask_raw(x) } else { mask_digit_runs(x) })
            .collect();
        w.write_record(&v)?;
    }
    w.flush()?;
    restrict_file(path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn masks() {
        assert_eq!(mask_raw("9404010101000001"), "940401********0001");
        assert_eq!(mask_raw(" 9404143208210001 "), "940414********0001"); // impossible date, still masked
        assert_eq!(mask_raw("647209010220000"), "647209********0000");
        assert_eq!(mask_raw("9.40408E+15"), "9.40408E+15");
        assert_eq!(mask_raw("12345"), "12345");
        assert_eq!(mask_digit_runs("row (a.csv:12) 9404010101000001 x"), "row (a.csv:12) 940401********0001 x");
        assert_eq!(mask_digit_runs("2024-08-26"), "2024-08-26");
    }
}
