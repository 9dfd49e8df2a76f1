//! `stepwise validate`: checks a workflow or component document offline exactly as
//! CreateWorkflow or CreateComponent would, and prints what the service would answer.

use crate::offline;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use stepwise_server::simulation::{validate_document, Document, SimulationError};
use stepwise_workflow::WorkflowType;

pub const LONG_ABOUT: &str = "\
Checks a document offline exactly as the service would at CreateWorkflow or CreateComponent: the
same model limits, the same document rules, the same messages. A valid document prints one line and
exits 0; an invalid one prints the error as the AWS CLI would show the service's answer and exits
with status 255, the AWS CLI's status for service errors.

Without --kind, a document with a top-level `phases` list is a component (AWSTOE) document and
any other a workflow document.

Examples:
  stepwise validate build-workflow.yaml
  stepwise validate test-workflow.yaml --type TEST
  stepwise validate install-tools.yaml --kind component --platform Linux";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    Workflow,
    Component,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum Type {
    Build,
    Test,
    Distribution,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Platform {
    #[value(name = "Linux")]
    Linux,
    #[value(name = "Windows")]
    Windows,
    #[value(name = "macOS")]
    MacOs,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// The document (YAML or JSON); `-` reads it from standard input.
    pub file: PathBuf,

    /// What the document is (default: guessed from its top-level keys).
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,

    /// A workflow's type (workflows only).
    #[arg(long = "type", value_enum, default_value = "BUILD")]
    pub workflow_type: Type,

    /// A component's platform (components only).
    #[arg(long, value_enum, default_value = "Linux")]
    pub platform: Platform,

    /// Steps a workflow document may hold, as `stepwise serve --max-steps-per-workflow`.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_steps_per_workflow: u32,
}

/// A component document has a top-level `phases` list, a workflow document does not.
fn guess(data: &str) -> Kind {
    let top_level_phases = data
        .lines()
        .any(|l| l.starts_with("phases:") || l.trim_start_matches('{').contains("\"phases\""));
    if top_level_phases {
        Kind::Component
    } else {
        Kind::Workflow
    }
}

pub fn run(args: ValidateArgs) -> ExitCode {
    let data = match offline::read_document(&args.file) {
        Ok(d) => d,
        Err(e) => {
            eprintln!(
                "stepwise validate: cannot read {}: {e}",
                args.file.display()
            );
            return ExitCode::from(2);
        }
    };
    let kind = args.kind.unwrap_or_else(|| guess(&data));
    let document = match kind {
        Kind::Workflow => Document::Workflow {
            data,
            workflow_type: match args.workflow_type {
                Type::Build => WorkflowType::Build,
                Type::Test => WorkflowType::Test,
                Type::Distribution => WorkflowType::Distribution,
            },
            max_steps: args.max_steps_per_workflow as usize,
        },
        Kind::Component => Document::Component {
            data,
            platform: match args.platform {
                Platform::Linux => "Linux",
                Platform::Windows => "Windows",
                Platform::MacOs => "macOS",
            }
            .to_string(),
        },
    };
    let outcome = match offline::block_on("validate", validate_document(&document)) {
        Ok(outcome) => outcome,
        Err(code) => return code,
    };
    match outcome {
        Ok(()) => {
            let what = match &document {
                Document::Workflow { workflow_type, .. } => {
                    format!("{} workflow document", workflow_type.as_str())
                }
                Document::Component { platform, .. } => format!("{platform} component document"),
            };
            println!("{}: a valid {what}.", args.file.display());
            ExitCode::SUCCESS
        }
        Err(e @ SimulationError::Refused { .. }) => {
            eprintln!("\n{e}");
            ExitCode::from(255)
        }
        Err(e) => {
            eprintln!("stepwise validate: {e}");
            ExitCode::FAILURE
        }
    }
}
