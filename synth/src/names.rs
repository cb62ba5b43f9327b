//! Name pools (synthetic: common given names and clan/family names of the
//! main groups of each region), birthplaces, and the regional mix.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    Papuan,
    Eastern,
    Javanese,
    Sundanese,
    Batak,
    Bugis,
    Banjar,
    Dayak,
    Foreign,
}

pub struct PoolData {
    pub male: &'static [&'static str],
    pub female: &'static [&'static str],
    pub last_m: &'static [&'static str],
    pub last_f: &'static [&'static str],
    /// Share of people with a family/clan name.
    pub p_last: f64,
    /// Birthplaces outside the domicile kab.
    pub towns: &'static [&'static str],
}

const PAPUAN_LAST: &[&str] = &[
    "Wenda",
    "Murib",
    "Beanal",
    "Kogoya",
    "Natkime",
    "Magal",
    "Tabuni",
    "Omaleng",
    "Waker",
    "Wandikbo",
    "Tebai",
    "Pigai",
    "Gobai",
    "Yogi",
    "Degei",
    "Mote",
    "Tekege",
    "Kobogau",
    "Nawipa",
    "Kemong",
    "Kwalik",
    "Tinal",
    "Alom",
    "Wanmang",
    "Mirip",
    "Yikwa",
    "Telenggen",
    "Kossay",
    "Lokbere",
    "Enembe",
    "Kayame",
    "Rumaropen",
    "Rumbiak",
    "Mandowen",
    "Wamafma",
    "Wonda",
    "Janampa",
    "Wamang",
    "Onawame",
    "Uamang",
    "Jangkup",
    "Anggaibak",
    "Songgonau",
    "Amisim",
    "Kiwak",
    "Deikme",
];
const EASTERN_LAST: &[&str] = &[
    "Renyaan",
    "Rahayaan",
    "Ohoiwutun",
    "Jamlean",
    "Rumlus",
    "Palimbong",
    "Sarungallo",
    "Tangdilintin",
    "Pakiding",
    "Rante",
    "Fernandez",
    "Da Costa",
    "Parera",
    "Manuputty",
    "Pattinama",
    "Latuheru",
    "Siahaya",
    "Tuhumury",
    "Lewerissa",
    "Ratu",
    "Bataona",
];
const BUGIS_LAST: &[&str] = &[
    "Syamsuddin",
    "Hamzah",
    "Amir",
    "Arifin",
    "Yusuf",
    "Baharuddin",
    "Nurdin",
    "Rahman",
    "Jufri",
    "Makkasau",
    "Mappangara",
    "Latif",
    "Ramli",
    "Haris",
    "Mustafa",
    "Ma'ruf",
];
const BANJAR_LAST: &[&str] = &[
    "Riduan", "Rahman", "Arsyad", "Hidayat", "Noor", "Fauzi", "Ansyari", "Zainal", "Ramadhan",
    "Syahrani", "Hasan", "Yusran", "Rifani",
];
const BATAK_LAST: &[&str] = &[
    "Sihombing",
    "Simanjuntak",
    "Siregar",
    "Nasution",
    "Lubis",
    "Harahap",
    "Situmorang",
    "Manurung",
    "Sinaga",
    "Panjaitan",
    "Hutapea",
    "Tampubolon",
    "Pardede",
    "Simatupang",
];
const DAYAK_LAST: &[&str] = &[
    "Jalung", "Lenjau", "Ajang", "Usat", "Bilung", "Udau", "Ngau", "Anyeq", "Lahang",
];
const FOREIGN_LAST: &[&str] = &[
    "Smith",
    "O'Neil",
    "Brown",
    "Wang",
    "Tanaka",
    "Kim",
    "Sharma",
    "Müller",
    "Johansson",
    "Nguyen",
    "Li",
    "Santos",
    "Dubois",
];

static POOLS: [PoolData; 9] = [
    PoolData {
        male: &[
            "Yohanes",
            "Petrus",
            "Agustinus",
            "Kornelius",
            "Yakobus",
            "Markus",
            "Yosias",
            "Natalis",
            "Fransiskus",
            "Paulus",
            "Simon",
            "Elias",
            "Melkias",
            "Obed",
            "Yulius",
            "Marthen",
            "Benyamin",
            "Titus",
            "Yeremias",
            "Silas",
            "Yance",
            "Demianus",
            "Herman",
            "Lukas",
            "Daniel",
            "Isak",
            "Otto",
            "Yosep",
            "Nikolaus",
        ],
        female: &[
            "Maria",
            "Fransiska",
            "Yuliana",
            "Agustina",
            "Marta",
            "Ester",
            "Debora",
            "Selina",
            "Yakomina",
            "Helena",
            "Magdalena",
            "Rosalina",
            "Naomi",
            "Ribka",
            "Yohana",
            "Dorkas",
            "Sara",
            "Elisabet",
            "Priska",
            "Lince",
            "Mince",
            "Nelce",
            "Ruth",
            "Kristina",
            "Veronika",
        ],
        last_m: PAPUAN_LAST,
        last_f: PAPUAN_LAST,
        p_last: 0.95,
        towns: &[
            "Jayapura",
            "Nabire",
            "Wamena",
            "Enarotali",
            "Biak",
            "Merauke",
            "Sorong",
            "Timika",
        ],
    },
    PoolData {
        male: &[
            "Yosef",
            "Stefanus",
            "Aloysius",
            "Frans",
            "Thomas",
            "Ignasius",
            "Hendrik",
            "Robert",
            "Yohanis",
            "Marselinus",
            "Andreas",
            "Piter",
            "Johny",
        ],
        female: &[
            "Theresia",
            "Katarina",
            "Anastasia",
            "Imelda",
            "Yosefina",
            "Sisilia",
            "Margaretha",
            "Yuliana",
            "Bernadeta",
            "Agnes",
            "Meity",
        ],
        last_m: EASTERN_LAST,
        last_f: EASTERN_LAST,
        p_last: 0.9,
        towns: &[
            "Ambon",
            "Tual",
            "Makale",
            "Ende",
            "Maumere",
            "Kupang",
            "Larantuka",
            "Rantepao",
        ],
    },
    PoolData {
        male: &[
            "Budi", "Eko", "Agus", "Bambang", "Joko", "Slamet", "Sugeng", "Wahyu", "Dwi", "Hadi",
            "Sutrisno", "Suparman", "Rudi", "Heri", "Teguh", "Yudi", "Adi", "Bayu", "Rizky",
            "Fajar", "Dimas", "Galih", "Muhammad", "Ahmad", "Arif", "Yusuf", "Setyo", "Nur",
        ],
        female: &[
            "Sri", "Siti", "Wati", "Dewi", "Rini", "Ani", "Endang", "Sumarni", "Tutik", "Wulan",
            "Ayu", "Putri", "Indah", "Nurul", "Fitri", "Rina", "Yuni", "Retno", "Eka", "Dian",
            "Novi", "Nur", "Nur'aini",
        ],
        last_m: &[
            "Santoso",
            "Wibowo",
            "Susanto",
            "Prasetyo",
            "Saputra",
            "Hidayat",
            "Nugroho",
            "Setiawan",
            "Purnomo",
            "Wijaya",
            "Kurniawan",
            "Pratama",
            "Utomo",
            "Sulistyo",
            "Hartono",
            "Rahman",
        ],
        last_f: &[
            "Rahayu",
            "Wahyuni",
            "Susanti",
            "Handayani",
            "Puspitasari",
            "Suryani",
            "Rahmawati",
            "Anggraini",
            "Lestari",
            "Sari",
            "Kusumawati",
            "Wulandari",
        ],
        p_last: 0.6,
        towns: &[
            "Surabaya",
            "Malang",
            "Semarang",
            "Surakarta",
            "Yogyakarta",
            "Kediri",
            "Banyuwangi",
            "Jember",
        ],
    },
    PoolData {
        male: &[
            "Asep", "Dadang", "Ujang", "Cecep", "Dede", "Yayan", "Ade", "Iwan", "Deden", "Jajang",
            "Rahmat",
        ],
        female: &[
            "Euis", "Neneng", "Imas", "Cucu", "Yeni", "Lilis", "Eneng", "Siti", "Rina", "Tati",
        ],
        last_m: &[
            "Sunarya",
            "Permana",
            "Supriatna",
            "Hermawan",
            "Gunawan",
            "Suherman",
            "Kurnia",
            "Sobari",
        ],
        last_f: &[
            "Nurhasanah",
            "Rohayati",
            "Kurniasih",
            "Komalasari",
            "Mulyani",
            "Nurjanah",
        ],
        p_last: 0.5,
        towns: &[
            "Bandung",
            "Garut",
            "Tasikmalaya",
            "Bogor",
            "Sukabumi",
            "Cirebon",
        ],
    },
    PoolData {
        male: &[
            "Parlindungan",
            "Martua",
            "Hotman",
            "Togar",
            "Ronald",
            "Jonny",
            "Sahat",
            "Binsar",
            "Maruli",
            "Hasudungan",
        ],
        female: &[
            "Rosmawati",
            "Tiurma",
            "Lasma",
            "Romauli",
            "Rugun",
            "Dameria",
            "Lamria",
            "Nurhayati",
        ],
        last_m: BATAK_LAST,
        last_f: BATAK_LAST,
        p_last: 1.0,
        towns: &[
            "Medan",
            "Pematangsiantar",
            "Tarutung",
            "Balige",
            "Sibolga",
            "Padangsidimpuan",
        ],
    },
    PoolData {
        male: &[
            "Andi",
            "Muhammad",
            "Abdul",
            "Syamsul",
            "Hasanuddin",
            "Rahmat",
            "Irwan",
            "Ilham",
            "Syahrul",
            "Arman",
            "Baso",
            "Sultan",
            "Akbar",
            "Ridwan",
            "Fadli",
            "La Ode",
        ],
        female: &[
            "Andi",
            "Sitti",
            "Nurhayati",
            "Hasnah",
            "Jumriati",
            "Nurjannah",
            "Hasmawati",
            "Rosmiati",
            "Suriani",
            "Besse",
            "Ratna",
            "Hadijah",
        ],
        last_m: BUGIS_LAST,
        last_f: BUGIS_LAST,
        p_last: 0.6,
        towns: &[
            "Makassar",
            "Watampone",
            "Parepare",
            "Sengkang",
            "Palopo",
            "Sinjai",
            "Bulukumba",
        ],
    },
    PoolData {
        male: &[
            "Muhammad",
            "Ahmad",
            "Akhmad",
            "Rahmadi",
            "Rusdiansyah",
            "Fahriansyah",
            "Hairil",
            "Saprudin",
            "Gusti",
            "Syahriansyah",
            "Abdul",
            "Rizaldi",
            "Norhadi",
            "Ilmi",
        ],
        female: &[
            "Siti",
            "Norhayati",
            "Norjannah",
            "Hairani",
            "Rusmini",
            "Fatimah",
            "Mariana",
            "Jamilah",
            "Normila",
            "Aminah",
            "Rahmah",
            "Nurul",
        ],
        last_m: BANJAR_LAST,
        last_f: BANJAR_LAST,
        p_last: 0.6,
        towns: &[
            "Banjarmasin",
            "Martapura",
            "Amuntai",
            "Kandangan",
            "Barabai",
            "Rantau",
        ],
    },
    PoolData {
        male: &[
            "Awang", "Aji", "Lahang", "Ding", "Hendrik", "Yakobus", "Stefanus", "Ajang", "Lukas",
            "Petrus",
        ],
        female: &[
            "Dayang",
            "Ping",
            "Lusia",
            "Yuliana",
            "Ibau",
            "Martina",
            "Maria",
            "Dayang Kartini",
        ],
        last_m: DAYAK_LAST,
        last_f: DAYAK_LAST,
        p_last: 0.7,
        towns: &["Tenggarong", "Long Iram", "Malinau", "Melak", "Long Bagun"],
    },
    PoolData {
        male: &[
            "John", "Michael", "David", "Peter", "James", "Wei", "Hiroshi", "Min-jun", "Rajesh",
            "Lars", "José",
        ],
        female: &[
            "Sarah", "Anna", "Emily", "Mei", "Yuki", "Ji-woo", "Priya", "Ingrid", "Chloé",
        ],
        last_m: FOREIGN_LAST,
        last_f: FOREIGN_LAST,
        p_last: 1.0,
        towns: &[
            "Sydney", "Manila", "Tokyo", "Seoul", "Mumbai", "Berlin", "Beijing", "Lyon",
        ],
    },
];

pub fn data(p: Pool) -> &'static PoolData {
    &POOLS[p as usize]
}

pub const ALL: [Pool; 9] = [
    Pool::Papuan,
    Pool::Eastern,
    Pool::Javanese,
    Pool::Sundanese,
    Pool::Batak,
    Pool::Bugis,
    Pool::Banjar,
    Pool::Dayak,
    Pool::Foreign,
];

/// Ethnic mix of the residents of a province (shares add up to 1).
pub fn mix_for(prov: u32) -> &'static [(Pool, f64)] {
    use Pool::*;
    match prov {
        91..=97 => &[
            (Papuan, 0.55),
            (Javanese, 0.15),
            (Bugis, 0.12),
            (Eastern, 0.15),
            (Batak, 0.03),
        ],
        61..=65 => &[
            (Banjar, 0.30),
            (Javanese, 0.30),
            (Bugis, 0.22),
            (Dayak, 0.10),
            (Batak, 0.03),
            (Sundanese, 0.05),
        ],
        11..=21 => &[
            (Javanese, 0.45),
            (Batak, 0.25),
            (Sundanese, 0.10),
            (Banjar, 0.10),
            (Bugis, 0.10),
        ],
        31..=36 => &[(Javanese, 0.65), (Sundanese, 0.30), (Batak, 0.05)],
        71..=76 => &[
            (Bugis, 0.60),
            (Javanese, 0.15),
            (Eastern, 0.20),
            (Banjar, 0.05),
        ],
        _ => &[(Eastern, 0.45), (Javanese, 0.30), (Bugis, 0.25)],
    }
}

/// Old (pre-2022) kab code of the new Papua provinces, for NIKs issued before the split.
pub fn old_papua_kab(kab: u32) -> Option<u32> {
    Some(match kab {
        9301 => 9101,
        9302 => 9116,
        9303 => 9117,
        9304 => 9118,
        9401 => 9104,
        9402 => 9107,
        9403 => 9108,
        9404 => 9109,
        9405 => 9125,
        9406 => 9126,
        9407 => 9127,
        9408 => 9128,
        9501 => 9102,
        9502 => 9112,
        9503 => 9113,
        9504 => 9114,
        9505 => 9121,
        9506 => 9122,
        9507 => 9123,
        9508 => 9124,
        9601 => 9201,
        9602 => 9204,
        9603 => 9205,
        9604 => 9209,
        9605 => 9210,
        9671 => 9271,
        _ => return None,
    })
}

/// Birthplace used for people born in the kab itself (its main town).
pub fn home_town(kab: u32, name: &str) -> String {
    match kab {
        9404 => "Timika".into(),
        _ => name
            .strip_prefix("Kabupaten ")
            .or_else(|| name.strip_prefix("Kota "))
            .unwrap_or(name)
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn pools_are_safe_in_csv() {
        for p in ALL {
            let d = data(p);
            for s in d
                .male
                .iter()
                .chain(d.female)
                .chain(d.last_m)
                .chain(d.last_f)
                .chain(d.towns)
            {
                assert!(
                    !s.is_empty() && !s.contains([';', ',', '"', '\n', '\r']),
                    "{s}"
                );
            }
            assert!(
                d.male.len() < u16::MAX as usize && d.last_m.len() < 255 && d.last_f.len() < 255
            );
        }
        for prov in 11..=97 {
            let s: f64 = mix_for(prov).iter().map(|x| x.1).sum();
            assert!((s - 1.0).abs() < 1e-9, "{prov}");
        }
    }
}
