//! One abstraction for the resource families kept as JSON bodies: a family states only its
//! own rules (how a create names it, checks, stored body, how an ARN resolves, list item,
//! what depends on it) in a [`StoredResource`] impl (and [`ListedResource`] where its List
//! is the plain one), and the generic create, get, list and delete here do the rest:
//! idempotency, "already exists", dry run, the atomic commit, not-found, keyset pages,
//! filters and the dependency rule.

use super::filters::Filters;
use super::stored::{
    commit_create, delete_unused, ensure_absent, get_body, get_guarded, stop_if_dry_run,
    stored_body,
};
use super::typed;
use crate::ctx::Ctx;
use crate::idempotency::Idempotency;
use crate::listing::{page_by_key, page_sorted, Grouping, KeyShape, PageRequest};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};
use stepwise_api::arn::{self, normalize_name};
use stepwise_api::members::{Filtered, Idempotent, Named, Paged};
use stepwise_api::model::{Filter, LatestVersionReferences};
use stepwise_api::time::format_millis;
use stepwise_api::ApiResult;
use stepwise_engine::ImageRecord;
use stepwise_store::{ResourceKind, Write};
use stepwise_token::OpCode;

/// What a create names: the new resource's ARN and, for versioned families, the
/// `latestVersionReferences` its create and get answer.
pub(super) struct Allocated {
    pub arn: String,
    pub references: Option<LatestVersionReferences>,
}

/// A family of stored resources: its rules, and nothing else.
pub(super) trait StoredResource {
    /// Its operations' inputs and outputs, as the model has them.
    type Create: Named + Idempotent + Serialize;
    type CreateOutput: Serialize + DeserializeOwned;
    type Get;
    type GetOutput: DeserializeOwned;
    type Delete;
    type DeleteOutput: DeserializeOwned;

    /// The store's kind for it.
    const KIND: ResourceKind;
    /// Its name in "already exists" messages (`InfrastructureConfiguration`).
    const NAME: &'static str;
    /// Its ARN's resource type (`infrastructure-configuration`).
    const ARN_TYPE: &'static str;
    /// The member carrying its ARN in create and delete responses.
    const ARN_MEMBER: &'static str;
    /// The member of Get's output holding it.
    const GET_MEMBER: &'static str;

    /// The ARN a Get or Delete input names.
    fn get_arn(input: &Self::Get) -> &str;
    fn delete_arn(input: &Self::Delete) -> &str;
    /// Whether a create input asks for a dry run.
    fn dry_run(input: &Self::Create) -> Option<bool>;

    /// The family's own checks of a create input, before anything is read.
    fn check(_ctx: &Ctx<'_>, _input: &Self::Create) -> ApiResult<()> {
        Ok(())
    }

    /// The ARN a create makes, or ResourceAlreadyExistsException: by default
    /// `ARN_TYPE/<normalized name>`, refused while one is stored under it.
    async fn allocate(ctx: &Ctx<'_>, input: &Self::Create) -> ApiResult<Allocated> {
        let arn = arn::arn(
            &ctx.tenant.region,
            &ctx.tenant.account,
            &format!(
                "{}/{}",
                Self::ARN_TYPE,
                normalize_name(input.name().unwrap_or_default())
            ),
        );
        ensure_absent(ctx, Self::KIND, Self::NAME, &arn).await?;
        Ok(Allocated {
            arn,
            references: None,
        })
    }

    /// The other resources a create names, checked (ResourceNotFoundException and the
    /// family's own refusals), with the writes that claim them in the create's batch, so that
    /// a delete of one decided meanwhile conflicts (see `stored::claim`).
    async fn references(_ctx: &Ctx<'_>, _input: &Self::Create) -> ApiResult<Vec<Write>> {
        Ok(Vec::new())
    }

    /// The stored body of a create (the resource as Get shows it); it may read what it
    /// shows of other resources.
    async fn draft(ctx: &Ctx<'_>, input: &Self::Create, arn: &str) -> ApiResult<Value>;

    /// The stored body a Get's ARN names (by default exactly that ARN), with the
    /// `latestVersionReferences` of versioned families; ResourceNotFoundException if none.
    async fn resolve(
        ctx: &Ctx<'_>,
        arn: &str,
    ) -> ApiResult<(Value, Option<LatestVersionReferences>)> {
        Ok((get_body(ctx, Self::KIND, arn).await?, None))
    }

    /// The family's own refusals of a delete, before anything is read.
    fn check_delete(_arn: &str) -> ApiResult<()> {
        Ok(())
    }

    /// Whether an image uses the resource `arn`: an unfinished one blocks its delete.
    fn uses(image: &ImageRecord, arn: &str) -> bool;

    /// What else of the family's own holds the resource `arn` against a delete (`image
    /// recipe '<arn>'`), read after the resource.
    async fn dependent(_ctx: &Ctx<'_>, _arn: &str) -> ApiResult<Option<String>> {
        Ok(None)
    }
}

/// A family whose List is the plain one: filters, an optional owner, keyset pages of one
/// item per stored resource.
pub(super) trait ListedResource: StoredResource {
    type List: Paged + Filtered<Filter = Filter>;
    type ListOutput;
    /// Its item in List.
    type Summary: DeserializeOwned;

    /// Its List's token code.
    const LIST_OP: OpCode;
    /// The filter names its List accepts.
    const FILTERS: &'static [&'static str];
    /// The parts of its listing key.
    const KEY_SHAPE: KeyShape;

    /// The `owner` its List input names (`Self` when not given), for a List that has the
    /// member: only the caller's own resources exist here, so any other owner lists nothing.
    fn owner(_input: &Self::List) -> Option<&str> {
        None
    }

    /// Its List output: a page of items and the token of the next page.
    fn page(items: Vec<Self::Summary>, next_token: Option<String>) -> Self::ListOutput;

    /// Its item in List, from its stored body (by default the summary's members of it).
    fn summary(body: &Value) -> ApiResult<Self::Summary> {
        typed(body)
    }
}

/// A family whose resources an Update replaces in place, with AWS's replace semantics: the
/// request is the whole new configuration (a member it leaves out is gone), the ARN, name,
/// `dateCreated` and tags stay, `dateUpdated` is set. Images keep the snapshot they were
/// built with; builds started later read the new configuration.
pub(super) trait UpdatedResource: StoredResource {
    type Update: Idempotent + Serialize;
    type UpdateOutput: DeserializeOwned;

    /// The ARN an Update input names.
    fn update_arn(input: &Self::Update) -> &str;

    /// The create input describing what `input` asks for, for the resource stored as
    /// `stored`: its own name and tags, everything else from `input`. The update is checked
    /// and drafted as that create would be.
    fn as_create(input: &Self::Update, stored: &Value) -> ApiResult<Self::Create>;

    /// `draft` with what the stored resource keeps through an update besides its name,
    /// dates and tags (a pipeline's last run); by default nothing.
    fn carried(_stored: &Value, draft: Value) -> Value {
        draft
    }
}

/// `draft` dated as an update of a resource created at `created`: that `dateCreated`, and
/// `dateUpdated` `updated`, right after it (the order of the model's shapes).
fn dated(draft: Value, created: Option<&Value>, updated: String) -> Value {
    let Value::Object(members) = draft else {
        return draft;
    };
    let mut out = Map::with_capacity(members.len() + 1);
    for (key, value) in members {
        match key.as_str() {
            "dateCreated" => {
                out.insert(key, created.cloned().unwrap_or(value));
                out.insert("dateUpdated".into(), json!(updated));
            }
            "dateUpdated" => {}
            _ => {
                out.insert(key, value);
            }
        }
    }
    Value::Object(out)
}

/// The document a create carries inline (`data`), the only place Stepwise reads one from:
/// exactly one of `data` and `uri`, and a `uri` (an S3 object) is refused.
pub(super) fn inline_document<'a>(data: Option<&'a str>, uri: Option<&str>) -> ApiResult<&'a str> {
    match (data, uri) {
        (Some(_), Some(_)) | (None, None) => Err(stepwise_api::ApiError::new(
            stepwise_api::ErrorKind::InvalidParameterCombination,
            "Exactly one of the parameters 'data' and 'uri' must be supplied.",
        )),
        (None, Some(_)) => Err(stepwise_api::ApiError::invalid_value(
            "uri",
            "Only inline data is supported.",
        )),
        (Some(data), None) => Ok(data),
    }
}

/// Whether an image took its snapshot at `pointer` (e.g. `/imageRecipe/arn`) from `arn`.
pub(super) fn snapshot_of(image: &ImageRecord, pointer: &str, arn: &str) -> bool {
    image.image.pointer(pointer).and_then(Value::as_str) == Some(arn)
}

/// `members` with `latestVersionReferences` where the family has them, as an output `T`.
fn answer<T: DeserializeOwned>(
    mut members: Map<String, Value>,
    references: Option<LatestVersionReferences>,
) -> ApiResult<T> {
    if let Some(references) = references {
        members.insert("latestVersionReferences".into(), stored_body(&references)?);
    }
    typed(&Value::Object(members))
}

pub(super) async fn create<F: StoredResource>(
    ctx: &Ctx<'_>,
    input: &F::Create,
) -> ApiResult<F::CreateOutput> {
    create_as::<F>(ctx, input, input).await
}

/// A create of `input` made on behalf of a request of another shape (ImportComponent),
/// whose own input `request` the idempotency token is recorded with: a retry of that
/// request is recognised whichever way it is looked up.
pub(super) async fn create_as<F: StoredResource>(
    ctx: &Ctx<'_>,
    request: &impl Serialize,
    input: &F::Create,
) -> ApiResult<F::CreateOutput> {
    let idem = match Idempotency::check(ctx, request).await? {
        Ok(idem) => idem,
        Err(replay) => return Ok(replay),
    };
    F::check(ctx, input)?;
    let named = F::allocate(ctx, input).await?;
    let claims = F::references(ctx, input).await?;
    stop_if_dry_run(F::dry_run(input))?;
    let body = F::draft(ctx, input, &named.arn).await?;
    let mut members = Map::new();
    members.insert(
        "clientToken".into(),
        json!(input.client_token().unwrap_or_default()),
    );
    members.insert(F::ARN_MEMBER.into(), json!(named.arn));
    let response = answer(members, named.references)?;
    commit_create(ctx, idem, F::KIND, &named.arn, body, response, claims).await
}

pub(super) async fn get<F: StoredResource>(
    ctx: &Ctx<'_>,
    input: &F::Get,
) -> ApiResult<F::GetOutput> {
    let (body, references) = F::resolve(ctx, F::get_arn(input)).await?;
    let mut members = Map::new();
    members.insert(F::GET_MEMBER.into(), body);
    answer(members, references)
}

pub(super) async fn list<F: ListedResource>(
    ctx: &Ctx<'_>,
    input: &F::List,
) -> ApiResult<F::ListOutput> {
    let filters = Filters::from_input(input.filters(), F::FILTERS)?;
    let owner = F::owner(input);
    let mut bound = Map::new();
    if let Some(owner) = owner {
        bound.insert("owner".into(), json!(owner));
    }
    let page = PageRequest::new(ctx, F::LIST_OP, filters.binding_with(bound), input);
    let (items, token) = if owner.is_none_or(|o| o == "Self") {
        page_by_key(&page, F::KIND, F::KEY_SHAPE, Grouping::Each, |r, key| {
            if !filters.matches(|f| r.body.get(f).and_then(Value::as_str)) {
                return Ok(None);
            }
            Ok(Some((key.clone(), F::summary(&r.body)?)))
        })
        .await?
    } else {
        page_sorted::<F::Summary>(&page, F::KEY_SHAPE, Vec::new())?
    };
    Ok(F::page(items, token))
}

pub(super) async fn update<F: UpdatedResource>(
    ctx: &Ctx<'_>,
    input: &F::Update,
) -> ApiResult<F::UpdateOutput> {
    let idem = match Idempotency::check(ctx, input).await? {
        Ok(idem) => idem,
        Err(replay) => return Ok(replay),
    };
    let arn = F::update_arn(input);
    let (stored, guard) = get_guarded(ctx, F::KIND, arn).await?;
    let create = F::as_create(input, &stored)?;
    F::check(ctx, &create)?;
    let claims = F::references(ctx, &create).await?;
    let draft = F::draft(ctx, &create, arn).await?;
    let body = dated(
        F::carried(&stored, draft),
        stored.get("dateCreated"),
        format_millis(ctx.now()),
    );
    let reply = json!({
        "clientToken": input.client_token().unwrap_or_default(),
        F::ARN_MEMBER: arn,
    });
    let response: F::UpdateOutput = typed(&reply)?;
    // The guard makes a concurrent update, tag change or delete conflict: decided again,
    // this update applies on top of the other, or finds the resource gone.
    let mut writes = vec![guard];
    writes.extend(claims);
    writes.push(Write::PutResource {
        kind: F::KIND,
        arn: arn.to_string(),
        body,
    });
    writes.push(idem.record(ctx, &reply)?);
    ctx.state.store.apply(&ctx.tenant, &writes).await?;
    Ok(response)
}

pub(super) async fn delete<F: StoredResource>(
    ctx: &Ctx<'_>,
    input: &F::Delete,
) -> ApiResult<F::DeleteOutput> {
    let arn = F::delete_arn(input);
    F::check_delete(arn)?;
    delete_unused(
        ctx,
        F::KIND,
        arn,
        |image| F::uses(image, arn),
        F::dependent(ctx, arn),
    )
    .await?;
    typed(&json!({ F::ARN_MEMBER: arn }))
}
