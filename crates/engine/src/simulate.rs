//! The simulated action runtime: how long each action takes in simulated seconds, what it
//! outputs, and the faults an image's tags inject. No EC2, SSM, Lambda or Step Functions
//! is ever called; outputs are synthetic but shaped as AWS shapes them.

use serde_json::{json, Map, Value};
use stepwise_api::ids;
use stepwise_workflow::Action;

/// What the run of one step came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Completed { outputs: Option<Value> },
    Failed { message: String },
}

/// A plausible duration, in simulated seconds, for each action.
pub fn default_duration(action: Action) -> u64 {
    match action {
        Action::LaunchInstance => 60,
        Action::ExecuteComponents => 300,
        Action::CollectImageMetadata => 30,
        Action::SanitizeInstance => 30,
        Action::RunSysPrep => 120,
        Action::CreateImage => 240,
        Action::TerminateInstance => 20,
        Action::RunCommand => 30,
        Action::WaitForSSMAgent => 30,
        Action::BootstrapInstanceForContainer => 60,
        Action::CollectImageScanFindings => 120,
        Action::CreateImageFromIso => 600,
        Action::DistributeImage => 300,
        Action::DistributeContainerImage => 120,
        Action::ExecuteStateMachine => 60,
        Action::ModifyImageAttributes => 30,
        Action::ApplyImageConfigurations => 60,
        Action::RegisterImage => 120,
        Action::WaitForAction => 0,
    }
}

/// The fault plan of one step, read from the image's tags:
/// `stepwise:fail:<Step>` and `stepwise:duration:<Step>`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepFaults {
    pub fail: Option<String>,
    /// With `fail`: only the first this-many attempts fail (`stepwise:fail-attempts:<Step>`).
    pub fail_attempts: Option<u32>,
    pub duration: Option<u64>,
}

impl StepFaults {
    /// The injected failure message of attempt `attempt` (1-based), if it fails.
    pub fn failure_of_attempt(&self, attempt: u32) -> Option<&str> {
        match self.fail_attempts {
            Some(n) if attempt > n => None,
            _ => self.fail.as_deref(),
        }
    }
}

pub const DEFAULT_FAULT_MESSAGE: &str = "Step failed by fault injection.";

/// Simulated seconds a rollback (terminating an instance, removing SSM resources) takes.
pub const ROLLBACK_DURATION: u64 = 30;

/// Whether the tag `stepwise:rollback-fail:<Step>` asks for the step's rollback to fail.
pub fn rollback_fails(tags: Option<&Value>, step: &str) -> bool {
    tags.and_then(|t| t.get(format!("stepwise:rollback-fail:{step}")))
        .is_some()
}

pub fn faults_for(tags: Option<&Value>, step: &str) -> StepFaults {
    let tag = |kind: &str| {
        tags.and_then(|t| t.get(format!("stepwise:{kind}:{step}")))
            .and_then(Value::as_str)
    };
    StepFaults {
        fail: tag("fail").map(|m| {
            if m.trim().is_empty() {
                DEFAULT_FAULT_MESSAGE.to_string()
            } else {
                m.to_string()
            }
        }),
        fail_attempts: tag("fail-attempts").and_then(|n| n.trim().parse().ok()),
        duration: tag("duration").and_then(|d| d.trim().parse().ok()),
    }
}

/// Facts about the image that some outputs depend on.
pub struct SimulationContext<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub platform: &'a str,
    pub image_name: &'a str,
    pub build_ami: Option<&'a str>,
    pub distribution_regions: Vec<String>,
    pub now: String,
}

pub fn os_version(platform: &str) -> &'static str {
    match platform {
        "Windows" => "Microsoft Windows Server 2022",
        "macOS" => "macOS 14",
        _ => "Amazon Linux 2023",
    }
}

fn run_command_outputs() -> Value {
    json!({"status": "Success", "output": "", "runCommandId": ids::new_uuid()})
}

/// The outputs of a successful run of `action` with resolved `inputs`.
pub fn outputs(action: Action, inputs: &Value, ctx: &SimulationContext<'_>) -> Option<Value> {
    let out = match action {
        Action::LaunchInstance => json!({"instanceId": ids::new_ec2_id("i")}),
        Action::CreateImage | Action::RegisterImage => json!({"imageId": ids::new_ec2_id("ami")}),
        Action::ExecuteComponents
        | Action::RunSysPrep
        | Action::SanitizeInstance
        | Action::BootstrapInstanceForContainer
        | Action::CollectImageScanFindings => run_command_outputs(),
        Action::RunCommand => {
            json!({"status": "Success", "output": [""], "runCommandId": ids::new_uuid()})
        }
        Action::WaitForSSMAgent => json!({"status": "Success"}),
        Action::CollectImageMetadata => {
            json!({"osVersion": os_version(ctx.platform), "associationId": ids::new_uuid()})
        }
        Action::ExecuteStateMachine => {
            let sm = inputs
                .get("stateMachineArn")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let name = sm.rsplit(':').next().unwrap_or("state-machine");
            json!({
                "output": "{}",
                "executionArn": format!(
                    "arn:aws:states:{}:{}:execution:{}:{}",
                    ctx.region, ctx.account, name, ids::new_uuid()
                ),
                "status": "SUCCEEDED"
            })
        }
        Action::CreateImageFromIso => json!({
            "amiName": format!("{} {}", ctx.image_name, ctx.now.replace(':', "-")),
            "snapshotId": ids::new_ec2_id("snap"),
            "architecture": "x86_64"
        }),
        Action::DistributeContainerImage => json!({
            "status": "Completed",
            "succeededRegions": ctx.distribution_regions,
            "failedRegions": []
        }),
        Action::DistributeImage => {
            let regions = requested_regions(inputs.get("distributions"), ctx);
            let images: Vec<Value> = regions
                .iter()
                .map(|(region, name)| {
                    json!({
                        "region": region,
                        "name": name,
                        "amiId": region_ami(region, ctx),
                        "accountId": ctx.account,
                        "dateStarted": ctx.now,
                        "dateStopped": ctx.now,
                        "status": "Completed",
                        "step": "Completed"
                    })
                })
                .collect();
            json!({"distributedImages": images})
        }
        Action::ModifyImageAttributes | Action::ApplyImageConfigurations => {
            let key = if action == Action::ModifyImageAttributes {
                "modifiedImages"
            } else {
                "configuredImages"
            };
            let items: Vec<Value> = inputs
                .get("distributedImages")
                .and_then(Value::as_array)
                .map(|imgs| {
                    imgs.iter()
                        .map(|img| {
                            json!({
                                "accountId": img.get("accountId").cloned().unwrap_or(json!(ctx.account)),
                                "name": img.get("name").cloned().unwrap_or(json!(ctx.image_name)),
                                "amiId": img.get("amiId").cloned().unwrap_or(Value::Null),
                                "dateStarted": ctx.now,
                                "dateStopped": ctx.now,
                                "step": "Completed",
                                "region": img.get("region").cloned().unwrap_or(json!(ctx.region)),
                                "status": "Completed"
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            json!({ key: items })
        }
        Action::TerminateInstance => return None,
        Action::WaitForAction => json!({"action": "RESUME"}),
    };
    Some(out)
}

fn requested_regions(
    distributions: Option<&Value>,
    ctx: &SimulationContext<'_>,
) -> Vec<(String, String)> {
    let default_name = format!("{} {}", ctx.image_name, ctx.now.replace(':', "-"));
    if let Some(list) = distributions.and_then(Value::as_array) {
        return list
            .iter()
            .filter_map(|d| {
                let region = d.get("region")?.as_str()?.to_string();
                let name = d
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| default_name.clone());
                Some((region, name))
            })
            .collect();
    }
    let mut regions = vec![ctx.region.to_string()];
    for r in &ctx.distribution_regions {
        if !regions.contains(r) {
            regions.push(r.clone());
        }
    }
    regions
        .into_iter()
        .map(|r| {
            let n = default_name.clone();
            (r, n)
        })
        .collect()
}

fn region_ami(region: &str, ctx: &SimulationContext<'_>) -> String {
    match ctx.build_ami {
        Some(ami) if region == ctx.region => ami.to_string(),
        _ => ids::new_ec2_id("ami"),
    }
}

/// The outputs recorded for a failed step.
pub fn failure_outputs(message: &str) -> Value {
    let mut m = Map::new();
    m.insert("errorMessage".into(), Value::String(message.into()));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_come_from_tags() {
        let tags = json!({"stepwise:fail:Build": "", "stepwise:duration:Build": "9000",
                          "stepwise:fail:Other": "disk full"});
        let f = faults_for(Some(&tags), "Build");
        assert_eq!(f.fail.as_deref(), Some(DEFAULT_FAULT_MESSAGE));
        assert_eq!(f.duration, Some(9000));
        assert_eq!(
            faults_for(Some(&tags), "Other").fail.as_deref(),
            Some("disk full")
        );
        assert_eq!(faults_for(Some(&tags), "None"), StepFaults::default());
        assert_eq!(faults_for(None, "Build"), StepFaults::default());
        let tags = json!({"stepwise:fail:Flaky": "timeout talking to SSM", "stepwise:fail-attempts:Flaky": "2"});
        let flaky = faults_for(Some(&tags), "Flaky");
        assert_eq!(flaky.failure_of_attempt(1), Some("timeout talking to SSM"));
        assert_eq!(flaky.failure_of_attempt(2), Some("timeout talking to SSM"));
        assert_eq!(flaky.failure_of_attempt(3), None);
    }
}
