//! The one pagination mechanism every List operation uses (spec pagination.md §1–§2):
//! `maxResults` (validated by the model, default 25), `nextToken` opened against the
//! request's binding, keyset reads of n+1 items, and a token only when more items exist.

use crate::ctx::Ctx;
use serde_json::Value;
use stepwise_api::arn::SemVer;
use stepwise_api::members::Paged;
pub use stepwise_api::sort_key::SortKey;
use stepwise_api::{ApiError, ApiResult};
use stepwise_store::{Resource, ResourceKind};
use stepwise_token::{CursorReader, CursorWriter, OpCode, Scope};

pub const DEFAULT_PAGE_SIZE: usize = 25;

/// A list request's page size and its opened cursor (if a token was sent).
pub struct PageRequest<'a> {
    pub op: OpCode,
    pub binding: Value,
    pub limit: usize,
    pub token: Option<&'a str>,
    ctx: &'a Ctx<'a>,
}

impl<'a> PageRequest<'a> {
    /// Takes `maxResults` and `nextToken` from a validated input.
    pub fn new(ctx: &'a Ctx<'a>, op: OpCode, binding: Value, input: &'a impl Paged) -> Self {
        let limit = input
            .max_results()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(DEFAULT_PAGE_SIZE);
        let token = input.next_token();
        PageRequest {
            op,
            binding,
            limit,
            token,
            ctx,
        }
    }

    fn scope(&self) -> Scope<'_> {
        Scope::new(
            self.op,
            &self.ctx.tenant.account,
            &self.ctx.tenant.region,
            &self.binding,
        )
    }

    fn now_secs(&self) -> u64 {
        (self.ctx.now() / 1000).max(0) as u64
    }

    /// Opens the request's token (if any) and parses its cursor with `parse`.
    pub fn cursor<T>(
        &self,
        parse: impl FnOnce(&mut CursorReader<'_>) -> ApiResult<T>,
    ) -> ApiResult<Option<T>> {
        match self.token {
            None => Ok(None),
            Some(token) => self
                .ctx
                .state
                .tokens
                .open_with(&self.scope(), token, self.now_secs(), parse)
                .map(Some),
        }
    }

    /// The token whose next page starts after the item whose key `cursor` encodes.
    pub fn seal(&self, cursor: CursorWriter) -> String {
        self.ctx
            .state
            .tokens
            .seal(&self.scope(), self.now_secs(), cursor.as_bytes())
    }

    /// Cuts a peek-ahead read (up to `limit + 1` items) into the page and its token.
    pub fn finish<T>(
        &self,
        mut items: Vec<T>,
        key: impl Fn(&T) -> CursorWriter,
    ) -> (Vec<T>, Option<String>) {
        if items.len() > self.limit {
            items.truncate(self.limit);
            let token = items.last().map(|last| self.seal(key(last)));
            (items, token)
        } else {
            (items, None)
        }
    }
}

/// Which parts the keys of one listing have, so that a cursor can be read back.
#[derive(Debug, Clone, Copy)]
pub struct KeyShape {
    pub ty: bool,
    pub version: bool,
    pub build: bool,
}

impl KeyShape {
    pub const NAME: KeyShape = KeyShape {
        ty: false,
        version: false,
        build: false,
    };
    pub const NAME_VERSION: KeyShape = KeyShape {
        ty: false,
        version: true,
        build: false,
    };
    pub const NAME_VERSION_BUILD: KeyShape = KeyShape {
        ty: false,
        version: true,
        build: true,
    };
    pub const NAME_TYPE_VERSION: KeyShape = KeyShape {
        ty: true,
        version: true,
        build: false,
    };
    pub const NAME_TYPE_VERSION_BUILD: KeyShape = KeyShape {
        ty: true,
        version: true,
        build: true,
    };
}

/// A key as a token's cursor.
fn encode_key(key: &SortKey) -> CursorWriter {
    let mut w = CursorWriter::new().str(&key.name);
    if let Some(t) = key.ty {
        w = w.u8(t);
    }
    if let Some(SemVer(a, b, c)) = key.version {
        w = w.u32(a).u32(b).u32(c);
    }
    if let Some(b) = key.build {
        w = w.u32(b);
    }
    w
}

/// A token's cursor read back as a key of the listing's shape.
fn decode_key(reader: &mut CursorReader<'_>, shape: KeyShape) -> ApiResult<SortKey> {
    let mut key = SortKey::new(reader.str()?);
    if shape.ty {
        key.ty = Some(reader.u8()?);
    }
    if shape.version {
        key.version = Some(SemVer(reader.u32()?, reader.u32()?, reader.u32()?));
    }
    if shape.build {
        key.build = Some(reader.u32()?);
    }
    Ok(key)
}

/// The newest build of each group: what ListWorkflows and ListImages show (one item per
/// version, or per name with `byName`). `group` names an item's group, `rank` orders
/// builds within it (version, then build number).
pub fn newest_per_group<T, K: Ord>(
    items: impl IntoIterator<Item = T>,
    group: impl Fn(&T) -> K,
    rank: impl Fn(&T) -> (SemVer, u32),
) -> Vec<T> {
    let mut best: std::collections::BTreeMap<K, T> = Default::default();
    for item in items {
        let key = group(&item);
        if best.get(&key).is_none_or(|b| rank(&item) > rank(b)) {
            best.insert(key, item);
        }
    }
    best.into_values().collect()
}

/// How the stored resources of a listing become its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// Every resource is an item.
    Each,
    /// The newest build of each version is an item (ListImages, ListWorkflows).
    Version,
    /// The newest build of each name (and workflow type) is an item (`byName`).
    Name,
}

impl Grouping {
    pub fn group_of(self, key: &SortKey) -> SortKey {
        match self {
            Grouping::Each => key.clone(),
            Grouping::Version => SortKey {
                build: None,
                ..key.clone()
            },
            Grouping::Name => SortKey {
                version: None,
                build: None,
                ..key.clone()
            },
        }
    }
}

impl Grouping {
    /// The byte length of the key parts a group leaves out (a build; a version and a build).
    fn group_tail(self) -> usize {
        match self {
            Grouping::Each => 0,
            Grouping::Version => 4,
            Grouping::Name => 16,
        }
    }
}

/// The most stored resources one keyset read fetches for a page.
const MAX_CHUNK: usize = 1000;

/// Pages through the stored resources of `kind` in listing order, reading by key from just
/// after the token's cursor: the cost of a page does not grow with its depth or with the
/// number of resources. `show` turns a group's newest resource (every resource with
/// [`Grouping::Each`]) into an item and its cursor key, or leaves it out (filters).
pub async fn page_by_key<T>(
    request: &PageRequest<'_>,
    kind: ResourceKind,
    shape: KeyShape,
    grouping: Grouping,
    mut show: impl FnMut(Resource, &SortKey) -> ApiResult<Option<(SortKey, T)>>,
) -> ApiResult<(Vec<T>, Option<String>)> {
    let cursor = request.cursor(|r| decode_key(r, shape))?;
    // A grouped listing's cursor names a group (no build): its page starts after every
    // build of that group, whose stored keys end in 4 more bytes.
    let cursor_tail = if grouping == Grouping::Each { 0 } else { 4 };
    let mut after = cursor.map(|k| k.bytes_after_group(cursor_tail));
    // A grouped listing reads one resource per group, its newest (the first in key order),
    // then seeks past the group's other builds, however many there are.
    let chunk = match grouping {
        Grouping::Each => (request.limit + 1).min(MAX_CHUNK),
        _ => 1,
    };
    let ctx = request.ctx;
    let mut items = Vec::with_capacity(request.limit + 1);
    'read: loop {
        let rows = ctx
            .state
            .store
            .list_resources_by_key(&ctx.tenant, kind, after.as_deref(), chunk)
            .await?;
        let exhausted = rows.len() < chunk;
        for resource in rows {
            let key = SortKey::of_arn(&resource.arn).ok_or_else(|| {
                ApiError::internal(format!(
                    "stored ARN without a listing key: {}",
                    resource.arn
                ))
            })?;
            after = Some(match grouping {
                Grouping::Each => key.bytes(),
                _ => grouping
                    .group_of(&key)
                    .bytes_after_group(grouping.group_tail()),
            });
            if let Some(item) = show(resource, &key)? {
                items.push(item);
                if items.len() > request.limit {
                    break 'read;
                }
            }
        }
        if exhausted {
            break;
        }
    }
    let (page, token) = request.finish(items, |(k, _)| encode_key(k));
    Ok((page.into_iter().map(|(_, t)| t).collect(), token))
}

/// Pages through a small in-memory collection on its immutable sort key: sorts, skips to
/// just after the token's cursor, and takes the page.
pub fn page_sorted<T>(
    request: &PageRequest<'_>,
    shape: KeyShape,
    mut items: Vec<(SortKey, T)>,
) -> ApiResult<(Vec<T>, Option<String>)> {
    let after = request.cursor(|r| decode_key(r, shape))?;
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let start = match &after {
        Some(cursor) => items.partition_point(|(k, _)| k <= cursor),
        None => 0,
    };
    let window: Vec<(SortKey, T)> = items
        .into_iter()
        .skip(start)
        .take(request.limit + 1)
        .collect();
    let (page, token) = request.finish(window, |(k, _)| encode_key(k));
    Ok((page.into_iter().map(|(_, t)| t).collect(), token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_builds_sort_newest_first() {
        let mut keys = [
            SortKey::new("a").version(SemVer(1, 0, 0)).build(1),
            SortKey::new("a").version(SemVer(1, 10, 0)).build(1),
            SortKey::new("a").version(SemVer(1, 10, 0)).build(2),
            SortKey::new("0").version(SemVer(9, 0, 0)).build(1),
        ];
        keys.sort();
        assert_eq!(keys[0].name, "0");
        assert_eq!(
            (keys[1].version, keys[1].build),
            (Some(SemVer(1, 10, 0)), Some(2))
        );
        assert_eq!(
            (keys[2].version, keys[2].build),
            (Some(SemVer(1, 10, 0)), Some(1))
        );
        assert_eq!(keys[3].version, Some(SemVer(1, 0, 0)));
    }

    #[test]
    fn keys_round_trip_through_cursors() {
        let key = SortKey::new("web-server")
            .ty(1)
            .version(SemVer(2, 3, 4))
            .build(7);
        let bytes = encode_key(&key).into_bytes();
        let mut reader = CursorReader::new(&bytes);
        let back = decode_key(&mut reader, KeyShape::NAME_TYPE_VERSION_BUILD).unwrap();
        reader.finish().unwrap();
        assert_eq!(back, key);
    }
}
