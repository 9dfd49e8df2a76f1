//! [`BodyCapture`], the interceptor that keeps the raw body of the response the SDK
//! deserialized, and the reading of that body as botocore's parser reads it (`{}` when empty,
//! `null` members dropped).
//!
//! It depends on nothing else in the crate: `source` (the page body a source hands over),
//! `pages` (the page loop, which parses the body only when needed) and `sdk` (which attaches
//! it to every request and re-exports it as `stepwise_client::sdk::BodyCapture`) all import
//! it from here.

use aws_sdk_imagebuilder::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_imagebuilder::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_imagebuilder::error::BoxError;
use aws_smithy_types::body::SdkBody;
use serde_json::Value;
use std::sync::{Arc, Mutex, PoisonError};

/// An interceptor keeping the body of the last response the SDK deserialized, so that the
/// page can be shown as JSON exactly as the service sent it.
///
/// ```no_run
/// # async fn demo(client: aws_sdk_imagebuilder::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use stepwise_client::sdk::BodyCapture;
/// let capture = BodyCapture::default();
/// client.list_workflows().customize().interceptor(capture.clone()).send().await?;
/// println!("{}", capture.json()?);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct BodyCapture {
    // The SDK's in-memory body itself (a reference-counted clone, not a copy).
    body: Arc<Mutex<Option<SdkBody>>>,
}

impl BodyCapture {
    /// Runs `f` on the captured bytes (empty when nothing was captured).
    fn with_bytes<T>(&self, f: impl FnOnce(&[u8]) -> T) -> T {
        let body = self.body.lock().unwrap_or_else(PoisonError::into_inner);
        f(body.as_ref().and_then(SdkBody::bytes).unwrap_or_default())
    }

    /// Whether the captured body holds the characters `null` anywhere (members or list
    /// entries that are `null`, or just text): only then can the JSON page and the typed
    /// output disagree on the length of the result list.
    pub(crate) fn may_hold_null(&self) -> bool {
        self.with_bytes(|bytes| memchr::memmem::find(bytes, b"null").is_some())
    }

    /// The captured body as JSON, with `null` members removed; an empty body is `{}`.
    ///
    /// ```
    /// let capture = stepwise_client::sdk::BodyCapture::default();
    /// assert_eq!(capture.json().unwrap(), serde_json::json!({}));
    /// ```
    pub fn json(&self) -> Result<Value, String> {
        self.with_bytes(parse_body)
    }
}

impl Intercept for BodyCapture {
    fn name(&self) -> &'static str {
        "stepwise_client::BodyCapture"
    }

    // Runs after every attempt's deserialization, so after SDK retries the last attempt's
    // body is the one kept; the body is in memory by then for non-streaming operations.
    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let kept = in_memory_copy(context.response().body());
        *self.body.lock().unwrap_or_else(PoisonError::into_inner) = kept;
        Ok(())
    }
}

/// A body holding the same bytes as `body`, if `body` is in memory: its reference-counted
/// clone when that clone is in memory too, else a copy of the bytes.
fn in_memory_copy(body: &SdkBody) -> Option<SdkBody> {
    body.bytes().map(|bytes| {
        body.try_clone()
            .filter(|clone| clone.bytes().is_some())
            .unwrap_or_else(|| SdkBody::from(bytes.to_vec()))
    })
}

/// A response body as botocore's parser gives it: `{}` when empty, `null` members dropped.
fn parse_body(bytes: &[u8]) -> Result<Value, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    let mut json: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if !json.is_object() {
        return Err(format!("expected an object, got {json}"));
    }
    drop_nulls(&mut json);
    Ok(json)
}

/// botocore's JSON parser leaves out structure members whose value is `null`.
fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}
