//! `stepwise-client-bench`: lists every step execution of a set of workflow executions with
//! aws-sdk-rust's own paginator (`into_paginator()`) and with the Stepwise paginator
//! (`stepwise-client`), one execution after another, and prints the wall time of each run as a
//! machine-readable `RESULT` line (scripts/bench-client reads them; boto3's side is
//! scripts/bench_client_boto3.py).
//!
//! Both paginators share one `aws_sdk_imagebuilder::Client` (one connection pool) and the same
//! executions. Runs alternate in ABBA order so that neither paginator always goes first. A
//! warm-up pass over the first `--warmup` executions with each paginator precedes the timed
//! runs; it is not measured.
//!
//! Only loopback endpoints are accepted: this is a benchmark of a server on this machine.
#![forbid(unsafe_code)]

use aws_sdk_imagebuilder::config::{BehaviorVersion, Credentials, Intercept, Region};
use aws_sdk_imagebuilder::Client;
use bytes::Bytes;
use clap::{Parser, ValueEnum};
use futures_util::StreamExt;
use http_body_util::{BodyExt, Full};
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use stepwise_client::sdk::BodyCapture;
use stepwise_client::{PaginationConfig, Paginator};
use tokio::net::TcpStream;

#[derive(Parser)]
#[command(
    name = "stepwise-client-bench",
    version,
    about = "Client paginator benchmark of scripts/bench-client (aws-sdk-rust's paginator against stepwise-client's)"
)]
struct Cli {
    /// The Stepwise server, e.g. http://127.0.0.1:4599 (loopback addresses only).
    #[arg(long)]
    endpoint: String,

    /// Workflow execution ids, one per line (`stepwise seed --ids-out`).
    #[arg(long)]
    ids: PathBuf,

    /// List the steps of the first N ids of the file [default: all of them].
    #[arg(long)]
    executions: Option<usize>,

    /// Paginators to run, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "sdk,stepwise")]
    paginators: Vec<Which>,

    /// Timed runs of each paginator (each run lists every execution once).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    reps: u32,

    /// Executions listed by each paginator before the timed runs (not measured).
    #[arg(long, default_value_t = 100)]
    warmup: usize,

    /// PageSize (`maxResults`) of every request.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(i32).range(1..=100))]
    page_size: i32,

    /// The first timed run starts with the paginator at this index of --paginators (the
    /// script alternates it between rounds).
    #[arg(long, default_value_t = 0)]
    first: usize,

    /// Region of the signed requests (the region the store was seeded for).
    #[arg(long, default_value = "us-east-1")]
    region: String,

    /// Tokio runtime: `multi-thread` is what `#[tokio::main]` gives.
    #[arg(long, value_enum, default_value_t = Runtime::MultiThread)]
    runtime: Runtime,

    /// Label printed on the RESULT lines.
    #[arg(long, default_value = "")]
    round: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Which {
    /// aws-sdk-rust's own paginator: `into_paginator().send()`, every page.
    Sdk,
    /// stepwise-client's `Paginator` with `PaginationConfig { page_size, .. }`, every page.
    Stepwise,
    /// Diagnostic: a hand-written loop of the fluent builder's `send()`, following `nextToken`.
    SdkSend,
    /// Diagnostic: `SdkSend` through `customize().interceptor(..)` with an interceptor that
    /// does nothing (the per-request config override stepwise-client's requests carry).
    SdkCustomize,
    /// Diagnostic: `SdkCustomize` with stepwise-client's own `BodyCapture` interceptor and its
    /// `json()` (the body parsed again into a `serde_json::Value`): everything stepwise-client's
    /// `SdkSource::fetch` does, without the paginator's loop.
    SdkCapture,
    /// Diagnostic floor: no SDK at all; unsigned hand-made HTTP/1.1 POSTs on one keep-alive
    /// connection, the token found by a string search. What the server and loopback cost.
    Raw,
}

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Sdk => "sdk",
            Which::Stepwise => "stepwise",
            Which::SdkSend => "sdk-send",
            Which::SdkCustomize => "sdk-customize",
            Which::SdkCapture => "sdk-capture",
            Which::Raw => "raw",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Runtime {
    MultiThread,
    CurrentThread,
}

/// User + system CPU seconds of this process so far (all threads), from /proc/self/stat.
fn cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    // utime and stime are fields 14 and 15 of the line, so 11 and 12 counting from field 3
    // (the state, first after the name) at 0; the clock tick is 100 Hz on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    pages: u64,
    items: u64,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Every page of one execution with aws-sdk-rust's paginator.
async fn list_sdk(client: &Client, id: &str, page_size: i32) -> Result<Counts, BoxError> {
    let mut counts = Counts::default();
    let mut pages = client
        .list_workflow_step_executions()
        .workflow_execution_id(id)
        .max_results(page_size)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| format!("{id}: {}", aws_error(&e)))?;
        counts.pages += 1;
        counts.items += page.steps().len() as u64;
    }
    Ok(counts)
}

/// Every page of one execution with the Stepwise paginator.
async fn list_stepwise(client: &Client, id: &str, page_size: i32) -> Result<Counts, BoxError> {
    let mut counts = Counts::default();
    let paginator = Paginator::new(
        client
            .list_workflow_step_executions()
            .workflow_execution_id(id),
        PaginationConfig {
            page_size: Some(page_size),
            ..Default::default()
        },
    );
    let mut pages = paginator.pages();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| format!("{id}: {e:?}"))?;
        counts.pages += 1;
        counts.items += page.output().steps().len() as u64;
    }
    Ok(counts)
}

/// An interceptor that does nothing.
#[derive(Debug)]
struct Noop;

impl Intercept for Noop {
    fn name(&self) -> &'static str {
        "stepwise_bench::Noop"
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Customize {
    None,
    Noop,
    Capture,
}

/// Every page of one execution with a hand-written loop over the fluent builder.
async fn list_by_hand(
    client: &Client,
    id: &str,
    page_size: i32,
    customize: Customize,
) -> Result<Counts, BoxError> {
    let mut counts = Counts::default();
    let mut token: Option<String> = None;
    loop {
        let request = client
            .list_workflow_step_executions()
            .workflow_execution_id(id)
            .max_results(page_size)
            .set_next_token(token.take());
        let output = match customize {
            Customize::None => request.send().await,
            Customize::Noop => request.customize().interceptor(Noop).send().await,
            Customize::Capture => {
                let capture = BodyCapture::default();
                let output = request
                    .customize()
                    .interceptor(capture.clone())
                    .send()
                    .await;
                if output.is_ok() {
                    let json = capture.json().map_err(|e| format!("{id}: {e}"))?;
                    std::hint::black_box(json);
                }
                output
            }
        }
        .map_err(|e| format!("{id}: {}", aws_error(&e)))?;
        counts.pages += 1;
        counts.items += output.steps().len() as u64;
        match output.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(counts)
}

fn aws_error<E: std::error::Error + 'static>(e: &E) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// The raw floor's connection.
struct Raw {
    addr: SocketAddr,
    host: String,
    sender: Option<Sender>,
}

impl Raw {
    async fn sender(&mut self) -> Result<&mut Sender, BoxError> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            let (sender, conn) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            self.sender = Some(sender);
        }
        let sender = self.sender.as_mut().expect("connected above");
        sender.ready().await?;
        Ok(sender)
    }
}

/// Every page of one execution with the raw floor client.
async fn list_raw(raw: &mut Raw, id: &str, page_size: i32) -> Result<Counts, BoxError> {
    const TOKEN_KEY: &str = "\"nextToken\":\"";
    let mut counts = Counts::default();
    let mut token: Option<String> = None;
    loop {
        let body = match &token {
            None => format!(r#"{{"workflowExecutionId":"{id}","maxResults":{page_size}}}"#),
            Some(t) => format!(
                r#"{{"workflowExecutionId":"{id}","maxResults":{page_size},"nextToken":"{t}"}}"#
            ),
        };
        let request = Request::builder()
            .method(Method::POST)
            .uri("/ListWorkflowStepExecutions")
            .header(HOST, raw.host.as_str())
            .header(CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))?;
        let response = raw.sender().await?.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        if status != StatusCode::OK {
            return Err(format!("{id}: HTTP {status}: {}", String::from_utf8_lossy(&body)).into());
        }
        let text = std::str::from_utf8(&body)?;
        counts.pages += 1;
        counts.items += text.matches("\"stepExecutionId\":").count() as u64;
        token = text.find(TOKEN_KEY).and_then(|at| {
            let rest = &text[at + TOKEN_KEY.len()..];
            rest.find('"').map(|end| rest[..end].to_string())
        });
        if token.is_none() {
            break;
        }
    }
    Ok(counts)
}

async fn run(
    client: &Client,
    raw: &mut Raw,
    which: Which,
    ids: &[String],
    page_size: i32,
) -> Result<Counts, BoxError> {
    let mut total = Counts::default();
    for id in ids {
        let counts = match which {
            Which::Raw => list_raw(raw, id, page_size).await?,
            Which::Sdk => list_sdk(client, id, page_size).await?,
            Which::Stepwise => list_stepwise(client, id, page_size).await?,
            Which::SdkSend => list_by_hand(client, id, page_size, Customize::None).await?,
            Which::SdkCustomize => list_by_hand(client, id, page_size, Customize::Noop).await?,
            Which::SdkCapture => list_by_hand(client, id, page_size, Customize::Capture).await?,
        };
        if counts.items == 0 {
            return Err(format!("{id}: no steps listed (wrong region or ids file?)").into());
        }
        total.pages += counts.pages;
        total.items += counts.items;
    }
    Ok(total)
}

fn check_loopback(endpoint: &str) -> Result<SocketAddr, String> {
    let rest = endpoint
        .strip_prefix("http://")
        .ok_or_else(|| format!("--endpoint must be http://HOST:PORT, got {endpoint}"))?;
    let authority = rest.split('/').next().unwrap_or_default();
    let addrs: Vec<_> = authority
        .to_socket_addrs()
        .map_err(|e| format!("--endpoint {endpoint}: {e}"))?
        .collect();
    if addrs.is_empty() || !addrs.iter().all(|a| is_loopback(a.ip())) {
        return Err(format!("--endpoint {endpoint} is not a loopback address"));
    }
    Ok(addrs[0])
}

fn is_loopback(ip: IpAddr) -> bool {
    ip.is_loopback()
}

async fn main_inner(cli: Cli) -> Result<(), BoxError> {
    let addr = check_loopback(&cli.endpoint)?;
    let text =
        std::fs::read_to_string(&cli.ids).map_err(|e| format!("{}: {e}", cli.ids.display()))?;
    let mut ids: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(n) = cli.executions {
        if ids.len() < n {
            return Err(format!(
                "{} holds {} ids, fewer than --executions {n}",
                cli.ids.display(),
                ids.len()
            )
            .into());
        }
        ids.truncate(n);
    }
    if ids.is_empty() {
        return Err(format!("{} holds no ids", cli.ids.display()).into());
    }
    if cli.paginators.is_empty() {
        return Err("--paginators is empty".into());
    }

    let config = aws_sdk_imagebuilder::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(cli.region.clone()))
        .endpoint_url(&cli.endpoint)
        .credentials_provider(Credentials::new(
            "stepwise", "stepwise", None, None, "bench",
        ))
        .build();
    let client = Client::from_conf(config);
    let mut raw = Raw {
        addr,
        host: cli
            .endpoint
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string(),
        sender: None,
    };

    let warm = &ids[..cli.warmup.min(ids.len())];
    for &which in &cli.paginators {
        run(&client, &mut raw, which, warm, cli.page_size).await?;
    }

    // ABBA…: run r uses the order of --paginators rotated by `first + r`, reversed on odd
    // runs, so every paginator goes first and last equally often over an even number of runs.
    let n = cli.paginators.len();
    let mut expected: Option<Counts> = None;
    for rep in 0..cli.reps {
        let mut order: Vec<Which> = (0..n)
            .map(|i| cli.paginators[(i + cli.first) % n])
            .collect();
        if rep % 2 == 1 {
            order.reverse();
        }
        for which in order {
            let cpu_before = cpu_secs();
            let started = Instant::now();
            let counts = run(&client, &mut raw, which, &ids, cli.page_size).await?;
            let secs = started.elapsed().as_secs_f64();
            let cpu = cpu_secs() - cpu_before;
            match expected {
                None => expected = Some(counts),
                Some(e) if e != counts => {
                    return Err(format!(
                        "{} listed {} pages / {} items, another run {} / {}",
                        which.name(),
                        counts.pages,
                        counts.items,
                        e.pages,
                        e.items
                    )
                    .into())
                }
                Some(_) => {}
            }
            println!(
                "RESULT paginator={} round={} rep={} executions={} pages={} items={} secs={:.6} pages_per_s={:.1} cpu_secs={:.2}",
                which.name(),
                if cli.round.is_empty() { "-" } else { &cli.round },
                rep + 1,
                ids.len(),
                counts.pages,
                counts.items,
                secs,
                counts.pages as f64 / secs,
                cpu
            );
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut builder = match cli.runtime {
        Runtime::MultiThread => tokio::runtime::Builder::new_multi_thread(),
        Runtime::CurrentThread => tokio::runtime::Builder::new_current_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(main_inner(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
