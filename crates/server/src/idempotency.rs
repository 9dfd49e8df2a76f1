//! `clientToken` idempotency (spec §2.6): the same token with the same parameters replays
//! the first successful response; with other parameters it is refused. The record is
//! written in the same transaction as the operation's own writes.

use crate::protocol::Ctx;
use serde_json::{Map, Value};
use stepwise_api::{ApiError, ApiResult, ErrorKind};
use stepwise_store::{IdempotencyRecord, Write};

/// An idempotent request's key and fingerprint.
pub struct Idempotency {
    operation: &'static str,
    token: String,
    fingerprint: String,
}

impl Idempotency {
    /// Looks the request up: `Ok(Err(response))` replays a stored response.
    pub fn check(
        ctx: &Ctx<'_>,
        operation: &'static str,
        input: &Value,
    ) -> ApiResult<Result<Self, Value>> {
        let token = input
            .get("clientToken")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::missing_param("clientToken"))?
            .to_string();
        let mut members: Map<String, Value> = input.as_object().cloned().unwrap_or_default();
        members.remove("clientToken");
        members.remove("dryRun");
        let fingerprint = stepwise_token::canonical_json(&Value::Object(members));
        if let Some(record) = ctx
            .state
            .store
            .get_idempotency(&ctx.tenant, operation, &token)?
        {
            if ctx.now() - record.created_ms <= ctx.state.config.idempotency_retention_ms {
                if record.fingerprint != fingerprint {
                    return Err(ApiError::new(
                        ErrorKind::IdempotentParameterMismatch,
                        format!(
                            "The client token '{token}' was already used with different parameters for {operation}."
                        ),
                    ));
                }
                return Ok(Err(record.response));
            }
        }
        Ok(Ok(Idempotency {
            operation,
            token,
            fingerprint,
        }))
    }

    /// The write that records `response` for replay.
    pub fn record(self, ctx: &Ctx<'_>, response: &Value) -> Write {
        Write::Idempotency {
            operation: self.operation.to_string(),
            token: self.token,
            record: IdempotencyRecord {
                fingerprint: self.fingerprint,
                response: response.clone(),
                created_ms: ctx.now(),
            },
        }
    }
}
