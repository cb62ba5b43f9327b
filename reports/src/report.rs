//! `report.html`: one self-contained page (inline CSS and SVG, no network,
//! no scripts) for coordination meetings, printable on A4.

use crate::charts::{coverage::worst_first, map, trend, Figure, Section};
use crate::classes::Class;
use crate::data::Row;
use crate::scene::esc;
use crate::{Ctx, Lang, Out, ReportError};
use data_schema::area::Level;
use std::fmt::Write as _;

const CSS: &str = r#"
:root{--ink:#222;--muted:#5f6368;--line:#ddd;--accent:#b30000}
*{box-sizing:border-box}
body{font-family:'DejaVu Sans','Noto Sans',Verdana,Arial,sans-serif;color:var(--ink);margin:0 auto;max-width:1100px;padding:24px 28px;font-size:14px;line-height:1.45}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:32px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--ink)}
h3{font-size:16px;margin:22px 0 8px}
p.lead{color:var(--muted);margin:0 0 16px}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:16px 0}
.card{border:1px solid var(--line);border-left:6px solid var(--accent);border-radius:6px;padding:10px 12px}
.card .v{font-size:28px;font-weight:bold;line-height:1.2}
.card .k{font-size:13px;color:var(--muted)}
.card .s{font-size:12px;color:var(--muted);margin-top:4px}
table{border-collapse:collapse;width:100%;margin:6px 0 14px;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3;font-weight:bold}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.code{font-family:'DejaVu Sans Mono',monospace;font-size:12px;white-space:nowrap}
td.hash{font-family:'DejaVu Sans Mono',monospace;font-size:11px;word-break:break-all}
.chip{display:inline-block;min-width:58px;text-align:right;padding:1px 6px;border-radius:3px}
.c0{background:#b30000;color:#fff}.c1{background:#e34a33;color:#fff}.c2{background:#fc8d59}.c3{background:#fdcc8a}.c4{background:#fef0d9}.cn{background:#d9d9d9}.cs{background:#bdbdbd}
figure{margin:12px 0 22px;break-inside:avoid;page-break-inside:avoid}
figure .svg svg{width:100%;height:auto;display:block}
figcaption{font-size:11px;color:var(--muted)}
.note{font-size:12px;color:var(--muted)}
.warn{border-left:4px solid #e68a1f;background:#fff7ec;padding:8px 12px;margin:10px 0}
.toc{font-size:13px}.toc ul{display:inline;padding:0;margin:0 0 0 8px}.toc li{display:inline;margin-right:14px}
footer{margin-top:36px;border-top:1px solid var(--line);padding-top:8px;font-size:11px;color:var(--muted)}
@page{size:A4;margin:12mm 11mm}
@media print{
 body{max-width:none;padding:0;font-size:10pt}
 h2{break-after:avoid;page-break-after:avoid}
 h3{break-after:avoid;page-break-after:avoid}
 .newpage{break-before:page;page-break-before:always}
 table,tr,.card{break-inside:avoid;page-break-inside:avoid}
 .cards{grid-template-columns:repeat(4,1fr)}
 .toc{display:none}
 a{color:inherit;text-decoration:none}
}
"#;

pub(crate) fn write(ctx: &Ctx, figs: &[Figure], out: &mut Out) -> Result<(), ReportError> {
    let html = build(ctx, figs);
    out.write("report.html", html.as_bytes())
}

fn build(ctx: &Ctx, figs: &[Figure]) -> String {
    let l = ctx.lang();
    let f = ctx.fmt;
    let d = ctx.data;
    let mut h = String::with_capacity(512 * 1024);
    let title = l.t(
        "Cakupan Perekaman KTP-el Pemilih",
        "KTP-el Recording Coverage of Voters",
    );
    let scope: Vec<String> = d.kabupaten.iter().map(|k| k.label(l)).collect();
    let scope = if scope.len() <= 6 {
        scope.join(", ")
    } else {
        format!(
            "{} {} {} {}",
            d.kabupaten.len(),
            l.t("kabupaten/kota di", "regencies/cities in"),
            d.provinsi.len(),
            l.t("provinsi", "provinces")
        )
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} — {}</title>\n<style>{}</style>\n</head>\n<body>\n",
        l.code(),
        esc(title),
        esc(&scope),
        CSS
    );
    let _ = write!(
        h,
        "<header><h1>{}</h1><p class=\"lead\">{}",
        esc(title),
        esc(&scope)
    );
    if let Some(s) = d.as_of() {
        let _ = write!(
            h,
            " · {} {}",
            l.t("data per", "data as of"),
            esc(&f.date(s))
        );
    }
    if let Some(e) = d.election_date() {
        let _ = write!(
            h,
            " · {} {}",
            l.t("hari pemungutan suara", "polling day"),
            esc(&f.date(e))
        );
    }
    h.push_str("</p></header>\n");
    if d.manifest.as_ref().is_some_and(|m| m.look_back()) {
        let _ = write!(
            h,
            "<p class=\"warn\">{}</p>",
            l.t(
                "Tinjauan ke belakang: tanggal data setelah hari pemungutan suara. Tidak ada proyeksi.",
                "Look back: the data date is after polling day. No projection."
            )
        );
    }

    headline(ctx, &mut h);
    toc(ctx, &mut h);
    worst(ctx, &mut h);
    kabupaten_table(ctx, &mut h);

    let fig = |h: &mut String, sec: &Section| {
        for fg in figs.iter().filter(|fg| &fg.section == sec) {
            figure(h, fg);
        }
    };
    if figs.iter().any(|x| x.section == Section::Overview) {
        fig(&mut h, &Section::Overview);
    }
    for kab in &d.kabupaten {
        let sec = Section::Kabupaten(kab.code.clone());
        if !figs.iter().any(|x| x.section == sec) {
            continue;
        }
        let _ = writeln!(
            h,
            "<h2 class=\"newpage\" id=\"kab-{}\">{}</h2>",
            esc(&kab.code),
            esc(&kab.label(l))
        );
        let _ = write!(h, "<p>{}</p>", kab_sentence(ctx, kab));
        fig(&mut h, &sec);
    }

    let _ = writeln!(
        h,
        "<h2 class=\"newpage\" id=\"tren\">{}</h2>",
        l.t(
            "Tren perekaman dan proyeksi",
            "Recording trend and projection"
        )
    );
    if d.trend.is_none() {
        let _ = write!(
            h,
            "<p class=\"note\">{}</p>",
            l.t(
                "trend_weekly.csv tidak ada: tanpa grafik tren.",
                "trend_weekly.csv is missing: no trend charts."
            )
        );
    }
    projection_table(ctx, &mut h);
    fig(&mut h, &Section::Trend);
    plan(ctx, &mut h);

    let _ = writeln!(
        h,
        "<h2 class=\"newpage\" id=\"peta\">{}</h2>",
        l.t("Peta", "Maps")
    );
    fig(&mut h, &Section::Maps);
    missing(ctx, &mut h);

    quality(ctx, &mut h);
    parameters(ctx, &mut h);

    let desa_figs: Vec<&Figure> = figs
        .iter()
        .filter(|x| matches!(x.section, Section::Desa(_)))
        .collect();
    if !desa_figs.is_empty() {
        let _ = writeln!(
            h,
            "<h2 class=\"newpage\" id=\"lampiran\">{}</h2>",
            l.t(
                "Lampiran: cakupan per desa/kelurahan",
                "Appendix: coverage by village"
            )
        );
        if desa_figs.len() <= 150 {
            for fg in desa_figs {
                figure(&mut h, fg);
            }
        } else {
            let _ = write!(
                h,
                "<p>{} {} <code>charts/desa_coverage_*.svg</code></p>",
                desa_figs.len(),
                l.t(
                    "grafik desa ada di folder",
                    "village charts are in the folder"
                )
            );
        }
    }
    footer(ctx, &mut h);
    h.push_str("</body>\n</html>\n");
    h
}

fn figure(h: &mut String, fg: &Figure) {
    let _ = writeln!(
        h,
        "<figure id=\"{stem}\"><div class=\"svg\">{svg}</div><figcaption>charts/{stem}.png · charts/{stem}.svg</figcaption></figure>",
        stem = esc(&fg.stem),
        svg = fg.svg
    );
}

fn chip(ctx: &Ctx, r: &Row) -> String {
    let p = r.coverage(ctx.fmt);
    let class = if p.is_none() && r.eligible > 0 {
        Class::Suppressed
    } else {
        Class::of(p)
    };
    format!(
        "<span class=\"chip {}\">{}</span>",
        class.css(),
        p.map(|p| ctx.fmt.pct(p)).unwrap_or_else(|| "–".into())
    )
}

fn headline(ctx: &Ctx, h: &mut String) {
    let l = ctx.lang();
    let f = ctx.fmt;
    let t = ctx.data.total();
    let proj = trend::project(ctx, None);
    let card = |h: &mut String, v: String, k: &str, s: String| {
        let _ = write!(h, "<div class=\"card\"><div class=\"v\">{}</div><div class=\"k\">{}</div><div class=\"s\">{}</div></div>", esc(&v), esc(k), esc(&s));
    };
    h.push_str("<section class=\"cards\">");
    card(
        h,
        f.count(t.eligible_unrecorded),
        l.t(
            "pemilih belum rekam KTP-el",
            "eligible voters without KTP-el recording",
        ),
        format!(
            "{} {}",
            l.t("tunggakan", "backlog"),
            f.count(t.backlog_unrecorded)
        ),
    );
    card(
        h,
        f.count(t.first_time_unrecorded),
        l.t(
            "pemilih pemula belum rekam",
            "first-time voters not recorded",
        ),
        format!(
            "{} {} {}",
            l.t("dari", "of"),
            f.count(t.first_time),
            l.t("pemilih pemula", "first-time voters")
        ),
    );
    card(
        h,
        t.coverage(f)
            .map(|p| f.pct(p))
            .unwrap_or_else(|| "–".into()),
        l.t("cakupan perekaman pemilih", "voter recording coverage"),
        f.n_of(t.eligible_recorded, t.eligible),
    );
    match proj
        .as_ref()
        .and_then(|p| p.projected_pct.map(|pp| (p, pp)))
    {
        Some((p, pp)) => card(
            h,
            f.pct(pp),
            l.t(
                "proyeksi pada hari pemungutan suara",
                "projected on polling day",
            ),
            format!(
                "{} {}/{}",
                l.t("laju", "at"),
                f.dec(p.rate, 1),
                l.t("minggu", "week")
            ),
        ),
        None => card(
            h,
            t.required_coverage(f)
                .map(|p| f.pct(p))
                .unwrap_or_else(|| "–".into()),
            l.t(
                "cakupan wajib KTP-el",
                "coverage of residents required to hold KTP-el",
            ),
            f.n_of(t.required_recorded, t.required),
        ),
    }
    h.push_str("</section>\n");
    let _ = writeln!(
        h,
        "<p class=\"note\">{} {}: {}. {}</p>",
        l.t("Cakupan wajib KTP-el (usia 17+ atau pernah kawin pada tanggal data)", "Coverage of residents required to hold KTP-el (17+ or ever married at the data date)"),
        l.t("adalah", "is"),
        esc(&format!(
            "{} ({})",
            t.required_coverage(f).map(|p| f.pct(p)).unwrap_or_else(|| "–".into()),
            f.n_of(t.required_recorded, t.required)
        )),
        l.t(
            "Pemilih = WNI, bukan anggota TNI/POLRI aktif, berusia 17 tahun pada hari pemungutan suara atau sudah/pernah kawin.",
            "Eligible voters = citizens, not active TNI/POLRI, aged 17 on polling day or ever married."
        )
    );
}

fn toc(ctx: &Ctx, h: &mut String) {
    let l = ctx.lang();
    let _ = write!(
        h,
        "<nav class=\"toc\"><strong>{}</strong><ul>",
        l.t("Isi", "Contents")
    );
    let _ = write!(
        h,
        "<li><a href=\"#terendah\">{}</a></li>",
        l.t(
            "Wilayah dengan cakupan terendah",
            "Areas with the lowest coverage"
        )
    );
    for k in &ctx.data.kabupaten {
        let _ = write!(
            h,
            "<li><a href=\"#kab-{}\">{}</a></li>",
            esc(&k.code),
            esc(&k.label(l))
        );
    }
    let _ = write!(
        h,
        "<li><a href=\"#tren\">{}</a></li>",
        l.t("Tren dan proyeksi", "Trend and projection")
    );
    if !ctx.data.plan_summary.is_empty() {
        let _ = write!(
            h,
            "<li><a href=\"#rencana\">{}</a></li>",
            l.t("Rencana perekaman", "Recording plan")
        );
    }
    let _ = write!(h, "<li><a href=\"#peta\">{}</a></li>", l.t("Peta", "Maps"));
    let _ = write!(
        h,
        "<li><a href=\"#kualitas\">{}</a></li>",
        l.t("Kualitas data", "Data quality")
    );
    let _ = write!(
        h,
        "<li><a href=\"#parameter\">{}</a></li>",
        l.t("Parameter dan berkas masukan", "Parameters and input files")
    );
    h.push_str("</ul></nav>\n");
}

fn parent_name(ctx: &Ctx, r: &Row, level: Level) -> String {
    let mut code = r.code.as_str();
    while let Some(i) = code.rfind('.') {
        code = &code[..i];
        if let Some(p) = ctx.data.find(level, code) {
            return p.label(ctx.lang());
        }
    }
    String::new()
}

fn worst(ctx: &Ctx, h: &mut String) {
    let l = ctx.lang();
    let f = ctx.fmt;
    let _ = writeln!(
        h,
        "<h2 id=\"terendah\">{}</h2>",
        l.t(
            "Wilayah dengan cakupan terendah",
            "Areas with the lowest coverage"
        )
    );
    for (level, n, head, parent_level) in [
        (
            Level::Kecamatan,
            10,
            l.t("Kecamatan", "District (kecamatan)"),
            Level::Kabupaten,
        ),
        (
            Level::Desa,
            15,
            l.t("Desa/kelurahan", "Village (desa/kelurahan)"),
            Level::Kecamatan,
        ),
    ] {
        let rows: Vec<&Row> = ctx
            .data
            .rows(level)
            .iter()
            .filter(|r| r.eligible > 0)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let sorted = worst_first(ctx, &rows);
        let _ = write!(
            h,
            "<h3>{} {} {}</h3>",
            n.min(sorted.len()),
            head,
            l.t("terendah", "lowest")
        );
        let _ = write!(
            h,
            "<table><thead><tr><th class=\"n\">#</th><th>{}</th><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
            head,
            if parent_level == Level::Kabupaten { l.t("Kabupaten/kota", "Regency/city") } else { l.t("Kecamatan", "District") },
            l.t("Cakupan", "Coverage"),
            l.t("Sudah rekam dari pemilih", "Recorded of eligible"),
            l.t("Belum rekam", "Not recorded"),
            l.t("Pemula belum rekam", "First-time not recorded")
        );
        for (i, r) in sorted.iter().take(n).enumerate() {
            let _ = write!(
                h,
                "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                i + 1,
                esc(&r.label(l)),
                esc(&parent_name(ctx, r, parent_level)),
                chip(ctx, r),
                esc(&f.n_of(r.eligible_recorded, r.eligible)),
                esc(&f.count(r.eligible_unrecorded)),
                esc(&f.count(r.first_time_unrecorded))
            );
        }
        h.push_str("</tbody></table>\n");
    }
}

fn kabupaten_table(ctx: &Ctx, h: &mut String) {
    let l = ctx.lang();
    let f = ctx.fmt;
    let _ = writeln!(
        h,
        "<h2>{}</h2>",
        l.t("Ringkasan per kabupaten/kota", "Summary by regency/city")
    );
    let _ = write!(
        h,
        "<table><thead><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
        l.t("Kabupaten/kota", "Regency/city"),
        l.t("Penduduk", "Residents"),
        l.t("Pemilih", "Eligible voters"),
        l.t("Cakupan pemilih", "Voter coverage"),
        l.t("Belum rekam", "Not recorded"),
        l.t("Pemula belum rekam", "First-time not recorded"),
        l.t("Cakupan wajib KTP-el", "Coverage of required")
    );
    let rows: Vec<&Row> = ctx.data.kabupaten.iter().collect();
    for r in worst_first(ctx, &rows) {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&r.label(l)),
            esc(&f.count(r.residents)),
            esc(&f.count(r.eligible)),
            chip(ctx, r),
            esc(&f.count(r.eligible_unrecorded)),
            esc(&f.count(r.first_time_unrecorded)),
            esc(&r.required_coverage(f).map(|p| f.pct(p)).unwrap_or_else(|| "–".into()))
        );
    }
    h.push_str("</tbody></table>\n");
}

fn kab_sentence(ctx: &Ctx, kab: &Row) -> String {
    let l = ctx.lang();
    let f = ctx.fmt;
    let kecs: Vec<&Row> = ctx.data.children(Level::Kecamatan, &kab.code).collect();
    let below: usize = kecs
        .iter()
        .filter(|r| r.coverage(f).is_some_and(|p| p < ctx.opts.target_pct))
        .count();
    esc(&format!(
        "{} {} {}; {} {} {}. {} {} {}.",
        l.t("Cakupan pemilih", "Voter coverage"),
        kab.coverage(f)
            .map(|p| f.pct(p))
            .unwrap_or_else(|| "–".into()),
        format_args!("({})", f.n_of(kab.eligible_recorded, kab.eligible)),
        l.t("belum rekam", "not recorded"),
        f.count(kab.eligible_unrecorded),
        l.t("orang", "people"),
        below,
        l.t("dari", "of"),
        format_args!(
            "{} {} {}",
            kecs.len(),
            l.t(
                "kecamatan di bawah target",
                "districts are below the target of"
            ),
            f.pct_short(ctx.opts.target_pct)
        )
    ))
}

fn projection_table(ctx: &Ctx, h: &mut String) {
    let l = ctx.lang();
    let f = ctx.fmt;
    let rows: Vec<(String, trend::Projection)> = ctx
        .data
        .kabupaten
        .iter()
        .filter_map(|k| trend::project(ctx, Some(&k.code)).map(|p| (k.label(l), p)))
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = write!(
        h,
        "<p>{}</p><table><thead><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
        esc(l.t(
            "Proyeksi: cakupan pada hari pemungutan suara bila laju perekaman pertama pemilih tetap sama dengan rata-rata 8 minggu penuh terakhir.",
            "Projection: coverage on polling day if first recordings of eligible voters continue at the mean of the last 8 complete weeks."
        )),
        l.t("Kabupaten/kota", "Regency/city"),
        l.t("Cakupan sekarang", "Coverage now"),
        l.t("Laju per minggu", "Rate per week"),
        l.t("Proyeksi hari-H", "Projected on polling day"),
        l.t("Perlu per minggu untuk target", "Needed per week for target")
    );
    for (name, p) in rows {
        let hide = f.suppress_below.is_some();
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&name),
            esc(&f.pct(p.now_pct)),
            esc(&if hide && f.is_suppressed(p.rate.round() as u64) { format!("<{}", f.suppress_below.unwrap_or(0)) } else { f.dec(p.rate, 1) }),
            esc(&p.projected_pct.map(|x| f.pct(x)).unwrap_or_else(|| "–".into())),
            esc(&p.needed_rate.map(|x| f.dec(x.ceil(), 0)).unwrap_or_else(|| "–".into()))
        );
    }
    h.push_str("</tbody></table>\n");
}

/// The drive plan from `plan_summary.csv` (aggregate: kecamatan, counts, days).
fn plan(ctx: &Ctx, h: &mut String) {
    let l = ctx.lang();
    let f = ctx.fmt;
    let d = ctx.data;
    if d.plan_summary.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<h2 class=\"newpage\" id=\"rencana\">{}</h2>",
        l.t("Rencana perekaman (jemput bola)", "Recording drive plan")
    );
    if let Some(s) = &d.plan_sentence {
        let _ = write!(h, "<p class=\"lead\"><strong>{}</strong></p>", esc(s));
    }
    let get = |r: &crate::data::Record, k: &str| r.get(k).cloned().unwrap_or_default();
    let num = |r: &crate::data::Record, k: &str| r.get(k).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let mut rows: Vec<&crate::data::Record> = d.plan_summary.iter().filter(|r| !get(r, "priority_rank").is_empty()).collect();
    rows.sort_by_key(|r| num(r, "priority_rank"));
    let _ = write!(
        h,
        "<p>{}</p><table><thead><tr><th class=\"n\">#</th><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(l.t(
            "Kecamatan di bawah target, selisih terbesar lebih dulu; unit-hari dialokasikan sampai hari kerja habis. Daftar nama ada di restricted/ dan tidak dimuat di laporan ini.",
            "Kecamatan below target, largest gap first; unit-days are allocated until the working days run out. The named worklists are in restricted/ and not part of this report."
        )),
        l.t("Kecamatan", "Kecamatan"),
        l.t("Cakupan sekarang", "Coverage now"),
        l.t("Perlu direkam", "Recordings needed"),
        l.t("Unit-hari", "Unit-days"),
        l.t("Dijadwalkan", "Planned"),
        l.t("Cakupan setelah rencana", "Coverage after plan"),
        l.t("Tanggal", "Dates"),
        l.t("Capai target", "Reaches target")
    );
    let pct = |r: &crate::data::Record, k: &str| {
        r.get(k).and_then(|v| v.parse::<f64>().ok()).map(|x| f.pct(x)).unwrap_or_else(|| "–".into())
    };
    for r in rows {
        // 2024-08-27 → 27/08 (the year is the plan's; keeps the table on A4).
        let short = |d: String| match (d.get(8..10), d.get(5..7)) {
            (Some(dd), Some(mm)) if d.len() == 10 => format!("{dd}/{mm}"),
            _ => d,
        };
        let dates = match (short(get(r, "first_day")), short(get(r, "last_day"))) {
            (a, b) if a.is_empty() => b,
            (a, b) if a == b || b.is_empty() => a,
            (a, b) => format!("{a} – {b}"),
        };
        let yes = get(r, "reaches_target") == "true";
        let _ = write!(
            h,
            "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td style=\"white-space:nowrap\">{}</td><td>{}</td></tr>",
            esc(&get(r, "priority_rank")),
            esc(&get(r, "area_name")),
            esc(&pct(r, "eligible_coverage_pct")),
            esc(&f.count(num(r, "recordings_needed"))),
            f.int(num(r, "unit_days_allocated")),
            esc(&f.count(num(r, "planned_recordings"))),
            esc(&pct(r, "coverage_pct_after_plan")),
            esc(&dates),
            if yes { l.t("ya", "yes") } else { l.t("<strong>tidak</strong>", "<strong>no</strong>") }
        );
    }
    h.push_str("</tbody></table>\n");
}

fn missing(ctx: &Ctx, h: &mut String) {
    let l = ctx.lang();
    let m = map::missing(ctx);
    let _ = write!(
        h,
        "<h3>{}</h3>",
        l.t("Wilayah tanpa batas peta", "Areas without a map boundary")
    );
    if m.is_empty() {
        let _ = write!(
            h,
            "<p class=\"note\">{}</p>",
            l.t("Semua wilayah ada di peta.", "Every area is on the maps.")
        );
        return;
    }
    let _ = write!(
        h,
        "<p class=\"note\">{} <code>charts/missing_boundaries.csv</code>.</p><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        l.t("Wilayah ini tetap dihitung di tabel dan grafik, tetapi tidak tergambar di peta. Daftar juga ada di", "These areas are counted in the tables and charts but not drawn on the maps. Also listed in"),
        l.t("Tingkat", "Level"),
        l.t("Kode", "Code"),
        l.t("Nama", "Name"),
        l.t("Alasan", "Reason")
    );
    for x in m {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"code\">{}</td><td>{}</td><td>{}</td></tr>",
            level_name(x.level, l),
            esc(&x.code),
            esc(&x.name),
            esc(x.reason)
        );
    }
    h.push_str("</tbody></table>\n");
}

pub fn level_name(level: Level, l: Lang) -> &'static str {
    match level {
        Level::Provinsi => l.t("Provinsi", "Province"),
        Level::Kabupaten => l.t("Kabupaten/kota", "Regency/city"),
        Level::Kecamatan => l.t("Kecamatan", "District"),
        Level::Desa => l.t("Desa/kelurahan", "Village"),
    }
}

/// Human description of a reject reason or warning kind.
pub fn describe(code: &str, l: Lang) -> &'static str {
    match code {
        "NIK_SCIENTIFIC" => l.t(
            "NIK rusak oleh spreadsheet (mis. 3.17401E+15): ekspor ulang kolom sebagai teks",
            "NIK damaged by a spreadsheet (e.g. 3.17401E+15): re-export the column as text",
        ),
        "NIK_FORMAT" => l.t(
            "NIK bukan 16 digit atau bagian tanggalnya mustahil",
            "NIK not 16 digits or its date part is impossible",
        ),
        "BIRTH_DATE_INVALID" => l.t(
            "tanggal lahir kosong atau tidak terbaca",
            "birth date missing or unreadable",
        ),
        "BIRTH_DATE_FUTURE" => l.t(
            "tanggal lahir setelah tanggal data",
            "birth date after the data date",
        ),
        "AREA_FORMAT" => l.t(
            "kode wilayah domisili kosong atau salah bentuk",
            "domicile area code missing or malformed",
        ),
        "DUPLICATE_NIK" => l.t(
            "NIK sudah muncul di baris sebelumnya",
            "NIK already seen in an earlier row",
        ),
        "DUPLICATE_ROW" => l.t(
            "baris kembar persis (dibuang)",
            "exact duplicate row (dropped)",
        ),
        "RECORD_DATE_INVALID" => l.t(
            "tanggal rekam kosong atau tidak terbaca",
            "recording date missing or unreadable",
        ),
        "FIELD_COUNT" => l.t(
            "jumlah kolom baris berbeda dengan judul (pemisah tanpa tanda kutip?)",
            "the row has a different number of fields than the header",
        ),
        "ENROLLMENT_OF_REJECTED_ROW" => l.t(
            "NIK rekaman milik baris penduduk yang ditolak (perbaiki baris itu)",
            "recorded NIK belongs to a rejected population row (fix that row)",
        ),
        "CITIZENSHIP_UNKNOWN" => l.t(
            "kewarganegaraan tidak terbaca (dianggap WNI)",
            "citizenship unreadable (taken as WNI)",
        ),
        "REGISTER_STATUS_UNKNOWN" => l.t(
            "status penduduk tidak terbaca (tidak dihitung sebagai penduduk aktif)",
            "register status unreadable (not counted as a resident)",
        ),
        "ENROLLMENT_ORPHAN" => l.t(
            "NIK rekaman tidak ada di data penduduk",
            "recorded NIK not in the population",
        ),
        "ENROLLMENT_AFTER_AS_OF" => l.t(
            "perekaman setelah tanggal data (tidak dihitung)",
            "recording after the data date (not counted)",
        ),
        "ENROLLMENT_STATUS_UNKNOWN" => l.t(
            "status KTP-el tidak dikenal (tidak dihitung)",
            "unknown KTP-el status (not counted)",
        ),
        "NIK_DATE_MISMATCH" => l.t(
            "tanggal di NIK berbeda dengan tanggal lahir",
            "date in the NIK differs from the birth date",
        ),
        "NIK_SEX_MISMATCH" => l.t("jenis kelamin di NIK berbeda", "sex in the NIK differs"),
        "SEX_DERIVED_FROM_NIK" => {
            l.t("jenis kelamin diambil dari NIK", "sex taken from the NIK")
        }
        "AREA_NOT_IN_REFERENCE" => l.t(
            "kode wilayah tidak ada di daftar Kemendagri",
            "area code not in the Kemendagri list",
        ),
        "MARITAL_STATUS_MISSING" => l.t(
            "status kawin kosong (dianggap belum kawin)",
            "marital status missing (taken as not married)",
        ),
        _ => "",
    }
}

fn quality(ctx: &Ctx, h: &mut String) {
    let l = ctx.lang();
    let f = ctx.fmt;
    let _ = writeln!(
        h,
        "<h2 class=\"newpage\" id=\"kualitas\">{}</h2>",
        l.t("Kualitas data", "Data quality")
    );
    let Some(m) = ctx.data.manifest.as_ref() else {
        let _ = write!(
            h,
            "<p class=\"note\">{}</p>",
            l.t("manifest.json tidak ada.", "manifest.json is missing.")
        );
        return;
    };
    let _ = write!(
        h,
        "<p class=\"note\">{}</p>",
        l.t(
            "Hanya jumlah dari manifest.json; nilai mentah baris yang ditolak ada di rejects.csv/warnings.csv dan tidak dimuat di laporan ini.",
            "Counts from manifest.json only; the raw values of rejected rows are in rejects.csv/warnings.csv and are not part of this report."
        )
    );
    let kv = |h: &mut String,
              title: &str,
              section: &str,
              keys: &[(&str, &'static str, &'static str)]| {
        let _ = write!(h, "<h3>{}</h3><table><tbody>", esc(title));
        for (k, id, en) in keys {
            if let Some(v) = m.count(section, k) {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td class=\"code\">{}</td><td class=\"n\">{}</td></tr>",
                    esc(l.t(id, en)),
                    k,
                    f.int(v)
                );
            }
        }
        h.push_str("</tbody></table>");
    };
    kv(
        h,
        l.t("Data penduduk", "Population export"),
        "population",
        &[
            ("rows_read", "baris dibaca", "rows read"),
            (
                "duplicate_rows",
                "baris kembar dibuang",
                "duplicate rows dropped",
            ),
            ("rejected", "baris ditolak", "rows rejected"),
            ("counted", "baris dihitung", "rows counted"),
            ("residents", "penduduk aktif", "active residents"),
            (
                "not_resident",
                "bukan penduduk aktif (mati/pindah)",
                "not active residents (deceased/moved)",
            ),
        ],
    );
    let reasons = |h: &mut String, title: &str, map: std::collections::BTreeMap<String, u64>| {
        if map.is_empty() {
            return;
        }
        let _ = write!(
            h,
            "<h3>{}</h3><table><thead><tr><th>{}</th><th>{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
            esc(title),
            l.t("Kode", "Code"),
            l.t("Arti", "Meaning"),
            l.t("Jumlah", "Count")
        );
        let mut v: Vec<_> = map.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        for (k, n) in v {
            let _ = write!(
                h,
                "<tr><td class=\"code\">{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
                esc(&k),
                esc(describe(&k, l)),
                f.int(n)
            );
        }
        h.push_str("</tbody></table>");
    };
    reasons(
        h,
        l.t(
            "Baris penduduk ditolak, per alasan",
            "Population rows rejected, by reason",
        ),
        m.counts(Some("population"), "rejected_by_reason"),
    );
    kv(
        h,
        l.t("Data perekaman KTP-el", "KTP-el enrollment export"),
        "enrollment",
        &[
            ("rows_read", "baris dibaca", "rows read"),
            ("rejected", "baris ditolak", "rows rejected"),
            ("matched", "cocok dengan penduduk", "matched to a resident"),
            (
                "orphan",
                "NIK tidak ada di data penduduk",
                "NIK not in the population",
            ),
            (
                "of_rejected_row",
                "milik baris penduduk yang ditolak",
                "belonging to a rejected population row",
            ),
            ("counting", "rekaman yang dihitung", "records counted"),
            ("after_as_of", "setelah tanggal data", "after the data date"),
            (
                "failed_status",
                "status gagal/duplikat",
                "failed/duplicate status",
            ),
            ("unknown_status", "status tidak dikenal", "unknown status"),
            (
                "residents_recorded",
                "penduduk sudah rekam",
                "residents recorded",
            ),
        ],
    );
    reasons(
        h,
        l.t(
            "Baris perekaman ditolak, per alasan",
            "Enrollment rows rejected, by reason",
        ),
        m.counts(Some("enrollment"), "rejected_by_reason"),
    );
    reasons(
        h,
        l.t("Peringatan, per jenis", "Warnings, by kind"),
        m.counts(None, "warnings_by_kind"),
    );
    quality_checks(ctx, h);
}

/// Checks from `quality.csv` (aggregate) and the coverage range from linkage.
fn quality_checks(ctx: &Ctx, h: &mut String) {
    let l = ctx.lang();
    let f = ctx.fmt;
    let d = ctx.data;
    let get = |r: &crate::data::Record, k: &str| r.get(k).cloned().unwrap_or_default();
    let num = |r: &crate::data::Record, k: &str| r.get(k).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let pct = |r: &crate::data::Record, k: &str| {
        r.get(k).and_then(|v| v.parse::<f64>().ok()).map(|x| f.pct(x)).unwrap_or_else(|| "–".into())
    };
    let table = |h: &mut String, title: &str, note: &str, head: [&str; 5], rows: &[&crate::data::Record], first: &dyn Fn(&crate::data::Record) -> String| {
        if rows.is_empty() {
            return;
        }
        let _ = write!(
            h,
            "<h3>{}</h3><p class=\"note\">{}</p><table><thead><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th>{}</th></tr></thead><tbody>",
            esc(title), esc(note), head[0], head[1], head[2], head[3], head[4]
        );
        for r in rows {
            let flag = get(r, "flag");
            let flag = if matches!(flag.as_str(), "OK" | "") { esc(&flag) } else { format!("<strong>{}</strong>", esc(&flag)) };
            let _ = write!(
                h,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                esc(&first(r)),
                esc(&f.count(num(r, "count"))),
                esc(&f.count(num(r, "denominator"))),
                esc(&pct(r, "pct")),
                flag
            );
        }
        h.push_str("</tbody></table>");
    };
    let of = |check: &str| -> Vec<&crate::data::Record> { d.quality.iter().filter(|r| get(r, "check") == check).collect() };
    let area = |r: &crate::data::Record| format!("{} {}", get(r, "area_code"), get(r, "area_name")).trim().to_string();
    table(
        h,
        l.t("Jumlah penduduk dibanding data resmi", "Residents against official totals"),
        l.t(
            "Penduduk yang dihitung per kabupaten/kota dibanding jumlah resmi Kemendagri; LOW/HIGH bila selisih lebih dari 10% (ekspor satu kecamatan atau sampel memang LOW).",
            "Counted residents per regency/city against the official Kemendagri total; LOW/HIGH beyond 10% (an export of one kecamatan or a sample is expectedly LOW)."
        ),
        [l.t("Kabupaten/kota", "Regency/city"), l.t("Dihitung", "Counted"), l.t("Resmi", "Official"), "%", l.t("Tanda", "Flag")],
        &of("residents_vs_official"),
        &area,
    );
    let files = of("file_not_counted");
    let file_name = |r: &crate::data::Record| {
        let d = get(r, "detail");
        d.split("; ").next().unwrap_or(&d).to_string()
    };
    table(
        h,
        l.t("Berkas dengan baris tidak dihitung", "Files with rows not counted"),
        l.t(
            "Baris ditolak atau kembar per berkas masukan; nomor barisnya ada di quality.csv dan rejects.csv.",
            "Rejected or duplicate rows per input file; their line numbers are in quality.csv and rejects.csv."
        ),
        [l.t("Berkas", "File"), l.t("Tidak dihitung", "Not counted"), l.t("Baris", "Rows"), "%", l.t("Tanda", "Flag")],
        &files,
        &file_name,
    );
    let mut movers = of("nik_region_differs");
    movers.sort_by(|a, b| num(b, "count").cmp(&num(a, "count")).then_with(|| get(a, "area_code").cmp(&get(b, "area_code"))));
    movers.truncate(10);
    table(
        h,
        l.t("Penduduk pindahan (wilayah NIK berbeda dari domisili)", "Movers (NIK region differs from domicile)"),
        l.t("Sepuluh kecamatan dengan jumlah terbanyak.", "The ten kecamatan with the most."),
        [l.t("Kecamatan", "Kecamatan"), l.t("Pindahan", "Movers"), l.t("Penduduk", "Residents"), "%", l.t("Tanda", "Flag")],
        &movers,
        &area,
    );
    let over: Vec<&crate::data::Record> = of("coverage_over_100");
    table(
        h,
        l.t("Cakupan lebih dari 100%", "Coverage over 100%"),
        l.t("Wilayah dengan jumlah sudah rekam melebihi penyebutnya (tidak mungkin).", "Areas where recorded exceeds its denominator (impossible)."),
        [l.t("Tingkat", "Level"), l.t("Wilayah", "Areas"), l.t("Semua", "All"), "%", l.t("Tanda", "Flag")],
        &over,
        &|r: &crate::data::Record| get(r, "level"),
    );
    if let Some(all) = d.coverage_range.iter().find(|r| get(r, "level") == "all") {
        let _ = write!(
            h,
            "<h3>{}</h3><p>{}</p>",
            esc(l.t("Rentang cakupan dengan pencocokan nama", "Coverage range with name linkage")),
            esc(&format!(
                "{} {} … {} ({} {}; {})",
                l.t("Cakupan pemilih:", "Voter coverage:"),
                pct(all, "eligible_coverage_pct"),
                pct(all, "eligible_coverage_pct_with_probable"),
                f.count(num(all, "probable_links")),
                l.t(
                    "rekaman dengan NIK rusak/tidak dikenal cocok dengan penduduk belum rekam",
                    "recordings with a damaged/unknown NIK probably match unrecorded residents"
                ),
                l.t(
                    "angka resmi tetap berdasarkan NIK; periksa linkage.csv",
                    "the official figures stay NIK-based; check linkage.csv"
                )
            ))
        );
    }
}

fn parameters(ctx: &Ctx, h: &mut String) {
    let l = ctx.lang();
    let f = ctx.fmt;
    let _ = write!(
        h,
        "<h2 id=\"parameter\">{}</h2>\n<table><tbody>",
        l.t("Parameter dan berkas masukan", "Parameters and input files")
    );
    let row = |h: &mut String, k: &str, v: String| {
        let _ = write!(h, "<tr><td>{}</td><td>{}</td></tr>", esc(k), esc(&v));
    };
    if let Some(e) = ctx.data.election_date() {
        row(
            h,
            l.t("Hari pemungutan suara (E)", "Polling day (E)"),
            f.date(e),
        );
    }
    if let Some(s) = ctx.data.as_of() {
        row(h, l.t("Tanggal data (S)", "Data date (S)"), f.date(s));
    }
    if let Some(m) = &ctx.data.manifest {
        if let Some(r) = m.param("max_reject_rate").and_then(|v| v.as_f64()) {
            row(
                h,
                l.t("Batas baris ditolak", "Maximum reject rate"),
                f.pct(r * 100.0),
            );
        }
        row(
            h,
            l.t(
                "Tinjauan ke belakang (S setelah E)",
                "Look back (S after E)",
            ),
            if m.look_back() {
                l.t("ya", "yes")
            } else {
                l.t("tidak", "no")
            }
            .into(),
        );
        if let Some(v) = m.program_version() {
            row(h, l.t("Program", "Program"), v);
        }
    }
    row(
        h,
        l.t("Target cakupan", "Coverage target"),
        f.pct_short(ctx.opts.target_pct),
    );
    row(
        h,
        l.t("Sel kecil disembunyikan", "Small cells suppressed"),
        match ctx.opts.suppress_below {
            Some(n) => format!("{} {}", l.t("jumlah di bawah", "counts below"), n),
            None => l.t("tidak", "no").into(),
        },
    );
    h.push_str("</tbody></table>\n");
    if let Some(m) = &ctx.data.manifest {
        let inputs = m.inputs();
        if !inputs.is_empty() {
            let _ = write!(
                h,
                "<table><thead><tr><th>{}</th><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th>SHA-256</th></tr></thead><tbody>",
                l.t("Peran", "Role"),
                l.t("Berkas", "File"),
                l.t("Baris", "Rows"),
                l.t("Byte", "Bytes"),
            );
            for (role, path, sha, bytes, rows) in inputs {
                let role = match role.as_str() {
                    "population" => l.t("penduduk", "population"),
                    "enrollment" => l.t("perekaman KTP-el", "KTP-el enrollment"),
                    _ => "",
                };
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td class=\"code\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"hash\">{}</td></tr>",
                    esc(role),
                    esc(&path),
                    rows.map(|n| f.int(n)).unwrap_or_default(),
                    bytes.map(|n| f.int(n)).unwrap_or_default(),
                    esc(&sha)
                );
            }
            h.push_str("</tbody></table>\n");
        }
    }
}

fn footer(ctx: &Ctx, h: &mut String) {
    let l = ctx.lang();
    let _ = writeln!(
        h,
        "<footer><p>{}</p><p>{}</p><p>{}</p></footer>",
        esc(l.t(
            "Laporan ini hanya memuat angka agregat per wilayah. Tidak ada NIK, nama, atau data pribadi lain (UU 27/2022 tentang Pelindungan Data Pribadi).",
            "This report holds only aggregate figures per area. No NIK, name or other personal data (Law 27/2022 on Personal Data Protection)."
        )),
        esc(l.t(
            "Nama wilayah: Kepmendagri 300.2.2-2138/2025. Batas wilayah: cahyadsn/wilayah_boundaries, lisensi MIT © 2024 Cahya DSN. Huruf: DejaVu Sans.",
            "Area names: Kepmendagri 300.2.2-2138/2025. Boundaries: cahyadsn/wilayah_boundaries, MIT licence © 2024 Cahya DSN. Font: DejaVu Sans."
        )),
        esc(&format!("{} {}", l.t("Dibuat oleh", "Made by"), ctx.data.manifest.as_ref().and_then(|m| m.program_version()).unwrap_or_else(|| "cakupan".into())))
    );
}

#[cfg(test)]
mod describe_tests {
    use super::*;
    use data_schema::{RejectReason, WarningKind};

    #[test]
    fn every_reason_and_warning_of_the_pipeline_has_a_description() {
        let codes = RejectReason::ALL
            .iter()
            .map(|r| r.code())
            .chain(WarningKind::ALL.iter().map(|w| w.code()))
            .chain(["DUPLICATE_ROW"]);
        for c in codes {
            for l in [Lang::Id, Lang::En] {
                assert!(!describe(c, l).is_empty(), "{c} has no description");
            }
        }
    }
}
