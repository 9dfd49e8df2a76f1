//! What an ExecuteComponents step does on the simulated clock: the recipe's components run
//! in recipe order, each the phases of the step's stage its document has (`build` then
//! `validate` in a BUILD workflow, `test` in a TEST one: a component applies where its
//! document has that phase), step by step for the seconds each step's action takes.
//!
//! A component step fails on purpose through the image tag
//! `stepwise:fail-component:<component>` (its first step of the stage) or
//! `stepwise:fail-component:<component>/<phase>/<step>`, or a fault-file rule with
//! `component:`. As AWSTOE does, a failed step with onFailure `Ignore` is passed over, with
//! `Continue` the component's other steps still run, with `Abort` (the default) nothing
//! after it does; a failed component fails the ExecuteComponents step with a message that
//! names the component, phase and step, and no later component runs.

use crate::context::component_counts;
use crate::faults::{message_or_default, FaultFile};
use crate::plan::{ImageRecord, PlannedComponent};
use crate::simulate::default_duration;
use serde_json::Value;
use stepwise_workflow::{Action, WorkflowType};

/// The component phases a workflow of type `ty` runs.
pub fn stage_phases(ty: WorkflowType) -> &'static [&'static str] {
    match ty {
        WorkflowType::Build => &["build", "validate"],
        WorkflowType::Test => &["test"],
        WorkflowType::Distribution => &[],
    }
}

/// Whether an ExecuteComponents step of a workflow of type `ty` has anything to run.
pub fn any_to_run(record: &ImageRecord, ty: WorkflowType) -> bool {
    let phases = stage_phases(ty);
    match &record.components {
        Some(components) => components
            .iter()
            .any(|c| c.phases.iter().any(|p| phases.contains(&p.name.as_str()))),
        // An image stored before its components were resolved: the old rule, by name.
        None => {
            let (build, test) = component_counts(&record.image);
            match ty {
                WorkflowType::Build => build > 0,
                WorkflowType::Test => test > 0,
                WorkflowType::Distribution => false,
            }
        }
    }
}

/// How an ExecuteComponents step runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentsRun {
    /// Simulated seconds, up to the end of the failed component when one fails.
    pub seconds: u64,
    /// The step's failure message, when a component fails.
    pub failure: Option<String>,
}

/// The run of an ExecuteComponents step of a workflow of type `ty` for the image `record`,
/// with the faults of its tags and of `file`.
pub fn run(record: &ImageRecord, ty: WorkflowType, file: &FaultFile) -> ComponentsRun {
    let Some(components) = &record.components else {
        return ComponentsRun {
            seconds: default_duration(Action::ExecuteComponents),
            failure: None,
        };
    };
    let phases = stage_phases(ty);
    let mut seconds = 0;
    for component in components {
        if let Some(failure) = run_component(component, phases, record, file, &mut seconds) {
            return ComponentsRun {
                seconds,
                failure: Some(failure),
            };
        }
    }
    ComponentsRun {
        seconds,
        failure: None,
    }
}

/// Runs one component's phases of the stage, adding their seconds; its failure message, if
/// it fails.
fn run_component(
    component: &PlannedComponent,
    phases: &[&str],
    record: &ImageRecord,
    file: &FaultFile,
    seconds: &mut u64,
) -> Option<String> {
    let mut failure: Option<String> = None;
    let mut first = true;
    for phase in component
        .phases
        .iter()
        .filter(|p| phases.contains(&p.name.as_str()))
    {
        for step in &phase.steps {
            *seconds += step.seconds;
            let injected = injected(
                &record.image,
                file,
                component,
                &phase.name,
                &step.name,
                first,
            );
            first = false;
            let Some(message) = injected else {
                continue;
            };
            if step.on_failure == "Ignore" || failure.is_some() {
                continue;
            }
            failure = Some(format!(
                "Component '{}' ({}) failed in phase '{}' at step '{}' ({}): {message}",
                component.name, component.arn, phase.name, step.name, step.action
            ));
            if step.on_failure != "Continue" {
                return failure;
            }
        }
    }
    failure
}

/// The failure injected into step `step` of `phase` of `component` (`first`: the
/// component's first step of the stage), if any: the image's tags, then the fault file.
fn injected(
    image: &Value,
    file: &FaultFile,
    component: &PlannedComponent,
    phase: &str,
    step: &str,
    first: bool,
) -> Option<String> {
    let tag = |target: &str| {
        image
            .get("tags")
            .and_then(|t| t.get(format!("stepwise:fail-component:{target}")))
            .and_then(Value::as_str)
    };
    let exact = format!("{}/{phase}/{step}", component.name);
    let by_tag = tag(&exact).or_else(|| if first { tag(&component.name) } else { None });
    if let Some(message) = by_tag {
        return Some(message_or_default(message));
    }
    let image_name = image.get("name").and_then(Value::as_str).unwrap_or("");
    file.component_failure(image_name, &component.name, &exact, first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{PlannedComponentStep, PlannedPhase};
    use serde_json::json;

    /// A phase as (name, steps as (name, seconds, onFailure)).
    type Phase<'a> = (&'a str, &'a [(&'a str, u64, &'a str)]);

    fn component(name: &str, phases: &[Phase<'_>]) -> PlannedComponent {
        PlannedComponent {
            arn: format!("arn:aws:imagebuilder:us-east-1:123456789012:component/{name}/1.0.0/1"),
            name: name.into(),
            phases: phases
                .iter()
                .map(|(p, steps)| PlannedPhase {
                    name: p.to_string(),
                    steps: steps
                        .iter()
                        .map(|(s, secs, on_failure)| PlannedComponentStep {
                            name: s.to_string(),
                            action: "ExecuteBash".into(),
                            seconds: *secs,
                            on_failure: on_failure.to_string(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    fn record(tags: Value) -> ImageRecord {
        ImageRecord {
            image: json!({"name": "img", "tags": tags}),
            plan: Vec::new(),
            components: Some(vec![
                component(
                    "app",
                    &[
                        (
                            "build",
                            &[("Install", 20, "Abort"), ("Tune", 5, "Continue")],
                        ),
                        ("validate", &[("Check", 3, "Abort")]),
                        ("test", &[("Probe", 7, "Abort")]),
                    ],
                ),
                component("boot-test", &[("test", &[("Reboot", 90, "Abort")])]),
            ]),
        }
    }

    #[test]
    fn each_stage_runs_the_phases_it_owns_in_recipe_order() {
        let r = record(json!({}));
        let file = FaultFile::default();
        assert_eq!(run(&r, WorkflowType::Build, &file).seconds, 28);
        assert_eq!(run(&r, WorkflowType::Test, &file).seconds, 97);
        assert!(any_to_run(&r, WorkflowType::Test));
        let only_test = ImageRecord {
            components: Some(vec![component("t", &[("test", &[("A", 1, "Abort")])])]),
            ..r
        };
        assert!(!any_to_run(&only_test, WorkflowType::Build));
    }

    #[test]
    fn a_failed_component_step_fails_the_step_as_its_on_failure_says() {
        let file = FaultFile::default();
        let r = record(json!({"stepwise:fail-component:app": "disk full"}));
        assert_eq!(
            run(&r, WorkflowType::Build, &file),
            ComponentsRun {
                seconds: 20,
                failure: Some("Component 'app' (arn:aws:imagebuilder:us-east-1:123456789012:component/app/1.0.0/1) failed in phase 'build' at step 'Install' (ExecuteBash): disk full".into()),
            }
        );
        // The bare component tag is its first step of the stage: in the test stage, Probe.
        let failed = run(&r, WorkflowType::Test, &file);
        assert_eq!(failed.seconds, 7);
        assert!(failed
            .failure
            .unwrap()
            .contains("phase 'test' at step 'Probe'"));
        // Continue: the component's other steps still run.
        let r = record(json!({"stepwise:fail-component:app/build/Tune": ""}));
        let failed = run(&r, WorkflowType::Build, &file);
        assert_eq!(failed.seconds, 28);
        assert!(failed
            .failure
            .unwrap()
            .ends_with("step 'Tune' (ExecuteBash): Step failed by fault injection."));
        // A step of another stage does not fail this one.
        let r = record(json!({"stepwise:fail-component:boot-test/test/Reboot": "x"}));
        assert_eq!(run(&r, WorkflowType::Build, &file).failure, None);
        assert!(run(&r, WorkflowType::Test, &file).failure.is_some());
    }

    #[test]
    fn fault_file_rules_select_components() {
        let file = FaultFile::parse(
            "rules:\n  - component: app/validate/Check\n    fail: wrong checksum\n  - component: boot-test\n    imageName: other\n    fail: never\n",
        )
        .unwrap();
        let r = record(json!({}));
        let failed = run(&r, WorkflowType::Build, &file);
        assert!(failed
            .failure
            .unwrap()
            .ends_with("(ExecuteBash): wrong checksum"));
        assert_eq!(run(&r, WorkflowType::Test, &file).failure, None);
    }
}
