//! Generated residents and recordings with known truth, for measuring
//! precision and recall. Names are common Indonesian given and family names
//! (Javanese, Sundanese, Papuan, Muslim, Christian); namesakes and shared
//! birth dates happen. A share of recordings are of residents, re-typed with
//! realistic damage; the rest are people who are not among the residents,
//! many of them with a resident's name.

use crate::Record;

const GIVEN: &[&str] = &[
    "MUHAMMAD", "AHMAD", "SITI", "NUR", "DEWI", "SRI", "AGUS", "BUDI", "EKO", "DWI", "JOKO", "BAMBANG", "SUPARMAN",
    "SUPRIADI", "SUGIANTO", "WAHYU", "RIZKI", "FAJAR", "ANDI", "PUTRI", "AYU", "INDAH", "RATNA", "YULIANI", "LESTARI",
    "RINA", "WATI", "NINGSIH", "HENDRA", "DEDI", "ASEP", "UJANG", "CECEP", "NENENG", "EUIS", "YANTI", "DADANG", "IWAN",
    "YOHANES", "YOHANA", "MARIA", "PETRUS", "PAULUS", "MARKUS", "YAKOBUS", "SEMUEL", "DANIEL", "RUTH", "MARTHA",
    "ELISABETH", "FRANSISKA", "KATARINA", "AGUSTINUS", "ALOYSIUS", "YOSEPH", "MELKIANUS", "NATALIS", "YULIUS",
    "DORTEA", "NOVITA", "FEBRIANTI", "ANISA", "FITRI", "RAHMAT", "HIDAYAT", "TAUFIK", "IRFAN", "ARIF", "DIAN",
    "YUSUF", "IBRAHIM", "ABDUL", "ABDULLAH", "UMAR", "ALI", "HASAN", "HUSEIN", "FATIMAH", "AISYAH", "KHADIJAH",
    "ZAINAL", "SAIFUL", "SYAMSUL", "NURUL", "NURHAYATI", "SUMARNI", "SUKARTI", "SUTRISNO", "SLAMET", "TRI", "ADI",
    "KURNIAWAN", "SETIAWAN", "PRATAMA", "SAPUTRA", "ANGGA", "REZA", "DIMAS", "BAYU", "GALIH", "CITRA", "INTAN",
    "MELATI", "MAWAR", "KARTIKA", "PUSPITA", "WULAN", "BULAN", "BINTANG", "OKTAVIANUS", "DESMOND", "YERMIAS",
    "ONESIMUS", "FREDERIK", "ROBERT", "STEVEN", "KEVIN", "JEFRI", "RONI", "TONI", "YOSUA", "GIDEON", "LUKAS",
    "TOMAS", "FILIPUS", "SIMON", "STEFANUS", "BARNABAS", "TITUS", "LINUS", "KORNELIS", "MATIUS", "YAKOB", "ESTER",
    "DEBORA", "SARA", "RIBKA", "HANA", "NAOMI", "LIDIA", "SUSANA", "VERONIKA", "MAGDALENA", "ANASTASIA", "ROSALINA",
];
const FAMILY: &[&str] = &[
    "WENDA", "KOGOYA", "WANIMBO", "TABUNI", "MAGAI", "BEANAL", "NATKIME", "MAGAL", "KAMBU", "GOBAY", "PIGAI",
    "DOUW", "TEBAY", "YEIMO", "MOTE", "WAKERKWA", "MURIB", "ALOM", "ENUMBI", "KARUBABA", "RUMBIAK", "MANDOWEN",
    "WOMSIWOR", "AWOM", "RUMAKIEK", "SIMBIAK", "PRATAMA", "SAPUTRA", "WIJAYA", "KUSUMA", "HIDAYAT", "SETIAWAN",
    "NUGROHO", "SANTOSO", "WIBOWO", "HARAHAP", "SIREGAR", "NASUTION", "LUBIS", "SIMANJUNTAK", "SITUMORANG",
    "PANJAITAN", "SINAGA", "TAMBUNAN", "MANURUNG", "POHAN", "DAULAY", "RANGKUTI", "PULUNGAN", "LATUHERU",
    "PATTINAMA", "TUHUTERU", "SAHETAPY", "MATULESSY", "LEWERISSA", "SOPLANTILA", "WATTIMENA", "RUMAHORBO",
    "LAKE", "NDOEN", "BENU", "TAOLIN", "NUBATONIS", "SUSANTI", "RAHAYU", "PURNAMASARI", "KURNIASIH", "HANDAYANI",
    "WULANDARI", "FITRIANI", "MARLINA", "SURYANI", "RAHMAWATI", "YULIANTI", "APRILIANI", "SEPTIANI", "OKTAVIANI",
    "NOVIANTI", "DESIANTI", "AMALIA", "ZAHRA", "SALSABILA", "RAMADHAN", "FIRMANSYAH", "HIDAYATULLAH", "ABIDIN",
    "MAULANA", "RIDWAN", "SYAHPUTRA", "GINTING", "TARIGAN", "SEMBIRING", "PERANGIN", "KARO", "BANGUN", "PURBA",
    "SARAGIH", "DAMANIK",
];

/// Deterministic xorshift generator.
pub struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() % 1_000_000) as f64 / 1_000_000.0 < p
    }
}

fn name(r: &mut Rng) -> String {
    let g = GIVEN[r.below(GIVEN.len())];
    match r.below(10) {
        0..=2 => g.to_string(),
        3..=7 => format!("{g} {}", FAMILY[r.below(FAMILY.len())]),
        _ => format!("{g} {} {}", GIVEN[r.below(GIVEN.len())], FAMILY[r.below(FAMILY.len())]),
    }
}

/// A resident: birth between 1950 and 2008, desa in one of 20 kecamatan of 2 kabupaten.
fn person(r: &mut Rng, id: u64) -> Record {
    let kab = [9404u64, 6472][r.below(2)];
    let area = (kab * 100 + 1 + r.below(20) as u64) * 10_000 + 1001 + r.below(12) as u64;
    Record {
        id,
        name: name(r),
        birth: Some(-7305 + r.below(21_550) as i32),
        female: Some(r.chance(0.5)),
        area: Some(area),
    }
}

fn typo(r: &mut Rng, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 4 {
        return s.to_string();
    }
    let i = 1 + r.below(c.len() - 2);
    match r.below(4) {
        0 => {
            c.remove(i);
        }
        1 => c.insert(i, c[i]),
        2 => c.swap(i, i + 1),
        _ => c[i] = ['A', 'I', 'U', 'E', 'O', 'Y'][r.below(6)],
    }
    c.into_iter().collect()
}

/// The same person as typed at the recording counter.
fn retype(r: &mut Rng, p: &Record, id: u64) -> Record {
    let mut q = p.clone();
    q.id = id;
    // name: typos, abbreviated Muhammad, a dropped last token, case
    if r.chance(0.30) {
        q.name = typo(r, &q.name);
    }
    if r.chance(0.05) {
        q.name = typo(r, &q.name);
    }
    if q.name.starts_with("MUHAMMAD") && r.chance(0.5) {
        q.name = q.name.replacen("MUHAMMAD", ["M.", "MOH", "MUHAMAD"][r.below(3)], 1);
    }
    let toks: Vec<&str> = q.name.split(' ').collect();
    if toks.len() == 3 && r.chance(0.15) {
        q.name = format!("{} {}", toks[0], toks[2]);
    }
    if r.chance(0.5) {
        q.name = q.name.to_lowercase();
    }
    // birth date: day/month swapped, a wrong day, missing
    if let Some(b) = q.birth {
        let x = r.below(100);
        q.birth = match x {
            0..=4 => Some(b + 1 + r.below(3) as i32),
            5..=7 => {
                let (y, m, d) = crate::ymd(b);
                if d <= 12 && d != m {
                    Some(b - days_before(y, m, d) + days_before(y, d, m))
                } else {
                    Some(b)
                }
            }
            8 => None,
            _ => Some(b),
        };
    }
    if r.chance(0.05) {
        q.female = None;
    }
    // area: other desa in the same kecamatan, or missing
    if let Some(a) = q.area {
        q.area = match r.below(100) {
            0..=9 => Some(a / 10_000 * 10_000 + 1001 + r.below(12) as u64),
            10..=14 => None,
            _ => Some(a),
        };
    }
    q
}

fn days_before(y: i32, m: u32, d: u32) -> i32 {
    // days from 1970-01-01 to y-m-d (proleptic Gregorian)
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy as i32;
    era * 146_097 + doe - 719_468
}

/// A generated case: candidates (residents), queries (recordings) and, per
/// query, the index of the true candidate (`None`: not a resident).
pub struct Case {
    pub candidates: Vec<Record>,
    pub queries: Vec<Record>,
    pub truth: Vec<Option<usize>>,
    /// Other residents re-typed the same way, whose link is known (in
    /// cakupan: recordings that joined by NIK): (as typed, resident).
    pub known: Vec<(Record, Record)>,
}

/// `n` residents and `k` recordings, of which ~80% are of residents.
pub fn case(n: usize, k: usize, seed: u64) -> Case {
    let mut r = Rng::new(seed);
    let candidates: Vec<Record> = (0..n).map(|i| person(&mut r, i as u64)).collect();
    let mut queries = Vec::with_capacity(k);
    let mut truth = Vec::with_capacity(k);
    let mut used = vec![false; n];
    for j in 0..k {
        if r.chance(0.8) {
            let mut i = r.below(n);
            while used[i] {
                i = (i + 1) % n;
            }
            used[i] = true;
            queries.push(retype(&mut r, &candidates[i], j as u64));
            truth.push(Some(i));
        } else {
            // not a resident; half of them share a resident's name
            let mut p = person(&mut r, j as u64);
            if r.chance(0.5) {
                p.name = candidates[r.below(n)].name.clone();
            }
            queries.push(p);
            truth.push(None);
        }
    }
    let mut known = Vec::new();
    for _ in 0..(k / 2).max(100) {
        let p = person(&mut r, u64::MAX);
        known.push((retype(&mut r, &p, u64::MAX), p));
    }
    Case { candidates, queries, truth, known }
}

/// Precision and recall of the `Probable` links.
pub fn evaluate(case: &Case, out: &crate::Outcome) -> (f64, f64, usize, usize) {
    let probable: Vec<_> = out.matches.iter().filter(|m| m.status == crate::Status::Probable).collect();
    let correct = probable.iter().filter(|m| case.truth[m.query] == Some(m.candidate)).count();
    let should = case.truth.iter().filter(|t| t.is_some()).count();
    (correct as f64 / probable.len().max(1) as f64, correct as f64 / should.max(1) as f64, probable.len(), correct)
}

#[cfg(test)]
mod tests {
    #[test]
    fn days_before_agrees_with_ymd() {
        for d in [-7305, 0, 11_388, 19_782] {
            let (y, m, dd) = crate::ymd(d);
            assert_eq!(super::days_before(y, m, dd), d);
        }
    }
}
