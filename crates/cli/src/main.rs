//! The `stepwise` command: `serve` runs the Image Builder endpoint; `seed` fills a store
//! with demo executions; `simulate` runs a workflow document offline; `validate` checks a
//! workflow or component document offline; `clock` shows or moves a server's clock; `imagebuilder` calls the service as
//! `aws imagebuilder` does.
#![forbid(unsafe_code)]

mod clock;
mod offline;
mod seed;
mod serve;
mod simulate;
mod validate;
mod watch;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

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
    /// Check a workflow or component document offline, as the service would.
    #[command(long_about = validate::LONG_ABOUT)]
    Validate(validate::ValidateArgs),
    /// Show or move the service's clock (it only moves forward).
    #[command(long_about = clock::LONG_ABOUT)]
    Clock(clock::ClockArgs),
    /// Follow an image build live until it ends (exit 0 when AVAILABLE).
    #[command(long_about = watch::LONG_ABOUT)]
    Watch(watch::WatchArgs),
}

fn main() -> ExitCode {
    // `imagebuilder` is built at run time from the service model, beside the derived commands.
    let matches = Cli::command()
        .subcommand(stepwise_awscli::command())
        .get_matches();
    if let Some(("imagebuilder", m)) = matches.subcommand() {
        return stepwise_awscli::run(m);
    }
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Seed(args) => seed::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Clock(args) => clock::run(args),
        Command::Watch(args) => watch::run(args),
    }
}
