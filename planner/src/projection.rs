//! Projection to polling day at the recent weekly rate, from `trend_weekly.csv`.

use crate::drive::{recordings_needed, Kecamatan};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;
use std::path::Path;

/// Weeks averaged for the rate.
pub const WEEKS: i64 = 8;

/// The Mondays of the last `WEEKS` complete ISO weeks (Monday–Sunday) that
/// end on or before `as_of`, oldest first.
pub fn window(as_of: NaiveDate) -> Vec<NaiveDate> {
    let next = as_of + chrono::Duration::days(1);
    let monday_next = next - chrono::Duration::days(next.weekday().num_days_from_monday() as i64);
    let last = monday_next - chrono::Duration::days(7);
    (0..WEEKS).rev().map(|i| last - chrono::Duration::days(7 * i)).collect()
}

/// Working rate: mean weekly `first_recordings_eligible` per kecamatan over
/// [`window`]; weeks without a row count as 0.
pub fn weekly_rates(trend_csv: &Path, as_of: NaiveDate) -> anyhow::Result<BTreeMap<String, f64>> {
    let win = window(as_of);
    let (lo, hi) = (win[0], *win.last().unwrap());
    let mut r = csv::Reader::from_path(trend_csv)?;
    let h = r.byte_headers()?.clone();
    let col = |n: &str| h.iter().position(|x| x == n.as_bytes()).ok_or_else(|| anyhow::anyhow!("trend_weekly.csv lacks {n}"));
    let (cw, ca, ce) = (col("week_start")?, col("area_code")?, col("first_recordings_eligible")?);
    // Millions of rows at national scale: ISO dates compare as text, so
    // only the rows inside the window are parsed.
    let (lo_text, hi_text) = (lo.to_string(), hi.to_string());
    let mut sums: BTreeMap<String, u64> = BTreeMap::new();
    let mut rec = csv::ByteRecord::new();
    while r.read_byte_record(&mut rec)? {
        let text = |i: usize| std::str::from_utf8(&rec[i]).map_err(|e| anyhow::anyhow!("trend_weekly.csv: {e}"));
        let week = text(cw)?;
        if week < lo_text.as_str() || week > hi_text.as_str() {
            continue;
        }
        let wk = NaiveDate::parse_from_str(week, "%Y-%m-%d")?;
        if wk >= lo && wk <= hi {
            *sums.entry(text(ca)?.to_string()).or_default() += text(ce)?.parse::<u64>()?;
        }
    }
    Ok(sums.into_iter().map(|(k, v)| (k, v as f64 / WEEKS as f64)).collect())
}

/// One row of `projection.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub kec: Kecamatan,
    pub weekly_rate: f64,
    pub projected_recorded: u64,
    pub will_miss_target: bool,
    /// Recordings still missing on polling day at this rate.
    pub shortfall: u64,
}

/// Weeks of recording left: the days from S+1 to E−1, over 7 (0 in a look back).
pub fn weeks_left(as_of: NaiveDate, election: NaiveDate) -> f64 {
    ((election - as_of).num_days() - 1).max(0) as f64 / 7.0
}

/// `eligible_recorded + rate × weeks_left`, rounded, at most `eligible`.
pub fn project(kec: &Kecamatan, rate: f64, weeks: f64, bp: u64) -> Projection {
    let p = ((kec.eligible_recorded as f64) + rate * weeks).round() as u64;
    let projected = p.min(kec.eligible).max(kec.eligible_recorded);
    let shortfall = recordings_needed(kec.eligible, projected, bp);
    Projection { kec: kec.clone(), weekly_rate: rate, projected_recorded: projected, will_miss_target: shortfall > 0, shortfall }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }
    #[test]
    fn window_is_complete_weeks_before_as_of() {
        // 2024-08-26 is a Monday: the last complete week is 08-19..08-25
        let w = window(d(2024, 8, 26));
        assert_eq!(w.len(), 8);
        assert_eq!(*w.last().unwrap(), d(2024, 8, 19));
        assert_eq!(w[0], d(2024, 7, 1));
        // a Sunday as-of completes its own week
        assert_eq!(*window(d(2024, 8, 25)).last().unwrap(), d(2024, 8, 19));
        assert_eq!(*window(d(2024, 8, 24)).last().unwrap(), d(2024, 8, 12));
    }
    #[test]
    fn weekly_rates_average_the_window_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trend_weekly.csv");
        // Window for 2024-08-26: Mondays 2024-07-01 .. 2024-08-19.
        std::fs::write(
            &path,
            "week_start,area_code,recordings,first_recordings_required,first_recordings_eligible\n\
             2024-06-24,94.04.01,9,9,900\n\
             2024-07-01,94.04.01,5,4,8\n\
             2024-08-19,94.04.01,5,4,16\n\
             2024-08-26,94.04.01,5,4,700\n\
             2024-07-15,94.04.02,1,1,4\n\
             2023-08-19,94.04.03,1,1,4\n",
        )
        .unwrap();
        let r = weekly_rates(&path, d(2024, 8, 26)).unwrap();
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(r["94.04.01"], 3.0);
        assert_eq!(r["94.04.02"], 0.5);
        // A week inside the window that is not a date is an error.
        std::fs::write(&path, "week_start,area_code,first_recordings_eligible\n2024-07-3x,94.04.01,1\n").unwrap();
        assert!(weekly_rates(&path, d(2024, 8, 26)).is_err());
    }
    #[test]
    fn projection_caps_and_flags() {
        let k = Kecamatan { code: "x".into(), name: "x".into(), eligible: 1000, eligible_recorded: 800, first_time_unrecorded: 0 };
        let p = project(&k, 10.0, 13.0, 9500);
        assert_eq!(p.projected_recorded, 930);
        assert!(p.will_miss_target);
        assert_eq!(p.shortfall, 20);
        let p = project(&k, 100.0, 13.0, 9500);
        assert_eq!(p.projected_recorded, 1000);
        assert!(!p.will_miss_target);
        assert_eq!(weeks_left(d(2024, 8, 26), d(2024, 11, 27)), 92.0 / 7.0);
        assert_eq!(weeks_left(d(2024, 12, 1), d(2024, 11, 27)), 0.0);
    }
}
