//! The generator proper: areas, people, enrollment, damage, and the generator's
//! own bookkeeping of what the pipeline must count.

use crate::dates::{
    age_at, birthday, civil_from_days, days_from_civil, push2, push4, push_dmy, push_num, push_pad,
    push_ymd,
};
use crate::names::{self, Pool};
use crate::{Config, SynthError};
use data_schema::area::{AreaKey, Level};
use data_schema::regions::{official_population, Regions};
use rand::Rng;
use rand_pcg::Pcg64Mcg;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

/// People per chunk. Each chunk has its own RNG streams, so the output does not
/// depend on the number of threads. Changing this changes the output.
pub(crate) const CHUNK: usize = 25_000;
/// Chunks generated in parallel between two sequential NIK-serial passes.
pub(crate) const BATCH: usize = 16;

/// KTP-el recording started in 2011.
const KTPEL_START: (i32, u32, u32) = (2011, 2, 1);

// ---------------------------------------------------------------------------
// Randomness

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(crate) struct R(Pcg64Mcg);

impl R {
    /// A stream determined by (seed, chunk, stream) only.
    pub(crate) fn new(seed: u64, chunk: u64, stream: u64) -> R {
        let a = splitmix(seed ^ splitmix(chunk ^ splitmix(stream.wrapping_add(0x5EED))));
        let b = splitmix(a ^ 0xC0FF_EE00_D15E_A5E5);
        R(Pcg64Mcg::new(((a as u128) << 64) | b as u128))
    }
    fn u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        ((self.u64() as u128 * n as u128) >> 64) as usize
    }
    /// Uniform in `[0, 1)`.
    fn f(&mut self) -> f64 {
        (self.u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }
    fn pick<T: Copy>(&mut self, s: &[T]) -> T {
        s[self.below(s.len())]
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i32, hi: i32) -> i32 {
        lo + self.below((hi - lo + 1) as usize) as i32
    }
    /// Roughly standard normal (Irwin–Hall of 4).
    fn normalish(&mut self) -> f64 {
        (self.f() + self.f() + self.f() + self.f() - 2.0) * 3f64.sqrt()
    }
}

/// Small multiplicative hasher for the serial map (keys are already well spread).
#[derive(Default)]
pub(crate) struct MixHasher(u64);
impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3);
        }
    }
    fn write_u64(&mut self, x: u64) {
        let z = (x ^ (x >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = z ^ (z >> 29);
    }
}
pub(crate) type SerialMap = HashMap<u64, u16, BuildHasherDefault<MixHasher>>;

// ---------------------------------------------------------------------------
// Coded values

pub(crate) struct Occ {
    pub text: &'static str,
    pub code: Option<u8>,
    /// Active TNI/POLRI, decided here by hand (not by a text rule).
    pub active: bool,
}

const fn occ(text: &'static str, code: Option<u8>, active: bool) -> Occ {
    Occ { text, code, active }
}

pub(crate) const OCC: &[Occ] = &[
    occ("BELUM/TIDAK BEKERJA", Some(1), false),        // 0
    occ("MENGURUS RUMAH TANGGA", Some(2), false),      // 1
    occ("PELAJAR/MAHASISWA", Some(3), false),          // 2
    occ("PENSIUNAN", Some(4), false),                  // 3
    occ("PEGAWAI NEGERI SIPIL (PNS)", Some(5), false), // 4
    occ("TENTARA NASIONAL INDONESIA (TNI)", Some(6), true), // 5
    occ("KEPOLISIAN RI (POLRI)", Some(7), true),       // 6
    occ("PERDAGANGAN", Some(8), false),                // 7
    occ("PETANI/PEKEBUN", Some(9), false),             // 8
    occ("PETERNAK", Some(10), false),                  // 9
    occ("NELAYAN/PERIKANAN", Some(11), false),         // 10
    occ("INDUSTRI", Some(12), false),                  // 11
    occ("KONSTRUKSI", Some(13), false),                // 12
    occ("TRANSPORTASI", Some(14), false),              // 13
    occ("KARYAWAN SWASTA", Some(15), false),           // 14
    occ("KARYAWAN BUMN", Some(16), false),             // 15
    occ("KARYAWAN HONORER", Some(18), false),          // 16
    occ("BURUH HARIAN LEPAS", Some(19), false),        // 17
    occ("BURUH TANI/PERKEBUNAN", Some(20), false),     // 18
    occ("WIRASWASTA", Some(88), false),                // 19
    occ("LAINNYA", Some(89), false),                   // 20
    occ("GURU", None, false),                          // 21
    occ("SOPIR", None, false),                         // 22
    occ("TUKANG KAYU", None, false),                   // 23
    occ("PERAWAT", None, false),                       // 24
    occ("BIDAN", None, false),                         // 25
    occ("DOSEN", None, false),                         // 26
    occ("PENDETA", None, false),                       // 27
    occ("USTADZ/MUBALIGH", None, false),               // 28
    occ("PERANGKAT DESA", None, false),                // 29
    occ("PURNAWIRAWAN TNI", None, false),              // 30
    occ("PURNAWIRAWAN POLRI", None, false),            // 31
    occ("PENSIUNAN TNI", None, false),                 // 32
    occ("TNI", None, true),                            // 33
    occ("POLRI", None, true),                          // 34
    occ("TUKANG LISTRIK", None, false),                // 35
    occ("PEMBANTU RUMAH TANGGA", None, false),         // 36
];

/// Working-age occupations (index into OCC, weight).
const ADULT_OCC: &[(u8, f64)] = &[
    (8, 18.0),
    (19, 16.0),
    (14, 16.0),
    (17, 8.0),
    (10, 5.0),
    (4, 5.0),
    (7, 6.0),
    (16, 3.0),
    (21, 3.0),
    (22, 2.0),
    (23, 2.0),
    (0, 8.0),
    (12, 2.0),
    (13, 2.0),
    (15, 1.0),
    (18, 3.0),
    (24, 1.0),
    (25, 0.5),
    (26, 0.3),
    (27, 0.3),
    (28, 0.3),
    (29, 0.5),
    (20, 2.0),
    (9, 1.0),
    (11, 1.0),
    (35, 0.5),
    (36, 0.5),
];

/// STAT_KWN texts: [upper, lower, title] per value; KAWIN has three spellings.
const KAWIN_TEXT: [[&str; 3]; 3] = [
    ["KAWIN", "kawin", "Kawin"],
    ["KAWIN TERCATAT", "kawin tercatat", "Kawin Tercatat"],
    [
        "KAWIN BELUM TERCATAT",
        "kawin belum tercatat",
        "Kawin Belum Tercatat",
    ],
];
const MARITAL_TEXT: [[&str; 3]; 4] = [
    ["BELUM KAWIN", "belum kawin", "Belum Kawin"],
    ["KAWIN", "kawin", "Kawin"],
    ["CERAI HIDUP", "cerai hidup", "Cerai Hidup"],
    ["CERAI MATI", "cerai mati", "Cerai Mati"],
];

/// Enrollment statuses; the first four count.
pub(crate) const STATUS: [&str; 7] = [
    "SUDAH REKAM",
    "CARD PRINTED",
    "PRINT READY RECORD",
    "CARD ISSUED",
    "DUPLICATE RECORD",
    "BELUM REKAM",
    "ENROLLMENT_FAILED",
];
const N_COUNTING: u8 = 4;

// Damage kinds (one per damaged row).
pub(crate) const D_NONE: u8 = 0;
pub(crate) const D_SCI: u8 = 1;
pub(crate) const D_LEN15: u8 = 2;
pub(crate) const D_LEN17: u8 = 3;
pub(crate) const D_BIRTH: u8 = 4;
pub(crate) const D_FUTURE: u8 = 5;
pub(crate) const D_AREA: u8 = 6;

// Register status.
const ST_AKTIF: u8 = 0;
const ST_MATI: u8 = 1;
const ST_PINDAH: u8 = 2;

const NONE16: u16 = u16::MAX;

// ---------------------------------------------------------------------------
// Setup: areas and date tables

pub(crate) struct Kab {
    town: String,
    mix: Vec<(Pool, f64)>, // cumulative
    old: Option<u32>,
    kecs: Range<u32>,
}
pub(crate) struct Kec {
    code: u32,
    kab: u32,
    coverage: f64,
}
pub(crate) struct Desa {
    pub code: u64,
    kec: u32,
}

pub(crate) struct Setup {
    pub seed: u64,
    pub s: i32,
    pub e: i32,
    pub mess: bool,
    pub kabs: Vec<Kab>,
    pub kecs: Vec<Kec>,
    pub desas: Vec<Desa>,
    desa_cum: Vec<f64>,
    all_kecs: Vec<u32>,
    age_cum: Vec<f64>,
    ft_window: Vec<i32>,
    boundary: Vec<i32>,
    leap_years: Vec<i32>,
    ktpel_start: i32,
}

fn to_days(d: chrono::NaiveDate) -> i32 {
    use chrono::Datelike;
    days_from_civil(d.year(), d.month(), d.day())
}

/// Relative size of each single-year age group 0..=89 (Indonesian pyramid).
fn age_weight(a: f64) -> f64 {
    const P: [(f64, f64); 9] = [
        (0.0, 1.0),
        (15.0, 1.0),
        (25.0, 0.95),
        (40.0, 0.85),
        (50.0, 0.7),
        (60.0, 0.45),
        (70.0, 0.22),
        (80.0, 0.07),
        (90.0, 0.01),
    ];
    for w in P.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if a <= x1 {
            return y0 + (y1 - y0) * (a - x0) / (x1 - x0);
        }
    }
    0.01
}

/// Latest birth date with age >= n on day d.
fn last_born_with_age(d: i32, n: i32) -> i32 {
    let (y, m, _) = civil_from_days(d);
    let mut b = days_from_civil(y - n, m, 1) + 40;
    while age_at(b, d) < n {
        b -= 1;
    }
    b
}

impl Setup {
    pub(crate) fn new(cfg: &Config) -> Result<Setup, SynthError> {
        let regions = Regions::get();
        let pops = official_population();
        let mut keys: Vec<AreaKey> = Vec::new();
        for k in &cfg.kabs {
            let key = AreaKey::parse(k)
                .filter(|key| key.level == Level::Kabupaten && regions.contains(*key))
                .ok_or_else(|| SynthError::UnknownKab(k.clone()))?;
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        if keys.is_empty() {
            return Err(SynthError::NoKabs);
        }
        let s = to_days(cfg.as_of);
        let e = to_days(cfg.election);
        let mut ar = R::new(cfg.seed, u64::MAX, 0);
        let (mut kabs, mut kecs, mut desas, mut desa_w) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for key in keys {
            let kab_name = regions.name(key).unwrap_or("");
            let kab_w = *pops.get(&key).unwrap_or(&100_000) as f64;
            let kec0 = kecs.len() as u32;
            let mut kec_ws = Vec::new();
            let mut kab_desa_w = Vec::new();
            for (kk, _) in regions.children(Level::Kecamatan, Some(key)) {
                let ds = regions.children(Level::Desa, Some(kk));
                if ds.is_empty() {
                    continue;
                }
                let kec_idx = kecs.len() as u32;
                kecs.push(Kec {
                    code: kk.code as u32,
                    kab: kabs.len() as u32,
                    coverage: 0.62 + 0.3 * ar.f(),
                });
                let kw = (0.7 * ar.normalish()).exp();
                kec_ws.push(kw);
                let ws: Vec<f64> = ds.iter().map(|_| (0.6 * ar.normalish()).exp()).collect();
                let sum: f64 = ws.iter().sum();
                for ((dk, _), w) in ds.iter().zip(ws) {
                    desas.push(Desa {
                        code: dk.code,
                        kec: kec_idx,
                    });
                    kab_desa_w.push((kec_idx, w / sum));
                }
            }
            if kec_ws.is_empty() {
                return Err(SynthError::UnknownKab(key.to_string()));
            }
            let kec_sum: f64 = kec_ws.iter().sum();
            for (kec_idx, w) in kab_desa_w {
                desa_w.push(kab_w * kec_ws[(kec_idx - kec0) as usize] / kec_sum * w);
            }
            let prov = (key.code / 100) as u32;
            let mut acc = 0.0;
            let mix = names::mix_for(prov)
                .iter()
                .map(|&(p, w)| {
                    acc += w;
                    (p, acc)
                })
                .collect();
            kabs.push(Kab {
                town: names::home_town(key.code as u32, kab_name),
                mix,
                old: names::old_papua_kab(key.code as u32),
                kecs: kec0..kecs.len() as u32,
            });
        }
        let mut acc = 0.0;
        let desa_cum = desa_w
            .iter()
            .map(|w| {
                acc += w;
                acc
            })
            .collect();
        let all_kecs = regions
            .children(Level::Kecamatan, None)
            .iter()
            .map(|(k, _)| k.code as u32)
            .collect();
        let mut acc = 0.0;
        let age_cum = (0..90)
            .map(|a| {
                acc += age_weight(a as f64 + 0.5);
                acc
            })
            .collect();
        // First-time voters: age < 17 on S and >= 17 on E.
        let mut ft_window = Vec::new();
        if e > s {
            let (sy, _, _) = civil_from_days(s);
            let (ey, _, _) = civil_from_days(e);
            for b in days_from_civil(sy - 18, 1, 1)..=days_from_civil(ey - 16, 12, 31) {
                if age_at(b, s) < 17 && age_at(b, e) >= 17 {
                    ft_window.push(b);
                }
            }
        }
        // Off-by-one bait: the last day to be 17 on S / on E, and the day after.
        let (b1, b2) = (last_born_with_age(s, 17), last_born_with_age(e, 17));
        let boundary = [b1, b1 + 1, b2, b2 + 1]
            .into_iter()
            .filter(|&b| b <= s)
            .collect();
        let (sy, _, _) = civil_from_days(s);
        let leap_years = (sy - 89..=sy)
            .filter(|&y| crate::dates::is_leap(y) && days_from_civil(y, 2, 29) <= s)
            .collect();
        let ktpel_start = days_from_civil(KTPEL_START.0, KTPEL_START.1, KTPEL_START.2);
        Ok(Setup {
            seed: cfg.seed,
            s,
            e,
            mess: cfg.mess,
            kabs,
            kecs,
            desas,
            desa_cum,
            all_kecs,
            age_cum,
            ft_window,
            boundary,
            leap_years,
            ktpel_start,
        })
    }

    fn pyramid_birth(&self, r: &mut R) -> i32 {
        let total = *self.age_cum.last().unwrap();
        let x = r.f() * total;
        let a = self.age_cum.partition_point(|&c| c <= x).min(89);
        self.s - ((a as f64 + r.f()) * 365.2425) as i32
    }
}

// ---------------------------------------------------------------------------
// People

#[derive(Clone, Copy)]
pub(crate) struct Person {
    kk: u64,
    desa: u32,
    birth: i32,
    nik_date: i32,
    prefix: u32,
    serial: u16,
    first: u16,
    middle: u16,
    last: u16,
    sex: u8, // 1 male, 2 female
    marital: u8,
    occ: u8,
    status: u8,
    pool: u8,
    damage: u8,
    rt: u8,
    rw: u8,
    born_away: u8,
    wna: bool,
}

#[derive(Clone, Copy)]
pub(crate) struct Orphan {
    prefix: u32,
    nik_date: i32,
    female: bool,
    lokasi: u32,
    serial: u16,
}

fn marital(age: i32, female: bool, r: &mut R) -> u8 {
    let (k, ch, cm) = match (age, female) {
        (..=14, _) => return 0,
        (15..=16, true) => (0.035, 0.0, 0.0),
        (15..=16, false) => (0.004, 0.0, 0.0),
        (17..=19, true) => (0.12, 0.005, 0.0),
        (17..=19, false) => (0.03, 0.0, 0.0),
        (20..=24, true) => (0.45, 0.02, 0.002),
        (20..=24, false) => (0.22, 0.01, 0.0),
        (25..=29, true) => (0.72, 0.03, 0.005),
        (25..=29, false) => (0.55, 0.02, 0.002),
        (30..=39, true) => (0.84, 0.04, 0.015),
        (30..=39, false) => (0.82, 0.03, 0.008),
        (40..=49, true) => (0.82, 0.05, 0.05),
        (40..=49, false) => (0.88, 0.03, 0.02),
        (50..=59, true) => (0.72, 0.05, 0.15),
        (50..=59, false) => (0.88, 0.03, 0.05),
        (60..=69, true) => (0.55, 0.05, 0.35),
        (60..=69, false) => (0.82, 0.03, 0.12),
        (_, true) => (0.30, 0.04, 0.62),
        (_, false) => (0.70, 0.03, 0.25),
    };
    let x = r.f();
    if x < k {
        1
    } else if x < k + ch {
        2
    } else if x < k + ch + cm {
        3
    } else {
        0
    }
}

fn weighted(r: &mut R, table: &[(u8, f64)]) -> u8 {
    let total: f64 = table.iter().map(|x| x.1).sum();
    let mut x = r.f() * total;
    for &(v, w) in table {
        if x < w {
            return v;
        }
        x -= w;
    }
    table[table.len() - 1].0
}

fn occupation(age: i32, female: bool, married: bool, wna: bool, r: &mut R) -> u8 {
    if wna {
        return weighted(r, &[(14, 6.0), (19, 2.0), (20, 1.0), (26, 0.5)]);
    }
    match age {
        ..=4 => 0,
        5..=17 => {
            if married && female {
                1
            } else if r.chance(0.95) {
                2
            } else {
                0
            }
        }
        _ => {
            if (18..=57).contains(&age) && r.chance(if female { 0.0012 } else { 0.0095 }) {
                return match r.below(20) {
                    0..=9 => 5,
                    10..=16 => 6,
                    17..=18 => 33,
                    _ => 34,
                };
            }
            if age <= 22 && r.chance(0.45) {
                return 2;
            }
            if age >= 58 {
                let x = r.f();
                if x < 0.22 {
                    return 3;
                } else if x < 0.23 {
                    return r.pick(&[30, 31, 32]);
                }
            }
            if female && married && r.chance(0.4) {
                return 1;
            }
            weighted(r, ADULT_OCC)
        }
    }
}

fn gen_person(st: &Setup, r: &mut R) -> (Person, Option<Orphan>) {
    let total = *st.desa_cum.last().unwrap();
    let x = r.f() * total;
    let desa = st
        .desa_cum
        .partition_point(|&c| c <= x)
        .min(st.desas.len() - 1);
    let kec_i = st.desas[desa].kec as usize;
    let kec = &st.kecs[kec_i];
    let kab = &st.kabs[kec.kab as usize];
    let x = r.f();
    let birth = if x < 0.0045 && !st.ft_window.is_empty() {
        r.pick(&st.ft_window)
    } else if x < 0.0049 && !st.boundary.is_empty() {
        r.pick(&st.boundary)
    } else if x < 0.0064 && !st.leap_years.is_empty() {
        days_from_civil(r.pick(&st.leap_years), 2, 29)
    } else {
        st.pyramid_birth(r)
    };
    let female = r.chance(0.495);
    let age = age_at(birth, st.s);
    let wna = age >= 18 && r.chance(0.0022);
    let marital = marital(age, female, r);
    let occ = occupation(age, female, marital != 0, wna, r);
    let status = if st.mess {
        let x = r.f();
        let p_mati = 0.003 + if age >= 60 { 0.05 } else { 0.0 };
        if x < p_mati {
            ST_MATI
        } else if x < p_mati + 0.012 {
            ST_PINDAH
        } else {
            ST_AKTIF
        }
    } else {
        ST_AKTIF
    };
    let pool = if wna {
        Pool::Foreign
    } else {
        let x = r.f();
        kab.mix
            .iter()
            .find(|m| x < m.1)
            .unwrap_or(kab.mix.last().unwrap())
            .0
    };
    let pd = names::data(pool);
    let given = if female { pd.female } else { pd.male };
    let first = r.below(given.len()) as u16;
    let mut middle = if r.chance(0.2) {
        r.below(given.len()) as u16
    } else {
        NONE16
    };
    if middle == first {
        middle = NONE16;
    }
    let lasts = if female { pd.last_f } else { pd.last_m };
    let last = if r.chance(pd.p_last) {
        r.below(lasts.len()) as u16
    } else {
        NONE16
    };
    let born_away = if r.chance(if wna { 0.9 } else { 0.12 }) {
        1 + r.below(pd.towns.len()) as u8
    } else {
        0
    };
    // NIK prefix: usually the domicile kecamatan; movers carry another one.
    let mut prefix = kec.code;
    if r.chance(0.05) {
        let x = r.f();
        prefix = match kab.old {
            // Old Papua codes only for NIKs issued before the 2022 split.
            Some(old) if x < 0.4 && birth < days_from_civil(2022, 7, 1) => old * 100 + kec.code % 100,
            _ if x < 0.7 => {
                st.kecs[r.range(kab.kecs.start as i32, kab.kecs.end as i32 - 1) as usize].code
            }
            _ => r.pick(&st.all_kecs),
        };
    }
    let nik_date = if st.mess && r.chance(0.002) {
        let d = r.range(1, 20);
        birth + if r.chance(0.5) { d } else { -d }
    } else {
        birth
    };
    let issue_lo = days_from_civil(2005, 1, 1).max(birth).min(st.s);
    let issue = r.range(issue_lo, st.s.max(issue_lo));
    let (iy, im, id) = civil_from_days(issue);
    let kk = kec.code as u64 * 10_000_000_000
        + (id as u64 * 10_000 + im as u64 * 100 + (iy % 100) as u64) * 10_000
        + 1
        + r.below(9999) as u64;
    let rt = 1 + r.below(20) as u8;
    let rw = 1 + r.below(12) as u8;
    let damage = if st.mess {
        let x = r.f();
        match x {
            _ if x < 0.002 => D_SCI,
            _ if x < 0.0035 => D_LEN15,
            _ if x < 0.004 => D_LEN17,
            _ if x < 0.006 => D_BIRTH,
            _ if x < 0.007 => D_FUTURE,
            _ if x < 0.008 => D_AREA,
            _ => D_NONE,
        }
    } else {
        D_NONE
    };
    let orphan = if st.mess && r.chance(0.006) {
        let mut b = st.pyramid_birth(r);
        while age_at(b, st.s) < 17 {
            b = st.pyramid_birth(r);
        }
        Some(Orphan {
            prefix: if r.chance(0.7) {
                kec.code
            } else {
                r.pick(&st.all_kecs)
            },
            nik_date: b,
            female: r.chance(0.5),
            lokasi: kec.code,
            serial: 0,
        })
    } else {
        None
    };
    let p = Person {
        kk,
        desa: desa as u32,
        birth,
        nik_date,
        prefix,
        serial: 0,
        first,
        middle,
        last,
        sex: if female { 2 } else { 1 },
        marital,
        occ,
        status,
        pool: pool as u8,
        damage,
        rt,
        rw,
        born_away,
        wna,
    };
    (p, orphan)
}

/// Phase A: the people of one chunk (and the orphan NIKs it spawns), no serials yet.
pub(crate) fn gen_chunk(st: &Setup, chunk: usize, n: usize) -> (Vec<Person>, Vec<Orphan>) {
    let mut r = R::new(st.seed, chunk as u64, 1);
    let mut ps = Vec::with_capacity(n);
    let mut os = Vec::new();
    for _ in 0..n {
        let (p, o) = gen_person(st, &mut r);
        ps.push(p);
        os.extend(o);
    }
    (ps, os)
}

/// First 12 digits of an NIK: PPKKCC DDMMYY (DD + 40 for women).
fn nik12(prefix: u32, date: i32, female: bool) -> u64 {
    let (y, m, d) = civil_from_days(date);
    let dd = d as u64 + if female { 40 } else { 0 };
    prefix as u64 * 1_000_000 + dd * 10_000 + m as u64 * 100 + y.rem_euclid(100) as u64
}

fn next_serial(map: &mut SerialMap, key: u64) -> Result<u16, SynthError> {
    let c = map.entry(key).or_insert(0);
    if *c >= 9999 {
        return Err(SynthError::TooManyPeople(format!(
            "more than 9999 NIKs share the prefix {key:012}: ask for fewer residents or more kab/kota"
        )));
    }
    *c += 1;
    Ok(*c)
}

/// Phase B (sequential, in chunk order): unique serials per NIK prefix+date.
pub(crate) fn assign_serials(
    map: &mut SerialMap,
    ps: &mut [Person],
    os: &mut [Orphan],
) -> Result<(), SynthError> {
    for p in ps.iter_mut() {
        p.serial = next_serial(map, nik12(p.prefix, p.nik_date, p.sex == 2))?;
    }
    for o in os.iter_mut() {
        o.serial = next_serial(map, nik12(o.prefix, o.nik_date, o.female))?;
    }
    Ok(())
}

fn nik_of(p: &Person) -> u64 {
    nik12(p.prefix, p.nik_date, p.sex == 2) * 10_000 + p.serial as u64
}

// ---------------------------------------------------------------------------
// Rendering and bookkeeping

/// Counts kept per chunk and summed.
#[derive(Default, Clone, Debug)]
pub(crate) struct Tally {
    pub population_rows: u64,
    pub duplicate_rows: u64,
    pub rejects: [u64; 7], // by D_* kind; index 0 = DUPLICATE_NIK
    pub residents: u64,
    pub not_resident: u64,
    pub enrollment_rows: u64,
    pub orphan: u64,
    pub of_rejected: u64,
    pub after_as_of: u64,
    pub failed: u64,
    pub nik_date_mismatch: u64,
    pub movers: u64,
}

impl Tally {
    pub(crate) fn add(&mut self, o: &Tally) {
        self.population_rows += o.population_rows;
        self.duplicate_rows += o.duplicate_rows;
        for i in 0..7 {
            self.rejects[i] += o.rejects[i];
        }
        self.residents += o.residents;
        self.not_resident += o.not_resident;
        self.enrollment_rows += o.enrollment_rows;
        self.orphan += o.orphan;
        self.of_rejected += o.of_rejected;
        self.after_as_of += o.after_as_of;
        self.failed += o.failed;
        self.nik_date_mismatch += o.nik_date_mismatch;
        self.movers += o.movers;
    }
}

/// Per-area counter columns, in output order.
pub(crate) type Counts = [u32; 8];

pub(crate) struct ChunkOut {
    pub pop: Vec<u8>,
    pub enr: Vec<u8>,
    /// Indexed like `Setup::desas`.
    pub counts: Vec<Counts>,
    pub tally: Tally,
}

#[derive(Clone, Copy)]
struct Enr {
    nik: u64,
    date: i32,
    status: u8,
    lokasi: u32,
}

/// Excel's General format of a 16-digit number: 6 significant digits.
fn push_scientific(buf: &mut Vec<u8>, nik: u64, comma: bool) {
    let m = (nik + 5_000_000_000) / 10_000_000_000; // 6 digits, half up
    let (m, exp) = if m >= 1_000_000 {
        (m / 10, 16)
    } else {
        (m, 15)
    };
    let mut digits = Vec::with_capacity(6);
    push_num(&mut digits, m);
    buf.push(digits[0]);
    let frac = &digits[1..];
    let keep = frac.iter().rposition(|&c| c != b'0').map_or(0, |i| i + 1);
    if keep > 0 {
        buf.push(if comma { b',' } else { b'.' });
        buf.extend_from_slice(&frac[..keep]);
    }
    buf.extend_from_slice(b"E+");
    push_num(buf, exp);
}

fn push_kec(buf: &mut Vec<u8>, kec: u32) {
    push2(buf, kec / 10_000);
    buf.push(b'.');
    push2(buf, kec / 100 % 100);
    buf.push(b'.');
    push2(buf, kec % 100);
}

fn push_name(buf: &mut Vec<u8>, p: &Person, upper: bool) {
    let pd = names::data(names::ALL[p.pool as usize]);
    let (given, lasts) = if p.sex == 2 {
        (pd.female, pd.last_f)
    } else {
        (pd.male, pd.last_m)
    };
    let mut s = String::with_capacity(32);
    s.push_str(given[p.first as usize]);
    if p.middle != NONE16 {
        s.push(' ');
        s.push_str(given[p.middle as usize]);
    }
    if p.last != NONE16 {
        s.push(' ');
        s.push_str(lasts[p.last as usize]);
    }
    if upper {
        s = s.to_uppercase();
    }
    buf.extend_from_slice(s.as_bytes());
}

/// One population row. `conflict` renders a different row with the same NIK.
fn write_row(buf: &mut Vec<u8>, st: &Setup, p: &Person, r: &mut R, conflict: bool) {
    let nik = nik_of(p);
    match p.damage {
        D_SCI => push_scientific(buf, nik, r.chance(0.15)),
        D_LEN15 => push_pad(buf, nik / 10, 15),
        D_LEN17 => {
            push_pad(buf, nik, 16);
            push_num(buf, r.below(10) as u64);
        }
        _ => push_pad(buf, nik, 16),
    }
    buf.push(b';');
    let kk = if conflict && r.chance(0.5) {
        p.kk + 1 + r.below(50) as u64
    } else {
        p.kk
    };
    push_num(buf, kk);
    buf.push(b';');
    push_name(buf, p, conflict && r.chance(0.5));
    buf.push(b';');
    push_num(buf, p.sex as u64);
    buf.push(b';');
    let desa = &st.desas[p.desa as usize];
    if p.born_away == 0 {
        let kab = st.kecs[desa.kec as usize].kab;
        buf.extend_from_slice(st.kabs[kab as usize].town.as_bytes());
    } else {
        let pd = names::data(names::ALL[p.pool as usize]);
        buf.extend_from_slice(pd.towns[p.born_away as usize - 1].as_bytes());
    }
    buf.push(b';');
    match p.damage {
        D_BIRTH => {
            let (y, _, _) = civil_from_days(p.birth);
            match r.below(6) {
                0 => {}
                1 => {
                    buf.extend_from_slice(if r.chance(0.5) { b"31-02-" } else { b"30-02-" });
                    push4(buf, y as u32);
                }
                2 => {
                    push4(buf, y as u32);
                    buf.extend_from_slice(b"/13/45");
                }
                3 => buf.extend_from_slice(if r.chance(0.5) {
                    b"TIDAK DIKETAHUI"
                } else {
                    b"-"
                }),
                4 => buf.extend_from_slice(b"00-00-0000"),
                _ => {
                    push4(buf, y as u32);
                    buf.extend_from_slice(b"-13-01");
                }
            }
        }
        D_FUTURE => push_dmy(buf, st.s + 1 + r.below(700) as i32),
        _ => push_dmy(buf, p.birth),
    }
    buf.push(b';');
    let x = r.f();
    if x < 0.55 {
        push_num(buf, p.marital as u64 + 1);
    } else {
        let case = if x < 0.85 {
            0
        } else if x < 0.96 {
            1
        } else {
            2
        };
        let text = if p.marital == 1 {
            let y = r.f();
            KAWIN_TEXT[if y < 0.75 {
                0
            } else if y < 0.93 {
                1
            } else {
                2
            }][case]
        } else {
            MARITAL_TEXT[p.marital as usize][case]
        };
        buf.extend_from_slice(text.as_bytes());
    }
    buf.push(b';');
    let o = &OCC[p.occ as usize];
    match o.code {
        Some(c) if r.chance(0.08) => push_num(buf, c as u64),
        _ => buf.extend_from_slice(o.text.as_bytes()),
    }
    buf.push(b';');
    buf.extend_from_slice(if p.wna { b"WNA" } else { b"WNI" });
    buf.push(b';');
    let c = desa.code;
    let parts = [
        c / 100_000_000,
        c / 1_000_000 % 100,
        c / 10_000 % 100,
        c % 10_000,
    ];
    let bad = if p.damage == D_AREA {
        1 + r.below(3)
    } else {
        0
    };
    for (i, v) in parts.into_iter().enumerate() {
        match (bad, i) {
            (1, 2) => {}
            (2, 2) => buf.push(b'x'),
            (3, 3) => {}
            _ => push_num(buf, v),
        }
        buf.push(b';');
    }
    let rt = if conflict { p.rt % 20 + 1 } else { p.rt };
    push_pad(buf, rt as u64, 3);
    buf.push(b';');
    push_pad(buf, p.rw as u64, 3);
    buf.push(b';');
    match p.status {
        ST_MATI => buf.extend_from_slice(b"MATI"),
        ST_PINDAH => buf.extend_from_slice(b"PINDAH"),
        _ => {
            if !(st.mess && r.chance(0.04)) {
                buf.extend_from_slice(b"AKTIF");
            }
        }
    }
    buf.extend_from_slice(b"\r\n");
}

fn counting_status(days_before_s: i32, r: &mut R) -> u8 {
    let w: [f64; 4] = if days_before_s < 90 {
        [0.5, 0.15, 0.35, 0.0]
    } else if days_before_s < 730 {
        [0.25, 0.3, 0.2, 0.25]
    } else {
        [0.2, 0.3, 0.1, 0.4]
    };
    let mut x = r.f();
    for (i, wi) in w.iter().enumerate() {
        if x < *wi {
            return i as u8;
        }
        x -= wi;
    }
    3
}

/// A recording date in `lo..=hi`, denser towards `hi` (recent push).
fn trend_date(lo: i32, hi: i32, r: &mut R) -> i32 {
    (lo + ((hi - lo + 1) as f64 * r.f().sqrt()) as i32).min(hi)
}

fn lokasi(st: &Setup, kec_i: usize, r: &mut R) -> u32 {
    let kec = &st.kecs[kec_i];
    if st.mess && r.chance(0.05) {
        0
    } else if r.chance(0.15) {
        let kab = &st.kabs[kec.kab as usize];
        st.kecs[r.range(kab.kecs.start as i32, kab.kecs.end as i32 - 1) as usize].code
    } else {
        kec.code
    }
}

/// The KTP-el rows of one person. Damaged people get only clean, counting rows
/// dated on or before S, so each enrollment row has exactly one kind.
fn enroll(st: &Setup, p: &Person, rows: &mut Vec<Enr>, r: &mut R) {
    let nik = nik_of(p);
    let kec_i = st.desas[p.desa as usize].kec as usize;
    let a_s = age_at(p.birth, st.s);
    let married = p.marital != 0;
    let plain = p.damage == D_NONE && st.mess;
    let cov = st.kecs[kec_i].coverage;
    let p_rec = if a_s >= 17 || married {
        cov * if a_s < 20 { 0.8 } else { 1.0 }
    } else if a_s == 16 && age_at(p.birth, st.e) >= 17 {
        0.35
    } else if a_s == 16 {
        0.04
    } else {
        0.0
    };
    let lo = st.ktpel_start.max(birthday(p.birth, a_s.clamp(0, 17)));
    if lo <= st.s && r.chance(p_rec) {
        let d = trend_date(lo, st.s, r);
        rows.push(Enr {
            nik,
            date: d,
            status: counting_status(st.s - d, r),
            lokasi: lokasi(st, kec_i, r),
        });
        if r.chance(0.025) {
            let d2 = trend_date(d, st.s, r);
            rows.push(Enr {
                nik,
                date: d2,
                status: r.pick(&[0, 2]),
                lokasi: lokasi(st, kec_i, r),
            });
            if r.chance(0.15) {
                let d3 = trend_date(d2, st.s, r);
                rows.push(Enr {
                    nik,
                    date: d3,
                    status: r.pick(&[0, 2]),
                    lokasi: lokasi(st, kec_i, r),
                });
            }
        }
        if plain && r.chance(0.01) {
            let dl = st.s + 1 + r.below(300) as i32;
            rows.push(Enr {
                nik,
                date: dl,
                status: r.pick(&[0, 2]),
                lokasi: lokasi(st, kec_i, r),
            });
        }
        if plain && r.chance(0.01) {
            let df = r.range(lo, st.s);
            rows.push(Enr {
                nik,
                date: df,
                status: 4,
                lokasi: lokasi(st, kec_i, r),
            });
        }
    } else if plain && p_rec > 0.0 {
        let x = r.f();
        if x < 0.03 {
            let dl = st.s + 1 + r.below(300) as i32;
            rows.push(Enr {
                nik,
                date: dl,
                status: r.pick(&[0, 2]),
                lokasi: lokasi(st, kec_i, r),
            });
        } else if x < 0.05 && lo <= st.s {
            let df = r.range(lo, st.s);
            rows.push(Enr {
                nik,
                date: df,
                status: r.pick(&[4, 5, 6]),
                lokasi: lokasi(st, kec_i, r),
            });
        }
    }
}

/// Phase C: render one chunk's rows and count what the pipeline must find.
pub(crate) fn render_chunk(st: &Setup, chunk: usize, ps: &[Person], os: &[Orphan]) -> ChunkOut {
    let mut r = R::new(st.seed, chunk as u64, 2);
    let mut pop = Vec::with_capacity(ps.len() * 150);
    let mut rows: Vec<Enr> = Vec::with_capacity(ps.len());
    let mut counts = vec![[0u32; 8]; st.desas.len()];
    let mut t = Tally::default();
    // Earlier valid rows that may be copied (byte range, person index).
    let mut cands: Vec<(usize, usize, usize)> = Vec::new();
    for (i, p) in ps.iter().enumerate() {
        let start = pop.len();
        write_row(&mut pop, st, p, &mut r, false);
        t.population_rows += 1;
        let first_row = rows.len();
        enroll(st, p, &mut rows, &mut r);
        let mine = &rows[first_row..];
        match p.damage {
            D_SCI | D_LEN15 | D_LEN17 => t.orphan += mine.len() as u64,
            D_NONE => {}
            _ => t.of_rejected += mine.len() as u64,
        }
        if p.damage != D_NONE {
            t.rejects[p.damage as usize] += 1;
        } else {
            cands.push((start, pop.len(), i));
            if p.nik_date != p.birth {
                t.nik_date_mismatch += 1;
            }
            if p.prefix != st.kecs[st.desas[p.desa as usize].kec as usize].code {
                t.movers += 1;
            }
            if p.status != ST_AKTIF {
                t.not_resident += 1;
            } else {
                t.residents += 1;
                // The rules, by this crate's own bookkeeping.
                let recorded = mine.iter().any(|e| e.date <= st.s && e.status < N_COUNTING);
                let married = p.marital != 0;
                let a_s = age_at(p.birth, st.s);
                let a_e = age_at(p.birth, st.e);
                let tni = OCC[p.occ as usize].active;
                let req = a_s >= 17 || married;
                let eli = !p.wna && !tni && (a_e >= 17 || married);
                let ft = eli && !married && a_s < 17;
                let c = &mut counts[p.desa as usize];
                c[0] += 1;
                c[1] += req as u32;
                c[2] += (req && recorded) as u32;
                c[3] += eli as u32;
                c[4] += (eli && recorded) as u32;
                c[5] += (eli && !recorded) as u32;
                c[6] += ft as u32;
                c[7] += (ft && !recorded) as u32;
            }
        }
        if st.mess && !cands.is_empty() {
            let x = r.f();
            if x < 0.003 {
                let (a, b, j) = cands.swap_remove(r.below(cands.len()));
                t.population_rows += 1;
                if x < 0.002 {
                    pop.extend_from_within(a..b);
                    t.duplicate_rows += 1;
                } else {
                    write_row(&mut pop, st, &ps[j], &mut r, true);
                    t.rejects[0] += 1;
                }
            }
        }
    }
    for o in os {
        let nik = nik12(o.prefix, o.nik_date, o.female) * 10_000 + o.serial as u64;
        let lo = st.ktpel_start.max(birthday(o.nik_date, 17)).min(st.s);
        let d = trend_date(lo, st.s, &mut r);
        rows.push(Enr {
            nik,
            date: d,
            status: counting_status(st.s - d, &mut r),
            lokasi: o.lokasi,
        });
        t.orphan += 1;
    }
    for i in (1..rows.len()).rev() {
        let j = r.below(i + 1);
        rows.swap(i, j);
    }
    let mut enr = Vec::with_capacity(rows.len() * 48);
    for e in &rows {
        push_pad(&mut enr, e.nik, 16);
        enr.push(b',');
        push_ymd(&mut enr, e.date);
        enr.push(b',');
        enr.extend_from_slice(STATUS[e.status as usize].as_bytes());
        enr.push(b',');
        if e.lokasi != 0 {
            push_kec(&mut enr, e.lokasi);
        }
        enr.extend_from_slice(b"\r\n");
        t.after_as_of += (e.date > st.s) as u64;
        t.failed += (e.status >= N_COUNTING) as u64;
    }
    t.enrollment_rows = rows.len() as u64;
    ChunkOut {
        pop,
        enr,
        counts,
        tally: t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contract's TNI/POLRI rule, written out independently, must agree
    /// with the hand-set flags of the occupation table.
    #[test]
    fn occupation_flags_match_the_text_rule() {
        for o in OCC {
            let t = o.text;
            let hit = ["TNI", "POLRI", "TENTARA NASIONAL INDONESIA", "KEPOLISIAN"]
                .iter()
                .any(|k| t.contains(k));
            let retired = t.starts_with("PENSIUNAN") || t.starts_with("PURNAWIRAWAN");
            assert_eq!(hit && !retired, o.active, "{t}");
            if let Some(c) = o.code {
                assert_eq!(c == 6 || c == 7, o.active, "{t}");
            }
        }
    }

    #[test]
    fn scientific_like_excel() {
        let f = |n: u64, comma: bool| {
            let mut b = Vec::new();
            push_scientific(&mut b, n, comma);
            String::from_utf8(b).unwrap()
        };
        assert_eq!(f(9404081908210001, false), "9.40408E+15");
        assert_eq!(f(9404085908210001, false), "9.40409E+15");
        assert_eq!(f(6472000108210001, false), "6.472E+15");
        assert_eq!(f(6472031908210001, true), "6,47203E+15");
        assert_eq!(f(7000001908210001, false), "7E+15");
    }

    #[test]
    fn nik_prefix_and_women() {
        let d = days_from_civil(2015, 7, 21);
        assert_eq!(nik12(940413, d, true) * 10_000 + 1, 9404136107150001);
        assert_eq!(
            nik12(940414, days_from_civil(2021, 8, 19), false),
            940414190821
        );
    }
}
