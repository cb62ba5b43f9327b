//! Fixed colour classes of coverage, shared by bar charts, maps, the report
//! and the spreadsheet. Darker = worse, so the areas that need attention stand
//! out on paper; the palette (ColorBrewer OrRd) stays readable in greyscale.

use crate::scene::Color;
use crate::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// < 80 %
    Below80,
    /// 80 – < 90 %
    Below90,
    /// 90 – < 95 %
    Below95,
    /// 95 – < 99 %
    Below99,
    /// ≥ 99 %
    AtLeast99,
    /// No data (no residents / no eligible voters, or no row at all).
    NoData,
    /// Hidden by small-cell suppression.
    Suppressed,
}

impl Class {
    /// The five coverage classes, worst first.
    pub const COVERAGE: [Class; 5] = [
        Class::Below80,
        Class::Below90,
        Class::Below95,
        Class::Below99,
        Class::AtLeast99,
    ];

    pub fn of(pct: Option<f64>) -> Class {
        match pct {
            None => Class::NoData,
            Some(p) if p < 80.0 => Class::Below80,
            Some(p) if p < 90.0 => Class::Below90,
            Some(p) if p < 95.0 => Class::Below95,
            Some(p) if p < 99.0 => Class::Below99,
            Some(_) => Class::AtLeast99,
        }
    }

    pub fn hex(self) -> &'static str {
        match self {
            Class::Below80 => "#b30000",
            Class::Below90 => "#e34a33",
            Class::Below95 => "#fc8d59",
            Class::Below99 => "#fdcc8a",
            Class::AtLeast99 => "#fef0d9",
            Class::NoData => "#d9d9d9",
            Class::Suppressed => "#bdbdbd",
        }
    }

    pub fn color(self) -> Color {
        Color::hex(self.hex())
    }

    /// Text colour that reads on this fill.
    pub fn ink(self) -> Color {
        match self {
            Class::Below80 | Class::Below90 => Color::WHITE,
            _ => Color::hex("#222222"),
        }
    }

    /// Whether an area of this class has a coverage value shown.
    pub fn has_value(self) -> bool {
        !matches!(self, Class::NoData | Class::Suppressed)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Class::Below80 => "< 80%",
            Class::Below90 => "80 – 90%",
            Class::Below95 => "90 – 95%",
            Class::Below99 => "95 – 99%",
            Class::AtLeast99 => "≥ 99%",
            Class::NoData => lang.t("tidak ada data", "no data"),
            Class::Suppressed => lang.t("disembunyikan (sel kecil)", "suppressed (small cell)"),
        }
    }

    /// CSS class name used in the report.
    pub fn css(self) -> &'static str {
        match self {
            Class::Below80 => "c0",
            Class::Below90 => "c1",
            Class::Below95 => "c2",
            Class::Below99 => "c3",
            Class::AtLeast99 => "c4",
            Class::NoData => "cn",
            Class::Suppressed => "cs",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn boundaries() {
        assert_eq!(Class::of(Some(79.99)), Class::Below80);
        assert_eq!(Class::of(Some(80.0)), Class::Below90);
        assert_eq!(Class::of(Some(94.99)), Class::Below95);
        assert_eq!(Class::of(Some(95.0)), Class::Below99);
        assert_eq!(Class::of(Some(99.0)), Class::AtLeast99);
        assert_eq!(Class::of(None), Class::NoData);
    }
}
