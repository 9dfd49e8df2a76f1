//! [`Paginator`]: boto3's `get_paginator(...).paginate(...)` for one request and one
//! [`PaginationConfig`]. Every run it starts (pages, items, search, full result) begins again
//! from the original request, never from a token left over by an earlier run (spec §3.9-1).

use crate::config::PaginationConfig;
use crate::descriptor::OperationDescriptor;
use crate::error::PaginationError;
use crate::pages::PageStream;
use crate::results::{self, ItemStream, ValueStream};
use crate::source::{PageOutput, PageSource};
use serde_json::Value;

/// A request plus a pagination config, ready to be walked any number of times.
///
/// ```no_run
/// # async fn demo(client: aws_sdk_imagebuilder::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use futures_util::StreamExt;
/// use stepwise_client::{PaginationConfig, Paginator};
/// let paginator = Paginator::new(
///     client.list_workflow_step_executions().workflow_execution_id("wf-…"),
///     PaginationConfig::default().page_size(3).max_items(5),
/// );
/// let mut names = paginator.search("steps[].name")?;
/// while let Some(name) = names.next().await {
///     println!("{}", name?);
/// }
/// println!("NextToken: {:?}", names.resume_token());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Paginator<S> {
    source: S,
    config: PaginationConfig,
}

impl<S: PageSource> Paginator<S> {
    /// A paginator over any [`PageSource`] (see [`Paginator::new`] for SDK requests).
    ///
    /// ```
    /// use stepwise_client::{descriptor, FnSource, PaginationConfig, Paginator};
    /// let source = FnSource::new(&descriptor::LIST_WORKFLOWS, |_| {
    ///     Ok::<_, String>(serde_json::json!({"workflowVersionList": []}))
    /// });
    /// let paginator = Paginator::from_source(source, PaginationConfig::default());
    /// assert_eq!(paginator.descriptor().operation, "ListWorkflows");
    /// ```
    pub fn from_source(source: S, config: PaginationConfig) -> Self {
        Paginator { source, config }
    }

    /// The pagination config.
    ///
    /// ```
    /// # use stepwise_client::{descriptor, FnSource, PaginationConfig, Paginator};
    /// # let source = FnSource::new(&descriptor::LIST_WORKFLOWS, |_| Ok::<_, String>(serde_json::json!({})));
    /// let paginator = Paginator::from_source(source, PaginationConfig::default().max_items(2));
    /// assert_eq!(paginator.config().max_items, Some(2));
    /// ```
    pub fn config(&self) -> &PaginationConfig {
        &self.config
    }

    /// The operation's pagination facts.
    ///
    /// ```
    /// # use stepwise_client::{descriptor, FnSource, PaginationConfig, Paginator};
    /// # let source = FnSource::new(&descriptor::LIST_WORKFLOWS, |_| Ok::<_, String>(serde_json::json!({})));
    /// let paginator = Paginator::from_source(source, PaginationConfig::default());
    /// assert_eq!(paginator.descriptor().result_key, "workflowVersionList");
    /// ```
    pub fn descriptor(&self) -> &'static OperationDescriptor {
        self.source.descriptor()
    }

    /// A new run, as a stream of pages. Nothing is sent before the first poll.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use futures_util::StreamExt;
    /// use stepwise_client::{descriptor, FnSource, PaginationConfig, Paginator};
    /// let source = FnSource::new(&descriptor::LIST_WORKFLOW_STEP_EXECUTIONS, |req| {
    ///     Ok::<_, String>(match req.token.as_deref() {
    ///         None => serde_json::json!({"steps": [0, 1, 2], "nextToken": "tok-3"}),
    ///         _ => serde_json::json!({"steps": [3]}),
    ///     })
    /// });
    /// let paginator = Paginator::from_source(source, PaginationConfig::default().max_items(2));
    /// let mut pages = paginator.pages();
    /// let first = pages.next().await.unwrap().unwrap();
    /// assert_eq!(first.json()["steps"], serde_json::json!([0, 1]));
    /// assert!(pages.next().await.is_none());
    /// assert_eq!(pages.resume_token(),
    ///     Some("eyJuZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAyfQ=="));
    /// # });
    /// ```
    pub fn pages(&self) -> PageStream<S> {
        PageStream::new(self.source.clone(), self.config.clone())
    }

    /// A new run, as a stream of the typed items of every page (for SDK sources, e.g.
    /// `WorkflowStepMetadata`). Sources without typed output yield nothing here; use
    /// [`json_items`](Self::json_items).
    ///
    /// ```no_run
    /// # async fn demo(client: aws_sdk_imagebuilder::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use futures_util::TryStreamExt;
    /// use stepwise_client::{PaginateExt, PaginationConfig};
    /// let steps: Vec<_> = client.list_workflow_step_executions().workflow_execution_id("wf-…")
    ///     .paginate(PaginationConfig::default())
    ///     .items()
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn items(&self) -> ItemStream<S> {
        ItemStream::new(self.pages(), |page| Ok(page.into_output().into_items()))
    }

    /// A new run, as a stream of the result key's JSON items (botocore's
    /// `result_key_iters()` for the single result key).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use futures_util::TryStreamExt;
    /// use stepwise_client::{descriptor, FnSource, PaginationConfig, Paginator};
    /// let source = FnSource::new(&descriptor::LIST_WORKFLOWS, |_| {
    ///     Ok::<_, String>(serde_json::json!({"workflowVersionList": [{"name": "a"}]}))
    /// });
    /// let items: Vec<_> = Paginator::from_source(source, PaginationConfig::default())
    ///     .json_items().try_collect().await.unwrap();
    /// assert_eq!(items, vec![serde_json::json!({"name": "a"})]);
    /// # });
    /// ```
    pub fn json_items(&self) -> ValueStream<S> {
        let result_key = self.descriptor().result_key;
        ValueStream::new(self.pages(), move |page| {
            results::json_items(page, result_key)
        })
    }

    /// A new run, as the stream of a JMESPath expression's results on each page: a list result
    /// is flattened, any other result (`null` included) is one value. An expression that does
    /// not compile fails here, before any request.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use futures_util::TryStreamExt;
    /// use stepwise_client::{descriptor, FnSource, PaginationConfig, Paginator};
    /// let source = FnSource::new(&descriptor::LIST_WORKFLOW_STEP_EXECUTIONS, |req| {
    ///     Ok::<_, String>(match req.token.as_deref() {
    ///         None => serde_json::json!({"steps": [{"name": "s0"}], "nextToken": "t1"}),
    ///         _ => serde_json::json!({"steps": [{"name": "s1"}]}),
    ///     })
    /// });
    /// let paginator = Paginator::from_source(source, PaginationConfig::default());
    /// let tokens: Vec<_> = paginator.search("nextToken").unwrap().try_collect().await.unwrap();
    /// assert_eq!(tokens, vec![serde_json::json!("t1"), serde_json::Value::Null]);
    /// assert!(paginator.search("steps[").is_err());
    /// # });
    /// ```
    pub fn search(&self, expression: &str) -> Result<ValueStream<S>, PaginationError<S::Error>> {
        let search = results::searcher(expression).map_err(PaginationError::Search)?;
        Ok(ValueStream::new(self.pages(), search))
    }

    /// A new run, aggregated as botocore's `build_full_result()`: the result key's items of
    /// all pages, the non-aggregate members of the first page (`null` when missing), and
    /// `NextToken` (the resume token) when `MaxItems` stopped the run.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use stepwise_client::{descriptor, FnSource, PaginationConfig, Paginator};
    /// let source = FnSource::new(&descriptor::LIST_WORKFLOW_EXECUTIONS, |_| {
    ///     Ok::<_, String>(serde_json::json!({"requestId": "r1", "workflowExecutions": [1, 2, 3]}))
    /// });
    /// let paginator = Paginator::from_source(source, PaginationConfig::default().max_items(1));
    /// let full = paginator.build_full_result().await.unwrap();
    /// assert_eq!(full.to_string(), r#"{"workflowExecutions":[1],"requestId":"r1","imageBuildVersionArn":null,"message":null,"NextToken":"eyJuZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxfQ=="}"#);
    /// # });
    /// ```
    pub async fn build_full_result(&self) -> Result<Value, PaginationError<S::Error>> {
        results::build_full_result(self.pages()).await
    }
}
