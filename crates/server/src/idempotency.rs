//! `clientToken` idempotency (spec §2.6): the same token with the same parameters replays
//! the first successful response; with other parameters it is refused. The record is
//! written in the same transaction as the operation's own writes.

use crate::ctx::Ctx;
use crate::typed::typed;
use serde::de::DeserializeOwned;
use serde::Serialize;
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
    /// Looks the request up: `Ok(Err(response))` replays a stored response, as the
    /// operation's output `O`. The token is the operation's idempotency-token member, as
    /// the model names it; the fingerprint is the input's other members but `dryRun`.
    pub async fn check<O: DeserializeOwned>(
        ctx: &Ctx<'_>,
        input: &impl Serialize,
    ) -> ApiResult<Result<Self, O>> {
        let operation = ctx.op.name;
        let member = ctx.op.idempotency_token.ok_or_else(|| {
            ApiError::internal(format!("{operation} has no idempotency token in the model"))
        })?;
        let input = serde_json::to_value(input)
            .map_err(|e| ApiError::internal(format!("input not serializable: {e}")))?;
        let mut members: Map<String, Value> = match input {
            Value::Object(members) => members,
            _ => Map::new(),
        };
        let token = match members.remove(member) {
            Some(Value::String(token)) => token,
            _ => return Err(ApiError::missing_param(member)),
        };
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
                return typed::<O>(&record.response).map(Err);
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
    pub fn record(self, ctx: &Ctx<'_>, response: &impl Serialize) -> ApiResult<Write> {
        let now = ctx.now();
        let response = serde_json::to_value(response)
            .map_err(|e| ApiError::internal(format!("response not serializable: {e}")))?;
        Ok(Write::Idempotency {
            replaces_before_ms: now - ctx.state.config.idempotency_retention_ms,
            operation: self.operation.to_string(),
            token: self.token,
            record: IdempotencyRecord {
                fingerprint: self.fingerprint,
                response,
                created_ms: now,
            },
        })
    }
}
