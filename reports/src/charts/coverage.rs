//! Horizontal bars of eligible-voter coverage, worst first, with the target
//! line and "n dari N" labels. Used for kabupaten, kecamatan and desa.

use super::{class_legend, dates_note, MAX_BARS};
use crate::classes::Class;
use crate::data::Row;
use crate::scene::{fit_text, ink, text_width, Anchor, Item, Scene};
use crate::Ctx;

const W: f64 = 900.0;
const ROW_H: f64 = 22.0;
const BAR_H: f64 = 14.0;
const FONT: f64 = 12.0;

/// Sort worst first: lowest shown coverage first; areas whose coverage is
/// hidden (no eligible voters, suppressed) last; ties by code.
pub fn worst_first<'a>(ctx: &Ctx, rows: &[&'a Row]) -> Vec<&'a Row> {
    let mut v: Vec<&Row> = rows.to_vec();
    v.sort_by(|a, b| {
        let (pa, pb) = (a.coverage(ctx.fmt), b.coverage(ctx.fmt));
        match (pa, pb) {
            (Some(x), Some(y)) => x.total_cmp(&y).then_with(|| a.code.cmp(&b.code)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.code.cmp(&b.code),
        }
    });
    v
}

pub fn chart(ctx: &Ctx, title: &str, rows: &[&Row], header: &str) -> Scene {
    let f = ctx.fmt;
    let l = ctx.lang();
    let target = ctx.opts.target_pct;
    let all = worst_first(ctx, rows);
    let shown = &all[..all.len().min(MAX_BARS)];

    let labels: Vec<String> = shown.iter().map(|r| r.label(l)).collect();
    let label_w = labels
        .iter()
        .map(|s| text_width(s, FONT, false))
        .fold(text_width(header, 11.0, true), f64::max)
        .min(230.0);
    let nofs: Vec<String> = shown
        .iter()
        .map(|r| f.n_of(r.eligible_recorded, r.eligible))
        .collect();
    let rec_header = l.t("sudah rekam", "recorded");
    let nof_w = nofs
        .iter()
        .map(|s| text_width(s, FONT, false))
        .fold(text_width(rec_header, 11.0, true), f64::max);
    let pct_w =
        text_width("100,0%", FONT, true).max(text_width(l.t("cakupan", "coverage"), 11.0, true));

    let x_label = 16.0;
    let x0 = x_label + label_w + 10.0;
    let x_nof = W - 16.0; // right-aligned
    let x_pct = x_nof - nof_w - 14.0; // right-aligned
    let x1 = x_pct - pct_w - 16.0;
    let sx = |p: f64| x0 + (x1 - x0) * p.clamp(0.0, 100.0) / 100.0;

    let n = shown.len().max(1) as f64;
    let mut subtitle = dates_note(ctx);
    if all.len() > shown.len() {
        subtitle = format!(
            "{} · {} {} {}",
            subtitle,
            shown.len(),
            l.t("terendah dari", "lowest of"),
            all.len()
        );
    }
    let mut s = Scene::new(W, 0.0, title);
    let top = s.heading(title, &subtitle) + 26.0;
    let plot_top = top;
    let plot_bot = plot_top + n * ROW_H;
    s.h = plot_bot + 30.0 + 32.0;

    // Grid and axis.
    for p in (0..=100).step_by(20) {
        let x = sx(p as f64);
        s.line(vec![(x, plot_top - 4.0), (x, plot_bot)], ink::GRID, 1.0);
        s.text(
            x,
            plot_bot + 16.0,
            f.pct_short(p as f64),
            11.0,
            ink::MUTED,
            Anchor::Middle,
        );
    }
    // Column headers.
    s.bold(
        x_label,
        plot_top - 8.0,
        fit_text(header, 11.0, true, label_w),
        11.0,
        ink::MUTED,
        Anchor::Start,
    );
    s.bold(
        x_pct,
        plot_top - 8.0,
        l.t("cakupan", "coverage"),
        11.0,
        ink::MUTED,
        Anchor::End,
    );
    s.bold(
        x_nof,
        plot_top - 8.0,
        rec_header,
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
                crate::scene::Color::hex("#f7f7f7"),
            );
        }
        s.text(
            x_label,
            base,
            fit_text(&labels[i], FONT, false, label_w),
            FONT,
            ink::TEXT,
            Anchor::Start,
        );
        let pct = r.coverage(f);
        let class = if pct.is_none() && r.eligible > 0 {
            Class::Suppressed
        } else {
            Class::of(pct)
        };
        match pct {
            Some(p) => {
                s.items.push(Item::Rect {
                    x: x0,
                    y: yc - BAR_H / 2.0,
                    w: sx(p) - x0,
                    h: BAR_H,
                    fill: Some(class.color()),
                    stroke: Some((crate::scene::Color::hex("#8c2d04"), 0.4)),
                });
                s.bold(x_pct, base, f.pct(p), FONT, ink::TEXT, Anchor::End);
            }
            None => {
                let why = if r.eligible == 0 {
                    l.t("tidak ada pemilih", "no eligible voters")
                } else {
                    l.t("disembunyikan (sel kecil)", "suppressed (small cell)")
                };
                s.text(x0 + 4.0, base, why, 11.0, ink::MUTED, Anchor::Start);
                s.text(x_pct, base, "–", FONT, ink::MUTED, Anchor::End);
            }
        }
        s.text(x_nof, base, &nofs[i], FONT, ink::TEXT, Anchor::End);
    }
    // Target line over the bars.
    let xt = sx(target);
    s.dashed(vec![(xt, plot_top - 6.0), (xt, plot_bot)], ink::TARGET, 1.5);
    let tl = format!("{} {}", l.t("target", "target"), f.pct_short(target));
    s.halo_text(
        xt,
        plot_top - 10.0 - 12.0,
        tl,
        11.0,
        ink::TARGET,
        Anchor::Middle,
        true,
    );
    s.line(vec![(x0, plot_top - 4.0), (x0, plot_bot)], ink::AXIS, 1.0);

    let ly = plot_bot + 44.0;
    let lx = s_text_start(&mut s, l.t("Cakupan pemilih:", "Voter coverage:"), ly);
    let mut classes = Class::COVERAGE.to_vec();
    if shown
        .iter()
        .any(|r| r.coverage(f).is_none() && r.eligible > 0)
    {
        classes.push(Class::Suppressed);
    }
    class_legend(&mut s, lx, ly, &classes, l);
    s
}

fn s_text_start(s: &mut Scene, text: &str, y: f64) -> f64 {
    s.bold(16.0, y, text, 11.0, ink::TEXT, Anchor::Start);
    16.0 + text_width(text, 11.0, true) + 10.0
}
