//! Recording trend from `trend_weekly.csv` and the projection of coverage to
//! polling day at the recent weekly rate (mean of `first_recordings_eligible`
//! over the last 8 complete weeks up to the as-of date).

use super::nice_step;
use crate::data::Data;
use crate::scene::{ink, text_width, Anchor, Color, Item, Scene};
use crate::Ctx;
use chrono::{Datelike, Duration, NaiveDate};
use std::collections::BTreeMap;

const W: f64 = 900.0;
/// Weeks averaged for the recent rate.
pub const RATE_WEEKS: usize = 8;
/// Weeks of history shown in the weekly chart.
const SHOW_WEEKS: i64 = 52;

/// Weekly totals over an area, zero-filled, up to the week of the as-of date.
pub struct Weeks {
    /// (Monday, recordings, first recordings of eligible voters)
    pub weeks: Vec<(NaiveDate, u64, u64)>,
}

/// Coverage now and at polling day at the recent rate.
#[allow(dead_code)]
pub struct Projection {
    pub eligible: u64,
    pub recorded: u64,
    pub now_pct: f64,
    /// Mean first recordings of eligible voters per week, last 8 complete weeks.
    pub rate: f64,
    /// First and last Monday of the weeks averaged.
    pub rate_from: NaiveDate,
    pub rate_to: NaiveDate,
    /// Weeks from the as-of date to polling day (may be fractional; 0 if past).
    pub weeks_left: f64,
    /// None when polling day is not after the as-of date (a look back).
    pub projected_pct: Option<f64>,
    /// Weekly first recordings needed to reach the target by polling day.
    pub needed_rate: Option<f64>,
}

fn monday(d: NaiveDate) -> NaiveDate {
    d - Duration::days(d.weekday().num_days_from_monday() as i64)
}

/// Weekly totals of the kecamatan under `prefix` (all when None).
pub fn weeks(data: &Data, prefix: Option<&str>) -> Option<Weeks> {
    let trend = data.trend.as_ref()?;
    let as_of = data.as_of()?;
    let mut by: BTreeMap<NaiveDate, (u64, u64)> = BTreeMap::new();
    for r in trend {
        if let Some(p) = prefix {
            if !(r.area_code.starts_with(p) && r.area_code.as_bytes().get(p.len()) == Some(&b'.')) {
                continue;
            }
        }
        let e = by.entry(monday(r.week_start)).or_default();
        e.0 += r.recordings;
        e.1 += r.first_recordings_eligible;
    }
    let first = *by.keys().next()?;
    let last = monday(as_of).max(*by.keys().next_back()?);
    let mut out = Vec::new();
    let mut d = first;
    while d <= last {
        let (a, b) = by.get(&d).copied().unwrap_or((0, 0));
        out.push((d, a, b));
        d += Duration::days(7);
    }
    Some(Weeks { weeks: out })
}

pub fn project(ctx: &Ctx, prefix: Option<&str>) -> Option<Projection> {
    let data = ctx.data;
    let as_of = data.as_of()?;
    let w = weeks(data, prefix)?;
    let row = match prefix {
        None => data.total(),
        Some(p) => data.rows(level_of(p)).iter().find(|r| r.code == p)?.clone(),
    };
    if row.eligible == 0 {
        return None;
    }
    // Complete weeks: Monday + 6 days on or before the as-of date.
    let complete: Vec<_> = w
        .weeks
        .iter()
        .filter(|(d, _, _)| *d + Duration::days(6) <= as_of)
        .collect();
    let recent = &complete[complete.len().saturating_sub(RATE_WEEKS)..];
    if recent.is_empty() {
        return None;
    }
    let rate = recent.iter().map(|x| x.2 as f64).sum::<f64>() / recent.len() as f64;
    let now_pct = 100.0 * row.eligible_recorded as f64 / row.eligible as f64;
    let e = data.election_date();
    let weeks_left = e
        .map(|e| ((e - as_of).num_days() as f64 / 7.0).max(0.0))
        .unwrap_or(0.0);
    let future = e.is_some_and(|e| e > as_of);
    let projected_pct = future.then(|| {
        let rec = (row.eligible_recorded as f64 + rate * weeks_left).min(row.eligible as f64);
        100.0 * rec / row.eligible as f64
    });
    let needed_rate = future.then(|| {
        let goal = ctx.opts.target_pct / 100.0 * row.eligible as f64;
        ((goal - row.eligible_recorded as f64) / weeks_left).max(0.0)
    });
    Some(Projection {
        eligible: row.eligible,
        recorded: row.eligible_recorded,
        now_pct,
        rate,
        rate_from: recent[0].0,
        rate_to: recent[recent.len() - 1].0,
        weeks_left,
        projected_pct,
        needed_rate,
    })
}

fn level_of(code: &str) -> data_schema::area::Level {
    use data_schema::area::Level;
    match code.matches('.').count() {
        0 => Level::Provinsi,
        1 => Level::Kabupaten,
        2 => Level::Kecamatan,
        _ => Level::Desa,
    }
}

/// Time axis helper: x of a date.
struct TimeAxis {
    d0: NaiveDate,
    d1: NaiveDate,
    x0: f64,
    x1: f64,
}

impl TimeAxis {
    fn x(&self, d: NaiveDate) -> f64 {
        let span = (self.d1 - self.d0).num_days().max(1) as f64;
        self.x0 + (self.x1 - self.x0) * (d - self.d0).num_days() as f64 / span
    }

    /// Month ticks (every `every` months) with labels.
    fn ticks(&self, s: &mut Scene, ctx: &Ctx, y_top: f64, y_bot: f64) {
        let months = (self.d1 - self.d0).num_days() / 30;
        let every = if months <= 14 {
            1
        } else if months <= 30 {
            3
        } else {
            6
        };
        let mut d = NaiveDate::from_ymd_opt(self.d0.year(), self.d0.month(), 1).unwrap();
        let mut last_x = f64::NEG_INFINITY;
        while d <= self.d1 {
            if d >= self.d0 && (d.month0() as i32) % every == 0 {
                let x = self.x(d);
                s.line(vec![(x, y_top), (x, y_bot)], ink::GRID, 1.0);
                let label = if d.month() == 1 || every > 1 {
                    ctx.fmt.month_year(d)
                } else {
                    ctx.fmt.month_short(d).to_string()
                };
                let w = text_width(&label, 10.5, false);
                if x - w / 2.0 > last_x + 6.0 && x + w / 2.0 <= W - 8.0 {
                    s.text(x, y_bot + 15.0, &label, 10.5, ink::MUTED, Anchor::Middle);
                    last_x = x + w / 2.0;
                }
            }
            d = d.checked_add_months(chrono::Months::new(1)).unwrap();
        }
    }
}

/// Weekly first recordings of eligible voters (bars) and all recordings (line),
/// last 52 weeks up to the as-of date.
pub fn weekly_chart(ctx: &Ctx) -> Option<Scene> {
    let l = ctx.lang();
    let f = ctx.fmt;
    let w = weeks(ctx.data, None)?;
    let as_of = ctx.data.as_of()?;
    let from = monday(as_of) - Duration::weeks(SHOW_WEEKS - 1);
    let shown: Vec<_> = w.weeks.iter().filter(|x| x.0 >= from).copied().collect();
    if shown.is_empty() {
        return None;
    }
    let title = l.t("Perekaman KTP-el per minggu", "KTP-el recordings per week");
    let sub = format!(
        "{} {} {} {}",
        l.t("52 minggu terakhir s.d.", "last 52 weeks up to"),
        f.date(as_of),
        "·",
        l.t(
            "domisili orang yang direkam",
            "domicile of the person recorded"
        )
    );
    let mut s = Scene::new(W, 380.0, title);
    let top = s.heading(title, &sub) + 30.0;
    let (x0, x1, y0, y1) = (64.0, W - 24.0, top, 310.0);
    let max = shown.iter().map(|x| x.1.max(x.2)).max().unwrap_or(0) as f64;
    let step = nice_step(max.max(1.0), 5.0);
    let ymax = (max / step).ceil().max(1.0) * step;
    let sy = |v: f64| y1 - (y1 - y0) * v / ymax;
    let ax = TimeAxis {
        d0: shown[0].0,
        d1: shown[shown.len() - 1].0 + Duration::days(7),
        x0,
        x1,
    };
    let mut v = 0.0;
    while v <= ymax + 1e-9 {
        s.line(vec![(x0, sy(v)), (x1, sy(v))], ink::GRID, 1.0);
        s.text(
            x0 - 6.0,
            sy(v) + 4.0,
            f.int(v as u64),
            10.5,
            ink::MUTED,
            Anchor::End,
        );
        v += step;
    }
    ax.ticks(&mut s, ctx, y0, y1);
    let bw = (x1 - x0) / shown.len() as f64;
    for (d, _, e) in &shown {
        let x = ax.x(*d);
        s.items.push(Item::Rect {
            x: x + bw * 0.12,
            y: sy(*e as f64),
            w: bw * 0.76,
            h: y1 - sy(*e as f64),
            fill: Some(ink::BLUE),
            stroke: None,
        });
    }
    let pts: Vec<_> = shown
        .iter()
        .map(|(d, r, _)| (ax.x(*d) + bw / 2.0, sy(*r as f64)))
        .collect();
    s.line(pts, ink::ORANGE, 1.5);
    s.line(vec![(x0, y1), (x1, y1)], ink::AXIS, 1.0);
    let mean = project(ctx, None).map(|p| {
        let (xa, xb) = (ax.x(p.rate_from).max(x0), ax.x(p.rate_to) + bw);
        s.line(vec![(xa, sy(p.rate)), (xb, sy(p.rate))], ink::TARGET, 2.5);
        format!(
            "{}: {}/{}",
            l.t(
                "rata-rata 8 minggu penuh terakhir",
                "mean of the last 8 complete weeks"
            ),
            f.dec(p.rate, 1),
            l.t("minggu", "week")
        )
    });
    let ly = 360.0;
    let mut x = 16.0;
    let mut entries = vec![
        (
            ink::BLUE,
            l.t(
                "perekaman pertama pemilih",
                "first recordings of eligible voters",
            )
            .to_string(),
            true,
        ),
        (
            ink::ORANGE,
            l.t(
                "semua perekaman (termasuk rekam ulang)",
                "all recordings (incl. re-recordings)",
            )
            .to_string(),
            false,
        ),
    ];
    if let Some(m) = mean {
        entries.push((ink::TARGET, m, false));
    }
    for (c, t, bar) in entries {
        let t = t.as_str();
        if bar {
            s.rect(x, ly - 10.0, 14.0, 12.0, c);
        } else {
            s.line(vec![(x, ly - 4.0), (x + 14.0, ly - 4.0)], c, 2.0);
        }
        s.text(x + 18.0, ly, t, 11.0, ink::TEXT, Anchor::Start);
        x += 18.0 + text_width(t, 11.0, false) + 18.0;
    }
    Some(s)
}

/// Coverage over time (last two years) and the projection to polling day.
pub fn projection_chart(ctx: &Ctx) -> Option<Scene> {
    let l = ctx.lang();
    let f = ctx.fmt;
    let as_of = ctx.data.as_of()?;
    let w = weeks(ctx.data, None)?;
    let p = project(ctx, None)?;
    let total = ctx.data.total();
    // Recorded at the end of each week, counted back from the table's figure.
    let mut after = 0u64;
    let mut hist: Vec<(NaiveDate, f64)> = Vec::new();
    for (d, _, e) in w.weeks.iter().rev() {
        let end = (*d + Duration::days(7)).min(as_of);
        hist.push((
            end,
            100.0 * total.eligible_recorded.saturating_sub(after) as f64 / total.eligible as f64,
        ));
        after += e;
    }
    hist.reverse();
    let from = as_of - Duration::weeks(104);
    hist.retain(|(d, _)| *d >= from);
    let e = ctx.data.election_date();
    let end = match e {
        Some(e) if e > as_of => e + Duration::days(14),
        _ => as_of + Duration::days(14),
    };
    let title = l.t(
        "Cakupan pemilih dan proyeksi ke hari pemungutan suara",
        "Voter coverage and projection to polling day",
    );
    let sub = match (p.projected_pct, e) {
        (Some(pp), Some(e)) => format!(
            "{} {}/{} ({}) → {} {} {}",
            l.t("laju", "rate"),
            f.dec(p.rate, 1),
            l.t("minggu", "week"),
            l.t(
                "rata-rata 8 minggu penuh terakhir",
                "mean of the last 8 complete weeks"
            ),
            f.pct(pp),
            l.t("pada", "on"),
            f.date(e)
        ),
        _ => l
            .t(
                "Hari pemungutan suara tidak setelah tanggal data: tanpa proyeksi",
                "Polling day is not after the data date: no projection",
            )
            .to_string(),
    };
    let mut s = Scene::new(W, 400.0, title);
    let top = s.heading(title, &sub) + 30.0;
    let (x0, x1, y0, y1) = (56.0, W - 150.0, top, 340.0);
    let lo = hist
        .iter()
        .map(|x| x.1)
        .fold(p.now_pct, f64::min)
        .min(ctx.opts.target_pct);
    let ymin = ((lo - 5.0) / 10.0).floor().max(0.0) * 10.0;
    let sy = |v: f64| y1 - (y1 - y0) * (v - ymin) / (100.0 - ymin);
    let d0 = hist.first().map(|x| x.0).unwrap_or(from);
    let ax = TimeAxis {
        d0,
        d1: end,
        x0,
        x1,
    };
    let mut v = ymin;
    while v <= 100.0 + 1e-9 {
        s.line(vec![(x0, sy(v)), (x1, sy(v))], ink::GRID, 1.0);
        s.text(
            x0 - 6.0,
            sy(v) + 4.0,
            f.pct_short(v),
            10.5,
            ink::MUTED,
            Anchor::End,
        );
        v += 10.0;
    }
    ax.ticks(&mut s, ctx, y0, y1);
    s.line(vec![(x0, y1), (x1, y1)], ink::AXIS, 1.0);
    // Target.
    let t = ctx.opts.target_pct;
    s.dashed(vec![(x0, sy(t)), (x1, sy(t))], ink::TARGET, 1.5);
    let tl = format!("{} {}", l.t("target", "target"), f.pct_short(t));
    s.text(x1 + 6.0, sy(t) + 4.0, tl, 11.0, ink::TARGET, Anchor::Start);
    // History.
    let pts: Vec<_> = hist.iter().map(|(d, v)| (ax.x(*d), sy(*v))).collect();
    s.line(pts, ink::BLUE, 2.5);
    // As-of marker.
    let xs = ax.x(as_of);
    s.line(vec![(xs, y0), (xs, y1)], ink::AXIS, 1.0);
    s.halo_text(
        xs - 4.0,
        y0 + 10.0,
        format!("{} {}", l.t("data per", "data as of"), f.date_short(as_of)),
        10.5,
        ink::MUTED,
        Anchor::End,
        false,
    );
    s.items.push(Item::Circle {
        x: xs,
        y: sy(p.now_pct),
        r: 4.0,
        fill: ink::BLUE,
        stroke: Some((Color::WHITE, 1.0)),
    });
    s.halo_text(
        xs - 6.0,
        sy(p.now_pct) - 9.0,
        f.pct(p.now_pct),
        11.0,
        ink::BLUE,
        Anchor::End,
        true,
    );
    if let (Some(pp), Some(e)) = (p.projected_pct, e) {
        let xe = ax.x(e);
        s.dashed(vec![(xs, sy(p.now_pct)), (xe, sy(pp))], ink::ORANGE, 2.0);
        s.line(vec![(xe, y0), (xe, y1)], ink::TEXT, 1.0);
        s.halo_text(
            xe + 4.0,
            y0 + 10.0,
            format!("{} {}", l.t("hari-H", "polling day"), f.date_short(e)),
            10.5,
            ink::TEXT,
            Anchor::Start,
            false,
        );
        s.items.push(Item::Circle {
            x: xe,
            y: sy(pp),
            r: 4.0,
            fill: ink::ORANGE,
            stroke: Some((Color::WHITE, 1.0)),
        });
        s.bold(
            xe + 8.0,
            sy(pp) + 4.0,
            format!("{} {}", l.t("proyeksi", "projected"), f.pct(pp)),
            11.0,
            ink::ORANGE,
            Anchor::Start,
        );
    }
    let ly = 385.0;
    let mut x = 16.0;
    for (c, t, dash) in [
        (
            ink::BLUE,
            l.t(
                "cakupan pemilih (sudah rekam / pemilih hari-H)",
                "voter coverage (recorded / eligible on polling day)",
            ),
            false,
        ),
        (
            ink::ORANGE,
            l.t(
                "proyeksi pada laju saat ini",
                "projection at the current rate",
            ),
            true,
        ),
    ] {
        if dash {
            s.dashed(vec![(x, ly - 4.0), (x + 16.0, ly - 4.0)], c, 2.0);
        } else {
            s.line(vec![(x, ly - 4.0), (x + 16.0, ly - 4.0)], c, 2.5);
        }
        s.text(x + 20.0, ly, t, 11.0, ink::TEXT, Anchor::Start);
        x += 20.0 + text_width(t, 11.0, false) + 18.0;
    }
    Some(s)
}
