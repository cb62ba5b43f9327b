//! Worklists for recording drives, per kecamatan (rows by desa, RT, RW, name)
//! and per school (rows by class, name), as CSV and XLSX under `restricted/`.

use crate::privacy::restrict_file;
use crate::Lang;
use chrono::{Datelike, NaiveDate};
use data_schema::date::from_days;
use pipeline::output::Target;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use std::path::{Path, PathBuf};

/// One cell of a worklist.
pub enum Cell {
    Text(String),
    Date(i32),
    Num(u64),
}

/// School fields for a worklist row.
#[derive(Clone, Debug)]
pub struct SchoolRef {
    pub npsn: String,
    pub name: String,
    pub kelas: String,
}

/// Which worklist.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Kecamatan,
    School,
}

pub fn headers(kind: Kind, lang: Lang, as_of: NaiveDate) -> Vec<String> {
    let t = |id: &str, en: &str| if lang == Lang::En { en.to_string() } else { id.to_string() };
    let mut h = vec![t("No", "No"), "NIK".into(), t("Nama", "Name"), t("JK", "Sex")];
    if kind == Kind::School {
        h.push(t("Kelas", "Class"));
    }
    h.extend([
        t("Tanggal lahir", "Birth date"),
        t("Genap 17 tahun", "Turns 17"),
        t("Boleh rekam sejak (ulang tahun ke-16)", "Recordable from (16th birthday)"),
        if lang == Lang::En { format!("Recordable on {as_of} (as-of date)") } else { format!("Sudah boleh rekam per {as_of} (tanggal data)") },
        t("Kode desa", "Desa code"),
        t("Desa/Kelurahan", "Desa/Kelurahan"),
        "RT".into(),
        "RW".into(),
        t("Alamat", "Address"),
        t("Kategori", "Category"),
    ]);
    if kind == Kind::Kecamatan {
        h.push(t("Sekolah (NPSN)", "School (NPSN)"));
    }
    h
}

pub fn row(kind: Kind, lang: Lang, no: usize, t: &Target, nik: &str, school: Option<&SchoolRef>) -> Vec<Cell> {
    let en = lang == Lang::En;
    let mut r = vec![Cell::Num(no as u64), Cell::Text(nik.to_string()), Cell::Text(t.name.clone()), Cell::Text(t.sex.to_string())];
    if kind == Kind::School {
        r.push(Cell::Text(school.map(|s| s.kelas.clone()).unwrap_or_default()));
    }
    r.extend([
        Cell::Date(t.birth),
        Cell::Date(t.turns_17),
        Cell::Date(t.recordable_from),
        Cell::Text(match (t.recordable_at_as_of, en) {
            (true, false) => "ya".into(),
            (false, false) => "belum".into(),
            (true, true) => "yes".into(),
            (false, true) => "not yet".into(),
        }),
        Cell::Text(t.area_code.clone()),
        Cell::Text(t.area_name.to_string()),
        Cell::Text(t.rt.clone()),
        Cell::Text(t.rw.clone()),
        Cell::Text(t.address.clone()),
        Cell::Text(match (t.category, en) {
            ("first_time", false) => "pemilih pemula".into(),
            ("first_time", true) => "first-time voter".into(),
            (_, false) => "tunggakan (sudah 17 atau kawin)".into(),
            (_, true) => "backlog (already 17 or married)".into(),
        }),
    ]);
    if kind == Kind::Kecamatan {
        r.push(Cell::Text(school.map(|s| format!("{} ({})", s.name, s.npsn)).unwrap_or_default()));
    }
    r
}

/// A file-name-safe form of a name: ASCII letters and digits, others `_`.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').chars().take(60).collect()
}

/// Write `<stem>.csv` and `<stem>.xlsx` (both 0600). Returns the two paths.
pub fn write(stem: &Path, title: &str, note: &str, header: &[String], rows: &[Vec<Cell>]) -> anyhow::Result<[PathBuf; 2]> {
    // not with_extension: stems such as `94.04.01_Mimika_Baru` contain dots
    let with = |ext: &str| {
        let mut s = stem.as_os_str().to_owned();
        s.push(ext);
        PathBuf::from(s)
    };
    let (csv_path, xlsx_path) = (with(".csv"), with(".xlsx"));
    {
        let mut w = csv::Writer::from_path(&csv_path)?;
        w.write_record(header)?;
        for r in rows {
            w.write_record(r.iter().map(|c| match c {
                Cell::Text(s) => s.clone(),
                Cell::Date(d) => from_days(*d).to_string(),
                Cell::Num(n) => n.to_string(),
            }))?;
        }
        w.flush()?;
    }
    restrict_file(&csv_path)?;

    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Daftar")?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd-mm-yyyy");
    ws.write_string_with_format(0, 0, title, &bold)?;
    ws.write_string(1, 0, note)?;
    let hr = 3u32;
    for (j, h) in header.iter().enumerate() {
        ws.write_string_with_format(hr, j as u16, h, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = hr + 1 + i as u32;
        for (j, c) in r.iter().enumerate() {
            let col = j as u16;
            match c {
                Cell::Text(s) => {
                    ws.write_string(row, col, s)?;
                }
                Cell::Num(n) => {
                    ws.write_number(row, col, *n as f64)?;
                }
                Cell::Date(d) => {
                    let x = from_days(*d);
                    let dt = ExcelDateTime::from_ymd(x.year() as u16, x.month() as u8, x.day() as u8)?;
                    ws.write_datetime_with_format(row, col, &dt, &date)?;
                }
            }
        }
    }
    let widths = header.iter().map(|h| (h.chars().count() as f64).clamp(6.0, 24.0));
    for (j, w) in widths.enumerate() {
        ws.set_column_width(j as u16, w + 2.0)?;
    }
    ws.set_column_width(1, 20.0)?;
    ws.set_column_width(2, 28.0)?;
    ws.set_freeze_panes(hr + 1, 0)?;
    if !header.is_empty() {
        ws.autofilter(hr, 0, hr + rows.len() as u32, header.len() as u16 - 1)?;
    }
    wb.save(&xlsx_path)?;
    restrict_file(&xlsx_path)?;
    Ok([csv_path, xlsx_path])
}
