//! The validated rows of a partitioned run, written to disk once.
//!
//! When a run is split into NIK partitions (to bound memory), every input is
//! read and validated a single time; each row's compact result (a population
//! [`Seen`], 38 bytes; an enrollment [`Record`], 25 bytes) is appended to the
//! file of its partition. When every input of a side finds its rows again by
//! row index (Parquet, spreadsheets), a row's offset follows from its line and
//! is not written (32 and 19 bytes). Each partition then reads back only its own rows,
//! instead of decoding every input again. The files live in a hidden
//! directory inside the run's staging directory (so they go wherever the
//! outputs go, and a failed run removes them with everything else); each is
//! deleted as soon as its partition has read it.

use crate::enrollment::{status_code, status_of_code, Record};
use crate::population::{file_of, line_of, Candidate, Kept, Seen};
use rayon::prelude::*;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

const SEEN_BYTES: usize = 38;
const RECORD_BYTES: usize = 25;
/// The offset is the last 6 bytes of both encodings.
const OFFSET_BYTES: usize = 6;
/// Rows read and decoded at a time when a partition's file is read back.
const READ_ROWS: usize = 1 << 16;

/// One spill file per partition and side.
pub struct Spill {
    dir: PathBuf,
    /// Bytes written per population row and per enrollment row.
    pop_width: usize,
    enr_width: usize,
    pop: Vec<BufWriter<File>>,
    enr: Vec<BufWriter<File>>,
    /// Files being deleted in the background (see [`read_back`]).
    removing: std::sync::Mutex<Vec<std::thread::JoinHandle<std::io::Result<()>>>>,
}

fn io_err(what: &Path, e: std::io::Error) -> crate::PipelineError {
    crate::PipelineError::output(what.display(), format!("temporary partition file: {e}"))
}

/// Free bytes for this user on the file system holding `dir` (`None` where
/// it cannot be told).
fn free_bytes(dir: &Path) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
        // SAFETY: statvfs fills the struct it is given from a NUL-terminated path.
        let mut v: libc::statvfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::statvfs(c.as_ptr(), &mut v) } != 0 {
            return None;
        }
        Some((v.f_bavail as u64).saturating_mul(v.f_frsize as u64))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        None
    }
}

/// Whether `need` bytes of partition files for `file`'s rows fit in `free`:
/// refused only when clearly not (under 90% of the estimate), so that an
/// estimate a little high never stops a run that would have fit.
fn room(dir: &Path, file: &str, need: u64, free: Option<u64>) -> Result<(), crate::PipelineError> {
    let size = |b: u64| if b >= 1_000_000_000 { format!("{:.1} GB", b as f64 / 1e9) } else { format!("{:.1} MB", b as f64 / 1e6) };
    match free {
        Some(free) if free < need / 10 * 9 => Err(crate::PipelineError::output(
            dir.display(),
            format!(
                "the rows of {file} need about {} of temporary partition files there and {} are free; \
                 free some space, give --out on a disk with more room, or raise --memory-budget (fewer partitions)",
                size(need),
                size(free)
            ),
        )),
        _ => Ok(()),
    }
}

impl Spill {
    /// Refuse early, with a message that says what to do, when the disk
    /// holding the partition files has clearly too little room for the
    /// `rows` rows of one more input (`population` or enrollment side; the
    /// ones of partition 0 stay in memory), instead of failing when it fills
    /// an hour later.
    pub fn check_room(&self, file: &str, population: bool, rows: u64) -> Result<(), crate::PipelineError> {
        let count = self.pop.len().max(1) as u64;
        let width = if population { self.pop_width } else { self.enr_width } as u64;
        let need = (rows / count).saturating_mul(count - 1).saturating_mul(width);
        room(&self.dir, file, need, free_bytes(&self.dir))
    }

    /// Create `dir` (which must not exist) with `count` empty files per side.
    /// `pop_rows`, `enr_rows`: every row of that side has the offset
    /// [`derived_offset`] gives (see [`crate::ingest::offset_is_row_index`]),
    /// which is then not written.
    pub fn create(dir: &Path, count: u32, pop_rows: bool, enr_rows: bool) -> Result<Spill, crate::PipelineError> {
        std::fs::create_dir(dir).map_err(|e| io_err(dir, e))?;
        let open = |side: &str, k: u32| -> Result<BufWriter<File>, crate::PipelineError> {
            let p = dir.join(format!("{side}-{k}.bin"));
            Ok(BufWriter::with_capacity(1 << 20, File::create(&p).map_err(|e| io_err(&p, e))?))
        };
        let pop = (0..count).map(|k| open("population", k)).collect::<Result<_, _>>()?;
        let enr = (0..count).map(|k| open("enrollment", k)).collect::<Result<_, _>>()?;
        let width = |full: usize, rows: bool| if rows { full - OFFSET_BYTES } else { full };
        Ok(Spill {
            dir: dir.to_path_buf(),
            pop_width: width(SEEN_BYTES, pop_rows),
            enr_width: width(RECORD_BYTES, enr_rows),
            pop,
            enr,
            removing: Default::default(),
        })
    }

    pub fn push_seen(&mut self, part: u32, s: &Seen) -> Result<(), crate::PipelineError> {
        let b = encode_seen(s);
        if self.pop_width < SEEN_BYTES {
            let derived = if s.valid() { derived_offset(s.seq) } else { 0 };
            assert_eq!(s.offset, derived, "a row's offset is its line minus 2");
        }
        self.pop[part as usize].write_all(&b[..self.pop_width]).map_err(|e| io_err(&self.dir, e))
    }

    pub fn push_record(&mut self, part: u32, r: &Record) -> Result<(), crate::PipelineError> {
        let b = encode_record(r);
        if self.enr_width < RECORD_BYTES {
            assert_eq!(r.offset(), derived_offset(r.seq()), "a record's offset is its line minus 2");
        }
        self.enr[part as usize].write_all(&b[..self.enr_width]).map_err(|e| io_err(&self.dir, e))
    }

    /// Flush and close every file: call once, after the last row is pushed.
    /// Closed, a file's pages leave the page cache as soon as it is read back
    /// and deleted, instead of when the run ends (~10 GB nationally).
    pub fn finish(&mut self) -> Result<(), crate::PipelineError> {
        for w in self.pop.iter_mut().chain(self.enr.iter_mut()) {
            w.flush().map_err(|e| io_err(&self.dir, e))?;
        }
        self.pop.clear();
        self.enr.clear();
        Ok(())
    }

    /// Partition `part`'s population rows, in the order they were pushed; the
    /// file is deleted once read.
    pub fn take_seen(&self, part: u32) -> Result<Vec<Seen>, crate::PipelineError> {
        self.read_back(&self.dir.join(format!("population-{part}.bin")), self.pop_width, decode_seen)
    }

    /// Partition `part`'s enrollment records, in the order they were pushed;
    /// the file is deleted once read.
    pub fn take_records(&self, part: u32) -> Result<Vec<Record>, crate::PipelineError> {
        self.read_back(&self.dir.join(format!("enrollment-{part}.bin")), self.enr_width, decode_record)
    }

    /// Ask the kernel to read partition `part`'s files into the page cache
    /// now, in the background, so that [`Spill::take_seen`] and
    /// [`Spill::take_records`] find them there when that partition's turn
    /// comes (the files are read while the previous partition computes).
    /// Only a hint: nothing fails if it cannot be given.
    pub fn prefetch(&self, part: u32) {
        let paths = [
            self.dir.join(format!("population-{part}.bin")),
            self.dir.join(format!("enrollment-{part}.bin")),
        ];
        std::thread::spawn(move || {
            for p in paths {
                let Ok(f) = File::open(&p) else { continue };
                // SAFETY: the mapping is only advised, never read, and dropped at once.
                if let Ok(m) = unsafe { memmap2::Mmap::map(&f) } {
                    #[cfg(unix)]
                    let _ = m.advise(memmap2::Advice::WillNeed);
                    drop(m);
                }
            }
        });
    }

    /// Remove the directory (and whatever is left in it), once the files
    /// being deleted are gone.
    pub fn remove(self) -> Result<(), crate::PipelineError> {
        self.wait_removed()?;
        let dir = self.dir.clone();
        drop(self);
        std::fs::remove_dir_all(&dir).map_err(|e| io_err(&dir, e))
    }

    /// Wait until the files read back so far are deleted.
    fn wait_removed(&self) -> Result<(), crate::PipelineError> {
        let removing = std::mem::take(&mut *self.removing.lock().unwrap_or_else(|e| e.into_inner()));
        for h in removing {
            let r = h.join().map_err(|_| std::io::Error::other("deleting a partition file panicked"));
            r.and_then(|r| r).map_err(|e| io_err(&self.dir, e))?;
        }
        Ok(())
    }

    /// Read a file back and delete it. Deleting drops its pages from the page
    /// cache, which takes the kernel a while for a large file (about 0.4 s
    /// for a national partition's 2 GB): done on a thread of its own, while
    /// the partition is processed.
    fn read_back<T: Send>(&self, path: &Path, width: usize, decode: fn(&[u8]) -> T) -> Result<Vec<T>, crate::PipelineError> {
        let out = read_file(path, width, decode)?;
        let p = path.to_path_buf();
        let mut removing = self.removing.lock().unwrap_or_else(|e| e.into_inner());
        match std::thread::Builder::new().name("cakupan-spill-rm".into()).spawn(move || std::fs::remove_file(p)) {
            Ok(h) => removing.push(h),
            Err(_) => std::fs::remove_file(path).map_err(|e| io_err(path, e))?,
        }
        Ok(out)
    }
}

fn read_file<T: Send>(path: &Path, width: usize, decode: fn(&[u8]) -> T) -> Result<Vec<T>, crate::PipelineError> {
    use std::io::{Seek, SeekFrom};
    let len = std::fs::metadata(path).map_err(|e| io_err(path, e))?.len() as usize;
    if !len.is_multiple_of(width) {
        return Err(io_err(path, std::io::Error::other("a spill file has a partial row")));
    }
    let rows = len / width;
    let mut out: Vec<T> = Vec::with_capacity(rows);
    // Blocks of rows are read and decoded in parallel, each straight into
    // its place in `out` (one thread reading a national partition's 2 GB
    // while the other waited took ~2 s of the partition's time).
    out.spare_capacity_mut()[..rows].par_chunks_mut(READ_ROWS).enumerate().try_for_each_init(
        || vec![0u8; READ_ROWS * width],
        |buf, (k, slots)| -> std::io::Result<()> {
            let mut f = File::open(path)?;
            f.seek(SeekFrom::Start((k * READ_ROWS * width) as u64))?;
            let bytes = &mut buf[..slots.len() * width];
            f.read_exact(bytes)?;
            for (slot, b) in slots.iter_mut().zip(bytes.chunks_exact(width)) {
                slot.write(decode(b));
            }
            Ok(())
        },
    ).map_err(|e| io_err(path, e))?;
    // SAFETY: the blocks cover the first `rows` slots and every block wrote
    // all of its slots (an error returned above, before this).
    unsafe { out.set_len(rows) };
    Ok(out)
}

/// Little-endian `v` into `b[at..at + n]`; `v` must fit in `n` bytes.
fn put(b: &mut [u8], at: usize, v: u64, n: usize) {
    assert!(n == 8 || v >> (8 * n) == 0, "a value too large for its spill field");
    b[at..at + n].copy_from_slice(&v.to_le_bytes()[..n]);
}

fn get(b: &[u8], at: usize, n: usize) -> u64 {
    let mut x = [0u8; 8];
    x[..n].copy_from_slice(&b[at..at + n]);
    u64::from_le_bytes(x)
}

/// The offset of a row found again by its index: its line minus 2.
fn derived_offset(seq: u64) -> u64 {
    line_of(seq) - 2
}

// A population row, 38 bytes: what it turned into (0 valid, 1 rejected
// with a readable NIK, 2 unreadable NIK) and its flags, NIK (7 bytes: 16
// digits), seq (7: file and line), content hash, area code (5: 10 digits),
// birth date and offset (6; left out, 32 bytes, where it is derived). The
// file is the seq's top bits.
fn encode_seen(s: &Seen) -> [u8; SEEN_BYTES] {
    let mut b = [0u8; SEEN_BYTES];
    let tag = if s.valid() { 0 } else if s.nik().is_some() { 1 } else { 2 };
    b[0] = tag | s.flags() << 2;
    put(&mut b, 1, if tag == 2 { 0 } else { s.nik }, 7);
    put(&mut b, 8, s.seq, 7);
    put(&mut b, 15, s.hash, 8);
    put(&mut b, 23, s.area(), 5);
    b[28..32].copy_from_slice(&if tag == 0 { s.birth() } else { 0 }.to_le_bytes());
    put(&mut b, 32, s.offset, OFFSET_BYTES);
    b
}

fn decode_seen(b: &[u8]) -> Seen {
    let tag = b[0] & 3;
    let seq = get(b, 8, 7);
    let hash = get(b, 15, 8);
    let kept = match tag {
        0 => Kept::Valid(Candidate {
            nik: get(b, 1, 7),
            area: get(b, 23, 5),
            birth: i32::from_le_bytes(b[28..32].try_into().expect("4 bytes")),
            flags: b[0] >> 2,
            file: file_of(seq),
            offset: match b.len() {
                SEEN_BYTES => get(b, 32, OFFSET_BYTES),
                _ => derived_offset(seq),
            },
        }),
        1 => Kept::Rejected { nik: Some(get(b, 1, 7)) },
        _ => Kept::Rejected { nik: None },
    };
    Seen::new(seq, hash, kept)
}

// A recording, 25 bytes: NIK (7), date, status, seq (7: file and line) and
// offset (6; left out, 19 bytes, where it is derived). The file and line are
// the seq's bits.
fn encode_record(r: &Record) -> [u8; RECORD_BYTES] {
    let mut b = [0u8; RECORD_BYTES];
    put(&mut b, 0, r.nik, 7);
    b[7..11].copy_from_slice(&r.date().to_le_bytes());
    b[11] = status_code(r.status());
    put(&mut b, 12, r.seq(), 7);
    put(&mut b, 19, r.offset(), 6);
    b
}

fn decode_record(b: &[u8]) -> Record {
    let seq = get(b, 12, 7);
    Record::new(
        get(b, 0, 7),
        seq,
        if b.len() == RECORD_BYTES { get(b, 19, OFFSET_BYTES) } else { derived_offset(seq) },
        i32::from_le_bytes(b[7..11].try_into().expect("4 bytes")),
        status_of_code(b[11]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::population::LINE_BITS;
    use data_schema::values::EnrollmentStatus;

    fn seen(k: u64) -> Seen {
        let kept = match k % 3 {
            0 => Kept::Valid(Candidate {
                // the largest NIK and area code there can be, now and then
                nik: if k.is_multiple_of(7) { 9_999_999_999_999_999 } else { 9_471_010_101_900_001 + k },
                area: if k.is_multiple_of(4) { 9_999_999_999 } else { 9_404_010_001 + k },
                birth: -3_000 + k as i32,
                flags: (k % 32) as u8,
                file: (k % 5) as u16,
                offset: k * 1_000_003,
            }),
            1 => Kept::Rejected { nik: Some(3_171_010_101_900_001 + k) },
            _ => Kept::Rejected { nik: None },
        };
        Seen::new((k % 5) << 40 | (k + 2), k.wrapping_mul(0x9E37_79B9_7F4A_7C15), kept)
    }

    fn record(k: u64) -> Record {
        let status =
            [EnrollmentStatus::Counting, EnrollmentStatus::Failed, EnrollmentStatus::Unknown][(k % 3) as usize];
        Record::new(
            1_101_010_101_900_001 + k,
            (k % 7) << LINE_BITS | (k + 2),
            // up to the largest offset a recording holds (2^41 - 1)
            if k.is_multiple_of(11) { Record::OFFSET_LIMIT - 1 - k } else { k * 77 },
            19_000 + k as i32,
            status,
        )
    }

    /// Push `n` rows (and every other one's record) over 3 partitions, read
    /// each partition back and compare.
    fn round_trip(pop_rows: bool, enr_rows: bool, seen: impl Fn(u64) -> Seen, record: impl Fn(u64) -> Record) {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join(".spill");
        let mut s = Spill::create(&dir, 3, pop_rows, enr_rows).unwrap();
        // Several read-back blocks per partition (and a partial last one),
        // so blocks are put together correctly.
        let n = 3 * 3 * READ_ROWS as u64 + 1_234;
        for k in 0..n {
            s.push_seen((k % 3) as u32, &seen(k)).unwrap();
            if k % 2 == 0 {
                s.push_record((k % 3) as u32, &record(k)).unwrap();
            }
        }
        s.finish().unwrap();
        let size = |side: &str| std::fs::metadata(dir.join(format!("{side}-1.bin"))).unwrap().len();
        let rows_in_1 = (0..n).filter(|k| k % 3 == 1).count() as u64;
        let records_in_1 = (0..n).filter(|k| k % 3 == 1 && k % 2 == 0).count() as u64;
        assert_eq!(size("population"), rows_in_1 * if pop_rows { 32 } else { 38 });
        assert_eq!(size("enrollment"), records_in_1 * if enr_rows { 19 } else { 25 });
        for part in 0..3u64 {
            let got = s.take_seen(part as u32).unwrap();
            let want: Vec<Seen> = (0..n).filter(|k| k % 3 == part).map(&seen).collect();
            assert_eq!(format!("{got:?}"), format!("{want:?}"));
            let got = s.take_records(part as u32).unwrap();
            let want: Vec<Record> = (0..n).filter(|k| k % 3 == part && k % 2 == 0).map(&record).collect();
            assert_eq!(format!("{got:?}"), format!("{want:?}"));
        }
        s.wait_removed().unwrap();
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "every file is deleted once read");
        s.remove().unwrap();
        assert!(!dir.exists());
    }

    #[test]
    fn rows_come_back_per_partition_in_order_and_files_are_removed() {
        round_trip(false, false, seen, record);
    }

    /// Parquet and spreadsheet rows: the offset (line minus 2; 0 for a
    /// rejected row) is not written, and comes back all the same.
    #[test]
    fn offsets_of_rows_found_by_index_are_not_written() {
        let by_index = |k: u64| {
            let mut s = seen(k);
            if s.valid() {
                s.offset = line_of(s.seq) - 2;
            }
            s
        };
        let record_by_index = |k: u64| {
            let r = record(k);
            Record::new(r.nik, r.seq(), line_of(r.seq()) - 2, r.date(), r.status())
        };
        round_trip(true, true, by_index, record_by_index);
        round_trip(true, false, by_index, record);
        round_trip(false, true, seen, record_by_index);
    }

    /// A run whose partition files clearly cannot fit is refused with the
    /// sizes and what to do; one that may fit goes on.
    #[test]
    fn too_little_disk_for_the_partition_files_is_refused_early() {
        let dir = Path::new("/data/out/.partitions");
        let e = room(dir, "penduduk.parquet", 9_100_000_000, Some(4_400_000_000)).unwrap_err().to_string();
        assert!(e.contains("penduduk.parquet") && e.contains("9.1 GB") && e.contains("4.4 GB"), "{e}");
        assert!(e.contains("--memory-budget") && e.contains("--out"), "{e}");
        let e = room(dir, "rekam.csv", 24_300_000, Some(10_000_000)).unwrap_err().to_string();
        assert!(e.contains("24.3 MB") && e.contains("10.0 MB"), "{e}");
        assert!(room(dir, "x", 9_100_000_000, Some(8_500_000_000)).is_ok(), "within the estimate's margin");
        assert!(room(dir, "x", 9_100_000_000, None).is_ok(), "free space unknown");
        // On this machine's real disk: no disk holds 2^50 rows' files; one more row fits.
        let t = tempfile::tempdir().unwrap();
        let s = Spill::create(&t.path().join(".spill"), 7, false, false).unwrap();
        if free_bytes(t.path()).is_some() {
            assert!(s.check_room("huge.csv", true, 1 << 50).is_err());
            assert!(s.check_room("huge.csv", false, 1 << 50).is_err());
        }
        assert!(s.check_room("small.csv", true, 1_000).is_ok());
    }

    #[test]
    #[should_panic(expected = "offset is its line minus 2")]
    fn an_offset_that_cannot_be_derived_is_not_dropped() {
        let t = tempfile::tempdir().unwrap();
        let mut s = Spill::create(&t.path().join(".spill"), 2, true, true).unwrap();
        let mut r = seen(3);
        r.offset = 77;
        let _ = s.push_seen(1, &r);
    }
}
