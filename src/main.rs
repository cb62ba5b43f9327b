//! `cakupan`: KTP-el recording coverage for Dukcapil and KPU.
//!
//! A thin binary: argument parsing (clap derive) and printing. The work is done
//! by the `pipeline`, `reports` and `synth` crates.

mod cmd;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cakupan", version, about = "KTP-el recording coverage: SIAK + KTP-el exports in, per-area coverage tables, charts and worklists out")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the coverage job on population and enrollment exports.
    Run(cmd::run::RunArgs),
    /// Run the same job on the embedded sample (Kab. Mimika, as of 2024-08-26, Pilkada 2024-11-27).
    Demo(cmd::demo::DemoArgs),
    /// Write a synthetic population + enrollment pair with realistic mess and its expected counts.
    Generate(cmd::generate::GenerateArgs),
    /// Re-render charts, maps, report.html and cakupan.xlsx from an existing output directory.
    Report(cmd::report::ReportArgs),
}

/// Rust allocations go to mimalloc: on 10 M generated rows (Parquet, 2
/// threads, runs alternated with the glibc build) it took 8–15% less wall
/// time for ~0.3 GB more peak RSS (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// C code (the zstd decoder inside the Parquet reader) still allocates with
/// glibc's malloc; its mmap threshold stays fixed at 256 KB, so glibc does not
/// raise it after large frees and keep the freed memory in its heaps.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only changes allocator parameters; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

/// No transparent huge pages for this process. mimalloc asks for them
/// (`MADV_HUGEPAGE` on its arenas), and with Linux's usual `defrag=madvise`
/// setting every first touch of a 2 MB page then waits for the kernel to
/// compact memory and zero the page, which is slow when the page cache is
/// full of the input files. On the benchmark machine a 10 M Parquet run spent
/// 3.2–3.6 s of system time with huge pages and 0.9–1.1 s without, and took
/// 6.5–7.2 s against 5.9–6.1 s (runs alternated; BENCHMARKS.md). Setting
/// `MIMALLOC_ALLOW_THP` (any value) leaves the choice to mimalloc.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn no_huge_pages() {
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: prctl with PR_SET_THP_DISABLE only sets a flag of this process.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        }
    }
}
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn no_huge_pages() {}

/// mimalloc's own options, by their number in its `mi_option_t` (v3).
mod mi_option {
    use std::os::raw::{c_int, c_long};
    extern "C" {
        pub fn mi_option_get(option: c_int) -> c_long;
        pub fn mi_option_set(option: c_int, value: c_long);
    }
    pub const PURGE_DELAY: c_int = 15;
    /// The purge delay mimalloc v3 starts with (ms): how option 15 is recognised.
    pub const PURGE_DELAY_DEFAULT: c_long = 1000;
}

/// Keep memory mimalloc frees for reuse instead of returning it to the OS a
/// second later: the batches of a Parquet file and the partitions of a run
/// free and allocate the same sizes over and over, and memory handed back
/// must be faulted in and zeroed by the kernel again (on the benchmark
/// machine a 10 M Parquet run spent 2.3–4.7 s in the kernel with the
/// default, 1.5–1.7 s without purging; peak RSS 1.09 → 1.35 GB). Only when
/// the option still has mimalloc v3's default (so it is the purge delay and
/// `MIMALLOC_PURGE_DELAY` was not set by the user).
fn keep_freed_memory() {
    // SAFETY: reading and setting an allocator option, before any thread starts.
    unsafe {
        if mi_option::mi_option_get(mi_option::PURGE_DELAY) == mi_option::PURGE_DELAY_DEFAULT
            && std::env::var_os("MIMALLOC_PURGE_DELAY").is_none()
        {
            mi_option::mi_option_set(mi_option::PURGE_DELAY, -1);
        }
    }
}

fn main() {
    tune_allocator();
    keep_freed_memory();
    no_huge_pages();
    let cli = Cli::parse();
    let r = match cli.command {
        Command::Run(a) => cmd::run::run(a),
        Command::Demo(a) => cmd::demo::run(a),
        Command::Generate(a) => cmd::generate::run(a),
        Command::Report(a) => cmd::report::run(a),
    };
    if let Err(e) = r {
        eprintln!("cakupan: error: {e:#}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails if a newer mimalloc moves or changes the purge-delay option, so
    /// that `keep_freed_memory` would silently do nothing.
    #[test]
    fn freed_memory_is_kept() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        keep_freed_memory();
        // SAFETY: reading an allocator option.
        assert_eq!(unsafe { mi_option::mi_option_get(mi_option::PURGE_DELAY) }, -1);
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn huge_pages_are_off() {
        if std::env::var_os("MIMALLOC_ALLOW_THP").is_some() {
            return;
        }
        no_huge_pages();
        // SAFETY: reading this process's THP flag.
        assert_eq!(unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) }, 1);
    }
}
