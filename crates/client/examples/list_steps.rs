//! Lists the step executions of one workflow execution the way
//! `aws imagebuilder list-workflow-step-executions --max-items … --page-size …` does, and
//! prints the resume token (`NextToken`) to continue with `--starting-token`.
//!
//! ```sh
//! cargo run -p stepwise-client --example list_steps -- \
//!     --endpoint http://127.0.0.1:4599 --max-items 5 --page-size 3 wf-…
//! # continue where it stopped:
//! cargo run -p stepwise-client --example list_steps -- --starting-token eyJ… wf-…
//! ```
//!
//! The endpoint defaults to `$STEPWISE_ENDPOINT`, then `http://127.0.0.1:4599`; any
//! credentials are accepted by Stepwise, so fixed ones are used.

use aws_sdk_imagebuilder::config::{BehaviorVersion, Credentials, Region};
use futures_util::StreamExt;
use stepwise_client::{PaginateExt, PaginationConfig};

struct Args {
    endpoint: String,
    region: String,
    execution_id: String,
    config: PaginationConfig,
}

const USAGE: &str =
    "usage: list_steps [--endpoint URL] [--region R] [--max-items N] [--page-size N] \
                     [--starting-token T] WORKFLOW_EXECUTION_ID";

fn parse_args() -> Result<Args, String> {
    let mut endpoint =
        std::env::var("STEPWISE_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:4599".into());
    let mut region = "us-east-1".to_string();
    let mut config = PaginationConfig::default();
    let mut execution_id = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--endpoint" => endpoint = value()?,
            "--region" => region = value()?,
            "--max-items" => {
                config.max_items = Some(value()?.parse().map_err(|e| format!("--max-items: {e}"))?)
            }
            "--page-size" => {
                config.page_size = Some(value()?.parse().map_err(|e| format!("--page-size: {e}"))?)
            }
            "--starting-token" => config.starting_token = Some(value()?),
            "-h" | "--help" => return Err(USAGE.to_string()),
            _ if execution_id.is_none() && !arg.starts_with("--") => execution_id = Some(arg),
            _ => return Err(format!("unexpected argument {arg}\n{USAGE}")),
        }
    }
    let execution_id = execution_id.ok_or_else(|| USAGE.to_string())?;
    Ok(Args {
        endpoint,
        region,
        execution_id,
        config,
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    if args.config.max_items.is_some_and(|n| n <= 0) {
        // The AWS CLI's warning, for the same undefined-looking (but botocore-exact) behaviour.
        eprintln!("warning: Non-positive values for --max-items may result in undefined behavior.");
    }
    let sdk_config = aws_sdk_imagebuilder::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(args.region))
        .endpoint_url(args.endpoint)
        .credentials_provider(Credentials::new(
            "stepwise", "stepwise", None, None, "example",
        ))
        .build();
    let client = aws_sdk_imagebuilder::Client::from_conf(sdk_config);

    let paginator = client
        .list_workflow_step_executions()
        .workflow_execution_id(&args.execution_id)
        .paginate(args.config);
    let mut steps = paginator.items();
    while let Some(step) = steps.next().await {
        let step = step?;
        println!(
            "{}\t{}\t{}",
            step.step_execution_id().unwrap_or("-"),
            step.name().unwrap_or("-"),
            step.status().map(|s| s.as_str()).unwrap_or("-")
        );
    }
    match steps.resume_token() {
        Some(token) => println!("NextToken: {token}"),
        None => println!("(no more steps)"),
    }
    Ok(())
}
