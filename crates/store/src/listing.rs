//! The step listing of an execution: every step record's listed members, in document
//! order, packed into one value next to the execution's identity. It is a read model kept
//! in the same transaction as the step rows, so that a page of ListWorkflowStepExecutions
//! is one keyed read and no per-column decoding.
//!
//! Layout: a sequence of entries, each `u32 idx`, `u32 length`, then `length` bytes of
//! fields: strings as `u32 length` + UTF-8 (`u32::MAX` for none), integers as a presence
//! byte + `i64`. Entries are sorted by `idx`. All integers are little-endian.

use crate::{StepRow, StoreError, StoreResult};

const NONE: u32 = u32::MAX;

/// One step as the listing shows it, borrowed from the packed listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepView<'a> {
    pub idx: u32,
    pub id: &'a str,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub action: &'a str,
    pub status: &'a str,
    pub rollback_status: Option<&'a str>,
    pub message: Option<&'a str>,
    pub inputs: Option<&'a str>,
    pub outputs: Option<&'a str>,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub attempt: Option<i64>,
    pub max_attempts: Option<i64>,
}

/// An execution's identity and its packed step listing.
#[derive(Debug, Clone, PartialEq)]
pub struct StepListing {
    pub workflow_arn: String,
    pub image_arn: String,
    packed: Vec<u8>,
}

impl StepListing {
    pub(crate) fn new(workflow_arn: String, image_arn: String, packed: Vec<u8>) -> Self {
        StepListing {
            workflow_arn,
            image_arn,
            packed,
        }
    }

    /// Up to `limit` steps whose index is greater than `after`, in document order.
    pub fn page(&self, after: Option<u32>, limit: usize) -> StoreResult<Vec<StepView<'_>>> {
        let mut out = Vec::with_capacity(limit.min(128));
        for entry in Entries::new(&self.packed) {
            let (idx, body) = entry?;
            if after.is_some_and(|a| idx <= a) {
                continue;
            }
            if out.len() == limit {
                break;
            }
            out.push(decode_view(idx, body)?);
        }
        Ok(out)
    }
}

struct Entries<'a> {
    rest: &'a [u8],
}

impl<'a> Entries<'a> {
    fn new(packed: &'a [u8]) -> Self {
        Entries { rest: packed }
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = StoreResult<(u32, &'a [u8])>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let entry = (|| {
            let idx = take_u32(&mut self.rest)?;
            let len = take_u32(&mut self.rest)? as usize;
            let body = take(&mut self.rest, len)?;
            Ok((idx, body))
        })();
        if entry.is_err() {
            self.rest = &[];
        }
        Some(entry)
    }
}

fn corrupt() -> StoreError {
    StoreError::Corrupt("a step listing is truncated".into())
}

fn take<'a>(rest: &mut &'a [u8], n: usize) -> StoreResult<&'a [u8]> {
    if rest.len() < n {
        return Err(corrupt());
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Ok(head)
}

fn take_u32(rest: &mut &[u8]) -> StoreResult<u32> {
    let b = take(rest, 4)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn take_str<'a>(rest: &mut &'a [u8]) -> StoreResult<Option<&'a str>> {
    let len = take_u32(rest)?;
    if len == NONE {
        return Ok(None);
    }
    let bytes = take(rest, len as usize)?;
    std::str::from_utf8(bytes).map(Some).map_err(|_| corrupt())
}

fn take_req_str<'a>(rest: &mut &'a [u8]) -> StoreResult<&'a str> {
    take_str(rest)?.ok_or_else(corrupt)
}

fn take_int(rest: &mut &[u8]) -> StoreResult<Option<i64>> {
    let flag = take(rest, 1)?[0];
    let b = take(rest, 8)?;
    let v = i64::from_le_bytes(b.try_into().map_err(|_| corrupt())?);
    Ok((flag == 1).then_some(v))
}

fn decode_view(idx: u32, mut body: &[u8]) -> StoreResult<StepView<'_>> {
    let rest = &mut body;
    Ok(StepView {
        idx,
        id: take_req_str(rest)?,
        name: take_req_str(rest)?,
        description: take_str(rest)?,
        action: take_req_str(rest)?,
        status: take_req_str(rest)?,
        rollback_status: take_str(rest)?,
        message: take_str(rest)?,
        inputs: take_str(rest)?,
        outputs: take_str(rest)?,
        start_ms: take_int(rest)?.unwrap_or_default(),
        end_ms: take_int(rest)?,
        attempt: take_int(rest)?,
        max_attempts: take_int(rest)?,
    })
}

fn put_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.extend_from_slice(&NONE.to_le_bytes()),
        Some(s) => {
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
    }
}

fn put_int(out: &mut Vec<u8>, v: Option<i64>) {
    out.push(u8::from(v.is_some()));
    out.extend_from_slice(&v.unwrap_or_default().to_le_bytes());
}

fn encode_entry(step: &StepRow) -> Vec<u8> {
    let mut body = Vec::with_capacity(256);
    put_str(&mut body, Some(&step.id));
    put_str(&mut body, Some(&step.name));
    put_str(&mut body, step.description.as_deref());
    put_str(&mut body, Some(&step.action));
    put_str(&mut body, Some(&step.status));
    put_str(&mut body, step.rollback_status.as_deref());
    put_str(&mut body, step.message.as_deref());
    put_str(&mut body, step.inputs.as_deref());
    put_str(&mut body, step.outputs.as_deref());
    put_int(&mut body, Some(step.start_ms));
    put_int(&mut body, step.end_ms);
    put_int(&mut body, step.attempt);
    put_int(&mut body, step.max_attempts);
    body
}

/// `packed` with the entry of `step` inserted or replaced, keeping index order.
pub(crate) fn upsert(packed: &[u8], step: &StepRow) -> StoreResult<Vec<u8>> {
    let idx =
        u32::try_from(step.idx).map_err(|_| StoreError::Corrupt("negative step index".into()))?;
    let new_body = encode_entry(step);
    let mut out = Vec::with_capacity(packed.len() + new_body.len() + 8);
    let mut written = false;
    let push = |out: &mut Vec<u8>, i: u32, body: &[u8]| {
        out.extend_from_slice(&i.to_le_bytes());
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(body);
    };
    for entry in Entries::new(packed) {
        let (i, body) = entry?;
        if !written && i >= idx {
            push(&mut out, idx, &new_body);
            written = true;
            if i == idx {
                continue;
            }
        }
        push(&mut out, i, body);
    }
    if !written {
        push(&mut out, idx, &new_body);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(idx: i64, status: &str, outputs: Option<&str>) -> StepRow {
        StepRow {
            id: format!("step-{idx}"),
            execution_id: "wf-1".into(),
            idx,
            name: format!("Step{idx}"),
            description: (idx % 2 == 0).then(|| "é ünïcode".to_string()),
            action: "RunCommand".into(),
            status: status.into(),
            rollback_status: None,
            message: None,
            inputs: Some(r#"{"a": 1}"#.into()),
            outputs: outputs.map(str::to_string),
            start_ms: 1_767_225_600_000 + idx,
            end_ms: (status != "RUNNING").then_some(1_767_225_600_500),
            attempt: Some(1),
            max_attempts: Some(3),
            on_failure: "Abort".into(),
            timeout_seconds: 60,
            wait_seq: None,
        }
    }

    #[test]
    fn upserts_keep_index_order_and_replace_in_place() {
        let mut packed = Vec::new();
        for idx in [0, 2, 1] {
            packed = upsert(&packed, &row(idx, "RUNNING", None)).unwrap();
        }
        packed = upsert(&packed, &row(1, "COMPLETED", Some(r#"{"x": "y"}"#))).unwrap();
        let listing = StepListing::new("wf-arn".into(), "image-arn".into(), packed);
        let all = listing.page(None, 10).unwrap();
        assert_eq!(all.iter().map(|v| v.idx).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(all[1].status, "COMPLETED");
        assert_eq!(all[1].outputs, Some(r#"{"x": "y"}"#));
        assert_eq!(all[1].end_ms, Some(1_767_225_600_500));
        assert_eq!(all[0].description, Some("é ünïcode"));
        assert_eq!(all[2].end_ms, None);
        assert_eq!(listing.page(Some(0), 1).unwrap()[0].idx, 1);
        assert!(listing.page(Some(2), 5).unwrap().is_empty());
    }

    #[test]
    fn truncated_listings_are_reported_not_read() {
        let packed = upsert(&[], &row(0, "RUNNING", None)).unwrap();
        let listing = StepListing::new(
            String::new(),
            String::new(),
            packed[..packed.len() - 3].to_vec(),
        );
        assert!(listing.page(None, 10).is_err());
    }
}
