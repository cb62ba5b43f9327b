//! Text helpers shared by the cell parsers.

/// `s.trim()` (Unicode whitespace), with a fast path for the usual cell that
/// starts and ends with a visible ASCII character: such a cell has nothing
/// to trim, since every whitespace character is either an ASCII byte at or
/// below `0x20` or a multi-byte character whose UTF-8 bytes are `0x80` and
/// above. The parsers trim ~6 cells of every row; `trim` decodes characters.
#[inline]
pub fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&a), Some(&b)) if (0x21..0x80).contains(&a) && (0x21..0x80).contains(&b) => s,
        _ => s.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trims_what_str_trim_trims() {
        for s in ["", " ", "a", " a ", "\t3171\r", "\u{a0}12\u{a0}", "\u{85}x", "x\u{3000}", "\u{feff}1", "é", " é ", "\u{7f}"] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    proptest! {
        #[test]
        fn equals_str_trim(s in "\\PC{0,6}|[ \\t\\r\\n\\u{a0}\\u{85}\\u{2000}-\\u{200b}\\u{3000}a0-9é]{0,8}") {
            prop_assert_eq!(trim(&s), s.trim());
        }
    }
}
