//! The weekly trend (`trend_weekly.csv`): per ISO week (its Monday) and
//! kecamatan of domicile, the counting recordings of residents, and the
//! residents whose first counting recording fell in that week, of them the
//! required and the eligible.
//!
//! A partition has up to a few million (week, kecamatan) cells and tens of
//! millions of recordings. The cells are counted in a dense grid (weeks ×
//! the kecamatan present, one grid per thread) when it is small enough, and
//! otherwise by sorting packed keys and counting runs; both give the same
//! cells (tested). Partitions' cells are merged as sorted lists.

use crate::aggregate::class_of;
use crate::enrollment::Joined;
use crate::population::{self, Candidate};
use data_schema::rules::{Class, Cutoffs, Dates};
use rayon::prelude::*;

/// One cell's counts: recordings, first recordings of required residents,
/// of eligible residents. (A resident's first recording is one of the
/// cell's recordings, so a cell with first recordings has recordings.)
type Cell = [u64; 3];

/// Cells sorted by their packed key (kecamatan, Monday).
#[derive(Default)]
pub struct Trend {
    cells: Vec<(u64, Cell)>,
}

/// Grids above this many cells (per thread, 12 bytes each: 100 MB) are
/// not used: the run falls back to sorting. A national partition has
/// ~7,300 kecamatan × ~700 weeks: 5.1M cells.
const MAX_GRID_CELLS: usize = 1 << 23;
/// Kecamatan codes (`PPKKCC`) are below this; larger ones fall back to sorting.
const KEC_CODES: usize = 1 << 20;

fn monday(d: i32) -> i32 {
    d - (d + 3).rem_euclid(7) // 1970-01-01 was a Thursday
}

/// A cell's packed key: kecamatan code above, the Monday (in days, offset
/// to be unsigned) below, so that keys sort by kecamatan, then week, as
/// `trend_weekly.csv` is written.
fn key(d: i32, area: u64) -> u64 {
    ((area / 10_000) << 32) | (monday(d) as i64 + (1 << 31)) as u64
}

/// `(Monday in days, kecamatan code)` of a [`key`].
fn unkey(k: u64) -> (i32, u64) {
    (((k & 0xffff_ffff) as i64 - (1 << 31)) as i32, k >> 32)
}

/// The kecamatan codes of desa codes `areas`, sorted and unique: what
/// [`Trend::add`] takes as its grid rows.
pub fn kecamatans(areas: impl IntoIterator<Item = u64>) -> Vec<u64> {
    let mut k: Vec<u64> = areas.into_iter().map(|a| a / 10_000).collect();
    k.sort_unstable();
    k.dedup();
    k
}

impl Trend {
    /// Add one partition's recordings. `kecs`: the kecamatan codes of the
    /// accepted people's domiciles ([`kecamatans`] of what the area counts
    /// found).
    pub fn add(&mut self, accepted: &[Candidate], j: &Joined, dates: &Dates, kecs: &[u64]) {
        let cells = dense(accepted, j, dates, kecs).unwrap_or_else(|| sorted(accepted, j, dates));
        self.cells = merge(std::mem::take(&mut self.cells), cells);
    }

    /// `(kecamatan code, Monday in days, recordings, first required, first eligible)`,
    /// by kecamatan, then week (the cells' own order).
    pub fn rows(&self) -> Vec<(u64, i32, u64, u64, u64)> {
        self.cells
            .iter()
            .map(|&(k, c)| {
                let (wk, kec) = unkey(k);
                (kec, wk, c[0], c[1], c[2])
            })
            .collect()
    }
}

/// Two sorted cell lists as one (cells with the same key added).
fn merge(a: Vec<(u64, Cell)>, b: Vec<(u64, Cell)>) -> Vec<(u64, Cell)> {
    if a.is_empty() {
        return b;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                let (k, mut c) = a.next().unwrap();
                let (_, d) = b.next().unwrap();
                for i in 0..3 {
                    c[i] += d[i];
                }
                (k, c)
            }
            (Some(x), Some(y)) => {
                if x.0 < y.0 {
                    a.next().unwrap()
                } else {
                    b.next().unwrap()
                }
            }
            (Some(_), None) => a.next().unwrap(),
            (None, Some(_)) => b.next().unwrap(),
            (None, None) => break,
        };
        out.push(next);
    }
    out
}

/// The class of a resident whose first counting recording is `f`
/// (`None`: no recording, or not a resident).
fn first_class(c: &Candidate, f: i32, cut: &Cutoffs) -> Option<Class> {
    if f == i32::MAX {
        return None;
    }
    class_of(c, cut)
}

fn is_resident(c: &Candidate) -> bool {
    c.flags & population::F_RESIDENT != 0
}

/// Sort packed keys and count runs (any number of weeks and areas).
fn sorted(accepted: &[Candidate], j: &Joined, dates: &Dates) -> Vec<(u64, Cell)> {
    let mut recordings: Vec<u64> = j
        .counting
        .par_iter()
        .flat_map_iter(|piece| {
            piece.iter().filter_map(|&(p, d)| {
                let c = &accepted[p as usize];
                is_resident(c).then(|| key(d, c.area))
            })
        })
        .collect();
    recordings.par_sort_unstable();
    let a: Vec<(u64, Cell)> =
        recordings.chunk_by(|a, b| a == b).map(|run| (run[0], [run.len() as u64, 0, 0])).collect();
    drop(recordings);
    let cut = Cutoffs::new(dates);
    let mut firsts: Vec<(u64, u8)> = accepted
        .par_iter()
        .zip(j.first_counting.par_iter())
        .filter_map(|(c, &f)| first_class(c, f, &cut).map(|cl| (key(f, c.area), cl.required as u8 | (cl.eligible as u8) << 1)))
        .collect();
    firsts.par_sort_unstable_by_key(|x| x.0);
    let b: Vec<(u64, Cell)> = firsts
        .chunk_by(|a, b| a.0 == b.0)
        .map(|run| {
            let r = run.iter().filter(|x| x.1 & 1 != 0).count() as u64;
            let e = run.iter().filter(|x| x.1 & 2 != 0).count() as u64;
            (run[0].0, [0, r, e])
        })
        .collect();
    merge(a, b)
}

/// Count into a grid of weeks × `kecs` (the kecamatan codes of the
/// people's domiciles, sorted), one per thread; `None` when the grid would
/// be too large.
fn dense(accepted: &[Candidate], j: &Joined, dates: &Dates, kecs: &[u64]) -> Option<Vec<(u64, Cell)>> {
    if j.counting.iter().all(Vec::is_empty) {
        return Some(Vec::new());
    }
    debug_assert!(kecs.windows(2).all(|w| w[0] < w[1]));
    // The weeks: every first recording is also a counting recording.
    let (lo, hi) = j
        .counting
        .par_iter()
        .flat_map_iter(|piece| piece.iter())
        .fold(|| (i32::MAX, i32::MIN), |(lo, hi), &(_, d)| (lo.min(d), hi.max(d)))
        .reduce(|| (i32::MAX, i32::MIN), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    let (first_week, weeks) = (monday(lo), ((monday(hi) as i64 - monday(lo) as i64) / 7 + 1) as usize);
    // Dense index of each kecamatan code, in code order.
    if kecs.last().is_some_and(|&k| k >= KEC_CODES as u64) {
        return None;
    }
    let mut index = vec![u32::MAX; KEC_CODES];
    for (i, &k) in kecs.iter().enumerate() {
        index[k as usize] = i as u32;
    }
    let nkec = kecs.len();
    if weeks.checked_mul(nkec)? > MAX_GRID_CELLS {
        return None;
    }
    // Kecamatan-major: the people come in NIK order, whose first digits are
    // the kecamatan of issue (mostly that of domicile), so one kecamatan's
    // weeks (a few KB) take most of the additions in a row; week-major, each
    // addition was a cache miss in a grid of tens of MB.
    let cell = |d: i32, area: u64| index[(area / 10_000) as usize] as usize * weeks + ((monday(d) - first_week) / 7) as usize;
    let cut = Cutoffs::new(dates);
    let threads = rayon::current_num_threads().max(1);
    // Summed in parallel, a block of cells at a time.
    let add = |a: Vec<[u32; 3]>, b: Vec<[u32; 3]>| {
        let (mut a, b) = if a.is_empty() { (b, a) } else { (a, b) };
        a.par_chunks_mut(1 << 16).zip(b.par_chunks(1 << 16)).for_each(|(a, b)| {
            for (x, y) in a.iter_mut().zip(b) {
                for i in 0..3 {
                    x[i] += y[i];
                }
            }
        });
        a
    };
    let pieces = j.counting.len();
    let grid: Vec<[u32; 3]> = (0..threads)
        .into_par_iter()
        .map(|t| {
            let mut g = vec![[0u32; 3]; weeks * nkec];
            // Each thread takes a stretch of the join's pieces and of the
            // people, both in NIK order, so it writes mostly to its own
            // kecamatan's rows of the grid (the others' pages stay untouched).
            for piece in &j.counting[pieces * t / threads..pieces * (t + 1) / threads] {
                for &(p, d) in piece {
                    let c = &accepted[p as usize];
                    if is_resident(c) {
                        g[cell(d, c.area)][0] += 1;
                    }
                }
            }
            let r = (accepted.len() * t / threads)..(accepted.len() * (t + 1) / threads);
            for (c, &f) in accepted[r.clone()].iter().zip(&j.first_counting[r]) {
                if let Some(cl) = first_class(c, f, &cut) {
                    let x = &mut g[cell(f, c.area)];
                    x[1] += cl.required as u32;
                    x[2] += cl.eligible as u32;
                }
            }
            g
        })
        .reduce(Vec::new, add);
    // The cells with counts, in key order (kecamatan, then week), a
    // kecamatan's row of the grid at a time.
    let out = grid
        .par_chunks(weeks)
        .zip(kecs.par_iter())
        .flat_map_iter(|(row, &code)| {
            row.iter().enumerate().filter(|(_, x)| x[0] != 0 || x[1] != 0 || x[2] != 0).map(move |(w, x)| {
                let d = first_week + 7 * w as i32;
                (key(d, code * 10_000), [x[0] as u64, x[1] as u64, x[2] as u64])
            })
        })
        .collect();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn people(n: usize, seed: u64, area_of: impl Fn(u64) -> u64) -> (Vec<Candidate>, Joined) {
        let mut x = seed;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut accepted = Vec::new();
        let mut counting = Vec::new();
        let mut first_counting = Vec::new();
        for p in 0..n {
            let r = rnd();
            let c = Candidate {
                nik: p as u64,
                area: area_of(r % 7),
                // Born 1950–2012 (days since 1970): minors, first-time, adults.
                birth: -7300 + (r >> 8) as i32 % 22_600,
                flags: (rnd() % 64) as u8,
                file: 0,
                offset: 0,
            };
            let mut first = i32::MAX;
            for _ in 0..rnd() % 3 {
                let d = 15_000 + (rnd() % 4_000) as i32;
                counting.push((p as u32, d));
                first = first.min(d);
            }
            accepted.push(c);
            first_counting.push(first);
        }
        // In pieces of uneven sizes, as the join leaves them.
        let mut pieces = Vec::new();
        let mut rest = &counting[..];
        while !rest.is_empty() {
            let k = rest.len().min(1 + rnd() as usize % 3_000);
            pieces.push(rest[..k].to_vec());
            rest = &rest[k..];
        }
        let j = Joined { first_counting, counting: pieces, ..Joined::default() };
        (accepted, j)
    }

    /// The kecamatan codes of `accepted`'s domiciles.
    fn kecs_of(accepted: &[Candidate]) -> Vec<u64> {
        kecamatans(accepted.iter().map(|c| c.area))
    }

    fn dates() -> Dates {
        Dates {
            election: NaiveDate::from_ymd_opt(2024, 11, 27).unwrap(),
            as_of: NaiveDate::from_ymd_opt(2024, 8, 26).unwrap(),
        }
    }

    #[test]
    fn the_grid_counts_what_sorting_counts() {
        let areas = [9_401_010_001, 9_401_010_002, 9_401_020_001, 1_101_010_001, 3_171_010_001, 9_471_040_001, 1_101_010_003];
        let (accepted, j) = people(20_000, 7, |i| areas[i as usize]);
        let d = dates();
        let grid = dense(&accepted, &j, &d, &kecs_of(&accepted)).expect("small enough for a grid");
        let sort = sorted(&accepted, &j, &d);
        assert_eq!(grid, sort);
        // Residents counted, non-residents not; a first recording is one of
        // the cell's recordings; cells without required or eligible firsts exist.
        let recordings: u64 = sort.iter().map(|c| c.1[0]).sum();
        let all: Vec<(u32, i32)> = j.counting.concat();
        let residents = all.iter().filter(|(p, _)| is_resident(&accepted[*p as usize])).count() as u64;
        assert_eq!(recordings, residents);
        assert!(residents < all.len() as u64);
        assert!(j.counting.len() > 4);
        assert!(sort.iter().all(|c| c.1[1].max(c.1[2]) <= c.1[0]));
        assert!(sort.iter().any(|c| c.1[1] == 0 && c.1[2] == 0));
        // Keys are sorted and unique.
        assert!(sort.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn too_many_cells_or_unusual_codes_fall_back_to_sorting() {
        let d = dates();
        // A kecamatan code beyond KEC_CODES (not a valid code: defensive).
        let (accepted, j) = people(1_000, 3, |i| if i == 0 { 20_000_000_000 } else { 9_401_010_001 });
        assert!(dense(&accepted, &j, &d, &kecs_of(&accepted)).is_none());
        let mut t = Trend::default();
        t.add(&accepted, &j, &d, &kecs_of(&accepted));
        assert_eq!(t.cells, sorted(&accepted, &j, &d));
        assert!(t.cells.iter().any(|c| unkey(c.0).1 == 2_000_000));
        // 40,000 kecamatan over a century of weeks.
        let (accepted, mut j) = people(40_000, 5, |_| 0);
        let accepted: Vec<Candidate> =
            accepted.iter().enumerate().map(|(i, c)| Candidate { area: 1_000_000_000 + i as u64 * 10_000, ..*c }).collect();
        j.counting.push(vec![(0, -20_000)]);
        assert!(dense(&accepted, &j, &d, &kecs_of(&accepted)).is_none());
        let mut t = Trend::default();
        t.add(&accepted, &j, &d, &kecs_of(&accepted));
        assert_eq!(t.cells, sorted(&accepted, &j, &d));
    }

    #[test]
    fn partitions_merge_to_the_whole() {
        let d = dates();
        let areas = [9_401_010_001, 9_401_020_001, 1_101_010_001, 3_171_010_001, 9_471_040_001, 1_101_010_003, 5_101_010_001];
        let (accepted, j) = people(9_000, 11, |i| areas[i as usize]);
        let mut whole = Trend::default();
        whole.add(&accepted, &j, &d, &kecs_of(&accepted));
        // The same people split in three by NIK parity classes.
        let mut parts = Trend::default();
        for k in 0..3u64 {
            let idx: Vec<usize> = (0..accepted.len()).filter(|&p| accepted[p].nik % 3 == k).collect();
            let mut new_index = vec![u32::MAX; accepted.len()];
            for (n, &p) in idx.iter().enumerate() {
                new_index[p] = n as u32;
            }
            let acc: Vec<Candidate> = idx.iter().map(|&p| accepted[p]).collect();
            let jj = Joined {
                first_counting: idx.iter().map(|&p| j.first_counting[p]).collect(),
                counting: vec![j
                    .counting
                    .concat()
                    .iter()
                    .filter(|(p, _)| new_index[*p as usize] != u32::MAX)
                    .map(|&(p, dd)| (new_index[p as usize], dd))
                    .collect()],
                ..Joined::default()
            };
            parts.add(&acc, &jj, &d, &kecs_of(&acc));
        }
        assert_eq!(whole.cells, parts.cells);
        let rows = whole.rows();
        assert!(rows.windows(2).all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)));
        assert_eq!(rows.iter().map(|r| r.2).sum::<u64>(), whole.cells.iter().map(|c| c.1[0]).sum::<u64>());
    }
}
