//! Choropleth maps of eligible-voter coverage per kecamatan (one map per
//! kabupaten, where kecamatan boundaries exist) and per kabupaten, fitted to
//! the areas with data. Areas without a boundary are listed, not dropped.

use super::class_legend;
use crate::classes::Class;
use crate::data::Row;
use crate::geo::{self, Feature, Layer};
use crate::scene::{esc, fit_text, ink, text_width, Anchor, Color, Item, Poly, Pt, Scene};
use crate::{Ctx, Out, ReportError};
use data_schema::area::Level;

const W: f64 = 900.0;
const MAP_W: f64 = 580.0;
const MAP_H: f64 = 540.0;
const SIDE_X: f64 = 16.0 + MAP_W + 24.0;

/// An area with data and no boundary to draw it.
pub struct Missing {
    pub level: Level,
    pub code: String,
    pub name: String,
    pub reason: &'static str,
}

/// Areas (kecamatan, kabupaten) with data but no boundary.
pub fn missing(ctx: &Ctx) -> Vec<Missing> {
    let mut out = Vec::new();
    let l = ctx.lang();
    for r in &ctx.data.kecamatan {
        let pp = &r.code[..r.code.len().min(2)];
        let reason = match geo::kecamatan(pp) {
            None => l.t(
                "tidak ada batas kecamatan untuk provinsi ini",
                "no kecamatan boundaries for this province",
            ),
            Some(layer) if layer.get(&r.code).is_none() => l.t(
                "kode tidak ada di berkas batas",
                "code not in the boundary file",
            ),
            Some(_) => continue,
        };
        out.push(Missing {
            level: Level::Kecamatan,
            code: r.code.clone(),
            name: r.label(l),
            reason,
        });
    }
    for r in &ctx.data.kabupaten {
        if geo::kabupaten().get(&r.code).is_none() {
            let reason = l.t(
                "kode tidak ada di berkas batas",
                "code not in the boundary file",
            );
            out.push(Missing {
                level: Level::Kabupaten,
                code: r.code.clone(),
                name: r.label(l),
                reason,
            });
        }
    }
    out
}

/// `charts/missing_boundaries.csv`: level, area_code, area_name, reason.
pub fn write_missing(ctx: &Ctx, out: &mut Out) -> Result<(), ReportError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let e = |e: csv::Error| ReportError::render("missing_boundaries.csv", e);
    w.write_record(["level", "area_code", "area_name", "reason"])
        .map_err(e)?;
    for m in missing(ctx) {
        w.write_record([m.level.name(), &m.code, &m.name, m.reason])
            .map_err(e)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ReportError::render("missing_boundaries.csv", e))?;
    out.write("charts/missing_boundaries.csv", &bytes)
}

/// One area to colour.
struct Area<'a> {
    row: &'a Row,
    feature: &'a Feature,
    class: Class,
    pct: Option<f64>,
}

pub fn kecamatan_map(ctx: &Ctx, kab: &Row, kecs: &[&Row]) -> Option<Scene> {
    let l = ctx.lang();
    let layer = geo::kecamatan(&kab.code[..kab.code.len().min(2)])?;
    let title = format!(
        "{} — {}",
        l.t(
            "Peta cakupan pemilih per kecamatan",
            "Map of voter coverage by district"
        ),
        kab.label(l)
    );
    // Kecamatan of this kabupaten without rows are "no data"; others are context.
    let prefix = format!("{}.", kab.code);
    draw(
        ctx,
        &title,
        layer,
        kecs,
        |f| f.code.starts_with(&prefix),
        None,
    )
}

pub fn kabupaten_map(ctx: &Ctx) -> Option<Scene> {
    let l = ctx.lang();
    let rows: Vec<&Row> = ctx.data.kabupaten.iter().collect();
    let provs: Vec<String> = ctx
        .data
        .provinsi
        .iter()
        .map(|p| format!("{}.", p.code))
        .collect();
    let title = l.t(
        "Peta cakupan pemilih per kabupaten/kota",
        "Map of voter coverage by regency/city",
    );
    draw(
        ctx,
        title,
        geo::kabupaten(),
        &rows,
        |f| provs.iter().any(|p| f.code.starts_with(p.as_str())),
        Some(geo::provinsi()),
    )
}

fn draw(
    ctx: &Ctx,
    title: &str,
    layer: &Layer,
    rows: &[&Row],
    same_parent: impl Fn(&Feature) -> bool,
    outlines: Option<&Layer>,
) -> Option<Scene> {
    let f = ctx.fmt;
    let l = ctx.lang();
    let mut areas: Vec<Area> = rows
        .iter()
        .filter_map(|r| {
            let feature = layer.get(&r.code)?;
            let pct = r.coverage(f);
            let class = if pct.is_none() && r.eligible > 0 {
                Class::Suppressed
            } else {
                Class::of(pct)
            };
            Some(Area {
                row: r,
                feature,
                class,
                pct,
            })
        })
        .collect();
    if areas.is_empty() {
        return None;
    }
    let n_missing = rows.len() - areas.len();
    // Worst first; numbers on the map follow this order.
    areas.sort_by(|a, b| match (a.pct, b.pct) {
        (Some(x), Some(y)) => x.total_cmp(&y).then_with(|| a.row.code.cmp(&b.row.code)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.row.code.cmp(&b.row.code),
    });

    // Extent of the areas with data, padded, in an equirectangular projection.
    let mut bb = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for a in &areas {
        bb[0] = bb[0].min(a.feature.bbox[0]);
        bb[1] = bb[1].min(a.feature.bbox[1]);
        bb[2] = bb[2].max(a.feature.bbox[2]);
        bb[3] = bb[3].max(a.feature.bbox[3]);
    }
    let pad = 0.05 * (bb[2] - bb[0]).max(bb[3] - bb[1]).max(0.02);
    let bb = [bb[0] - pad, bb[1] - pad, bb[2] + pad, bb[3] + pad];
    let kx = ((bb[1] + bb[3]) / 2.0).to_radians().cos();
    let (gw, gh) = ((bb[2] - bb[0]) * kx, bb[3] - bb[1]);
    let scale = (MAP_W / gw).min(MAP_H / gh);
    let (mw, mh) = (gw * scale, gh * scale);

    let subtitle = format!(
        "{} · {}",
        super::dates_note(ctx),
        l.t(
            "batas wilayah: cahyadsn/wilayah_boundaries (MIT)",
            "boundaries: cahyadsn/wilayah_boundaries (MIT)"
        )
    );
    let mut s = Scene::new(W, 0.0, title);
    let top = s.heading(title, &subtitle) + 10.0;
    s.items.clear(); // drawn again on top of the frame cover below
    let ox = 16.0 + (MAP_W - mw) / 2.0;
    let oy = top;
    let proj =
        |p: &(f64, f64)| -> Pt { (ox + (p.0 - bb[0]) * kx * scale, oy + (bb[3] - p.1) * scale) };
    let visible =
        |fb: &[f64; 4]| fb[2] >= bb[0] && fb[0] <= bb[2] && fb[3] >= bb[1] && fb[1] <= bb[3];

    let data_codes: std::collections::HashSet<&str> =
        areas.iter().map(|a| a.row.code.as_str()).collect();
    // Background: areas in view without data.
    s.rect(ox, oy, mw, mh, Color::hex("#eef4f8"));
    let mut context: Vec<&Feature> = layer
        .features
        .iter()
        .filter(|ft| visible(&ft.bbox) && !data_codes.contains(ft.code.as_str()))
        .collect();
    context.sort_by(|a, b| area_of(b).total_cmp(&area_of(a)));
    let mut any_no_data = false;
    for ft in context {
        let polys = project_feature(ft, &proj);
        if polys.is_empty() {
            continue;
        }
        let inside = same_parent(ft);
        any_no_data |= inside;
        let fill = if inside {
            Class::NoData.color()
        } else {
            Color::hex("#f4f4f2")
        };
        let tip = format!("{} ({}) — {}", ft.name, ft.code, Class::NoData.label(l));
        s.items.push(Item::Shape {
            polys,
            fill,
            stroke: Some((Color::hex("#ffffff"), 0.7)),
            tip: Some(tip),
        });
    }
    // Areas with data, largest first so enclosed areas are drawn on top.
    let mut order: Vec<usize> = (0..areas.len()).collect();
    order.sort_by(|&a, &b| area_of(areas[b].feature).total_cmp(&area_of(areas[a].feature)));
    let mut labels = Vec::new();
    for &i in &order {
        let a = &areas[i];
        let polys = project_feature(a.feature, &proj);
        let value = match a.pct {
            Some(p) => format!(
                "{} ({})",
                f.pct(p),
                f.n_of(a.row.eligible_recorded, a.row.eligible)
            ),
            None => a.class.label(l).to_string(),
        };
        let tip = format!("{} ({}) — {}", a.row.label(l), a.row.code, value);
        let big = polys
            .iter()
            .max_by(|x, y| ring_area(&x.outer).total_cmp(&ring_area(&y.outer)))
            .cloned();
        s.items.push(Item::Shape {
            polys,
            fill: a.class.color(),
            stroke: Some((Color::hex("#4d4d4d"), 0.6)),
            tip: Some(tip),
        });
        if let Some(big) = big {
            labels.push((i, big));
        }
    }
    if let Some(ol) = outlines {
        for ft in ol.features.iter().filter(|ft| visible(&ft.bbox)) {
            for p in project_feature(ft, &proj) {
                let mut ring = p.outer.clone();
                ring.push(ring[0]);
                s.line(ring, Color::hex("#5f6368"), 1.2);
            }
        }
    }
    // Labels: the name where it fits, else the area's number in the key;
    // none where it would overlap another label. Tiny areas get a ring.
    let mut placed: Vec<[f64; 4]> = Vec::new();
    let free = |r: [f64; 4], placed: &Vec<[f64; 4]>| {
        placed
            .iter()
            .all(|p| r[2] < p[0] || r[0] > p[2] || r[3] < p[1] || r[1] > p[3])
    };
    for (i, poly) in &labels {
        let a = &areas[*i];
        let (bx0, by0, bx1, by1) = poly.outer.iter().fold(
            (
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ),
            |b, q| (b.0.min(q.0), b.1.min(q.1), b.2.max(q.0), b.3.max(q.1)),
        );
        let (x, y) = match label_point(poly) {
            Some((x, y, _)) => (x, y),
            None => ((bx0 + bx1) / 2.0, (by0 + by1) / 2.0),
        };
        if bx1 - bx0 < 14.0 && by1 - by0 < 14.0 {
            s.items.push(Item::Circle {
                x,
                y,
                r: 9.0,
                fill: a.class.color(),
                stroke: Some((ink::TEXT, 1.5)),
            });
        }
        let name = a.row.label(l);
        let wn = text_width(&name, 10.0, true);
        let name_box = [x - wn / 2.0 - 2.0, y - 8.0, x + wn / 2.0 + 2.0, y + 5.0];
        let text = if covered(poly, y - 6.0, name_box[0], name_box[2])
            && covered(poly, y + 3.0, name_box[0], name_box[2])
            && free(name_box, &placed)
        {
            placed.push(name_box);
            name
        } else {
            let num = (i + 1).to_string();
            let wn = text_width(&num, 10.0, true);
            let b = [x - wn / 2.0 - 2.0, y - 8.0, x + wn / 2.0 + 2.0, y + 5.0];
            if !free(b, &placed) {
                continue;
            }
            placed.push(b);
            num
        };
        s.halo_text(x, y + 3.5, text, 10.0, ink::TEXT, Anchor::Middle, true);
    }
    // Hide what spills outside the map frame.
    let white = Color::WHITE;
    s.rect(0.0, 0.0, W, oy, white);
    s.rect(0.0, oy + mh, W, 2000.0, white);
    s.rect(0.0, oy, ox, mh, white);
    s.rect(ox + mw, oy, W - ox - mw, mh, white);
    s.frame(ox, oy, mw, mh, ink::AXIS, 0.8);
    // Heading again, on top of the cover.
    let heading_items: Vec<Item> = {
        let mut h = Scene::new(W, 0.0, "");
        h.heading(title, &subtitle);
        h.items
    };
    s.items.extend(heading_items);

    // Side panel: legend, then the key of areas, worst first.
    let mut y = top + 14.0;
    s.bold(
        SIDE_X,
        y,
        l.t("Cakupan pemilih", "Voter coverage"),
        12.0,
        ink::TEXT,
        Anchor::Start,
    );
    y += 20.0;
    let mut classes = Class::COVERAGE.to_vec();
    if areas.iter().any(|a| a.class == Class::Suppressed) {
        classes.push(Class::Suppressed);
    }
    if any_no_data {
        classes.push(Class::NoData);
    }
    for c in classes {
        let n = areas.iter().filter(|a| a.class == c).count();
        class_legend(&mut s, SIDE_X, y, &[c], l);
        if c != Class::NoData {
            s.text(W - 16.0, y, n.to_string(), 11.0, ink::MUTED, Anchor::End);
        }
        y += 18.0;
    }
    y += 12.0;
    s.bold(
        SIDE_X,
        y,
        l.t("Wilayah, terendah dulu", "Areas, lowest first"),
        12.0,
        ink::TEXT,
        Anchor::Start,
    );
    y += 18.0;
    let max_rows = (((oy + MAP_H.max(mh)) - y - 30.0) / 16.0).floor().max(5.0) as usize;
    for (i, a) in areas.iter().enumerate().take(max_rows) {
        s.text(
            SIDE_X + 16.0,
            y,
            (i + 1).to_string(),
            10.5,
            ink::MUTED,
            Anchor::End,
        );
        s.items.push(Item::Rect {
            x: SIDE_X + 22.0,
            y: y - 9.0,
            w: 10.0,
            h: 10.0,
            fill: Some(a.class.color()),
            stroke: Some((ink::AXIS, 0.5)),
        });
        let v = a.pct.map(|p| f.pct(p)).unwrap_or_else(|| "–".into());
        let room = W - 16.0 - (SIDE_X + 38.0) - text_width("100,0%", 10.5, false) - 8.0;
        s.text(
            SIDE_X + 38.0,
            y,
            fit_text(&a.row.label(l), 10.5, false, room),
            10.5,
            ink::TEXT,
            Anchor::Start,
        );
        s.text(W - 16.0, y, v, 10.5, ink::TEXT, Anchor::End);
        y += 16.0;
    }
    if areas.len() > max_rows {
        let t = format!(
            "… {} {}",
            areas.len() - max_rows,
            l.t("wilayah lain: lihat tabel", "more areas: see the tables")
        );
        s.text(SIDE_X, y, t, 10.5, ink::MUTED, Anchor::Start);
        y += 16.0;
    }
    if n_missing > 0 {
        y += 6.0;
        let t = format!(
            "{} {}",
            n_missing,
            l.t(
                "wilayah tanpa batas peta (lihat daftar)",
                "areas without a boundary (see list)"
            )
        );
        s.text(SIDE_X, y, t, 10.5, Color::hex("#b30000"), Anchor::Start);
        y += 16.0;
    }
    s.h = (oy + mh + 16.0).max(y + 10.0);
    Some(s)
}

fn area_of(f: &Feature) -> f64 {
    (f.bbox[2] - f.bbox[0]) * (f.bbox[3] - f.bbox[1])
}

/// Project a feature to screen, dropping vertices closer than 0.6 px.
fn project_feature(ft: &Feature, proj: &impl Fn(&(f64, f64)) -> Pt) -> Vec<Poly> {
    let simplify = |ring: &Vec<(f64, f64)>| -> Vec<Pt> {
        let mut out: Vec<Pt> = Vec::with_capacity(ring.len() / 2);
        for p in ring {
            let q = proj(p);
            if out
                .last()
                .is_none_or(|l: &Pt| (l.0 - q.0).abs() + (l.1 - q.1).abs() >= 0.6)
            {
                out.push(q);
            }
        }
        out
    };
    ft.polygons
        .iter()
        .filter_map(|rings| {
            let outer = simplify(rings.first()?);
            if outer.len() < 3 || ring_area(&outer) < 0.3 {
                return None;
            }
            let holes = rings[1..]
                .iter()
                .map(simplify)
                .filter(|h| h.len() >= 3 && ring_area(h) >= 0.3)
                .collect();
            Some(Poly { outer, holes })
        })
        .collect()
}

/// Interior runs of the polygon on the horizontal line at `y` (even-odd).
fn runs_at(p: &Poly, y: f64) -> Vec<(f64, f64)> {
    let mut xs = Vec::new();
    for ring in std::iter::once(&p.outer).chain(p.holes.iter()) {
        for i in 0..ring.len() {
            let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
            if (a.1 <= y) != (b.1 <= y) {
                xs.push(a.0 + (y - a.1) * (b.0 - a.0) / (b.1 - a.1));
            }
        }
    }
    xs.sort_by(f64::total_cmp);
    xs.chunks(2)
        .filter_map(|c| if let [a, b] = c { Some((*a, *b)) } else { None })
        .collect()
}

/// Whether [xa, xb] lies inside the polygon on the line at `y`.
fn covered(p: &Poly, y: f64, xa: f64, xb: f64) -> bool {
    runs_at(p, y).iter().any(|&(a, b)| a <= xa && xb <= b)
}

fn ring_area(r: &[Pt]) -> f64 {
    let mut a = 0.0;
    for i in 0..r.len() {
        let (p, q) = (r[i], r[(i + 1) % r.len()]);
        a += p.0 * q.1 - q.0 * p.1;
    }
    (a / 2.0).abs()
}

/// A point well inside the polygon for a label, and the horizontal room there:
/// the midpoint of the longest interior run on a few horizontal scan lines,
/// preferring lines near the vertical middle.
fn label_point(p: &Poly) -> Option<(f64, f64, f64)> {
    let (ymin, ymax) = p
        .outer
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |a, q| {
            (a.0.min(q.1), a.1.max(q.1))
        });
    if ymax - ymin < 9.0 {
        return None;
    }
    let mut best: Option<(f64, f64, f64, f64)> = None; // score, x, y, len
    for k in 1..12 {
        let y = ymin + (ymax - ymin) * k as f64 / 12.0;
        for (a, b) in runs_at(p, y) {
            let len = b - a;
            let centrality = 1.0 - ((y - (ymin + ymax) / 2.0).abs() / (ymax - ymin));
            let score = len * (0.5 + centrality);
            if best.is_none_or(|bb| score > bb.0) {
                best = Some((score, (a + b) / 2.0, y, len));
            }
        }
    }
    best.map(|b| (b.1, b.2, b.3))
}

/// The escaped tooltip of a map area (for tests).
#[allow(dead_code)]
pub fn tip_fragment(name: &str) -> String {
    format!("<title>{}", esc(name))
}
