//! Property tests of the engine as the service runs it: random documents × random fault
//! tags × random answers to waits, each built to its end on a real store (on a virtual
//! clock). What the store holds must be what the pure state machine decides for the same
//! outcomes, and must keep the invariants a client relies on.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use stepwise_api::time::ManualClock;
use stepwise_engine::faults::{self, FaultFile};
use stepwise_engine::step_action::{self, StepAction};
use stepwise_engine::{Engine, ImageRecord, PlannedWorkflow, WaitPolicy};
use stepwise_store::{ResourceKind, SqliteStore, StepRow, Tenant, Write};
use stepwise_workflow::{
    bind_parameters, parse_document, Context, Event, Machine, StepStatus, Work, WorkflowType,
};

const ARN: &str = "arn:aws:imagebuilder:us-east-1:123456789012:image/props/1.0.0/1";
const INSTANCE: &str = "i-0123456789abcdef0";

#[derive(Debug, Clone)]
struct StepPlan {
    action: &'static str,
    on_continue: bool,
    rollback_disabled: bool,
    max_attempts: u32,
    /// `Some(b)`: an `if` that is `b`.
    condition: Option<bool>,
    /// Injected failure, and how many attempts fail (None: all).
    fail: Option<Option<u32>>,
    rollback_fail: bool,
}

fn step_plan() -> impl Strategy<Value = StepPlan> {
    (
        prop_oneof![
            Just("LaunchInstance"),
            Just("RunCommand"),
            Just("CreateImage"),
            Just("TerminateInstance"),
            Just("CollectImageMetadata"),
            Just("WaitForAction"),
        ],
        prop::bool::weighted(0.25),
        prop::bool::weighted(0.2),
        1u32..=3,
        prop::option::weighted(0.2, any::<bool>()),
        prop::option::weighted(0.3, prop::option::of(1u32..=3)),
        prop::bool::weighted(0.2),
    )
        .prop_map(
            |(action, on_continue, rollback_disabled, max_attempts, condition, fail, rb)| {
                StepPlan {
                    action,
                    on_continue,
                    rollback_disabled,
                    max_attempts,
                    condition,
                    fail,
                    rollback_fail: rb,
                }
            },
        )
}

fn document(plans: &[StepPlan]) -> String {
    let mut doc = String::from("schemaVersion: 1.0\nsteps:\n");
    for (i, p) in plans.iter().enumerate() {
        doc.push_str(&format!("  - name: S{i}\n    action: {}\n", p.action));
        if p.on_continue {
            doc.push_str("    onFailure: Continue\n");
        }
        if p.rollback_disabled {
            doc.push_str("    rollbackEnabled: false\n");
        }
        if p.max_attempts > 1 {
            doc.push_str(&format!("    maxAttempts: {}\n", p.max_attempts));
        }
        if let Some(b) = p.condition {
            doc.push_str(&format!(
                "    if:\n      booleanEquals: true\n      value: {b}\n"
            ));
        }
        match p.action {
            "LaunchInstance" => doc.push_str("    inputs:\n      waitFor: ssmAgent\n"),
            "RunCommand" => doc.push_str(&format!(
                "    inputs:\n      instanceId: {INSTANCE}\n      documentName: AWS-RunShellScript\n"
            )),
            "WaitForAction" => {}
            _ => doc.push_str(&format!("    inputs:\n      instanceId: {INSTANCE}\n")),
        }
    }
    doc
}

fn tags(plans: &[StepPlan]) -> Value {
    let mut t = Map::new();
    for (i, p) in plans.iter().enumerate() {
        if let Some(attempts) = p.fail {
            t.insert(format!("stepwise:fail:S{i}"), json!(format!("S{i} broke")));
            if let Some(n) = attempts {
                t.insert(format!("stepwise:fail-attempts:S{i}"), json!(n.to_string()));
            }
        }
        if p.rollback_fail {
            t.insert(format!("stepwise:rollback-fail:S{i}"), json!(""));
        }
    }
    Value::Object(t)
}

fn image(data: &str, tags: Value) -> ImageRecord {
    let doc = parse_document(data, WorkflowType::Build, 100).expect("generated documents parse");
    ImageRecord {
        image: json!({
            "arn": ARN, "type": "AMI", "name": "props", "version": "1.0.0/1",
            "platform": "Linux", "state": {"status": "PENDING"},
            "imageRecipe": {
                "parentImage": "ami-0123456789abcdef0",
                "components": [{"componentArn": "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"}]
            },
            "dateCreated": "2026-01-01T00:00:00.000Z",
            "tags": tags
        }),
        plan: vec![PlannedWorkflow {
            workflow_arn:
                "arn:aws:imagebuilder:us-east-1:123456789012:workflow/build/props/1.0.0/1".into(),
            workflow_type: "BUILD".into(),
            data: data.into(),
            parameters: bind_parameters(&doc, &[]).expect("no parameters"),
            parallel_group: None,
            on_failure: None,
        }],
        components: None,
    }
}

/// The engine's run: the image's final status, the execution row and its step rows.
fn run_engine(
    record: &ImageRecord,
    policy: WaitPolicy,
) -> (String, stepwise_store::WorkflowExecutionRow, Vec<StepRow>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("s.db")).unwrap());
    let tenant = Tenant::new("123456789012", "us-east-1");
    store
        .apply(
            &tenant,
            &[Write::PutResource {
                kind: ResourceKind::Image,
                arn: ARN.into(),
                body: serde_json::to_value(record).unwrap(),
            }],
        )
        .unwrap();
    let clock = ManualClock::new(1_772_619_330_042);
    let engine = Engine::simulated(store.clone(), clock, policy, FaultFile::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(engine.run_to_end(&tenant, ARN)).unwrap();
    let stored = store
        .get_resource(&tenant, ResourceKind::Image, ARN)
        .unwrap()
        .unwrap();
    let record: ImageRecord = serde_json::from_value(stored.body).unwrap();
    let mut executions = store.list_executions(&tenant, ARN, None, 10).unwrap();
    assert_eq!(executions.len(), 1, "one workflow, one execution");
    let execution = executions.remove(0);
    let steps = store.list_steps(&execution.id, None, 100).unwrap();
    assert!(
        store
            .list_waiting_steps(&tenant, None, 100)
            .unwrap()
            .is_empty(),
        "nothing waits after the end"
    );
    let _ = store.close();
    (record.status().to_string(), execution, steps)
}

/// The pure machine's run of the same document with the same outcomes.
fn run_machine(record: &ImageRecord, policy: WaitPolicy) -> Machine {
    let planned = &record.plan[0];
    let doc = parse_document(&planned.data, WorkflowType::Build, 100).unwrap();
    let mut m = Machine::new(doc.clone(), Context::default());
    m.handle(Event::Advance);
    while let Some(work) = m.work() {
        let event = match work {
            Work::Action(i) => {
                let def = &doc.steps[i];
                let f =
                    faults::faults_for(&record.image, &FaultFile::default(), &def.name, def.action);
                let attempt = m.record(i).and_then(|r| r.attempt).unwrap_or(1);
                if def.action == stepwise_workflow::Action::WaitForAction && !f.touches_action() {
                    match policy {
                        WaitPolicy::Answer(a) => {
                            let (outputs, message) = step_action::outcome(a, None);
                            match message {
                                None => Event::ActionSucceeded {
                                    outputs: Some(outputs),
                                },
                                Some(message) => Event::ActionStopped {
                                    message,
                                    outputs: Some(outputs),
                                },
                            }
                        }
                        WaitPolicy::TimeOut => Event::ActionStopped {
                            message: format!(
                                "Step timed out after {} seconds.",
                                def.effective_timeout()
                            ),
                            outputs: None,
                        },
                    }
                } else if let Some(message) = f.failure_of_attempt(attempt) {
                    Event::ActionFailed {
                        message: message.to_string(),
                        outputs: None,
                    }
                } else {
                    Event::ActionSucceeded { outputs: None }
                }
            }
            Work::Rollback(i) => {
                let def = &doc.steps[i];
                let f =
                    faults::faults_for(&record.image, &FaultFile::default(), &def.name, def.action);
                if f.rollback_fail {
                    Event::RollbackFailed
                } else {
                    Event::RollbackSucceeded
                }
            }
        };
        m.handle(event);
    }
    m
}

fn policy() -> impl Strategy<Value = WaitPolicy> {
    prop_oneof![
        Just(WaitPolicy::Answer(StepAction::Resume)),
        Just(WaitPolicy::Answer(StepAction::Stop)),
        Just(WaitPolicy::TimeOut),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_store_holds_what_the_machine_decides(
        plans in prop::collection::vec(step_plan(), 1..8),
        policy in policy(),
    ) {
        let data = document(&plans);
        let record = image(&data, tags(&plans));
        let (image_status, execution, rows) = run_engine(&record, policy);
        let machine = run_machine(&record, policy);

        // The workflow: status, message, counters.
        prop_assert_eq!(execution.status.as_str(), machine.status().as_str());
        prop_assert_eq!(execution.message.as_deref(), machine.message());
        let (succeeded, failed, skipped) = machine.counters();
        prop_assert_eq!(
            (execution.succeeded, execution.failed, execution.skipped),
            (i64::from(succeeded), i64::from(failed), i64::from(skipped))
        );
        prop_assert_eq!(execution.total_steps, plans.len() as i64);
        prop_assert!(execution.end_ms.is_some_and(|end| end >= execution.start_ms));

        // The steps: one row per record, in document order, with the record's outcome.
        let records: Vec<_> = machine.records().iter().flatten().collect();
        prop_assert_eq!(rows.len(), records.len());
        for (i, (row, rec)) in rows.iter().zip(&records).enumerate() {
            prop_assert_eq!(row.idx, i as i64, "rows are a prefix of the document");
            prop_assert_eq!(row.status.as_str(), rec.status.as_str());
            prop_assert_eq!(row.rollback_status.as_deref(), rec.rollback.map(|r| r.as_str()));
            prop_assert_eq!(row.attempt, rec.attempt.map(i64::from));
            prop_assert_eq!(row.message.as_deref(), rec.message.as_deref());
            let end = row.end_ms.expect("every row of a finished workflow has ended");
            prop_assert!(end >= row.start_ms);
            prop_assert!(row.wait_seq.is_none());
            if rec.status == StepStatus::Skipped {
                prop_assert_eq!(end, row.start_ms);
                prop_assert!(row.outputs.is_none() && row.attempt.is_none());
            }
        }

        // The image follows its only workflow.
        let expected = if machine.status().as_str() == "COMPLETED" { "AVAILABLE" } else { "FAILED" };
        prop_assert_eq!(image_status.as_str(), expected);
    }
}
