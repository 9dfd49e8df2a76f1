//! The Amazon-managed workflows Stepwise ships (§7).

use crate::model::WorkflowType;

/// An Amazon-managed workflow (owner `aws` in ARNs, `Amazon` in `owner` fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagedWorkflow {
    pub name: &'static str,
    pub ty: WorkflowType,
    pub version: &'static str,
    pub build: u32,
    pub description: &'static str,
    /// The document text, as GetWorkflow returns it.
    pub data: &'static str,
    pub date_created: &'static str,
}

const BUILD_IMAGE: &str = r#"name: build-image
description: Workflow to build an AMI
schemaVersion: 1.0

steps:
  - name: LaunchBuildInstance
    action: LaunchInstance
    onFailure: Abort
    inputs:
      waitFor: "ssmAgent"

  - name: ApplyBuildComponents
    action: ExecuteComponents
    onFailure: Abort
    inputs:
      instanceId.$: "$.stepOutputs.LaunchBuildInstance.instanceId"

  - name: InventoryCollection
    action: CollectImageMetadata
    onFailure: Abort
    if:
      and:
        - stringEquals: "AMI"
          value: "$.imagebuilder.imageType"
        - booleanEquals: true
          value: "$.imagebuilder.collectImageMetadata"
    inputs:
      instanceId.$: "$.stepOutputs.LaunchBuildInstance.instanceId"

  - name: RunSanitizeScript
    action: SanitizeInstance
    onFailure: Abort
    if:
      and:
        - stringEquals: "AMI"
          value: "$.imagebuilder.imageType"
        - stringEquals: "Linux"
          value: "$.imagebuilder.platform"
    inputs:
      instanceId.$: "$.stepOutputs.LaunchBuildInstance.instanceId"

  - name: RunSysPrepScript
    action: RunSysPrep
    onFailure: Abort
    if:
      and:
        - stringEquals: "AMI"
          value: "$.imagebuilder.imageType"
        - stringEquals: "Windows"
          value: "$.imagebuilder.platform"
    inputs:
      instanceId.$: "$.stepOutputs.LaunchBuildInstance.instanceId"

  - name: CreateOutputAMI
    action: CreateImage
    onFailure: Abort
    if:
      stringEquals: "AMI"
      value: "$.imagebuilder.imageType"
    inputs:
      instanceId.$: "$.stepOutputs.LaunchBuildInstance.instanceId"

  - name: TerminateBuildInstance
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: "$.stepOutputs.LaunchBuildInstance.instanceId"

outputs:
  - name: "ImageId"
    value: "$.stepOutputs.CreateOutputAMI.imageId"
"#;

const TEST_IMAGE: &str = r#"name: test-image
description: Workflow to test an AMI
schemaVersion: 1.0

steps:
  - name: LaunchTestInstance
    action: LaunchInstance
    onFailure: Abort
    inputs:
      waitFor: "ssmAgent"

  - name: CollectImageScanFindings
    action: CollectImageScanFindings
    onFailure: Continue
    if:
      and:
        - booleanEquals: true
          value: "$.imagebuilder.collectImageScanFindings"
        - or:
            - stringEquals: "Linux"
              value: "$.imagebuilder.platform"
            - stringEquals: "Windows"
              value: "$.imagebuilder.platform"
    inputs:
      instanceId.$: "$.stepOutputs.LaunchTestInstance.instanceId"

  - name: ApplyTestComponents
    action: ExecuteComponents
    onFailure: Abort
    inputs:
      instanceId.$: "$.stepOutputs.LaunchTestInstance.instanceId"

  - name: TerminateTestInstance
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: "$.stepOutputs.LaunchTestInstance.instanceId"
"#;

static MANAGED: [ManagedWorkflow; 2] = [
    ManagedWorkflow {
        name: "build-image",
        ty: WorkflowType::Build,
        version: "1.0.3",
        build: 1,
        description: "Workflow to build an AMI",
        data: BUILD_IMAGE,
        date_created: "2024-01-01T00:00:00.000Z",
    },
    ManagedWorkflow {
        name: "test-image",
        ty: WorkflowType::Test,
        version: "1.0.3",
        build: 1,
        description: "Workflow to test an AMI",
        data: TEST_IMAGE,
        date_created: "2024-01-01T00:00:00.000Z",
    },
];

/// The managed workflows Stepwise ships: `build-image` (BUILD) and `test-image` (TEST).
pub fn managed_workflows() -> &'static [ManagedWorkflow] {
    &MANAGED
}

/// The managed workflow of type `ty` named `name`, if Stepwise ships it.
pub fn managed_workflow(ty: WorkflowType, name: &str) -> Option<&'static ManagedWorkflow> {
    MANAGED.iter().find(|m| m.ty == ty && m.name == name)
}
