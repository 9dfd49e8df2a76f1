//! `stepwise-baseline`: the least an HTTP server on this stack can do for
//! `POST /ListWorkflowStepExecutions`: read the request body and answer a fixed JSON page.
//! scripts/bench drives it exactly as it drives `stepwise serve`, so the ratio of the two
//! throughputs is the cost of Stepwise's own work (routing, validation, store reads,
//! token, JSON) on top of axum, hyper and tokio.
#![forbid(unsafe_code)]

use axum::body::Bytes;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use clap::Parser;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "stepwise-baseline",
    version,
    about = "Fixed-page baseline server of scripts/bench"
)]
struct Args {
    /// Address to listen on (loopback).
    #[arg(long, default_value = "127.0.0.1:4600")]
    listen: SocketAddr,

    /// The page to answer with (e.g. a ListWorkflowStepExecutions response captured from
    /// `stepwise serve`) [default: a built-in page of --steps step items].
    #[arg(long)]
    page: Option<PathBuf>,

    /// Step items of the built-in page.
    #[arg(long, default_value_t = 10)]
    steps: usize,
}

/// A ListWorkflowStepExecutions page of `steps` finished RunCommand steps, with the
/// members Stepwise shows.
fn builtin_page(steps: usize) -> Value {
    let arn = "arn:aws:imagebuilder:us-east-1:123456789012";
    let items: Vec<Value> = (0..steps)
        .map(|i| {
            json!({
                "stepExecutionId": format!("step-6f1c2d3e-4b5a-4c6d-8e7f-{i:012x}"),
                "name": format!("RunStep{i}"),
                "description": "Applies pending security updates.",
                "action": "RunCommand",
                "status": "COMPLETED",
                "inputs": "{\"instanceId\": \"i-0a1b2c3d4e5f60718\", \"documentName\": \"AWS-RunShellScript\", \"parameters\": {\"commands\": [\"sudo dnf update -y --security\"]}}",
                "outputs": "{\"status\": \"Success\", \"output\": [\"\"], \"runCommandId\": \"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0\"}",
                "startTime": "2026-01-01T00:00:00.000Z",
                "endTime": "2026-01-01T00:00:31.000Z",
                "attemptNumber": 1,
                "maxAttempts": 1
            })
        })
        .collect();
    json!({
        "requestId": "8a1c6f3e-2b4d-4e5f-9a6b-7c8d9e0f1a2b",
        "steps": items,
        "workflowBuildVersionArn": format!("{arn}:workflow/build/seed-build-10-steps/1.0.0/1"),
        "workflowExecutionId": "wf-1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9",
        "imageBuildVersionArn": format!("{arn}:image/web-frontend/1.4.0/1")
    })
}

fn page_bytes(args: &Args) -> Result<Bytes, String> {
    let bytes = match &args.page {
        Some(p) => std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?,
        None => serde_json::to_vec(&builtin_page(args.steps)).map_err(|e| e.to_string())?,
    };
    serde_json::from_slice::<Value>(&bytes).map_err(|e| format!("the page is not JSON: {e}"))?;
    Ok(Bytes::from(bytes))
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !args.listen.ip().is_loopback() {
        eprintln!("error: the baseline listens on loopback addresses only");
        return ExitCode::from(2);
    }
    let page = match page_bytes(&args) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Same runtime shape as `stepwise serve`: tokio's multi-threaded default.
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
    let len = page.len();
    let app = Router::new()
        .route(
            "/_stepwise/health",
            get(|| async { axum::Json(json!({"status": "ok", "service": "baseline"})) }),
        )
        .route(
            "/ListWorkflowStepExecutions",
            post(move |body: Bytes| {
                let page = page.clone();
                async move {
                    // Read like the real handler does: the request body in full.
                    let _ = body.len();
                    fixed(page)
                }
            }),
        );
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen).await?;
        eprintln!(
            "stepwise-baseline listening on {} ({len} B page)",
            listener.local_addr()?
        );
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown())
            .await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn fixed(page: Bytes) -> Response {
    let mut response = page.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        "x-amzn-requestid",
        HeaderValue::from_static("8a1c6f3e-2b4d-4e5f-9a6b-7c8d9e0f1a2b"),
    );
    response
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_page_has_the_members_of_a_real_page() {
        let page = builtin_page(10);
        assert_eq!(page["steps"].as_array().map(Vec::len), Some(10));
        for key in [
            "requestId",
            "workflowBuildVersionArn",
            "workflowExecutionId",
            "imageBuildVersionArn",
        ] {
            assert!(page.get(key).is_some(), "{key}");
        }
    }
}
