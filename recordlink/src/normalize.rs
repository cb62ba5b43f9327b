//! Indonesian names for comparison: case, punctuation, titles, spelling
//! variants (old spelling, the many ways of writing Muhammad) and a phonetic key.

/// Titles and degrees that are not part of the name.
const TITLES: &[&str] = &[
    "H", "HJ", "HAJI", "HAJAH", "HAJJAH", "DRS", "DRA", "DR", "IR", "PROF", "SPD", "SPDI", "PD", "PDI", "SE", "ST",
    "SH", "SHI", "SKM", "AMD", "AMK", "MPD", "SKOM", "SAG", "SSOS", "SP", "MM", "MSI", "SSI", "SIP", "SKEP", "NS",
    "BSC", "MBA", "SSTP", "SSN", "SPSI", "SSIT", "MH", "MT", "MKES", "SKED", "SST", "ALM", "ALMH",
];

/// Ways of writing Muhammad, all compared as `M`.
const MUHAMMAD: &[&str] = &[
    "M", "MUHAMMAD", "MUHAMAD", "MUHAMMED", "MOHAMMAD", "MOHAMAD", "MOHAMMED", "MOCHAMMAD", "MOCHAMAD", "MOCH", "MOH",
    "MUH", "MHD", "MUCHAMMAD", "MUCHAMAD", "MOHD", "MUHD",
];

/// Old (pre-1972) spelling to the current one, per token.
fn modern(t: &str) -> String {
    let mut s = t.to_string();
    for (a, b) in [("DJ", "J"), ("TJ", "C"), ("SJ", "SY"), ("NJ", "NY"), ("OE", "U"), ("CH", "KH"), ("PH", "F")] {
        if s.contains(a) {
            s = s.replace(a, b);
        }
    }
    s
}

/// The name's tokens: upper case, letters only, no titles or degrees, modern spelling,
/// every way of writing Muhammad as `M`.
pub fn tokens(name: &str) -> Vec<String> {
    // Degrees follow a comma ("RIZKI, S.Pd"): drop everything after it.
    let name = name.split(',').next().unwrap_or("");
    let up: String = name
        .chars()
        .map(|c| if c.is_alphabetic() { c.to_ascii_uppercase() } else if c == '\'' || c == '`' { '\0' } else { ' ' })
        .filter(|&c| c != '\0')
        .collect();
    up.split_whitespace()
        .filter(|t| !TITLES.contains(t))
        .map(|t| if MUHAMMAD.contains(&t) { "M".to_string() } else { modern(t) })
        .collect()
}

/// Normalised full name (tokens joined by one space).
pub fn normalize(name: &str) -> String {
    tokens(name).join(" ")
}

/// A phonetic key for one token: first sound, then the consonant skeleton
/// (similar sounds merged, vowels and h/w/y dropped, doubles collapsed), 4 characters.
pub fn phonetic(token: &str) -> String {
    let class = |c: char| match c {
        'B' | 'P' => 'P',
        'F' | 'V' => 'F',
        'C' | 'K' | 'Q' | 'G' | 'X' => 'K',
        'S' | 'Z' => 'S',
        'D' | 'T' => 'T',
        'M' | 'N' => 'N',
        'A' | 'E' | 'I' | 'O' | 'U' | 'H' | 'W' | 'Y' => '_',
        c => c,
    };
    let mut out = String::new();
    let mut last = '#';
    for (i, c) in token.chars().enumerate() {
        let k = class(c);
        if i == 0 {
            out.push(if k == '_' { 'A' } else { k });
            last = k;
            continue;
        }
        if k != '_' && k != last {
            out.push(k);
        }
        last = k;
        if out.len() >= 4 {
            break;
        }
    }
    out
}

/// The token used for blocking on "first name": the first token longer than
/// one letter (so `M RIZKI` blocks on RIZKI), else the first.
pub fn first_token(tokens: &[String]) -> Option<&String> {
    tokens.iter().find(|t| t.len() > 1).or(tokens.first())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn titles_variants_and_old_spelling() {
        assert_eq!(normalize("H. Muhammad Rizki, S.Pd"), "M RIZKI");
        assert_eq!(normalize("MOCH. RIZKI"), "M RIZKI");
        assert_eq!(normalize("Djoko Soetjipto"), "JOKO SUCIPTO");
        assert_eq!(normalize("  Yohana   Kambu "), "YOHANA KAMBU");
        assert_eq!(normalize("Ma'ruf Amin"), "MARUF AMIN");
    }
    #[test]
    fn phonetic_keys_merge_similar_sounds() {
        assert_eq!(phonetic("KATARINA"), phonetic("CATARINA"));
        assert_eq!(phonetic("SUPARMAN"), phonetic("SUPARMAN"));
        assert_eq!(phonetic("YOHANES"), phonetic("YOHANNES"));
        assert_eq!(phonetic("FEBRIANTI"), phonetic("VEBRIANTI"));
        assert_ne!(phonetic("WENDA"), phonetic("KOGOYA"));
    }
}
