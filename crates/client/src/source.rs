//! Where pages come from. The paginator's loop only needs "send this token and limit, give me
//! the page": [`PageSource`]. The SDK operations implement it (`crate::sdk`), and tests or
//! mocks can use [`FnSource`] without any HTTP.

use crate::capture::BodyCapture;
use crate::descriptor::OperationDescriptor;
use crate::error::PaginationError;
use futures_util::future::BoxFuture;
use futures_util::TryFutureExt;
use serde_json::Value;
use std::convert::Infallible;
use std::ops::Range;

/// The future [`PageSource::fetch`] returns: one page, or the error that ends the run.
///
/// ```
/// use stepwise_client::{FetchedPage, PageFuture};
/// let ready: PageFuture<(), String> =
///     Box::pin(std::future::ready(Ok(FetchedPage { json: serde_json::json!({}), output: () })));
/// # drop(ready);
/// ```
pub type PageFuture<O, E> = BoxFuture<'static, Result<FetchedPage<O>, PaginationError<E>>>;

/// One request of a pagination run: only the paging members vary between requests.
///
/// ```
/// let first = stepwise_client::PageRequest { token: None, limit: Some(3) };
/// assert!(first.token.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// Input token to send; `None` means the member is left out.
    pub token: Option<String>,
    /// `PageSize` to send as the limit member; `None` leaves the request's own value.
    pub limit: Option<i32>,
}

/// Paging members the caller already set on the request before handing it to the paginator.
///
/// ```
/// let preset = stepwise_client::Preset::default();
/// assert_eq!((preset.token, preset.limit), (None, None));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preset {
    /// The request's own input token (refused, spec §3.9-2).
    pub token: Option<String>,
    /// The request's own limit (sent unchanged when no `PageSize` is given).
    pub limit: Option<i32>,
}

/// A response as the source delivered it: the body as JSON (what botocore calls the page) and
/// the source's typed output, if it has one.
///
/// ```
/// let page = stepwise_client::FetchedPage { json: serde_json::json!({"steps": []}), output: () };
/// assert!(page.json["steps"].is_array());
/// ```
#[derive(Debug, Clone)]
pub struct FetchedPage<O> {
    /// The response body.
    pub json: Value,
    /// The typed response.
    pub output: O,
}

/// A typed response whose item list can be cut the same way the JSON page is cut.
///
/// ```
/// use stepwise_client::PageOutput;
/// #[derive(Debug)]
/// struct Out(Vec<u32>);
/// impl PageOutput for Out {
///     type Item = u32;
///     fn retain_items(&mut self, range: std::ops::Range<usize>) { self.0 = self.0.drain(range).collect(); }
///     fn into_items(self) -> Vec<u32> { self.0 }
/// }
/// let mut out = Out(vec![0, 1, 2]);
/// out.retain_items(1..3);
/// assert_eq!(out.into_items(), vec![1, 2]);
/// ```
pub trait PageOutput: Send + 'static {
    /// One item of the result list.
    type Item: Send + 'static;
    /// Keeps only `range` of the result list (indices as the list currently stands; the
    /// paginator takes the range from the JSON list's length).
    ///
    /// ```
    /// use stepwise_client::PageOutput;
    /// let mut none = ();
    /// none.retain_items(0..0); // nothing to cut in a source without typed output
    /// ```
    fn retain_items(&mut self, range: Range<usize>);
    /// The result list's items.
    ///
    /// ```
    /// use stepwise_client::PageOutput;
    /// assert_eq!(().into_items().len(), 0);
    /// ```
    fn into_items(self) -> Vec<Self::Item>;

    /// The number of items in the result list, or `None` when this output has no typed list
    /// (then the JSON page drives the loop). When it is `Some` and the source delivers the
    /// body unparsed ([`PageBody`] from an SDK response), the loop counts items and reads the
    /// token here instead of parsing the JSON page; it must then be the length of the body's
    /// result list. The default is `None`.
    ///
    /// ```
    /// use stepwise_client::PageOutput;
    /// assert_eq!(().item_count(), None);
    /// ```
    fn item_count(&self) -> Option<usize> {
        None
    }

    /// The service's output token as received (only read when
    /// [`item_count`](Self::item_count) is `Some`). The default is `None`.
    ///
    /// ```
    /// use stepwise_client::PageOutput;
    /// assert_eq!(().next_token(), None);
    /// ```
    fn next_token(&self) -> Option<&str> {
        None
    }
}

/// Sources without a typed output (fakes, raw JSON) use `()`: the typed item stream is empty,
/// the JSON item stream is not.
///
/// ```
/// use stepwise_client::PageOutput;
/// assert!(().into_items().is_empty());
/// ```
impl PageOutput for () {
    type Item = Infallible;
    fn retain_items(&mut self, _range: Range<usize>) {}
    fn into_items(self) -> Vec<Infallible> {
        Vec::new()
    }
}

/// A response body as a source hands it to the page loop: parsed JSON, or (SDK sources) the
/// raw body, parsed only when the JSON page is first needed.
///
/// ```
/// let body = stepwise_client::PageBody::from(serde_json::json!({"steps": []}));
/// # drop(body);
/// ```
#[derive(Debug, Clone)]
pub struct PageBody(pub(crate) BodyRepr);

#[derive(Debug, Clone)]
pub(crate) enum BodyRepr {
    /// Already the JSON page.
    Json(Value),
    /// The captured raw body of an SDK response.
    Raw(BodyCapture),
}

impl From<Value> for PageBody {
    fn from(json: Value) -> Self {
        PageBody(BodyRepr::Json(json))
    }
}

/// A response with its body possibly still unparsed: what [`PageSource::fetch_body`] gives.
///
/// ```
/// let page = stepwise_client::RawPage { body: serde_json::json!({}).into(), output: () };
/// # drop(page);
/// ```
#[derive(Debug, Clone)]
pub struct RawPage<O> {
    /// The response body.
    pub body: PageBody,
    /// The typed response.
    pub output: O,
}

/// The future [`PageSource::fetch_body`] returns.
pub type RawPageFuture<O, E> = BoxFuture<'static, Result<RawPage<O>, PaginationError<E>>>;

/// Something that fetches one page per request: an SDK operation, or a fake.
///
/// Cloning must give an independent source that sends the same non-paging parameters; the
/// paginator clones it for every run so that each run starts from the original parameters.
///
/// ```
/// use stepwise_client::{descriptor, FnSource, PageSource};
/// let source = FnSource::new(&descriptor::LIST_WORKFLOWS, |_req| {
///     Ok::<_, String>(serde_json::json!({"workflowVersionList": []}))
/// });
/// assert_eq!(source.descriptor().operation, "ListWorkflows");
/// ```
pub trait PageSource: Clone + Unpin + Send + 'static {
    /// The typed response (use `()` when there is none).
    type Output: PageOutput;
    /// The source's own error, passed through in [`PaginationError::Service`].
    type Error: Send + 'static;

    /// The operation's pagination facts.
    ///
    /// ```
    /// use stepwise_client::{descriptor, FnSource, PageSource};
    /// let source = FnSource::new(&descriptor::LIST_IMAGES, |_| Ok::<_, ()>(serde_json::json!({})));
    /// assert_eq!(source.descriptor().result_key, "imageVersionList");
    /// ```
    fn descriptor(&self) -> &'static OperationDescriptor;

    /// Paging members already set on the request (none by default).
    ///
    /// ```
    /// use stepwise_client::{descriptor, FnSource, PageSource, Preset};
    /// let source = FnSource::new(&descriptor::LIST_IMAGES, |_| Ok::<_, ()>(serde_json::json!({})));
    /// assert_eq!(source.preset(), Preset::default());
    /// ```
    fn preset(&self) -> Preset {
        Preset::default()
    }

    /// Sends one request.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use stepwise_client::{descriptor, FnSource, PageRequest, PageSource};
    /// let source = FnSource::new(&descriptor::LIST_IMAGES, |req| {
    ///     Ok::<_, ()>(serde_json::json!({"imageVersionList": [], "asked": req.limit}))
    /// });
    /// let page = source.fetch(PageRequest { token: None, limit: Some(3) }).await.unwrap();
    /// assert_eq!(page.json["asked"], 3);
    /// # });
    /// ```
    fn fetch(&self, request: PageRequest) -> PageFuture<Self::Output, Self::Error>;

    /// Sends one request for the page loop, which calls this rather than
    /// [`fetch`](Self::fetch). The default wraps `fetch`; SDK sources override it to hand over
    /// the raw body unparsed, so that the JSON page is only built when it is used.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use stepwise_client::{descriptor, FnSource, PageRequest, PageSource};
    /// let source = FnSource::new(&descriptor::LIST_IMAGES, |_| Ok::<_, ()>(serde_json::json!({})));
    /// let page = source.fetch_body(PageRequest { token: None, limit: None }).await.unwrap();
    /// # drop(page);
    /// # });
    /// ```
    fn fetch_body(&self, request: PageRequest) -> RawPageFuture<Self::Output, Self::Error> {
        Box::pin(self.fetch(request).map_ok(|page| RawPage {
            body: page.json.into(),
            output: page.output,
        }))
    }
}

/// A [`PageSource`] made of a closure that answers each request with a JSON page: for tests,
/// mocks and services reached some other way.
///
/// ```
/// use serde_json::json;
/// use stepwise_client::{descriptor, FnSource, PaginationConfig, Paginator};
/// let source = FnSource::new(&descriptor::LIST_WORKFLOW_STEP_EXECUTIONS, |req| {
///     Ok::<_, String>(match req.token.as_deref() {
///         None => json!({"steps": [{"name": "a"}], "nextToken": "t1"}),
///         Some(_) => json!({"steps": [{"name": "b"}]}),
///     })
/// });
/// let paginator = Paginator::from_source(source, PaginationConfig::default());
/// # let _ = paginator;
/// ```
#[derive(Clone)]
pub struct FnSource<F> {
    descriptor: &'static OperationDescriptor,
    respond: F,
}

impl<F> FnSource<F> {
    /// A source answering requests of the described operation with `respond`.
    ///
    /// ```
    /// use stepwise_client::{descriptor, FnSource};
    /// let _ = FnSource::new(&descriptor::LIST_WORKFLOWS, |_| Ok::<_, ()>(serde_json::json!({})));
    /// ```
    pub fn new<E>(descriptor: &'static OperationDescriptor, respond: F) -> Self
    where
        // Stating the signature here lets closures be written without type annotations.
        F: Fn(&PageRequest) -> Result<Value, E>,
    {
        FnSource {
            descriptor,
            respond,
        }
    }
}

impl<F, E> PageSource for FnSource<F>
where
    F: Fn(&PageRequest) -> Result<Value, E> + Clone + Unpin + Send + Sync + 'static,
    E: Send + 'static,
{
    type Output = ();
    type Error = E;

    fn descriptor(&self) -> &'static OperationDescriptor {
        self.descriptor
    }

    fn fetch(&self, request: PageRequest) -> PageFuture<(), E> {
        let result = (self.respond)(&request)
            .map(|json| FetchedPage { json, output: () })
            .map_err(PaginationError::Service);
        Box::pin(futures_util::future::ready(result))
    }
}
