//! The one pagination mechanism every List operation uses (spec pagination.md §1–§2):
//! `maxResults` (validated by the model, default 25), `nextToken` opened against the
//! request's binding, keyset reads of n+1 items, and a token only when more items exist.

use crate::protocol::Ctx;
use serde_json::Value;
use std::cmp::Ordering;
use stepwise_api::ApiResult;
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
    /// Reads `maxResults` and `nextToken` from a validated input.
    pub fn new(ctx: &'a Ctx<'a>, op: OpCode, binding: Value, input: &'a Value) -> Self {
        let limit = input
            .get("maxResults")
            .and_then(Value::as_u64)
            .map(|n| n as usize)
            .unwrap_or(DEFAULT_PAGE_SIZE);
        let token = input.get("nextToken").and_then(Value::as_str);
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

/// One part of an in-memory sort key; `Desc` parts order descending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPart {
    Str(String),
    U8(u8),
    Desc(u32),
}

impl PartialOrd for KeyPart {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for KeyPart {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (KeyPart::Str(a), KeyPart::Str(b)) => a.cmp(b),
            (KeyPart::U8(a), KeyPart::U8(b)) => a.cmp(b),
            (KeyPart::Desc(a), KeyPart::Desc(b)) => b.cmp(a),
            _ => Ordering::Equal,
        }
    }
}

fn encode_key(key: &[KeyPart]) -> CursorWriter {
    key.iter().fold(CursorWriter::new(), |w, part| match part {
        KeyPart::Str(s) => w.str(s),
        KeyPart::U8(v) => w.u8(*v),
        KeyPart::Desc(v) => w.u32(*v),
    })
}

fn decode_key(reader: &mut CursorReader<'_>, layout: &[KeyPart]) -> ApiResult<Vec<KeyPart>> {
    layout
        .iter()
        .map(|kind| {
            Ok(match kind {
                KeyPart::Str(_) => KeyPart::Str(reader.str()?.to_string()),
                KeyPart::U8(_) => KeyPart::U8(reader.u8()?),
                KeyPart::Desc(_) => KeyPart::Desc(reader.u32()?),
            })
        })
        .collect()
}

/// Pages through a small in-memory collection on its immutable sort key: sorts, skips to
/// just after the token's cursor, and takes the page. `layout` gives the key's shape.
pub fn page_sorted<T>(
    request: &PageRequest<'_>,
    layout: &[KeyPart],
    mut items: Vec<(Vec<KeyPart>, T)>,
) -> ApiResult<(Vec<T>, Option<String>)> {
    let after = request.cursor(|r| decode_key(r, layout))?;
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let start = match &after {
        Some(cursor) => items.partition_point(|(k, _)| k <= cursor),
        None => 0,
    };
    let window: Vec<(Vec<KeyPart>, T)> = items
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
    fn desc_parts_sort_descending() {
        let mut keys = [
            vec![KeyPart::Str("a".into()), KeyPart::Desc(1)],
            vec![KeyPart::Str("a".into()), KeyPart::Desc(3)],
            vec![KeyPart::Str("0".into()), KeyPart::Desc(2)],
        ];
        keys.sort();
        assert_eq!(keys[0][0], KeyPart::Str("0".into()));
        assert_eq!(keys[1][1], KeyPart::Desc(3));
        assert_eq!(keys[2][1], KeyPart::Desc(1));
    }
}
