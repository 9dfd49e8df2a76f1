//! The paginators of aws-sdk-imagebuilder and of `stepwise-client` against one Stepwise
//! server, and the tokens that cross between them (spec/pagination.md, C-26).

use aws_sdk_imagebuilder::types::{WorkflowConfiguration, WorkflowType};
use aws_sdk_imagebuilder::Client;
use futures_util::StreamExt;
use stepwise_client::{PaginateExt, PaginationConfig, PaginationError};
use stepwise_sdk_tests::{prerequisites, wait_for_image, Server};

const STEPS: usize = 7;

/// A server with one finished image whose build workflow has seven steps; its execution id.
async fn seven_steps() -> (Server, Client, String) {
    let server = Server::start().await;
    let client = server.client();
    let mut doc = String::from(
        "schemaVersion: 1.0\nsteps:\n  - name: S0\n    action: LaunchInstance\n    inputs:\n      waitFor: ssmAgent\n",
    );
    for i in 1..STEPS {
        doc.push_str(&format!(
            "  - name: S{i}\n    action: RunCommand\n    inputs:\n      instanceId.$: $.stepOutputs.S0.instanceId\n      documentName: AWS-RunShellScript\n"
        ));
    }
    let workflow = client
        .create_workflow()
        .name("seven")
        .semantic_version("1.0.0")
        .r#type(WorkflowType::Build)
        .data(doc)
        .send()
        .await
        .expect("workflow");
    let (recipe, infra) = prerequisites(&client).await;
    let image = client
        .create_image()
        .image_recipe_arn(recipe)
        .infrastructure_configuration_arn(infra)
        .workflows(
            WorkflowConfiguration::builder()
                .workflow_arn(workflow.workflow_build_version_arn().unwrap())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("image");
    let arn = image.image_build_version_arn().unwrap().to_string();
    assert_eq!(wait_for_image(&client, &arn).await, "AVAILABLE");
    let executions = client
        .list_workflow_executions()
        .image_build_version_arn(&arn)
        .send()
        .await
        .unwrap();
    let id = executions.workflow_executions()[0]
        .workflow_execution_id()
        .unwrap()
        .to_string();
    (server, client, id)
}

/// What a resume token says about where to go on: the botocore wrapper's truncate amount and
/// the service token's operation and cursor, without its issue second and the tag over it
/// (spec/pagination.md §2.2).
fn position(token: &str) -> (serde_json::Value, Vec<u8>) {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let outer: serde_json::Value =
        serde_json::from_slice(&b64.decode(token).expect("base64")).expect("json");
    let service = b64
        .decode(outer["nextToken"].as_str().expect("nextToken"))
        .expect("service token");
    assert!(
        service.len() >= 29 && service[0] == 0xFF,
        "a v1 service token"
    );
    (
        outer["boto_truncate_amount"].clone(),
        service[10..service.len() - 16].to_vec(),
    )
}

fn names(items: &[aws_sdk_imagebuilder::types::WorkflowStepMetadata]) -> Vec<String> {
    items
        .iter()
        .map(|s| s.name().unwrap_or_default().to_string())
        .collect()
}

fn expected(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("S{i}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_items_cuts_mid_page_and_the_token_resumes_at_the_next_item() {
    let (_server, client, id) = seven_steps().await;
    let first = client
        .list_workflow_step_executions()
        .workflow_execution_id(&id)
        .paginate(PaginationConfig::default().page_size(3).max_items(5));
    let mut items = first.items();
    let mut got = Vec::new();
    while let Some(step) = items.next().await {
        got.push(step.expect("item"));
    }
    assert_eq!(names(&got), expected(0..5));
    let token = items.resume_token().expect("cut short").to_string();

    let full = client
        .list_workflow_step_executions()
        .workflow_execution_id(&id)
        .paginate(PaginationConfig::default().page_size(3).max_items(5))
        .build_full_result()
        .await
        .expect("full result");
    // The two runs may straddle a second, and a service token holds the second it was issued.
    assert_eq!(
        position(full["NextToken"].as_str().expect("cut short")),
        position(&token),
        "the same position, the same token"
    );
    assert_eq!(full["steps"].as_array().unwrap().len(), 5);

    let rest = client
        .list_workflow_step_executions()
        .workflow_execution_id(&id)
        .paginate(
            PaginationConfig::default()
                .page_size(3)
                .starting_token(token),
        );
    let mut items = rest.items();
    let mut got = Vec::new();
    while let Some(step) = items.next().await {
        got.push(step.expect("item"));
    }
    assert_eq!(names(&got), expected(5..STEPS));
    assert!(items.resume_token().is_none());
}

/// a raw token from an SDK page is a valid StartingToken; a botocore token is not a
/// service token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_sdk_tokens_start_the_paginator_and_botocore_tokens_do_not_reach_the_service() {
    let (_server, client, id) = seven_steps().await;
    let page = client
        .list_workflow_step_executions()
        .workflow_execution_id(&id)
        .max_results(3)
        .send()
        .await
        .unwrap();
    let raw = page.next_token().expect("more pages").to_string();
    let rest = client
        .list_workflow_step_executions()
        .workflow_execution_id(&id)
        .paginate(PaginationConfig::default().starting_token(raw))
        .build_full_result()
        .await
        .unwrap();
    let rest_names: Vec<&str> = rest["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(rest_names, expected(3..STEPS));

    let botocore = client
        .list_workflow_step_executions()
        .workflow_execution_id(&id)
        .paginate(PaginationConfig::default().page_size(3).max_items(4))
        .build_full_result()
        .await
        .unwrap()["NextToken"]
        .as_str()
        .unwrap()
        .to_string();
    let err = client
        .list_workflow_step_executions()
        .workflow_execution_id(&id)
        .next_token(botocore)
        .send()
        .await
        .expect_err("a resume token is not a service token");
    assert!(err
        .into_service_error()
        .is_invalid_pagination_token_exception());
}

/// X-06 and C-26: the SDK's own paginator, and service errors passed through typed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_errors_arrive_as_the_sdks_typed_errors() {
    let (_server, client, id) = seven_steps().await;
    let items: Vec<_> = client
        .list_workflow_step_executions()
        .workflow_execution_id(&id)
        .into_paginator()
        .page_size(3)
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(items.len(), STEPS);
    assert!(items.iter().all(Result::is_ok));

    let zero: Vec<_> = client
        .list_workflow_step_executions()
        .workflow_execution_id(&id)
        .into_paginator()
        .page_size(0)
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(zero.len(), 1, "the stream ends at the error");
    let err = zero.into_iter().next().unwrap().unwrap_err();
    assert!(err.into_service_error().is_invalid_request_exception());

    // PageSize 101 is sent (botocore checks no maximum); the service's 400 passes through.
    let err = client
        .list_workflow_step_executions()
        .workflow_execution_id(&id)
        .paginate(PaginationConfig::default().page_size(101))
        .build_full_result()
        .await
        .expect_err("maxResults above 100");
    match err {
        PaginationError::Service(sdk) => {
            assert!(sdk.into_service_error().is_invalid_request_exception())
        }
        other => panic!("expected the service's error, got {other}"),
    }
}
