//! The drive plan: how many recordings each kecamatan needs to reach the
//! target, how many unit-days that takes, a ranked allocation of the unit-days
//! that exist, and a day-by-day schedule. Pure functions, no I/O.

use chrono::NaiveDate;

/// One kecamatan as the plan sees it (from `coverage_kecamatan`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kecamatan {
    pub code: String,
    pub name: String,
    pub eligible: u64,
    pub eligible_recorded: u64,
    pub first_time_unrecorded: u64,
}

/// The target as basis points (95% = 9500), so the arithmetic is exact.
pub fn basis_points(pct: f64) -> u64 {
    (pct.clamp(0.0, 100.0) * 100.0).round() as u64
}

/// Recordings needed for `eligible_recorded / eligible >= bp / 10000`:
/// `ceil(bp/10000 × eligible) − eligible_recorded`, at least 0.
pub fn recordings_needed(eligible: u64, eligible_recorded: u64, bp: u64) -> u64 {
    let target = (bp * eligible).div_ceil(10_000);
    target.saturating_sub(eligible_recorded)
}

/// The plan of one kecamatan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KecPlan {
    pub kec: Kecamatan,
    pub needed: u64,
    pub unit_days_needed: u64,
    /// 1 = first served; `None` when nothing is needed.
    pub rank: Option<u32>,
    pub unit_days_allocated: u64,
    pub planned_recordings: u64,
}

impl KecPlan {
    pub fn reaches_target(&self) -> bool {
        self.planned_recordings >= self.needed
    }
}

/// Rank the kecamatan that need recordings, lowest eligible coverage first
/// (the largest gap to the target in percentage points), ties by more
/// recordings needed, then by code; give each in turn the unit-days it needs
/// while any are left. `k` = recordings per unit per day (at least 1).
pub fn allocate(kecs: &[Kecamatan], bp: u64, k: u64, available: u64) -> Vec<KecPlan> {
    let k = k.max(1);
    let mut plans: Vec<KecPlan> = kecs
        .iter()
        .map(|c| {
            let needed = recordings_needed(c.eligible, c.eligible_recorded, bp);
            KecPlan {
                kec: c.clone(),
                needed,
                unit_days_needed: needed.div_ceil(k),
                rank: None,
                unit_days_allocated: 0,
                planned_recordings: 0,
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..plans.len()).filter(|&i| plans[i].needed > 0).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&plans[a].kec, &plans[b].kec);
        // x.recorded/x.eligible vs y.recorded/y.eligible, cross-multiplied
        ((x.eligible_recorded as u128) * (y.eligible as u128))
            .cmp(&((y.eligible_recorded as u128) * (x.eligible as u128)))
            .then(plans[b].needed.cmp(&plans[a].needed))
            .then(x.code.cmp(&y.code))
    });
    let mut left = available;
    for (r, &i) in order.iter().enumerate() {
        let p = &mut plans[i];
        p.rank = Some(r as u32 + 1);
        let give = p.unit_days_needed.min(left);
        left -= give;
        p.unit_days_allocated = give;
        p.planned_recordings = p.needed.min(give * k);
    }
    plans
}

/// A school to visit during its kecamatan's days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolStop {
    pub npsn: String,
    pub name: String,
    /// Eligible students without KTP-el.
    pub students: u64,
}

/// One unit-day of the schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub unit: u32,
    pub area_code: String,
    pub area_name: String,
    pub planned_recordings: u64,
    /// Schools visited that day, with the students planned there.
    pub schools: Vec<(SchoolStop, u64)>,
}

/// Lay the allocation out day by day. Unit-days are filled in priority order,
/// day by day (all units on day 1, then day 2, …), so the neediest kecamatan
/// are served first. Every unit-day records `k`, except a kecamatan's last day,
/// which records what is left of its need. Schools of a kecamatan (largest
/// first) are visited on its first days, up to each day's planned recordings.
/// `schools_of(code)` gives a kecamatan's schools.
pub fn schedule(
    plans: &[KecPlan],
    days: &[NaiveDate],
    units: u32,
    k: u64,
    schools_of: &dyn Fn(&str) -> Vec<SchoolStop>,
) -> Vec<Day> {
    let k = k.max(1);
    let mut slots = days.iter().flat_map(|d| (1..=units).map(move |u| (*d, u)));
    let mut ranked: Vec<&KecPlan> = plans.iter().filter(|p| p.rank.is_some() && p.unit_days_allocated > 0).collect();
    ranked.sort_by_key(|p| p.rank);
    let mut out = Vec::new();
    for p in ranked {
        let mut left = p.planned_recordings;
        let mut queue: std::collections::VecDeque<(SchoolStop, u64)> =
            schools_of(&p.kec.code).into_iter().filter(|s| s.students > 0).map(|s| {
                let n = s.students;
                (s, n)
            }).collect();
        for _ in 0..p.unit_days_allocated {
            let Some((date, unit)) = slots.next() else { break };
            let today = left.min(k);
            left -= today;
            let mut cap = today;
            let mut visits = Vec::new();
            while cap > 0 {
                let Some((s, rest)) = queue.front_mut() else { break };
                let take = (*rest).min(cap);
                cap -= take;
                *rest -= take;
                visits.push((s.clone(), take));
                if *rest == 0 {
                    queue.pop_front();
                }
            }
            out.push(Day {
                date,
                unit,
                area_code: p.kec.code.clone(),
                area_name: p.kec.name.clone(),
                planned_recordings: today,
                schools: visits,
            });
        }
    }
    out.sort_by(|a, b| (a.date, a.unit).cmp(&(b.date, b.unit)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    fn kec(code: &str, eligible: u64, rec: u64) -> Kecamatan {
        Kecamatan { code: code.into(), name: code.into(), eligible, eligible_recorded: rec, first_time_unrecorded: 0 }
    }
    #[test]
    fn needed_is_exact() {
        assert_eq!(recordings_needed(1000, 900, 9500), 50);
        assert_eq!(recordings_needed(1001, 900, 9500), 51); // 950.95 -> 951
        assert_eq!(recordings_needed(1000, 990, 9500), 0);
        assert_eq!(recordings_needed(0, 0, 9500), 0);
        assert_eq!(basis_points(95.0), 9500);
        assert_eq!(basis_points(97.5), 9750);
    }
    #[test]
    fn allocation_serves_lowest_coverage_first_and_never_overspends() {
        let ks = vec![kec("a", 1000, 900), kec("b", 100, 10), kec("c", 1000, 990), kec("d", 500, 300)];
        let p = allocate(&ks, 9500, 30, 5);
        assert_eq!(p[1].rank, Some(1)); // b: 10%
        assert_eq!(p[3].rank, Some(2)); // d: 60%
        assert_eq!(p[0].rank, Some(3)); // a: 90%
        assert_eq!(p[2].rank, None);
        assert_eq!(p[1].needed, 85);
        assert_eq!(p[1].unit_days_needed, 3);
        assert_eq!(p[1].unit_days_allocated, 3);
        assert_eq!(p[1].planned_recordings, 85);
        assert_eq!(p[3].unit_days_allocated, 2);
        assert_eq!(p[3].planned_recordings, 60);
        assert_eq!(p[0].unit_days_allocated, 0);
        assert_eq!(p.iter().map(|x| x.unit_days_allocated).sum::<u64>(), 5);
    }
    #[test]
    fn schedule_adds_up() {
        let ks = vec![kec("a", 1000, 900), kec("b", 100, 10)];
        let p = allocate(&ks, 9500, 30, 100);
        let days: Vec<NaiveDate> =
            (0..10).map(|i| NaiveDate::from_ymd_opt(2024, 9, 2).unwrap() + chrono::Duration::days(i)).collect();
        let sch = |c: &str| {
            if c == "b" {
                vec![SchoolStop { npsn: "1".into(), name: "S1".into(), students: 40 }]
            } else {
                vec![]
            }
        };
        let s = schedule(&p, &days, 2, 30, &sch);
        assert_eq!(s.len() as u64, p.iter().map(|x| x.unit_days_allocated).sum::<u64>());
        for x in &p {
            let sum: u64 = s.iter().filter(|d| d.area_code == x.kec.code).map(|d| d.planned_recordings).sum();
            assert_eq!(sum, x.planned_recordings);
        }
        let school_total: u64 = s.iter().flat_map(|d| d.schools.iter().map(|v| v.1)).sum();
        assert_eq!(school_total, 40);
        assert!(s.iter().all(|d| d.schools.iter().map(|v| v.1).sum::<u64>() <= d.planned_recordings));
        let mut seen = std::collections::HashSet::new();
        assert!(s.iter().all(|d| seen.insert((d.date, d.unit))));
    }
}
