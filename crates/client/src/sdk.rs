//! The aws-sdk-imagebuilder side: every paginated operation's fluent builder as a
//! [`PaginatedOperation`], and [`SdkSource`], the [`PageSource`] that sends it.
//!
//! botocore's pages are the parsed response bodies. The SDK's typed outputs cannot be turned
//! back into JSON, so each request carries a [`BodyCapture`] interceptor that keeps the raw
//! body the SDK deserialized; the page is that body (members with `null` values dropped, as
//! botocore's parser drops them) next to the typed output.

use crate::config::PaginationConfig;
use crate::descriptor::{self, OperationDescriptor};
use crate::error::PaginationError;
use crate::pages::PageStream;
use crate::paginator::Paginator;
use crate::source::{
    BodyRepr, FetchedPage, PageBody, PageFuture, PageOutput, PageRequest, PageSource, Preset,
    RawPage, RawPageFuture,
};
use aws_sdk_imagebuilder::error::SdkError;
use aws_sdk_imagebuilder::operation;
use aws_sdk_imagebuilder::types;
use futures_util::future::BoxFuture;
use std::ops::Range;

// The interceptor every request carries. It lives in `capture`, which `source` and `pages`
// use too, so that neither of them imports this module (which imports both).
pub use crate::capture::BodyCapture;
/// The raw HTTP response type of the SDK.
pub use aws_sdk_imagebuilder::config::http::HttpResponse;

/// The future of one SDK request: the typed output, or the SDK's error as it is.
///
/// ```no_run
/// use aws_sdk_imagebuilder::operation::list_workflows::{ListWorkflowsError, ListWorkflowsOutput};
/// fn send(client: aws_sdk_imagebuilder::Client) -> stepwise_client::sdk::SendFuture<ListWorkflowsOutput, ListWorkflowsError> {
///     Box::pin(client.list_workflows().send())
/// }
/// ```
pub type SendFuture<O, E> = BoxFuture<'static, Result<O, SdkError<E, HttpResponse>>>;

/// An SDK fluent builder (`client.list_…()`) of a paginated operation.
///
/// Implemented for the builder of every operation in botocore's Image Builder paginator model;
/// the non-paging parameters set on the builder are sent unchanged on every request.
///
/// ```
/// use aws_sdk_imagebuilder::operation::list_workflow_step_executions::builders::ListWorkflowStepExecutionsFluentBuilder as B;
/// use stepwise_client::sdk::PaginatedOperation;
/// assert_eq!(<B as PaginatedOperation>::DESCRIPTOR.result_key, "steps");
/// ```
pub trait PaginatedOperation: Clone + Unpin + Send + 'static {
    /// The operation's typed output (e.g. `ListWorkflowStepExecutionsOutput`).
    type Output: PageOutput;
    /// The operation's error (e.g. `ListWorkflowStepExecutionsError`).
    type Error: Send + 'static;
    /// botocore's pagination facts for the operation.
    const DESCRIPTOR: &'static OperationDescriptor;

    /// The paging members already set on the builder.
    ///
    /// ```no_run
    /// # fn demo(client: aws_sdk_imagebuilder::Client) {
    /// use stepwise_client::PaginatedOperation;
    /// assert_eq!(client.list_workflows().max_results(7).preset().limit, Some(7));
    /// # }
    /// ```
    fn preset(&self) -> Preset;

    /// Sends the request with the given token and limit (`None` limit: the builder's own),
    /// capturing the response body in `capture`.
    ///
    /// ```no_run
    /// # async fn demo(client: aws_sdk_imagebuilder::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use stepwise_client::{sdk::BodyCapture, PaginatedOperation};
    /// let capture = BodyCapture::default();
    /// let output = client.list_workflows().send_page(Some("tok".into()), Some(3), capture.clone()).await?;
    /// println!("{:?} {}", output.next_token(), capture.json()?);
    /// # Ok(()) }
    /// ```
    fn send_page(
        self,
        token: Option<String>,
        limit: Option<i32>,
        capture: BodyCapture,
    ) -> SendFuture<Self::Output, Self::Error>;
}

/// Creating a paginator straight from an SDK fluent builder.
///
/// ```no_run
/// # async fn demo(client: aws_sdk_imagebuilder::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use stepwise_client::{PaginateExt, PaginationConfig};
/// let full = client
///     .list_workflow_step_executions()
///     .workflow_execution_id("wf-0b6e2c1a-4f3d-4c8e-9a71-2d5f0e8b7c43")
///     .paginate(PaginationConfig::default().page_size(3).max_items(5))
///     .build_full_result()
///     .await?;
/// println!("{}", full["NextToken"]);
/// # Ok(()) }
/// ```
pub trait PaginateExt: PaginatedOperation {
    /// A paginator over this request.
    ///
    /// ```no_run
    /// # fn demo(client: aws_sdk_imagebuilder::Client) {
    /// use stepwise_client::{PaginateExt, PaginationConfig};
    /// let paginator = client.list_images().paginate(PaginationConfig::default().max_items(10));
    /// assert_eq!(paginator.descriptor().operation, "ListImages");
    /// # }
    /// ```
    fn paginate(self, config: PaginationConfig) -> Paginator<SdkSource<Self>> {
        Paginator::new(self, config)
    }
}

impl<B: PaginatedOperation> PaginateExt for B {}

impl<B: PaginatedOperation> Paginator<SdkSource<B>> {
    /// A paginator over the request `operation` (an SDK fluent builder).
    ///
    /// ```no_run
    /// # fn demo(client: aws_sdk_imagebuilder::Client) {
    /// use stepwise_client::{PaginationConfig, Paginator};
    /// let paginator = Paginator::new(
    ///     client.list_workflow_step_executions().workflow_execution_id("wf-…"),
    ///     PaginationConfig { max_items: Some(5), page_size: Some(3), ..Default::default() },
    /// );
    /// # let _ = paginator; }
    /// ```
    pub fn new(operation: B, config: PaginationConfig) -> Self {
        Paginator::from_source(SdkSource { operation }, config)
    }
}

/// The [`PageSource`] that sends an SDK operation. Its error is the SDK's
/// `SdkError<OperationError, HttpResponse>`, passed through untouched.
///
/// ```no_run
/// # fn demo(client: aws_sdk_imagebuilder::Client) {
/// use stepwise_client::sdk::SdkSource;
/// use stepwise_client::PageSource;
/// let source = SdkSource::new(client.list_workflows());
/// assert_eq!(source.descriptor().operation, "ListWorkflows");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SdkSource<B> {
    operation: B,
}

impl<B: PaginatedOperation> SdkSource<B> {
    /// A source sending `operation`.
    ///
    /// ```no_run
    /// # fn demo(client: aws_sdk_imagebuilder::Client) {
    /// let _ = stepwise_client::sdk::SdkSource::new(client.list_images());
    /// # }
    /// ```
    pub fn new(operation: B) -> Self {
        SdkSource { operation }
    }

    /// The request as configured.
    ///
    /// ```no_run
    /// # fn demo(client: aws_sdk_imagebuilder::Client) {
    /// let source = stepwise_client::sdk::SdkSource::new(client.list_images().by_name(true));
    /// assert_eq!(*source.operation().get_by_name(), Some(true));
    /// # }
    /// ```
    pub fn operation(&self) -> &B {
        &self.operation
    }
}

impl<B: PaginatedOperation> PageSource for SdkSource<B> {
    type Output = B::Output;
    type Error = SdkError<B::Error, HttpResponse>;

    fn descriptor(&self) -> &'static OperationDescriptor {
        B::DESCRIPTOR
    }

    fn preset(&self) -> Preset {
        self.operation.preset()
    }

    fn fetch(&self, request: PageRequest) -> PageFuture<B::Output, Self::Error> {
        let sent = self.fetch_body(request);
        Box::pin(async move {
            let RawPage { body, output } = sent.await?;
            let json = match body.0 {
                BodyRepr::Json(json) => json,
                BodyRepr::Raw(capture) => {
                    capture.json().map_err(PaginationError::UnreadableBody)?
                }
            };
            Ok(FetchedPage { json, output })
        })
    }

    /// The typed output and the captured body, unparsed (the body is not copied either).
    fn fetch_body(&self, request: PageRequest) -> RawPageFuture<B::Output, Self::Error> {
        let capture = BodyCapture::default();
        let sent = self
            .operation
            .clone()
            .send_page(request.token, request.limit, capture.clone());
        Box::pin(async move {
            let output = sent.await.map_err(PaginationError::Service)?;
            Ok(RawPage {
                body: PageBody(BodyRepr::Raw(capture)),
                output,
            })
        })
    }
}

/// Keeps `range` of an optional item list, clamped to the list.
fn retain_range<T>(items: &mut Option<Vec<T>>, range: Range<usize>) {
    if let Some(list) = items {
        let end = range.end.min(list.len());
        let start = range.start.min(end);
        *list = list.drain(start..end).collect();
    }
}

// One line per operation: module, builder, output, error, item type, list field, descriptor,
// and whether the operation has a limit member (`maxResults`).
macro_rules! paginated_operations {
    ($( $module:ident: $builder:ident, $output:ident, $error:ident, $item:ident, $field:ident,
        $descriptor:ident, limit: $limit:ident; )*) => {$(
        impl PageOutput for operation::$module::$output {
            type Item = types::$item;
            fn retain_items(&mut self, range: Range<usize>) {
                retain_range(&mut self.$field, range);
            }
            fn into_items(self) -> Vec<types::$item> {
                self.$field.unwrap_or_default()
            }
            fn item_count(&self) -> Option<usize> {
                Some(self.$field.as_ref().map_or(0, Vec::len))
            }
            fn next_token(&self) -> Option<&str> {
                self.next_token.as_deref()
            }
        }

        impl PaginatedOperation for operation::$module::builders::$builder {
            type Output = operation::$module::$output;
            type Error = operation::$module::$error;
            const DESCRIPTOR: &'static OperationDescriptor = &descriptor::$descriptor;

            fn preset(&self) -> Preset {
                Preset {
                    token: self.get_next_token().clone(),
                    limit: paginated_operations!(@get_limit $limit, self),
                }
            }

            fn send_page(
                self,
                token: Option<String>,
                limit: Option<i32>,
                capture: BodyCapture,
            ) -> SendFuture<Self::Output, Self::Error> {
                let request = paginated_operations!(@set_limit $limit, self.set_next_token(token), limit);
                Box::pin(async move { request.customize().interceptor(capture).send().await })
            }
        }
    )*};
    (@get_limit yes, $builder:expr) => { *$builder.get_max_results() };
    (@get_limit no, $builder:expr) => { None };
    (@set_limit yes, $request:expr, $limit:expr) => {
        match $limit {
            Some(limit) => $request.set_max_results(Some(limit)),
            None => $request,
        }
    };
    (@set_limit no, $request:expr, $limit:expr) => {{
        // The descriptor has no limit key, so the paginator never asks for one.
        let _ = $limit;
        $request
    }};
}

paginated_operations! {
    list_component_build_versions: ListComponentBuildVersionsFluentBuilder, ListComponentBuildVersionsOutput,
        ListComponentBuildVersionsError, ComponentSummary, component_summary_list, LIST_COMPONENT_BUILD_VERSIONS, limit: yes;
    list_components: ListComponentsFluentBuilder, ListComponentsOutput,
        ListComponentsError, ComponentVersion, component_version_list, LIST_COMPONENTS, limit: yes;
    list_container_recipes: ListContainerRecipesFluentBuilder, ListContainerRecipesOutput,
        ListContainerRecipesError, ContainerRecipeSummary, container_recipe_summary_list, LIST_CONTAINER_RECIPES, limit: yes;
    list_distribution_configurations: ListDistributionConfigurationsFluentBuilder, ListDistributionConfigurationsOutput,
        ListDistributionConfigurationsError, DistributionConfigurationSummary, distribution_configuration_summary_list,
        LIST_DISTRIBUTION_CONFIGURATIONS, limit: yes;
    list_image_build_versions: ListImageBuildVersionsFluentBuilder, ListImageBuildVersionsOutput,
        ListImageBuildVersionsError, ImageSummary, image_summary_list, LIST_IMAGE_BUILD_VERSIONS, limit: yes;
    list_image_packages: ListImagePackagesFluentBuilder, ListImagePackagesOutput,
        ListImagePackagesError, ImagePackage, image_package_list, LIST_IMAGE_PACKAGES, limit: yes;
    list_image_pipeline_images: ListImagePipelineImagesFluentBuilder, ListImagePipelineImagesOutput,
        ListImagePipelineImagesError, ImageSummary, image_summary_list, LIST_IMAGE_PIPELINE_IMAGES, limit: yes;
    list_image_pipelines: ListImagePipelinesFluentBuilder, ListImagePipelinesOutput,
        ListImagePipelinesError, ImagePipeline, image_pipeline_list, LIST_IMAGE_PIPELINES, limit: yes;
    list_image_recipes: ListImageRecipesFluentBuilder, ListImageRecipesOutput,
        ListImageRecipesError, ImageRecipeSummary, image_recipe_summary_list, LIST_IMAGE_RECIPES, limit: yes;
    list_image_scan_finding_aggregations: ListImageScanFindingAggregationsFluentBuilder, ListImageScanFindingAggregationsOutput,
        ListImageScanFindingAggregationsError, ImageScanFindingAggregation, responses,
        LIST_IMAGE_SCAN_FINDING_AGGREGATIONS, limit: no;
    list_image_scan_findings: ListImageScanFindingsFluentBuilder, ListImageScanFindingsOutput,
        ListImageScanFindingsError, ImageScanFinding, findings, LIST_IMAGE_SCAN_FINDINGS, limit: yes;
    list_images: ListImagesFluentBuilder, ListImagesOutput,
        ListImagesError, ImageVersion, image_version_list, LIST_IMAGES, limit: yes;
    list_infrastructure_configurations: ListInfrastructureConfigurationsFluentBuilder, ListInfrastructureConfigurationsOutput,
        ListInfrastructureConfigurationsError, InfrastructureConfigurationSummary, infrastructure_configuration_summary_list,
        LIST_INFRASTRUCTURE_CONFIGURATIONS, limit: yes;
    list_lifecycle_execution_resources: ListLifecycleExecutionResourcesFluentBuilder, ListLifecycleExecutionResourcesOutput,
        ListLifecycleExecutionResourcesError, LifecycleExecutionResource, resources, LIST_LIFECYCLE_EXECUTION_RESOURCES, limit: yes;
    list_lifecycle_executions: ListLifecycleExecutionsFluentBuilder, ListLifecycleExecutionsOutput,
        ListLifecycleExecutionsError, LifecycleExecution, lifecycle_executions, LIST_LIFECYCLE_EXECUTIONS, limit: yes;
    list_lifecycle_policies: ListLifecyclePoliciesFluentBuilder, ListLifecyclePoliciesOutput,
        ListLifecyclePoliciesError, LifecyclePolicySummary, lifecycle_policy_summary_list, LIST_LIFECYCLE_POLICIES, limit: yes;
    list_waiting_workflow_steps: ListWaitingWorkflowStepsFluentBuilder, ListWaitingWorkflowStepsOutput,
        ListWaitingWorkflowStepsError, WorkflowStepExecution, steps, LIST_WAITING_WORKFLOW_STEPS, limit: yes;
    list_workflow_build_versions: ListWorkflowBuildVersionsFluentBuilder, ListWorkflowBuildVersionsOutput,
        ListWorkflowBuildVersionsError, WorkflowSummary, workflow_summary_list, LIST_WORKFLOW_BUILD_VERSIONS, limit: yes;
    list_workflow_executions: ListWorkflowExecutionsFluentBuilder, ListWorkflowExecutionsOutput,
        ListWorkflowExecutionsError, WorkflowExecutionMetadata, workflow_executions, LIST_WORKFLOW_EXECUTIONS, limit: yes;
    list_workflow_step_executions: ListWorkflowStepExecutionsFluentBuilder, ListWorkflowStepExecutionsOutput,
        ListWorkflowStepExecutionsError, WorkflowStepMetadata, steps, LIST_WORKFLOW_STEP_EXECUTIONS, limit: yes;
    list_workflows: ListWorkflowsFluentBuilder, ListWorkflowsOutput,
        ListWorkflowsError, WorkflowVersion, workflow_version_list, LIST_WORKFLOWS, limit: yes;
}

/// A page stream over an SDK operation (shorthand for signatures).
///
/// ```no_run
/// use aws_sdk_imagebuilder::operation::list_workflows::builders::ListWorkflowsFluentBuilder;
/// fn first_token(pages: &stepwise_client::sdk::SdkPageStream<ListWorkflowsFluentBuilder>) -> Option<&str> {
///     pages.resume_token()
/// }
/// ```
pub type SdkPageStream<B> = PageStream<SdkSource<B>>;
