//! `clientToken` idempotency (spec §2.6): the same token with the same parameters replays
//! the first successful response; with other parameters it is refused. The record is
//! written in the same transaction as the operation's own writes.

use crate::ctx::Ctx;
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
    /// Looks the request up: `Ok(Err(response))` replays a stored response. The token is
    /// the operation's idempotency-token member, as the model names it.
    pub async fn check(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Result<Self, Value>> {
        let operation = ctx.op.name;
        let member = ctx.op.idempotency_token.ok_or_else(|| {
            ApiError::internal(format!("{operation} has no idempotency token in the model"))
        })?;
        let token = input
            .get(member)
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::missing_param(member))?
            .to_string();
        let mut members: Map<String, Value> = input.as_object().cloned().unwrap_or_default();
        members.remove(member);
        members.remove("dryRun");
        let fingerprint = stepwise_token::canonical_json(&Value::Object(members));
        if let Some(record) = ctx
            .state
            .store
            .get_idempotency(&ctx.tenant, operation, &token)
            .await?
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

    /// The write that records `response` for replay. It claims the token inside the
    /// operation's own batch: if another caller recorded a live response under it since
    /// [`Idempotency::check`] looked, the batch conflicts and the operation is decided again
    /// (and then replays that response, or refuses other parameters).
    pub fn record(self, ctx: &Ctx<'_>, response: &Value) -> Write {
        let now = ctx.now();
        Write::Idempotency {
            replaces_before_ms: now - ctx.state.config.idempotency_retention_ms,
            operation: self.operation.to_string(),
            token: self.token,
            record: IdempotencyRecord {
                fingerprint: self.fingerprint,
                response: response.clone(),
                created_ms: now,
            },
        }
    }
}
