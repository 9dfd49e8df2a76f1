//! restJson1 on the wire: operation routing by method and path, request decoding
//! (query member or JSON body), validation against the model, response and error encoding
//! with `x-amzn-RequestId` and `x-amzn-ErrorType`.

use crate::clock;
use crate::ctx::Ctx;
use crate::handlers::{self, Reply};
use crate::reply::{body_response, error_response, json_response};
use crate::{auth, state::AppState};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{Map, Value};
use stepwise_api::operations::{self, Location, Operation, Route};
use stepwise_api::schema::{Shape, ShapeKind};
use stepwise_api::{ids, ApiError, ApiResult, ErrorKind};
use stepwise_store::Tenant;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/_stepwise/health", get(health))
        .route("/_stepwise/clock", get(clock::show).post(clock::advance))
        .fallback(dispatch)
        .with_state(state)
}

async fn health(State(state): State<AppState>) -> Response {
    let body = serde_json::json!({
        "status": "ok",
        "service": "stepwise",
        "version": env!("CARGO_PKG_VERSION"),
        "account": state.config.account_id,
    });
    json_response(StatusCode::OK, &ids::new_request_id(), &body)
}

async fn dispatch(State(state): State<AppState>, request: Request) -> Response {
    let request_id = ids::new_request_id();
    let started = std::time::Instant::now();
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    // The table routes every operation of the model; those Stepwise does not serve are
    // answered as an unknown path, as before the table had them.
    let route = operations::find(parts.method.as_str(), &path).filter(|r| r.operation.served);
    let Some(Route {
        operation: op,
        labels,
    }) = route
    else {
        let err = ApiError::new(
            ErrorKind::UnknownOperation,
            format!("No operation is served at {} {}.", parts.method, path),
        );
        tracing::info!(method = %parts.method, path = %path, status = 404, request_id = %request_id, "unknown operation");
        return error_response(&err, &request_id);
    };
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let region = match auth::request_region(authorization, &state.config.default_region) {
        Ok(r) => r,
        Err(e) => return error_response(&e, &request_id),
    };
    let tenant = Tenant::new(state.config.account_id.clone(), region);
    let input = match read_input(
        op,
        labels,
        parts.uri.query(),
        body,
        state.config.max_body_bytes,
    )
    .await
    {
        Ok(v) => v,
        Err(e) => return logged(op, &tenant, &request_id, started, Err(e)),
    };
    let ctx = Ctx {
        state: &state,
        op,
        tenant: tenant.clone(),
        request_id: &request_id,
    };
    let result = handlers::handle(&ctx, input).await;
    logged(op, &tenant, &request_id, started, result)
}

fn logged(
    op: &Operation,
    tenant: &Tenant,
    request_id: &str,
    started: std::time::Instant,
    result: ApiResult<Reply>,
) -> Response {
    let micros = started.elapsed().as_micros() as u64;
    let response = match result {
        Ok(Reply::Serialized(body)) => body_response(StatusCode::OK, request_id, body),
        Ok(Reply::Value(mut body)) => {
            if op.has_request_id {
                if let Value::Object(map) = &mut body {
                    let mut with_id = Map::with_capacity(map.len() + 1);
                    with_id.insert("requestId".into(), Value::String(request_id.to_string()));
                    with_id.extend(std::mem::take(map));
                    *map = with_id;
                }
            }
            json_response(StatusCode::OK, request_id, &body)
        }
        Err(e) => {
            if e.kind.http_status() >= 500 {
                tracing::error!(operation = op.name, account = %tenant.account, region = %tenant.region,
                                status = e.kind.http_status(), request_id, micros, error = %e, "request failed");
            } else {
                tracing::info!(operation = op.name, account = %tenant.account, region = %tenant.region,
                               status = e.kind.http_status(), request_id, micros, error = e.kind.type_name(), "request");
            }
            return error_response(&e, request_id);
        }
    };
    // Every change is logged at info; the far more frequent successful reads at debug
    // (STEPWISE_LOG=debug shows them), so that read traffic does not pay for a log line.
    if op.read_only {
        tracing::debug!(operation = op.name, account = %tenant.account, region = %tenant.region,
                        status = 200, request_id, micros, "request");
    } else {
        tracing::info!(operation = op.name, account = %tenant.account, region = %tenant.region,
                       status = 200, request_id, micros, "request");
    }
    response
}

/// The operation's input as a JSON object: the JSON body (an empty body reads as `{}`) when
/// the input has members that travel in it, with the members bound to the URI's labels and
/// to the query string laid over it (a body member of the same name does not count).
async fn read_input(
    op: &Operation,
    labels: Vec<(&'static str, String)>,
    query: Option<&str>,
    body: Body,
    limit: usize,
) -> ApiResult<Value> {
    // Every binding is an input member: more members than bindings means some travel in
    // the body.
    let in_body = op.input.members().len() > op.bindings.len();
    let mut map = if in_body {
        read_body(body, limit).await?
    } else {
        Map::new()
    };
    for (member, value) in labels {
        map.insert(member.to_string(), Value::String(value));
    }
    for binding in op.bindings {
        let Location::Query(key) = binding.location else {
            continue;
        };
        let values = query_values(query.unwrap_or(""), key);
        let Some(member) = op.input.member(binding.member) else {
            continue;
        };
        if let Some(value) = query_member(member.target, values) {
            map.insert(binding.member.to_string(), value);
        }
    }
    Ok(Value::Object(map))
}

/// The JSON body as an object.
async fn read_body(body: Body, limit: usize) -> ApiResult<Map<String, Value>> {
    let bytes: Bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            ErrorKind::RequestTooLarge,
            format!("The request body is larger than the limit of {limit} bytes."),
        )
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::new(ErrorKind::InvalidRequest, json_error_message(&e)))?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::new(
            ErrorKind::InvalidRequest,
            "The request body must be a JSON object.",
        )),
    }
}

/// A malformed body in the service's words: what is wrong and where, not the parser's.
fn json_error_message(e: &serde_json::Error) -> String {
    let at = format!("line {}, column {}", e.line(), e.column());
    match e.classify() {
        serde_json::error::Category::Eof => {
            format!("The request body is not valid JSON: it ends at {at}, before the JSON value is complete.")
        }
        _ => format!("The request body is not valid JSON: unexpected character at {at}."),
    }
}

/// A query member's JSON value from its values in the query string: every value for a list,
/// else the first, as a number or boolean where the shape is one and the text reads as one
/// (otherwise as text, which the validator then refuses with the member's name).
fn query_member(shape: &Shape, mut values: Vec<String>) -> Option<Value> {
    let scalar = |shape: &Shape, text: String| match shape.kind {
        ShapeKind::Integer { .. } | ShapeKind::Long { .. } => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(Value::String(text)),
        ShapeKind::Boolean => match text.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text),
        },
        _ => Value::String(text),
    };
    if values.is_empty() {
        return None;
    }
    match shape.kind {
        ShapeKind::List { member, .. } => Some(Value::Array(
            values.into_iter().map(|v| scalar(member, v)).collect(),
        )),
        _ => Some(scalar(shape, values.swap_remove(0))),
    }
}

/// Every value of `key` in a query string, in order, percent-decoded (`+` stays a plus sign).
fn query_values(query: &str, key: &str) -> Vec<String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = percent_encoding::percent_decode_str(k).decode_utf8().ok()?;
            (k == key).then(|| {
                percent_encoding::percent_decode_str(v)
                    .decode_utf8_lossy()
                    .into_owned()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_decode_percent_but_not_plus() {
        let q = "workflowBuildVersionArn=arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A1%2Bx&a=b&workflowBuildVersionArn=second";
        assert_eq!(
            query_values(q, "workflowBuildVersionArn"),
            ["arn:aws:imagebuilder:us-east-1:1+x", "second"]
        );
        assert!(query_values(q, "missing").is_empty());
    }

    #[test]
    fn malformed_bodies_are_described_in_the_services_words() {
        let message =
            |body: &str| json_error_message(&serde_json::from_str::<Value>(body).unwrap_err());
        assert_eq!(
            message("{bad"),
            "The request body is not valid JSON: unexpected character at line 1, column 2."
        );
        assert_eq!(
            message("{\"a\":\n [1,"),
            "The request body is not valid JSON: it ends at line 2, column 4, before the JSON value is complete."
        );
        assert_eq!(
            message("{} x"),
            "The request body is not valid JSON: unexpected character at line 1, column 4."
        );
    }

    #[test]
    fn query_members_take_their_shapes_form() {
        use stepwise_api::schema;
        let values = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            query_member(&schema::TAG_KEY_LIST, values(&["a", "b c"])),
            Some(serde_json::json!(["a", "b c"]))
        );
        assert_eq!(
            query_member(&schema::IMAGE_BUILDER_ARN, values(&["x", "y"])),
            Some(serde_json::json!("x"))
        );
        assert_eq!(query_member(&schema::TAG_KEY_LIST, Vec::new()), None);
    }
}
