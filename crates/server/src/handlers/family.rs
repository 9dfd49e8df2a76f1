//! One abstraction for the resource families kept as JSON bodies under one name: a family
//! states only its own rules (ARN, checks, stored body, list item, what depends on it) in a
//! [`StoredResource`] impl, and the generic create, get, list and delete here do the rest:
//! idempotency, "already exists", dry run, the atomic commit, not-found, keyset pages,
//! filters and the dependency rule.

use super::filters::Filters;
use super::json::{str_member, Obj};
use super::stored::{
    commit_create, create_response, delete_unused, ensure_absent, get_body, snapshot_of,
    stop_if_dry_run,
};
use crate::ctx::Ctx;
use crate::idempotency::Idempotency;
use crate::listing::{page_by_key, Grouping, KeyShape, PageRequest};
use serde_json::{json, Map, Value};
use stepwise_api::arn::{self, normalize_name};
use stepwise_api::ApiResult;
use stepwise_store::ResourceKind;
use stepwise_token::OpCode;

/// A family of named resources: its rules, and nothing else.
pub(super) trait StoredResource {
    /// The store's kind for it.
    const KIND: ResourceKind;
    /// Its name in "already exists" messages (`InfrastructureConfiguration`).
    const NAME: &'static str;
    /// Its ARN's resource type (`infrastructure-configuration`).
    const ARN_TYPE: &'static str;
    /// The member carrying its ARN in create responses and in Get/Delete inputs.
    const ARN_MEMBER: &'static str;
    /// The member of Get's output holding it.
    const GET_MEMBER: &'static str;
    /// The member of its List output holding the items, and that List's token code.
    const LIST_MEMBER: &'static str;
    const LIST_OP: OpCode;
    /// The filter names its List accepts.
    const FILTERS: &'static [&'static str];
    /// Where an image keeps its snapshot's ARN: an unfinished image using it blocks a delete.
    const SNAPSHOT_POINTER: &'static str;

    /// The family's own checks of a create input, before anything is read.
    fn check(_input: &Value) -> ApiResult<()> {
        Ok(())
    }

    /// The stored body of a create (the resource as Get shows it).
    fn draft(ctx: &Ctx<'_>, input: &Value, arn: &str) -> Value;

    /// Its item in List.
    fn summary(body: &Value) -> Option<Value>;
}

/// The ARN a create input names: the family's type and the normalized name.
fn arn_of<F: StoredResource>(ctx: &Ctx<'_>, input: &Value) -> String {
    let name = str_member(input, "name").unwrap_or_default();
    arn::arn(
        &ctx.tenant.region,
        &ctx.tenant.account,
        &format!("{}/{}", F::ARN_TYPE, normalize_name(name)),
    )
}

pub(super) async fn create<F: StoredResource>(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    let idem = match Idempotency::check(ctx, input).await? {
        Ok(idem) => idem,
        Err(replay) => return Ok(replay),
    };
    F::check(input)?;
    let arn = arn_of::<F>(ctx, input);
    ensure_absent(ctx, F::KIND, F::NAME, &arn).await?;
    stop_if_dry_run(input)?;
    let body = F::draft(ctx, input, &arn);
    let response = create_response(input, F::ARN_MEMBER, &arn).build();
    commit_create(ctx, idem, F::KIND, &arn, body, response, Vec::new()).await
}

pub(super) async fn get<F: StoredResource>(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    let arn = str_member(input, F::ARN_MEMBER).unwrap_or_default();
    let body = get_body(ctx, F::KIND, arn).await?;
    Ok(json!({ F::GET_MEMBER: body }))
}

pub(super) async fn list<F: StoredResource>(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    let filters = Filters::from_input(input, F::FILTERS)?;
    let mut binding = Map::new();
    if let Some(f) = input.get("filters") {
        binding.insert("filters".into(), f.clone());
    }
    let page = PageRequest::new(ctx, F::LIST_OP, Value::Object(binding), input);
    let (items, token) = page_by_key(&page, F::KIND, KeyShape::NAME, Grouping::Each, |r, key| {
        if !filters.matches(|f| r.body.get(f).and_then(Value::as_str)) {
            return Ok(None);
        }
        Ok(F::summary(&r.body).map(|s| (key.clone(), s)))
    })
    .await?;
    Ok(Obj::new()
        .set(F::LIST_MEMBER, items)
        .opt("nextToken", token)
        .build())
}

pub(super) async fn delete<F: StoredResource>(ctx: &Ctx<'_>, input: &Value) -> ApiResult<Value> {
    let arn = str_member(input, F::ARN_MEMBER).unwrap_or_default();
    delete_unused(ctx, F::KIND, arn, snapshot_of(F::SNAPSHOT_POINTER, arn)).await?;
    Ok(json!({ F::ARN_MEMBER: arn }))
}
