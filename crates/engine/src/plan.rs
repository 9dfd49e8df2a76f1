//! What an image will run, fixed at CreateImage and stored with the image, so that the
//! engine can pick the build up again after a restart without asking anyone.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One workflow the image runs, with everything resolved at CreateImage time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedWorkflow {
    /// The resolved build ARN (execution records carry it).
    pub workflow_arn: String,
    /// `BUILD`, `TEST` or `DISTRIBUTION`.
    pub workflow_type: String,
    /// The document text, as stored for the workflow build version.
    pub data: String,
    /// Typed parameter values, defaults filled in.
    pub parameters: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
}

/// A component the image's recipe names, resolved at CreateImage to the build it runs,
/// with the phases Image Builder runs (`build`, `validate`, `test`) as its document has them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedComponent {
    /// The component build's ARN.
    pub arn: String,
    pub name: String,
    pub phases: Vec<PlannedPhase>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedPhase {
    pub name: String,
    pub steps: Vec<PlannedComponentStep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedComponentStep {
    pub name: String,
    /// The AWSTOE action module.
    pub action: String,
    /// Simulated seconds the step takes (every operation and iteration of it).
    pub seconds: u64,
    /// `Abort`, `Continue` or `Ignore`.
    pub on_failure: String,
}

/// The stored form of an image: the API's `Image` shape plus the engine's plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageRecord {
    /// The `Image` member of GetImage, exactly as it is shown.
    pub image: Value,
    pub plan: Vec<PlannedWorkflow>,
    /// The recipe's components in recipe order, for its ExecuteComponents steps. Images
    /// stored before components were resolved have none recorded (see
    /// [`crate::components`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<PlannedComponent>>,
}

impl ImageRecord {
    pub fn status(&self) -> &str {
        self.image
            .pointer("/state/status")
            .and_then(Value::as_str)
            .unwrap_or("PENDING")
    }

    pub fn arn(&self) -> &str {
        self.image
            .get("arn")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    pub fn set_status(&mut self, status: &str) {
        let state = self.image.as_object_mut().map(|o| {
            o.entry("state")
                .or_insert_with(|| Value::Object(Map::new()))
        });
        if let Some(Value::Object(state)) = state {
            state.insert("status".into(), Value::String(status.into()));
        }
    }

    pub fn tag(&self, key: &str) -> Option<&str> {
        self.image
            .get("tags")
            .and_then(|t| t.get(key))
            .and_then(Value::as_str)
    }
}

/// The statuses an image build ends in.
pub const TERMINAL_IMAGE_STATUSES: [&str; 3] = ["AVAILABLE", "FAILED", "CANCELLED"];

pub fn is_terminal_image_status(status: &str) -> bool {
    TERMINAL_IMAGE_STATUSES.contains(&status)
}
