//! Input columns, their aliases, and header matching (case-insensitive).

/// A column of one of the input tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    /// Canonical name, as the contract writes it.
    pub name: &'static str,
    /// Accepted aliases (upper case).
    pub aliases: &'static [&'static str],
}

macro_rules! cols {
    ($($id:ident = $name:literal $([$($alias:literal),*])?;)*) => {
        $(pub const $id: ColumnSpec = ColumnSpec { name: $name, aliases: &[$($($alias),*)?] };)*
    };
}

pub mod population {
    use super::ColumnSpec;
    cols! {
        NIK = "NIK";
        NO_KK = "NO_KK";
        NAMA = "NAMA_LGKP" ["NAMA"];
        SEX = "JENIS_KLMIN" ["JENIS_KELAMIN"];
        TMPT_LHR = "TMPT_LHR";
        TGL_LHR = "TGL_LHR" ["TANGGAL_LAHIR"];
        STAT_KWN = "STAT_KWN" ["STATUS_KAWIN"];
        PEKERJAAN = "JENIS_PKRJN" ["PEKERJAAN"];
        KWN = "KEWARGANEGARAAN" ["KWN"];
        NO_PROP = "NO_PROP";
        NO_KAB = "NO_KAB";
        NO_KEC = "NO_KEC";
        NO_KEL = "NO_KEL";
        KODE_WILAYAH = "KODE_WILAYAH";
        NO_RT = "NO_RT";
        NO_RW = "NO_RW";
        ALAMAT = "ALAMAT";
        STATUS_PENDUDUK = "STATUS_PENDUDUK";
    }
    /// All population columns the pipeline reads, in a fixed order.
    pub const ALL: [ColumnSpec; 18] = [
        NIK, NO_KK, NAMA, SEX, TMPT_LHR, TGL_LHR, STAT_KWN, PEKERJAAN, KWN, NO_PROP, NO_KAB, NO_KEC, NO_KEL,
        KODE_WILAYAH, NO_RT, NO_RW, ALAMAT, STATUS_PENDUDUK,
    ];
}

pub mod enrollment {
    use super::ColumnSpec;
    cols! {
        NIK = "NIK";
        TGL_REKAM = "TGL_REKAM";
        STATUS = "STATUS_KTP" ["STATUS"];
        LOKASI = "LOKASI_REKAM";
        NAMA = "NAMA_LGKP" ["NAMA"];
        TGL_LHR = "TGL_LHR" ["TANGGAL_LAHIR"];
        SEX = "JENIS_KLMIN" ["JENIS_KELAMIN"];
        KODE_WILAYAH = "KODE_WILAYAH";
    }
    pub const ALL: [ColumnSpec; 8] = [NIK, TGL_REKAM, STATUS, LOKASI, NAMA, TGL_LHR, SEX, KODE_WILAYAH];
}

impl ColumnSpec {
    /// Does a header cell name this column? Case-insensitive, trims, ignores a BOM.
    pub fn matches(&self, header: &str) -> bool {
        let h = header.trim().trim_start_matches('\u{feff}').trim().to_ascii_uppercase();
        h == self.name || self.aliases.iter().any(|a| h == *a)
    }
}

/// For each spec, the index of the header cell that names it (first match).
pub fn resolve(specs: &[ColumnSpec], headers: &[String]) -> Vec<Option<usize>> {
    specs
        .iter()
        .map(|s| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(s.name))
                .or_else(|| headers.iter().position(|h| s.matches(h)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn aliases_and_case() {
        assert!(population::NAMA.matches("nama"));
        assert!(population::NAMA.matches("Nama_Lgkp"));
        assert!(population::TGL_LHR.matches("\u{feff}tanggal_lahir"));
        assert!(!population::NIK.matches("NO_KK"));
        let h: Vec<String> = ["nik", "NAMA", "NAMA_LGKP"].iter().map(|s| s.to_string()).collect();
        let r = resolve(&[population::NIK, population::NAMA, population::NO_KK], &h);
        assert_eq!(r, vec![Some(0), Some(2), None]); // canonical name wins over alias
    }
}
