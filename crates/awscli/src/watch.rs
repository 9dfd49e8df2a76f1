//! `stepwise watch IMAGE_BUILD_VERSION_ARN`: a live view of one image build, polled through
//! the public API (so it works against Stepwise and AWS alike). On a terminal, a progress
//! bar per workflow execution (steps finished of total) with the running step and its
//! elapsed time, waiting steps flagged; otherwise one plain line per change. A summary table
//! at the end; the exit status says how the image ended.

use crate::transport::{CallError, Connection, ConnectionOptions};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;
use stepwise_api::operations;

/// What `stepwise watch` is asked to do.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub image_arn: String,
    pub connection: ConnectionOptions,
    /// Seconds between polls.
    pub interval: f64,
    /// Plain lines even on a terminal.
    pub plain: bool,
}

/// How the watched image ended, as an exit status.
pub fn exit_status(image_status: &str) -> u8 {
    match image_status {
        "AVAILABLE" => 0,
        "CANCELLED" => 3,
        _ => 1,
    }
}

/// One step as the view shows it.
#[derive(Debug, Clone, PartialEq)]
struct StepView {
    name: String,
    action: String,
    status: String,
    start_ms: Option<i64>,
}

/// One workflow execution as the view shows it.
#[derive(Debug, Clone, PartialEq)]
struct ExecutionView {
    id: String,
    workflow: String,
    kind: String,
    status: String,
    total: u64,
    succeeded: u64,
    failed: u64,
    skipped: u64,
    start_ms: Option<i64>,
    end_ms: Option<i64>,
    retried: bool,
    steps: Vec<StepView>,
}

impl ExecutionView {
    fn finished(&self) -> u64 {
        self.succeeded + self.failed + self.skipped
    }

    fn is_terminal(&self) -> bool {
        !matches!(
            self.status.as_str(),
            "PENDING" | "RUNNING" | "ROLLBACK_IN_PROGRESS"
        )
    }

    /// The step running now, if any, and whether it waits for an action.
    fn running(&self) -> Option<&StepView> {
        self.steps.iter().rev().find(|s| s.status == "RUNNING")
    }

    fn label(&self) -> String {
        format!("{} {}", self.kind, self.workflow)
    }
}

/// A time member: an ISO 8601 string, or epoch seconds.
fn millis(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::String(text) => chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.timestamp_millis()),
        Value::Number(n) => n.as_f64().map(|s| (s * 1000.0) as i64),
        _ => None,
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

fn count(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// `arn:…:workflow/build/build-image/1.0.3/1` → `build-image`.
fn workflow_name(arn: &str) -> String {
    arn.split('/').nth(2).unwrap_or(arn).to_string()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn seconds(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..=59 => format!("{}.{}s", s, (ms.max(0) % 1000) / 100),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m{:02}s", s / 3600, s / 60 % 60, s % 60),
    }
}

struct Poller {
    conn: Connection,
    image_arn: String,
    /// Executions that ended, kept as last seen (their steps no longer change).
    ended: HashMap<String, ExecutionView>,
}

impl Poller {
    async fn call(&self, op: &str, input: Value) -> Result<Value, CallError> {
        let op = operations::by_name(op)
            .ok_or_else(|| CallError::Client(format!("no operation {op}")))?;
        self.conn.call(op, &input).await
    }

    /// Every item of a list operation, page by page.
    async fn all(&self, op: &str, mut input: Value, key: &str) -> Result<Vec<Value>, CallError> {
        let mut items = Vec::new();
        loop {
            let page = self.call(op, input.clone()).await?;
            if let Some(list) = page.get(key).and_then(Value::as_array) {
                items.extend(list.iter().cloned());
            }
            match page.get("nextToken").and_then(Value::as_str) {
                Some(t) => input["nextToken"] = json!(t),
                None => return Ok(items),
            }
        }
    }

    /// The image's status and reason, and its executions.
    async fn poll(&mut self) -> Result<(String, String, Vec<ExecutionView>), CallError> {
        let image = self
            .call("GetImage", json!({"imageBuildVersionArn": self.image_arn}))
            .await?;
        let state = image
            .pointer("/image/state")
            .cloned()
            .unwrap_or(Value::Null);
        let executions = self
            .all(
                "ListWorkflowExecutions",
                json!({"imageBuildVersionArn": self.image_arn, "maxResults": 25}),
                "workflowExecutions",
            )
            .await?;
        let mut views = Vec::new();
        for e in executions {
            let id = text(&e, "workflowExecutionId");
            let mut view = ExecutionView {
                id: id.clone(),
                workflow: workflow_name(&text(&e, "workflowBuildVersionArn")),
                kind: text(&e, "type"),
                status: text(&e, "status"),
                total: count(&e, "totalStepCount"),
                succeeded: count(&e, "totalStepsSucceeded"),
                failed: count(&e, "totalStepsFailed"),
                skipped: count(&e, "totalStepsSkipped"),
                start_ms: millis(&e, "startTime"),
                end_ms: millis(&e, "endTime"),
                retried: e.get("retried").and_then(Value::as_bool).unwrap_or(false),
                steps: Vec::new(),
            };
            if let Some(done) = self.ended.get(&id).filter(|d| d.status == view.status) {
                views.push(done.clone());
                continue;
            }
            view.steps = self
                .all(
                    "ListWorkflowStepExecutions",
                    json!({"workflowExecutionId": id, "maxResults": 25}),
                    "steps",
                )
                .await?
                .iter()
                .map(|s| StepView {
                    name: text(s, "name"),
                    action: text(s, "action"),
                    status: text(s, "status"),
                    start_ms: millis(s, "startTime"),
                })
                .collect();
            if view.is_terminal() {
                self.ended.insert(id, view.clone());
            }
            views.push(view);
        }
        Ok((text(&state, "status"), text(&state, "reason"), views))
    }
}

/// The live display: bars on a terminal, lines otherwise.
enum Display {
    Bars {
        multi: MultiProgress,
        image: ProgressBar,
        bars: HashMap<String, ProgressBar>,
    },
    Lines {
        image: Option<String>,
        executions: HashMap<String, ExecutionView>,
    },
}

impl Display {
    fn new(plain: bool) -> Display {
        if plain || !std::io::stdout().is_terminal() {
            return Display::Lines {
                image: None,
                executions: HashMap::new(),
            };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stdout());
        let image = multi.add(ProgressBar::new_spinner());
        image.enable_steady_tick(Duration::from_millis(120));
        Display::Bars {
            multi,
            image,
            bars: HashMap::new(),
        }
    }

    fn show(&mut self, image_status: &str, executions: &[ExecutionView]) {
        match self {
            Display::Bars { multi, image, bars } => {
                image.set_message(format!("image {image_status}"));
                let style =
                    ProgressStyle::with_template("{prefix:<32} [{bar:24}] {pos}/{len} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> ");
                for e in executions {
                    let bar = bars.entry(e.id.clone()).or_insert_with(|| {
                        let b = multi.add(ProgressBar::new(e.total));
                        b.set_style(style.clone());
                        b.set_prefix(e.label());
                        b
                    });
                    bar.set_length(e.total);
                    bar.set_position(e.finished());
                    let message = match e.running() {
                        _ if e.is_terminal() => e.status.clone(),
                        Some(s) if s.action == "WaitForAction" => {
                            format!("⏸ WAITING for action: {} ({})", s.name, elapsed(s))
                        }
                        Some(s) => format!("{} ({})", s.name, elapsed(s)),
                        None => e.status.clone(),
                    };
                    bar.set_message(message);
                    if e.is_terminal() && !bar.is_finished() {
                        // Kept where it stopped: a failed workflow shows what it got through.
                        bar.abandon();
                    }
                }
            }
            Display::Lines {
                image,
                executions: seen,
            } => {
                let stamp = chrono::Utc::now().format("%H:%M:%S");
                if image.as_deref() != Some(image_status) {
                    println!("{stamp} image {image_status}");
                    *image = Some(image_status.to_string());
                }
                for e in executions {
                    let before = seen.get(&e.id);
                    if before.map(|b| &b.status) != Some(&e.status) {
                        println!("{stamp} {} {} {}", e.label(), e.id, e.status);
                    }
                    for (i, s) in e.steps.iter().enumerate() {
                        let old = before.and_then(|b| b.steps.get(i));
                        if old.map(|o| &o.status) != Some(&s.status) {
                            let flag = if s.status == "RUNNING" && s.action == "WaitForAction" {
                                " (waiting for action)"
                            } else {
                                ""
                            };
                            // Steps finished up to this one: lines of one poll count up.
                            let done = e.steps[..=i]
                                .iter()
                                .filter(|x| x.status != "RUNNING")
                                .count();
                            println!(
                                "{stamp} {} step {} {}{flag} [{done}/{}]",
                                e.label(),
                                s.name,
                                s.status,
                                e.total
                            );
                        }
                    }
                    seen.insert(e.id.clone(), e.clone());
                }
            }
        }
    }

    fn finish(&self) {
        if let Display::Bars { image, .. } = self {
            image.finish_and_clear();
        }
    }
}

fn elapsed(s: &StepView) -> String {
    s.start_ms
        .map(|start| seconds(now_ms() - start))
        .unwrap_or_default()
}

/// The table printed when the image has ended.
fn summary(image_arn: &str, status: &str, reason: &str, executions: &[ExecutionView]) -> String {
    let headers = [
        "WORKFLOW EXECUTION",
        "TYPE",
        "WORKFLOW",
        "STATUS",
        "SUCCEEDED",
        "FAILED",
        "SKIPPED",
        "TOTAL",
        "DURATION",
    ];
    let rows: Vec<Vec<String>> = executions
        .iter()
        .map(|e| {
            let mut status = e.status.clone();
            if e.retried {
                status.push_str(" (retried)");
            }
            vec![
                e.id.clone(),
                e.kind.clone(),
                e.workflow.clone(),
                status,
                e.succeeded.to_string(),
                e.failed.to_string(),
                e.skipped.to_string(),
                e.total.to_string(),
                match (e.start_ms, e.end_ms) {
                    (Some(a), Some(b)) => seconds(b - a),
                    _ => "-".into(),
                },
            ]
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = String::from("\n");
    out.push_str(&line(headers.iter().map(|h| h.to_string()).collect()));
    for row in rows {
        out.push_str(&line(row));
    }
    out.push_str(&format!("\nImage {image_arn}: {status}\n"));
    if !reason.is_empty() {
        out.push_str(&format!("Reason: {reason}\n"));
    }
    out
}

/// Watches until the image ends; the exit status says how.
pub fn run(options: WatchOptions) -> ExitCode {
    let outcome = match crate::block_on(watch(&options)) {
        Ok(outcome) => outcome,
        Err(code) => return code,
    };
    match outcome {
        Ok(status) => ExitCode::from(exit_status(&status)),
        Err(e) => {
            eprintln!("\n{e}");
            ExitCode::from(255)
        }
    }
}

/// Whether a build is still going in an image of status `status`.
fn building(status: &str) -> bool {
    matches!(
        status,
        "PENDING" | "CREATING" | "BUILDING" | "TESTING" | "DISTRIBUTING" | "INTEGRATING"
    )
}

/// The newest image a pipeline built, with its status.
async fn newest_image(
    poller: &Poller,
    pipeline: &str,
) -> Result<Option<(String, String)>, CallError> {
    let page = poller
        .call(
            "ListImagePipelineImages",
            json!({"imagePipelineArn": pipeline, "maxResults": 1}),
        )
        .await?;
    Ok(page["imageSummaryList"].get(0).map(|i| {
        (
            i["arn"].as_str().unwrap_or_default().to_string(),
            i["state"]["status"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    }))
}

/// The image a pipeline ARN stands for: its newest image while that one builds, else the
/// next image it starts (waited for, polling every `interval`).
async fn pipeline_image(
    poller: &Poller,
    pipeline: &str,
    interval: Duration,
) -> Result<String, CallError> {
    let first = newest_image(poller, pipeline).await?;
    if let Some((arn, status)) = &first {
        if building(status) {
            return Ok(arn.clone());
        }
    }
    let next_run = poller
        .call("GetImagePipeline", json!({"imagePipelineArn": pipeline}))
        .await?["imagePipeline"]["dateNextRun"]
        .as_str()
        .map(|t| format!(" (next run {t})"))
        .unwrap_or_default();
    eprintln!("Waiting for the next image of {pipeline}{next_run}.");
    loop {
        tokio::time::sleep(interval).await;
        let now = newest_image(poller, pipeline).await?;
        if let Some((arn, _)) = now.filter(|n| Some(&n.0) != first.as_ref().map(|f| &f.0)) {
            return Ok(arn);
        }
    }
}

async fn watch(options: &WatchOptions) -> Result<String, CallError> {
    let conn = Connection::resolve(&options.connection).await?;
    let mut poller = Poller {
        conn,
        image_arn: options.image_arn.clone(),
        ended: HashMap::new(),
    };
    let interval =
        Duration::try_from_secs_f64(options.interval.max(0.05)).unwrap_or(Duration::from_secs(1));
    if options.image_arn.contains(":image-pipeline/") {
        poller.image_arn = pipeline_image(&poller, &options.image_arn, interval).await?;
        eprintln!("Following {}.", poller.image_arn);
    }
    let image_arn = poller.image_arn.clone();
    let mut display = Display::new(options.plain);
    loop {
        let (status, reason, executions) = poller.poll().await?;
        display.show(&status, &executions);
        // Anything but a status a build passes through ends the watch (AWS adds statuses
        // now and then; DEPRECATED or DISABLED images do not build any further).
        if !building(&status) {
            display.finish();
            print!("{}", summary(&image_arn, &status, &reason, &executions));
            return Ok(status);
        }
        tokio::time::sleep(interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn execution(id: &str, status: &str) -> ExecutionView {
        ExecutionView {
            id: id.into(),
            workflow: "build-image".into(),
            kind: "BUILD".into(),
            status: status.into(),
            total: 3,
            succeeded: 2,
            failed: 1,
            skipped: 0,
            start_ms: Some(0),
            end_ms: Some(90_500),
            retried: false,
            steps: vec![],
        }
    }

    #[test]
    fn the_summary_lists_every_execution_and_the_outcome() {
        let s = summary(
            "arn:img",
            "FAILED",
            "Workflow Execution ID: 'wf-1' failed with reason: boom",
            &[execution("wf-1", "FAILED")],
        );
        assert!(s.contains("WORKFLOW EXECUTION  TYPE   WORKFLOW     STATUS  SUCCEEDED  FAILED  SKIPPED  TOTAL  DURATION\n"));
        assert!(s.contains("wf-1                BUILD  build-image  FAILED  2          1       0        3      1m30s\n"));
        assert!(s.ends_with("Image arn:img: FAILED\nReason: Workflow Execution ID: 'wf-1' failed with reason: boom\n"));
    }

    #[test]
    fn exit_statuses() {
        assert_eq!(exit_status("AVAILABLE"), 0);
        assert_eq!(exit_status("FAILED"), 1);
        assert_eq!(exit_status("CANCELLED"), 3);
    }

    #[test]
    fn workflow_names_come_from_the_arn() {
        assert_eq!(
            workflow_name("arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/1.0.3/1"),
            "build-image"
        );
    }
}
