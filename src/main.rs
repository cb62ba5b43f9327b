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

fn main() {
    tune_allocator();
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
