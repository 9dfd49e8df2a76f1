//! `stepwise seed`: fills a store with finished image builds, shaped as the engine leaves
//! them (an AVAILABLE image, COMPLETED workflow executions, COMPLETED step executions with
//! Python-layout `inputs`/`outputs`), for demos and for the load benchmark (`scripts/bench`).
//!
//! Rows go through the store's ordinary `apply`, many thousands to a transaction: one
//! commit (and one fsync) per batch is what makes a million step records take seconds.

use crate::serve::default_data_dir;
use clap::Args;
use rand::Rng;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use stepwise_api::arn::{self, Arn};
use stepwise_api::time::{format_millis, Clock, SystemClock};
use stepwise_api::{ids, pyjson};
use stepwise_engine::{ImageRecord, PlannedWorkflow};
use stepwise_store::{ResourceKind, SqliteStore, StepRow, Tenant, WorkflowExecutionRow, Write};

pub const LONG_ABOUT: &str = "\
Fills a store with finished image builds: for each image, one BUILD workflow execution and \
(executions-per-image - 1) TEST workflow executions, every one COMPLETED with \
steps-per-execution COMPLETED step executions, shaped as `stepwise serve` records a real \
build (image AVAILABLE with its output AMI, step inputs and outputs as AWS shows them, \
realistic start and end times spread over the last --days days). The workflows, image \
recipes and infrastructure configuration the images refer to are stored too, so GetImage, \
GetWorkflow, ListWorkflowExecutions and ListWorkflowStepExecutions all answer on the seeded data.

Stop the server that uses the data directory first: one process at a time holds a store, \
so seeding a store that a server holds is refused.

Rows are committed --batch-rows at a time (one transaction each). Seeding into a store that \
already holds images adds new build versions after the existing ones.

Example (the benchmark's size, 100,000 executions and 1,000,000 steps):
  stepwise seed --data-dir /tmp/demo --images 25000 --executions-per-image 4 \\
      --steps-per-execution 10 --ids-out /tmp/demo/execution-ids.txt";

#[derive(Args, Debug)]
pub struct SeedArgs {
    /// Directory of the SQLite store (created if missing) [default: the per-user data
    /// directory, as for `serve`].
    #[arg(long, env = "STEPWISE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// Image build versions to create.
    #[arg(long, default_value_t = 25_000)]
    pub images: u64,

    /// Workflow executions per image: one BUILD, the rest TEST (at most 10 workflows per image).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=10))]
    pub executions_per_image: u32,

    /// Step executions per workflow execution (launch, the work, create/collect, terminate).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(3..=15))]
    pub steps_per_execution: u32,

    /// The 12-digit account the data belongs to (use the same one for `serve`).
    #[arg(long, env = "STEPWISE_ACCOUNT_ID", default_value = "123456789012", value_parser = parse_account)]
    pub account_id: String,

    /// The region the data belongs to (requests signed for another region will not see it).
    #[arg(long, env = "STEPWISE_DEFAULT_REGION", default_value = "us-east-1")]
    pub region: String,

    /// Build dates are spread over this many days up to now.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: u32,

    /// Rows (images, executions and steps) committed per transaction.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub batch_rows: u64,

    /// Also write every seeded workflow execution id to this file, one per line (the load
    /// generator's input).
    #[arg(long)]
    pub ids_out: Option<PathBuf>,
}

fn parse_account(s: &str) -> Result<String, String> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_string())
    } else {
        Err("an account id is 12 digits".into())
    }
}

pub fn run(args: SeedArgs) -> ExitCode {
    match seed(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---- the actions the seeded documents use ---------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    LaunchInstance,
    ExecuteComponents,
    RunCommand,
    WaitForSsmAgent,
    CollectImageMetadata,
    SanitizeInstance,
    CreateImage,
    TerminateInstance,
}

impl Act {
    fn name(self) -> &'static str {
        match self {
            Act::LaunchInstance => "LaunchInstance",
            Act::ExecuteComponents => "ExecuteComponents",
            Act::RunCommand => "RunCommand",
            Act::WaitForSsmAgent => "WaitForSSMAgent",
            Act::CollectImageMetadata => "CollectImageMetadata",
            Act::SanitizeInstance => "SanitizeInstance",
            Act::CreateImage => "CreateImage",
            Act::TerminateInstance => "TerminateInstance",
        }
    }

    /// The action's default `timeoutSeconds` (the workflow crate's action table).
    fn default_timeout(self) -> i64 {
        match self {
            Act::LaunchInstance => 4500,
            Act::ExecuteComponents | Act::RunCommand | Act::CreateImage => 43200,
            Act::WaitForSsmAgent | Act::SanitizeInstance => 3600,
            Act::CollectImageMetadata | Act::TerminateInstance => 1800,
        }
    }

    /// Simulated seconds the action takes (the engine's `simulate::default_duration`).
    fn duration_secs(self) -> i64 {
        match self {
            Act::LaunchInstance => 60,
            Act::ExecuteComponents => 300,
            Act::CreateImage => 240,
            Act::TerminateInstance => 20,
            Act::RunCommand
            | Act::WaitForSsmAgent
            | Act::CollectImageMetadata
            | Act::SanitizeInstance => 30,
        }
    }
}

/// One step of a seeded workflow document.
#[derive(Debug, Clone, Copy)]
struct StepTemplate {
    name: &'static str,
    action: Act,
    description: Option<&'static str>,
    /// The shell command of a RunCommand step.
    command: Option<&'static str>,
    continue_on_failure: bool,
}

const fn step(name: &'static str, action: Act) -> StepTemplate {
    StepTemplate {
        name,
        action,
        description: None,
        command: None,
        continue_on_failure: false,
    }
}

const fn shell(
    name: &'static str,
    description: &'static str,
    command: &'static str,
) -> StepTemplate {
    StepTemplate {
        name,
        action: Act::RunCommand,
        description: Some(description),
        command: Some(command),
        continue_on_failure: false,
    }
}

/// Middle steps of the BUILD document, taken in order (15 steps = launch + 12 + 2).
const BUILD_MIDDLE: [StepTemplate; 12] = [
    step("ApplyBuildComponents", Act::ExecuteComponents),
    shell("InstallCloudWatchAgent", "Installs and enables the CloudWatch agent.",
          "sudo dnf install -y amazon-cloudwatch-agent && sudo systemctl enable amazon-cloudwatch-agent"),
    shell("InstallSecurityPatches", "Applies pending security updates.", "sudo dnf update -y --security"),
    step("InventoryCollection", Act::CollectImageMetadata),
    shell("HardenSshConfig", "Disables password logins over SSH.",
          "sudo sed -i 's/^#*PasswordAuthentication.*/PasswordAuthentication no/' /etc/ssh/sshd_config"),
    step("WaitForAgentAfterReboot", Act::WaitForSsmAgent),
    shell("ConfigureTimeSync", "Points chrony at the Amazon Time Sync Service.",
          "sudo systemctl enable --now chronyd"),
    shell("InstallRuntime", "Installs the application runtime.", "sudo dnf install -y java-21-amazon-corretto-headless"),
    shell("WarmPackageCache", "Pre-fetches the packages the service installs at boot.", "sudo dnf makecache"),
    shell("VerifyServices", "Checks that the services the image needs are enabled.",
          "systemctl is-enabled amazon-ssm-agent amazon-cloudwatch-agent chronyd"),
    shell("WriteBuildManifest", "Records the package list of the image.", "rpm -qa | sort > /etc/image-manifest.txt"),
    step("RunSanitizeScript", Act::SanitizeInstance),
];

/// Middle steps of a TEST document, taken in order (15 steps = launch + 13 + 1).
const TEST_MIDDLE: [StepTemplate; 13] = [
    step("ApplyTestComponents", Act::ExecuteComponents),
    shell(
        "CheckBootTime",
        "Fails when boot took longer than two minutes.",
        "systemd-analyze time",
    ),
    shell(
        "CheckOpenPorts",
        "Lists listening sockets for the audit log.",
        "sudo ss -ltnp",
    ),
    step("WaitForSsmAgentReady", Act::WaitForSsmAgent),
    shell(
        "RunSmokeTests",
        "Runs the service's smoke tests.",
        "sudo /opt/app/bin/smoke-test --quick",
    ),
    shell(
        "CheckDiskLayout",
        "Verifies the root volume layout.",
        "lsblk -o NAME,SIZE,MOUNTPOINT",
    ),
    shell(
        "CheckKernelVersion",
        "Records the running kernel.",
        "uname -r",
    ),
    shell(
        "VerifyCloudWatchAgent",
        "Checks that the CloudWatch agent is running.",
        "systemctl is-active amazon-cloudwatch-agent",
    ),
    shell(
        "CheckTimeSync",
        "Checks that the clock is synchronised.",
        "chronyc tracking",
    ),
    shell(
        "RunSecurityScan",
        "Runs the CIS level 1 checks.",
        "sudo /opt/audit/cis-check --level 1",
    ),
    shell(
        "CheckSshConfig",
        "Verifies that password logins are disabled.",
        "sudo sshd -T",
    ),
    shell(
        "CollectTestReports",
        "Copies the test reports to the log bucket.",
        "sudo /opt/app/bin/upload-reports",
    ),
    shell(
        "CheckPackageManifest",
        "Compares the package list with the build manifest.",
        "rpm -qa | sort | diff - /etc/image-manifest.txt",
    ),
];

/// A workflow the seeded images run, with its document and steps.
struct SeedWorkflow {
    ty: &'static str,
    arn: String,
    name: String,
    data: String,
    steps: Vec<StepTemplate>,
    body: Value,
}

fn build_steps(m: usize) -> Vec<StepTemplate> {
    let mut steps = vec![step("LaunchBuildInstance", Act::LaunchInstance)];
    steps.extend(BUILD_MIDDLE.iter().take(m - 3).copied());
    steps.push(step("CreateOutputAMI", Act::CreateImage));
    let mut terminate = step("TerminateBuildInstance", Act::TerminateInstance);
    terminate.continue_on_failure = true;
    steps.push(terminate);
    steps
}

fn test_steps(m: usize) -> Vec<StepTemplate> {
    let mut steps = vec![step("LaunchTestInstance", Act::LaunchInstance)];
    steps.extend(TEST_MIDDLE.iter().take(m - 2).copied());
    let mut terminate = step("TerminateTestInstance", Act::TerminateInstance);
    terminate.continue_on_failure = true;
    steps.push(terminate);
    steps
}

/// The YAML document of `steps`, in the layout of the managed workflows.
fn document(name: &str, description: &str, steps: &[StepTemplate], build: bool) -> String {
    let launch = steps[0].name;
    let mut out =
        format!("name: {name}\ndescription: {description}\nschemaVersion: 1.0\n\nsteps:\n");
    for s in steps {
        out.push_str(&format!(
            "  - name: {}\n    action: {}\n",
            s.name,
            s.action.name()
        ));
        if let Some(d) = s.description {
            out.push_str(&format!("    description: \"{d}\"\n"));
        }
        let on_failure = if s.continue_on_failure {
            "Continue"
        } else {
            "Abort"
        };
        out.push_str(&format!("    onFailure: {on_failure}\n    inputs:\n"));
        if s.action == Act::LaunchInstance {
            out.push_str("      waitFor: \"ssmAgent\"\n");
        } else {
            out.push_str(&format!(
                "      instanceId.$: \"$.stepOutputs.{launch}.instanceId\"\n"
            ));
        }
        if let Some(c) = s.command {
            out.push_str(&format!(
                "      documentName: \"AWS-RunShellScript\"\n      parameters:\n        commands:\n          - \"{c}\"\n"
            ));
        }
        out.push('\n');
    }
    if build {
        out.push_str("outputs:\n  - name: \"ImageId\"\n    value: \"$.stepOutputs.CreateOutputAMI.imageId\"\n");
    }
    out
}

/// What the engine records as a step's resolved `inputs`.
fn step_inputs(s: &StepTemplate, instance_id: &str) -> Value {
    let mut m = Map::new();
    if s.action == Act::LaunchInstance {
        m.insert("waitFor".into(), json!("ssmAgent"));
    } else {
        m.insert("instanceId".into(), json!(instance_id));
    }
    if let Some(c) = s.command {
        m.insert("documentName".into(), json!("AWS-RunShellScript"));
        m.insert("parameters".into(), json!({ "commands": [c] }));
    }
    Value::Object(m)
}

/// What the simulated action runtime outputs (`stepwise_engine::simulate::outputs`).
fn step_outputs(action: Act, instance_id: &str, ami: &str) -> Option<Value> {
    let run_command =
        || json!({"status": "Success", "output": "", "runCommandId": ids::new_uuid()});
    Some(match action {
        Act::LaunchInstance => json!({ "instanceId": instance_id }),
        Act::CreateImage => json!({ "imageId": ami }),
        Act::ExecuteComponents | Act::SanitizeInstance => run_command(),
        Act::RunCommand => {
            json!({"status": "Success", "output": [""], "runCommandId": ids::new_uuid()})
        }
        Act::WaitForSsmAgent => json!({"status": "Success"}),
        Act::CollectImageMetadata => json!({
            "osVersion": stepwise_engine::simulate::os_version("Linux"),
            "associationId": ids::new_uuid()
        }),
        Act::TerminateInstance => return None,
    })
}

// ---- resources ----------------------------------------------------------------------------

/// The applications the seeded images belong to: one image recipe each.
const APPLICATIONS: [(&str, &str, &str); 8] = [
    (
        "web-frontend",
        "1.4.0",
        "Nginx front end for the storefront.",
    ),
    ("orders-api", "2.1.0", "Orders service (Java 21)."),
    ("payments-api", "3.0.2", "Payments service (Java 21)."),
    ("batch-worker", "1.12.0", "Nightly batch jobs."),
    ("ci-runner", "5.2.1", "Self-hosted CI runners."),
    ("bastion-host", "1.0.7", "SSH bastion with session logging."),
    ("search-node", "7.17.0", "Search cluster data node."),
    ("ml-inference", "0.9.3", "Model serving on CPU instances."),
];

const PARENT_IMAGE: &str = "ami-0123456789abcdef0";

struct Recipe {
    name: &'static str,
    nname: String,
    version: &'static str,
    body: Value,
}

fn recipes(tenant: &Tenant, created: &str) -> Vec<Recipe> {
    APPLICATIONS
        .iter()
        .map(|(name, version, description)| {
            let arn = arn::arn(&tenant.region, &tenant.account, &format!("image-recipe/{name}/{version}"));
            let components = [
                arn::arn(&tenant.region, "aws", "component/update-linux/x.x.x"),
                arn::arn(&tenant.region, "aws", "component/amazon-cloudwatch-agent-linux/x.x.x"),
                arn::arn(&tenant.region, "aws", "component/reboot-test-linux/x.x.x"),
            ];
            let body = json!({
                "arn": arn,
                "type": "AMI",
                "name": name,
                "description": description,
                "platform": "Linux",
                "owner": tenant.account,
                "version": version,
                "components": components.iter().map(|c| json!({"componentArn": c})).collect::<Vec<_>>(),
                "parentImage": PARENT_IMAGE,
                "blockDeviceMappings": [{"deviceName": "/dev/xvda",
                                         "ebs": {"volumeSize": 30, "volumeType": "gp3", "deleteOnTermination": true}}],
                "dateCreated": created,
                "tags": {"team": "platform"},
                "workingDirectory": "/tmp"
            });
            Recipe { name, nname: arn::normalize_name(name), version, body }
        })
        .collect()
}

fn infrastructure(tenant: &Tenant, created: &str) -> Value {
    json!({
        "arn": arn::arn(&tenant.region, &tenant.account, "infrastructure-configuration/seed-build-fleet"),
        "name": "seed-build-fleet",
        "description": "Build and test instances for the seeded images.",
        "instanceTypes": ["m7i.large"],
        "instanceProfileName": "EC2InstanceProfileForImageBuilder",
        "terminateInstanceOnFailure": true,
        "dateCreated": created,
        "tags": {"team": "platform"}
    })
}

fn workflow(
    tenant: &Tenant,
    ty: &'static str,
    name: String,
    steps: Vec<StepTemplate>,
    created: &str,
) -> SeedWorkflow {
    let build = ty == "BUILD";
    let segment = if build { "build" } else { "test" };
    let arn = arn::arn(
        &tenant.region,
        &tenant.account,
        &format!("workflow/{segment}/{name}/1.0.0/1"),
    );
    let description = format!("Seeded {} workflow ({} steps)", segment, steps.len());
    let data = document(&name, &description, &steps, build);
    let body = json!({
        "arn": arn,
        "name": name,
        "version": "1.0.0",
        "description": description,
        "type": ty,
        "owner": tenant.account,
        "data": data,
        "dateCreated": created,
        "tags": {},
        "parameters": []
    });
    SeedWorkflow {
        ty,
        arn,
        name,
        data,
        steps,
        body,
    }
}

/// The highest build number of each (normalized name, version) already in the store.
fn existing_builds(
    store: &SqliteStore,
    tenant: &Tenant,
) -> Result<HashMap<(String, String), u32>, String> {
    let mut out = HashMap::new();
    for r in store
        .list_resources(tenant, ResourceKind::Image)
        .map_err(|e| e.to_string())?
    {
        let Some(a) = Arn::parse(&r.arn) else {
            continue;
        };
        let [nname, version, build] = a.path[..] else {
            continue;
        };
        let Ok(build) = build.parse::<u32>() else {
            continue;
        };
        let entry = out
            .entry((nname.to_string(), version.to_string()))
            .or_insert(0);
        *entry = (*entry).max(build);
    }
    Ok(out)
}

// ---- one image ----------------------------------------------------------------------------

struct Counts {
    images: u64,
    executions: u64,
    steps: u64,
}

/// Steps of one execution from `start_ms`; returns the end time and the LaunchInstance /
/// CreateImage outputs (instance id, AMI id).
#[allow(clippy::too_many_arguments)]
fn execution_rows(
    rng: &mut impl Rng,
    tenant: &Tenant,
    image_arn: &str,
    wf: &SeedWorkflow,
    plan_index: i64,
    start_ms: i64,
    writes: &mut Vec<Write>,
    execution_id: &str,
) -> (i64, Option<String>) {
    let instance_id = ids::new_ec2_id("i");
    let ami = ids::new_ec2_id("ami");
    let mut cursor = start_ms + rng.gen_range(150..900);
    let mut steps = Vec::with_capacity(wf.steps.len());
    let mut created_ami = None;
    for (idx, s) in wf.steps.iter().enumerate() {
        let base = s.action.duration_secs() * 1000;
        let took = base * rng.gen_range(80..121) / 100 + rng.gen_range(0..1000);
        let outputs = step_outputs(s.action, &instance_id, &ami);
        if s.action == Act::CreateImage {
            created_ami = Some(ami.clone());
        }
        steps.push(Write::InsertStep(Box::new(StepRow {
            id: ids::new_step_execution_id(),
            execution_id: execution_id.to_string(),
            idx: idx as i64,
            name: s.name.to_string(),
            description: s.description.map(str::to_string),
            action: s.action.name().to_string(),
            status: "COMPLETED".into(),
            rollback_status: None,
            message: None,
            inputs: Some(pyjson::to_string(&step_inputs(s, &instance_id))),
            outputs: outputs.as_ref().map(pyjson::to_string),
            start_ms: cursor,
            end_ms: Some(cursor + took),
            attempt: Some(1),
            max_attempts: Some(1),
            on_failure: if s.continue_on_failure {
                "Continue"
            } else {
                "Abort"
            }
            .into(),
            timeout_seconds: s.action.default_timeout(),
            wait_seq: None,
        })));
        cursor += took + rng.gen_range(100..1500);
    }
    let outputs = match &created_ami {
        Some(a) if wf.ty == "BUILD" => json!({ "ImageId": a }),
        _ => json!({}),
    };
    writes.push(Write::InsertExecution(Box::new(WorkflowExecutionRow {
        seq: 0,
        id: execution_id.to_string(),
        tenant: tenant.clone(),
        image_arn: image_arn.to_string(),
        workflow_arn: wf.arn.clone(),
        workflow_type: wf.ty.to_string(),
        status: "COMPLETED".into(),
        message: None,
        total_steps: wf.steps.len() as i64,
        succeeded: wf.steps.len() as i64,
        failed: 0,
        skipped: 0,
        start_ms,
        end_ms: Some(cursor),
        parallel_group: None,
        retried: false,
        plan_index,
        outputs: Some(outputs),
    })));
    writes.extend(steps);
    (cursor, created_ami)
}

struct ImageSpec<'a> {
    recipe: &'a Recipe,
    build: u32,
    created_ms: i64,
}

/// The writes of one finished image build; execution ids are pushed to `ids`.
fn image_writes(
    rng: &mut impl Rng,
    tenant: &Tenant,
    spec: &ImageSpec<'_>,
    infra: &Value,
    workflows: &[SeedWorkflow],
    writes: &mut Vec<Write>,
    ids_out: &mut Vec<String>,
) {
    let recipe = spec.recipe;
    let prefix = arn::arn(
        &tenant.region,
        &tenant.account,
        &format!("image/{}", recipe.nname),
    );
    let image_arn = format!("{prefix}/{}/{}", recipe.version, spec.build);
    let date_created = format_millis(spec.created_ms);
    let mut cursor = spec.created_ms + rng.gen_range(1500..6000);
    let mut build_ami = None;
    for (plan_index, wf) in workflows.iter().enumerate() {
        let id = ids::new_workflow_execution_id();
        let (end, ami) = execution_rows(
            rng,
            tenant,
            &image_arn,
            wf,
            plan_index as i64,
            cursor,
            writes,
            &id,
        );
        if ami.is_some() {
            build_ami = ami;
        }
        ids_out.push(id);
        cursor = end + rng.gen_range(800..3000);
    }
    let mut amis = Vec::new();
    if let Some(ami) = build_ami {
        amis.push(json!({
            "region": tenant.region,
            "image": ami,
            "name": format!("{} {}", recipe.name, date_created.replace(':', "-")),
            "state": {"status": "AVAILABLE"},
            "accountId": tenant.account
        }));
    }
    let image = json!({
        "arn": image_arn,
        "type": "AMI",
        "name": recipe.name,
        "version": format!("{}/{}", recipe.version, spec.build),
        "platform": "Linux",
        "enhancedImageMetadataEnabled": true,
        "state": {"status": "AVAILABLE"},
        "imageRecipe": recipe.body,
        "infrastructureConfiguration": infra,
        "imageTestsConfiguration": {"imageTestsEnabled": true, "timeoutMinutes": 720},
        "dateCreated": date_created,
        "outputResources": {"amis": amis},
        "tags": {"team": "platform", "stepwise:seeded": "true"},
        "buildType": "USER_INITIATED",
        "imageSource": "CUSTOM",
        "workflows": workflows.iter().map(|w| json!({"workflowArn": w.arn})).collect::<Vec<_>>(),
        "osVersion": stepwise_engine::simulate::os_version("Linux")
    });
    let plan = workflows
        .iter()
        .map(|w| PlannedWorkflow {
            workflow_arn: w.arn.clone(),
            workflow_type: w.ty.to_string(),
            data: w.data.clone(),
            parameters: Map::new(),
            parallel_group: None,
            on_failure: None,
        })
        .collect();
    let body = serde_json::to_value(ImageRecord {
        image,
        plan,
        components: None,
    })
    .unwrap_or(Value::Null);
    writes.push(Write::PutResource {
        kind: ResourceKind::Image,
        arn: image_arn,
        body,
    });
}

// ---- the command ----------------------------------------------------------------------------

fn seed(args: &SeedArgs) -> Result<(), String> {
    let started = Instant::now();
    let data_dir = args.data_dir.clone().unwrap_or_else(default_data_dir);
    std::fs::create_dir_all(&data_dir)
        .map_err(|e| format!("cannot create data directory {}: {e}", data_dir.display()))?;
    let path = data_dir.join(stepwise_server::DATABASE_FILE);
    let store = SqliteStore::open(&path)
        .map_err(|e| format!("cannot open store {}: {e}", path.display()))?;
    let tenant = Tenant::new(args.account_id.clone(), args.region.clone());
    let m = args.steps_per_execution as usize;
    let k = args.executions_per_image as usize;
    let now = SystemClock.now_millis();
    let span_ms = i64::from(args.days) * 86_400_000;
    let first_ms = now - span_ms;
    let setup_date = format_millis(first_ms - 86_400_000);

    let recipes = recipes(&tenant, &setup_date);
    let infra = infrastructure(&tenant, &setup_date);
    let mut workflows = vec![workflow(
        &tenant,
        "BUILD",
        format!("seed-build-{m}-steps"),
        build_steps(m),
        &setup_date,
    )];
    for j in 1..k {
        workflows.push(workflow(
            &tenant,
            "TEST",
            format!("seed-test-{j}-{m}-steps"),
            test_steps(m),
            &setup_date,
        ));
    }
    let mut setup: Vec<Write> = workflows
        .iter()
        .map(|w| Write::PutResource {
            kind: ResourceKind::Workflow,
            arn: w.body["arn"].as_str().unwrap_or_default().into(),
            body: w.body.clone(),
        })
        .collect();
    for r in &recipes {
        let arn = r.body["arn"].as_str().unwrap_or_default().to_string();
        setup.push(Write::PutResource {
            kind: ResourceKind::ImageRecipe,
            arn,
            body: r.body.clone(),
        });
    }
    setup.push(Write::PutResource {
        kind: ResourceKind::InfrastructureConfiguration,
        arn: infra["arn"].as_str().unwrap_or_default().to_string(),
        body: infra.clone(),
    });
    store.apply(&tenant, &setup).map_err(|e| e.to_string())?;
    let existing = existing_builds(&store, &tenant)?;

    let mut ids_file = match &args.ids_out {
        Some(p) => {
            Some(BufWriter::new(std::fs::File::create(p).map_err(|e| {
                format!("cannot create {}: {e}", p.display())
            })?))
        }
        None => None,
    };
    let total_steps = args.images * k as u64 * m as u64;
    eprintln!(
        "seeding {} images x {} executions x {} steps = {} workflow executions, {} step executions into {}",
        args.images,
        k,
        m,
        args.images * k as u64,
        total_steps,
        store.path().display()
    );
    for w in &workflows {
        eprintln!("  workflow {} ({})", w.arn, w.name);
    }

    let rng = &mut rand::thread_rng();
    let rows_per_image = 1 + k as u64 * (1 + m as u64);
    let images_per_batch = (args.batch_rows / rows_per_image).max(1);
    let interval = (span_ms / args.images.max(1) as i64).max(1);
    let mut counts = Counts {
        images: 0,
        executions: 0,
        steps: 0,
    };
    let mut writes = Vec::with_capacity((images_per_batch * rows_per_image) as usize);
    let mut batch_ids = Vec::new();
    let mut next_report = Instant::now();
    let recipe_count = recipes.len() as u64;
    while counts.images < args.images {
        let n = images_per_batch.min(args.images - counts.images);
        writes.clear();
        batch_ids.clear();
        for i in counts.images..counts.images + n {
            let recipe = &recipes[(i % recipe_count) as usize];
            let base = existing
                .get(&(recipe.nname.clone(), recipe.version.to_string()))
                .copied()
                .unwrap_or(0);
            let spec = ImageSpec {
                recipe,
                build: base + (i / recipe_count) as u32 + 1,
                created_ms: first_ms + i as i64 * interval + rng.gen_range(0..interval.min(60_000)),
            };
            image_writes(
                rng,
                &tenant,
                &spec,
                &infra,
                &workflows,
                &mut writes,
                &mut batch_ids,
            );
        }
        store.apply(&tenant, &writes).map_err(|e| e.to_string())?;
        if let Some(f) = ids_file.as_mut() {
            for id in &batch_ids {
                writeln!(f, "{id}").map_err(|e| format!("cannot write the ids file: {e}"))?;
            }
        }
        counts.images += n;
        counts.executions += n * k as u64;
        counts.steps += n * (k * m) as u64;
        if Instant::now() >= next_report || counts.images == args.images {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "  {:>9} images {:>10} executions {:>11} steps  {:6.1}s  {:>8.0} steps/s",
                counts.images,
                counts.executions,
                counts.steps,
                secs,
                counts.steps as f64 / secs.max(1e-9)
            );
            next_report = Instant::now() + std::time::Duration::from_secs(2);
        }
    }
    if let Some(mut f) = ids_file {
        f.flush()
            .map_err(|e| format!("cannot write the ids file: {e}"))?;
    }
    store.close().map_err(|e| e.to_string())?;
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "seeded {} images, {} workflow executions, {} step executions in {:.1}s ({:.0} rows/s) into {} ({})",
        counts.images,
        counts.executions,
        counts.steps,
        elapsed,
        (counts.images + counts.executions + counts.steps) as f64 / elapsed.max(1e-9),
        store.path().display(),
        file_size(store.path())
    );
    if let Some(p) = &args.ids_out {
        println!("workflow execution ids: {}", p.display());
    }
    Ok(())
}

fn file_size(path: &Path) -> String {
    match std::fs::metadata(path) {
        Ok(m) => format!("{:.1} MiB", m.len() as f64 / (1024.0 * 1024.0)),
        Err(_) => "size unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_have_the_requested_step_count_and_unique_names() {
        for m in 3..=15 {
            for steps in [build_steps(m), test_steps(m)] {
                assert_eq!(steps.len(), m);
                let mut names: Vec<_> = steps.iter().map(|s| s.name).collect();
                names.sort_unstable();
                names.dedup();
                assert_eq!(names.len(), m);
            }
        }
    }

    #[test]
    fn one_image_is_a_finished_build() {
        let tenant = Tenant::new("123456789012", "us-east-1");
        let recipes = recipes(&tenant, "2026-01-01T00:00:00.000Z");
        let infra = infrastructure(&tenant, "2026-01-01T00:00:00.000Z");
        let workflows = vec![
            workflow(&tenant, "BUILD", "b".into(), build_steps(10), "x"),
            workflow(&tenant, "TEST", "t".into(), test_steps(10), "x"),
        ];
        let spec = ImageSpec {
            recipe: &recipes[0],
            build: 3,
            created_ms: 1_767_225_600_000,
        };
        let (mut writes, mut ids) = (Vec::new(), Vec::new());
        image_writes(
            &mut rand::thread_rng(),
            &tenant,
            &spec,
            &infra,
            &workflows,
            &mut writes,
            &mut ids,
        );
        assert_eq!(writes.len(), 1 + 2 * 11);
        assert_eq!(ids.len(), 2);
        let Some(Write::PutResource { body, arn, .. }) = writes.last() else {
            panic!("no image")
        };
        assert_eq!(
            arn,
            "arn:aws:imagebuilder:us-east-1:123456789012:image/web-frontend/1.4.0/3"
        );
        let record: ImageRecord = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(record.status(), "AVAILABLE");
        let ami = record
            .image
            .pointer("/outputResources/amis/0/image")
            .and_then(Value::as_str)
            .unwrap();
        let Write::InsertExecution(build) = &writes[0] else {
            panic!("no execution")
        };
        assert_eq!(build.outputs.as_ref().unwrap()["ImageId"], json!(ami));
        let Write::InsertStep(launch) = &writes[1] else {
            panic!("no step")
        };
        assert_eq!(launch.inputs.as_deref(), Some(r#"{"waitFor": "ssmAgent"}"#));
        assert!(launch
            .outputs
            .as_deref()
            .unwrap()
            .starts_with(r#"{"instanceId": "i-"#));
        let Write::InsertStep(terminate) = &writes[10] else {
            panic!("no step")
        };
        assert_eq!(terminate.outputs, None);
        assert_eq!(terminate.on_failure, "Continue");
        assert!(terminate.end_ms.unwrap() <= build.end_ms.unwrap());
    }
}
