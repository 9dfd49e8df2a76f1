//! The engine against a real SQLite store at time scale 0: managed builds, injected faults,
//! timeouts, and a build resumed from a half-written store as after a crash.

use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use stepwise_api::time::{Clock, SystemClock};
use stepwise_engine::{Engine, EngineConfig, ImageRecord, PlannedWorkflow};
use stepwise_store::{ResourceKind, SqliteStore, StepRow, Tenant, WorkflowExecutionRow, Write};
use stepwise_workflow::{bind_parameters, managed_workflows, parse_document};

const ARN: &str = "arn:aws:imagebuilder:us-east-1:123456789012:image/demo/1.0.0/1";

fn tenant() -> Tenant {
    Tenant::new("123456789012", "us-east-1")
}

fn managed_plan() -> Vec<PlannedWorkflow> {
    managed_workflows()
        .iter()
        .map(|m| {
            let doc = parse_document(m.data, m.ty, 100).expect("managed document parses");
            PlannedWorkflow {
                workflow_arn: format!(
                    "arn:aws:imagebuilder:us-east-1:aws:workflow/{}/{}/{}/{}",
                    m.ty.arn_segment(),
                    m.name,
                    m.version,
                    m.build
                ),
                workflow_type: m.ty.as_str().to_string(),
                data: m.data.to_string(),
                parameters: bind_parameters(&doc, &[]).expect("no parameters needed"),
                parallel_group: None,
                on_failure: None,
            }
        })
        .collect()
}

fn image(tags: Value, status: &str) -> ImageRecord {
    ImageRecord {
        image: json!({
            "arn": ARN,
            "type": "AMI",
            "name": "demo",
            "version": "1.0.0/1",
            "platform": "Linux",
            "enhancedImageMetadataEnabled": true,
            "state": {"status": status},
            "imageRecipe": {
                "parentImage": "ami-0123456789abcdef0",
                "components": [{"componentArn": "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"}]
            },
            "infrastructureConfiguration": {"instanceProfileName": "builder"},
            "dateCreated": "2026-01-01T00:00:00.000Z",
            "outputResources": {"amis": []},
            "tags": tags
        }),
        plan: managed_plan(),
        components: None,
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<SqliteStore>,
    engine: Engine,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("s.db")).unwrap());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let engine = Engine::new(store.clone(), clock, EngineConfig::default());
    Fixture {
        _dir: dir,
        store,
        engine,
    }
}

fn put_image(store: &SqliteStore, record: &ImageRecord) {
    store
        .apply(
            &tenant(),
            &[Write::PutResource {
                kind: ResourceKind::Image,
                arn: ARN.into(),
                body: serde_json::to_value(record).unwrap(),
            }],
        )
        .unwrap();
}

async fn wait_terminal(store: &SqliteStore) -> ImageRecord {
    for _ in 0..400 {
        let r = store
            .get_resource(&tenant(), ResourceKind::Image, ARN)
            .unwrap()
            .unwrap();
        let record: ImageRecord = serde_json::from_value(r.body).unwrap();
        if matches!(record.status(), "AVAILABLE" | "FAILED" | "CANCELLED") {
            return record;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the build did not finish");
}

fn counters(e: &WorkflowExecutionRow) -> (i64, i64, i64, i64) {
    (e.total_steps, e.succeeded, e.failed, e.skipped)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_build_and_test_complete_with_the_documented_counters() {
    let f = fixture();
    put_image(&f.store, &image(json!({}), "PENDING"));
    f.engine.start(tenant(), ARN.into());
    let record = wait_terminal(&f.store).await;
    assert_eq!(record.status(), "AVAILABLE", "{:?}", record.image);
    assert_eq!(record.image["osVersion"], "Amazon Linux 2023");
    let amis = record.image["outputResources"]["amis"].as_array().unwrap();
    assert_eq!(amis.len(), 1);
    assert!(amis[0]["image"].as_str().unwrap().starts_with("ami-"));

    let executions = f.store.list_executions(&tenant(), ARN, None, 10).unwrap();
    assert_eq!(executions.len(), 2);
    assert_eq!(executions[0].workflow_type, "BUILD");
    assert_eq!(counters(&executions[0]), (7, 6, 0, 1));
    assert_eq!(executions[1].workflow_type, "TEST");
    assert_eq!(counters(&executions[1]), (4, 2, 0, 2));
    for e in &executions {
        assert_eq!(e.status, "COMPLETED");
        assert!(e.end_ms.unwrap() >= e.start_ms);
    }
    // The build's output AMI is the one recorded on the image.
    let build_outputs = executions[0].outputs.as_ref().unwrap();
    assert_eq!(build_outputs["ImageId"], amis[0]["image"]);

    let steps = f.store.list_steps(&executions[0].id, None, 100).unwrap();
    let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "LaunchBuildInstance",
            "ApplyBuildComponents",
            "InventoryCollection",
            "RunSanitizeScript",
            "RunSysPrepScript",
            "CreateOutputAMI",
            "TerminateBuildInstance"
        ]
    );
    let skipped = &steps[4];
    assert_eq!(skipped.status, "SKIPPED");
    assert_eq!(Some(skipped.start_ms), skipped.end_ms);
    assert!(skipped.outputs.is_none() && skipped.attempt.is_none());
    let launch: Value = serde_json::from_str(steps[0].outputs.as_deref().unwrap()).unwrap();
    let instance = launch["instanceId"].as_str().unwrap();
    assert!(instance.starts_with("i-") && instance.len() == 19);
    // Later steps received the instance id through `$.stepOutputs`.
    let inputs: Value = serde_json::from_str(steps[1].inputs.as_deref().unwrap()).unwrap();
    assert_eq!(inputs["instanceId"], instance);
    assert_eq!(steps[6].outputs, None, "TerminateInstance has no outputs");
    assert!(steps
        .iter()
        .filter(|s| s.status == "COMPLETED")
        .all(|s| s.attempt == Some(1)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_injected_failure_fails_the_workflow_and_the_image() {
    let f = fixture();
    put_image(
        &f.store,
        &image(
            json!({"stepwise:fail:CreateOutputAMI": "snapshot quota exceeded"}),
            "PENDING",
        ),
    );
    f.engine.start(tenant(), ARN.into());
    let record = wait_terminal(&f.store).await;
    assert_eq!(record.status(), "FAILED");
    let executions = f.store.list_executions(&tenant(), ARN, None, 10).unwrap();
    assert_eq!(executions.len(), 1, "the test stage never starts");
    let build = &executions[0];
    assert_eq!(
        build.status, "ROLLBACK_COMPLETED",
        "LaunchInstance rolled back"
    );
    assert_eq!(build.message.as_deref(), Some("snapshot quota exceeded"));
    assert_eq!(
        record.image["state"]["reason"],
        format!(
            "Workflow Execution ID: '{}' failed with reason: snapshot quota exceeded",
            build.id
        )
    );
    let context = &record.image["state"]["failureContext"];
    assert_eq!(context["failedStep"], "CreateOutputAMI");
    assert_eq!(context["imageStatus"], "BUILDING");
    assert_eq!(context["workflowExecutionId"], build.id.as_str());
    let steps = f.store.list_steps(&build.id, None, 100).unwrap();
    assert_eq!(steps.len(), 6, "no step runs after an aborting failure");
    let failed = steps.last().unwrap();
    assert_eq!(failed.status, "FAILED");
    assert_eq!(
        failed.outputs.as_deref(),
        Some(r#"{"errorMessage": "snapshot quota exceeded"}"#)
    );
    assert_eq!(context["stepExecutionId"], failed.id.as_str());
    assert_eq!((build.succeeded, build.failed, build.skipped), (4, 1, 1));
    let rollback: Vec<Option<&str>> = steps.iter().map(|s| s.rollback_status.as_deref()).collect();
    assert_eq!(
        rollback,
        [
            Some("COMPLETED"),
            Some("SKIPPED"),
            Some("COMPLETED"),
            Some("SKIPPED"),
            None,
            Some("SKIPPED")
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_rollback_leaves_the_workflow_failed() {
    let f = fixture();
    let tags = json!({"stepwise:fail:ApplyBuildComponents": "", "stepwise:rollback-fail:LaunchBuildInstance": ""});
    put_image(&f.store, &image(tags, "PENDING"));
    f.engine.start(tenant(), ARN.into());
    let record = wait_terminal(&f.store).await;
    assert_eq!(record.status(), "FAILED");
    let executions = f.store.list_executions(&tenant(), ARN, None, 10).unwrap();
    assert_eq!(executions[0].status, "FAILED");
    assert_eq!(
        executions[0].message.as_deref(),
        Some(stepwise_engine::faults::DEFAULT_FAULT_MESSAGE)
    );
    let steps = f.store.list_steps(&executions[0].id, None, 100).unwrap();
    let rollback: Vec<Option<&str>> = steps.iter().map(|s| s.rollback_status.as_deref()).collect();
    assert_eq!(rollback, [Some("FAILED"), Some("SKIPPED")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_longer_than_its_timeout_times_out_even_at_scale_zero() {
    let f = fixture();
    put_image(
        &f.store,
        &image(
            json!({"stepwise:duration:LaunchBuildInstance": "5000"}),
            "PENDING",
        ),
    );
    f.engine.start(tenant(), ARN.into());
    let record = wait_terminal(&f.store).await;
    assert_eq!(record.status(), "FAILED");
    let executions = f.store.list_executions(&tenant(), ARN, None, 10).unwrap();
    let steps = f.store.list_steps(&executions[0].id, None, 100).unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!(
        steps[0].message.as_deref(),
        Some("Step timed out after 4500 seconds.")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_build_interrupted_mid_step_resumes_from_the_store() {
    let f = fixture();
    put_image(&f.store, &image(json!({}), "BUILDING"));
    let plan = managed_plan();
    let execution = WorkflowExecutionRow {
        seq: 0,
        id: "wf-0b6e2c1a-4f3d-4c8e-9a71-2d5f0e8b7c43".into(),
        tenant: tenant(),
        image_arn: ARN.into(),
        workflow_arn: plan[0].workflow_arn.clone(),
        workflow_type: "BUILD".into(),
        status: "RUNNING".into(),
        message: None,
        total_steps: 7,
        succeeded: 1,
        failed: 0,
        skipped: 0,
        start_ms: 1_767_225_600_000,
        end_ms: None,
        parallel_group: None,
        retried: false,
        plan_index: 0,
        outputs: None,
    };
    let step =
        |idx: i64, id: &str, name: &str, action: &str, status: &str, outputs: Option<&str>| {
            StepRow {
                id: id.into(),
                execution_id: execution.id.clone(),
                idx,
                name: name.into(),
                description: None,
                action: action.into(),
                status: status.into(),
                rollback_status: None,
                message: None,
                inputs: None,
                outputs: outputs.map(str::to_string),
                start_ms: 1_767_225_600_000,
                end_ms: (status != "RUNNING").then_some(1_767_225_600_000),
                attempt: Some(1),
                max_attempts: Some(1),
                on_failure: "Abort".into(),
                timeout_seconds: 3600,
                wait_seq: None,
            }
        };
    let running_id = "step-91d2a7c4-0e3f-4b58-a6d1-7c9e2f3b4a50";
    f.store
        .apply(
            &tenant(),
            &[
                Write::InsertExecution(Box::new(execution.clone())),
                Write::InsertStep(Box::new(step(
                    0,
                    "step-00000000-0e3f-4b58-a6d1-7c9e2f3b4a50",
                    "LaunchBuildInstance",
                    "LaunchInstance",
                    "COMPLETED",
                    Some(r#"{"instanceId": "i-0a1b2c3d4e5f60718"}"#),
                ))),
                Write::InsertStep(Box::new(step(
                    1,
                    running_id,
                    "ApplyBuildComponents",
                    "ExecuteComponents",
                    "RUNNING",
                    None,
                ))),
            ],
        )
        .unwrap();
    assert_eq!(f.engine.resume_all().await.unwrap(), 1);
    let record = wait_terminal(&f.store).await;
    assert_eq!(record.status(), "AVAILABLE");
    let executions = f.store.list_executions(&tenant(), ARN, None, 10).unwrap();
    assert_eq!(executions.len(), 2, "no duplicate build execution");
    assert_eq!(executions[0].id, execution.id);
    assert_eq!(counters(&executions[0]), (7, 6, 0, 1));
    let steps = f.store.list_steps(&execution.id, None, 100).unwrap();
    assert_eq!(steps.len(), 7);
    assert_eq!(steps[1].id, running_id, "the interrupted step keeps its id");
    assert_eq!(steps[1].status, "COMPLETED");
    let inputs: Value = serde_json::from_str(steps[2].inputs.as_deref().unwrap()).unwrap();
    assert_eq!(
        inputs["instanceId"], "i-0a1b2c3d4e5f60718",
        "outputs from before the crash are used"
    );
}

fn custom_plan(data: &str) -> Vec<PlannedWorkflow> {
    let doc =
        parse_document(data, stepwise_workflow::WorkflowType::Build, 15).expect("document parses");
    vec![PlannedWorkflow {
        workflow_arn: "arn:aws:imagebuilder:us-east-1:123456789012:workflow/build/flaky/1.0.0/1"
            .into(),
        workflow_type: "BUILD".into(),
        data: data.into(),
        parameters: bind_parameters(&doc, &[]).unwrap(),
        parallel_group: None,
        on_failure: None,
    }]
}

const FLAKY: &str = "schemaVersion: 1.0
steps:
  - name: Launch
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: Flaky
    action: RunCommand
    maxAttempts: 3
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
      documentName: AWS-RunShellScript
";

async fn run_flaky(fail_attempts: &str) -> (ImageRecord, Vec<StepRow>) {
    let f = fixture();
    let mut record = image(
        json!({"stepwise:fail:Flaky": "ssm timeout", "stepwise:fail-attempts:Flaky": fail_attempts}),
        "PENDING",
    );
    record.plan = custom_plan(FLAKY);
    put_image(&f.store, &record);
    f.engine.start(tenant(), ARN.into());
    let record = wait_terminal(&f.store).await;
    let executions = f.store.list_executions(&tenant(), ARN, None, 10).unwrap();
    let steps = f.store.list_steps(&executions[0].id, None, 100).unwrap();
    (record, steps)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_with_attempts_left_is_retried_under_the_same_record() {
    let (record, steps) = run_flaky("2").await;
    assert_eq!(record.status(), "AVAILABLE");
    let flaky = &steps[1];
    assert_eq!(
        (flaky.status.as_str(), flaky.attempt, flaky.max_attempts),
        ("COMPLETED", Some(3), Some(3))
    );

    let (record, steps) = run_flaky("5").await;
    assert_eq!(record.status(), "FAILED");
    let flaky = &steps[1];
    assert_eq!((flaky.status.as_str(), flaky.attempt), ("FAILED", Some(3)));
    assert_eq!(flaky.message.as_deref(), Some("ssm timeout"));
}
