//! The `witness` command line: one binary, one file per subcommand, each with
//! its own options struct and `run`.
//!
//! Exit codes: 0 when everything passed, 1 when something failed (a finding),
//! 2 on bad input or a broken set-up (the message says which file or tool,
//! and the fix).

mod abi;
mod bench;
mod options;
mod rediscover;
mod report;
mod repro;
mod resources;
mod run;
mod shrink;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "witness",
    version,
    about = "Test harness and fuzzer for the WebAssembly Component Model's plugin boundary"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Round-trip random (or given) worlds and values through guests.
    Run(run::RunArgs),
    /// Replay one finding from corpus/findings/<id>.
    Repro(repro::ReproArgs),
    /// Fuzz resource lifetimes (drop order, borrows, leaks) in guests.
    Resources(resources::ResourcesArgs),
    /// Check wasmtime's canonical ABI byte for byte against the reference,
    /// with raw guests: layouts, invalid encodings, transcoding chains.
    Abi(abi::AbiArgs),
    /// Reduce a finding to its smallest reproducer (world and values).
    Shrink(shrink::ShrinkArgs),
    /// Run the benchmarks (`cargo bench -p witness-benches`), then `report`.
    Bench(bench::BenchArgs),
    /// Write reports/perf.md and its plots from the benchmarks' results.
    Report(report::ReportArgs),
    /// Run one seeded campaign on two runtime versions and stop at the
    /// first finding the affected one has and the fixed one does not.
    Rediscover(rediscover::RediscoverArgs),
}

/// Exit status for bad input or set-up.
pub const EXIT_BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Repro(args) => repro::run(args),
        Command::Resources(args) => resources::run(args),
        Command::Abi(args) => abi::run(args),
        Command::Shrink(args) => shrink::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Report(args) => report::run(args),
        Command::Rediscover(args) => rediscover::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("witness: error: {e:#}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}
