//! One abstraction for the resource families kept as JSON bodies under one name: a family
//! states only its own rules (ARN, checks, stored body, list item, what depends on it) in a
//! [`StoredResource`] impl, and the generic create, get, list and delete here do the rest:
//! idempotency, "already exists", dry run, the atomic commit, not-found, keyset pages,
//! filters and the dependency rule.

use super::filters::Filters;
use super::json::Obj;
use super::stored::{
    commit_create, create_response, delete_unused, ensure_absent, get_body, snapshot_of,
    stop_if_dry_run, stored_body,
};
use super::typed;
use crate::ctx::Ctx;
use crate::idempotency::Idempotency;
use crate::listing::{page_by_key, Grouping, KeyShape, PageRequest};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use stepwise_api::arn::{self, normalize_name};
use stepwise_api::members::{Filtered, Idempotent, Named, Paged};
use stepwise_api::model::Filter;
use stepwise_api::ApiResult;
use stepwise_store::ResourceKind;
use stepwise_token::OpCode;

/// A family of named resources: its rules, and nothing else.
pub(super) trait StoredResource {
    /// Its operations' inputs and outputs, as the model has them.
    type Create: Named + Idempotent + Serialize;
    type CreateOutput: Serialize + DeserializeOwned;
    type Get;
    type GetOutput: DeserializeOwned;
    type List: Paged + Filtered<Filter = Filter>;
    type ListOutput: DeserializeOwned;
    type Delete;
    type DeleteOutput: DeserializeOwned;
    /// Its item in List.
    type Summary: Serialize + DeserializeOwned;

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

    /// The ARN a Get or Delete input names.
    fn get_arn(input: &Self::Get) -> &str;
    fn delete_arn(input: &Self::Delete) -> &str;
    /// Whether a create input asks for a dry run.
    fn dry_run(input: &Self::Create) -> Option<bool>;

    /// The family's own checks of a create input, before anything is read.
    fn check(_input: &Self::Create) -> ApiResult<()> {
        Ok(())
    }

    /// The stored body of a create (the resource as Get shows it).
    fn draft(ctx: &Ctx<'_>, input: &Self::Create, arn: &str) -> ApiResult<Value>;

    /// Its item in List, from its stored body (by default the summary's members of it).
    fn summary(body: &Value) -> ApiResult<Self::Summary> {
        typed(body)
    }
}

/// The ARN a create input names: the family's type and the normalized name.
fn arn_of<F: StoredResource>(ctx: &Ctx<'_>, input: &F::Create) -> String {
    arn::arn(
        &ctx.tenant.region,
        &ctx.tenant.account,
        &format!(
            "{}/{}",
            F::ARN_TYPE,
            normalize_name(input.name().unwrap_or_default())
        ),
    )
}

pub(super) async fn create<F: StoredResource>(
    ctx: &Ctx<'_>,
    input: &F::Create,
) -> ApiResult<F::CreateOutput> {
    let idem = match Idempotency::check(ctx, input).await? {
        Ok(idem) => idem,
        Err(replay) => return Ok(replay),
    };
    F::check(input)?;
    let arn = arn_of::<F>(ctx, input);
    ensure_absent(ctx, F::KIND, F::NAME, &arn).await?;
    stop_if_dry_run(F::dry_run(input))?;
    let body = F::draft(ctx, input, &arn)?;
    let response = create_response(input.client_token(), F::ARN_MEMBER, &arn)?;
    commit_create(ctx, idem, F::KIND, &arn, body, response, Vec::new()).await
}

pub(super) async fn get<F: StoredResource>(
    ctx: &Ctx<'_>,
    input: &F::Get,
) -> ApiResult<F::GetOutput> {
    let body = get_body(ctx, F::KIND, F::get_arn(input)).await?;
    typed(&json!({ F::GET_MEMBER: body }))
}

pub(super) async fn list<F: StoredResource>(
    ctx: &Ctx<'_>,
    input: &F::List,
) -> ApiResult<F::ListOutput> {
    let filters = Filters::from_input(input.filters(), F::FILTERS)?;
    let page = PageRequest::new(ctx, F::LIST_OP, filters.binding(), input);
    let (items, token) = page_by_key(&page, F::KIND, KeyShape::NAME, Grouping::Each, |r, key| {
        if !filters.matches(|f| r.body.get(f).and_then(Value::as_str)) {
            return Ok(None);
        }
        Ok(Some((key.clone(), stored_body(&F::summary(&r.body)?)?)))
    })
    .await?;
    typed(
        &Obj::new()
            .set(F::LIST_MEMBER, items)
            .opt("nextToken", token)
            .build(),
    )
}

pub(super) async fn delete<F: StoredResource>(
    ctx: &Ctx<'_>,
    input: &F::Delete,
) -> ApiResult<F::DeleteOutput> {
    let arn = F::delete_arn(input);
    delete_unused(ctx, F::KIND, arn, snapshot_of(F::SNAPSHOT_POINTER, arn)).await?;
    typed(&json!({ F::ARN_MEMBER: arn }))
}
