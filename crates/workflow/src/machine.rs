//! The execution state machine of one workflow execution (spec §8.4–§8.9), as a pure
//! function: [`Machine::handle`] takes an [`Event`] and returns the [`Effect`]s it caused.
//! It knows no time, no store and no action runtime; the engine persists what the effects
//! name and performs the [`Work`] the machine asks for, then reports back with an event.

use serde_json::{json, Map, Value};

use crate::error::EvalError;
use crate::eval::{
    evaluate_condition, evaluate_outputs, evaluate_rollback_enabled, resolve_inputs, EvalContext,
};
use crate::model::{Action, OnFailure, WorkflowDocument};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    Running,
    Completed,
    Failed,
    Skipped,
    Cancelled,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Running => "RUNNING",
            StepStatus::Completed => "COMPLETED",
            StepStatus::Failed => "FAILED",
            StepStatus::Skipped => "SKIPPED",
            StepStatus::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<StepStatus> {
        [
            StepStatus::Running,
            StepStatus::Completed,
            StepStatus::Failed,
            StepStatus::Skipped,
            StepStatus::Cancelled,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollbackStatus {
    Running,
    Completed,
    Failed,
    Skipped,
}

impl RollbackStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RollbackStatus::Running => "RUNNING",
            RollbackStatus::Completed => "COMPLETED",
            RollbackStatus::Failed => "FAILED",
            RollbackStatus::Skipped => "SKIPPED",
        }
    }

    pub fn parse(s: &str) -> Option<RollbackStatus> {
        [
            RollbackStatus::Running,
            RollbackStatus::Completed,
            RollbackStatus::Failed,
            RollbackStatus::Skipped,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkflowStatus {
    Running,
    Completed,
    Failed,
    RollbackInProgress,
    RollbackCompleted,
    Cancelled,
}

impl WorkflowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowStatus::Running => "RUNNING",
            WorkflowStatus::Completed => "COMPLETED",
            WorkflowStatus::Failed => "FAILED",
            WorkflowStatus::RollbackInProgress => "ROLLBACK_IN_PROGRESS",
            WorkflowStatus::RollbackCompleted => "ROLLBACK_COMPLETED",
            WorkflowStatus::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<WorkflowStatus> {
        [
            WorkflowStatus::Running,
            WorkflowStatus::Completed,
            WorkflowStatus::Failed,
            WorkflowStatus::RollbackInProgress,
            WorkflowStatus::RollbackCompleted,
            WorkflowStatus::Cancelled,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    pub fn is_terminal(self) -> bool {
        !matches!(
            self,
            WorkflowStatus::Running | WorkflowStatus::RollbackInProgress
        )
    }

    /// Whether the workflow ended in failure (an aborting step failure).
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            WorkflowStatus::Failed | WorkflowStatus::RollbackCompleted
        )
    }
}

/// The machine's view of one step execution record (times and ids are the engine's).
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    pub status: StepStatus,
    pub rollback: Option<RollbackStatus>,
    /// `attemptNumber`; `None` for skipped steps.
    pub attempt: Option<u32>,
    /// Resolved inputs of an executed step, raw document inputs of a skipped one.
    pub inputs: Option<Value>,
    pub outputs: Option<Value>,
    pub message: Option<String>,
}

/// What happened; the engine persists the named records (and the workflow) after each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// A record was created `SKIPPED`.
    Skipped(usize),
    /// A record was created `RUNNING` (attempt 1).
    Started(usize),
    /// The running step failed an attempt and starts the next one (same record).
    Retried(usize),
    /// The record reached `COMPLETED` or `FAILED`.
    Finished(usize),
    /// The running step was `CANCELLED`.
    Cancelled(usize),
    RollbackStarted(usize),
    RollbackSkipped(usize),
    RollbackFinished(usize),
    /// The workflow's status or message changed (counters change with records).
    WorkflowChanged,
}

/// What the engine must do before the machine can go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Run the step's action (an attempt); report [`Event::ActionSucceeded`] or
    /// [`Event::ActionFailed`].
    Action(usize),
    /// Roll the step back; report [`Event::RollbackSucceeded`] or [`Event::RollbackFailed`].
    Rollback(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Start, or continue after a restart.
    Advance,
    ActionSucceeded {
        outputs: Option<Value>,
    },
    /// `outputs` defaults to `{"errorMessage": message}`.
    ActionFailed {
        message: String,
        outputs: Option<Value>,
    },
    /// The outside world ended the step (a wait's STOP, or its timeout): it fails with no
    /// further attempt, whatever `maxAttempts` says; a decision is not a transient fault.
    /// `outputs` defaults as for [`Event::ActionFailed`].
    ActionStopped {
        message: String,
        outputs: Option<Value>,
    },
    RollbackSucceeded,
    RollbackFailed,
    /// CancelImageCreation: the running step and the workflow become `CANCELLED`.
    Cancel,
}

/// What the machine reads besides its own steps' outputs.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub parameters: Map<String, Value>,
    pub workflow_outputs: Map<String, Value>,
    pub imagebuilder: Map<String, Value>,
    /// `ExecuteComponents` has nothing to run in this workflow (spec §6.2): it is skipped.
    pub no_components: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    /// The next step to consider.
    Steps(usize),
    /// A step's action runs.
    Acting(usize),
    /// Rolling back: steps still to visit, in visiting (descending) order, and the one
    /// whose rollback runs.
    RollingBack {
        queue: Vec<usize>,
        current: Option<usize>,
    },
    Done,
}

/// What `Machine::advance` does with the next step.
enum Decision {
    Skip,
    /// Start it, with these resolved inputs.
    Start(Option<Value>),
    /// Fail it: its condition or inputs cannot be evaluated.
    Fail(EvalError),
}

/// Step messages and the workflow message are cut to this many characters.
pub const MESSAGE_LIMIT: usize = 500;

fn truncate(message: &str) -> String {
    message.chars().take(MESSAGE_LIMIT).collect()
}

#[derive(Debug, Clone)]
pub struct Machine {
    doc: WorkflowDocument,
    ctx: Context,
    records: Vec<Option<StepRecord>>,
    status: WorkflowStatus,
    message: Option<String>,
    outputs: Option<Map<String, Value>>,
    phase: Phase,
}

impl Machine {
    /// A workflow execution that has not started.
    pub fn new(doc: WorkflowDocument, ctx: Context) -> Machine {
        let records = vec![None; doc.steps.len()];
        Machine {
            doc,
            ctx,
            records,
            status: WorkflowStatus::Running,
            message: None,
            outputs: None,
            phase: Phase::Steps(0),
        }
    }

    /// A workflow execution picked up from its stored records, as after a restart. A
    /// step found `RUNNING` runs again; an interrupted rollback goes on.
    pub fn restore(
        doc: WorkflowDocument,
        ctx: Context,
        records: Vec<Option<StepRecord>>,
        status: WorkflowStatus,
        message: Option<String>,
    ) -> Machine {
        let mut m = Machine::new(doc, ctx);
        for (i, r) in records.into_iter().enumerate().take(m.records.len()) {
            m.records[i] = r;
        }
        m.status = status;
        m.message = message;
        let last = m.records.iter().rposition(Option::is_some);
        match status {
            WorkflowStatus::RollbackInProgress => m.phase = m.resumed_rollback(last.unwrap_or(0)),
            s if s.is_terminal() => m.phase = Phase::Done,
            _ => m.resume_steps(last),
        }
        m
    }

    /// The rollback of a workflow that failed at step `failed`, picked up again: the steps it
    /// had not rolled back yet, or whose rollback was running.
    fn resumed_rollback(&self, failed: usize) -> Phase {
        let queue: Vec<usize> = self
            .rollback_candidates(failed)
            .into_iter()
            .filter(|&i| {
                matches!(
                    self.record(i).and_then(|r| r.rollback),
                    None | Some(RollbackStatus::Running)
                )
            })
            .collect();
        Phase::RollingBack {
            queue,
            current: None,
        }
    }

    /// Steps picked up again after `last`, the last step with a record: a step found
    /// `RUNNING` runs again, an aborting failure whose consequence was not recorded yet is
    /// decided again, anything else goes on with the next step.
    fn resume_steps(&mut self, last: Option<usize>) {
        self.phase = match last {
            None => Phase::Steps(0),
            Some(i) => match self.records[i].as_ref().map(|r| r.status) {
                Some(StepStatus::Running) => Phase::Acting(i),
                Some(StepStatus::Failed) if self.doc.steps[i].on_failure == OnFailure::Abort => {
                    self.phase = Phase::Acting(i);
                    let mut effects = Vec::new();
                    self.abort(i, &mut effects);
                    return;
                }
                _ => Phase::Steps(i + 1),
            },
        };
    }

    pub fn document(&self) -> &WorkflowDocument {
        &self.doc
    }

    pub fn status(&self) -> WorkflowStatus {
        self.status
    }

    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The workflow's evaluated outputs, once it completed.
    pub fn outputs(&self) -> Option<&Map<String, Value>> {
        self.outputs.as_ref()
    }

    pub fn record(&self, idx: usize) -> Option<&StepRecord> {
        self.records.get(idx).and_then(Option::as_ref)
    }

    pub fn records(&self) -> &[Option<StepRecord>] {
        &self.records
    }

    /// (succeeded, failed, skipped): records `COMPLETED`, `FAILED`, `SKIPPED`.
    pub fn counters(&self) -> (u32, u32, u32) {
        let count = |s: StepStatus| {
            self.records
                .iter()
                .flatten()
                .filter(|r| r.status == s)
                .count() as u32
        };
        (
            count(StepStatus::Completed),
            count(StepStatus::Failed),
            count(StepStatus::Skipped),
        )
    }

    /// What the engine must do next; `None` when the machine waits for [`Event::Advance`]
    /// or is done.
    pub fn work(&self) -> Option<Work> {
        match &self.phase {
            Phase::Acting(i) => Some(Work::Action(*i)),
            Phase::RollingBack {
                current: Some(i), ..
            } => Some(Work::Rollback(*i)),
            _ => None,
        }
    }

    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    fn step_outputs(&self) -> Map<String, Value> {
        let mut out = Map::new();
        for (def, r) in self.doc.steps.iter().zip(&self.records) {
            if let Some(r) = r.as_ref().filter(|r| r.status == StepStatus::Completed) {
                out.insert(
                    def.name.clone(),
                    r.outputs.clone().unwrap_or_else(|| json!({})),
                );
            }
        }
        out
    }

    /// What references and conditions read: the machine's context and `step_outputs`.
    fn eval_context<'a>(&'a self, step_outputs: &'a Map<String, Value>) -> EvalContext<'a> {
        EvalContext {
            parameters: &self.ctx.parameters,
            step_outputs,
            workflow_outputs: &self.ctx.workflow_outputs,
            imagebuilder: &self.ctx.imagebuilder,
        }
    }

    pub fn handle(&mut self, event: Event) -> Vec<Effect> {
        let mut effects = Vec::new();
        match (event, self.phase.clone()) {
            (Event::Cancel, Phase::Acting(i)) => {
                if let Some(r) = self.records[i].as_mut() {
                    r.status = StepStatus::Cancelled;
                    effects.push(Effect::Cancelled(i));
                }
                self.end(WorkflowStatus::Cancelled, &mut effects);
            }
            (Event::Cancel, Phase::Steps(_)) => self.end(WorkflowStatus::Cancelled, &mut effects),
            (Event::Advance, Phase::Steps(next)) => self.advance(next, &mut effects),
            (Event::Advance, Phase::RollingBack { .. }) => self.roll_back_next(&mut effects),
            (Event::ActionSucceeded { outputs }, Phase::Acting(i)) => {
                if let Some(r) = self.records[i].as_mut() {
                    r.status = StepStatus::Completed;
                    r.outputs = outputs;
                    effects.push(Effect::Finished(i));
                }
                self.advance(i + 1, &mut effects);
            }
            (Event::ActionFailed { message, outputs }, Phase::Acting(i)) => {
                self.fail_attempt(i, message, outputs, &mut effects)
            }
            (Event::ActionStopped { message, outputs }, Phase::Acting(i)) => {
                self.fail_step(i, message, outputs, &mut effects)
            }
            (
                Event::RollbackSucceeded,
                Phase::RollingBack {
                    current: Some(i), ..
                },
            ) => self.finish_rollback(i, RollbackStatus::Completed, &mut effects),
            (
                Event::RollbackFailed,
                Phase::RollingBack {
                    current: Some(i), ..
                },
            ) => self.finish_rollback(i, RollbackStatus::Failed, &mut effects),
            // Anything else does not apply in this phase (e.g. a cancel during rollback,
            // which lets the rollback finish).
            _ => {}
        }
        effects
    }

    /// Runs forward from step `next`: skips what does not run, starts the first step that
    /// does (or fails it when its condition or inputs cannot be evaluated), or completes.
    fn advance(&mut self, mut next: usize, effects: &mut Vec<Effect>) {
        while next < self.doc.steps.len() {
            match self.decide(next) {
                Decision::Skip => {
                    self.skip(next, effects);
                    next += 1;
                }
                Decision::Start(inputs) => {
                    self.start(next, inputs);
                    effects.push(Effect::Started(next));
                    return;
                }
                // A condition that cannot be evaluated fails the step (it is not false); a
                // reference in the inputs that does not resolve fails every attempt alike.
                Decision::Fail(e) => {
                    self.start(next, None);
                    self.fail_step(next, e.to_string(), None, effects);
                    return;
                }
            }
        }
        self.complete(effects);
    }

    /// Whether step `idx` runs, and with which inputs, given the steps before it.
    fn decide(&self, idx: usize) -> Decision {
        let outputs = self.step_outputs();
        let ctx = self.eval_context(&outputs);
        let def = &self.doc.steps[idx];
        let runs = if def.action == Action::ExecuteComponents && self.ctx.no_components {
            Ok(false)
        } else {
            match &def.condition {
                Some(c) => evaluate_condition(c, &ctx),
                None => Ok(true),
            }
        };
        match runs {
            Ok(false) => Decision::Skip,
            Ok(true) => match def
                .inputs
                .as_ref()
                .map(|raw| resolve_inputs(raw, &ctx))
                .transpose()
            {
                Ok(inputs) => Decision::Start(inputs),
                Err(e) => Decision::Fail(e),
            },
            Err(e) => Decision::Fail(e),
        }
    }

    /// Records step `idx` `SKIPPED`, with its raw inputs.
    fn skip(&mut self, idx: usize, effects: &mut Vec<Effect>) {
        self.records[idx] = Some(StepRecord {
            status: StepStatus::Skipped,
            rollback: None,
            attempt: None,
            inputs: self.doc.steps[idx].inputs.clone(),
            outputs: None,
            message: None,
        });
        effects.push(Effect::Skipped(idx));
    }

    /// Every step was visited: the workflow's outputs are evaluated and it completes.
    fn complete(&mut self, effects: &mut Vec<Effect>) {
        let outputs = self.step_outputs();
        let ctx = self.eval_context(&outputs);
        self.outputs = Some(evaluate_outputs(&self.doc, &ctx));
        self.end(WorkflowStatus::Completed, effects);
    }

    /// Creates the step's record `RUNNING` (attempt 1); its action is the pending work.
    fn start(&mut self, idx: usize, inputs: Option<Value>) {
        self.records[idx] = Some(StepRecord {
            status: StepStatus::Running,
            rollback: None,
            attempt: Some(1),
            inputs,
            outputs: None,
            message: None,
        });
        self.phase = Phase::Acting(idx);
    }

    /// An attempt failed: retry while attempts remain, else the step fails.
    fn fail_attempt(
        &mut self,
        idx: usize,
        message: String,
        outputs: Option<Value>,
        effects: &mut Vec<Effect>,
    ) {
        let max = self.doc.steps[idx].max_attempts.max(1);
        if let Some(r) = self.records[idx].as_mut() {
            let attempt = r.attempt.unwrap_or(1);
            if attempt < max {
                r.attempt = Some(attempt + 1);
                effects.push(Effect::Retried(idx));
                return;
            }
        }
        self.fail_step(idx, message, outputs, effects);
    }

    fn fail_step(
        &mut self,
        idx: usize,
        message: String,
        outputs: Option<Value>,
        effects: &mut Vec<Effect>,
    ) {
        let message = truncate(&message);
        if let Some(r) = self.records[idx].as_mut() {
            r.status = StepStatus::Failed;
            r.outputs = Some(outputs.unwrap_or_else(|| json!({ "errorMessage": message })));
            r.message = Some(message);
            effects.push(Effect::Finished(idx));
        }
        match self.doc.steps[idx].on_failure {
            OnFailure::Continue => self.advance(idx + 1, effects),
            OnFailure::Abort => self.abort(idx, effects),
        }
    }

    /// Steps a rollback from `failed` visits, in visiting order: `COMPLETED` or `FAILED`
    /// records from the failed step back to the first.
    fn rollback_candidates(&self, failed: usize) -> Vec<usize> {
        (0..=failed.min(self.records.len().saturating_sub(1)))
            .rev()
            .filter(|&i| {
                self.record(i)
                    .is_some_and(|r| matches!(r.status, StepStatus::Completed | StepStatus::Failed))
            })
            .collect()
    }

    /// Whether step `idx` applies a rollback: its action has one and `rollbackEnabled`
    /// resolves to true.
    fn applies_rollback(&self, idx: usize) -> bool {
        let def = &self.doc.steps[idx];
        if !def.action.has_rollback() {
            return false;
        }
        let outputs = self.step_outputs();
        let ctx = self.eval_context(&outputs);
        evaluate_rollback_enabled(&def.rollback_enabled, &ctx) == Ok(true)
    }

    /// An aborting failure at `failed`: nothing later runs; roll back (spec §8.6).
    fn abort(&mut self, failed: usize, effects: &mut Vec<Effect>) {
        self.message = self.record(failed).and_then(|r| r.message.clone());
        let queue = self.rollback_candidates(failed);
        if !queue.iter().any(|&i| self.applies_rollback(i)) {
            self.end(WorkflowStatus::Failed, effects);
            return;
        }
        self.status = WorkflowStatus::RollbackInProgress;
        effects.push(Effect::WorkflowChanged);
        self.phase = Phase::RollingBack {
            queue,
            current: None,
        };
        self.roll_back_next(effects);
    }

    fn roll_back_next(&mut self, effects: &mut Vec<Effect>) {
        loop {
            let Phase::RollingBack { queue, .. } = &mut self.phase else {
                return;
            };
            if queue.is_empty() {
                self.end_rollback(effects);
                return;
            }
            let idx = queue.remove(0);
            if self.applies_rollback(idx) {
                if let Some(r) = self.records[idx].as_mut() {
                    r.rollback = Some(RollbackStatus::Running);
                }
                effects.push(Effect::RollbackStarted(idx));
                if let Phase::RollingBack { current, .. } = &mut self.phase {
                    *current = Some(idx);
                }
                return;
            }
            if let Some(r) = self.records[idx].as_mut() {
                r.rollback = Some(RollbackStatus::Skipped);
            }
            effects.push(Effect::RollbackSkipped(idx));
        }
    }

    /// Every step of the rollback was visited: the workflow failed if a rollback failed.
    fn end_rollback(&mut self, effects: &mut Vec<Effect>) {
        let failed_rollback = self
            .records
            .iter()
            .flatten()
            .any(|r| r.rollback == Some(RollbackStatus::Failed));
        let status = if failed_rollback {
            WorkflowStatus::Failed
        } else {
            WorkflowStatus::RollbackCompleted
        };
        self.end(status, effects);
    }

    fn finish_rollback(&mut self, idx: usize, status: RollbackStatus, effects: &mut Vec<Effect>) {
        if let Some(r) = self.records[idx].as_mut() {
            r.rollback = Some(status);
        }
        effects.push(Effect::RollbackFinished(idx));
        if let Phase::RollingBack { current, .. } = &mut self.phase {
            *current = None;
        }
        self.roll_back_next(effects);
    }

    fn end(&mut self, status: WorkflowStatus, effects: &mut Vec<Effect>) {
        self.status = status;
        self.phase = Phase::Done;
        effects.push(Effect::WorkflowChanged);
    }
}
