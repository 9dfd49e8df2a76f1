//! Fault injection: what makes a step fail, take long or fail its rollback on purpose.
//! Two sources, so that an unmodified client needs nothing new: the image's tags, and the
//! rules of a server-wide fault file (`stepwise serve --fault-file`). A tag wins over a rule;
//! among rules the first that sets a fault wins. Without either, nothing ever fails.
//!
//! Tags, on CreateImage:
//! - `stepwise:fail:<Step>` = message (a default message when empty)
//! - `stepwise:fail-attempts:<Step>` = N: with a failure, only the first N attempts fail
//! - `stepwise:duration:<Step>` = simulated seconds (above the timeout it times out)
//! - `stepwise:rollback-fail:<Step>`: the step's rollback fails
//! - `stepwise:fail-action:<Action>`, `stepwise:duration-action:<Action>`: the same for
//!   every step that runs that action
//! - `stepwise:fail-component:<Component>[/<phase>/<Step>]` = message: a step of a
//!   component fails inside ExecuteComponents (see [`crate::components`])

use serde::Deserialize;
use serde_json::Value;
use stepwise_workflow::Action;

pub const DEFAULT_FAULT_MESSAGE: &str = "Step failed by fault injection.";

/// The faults of one step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepFaults {
    pub fail: Option<String>,
    /// With `fail`: only the first this-many attempts fail.
    pub fail_attempts: Option<u32>,
    pub duration: Option<u64>,
    pub rollback_fail: bool,
}

impl StepFaults {
    /// The injected failure message of attempt `attempt` (1-based), if it fails.
    pub fn failure_of_attempt(&self, attempt: u32) -> Option<&str> {
        match self.fail_attempts {
            Some(n) if attempt > n => None,
            _ => self.fail.as_deref(),
        }
    }

    /// Whether anything is injected into the step's action (a WaitForAction with a fault
    /// runs as an ordinary simulated step instead of waiting).
    pub fn touches_action(&self) -> bool {
        self.fail.is_some() || self.duration.is_some()
    }

    /// Fills what `self` leaves unset from `other`.
    fn or(mut self, other: StepFaults) -> StepFaults {
        if self.fail.is_none() {
            self.fail = other.fail;
            self.fail_attempts = self.fail_attempts.or(other.fail_attempts);
        }
        self.duration = self.duration.or(other.duration);
        self.rollback_fail |= other.rollback_fail;
        self
    }
}

/// One rule of a fault file: which steps it applies to and what it injects.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    /// The step's name; any step when absent.
    #[serde(default)]
    pub step: Option<String>,
    /// The step's action (e.g. `CreateImage`); any action when absent.
    #[serde(default)]
    pub action: Option<String>,
    /// A component (`name`, its first step of the stage) or one of its steps
    /// (`name/phase/Step`): the rule makes that component step fail inside ExecuteComponents
    /// and applies to no workflow step.
    #[serde(default)]
    pub component: Option<String>,
    /// The image's name (its recipe's name); any image when absent.
    #[serde(default)]
    pub image_name: Option<String>,
    /// The failure message; an empty one gives the default message.
    #[serde(default)]
    pub fail: Option<String>,
    #[serde(default)]
    pub fail_attempts: Option<u32>,
    /// Simulated seconds the step takes.
    #[serde(default)]
    pub duration: Option<u64>,
    #[serde(default)]
    pub rollback_fail: bool,
}

/// A server-wide fault file: `rules:` applied to every image's steps.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultFile {
    #[serde(default)]
    pub rules: Vec<FaultRule>,
}

impl FaultFile {
    /// Parses a fault file (YAML or JSON) and checks that every rule names real actions and
    /// selects something.
    pub fn parse(text: &str) -> Result<FaultFile, String> {
        let file: FaultFile = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
        for (i, rule) in file.rules.iter().enumerate() {
            if let Some(a) = &rule.action {
                if Action::parse(a).is_none() {
                    return Err(format!("rules[{i}]: '{a}' is not a workflow step action"));
                }
            }
            if rule.fail_attempts.is_some() && rule.fail.is_none() {
                return Err(format!(
                    "rules[{i}]: failAttempts needs fail in the same rule"
                ));
            }
            if rule.component.is_some()
                && (rule.fail.is_none()
                    || rule.step.is_some()
                    || rule.action.is_some()
                    || rule.fail_attempts.is_some()
                    || rule.duration.is_some()
                    || rule.rollback_fail)
            {
                return Err(format!(
                    "rules[{i}]: a component rule sets fail and may select imageName, nothing else"
                ));
            }
            if rule.fail.is_none() && rule.duration.is_none() && !rule.rollback_fail {
                return Err(format!(
                    "rules[{i}]: a rule sets at least one of fail, duration, rollbackFail"
                ));
            }
        }
        Ok(file)
    }

    /// The faults the rules inject into step `step` (running `action`) of image `image_name`.
    fn faults_for(&self, image_name: &str, step: &str, action: Action) -> StepFaults {
        self.rules
            .iter()
            .filter(|r| {
                r.component.is_none()
                    && r.step.as_deref().is_none_or(|s| s == step)
                    && r.action.as_deref().is_none_or(|a| a == action.name())
                    && r.image_name.as_deref().is_none_or(|n| n == image_name)
            })
            .fold(StepFaults::default(), |acc, r| {
                acc.or(StepFaults {
                    fail: r.fail.as_deref().map(message_or_default),
                    fail_attempts: r.fail_attempts,
                    duration: r.duration,
                    rollback_fail: r.rollback_fail,
                })
            })
    }
}

impl FaultFile {
    /// The failure the rules inject into the component step `exact`
    /// (`component/phase/Step`) of image `image_name`; `first` when it is the component's
    /// first step of the stage, which a rule naming the component alone selects.
    pub fn component_failure(
        &self,
        image_name: &str,
        component: &str,
        exact: &str,
        first: bool,
    ) -> Option<String> {
        self.rules
            .iter()
            .filter(|r| r.image_name.as_deref().is_none_or(|n| n == image_name))
            .find(|r| {
                r.component
                    .as_deref()
                    .is_some_and(|c| c == exact || (first && c == component))
            })
            .and_then(|r| r.fail.as_deref().map(message_or_default))
    }
}

pub(crate) fn message_or_default(m: &str) -> String {
    if m.trim().is_empty() {
        DEFAULT_FAULT_MESSAGE.to_string()
    } else {
        m.to_string()
    }
}

/// The faults of step `step` (running `action`) of `image` (the API's `Image` shape): its
/// tags first, then the fault file's rules.
pub fn faults_for(image: &Value, file: &FaultFile, step: &str, action: Action) -> StepFaults {
    let tags = image.get("tags");
    let tag = |kind: &str, target: &str| {
        tags.and_then(|t| t.get(format!("stepwise:{kind}:{target}")))
            .and_then(Value::as_str)
    };
    fn number<T: std::str::FromStr>(s: Option<&str>) -> Option<T> {
        s.and_then(|n| n.trim().parse().ok())
    }
    let by_step = StepFaults {
        fail: tag("fail", step).map(message_or_default),
        fail_attempts: number(tag("fail-attempts", step)),
        duration: number(tag("duration", step)),
        rollback_fail: tag("rollback-fail", step).is_some(),
    };
    let by_action = StepFaults {
        fail: tag("fail-action", action.name()).map(message_or_default),
        fail_attempts: None,
        duration: number(tag("duration-action", action.name())),
        rollback_fail: false,
    };
    let image_name = image.get("name").and_then(Value::as_str).unwrap_or("");
    by_step
        .or(by_action)
        .or(file.faults_for(image_name, step, action))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn image(tags: Value) -> Value {
        json!({"name": "app", "tags": tags})
    }

    #[test]
    fn faults_come_from_tags() {
        let none = FaultFile::default();
        let img = image(
            json!({"stepwise:fail:Build": "", "stepwise:duration:Build": "9000",
                               "stepwise:fail:Other": "disk full",
                               "stepwise:rollback-fail:Launch": ""}),
        );
        let f = faults_for(&img, &none, "Build", Action::RunCommand);
        assert_eq!(f.fail.as_deref(), Some(DEFAULT_FAULT_MESSAGE));
        assert_eq!(f.duration, Some(9000));
        assert!(!f.rollback_fail);
        assert_eq!(
            faults_for(&img, &none, "Other", Action::RunCommand)
                .fail
                .as_deref(),
            Some("disk full")
        );
        assert!(faults_for(&img, &none, "Launch", Action::LaunchInstance).rollback_fail);
        assert_eq!(
            faults_for(&img, &none, "None", Action::RunCommand),
            StepFaults::default()
        );
        assert_eq!(
            faults_for(&json!({}), &none, "Build", Action::RunCommand),
            StepFaults::default()
        );
        let img = image(json!({"stepwise:fail:Flaky": "timeout talking to SSM",
                               "stepwise:fail-attempts:Flaky": "2"}));
        let flaky = faults_for(&img, &none, "Flaky", Action::RunCommand);
        assert_eq!(flaky.failure_of_attempt(1), Some("timeout talking to SSM"));
        assert_eq!(flaky.failure_of_attempt(2), Some("timeout talking to SSM"));
        assert_eq!(flaky.failure_of_attempt(3), None);
    }

    #[test]
    fn an_action_tag_applies_to_every_step_of_the_action_below_a_step_tag() {
        let none = FaultFile::default();
        let img = image(json!({"stepwise:fail-action:RunCommand": "ssm down",
                               "stepwise:duration-action:RunCommand": "45",
                               "stepwise:fail:Special": "its own"}));
        let a = faults_for(&img, &none, "A", Action::RunCommand);
        assert_eq!(
            (a.fail.as_deref(), a.duration),
            (Some("ssm down"), Some(45))
        );
        let special = faults_for(&img, &none, "Special", Action::RunCommand);
        assert_eq!(special.fail.as_deref(), Some("its own"));
        assert_eq!(
            faults_for(&img, &none, "B", Action::LaunchInstance),
            StepFaults::default()
        );
    }

    #[test]
    fn fault_file_rules_select_by_step_action_and_image() {
        let file = FaultFile::parse(
            "rules:\n\
             - action: CreateImage\n  imageName: app\n  fail: snapshot quota exceeded\n\
             - step: Launch\n  rollbackFail: true\n\
             - action: RunCommand\n  duration: 7\n  fail: ''\n  failAttempts: 1\n",
        )
        .unwrap();
        let app = image(json!({}));
        let other = json!({"name": "other"});
        assert_eq!(
            faults_for(&app, &file, "Snap", Action::CreateImage)
                .fail
                .as_deref(),
            Some("snapshot quota exceeded")
        );
        assert_eq!(
            faults_for(&other, &file, "Snap", Action::CreateImage),
            StepFaults::default()
        );
        assert!(faults_for(&other, &file, "Launch", Action::LaunchInstance).rollback_fail);
        let run = faults_for(&other, &file, "Cmd", Action::RunCommand);
        assert_eq!(run.duration, Some(7));
        assert_eq!(run.failure_of_attempt(1), Some(DEFAULT_FAULT_MESSAGE));
        assert_eq!(run.failure_of_attempt(2), None);
        // A tag wins over a rule.
        let tagged = image(json!({"stepwise:fail:Snap": "from the tag"}));
        assert_eq!(
            faults_for(&tagged, &file, "Snap", Action::CreateImage)
                .fail
                .as_deref(),
            Some("from the tag")
        );
    }

    #[test]
    fn a_bad_fault_file_is_refused_with_its_place() {
        assert!(FaultFile::parse("rules:\n- action: Nope\n  fail: x\n")
            .unwrap_err()
            .contains("rules[0]: 'Nope'"));
        assert!(FaultFile::parse("rules:\n- step: A\n")
            .unwrap_err()
            .contains("at least one"));
        assert!(FaultFile::parse("rules:\n- stpe: A\n  fail: x\n").is_err());
        assert!(
            FaultFile::parse("rules:\n- step: A\n  failAttempts: 1\n  duration: 5\n")
                .unwrap_err()
                .contains("failAttempts needs fail")
        );
        assert_eq!(
            FaultFile::parse("rules: []\n").unwrap(),
            FaultFile::default()
        );
    }
}
