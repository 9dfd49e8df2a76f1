//! SDK pages whose JSON is parsed lazily (bodies without `null`, so the typed output drives the
//! loop) against the same bodies handed over as JSON by an `FnSource` (the JSON drives): pages,
//! typed items, resume tokens, non-aggregate part, full result, items and search must agree.
//! Also bodies with `null` members, which make the JSON page drive the loop (as it does when
//! `null` list entries could make the JSON and typed lists differ).

mod common;

use aws_sdk_imagebuilder::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_imagebuilder::Client;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{json, Map, Value};
use stepwise_client::{
    descriptor, FnSource, PageRequest, PageSource, PaginateExt, PaginationConfig, Paginator,
};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const STEPS: usize = 7;

/// The service: 7 steps, `tok-K` tokens; with `nulls`, `null` members on the page and items.
fn respond(request: &Value, nulls: bool) -> Value {
    let size = request
        .get("maxResults")
        .and_then(Value::as_u64)
        .unwrap_or(25) as usize;
    let start = request
        .get("nextToken")
        .and_then(Value::as_str)
        .and_then(|t| t.strip_prefix("tok-"))
        .and_then(|k| k.parse().ok())
        .unwrap_or(0);
    let end = (start + size).min(STEPS);
    let steps: Vec<Value> = (start..end)
        .map(|i| {
            let mut step =
                json!({"stepExecutionId": format!("step-{i:04}"), "name": format!("s{i}")});
            if nulls {
                step["status"] = Value::Null;
            }
            step
        })
        .collect();
    let mut page = json!({
        "requestId": format!("req-{start}"),
        "steps": steps,
        "workflowExecutionId": request["workflowExecutionId"],
    });
    if nulls {
        page["message"] = Value::Null;
    }
    if end < STEPS {
        page["nextToken"] = json!(format!("tok-{end}"));
    }
    page
}

async fn start(nulls: bool) -> Client {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(connection(stream, nulls));
        }
    });
    let config = aws_sdk_imagebuilder::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "tests"))
        .build();
    Client::from_conf(config)
}

async fn connection(stream: TcpStream, nulls: bool) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0;
        loop {
            line.clear();
            reader.read_line(&mut line).await.unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).await.unwrap();
        let request: Value = serde_json::from_slice(&body).unwrap();
        let text = respond(&request, nulls).to_string();
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            text.len()
        );
        let stream = reader.get_mut();
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(text.as_bytes()).await.unwrap();
    }
}

/// The same service as JSON pages (as botocore's parser gives them: no `null` members).
fn fn_source() -> impl PageSource<Output = (), Error = String> {
    FnSource::new(
        &descriptor::LIST_WORKFLOW_STEP_EXECUTIONS,
        |req: &PageRequest| {
            let request = json!({
                "maxResults": req.limit,
                "nextToken": req.token,
                "workflowExecutionId": common::WF,
            });
            Ok::<_, String>(respond(&request, false))
        },
    )
}

/// Everything a run shows through its pages.
#[derive(Debug, PartialEq)]
struct Run {
    pages: Vec<Value>,
    /// `raw_next_token` of each page.
    raw_tokens: Vec<Option<String>>,
    resume: Option<String>,
    non_aggregate: Map<String, Value>,
}

async fn run<S: PageSource>(paginator: &Paginator<S>) -> (Run, Vec<S::Output>) {
    let mut stream = paginator.pages();
    let mut run = Run {
        pages: Vec::new(),
        raw_tokens: Vec::new(),
        resume: None,
        non_aggregate: Map::new(),
    };
    let mut outputs = Vec::new();
    while let Some(page) = stream.next().await {
        let page = page.map_err(|_| "page error").unwrap();
        run.raw_tokens
            .push(page.raw_next_token("nextToken").map(String::from));
        let (json, output) = page.into_parts();
        run.pages.push(json);
        outputs.push(output);
    }
    run.resume = stream.resume_token().map(String::from);
    run.non_aggregate = stream.non_aggregate_part().clone();
    (run, outputs)
}

fn configs() -> Vec<PaginationConfig> {
    let base = PaginationConfig::default();
    let mut configs = vec![
        base.clone(),
        base.clone().page_size(3),
        base.clone().page_size(3).max_items(5),
        base.clone().page_size(3).max_items(3),
        base.clone().page_size(2).max_items(1),
        base.clone().max_items(0),
        base.clone().max_items(-2),
        base.clone().page_size(3).starting_token("tok-3"),
    ];
    // Resume tokens cut the first page in front (and MaxItems may cut it again).
    for skip in [1, 2, 5] {
        let token = format!("tok-3___{skip}");
        configs.push(base.clone().page_size(3).starting_token(token.clone()));
        configs.push(
            base.clone()
                .page_size(3)
                .max_items(1)
                .starting_token(token.clone()),
        );
        configs.push(base.clone().page_size(4).max_items(4).starting_token(token));
    }
    configs
}

async fn compare(nulls: bool) {
    let client = start(nulls).await;
    for config in configs() {
        let sdk = client
            .list_workflow_step_executions()
            .workflow_execution_id(common::WF)
            .paginate(config.clone());
        let json = Paginator::from_source(fn_source(), config.clone());
        let (sdk_run, outputs) = run(&sdk).await;
        let (json_run, _) = run(&json).await;
        assert_eq!(sdk_run, json_run, "{config:?}");

        // The typed pages are cut like the JSON pages.
        for (page, output) in sdk_run.pages.iter().zip(&outputs) {
            let names: Vec<Value> = output
                .steps()
                .iter()
                .map(|s| json!(s.name().unwrap()))
                .collect();
            let expected: Vec<Value> = page["steps"]
                .as_array()
                .map(|items| items.iter().map(|s| s["name"].clone()).collect())
                .unwrap_or_default();
            assert_eq!(names, expected, "{config:?}");
        }

        assert_eq!(
            sdk.build_full_result().await.unwrap(),
            json.build_full_result().await.unwrap(),
            "{config:?}"
        );
        let sdk_items: Vec<Value> = sdk.json_items().try_collect().await.unwrap();
        let json_items: Vec<Value> = json.json_items().try_collect().await.unwrap();
        assert_eq!(sdk_items, json_items, "{config:?}");
        let sdk_found: Vec<Value> = sdk
            .search("steps[].name")
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let json_found: Vec<Value> = json
            .search("steps[].name")
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(sdk_found, json_found, "{config:?}");

        // Typed items, and the resume token and non-aggregate part seen from the item stream.
        let mut items = sdk.items();
        let mut names = Vec::new();
        while let Some(step) = items.next().await {
            names.push(json!(step.unwrap().name().unwrap()));
        }
        assert_eq!(
            names,
            json_items
                .iter()
                .map(|s| s["name"].clone())
                .collect::<Vec<_>>()
        );
        assert_eq!(items.resume_token(), sdk_run.resume.as_deref());
        assert_eq!(items.pages().non_aggregate_part(), &sdk_run.non_aggregate);
    }
}

#[tokio::test]
async fn lazy_json_pages_match_json_driven_pages() {
    compare(false).await;
}

#[tokio::test]
async fn bodies_with_null_members_are_read_as_json_pages() {
    compare(true).await;
}

#[tokio::test]
async fn pages_can_be_cloned_and_read_twice() {
    let client = start(false).await;
    let paginator = client
        .list_workflow_step_executions()
        .workflow_execution_id(common::WF)
        .paginate(PaginationConfig::default().page_size(3).max_items(4));
    let mut pages = paginator.pages();
    let first = pages.next().await.unwrap().unwrap();
    let copy = first.clone();
    assert_eq!(first.json(), copy.json());
    assert_eq!(
        pages.non_aggregate_part()["requestId"],
        json!("req-0"),
        "the first page's members"
    );
    assert_eq!(copy.into_json()["steps"].as_array().unwrap().len(), 3);
    let second = pages.next().await.unwrap().unwrap();
    assert_eq!(second.output().steps().len(), 1);
    assert_eq!(
        second.try_json().unwrap()["steps"],
        json!([{"stepExecutionId": "step-0003", "name": "s3"}])
    );
    assert!(format!("{second:?}").contains("step-0003"));
    assert!(pages.next().await.is_none());
}
