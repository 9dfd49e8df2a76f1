//! One workflow execution, decided by the pure state machine (`stepwise_workflow::Machine`)
//! and carried out here: this module performs the work the machine asks for on the
//! simulated runtime, feeds the result back as an event, and commits what the event changed
//! in one transaction. The store's rows are a projection of the machine's records, so a
//! restart rebuilds the machine from them and goes on.

use crate::components;
use crate::context::imagebuilder_variables;
use crate::faults::{self, StepFaults};
use crate::plan::PlannedWorkflow;
use crate::runner::{Run, WorkflowEnd};
use crate::simulate::{self, SimulationContext};
use crate::step_action;
use crate::WaitPolicy;
use serde_json::{Map, Value};
use std::time::Duration;
use stepwise_api::{ids, pyjson, time::format_millis};
use stepwise_store::{
    StepRow, StoreError, StoreResult, WorkflowExecutionRow, Write, ALLOCATE_WAIT_SEQ,
};
use stepwise_workflow::{
    parse_document, Action, Context, Event, Machine, OnFailure, StepDef, StepRecord, StepStatus,
    Work, WorkflowStatus, WorkflowType,
};

/// Documents were validated against the quota when created; re-parsing must not re-apply it.
const REPARSE_STEP_LIMIT: usize = 10_000;
/// How often a waiting step looks for the outside world's answer.
const WAIT_POLL: Duration = Duration::from_millis(50);

/// A workflow execution in progress: the machine, and what the store holds of it.
struct Tracked {
    /// The workflow's type: which component phases its ExecuteComponents steps run.
    stage: WorkflowType,
    row: WorkflowExecutionRow,
    /// The stored step rows, indexed like the machine's records.
    steps: Vec<Option<StepRow>>,
    /// The machine's records as the store holds them: a record equal to its committed
    /// form needs no write.
    committed: Vec<Option<StepRecord>>,
    machine: Machine,
}

/// The machine's view of a stored step row.
fn step_record(row: &StepRow) -> StoreResult<StepRecord> {
    let parse = |s: &Option<String>| s.as_deref().and_then(|t| serde_json::from_str(t).ok());
    let status = StepStatus::parse(&row.status).ok_or_else(|| {
        StoreError::Corrupt(format!("step {} has status '{}'", row.id, row.status))
    })?;
    Ok(StepRecord {
        status,
        rollback: row
            .rollback_status
            .as_deref()
            .and_then(stepwise_workflow::RollbackStatus::parse),
        attempt: row.attempt.map(|a| a.max(1) as u32),
        inputs: parse(&row.inputs),
        outputs: parse(&row.outputs),
        message: row.message.clone(),
    })
}

fn timed_out(timeout: u64) -> String {
    format!("Step timed out after {timeout} seconds.")
}

impl Run<'_> {
    /// Runs (or resumes) one planned workflow to its end.
    pub(crate) async fn run_workflow(
        &self,
        image_arn: &str,
        plan_index: usize,
        planned: &PlannedWorkflow,
        build_ami: Option<&str>,
    ) -> StoreResult<(WorkflowEnd, WorkflowExecutionRow)> {
        let wf_type = WorkflowType::parse(&planned.workflow_type).unwrap_or(WorkflowType::Build);
        let doc = parse_document(&planned.data, wf_type, REPARSE_STEP_LIMIT)
            .map_err(|e| StoreError::Corrupt(format!("stored workflow document: {e}")))?;
        let executions = self
            .inner
            .store
            .list_executions(self.tenant, image_arn, None, 1000)
            .await?;
        let earlier = self
            .earlier
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let workflow_outputs = collect_workflow_outputs(&executions, &earlier);
        let existing = executions
            .into_iter()
            .find(|e| e.plan_index == plan_index as i64 && !e.retried);
        let row = match existing {
            Some(e) => e,
            None => {
                let row = self.new_execution_row(image_arn, plan_index, planned, doc.steps.len());
                // A workflow that never starts has no record.
                if self.cancelled().await? {
                    return Ok((WorkflowEnd::Cancelled, row));
                }
                self.commit(vec![Write::InsertExecution(Box::new(row.clone()))])
                    .await?;
                row
            }
        };
        let Some(status) = WorkflowStatus::parse(&row.status) else {
            let message = row.message.clone().unwrap_or_default();
            let end = WorkflowEnd::Failed {
                message,
                step_id: None,
                step_name: None,
            };
            return Ok((end, row));
        };
        let mut steps: Vec<Option<StepRow>> = vec![None; doc.steps.len()];
        for r in self
            .inner
            .store
            .list_steps(&row.id, None, usize::MAX >> 1)
            .await?
        {
            if let Some(slot) = steps.get_mut(r.idx as usize) {
                *slot = Some(r);
            }
        }
        let ctx = Context {
            parameters: planned.parameters.clone(),
            workflow_outputs,
            imagebuilder: imagebuilder_variables(&self.record, &planned.workflow_type, build_ami),
            no_components: wf_type != WorkflowType::Distribution
                && !components::any_to_run(&self.record, wf_type),
        };
        let committed: Vec<Option<StepRecord>> = steps
            .iter()
            .map(|s| s.as_ref().map(step_record).transpose())
            .collect::<StoreResult<_>>()?;
        let machine = Machine::restore(doc, ctx, committed.clone(), status, row.message.clone());
        let mut t = Tracked {
            stage: wf_type,
            row,
            steps,
            committed,
            machine,
        };
        // What the machine decided on restoring (the consequence of a failure recorded just
        // before a restart) is committed before anything else happens.
        let restored = t.machine.clone();
        self.apply(&mut t, restored).await?;
        while !t.machine.is_done() {
            let event = match t.machine.work() {
                Some(Work::Action(i)) => self.perform(&mut t, i, build_ami).await?,
                Some(Work::Rollback(i)) => self.roll_back(&t, i).await,
                None if t.machine.status() == WorkflowStatus::Running
                    && self.cancelled().await? =>
                {
                    Event::Cancel
                }
                None => Event::Advance,
            };
            let mut next = t.machine.clone();
            next.handle(event);
            // A conflict means the outside world answered a waiting step first: the next
            // turn reads what it did.
            self.apply(&mut t, next).await?;
        }
        Ok((self.end_of(&t), t.row))
    }

    fn new_execution_row(
        &self,
        image_arn: &str,
        plan_index: usize,
        planned: &PlannedWorkflow,
        total_steps: usize,
    ) -> WorkflowExecutionRow {
        WorkflowExecutionRow {
            seq: 0,
            id: ids::new_workflow_execution_id(),
            tenant: self.tenant.clone(),
            image_arn: image_arn.to_string(),
            workflow_arn: planned.workflow_arn.clone(),
            workflow_type: planned.workflow_type.clone(),
            status: "RUNNING".into(),
            message: None,
            total_steps: total_steps as i64,
            succeeded: 0,
            failed: 0,
            skipped: 0,
            start_ms: self.now(),
            end_ms: None,
            parallel_group: planned.parallel_group.clone(),
            retried: false,
            plan_index: plan_index as i64,
            outputs: None,
        }
    }

    /// How the finished workflow ended, for its image.
    fn end_of(&self, t: &Tracked) -> WorkflowEnd {
        match t.machine.status() {
            WorkflowStatus::Completed => WorkflowEnd::Completed,
            WorkflowStatus::Cancelled => WorkflowEnd::Cancelled,
            _ => {
                let doc = t.machine.document();
                let failed = (0..doc.steps.len()).rev().find(|&i| {
                    doc.steps[i].on_failure == OnFailure::Abort
                        && t.machine
                            .record(i)
                            .is_some_and(|r| r.status == StepStatus::Failed)
                });
                let row = failed.and_then(|i| t.steps[i].as_ref());
                WorkflowEnd::Failed {
                    message: t
                        .machine
                        .message()
                        .map(str::to_string)
                        .or_else(|| t.row.message.clone())
                        .unwrap_or_default(),
                    step_id: row.map(|r| r.id.clone()),
                    step_name: row.map(|r| r.name.clone()),
                }
            }
        }
    }

    /// Commits the difference between `next` and what the store holds, in one transaction,
    /// and makes `next` current. A step that waits is ended only if it still waits
    /// ([`Write::FinishWaitingStep`]); if the outside world answered it first, nothing is
    /// committed and the current machine stays, to read the answer on its next turn.
    async fn apply(&self, t: &mut Tracked, next: Machine) -> StoreResult<()> {
        let now = self.now();
        let mut writes = Vec::new();
        let mut steps = t.steps.clone();
        for (idx, slot) in steps.iter_mut().enumerate() {
            let Some(record) = next.record(idx) else {
                continue;
            };
            if t.committed[idx].as_ref() == Some(record) {
                continue;
            }
            let def = &next.document().steps[idx];
            let stored = t.steps[idx].as_ref();
            let row = self.projected_row(&t.row, stored, idx, def, record, now);
            writes.push(match stored {
                None => Write::InsertStep(Box::new(row.clone())),
                Some(s) if s.wait_seq.is_some() && row.wait_seq.is_none() => {
                    Write::FinishWaitingStep(Box::new(row.clone()))
                }
                Some(_) => Write::UpdateStep(Box::new(row.clone())),
            });
            *slot = Some(row);
        }
        let row = projected_execution(&t.row, &next, now);
        if row != t.row {
            writes.push(Write::UpdateExecution(Box::new(row.clone())));
        }
        if !writes.is_empty() {
            let guarded: Vec<String> = writes
                .iter()
                .filter_map(|w| match w {
                    Write::FinishWaitingStep(row) => Some(row.id.clone()),
                    _ => None,
                })
                .collect();
            match self.commit(writes).await {
                Err(StoreError::Conflict(c)) if !guarded.is_empty() => {
                    // Only a step the outside world has answered meanwhile is expected here.
                    for id in &guarded {
                        let still_waiting = self
                            .inner
                            .store
                            .get_step(self.tenant, id)
                            .await?
                            .is_some_and(|s| {
                                s.step.status == "RUNNING" && s.step.wait_seq.is_some()
                            });
                        if still_waiting {
                            return Err(StoreError::Conflict(c));
                        }
                    }
                    return Ok(());
                }
                other => other?,
            }
        }
        // A step that began waiting got its place in the waiting order from the store.
        for slot in steps.iter_mut() {
            if let Some(row) = slot
                .as_mut()
                .filter(|r| r.wait_seq == Some(ALLOCATE_WAIT_SEQ))
            {
                if let Some(stored) = self.inner.store.get_step(self.tenant, &row.id).await? {
                    *row = stored.step;
                }
            }
        }
        t.steps = steps;
        t.committed = next.records().to_vec();
        t.row = row;
        t.machine = next;
        Ok(())
    }

    /// The stored form of the machine's `record` of step `idx`.
    fn projected_row(
        &self,
        execution: &WorkflowExecutionRow,
        stored: Option<&StepRow>,
        idx: usize,
        def: &StepDef,
        record: &StepRecord,
        now: i64,
    ) -> StepRow {
        let mut row = stored.cloned().unwrap_or_else(|| StepRow {
            id: ids::new_step_execution_id(),
            execution_id: execution.id.clone(),
            idx: idx as i64,
            name: def.name.clone(),
            description: def.description.clone(),
            action: def.action.name().to_string(),
            status: String::new(),
            rollback_status: None,
            message: None,
            inputs: None,
            outputs: None,
            start_ms: now,
            end_ms: None,
            attempt: None,
            max_attempts: Some(def.max_attempts as i64),
            on_failure: def.on_failure.as_str().to_string(),
            timeout_seconds: def.effective_timeout() as i64,
            // A step that waits for the outside world is listed as waiting from its start.
            wait_seq: self.waits_for_action(def).then_some(ALLOCATE_WAIT_SEQ),
        });
        row.status = record.status.as_str().to_string();
        row.rollback_status = record.rollback.map(|r| r.as_str().to_string());
        row.message = record.message.clone();
        row.inputs = record.inputs.as_ref().map(pyjson::to_string);
        row.outputs = record.outputs.as_ref().map(pyjson::to_string);
        row.attempt = record.attempt.map(i64::from);
        if record.status == StepStatus::Skipped {
            row.max_attempts = None;
        }
        if record.status != StepStatus::Running {
            row.end_ms = Some(row.end_ms.unwrap_or(now).max(row.start_ms));
            row.wait_seq = None;
        }
        row
    }

    /// The faults injected into step `def`.
    fn faults(&self, def: &StepDef) -> StepFaults {
        faults::faults_for(
            &self.record.image,
            &self.inner.config.faults,
            &def.name,
            def.action,
        )
    }

    /// Whether step `def` waits for the outside world (an injected fault turns a
    /// WaitForAction into an ordinary simulated step).
    fn waits_for_action(&self, def: &StepDef) -> bool {
        def.action == Action::WaitForAction && !self.faults(def).touches_action()
    }

    /// Runs an attempt of step `idx`'s action: waits out its simulated duration (or the
    /// outside world, for WaitForAction) and says how it ended.
    async fn perform(
        &self,
        t: &mut Tracked,
        idx: usize,
        build_ami: Option<&str>,
    ) -> StoreResult<Event> {
        let def = &t.machine.document().steps[idx];
        let timeout = def.effective_timeout() as u64;
        if self.waits_for_action(def) {
            return self.wait_for_action(t, idx, timeout).await;
        }
        let (Some(row), Some(record)) = (t.steps[idx].as_ref(), t.machine.record(idx)) else {
            return Err(StoreError::Corrupt(format!(
                "execution {}: step {idx} runs without a record",
                t.row.id
            )));
        };
        let mut faults = self.faults(def);
        if def.action == Action::ExecuteComponents {
            // The components' own run; the step's own faults (its tags, the file's rules)
            // win over it.
            let run = components::run(&self.record, t.stage, &self.inner.config.faults);
            faults.duration = faults.duration.or(Some(run.seconds));
            if faults.fail.is_none() {
                faults.fail = run.failure;
            }
        }
        let duration = faults
            .duration
            .unwrap_or_else(|| simulate::default_duration(def.action));
        let attempt = record.attempt.unwrap_or(1);
        // Attempt 1 began when the step did (also across a restart); a later one begins now.
        let began = if attempt == 1 {
            row.start_ms
        } else {
            self.now()
        };
        let scale = self.inner.config.time_scale;
        let due = began + (duration.min(timeout) as f64 * scale * 1000.0) as i64;
        // A sleep ends early when the build is woken (a cancellation, the clock moved):
        // the step ends once the clock reaches its due time.
        loop {
            if self.cancelled().await? {
                return Ok(Event::Cancel);
            }
            if self.now() >= due {
                break;
            }
            self.sleep_until(due).await?;
        }
        let event = if duration > timeout {
            Event::ActionFailed {
                message: timed_out(timeout),
                outputs: None,
            }
        } else if let Some(message) = faults.failure_of_attempt(attempt) {
            Event::ActionFailed {
                message: message.to_string(),
                outputs: None,
            }
        } else {
            let inputs = record.inputs.clone().unwrap_or(Value::Null);
            Event::ActionSucceeded {
                outputs: simulate::outputs(def.action, &inputs, &self.simulation(build_ami)),
            }
        };
        Ok(event)
    }

    /// A WaitForAction step stays RUNNING until the outside world answers it (its row is
    /// ended by SendWorkflowStepAction) or its image is cancelled; with a time scale above
    /// 0 it times out after `timeoutSeconds` × scale. Under a [`WaitPolicy`] the engine
    /// answers it itself.
    async fn wait_for_action(
        &self,
        t: &mut Tracked,
        idx: usize,
        timeout: u64,
    ) -> StoreResult<Event> {
        let Some(row) = t.steps[idx].clone() else {
            return Err(StoreError::Corrupt(format!(
                "execution {}: step {idx} waits without a record",
                t.row.id
            )));
        };
        let scale = self.inner.config.time_scale;
        let due = row.start_ms + (timeout as f64 * scale * 1000.0) as i64;
        let stop =
            |message: String, outputs: Option<Value>| Event::ActionStopped { message, outputs };
        loop {
            let stored = self.inner.store.get_step(self.tenant, &row.id).await?;
            if let Some(answered) = stored.map(|s| s.step).filter(|s| s.status != "RUNNING") {
                let record = step_record(&answered)?;
                // The answer is stored already (its end time and the counters included).
                t.committed[idx] = Some(record.clone());
                t.steps[idx] = Some(answered);
                return Ok(match record.status {
                    StepStatus::Completed => Event::ActionSucceeded {
                        outputs: record.outputs,
                    },
                    _ => stop(record.message.unwrap_or_default(), record.outputs),
                });
            }
            if self.cancelled().await? {
                return Ok(Event::Cancel);
            }
            match self.inner.wait_policy {
                Some(WaitPolicy::Answer(action)) => {
                    let (outputs, message) = step_action::outcome(action, None);
                    return Ok(match message {
                        None => Event::ActionSucceeded {
                            outputs: Some(outputs),
                        },
                        Some(m) => stop(m, Some(outputs)),
                    });
                }
                Some(WaitPolicy::TimeOut) if self.now() < due => {
                    self.sleep((due - self.now()) as u64).await?;
                    continue;
                }
                _ => {}
            }
            if scale > 0.0 && self.now() >= due {
                return Ok(stop(timed_out(timeout), None));
            }
            self.sleep(WAIT_POLL.as_millis() as u64).await?;
        }
    }

    /// Rolls step `idx` back: a fixed simulated duration; `stepwise:rollback-fail:<Step>`
    /// makes it fail.
    async fn roll_back(&self, t: &Tracked, idx: usize) -> Event {
        let millis =
            (simulate::ROLLBACK_DURATION as f64 * self.inner.config.time_scale * 1000.0) as u64;
        if millis > 0 {
            self.sleep_through(millis).await;
        }
        if self.faults(&t.machine.document().steps[idx]).rollback_fail {
            Event::RollbackFailed
        } else {
            Event::RollbackSucceeded
        }
    }

    /// Facts about the image the simulated actions' outputs depend on.
    fn simulation<'s>(&'s self, build_ami: Option<&'s str>) -> SimulationContext<'s> {
        let image = &self.record.image;
        SimulationContext {
            account: &self.tenant.account,
            region: &self.tenant.region,
            platform: image
                .get("platform")
                .and_then(Value::as_str)
                .unwrap_or("Linux"),
            image_name: image
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            build_ami,
            distribution_regions: image
                .pointer("/distributionConfiguration/distributions")
                .and_then(Value::as_array)
                .map(|d| {
                    d.iter()
                        .filter_map(|x| x.get("region")?.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            now: format_millis(self.now()),
        }
    }
}

/// The stored form of the workflow execution `next` describes.
fn projected_execution(
    stored: &WorkflowExecutionRow,
    next: &Machine,
    now: i64,
) -> WorkflowExecutionRow {
    let mut row = stored.clone();
    let status = next.status();
    let (succeeded, failed, skipped) = next.counters();
    row.status = status.as_str().to_string();
    row.message = next.message().map(str::to_string);
    row.succeeded = i64::from(succeeded);
    row.failed = i64::from(failed);
    row.skipped = i64::from(skipped);
    if status.is_terminal() {
        row.end_ms = Some(row.end_ms.unwrap_or(now));
    }
    if let Some(outputs) = next.outputs() {
        row.outputs = Some(Value::Object(outputs.clone()));
    }
    row
}

/// Outputs of the image's completed workflows among the units that ran before this one.
fn collect_workflow_outputs(
    executions: &[WorkflowExecutionRow],
    earlier: &[usize],
) -> Map<String, Value> {
    let mut out = Map::new();
    for e in executions {
        if e.retried || !earlier.contains(&(e.plan_index as usize)) || e.status != "COMPLETED" {
            continue;
        }
        if let Some(Value::Object(o)) = &e.outputs {
            for (k, v) in o {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}
