//! Properties of the execution state machine over random documents, random fault plans,
//! random cancellations and restarts at random points.

use proptest::prelude::*;
use serde_json::{json, Value};

use crate::machine::{
    Context, Effect, Event, Machine, RollbackStatus, StepStatus, Work, WorkflowStatus,
};
use crate::model::{
    Action, Condition, OnFailure, Operator, RollbackEnabled, StepDef, WorkflowDocument,
};

#[derive(Debug, Clone)]
struct StepPlan {
    action: Action,
    on_failure: OnFailure,
    rollback_enabled: bool,
    max_attempts: u32,
    /// `Some(b)`: an `if` whose value is the literal `b`.
    condition: Option<bool>,
    /// Reads the outputs of an earlier step that may not have completed.
    reads_earlier: bool,
    /// Outcome of each attempt: true = the action fails.
    attempt_fails: Vec<bool>,
    rollback_fails: bool,
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::LaunchInstance),
        Just(Action::CollectImageMetadata),
        Just(Action::RunCommand),
        Just(Action::ExecuteComponents),
        Just(Action::CreateImage),
        Just(Action::TerminateInstance),
        Just(Action::WaitForAction),
    ]
}

fn step_plan() -> impl Strategy<Value = StepPlan> {
    (
        action(),
        prop_oneof![3 => Just(OnFailure::Abort), 1 => Just(OnFailure::Continue)],
        prop::bool::weighted(0.8),
        1u32..=3,
        prop::option::weighted(0.3, any::<bool>()),
        prop::bool::weighted(0.15),
        prop::collection::vec(prop::bool::weighted(0.3), 3),
        prop::bool::weighted(0.2),
    )
        .prop_map(
            |(
                action,
                on_failure,
                rollback_enabled,
                max_attempts,
                condition,
                reads_earlier,
                attempt_fails,
                rollback_fails,
            )| {
                StepPlan {
                    action,
                    on_failure,
                    rollback_enabled,
                    max_attempts,
                    condition,
                    reads_earlier,
                    attempt_fails,
                    rollback_fails,
                }
            },
        )
}

fn document(plans: &[StepPlan]) -> WorkflowDocument {
    let steps = plans
        .iter()
        .enumerate()
        .map(|(i, p)| StepDef {
            name: format!("Step{i}"),
            action: p.action,
            description: None,
            on_failure: p.on_failure,
            rollback_enabled: RollbackEnabled::Bool(p.rollback_enabled),
            timeout_seconds: None,
            condition: p.condition.map(|b| Condition::Compare {
                operator: Operator::BooleanEquals,
                operand: json!(true),
                value: json!(b),
            }),
            inputs: if p.reads_earlier && i > 0 {
                Some(json!({ "instanceId.$": format!("$.stepOutputs.Step{}.instanceId", i - 1) }))
            } else {
                Some(json!({ "n": i }))
            },
            max_attempts: p.max_attempts,
        })
        .collect();
    WorkflowDocument {
        name: None,
        description: None,
        parameters: vec![],
        steps,
        outputs: vec![],
    }
}

/// One run: the effects in order, and the final machine.
struct Run {
    effects: Vec<Effect>,
    machine: Machine,
}

/// Drives the machine to its end. `cancel_at` cancels at that action point;
/// `restart_at` rebuilds the machine from its records at that action point.
fn drive(
    plans: &[StepPlan],
    cancel_at: Option<usize>,
    restart_at: Option<usize>,
    no_components: bool,
) -> Run {
    let ctx = Context {
        no_components,
        ..Context::default()
    };
    let mut m = Machine::new(document(plans), ctx.clone());
    let mut effects = m.handle(Event::Advance);
    let mut points = 0usize;
    let mut restart_at = restart_at;
    while let Some(work) = m.work() {
        if restart_at == Some(points) {
            restart_at = None;
            m = Machine::restore(
                document(plans),
                ctx.clone(),
                m.records().to_vec(),
                m.status(),
                m.message().map(str::to_string),
            );
            if m.work().is_none() {
                effects.extend(m.handle(Event::Advance));
            }
            continue;
        }
        let event = match work {
            Work::Action(_) if cancel_at == Some(points) => Event::Cancel,
            Work::Action(i) => {
                let attempt = m.record(i).and_then(|r| r.attempt).unwrap_or(1) as usize;
                let fails = plans[i]
                    .attempt_fails
                    .get(attempt - 1)
                    .copied()
                    .unwrap_or(true);
                if plans[i].action == Action::WaitForAction {
                    // The outside world answers a wait: STOP or RESUME, once.
                    if fails {
                        Event::ActionStopped {
                            message: format!("Step{i} stopped"),
                            outputs: Some(json!({ "action": "STOP" })),
                        }
                    } else {
                        Event::ActionSucceeded {
                            outputs: Some(json!({ "action": "RESUME" })),
                        }
                    }
                } else if fails {
                    Event::ActionFailed {
                        message: format!("Step{i} attempt {attempt} failed"),
                        outputs: None,
                    }
                } else {
                    Event::ActionSucceeded {
                        outputs: Some(json!({ "instanceId": format!("i-{i}") })),
                    }
                }
            }
            Work::Rollback(i) if plans[i].rollback_fails => Event::RollbackFailed,
            Work::Rollback(_) => Event::RollbackSucceeded,
        };
        points += 1;
        effects.extend(m.handle(event));
        assert!(points < 1000, "the machine does not terminate");
    }
    Run {
        effects,
        machine: m,
    }
}

fn check_invariants(plans: &[StepPlan], run: &Run) -> Result<(), TestCaseError> {
    let m = &run.machine;
    prop_assert!(m.is_done(), "every run ends");
    prop_assert!(m.status().is_terminal());
    let records = m.records();

    // Counters add up.
    let (succeeded, failed, skipped) = m.counters();
    let count = |s: StepStatus| records.iter().flatten().filter(|r| r.status == s).count() as u32;
    prop_assert_eq!(succeeded, count(StepStatus::Completed));
    prop_assert_eq!(failed, count(StepStatus::Failed));
    prop_assert_eq!(skipped, count(StepStatus::Skipped));

    // Once terminal, every started step is terminal, and no rollback is left running.
    for r in records.iter().flatten() {
        prop_assert!(r.status != StepStatus::Running, "{:?}", r);
        prop_assert!(r.rollback != Some(RollbackStatus::Running));
    }

    // A wait's answer is final: a stopped wait is never attempted again.
    for (plan, r) in plans.iter().zip(records) {
        if let (Action::WaitForAction, Some(r)) = (plan.action, r) {
            prop_assert!(matches!(r.attempt, None | Some(1)), "{:?}", r);
        }
    }

    // Records exist for a prefix of the steps: the listing order never changes.
    let created = records.iter().take_while(|r| r.is_some()).count();
    prop_assert!(records[created..].iter().all(Option::is_none));

    // Records are created in document order.
    let creations: Vec<usize> = run
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::Skipped(i) | Effect::Started(i) => Some(*i),
            _ => None,
        })
        .collect();
    prop_assert!(creations.windows(2).all(|w| w[0] < w[1]), "{:?}", creations);

    // Skipped steps have no outputs and no attempt.
    for r in records
        .iter()
        .flatten()
        .filter(|r| r.status == StepStatus::Skipped)
    {
        prop_assert!(r.outputs.is_none() && r.attempt.is_none() && r.rollback.is_none());
    }

    // Attempts stay within maxAttempts.
    for (i, r) in records.iter().enumerate() {
        if let Some(a) = r.as_ref().and_then(|r| r.attempt) {
            prop_assert!(a >= 1 && a <= plans[i].max_attempts.max(1));
        }
    }

    // Nothing runs after an aborting failure.
    let aborted = records.iter().enumerate().find(|(i, r)| {
        r.as_ref().is_some_and(|r| r.status == StepStatus::Failed)
            && plans[*i].on_failure == OnFailure::Abort
    });
    if let Some((at, _)) = aborted {
        prop_assert_eq!(created, at + 1, "no record after the aborting step");
        prop_assert!(m.status().is_failure(), "{:?}", m.status());
        prop_assert_eq!(
            m.message(),
            records[at].as_ref().and_then(|r| r.message.as_deref())
        );
    } else if m.status() != WorkflowStatus::Cancelled {
        prop_assert_eq!(m.status(), WorkflowStatus::Completed);
        prop_assert_eq!(created, plans.len(), "every step has a record");
        prop_assert!(records.iter().flatten().all(|r| r.rollback.is_none()));
    }

    // Rollback visits steps strictly in reverse order (a restart re-runs the interrupted
    // rollback, which repeats that one visit).
    let mut visits: Vec<usize> = run
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::RollbackStarted(i) | Effect::RollbackSkipped(i) => Some(*i),
            _ => None,
        })
        .collect();
    visits.dedup();
    prop_assert!(visits.windows(2).all(|w| w[0] > w[1]), "{:?}", visits);

    // Cancellation: exactly the running step is CANCELLED and nothing after it exists.
    if m.status() == WorkflowStatus::Cancelled {
        let cancelled: Vec<usize> = (0..records.len())
            .filter(|&i| {
                records[i]
                    .as_ref()
                    .is_some_and(|r| r.status == StepStatus::Cancelled)
            })
            .collect();
        prop_assert!(cancelled.len() <= 1);
        if let Some(&c) = cancelled.first() {
            prop_assert_eq!(created, c + 1);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn runs_keep_the_invariants(
        plans in prop::collection::vec(step_plan(), 1..12),
        cancel_at in prop::option::weighted(0.2, 0usize..20),
        no_components in any::<bool>(),
    ) {
        let run = drive(&plans, cancel_at, None, no_components);
        check_invariants(&plans, &run)?;
    }

    #[test]
    fn a_restart_anywhere_ends_the_same_way(
        plans in prop::collection::vec(step_plan(), 1..12),
        restart_at in 0usize..20,
    ) {
        let straight = drive(&plans, None, None, false);
        let restarted = drive(&plans, None, Some(restart_at), false);
        check_invariants(&plans, &restarted)?;
        prop_assert_eq!(straight.machine.status(), restarted.machine.status());
        prop_assert_eq!(straight.machine.records(), restarted.machine.records());
        prop_assert_eq!(straight.machine.message(), restarted.machine.message());
    }
}

#[test]
fn a_failed_step_with_attempts_left_is_retried_in_place() {
    let plan = StepPlan {
        action: Action::RunCommand,
        on_failure: OnFailure::Abort,
        rollback_enabled: true,
        max_attempts: 3,
        condition: None,
        reads_earlier: false,
        attempt_fails: vec![true, true, false],
        rollback_fails: false,
    };
    let run = drive(&[plan], None, None, false);
    assert_eq!(run.machine.status(), WorkflowStatus::Completed);
    let r = run.machine.record(0).unwrap();
    assert_eq!((r.status, r.attempt), (StepStatus::Completed, Some(3)));
    assert_eq!(
        run.effects,
        [
            Effect::Started(0),
            Effect::Retried(0),
            Effect::Retried(0),
            Effect::Finished(0),
            Effect::WorkflowChanged
        ]
    );
}

#[test]
fn an_unresolvable_reference_fails_the_step_without_running_it() {
    let plans = vec![
        StepPlan {
            action: Action::LaunchInstance,
            on_failure: OnFailure::Continue,
            rollback_enabled: true,
            max_attempts: 1,
            condition: None,
            reads_earlier: false,
            attempt_fails: vec![true],
            rollback_fails: false,
        },
        StepPlan {
            action: Action::RunCommand,
            on_failure: OnFailure::Abort,
            rollback_enabled: true,
            max_attempts: 2,
            condition: None,
            reads_earlier: true,
            attempt_fails: vec![false],
            rollback_fails: false,
        },
    ];
    let run = drive(&plans, None, None, false);
    let second = run.machine.record(1).unwrap();
    assert_eq!(second.status, StepStatus::Failed);
    assert_eq!(
        second.message.as_deref(),
        Some("Unable to resolve '$.stepOutputs.Step0.instanceId'.")
    );
    assert_eq!(
        second.outputs,
        Some(json!({"errorMessage": "Unable to resolve '$.stepOutputs.Step0.instanceId'."}))
    );
    assert!(!run.effects.contains(&Effect::Started(1)), "it never ran");
    // The first step failed (Continue) and the second aborts: LaunchInstance rolls back.
    assert_eq!(run.machine.status(), WorkflowStatus::RollbackCompleted);
    assert_eq!(
        run.machine.record(0).unwrap().rollback,
        Some(RollbackStatus::Completed)
    );
    let _: Value = json!(null);
}
