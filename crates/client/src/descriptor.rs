//! What botocore knows about each paginated Image Builder operation, as static data.
//!
//! The values are those of botocore 1.44.8's `paginators-1.json` merged with
//! `paginators-1.sdk-extras.json` (the extras add the `non_aggregate_keys`), plus the input
//! members and `min` constraints of the service model that botocore's client-side validation
//! uses. `tests/descriptors.rs` checks this table against botocore's own data in the fixture.

/// How one operation paginates, in botocore's terms.
///
/// ```
/// use stepwise_client::descriptor::{self, OperationDescriptor};
/// let d: &OperationDescriptor = descriptor::find("ListWorkflowStepExecutions").unwrap();
/// assert_eq!(d.result_key, "steps");
/// assert_eq!(d.limit_key, Some("maxResults"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationDescriptor {
    /// Operation name as in the service model, e.g. `ListWorkflowStepExecutions`.
    pub operation: &'static str,
    /// Request member that carries the continuation token (`input_token`).
    pub input_token: &'static str,
    /// Response member that carries the continuation token (`output_token`).
    pub output_token: &'static str,
    /// Request member that `PageSize` is sent as (`limit_key`); `None` when the operation has none.
    pub limit_key: Option<&'static str>,
    /// Response member holding the items (`result_key`).
    pub result_key: &'static str,
    /// Response members reported once, from the first page (`non_aggregate_keys`), in order.
    pub non_aggregate_keys: &'static [&'static str],
    /// Every request member in model order, as botocore lists them in "Unknown parameter" errors.
    pub input_members: &'static [&'static str],
    /// Model `min` length of the input token (botocore rejects a shorter token client-side).
    pub token_min_length: usize,
    /// Model `min` value of the limit member (botocore rejects a smaller page size client-side).
    pub limit_min: i64,
}

/// Looks up the descriptor of an operation by its model name.
///
/// ```
/// assert!(stepwise_client::descriptor::find("ListWorkflows").is_some());
/// assert!(stepwise_client::descriptor::find("GetImage").is_none());
/// ```
pub fn find(operation: &str) -> Option<&'static OperationDescriptor> {
    ALL.iter().copied().find(|d| d.operation == operation)
}

// Every Image Builder paginator uses nextToken/maxResults with min 1 for both; only the result
// key, the non-aggregate keys and the input members differ, so the table is built by a macro.
macro_rules! descriptors {
    ($( $konst:ident = $op:literal, $result:literal, limit: $limit:expr,
        non_aggregate: [$($na:literal),*], members: [$($m:literal),*]; )*) => {
        $(
            #[doc = concat!("Descriptor of `", $op, "`.")]
            ///
            /// ```
            #[doc = concat!("assert_eq!(stepwise_client::descriptor::", stringify!($konst), ".operation, \"", $op, "\");")]
            /// ```
            pub static $konst: OperationDescriptor = OperationDescriptor {
                operation: $op,
                input_token: "nextToken",
                output_token: "nextToken",
                limit_key: $limit,
                result_key: $result,
                non_aggregate_keys: &[$($na),*],
                input_members: &[$($m),*],
                token_min_length: 1,
                limit_min: 1,
            };
        )*

        /// Every paginated operation of botocore's Image Builder model, sorted by name.
        ///
        /// ```
        /// assert_eq!(stepwise_client::descriptor::ALL.len(), 21);
        /// ```
        pub static ALL: &[&OperationDescriptor] = &[$(&$konst),*];
    };
}

const LIMIT: Option<&str> = Some("maxResults");

descriptors! {
    LIST_COMPONENT_BUILD_VERSIONS = "ListComponentBuildVersions", "componentSummaryList", limit: LIMIT,
        non_aggregate: ["requestId"], members: ["componentVersionArn", "maxResults", "nextToken"];
    LIST_COMPONENTS = "ListComponents", "componentVersionList", limit: LIMIT,
        non_aggregate: ["requestId"], members: ["owner", "filters", "byName", "maxResults", "nextToken"];
    LIST_CONTAINER_RECIPES = "ListContainerRecipes", "containerRecipeSummaryList", limit: LIMIT,
        non_aggregate: ["requestId"], members: ["owner", "filters", "maxResults", "nextToken"];
    LIST_DISTRIBUTION_CONFIGURATIONS = "ListDistributionConfigurations", "distributionConfigurationSummaryList", limit: LIMIT,
        non_aggregate: ["requestId"], members: ["filters", "maxResults", "nextToken"];
    LIST_IMAGE_BUILD_VERSIONS = "ListImageBuildVersions", "imageSummaryList", limit: LIMIT,
        non_aggregate: ["requestId"], members: ["imageVersionArn", "filters", "maxResults", "nextToken"];
    LIST_IMAGE_PACKAGES = "ListImagePackages", "imagePackageList", limit: LIMIT,
        non_aggregate: ["requestId"], members: ["imageBuildVersionArn", "maxResults", "nextToken"];
    LIST_IMAGE_PIPELINE_IMAGES = "ListImagePipelineImages", "imageSummaryList", limit: LIMIT,
        non_aggregate: ["requestId"], members: ["imagePipelineArn", "filters", "maxResults", "nextToken"];
    LIST_IMAGE_PIPELINES = "ListImagePipelines", "imagePipelineList", limit: LIMIT,
        non_aggregate: ["requestId"], members: ["filters", "maxResults", "nextToken"];
    LIST_IMAGE_RECIPES = "ListImageRecipes", "imageRecipeSummaryList", limit: LIMIT,
        non_aggregate: ["requestId"], members: ["owner", "filters", "maxResults", "nextToken"];
    LIST_IMAGE_SCAN_FINDING_AGGREGATIONS = "ListImageScanFindingAggregations", "responses", limit: None,
        non_aggregate: ["requestId", "aggregationType"], members: ["filter", "nextToken"];
    LIST_IMAGE_SCAN_FINDINGS = "ListImageScanFindings", "findings", limit: LIMIT,
        non_aggregate: ["requestId"], members: ["filters", "maxResults", "nextToken"];
    LIST_IMAGES = "ListImages", "imageVersionList", limit: LIMIT,
        non_aggregate: ["requestId"], members: ["owner", "filters", "byName", "maxResults", "nextToken", "includeDeprecated"];
    LIST_INFRASTRUCTURE_CONFIGURATIONS = "ListInfrastructureConfigurations", "infrastructureConfigurationSummaryList", limit: LIMIT,
        non_aggregate: ["requestId"], members: ["filters", "maxResults", "nextToken"];
    LIST_LIFECYCLE_EXECUTION_RESOURCES = "ListLifecycleExecutionResources", "resources", limit: LIMIT,
        non_aggregate: ["lifecycleExecutionId", "lifecycleExecutionState"], members: ["lifecycleExecutionId", "parentResourceId", "maxResults", "nextToken"];
    LIST_LIFECYCLE_EXECUTIONS = "ListLifecycleExecutions", "lifecycleExecutions", limit: LIMIT,
        non_aggregate: [], members: ["maxResults", "nextToken", "resourceArn"];
    LIST_LIFECYCLE_POLICIES = "ListLifecyclePolicies", "lifecyclePolicySummaryList", limit: LIMIT,
        non_aggregate: [], members: ["filters", "maxResults", "nextToken"];
    LIST_WAITING_WORKFLOW_STEPS = "ListWaitingWorkflowSteps", "steps", limit: LIMIT,
        non_aggregate: [], members: ["maxResults", "nextToken"];
    LIST_WORKFLOW_BUILD_VERSIONS = "ListWorkflowBuildVersions", "workflowSummaryList", limit: LIMIT,
        non_aggregate: [], members: ["workflowVersionArn", "maxResults", "nextToken"];
    LIST_WORKFLOW_EXECUTIONS = "ListWorkflowExecutions", "workflowExecutions", limit: LIMIT,
        non_aggregate: ["requestId", "imageBuildVersionArn", "message"], members: ["maxResults", "nextToken", "imageBuildVersionArn"];
    LIST_WORKFLOW_STEP_EXECUTIONS = "ListWorkflowStepExecutions", "steps", limit: LIMIT,
        non_aggregate: ["requestId", "workflowBuildVersionArn", "workflowExecutionId", "imageBuildVersionArn", "message"],
        members: ["maxResults", "nextToken", "workflowExecutionId"];
    LIST_WORKFLOWS = "ListWorkflows", "workflowVersionList", limit: LIMIT,
        non_aggregate: [], members: ["owner", "filters", "byName", "maxResults", "nextToken"];
}
