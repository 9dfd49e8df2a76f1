//! The user journey with aws-sdk-imagebuilder: workflow, recipe, infrastructure, image,
//! executions, step executions, and the SDK's own paginator over them.

use aws_sdk_imagebuilder::error::ProvideErrorMetadata;
use aws_sdk_imagebuilder::types::{
    WorkflowConfiguration, WorkflowExecutionStatus, WorkflowStepExecutionStatus, WorkflowType,
};
use stepwise_sdk_tests::{prerequisites, wait_for_image, Server};

/// A BUILD document with `n` steps: launch, n − 2 commands, terminate.
fn document(n: usize) -> String {
    let mut doc = String::from(
        "schemaVersion: 1.0\nsteps:\n  - name: Launch\n    action: LaunchInstance\n    inputs:\n      waitFor: ssmAgent\n",
    );
    for i in 1..n - 1 {
        doc.push_str(&format!(
            "  - name: Command{i}\n    action: RunCommand\n    inputs:\n      instanceId.$: $.stepOutputs.Launch.instanceId\n      documentName: AWS-RunShellScript\n"
        ));
    }
    doc.push_str("  - name: Terminate\n    action: TerminateInstance\n    inputs:\n      instanceId.$: $.stepOutputs.Launch.instanceId\n");
    doc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_workflow_runs_and_pages_with_the_sdk_paginator() {
    let server = Server::start().await;
    let client = server.client();
    let workflow = client
        .create_workflow()
        .name("twelve-steps")
        .semantic_version("1.0.0")
        .r#type(WorkflowType::Build)
        .data(document(12))
        .send()
        .await
        .expect("create workflow");
    let workflow_arn = workflow.workflow_build_version_arn().unwrap().to_string();
    let got = client
        .get_workflow()
        .workflow_build_version_arn(&workflow_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.workflow().unwrap().data(), Some(document(12).as_str()));

    let (recipe, infra) = prerequisites(&client).await;
    let image = client
        .create_image()
        .image_recipe_arn(recipe)
        .infrastructure_configuration_arn(infra)
        .workflows(
            WorkflowConfiguration::builder()
                .workflow_arn(&workflow_arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("create image");
    let image_arn = image.image_build_version_arn().unwrap().to_string();
    assert_eq!(wait_for_image(&client, &image_arn).await, "AVAILABLE");

    let executions = client
        .list_workflow_executions()
        .image_build_version_arn(&image_arn)
        .send()
        .await
        .unwrap();
    let list = executions.workflow_executions();
    assert_eq!(list.len(), 1, "only the given build workflow runs");
    let execution = &list[0];
    assert_eq!(
        execution.status(),
        Some(&WorkflowExecutionStatus::Completed)
    );
    assert_eq!(execution.total_step_count(), 12);
    assert_eq!(execution.total_steps_succeeded(), 12);
    let execution_id = execution.workflow_execution_id().unwrap().to_string();

    // The SDK's paginator with page size 5: 12 steps in document order, over three pages.
    let pages: Vec<_> = client
        .list_workflow_step_executions()
        .workflow_execution_id(&execution_id)
        .into_paginator()
        .page_size(5)
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("pages");
    assert_eq!(
        pages.iter().map(|p| p.steps().len()).collect::<Vec<_>>(),
        [5, 5, 2]
    );
    assert!(
        pages[2].next_token().is_none(),
        "the last page has no token"
    );
    let names: Vec<String> = pages
        .iter()
        .flat_map(|p| p.steps().iter().map(|s| s.name().unwrap().to_string()))
        .collect();
    assert_eq!(names.first().map(String::as_str), Some("Launch"));
    assert_eq!(names.last().map(String::as_str), Some("Terminate"));
    for page in &pages {
        assert_eq!(page.workflow_execution_id(), Some(execution_id.as_str()));
        assert_eq!(page.image_build_version_arn(), Some(image_arn.as_str()));
        assert!(page.request_id().is_some());
    }
    let first = &pages[0].steps()[0];
    assert_eq!(
        first.status(),
        Some(&WorkflowStepExecutionStatus::Completed)
    );
    assert_eq!(first.attempt_number(), Some(1));
    assert_eq!(first.max_attempts(), Some(1));
    assert!(first
        .outputs()
        .unwrap()
        .starts_with("{\"instanceId\": \"i-"));

    // A raw token from one SDK page resumes exactly at the next item.
    let token = pages[0].next_token().unwrap();
    let resumed = client
        .list_workflow_step_executions()
        .workflow_execution_id(&execution_id)
        .next_token(token)
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.steps()[0].name(), Some(names[5].as_str()));

    let step_id = first.step_execution_id().unwrap();
    let step = client
        .get_workflow_step_execution()
        .step_execution_id(step_id)
        .send()
        .await
        .unwrap();
    assert_eq!(step.on_failure(), Some("Abort"));
    assert_eq!(step.timeout_seconds(), Some(4500));
    assert_eq!(step.workflow_execution_id(), Some(execution_id.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_build_runs_the_managed_workflows_and_the_image_can_be_deleted() {
    let server = Server::start().await;
    let client = server.client();
    let (recipe, infra) = prerequisites(&client).await;
    let image = client
        .create_image()
        .image_recipe_arn(recipe)
        .infrastructure_configuration_arn(infra)
        .send()
        .await
        .unwrap();
    let arn = image.image_build_version_arn().unwrap();
    assert_eq!(wait_for_image(&client, arn).await, "AVAILABLE");
    let executions = client
        .list_workflow_executions()
        .image_build_version_arn(arn)
        .send()
        .await
        .unwrap();
    let counts: Vec<(i32, i32, i32, i32)> = executions
        .workflow_executions()
        .iter()
        .map(|e| {
            (
                e.total_step_count(),
                e.total_steps_succeeded(),
                e.total_steps_failed(),
                e.total_steps_skipped(),
            )
        })
        .collect();
    assert_eq!(counts, [(7, 6, 0, 1), (4, 2, 0, 2)]);
    let got = client
        .get_image()
        .image_build_version_arn(arn)
        .send()
        .await
        .unwrap();
    let amis = got.image().unwrap().output_resources().unwrap().amis();
    assert_eq!(amis.len(), 1);
    assert!(amis[0].image().unwrap().starts_with("ami-"));

    // The finished image goes, with its executions.
    let execution = executions.workflow_executions()[0]
        .workflow_execution_id()
        .unwrap()
        .to_string();
    let deleted = client
        .delete_image()
        .image_build_version_arn(arn)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.image_build_version_arn(), Some(arn));
    assert!(deleted.request_id().is_some());
    let err = client
        .get_image()
        .image_build_version_arn(arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let err = client
        .get_workflow_execution()
        .workflow_execution_id(&execution)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let err = client
        .delete_image()
        .image_build_version_arn(arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_arrive_typed() {
    let server = Server::start().await;
    let client = server.client();
    let missing = "wf-0b6e2c1a-4f3d-4c8e-9a71-2d5f0e8b7c43";
    let err = client
        .get_workflow_execution()
        .workflow_execution_id(missing)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    let err = client
        .list_workflow_step_executions()
        .workflow_execution_id(missing)
        .next_token("garbage")
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .is_some_and(|e| e.is_invalid_pagination_token_exception()));
    let err = client
        .list_workflow_step_executions()
        .workflow_execution_id(missing)
        .max_results(0)
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_invalid_request_exception()),
        "{err:?}"
    );
    assert!(err.message().unwrap().contains("maxResults"));
    let err = client
        .create_workflow()
        .name("bad")
        .semantic_version("1.0")
        .r#type(WorkflowType::Build)
        .data(document(3))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidVersionNumberException"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regions_are_separate_tenancies() {
    let server = Server::start().await;
    let east = server.client();
    let west = server.client_in("eu-west-1");
    let created = east
        .create_workflow()
        .name("regional")
        .semantic_version("1.0.0")
        .r#type(WorkflowType::Build)
        .data(document(3))
        .send()
        .await
        .unwrap();
    let arn = created.workflow_build_version_arn().unwrap();
    assert!(arn.starts_with(
        "arn:aws:imagebuilder:us-east-1:123456789012:workflow/build/regional/1.0.0/1"
    ));
    assert_eq!(
        west.list_workflows()
            .send()
            .await
            .unwrap()
            .workflow_version_list()
            .len(),
        0
    );
    assert_eq!(
        east.list_workflows()
            .send()
            .await
            .unwrap()
            .workflow_version_list()
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_and_updates_as_infrastructure_as_code_makes_them() {
    let server = Server::start().await;
    let client = server.client();
    let (recipe, infra) = prerequisites(&client).await;
    client
        .tag_resource()
        .resource_arn(&infra)
        .tags("team", "build")
        .tags("cost/centre", "a b")
        .send()
        .await
        .unwrap();
    client
        .untag_resource()
        .resource_arn(&infra)
        .tag_keys("cost/centre")
        .tag_keys("absent")
        .send()
        .await
        .unwrap();
    let tags = client
        .list_tags_for_resource()
        .resource_arn(&infra)
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags.tags().unwrap().get("team").map(String::as_str),
        Some("build")
    );
    assert!(tags.tags().unwrap().get("cost/centre").is_none());

    let updated = client
        .update_infrastructure_configuration()
        .infrastructure_configuration_arn(&infra)
        .instance_profile_name("FromTheRustSdk")
        .instance_types("c5.large")
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.infrastructure_configuration_arn(),
        Some(infra.as_str())
    );
    assert!(updated.request_id().is_some() && updated.client_token().is_some());
    let got = client
        .get_infrastructure_configuration()
        .infrastructure_configuration_arn(&infra)
        .send()
        .await
        .unwrap();
    let config = got.infrastructure_configuration().unwrap();
    assert_eq!(config.instance_profile_name(), Some("FromTheRustSdk"));
    assert_eq!(config.instance_types(), ["c5.large"]);
    assert!(config.date_updated().is_some());
    assert_eq!(
        config.tags().unwrap().get("team").map(String::as_str),
        Some("build")
    );

    // An image is tagged under its build version ARN, slashes and all.
    let image = client
        .create_image()
        .image_recipe_arn(recipe)
        .infrastructure_configuration_arn(&infra)
        .send()
        .await
        .unwrap();
    let arn = image.image_build_version_arn().unwrap();
    assert_eq!(wait_for_image(&client, arn).await, "AVAILABLE");
    client
        .tag_resource()
        .resource_arn(arn)
        .tags("release", "candidate")
        .send()
        .await
        .unwrap();
    let got = client
        .get_image()
        .image_build_version_arn(arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.image()
            .unwrap()
            .tags()
            .unwrap()
            .get("release")
            .map(String::as_str),
        Some("candidate")
    );

    let err = client
        .tag_resource()
        .resource_arn(&infra)
        .tags("aws:reserved", "x")
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .is_some_and(|e| e.is_invalid_parameter_exception()));
    let err = client
        .list_tags_for_resource()
        .resource_arn(infra.replace(":us-east-1:", ":eu-west-1:"))
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .is_some_and(|e| e.is_resource_not_found_exception()));
    let err = client
        .update_distribution_configuration()
        .distribution_configuration_arn(
            infra.replace("infrastructure-configuration", "distribution-configuration"),
        )
        .distributions(
            aws_sdk_imagebuilder::types::Distribution::builder()
                .region("us-east-1")
                .ami_distribution_configuration(
                    aws_sdk_imagebuilder::types::AmiDistributionConfiguration::builder()
                        .name("out-{{imagebuilder:buildDate}}")
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn components_are_created_resolved_and_refused_by_name() {
    let server = Server::start().await;
    let client = server.client();
    let data = "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Hello\n        action: ExecuteBash\n        inputs:\n          commands: [echo hello]\n";
    let created = client
        .create_component()
        .name("sdk-component")
        .semantic_version("1.0.0")
        .platform(aws_sdk_imagebuilder::types::Platform::Linux)
        .data(data)
        .send()
        .await
        .unwrap();
    let arn = created.component_build_version_arn().unwrap().to_string();
    assert!(arn.ends_with(":component/sdk-component/1.0.0/1"), "{arn}");
    let got = client
        .get_component()
        .component_build_version_arn(arn.replace("/1.0.0/1", "/x.x.x"))
        .send()
        .await
        .unwrap();
    let component = got.component().unwrap();
    assert_eq!(component.data(), Some(data));
    assert_eq!(
        component.r#type(),
        Some(&aws_sdk_imagebuilder::types::ComponentType::Build)
    );
    let listed = client
        .list_components()
        .owner(aws_sdk_imagebuilder::types::Ownership::Amazon)
        .send()
        .await
        .unwrap();
    assert!(listed.component_version_list().len() >= 10);
    let err = client
        .create_component()
        .name("sdk-bad")
        .semantic_version("1.0.0")
        .platform(aws_sdk_imagebuilder::types::Platform::Linux)
        .data(data.replace("ExecuteBash", "RunCommand"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameterValueException"));
    assert!(err.message().unwrap().contains("phase 'build'"));
    let imported = client
        .import_component()
        .name("sdk-imported")
        .semantic_version("2.0.0")
        .r#type(aws_sdk_imagebuilder::types::ComponentType::Test)
        .format(aws_sdk_imagebuilder::types::ComponentFormat::Shell)
        .platform(aws_sdk_imagebuilder::types::Platform::Linux)
        .data("#!/bin/bash\nuptime\n")
        .send()
        .await
        .unwrap();
    let imported = imported.component_build_version_arn().unwrap();
    let builds = client
        .list_component_build_versions()
        .component_version_arn(imported.trim_end_matches("/1"))
        .send()
        .await
        .unwrap();
    let summaries = builds.component_summary_list();
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0].arn(), Some(imported));
    assert_eq!(
        summaries[0].r#type(),
        Some(&aws_sdk_imagebuilder::types::ComponentType::Test)
    );
    client
        .delete_component()
        .component_build_version_arn(&arn)
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelines_are_created_started_and_listed() {
    use aws_sdk_imagebuilder::types::{PipelineExecutionStartCondition, Schedule};
    let server = Server::start().await;
    let client = server.client();
    let (recipe, infra) = prerequisites(&client).await;
    let created = client
        .create_image_pipeline()
        .name("sdk-pipeline")
        .image_recipe_arn(&recipe)
        .infrastructure_configuration_arn(&infra)
        .schedule(
            Schedule::builder()
                .schedule_expression("cron(0 0 ? * MON *)")
                .timezone("Europe/Berlin")
                .pipeline_execution_start_condition(
                    PipelineExecutionStartCondition::ExpressionMatchOnly,
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let pipeline = created.image_pipeline_arn().unwrap().to_string();
    let got = client
        .get_image_pipeline()
        .image_pipeline_arn(&pipeline)
        .send()
        .await
        .unwrap();
    let p = got.image_pipeline().unwrap();
    assert!(p.date_next_run().is_some());
    assert_eq!(
        p.schedule().and_then(|s| s.timezone()),
        Some("Europe/Berlin")
    );
    let started = client
        .start_image_pipeline_execution()
        .image_pipeline_arn(&pipeline)
        .send()
        .await
        .unwrap();
    let image = started.image_build_version_arn().unwrap();
    assert_eq!(wait_for_image(&client, image).await, "AVAILABLE");
    let images = client
        .list_image_pipeline_images()
        .image_pipeline_arn(&pipeline)
        .send()
        .await
        .unwrap();
    assert_eq!(images.image_summary_list()[0].arn(), Some(image));
    let err = client
        .create_image_pipeline()
        .name("sdk-bad-pipeline")
        .image_recipe_arn(&recipe)
        .infrastructure_configuration_arn(&infra)
        .schedule(
            Schedule::builder()
                .schedule_expression("cron(0 0 * * * *)")
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .is_some_and(|e| e.is_invalid_request_exception()));
    client
        .delete_image_pipeline()
        .image_pipeline_arn(&pipeline)
        .send()
        .await
        .unwrap();
}
