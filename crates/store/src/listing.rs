//! The step listing of an execution: every step record's `WorkflowStepMetadata` item,
//! rendered (by `stepwise_api::render`), in document order, packed into one value next to
//! the execution's identity. It is a read model kept in the same transaction as the step
//! rows, so a page of ListWorkflowStepExecutions is one keyed read and a concatenation.
//!
//! Layout: a sequence of entries `u32 idx`, `u32 length`, `length` bytes of UTF-8 JSON,
//! sorted by `idx`; integers little-endian.

use crate::{StepRow, StoreError, StoreResult};
use stepwise_api::render::StepMetadata;

/// One listed step: its index and its rendered item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListedStep<'a> {
    pub idx: u32,
    pub json: &'a str,
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
    pub fn page(&self, after: Option<u32>, limit: usize) -> StoreResult<Vec<ListedStep<'_>>> {
        let mut out = Vec::with_capacity(limit.min(128));
        for entry in (Entries { rest: &self.packed }) {
            let (idx, body) = entry?;
            if after.is_some_and(|a| idx <= a) {
                continue;
            }
            if out.len() == limit {
                break;
            }
            let json = std::str::from_utf8(body).map_err(|_| corrupt())?;
            out.push(ListedStep { idx, json });
        }
        Ok(out)
    }
}

struct Entries<'a> {
    rest: &'a [u8],
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
            if self.rest.len() < len {
                return Err(corrupt());
            }
            let (body, tail) = self.rest.split_at(len);
            self.rest = tail;
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

fn take_u32(rest: &mut &[u8]) -> StoreResult<u32> {
    if rest.len() < 4 {
        return Err(corrupt());
    }
    let (head, tail) = rest.split_at(4);
    *rest = tail;
    Ok(u32::from_le_bytes([head[0], head[1], head[2], head[3]]))
}

fn render(step: &StepRow) -> String {
    StepMetadata {
        step_execution_id: &step.id,
        name: &step.name,
        description: step.description.as_deref(),
        action: &step.action,
        status: &step.status,
        rollback_status: step.rollback_status.as_deref(),
        message: step.message.as_deref(),
        inputs: step.inputs.as_deref(),
        outputs: step.outputs.as_deref(),
        start_time: step.start_ms,
        end_time: step.end_ms,
        attempt_number: step.attempt,
        max_attempts: step.max_attempts,
    }
    .render()
}

/// `packed` with the entry of `step` inserted or replaced, keeping index order.
pub(crate) fn upsert(packed: &[u8], step: &StepRow) -> StoreResult<Vec<u8>> {
    let idx =
        u32::try_from(step.idx).map_err(|_| StoreError::Corrupt("negative step index".into()))?;
    let item = render(step);
    let mut out = Vec::with_capacity(packed.len() + item.len() + 8);
    let push = |out: &mut Vec<u8>, i: u32, body: &[u8]| {
        out.extend_from_slice(&i.to_le_bytes());
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(body);
    };
    let mut written = false;
    for entry in (Entries { rest: packed }) {
        let (i, body) = entry?;
        if !written && i >= idx {
            push(&mut out, idx, item.as_bytes());
            written = true;
            if i == idx {
                continue;
            }
        }
        push(&mut out, i, body);
    }
    if !written {
        push(&mut out, idx, item.as_bytes());
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

    fn parsed(step: &ListedStep<'_>) -> serde_json::Value {
        serde_json::from_str(step.json).unwrap()
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
        let second = parsed(&all[1]);
        assert_eq!(second["status"], "COMPLETED");
        assert_eq!(second["outputs"], r#"{"x": "y"}"#);
        assert_eq!(second["endTime"], "2026-01-01T00:00:00.500Z");
        assert_eq!(parsed(&all[0])["description"], "é ünïcode");
        assert!(parsed(&all[2]).get("endTime").is_none());
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
