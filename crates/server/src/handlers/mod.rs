//! Operation handlers, one module per resource family. Each operation's handler is the
//! function named after it (`CreateImage` → `create_image`), which takes the validated JSON
//! input and returns the response body (without `requestId`, which the protocol layer adds
//! where the model has it). Dispatch is generated from the model's list of served
//! operations (`stepwise_api::served_operations!`): serving one more operation is an entry
//! in that list (codegen/gen_model.py) and its handler function.

mod actions;
mod distribution;
mod executions;
mod family;
mod filters;
mod images;
mod infrastructure;
mod json;
mod recipes;
mod stored;
#[cfg(test)]
pub(crate) mod testkit;
mod workflows;

use crate::ctx::Ctx;
use crate::idempotency::Idempotency;
use serde_json::Value;
use stepwise_api::operations::OperationId;
use stepwise_api::{validate, ApiError, ApiResult, ErrorKind};

use actions::*;
use distribution::*;
use executions::*;
use images::*;
use infrastructure::*;
use recipes::*;
use workflows::*;

/// A response body: a JSON value (the protocol layer adds `requestId` where the output
/// has it), or a body already serialized in full by a hot-path handler.
pub enum Reply {
    Value(Value),
    Serialized(String),
}

impl From<Value> for Reply {
    fn from(v: Value) -> Self {
        Reply::Value(v)
    }
}

impl From<String> for Reply {
    fn from(body: String) -> Self {
        Reply::Serialized(body)
    }
}

/// How often an operation is decided again after its write batch lost a race. Each lost
/// race means another caller's batch committed, so a burst of N callers needs at most N.
const MAX_ATTEMPTS: u32 = 100;

/// Runs the request's operation. Its decisions are taken on reads and guarded inside the
/// write batch that commits them; when a guard fails (another caller changed what the
/// decision rested on) the operation runs again from the start on fresh reads, so
/// concurrent callers see one serial order: the loser of a create race gets "already
/// exists", the second caller of one `clientToken` the first one's reply.
pub async fn handle(ctx: &Ctx<'_>, input: Value) -> ApiResult<Reply> {
    validate::validate_input(ctx.op, &input)?;
    let mut attempt = 1;
    loop {
        match dispatch(ctx, &input).await {
            Err(e) if e.kind == ErrorKind::WriteConflict && attempt < MAX_ATTEMPTS => {
                tracing::debug!(
                    operation = ctx.op.name,
                    attempt,
                    "write conflict; deciding again"
                );
                backoff(attempt).await;
                attempt += 1;
            }
            Err(e) if ctx.op.idempotency_token.is_some() => {
                // The operation may have failed on reads that already saw another call with
                // this token commit (a create finding what that call created). Serially, that
                // call came first and this one replays its reply, or is refused as a mismatch.
                return match Idempotency::check(ctx, &input).await? {
                    Err(reply) => Ok(Reply::Value(reply)),
                    Ok(_) => Err(e),
                };
            }
            other => return other,
        }
    }
}

/// A short random pause after a lost race, so that a burst of callers spreads out.
async fn backoff(attempt: u32) {
    if attempt < 3 {
        return tokio::task::yield_now().await;
    }
    let micros = rand::Rng::gen_range(&mut rand::thread_rng(), 0..(200 * attempt.min(20)) as u64);
    tokio::time::sleep(std::time::Duration::from_micros(micros)).await;
}

/// `match` arms from the generated list of served operations: each calls the handler
/// function named after its operation (`CreateImage` → `create_image`), which the family
/// modules export.
macro_rules! dispatch_arms {
    ($id:expr, $ctx:ident, $input:ident; $(($variant:ident, $handler:ident)),* $(,)?) => {
        match $id {
            $(OperationId::$variant => $handler($ctx, $input).await.map(Reply::from),)*
            #[allow(unreachable_patterns)]
            _ => Err(ApiError::new(
                ErrorKind::UnknownOperation,
                format!("The operation {} is not supported by Stepwise yet.", $ctx.op.name),
            )),
        }
    };
}

async fn dispatch(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Reply> {
    stepwise_api::served_operations!(dispatch_arms, ctx.op.id, ctx, input)
}
