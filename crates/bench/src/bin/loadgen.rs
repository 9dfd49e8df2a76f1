//! `stepwise-loadgen`: drives `POST /ListWorkflowStepExecutions` over random workflow
//! executions from a fixed number of HTTP/1.1 keep-alive connections (closed loop: each
//! connection sends its next request when the previous response has been read in full),
//! and prints requests/s and the latency distribution of the measured window.
//!
//! Only loopback targets are accepted: this is a benchmark of a server on this machine.
#![forbid(unsafe_code)]

use bytes::Bytes;
use clap::{Parser, Subcommand};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use rand::{Rng, SeedableRng};
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

const ROUTE: &str = "/ListWorkflowStepExecutions";

#[derive(Parser)]
#[command(
    name = "stepwise-loadgen",
    version,
    about = "Load generator of scripts/bench"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Drive ListWorkflowStepExecutions against one server and print the figures.
    Run(RunArgs),
    /// Print a TCP port that is free on 127.0.0.1 right now.
    FreePort,
}

#[derive(clap::Args)]
struct RunArgs {
    /// The server, e.g. http://127.0.0.1:4599 (loopback addresses only).
    #[arg(long)]
    url: String,

    /// Workflow execution ids, one per line (`stepwise seed --ids-out`).
    #[arg(long)]
    ids: PathBuf,

    /// Name of the target in the printed figures.
    #[arg(long, default_value = "target")]
    label: String,

    /// Concurrent keep-alive connections (one request in flight on each).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1024))]
    connections: u32,

    /// Seconds of load before measuring starts.
    #[arg(long, default_value_t = 3.0)]
    warmup_secs: f64,

    /// Seconds of measured load.
    #[arg(long, default_value_t = 15.0)]
    duration_secs: f64,

    /// `maxResults` of each request.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=25))]
    max_results: u32,

    /// Worker threads of the load generator [default: the number of CPUs].
    #[arg(long)]
    threads: Option<usize>,

    /// Seed of the random choice of executions (the same seed asks for the same sequence).
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::FreePort => {
            match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
                Ok(addr) => {
                    println!("{}", addr.port());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: cannot find a free port: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Run(args) => match run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

/// `http://host:port[/]` on a loopback address.
fn loopback_target(url: &str) -> Result<(SocketAddr, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: only http:// URLs are supported"))?;
    let authority = rest.trim_end_matches('/');
    if authority.contains('/') {
        return Err(format!("{url}: give the server's base URL, without a path"));
    }
    let addr = authority
        .to_socket_addrs()
        .map_err(|e| format!("{url}: {e}"))?
        .next()
        .ok_or_else(|| format!("{url}: no address"))?;
    let loopback = match addr.ip() {
        IpAddr::V4(ip) => ip.is_loopback(),
        IpAddr::V6(ip) => ip.is_loopback(),
    };
    if !loopback {
        return Err(format!(
            "{url}: only loopback targets (127.0.0.0/8, ::1) are allowed"
        ));
    }
    Ok((addr, authority.to_string()))
}

struct Plan {
    addr: SocketAddr,
    host: String,
    ids: Vec<String>,
    max_results: u32,
    measure_from: Instant,
    stop_at: Instant,
}

/// What one connection saw in the measured window.
struct Tally {
    latencies: Histogram<u64>,
    ok: u64,
    errors: u64,
    bytes: u64,
    reconnects: u64,
    first_error: Option<String>,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            // 1 µs .. 60 s at 3 significant figures.
            latencies: Histogram::new_with_bounds(1, 60_000_000, 3).expect("static bounds"),
            ok: 0,
            errors: 0,
            bytes: 0,
            reconnects: 0,
            first_error: None,
        }
    }

    fn error(&mut self, measured: bool, what: String) {
        if measured {
            self.errors += 1;
        }
        self.first_error.get_or_insert(what);
    }
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> Result<Sender, String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

async fn drive(plan: Arc<Plan>, seed: u64) -> Tally {
    let mut tally = Tally::new();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut sender: Option<Sender> = None;
    while Instant::now() < plan.stop_at {
        let s = match sender.as_mut() {
            Some(s) => s,
            None => match connect(plan.addr).await {
                Ok(s) => {
                    tally.reconnects += 1;
                    sender.insert(s)
                }
                Err(e) => {
                    tally.error(Instant::now() >= plan.measure_from, e);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let id = &plan.ids[rng.gen_range(0..plan.ids.len())];
        let body = format!(
            r#"{{"workflowExecutionId": "{id}", "maxResults": {}}}"#,
            plan.max_results
        );
        let request = Request::builder()
            .method(Method::POST)
            .uri(ROUTE)
            .header(HOST, plan.host.as_str())
            .header(CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))
            .expect("static request parts");
        let started = Instant::now();
        let measured = started >= plan.measure_from;
        let outcome = async {
            s.ready().await.map_err(|e| format!("connection: {e}"))?;
            let response = s
                .send_request(request)
                .await
                .map_err(|e| format!("request: {e}"))?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("response body: {e}"))?
                .to_bytes();
            Ok::<_, String>((status, body.len()))
        }
        .await;
        let took = started.elapsed();
        let finished_in_window = Instant::now() <= plan.stop_at;
        match outcome {
            Ok((StatusCode::OK, len)) => {
                if measured && finished_in_window {
                    tally.ok += 1;
                    tally.bytes += len as u64;
                    tally
                        .latencies
                        .saturating_record(took.as_micros().max(1) as u64);
                }
            }
            Ok((status, _)) => tally.error(measured, format!("HTTP {status} for {id}")),
            Err(e) => {
                tally.error(measured, e);
                sender = None;
            }
        }
    }
    tally
}

fn read_ids(path: &PathBuf) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let ids: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if ids.is_empty() {
        return Err(format!("{} holds no workflow execution id", path.display()));
    }
    Ok(ids)
}

fn run(args: RunArgs) -> Result<(), String> {
    let (addr, host) = loopback_target(&args.url)?;
    let ids = read_ids(&args.ids)?;
    if !(args.warmup_secs >= 0.0 && args.duration_secs > 0.0 && args.duration_secs <= 600.0) {
        return Err("--warmup-secs must be >= 0 and --duration-secs in (0, 600]".into());
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let id_count = ids.len();
    let tallies = runtime.block_on(async {
        let start = Instant::now();
        let measure_from = start + Duration::from_secs_f64(args.warmup_secs);
        let plan = Arc::new(Plan {
            addr,
            host,
            ids,
            max_results: args.max_results,
            measure_from,
            stop_at: measure_from + Duration::from_secs_f64(args.duration_secs),
        });
        let tasks: Vec<_> = (0..args.connections)
            .map(|i| tokio::spawn(drive(plan.clone(), args.seed.wrapping_add(u64::from(i)))))
            .collect();
        let mut out = Vec::with_capacity(tasks.len());
        for t in tasks {
            out.push(
                t.await
                    .map_err(|e| format!("a connection task failed: {e}"))?,
            );
        }
        Ok::<_, String>(out)
    })?;
    let mut all = Tally::new();
    for t in tallies {
        all.latencies.add(&t.latencies).map_err(|e| e.to_string())?;
        all.ok += t.ok;
        all.errors += t.errors;
        all.bytes += t.bytes;
        all.reconnects += t.reconnects;
        if all.first_error.is_none() {
            all.first_error = t.first_error;
        }
    }
    let rps = all.ok as f64 / args.duration_secs;
    let ms = |us: u64| us as f64 / 1000.0;
    let h = &all.latencies;
    let mean_bytes = all.bytes.checked_div(all.ok).unwrap_or(0);
    println!(
        "{}: {} connections, {:.0}s measured after {:.0}s warm-up, {} executions to pick from, {} loadgen threads",
        args.label, args.connections, args.duration_secs, args.warmup_secs, id_count, threads
    );
    println!(
        "{}: {:.0} req/s  p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms  ok {}  errors {}  {} B/response",
        args.label,
        rps,
        ms(h.value_at_quantile(0.50)),
        ms(h.value_at_quantile(0.90)),
        ms(h.value_at_quantile(0.99)),
        ms(h.max()),
        all.ok,
        all.errors,
        mean_bytes
    );
    if let Some(e) = &all.first_error {
        println!("{}: first error: {e}", args.label);
    }
    // One machine-readable line for scripts/bench.
    println!(
        "RESULT label={} rps={:.1} p50_ms={:.3} p99_ms={:.3} ok={} errors={} bytes={} connections={}",
        args.label,
        rps,
        ms(h.value_at_quantile(0.50)),
        ms(h.value_at_quantile(0.99)),
        all.ok,
        all.errors,
        mean_bytes,
        args.connections
    );
    if all.ok == 0 {
        return Err(format!("{}: no successful response", args.label));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets() {
        assert!(loopback_target("http://127.0.0.1:4599").is_ok());
        assert!(loopback_target("http://127.0.0.2:4599/").is_ok());
        assert!(loopback_target("http://[::1]:4599").is_ok());
        assert!(loopback_target("http://10.0.0.1:4599").is_err());
        assert!(loopback_target("http://192.168.1.1:80").is_err());
        assert!(loopback_target("https://127.0.0.1:4599").is_err());
        assert!(loopback_target("http://127.0.0.1:4599/path").is_err());
    }
}
