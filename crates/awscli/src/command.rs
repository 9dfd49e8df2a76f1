//! `stepwise imagebuilder <operation> [options]`: the command tree built from the service
//! model, and one run of it: parameters → request(s) → `--query` → `--output`.

use crate::names::xform_name;
use crate::output::{self, OutputFormat};
use crate::paging::{self, Paging};
use crate::params::{self, Param};
use crate::transport::{
    profile_setting, CallError, Connection, ConnectionOptions, DEFAULT_ENDPOINT,
};
use crate::validate::validate;
use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::{Map, Value};
use std::io::Write;
use std::process::ExitCode;
use stepwise_api::operations::{Operation, OPERATIONS};
use stepwise_api::schema::{Shape, ShapeKind};

const ABOUT: &str = "Call Image Builder operations, as `aws imagebuilder` does";

fn long_about() -> String {
    format!(
        "Calls the EC2 Image Builder operations Stepwise serves, with the AWS CLI's command and \
         option names, global options, output formats, pagination and errors.\n\n\
         Endpoint: --endpoint-url, else AWS_ENDPOINT_URL_IMAGEBUILDER, the profile's services \
         section, AWS_ENDPOINT_URL or the profile's endpoint_url; with none configured it talks \
         to the local Stepwise server at {DEFAULT_ENDPOINT}. Region and credentials come from \
         the standard AWS chain (options, environment, ~/.aws/config and ~/.aws/credentials); a \
         local server needs none (region us-east-1).\n\n\
         Exit status: 0 on success, 255 when the service or the connection fails, 2 for bad \
         usage."
    )
}

/// The `imagebuilder` command with one subcommand per operation.
pub fn command() -> Command {
    let mut cmd = Command::new("imagebuilder")
        .about(ABOUT)
        .long_about(long_about())
        .subcommand_required(true)
        .arg_required_else_help(true)
        .args(global_args());
    for op in OPERATIONS.iter().filter(|op| op.served) {
        cmd = cmd.subcommand(operation_command(op));
    }
    cmd
}

fn global_args() -> Vec<Arg> {
    let global = |name: &'static str| Arg::new(name).long(name).global(true);
    vec![
        global("endpoint-url").value_name("URL").help(format!(
            "Override the endpoint [default: the local Stepwise server, {DEFAULT_ENDPOINT}]"
        )),
        global("region")
            .value_name("REGION")
            .help("The region to use"),
        global("profile")
            .value_name("PROFILE")
            .help("A profile from your credential and config files"),
        global("output")
            .value_name("FORMAT")
            .value_parser(["json", "text", "table", "yaml"])
            .help(
                "The output format [default: $AWS_DEFAULT_OUTPUT, the profile's output, else json]",
            ),
        global("query")
            .value_name("JMESPATH")
            .help("A JMESPath query to filter the response"),
        global("no-paginate")
            .action(ArgAction::SetTrue)
            .help("Make one call only (no automatic pagination)"),
        global("debug")
            .action(ArgAction::SetTrue)
            .help("Print each request and response on stderr"),
    ]
}

fn operation_command(op: &'static Operation) -> Command {
    let paging = paging::descriptor(op);
    let hidden: Vec<&str> = paging
        .map(|d| {
            let mut h = vec![d.input_token];
            h.extend(d.limit_key);
            h
        })
        .unwrap_or_default();
    let mut cmd = Command::new(xform_name(op.name, '-'))
        .about(match paging {
            Some(_) => format!("Call {} (paginated)", op.name),
            None => format!("Call {}", op.name),
        })
        .args(params::arguments(&params::params(op), &hidden))
        .arg(
            Arg::new("cli-input-json")
                .long("cli-input-json")
                .value_name("JSON")
                .help("The request as JSON (API member names), or file://PATH; options given on the command line win"),
        );
    cmd = cmd.arg(
        Arg::new("generate-cli-skeleton")
            .long("generate-cli-skeleton")
            .value_name("input|output")
            .num_args(0..=1)
            .default_missing_value("input")
            .value_parser(["input", "output"])
            .help("Print a JSON skeleton of the request (for --cli-input-json) or of the response, and call nothing"),
    );
    if paging.is_some() {
        cmd = cmd
            .arg(
                Arg::new("starting-token")
                    .long("starting-token")
                    .value_name("TOKEN")
                    .help("Where to start: the NextToken of an earlier truncated output"),
            )
            .arg(
                Arg::new("page-size")
                    .long("page-size")
                    .value_name("N")
                    .value_parser(clap::value_parser!(i32))
                    .help("The size of each page asked of the service (output unchanged)"),
            )
            .arg(
                Arg::new("max-items")
                    .long("max-items")
                    .value_name("N")
                    .value_parser(clap::value_parser!(i64))
                    .help("The most items to output; a NextToken then resumes"),
            );
    }
    cmd
}

/// How a run failed, and the exit status it gives.
enum Failure {
    /// Bad usage, as argparse reports it (status 2).
    Usage(String),
    /// A service, connection or client-side failure (status 255).
    Call(String),
}

/// Runs the operation chosen in `matches` (the `imagebuilder` command's matches).
pub fn run(matches: &ArgMatches) -> ExitCode {
    let Some((name, op_matches)) = matches.subcommand() else {
        return ExitCode::from(2);
    };
    let Some(op) = OPERATIONS
        .iter()
        .find(|op| xform_name(op.name, '-') == name)
    else {
        return ExitCode::from(2);
    };
    let outcome = match crate::block_on(execute(op, op_matches)) {
        Ok(outcome) => outcome,
        Err(code) => return code,
    };
    match outcome {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error.
            let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
            ExitCode::SUCCESS
        }
        Err(Failure::Usage(message)) => {
            eprintln!("stepwise imagebuilder: error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Call(message)) => {
            eprintln!("\n{message}");
            ExitCode::from(255)
        }
    }
}

/// `--output`, else `AWS_DEFAULT_OUTPUT`, else the profile's `output`, else json.
async fn output_format(matches: &ArgMatches) -> Result<OutputFormat, Failure> {
    let mut name = matches
        .get_one::<String>("output")
        .cloned()
        .or_else(|| std::env::var("AWS_DEFAULT_OUTPUT").ok());
    if name.is_none() {
        let profile = matches.get_one::<String>("profile").map(String::as_str);
        name = profile_setting(profile, "output").await;
    }
    let name = name.unwrap_or_else(|| "json".into());
    match name.as_str() {
        "json" => Ok(OutputFormat::Json),
        "text" => Ok(OutputFormat::Text),
        "table" => Ok(OutputFormat::Table),
        "yaml" => Ok(OutputFormat::Yaml),
        other => Err(Failure::Usage(format!(
            "argument --output: Invalid choice, valid choices are:\n\njson | text\ntable | yaml\n(got '{other}')"
        ))),
    }
}

/// The request members: `--cli-input-json`, then the options, then an idempotency token
/// when none is given (as the SDKs fill it in); checked as botocore checks them.
fn request(
    op: &Operation,
    params: &[Param],
    matches: &ArgMatches,
) -> Result<Map<String, Value>, Failure> {
    let from_json = matches.get_one::<String>("cli-input-json");
    let base = match from_json {
        Some(raw) => {
            let text = params::resolve_file("cli-input-json", raw).map_err(Failure::Call)?;
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(m)) => m,
                Ok(other) => {
                    return Err(Failure::Call(format!(
                        "Error parsing parameter 'cli-input-json': the JSON must be an object, not {}",
                        other
                    )))
                }
                Err(e) => {
                    return Err(Failure::Call(format!(
                        "Error parsing parameter 'cli-input-json': Invalid JSON: {e}\nJSON received: {text}"
                    )))
                }
            }
        }
        None => Map::new(),
    };
    let mut input = params::collect(params, matches, base).map_err(Failure::Call)?;
    // Without --cli-input-json a missing required option is a usage error (argparse's);
    // with it, botocore's validation reports it.
    let missing = params::missing(params, &input);
    if from_json.is_none() && !missing.is_empty() {
        return Err(Failure::Usage(format!(
            "the following arguments are required: {}",
            missing.join(", ")
        )));
    }
    if let Some(token) = op.idempotency_token {
        input
            .entry(token)
            .or_insert_with(|| Value::String(uuid::Uuid::new_v4().to_string()));
    }
    validate(op.input, &Value::Object(input.clone())).map_err(Failure::Call)?;
    Ok(input)
}

/// A placeholder value of every member of `shape`, as the AWS CLI's
/// `--generate-cli-skeleton` writes it. A shape met again inside itself is left empty.
fn skeleton(shape: &'static Shape, seen: &mut Vec<&'static str>) -> Value {
    if seen.contains(&shape.name) {
        return Value::Object(Map::new());
    }
    seen.push(shape.name);
    let v = match &shape.kind {
        ShapeKind::Structure { members } => Value::Object(
            members
                .iter()
                .map(|m| (m.name.to_string(), skeleton(m.target, seen)))
                .collect(),
        ),
        ShapeKind::List { member, .. } => Value::Array(vec![skeleton(member, seen)]),
        ShapeKind::Map { value, .. } => {
            let mut m = Map::new();
            m.insert("KeyName".into(), skeleton(value, seen));
            Value::Object(m)
        }
        ShapeKind::String { enum_values, .. } => {
            Value::String(enum_values.first().copied().unwrap_or("").to_string())
        }
        ShapeKind::Integer { .. } | ShapeKind::Long { .. } => Value::from(0),
        ShapeKind::Double { .. } => Value::from(0.0),
        ShapeKind::Boolean => Value::Bool(true),
        ShapeKind::Timestamp => Value::String("1970-01-01T00:00:00".into()),
    };
    seen.pop();
    v
}

async fn execute(op: &'static Operation, matches: &ArgMatches) -> Result<String, Failure> {
    if let Some(which) = matches.get_one::<String>("generate-cli-skeleton") {
        let shape = if which == "output" {
            op.output
        } else {
            op.input
        };
        return Ok(output::render(
            OutputFormat::Json,
            op.name,
            &skeleton(shape, &mut Vec::new()),
        ));
    }
    let format = output_format(matches).await?;
    let query = match matches.get_one::<String>("query") {
        Some(q) => Some(jmespath::compile(q).map_err(|e| {
            Failure::Usage(format!("argument --query: Bad value for --query {q}: {e}"))
        })?),
        None => None,
    };
    let params = params::params(op);
    let input = request(op, &params, matches)?;
    let paging = Paging::from_matches(op, &params, matches).map_err(Failure::Call)?;
    let options = ConnectionOptions {
        endpoint_url: matches.get_one::<String>("endpoint-url").cloned(),
        region: matches.get_one::<String>("region").cloned(),
        profile: matches.get_one::<String>("profile").cloned(),
        debug: matches.get_flag("debug"),
    };
    let conn = Connection::resolve(&options).await.map_err(call_failure)?;
    let search = |v: Value| -> Result<Value, Failure> {
        match &query {
            Some(q) => stepwise_client::query::search(q, &v)
                .map_err(|e| Failure::Call(format!("JMESPath error: {e}"))),
            None => Ok(v),
        }
    };
    match paging {
        Some(paging) if format == OutputFormat::Text => {
            // The AWS CLI prints text page by page, the query applied to each.
            let mut out = String::new();
            for part in paging
                .text_parts(conn, op, input)
                .await
                .map_err(Failure::Call)?
            {
                out.push_str(&output::render(format, op.name, &search(part)?));
            }
            Ok(out)
        }
        Some(paging) => {
            let full = paging
                .full_result(conn, op, input)
                .await
                .map_err(Failure::Call)?;
            Ok(output::render(format, op.name, &search(full)?))
        }
        None => {
            let response = conn
                .call(op, &Value::Object(input))
                .await
                .map_err(call_failure)?;
            Ok(output::render(format, op.name, &search(response)?))
        }
    }
}

fn call_failure(e: CallError) -> Failure {
    Failure::Call(e.to_string())
}
