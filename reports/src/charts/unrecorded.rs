//! Stacked horizontal bars of eligible voters without KTP-el recording:
//! backlog (already 17 or married at the as-of date) and first-time voters.
//! Most unrecorded first.

use super::{nice_step, MAX_BARS};
use crate::data::Row;
use crate::scene::{fit_text, ink, text_width, Anchor, Color, Item, Scene};
use crate::Ctx;

const W: f64 = 900.0;
const ROW_H: f64 = 22.0;
const BAR_H: f64 = 14.0;
const FONT: f64 = 12.0;

pub fn chart(ctx: &Ctx, title: &str, rows: &[&Row], header: &str) -> Scene {
    let f = ctx.fmt;
    let l = ctx.lang();
    let mut all: Vec<&Row> = rows.to_vec();
    all.sort_by(|a, b| {
        b.eligible_unrecorded
            .cmp(&a.eligible_unrecorded)
            .then_with(|| a.code.cmp(&b.code))
    });
    let shown = &all[..all.len().min(MAX_BARS)];

    let labels: Vec<String> = shown.iter().map(|r| r.label(l)).collect();
    let label_w = labels
        .iter()
        .map(|s| text_width(s, FONT, false))
        .fold(text_width(header, 11.0, true), f64::max)
        .min(230.0);
    // Right column: "total (pemula n)".
    let totals: Vec<String> = shown
        .iter()
        .map(|r| {
            format!(
                "{} ({} {})",
                f.count(r.eligible_unrecorded),
                l.t("pemula", "first-time"),
                f.count(r.first_time_unrecorded)
            )
        })
        .collect();
    let col_header = l.t("belum rekam", "not recorded");
    let tot_w = totals
        .iter()
        .map(|s| text_width(s, FONT, false))
        .fold(text_width(col_header, 11.0, true), f64::max);

    let x0 = 16.0 + label_w + 10.0;
    let x_tot = W - 16.0;
    let x1 = x_tot - tot_w - 20.0;
    // A suppressed segment is drawn with no length (its size is not shown).
    let seg = |n: u64| if f.is_suppressed(n) { 0 } else { n };
    let max = shown
        .iter()
        .map(|r| seg(r.backlog_unrecorded) + seg(r.first_time_unrecorded))
        .max()
        .unwrap_or(0) as f64;
    let step = nice_step(max.max(1.0), 5.0);
    let axis_max = (max / step).ceil().max(1.0) * step;
    let sx = |v: f64| x0 + (x1 - x0) * v / axis_max;

    let n = shown.len().max(1) as f64;
    let mut subtitle = super::dates_note(ctx);
    if all.len() > shown.len() {
        subtitle = format!(
            "{} · {} {} {}",
            subtitle,
            shown.len(),
            l.t("terbanyak dari", "largest of"),
            all.len()
        );
    }
    let mut s = Scene::new(W, 0.0, title);
    let plot_top = s.heading(title, &subtitle) + 22.0;
    let plot_bot = plot_top + n * ROW_H;
    s.h = plot_bot + 30.0 + 32.0;

    let mut v = 0.0;
    while v <= axis_max + 1e-9 {
        let x = sx(v);
        s.line(vec![(x, plot_top - 4.0), (x, plot_bot)], ink::GRID, 1.0);
        s.text(
            x,
            plot_bot + 16.0,
            f.int(v as u64),
            11.0,
            ink::MUTED,
            Anchor::Middle,
        );
        v += step;
    }
    s.bold(
        16.0,
        plot_top - 8.0,
        fit_text(header, 11.0, true, label_w),
        11.0,
        ink::MUTED,
        Anchor::Start,
    );
    s.bold(
        x_tot,
        plot_top - 8.0,
        col_header,
        11.0,
        ink::MUTED,
        Anchor::End,
    );

    for (i, r) in shown.iter().enumerate() {
        let yc = plot_top + i as f64 * ROW_H + ROW_H / 2.0;
        let base = yc + FONT * 0.36;
        if i % 2 == 1 {
            s.rect(
                8.0,
                yc - ROW_H / 2.0,
                W - 16.0,
                ROW_H,
                Color::hex("#f7f7f7"),
            );
        }
        s.text(
            16.0,
            base,
            fit_text(&labels[i], FONT, false, label_w),
            FONT,
            ink::TEXT,
            Anchor::Start,
        );
        let b = seg(r.backlog_unrecorded) as f64;
        let t = seg(r.first_time_unrecorded) as f64;
        let xb = sx(b);
        let xt = sx(b + t);
        for (xa, xz, c, v) in [
            (x0, xb, ink::BLUE, r.backlog_unrecorded),
            (xb, xt, ink::ORANGE, r.first_time_unrecorded),
        ] {
            if xz - xa > 0.0 {
                s.items.push(Item::Rect {
                    x: xa,
                    y: yc - BAR_H / 2.0,
                    w: xz - xa,
                    h: BAR_H,
                    fill: Some(c),
                    stroke: None,
                });
                let txt = f.count(v);
                if text_width(&txt, 10.0, false) + 6.0 < xz - xa {
                    s.text(
                        (xa + xz) / 2.0,
                        yc + 3.6,
                        txt,
                        10.0,
                        Color::WHITE,
                        Anchor::Middle,
                    );
                }
            }
        }
        s.text(x_tot, base, &totals[i], FONT, ink::TEXT, Anchor::End);
    }
    s.line(vec![(x0, plot_top - 4.0), (x0, plot_bot)], ink::AXIS, 1.0);

    let ly = plot_bot + 44.0;
    let mut x = 16.0;
    let s_date = ctx.data.as_of().map(|d| f.date(d)).unwrap_or_default();
    let e_date = ctx
        .data
        .election_date()
        .map(|d| f.date(d))
        .unwrap_or_default();
    let backlog = format!(
        "{} {}",
        l.t(
            "tunggakan: sudah 17 th/kawin per",
            "backlog: already 17 or married by"
        ),
        s_date
    );
    let first = format!(
        "{} {}",
        l.t(
            "pemilih pemula: genap 17 th sebelum",
            "first-time voters: turn 17 before"
        ),
        e_date
    );
    for (c, t) in [(ink::BLUE, backlog), (ink::ORANGE, first)] {
        s.rect(x, ly - 10.0, 14.0, 12.0, c);
        s.text(x + 18.0, ly, &t, 11.0, ink::TEXT, Anchor::Start);
        x += 18.0 + text_width(&t, 11.0, false) + 18.0;
    }
    if let Some(k) = f.suppress_below {
        if shown.iter().any(|r| {
            f.is_suppressed(r.backlog_unrecorded) || f.is_suppressed(r.first_time_unrecorded)
        }) {
            let t = format!(
                "{} {} {}",
                l.t("bagian <", "segments <"),
                k,
                l.t("tidak digambar", "not drawn")
            );
            s.text(x, ly, t, 11.0, ink::MUTED, Anchor::Start);
        }
    }
    s
}
