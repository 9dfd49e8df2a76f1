//! The JSON responses of the service: the body with `Content-Type: application/json` and
//! `x-amzn-RequestId`, and errors as restJson1 writes them (`__type`, `message`,
//! `x-amzn-ErrorType`). A leaf, used by the protocol and the `/_stepwise` endpoints.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use stepwise_api::ApiError;

pub fn json_response(status: StatusCode, request_id: &str, body: &Value) -> Response {
    body_response(status, request_id, body.to_string())
}

pub fn body_response(status: StatusCode, request_id: &str, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-RequestId", v);
    }
    response
}

pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    let status = StatusCode::from_u16(err.kind.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = serde_json::json!({"__type": err.kind.type_name(), "message": err.message});
    let mut response = json_response(status, request_id, &body);
    response.headers_mut().insert(
        "x-amzn-ErrorType",
        HeaderValue::from_static(err.kind.type_name()),
    );
    response
}
