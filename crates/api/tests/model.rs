use serde_json::json;
use stepwise_api::model::{self, WorkflowStepMetadata};
use stepwise_api::operations::{self, OPERATIONS};
use stepwise_api::schema::{self, ShapeKind, SHAPES};

/// (operation, input type name, output type name) for every in-scope operation, naming the
/// generated structs so that a missing one fails to compile.
macro_rules! op_types {
    ($($op:literal => $input:ty, $output:ty;)*) => {
        vec![$(($op, short::<$input>(), short::<$output>())),*]
    };
}

fn short<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

#[test]
fn every_operation_has_schema_and_model_shapes() {
    use model::*;
    let table = op_types! {
        "CreateWorkflow" => CreateWorkflowRequest, CreateWorkflowResponse;
        "GetWorkflow" => GetWorkflowRequest, GetWorkflowResponse;
        "ListWorkflows" => ListWorkflowsRequest, ListWorkflowsResponse;
        "ListWorkflowBuildVersions" => ListWorkflowBuildVersionsRequest, ListWorkflowBuildVersionsResponse;
        "DeleteWorkflow" => DeleteWorkflowRequest, DeleteWorkflowResponse;
        "CreateImageRecipe" => CreateImageRecipeRequest, CreateImageRecipeResponse;
        "GetImageRecipe" => GetImageRecipeRequest, GetImageRecipeResponse;
        "ListImageRecipes" => ListImageRecipesRequest, ListImageRecipesResponse;
        "DeleteImageRecipe" => DeleteImageRecipeRequest, DeleteImageRecipeResponse;
        "CreateInfrastructureConfiguration" => CreateInfrastructureConfigurationRequest, CreateInfrastructureConfigurationResponse;
        "UpdateInfrastructureConfiguration" => UpdateInfrastructureConfigurationRequest, UpdateInfrastructureConfigurationResponse;
        "GetInfrastructureConfiguration" => GetInfrastructureConfigurationRequest, GetInfrastructureConfigurationResponse;
        "ListInfrastructureConfigurations" => ListInfrastructureConfigurationsRequest, ListInfrastructureConfigurationsResponse;
        "DeleteInfrastructureConfiguration" => DeleteInfrastructureConfigurationRequest, DeleteInfrastructureConfigurationResponse;
        "CreateDistributionConfiguration" => CreateDistributionConfigurationRequest, CreateDistributionConfigurationResponse;
        "UpdateDistributionConfiguration" => UpdateDistributionConfigurationRequest, UpdateDistributionConfigurationResponse;
        "GetDistributionConfiguration" => GetDistributionConfigurationRequest, GetDistributionConfigurationResponse;
        "ListDistributionConfigurations" => ListDistributionConfigurationsRequest, ListDistributionConfigurationsResponse;
        "DeleteDistributionConfiguration" => DeleteDistributionConfigurationRequest, DeleteDistributionConfigurationResponse;
        "CreateImage" => CreateImageRequest, CreateImageResponse;
        "DeleteImage" => DeleteImageRequest, DeleteImageResponse;
        "GetImage" => GetImageRequest, GetImageResponse;
        "ListImages" => ListImagesRequest, ListImagesResponse;
        "ListImageBuildVersions" => ListImageBuildVersionsRequest, ListImageBuildVersionsResponse;
        "CancelImageCreation" => CancelImageCreationRequest, CancelImageCreationResponse;
        "RetryImage" => RetryImageRequest, RetryImageResponse;
        "ListWorkflowExecutions" => ListWorkflowExecutionsRequest, ListWorkflowExecutionsResponse;
        "GetWorkflowExecution" => GetWorkflowExecutionRequest, GetWorkflowExecutionResponse;
        "ListWorkflowStepExecutions" => ListWorkflowStepExecutionsRequest, ListWorkflowStepExecutionsResponse;
        "GetWorkflowStepExecution" => GetWorkflowStepExecutionRequest, GetWorkflowStepExecutionResponse;
        "ListWaitingWorkflowSteps" => ListWaitingWorkflowStepsRequest, ListWaitingWorkflowStepsResponse;
        "SendWorkflowStepAction" => SendWorkflowStepActionRequest, SendWorkflowStepActionResponse;
        "CreateComponent" => CreateComponentRequest, CreateComponentResponse;
        "ImportComponent" => ImportComponentRequest, ImportComponentResponse;
        "GetComponent" => GetComponentRequest, GetComponentResponse;
        "ListComponents" => ListComponentsRequest, ListComponentsResponse;
        "ListComponentBuildVersions" => ListComponentBuildVersionsRequest, ListComponentBuildVersionsResponse;
        "DeleteComponent" => DeleteComponentRequest, DeleteComponentResponse;
        "CreateImagePipeline" => CreateImagePipelineRequest, CreateImagePipelineResponse;
        "UpdateImagePipeline" => UpdateImagePipelineRequest, UpdateImagePipelineResponse;
        "GetImagePipeline" => GetImagePipelineRequest, GetImagePipelineResponse;
        "ListImagePipelines" => ListImagePipelinesRequest, ListImagePipelinesResponse;
        "DeleteImagePipeline" => DeleteImagePipelineRequest, DeleteImagePipelineResponse;
        "StartImagePipelineExecution" => StartImagePipelineExecutionRequest, StartImagePipelineExecutionResponse;
        "ListImagePipelineImages" => ListImagePipelineImagesRequest, ListImagePipelineImagesResponse;
        "TagResource" => TagResourceRequest, TagResourceResponse;
        "UntagResource" => UntagResourceRequest, UntagResourceResponse;
        "ListTagsForResource" => ListTagsForResourceRequest, ListTagsForResourceResponse;
    };
    assert_eq!(OPERATIONS.iter().filter(|op| op.served).count(), 48);
    assert_eq!(table.len(), 48);
    for (name, input, output) in table {
        let op = operations::by_name(name).unwrap_or_else(|| panic!("{name} missing"));
        assert!(op.served, "{name}");
        if matches!(
            name,
            "TagResource" | "UntagResource" | "ListTagsForResource"
        ) {
            assert_eq!(op.path, "/tags/{resourceArn}");
        } else {
            assert_eq!(op.path, format!("/{name}"));
        }
        assert_eq!(op.input.name, input);
        assert_eq!(op.output.name, output);
        for shape_name in [input, output] {
            let shape = schema::shape(shape_name).unwrap_or_else(|| panic!("{shape_name}"));
            assert!(
                matches!(shape.kind, ShapeKind::Structure { .. }),
                "{shape_name}"
            );
        }
    }
}

#[test]
fn routing_table_matches_the_spec() {
    let query = [
        ("GetWorkflow", "GET", "workflowBuildVersionArn"),
        ("DeleteWorkflow", "DELETE", "workflowBuildVersionArn"),
        ("GetImageRecipe", "GET", "imageRecipeArn"),
        ("DeleteImageRecipe", "DELETE", "imageRecipeArn"),
        (
            "GetInfrastructureConfiguration",
            "GET",
            "infrastructureConfigurationArn",
        ),
        (
            "DeleteInfrastructureConfiguration",
            "DELETE",
            "infrastructureConfigurationArn",
        ),
        (
            "GetDistributionConfiguration",
            "GET",
            "distributionConfigurationArn",
        ),
        (
            "DeleteDistributionConfiguration",
            "DELETE",
            "distributionConfigurationArn",
        ),
        ("GetComponent", "GET", "componentBuildVersionArn"),
        ("DeleteComponent", "DELETE", "componentBuildVersionArn"),
        ("GetImagePipeline", "GET", "imagePipelineArn"),
        ("DeleteImagePipeline", "DELETE", "imagePipelineArn"),
        ("GetImage", "GET", "imageBuildVersionArn"),
        ("DeleteImage", "DELETE", "imageBuildVersionArn"),
        ("GetWorkflowExecution", "GET", "workflowExecutionId"),
        ("GetWorkflowStepExecution", "GET", "stepExecutionId"),
    ];
    // The tag operations, the only ones with a URI label, have a test of their own
    // (tests/operations.rs).
    for op in OPERATIONS
        .iter()
        .filter(|op| op.served && !op.path.starts_with("/tags/"))
    {
        let expected = query.iter().find(|(n, _, _)| *n == op.name);
        match expected {
            Some((_, method, member)) => {
                assert_eq!(op.method, *method, "{}", op.name);
                assert_eq!(op.query_member, Some(*member), "{}", op.name);
                let m = op.input.member(member).unwrap();
                assert!(m.required && m.query == Some(*member));
            }
            None => {
                let method = if op.name.starts_with("List") {
                    "POST"
                } else {
                    "PUT"
                };
                assert_eq!(op.method, method, "{}", op.name);
                assert_eq!(op.query_member, None, "{}", op.name);
            }
        }
        assert_eq!(
            operations::find(op.method, op.path).map(|r| r.operation.name),
            Some(op.name)
        );
        let by_path: Vec<&str> = operations::by_path(op.path)
            .map(|r| r.operation.name)
            .collect();
        assert_eq!(by_path, [op.name]);
    }
    assert!(operations::find("POST", "/GetWorkflow").is_none());
    assert!(operations::find("get", "/GetWorkflow").is_none());
    assert!(operations::by_path("/NoSuchOperation").next().is_none());
    assert!(operations::by_path("GetWorkflow").next().is_none());
    assert_eq!(
        operations::by_name("CreateImage")
            .unwrap()
            .idempotency_token,
        Some("clientToken")
    );
}

#[test]
fn schema_table_is_sorted_and_closed() {
    assert!(SHAPES.windows(2).all(|w| w[0].name < w[1].name));
    let mut pattern_indexes = std::collections::BTreeSet::new();
    for shape in SHAPES.iter() {
        assert_eq!(schema::shape(shape.name).map(|s| s.name), Some(shape.name));
        let targets: Vec<&schema::Shape> = match shape.kind {
            ShapeKind::Structure { members } => members.iter().map(|m| m.target).collect(),
            ShapeKind::List { member, .. } => vec![member],
            ShapeKind::Map { key, value, .. } => vec![key, value],
            _ => vec![],
        };
        for t in targets {
            assert!(
                schema::shape(t.name).is_some(),
                "{} -> {}",
                shape.name,
                t.name
            );
        }
        if let ShapeKind::String {
            pattern: Some(p), ..
        } = shape.kind
        {
            regex::Regex::new(p.regex).unwrap_or_else(|e| panic!("{}: {e}", shape.name));
            assert!(p.index < schema::PATTERN_COUNT);
            pattern_indexes.insert(p.index);
        }
    }
    assert_eq!(pattern_indexes.len(), schema::PATTERN_COUNT);
    assert!(schema::shape("NoSuchShape").is_none());
}

#[test]
fn model_constants_worth_knowing() {
    // Stepwise enforces 1..100 for maxResults whatever the model says; today they agree.
    let ShapeKind::Integer { range } = schema::shape("RestrictedInteger").unwrap().kind else {
        panic!("RestrictedInteger is an integer");
    };
    assert_eq!((range.min, range.max), (Some(1), Some(100)));
    assert_eq!(
        model::enums::WORKFLOW_TYPE,
        &["BUILD", "TEST", "DISTRIBUTION"]
    );
    assert_eq!(model::enums::WORKFLOW_STEP_ACTION_TYPE, &["RESUME", "STOP"]);
}

#[test]
fn workflow_step_metadata_round_trips_and_omits_none() {
    let sample = json!({
        "stepExecutionId": "step-91d2a7c4-0e3f-4b58-a6d1-7c9e2f3b4a50",
        "name": "LaunchBuildInstance",
        "action": "LaunchInstance",
        "status": "COMPLETED",
        "inputs": "{\"instanceId\": \"i-0a1b2c3d4e5f60718\"}",
        "startTime": "2026-03-04T10:15:30.042Z",
        "endTime": "2026-03-04T10:16:30.042Z",
        "attemptNumber": 1,
    });
    let step: WorkflowStepMetadata = serde_json::from_value(sample.clone()).unwrap();
    assert_eq!(step.name.as_deref(), Some("LaunchBuildInstance"));
    assert_eq!(step.attempt_number, Some(1));
    assert_eq!(step.description, None);
    assert_eq!(step.max_attempts, None);
    let back = serde_json::to_value(&step).unwrap();
    assert_eq!(back, sample);
    // Member order on the wire follows the model.
    let keys: Vec<&str> = back
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "stepExecutionId",
            "name",
            "action",
            "status",
            "inputs",
            "startTime",
            "endTime",
            "attemptNumber"
        ]
    );
    assert_eq!(
        serde_json::to_string(&WorkflowStepMetadata::default()).unwrap(),
        "{}"
    );
}

#[test]
fn keyword_members_keep_their_wire_name() {
    let v = json!({"type": "BUILD", "name": "n"});
    let w: model::WorkflowVersion = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(w.r#type.as_deref(), Some("BUILD"));
    assert_eq!(serde_json::to_value(&w).unwrap(), v);
}
