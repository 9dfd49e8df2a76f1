//! `--output yaml` (AWS CLI v2).

use serde_json::Value;

pub(crate) fn render(value: &Value) -> String {
    let _ = value;
    String::new()
}
