//! What the versioned families (workflows, components) share: their builds are named
//! `…/<name>/<x.y.z>/<build>`, a Get or a recipe may name one by a version or a wildcard
//! (`1.x.x`, `x.x.x`), which means the newest matching build, and their Lists show the newest
//! build of each version (or name).

use crate::listing::{
    newest_per_group, page_by_key, page_sorted, Grouping, KeyShape, PageRequest, SortKey,
};
use serde_json::Value;
use stepwise_api::arn::{SemVer, VersionPattern};
use stepwise_api::ApiResult;
use stepwise_store::ResourceKind;

/// The newest of `builds` (by version, then build number) whose version `pattern` matches
/// and whose build number is `build`, when one is named.
pub(super) fn newest_matching<T>(
    builds: impl IntoIterator<Item = T>,
    at: impl Fn(&T) -> (SemVer, u32),
    pattern: VersionPattern,
    build: Option<u32>,
) -> Option<T> {
    builds
        .into_iter()
        .filter(|b| {
            let (version, number) = at(b);
            pattern.matches(version) && build.is_none_or(|n| n == number)
        })
        .max_by_key(|b| at(b))
}

/// The version and optional build number an ARN's last segments name: `<pattern>` or
/// `<pattern>/<build>`.
pub(super) fn version_and_build(
    version: &str,
    build: Option<&str>,
) -> Option<(VersionPattern, Option<u32>)> {
    let pattern = VersionPattern::parse(version)?;
    let build = match build {
        Some(b) => Some(b.parse().ok()?),
        None => None,
    };
    Some((pattern, build))
}

/// A build of a versioned family, as its lists read it.
pub(super) trait Build: Sized {
    /// The store's kind for the family.
    const KIND: ResourceKind;
    /// The parts of the family's version listing key.
    const VERSION_KEY: KeyShape;

    fn from_body(body: &Value) -> Option<Self>;
    /// Its place in the build listings.
    fn sort_key(&self) -> SortKey;
    /// Its version and build number, which order builds within a version or a name.
    fn rank(&self) -> (SemVer, u32);
}

/// The ARN and listing-key version of a List item for a build under `prefix` (its
/// `…/<name>` ARN): the version ARN, or with `byName` the name's `x.x.x` ARN.
pub(super) fn version_item_arn(prefix: &str, version: SemVer, by_name: bool) -> (String, SemVer) {
    if by_name {
        (format!("{prefix}/x.x.x"), SemVer(0, 0, 0))
    } else {
        (format!("{prefix}/{version}"), version)
    }
}

/// A page of a versioned family's List: the newest build of each version (or of each name,
/// with `byName`) that `shown` keeps, from the caller's builds for owner `Self`, from
/// `managed` for `Amazon`, and none for the owners nothing is shared by (README, "owner").
pub(super) async fn list_versions<B: Build, T>(
    page: &PageRequest<'_>,
    owner: &str,
    by_name: bool,
    managed: impl FnOnce() -> Vec<B>,
    shown: impl Fn(B) -> Option<(SortKey, T)>,
) -> ApiResult<(Vec<T>, Option<String>)> {
    let grouping = if by_name {
        Grouping::Name
    } else {
        Grouping::Version
    };
    if owner == "Self" {
        return page_by_key(page, B::KIND, B::VERSION_KEY, grouping, |r, _| {
            Ok(B::from_body(&r.body).and_then(&shown))
        })
        .await;
    }
    let builds = if owner == "Amazon" {
        managed()
    } else {
        Vec::new()
    };
    let best = newest_per_group(builds, |b| grouping.group_of(&b.sort_key()), B::rank);
    let items = best.into_iter().filter_map(shown).collect();
    page_sorted(page, B::VERSION_KEY, items)
}
