pub mod demo;
pub mod generate;
pub mod report;
pub mod run;

use std::io::IsTerminal;

/// A spinner on stderr when it is a terminal; nothing otherwise.
pub fn progress() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_style(indicatif::ProgressStyle::with_template("{spinner} [{elapsed}] {msg}").unwrap());
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(pb)
}

/// Parse `YYYY-MM-DD` for the command line.
pub fn parse_day(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("expected a date as YYYY-MM-DD, got {s:?}"))
}

/// `5%`, `5` (percent) or `0.05` (share).
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (num, pct) = match t.strip_suffix('%') {
        Some(n) => (n, true),
        None => (t, false),
    };
    let v: f64 = num.trim().parse().map_err(|_| format!("expected a share like 0.05 or 5%, got {s:?}"))?;
    let v = if pct || v > 1.0 { v / 100.0 } else { v };
    if !(0.0..=1.0).contains(&v) {
        return Err(format!("a rate must be between 0 and 100%, got {s:?}"));
    }
    Ok(v)
}
