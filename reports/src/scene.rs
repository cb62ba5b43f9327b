//! A small drawing list that every chart builds once and that is then written
//! twice: as SVG (text stays text, searchable and crisp in the report) and as
//! PNG through plotters' bitmap backend with the embedded DejaVu Sans font
//! (`ab_glyph` + `register_font`, so no system font is needed).
//!
//! Coordinates are CSS pixels, y down; text is placed by its baseline.

use crate::ReportError;
use ab_glyph::{Font as _, FontRef, PxScale, ScaleFont as _};
use plotters::prelude::*;
use plotters::style::Color as _;
use plotters::style::{FontDesc, FontFamily, FontStyle};
use std::fmt::Write as _;
use std::sync::OnceLock;

/// Family name under which the embedded font is registered with plotters.
const FAMILY: &str = "DejaVu Sans";
/// Font stack written into SVG (DejaVu Sans and Verdana share metrics).
const SVG_FONTS: &str = "'DejaVu Sans', Verdana, 'Noto Sans', Arial, sans-serif";
static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
/// DejaVu Sans (ascender − descender) / units per em: ab_glyph scales fonts by
/// that height, CSS by the em.
const PX_PER_EM: f64 = 2384.0 / 2048.0;
/// PNGs are drawn at twice the CSS size, for print.
pub const PNG_SCALE: f64 = 2.0;

fn fonts() -> Result<(), ReportError> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, REGULAR)
            .map_err(|_| "DejaVuSans.ttf".to_string())?;
        plotters::style::register_font(FAMILY, FontStyle::Bold, BOLD)
            .map_err(|_| "DejaVuSans-Bold.ttf".to_string())?;
        Ok(())
    })
    .clone()
    .map_err(|f| ReportError::render("font", format!("embedded font {f} is invalid")))
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Color {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

impl Color {
    pub const WHITE: Color = Color {
        r: 255,
        g: 255,
        b: 255,
    };
    pub const BLACK: Color = Color { r: 0, g: 0, b: 0 };

    /// `#rrggbb`.
    pub fn hex(s: &str) -> Color {
        let v = u32::from_str_radix(s.trim_start_matches('#'), 16).unwrap_or(0);
        Color {
            r: (v >> 16) as u8,
            g: (v >> 8) as u8,
            b: v as u8,
        }
    }

    fn css(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }

    fn rgb(self) -> RGBColor {
        RGBColor(self.r, self.g, self.b)
    }
}

/// Common colours.
pub mod ink {
    use super::Color;
    pub const TEXT: Color = Color {
        r: 0x22,
        g: 0x22,
        b: 0x22,
    };
    pub const MUTED: Color = Color {
        r: 0x5f,
        g: 0x63,
        b: 0x68,
    };
    pub const GRID: Color = Color {
        r: 0xe3,
        g: 0xe3,
        b: 0xe3,
    };
    pub const AXIS: Color = Color {
        r: 0x9e,
        g: 0x9e,
        b: 0x9e,
    };
    pub const TARGET: Color = Color {
        r: 0x1b,
        g: 0x5e,
        b: 0x20,
    };
    pub const BLUE: Color = Color {
        r: 0x2f,
        g: 0x5d,
        b: 0x9e,
    };
    pub const ORANGE: Color = Color {
        r: 0xe6,
        g: 0x8a,
        b: 0x1f,
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

pub type Pt = (f64, f64);

/// A polygon: exterior ring and holes.
#[derive(Debug, Clone)]
pub struct Poly {
    pub outer: Vec<Pt>,
    pub holes: Vec<Vec<Pt>>,
}

#[derive(Debug, Clone)]
pub enum Item {
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: Option<Color>,
        stroke: Option<(Color, f64)>,
    },
    Line {
        pts: Vec<Pt>,
        color: Color,
        width: f64,
        dash: bool,
    },
    Shape {
        polys: Vec<Poly>,
        fill: Color,
        stroke: Option<(Color, f64)>,
        tip: Option<String>,
    },
    Circle {
        x: f64,
        y: f64,
        r: f64,
        fill: Color,
        stroke: Option<(Color, f64)>,
    },
    Text {
        x: f64,
        y: f64,
        text: String,
        size: f64,
        color: Color,
        anchor: Anchor,
        bold: bool,
        halo: bool,
    },
}

/// A chart as a list of drawing items on a white canvas.
pub struct Scene {
    pub w: f64,
    pub h: f64,
    pub title: String,
    pub items: Vec<Item>,
}

/// Width of `text` in CSS px at font size `size` (em), with the embedded font.
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    if fonts().is_err() {
        return text.chars().count() as f64 * size * 0.6;
    }
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    // Measure large, then scale: plotters rounds the width to whole pixels.
    let font = FontDesc::new(FontFamily::Name(FAMILY), 100.0 * PX_PER_EM, style);
    match font.box_size(text) {
        Ok((w, _)) => w as f64 * size / 100.0,
        Err(_) => text.chars().count() as f64 * size * 0.6,
    }
}

/// Shorten `text` with `…` so that it fits in `max` px.
pub fn fit_text(text: &str, size: f64, bold: bool, max: f64) -> String {
    if text_width(text, size, bold) <= max {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut n = chars.len();
    while n > 1 {
        n -= 1;
        let s: String = chars[..n].iter().collect::<String>().trim_end().to_string() + "…";
        if text_width(&s, size, bold) <= max {
            return s;
        }
    }
    "…".to_string()
}

impl Scene {
    pub fn new(w: f64, h: f64, title: impl Into<String>) -> Scene {
        Scene {
            w,
            h,
            title: title.into(),
            items: Vec::new(),
        }
    }

    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: Color) {
        self.items.push(Item::Rect {
            x,
            y,
            w,
            h,
            fill: Some(fill),
            stroke: None,
        });
    }

    pub fn frame(&mut self, x: f64, y: f64, w: f64, h: f64, stroke: Color, width: f64) {
        self.items.push(Item::Rect {
            x,
            y,
            w,
            h,
            fill: None,
            stroke: Some((stroke, width)),
        });
    }

    pub fn line(&mut self, pts: Vec<Pt>, color: Color, width: f64) {
        self.items.push(Item::Line {
            pts,
            color,
            width,
            dash: false,
        });
    }

    pub fn dashed(&mut self, pts: Vec<Pt>, color: Color, width: f64) {
        self.items.push(Item::Line {
            pts,
            color,
            width,
            dash: true,
        });
    }

    pub fn text(
        &mut self,
        x: f64,
        y: f64,
        text: impl Into<String>,
        size: f64,
        color: Color,
        anchor: Anchor,
    ) {
        self.items.push(Item::Text {
            x,
            y,
            text: text.into(),
            size,
            color,
            anchor,
            bold: false,
            halo: false,
        });
    }

    pub fn bold(
        &mut self,
        x: f64,
        y: f64,
        text: impl Into<String>,
        size: f64,
        color: Color,
        anchor: Anchor,
    ) {
        self.items.push(Item::Text {
            x,
            y,
            text: text.into(),
            size,
            color,
            anchor,
            bold: true,
            halo: false,
        });
    }

    /// Text with a white outline, readable over lines and map areas.
    #[allow(clippy::too_many_arguments)]
    pub fn halo_text(
        &mut self,
        x: f64,
        y: f64,
        text: impl Into<String>,
        size: f64,
        color: Color,
        anchor: Anchor,
        bold: bool,
    ) {
        self.items.push(Item::Text {
            x,
            y,
            text: text.into(),
            size,
            color,
            anchor,
            bold,
            halo: true,
        });
    }

    /// Title (bold) and a muted subtitle line at the top; returns the y below them.
    pub fn heading(&mut self, title: &str, subtitle: &str) -> f64 {
        let max = self.w - 32.0;
        self.bold(
            16.0,
            26.0,
            fit_text(title, 16.0, true, max),
            16.0,
            ink::TEXT,
            Anchor::Start,
        );
        if subtitle.is_empty() {
            return 40.0;
        }
        self.text(
            16.0,
            46.0,
            fit_text(subtitle, 12.0, false, max),
            12.0,
            ink::MUTED,
            Anchor::Start,
        );
        60.0
    }

    // ---------------------------------------------------------------- SVG

    pub fn to_svg(&self) -> String {
        let mut s = String::with_capacity(16 * 1024);
        let _ = write!(
            s,
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{t}" font-family="{f}"><title>{t}</title><rect width="100%" height="100%" fill="#ffffff"/>"##,
            w = self.w,
            h = self.h,
            t = esc(&self.title),
            f = SVG_FONTS.replace('\'', "&apos;")
        );
        s.push('\n');
        for item in &self.items {
            match item {
                Item::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill,
                    stroke,
                } => {
                    let _ = write!(
                        s,
                        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{}/>"#,
                        n(*x),
                        n(*y),
                        n(*w),
                        n(*h),
                        fill.map(|c| c.css()).unwrap_or_else(|| "none".into()),
                        stroke_attr(*stroke)
                    );
                }
                Item::Line {
                    pts,
                    color,
                    width,
                    dash,
                } => {
                    let _ = write!(
                        s,
                        r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="{}"{}/>"#,
                        pts.iter()
                            .map(|p| format!("{},{}", n(p.0), n(p.1)))
                            .collect::<Vec<_>>()
                            .join(" "),
                        color.css(),
                        n(*width),
                        if *dash {
                            r#" stroke-dasharray="6 4""#
                        } else {
                            ""
                        }
                    );
                }
                Item::Shape {
                    polys,
                    fill,
                    stroke,
                    tip,
                } => {
                    let mut d = String::new();
                    for p in polys {
                        for ring in std::iter::once(&p.outer).chain(p.holes.iter()) {
                            for (i, q) in ring.iter().enumerate() {
                                let _ = write!(
                                    d,
                                    "{}{},{}",
                                    if i == 0 { "M" } else { "L" },
                                    n(q.0),
                                    n(q.1)
                                );
                            }
                            d.push('Z');
                        }
                    }
                    let _ = write!(
                        s,
                        r#"<path d="{}" fill="{}" fill-rule="evenodd" stroke-linejoin="round"{}>"#,
                        d,
                        fill.css(),
                        stroke_attr(*stroke)
                    );
                    if let Some(t) = tip {
                        let _ = write!(s, "<title>{}</title>", esc(t));
                    }
                    s.push_str("</path>");
                }
                Item::Circle {
                    x,
                    y,
                    r,
                    fill,
                    stroke,
                } => {
                    let _ = write!(
                        s,
                        r#"<circle cx="{}" cy="{}" r="{}" fill="{}"{}/>"#,
                        n(*x),
                        n(*y),
                        n(*r),
                        fill.css(),
                        stroke_attr(*stroke)
                    );
                }
                Item::Text {
                    x,
                    y,
                    text,
                    size,
                    color,
                    anchor,
                    bold,
                    halo,
                } => {
                    let a = match anchor {
                        Anchor::Start => "start",
                        Anchor::Middle => "middle",
                        Anchor::End => "end",
                    };
                    let _ = write!(
                        s,
                        r#"<text x="{}" y="{}" font-size="{}" text-anchor="{}" fill="{}"{}{}>{}</text>"#,
                        n(*x),
                        n(*y),
                        n(*size),
                        a,
                        color.css(),
                        if *bold { r#" font-weight="bold""# } else { "" },
                        if *halo {
                            r##" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke""##
                        } else {
                            ""
                        },
                        esc(text)
                    );
                }
            }
            s.push('\n');
        }
        s.push_str("</svg>\n");
        s
    }

    // ---------------------------------------------------------------- PNG

    pub fn to_png(&self) -> Result<Vec<u8>, ReportError> {
        fonts()?;
        let fonts = (
            FontRef::try_from_slice(REGULAR).map_err(|e| ReportError::render("font", e))?,
            FontRef::try_from_slice(BOLD).map_err(|e| ReportError::render("font", e))?,
        );
        let k = PNG_SCALE;
        let (w, h) = ((self.w * k).round() as u32, (self.h * k).round() as u32);
        let mut buf = vec![255u8; (w * h * 3) as usize];
        {
            let area = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
            let err = |e: DrawingAreaErrorKind<_>| ReportError::render("png", format!("{e:?}"));
            let p = |q: &Pt| ((q.0 * k).round() as i32, (q.1 * k).round() as i32);
            for item in &self.items {
                match item {
                    Item::Rect {
                        x,
                        y,
                        w,
                        h,
                        fill,
                        stroke,
                    } => {
                        let a = p(&(*x, *y));
                        let b = p(&(x + w, y + h));
                        if let Some(c) = fill {
                            area.draw(&Rectangle::new([a, b], c.rgb().filled()))
                                .map_err(err)?;
                        }
                        if let Some((c, sw)) = stroke {
                            let ring =
                                [(*x, *y), (x + w, *y), (x + w, y + h), (*x, y + h), (*x, *y)];
                            area.draw(&PathElement::new(
                                ring.iter().map(p).collect::<Vec<_>>(),
                                stroke_style(*c, *sw),
                            ))
                            .map_err(err)?;
                        }
                    }
                    Item::Line {
                        pts,
                        color,
                        width,
                        dash,
                    } => {
                        let style = stroke_style(*color, *width);
                        if *dash {
                            for seg in dashes(pts, 6.0, 4.0) {
                                area.draw(&PathElement::new(
                                    seg.iter().map(p).collect::<Vec<_>>(),
                                    style,
                                ))
                                .map_err(err)?;
                            }
                        } else {
                            area.draw(&PathElement::new(
                                pts.iter().map(p).collect::<Vec<_>>(),
                                style,
                            ))
                            .map_err(err)?;
                        }
                    }
                    Item::Shape {
                        polys,
                        fill,
                        stroke,
                        ..
                    } => {
                        for poly in polys {
                            let outer: Vec<_> = poly.outer.iter().map(p).collect();
                            area.draw(&Polygon::new(outer, fill.rgb().filled()))
                                .map_err(err)?;
                            for hole in &poly.holes {
                                let hole: Vec<_> = hole.iter().map(p).collect();
                                area.draw(&Polygon::new(hole, WHITE.filled()))
                                    .map_err(err)?;
                            }
                        }
                        if let Some((c, sw)) = stroke {
                            for poly in polys {
                                for ring in std::iter::once(&poly.outer).chain(poly.holes.iter()) {
                                    let mut v: Vec<_> = ring.iter().map(p).collect();
                                    if let Some(f) = v.first().copied() {
                                        v.push(f);
                                    }
                                    area.draw(&PathElement::new(v, stroke_style(*c, *sw)))
                                        .map_err(err)?;
                                }
                            }
                        }
                    }
                    Item::Circle {
                        x,
                        y,
                        r,
                        fill,
                        stroke,
                    } => {
                        let c = p(&(*x, *y));
                        let rr = (r * k).round() as u32;
                        area.draw(&Circle::new(c, rr, fill.rgb().filled()))
                            .map_err(err)?;
                        if let Some((sc, sw)) = stroke {
                            area.draw(&Circle::new(c, rr, stroke_style(*sc, *sw)))
                                .map_err(err)?;
                        }
                    }
                    Item::Text {
                        x,
                        y,
                        text,
                        size,
                        color,
                        anchor,
                        bold,
                        halo,
                    } => {
                        let font = if *bold { &fonts.1 } else { &fonts.0 };
                        let px = (size * PX_PER_EM * k) as f32;
                        let w = layout_width(font, px, text);
                        let x0 = (x * k) as f32
                            - match anchor {
                                Anchor::Start => 0.0,
                                Anchor::Middle => w / 2.0,
                                Anchor::End => w,
                            };
                        let base = (y * k) as f32;
                        if *halo {
                            let d = (1.5 * k) as f32;
                            for (dx, dy) in [
                                (-d, 0.0),
                                (d, 0.0),
                                (0.0, -d),
                                (0.0, d),
                                (-d, -d),
                                (d, d),
                                (-d, d),
                                (d, -d),
                            ] {
                                draw_glyphs(&area, font, px, text, x0 + dx, base + dy, WHITE)
                                    .map_err(err)?;
                            }
                        }
                        draw_glyphs(&area, font, px, text, x0, base, color.rgb()).map_err(err)?;
                    }
                }
            }
            area.present().map_err(err)?;
        }
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new_with_quality(
            &mut png,
            image::codecs::png::CompressionType::Default,
            image::codecs::png::FilterType::Adaptive,
        )
        .write_image(&buf, w, h, image::ColorType::Rgb8)
        .map_err(|e| ReportError::render("png", e))?;
        Ok(png)
    }
}

use image::ImageEncoder as _;

/// Advance width of `text` in px (with kerning).
fn layout_width(font: &FontRef, px: f32, text: &str) -> f32 {
    let f = font.as_scaled(PxScale::from(px));
    let mut w = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            w += f.kern(p, id);
        }
        w += f.h_advance(id);
        prev = Some(id);
    }
    w
}

/// Rasterise `text` with its baseline at `base`, glyph by glyph with side
/// bearings and kerning, blending coverage through plotters' `draw_pixel`.
/// (plotters' own ab_glyph text drops the side bearings: "J ita".)
fn draw_glyphs<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    font: &FontRef,
    px: f32,
    text: &str,
    x: f32,
    base: f32,
    color: RGBColor,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let f = font.as_scaled(PxScale::from(px));
    let mut caret = x;
    let mut prev = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            caret += f.kern(p, id);
        }
        let g = id.with_scale_and_position(px, ab_glyph::point(caret, base));
        if let Some(og) = font.outline_glyph(g) {
            let b = og.px_bounds();
            let mut pixels = Vec::new();
            og.draw(|gx, gy, cov| {
                if cov > 0.02 {
                    pixels.push((b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32, cov));
                }
            });
            for (px_, py, cov) in pixels {
                area.draw_pixel((px_, py), &color.mix(cov.min(1.0) as f64))?;
            }
        }
        caret += f.h_advance(id);
        prev = Some(id);
    }
    Ok(())
}

fn stroke_style(c: Color, width: f64) -> ShapeStyle {
    ShapeStyle {
        color: c.rgb().to_rgba(),
        filled: false,
        stroke_width: (width * PNG_SCALE).round().max(1.0) as u32,
    }
}

fn stroke_attr(stroke: Option<(Color, f64)>) -> String {
    match stroke {
        Some((c, w)) => format!(r#" stroke="{}" stroke-width="{}""#, c.css(), n(w)),
        None => String::new(),
    }
}

/// Split a polyline into dash segments.
fn dashes(pts: &[Pt], on: f64, off: f64) -> Vec<Vec<Pt>> {
    let mut out = Vec::new();
    let mut cur: Vec<Pt> = Vec::new();
    let (mut drawing, mut left) = (true, on);
    for win in pts.windows(2) {
        let (a, b) = (win[0], win[1]);
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        let mut t = 0.0;
        if drawing && cur.is_empty() {
            cur.push(a);
        }
        while len - t > left {
            t += left;
            let q = (a.0 + (b.0 - a.0) * t / len, a.1 + (b.1 - a.1) * t / len);
            if drawing {
                cur.push(q);
                out.push(std::mem::take(&mut cur));
            } else {
                cur = vec![q];
            }
            drawing = !drawing;
            left = if drawing { on } else { off };
        }
        left -= len - t;
        if drawing {
            cur.push(b);
        }
    }
    if cur.len() > 1 {
        out.push(cur);
    }
    out
}

/// A coordinate with at most one decimal.
fn n(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{:.1}", r)
    }
}

/// Escape text for XML/HTML.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_measures_text() {
        let w = text_width("Mimika Baru", 12.0, false);
        assert!(w > 50.0 && w < 100.0, "{w}");
        assert!(text_width("Mimika Baru", 12.0, true) > w);
        assert!(
            text_width(
                &fit_text("Kabupaten Kepulauan Seribu Utara", 12.0, false, 80.0),
                12.0,
                false,
            ) <= 80.0
        );
    }

    #[test]
    fn png_and_svg() {
        let mut s = Scene::new(200.0, 100.0, "t & <x>");
        s.rect(10.0, 10.0, 50.0, 20.0, Color::hex("#b30000"));
        s.dashed(vec![(0.0, 50.0), (200.0, 50.0)], Color::BLACK, 1.0);
        s.halo_text(
            100.0,
            80.0,
            "Cakupan 95,3%",
            12.0,
            Color::BLACK,
            Anchor::Middle,
            false,
        );
        let svg = s.to_svg();
        assert!(svg.contains("t &amp; &lt;x&gt;") && svg.contains(">Cakupan 95,3%</text>"));
        let png = s.to_png().unwrap();
        assert_eq!(&png[1..4], b"PNG");
        // Text was drawn: some pixels near the text are dark.
        let img = image::load_from_memory(&png).unwrap().to_rgb8();
        let dark = img.pixels().filter(|p| p.0[0] < 80 && p.0[1] < 80).count();
        assert!(dark > 50, "{dark}");
    }

    #[test]
    fn dash_segments() {
        let d = dashes(&[(0.0, 0.0), (20.0, 0.0)], 6.0, 4.0);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0], vec![(0.0, 0.0), (6.0, 0.0)]);
        assert_eq!(d[1], vec![(10.0, 0.0), (16.0, 0.0)]);
    }
}
