//! What is built on top of the page stream: item streams, `search` (JMESPath over each page)
//! and botocore's `build_full_result`.

use crate::error::PaginationError;
use crate::pages::{Page, PageStream};
use crate::source::{PageOutput, PageSource};
use futures_util::{Stream, StreamExt};
use serde_json::{Map, Value};
use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

type Extract<O, T> = Box<dyn FnMut(Page<O>) -> Result<Vec<T>, ExtractError> + Send>;

/// Why values could not be taken from a page.
pub(crate) enum ExtractError {
    /// The JMESPath expression failed on the page.
    Search(String),
    /// The page's body is not a JSON object.
    Body(String),
}

impl<E> From<ExtractError> for PaginationError<E> {
    fn from(e: ExtractError) -> Self {
        match e {
            ExtractError::Search(message) => PaginationError::Search(message),
            ExtractError::Body(message) => PaginationError::UnreadableBody(message),
        }
    }
}

/// A stream of values taken from each page in turn (items, or JMESPath results), ending at the
/// first error. Like [`PageStream`], it exposes the run's resume token.
///
/// ```no_run
/// # async fn demo(paginator: stepwise_client::Paginator<stepwise_client::sdk::SdkSource<
/// #     aws_sdk_imagebuilder::operation::list_workflow_step_executions::builders::ListWorkflowStepExecutionsFluentBuilder>>)
/// # -> Result<(), Box<dyn std::error::Error>> {
/// use futures_util::StreamExt;
/// let mut steps = paginator.items();
/// while let Some(step) = steps.next().await {
///     println!("{:?}", step?.name());
/// }
/// println!("{:?}", steps.resume_token());
/// # Ok(()) }
/// ```
pub struct FlatStream<S: PageSource, T> {
    pages: PageStream<S>,
    extract: Extract<S::Output, T>,
    buffer: VecDeque<T>,
    failed: bool,
}

/// The typed items of every page (e.g. `WorkflowStepMetadata`).
pub type ItemStream<S> = FlatStream<S, <<S as PageSource>::Output as PageOutput>::Item>;

/// Values from the JSON pages: the result key's items, or JMESPath results.
pub type ValueStream<S> = FlatStream<S, Value>;

impl<S: PageSource, T> FlatStream<S, T> {
    pub(crate) fn new(
        pages: PageStream<S>,
        extract: impl FnMut(Page<S::Output>) -> Result<Vec<T>, ExtractError> + Send + 'static,
    ) -> Self {
        FlatStream {
            pages,
            extract: Box::new(extract),
            buffer: VecDeque::new(),
            failed: false,
        }
    }

    /// The resume token of the underlying run (see [`PageStream::resume_token`]).
    ///
    /// ```no_run
    /// # fn demo(items: stepwise_client::ItemStream<stepwise_client::sdk::SdkSource<
    /// #     aws_sdk_imagebuilder::operation::list_workflows::builders::ListWorkflowsFluentBuilder>>) {
    /// let _token: Option<&str> = items.resume_token();
    /// # }
    /// ```
    pub fn resume_token(&self) -> Option<&str> {
        self.pages.resume_token()
    }

    /// The underlying page stream.
    ///
    /// ```no_run
    /// # fn demo(items: stepwise_client::ItemStream<stepwise_client::sdk::SdkSource<
    /// #     aws_sdk_imagebuilder::operation::list_workflows::builders::ListWorkflowsFluentBuilder>>) {
    /// println!("{:?}", items.pages().non_aggregate_part());
    /// # }
    /// ```
    pub fn pages(&self) -> &PageStream<S> {
        &self.pages
    }
}

impl<S: PageSource, T: Unpin> Stream for FlatStream<S, T> {
    type Item = Result<T, PaginationError<S::Error>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(value) = this.buffer.pop_front() {
                return Poll::Ready(Some(Ok(value)));
            }
            if this.failed {
                return Poll::Ready(None);
            }
            match this.pages.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(page))) => match (this.extract)(page) {
                    Ok(values) => this.buffer.extend(values),
                    Err(e) => {
                        this.failed = true;
                        return Poll::Ready(Some(Err(e.into())));
                    }
                },
            }
        }
    }
}

/// The result key's JSON items of a page (a missing or non-list member gives none).
pub(crate) fn json_items(
    page: Page<impl Sized>,
    result_key: &str,
) -> Result<Vec<Value>, ExtractError> {
    Ok(match page.try_into_json().map_err(ExtractError::Body)? {
        Value::Object(mut map) => match map.remove(result_key) {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    })
}

/// A compiled JMESPath expression applied to each page: a list result is flattened into the
/// stream, anything else (`null` included) is one value.
pub(crate) fn searcher<O>(
    expression: &str,
) -> Result<impl FnMut(Page<O>) -> Result<Vec<Value>, ExtractError> + Send + 'static, String> {
    let compiled = jmespath::compile(expression).map_err(|e| e.to_string())?;
    Ok(move |page: Page<O>| {
        let json = page
            .try_json()
            .map_err(|e| ExtractError::Body(e.to_string()))?;
        let value = crate::query::search(&compiled, json).map_err(ExtractError::Search)?;
        Ok(match value {
            Value::Array(values) => values,
            other => vec![other],
        })
    })
}

/// botocore's `build_full_result`: the result key aggregated over all pages, then the
/// non-aggregate part of the first page, then `NextToken` when `MaxItems` stopped the run.
pub(crate) async fn build_full_result<S: PageSource>(
    mut pages: PageStream<S>,
) -> Result<Value, PaginationError<S::Error>> {
    let result_key = pages.descriptor().result_key;
    let mut full = Map::new();
    while let Some(page) = pages.next().await {
        let json = page?
            .try_into_json()
            .map_err(PaginationError::UnreadableBody)?;
        if let Value::Object(mut map) = json {
            if let Some(value) = map.remove(result_key).filter(|v| !v.is_null()) {
                aggregate(&mut full, result_key, value);
            }
        }
    }
    for (key, value) in pages.non_aggregate_part() {
        full.insert(key.clone(), value.clone());
    }
    if let Some(token) = pages.resume_token() {
        full.insert("NextToken".to_string(), Value::String(token.to_string()));
    }
    Ok(Value::Object(full))
}

/// Adds one page's result value: the first is taken as it is, later lists are appended,
/// numbers added and strings concatenated, as botocore does.
fn aggregate(full: &mut Map<String, Value>, key: &str, value: Value) {
    let Some(existing) = full.get_mut(key) else {
        full.insert(key.to_string(), value);
        return;
    };
    match (existing, value) {
        (Value::Array(list), Value::Array(more)) => list.extend(more),
        (Value::String(text), Value::String(more)) => text.push_str(&more),
        (Value::Number(sum), Value::Number(more)) => {
            let added = match (sum.as_i64(), more.as_i64()) {
                (Some(a), Some(b)) => a.checked_add(b).map(Value::from),
                _ => None,
            }
            .or_else(|| {
                let total = sum.as_f64().unwrap_or_default() + more.as_f64().unwrap_or_default();
                serde_json::Number::from_f64(total).map(Value::Number)
            });
            if let Some(Value::Number(n)) = added {
                *sum = n;
            }
        }
        // Mixed types make botocore raise; the first value is kept instead.
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn aggregates_like_botocore() {
        let mut full = Map::new();
        aggregate(&mut full, "k", json!([1]));
        aggregate(&mut full, "k", json!([2, 3]));
        assert_eq!(full["k"], json!([1, 2, 3]));
        let mut full = Map::new();
        aggregate(&mut full, "n", json!(2));
        aggregate(&mut full, "n", json!(3));
        assert_eq!(full["n"], json!(5));
        let mut full = Map::new();
        aggregate(&mut full, "s", json!("ab"));
        aggregate(&mut full, "s", json!("c"));
        assert_eq!(full["s"], json!("abc"));
    }
}
