//! The page loop: botocore's `PageIterator.__iter__` as an async [`Stream`] of pages.
//!
//! The loop is a small state machine driven by `poll_next`. As in botocore's generator, the
//! work that follows a yielded page (counting it, taking its token, the page-boundary resume
//! token, the repeated-token check) runs only when the consumer asks for the next page, so a
//! consumer that stops early sees exactly what a Python consumer that stops early sees.

use crate::capture::BodyCapture;
use crate::config::PaginationConfig;
use crate::descriptor::OperationDescriptor;
use crate::error::PaginationError;
use crate::source::{BodyRepr, PageOutput, PageRequest, PageSource, RawPage, RawPageFuture};
use crate::token::encode_resume_token;
use crate::validation::{self, sendable};
use futures_util::Stream;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

/// One page as yielded: the response body as JSON (botocore's page, after any cut by
/// `StartingToken` or `MaxItems`) and the typed output cut the same way.
///
/// For SDK sources the JSON page is parsed from the captured body on first use (by
/// [`json`](Self::json), [`into_json`](Self::into_json), …), not when the page arrives; the
/// typed output is always there.
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
    json: LazyJson,
    output: O,
}

static NULL: Value = Value::Null;

impl<O> Page<O> {
    /// A page from its parts.
    ///
    /// ```
    /// let page = stepwise_client::Page::new(serde_json::json!({}), 5);
    /// assert_eq!(*page.output(), 5);
    /// ```
    pub fn new(json: Value, output: O) -> Self {
        Page {
            json: LazyJson::parsed(json),
            output,
        }
    }

    /// The page as botocore would show it (without `ResponseMetadata`). `null` in the rare
    /// case that an SDK response the SDK could read is not JSON serde_json reads (see
    /// [`try_json`](Self::try_json)).
    ///
    /// ```
    /// let page = stepwise_client::Page::new(serde_json::json!({"steps": []}), ());
    /// assert!(page.json()["steps"].as_array().unwrap().is_empty());
    /// ```
    pub fn json(&self) -> &Value {
        self.try_json().unwrap_or(&NULL)
    }

    /// The page as botocore would show it, or why the response body could not be read as a
    /// JSON object (SDK sources only; the streams built on pages report it as
    /// [`PaginationError::UnreadableBody`]).
    ///
    /// ```
    /// let page = stepwise_client::Page::new(serde_json::json!({"a": 1}), ());
    /// assert_eq!(page.try_json().unwrap()["a"], 1);
    /// ```
    pub fn try_json(&self) -> Result<&Value, &str> {
        self.json.get()
    }

    /// The typed output (for SDK sources, the operation's `…Output` with its list cut).
    ///
    /// ```
    /// assert_eq!(*stepwise_client::Page::new(serde_json::Value::Null, "typed").output(), "typed");
    /// ```
    pub fn output(&self) -> &O {
        &self.output
    }

    /// The typed output, consuming the page (the JSON page is never parsed).
    ///
    /// ```
    /// assert_eq!(stepwise_client::Page::new(serde_json::json!({}), 7).into_output(), 7);
    /// ```
    pub fn into_output(self) -> O {
        self.output
    }

    /// The JSON page, consuming the page (`null` where [`json`](Self::json) is).
    ///
    /// ```
    /// let json = stepwise_client::Page::new(serde_json::json!({"a": 1}), ()).into_json();
    /// assert_eq!(json["a"], 1);
    /// ```
    pub fn into_json(self) -> Value {
        self.json.into_value().unwrap_or(Value::Null)
    }

    /// The JSON page, consuming the page, or why the body could not be read.
    ///
    /// ```
    /// let json = stepwise_client::Page::new(serde_json::json!({"a": 1}), ()).try_into_json();
    /// assert_eq!(json.unwrap()["a"], 1);
    /// ```
    pub fn try_into_json(self) -> Result<Value, String> {
        self.json.into_value()
    }

    /// Both parts, consuming the page.
    ///
    /// ```
    /// let (json, output) = stepwise_client::Page::new(serde_json::json!(1), 2).into_parts();
    /// assert_eq!((json, output), (serde_json::json!(1), 2));
    /// ```
    pub fn into_parts(self) -> (Value, O) {
        (self.json.into_value().unwrap_or(Value::Null), self.output)
    }

    /// The service's token on this page (member `output_token`), as sent.
    ///
    /// ```
    /// let page = stepwise_client::Page::new(serde_json::json!({"nextToken": ""}), ());
    /// assert_eq!(page.raw_next_token("nextToken"), Some(""));
    /// ```
    pub fn raw_next_token(&self, output_token: &str) -> Option<&str> {
        self.json().get(output_token).and_then(Value::as_str)
    }
}

/// A JSON page, parsed from the captured body (with the page's cuts replayed) on first use.
#[derive(Clone)]
struct LazyJson(Arc<LazyInner>);

struct LazyInner {
    value: OnceLock<Result<Value, String>>,
    /// The unparsed body, when `value` is not set yet.
    raw: Option<RawJson>,
}

/// What the page loop decided about a page whose JSON was not parsed yet.
struct RawJson {
    body: BodyCapture,
    result_key: &'static str,
    /// Front cut by the starting token's truncate amount (first page only).
    skip: Option<i64>,
    /// Head kept by `MaxItems`.
    keep: Option<i64>,
}

impl LazyJson {
    fn parsed(json: Value) -> Self {
        LazyJson(Arc::new(LazyInner {
            value: OnceLock::from(Ok(json)),
            raw: None,
        }))
    }

    fn raw(raw: RawJson) -> Self {
        LazyJson(Arc::new(LazyInner {
            value: OnceLock::new(),
            raw: Some(raw),
        }))
    }

    fn get(&self) -> Result<&Value, &str> {
        let inner = &*self.0;
        let parsed = inner.value.get_or_init(|| inner.parse());
        parsed.as_ref().map_err(String::as_str)
    }

    fn into_value(self) -> Result<Value, String> {
        match Arc::try_unwrap(self.0) {
            Ok(mut inner) => match inner.value.take() {
                Some(parsed) => parsed,
                None => inner.parse(),
            },
            // Shared with the stream (first page, for the non-aggregate part).
            Err(shared) => LazyJson(shared).get().cloned().map_err(str::to_string),
        }
    }
}

impl LazyInner {
    /// The body parsed as `BodyCapture::json` parses it, then cut exactly as the loop cuts a
    /// JSON page (`PageStream::accept_json`).
    fn parse(&self) -> Result<Value, String> {
        let Some(raw) = &self.raw else {
            return Ok(Value::Null); // unreachable: parsed pages have their value
        };
        let mut json = raw.body.json()?;
        if let Some(skip) = raw.skip {
            skip_front(&mut json, raw.result_key, skip, &mut ());
        }
        if let Some(keep) = raw.keep {
            keep_head(&mut json, raw.result_key, keep, &mut ());
        }
        Ok(json)
    }
}

impl fmt::Debug for LazyJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.get() {
            Ok(json) => json.fmt(f),
            Err(e) => write!(f, "<unreadable body: {e}>"),
        }
    }
}

/// botocore's front cut of the first page by the starting token's truncate amount.
fn skip_front<O: PageOutput>(json: &mut Value, result_key: &str, skip: i64, output: &mut O) {
    match json.get_mut(result_key) {
        Some(Value::Array(items)) => {
            let range = py_slice(items.len(), Some(skip), None);
            cut(items, output, range);
        }
        // botocore writes None over whatever else was there (or nothing).
        _ => set_member(json, result_key, Value::Null),
    }
}

/// botocore's `MaxItems` cut: the page keeps its first `keep` items (a list in any case).
fn keep_head<O: PageOutput>(json: &mut Value, result_key: &str, keep: i64, output: &mut O) {
    let mut list = match json.get_mut(result_key).map(Value::take) {
        Some(Value::Array(list)) => list,
        _ => Vec::new(),
    };
    let range = py_slice(list.len(), None, Some(keep));
    cut(&mut list, output, range);
    set_member(json, result_key, Value::Array(list));
}

/// What happens at the next `poll_next`.
enum Phase<O, E> {
    /// Nothing sent yet: validate, then send the first request.
    Start,
    /// A request is in flight.
    Fetching(RawPageFuture<O, E>),
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
    /// The starting token, which fetched the first page (botocore's `next_token` dict value
    /// until the first token is received; see [`Self::request_token`]).
    start_token: Option<String>,
    /// Front cut of the first page when a starting token was given.
    skip: Option<i64>,
    /// Items yielded so far, counted as botocore counts them (before any `MaxItems` cut).
    total: i64,
    first_page: bool,
    pages_received: usize,
    /// Tokens received, with the page that carried each: all of them with the cycle guard,
    /// else only the last. The last one fetched the page in flight.
    received: Vec<(String, usize)>,
    /// Cycle guard: hash of each received token → its first index in `received`.
    seen: HashMap<u64, usize, BuildHasherDefault<KeyHasher>>,
    resume_token: Option<String>,
    /// The first page's JSON, for the non-aggregate part (until it is computed).
    first_json: Option<LazyJson>,
    non_aggregate: OnceLock<Map<String, Value>>,
}

impl<S: PageSource> PageStream<S> {
    pub(crate) fn new(source: S, config: PaginationConfig) -> Self {
        let descriptor = source.descriptor();
        PageStream {
            source,
            descriptor,
            config,
            phase: Phase::Start,
            start_token: None,
            skip: None,
            total: 0,
            first_page: true,
            pages_received: 0,
            received: Vec::new(),
            seen: HashMap::default(),
            resume_token: None,
            first_json: None,
            non_aggregate: OnceLock::new(),
        }
    }

    /// The token that fetched the page in flight (botocore's `next_token` dict value).
    fn request_token(&self) -> Option<&str> {
        match self.received.last() {
            Some((token, _)) => Some(token),
            None => self.start_token.as_deref(),
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
        static EMPTY: OnceLock<Map<String, Value>> = OnceLock::new();
        if let Some(part) = self.non_aggregate.get() {
            return part;
        }
        match &self.first_json {
            Some(json) => self.non_aggregate.get_or_init(|| {
                // An unreadable body gives null members (the streams report the error itself).
                self.non_aggregate_of(json.get().unwrap_or(&NULL))
            }),
            None => EMPTY.get_or_init(Map::new),
        }
    }

    fn non_aggregate_of(&self, json: &Value) -> Map<String, Value> {
        self.descriptor
            .non_aggregate_keys
            .iter()
            .map(|key| {
                (
                    key.to_string(),
                    json.get(*key).cloned().unwrap_or(Value::Null),
                )
            })
            .collect()
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
        self.phase = Phase::Fetching(self.source.fetch_body(request));
    }

    /// Validation and the first request.
    fn start(&mut self) -> Result<(), PaginationError<S::Error>> {
        let start =
            validation::first_request(self.descriptor, &self.config, &self.source.preset())?;
        let to_send = start.token_to_send();
        self.start_token = start.token;
        self.skip = start.skip;
        self.send(to_send);
        Ok(())
    }

    /// botocore's handling of a fresh response, up to and including the `yield`.
    ///
    /// An unparsed SDK body stays unparsed when the typed output can drive the loop: it has a
    /// typed result list and the body holds no `null` (so no `null` list entries, on which the
    /// typed and the JSON list could disagree). Otherwise the JSON page drives, as botocore's does.
    fn accept(
        &mut self,
        fetched: RawPage<S::Output>,
    ) -> Result<Page<S::Output>, PaginationError<S::Error>> {
        let RawPage { body, output } = fetched;
        let json = match body.0 {
            BodyRepr::Json(json) => json,
            BodyRepr::Raw(body) => {
                if output.item_count().is_some() && !body.may_hold_null() {
                    return Ok(self.accept_typed(body, output));
                }
                body.json().map_err(PaginationError::UnreadableBody)?
            }
        };
        Ok(self.accept_json(json, output))
    }

    /// The loop over the JSON page (botocore's own).
    fn accept_json(&mut self, mut json: Value, mut output: S::Output) -> Page<S::Output> {
        let result_key = self.descriptor.result_key;
        self.pages_received += 1;
        let mut front_cut = 0;
        if self.first_page {
            if let Some(skip) = self.skip {
                // The starting token's truncate amount drops items already returned.
                skip_front(&mut json, result_key, skip, &mut output);
                front_cut = skip;
            }
            let part = self.non_aggregate_of(&json);
            let _ = self.non_aggregate.set(part);
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
                // items of the page fetched with the request token have now been returned.
                let keep = items - excess;
                keep_head(&mut json, result_key, keep, &mut output);
                self.stop_inside_page(keep, front_cut);
                return Page::new(json, output);
            }
        }

        // "", null and absent all end the run (a service sending "" would otherwise loop).
        let next_token = json
            .get(self.descriptor.output_token)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        self.phase = Phase::Yielded { items, next_token };
        Page::new(json, output)
    }

    /// The same loop over the typed output; the JSON page gets the same cuts when parsed.
    fn accept_typed(&mut self, body: BodyCapture, mut output: S::Output) -> Page<S::Output> {
        let count = |output: &S::Output| output.item_count().unwrap_or(0);
        self.pages_received += 1;
        let mut skip = None;
        let first = self.first_page;
        if first {
            if let Some(amount) = self.skip {
                output.retain_items(py_slice(count(&output), Some(amount), None));
                skip = Some(amount);
            }
            self.first_page = false;
        }

        let items = count(&output) as i64;
        let mut keep = None;
        if let Some(max_items) = self.config.max_items {
            let excess = self.total + items - max_items;
            if excess > 0 {
                let head = items - excess;
                output.retain_items(py_slice(items as usize, None, Some(head)));
                self.stop_inside_page(head, skip.unwrap_or(0));
                keep = Some(head);
            }
        }
        if keep.is_none() {
            let next_token = output
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            self.phase = Phase::Yielded { items, next_token };
        }
        let json = LazyJson::raw(RawJson {
            body,
            result_key: self.descriptor.result_key,
            skip,
            keep,
        });
        if first {
            self.first_json = Some(json.clone());
        }
        Page { json, output }
    }

    /// `MaxItems` ended the run inside the page: the resume token says how many items of the
    /// page fetched with the request token have now been returned.
    fn stop_inside_page(&mut self, keep: i64, front_cut: i64) {
        self.resume_token = Some(encode_resume_token(
            self.descriptor.input_token,
            self.request_token(),
            Some(keep.saturating_add(front_cut)),
        ));
        self.phase = Phase::Done;
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
        let hash = token_hash(&next_token);
        let repeat = if self.config.cycle_guard {
            self.seen_before(hash, &next_token)
                .map(|page| self.pages_received - page)
        } else {
            let previous = self.received.last().map(|(token, _)| token);
            (previous == Some(&next_token)).then_some(1)
        };
        if let Some(pages_apart) = repeat {
            return Err(PaginationError::RepeatedToken {
                token: next_token,
                input_token: self.descriptor.input_token,
                pages_apart,
            });
        }
        let to_send = sendable(Some(&next_token));
        if self.config.cycle_guard {
            self.seen.entry(hash).or_insert(self.received.len());
        } else {
            self.received.clear();
        }
        self.received.push((next_token, self.pages_received));
        self.send(to_send);
        Ok(true)
    }

    /// The page that carried `token` before, if any (cycle guard).
    fn seen_before(&self, hash: u64, token: &str) -> Option<usize> {
        let index = *self.seen.get(&hash)?;
        match &self.received[index] {
            (seen, page) if seen == token => Some(*page),
            // Two tokens with one hash: look at every token.
            _ => self
                .received
                .iter()
                .find(|(seen, _)| seen == token)
                .map(|(_, page)| *page),
        }
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
                    Poll::Ready(Ok(fetched)) => return Poll::Ready(Some(this.accept(fetched))),
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

/// A fast hash of a token for the cycle guard (FxHash over 8-byte words); a collision only
/// costs a scan of the tokens, never a wrong answer.
fn token_hash(token: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut hash = token.len() as u64;
    let mut words = token.as_bytes().chunks_exact(8);
    for word in &mut words {
        let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
        hash = (hash.rotate_left(5) ^ word).wrapping_mul(K);
    }
    let mut tail = [0u8; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    (hash.rotate_left(5) ^ u64::from_le_bytes(tail)).wrapping_mul(K)
}

/// Hashes the `u64` keys of the cycle guard's map: they are hashes already.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8)) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = value;
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
