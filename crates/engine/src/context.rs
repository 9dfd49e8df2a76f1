//! The `$.imagebuilder.*` variables a workflow document may read (spec §5.7), derived from
//! the stored image: its recipe, infrastructure configuration and settings.

use crate::plan::ImageRecord;
use serde_json::{json, Map, Value};
use stepwise_api::ids;

/// The phase names `$.imagebuilder.workflowPhase` takes, by workflow type.
pub fn workflow_phase(workflow_type: &str) -> &'static str {
    match workflow_type {
        "TEST" => "Test",
        "DISTRIBUTION" => "Distribution",
        _ => "Build",
    }
}

/// The parent AMI: the recipe's `parentImage` if it is an AMI id, else a stable id derived from it.
pub fn parent_ami(image: &Value) -> String {
    let parent = image
        .pointer("/imageRecipe/parentImage")
        .and_then(Value::as_str)
        .unwrap_or("");
    if parent.starts_with("ami-") {
        parent.to_string()
    } else {
        ids::ec2_id_from_seed("ami", parent)
    }
}

pub fn imagebuilder_variables(
    record: &ImageRecord,
    workflow_type: &str,
    build_ami: Option<&str>,
) -> Map<String, Value> {
    let image = &record.image;
    let get = |p: &str| image.pointer(p);
    let s = |p: &str| {
        get(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let name = s("/name");
    let version = s("/version");
    let (semver, build) = version.split_once('/').unwrap_or((version.as_str(), "1"));
    let platform = get("/platform")
        .and_then(Value::as_str)
        .unwrap_or("Linux")
        .to_string();
    let log_group = get("/loggingConfiguration/logGroupName")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("/aws/imagebuilder/{name}"));
    let working_dir = get("/imageRecipe/workingDirectory")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| if platform == "Windows" { "C:/" } else { "/tmp" }.to_string());
    let image_id = match (workflow_type, build_ami) {
        ("TEST" | "DISTRIBUTION", Some(ami)) => ami.to_string(),
        _ => parent_ami(image),
    };
    let mut vars = Map::new();
    vars.insert("cloudWatchLogGroup".into(), json!(log_group));
    vars.insert("cloudWatchLogStream".into(), json!(version));
    vars.insert(
        "collectImageMetadata".into(),
        json!(get("/enhancedImageMetadataEnabled")
            .and_then(Value::as_bool)
            .unwrap_or(true)),
    );
    vars.insert(
        "collectImageScanFindings".into(),
        json!(get("/imageScanningConfiguration/imageScanningEnabled")
            .and_then(Value::as_bool)
            .unwrap_or(false)),
    );
    vars.insert(
        "imageBuildNumber".into(),
        json!(build.parse::<i64>().unwrap_or(1)),
    );
    vars.insert("imageId".into(), json!(image_id));
    vars.insert("imageName".into(), json!(name));
    vars.insert("imageType".into(), json!("AMI"));
    vars.insert("imageVersionNumber".into(), json!(semver));
    vars.insert(
        "instanceProfileName".into(),
        json!(s("/infrastructureConfiguration/instanceProfileName")),
    );
    vars.insert("platform".into(), json!(platform));
    vars.insert(
        "s3Logs".into(),
        get("/infrastructureConfiguration/logging/s3Logs")
            .cloned()
            .unwrap_or_else(|| json!({})),
    );
    vars.insert(
        "securityGroups".into(),
        get("/infrastructureConfiguration/securityGroupIds")
            .cloned()
            .unwrap_or_else(|| json!([])),
    );
    vars.insert("sourceImageARN".into(), json!(record.arn()));
    vars.insert(
        "subnetId".into(),
        json!(s("/infrastructureConfiguration/subnetId")),
    );
    vars.insert(
        "terminateInstanceOnFailure".into(),
        json!(
            get("/infrastructureConfiguration/terminateInstanceOnFailure")
                .and_then(Value::as_bool)
                .unwrap_or(true)
        ),
    );
    vars.insert("workflowPhase".into(), json!(workflow_phase(workflow_type)));
    vars.insert("workingDirectory".into(), json!(working_dir));
    vars.insert("dateTime".into(), json!(s("/dateCreated")));
    vars
}

/// Components of the image's recipe, split into (build, test) by the spec's §6.2 rule: a
/// component is a test component iff the name segment of its ARN contains `test`. Only for
/// images stored before their components were resolved at CreateImage
/// ([`crate::components::any_to_run`]).
pub fn component_counts(image: &Value) -> (usize, usize) {
    let mut build = 0;
    let mut test = 0;
    if let Some(list) = image
        .pointer("/imageRecipe/components")
        .and_then(Value::as_array)
    {
        for c in list {
            let arn = c
                .get("componentArn")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let name = arn
                .split(":component/")
                .nth(1)
                .and_then(|t| t.split('/').next())
                .unwrap_or("");
            if name.contains("test") {
                test += 1;
            } else {
                build += 1;
            }
        }
    }
    (build, test)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_components_by_name() {
        let image = json!({"imageRecipe": {"components": [
            {"componentArn": "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"},
            {"componentArn": "arn:aws:imagebuilder:us-east-1:aws:component/reboot-test-linux/x.x.x"}
        ]}});
        assert_eq!(component_counts(&image), (1, 1));
    }
}
