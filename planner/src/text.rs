//! The human text of the plan (`plan.txt`, the printed lines), Bahasa
//! Indonesia by default, English with `--lang en`.

use crate::drive::KecPlan;
use crate::projection::Projection;
use crate::{Lang, PlanningInfo, SchoolRow};
use chrono::NaiveDate;
use pipeline::RunConfig;
use std::fmt::Write;

fn pct(p: f64) -> String {
    let s = format!("{p:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn cov(n: u64, d: u64) -> String {
    pipeline::aggregate::pct(n, d).map(|v| format!("{v:.2}%")).unwrap_or_else(|| "-".into())
}

pub fn privacy_note(lang: Lang) -> &'static str {
    match lang {
        Lang::Id => "DATA PRIBADI (UU 27/2022): hanya untuk petugas perekaman; jangan dibagikan atau diunggah.",
        Lang::En => "PERSONAL DATA (UU 27/2022): for recording staff only; do not share or upload.",
    }
}

pub fn worklist_title(lang: Lang, what: &str, s: NaiveDate, e: NaiveDate) -> String {
    match lang {
        Lang::Id => format!("Daftar pemilih belum rekam KTP-el: {what}; data per {s}, hari pemungutan suara {e}"),
        Lang::En => format!("Eligible voters without KTP-el recording: {what}; data as of {s}, polling day {e}"),
    }
}

/// The sentence the issue asks for.
pub fn verdict(lang: Lang, i: &PlanningInfo) -> String {
    match lang {
        Lang::Id => format!(
            "dengan {} unit × {} per hari selama {} hari kerja, {} kecamatan tetap di bawah {}%",
            i.units, i.per_unit_per_day, i.working_days, i.kecamatan_below_target_after_plan, pct(i.target_pct)
        ),
        Lang::En => format!(
            "with {} units × {} per day for {} working days, {} kecamatan stay below {}%",
            i.units, i.per_unit_per_day, i.working_days, i.kecamatan_below_target_after_plan, pct(i.target_pct)
        ),
    }
}

pub fn headline(lang: Lang, i: &PlanningInfo) -> Vec<String> {
    let en = lang == Lang::En;
    let mut v = vec![format!(
        "  plan: {}; {} of {} unit-days needed{} (plan.txt, plan.csv, plan_summary.csv)",
        verdict(lang, i),
        i.unit_days_needed,
        i.unit_days_available,
        if i.unit_days_needed > i.unit_days_available { ", more than exist" } else { "" }
    )];
    let _ = en;
    v.push(format!(
        "  projection: at the last {} weeks' rate, {} of {} kecamatan will miss {}% on polling day without a drive (projection.csv)",
        i.projection_weeks,
        i.kecamatan_will_miss_target_without_drive,
        i.kecamatan,
        pct(i.target_pct)
    ));
    if let Some(s) = &i.schools {
        v.push(format!(
            "  schools: {} students in {} schools ({} rejected rows, schools_rejects.csv); {} eligible without KTP-el ({} first-time); {} not in the population",
            s.students, s.schools, s.rejected, s.eligible_unrecorded, s.first_time_unrecorded, s.students_not_in_population
        ));
    }
    if let Some(w) = &i.worklists {
        v.push(format!(
            "  worklists: {} people in restricted/ ({} kecamatan files, {} school files, CSV + XLSX){}",
            w.rows,
            w.kecamatan_files,
            w.school_files,
            if i.mask_nik { ", NIK masked" } else { "" }
        ));
    }
    v
}

pub fn plan_txt(
    lang: Lang,
    cfg: &RunConfig,
    i: &PlanningInfo,
    plans: &[KecPlan],
    proj: &[Projection],
    schools: &[SchoolRow],
) -> String {
    let id = lang == Lang::Id;
    let t = |a: &str, b: &str| if id { a.to_string() } else { b.to_string() };
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}",
        if id {
            format!("RENCANA PEREKAMAN KTP-el: data per {}, hari pemungutan suara {}", cfg.as_of, cfg.election)
        } else {
            format!("KTP-el RECORDING DRIVE PLAN: data as of {}, polling day {}", cfg.as_of, cfg.election)
        }
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", verdict(lang, i));
    let _ = writeln!(o);
    let days = match (&i.first_day, &i.last_day) {
        (Some(a), Some(b)) => format!("{a} – {b}"),
        _ => "-".into(),
    };
    if id {
        let _ = writeln!(o, "Target: {}% pemilih per kecamatan sudah rekam KTP-el.", pct(i.target_pct));
        let _ = writeln!(
            o,
            "Kapasitas: {} unit × {} perekaman per hari; hari kerja {} ({}), {} hari = {} unit-hari.",
            i.units, i.per_unit_per_day, i.workdays, days, i.working_days, i.unit_days_available
        );
        let _ = writeln!(
            o,
            "Kebutuhan: {} perekaman lagi di {} kecamatan = {} unit-hari; dijadwalkan {} unit-hari, {} perekaman; sisa {} unit-hari.",
            i.recordings_needed,
            i.kecamatan_below_target_now,
            i.unit_days_needed,
            i.unit_days_allocated,
            i.recordings_planned,
            i.unit_days_spare
        );
        let _ = writeln!(o, "Urutan: cakupan terendah lebih dulu (selisih terbesar ke target); sekolah di kecamatan itu dikunjungi pada hari-hari pertamanya.");
    } else {
        let _ = writeln!(o, "Target: {}% of eligible voters recorded in every kecamatan.", pct(i.target_pct));
        let _ = writeln!(
            o,
            "Capacity: {} units × {} recordings per day; working days {} ({}), {} days = {} unit-days.",
            i.units, i.per_unit_per_day, i.workdays, days, i.working_days, i.unit_days_available
        );
        let _ = writeln!(
            o,
            "Need: {} more recordings in {} kecamatan = {} unit-days; scheduled {} unit-days, {} recordings; {} unit-days spare.",
            i.recordings_needed,
            i.kecamatan_below_target_now,
            i.unit_days_needed,
            i.unit_days_allocated,
            i.recordings_planned,
            i.unit_days_spare
        );
        let _ = writeln!(o, "Order: lowest coverage first (largest gap to the target); a kecamatan's schools are visited on its first days.");
    }
    let _ = writeln!(o);
    let mut ranked: Vec<&KecPlan> = plans.iter().filter(|p| p.rank.is_some()).collect();
    ranked.sort_by_key(|p| p.rank);
    if !ranked.is_empty() {
        let _ = writeln!(o, "{}", t("Prioritas (kecamatan di bawah target):", "Priorities (kecamatan below the target):"));
        for p in &ranked {
            let c = &p.kec;
            let status = if p.reaches_target() {
                t("mencapai target", "reaches the target")
            } else if p.unit_days_allocated == 0 {
                t("TIDAK terjangkau", "NOT reached")
            } else {
                t("sebagian, tetap di bawah target", "partly, stays below the target")
            };
            let _ = writeln!(
                o,
                "  {:>2}. {} {}: {} → {}; {} {} = {} {}, {} {} → {}",
                p.rank.unwrap(),
                c.code,
                c.name,
                cov(c.eligible_recorded, c.eligible),
                cov(c.eligible_recorded + p.planned_recordings, c.eligible),
                p.needed,
                t("perekaman perlu", "recordings needed"),
                p.unit_days_needed,
                t("unit-hari", "unit-days"),
                p.unit_days_allocated,
                t("dijadwalkan", "scheduled"),
                status
            );
        }
        let _ = writeln!(o);
    }
    let below: Vec<&KecPlan> = ranked.iter().copied().filter(|p| !p.reaches_target()).collect();
    if !below.is_empty() {
        let _ = writeln!(o, "{}", t("Tetap di bawah target dengan kapasitas ini:", "Stay below the target with this capacity:"));
        for p in below {
            let _ = writeln!(
                o,
                "  {} {}: {} {}",
                p.kec.code,
                p.kec.name,
                p.needed - p.planned_recordings,
                t("perekaman kurang", "recordings short")
            );
        }
        let _ = writeln!(o);
    }
    let miss: Vec<&Projection> = proj.iter().filter(|p| p.will_miss_target).collect();
    let _ = writeln!(
        o,
        "{}",
        if id {
            format!(
                "Proyeksi tanpa penjangkauan (laju rata-rata {} minggu penuh terakhir sebelum {}): {} dari {} kecamatan tidak mencapai {}% pada hari pemungutan suara.",
                i.projection_weeks, cfg.as_of, miss.len(), proj.len(), pct(i.target_pct)
            )
        } else {
            format!(
                "Projection without a drive (mean rate of the last {} complete weeks before {}): {} of {} kecamatan miss {}% on polling day.",
                i.projection_weeks, cfg.as_of, miss.len(), proj.len(), pct(i.target_pct)
            )
        }
    );
    for p in miss {
        let _ = writeln!(
            o,
            "  {} {}: {} → {} ({:.1} {})",
            p.kec.code,
            p.kec.name,
            cov(p.kec.eligible_recorded, p.kec.eligible),
            cov(p.projected_recorded, p.kec.eligible),
            p.weekly_rate,
            t("perekaman/minggu", "recordings/week")
        );
    }
    if let Some(s) = &i.schools {
        let _ = writeln!(o);
        if id {
            let _ = writeln!(
                o,
                "Sekolah: {} siswa di {} sekolah ({} baris ditolak, lihat schools_rejects.csv); {} pemilih belum rekam ({} pemilih pemula); {} siswa tidak ditemukan di data penduduk (restricted/students_not_in_population.csv).",
                s.students, s.schools, s.rejected, s.eligible_unrecorded, s.first_time_unrecorded, s.students_not_in_population
            );
        } else {
            let _ = writeln!(
                o,
                "Schools: {} students in {} schools ({} rows rejected, see schools_rejects.csv); {} eligible without KTP-el ({} first-time); {} students not found in the population (restricted/students_not_in_population.csv).",
                s.students, s.schools, s.rejected, s.eligible_unrecorded, s.first_time_unrecorded, s.students_not_in_population
            );
        }
        for x in schools.iter().filter(|x| x.eligible_unrecorded > 0).take(10) {
            let _ = writeln!(o, "  {} {} ({}): {}", x.npsn, x.name, x.area_name, x.eligible_unrecorded);
        }
    }
    o
}
