//! One image's build, from PENDING to a terminal status. Every decision is taken from what
//! the store holds, so a build resumed after a restart continues from its last commit.

use crate::context::{component_counts, imagebuilder_variables};
use crate::plan::{is_terminal_image_status, ImageRecord, PlannedWorkflow};
use crate::simulate::{self, Outcome, SimulationContext};
use crate::Inner;
use serde_json::{json, Map, Value};
use std::time::Duration;
use stepwise_api::{ids, pyjson, time::format_millis};
use stepwise_store::{
    Resource, ResourceKind, StepRow, StoreError, StoreResult, Tenant, WorkflowExecutionRow, Write,
    ALLOCATE_WAIT_SEQ,
};
use stepwise_workflow::{
    evaluate_condition, evaluate_outputs, evaluate_rollback_enabled, parse_document,
    resolve_inputs, Action, EvalContext, OnFailure, StepDef, WorkflowDocument, WorkflowType,
};

/// Documents were validated against the quota when created; re-parsing must not re-apply it.
const REPARSE_STEP_LIMIT: usize = 10_000;
const MESSAGE_LIMIT: usize = 500;
/// How often a waiting step looks for the outside world's answer.
const WAIT_POLL: Duration = Duration::from_millis(50);

/// How a workflow execution ended.
enum WorkflowEnd {
    Completed,
    /// CancelImageCreation stopped it.
    Cancelled,
    Failed {
        message: String,
        step_id: Option<String>,
        step_name: Option<String>,
    },
}

struct Run<'a> {
    inner: &'a Inner,
    tenant: &'a Tenant,
    record: ImageRecord,
    /// Woken when a cancellation of this image is requested.
    wake: std::sync::Arc<tokio::sync::Notify>,
    /// Set when a parallel test workflow failed with an aborting failure: its running
    /// siblings are cancelled (spec §8.3).
    siblings_aborted: std::sync::atomic::AtomicBool,
}

pub(crate) async fn run_image(
    inner: &Inner,
    tenant: &Tenant,
    arn: &str,
    wake: std::sync::Arc<tokio::sync::Notify>,
) -> StoreResult<()> {
    let Some(resource) = inner.store.get_resource(tenant, ResourceKind::Image, arn)? else {
        return Ok(());
    };
    let record: ImageRecord = decode_record(&resource)?;
    let mut run = Run {
        inner,
        tenant,
        record,
        wake,
        siblings_aborted: Default::default(),
    };
    run.drive().await
}

fn decode_record(resource: &Resource) -> StoreResult<ImageRecord> {
    serde_json::from_value(resource.body.clone())
        .map_err(|e| StoreError::Corrupt(format!("image {}: {e}", resource.arn)))
}

fn truncate(message: &str) -> String {
    message.chars().take(MESSAGE_LIMIT).collect()
}

impl Run<'_> {
    fn now(&self) -> i64 {
        self.inner.clock.now_millis()
    }

    async fn commit(&self, writes: Vec<Write>) -> StoreResult<()> {
        let store = self.inner.store.clone();
        let tenant = self.tenant.clone();
        tokio::task::spawn_blocking(move || store.apply(&tenant, &writes))
            .await
            .map_err(|e| StoreError::Corrupt(format!("store task failed: {e}")))?
    }

    fn image_write(&self) -> Write {
        Write::PutResource {
            kind: ResourceKind::Image,
            arn: self.record.arn().to_string(),
            body: serde_json::to_value(&self.record).unwrap_or(Value::Null),
        }
    }

    /// Moves the image to `status` (committed), unless it is there already.
    async fn set_status(&mut self, status: &str) -> StoreResult<()> {
        if self.record.status() == status {
            return Ok(());
        }
        self.record.set_status(status);
        self.commit(vec![self.image_write()]).await
    }

    /// Whether every workflow of a stage already succeeded (or failed with CONTINUE).
    fn stage_done(
        &self,
        image_arn: &str,
        items: &[(usize, &PlannedWorkflow)],
    ) -> StoreResult<bool> {
        let executions = self
            .inner
            .store
            .list_executions(self.tenant, image_arn, None, 1000)?;
        Ok(items.iter().all(|(plan_index, planned)| {
            executions
                .iter()
                .find(|e| e.plan_index == *plan_index as i64 && !e.retried)
                .is_some_and(|e| {
                    e.status == "COMPLETED"
                        || (planned.on_failure.as_deref() == Some("CONTINUE")
                            && matches!(e.status.as_str(), "FAILED" | "ROLLBACK_COMPLETED"))
                })
        }))
    }

    /// Whether CancelImageCreation asked for this image to stop.
    fn cancelled(&self) -> StoreResult<bool> {
        if self
            .siblings_aborted
            .load(std::sync::atomic::Ordering::SeqCst)
        {
            return Ok(true);
        }
        self.inner
            .store
            .cancellation_requested(self.tenant, self.record.arn())
    }

    /// Sleeps `millis`, waking early when a cancellation is requested.
    async fn sleep(&self, millis: u64) {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(millis)) => {}
            _ = self.wake.notified() => {}
        }
    }

    /// The image ends CANCELLED, with no reason (spec §8.9).
    async fn cancel_image(&mut self) -> StoreResult<()> {
        if let Some(image) = self.record.image.as_object_mut() {
            image.insert("state".into(), json!({"status": "CANCELLED"}));
        }
        self.commit(vec![self.image_write()]).await
    }

    /// A running step and its workflow become CANCELLED, with end times and no outputs.
    async fn cancel_step(
        &self,
        execution: &mut WorkflowExecutionRow,
        mut row: StepRow,
        waiting: bool,
    ) -> StoreResult<StepRow> {
        let now = self.now();
        row.status = "CANCELLED".into();
        row.end_ms = Some(now.max(row.start_ms));
        row.outputs = None;
        row.wait_seq = None;
        execution.status = "CANCELLED".into();
        execution.end_ms = Some(now);
        let step_write = if waiting {
            Write::FinishWaitingStep(Box::new(row.clone()))
        } else {
            Write::UpdateStep(Box::new(row.clone()))
        };
        self.commit(vec![
            step_write,
            Write::UpdateExecution(Box::new(execution.clone())),
        ])
        .await?;
        Ok(row)
    }

    async fn drive(&mut self) -> StoreResult<()> {
        if is_terminal_image_status(self.record.status()) {
            return Ok(());
        }
        if self.record.status() == "PENDING" {
            self.set_status("CREATING").await?;
        }
        let image_arn = self.record.arn().to_string();
        let mut build_ami: Option<String> = None;
        let plan = self.record.plan.clone();
        for stage in ["BUILD", "TEST", "DISTRIBUTION"] {
            let items: Vec<(usize, &PlannedWorkflow)> = plan
                .iter()
                .enumerate()
                .filter(|(_, p)| p.workflow_type == stage)
                .collect();
            if items.is_empty() {
                continue;
            }
            let stage_status = match stage {
                "BUILD" => "BUILDING",
                "TEST" => "TESTING",
                _ => "DISTRIBUTING",
            };
            if self.cancelled()? {
                return self.cancel_image().await;
            }
            // A stage that ended before a restart or a retry is not entered again.
            if !self.stage_done(&image_arn, &items)? {
                self.set_status(stage_status).await?;
            }
            for unit in units(&items) {
                if self.cancelled()? {
                    return self.cancel_image().await;
                }
                let ends = self
                    .run_unit(&image_arn, &unit, build_ami.as_deref())
                    .await?;
                // The first aborting failure, in list order, fails the image.
                for ((_, planned), (end, execution)) in unit.iter().zip(&ends) {
                    if let WorkflowEnd::Failed {
                        message,
                        step_id,
                        step_name,
                    } = end
                    {
                        let continue_on_failure =
                            stage == "TEST" && planned.on_failure.as_deref() == Some("CONTINUE");
                        if !continue_on_failure {
                            let (message, step_id, step_name) =
                                (message.clone(), step_id.clone(), step_name.clone());
                            return self
                                .fail_image(stage_status, execution, &message, step_id, step_name)
                                .await;
                        }
                    }
                }
                if ends
                    .iter()
                    .any(|(end, _)| matches!(end, WorkflowEnd::Cancelled))
                {
                    return self.cancel_image().await;
                }
            }
            if stage == "BUILD" {
                build_ami = self.build_ami(&image_arn).await?;
            }
        }
        if self.cancelled()? {
            return self.cancel_image().await;
        }
        self.finish_image(
            build_ami.as_deref(),
            plan.iter().any(|p| p.workflow_type == "DISTRIBUTION"),
        )
        .await
    }

    /// The AMI the BUILD stage produced: its `ImageId` output, else the last completed
    /// CreateImage/RegisterImage step's `imageId`.
    async fn build_ami(&self, image_arn: &str) -> StoreResult<Option<String>> {
        let executions = self
            .inner
            .store
            .list_executions(self.tenant, image_arn, None, 1000)?;
        let Some(build) = executions
            .iter()
            .rev()
            .find(|e| e.workflow_type == "BUILD" && !e.retried)
        else {
            return Ok(None);
        };
        if let Some(id) = build
            .outputs
            .as_ref()
            .and_then(|o| o.get("ImageId"))
            .and_then(Value::as_str)
        {
            return Ok(Some(id.to_string()));
        }
        let steps = self
            .inner
            .store
            .list_steps(&build.id, None, usize::MAX >> 1)?;
        Ok(steps
            .iter()
            .rev()
            .filter(|s| {
                s.status == "COMPLETED"
                    && matches!(s.action.as_str(), "CreateImage" | "RegisterImage")
            })
            .find_map(|s| {
                let outputs: Value = serde_json::from_str(s.outputs.as_deref()?).ok()?;
                outputs.get("imageId")?.as_str().map(str::to_string)
            }))
    }

    async fn fail_image(
        &mut self,
        stage_status: &str,
        execution: &WorkflowExecutionRow,
        message: &str,
        step_id: Option<String>,
        step_name: Option<String>,
    ) -> StoreResult<()> {
        let mut context = Map::new();
        context.insert("imageStatus".into(), json!(stage_status));
        context.insert("workflowExecutionId".into(), json!(execution.id));
        context.insert("workflowArn".into(), json!(execution.workflow_arn));
        if let Some(id) = step_id {
            context.insert("stepExecutionId".into(), json!(id));
        }
        if let Some(name) = step_name {
            context.insert("failedStep".into(), json!(name));
        }
        let reason = format!(
            "Workflow Execution ID: '{}' failed with reason: {}",
            execution.id, message
        );
        if let Some(image) = self.record.image.as_object_mut() {
            image.insert(
                "state".into(),
                json!({"status": "FAILED", "reason": reason, "failureContext": Value::Object(context)}),
            );
        }
        self.commit(vec![self.image_write()]).await
    }

    /// Distribution (from configuration when no DISTRIBUTION workflow ran), integration, done.
    async fn finish_image(
        &mut self,
        build_ami: Option<&str>,
        distributed_by_workflow: bool,
    ) -> StoreResult<()> {
        let image = self.record.image.clone();
        let region = self.tenant.region.clone();
        let account = self.tenant.account.clone();
        let name = image
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let date_created = image
            .get("dateCreated")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let default_name = format!("{name} {}", date_created.replace(':', "-"));
        let mut amis = Vec::new();
        if let Some(ami) = build_ami {
            amis.push(json!({"region": region, "image": ami, "name": default_name,
                             "state": {"status": "AVAILABLE"}, "accountId": account}));
            if !distributed_by_workflow {
                self.set_status("DISTRIBUTING").await?;
                let distributions = image
                    .pointer("/distributionConfiguration/distributions")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for d in distributions {
                    let Some(r) = d.get("region").and_then(Value::as_str) else {
                        continue;
                    };
                    let ami_name = d
                        .pointer("/amiDistributionConfiguration/name")
                        .and_then(Value::as_str)
                        .map(|n| substitute_placeholders(n, &date_created, &image))
                        .unwrap_or_else(|| default_name.clone());
                    if r == region {
                        if let Some(first) = amis.first_mut() {
                            first["name"] = json!(ami_name);
                        }
                        continue;
                    }
                    amis.push(
                        json!({"region": r, "image": ids::new_ec2_id("ami"), "name": ami_name,
                                     "state": {"status": "AVAILABLE"}, "accountId": account}),
                    );
                }
            }
        }
        self.set_status("INTEGRATING").await?;
        let platform = image
            .get("platform")
            .and_then(Value::as_str)
            .unwrap_or("Linux")
            .to_string();
        if let Some(obj) = self.record.image.as_object_mut() {
            obj.insert("outputResources".into(), json!({"amis": amis}));
            obj.entry("osVersion")
                .or_insert_with(|| json!(simulate::os_version(&platform)));
        }
        self.record.set_status("AVAILABLE");
        self.commit(vec![self.image_write()]).await
    }

    /// Runs a unit of workflows: one alone, or a parallel group with at most five running
    /// at once, started in list order. Ends come back in the unit's order.
    async fn run_unit(
        &self,
        image_arn: &str,
        unit: &[(usize, &PlannedWorkflow)],
        build_ami: Option<&str>,
    ) -> StoreResult<Vec<(WorkflowEnd, WorkflowExecutionRow)>> {
        use futures_util::stream::{self, StreamExt};
        let members: Vec<_> = unit
            .iter()
            .enumerate()
            .map(|(pos, &(plan_index, planned))| {
                self.run_member(image_arn, pos, plan_index, planned, build_ami)
            })
            .collect();
        let runs = stream::iter(members)
            .buffer_unordered(MAX_PARALLEL_WORKFLOWS)
            .collect::<Vec<_>>()
            .await;
        let mut ends: Vec<Option<(WorkflowEnd, WorkflowExecutionRow)>> =
            (0..unit.len()).map(|_| None).collect();
        for (pos, end) in runs {
            ends[pos] = Some(end?);
        }
        Ok(ends.into_iter().flatten().collect())
    }

    /// One member of a unit; an aborting failure cancels its running siblings.
    async fn run_member(
        &self,
        image_arn: &str,
        pos: usize,
        plan_index: usize,
        planned: &PlannedWorkflow,
        build_ami: Option<&str>,
    ) -> (usize, StoreResult<(WorkflowEnd, WorkflowExecutionRow)>) {
        let end = self
            .run_workflow(image_arn, plan_index, planned, build_ami)
            .await;
        if let Ok((WorkflowEnd::Failed { .. }, _)) = &end {
            if planned.on_failure.as_deref() != Some("CONTINUE") {
                self.siblings_aborted
                    .store(true, std::sync::atomic::Ordering::SeqCst);
                self.wake.notify_waiters();
            }
        }
        (pos, end)
    }

    /// Runs (or resumes) one planned workflow to its end.
    async fn run_workflow(
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
            .list_executions(self.tenant, image_arn, None, 1000)?;
        let workflow_outputs = collect_workflow_outputs(&executions, plan_index);
        let existing = executions
            .iter()
            .find(|e| e.plan_index == plan_index as i64 && !e.retried)
            .cloned();
        let mut execution = match existing {
            Some(e) => e,
            None => {
                let row = WorkflowExecutionRow {
                    seq: 0,
                    id: ids::new_workflow_execution_id(),
                    tenant: self.tenant.clone(),
                    image_arn: image_arn.to_string(),
                    workflow_arn: planned.workflow_arn.clone(),
                    workflow_type: planned.workflow_type.clone(),
                    status: "RUNNING".into(),
                    message: None,
                    total_steps: doc.steps.len() as i64,
                    succeeded: 0,
                    failed: 0,
                    skipped: 0,
                    start_ms: self.now(),
                    end_ms: None,
                    parallel_group: planned.parallel_group.clone(),
                    retried: false,
                    plan_index: plan_index as i64,
                    outputs: None,
                };
                // A workflow that never starts has no record.
                if self.cancelled()? {
                    return Ok((WorkflowEnd::Cancelled, row));
                }
                self.commit(vec![Write::InsertExecution(Box::new(row.clone()))])
                    .await?;
                row
            }
        };
        match execution.status.as_str() {
            "COMPLETED" => return Ok((WorkflowEnd::Completed, execution)),
            "CANCELLED" => return Ok((WorkflowEnd::Cancelled, execution)),
            // An aborted workflow is walked again to find its failed step (and to finish
            // a rollback a restart interrupted).
            "RUNNING" | "ROLLBACK_IN_PROGRESS" | "FAILED" | "ROLLBACK_COMPLETED" => {}
            _ => {
                let message = execution.message.clone().unwrap_or_default();
                return Ok((
                    WorkflowEnd::Failed {
                        message,
                        step_id: None,
                        step_name: None,
                    },
                    execution,
                ));
            }
        }
        let records = self
            .inner
            .store
            .list_steps(&execution.id, None, usize::MAX >> 1)?;
        let mut step_outputs = Map::new();
        for r in &records {
            if r.status == "COMPLETED" {
                let out = r
                    .outputs
                    .as_deref()
                    .and_then(|o| serde_json::from_str(o).ok());
                step_outputs.insert(r.name.clone(), out.unwrap_or_else(|| json!({})));
            }
        }
        let vars = imagebuilder_variables(&self.record, &planned.workflow_type, build_ami);
        let (build_components, test_components) = component_counts(&self.record.image);
        for (idx, step) in doc.steps.iter().enumerate() {
            let ctx = EvalContext {
                parameters: &planned.parameters,
                step_outputs: &step_outputs,
                workflow_outputs: &workflow_outputs,
                imagebuilder: &vars,
            };
            let existing = records.iter().find(|r| r.idx == idx as i64);
            if let Some(r) = existing {
                if r.status != "RUNNING" {
                    if r.status == "FAILED" && step.on_failure == OnFailure::Abort {
                        return self.abort_workflow(execution, &doc, &ctx, r).await;
                    }
                    continue;
                }
            }
            if execution.status == "RUNNING" && existing.is_none() && self.cancelled()? {
                execution.status = "CANCELLED".into();
                execution.end_ms = Some(self.now());
                self.commit(vec![Write::UpdateExecution(Box::new(execution.clone()))])
                    .await?;
                return Ok((WorkflowEnd::Cancelled, execution));
            }
            if execution.status != "RUNNING" {
                // Ended without an aborting step record: nothing more may run.
                let message = execution.message.clone().unwrap_or_default();
                let end = WorkflowEnd::Failed {
                    message,
                    step_id: None,
                    step_name: None,
                };
                return Ok((end, execution));
            }
            let nothing_to_run = step.action == Action::ExecuteComponents
                && match wf_type {
                    WorkflowType::Build => build_components == 0,
                    WorkflowType::Test => test_components == 0,
                    WorkflowType::Distribution => false,
                };
            let condition = match (&step.condition, existing) {
                (_, Some(_)) => Ok(true),
                _ if nothing_to_run => Ok(false),
                (Some(c), None) => evaluate_condition(c, &ctx).map_err(|e| e.to_string()),
                (None, None) => Ok(true),
            };
            let step_row = match (condition, existing) {
                (Ok(false), _) => {
                    self.skip_step(&mut execution, idx, step).await?;
                    continue;
                }
                (_, Some(r)) => {
                    self.resume_step(&mut execution, r.clone(), step, &ctx, build_ami)
                        .await?
                }
                (Err(message), None) => {
                    let row = self.new_step_row(&execution, idx, step, None);
                    self.finish_step(&mut execution, row, Outcome::Failed { message })
                        .await?
                }
                (Ok(true), None) => {
                    let inputs = step.inputs.as_ref().map(|raw| resolve_inputs(raw, &ctx));
                    match inputs {
                        Some(Err(e)) => {
                            let row = self.new_step_row(&execution, idx, step, None);
                            self.finish_step(
                                &mut execution,
                                row,
                                Outcome::Failed {
                                    message: e.to_string(),
                                },
                            )
                            .await?
                        }
                        other => {
                            let resolved = other.and_then(Result::ok);
                            let row = self.new_step_row(&execution, idx, step, resolved.as_ref());
                            self.commit(vec![Write::InsertStep(Box::new(row.clone()))])
                                .await?;
                            self.run_step(
                                &mut execution,
                                row,
                                step,
                                resolved.unwrap_or(Value::Null),
                                build_ami,
                            )
                            .await?
                        }
                    }
                }
            };
            if step_row.status == "CANCELLED" {
                return Ok((WorkflowEnd::Cancelled, execution));
            }
            if step_row.status == "COMPLETED" {
                let out = step_row
                    .outputs
                    .as_deref()
                    .and_then(|o| serde_json::from_str(o).ok());
                step_outputs.insert(step.name.clone(), out.unwrap_or_else(|| json!({})));
            } else if step_row.status == "FAILED" && step.on_failure == OnFailure::Abort {
                let ctx = EvalContext {
                    parameters: &planned.parameters,
                    step_outputs: &step_outputs,
                    workflow_outputs: &workflow_outputs,
                    imagebuilder: &vars,
                };
                return self.abort_workflow(execution, &doc, &ctx, &step_row).await;
            }
        }
        let ctx = EvalContext {
            parameters: &planned.parameters,
            step_outputs: &step_outputs,
            workflow_outputs: &workflow_outputs,
            imagebuilder: &vars,
        };
        let outputs = evaluate_outputs(&doc, &ctx);
        execution.status = "COMPLETED".into();
        execution.end_ms = Some(self.now());
        execution.outputs = Some(Value::Object(outputs));
        self.commit(vec![Write::UpdateExecution(Box::new(execution.clone()))])
            .await?;
        Ok((WorkflowEnd::Completed, execution))
    }

    /// An aborting failure: no later step runs; steps roll back in reverse order from the
    /// failed one (spec §8.6). Resumable: rollback statuses already recorded are kept.
    async fn abort_workflow(
        &self,
        mut execution: WorkflowExecutionRow,
        doc: &WorkflowDocument,
        ctx: &EvalContext<'_>,
        failed: &StepRow,
    ) -> StoreResult<(WorkflowEnd, WorkflowExecutionRow)> {
        let message = truncate(failed.message.as_deref().unwrap_or_default());
        let end = WorkflowEnd::Failed {
            message: message.clone(),
            step_id: Some(failed.id.clone()),
            step_name: Some(failed.name.clone()),
        };
        if !matches!(
            execution.status.as_str(),
            "RUNNING" | "ROLLBACK_IN_PROGRESS"
        ) {
            return Ok((end, execution));
        }
        let visited: Vec<StepRow> = self
            .inner
            .store
            .list_steps(&execution.id, None, usize::MAX >> 1)?
            .into_iter()
            .filter(|r| r.idx <= failed.idx && matches!(r.status.as_str(), "COMPLETED" | "FAILED"))
            .rev()
            .collect();
        let applies = |row: &StepRow| {
            doc.steps.get(row.idx as usize).is_some_and(|def| {
                def.action.has_rollback()
                    && evaluate_rollback_enabled(&def.rollback_enabled, ctx) == Ok(true)
            })
        };
        execution.message = Some(message);
        if !visited.iter().any(applies) {
            execution.status = "FAILED".into();
            execution.end_ms = Some(self.now());
            self.commit(vec![Write::UpdateExecution(Box::new(execution.clone()))])
                .await?;
            return Ok((end, execution));
        }
        if execution.status == "RUNNING" {
            execution.status = "ROLLBACK_IN_PROGRESS".into();
            self.commit(vec![Write::UpdateExecution(Box::new(execution.clone()))])
                .await?;
        }
        let mut all_completed = true;
        for mut row in visited {
            match row.rollback_status.as_deref() {
                Some("COMPLETED") | Some("SKIPPED") => continue,
                Some("FAILED") => {
                    all_completed = false;
                    continue;
                }
                _ => {}
            }
            if !applies(&row) {
                row.rollback_status = Some("SKIPPED".into());
                self.commit(vec![Write::UpdateStep(Box::new(row))]).await?;
                continue;
            }
            if row.rollback_status.is_none() {
                row.rollback_status = Some("RUNNING".into());
                self.commit(vec![Write::UpdateStep(Box::new(row.clone()))])
                    .await?;
            }
            let millis =
                (simulate::ROLLBACK_DURATION as f64 * self.inner.config.time_scale * 1000.0) as u64;
            if millis > 0 {
                tokio::time::sleep(Duration::from_millis(millis)).await;
            }
            let fails = simulate::rollback_fails(self.record.image.get("tags"), &row.name);
            all_completed &= !fails;
            row.rollback_status = Some(if fails { "FAILED" } else { "COMPLETED" }.into());
            self.commit(vec![Write::UpdateStep(Box::new(row))]).await?;
        }
        execution.status = if all_completed {
            "ROLLBACK_COMPLETED"
        } else {
            "FAILED"
        }
        .into();
        execution.end_ms = Some(self.now());
        self.commit(vec![Write::UpdateExecution(Box::new(execution.clone()))])
            .await?;
        Ok((end, execution))
    }

    fn new_step_row(
        &self,
        execution: &WorkflowExecutionRow,
        idx: usize,
        step: &StepDef,
        resolved_inputs: Option<&Value>,
    ) -> StepRow {
        StepRow {
            id: ids::new_step_execution_id(),
            execution_id: execution.id.clone(),
            idx: idx as i64,
            name: step.name.clone(),
            description: step.description.clone(),
            action: step.action.name().to_string(),
            status: "RUNNING".into(),
            rollback_status: None,
            message: None,
            inputs: resolved_inputs.map(pyjson::to_string),
            outputs: None,
            start_ms: self.now(),
            end_ms: None,
            attempt: Some(1),
            max_attempts: Some(step.max_attempts as i64),
            on_failure: step.on_failure.as_str().to_string(),
            timeout_seconds: step.effective_timeout() as i64,
            wait_seq: None,
        }
    }

    async fn skip_step(
        &self,
        execution: &mut WorkflowExecutionRow,
        idx: usize,
        step: &StepDef,
    ) -> StoreResult<()> {
        let now = self.now();
        let mut row = self.new_step_row(execution, idx, step, None);
        row.status = "SKIPPED".into();
        row.inputs = step.inputs.as_ref().map(pyjson::to_string);
        row.start_ms = now;
        row.end_ms = Some(now);
        row.attempt = None;
        row.max_attempts = None;
        execution.skipped += 1;
        self.commit(vec![
            Write::InsertStep(Box::new(row)),
            Write::UpdateExecution(Box::new(execution.clone())),
        ])
        .await
    }

    /// A step found RUNNING after a restart: run it again from its recorded start.
    async fn resume_step(
        &self,
        execution: &mut WorkflowExecutionRow,
        row: StepRow,
        step: &StepDef,
        ctx: &EvalContext<'_>,
        build_ami: Option<&str>,
    ) -> StoreResult<StepRow> {
        let inputs = match step.inputs.as_ref().map(|raw| resolve_inputs(raw, ctx)) {
            Some(Ok(v)) => v,
            _ => Value::Null,
        };
        self.run_step(execution, row, step, inputs, build_ami).await
    }

    /// Waits out the step's simulated duration (or the outside world, for WaitForAction),
    /// then records its outcome.
    async fn run_step(
        &self,
        execution: &mut WorkflowExecutionRow,
        row: StepRow,
        step: &StepDef,
        inputs: Value,
        build_ami: Option<&str>,
    ) -> StoreResult<StepRow> {
        let faults = simulate::faults_for(self.record.image.get("tags"), &step.name);
        let timeout = step.effective_timeout() as u64;
        let scale = self.inner.config.time_scale;
        if step.action == Action::WaitForAction
            && faults.duration.is_none()
            && faults.fail.is_none()
        {
            return self.wait_for_action(execution, row, timeout).await;
        }
        let duration = faults
            .duration
            .unwrap_or_else(|| simulate::default_duration(step.action));
        let effective = duration.min(timeout);
        let mut row = row;
        // A failed attempt with attempts left (the `maxAttempts` extension) runs again under
        // the same record, with `attemptNumber` one higher.
        let outcome = loop {
            let attempt = row.attempt.unwrap_or(1).max(1) as u32;
            let began = if attempt == 1 {
                row.start_ms
            } else {
                self.now()
            };
            let due = began + (effective as f64 * scale * 1000.0) as i64;
            let wait = due - self.now();
            if wait > 0 {
                self.sleep(wait as u64).await;
            }
            if self.cancelled()? {
                return self.cancel_step(execution, row, false).await;
            }
            let outcome = if duration > timeout {
                Outcome::Failed {
                    message: format!("Step timed out after {timeout} seconds."),
                }
            } else if let Some(message) = faults.failure_of_attempt(attempt) {
                Outcome::Failed {
                    message: message.to_string(),
                }
            } else {
                Outcome::Completed {
                    outputs: simulate::outputs(step.action, &inputs, &self.simulation(build_ami)),
                }
            };
            if matches!(outcome, Outcome::Failed { .. }) && attempt < step.max_attempts.max(1) {
                row.attempt = Some(i64::from(attempt) + 1);
                self.commit(vec![Write::UpdateStep(Box::new(row.clone()))])
                    .await?;
                continue;
            }
            break outcome;
        };
        self.finish_step(execution, row, outcome).await
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

    /// A WaitForAction step stays RUNNING until its row is changed by an action from the
    /// outside; with a time scale above 0 it times out after `timeoutSeconds` × scale.
    async fn wait_for_action(
        &self,
        execution: &mut WorkflowExecutionRow,
        row: StepRow,
        timeout: u64,
    ) -> StoreResult<StepRow> {
        let scale = self.inner.config.time_scale;
        if row.wait_seq.is_none() {
            let mut waiting = row.clone();
            waiting.wait_seq = Some(ALLOCATE_WAIT_SEQ);
            self.commit(vec![Write::UpdateStep(Box::new(waiting))])
                .await?;
        }
        loop {
            let current = self
                .inner
                .store
                .get_step(self.tenant, &row.id)?
                .map(|s| s.step)
                .unwrap_or_else(|| row.clone());
            if current.status != "RUNNING" {
                let fresh = self.inner.store.get_execution(self.tenant, &execution.id)?;
                if let Some(fresh) = fresh {
                    *execution = fresh;
                }
                return Ok(current);
            }
            if self.cancelled()? {
                match self.cancel_step(execution, current, true).await {
                    Err(StoreError::Conflict(_)) => continue,
                    other => return other,
                }
            }
            if scale > 0.0 {
                let due = row.start_ms + (timeout as f64 * scale * 1000.0) as i64;
                if self.now() >= due {
                    let message = format!("Step timed out after {timeout} seconds.");
                    let mut counted = execution.clone();
                    let ended =
                        self.finished_row(&mut counted, current, Outcome::Failed { message });
                    let writes = vec![
                        Write::FinishWaitingStep(Box::new(ended.clone())),
                        Write::UpdateExecution(Box::new(counted.clone())),
                    ];
                    match self.commit(writes).await {
                        Ok(()) => {
                            *execution = counted;
                            return Ok(ended);
                        }
                        // An action reached the step first: read what it did.
                        Err(StoreError::Conflict(_)) => continue,
                        Err(e) => return Err(e),
                    }
                }
            }
            self.sleep(WAIT_POLL.as_millis() as u64).await;
        }
    }

    async fn finish_step(
        &self,
        execution: &mut WorkflowExecutionRow,
        row: StepRow,
        outcome: Outcome,
    ) -> StoreResult<StepRow> {
        let row = self.finished_row(execution, row, outcome);
        self.commit(vec![
            Write::UpdateStep(Box::new(row.clone())),
            Write::UpdateExecution(Box::new(execution.clone())),
        ])
        .await?;
        Ok(row)
    }

    /// The step's record after `outcome`, with the execution's counters moved accordingly.
    fn finished_row(
        &self,
        execution: &mut WorkflowExecutionRow,
        mut row: StepRow,
        outcome: Outcome,
    ) -> StepRow {
        row.end_ms = Some(self.now().max(row.start_ms));
        row.wait_seq = None;
        match outcome {
            Outcome::Completed { outputs } => {
                row.status = "COMPLETED".into();
                row.outputs = outputs.as_ref().map(pyjson::to_string);
                execution.succeeded += 1;
            }
            Outcome::Failed { message } => {
                let message = truncate(&message);
                row.status = "FAILED".into();
                row.outputs = Some(pyjson::to_string(&simulate::failure_outputs(&message)));
                row.message = Some(message);
                execution.failed += 1;
            }
        }
        row
    }
}

/// Test workflows of one parallel group that run at the same time, at most.
const MAX_PARALLEL_WORKFLOWS: usize = 5;

/// The units a stage runs one after another (spec §8.3): each workflow without a
/// `parallelGroup` alone; all workflows sharing a group together, at the position of the
/// group's first member.
fn units<'p>(items: &[(usize, &'p PlannedWorkflow)]) -> Vec<Vec<(usize, &'p PlannedWorkflow)>> {
    let mut units: Vec<Vec<(usize, &'p PlannedWorkflow)>> = Vec::new();
    for &(i, planned) in items {
        let group = planned.parallel_group.as_deref();
        let joined = group.and_then(|g| {
            units
                .iter_mut()
                .find(|u| u[0].1.parallel_group.as_deref() == Some(g))
        });
        match joined {
            Some(unit) => unit.push((i, planned)),
            None => units.push(vec![(i, planned)]),
        }
    }
    units
}

/// Outputs of the image's workflows that completed before plan item `plan_index` starts.
fn collect_workflow_outputs(
    executions: &[WorkflowExecutionRow],
    plan_index: usize,
) -> Map<String, Value> {
    let mut out = Map::new();
    for e in executions {
        if e.retried || e.plan_index == plan_index as i64 || e.status != "COMPLETED" {
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

/// `{{imagebuilder:buildDate}}`, `{{imagebuilder:buildDate:<pattern>}}` and
/// `{{imagebuilder:buildVersion}}` in distributed AMI names.
fn substitute_placeholders(name: &str, date_created: &str, image: &Value) -> String {
    let compact: String = date_created
        .chars()
        .filter(|c| c.is_ascii_digit())
        .take(14)
        .collect();
    let build = image
        .get("version")
        .and_then(Value::as_str)
        .and_then(|v| v.split('/').nth(1))
        .unwrap_or("1");
    let mut out = name.replace("{{imagebuilder:buildVersion}}", build);
    while let Some(start) = out.find("{{imagebuilder:buildDate") {
        let Some(end) = out[start..].find("}}") else {
            break;
        };
        let token = &out[start..start + end + 2];
        let value = match token
            .strip_prefix("{{imagebuilder:buildDate:")
            .and_then(|t| t.strip_suffix("}}"))
        {
            Some(pattern) => java_date(pattern, &compact),
            None => compact.clone(),
        };
        out = out.replacen(token, &value, 1);
    }
    out
}

/// A Java-style date pattern (`yyyy`, `MM`, `dd`, `HH`, `mm`, `ss`) over `yyyyMMddHHmmss` digits.
fn java_date(pattern: &str, compact: &str) -> String {
    let part = |a: usize, b: usize| compact.get(a..b).unwrap_or("").to_string();
    pattern
        .replace("yyyy", &part(0, 4))
        .replace("MM", &part(4, 6))
        .replace("dd", &part(6, 8))
        .replace("HH", &part(8, 10))
        .replace("mm", &part(10, 12))
        .replace("ss", &part(12, 14))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_run_at_their_first_members_place() {
        let planned = |group: Option<&str>| PlannedWorkflow {
            workflow_arn: String::new(),
            workflow_type: "TEST".into(),
            data: String::new(),
            parameters: Map::new(),
            parallel_group: group.map(str::to_string),
            on_failure: None,
        };
        let plan = [
            planned(Some("a")),
            planned(None),
            planned(Some("b")),
            planned(Some("a")),
            planned(None),
        ];
        let items: Vec<(usize, &PlannedWorkflow)> = plan.iter().enumerate().collect();
        let shape: Vec<Vec<usize>> = units(&items)
            .iter()
            .map(|u| u.iter().map(|(i, _)| *i).collect())
            .collect();
        assert_eq!(shape, [vec![0, 3], vec![1], vec![2], vec![4]]);
    }

    #[test]
    fn placeholders_in_ami_names() {
        let image = json!({"version": "1.0.0/4"});
        assert_eq!(
            substitute_placeholders(
                "app-{{imagebuilder:buildDate}}-{{imagebuilder:buildVersion}}",
                "2026-03-04T10:15:30.042Z",
                &image
            ),
            "app-20260304101530-4"
        );
        assert_eq!(
            substitute_placeholders(
                "x {{imagebuilder:buildDate:yyyy-MM-dd}}",
                "2026-03-04T10:15:30.042Z",
                &image
            ),
            "x 2026-03-04"
        );
    }
}
