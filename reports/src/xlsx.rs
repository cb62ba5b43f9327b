//! `cakupan.xlsx`: one sheet per level with headers in the report language,
//! a frozen header row, percent formats and the coverage colour classes, plus
//! a sheet of reject and warning counts from the manifest (no raw values).
//!
//! Numbers are written as numbers (Excel shows them with the reader's locale
//! separators); suppressed cells are written as the text `<N`.

use crate::classes::Class;
use crate::data::Row;
use crate::report::{describe, level_name};
use crate::{Ctx, Out, ReportError};
use data_schema::area::Level;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

fn err(e: XlsxError) -> ReportError {
    ReportError::render("cakupan.xlsx", e)
}

fn class_color(c: Class) -> Color {
    Color::RGB(u32::from_str_radix(c.hex().trim_start_matches('#'), 16).unwrap_or(0xffffff))
}

pub(crate) fn write(ctx: &Ctx, out: &mut Out) -> Result<(), ReportError> {
    let mut wb = Workbook::new();
    for level in Level::ALL {
        let ws = wb.add_worksheet();
        level_sheet(ctx, ws, level).map_err(err)?;
    }
    let ws = wb.add_worksheet();
    quality_sheet(ctx, ws).map_err(err)?;
    let bytes = wb.save_to_buffer().map_err(err)?;
    out.write("cakupan.xlsx", &bytes)
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color(Color::RGB(0xf3f3f3))
        .set_border_bottom(FormatBorder::Thin)
        .set_align(FormatAlign::Top)
}

fn level_sheet(ctx: &Ctx, ws: &mut Worksheet, level: Level) -> Result<(), XlsxError> {
    let l = ctx.lang();
    let f = ctx.fmt;
    ws.set_name(level_name(level, l).replace('/', "-"))?;
    let heads: [(&str, &str, f64); 14] = [
        ("Kode wilayah", "Area code", 15.0),
        ("Nama wilayah", "Area name", 28.0),
        ("Ada di daftar Kemendagri", "In the Kemendagri list", 12.0),
        ("Penduduk", "Residents", 11.0),
        ("Wajib KTP-el", "Required to hold KTP-el", 11.0),
        ("Wajib KTP-el sudah rekam", "Required, recorded", 12.0),
        ("Cakupan wajib KTP-el", "Coverage of required", 11.0),
        ("Pemilih", "Eligible voters", 11.0),
        ("Pemilih sudah rekam", "Eligible, recorded", 11.0),
        ("Pemilih belum rekam", "Eligible, not recorded", 11.0),
        ("Cakupan pemilih", "Voter coverage", 11.0),
        ("Pemilih pemula", "First-time voters", 11.0),
        ("Pemula belum rekam", "First-time, not recorded", 11.0),
        ("Tunggakan belum rekam", "Backlog, not recorded", 12.0),
    ];
    let hf = header_format();
    for (c, (id, en, w)) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, l.t(id, en), &hf)?;
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_row_height(0, 45)?;
    ws.set_freeze_panes(1, 0)?;
    let int_f = Format::new().set_num_format("#,##0");
    let sup_f = Format::new()
        .set_align(FormatAlign::Right)
        .set_font_color(Color::RGB(0x5f6368));
    let pct_f = Format::new().set_num_format("0.0%");
    let rows = ctx.data.rows(level);
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, &r.code)?;
        ws.write_string(row, 1, r.label(l))?;
        ws.write_string(
            row,
            2,
            if r.in_reference {
                l.t("ya", "yes")
            } else {
                l.t("tidak", "no")
            },
        )?;
        let count = |ws: &mut Worksheet, col: u16, n: u64| -> Result<(), XlsxError> {
            if f.is_suppressed(n) {
                ws.write_string_with_format(row, col, f.count(n), &sup_f)?;
            } else {
                ws.write_number_with_format(row, col, n as f64, &int_f)?;
            }
            Ok(())
        };
        count(ws, 3, r.residents)?;
        count(ws, 4, r.required)?;
        count(ws, 5, r.required_recorded)?;
        pct(
            ws,
            row,
            6,
            r.required_coverage(f),
            r.required > 0,
            &pct_f,
            &sup_f,
            false,
        )?;
        count(ws, 7, r.eligible)?;
        count(ws, 8, r.eligible_recorded)?;
        count(ws, 9, r.eligible_unrecorded)?;
        pct(
            ws,
            row,
            10,
            r.coverage(f),
            r.eligible > 0,
            &pct_f,
            &sup_f,
            true,
        )?;
        count(ws, 11, r.first_time)?;
        count(ws, 12, r.first_time_unrecorded)?;
        count(ws, 13, r.backlog_unrecorded)?;
    }
    if !rows.is_empty() {
        ws.autofilter(0, 0, rows.len() as u32, 13)?;
    }
    let _ = rows_note(ctx, ws, rows);
    Ok(())
}

/// A percentage cell, coloured by class when `colour`; `–` when hidden.
#[allow(clippy::too_many_arguments)]
fn pct(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    p: Option<f64>,
    has_denominator: bool,
    pct_f: &Format,
    sup_f: &Format,
    colour: bool,
) -> Result<(), XlsxError> {
    match p {
        Some(p) => {
            if colour {
                let c = Class::of(Some(p));
                let fmt = pct_f
                    .clone()
                    .set_background_color(class_color(c))
                    .set_font_color(if matches!(c, Class::Below80 | Class::Below90) {
                        Color::White
                    } else {
                        Color::Black
                    });
                ws.write_number_with_format(row, col, p / 100.0, &fmt)?;
            } else {
                ws.write_number_with_format(row, col, p / 100.0, pct_f)?;
            }
        }
        None if has_denominator => {
            ws.write_string_with_format(row, col, "–", sup_f)?;
        }
        None => {}
    }
    Ok(())
}

/// A note under the table when suppression is on.
fn rows_note(ctx: &Ctx, ws: &mut Worksheet, rows: &[Row]) -> Result<(), XlsxError> {
    if let Some(n) = ctx.opts.suppress_below {
        let l = ctx.lang();
        let text = format!(
            "{} {} {}",
            l.t("Jumlah di bawah", "Counts below"),
            n,
            l.t(
                "ditulis \"<N\"; persentase dari jumlah itu disembunyikan (–).",
                "are shown as \"<N\"; percentages from them are hidden (–)."
            )
        );
        ws.write_string(rows.len() as u32 + 2, 0, text)?;
    }
    Ok(())
}

fn quality_sheet(ctx: &Ctx, ws: &mut Worksheet) -> Result<(), XlsxError> {
    let l = ctx.lang();
    ws.set_name(l.t("Penolakan", "Rejects"))?;
    let hf = header_format();
    let bold = Format::new().set_bold();
    let int_f = Format::new().set_num_format("#,##0");
    for (c, (id, en, w)) in [
        ("Bagian", "Section", 26.0),
        ("Kode", "Code", 26.0),
        ("Arti", "Meaning", 60.0),
        ("Jumlah", "Count", 12.0),
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(0, c as u16, l.t(id, en), &hf)?;
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let mut row = 1u32;
    let Some(m) = ctx.data.manifest.as_ref() else {
        ws.write_string(
            row,
            0,
            l.t("manifest.json tidak ada", "manifest.json is missing"),
        )?;
        return Ok(());
    };
    let mut block = |ws: &mut Worksheet,
                     title: &str,
                     map: std::collections::BTreeMap<String, u64>|
     -> Result<(), XlsxError> {
        let total: u64 = map.values().sum();
        for (k, n) in map {
            ws.write_string(row, 0, title)?;
            ws.write_string(row, 1, &k)?;
            ws.write_string(row, 2, describe(&k, l))?;
            ws.write_number_with_format(row, 3, n as f64, &int_f)?;
            row += 1;
        }
        ws.write_string_with_format(row, 0, title, &bold)?;
        ws.write_string_with_format(row, 1, l.t("jumlah", "total"), &bold)?;
        ws.write_number_with_format(row, 3, total as f64, &int_f)?;
        row += 2;
        Ok(())
    };
    block(
        ws,
        l.t("Penduduk: ditolak", "Population: rejected"),
        m.counts(Some("population"), "rejected_by_reason"),
    )?;
    block(
        ws,
        l.t("Perekaman: ditolak", "Enrollment: rejected"),
        m.counts(Some("enrollment"), "rejected_by_reason"),
    )?;
    block(
        ws,
        l.t("Peringatan", "Warnings"),
        m.counts(None, "warnings_by_kind"),
    )?;
    if let Some(d) = m.count("population", "duplicate_rows") {
        ws.write_string(row, 0, l.t("Penduduk", "Population"))?;
        ws.write_string(row, 1, "DUPLICATE_ROW")?;
        ws.write_string(row, 2, describe("DUPLICATE_ROW", l))?;
        ws.write_number_with_format(row, 3, d as f64, &int_f)?;
        row += 1;
    }
    row += 1;
    ws.write_string(
        row,
        0,
        l.t(
            "Hanya jumlah dari manifest.json; nilai mentah tidak dimuat.",
            "Counts from manifest.json only; no raw values.",
        ),
    )?;
    Ok(())
}
