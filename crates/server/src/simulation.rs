//! One workflow document run offline, exactly as the service would run it
//! (`stepwise simulate`). The document goes through the service's own operations
//! (CreateWorkflow, CreateImage) on a throwaway store, the engine runs the build on a
//! virtual clock, and the records are read back with GetWorkflowExecution and
//! GetWorkflowStepExecution: validation messages, parameter binding, execution and
//! rendering are the service's, with no server and no waiting.

use crate::ctx::Ctx;
use crate::handlers::{self, Reply};
use crate::state::{AppState, ServerConfig};
use serde_json::{json, Value};
use std::sync::Arc;
use stepwise_api::time::{Clock, ManualClock, MovableClock, SystemClock};
use stepwise_api::{operations, ApiError};
use stepwise_engine::faults::FaultFile;
use stepwise_engine::{Engine, WaitPolicy};
use stepwise_store::{SqliteStore, Store, Tenant};
use stepwise_token::{Keys, TokenCodec};
use stepwise_workflow::WorkflowType;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The workflow document (YAML or JSON), as CreateWorkflow's `data`.
    pub data: String,
    pub workflow_type: WorkflowType,
    /// Runtime parameters, in order; a name given more than once makes a list value.
    pub parameters: Vec<(String, String)>,
    /// Fault tags on the image (`stepwise:fail:<Step>` and the like), as a user of the
    /// service would set them.
    pub tags: Vec<(String, String)>,
    /// Server-wide fault rules, as `stepwise serve --fault-file`.
    pub faults: FaultFile,
    /// How steps that wait for action are answered.
    pub wait_policy: WaitPolicy,
    /// The quota on steps per document, as `stepwise serve --max-steps-per-workflow`.
    pub max_steps: usize,
}

/// Why a simulation did not run.
#[derive(Debug, thiserror::Error)]
pub enum SimulationError {
    /// The service refused the document or the parameters, as it would on AWS.
    #[error("An error occurred ({}) when calling the {operation} operation: {}", error.kind.type_name(), error.message)]
    Refused {
        operation: &'static str,
        error: ApiError,
    },
    #[error("{0}")]
    Internal(String),
}

/// The execution as the service recorded it.
#[derive(Debug, Clone)]
pub struct Report {
    /// GetWorkflowExecution's output.
    pub execution: Value,
    /// GetWorkflowStepExecution's output for each step, in listing order.
    pub steps: Vec<Value>,
}

/// The account and region a simulation acts in.
const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
const REQUEST_ID: &str = "00000000-0000-4000-8000-000000000000";

/// A service on a throwaway store and a virtual clock, for one offline run.
struct Scratch {
    state: AppState,
    /// Keeps the store's directory until the run ends.
    _dir: tempfile::TempDir,
}

impl Scratch {
    fn new(
        wait_policy: WaitPolicy,
        faults: FaultFile,
        max_steps: usize,
    ) -> Result<Scratch, SimulationError> {
        let dir = tempfile::tempdir().map_err(|e| {
            SimulationError::Internal(format!("cannot create a scratch store: {e}"))
        })?;
        let store: Arc<dyn Store> = Arc::new(
            SqliteStore::open(dir.path().join(crate::DATABASE_FILE)).map_err(|e| {
                SimulationError::Internal(format!("cannot open a scratch store: {e}"))
            })?,
        );
        let clock = ManualClock::new(SystemClock.now_millis());
        let state = AppState {
            store: store.clone(),
            engine: Engine::simulated(store, clock.clone(), wait_policy, faults),
            clock: Arc::new(MovableClock::new(Arc::new(clock), 0)),
            tokens: Arc::new(TokenCodec::with_default_ttl(Keys::single(1, [0; 32]))),
            schedules: Default::default(),
            config: Arc::new(ServerConfig {
                account_id: ACCOUNT.into(),
                default_region: REGION.into(),
                max_steps_per_workflow: max_steps,
                ..ServerConfig::default()
            }),
        };
        Ok(Scratch { state, _dir: dir })
    }

    async fn close(self) {
        let _ = self.state.store.close().await;
    }
}

/// Runs `sim` to the end of its workflow execution.
pub async fn simulate(sim: &Simulation) -> Result<Report, SimulationError> {
    let scratch = Scratch::new(sim.wait_policy, sim.faults.clone(), sim.max_steps)?;
    let service = Service {
        state: &scratch.state,
    };
    let report = service.run(sim).await;
    scratch.close().await;
    report
}

/// A document to check offline (`stepwise validate`).
#[derive(Debug, Clone)]
pub enum Document {
    /// A workflow document, as CreateWorkflow's `data` for a workflow of this type.
    Workflow {
        data: String,
        workflow_type: WorkflowType,
        max_steps: usize,
    },
    /// A component document, as CreateComponent's `data` for a component of this platform.
    Component { data: String, platform: String },
}

/// Checks a document exactly as CreateWorkflow or CreateComponent would: the service's own
/// operation runs on a scratch store with `dryRun`, so the model's limits and the
/// document's rules are the service's, and so is every message.
pub async fn validate_document(document: &Document) -> Result<(), SimulationError> {
    let max_steps = match document {
        Document::Workflow { max_steps, .. } => *max_steps,
        Document::Component { .. } => stepwise_workflow::DEFAULT_MAX_STEPS,
    };
    let scratch = Scratch::new(WaitPolicy::TimeOut, FaultFile::default(), max_steps)?;
    let service = Service {
        state: &scratch.state,
    };
    let (operation, input) = match document {
        Document::Workflow {
            data,
            workflow_type,
            ..
        } => (
            "CreateWorkflow",
            json!({"name": "validated", "semanticVersion": "1.0.0",
                   "type": workflow_type.as_str(), "data": data,
                   "clientToken": "validate", "dryRun": true}),
        ),
        Document::Component { data, platform } => (
            "CreateComponent",
            json!({"name": "validated", "semanticVersion": "1.0.0", "platform": platform,
                   "data": data, "clientToken": "validate", "dryRun": true}),
        ),
    };
    let outcome = service.call(operation, input).await;
    scratch.close().await;
    match outcome {
        Err(SimulationError::Refused { error, .. })
            if error.kind == stepwise_api::ErrorKind::DryRunOperation =>
        {
            Ok(())
        }
        Err(e) => Err(e),
        Ok(_) => Err(SimulationError::Internal(format!(
            "{operation} with dryRun created something"
        ))),
    }
}

struct Service<'a> {
    state: &'a AppState,
}

impl Service<'_> {
    async fn call(&self, operation: &'static str, input: Value) -> Result<Value, SimulationError> {
        let op = operations::by_name(operation)
            .ok_or_else(|| SimulationError::Internal(format!("no operation {operation}")))?;
        let ctx = Ctx {
            state: self.state,
            op,
            tenant: Tenant::new(ACCOUNT, REGION),
            request_id: REQUEST_ID,
        };
        let refused = |error| SimulationError::Refused { operation, error };
        match handlers::handle(&ctx, input).await.map_err(refused)? {
            Reply::Value(v) => Ok(v),
            Reply::Serialized(body) => serde_json::from_str(&body)
                .map_err(|e| SimulationError::Internal(format!("{operation} output: {e}"))),
        }
    }

    fn member(v: &Value, key: &str) -> Result<String, SimulationError> {
        v.get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| SimulationError::Internal(format!("no {key} in the output")))
    }

    async fn run(&self, sim: &Simulation) -> Result<Report, SimulationError> {
        let workflow = self
            .call(
                "CreateWorkflow",
                json!({
                    "name": "simulated",
                    "semanticVersion": "1.0.0",
                    "type": sim.workflow_type.as_str(),
                    "data": sim.data,
                    "clientToken": "simulate-workflow",
                }),
            )
            .await?;
        let workflow_arn = Self::member(&workflow, "workflowBuildVersionArn")?;
        let recipe = self.call(
            "CreateImageRecipe",
            json!({
                "name": "simulated",
                "semanticVersion": "1.0.0",
                "parentImage": format!("arn:aws:imagebuilder:{REGION}:aws:image/amazon-linux-2023-x86/x.x.x"),
                // One build and one test component, so ExecuteComponents has work in both.
                "components": [
                    {"componentArn": format!("arn:aws:imagebuilder:{REGION}:aws:component/update-linux/x.x.x")},
                    {"componentArn": format!("arn:aws:imagebuilder:{REGION}:aws:component/reboot-test-linux/x.x.x")},
                ],
                "clientToken": "simulate-recipe",
            }),
        ).await?;
        let infrastructure = self
            .call(
                "CreateInfrastructureConfiguration",
                json!({
                    "name": "simulated",
                    "instanceProfileName": "EC2InstanceProfileForImageBuilder",
                    "clientToken": "simulate-infrastructure",
                }),
            )
            .await?;
        let mut parameters: Vec<(String, Vec<String>)> = Vec::new();
        for (name, value) in &sim.parameters {
            match parameters.iter_mut().find(|(n, _)| n == name) {
                Some((_, values)) => values.push(value.clone()),
                None => parameters.push((name.clone(), vec![value.clone()])),
            }
        }
        let mut config = json!({ "workflowArn": workflow_arn });
        if !parameters.is_empty() {
            config["parameters"] = parameters
                .iter()
                .map(|(name, value)| json!({"name": name, "value": value}))
                .collect();
        }
        let tags: serde_json::Map<String, Value> = sim
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let mut create = json!({
            "imageRecipeArn": Self::member(&recipe, "imageRecipeArn")?,
            "infrastructureConfigurationArn":
                Self::member(&infrastructure, "infrastructureConfigurationArn")?,
            "workflows": [config],
            "clientToken": "simulate-image",
        });
        if !tags.is_empty() {
            create["tags"] = Value::Object(tags);
        }
        let image = self.call("CreateImage", create).await?;
        let image_arn = Self::member(&image, "imageBuildVersionArn")?;
        let tenant = Tenant::new(ACCOUNT, REGION);
        self.state
            .engine
            .run_to_end(&tenant, &image_arn)
            .await
            .map_err(|e| SimulationError::Internal(format!("the build stopped: {e}")))?;
        let executions = self
            .call(
                "ListWorkflowExecutions",
                json!({ "imageBuildVersionArn": image_arn }),
            )
            .await?;
        let execution_id = executions
            .get("workflowExecutions")
            .and_then(Value::as_array)
            .and_then(|list| {
                list.iter()
                    .find(|e| e.get("workflowBuildVersionArn") == Some(&json!(workflow_arn)))
            })
            .map(|e| Self::member(e, "workflowExecutionId"))
            .transpose()?
            .ok_or_else(|| SimulationError::Internal("the workflow never started".into()))?;
        let execution = self
            .call(
                "GetWorkflowExecution",
                json!({ "workflowExecutionId": execution_id }),
            )
            .await?;
        let mut steps = Vec::new();
        let mut next_token: Option<String> = None;
        loop {
            let mut input = json!({ "workflowExecutionId": execution_id, "maxResults": 100 });
            if let Some(t) = &next_token {
                input["nextToken"] = json!(t);
            }
            let page = self.call("ListWorkflowStepExecutions", input).await?;
            for item in page
                .get("steps")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let id = Self::member(item, "stepExecutionId")?;
                steps.push(
                    self.call("GetWorkflowStepExecution", json!({ "stepExecutionId": id }))
                        .await?,
                );
            }
            next_token = page
                .get("nextToken")
                .and_then(Value::as_str)
                .map(str::to_string);
            if next_token.is_none() {
                break;
            }
        }
        Ok(Report {
            execution: without_request_id(execution),
            steps: steps.into_iter().map(without_request_id).collect(),
        })
    }
}

fn without_request_id(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("requestId");
    }
    v
}
