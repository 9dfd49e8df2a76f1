//! The paginator driving the real aws-sdk-imagebuilder client against a tiny in-process
//! HTTP service (7 steps, `tok-K` tokens): request members, typed items, JSON pages, resume
//! tokens and SDK errors passed through untouched.

mod common;

use aws_sdk_imagebuilder::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_imagebuilder::operation::list_workflow_step_executions::ListWorkflowStepExecutionsError;
use aws_sdk_imagebuilder::Client;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use stepwise_client::{PaginateExt, PaginationConfig, PaginationError, Paginator};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

type Log = Arc<Mutex<Vec<Value>>>;

/// Starts the service; returns a client pointed at it and the log of request bodies.
async fn start() -> (Client, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let serving = log.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(connection(stream, serving.clone()));
        }
    });
    let config = aws_sdk_imagebuilder::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "tests"))
        .build();
    (Client::from_conf(config), log)
}

/// HTTP/1.1 with keep-alive: one JSON request body after another.
async fn connection(stream: TcpStream, log: Log) {
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
            let lower = line.to_ascii_lowercase();
            if let Some(value) = lower.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).await.unwrap();
        let request: Value = serde_json::from_slice(&body).unwrap();
        log.lock().unwrap().push(request.clone());
        let (status, extra_header, response) = respond(&request);
        let text = response.to_string();
        let head = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{extra_header}content-length: {}\r\n\r\n",
            text.len()
        );
        let stream = reader.get_mut();
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(text.as_bytes()).await.unwrap();
    }
}

fn respond(request: &Value) -> (&'static str, &'static str, Value) {
    let size = request
        .get("maxResults")
        .and_then(Value::as_u64)
        .unwrap_or(25) as usize;
    let start = match request.get("nextToken").and_then(Value::as_str) {
        None => 0,
        Some(token) => match token.strip_prefix("tok-").and_then(|k| k.parse().ok()) {
            Some(k) => k,
            None => {
                return (
                    "400 Bad Request",
                    "x-amzn-errortype: InvalidPaginationTokenException\r\n",
                    json!({"message": "The pagination token is invalid."}),
                )
            }
        },
    };
    let end = (start + size).min(7);
    let steps: Vec<Value> = (start..end)
        .map(|i| json!({"stepExecutionId": format!("step-{i:04}"), "name": format!("s{i}"), "status": "COMPLETED"}))
        .collect();
    let mut page = json!({
        "requestId": "req",
        "steps": steps,
        "workflowExecutionId": request["workflowExecutionId"],
        "message": null,
    });
    if end < 7 {
        page["nextToken"] = json!(format!("tok-{end}"));
    }
    ("200 OK", "", page)
}

fn sent_tokens(log: &Log) -> Vec<(Option<String>, Option<u64>)> {
    log.lock()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(
                r["workflowExecutionId"],
                common::WF,
                "parameters are sent on every request"
            );
            (
                r.get("nextToken").and_then(Value::as_str).map(String::from),
                r.get("maxResults").and_then(Value::as_u64),
            )
        })
        .collect()
}

#[tokio::test]
async fn typed_items_json_pages_and_resume_token() {
    let (client, log) = start().await;
    let paginator = client
        .list_workflow_step_executions()
        .workflow_execution_id(common::WF)
        .paginate(PaginationConfig::default().page_size(3).max_items(5));
    let mut items = paginator.items();
    let mut names = Vec::new();
    while let Some(step) = items.next().await {
        names.push(step.unwrap().name().unwrap().to_string());
    }
    assert_eq!(names, ["s0", "s1", "s2", "s3", "s4"]);
    let token = items.resume_token().unwrap().to_string();
    assert_eq!(
        token,
        "eyJuZXh0VG9rZW4iOiAidG9rLTMiLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAyfQ=="
    );
    assert_eq!(
        sent_tokens(&log),
        vec![(None, Some(3)), (Some("tok-3".into()), Some(3))]
    );

    // Resume: the first page is cut by the token's truncate amount, typed and JSON alike.
    log.lock().unwrap().clear();
    let resumed = Paginator::new(
        client
            .list_workflow_step_executions()
            .workflow_execution_id(common::WF),
        PaginationConfig::default()
            .page_size(3)
            .starting_token(token),
    );
    let pages: Vec<_> = resumed.pages().try_collect().await.unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(
        pages[0].json()["steps"],
        json!([{"stepExecutionId": "step-0005", "name": "s5", "status": "COMPLETED"}])
    );
    assert_eq!(pages[0].output().steps().len(), 1);
    assert_eq!(pages[0].output().steps()[0].name(), Some("s5"));
    // botocore's parser drops null members; the raw nextToken stays on the page.
    assert!(pages[0].json().get("message").is_none());
    assert_eq!(pages[0].json()["nextToken"], "tok-6");
    assert_eq!(
        sent_tokens(&log),
        vec![
            (Some("tok-3".into()), Some(3)),
            (Some("tok-6".into()), Some(3))
        ]
    );
}

#[tokio::test]
async fn full_result_over_http() {
    let (client, _log) = start().await;
    let full = client
        .list_workflow_step_executions()
        .workflow_execution_id(common::WF)
        .paginate(PaginationConfig::default().page_size(3).max_items(4))
        .build_full_result()
        .await
        .unwrap();
    let keys: Vec<&str> = full
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "steps",
            "requestId",
            "workflowBuildVersionArn",
            "workflowExecutionId",
            "imageBuildVersionArn",
            "message",
            "NextToken"
        ]
    );
    assert_eq!(full["steps"].as_array().unwrap().len(), 4);
    assert_eq!(full["message"], Value::Null);
    assert_eq!(
        full["NextToken"],
        "eyJuZXh0VG9rZW4iOiAidG9rLTMiLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxfQ=="
    );
}

#[tokio::test]
async fn sdk_errors_pass_through_untouched() {
    let (client, log) = start().await;
    let paginator = client
        .list_workflow_step_executions()
        .workflow_execution_id(common::WF)
        .paginate(PaginationConfig::default().starting_token("not-a-token"));
    let err = paginator.pages().next().await.unwrap().unwrap_err();
    let sdk_error = err.into_service_error().expect("an SDK error");
    assert!(matches!(
        sdk_error.into_service_error(),
        ListWorkflowStepExecutionsError::InvalidPaginationTokenException(_)
    ));
    assert_eq!(sent_tokens(&log), vec![(Some("not-a-token".into()), None)]);
}

#[tokio::test]
async fn client_side_checks_send_nothing() {
    let (client, log) = start().await;
    let builder = client
        .list_workflow_step_executions()
        .workflow_execution_id(common::WF);
    let err = builder
        .clone()
        .paginate(PaginationConfig::default().page_size(0))
        .pages()
        .next()
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Parameter validation failed:\nInvalid value for parameter maxResults, value: 0, valid min value: 1"
    );
    let err = builder
        .clone()
        .paginate(PaginationConfig::default().starting_token(""))
        .pages()
        .next()
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Parameter validation failed:\nInvalid length for parameter nextToken, value: 0, valid min length: 1"
    );
    let err = builder
        .clone()
        .next_token("tok-3")
        .paginate(PaginationConfig::default())
        .pages()
        .next()
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(
        err,
        PaginationError::TokenInParams {
            input_token: "nextToken"
        }
    ));
    // The request's own maxResults is sent when no PageSize is given.
    let all: Vec<_> = builder
        .max_results(4)
        .paginate(PaginationConfig::default())
        .json_items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 7);
    assert_eq!(
        sent_tokens(&log),
        vec![(None, Some(4)), (Some("tok-4".into()), Some(4))]
    );
}
