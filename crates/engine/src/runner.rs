//! One image's build, from PENDING to a terminal status. Every decision is taken from what
//! the store holds, so a build resumed after a restart continues from its last commit.

use crate::plan::{is_terminal_image_status, ImageRecord, PlannedWorkflow};
use crate::simulate;
use crate::Inner;
use serde_json::{json, Map, Value};
use std::time::Duration;
use stepwise_api::ids;
use stepwise_store::{
    Resource, ResourceKind, StoreError, StoreResult, Tenant, WorkflowExecutionRow, Write,
};

/// How a workflow execution ended.
pub(crate) enum WorkflowEnd {
    Completed,
    /// CancelImageCreation stopped it.
    Cancelled,
    Failed {
        message: String,
        step_id: Option<String>,
        step_name: Option<String>,
    },
}

pub(crate) struct Run<'a> {
    pub(crate) inner: &'a Inner,
    pub(crate) tenant: &'a Tenant,
    pub(crate) record: ImageRecord,
    /// Woken when a cancellation of this image is requested.
    wake: std::sync::Arc<tokio::sync::Notify>,
    /// Set when a parallel test workflow failed with an aborting failure: its running
    /// siblings are cancelled (spec §8.3).
    siblings_aborted: std::sync::atomic::AtomicBool,
    /// Plan indices of the units that ran before the current one: the workflows whose
    /// outputs `$.workflowOutputs` may read (not a parallel sibling's).
    pub(crate) earlier: std::sync::Mutex<Vec<usize>>,
}

pub(crate) async fn run_image(
    inner: &Inner,
    tenant: &Tenant,
    arn: &str,
    wake: std::sync::Arc<tokio::sync::Notify>,
) -> StoreResult<()> {
    let Some(resource) = inner
        .store
        .get_resource(tenant, ResourceKind::Image, arn)
        .await?
    else {
        return Ok(());
    };
    let record: ImageRecord = decode_record(&resource)?;
    let mut run = Run {
        inner,
        tenant,
        record,
        wake,
        siblings_aborted: Default::default(),
        earlier: Default::default(),
    };
    run.drive().await
}

fn decode_record(resource: &Resource) -> StoreResult<ImageRecord> {
    serde_json::from_value(resource.body.clone())
        .map_err(|e| StoreError::Corrupt(format!("image {}: {e}", resource.arn)))
}

impl Run<'_> {
    pub(crate) fn now(&self) -> i64 {
        self.inner.clock.now_millis()
    }

    pub(crate) async fn commit(&self, writes: Vec<Write>) -> StoreResult<()> {
        self.inner.store.apply(self.tenant, &writes).await
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
    async fn stage_done(
        &self,
        image_arn: &str,
        items: &[(usize, &PlannedWorkflow)],
    ) -> StoreResult<bool> {
        let executions = self
            .inner
            .store
            .list_executions(self.tenant, image_arn, None, 1000)
            .await?;
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
    pub(crate) async fn cancelled(&self) -> StoreResult<bool> {
        if self
            .siblings_aborted
            .load(std::sync::atomic::Ordering::SeqCst)
        {
            return Ok(true);
        }
        self.inner
            .store
            .cancellation_requested(self.tenant, self.record.arn())
            .await
    }

    /// Sleeps `millis`, waking early when a cancellation is requested. The wake-up is
    /// registered before the stored flag is read, so a cancellation that lands in between
    /// (say, while the previous step's transition commits) is not slept through.
    pub(crate) async fn sleep(&self, millis: u64) -> StoreResult<()> {
        if self.advance_virtual_clock(millis) {
            return Ok(());
        }
        let woken = self.wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        if self.cancelled().await? {
            return Ok(());
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(millis)) => {}
            _ = woken => {}
        }
        Ok(())
    }

    /// Sleeps until the clock reads `due` (milliseconds), or until woken: a cancellation,
    /// or the clock moved. The waker is registered before the clock is read, so a move that
    /// lands in between is not slept through.
    pub(crate) async fn sleep_until(&self, due: i64) -> StoreResult<()> {
        let woken = self.wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let wait = due - self.now();
        if wait <= 0 || self.cancelled().await? {
            return Ok(());
        }
        if self.advance_virtual_clock(wait as u64) {
            return Ok(());
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
            _ = woken => {}
        }
        Ok(())
    }

    /// Sleeps `millis` whatever is requested meanwhile: a rollback is not cut short by a
    /// cancellation (the cancellation stays pending until the rollback ends).
    pub(crate) async fn sleep_through(&self, millis: u64) {
        if !self.advance_virtual_clock(millis) {
            tokio::time::sleep(Duration::from_millis(millis)).await;
        }
    }

    /// On a virtual clock time passes at once (nothing else runs meanwhile): advances it
    /// and says so.
    fn advance_virtual_clock(&self, millis: u64) -> bool {
        match &self.inner.virtual_clock {
            Some(clock) => {
                clock.advance(millis as i64);
                true
            }
            None => false,
        }
    }

    /// The image ends CANCELLED, with no reason (spec §8.9).
    async fn cancel_image(&mut self) -> StoreResult<()> {
        if let Some(image) = self.record.image.as_object_mut() {
            image.insert("state".into(), json!({"status": "CANCELLED"}));
        }
        self.commit(vec![self.image_write()]).await
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
            if self.cancelled().await? {
                return self.cancel_image().await;
            }
            // A stage that ended before a restart or a retry is not entered again.
            if !self.stage_done(&image_arn, &items).await? {
                self.set_status(stage_status).await?;
            }
            for unit in units(&items) {
                if self.cancelled().await? {
                    return self.cancel_image().await;
                }
                let ends = self
                    .run_unit(&image_arn, &unit, build_ami.as_deref())
                    .await?;
                self.earlier
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend(unit.iter().map(|(i, _)| *i));
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
        if self.cancelled().await? {
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
            .list_executions(self.tenant, image_arn, None, 1000)
            .await?;
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
            .list_steps(&build.id, None, usize::MAX >> 1)
            .await?;
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
