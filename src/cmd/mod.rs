pub mod demo;
pub mod generate;
pub mod planning;
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
/// A memory size: `8G`, `512M`, `1.5GB`, `2048` (bytes), or a share of this
/// machine's memory such as `50%`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_uppercase();
    if let Some(p) = t.strip_suffix('%') {
        let v: f64 = p.trim().parse().map_err(|_| format!("expected a size like 8G or 50%, got {s:?}"))?;
        if !(v > 0.0 && v <= 100.0) {
            return Err(format!("a share of memory must be between 0 and 100%, got {s:?}"));
        }
        return Ok((machine_memory() as f64 * v / 100.0) as u64);
    }
    let t = t.strip_suffix("IB").or_else(|| t.strip_suffix('B')).unwrap_or(&t);
    let (num, mul) = match t.chars().last() {
        Some('K') => (&t[..t.len() - 1], 1u64 << 10),
        Some('M') => (&t[..t.len() - 1], 1 << 20),
        Some('G') => (&t[..t.len() - 1], 1 << 30),
        Some('T') => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    let v: f64 = num.trim().parse().map_err(|_| format!("expected a size like 8G, 512M or 50%, got {s:?}"))?;
    if v <= 0.0 {
        return Err(format!("a memory budget must be positive, got {s:?}"));
    }
    Ok((v * mul as f64) as u64)
}

/// Total memory of this machine (from /proc/meminfo), or 8 GiB when unknown.
pub fn machine_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|k| k.parse::<u64>().ok()))
        })
        .map(|kb| kb * 1024)
        .unwrap_or(8 << 30)
}

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
