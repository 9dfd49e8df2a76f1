//! The workflows a CreateImage runs (spec §8.2): the configurations it names (or the
//! managed build and test workflows), checked together and one by one, resolved, their
//! parameters bound; the plan the engine follows, and the claims that keep it valid.

use super::workflows::{self, WorkflowBuild};
use crate::ctx::Ctx;
use std::collections::HashSet;
use stepwise_api::arn::{self, Arn};
use stepwise_api::model::WorkflowConfiguration;
use stepwise_api::{ApiError, ApiResult};
use stepwise_engine::PlannedWorkflow;
use stepwise_store::Write;
use stepwise_workflow::{bind_parameters, parse_document, WorkflowType};

/// At most this many workflows per image.
const MAX_WORKFLOWS: usize = 10;

/// The workflows an image runs, in order, and the claims of the stored ones it uses (one
/// per workflow, however often it is listed; see `stored::get_claimed`).
pub(super) struct Plan {
    pub workflows: Vec<PlannedWorkflow>,
    pub claims: Vec<Write>,
}

fn bad(path: impl Into<String>, detail: impl Into<String>) -> ApiError {
    ApiError::invalid_value(&path.into(), &detail.into())
}

fn arn_of(c: &WorkflowConfiguration) -> &str {
    c.workflow_arn.as_deref().unwrap_or_default()
}

/// The plan of `given` (Amazon's build and test workflows when none are given); test
/// workflows are checked but left out when tests are off.
pub(super) async fn plan(
    ctx: &Ctx<'_>,
    given: &[WorkflowConfiguration],
    tests_enabled: bool,
) -> ApiResult<Plan> {
    let configs = configurations(ctx, given);
    let types = check_together(&configs)?;
    let mut plan = Plan {
        workflows: Vec::new(),
        claims: Vec::new(),
    };
    let mut claimed = HashSet::new();
    let mut output_names = HashSet::new();
    for (i, (c, ty)) in configs.iter().zip(types).enumerate() {
        let resolved = workflows::resolve(ctx, arn_of(c)).await?;
        if claimed.insert(resolved.arn().to_string()) {
            plan.claims.extend(resolved.claim());
        }
        let planned = plan_one(i, c, ty, &resolved, &mut output_names)?;
        if ty != WorkflowType::Test || tests_enabled {
            plan.workflows.push(planned);
        }
    }
    Ok(plan)
}

/// The configurations given, or Amazon's build and test workflows.
fn configurations(ctx: &Ctx<'_>, given: &[WorkflowConfiguration]) -> Vec<WorkflowConfiguration> {
    if !given.is_empty() {
        return given.to_vec();
    }
    [
        "workflow/build/build-image/x.x.x",
        "workflow/test/test-image/x.x.x",
    ]
    .into_iter()
    .map(|managed| WorkflowConfiguration {
        workflow_arn: Some(arn::arn(&ctx.tenant.region, "aws", managed)),
        ..Default::default()
    })
    .collect()
}

/// The checks over the list: how many, each one's type (its ARN's `build|test|distribution`
/// segment), at most one build and one distribution workflow, Amazon's at `x.x.x`.
fn check_together(configs: &[WorkflowConfiguration]) -> ApiResult<Vec<WorkflowType>> {
    if configs.len() > MAX_WORKFLOWS {
        return Err(bad(
            "workflows",
            format!("At most {MAX_WORKFLOWS} workflows can be specified."),
        ));
    }
    let types = configs
        .iter()
        .map(|c| {
            Arn::parse(arn_of(c))
                .filter(|a| a.resource_type == "workflow")
                .and_then(|a| {
                    a.path
                        .first()
                        .and_then(|s| WorkflowType::from_arn_segment(s))
                })
                .ok_or_else(|| ApiError::not_found(arn_of(c)))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    for (ty, label) in [
        (WorkflowType::Build, "build"),
        (WorkflowType::Distribution, "distribution"),
    ] {
        if let Some((second, _)) = types.iter().enumerate().filter(|(_, t)| **t == ty).nth(1) {
            return Err(bad(
                format!("workflows[{second}]"),
                format!("At most one {label} workflow can be specified."),
            ));
        }
    }
    for c in configs {
        if let Some(a) = Arn::parse(arn_of(c)) {
            if a.is_amazon_owned() && a.path.get(2) != Some(&"x.x.x") {
                return Err(bad(
                    "workflows",
                    format!(
                        "AWS managed workflows must have latest version 'x.x.x' for '{}'",
                        arn_of(c)
                    ),
                ));
            }
        }
    }
    Ok(types)
}

/// The checks of the `i`th configuration against its resolved workflow, and its place in
/// the plan: test-only members, parameters bound to the document's, output names unique
/// across the image.
fn plan_one(
    i: usize,
    c: &WorkflowConfiguration,
    ty: WorkflowType,
    resolved: &WorkflowBuild,
    output_names: &mut HashSet<String>,
) -> ApiResult<PlannedWorkflow> {
    for (key, given) in [
        ("parallelGroup", &c.parallel_group),
        ("onFailure", &c.on_failure),
    ] {
        if given.is_some() && ty != WorkflowType::Test {
            return Err(bad(
                format!("workflows[{i}].{key}"),
                format!("{key} can only be set on test workflows."),
            ));
        }
    }
    let doc = parse_document(resolved.data(), ty, usize::MAX)
        .map_err(|e| ApiError::internal(format!("stored workflow document is invalid: {e}")))?;
    let supplied: Vec<(String, Vec<String>)> = c
        .parameters
        .iter()
        .flatten()
        .map(|p| {
            (
                p.name.clone().unwrap_or_default(),
                p.value.clone().unwrap_or_default(),
            )
        })
        .collect();
    let parameters = bind_parameters(&doc, &supplied)
        .map_err(|e| bad(format!("workflows[{i}].parameters"), e.to_string()))?;
    for o in &doc.outputs {
        if !output_names.insert(o.name.clone()) {
            return Err(bad(
                format!("workflows[{i}]"),
                format!(
                    "The workflow output name '{}' is used by more than one workflow.",
                    o.name
                ),
            ));
        }
    }
    Ok(PlannedWorkflow {
        workflow_arn: resolved.arn().to_string(),
        workflow_type: ty.as_str().to_string(),
        data: resolved.data().to_string(),
        parameters,
        parallel_group: c.parallel_group.clone(),
        on_failure: c.on_failure.clone(),
    })
}
