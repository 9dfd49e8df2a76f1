//! The `stepwise` command: `serve` runs the Image Builder endpoint; `seed` fills a store
//! with demo executions; `simulate` runs a workflow document offline.
#![forbid(unsafe_code)]

mod seed;
mod serve;
mod simulate;

use clap::{Parser, Subcommand};

/// Small, short-lived allocations dominate request handling; mimalloc serves them with far
/// less contention and fragmentation than the system allocator (measured with scripts/bench).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "stepwise",
    version,
    about = "EC2 Image Builder's workflow service on your own machine",
    long_about = "Stepwise serves the EC2 Image Builder API on a local endpoint. Point boto3, the AWS CLI \
                  or aws-sdk-rust at it (endpoint URL, any credentials, any region): workflows and images \
                  are created, workflows execute step by step on simulated EC2 actions, and every list \
                  operation pages exactly as AWS does."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the Image Builder endpoint (embedded SQLite store).
    Serve(serve::ServeArgs),
    /// Fill a store with finished demo image builds (stop the server first).
    #[command(long_about = seed::LONG_ABOUT)]
    Seed(seed::SeedArgs),
    /// Run a workflow document offline and print its execution as the service records it.
    #[command(long_about = simulate::LONG_ABOUT)]
    Simulate(simulate::SimulateArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Seed(args) => seed::run(args),
        Command::Simulate(args) => simulate::run(args),
    }
}
