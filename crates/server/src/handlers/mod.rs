//! Operation handlers, one module per resource family. Each operation's handler is the
//! function named after it (`CreateImage` → `create_image`), which takes the operation's
//! input as its model type and returns its output type (without `requestId`, which the
//! protocol layer adds where the model has it). Dispatch is generated from the model's list of served
//! operations (`stepwise_api::served_operations!`): serving one more operation is an entry
//! in that list (codegen/gen_model.py) and its handler function.

mod actions;
mod components;
mod distribution;
mod executions;
mod family;
mod filters;
mod image_plan;
mod images;
mod infrastructure;
mod pipelines;
mod recipes;
mod stored;
mod tags;
#[cfg(test)]
pub(crate) mod testkit;
mod versions;
mod workflows;

use crate::ctx::Ctx;
use crate::idempotency::Idempotency;
use crate::typed::input;
pub(crate) use crate::typed::typed;
use serde::Serialize;
use serde_json::Value;
use std::future::Future;
use std::marker::PhantomData;
use stepwise_api::model;
use stepwise_api::operations::OperationId;
use stepwise_api::{validate, ApiError, ApiResult, ErrorKind};

use actions::*;
use components::*;
use distribution::*;
use executions::*;
use images::*;
use infrastructure::*;
pub(crate) use pipelines::start_due;
use pipelines::*;
use recipes::*;
use tags::*;
use workflows::*;

/// A response body: a JSON value (the protocol layer adds `requestId` where the output
/// has it), or a body already serialized in full by a hot-path handler.
pub enum Reply {
    Value(Value),
    Serialized(String),
}

/// The wire JSON of a `T`, serialized ahead by a hot-path handler that assembles it from
/// items the store keeps rendered (its `requestId` included).
pub struct Rendered<T> {
    body: String,
    shape: PhantomData<T>,
}

impl<T> Rendered<T> {
    pub fn new(body: String) -> Self {
        Rendered {
            body,
            shape: PhantomData,
        }
    }
}

/// Marks what a handler of an operation with output `T` may return: a `T`, or a `T`
/// rendered ahead.
pub trait OutputOf<T> {}

impl<T> OutputOf<T> for T {}

impl<T> OutputOf<T> for Rendered<T> {}

/// What a handler returns, as a response body.
pub trait IntoReply {
    fn into_reply(self) -> ApiResult<Reply>;
}

impl<T: Serialize> IntoReply for T {
    fn into_reply(self) -> ApiResult<Reply> {
        serde_json::to_value(self)
            .map(Reply::Value)
            .map_err(|e| ApiError::internal(format!("response not serializable: {e}")))
    }
}

impl<T> IntoReply for Rendered<T> {
    fn into_reply(self) -> ApiResult<Reply> {
        Ok(Reply::Serialized(self.body))
    }
}

/// How often an operation is decided again after its write batch lost a race. Each lost
/// race means another caller's batch committed, so a burst of N callers needs at most N.
const MAX_ATTEMPTS: u32 = 100;

/// `match` arms from the generated list of served operations: each reads the input into
/// the operation's model type and runs the handler function named after the operation
/// (`CreateImage` → `create_image`), which the family modules export.
macro_rules! dispatch_arms {
    ($id:expr, $ctx:ident, $input:ident;
     $(($variant:ident, $handler:ident, $in_type:ident, $out_type:ident)),* $(,)?) => {
        match $id {
            $(OperationId::$variant => {
                let input: model::$in_type = input(&$input)?;
                let input = &input;
                run::<model::$out_type, _, _, _, _>($ctx, input, || $handler($ctx, input)).await
            })*
            #[allow(unreachable_patterns)]
            _ => Err(ApiError::new(
                ErrorKind::UnknownOperation,
                format!("The operation {} is not supported by Stepwise yet.", $ctx.op.name),
            )),
        }
    };
}

/// Runs the request's operation: validates the JSON input against the model, reads it
/// into the operation's typed input and calls its handler.
pub async fn handle(ctx: &Ctx<'_>, input: Value) -> ApiResult<Reply> {
    validate::validate_input(ctx.op, &input)?;
    stepwise_api::served_operations!(dispatch_arms, ctx.op.id, ctx, input)
}

/// Runs a handler until it is decided. Its decisions are taken on reads and guarded inside
/// the write batch that commits them; when a guard fails (another caller changed what the
/// decision rested on) the operation runs again from the start on fresh reads, so
/// concurrent callers see one serial order: the loser of a create race gets "already
/// exists", the second caller of one `clientToken` the first one's reply.
async fn run<Output, I, O, F, H>(ctx: &Ctx<'_>, input: &I, handler: H) -> ApiResult<Reply>
where
    I: Serialize,
    O: IntoReply + OutputOf<Output>,
    F: Future<Output = ApiResult<O>>,
    H: Fn() -> F,
{
    let mut attempt = 1;
    loop {
        match handler().await {
            Ok(output) => return output.into_reply(),
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
                return match Idempotency::check::<Value>(ctx, input).await? {
                    Err(reply) => Ok(Reply::Value(reply)),
                    Ok(_) => Err(e),
                };
            }
            Err(e) => return Err(e),
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
