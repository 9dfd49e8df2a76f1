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
use stepwise_api::time::{Clock, ManualClock, SystemClock};
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

/// Runs `sim` to the end of its workflow execution.
pub async fn simulate(sim: &Simulation) -> Result<Report, SimulationError> {
    let dir = tempfile::tempdir()
        .map_err(|e| SimulationError::Internal(format!("cannot create a scratch store: {e}")))?;
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(dir.path().join(crate::DATABASE_FILE))
            .map_err(|e| SimulationError::Internal(format!("cannot open a scratch store: {e}")))?,
    );
    let clock = ManualClock::new(SystemClock.now_millis());
    let state = AppState {
        store: store.clone(),
        engine: Engine::simulated(store, clock.clone(), sim.wait_policy, sim.faults.clone()),
        clock: Arc::new(clock),
        tokens: Arc::new(TokenCodec::with_default_ttl(Keys::single(1, [0; 32]))),
        config: Arc::new(ServerConfig {
            account_id: ACCOUNT.into(),
            default_region: REGION.into(),
            max_steps_per_workflow: sim.max_steps,
            ..ServerConfig::default()
        }),
    };
    let service = Service { state: &state };
    let report = service.run(sim).await;
    let _ = state.store.close().await;
    report
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
