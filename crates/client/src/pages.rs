//! The page loop: botocore's `PageIterator.__iter__` as an async [`Stream`] of pages.
//!
//! The loop is a small state machine driven by `poll_next`. As in botocore's generator, the
//! work that follows a yielded page (counting it, taking its token, the page-boundary resume
//! token, the repeated-token check) runs only when the consumer asks for the next page, so a
//! consumer that stops early sees exactly what a Python consumer that stops early sees.

use crate::config::PaginationConfig;
use crate::descriptor::OperationDescriptor;
use crate::error::PaginationError;
use crate::source::{FetchedPage, PageOutput, PageRequest, PageSource};
use crate::token::encode_resume_token;
use crate::validation::{self, sendable};
use futures_util::future::BoxFuture;
use futures_util::Stream;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::ops::Range;
use std::pin::Pin;
use std::task::{Context, Poll};

/// One page as yielded: the response body as JSON (botocore's page, after any cut by
/// `StartingToken` or `MaxItems`) and the typed output cut the same way.
///
/// The page's own `nextToken` is left as the service sent it; after a `MaxItems` cut it points
/// past the *uncut* page, so resume with [`PageStream::resume_token`] instead.
///
/// ```
/// use stepwise_client::Page;
/// let page = Page::new(serde_json::json!({"steps": [1, 2], "nextToken": "t"}), ());
/// assert_eq!(page.json()["steps"], serde_json::json!([1, 2]));
/// assert_eq!(page.raw_next_token("nextToken"), Some("t"));
/// ```
#[derive(Debug, Clone)]
pub struct Page<O> {
    json: Value,
    output: O,
}

impl<O> Page<O> {
    /// A page from its parts.
    ///
    /// ```
    /// let page = stepwise_client::Page::new(serde_json::json!({}), 5);
    /// assert_eq!(*page.output(), 5);
    /// ```
    pub fn new(json: Value, output: O) -> Self {
        Page { json, output }
    }

    /// The page as botocore would show it (without `ResponseMetadata`).
    ///
    /// ```
    /// let page = stepwise_client::Page::new(serde_json::json!({"steps": []}), ());
    /// assert!(page.json()["steps"].as_array().unwrap().is_empty());
    /// ```
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The typed output (for SDK sources, the operation's `…Output` with its list cut).
    ///
    /// ```
    /// assert_eq!(*stepwise_client::Page::new(serde_json::Value::Null, "typed").output(), "typed");
    /// ```
    pub fn output(&self) -> &O {
        &self.output
    }

    /// The JSON page, consuming the page.
    ///
    /// ```
    /// let json = stepwise_client::Page::new(serde_json::json!({"a": 1}), ()).into_json();
    /// assert_eq!(json["a"], 1);
    /// ```
    pub fn into_json(self) -> Value {
        self.json
    }

    /// Both parts, consuming the page.
    ///
    /// ```
    /// let (json, output) = stepwise_client::Page::new(serde_json::json!(1), 2).into_parts();
    /// assert_eq!((json, output), (serde_json::json!(1), 2));
    /// ```
    pub fn into_parts(self) -> (Value, O) {
        (self.json, self.output)
    }

    /// The service's token on this page (member `output_token`), as sent.
    ///
    /// ```
    /// let page = stepwise_client::Page::new(serde_json::json!({"nextToken": ""}), ());
    /// assert_eq!(page.raw_next_token("nextToken"), Some(""));
    /// ```
    pub fn raw_next_token(&self, output_token: &str) -> Option<&str> {
        self.json.get(output_token).and_then(Value::as_str)
    }
}

/// What happens at the next `poll_next`.
enum Phase<O, E> {
    /// Nothing sent yet: validate, then send the first request.
    Start,
    /// A request is in flight.
    Fetching(BoxFuture<'static, Result<FetchedPage<O>, PaginationError<E>>>),
    /// A page was yielded; this is what the loop learnt from it.
    Yielded {
        items: i64,
        next_token: Option<String>,
    },
    /// Finished (naturally, by `MaxItems`, or after an error).
    Done,
}

/// The pages of one pagination run, as a [`Stream`]. Also exposes what botocore's
/// `PageIterator` exposes: [`resume_token`](Self::resume_token) and
/// [`non_aggregate_part`](Self::non_aggregate_part).
///
/// Made by [`Paginator::pages`](crate::Paginator::pages); no request is sent before the first
/// poll. A run is single-pass; ask the paginator for a new stream to start again from the
/// original parameters.
///
/// ```no_run
/// # async fn demo(client: aws_sdk_imagebuilder::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use futures_util::StreamExt;
/// use stepwise_client::{PaginateExt, PaginationConfig};
/// let paginator = client.list_workflow_step_executions().workflow_execution_id("wf-…")
///     .paginate(PaginationConfig::default().page_size(3).max_items(5));
/// let mut pages = paginator.pages();
/// while let Some(page) = pages.next().await {
///     println!("{}", page?.json());
/// }
/// println!("resume with {:?}", pages.resume_token());
/// # Ok(()) }
/// ```
pub struct PageStream<S: PageSource> {
    source: S,
    descriptor: &'static OperationDescriptor,
    config: PaginationConfig,
    phase: Phase<S::Output, S::Error>,
    /// The token that fetched the page in flight (botocore's `next_token` dict value).
    request_token: Option<String>,
    /// Front cut of the first page when a starting token was given.
    skip: Option<i64>,
    /// Items yielded so far, counted as botocore counts them (before any `MaxItems` cut).
    total: i64,
    first_page: bool,
    pages_received: usize,
    previous_token: Option<String>,
    /// Every token received, with the page that carried it (the cycle guard).
    seen_tokens: HashMap<String, usize>,
    resume_token: Option<String>,
    non_aggregate: Map<String, Value>,
}

impl<S: PageSource> PageStream<S> {
    pub(crate) fn new(source: S, config: PaginationConfig) -> Self {
        let descriptor = source.descriptor();
        PageStream {
            source,
            descriptor,
            config,
            phase: Phase::Start,
            request_token: None,
            skip: None,
            total: 0,
            first_page: true,
            pages_received: 0,
            previous_token: None,
            seen_tokens: HashMap::new(),
            resume_token: None,
            non_aggregate: Map::new(),
        }
    }

    /// The token to pass as `StartingToken` to continue where `MaxItems` stopped this run;
    /// byte-identical with boto3's `resume_token` and the AWS CLI's `NextToken`.
    ///
    /// `None` while pages are still coming, after a natural end, after an early stop by the
    /// consumer and after an error, exactly as in botocore.
    ///
    /// ```no_run
    /// # async fn demo(paginator: stepwise_client::Paginator<stepwise_client::sdk::SdkSource<
    /// #     aws_sdk_imagebuilder::operation::list_workflows::builders::ListWorkflowsFluentBuilder>>) {
    /// use futures_util::StreamExt;
    /// let mut pages = paginator.pages();
    /// while pages.next().await.is_some() {}
    /// if let Some(token) = pages.resume_token() { println!("NextToken: {token}"); }
    /// # }
    /// ```
    pub fn resume_token(&self) -> Option<&str> {
        self.resume_token.as_deref()
    }

    /// The operation's non-aggregate members (`requestId`, `workflowExecutionId`, …) from the
    /// first page, in descriptor order; a member the page lacks is `null`. Empty before the
    /// first page.
    ///
    /// ```no_run
    /// # async fn demo(mut pages: stepwise_client::PageStream<stepwise_client::sdk::SdkSource<
    /// #     aws_sdk_imagebuilder::operation::list_workflows::builders::ListWorkflowsFluentBuilder>>) {
    /// use futures_util::StreamExt;
    /// let _ = pages.next().await;
    /// println!("{:?}", pages.non_aggregate_part().get("requestId"));
    /// # }
    /// ```
    pub fn non_aggregate_part(&self) -> &Map<String, Value> {
        &self.non_aggregate
    }

    /// The operation this stream pages through.
    ///
    /// ```no_run
    /// # fn demo(pages: stepwise_client::PageStream<stepwise_client::sdk::SdkSource<
    /// #     aws_sdk_imagebuilder::operation::list_workflows::builders::ListWorkflowsFluentBuilder>>) {
    /// assert_eq!(pages.descriptor().operation, "ListWorkflows");
    /// # }
    /// ```
    pub fn descriptor(&self) -> &'static OperationDescriptor {
        self.descriptor
    }

    fn send(&mut self, token: Option<String>) {
        let request = PageRequest {
            token,
            limit: self.config.page_size,
        };
        self.phase = Phase::Fetching(self.source.fetch(request));
    }

    /// Validation and the first request.
    fn start(&mut self) -> Result<(), PaginationError<S::Error>> {
        let start =
            validation::first_request(self.descriptor, &self.config, &self.source.preset())?;
        let to_send = start.token_to_send();
        self.request_token = start.token;
        self.skip = start.skip;
        self.send(to_send);
        Ok(())
    }

    /// botocore's handling of a fresh response, up to and including the `yield`.
    fn accept(&mut self, fetched: FetchedPage<S::Output>) -> Page<S::Output> {
        let FetchedPage {
            mut json,
            mut output,
        } = fetched;
        let result_key = self.descriptor.result_key;
        self.pages_received += 1;
        let mut front_cut = 0;
        if self.first_page {
            if let Some(skip) = self.skip {
                // The starting token's truncate amount drops items already returned.
                match json.get_mut(result_key) {
                    Some(Value::Array(items)) => {
                        let range = py_slice(items.len(), Some(skip), None);
                        cut(items, &mut output, range);
                    }
                    // botocore writes None over whatever else was there (or nothing).
                    _ => set_member(&mut json, result_key, Value::Null),
                }
                front_cut = skip;
            }
            self.non_aggregate = self
                .descriptor
                .non_aggregate_keys
                .iter()
                .map(|key| {
                    (
                        key.to_string(),
                        json.get(*key).cloned().unwrap_or(Value::Null),
                    )
                })
                .collect();
            self.first_page = false;
        }

        let items = match json.get(result_key) {
            Some(Value::Array(list)) => list.len() as i64,
            _ => 0,
        };
        if let Some(max_items) = self.config.max_items {
            let excess = self.total + items - max_items;
            if excess > 0 {
                // MaxItems ends the run inside this page: keep its head, and record how many
                // items of the page fetched with `request_token` have now been returned.
                let keep = items - excess;
                let mut list = match json.get_mut(result_key).map(Value::take) {
                    Some(Value::Array(list)) => list,
                    _ => Vec::new(),
                };
                let range = py_slice(list.len(), None, Some(keep));
                cut(&mut list, &mut output, range);
                set_member(&mut json, result_key, Value::Array(list));
                self.resume_token = Some(encode_resume_token(
                    self.descriptor.input_token,
                    self.request_token.as_deref(),
                    Some(keep.saturating_add(front_cut)),
                ));
                self.phase = Phase::Done;
                return Page { json, output };
            }
        }

        // "", null and absent all end the run (a service sending "" would otherwise loop).
        let next_token = json
            .get(self.descriptor.output_token)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        self.phase = Phase::Yielded { items, next_token };
        Page { json, output }
    }

    /// botocore's code after the `yield`: count, stop, or send the next request.
    fn advance(
        &mut self,
        items: i64,
        next_token: Option<String>,
    ) -> Result<bool, PaginationError<S::Error>> {
        self.total += items;
        let Some(next_token) = next_token else {
            return Ok(false);
        };
        if self.config.max_items == Some(self.total) {
            // A page boundary: the service's token alone continues the run.
            self.resume_token = Some(encode_resume_token(
                self.descriptor.input_token,
                Some(&next_token),
                None,
            ));
            return Ok(false);
        }
        let repeat = if self.config.cycle_guard {
            self.seen_tokens
                .get(&next_token)
                .map(|page| self.pages_received - page)
        } else {
            (self.previous_token.as_ref() == Some(&next_token)).then_some(1)
        };
        if let Some(pages_apart) = repeat {
            return Err(PaginationError::RepeatedToken {
                token: next_token,
                input_token: self.descriptor.input_token,
                pages_apart,
            });
        }
        self.seen_tokens
            .insert(next_token.clone(), self.pages_received);
        self.previous_token = Some(next_token.clone());
        let to_send = sendable(Some(&next_token));
        self.request_token = Some(next_token);
        self.send(to_send);
        Ok(true)
    }
}

impl<S: PageSource> Stream for PageStream<S> {
    type Item = Result<Page<S::Output>, PaginationError<S::Error>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            // Every branch either sets the next phase or leaves the run finished.
            match std::mem::replace(&mut this.phase, Phase::Done) {
                Phase::Start => {
                    if let Err(e) = this.start() {
                        return Poll::Ready(Some(Err(e)));
                    }
                }
                Phase::Fetching(mut request) => match request.as_mut().poll(cx) {
                    Poll::Pending => {
                        this.phase = Phase::Fetching(request);
                        return Poll::Pending;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Some(Err(e))),
                    Poll::Ready(Ok(fetched)) => return Poll::Ready(Some(Ok(this.accept(fetched)))),
                },
                Phase::Yielded { items, next_token } => match this.advance(items, next_token) {
                    Ok(true) => {}
                    Ok(false) => return Poll::Ready(None),
                    Err(e) => return Poll::Ready(Some(Err(e))),
                },
                Phase::Done => return Poll::Ready(None),
            }
        }
    }
}

/// The index range Python's `list[start:stop]` selects from a list of `len` items.
fn py_slice(len: usize, start: Option<i64>, stop: Option<i64>) -> Range<usize> {
    let len_i = len as i64;
    let clamp = |index: i64| -> usize {
        if index < 0 {
            index.saturating_add(len_i).max(0) as usize
        } else {
            index.min(len_i) as usize
        }
    };
    let start = start.map_or(0, clamp);
    let stop = stop.map_or(len, clamp);
    start..stop.max(start)
}

/// Cuts the JSON list and the typed output to the same range.
fn cut<O: PageOutput>(list: &mut Vec<Value>, output: &mut O, range: Range<usize>) {
    output.retain_items(range.clone());
    *list = list.drain(range).collect();
}

fn set_member(json: &mut Value, key: &str, value: Value) {
    if let Value::Object(map) = json {
        map.insert(key.to_string(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::py_slice;

    #[test]
    fn python_slices() {
        assert_eq!(py_slice(3, Some(1), None), 1..3);
        assert_eq!(py_slice(3, Some(10), None), 3..3);
        assert_eq!(py_slice(3, Some(-1), None), 2..3);
        assert_eq!(py_slice(3, Some(-10), None), 0..3);
        assert_eq!(py_slice(3, None, Some(-1)), 0..2);
        assert_eq!(py_slice(3, None, Some(-5)), 0..0);
        assert_eq!(py_slice(0, None, Some(-1)), 0..0);
        assert_eq!(py_slice(3, None, Some(i64::MIN)), 0..0);
    }
}
