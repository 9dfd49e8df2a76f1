//! The static descriptor table against botocore's own paginator and service models.

mod common;

use serde_json::Value;
use stepwise_client::descriptor;

#[test]
fn descriptors_match_botocore_models() {
    let fixture = common::fixture();
    let models = fixture["paginators"].as_array().unwrap();
    assert_eq!(models.len(), descriptor::ALL.len());
    for (model, ours) in models.iter().zip(descriptor::ALL) {
        let op = model["operation"].as_str().unwrap();
        assert_eq!(ours.operation, op);
        assert_eq!(ours.input_token, model["input_token"], "{op}");
        assert_eq!(ours.output_token, model["output_token"], "{op}");
        assert_eq!(ours.limit_key, model["limit_key"].as_str(), "{op}");
        assert_eq!(ours.result_key, model["result_key"], "{op}");
        assert!(model["more_results"].is_null(), "{op} uses more_results");
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            ours.non_aggregate_keys,
            strings(&model["non_aggregate_keys"]),
            "{op}"
        );
        assert_eq!(ours.input_members, strings(&model["input_members"]), "{op}");
        assert_eq!(
            ours.token_min_length as u64,
            model["token_min_length"].as_u64().unwrap(),
            "{op}"
        );
        if ours.limit_key.is_some() {
            assert_eq!(ours.limit_min, model["limit_min"].as_i64().unwrap(), "{op}");
        }
        assert_eq!(descriptor::find(op), Some(*ours));
    }
}

#[test]
fn every_sdk_builder_uses_its_descriptor() {
    use aws_sdk_imagebuilder::operation as op;
    use stepwise_client::PaginatedOperation;
    fn name<B: PaginatedOperation>() -> &'static str {
        B::DESCRIPTOR.operation
    }
    let names = [
        name::<op::list_component_build_versions::builders::ListComponentBuildVersionsFluentBuilder>(),
        name::<op::list_components::builders::ListComponentsFluentBuilder>(),
        name::<op::list_container_recipes::builders::ListContainerRecipesFluentBuilder>(),
        name::<op::list_distribution_configurations::builders::ListDistributionConfigurationsFluentBuilder>(),
        name::<op::list_image_build_versions::builders::ListImageBuildVersionsFluentBuilder>(),
        name::<op::list_image_packages::builders::ListImagePackagesFluentBuilder>(),
        name::<op::list_image_pipeline_images::builders::ListImagePipelineImagesFluentBuilder>(),
        name::<op::list_image_pipelines::builders::ListImagePipelinesFluentBuilder>(),
        name::<op::list_image_recipes::builders::ListImageRecipesFluentBuilder>(),
        name::<op::list_image_scan_finding_aggregations::builders::ListImageScanFindingAggregationsFluentBuilder>(),
        name::<op::list_image_scan_findings::builders::ListImageScanFindingsFluentBuilder>(),
        name::<op::list_images::builders::ListImagesFluentBuilder>(),
        name::<op::list_infrastructure_configurations::builders::ListInfrastructureConfigurationsFluentBuilder>(),
        name::<op::list_lifecycle_execution_resources::builders::ListLifecycleExecutionResourcesFluentBuilder>(),
        name::<op::list_lifecycle_executions::builders::ListLifecycleExecutionsFluentBuilder>(),
        name::<op::list_lifecycle_policies::builders::ListLifecyclePoliciesFluentBuilder>(),
        name::<op::list_waiting_workflow_steps::builders::ListWaitingWorkflowStepsFluentBuilder>(),
        name::<op::list_workflow_build_versions::builders::ListWorkflowBuildVersionsFluentBuilder>(),
        name::<op::list_workflow_executions::builders::ListWorkflowExecutionsFluentBuilder>(),
        name::<op::list_workflow_step_executions::builders::ListWorkflowStepExecutionsFluentBuilder>(),
        name::<op::list_workflows::builders::ListWorkflowsFluentBuilder>(),
    ];
    let all: Vec<&str> = descriptor::ALL.iter().map(|d| d.operation).collect();
    assert_eq!(names.to_vec(), all);
}
