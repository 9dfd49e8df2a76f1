//! The simulated action runtime: how long each action takes in simulated seconds and what it
//! outputs (the faults that change this are in [`crate::faults`]). No EC2, SSM, Lambda or
//! Step Functions is ever called; outputs are synthetic but shaped as AWS shapes them.

use serde_json::{json, Value};
use stepwise_api::ids;
use stepwise_workflow::Action;

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

/// Simulated seconds a rollback (terminating an instance, removing SSM resources) takes.
pub const ROLLBACK_DURATION: u64 = 30;

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
