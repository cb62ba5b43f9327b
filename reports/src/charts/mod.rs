//! All charts: one module per kind, each building a [`Scene`] that is written
//! as `charts/<stem>.svg` and `charts/<stem>.png`.

pub mod coverage;
pub mod map;
pub mod trend;
pub mod unrecorded;

use crate::classes::Class;
use crate::scene::{ink, Anchor, Scene};
use crate::{Ctx, Out, ReportError};
use data_schema::area::Level;

/// Where a figure belongs in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    Overview,
    Kabupaten(String),
    Trend,
    Maps,
    Desa(String),
}

/// A chart written to disk, with its SVG kept for inlining in the report.
#[allow(dead_code)]
pub struct Figure {
    pub stem: String,
    pub title: String,
    pub section: Section,
    pub svg: String,
}

/// At most this many bars per chart; the rest is in the tables.
pub const MAX_BARS: usize = 60;

fn save(out: &mut Out, stem: &str, scene: &Scene, section: Section) -> Result<Figure, ReportError> {
    let svg = scene.to_svg();
    out.write(&format!("charts/{stem}.svg"), svg.as_bytes())?;
    let png = scene.to_png()?;
    out.write(&format!("charts/{stem}.png"), &png)?;
    Ok(Figure {
        stem: stem.to_string(),
        title: scene.title.clone(),
        section,
        svg,
    })
}

/// `64.72` → `6472`, for file names.
pub fn stem_code(code: &str) -> String {
    code.replace('.', "")
}

pub(crate) fn render_all(ctx: &Ctx, out: &mut Out) -> Result<Vec<Figure>, ReportError> {
    let d = ctx.data;
    let l = ctx.lang();
    let mut figs = Vec::new();

    // Overview of kabupaten when the data spans several.
    if d.kabupaten.len() > 1 || d.provinsi.len() > 1 {
        let rows: Vec<_> = d.kabupaten.iter().collect();
        let title = l.t(
            "Cakupan perekaman KTP-el pemilih per kabupaten/kota",
            "KTP-el recording coverage of voters by regency/city",
        );
        let scene = coverage::chart(ctx, title, &rows, l.t("Kabupaten/kota", "Regency/city"));
        figs.push(save(out, "kabupaten_coverage", &scene, Section::Overview)?);
    }

    for kab in &d.kabupaten {
        let kecs: Vec<_> = d.children(Level::Kecamatan, &kab.code).collect();
        if kecs.is_empty() {
            continue;
        }
        let name = kab.label(l);
        let sec = Section::Kabupaten(kab.code.clone());
        let title = format!(
            "{} — {}",
            l.t(
                "Cakupan perekaman KTP-el pemilih per kecamatan",
                "KTP-el recording coverage of voters by district"
            ),
            name
        );
        let scene = coverage::chart(ctx, &title, &kecs, l.t("Kecamatan", "District"));
        figs.push(save(
            out,
            &format!("kecamatan_coverage_{}", stem_code(&kab.code)),
            &scene,
            sec.clone(),
        )?);

        let title = format!(
            "{} — {}",
            l.t(
                "Pemilih belum rekam KTP-el per kecamatan",
                "Voters without KTP-el recording by district"
            ),
            name
        );
        let scene = unrecorded::chart(ctx, &title, &kecs, l.t("Kecamatan", "District"));
        figs.push(save(
            out,
            &format!("kecamatan_unrecorded_{}", stem_code(&kab.code)),
            &scene,
            sec.clone(),
        )?);

        if let Some(scene) = map::kecamatan_map(ctx, kab, &kecs) {
            figs.push(save(
                out,
                &format!("map_kecamatan_{}", stem_code(&kab.code)),
                &scene,
                sec,
            )?);
        }
    }

    if let Some(t) = trend::weekly_chart(ctx) {
        figs.push(save(out, "trend_weekly", &t, Section::Trend)?);
    }
    if let Some(t) = trend::projection_chart(ctx) {
        figs.push(save(out, "trend_projection", &t, Section::Trend)?);
    }
    if let Some(scene) = map::kabupaten_map(ctx) {
        figs.push(save(out, "map_kabupaten", &scene, Section::Maps)?);
    }
    map::write_missing(ctx, out)?;

    for kec in &d.kecamatan {
        let desa: Vec<_> = d.children(Level::Desa, &kec.code).collect();
        if desa.is_empty() {
            continue;
        }
        let kab = kec
            .parent_code()
            .and_then(|p| d.find(Level::Kabupaten, p))
            .map(|k| k.label(l))
            .unwrap_or_default();
        let title = format!(
            "{} — {} {}, {}",
            l.t(
                "Cakupan pemilih per desa/kelurahan",
                "Voter coverage by village"
            ),
            l.t("Kec.", "District"),
            kec.label(l),
            kab
        );
        let scene = coverage::chart(ctx, &title, &desa, l.t("Desa/kelurahan", "Village"));
        figs.push(save(
            out,
            &format!("desa_coverage_{}", stem_code(&kec.code)),
            &scene,
            Section::Desa(kec.code.clone()),
        )?);
    }
    Ok(figs)
}

/// A "nice" axis step for `max` with about `ticks` ticks.
pub fn nice_step(max: f64, ticks: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let raw = max / ticks;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    (nice * mag).max(1.0)
}

/// A row of colour-class swatches with labels, starting at (x, y); returns the
/// x after the last entry.
pub fn class_legend(
    scene: &mut Scene,
    x: f64,
    y: f64,
    classes: &[Class],
    lang: crate::Lang,
) -> f64 {
    let mut x = x;
    for c in classes {
        scene.items.push(crate::scene::Item::Rect {
            x,
            y: y - 10.0,
            w: 14.0,
            h: 12.0,
            fill: Some(c.color()),
            stroke: Some((ink::AXIS, 0.5)),
        });
        let label = c.label(lang);
        scene.text(x + 18.0, y, label, 11.0, ink::TEXT, Anchor::Start);
        x += 18.0 + crate::scene::text_width(label, 11.0, false) + 14.0;
    }
    x
}

/// Subtitle shared by coverage charts: the dates the figures describe.
pub fn dates_note(ctx: &Ctx) -> String {
    let f = ctx.fmt;
    let l = ctx.lang();
    let mut parts = Vec::new();
    if let Some(e) = ctx.data.election_date() {
        parts.push(format!(
            "{} {}",
            l.t(
                "pemilih pada hari pemungutan suara",
                "voters on polling day"
            ),
            f.date(e)
        ));
    }
    if let Some(s) = ctx.data.as_of() {
        parts.push(format!("{} {}", l.t("data per", "data as of"), f.date(s)));
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn nice_steps() {
        assert_eq!(super::nice_step(100.0, 5.0), 20.0);
        assert_eq!(super::nice_step(1891.0, 5.0), 500.0);
        assert_eq!(super::nice_step(3.0, 5.0), 1.0);
    }
}
