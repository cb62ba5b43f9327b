//! Synthetic SIAK population and KTP-el enrollment exports, with realistic
//! damage, and the counts the pipeline must find in them (`cakupan generate`).
//!
//! [`generate`] writes to a directory:
//!
//! * `penduduk.csv`: `;`-separated, UTF-8 BOM, CRLF, SIAK `BIODATA_WNI` columns plus
//!   `STATUS_PENDUDUK`; dates `DD-MM-YYYY`; region codes without leading zeros.
//! * `rekam_ktpel.csv`: `NIK,TGL_REKAM,STATUS_KTP,LOKASI_REKAM`, CRLF, dates `YYYY-MM-DD`.
//! * `expected_{provinsi,kabupaten,kecamatan,desa}.csv`: the coverage counts per
//!   area with at least one resident, same columns as the shared sample.
//! * `expected_summary.csv`: `what,count` (see [`Summary::rows`]).
//!
//! The expected counts come from the generator's own bookkeeping (its own age
//! function in [`dates`], its own TNI/POLRI flags, the damage it chose), never
//! from `data_schema::rules`, so comparing the pipeline against them is a real
//! check. `synth/check_synth.py` is an independent Python re-count of a generated
//! directory (`python3 synth/check_synth.py DIR [AS_OF ELECTION]`); it must agree
//! with the expected files exactly.
//!
//! Output is byte-identical for the same [`Config`], whatever the number of
//! threads: people are generated in fixed chunks, each with its own RNG stream
//! seeded from (seed, chunk), and NIK serials are assigned in a sequential pass.
//!
//! ## What the generator decides (mess = true)
//! Per generated person, at most one defect: NIK in scientific notation (0.2%,
//! 15% of them with a decimal comma), NIK of 15 digits (0.15%) or 17 digits
//! (0.05%), invalid birth date (0.2%), birth date after S (0.1%), bad domicile
//! code (0.1%). Extra rows: exact copies of earlier valid rows (~0.2%) and rows
//! with the NIK of an earlier valid row but other fields changed (~0.1%,
//! `DUPLICATE_NIK`; the first row wins). Non-residents: `MATI`/`PINDAH` (~2%),
//! and `STATUS_PENDUDUK` empty on ~4% of active rows. Enrollment of damaged
//! people is always a clean, counting row on or before S, so every enrollment
//! row is exactly one of: counted, late (after S), failed status, orphan, of a
//! rejected row. ~0.2% of NIKs carry a date that differs from TGL_LHR by a few
//! days (a warning, never a reject).
//!
//! With mess = false there is no damage, no duplicate, no orphan, no late or
//! failed recording, every row is `AKTIF` and every NIK date equals TGL_LHR.

pub mod dates;
mod gen;
mod names;

use gen::{ChunkOut, SerialMap, Setup, Tally, BATCH, CHUNK};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Kab/kota codes `PP.KK`, e.g. `["94.04", "64.72"]`. People are spread
    /// over them in proportion to their official population.
    pub kabs: Vec<String>,
    /// Number of generated people = population rows before duplicates are added.
    pub residents: usize,
    pub seed: u64,
    /// The date the exports describe (S).
    pub as_of: chrono::NaiveDate,
    /// Polling day (E).
    pub election: chrono::NaiveDate,
    /// Inject realistic damage (see the crate docs).
    pub mess: bool,
}

impl Default for Config {
    /// Mimika + Samarinda, 20,000 people, seed 1, S = 2024-08-26, E = 2024-11-27, messy.
    fn default() -> Self {
        Config {
            kabs: vec!["94.04".into(), "64.72".into()],
            residents: 20_000,
            seed: 1,
            as_of: chrono::NaiveDate::from_ymd_opt(2024, 8, 26).unwrap(),
            election: chrono::NaiveDate::from_ymd_opt(2024, 11, 27).unwrap(),
            mess: true,
        }
    }
}

/// What was written, and what the pipeline must find.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Data rows of `penduduk.csv`.
    pub population_rows: u64,
    /// Byte-identical copies of an earlier valid row (dropped, not rejected).
    pub duplicate_rows: u64,
    pub reject_nik_scientific: u64,
    pub reject_nik_format: u64,
    pub reject_birth_date_invalid: u64,
    pub reject_birth_date_future: u64,
    pub reject_area_format: u64,
    pub reject_duplicate_nik: u64,
    /// Counted `AKTIF` rows (`STATUS_PENDUDUK` `AKTIF` or empty).
    pub residents: u64,
    /// Counted `MATI`/`PINDAH` rows.
    pub not_resident: u64,
    /// Data rows of `rekam_ktpel.csv`.
    pub enrollment_rows: u64,
    /// Rows whose NIK is no valid 16-digit NIK of any population row.
    pub enrollment_orphan: u64,
    /// Rows whose NIK is that of a rejected row only (bad/future birth date, area).
    pub enrollment_of_rejected_row: u64,
    /// Rows with TGL_REKAM after S (all of them match a counted row).
    pub enrollment_after_as_of: u64,
    /// Rows with a failed status (all of them match a counted row, dated <= S).
    pub enrollment_failed_status: u64,
    /// Totals of the expected tables.
    pub required: u64,
    pub required_recorded: u64,
    pub eligible: u64,
    pub eligible_recorded: u64,
    pub first_time: u64,
    pub first_time_unrecorded: u64,
    /// Counted rows whose NIK date differs from TGL_LHR (a warning).
    pub nik_date_mismatch: u64,
    /// Counted rows whose NIK prefix is not the domicile kecamatan.
    pub nik_prefix_elsewhere: u64,
}

impl Summary {
    /// The rows of `expected_summary.csv`, in order.
    pub fn rows(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("population_rows", self.population_rows),
            ("duplicate_rows", self.duplicate_rows),
            ("reject_NIK_SCIENTIFIC", self.reject_nik_scientific),
            ("reject_NIK_FORMAT", self.reject_nik_format),
            ("reject_BIRTH_DATE_INVALID", self.reject_birth_date_invalid),
            ("reject_BIRTH_DATE_FUTURE", self.reject_birth_date_future),
            ("reject_AREA_FORMAT", self.reject_area_format),
            ("reject_DUPLICATE_NIK", self.reject_duplicate_nik),
            ("residents", self.residents),
            ("not_resident", self.not_resident),
            ("enrollment_rows", self.enrollment_rows),
            ("enrollment_orphan", self.enrollment_orphan),
            (
                "enrollment_of_rejected_row",
                self.enrollment_of_rejected_row,
            ),
            ("enrollment_after_as_of", self.enrollment_after_as_of),
            ("enrollment_failed_status", self.enrollment_failed_status),
        ]
    }

    /// Sum of all reject counts.
    pub fn rejects(&self) -> u64 {
        self.reject_nik_scientific
            + self.reject_nik_format
            + self.reject_birth_date_invalid
            + self.reject_birth_date_future
            + self.reject_area_format
            + self.reject_duplicate_nik
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("{0:?} is not a kab/kota code (PP.KK) of the Kemendagri reference list")]
    UnknownKab(String),
    #[error("no kab/kota given")]
    NoKabs,
    #[error("{0}")]
    TooManyPeople(String),
    #[error("writing the generated files: {0}")]
    Io(#[from] io::Error),
}

pub const POPULATION_HEADER: &str = "NIK;NO_KK;NAMA_LGKP;JENIS_KLMIN;TMPT_LHR;TGL_LHR;STAT_KWN;JENIS_PKRJN;KEWARGANEGARAAN;NO_PROP;NO_KAB;NO_KEC;NO_KEL;NO_RT;NO_RW;STATUS_PENDUDUK";
pub const ENROLLMENT_HEADER: &str = "NIK,TGL_REKAM,STATUS_KTP,LOKASI_REKAM";
pub const EXPECTED_HEADER: &str = "area_code,area_name,residents,required,required_recorded,eligible,eligible_recorded,eligible_unrecorded,first_time,first_time_unrecorded";

/// Generate the exports and their expected counts into `out_dir` (created if missing).
pub fn generate(cfg: &Config, out_dir: &Path) -> Result<Summary, SynthError> {
    let st = Setup::new(cfg)?;
    std::fs::create_dir_all(out_dir)?;
    let pop_file = File::create(out_dir.join("penduduk.csv"))?;
    let enr_file = File::create(out_dir.join("rekam_ktpel.csv"))?;

    // A writer thread, so that writing overlaps with generating.
    let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<u8>, Vec<u8>)>(BATCH);
    let writer = std::thread::spawn(move || -> io::Result<()> {
        let mut pw = BufWriter::with_capacity(8 << 20, pop_file);
        let mut ew = BufWriter::with_capacity(4 << 20, enr_file);
        pw.write_all(b"\xEF\xBB\xBF")?;
        pw.write_all(POPULATION_HEADER.as_bytes())?;
        pw.write_all(b"\r\n")?;
        ew.write_all(ENROLLMENT_HEADER.as_bytes())?;
        ew.write_all(b"\r\n")?;
        for (p, e) in rx {
            pw.write_all(&p)?;
            ew.write_all(&e)?;
        }
        pw.flush()?;
        ew.flush()?;
        Ok(())
    });

    let n_chunks = cfg.residents.div_ceil(CHUNK);
    let chunk_len = |c: usize| CHUNK.min(cfg.residents - c * CHUNK);
    let mut serials = SerialMap::default();
    let mut counts = vec![[0u64; 8]; st.desas.len()];
    let mut tally = Tally::default();
    let mut failed: Option<SynthError> = None;
    'batches: for b0 in (0..n_chunks).step_by(BATCH) {
        let ids = b0..(b0 + BATCH).min(n_chunks);
        let mut people: Vec<_> = ids
            .clone()
            .into_par_iter()
            .map(|c| gen::gen_chunk(&st, c, chunk_len(c)))
            .collect();
        for (ps, os) in people.iter_mut() {
            if let Err(e) = gen::assign_serials(&mut serials, ps, os) {
                failed = Some(e);
                break 'batches;
            }
        }
        let outs: Vec<ChunkOut> = ids
            .into_par_iter()
            .zip(people.par_iter())
            .map(|(c, (ps, os))| gen::render_chunk(&st, c, ps, os))
            .collect();
        for o in outs {
            for (acc, c) in counts.iter_mut().zip(&o.counts) {
                for k in 0..8 {
                    acc[k] += c[k] as u64;
                }
            }
            tally.add(&o.tally);
            if tx.send((o.pop, o.enr)).is_err() {
                break 'batches; // the writer failed; its error is reported below
            }
        }
    }
    drop(tx);
    let written = writer
        .join()
        .map_err(|_| io::Error::other("writer thread panicked"))?;
    if let Some(e) = failed {
        return Err(e);
    }
    written?;

    let mut sum = Summary {
        population_rows: tally.population_rows,
        duplicate_rows: tally.duplicate_rows,
        reject_nik_scientific: tally.rejects[gen::D_SCI as usize],
        reject_nik_format: tally.rejects[gen::D_LEN15 as usize]
            + tally.rejects[gen::D_LEN17 as usize],
        reject_birth_date_invalid: tally.rejects[gen::D_BIRTH as usize],
        reject_birth_date_future: tally.rejects[gen::D_FUTURE as usize],
        reject_area_format: tally.rejects[gen::D_AREA as usize],
        reject_duplicate_nik: tally.rejects[0],
        residents: tally.residents,
        not_resident: tally.not_resident,
        enrollment_rows: tally.enrollment_rows,
        enrollment_orphan: tally.orphan,
        enrollment_of_rejected_row: tally.of_rejected,
        enrollment_after_as_of: tally.after_as_of,
        enrollment_failed_status: tally.failed,
        nik_date_mismatch: tally.nik_date_mismatch,
        nik_prefix_elsewhere: tally.movers,
        ..Summary::default()
    };
    for c in &counts {
        sum.required += c[1];
        sum.required_recorded += c[2];
        sum.eligible += c[3];
        sum.eligible_recorded += c[4];
        sum.first_time += c[6];
        sum.first_time_unrecorded += c[7];
    }
    write_expected(&st, &counts, out_dir)?;
    let mut f = BufWriter::new(File::create(out_dir.join("expected_summary.csv"))?);
    writeln!(f, "what,count")?;
    for (k, v) in sum.rows() {
        writeln!(f, "{k},{v}")?;
    }
    f.flush()?;
    Ok(sum)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write_expected(st: &Setup, counts: &[[u64; 8]], out_dir: &Path) -> io::Result<()> {
    use data_schema::area::{AreaKey, Level};
    let regions = data_schema::regions::Regions::get();
    let mut levels: [BTreeMap<u64, [u64; 8]>; 4] = Default::default();
    for (d, c) in st.desas.iter().zip(counts) {
        if c[0] == 0 {
            continue;
        }
        for (i, div) in [100_000_000u64, 1_000_000, 10_000, 1]
            .into_iter()
            .enumerate()
        {
            let acc = levels[i].entry(d.code / div).or_insert([0; 8]);
            for k in 0..8 {
                acc[k] += c[k];
            }
        }
    }
    for (level, rows) in Level::ALL.into_iter().zip(&levels) {
        let mut f = BufWriter::new(File::create(
            out_dir.join(format!("expected_{}.csv", level.name())),
        )?);
        writeln!(f, "{EXPECTED_HEADER}")?;
        for (&code, c) in rows {
            let key = AreaKey { level, code };
            write!(f, "{},{}", key, csv_field(regions.name(key).unwrap_or("")))?;
            for v in c {
                write!(f, ",{v}")?;
            }
            writeln!(f)?;
        }
        f.flush()?;
    }
    Ok(())
}
