//! `stepwise simulate`: validates a workflow document offline and prints its execution as
//! the service would record it. The service's own operations and engine run in-process
//! on a scratch store and a virtual clock, so nothing waits and no server is needed.

use crate::offline;
use clap::{Args, ValueEnum};
use serde_json::Value;
use std::path::PathBuf;
use std::process::ExitCode;
use stepwise_engine::faults::FaultFile;
use stepwise_engine::step_action::StepAction;
use stepwise_engine::WaitPolicy;
use stepwise_server::simulation::{simulate, Simulation, SimulationError};
use stepwise_workflow::WorkflowType;

pub const LONG_ABOUT: &str = "\
Validates a workflow document offline and prints its execution as the service would record it:
every step's status, rollback status, attempts, resolved inputs and outputs, and the workflow's
status and counters. The document goes through the same CreateWorkflow and CreateImage checks and
the same engine as `stepwise serve`, on a virtual clock, so a simulated hour takes milliseconds.

An invalid document (or parameter) prints the error CreateWorkflow (or CreateImage) would return
and exits with status 255, like the AWS CLI. Otherwise the exit status is 0 whatever the workflow's
outcome; the outcome is in the output.

Examples:
  stepwise simulate build.yaml
  stepwise simulate test.yaml --type TEST --param Bucket=my-bucket --fail RunTests='disk full'
  stepwise simulate approval.yaml --wait stop --output json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Json,
    Table,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Wait {
    /// Answer RESUME at once.
    Resume,
    /// Answer STOP at once (the step fails; its onFailure applies).
    Stop,
    /// Nobody answers: the step times out after its timeoutSeconds.
    Timeout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum Type {
    Build,
    Test,
    Distribution,
}

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// The workflow document (YAML or JSON); `-` reads it from standard input.
    pub document: PathBuf,

    /// The workflow's type.
    #[arg(long = "type", value_enum, default_value = "BUILD")]
    pub workflow_type: Type,

    /// A runtime parameter, as CreateImage's workflow parameters; repeat a name for a
    /// stringList.
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_pair)]
    pub params: Vec<(String, String)>,

    /// Make a step fail, with MESSAGE as its message (a default one without); the same as
    /// the image tag `stepwise:fail:STEP`.
    #[arg(long = "fail", value_name = "STEP[=MESSAGE]")]
    pub fail: Vec<String>,

    /// With --fail: only the first N attempts of the step fail; the same as the image tag
    /// `stepwise:fail-attempts:STEP`.
    #[arg(long = "fail-attempts", value_name = "STEP=N", value_parser = parse_count)]
    pub fail_attempts: Vec<(String, String)>,

    /// Make a step take SECONDS simulated seconds (above its timeout it times out); the
    /// same as the image tag `stepwise:duration:STEP`.
    #[arg(long = "duration", value_name = "STEP=SECONDS", value_parser = parse_count)]
    pub duration: Vec<(String, String)>,

    /// Make a step's rollback fail; the same as the image tag `stepwise:rollback-fail:STEP`.
    #[arg(long = "rollback-fail", value_name = "STEP")]
    pub rollback_fail: Vec<String>,

    /// A fault file, as `stepwise serve --fault-file`.
    #[arg(long, value_name = "PATH")]
    pub fault_file: Option<PathBuf>,

    /// How a WaitForAction step is answered.
    #[arg(long, value_enum, default_value = "resume")]
    pub wait: Wait,

    /// Steps a document may hold, as `stepwise serve --max-steps-per-workflow`.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_steps_per_workflow: u32,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub output: Output,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected NAME=VALUE, got '{s}'")),
    }
}

/// `STEP=N` with N a whole number.
fn parse_count(s: &str) -> Result<(String, String), String> {
    let (step, n) = parse_pair(s)?;
    n.parse::<u64>()
        .map_err(|_| format!("expected STEP=N with N a whole number, got '{s}'"))?;
    Ok((step, n))
}

/// The image tags that carry the requested faults.
fn fault_tags(args: &SimulateArgs) -> Vec<(String, String)> {
    let mut tags = Vec::new();
    for f in &args.fail {
        let (step, message) = f.split_once('=').unwrap_or((f.as_str(), ""));
        tags.push((format!("stepwise:fail:{step}"), message.to_string()));
    }
    for (step, n) in &args.fail_attempts {
        tags.push((format!("stepwise:fail-attempts:{step}"), n.clone()));
    }
    for (step, seconds) in &args.duration {
        tags.push((format!("stepwise:duration:{step}"), seconds.clone()));
    }
    for step in &args.rollback_fail {
        tags.push((format!("stepwise:rollback-fail:{step}"), String::new()));
    }
    tags
}

pub fn run(args: SimulateArgs) -> ExitCode {
    let data = match offline::read_document(&args.document) {
        Ok(d) => d,
        Err(e) => {
            eprintln!(
                "stepwise simulate: cannot read {}: {e}",
                args.document.display()
            );
            return ExitCode::from(2);
        }
    };
    let faults = match &args.fault_file {
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| FaultFile::parse(&text))
        {
            Ok(f) => f,
            Err(e) => {
                eprintln!("stepwise simulate: fault file {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        None => FaultFile::default(),
    };
    let sim = Simulation {
        data,
        workflow_type: match args.workflow_type {
            Type::Build => WorkflowType::Build,
            Type::Test => WorkflowType::Test,
            Type::Distribution => WorkflowType::Distribution,
        },
        parameters: args.params.clone(),
        tags: fault_tags(&args),
        faults,
        wait_policy: match args.wait {
            Wait::Resume => WaitPolicy::Answer(StepAction::Resume),
            Wait::Stop => WaitPolicy::Answer(StepAction::Stop),
            Wait::Timeout => WaitPolicy::TimeOut,
        },
        max_steps: args.max_steps_per_workflow as usize,
    };
    let outcome = match offline::block_on("simulate", simulate(&sim)) {
        Ok(outcome) => outcome,
        Err(code) => return code,
    };
    match outcome {
        Ok(report) => {
            match args.output {
                Output::Json => {
                    let doc = serde_json::json!({
                        "workflowExecution": report.execution,
                        "steps": report.steps,
                    });
                    println!("{}", pretty(&doc));
                }
                Output::Table => print!("{}", table(&report.execution, &report.steps)),
            }
            ExitCode::SUCCESS
        }
        Err(e @ SimulationError::Refused { .. }) => {
            eprintln!("\n{e}");
            ExitCode::from(255)
        }
        Err(e) => {
            eprintln!("stepwise simulate: {e}");
            ExitCode::FAILURE
        }
    }
}

/// JSON indented by four spaces, as the AWS CLI prints it.
fn pretty(v: &Value) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    match serde::Serialize::serialize(v, &mut ser) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(_) => v.to_string(),
    }
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn millis(v: &Value, key: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(v.get(key)?.as_str()?)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Simulated time between `startTime` and `endTime` (one simulated second per virtual one).
fn elapsed(v: &Value) -> String {
    match (millis(v, "startTime"), millis(v, "endTime")) {
        (Some(a), Some(b)) => {
            let s = (b - a).max(0) / 1000;
            match s {
                0..=59 => format!("{s}s"),
                60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
                _ => format!("{}h{:02}m{:02}s", s / 3600, s / 60 % 60, s % 60),
            }
        }
        _ => "-".into(),
    }
}

/// The human form: the workflow's outcome and counters, then one row per step with its
/// resolved inputs and outputs beneath.
fn table(execution: &Value, steps: &[Value]) -> String {
    let count = |k: &str| execution.get(k).and_then(Value::as_i64).unwrap_or(0);
    let mut out = format!(
        "Workflow execution {} ({}): {} in {}\nSteps: {} total, {} succeeded, {} failed, {} skipped\n",
        text(execution, "workflowExecutionId"),
        text(execution, "type"),
        text(execution, "status"),
        elapsed(execution),
        count("totalStepCount"),
        count("totalStepsSucceeded"),
        count("totalStepsFailed"),
        count("totalStepsSkipped"),
    );
    if let Some(m) = execution.get("message").and_then(Value::as_str) {
        out.push_str(&format!("Message: {m}\n"));
    }
    out.push('\n');
    let headers = [
        "#", "STEP", "ACTION", "STATUS", "ROLLBACK", "ATTEMPT", "TIME", "MESSAGE",
    ];
    let rows: Vec<[String; 8]> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let attempt = match (s.get("attemptNumber"), s.get("maxAttempts")) {
                (Some(a), Some(m)) => format!("{a}/{m}"),
                _ => "-".into(),
            };
            [
                (i + 1).to_string(),
                text(s, "name").to_string(),
                text(s, "action").to_string(),
                text(s, "status").to_string(),
                s.get("rollbackStatus")
                    .and_then(Value::as_str)
                    .unwrap_or("-")
                    .to_string(),
                attempt,
                elapsed(s),
                text(s, "message").to_string(),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                l.push_str(cell);
            } else {
                l.push_str(&format!("{cell:<w$}  "));
            }
        }
        l.trim_end().to_string() + "\n"
    };
    out.push_str(&line(&headers.map(str::to_string)));
    for (row, step) in rows.iter().zip(steps) {
        out.push_str(&line(row));
        for key in ["inputs", "outputs"] {
            if let Some(v) = step.get(key).and_then(Value::as_str) {
                out.push_str(&format!("    {key}: {v}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_table_shows_counters_steps_and_their_data() {
        let execution = json!({
            "workflowExecutionId": "wf-1", "type": "BUILD", "status": "FAILED",
            "message": "disk full", "totalStepCount": 2, "totalStepsSucceeded": 1,
            "totalStepsFailed": 1, "totalStepsSkipped": 0,
            "startTime": "2026-03-04T10:00:00.000Z", "endTime": "2026-03-04T10:01:30.000Z"
        });
        let steps = [
            json!({"name": "Launch", "action": "LaunchInstance", "status": "COMPLETED",
                   "rollbackStatus": "COMPLETED", "attemptNumber": 1, "maxAttempts": 1,
                   "outputs": "{\"instanceId\": \"i-0\"}",
                   "startTime": "2026-03-04T10:00:00.000Z", "endTime": "2026-03-04T10:01:00.000Z"}),
            json!({"name": "Build", "action": "RunCommand", "status": "FAILED",
                   "message": "disk full", "attemptNumber": 2, "maxAttempts": 2,
                   "startTime": "2026-03-04T10:01:00.000Z", "endTime": "2026-03-04T10:01:30.000Z"}),
        ];
        let t = table(&execution, &steps);
        assert!(t.starts_with("Workflow execution wf-1 (BUILD): FAILED in 1m30s\n"));
        assert!(
            t.contains("Steps: 2 total, 1 succeeded, 1 failed, 0 skipped\nMessage: disk full\n")
        );
        assert!(t.contains("1  Launch  LaunchInstance  COMPLETED  COMPLETED  1/1      1m00s"));
        assert!(t.contains(
            "2  Build   RunCommand      FAILED     -          2/2      30s    disk full"
        ));
        assert!(t.contains("    outputs: {\"instanceId\": \"i-0\"}\n"));
    }

    #[test]
    fn faults_become_the_services_tags() {
        let args = SimulateArgs {
            document: "-".into(),
            workflow_type: Type::Build,
            params: vec![],
            fail: vec!["A".into(), "B=boom=bang".into()],
            fail_attempts: vec![("B".into(), "1".into())],
            duration: vec![("C".into(), "9000".into())],
            rollback_fail: vec!["A".into()],
            fault_file: None,
            wait: Wait::Resume,
            max_steps_per_workflow: 15,
            output: Output::Table,
        };
        assert_eq!(
            fault_tags(&args),
            [
                ("stepwise:fail:A".to_string(), String::new()),
                ("stepwise:fail:B".into(), "boom=bang".into()),
                ("stepwise:fail-attempts:B".into(), "1".into()),
                ("stepwise:duration:C".into(), "9000".into()),
                ("stepwise:rollback-fail:A".into(), String::new()),
            ]
        );
    }
}
