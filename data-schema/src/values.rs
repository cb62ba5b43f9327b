//! Coded values of the population and enrollment exports, as code or text.

/// Upper-case, trim, and fold `_`, `-` and runs of spaces to one space.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.trim().chars() {
        let c = if c == '_' || c == '-' || c.is_whitespace() { ' ' } else { c };
        if c == ' ' {
            if !space && !out.is_empty() {
                out.push(' ');
            }
            space = true;
        } else {
            out.extend(c.to_uppercase());
            space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// `1`/`2`, `L`/`P`, `LAKI-LAKI`/`PEREMPUAN` (any case). `None` for anything else.
    pub fn parse(s: &str) -> Option<Sex> {
        match normalize(s).as_str() {
            "1" | "L" | "LAKI LAKI" | "LAKI" | "PRIA" | "M" => Some(Sex::Male),
            "2" | "P" | "PEREMPUAN" | "WANITA" | "F" => Some(Sex::Female),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "L",
            Sex::Female => "P",
        }
    }
}

/// Marital status (STAT_KWN).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marital {
    BelumKawin,
    Kawin,
    CeraiHidup,
    CeraiMati,
}

impl Marital {
    /// Codes `1`–`4` or the text in any case, including `KAWIN TERCATAT` and
    /// `KAWIN BELUM TERCATAT`. `None` for missing or unknown values.
    pub fn parse(s: &str) -> Option<Marital> {
        match normalize(s).as_str() {
            "1" | "BELUM KAWIN" => Some(Marital::BelumKawin),
            "2" | "KAWIN" | "KAWIN TERCATAT" | "KAWIN BELUM TERCATAT" | "KAWIN TIDAK TERCATAT" => Some(Marital::Kawin),
            "3" | "CERAI HIDUP" | "CERAI HIDUP TERCATAT" | "CERAI HIDUP BELUM TERCATAT" => Some(Marital::CeraiHidup),
            "4" | "CERAI MATI" => Some(Marital::CeraiMati),
            _ => None,
        }
    }
    /// Ever married: KAWIN (recorded or not), CERAI HIDUP, CERAI MATI.
    pub fn ever_married(self) -> bool {
        !matches!(self, Marital::BelumKawin)
    }
}

/// Active TNI/POLRI from JENIS_PKRJN: code 6 or 7, or text containing `TNI`,
/// `POLRI`, `TENTARA NASIONAL INDONESIA` or `KEPOLISIAN`, unless it begins with
/// `PENSIUNAN` or `PURNAWIRAWAN`.
pub fn is_active_tni_polri(occupation: &str) -> bool {
    let n = normalize(occupation);
    if n == "6" || n == "7" {
        return true;
    }
    if n.starts_with("PENSIUNAN") || n.starts_with("PURNAWIRAWAN") {
        return false;
    }
    ["TNI", "POLRI", "TENTARA NASIONAL INDONESIA", "KEPOLISIAN"].iter().any(|k| n.contains(k))
}

/// Citizenship: `WNI` / `WNA` (or the long forms). Missing is WNI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Citizenship {
    Wni,
    Wna,
}

impl Citizenship {
    /// `Ok(None)` never happens: missing gives `Ok(Wni)`; unknown text is `Err`.
    pub fn parse(s: &str) -> Result<Citizenship, ()> {
        match normalize(s).as_str() {
            "" | "WNI" | "INDONESIA" | "WARGA NEGARA INDONESIA" | "1" => Ok(Citizenship::Wni),
            "WNA" | "ASING" | "WARGA NEGARA ASING" | "2" => Ok(Citizenship::Wna),
            _ => Err(()),
        }
    }
}

/// STATUS_PENDUDUK: only `AKTIF` rows are residents. Missing is `AKTIF`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterStatus {
    Aktif,
    Mati,
    Pindah,
}

impl RegisterStatus {
    pub fn parse(s: &str) -> Option<RegisterStatus> {
        match normalize(s).as_str() {
            "" | "AKTIF" | "HIDUP" => Some(RegisterStatus::Aktif),
            "MATI" | "MENINGGAL" | "MENINGGAL DUNIA" => Some(RegisterStatus::Mati),
            "PINDAH" | "PINDAH KELUAR" => Some(RegisterStatus::Pindah),
            _ => None,
        }
    }
}

/// How an enrollment record's STATUS_KTP counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrollmentStatus {
    /// Counts as recorded (also: no status column, or an empty cell).
    Counting,
    /// A known failure: `BELUM REKAM`, `DUPLICATE RECORD`, `DUP`, anything with `FAIL`.
    Failed,
    /// Not in the contract's lists: does not count, and is reported.
    Unknown,
}

impl EnrollmentStatus {
    pub fn parse(s: &str) -> EnrollmentStatus {
        let n = normalize(s);
        match n.as_str() {
            "" | "SUDAH REKAM" | "REKAM" | "PRINT READY RECORD" | "PRR" | "SENT FOR CARD PRINTING" | "CARD PRINTED"
            | "CETAK" | "CARD SHIPPED" | "CARD ISSUED" | "BIO CAPTURED" | "PROCESSING" | "SENT FOR ENROLLMENT"
            | "RECEIVED AT CENTRAL" => EnrollmentStatus::Counting,
            "BELUM REKAM" | "DUPLICATE RECORD" | "DUP" => EnrollmentStatus::Failed,
            _ if n.contains("FAIL") => EnrollmentStatus::Failed,
            _ => EnrollmentStatus::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn normalize_folds() {
        assert_eq!(normalize("  laki-laki "), "LAKI LAKI");
        assert_eq!(normalize("SENT_FOR_ENROLLMENT"), "SENT FOR ENROLLMENT");
        assert_eq!(normalize("cerai   hidup"), "CERAI HIDUP");
    }
    #[test]
    fn sex_values() {
        for s in ["1", "L", "l", "LAKI-LAKI", "Laki-laki"] {
            assert_eq!(Sex::parse(s), Some(Sex::Male), "{s}");
        }
        for s in ["2", "P", "PEREMPUAN", "perempuan"] {
            assert_eq!(Sex::parse(s), Some(Sex::Female), "{s}");
        }
        assert_eq!(Sex::parse(""), None);
        assert_eq!(Sex::parse("3"), None);
    }
    #[test]
    fn marital_values() {
        assert_eq!(Marital::parse("1"), Some(Marital::BelumKawin));
        assert_eq!(Marital::parse("belum kawin"), Some(Marital::BelumKawin));
        for s in ["2", "3", "4", "KAWIN", "kawin", "KAWIN TERCATAT", "Kawin Belum Tercatat", "CERAI HIDUP", "cerai mati"] {
            assert!(Marital::parse(s).unwrap().ever_married(), "{s}");
        }
        assert!(!Marital::parse("BELUM KAWIN").unwrap().ever_married());
        assert_eq!(Marital::parse(""), None);
        assert_eq!(Marital::parse("5"), None);
    }
    #[test]
    fn tni_polri() {
        for s in ["6", "7", "TENTARA NASIONAL INDONESIA (TNI)", "KEPOLISIAN RI (POLRI)", "anggota tni", "POLRI"] {
            assert!(is_active_tni_polri(s), "{s}");
        }
        for s in ["4", "PENSIUNAN", "PENSIUNAN TNI", "PURNAWIRAWAN POLRI", "PELAJAR/MAHASISWA", "", "16", "PETANI/PEKEBUN"] {
            assert!(!is_active_tni_polri(s), "{s}");
        }
    }
    #[test]
    fn citizenship_and_register() {
        assert_eq!(Citizenship::parse(""), Ok(Citizenship::Wni));
        assert_eq!(Citizenship::parse("wna"), Ok(Citizenship::Wna));
        assert!(Citizenship::parse("XYZ").is_err());
        assert_eq!(RegisterStatus::parse(""), Some(RegisterStatus::Aktif));
        assert_eq!(RegisterStatus::parse("mati"), Some(RegisterStatus::Mati));
        assert_eq!(RegisterStatus::parse("PINDAH"), Some(RegisterStatus::Pindah));
        assert_eq!(RegisterStatus::parse("HILANG"), None);
    }
    #[test]
    fn enrollment_statuses_of_the_contract() {
        for s in [
            "SUDAH REKAM", "REKAM", "PRINT READY RECORD", "PRR", "SENT FOR CARD PRINTING", "CARD PRINTED", "CETAK",
            "CARD SHIPPED", "CARD ISSUED", "BIO_CAPTURED", "PROCESSING", "SENT_FOR_ENROLLMENT", "RECEIVED_AT_CENTRAL",
            "card printed", "",
        ] {
            assert_eq!(EnrollmentStatus::parse(s), EnrollmentStatus::Counting, "{s}");
        }
        for s in ["BELUM REKAM", "DUPLICATE RECORD", "DUP", "ENROLLMENT_FAILED", "FAILED", "Bio Capture Fail"] {
            assert_eq!(EnrollmentStatus::parse(s), EnrollmentStatus::Failed, "{s}");
        }
        assert_eq!(EnrollmentStatus::parse("ON HOLD"), EnrollmentStatus::Unknown);
    }
}
