//! `stepwise serve`: opens the store, starts the engine (resuming unfinished builds) and
//! answers HTTP until SIGINT or SIGTERM, then finishes in-flight requests and closes the store.

use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use stepwise_api::time::{Clock, SystemClock};
use stepwise_engine::faults::FaultFile;
use stepwise_engine::EngineConfig;
use stepwise_server::{AppState, Options, ServerConfig};

/// The default real seconds per simulated second: a default build (about 1,000 simulated
/// seconds of actions) takes two or three seconds.
pub const DEFAULT_TIME_SCALE: f64 = 0.002;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "STEPWISE_LISTEN", default_value = "127.0.0.1:4599")]
    pub listen: SocketAddr,

    /// Directory of the SQLite store (created if missing) [default: the per-user data
    /// directory, e.g. $XDG_DATA_HOME/stepwise].
    #[arg(long, env = "STEPWISE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// Real seconds per simulated second of a step action; 0 completes every action at once.
    #[arg(long, env = "STEPWISE_TIME_SCALE", default_value_t = DEFAULT_TIME_SCALE)]
    pub time_scale: f64,

    /// Steps a workflow document may hold (the AWS default quota is 15).
    #[arg(long, env = "STEPWISE_MAX_STEPS_PER_WORKFLOW", default_value_t = 15,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_steps_per_workflow: u32,

    /// The 12-digit account every request acts in.
    #[arg(long, env = "STEPWISE_ACCOUNT_ID", default_value = "123456789012", value_parser = parse_account)]
    pub account_id: String,

    /// Region of unsigned requests.
    #[arg(long, env = "STEPWISE_DEFAULT_REGION", default_value = "us-east-1")]
    pub default_region: String,

    /// A fault file (YAML or JSON): rules that make steps of every image fail, take long or
    /// fail their rollback, selected by step name, action and image name (see the README).
    /// Image tags win over it.
    #[arg(long, env = "STEPWISE_FAULT_FILE", value_name = "PATH")]
    pub fault_file: Option<PathBuf>,

    /// Lifetime of pagination tokens, in seconds.
    #[arg(long, env = "STEPWISE_TOKEN_TTL", default_value_t = 24 * 3600)]
    pub token_ttl: u64,

    /// Start the service's clock at this ISO-8601 time (e.g. 2027-01-01T00:00:00Z) instead of
    /// now, for reproducible demos and tests; it then runs on from there. The clock never
    /// moves back: a time before the clock's current one (kept in the store) is ignored.
    #[arg(long, env = "STEPWISE_CLOCK_START", value_name = "ISO-8601", value_parser = parse_start)]
    pub clock_start: Option<i64>,
}

fn parse_start(s: &str) -> Result<i64, String> {
    stepwise_api::time::parse_timestamp(s).ok_or_else(|| {
        "expected an ISO-8601 date and time with its offset, e.g. 2027-01-01T00:00:00Z".into()
    })
}

fn parse_account(s: &str) -> Result<String, String> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_string())
    } else {
        Err("an account id is 12 digits".into())
    }
}

pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("stepwise")
}

pub fn run(args: ServeArgs) -> ExitCode {
    // Request logs are written by a background thread, so a request never waits on stderr;
    // the guard flushes what is buffered when `run` returns.
    let (writer, _log_guard) = tracing_appender::non_blocking(std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STEPWISE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(writer)
        .init();
    if !(args.time_scale >= 0.0 && args.time_scale.is_finite()) {
        eprintln!("error: --time-scale must be a number >= 0");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let data_dir = args.data_dir.clone().unwrap_or_else(default_data_dir);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let faults = match &args.fault_file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| FaultFile::parse(&text))
            .map_err(|e| format!("fault file {}: {e}", path.display()))?,
        None => FaultFile::default(),
    };
    let fault_rules = faults.rules.len();
    let options = Options {
        server: ServerConfig {
            account_id: args.account_id.clone(),
            default_region: args.default_region.clone(),
            max_steps_per_workflow: args.max_steps_per_workflow as usize,
            ..ServerConfig::default()
        },
        engine: EngineConfig {
            time_scale: args.time_scale,
            faults,
        },
        token_ttl_secs: args.token_ttl,
        clock_start: args.clock_start,
    };
    let state = AppState::open(&data_dir, clock, options).await?;
    let (store, engine) = (state.store.clone(), state.engine.clone());
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let resumed = engine.resume_all().await.map_err(|e| e.to_string())?;
    stepwise_server::scheduler::start(state.clone());
    tracing::info!(
        listen = %args.listen,
        store = %store.describe(),
        time_scale = args.time_scale,
        fault_rules,
        resumed,
        "stepwise is serving"
    );
    stepwise_server::serve(listener, state, shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    tracing::info!("shutting down: closing the store");
    store.close().await.map_err(|e| e.to_string())?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
