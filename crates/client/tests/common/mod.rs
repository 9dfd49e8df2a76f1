//! Shared by the integration tests: the botocore fixture and the fake services it was made
//! with (rebuilt here so that the Rust paginator meets the very same pages).

#![allow(dead_code)] // each test binary uses a different part

use futures_util::StreamExt;
use serde_json::{json, Map, Value};
use std::sync::{Arc, Mutex};
use stepwise_client::{
    descriptor, FetchedPage, PageFuture, PageRequest, PageSource, PaginationConfig,
    PaginationError, Paginator, Preset,
};

pub const WF: &str = "wf-0b6e2c1a-4f3d-4c8e-9a71-2d5f0e8b7c43";

/// The fixture written by `tests/interop/gen_botocore_tokens.py`.
pub fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/botocore.json");
    let text = std::fs::read_to_string(path).expect("fixture");
    serde_json::from_str(&text).expect("fixture JSON")
}

/// A service error of the fakes: `code: message`, like the Python fake's `ServiceError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeError {
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for FakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for FakeError {}

fn fake_error(code: &str, message: &str) -> FakeError {
    FakeError {
        code: code.into(),
        message: message.into(),
    }
}

/// What was sent: the input token and the limit member as they went out.
pub type Sent = (Option<String>, Option<i32>);

/// The Python fixture's fake services: `offset` (items s0…s(n-1), token `tok-K` continues at K,
/// default page size 25) and `script` (canned pages in order, the last one repeated).
#[derive(Clone)]
pub struct FakeService {
    spec: Value,
    /// `maxResults` set on the request itself (botocore: in the operation parameters).
    own_limit: Option<i32>,
    pub sent: Arc<Mutex<Vec<Sent>>>,
}

impl FakeService {
    pub fn new(spec: Value, own_limit: Option<i32>) -> Self {
        FakeService {
            spec,
            own_limit,
            sent: Arc::default(),
        }
    }

    pub fn offset(n: usize) -> Self {
        FakeService::new(json!({"kind": "offset", "n": n}), None)
    }

    pub fn script(pages: Vec<Value>) -> Self {
        FakeService::new(json!({"kind": "script", "responses": pages}), None)
    }

    pub fn requests(&self) -> Vec<Sent> {
        self.sent.lock().unwrap().clone()
    }

    fn respond(&self, token: Option<String>, limit: Option<i32>) -> Result<Value, FakeError> {
        let number = {
            let mut sent = self.sent.lock().unwrap();
            sent.push((token.clone(), limit));
            sent.len()
        };
        if number > 12 {
            return Err(fake_error(
                "TooManyRequests",
                "fake service: request cap reached",
            ));
        }
        if self.spec.get("fail_on").and_then(Value::as_u64) == Some(number as u64) {
            let code = self
                .spec
                .get("fail_code")
                .and_then(Value::as_str)
                .unwrap_or("InternalFailure");
            return Err(fake_error(code, "injected failure"));
        }
        if self.spec["kind"] == "offset" {
            return offset_page(&self.spec, token, limit, number);
        }
        let responses = self.spec["responses"].as_array().unwrap();
        Ok(responses[number.min(responses.len()) - 1].clone())
    }
}

pub fn item(i: usize) -> Value {
    json!({"name": format!("s{i}"), "stepExecutionId": format!("step-{i:04}")})
}

fn offset_page(
    spec: &Value,
    token: Option<String>,
    limit: Option<i32>,
    number: usize,
) -> Result<Value, FakeError> {
    let n = spec["n"].as_u64().unwrap() as usize;
    let size = limit.unwrap_or(25);
    if size > 100 {
        return Err(fake_error(
            "InvalidRequestException",
            "maxResults must be between 1 and 100.",
        ));
    }
    let start = match token {
        None => 0,
        Some(t) => t
            .strip_prefix("tok-")
            .filter(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|k| k.parse::<usize>().ok())
            .ok_or_else(|| {
                fake_error(
                    "InvalidPaginationTokenException",
                    "The pagination token is invalid.",
                )
            })?,
    };
    let end = (start + size as usize).min(n);
    let mut page = json!({
        "requestId": format!("req-{number}"),
        "workflowBuildVersionArn": "arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/1.0.0/1",
        "workflowExecutionId": WF,
        "imageBuildVersionArn": "arn:aws:imagebuilder:us-east-1:123456789012:image/web/1.0.0/1",
        "steps": (start..end.max(start)).map(item).collect::<Vec<_>>(),
    });
    let token_on_full = spec
        .get("token_on_full")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if end < n || (token_on_full && end == n && end > start) {
        page["nextToken"] = json!(format!("tok-{end}"));
    }
    Ok(page)
}

impl PageSource for FakeService {
    type Output = ();
    type Error = FakeError;

    fn descriptor(&self) -> &'static descriptor::OperationDescriptor {
        &descriptor::LIST_WORKFLOW_STEP_EXECUTIONS
    }

    fn preset(&self) -> Preset {
        Preset {
            token: None,
            limit: self.own_limit,
        }
    }

    fn fetch(&self, request: PageRequest) -> PageFuture<(), FakeError> {
        // PageSize overrides the request's own maxResults, which is sent otherwise.
        let limit = request.limit.or(self.own_limit);
        let result = self
            .respond(request.token, limit)
            .map(|json| FetchedPage { json, output: () })
            .map_err(PaginationError::Service);
        Box::pin(futures_util::future::ready(result))
    }
}

/// Python's `int(x)` for the config values the fixture uses (ints and numeric strings).
fn py_int(value: &Value) -> i64 {
    match value {
        Value::Number(n) => n.as_i64().unwrap_or_else(|| n.as_f64().unwrap() as i64),
        Value::String(s) => s.trim().parse().unwrap(),
        other => panic!("not an int: {other}"),
    }
}

/// boto3's `PaginationConfig` dict as the Rust config (unknown keys ignored, like botocore).
pub fn config_from(dict: &Value) -> PaginationConfig {
    let mut config = PaginationConfig::default();
    if let Some(map) = dict.as_object() {
        config.max_items = map.get("MaxItems").map(py_int);
        config.page_size = map.get("PageSize").map(|v| py_int(v) as i32);
        config.starting_token = map
            .get("StartingToken")
            .and_then(Value::as_str)
            .map(String::from);
    }
    config
}

/// Everything one run showed, in the fixture's terms.
#[derive(Debug, Default)]
pub struct Run {
    pub pages: Vec<Value>,
    pub error: Option<PaginationError<FakeError>>,
    pub resume_token: Option<String>,
    pub non_aggregate: Map<String, Value>,
}

pub async fn run_pages(source: FakeService, config: PaginationConfig) -> Run {
    let paginator = Paginator::from_source(source, config);
    let mut pages = paginator.pages();
    let mut run = Run::default();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => run.pages.push(page.into_json()),
            Err(e) => run.error = Some(e),
        }
    }
    run.resume_token = pages.resume_token().map(String::from);
    run.non_aggregate = pages.non_aggregate_part().clone();
    run
}

/// The step names of each page (for readable assertions).
pub fn names(pages: &[Value]) -> Vec<Vec<String>> {
    pages
        .iter()
        .map(|p| {
            p.get("steps")
                .and_then(Value::as_array)
                .map(|steps| {
                    steps
                        .iter()
                        .map(|s| s["name"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect()
}

/// Decodes a botocore token for assertions.
pub fn decoded(token: &str) -> String {
    use base64::Engine as _;
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(token)
            .unwrap(),
    )
    .unwrap()
}
