//! The normative rules of the data contract, as pure functions.

use chrono::{Datelike, NaiveDate};

/// The day a person born on `birth` reaches a birthday in `year`: the same
/// month and day, except that Feb 29 becomes Feb 28 in non-leap years.
pub fn anniversary(birth: NaiveDate, year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(year, 2, 28).unwrap())
}

/// Full years completed on `d` by a person born on `birth` (may be negative
/// before birth). A person reaches age n on [`reaches_age`]`(birth, n)`.
pub fn age_at(birth: NaiveDate, d: NaiveDate) -> i32 {
    let years = d.year() - birth.year();
    if d < anniversary(birth, d.year()) {
        years - 1
    } else {
        years
    }
}

/// The date a person reaches age `n` (Feb 29 births reach it on Feb 28 in
/// non-leap years).
pub fn reaches_age(birth: NaiveDate, n: i32) -> NaiveDate {
    anniversary(birth, birth.year() + n)
}

/// The date a person turns 17 (the voting and wajib-KTP-el age).
pub fn turns_17(birth: NaiveDate) -> NaiveDate {
    reaches_age(birth, 17)
}

/// The first day a person may record their KTP-el: the 16th birthday.
pub fn recordable_from(birth: NaiveDate) -> NaiveDate {
    reaches_age(birth, 16)
}

/// What the pipeline knows about one resident that the rules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person {
    pub birth: NaiveDate,
    pub ever_married: bool,
    pub wni: bool,
    pub active_tni_polri: bool,
}

/// The two dates a run is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dates {
    /// `as_of` (S): the date the exports describe.
    pub as_of: NaiveDate,
    /// `election_date` (E): polling day.
    pub election: NaiveDate,
}

/// Wajib KTP-el at S: 17 or older at S, or ever married (WNI and WNA alike).
pub fn required(p: &Person, d: &Dates) -> bool {
    p.ever_married || age_at(p.birth, d.as_of) >= 17
}

/// Voter-eligible by E: WNI, not active TNI/POLRI, and 17 or older at E or ever married.
pub fn eligible(p: &Person, d: &Dates) -> bool {
    p.wni && !p.active_tni_polri && (p.ever_married || age_at(p.birth, d.election) >= 17)
}

/// First-time voter (pemilih pemula): eligible, never married, and under 17 at S.
pub fn first_time(p: &Person, d: &Dates) -> bool {
    eligible(p, d) && !p.ever_married && age_at(p.birth, d.as_of) < 17
}

/// The classification of one resident, as the coverage tables count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Class {
    pub required: bool,
    pub eligible: bool,
    pub first_time: bool,
}

pub fn classify(p: &Person, d: &Dates) -> Class {
    let age_s = age_at(p.birth, d.as_of);
    let required = p.ever_married || age_s >= 17;
    let eligible = p.wni && !p.active_tni_polri && (p.ever_married || age_at(p.birth, d.election) >= 17);
    Class { required, eligible, first_time: eligible && !p.ever_married && age_s < 17 }
}

/// The latest birth date of a person who is `n` or older on `d`: age only
/// grows as the birth date moves earlier, so `age_at(b, d) >= n` is exactly
/// `b <= born_by(d, n)`.
pub fn born_by(d: NaiveDate, n: i32) -> NaiveDate {
    // Within a few days of the same day n years earlier (Feb 29 births
    // reach their birthday on Feb 28 in common years).
    let mut b = anniversary(d, d.year() - n) + chrono::Duration::days(3);
    while age_at(b, d) < n {
        b = b.pred_opt().expect("a date after year -262143");
    }
    b
}

/// [`classify`] with its two age tests turned into birth-date cut-offs once
/// per run, for birth dates kept as days since 1970-01-01 (`date::to_days`):
/// the same answer for every person, without calendar arithmetic per row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    /// Born on or before this day: 17 or older at S.
    adult_at_as_of: i32,
    /// Born on or before this day: 17 or older at E.
    adult_at_election: i32,
}

impl Cutoffs {
    pub fn new(d: &Dates) -> Cutoffs {
        Cutoffs {
            adult_at_as_of: crate::date::to_days(born_by(d.as_of, 17)),
            adult_at_election: crate::date::to_days(born_by(d.election, 17)),
        }
    }

    /// [`classify`] of a person born `birth` days after 1970-01-01.
    pub fn classify(&self, birth: i32, ever_married: bool, wni: bool, active_tni_polri: bool) -> Class {
        let adult_s = birth <= self.adult_at_as_of;
        let required = ever_married || adult_s;
        let eligible = wni && !active_tni_polri && (ever_married || birth <= self.adult_at_election);
        Class { required, eligible, first_time: eligible && !ever_married && !adult_s }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }
    const PILKADA: Dates = Dates {
        as_of: NaiveDate::from_ymd_opt(2024, 8, 26).unwrap(),
        election: NaiveDate::from_ymd_opt(2024, 11, 27).unwrap(),
    };
    fn person(birth: NaiveDate) -> Person {
        Person { birth, ever_married: false, wni: true, active_tni_polri: false }
    }

    #[test]
    fn age_on_birthday_and_day_before() {
        assert_eq!(age_at(d(2007, 11, 27), d(2024, 11, 27)), 17);
        assert_eq!(age_at(d(2007, 11, 28), d(2024, 11, 27)), 16);
        assert_eq!(age_at(d(2007, 11, 26), d(2024, 11, 27)), 17);
        assert_eq!(age_at(d(2024, 11, 27), d(2024, 11, 27)), 0);
        assert_eq!(age_at(d(2024, 11, 28), d(2024, 11, 27)), -1);
    }

    #[test]
    fn feb29_reaches_age_on_feb28_in_common_years() {
        let b = d(2008, 2, 29);
        assert_eq!(age_at(b, d(2025, 2, 27)), 16);
        assert_eq!(age_at(b, d(2025, 2, 28)), 17);
        assert_eq!(age_at(b, d(2024, 2, 28)), 15);
        assert_eq!(age_at(b, d(2024, 2, 29)), 16);
        assert_eq!(turns_17(b), d(2025, 2, 28));
        assert_eq!(recordable_from(b), d(2024, 2, 29));
        assert_eq!(recordable_from(d(2007, 2, 28)), d(2023, 2, 28));
    }

    #[test]
    fn required_at_s() {
        assert!(required(&person(d(2007, 8, 26)), &PILKADA)); // 17 on S
        assert!(!required(&person(d(2007, 8, 27)), &PILKADA)); // 17 the day after S
        let married = Person { ever_married: true, ..person(d(2010, 1, 1)) };
        assert!(required(&married, &PILKADA));
        let wna = Person { wni: false, ..person(d(1990, 1, 1)) };
        assert!(required(&wna, &PILKADA)); // WNA must hold KTP-el too
        let tni = Person { active_tni_polri: true, ..person(d(1990, 1, 1)) };
        assert!(required(&tni, &PILKADA));
    }

    #[test]
    fn eligible_by_e() {
        assert!(eligible(&person(d(2007, 11, 27)), &PILKADA)); // 17 on polling day
        assert!(!eligible(&person(d(2007, 11, 28)), &PILKADA));
        let wna = Person { wni: false, ..person(d(1990, 1, 1)) };
        assert!(!eligible(&wna, &PILKADA));
        let tni = Person { active_tni_polri: true, ..person(d(1990, 1, 1)) };
        assert!(!eligible(&tni, &PILKADA));
        let married15 = Person { ever_married: true, ..person(d(2009, 1, 1)) };
        assert!(eligible(&married15, &PILKADA));
    }

    #[test]
    fn first_time_turns_17_between_s_and_e() {
        assert!(first_time(&person(d(2007, 8, 27)), &PILKADA)); // 17 the day after S
        assert!(first_time(&person(d(2007, 11, 27)), &PILKADA)); // 17 on E
        assert!(!first_time(&person(d(2007, 8, 26)), &PILKADA)); // already 17 at S: backlog
        assert!(!first_time(&person(d(2007, 11, 28)), &PILKADA)); // not eligible
        let married = Person { ever_married: true, ..person(d(2008, 1, 1)) };
        assert!(!first_time(&married, &PILKADA)); // married: eligible, not first-time
        assert!(eligible(&married, &PILKADA));
    }

    #[test]
    fn classify_agrees_with_the_single_rules() {
        for y in 2004..2010 {
            for m in 1..=12 {
                for married in [false, true] {
                    for wni in [false, true] {
                        let p = Person { birth: d(y, m, 15), ever_married: married, wni, active_tni_polri: y == 2005 };
                        let c = classify(&p, &PILKADA);
                        assert_eq!(c.required, required(&p, &PILKADA));
                        assert_eq!(c.eligible, eligible(&p, &PILKADA));
                        assert_eq!(c.first_time, first_time(&p, &PILKADA));
                    }
                }
            }
        }
    }

    #[test]
    fn born_by_is_the_last_birth_date_of_age_n() {
        // Every day of 2023-2029 (two leap days), births around the cut-off.
        let mut d0 = d(2023, 1, 1);
        while d0 < d(2030, 1, 1) {
            let b = born_by(d0, 17);
            assert!(age_at(b, d0) >= 17, "{d0}: {b}");
            assert!(age_at(b.succ_opt().unwrap(), d0) < 17, "{d0}: {b}");
            let dates = Dates { as_of: d0, election: d0 + chrono::Duration::days(93) };
            let cut = Cutoffs::new(&dates);
            for k in -5..=5 {
                let birth = b + chrono::Duration::days(k);
                for m in [false, true] {
                    let p = Person { birth, ever_married: m, wni: true, active_tni_polri: false };
                    assert_eq!(cut.classify(crate::date::to_days(birth), m, true, false), classify(&p, &dates));
                }
            }
            d0 = d0.succ_opt().unwrap();
        }
        assert_eq!(born_by(d(2025, 2, 28), 17), d(2008, 2, 29));
        assert_eq!(born_by(d(2024, 2, 29), 17), d(2007, 2, 28));
    }

    /// Naive reference: count birthdays day by day.
    fn naive_age(b: NaiveDate, on: NaiveDate) -> i32 {
        let mut n = 0;
        while reaches_naive(b, n + 1) <= on {
            n += 1;
        }
        n
    }
    fn reaches_naive(b: NaiveDate, n: i32) -> NaiveDate {
        let y = b.year() + n;
        if b.month() == 2 && b.day() == 29 && NaiveDate::from_ymd_opt(y, 2, 29).is_none() {
            NaiveDate::from_ymd_opt(y, 2, 28).unwrap()
        } else {
            NaiveDate::from_ymd_opt(y, b.month(), b.day()).unwrap()
        }
    }

    proptest! {
        #[test]
        fn age_matches_naive_reference(b in 0i64..60_000, gap in 0i64..40_000) {
            let base = d(1900, 1, 1);
            let birth = base + chrono::Duration::days(b);
            let on = birth + chrono::Duration::days(gap);
            prop_assert_eq!(age_at(birth, on), naive_age(birth, on));
        }

        #[test]
        fn cutoffs_classify_as_classify(b in 0i64..60_000, s in 30_000i64..60_000, gap in 0i64..800, m: bool, w: bool, t: bool) {
            let base = d(1900, 1, 1);
            let birth = base + chrono::Duration::days(b);
            let as_of = base + chrono::Duration::days(s);
            let dates = Dates { as_of, election: as_of + chrono::Duration::days(gap) };
            let p = Person { birth, ever_married: m, wni: w, active_tni_polri: t };
            let c = Cutoffs::new(&dates).classify(crate::date::to_days(birth), m, w, t);
            prop_assert_eq!(c, classify(&p, &dates));
        }

        #[test]
        fn age_is_monotone_and_steps_on_reaches_age(b in 0i64..60_000, n in 0i32..100) {
            let birth = d(1900, 1, 1) + chrono::Duration::days(b);
            let r = reaches_age(birth, n);
            prop_assert_eq!(age_at(birth, r), n);
            prop_assert_eq!(age_at(birth, r.pred_opt().unwrap()), n - 1);
        }
    }
}
