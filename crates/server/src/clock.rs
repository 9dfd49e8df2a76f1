//! `/_stepwise/clock`: what time the service thinks it is, and moving it forward (README,
//! "The clock"). `GET` answers `{"now": …}`; `POST` with `{"advanceSeconds": N}` or
//! `{"set": "<ISO-8601>"}` moves it, keeps the move in the store, wakes every sleeping
//! build so that it looks at the clock again, and answers the new `now`.

use crate::reply::{error_response, json_response};
use crate::state::{AppState, CLOCK_OFFSET_KEY};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use stepwise_api::time::{format_millis, parse_timestamp, Clock, Millis};
use stepwise_api::{ids, ApiError, ErrorKind};

pub async fn show(State(state): State<AppState>) -> Response {
    now_response(&state)
}

fn now_response(state: &AppState) -> Response {
    let body = json!({ "now": format_millis(state.clock.now_millis()) });
    json_response(StatusCode::OK, &ids::new_request_id(), &body)
}

fn bad(message: impl Into<String>) -> Response {
    error_response(
        &ApiError::new(ErrorKind::InvalidRequest, message),
        &ids::new_request_id(),
    )
}

/// The time a move request asks for, or why it is refused.
fn target(state: &AppState, body: &[u8]) -> Result<Millis, String> {
    let usage =
        "The body must be {\"advanceSeconds\": N} or {\"set\": \"<ISO-8601 date and time>\"}.";
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(body) else {
        return Err(usage.into());
    };
    match (body.get("advanceSeconds"), body.get("set"), body.len()) {
        (Some(seconds), None, 1) => {
            let seconds = seconds
                .as_f64()
                .filter(|s| s.is_finite())
                .ok_or_else(|| format!("'advanceSeconds' must be a number. {usage}"))?;
            if seconds < 0.0 {
                return Err(format!(
                    "'advanceSeconds' is {seconds}: the clock only moves forward."
                ));
            }
            let millis = (seconds * 1000.0).round();
            if millis > LATEST as f64 {
                return Err(format!("'advanceSeconds' is {seconds}: too far."));
            }
            Ok(state.clock.now_millis().saturating_add(millis as i64))
        }
        (None, Some(Value::String(at)), 1) => parse_timestamp(at).ok_or_else(|| {
            format!("'set' is '{at}', which is not an ISO-8601 date and time with its offset (2027-01-01T00:00:00Z).")
        }),
        _ => Err(usage.into()),
    }
}

/// The latest time the clock moves to: the end of the last year a schedule can name.
const LATEST: Millis = 7_258_118_399_999; // 2199-12-31T23:59:59.999Z

pub async fn advance(State(state): State<AppState>, body: Bytes) -> Response {
    let target = match target(&state, &body) {
        Ok(t) if t > LATEST => {
            return bad(format!(
                "{} is after {}, the last time the clock moves to.",
                format_millis(t),
                format_millis(LATEST)
            ))
        }
        Ok(t) => t,
        Err(message) => return bad(message),
    };
    let offset = match state.clock.move_to(target) {
        Ok(offset) => offset,
        Err(e) => return bad(e.to_string()),
    };
    if let Err(e) = state.store.meta_raise(CLOCK_OFFSET_KEY, offset).await {
        let error: ApiError = e.into();
        return error_response(&error, &ids::new_request_id());
    }
    tracing::info!(now = %format_millis(state.clock.now_millis()), "the clock moved");
    state.engine.wake_all();
    state.schedules.notify_waiters();
    now_response(&state)
}
