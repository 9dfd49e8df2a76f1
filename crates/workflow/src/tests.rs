//! Unit tests for the public API: document validation, evaluation, parameters, managed
//! workflows.

use serde_json::{json, Map, Value};

use crate::*;

fn build(yaml: &str) -> Result<WorkflowDocument, DocumentError> {
    parse_document(yaml, WorkflowType::Build, DEFAULT_MAX_STEPS)
}

fn parse_ok(yaml: &str, ty: WorkflowType) -> WorkflowDocument {
    match parse_document(yaml, ty, DEFAULT_MAX_STEPS) {
        Ok(doc) => doc,
        Err(e) => panic!("document rejected: {e}\n{yaml}"),
    }
}

fn parse_err(yaml: &str, ty: WorkflowType) -> String {
    match parse_document(yaml, ty, DEFAULT_MAX_STEPS) {
        Ok(_) => panic!("document accepted:\n{yaml}"),
        Err(e) => e.to_string(),
    }
}

fn build_err(yaml: &str) -> String {
    parse_err(yaml, WorkflowType::Build)
}

/// A BUILD document with a launch step and then `steps` (already indented as list items).
fn with_launch(steps: &str) -> String {
    format!(
        "schemaVersion: 1.0\nsteps:\n  - name: Launch\n    action: LaunchInstance\n    inputs:\n      waitFor: ssmAgent\n{steps}"
    )
}

/// A one-step BUILD document whose only step has the given extra lines.
fn one_step(extra: &str) -> String {
    format!("schemaVersion: 1.0\nsteps:\n  - name: Wait\n    action: WaitForAction\n{extra}")
}

const EXAMPLE: &str = r#"schemaVersion: 1.0
parameters:
  - name: gateEnabled
    type: boolean
    default: false
steps:
  - name: StartBox
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: Customize
    action: ExecuteComponents
    inputs:
      instanceId.$: $.stepOutputs.StartBox.instanceId
  - name: Approve
    action: WaitForAction
    timeoutSeconds: 3600
    if:
      booleanEquals: true
      value: $.parameters.gateEnabled
  - name: Capture
    action: CreateImage
    inputs:
      instanceId.$: $.stepOutputs.StartBox.instanceId
  - name: StopBox
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: $.stepOutputs.StartBox.instanceId
outputs:
  - name: ImageId
    value: $.stepOutputs.Capture.imageId
"#;

#[derive(Default)]
struct Fixture {
    parameters: Map<String, Value>,
    step_outputs: Map<String, Value>,
    workflow_outputs: Map<String, Value>,
    imagebuilder: Map<String, Value>,
}

impl Fixture {
    fn new() -> Self {
        let obj = |v: Value| v.as_object().unwrap().clone();
        Fixture {
            parameters: obj(json!({
                "name": "web",
                "count": 5,
                "flag": true,
                "flagText": "false",
                "regions": ["us-east-1", "eu-west-1"],
                "ratio": 1.0,
                "numText": "1.50",
                "bad": "1.",
                "yes": "yes",
            })),
            step_outputs: obj(json!({
                "Launch": {"instanceId": "i-0a1b2c3d4e5f60718"},
                "Cmd": {"status": "Success", "output": ["line0", "line1"], "runCommandId": "r-1"},
                "Dist": {"distributedImages": [
                    {"region": "us-east-1", "amiId": "ami-1", "nested": [[1, 2], [3, 4]]},
                    {"region": "eu-west-1", "amiId": "ami-2"},
                ]},
            })),
            workflow_outputs: obj(json!({"ImageId": "ami-0f9e8d7c6b5a49382"})),
            imagebuilder: obj(json!({
                "imageType": "AMI",
                "platform": "Linux",
                "collectImageMetadata": true,
                "collectImageScanFindings": false,
                "imageBuildNumber": 3,
                "securityGroups": ["sg-1", "sg-é"],
                "s3Logs": {"s3BucketName": "b", "s3KeyPrefix": "p/"},
            })),
        }
    }

    fn ctx(&self) -> EvalContext<'_> {
        EvalContext {
            parameters: &self.parameters,
            step_outputs: &self.step_outputs,
            workflow_outputs: &self.workflow_outputs,
            imagebuilder: &self.imagebuilder,
        }
    }
}

// =============================================================================================
// model

#[test]
fn workflow_type_spellings() {
    for ty in WorkflowType::ALL {
        assert_eq!(WorkflowType::parse(ty.as_str()), Some(ty));
        assert_eq!(WorkflowType::from_arn_segment(ty.arn_segment()), Some(ty));
    }
    assert_eq!(WorkflowType::Build.as_str(), "BUILD");
    assert_eq!(WorkflowType::Distribution.arn_segment(), "distribution");
    assert_eq!(WorkflowType::Test.phase(), "Test");
    assert_eq!(WorkflowType::parse("build"), None);
    assert_eq!(WorkflowType::from_arn_segment("BUILD"), None);
}

#[test]
fn action_table() {
    for action in Action::ALL {
        assert_eq!(Action::parse(action.name()), Some(action));
        assert!(action.default_timeout() <= action.max_timeout());
    }
    assert_eq!(Action::parse("launchInstance"), None);
    use Action::*;
    use WorkflowType::*;
    assert!(DistributeImage.allowed_in(Distribution) && !DistributeImage.allowed_in(Build));
    assert!(!ExecuteComponents.allowed_in(Distribution) && ExecuteComponents.allowed_in(Test));
    assert!(CollectImageScanFindings.allowed_in(Test));
    assert!(!CollectImageScanFindings.allowed_in(Build));
    assert!(ApplyImageConfigurations.allowed_in(Distribution));
    assert!(!ModifyImageAttributes.allowed_in(Test));
    assert!(WaitForAction.allowed_in(Build) && WaitForAction.allowed_in(Distribution));
    assert_eq!(
        (
            LaunchInstance.default_timeout(),
            LaunchInstance.max_timeout()
        ),
        (4500, 43200)
    );
    assert_eq!(
        (CreateImage.default_timeout(), CreateImage.max_timeout()),
        (43200, 259200)
    );
    assert_eq!(
        (WaitForAction.default_timeout(), WaitForAction.max_timeout()),
        (259200, 604800)
    );
    assert_eq!(
        (
            WaitForSSMAgent.default_timeout(),
            WaitForSSMAgent.max_timeout()
        ),
        (3600, 10800)
    );
    assert_eq!(
        (
            ModifyImageAttributes.default_timeout(),
            ModifyImageAttributes.max_timeout()
        ),
        (7200, 10800)
    );
    assert_eq!(RegisterImage.default_timeout(), 32400);
    assert_eq!(RunCommand.required_inputs(), ["instanceId", "documentName"]);
    assert_eq!(LaunchInstance.required_inputs(), ["waitFor"]);
    assert_eq!(ExecuteStateMachine.required_inputs(), ["stateMachineArn"]);
    assert!(DistributeImage.required_inputs().is_empty());
    assert!(WaitForAction.required_inputs().is_empty());
    let with_rollback: Vec<_> = Action::ALL
        .into_iter()
        .filter(|a| a.has_rollback())
        .collect();
    assert_eq!(with_rollback, [CollectImageMetadata, LaunchInstance]);
    assert_eq!(OnFailure::Continue.as_str(), "Continue");
    assert_eq!(OnFailure::parse("continue"), None);
    assert_eq!(ParamType::parse("stringList"), Some(ParamType::StringList));
    assert_eq!(ParamType::parse("StringList"), None);
}

// =============================================================================================
// parse_document: accepted documents

#[test]
fn example_document_parses() {
    let doc = parse_ok(EXAMPLE, WorkflowType::Build);
    assert_eq!(doc.parameters.len(), 1);
    let p = &doc.parameters[0];
    assert_eq!((p.name.as_str(), p.ty), ("gateEnabled", ParamType::Boolean));
    assert_eq!(p.default, Some(json!(false)));
    assert_eq!(p.default_value_strings(), Some(vec!["false".to_string()]));
    let names: Vec<_> = doc.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["StartBox", "Customize", "Approve", "Capture", "StopBox"]
    );
    let approve = &doc.steps[2];
    assert_eq!(approve.action, Action::WaitForAction);
    assert_eq!(approve.timeout_seconds, Some(3600));
    assert_eq!(approve.effective_timeout(), 3600);
    assert_eq!(approve.inputs, None);
    assert_eq!(
        approve.condition,
        Some(Condition::Compare {
            operator: Operator::BooleanEquals,
            operand: json!(true),
            value: json!("$.parameters.gateEnabled"),
        })
    );
    let start = &doc.steps[0];
    assert_eq!(start.on_failure, OnFailure::Abort);
    assert_eq!(start.rollback_enabled, RollbackEnabled::Bool(true));
    assert_eq!(start.max_attempts, 1);
    assert_eq!(start.effective_timeout(), 4500);
    assert_eq!(start.inputs, Some(json!({"waitFor": "ssmAgent"})));
    assert_eq!(doc.steps[4].on_failure, OnFailure::Continue);
    assert_eq!(
        doc.outputs,
        [OutputDef {
            name: "ImageId".into(),
            value: "$.stepOutputs.Capture.imageId".into()
        }]
    );
    assert_eq!(doc.step("Capture").unwrap().action, Action::CreateImage);
}

#[test]
fn json_text_is_accepted() {
    let data = r#"{"schemaVersion": "1.0", "steps": [
        {"name": "Launch", "action": "LaunchInstance", "inputs": {"waitFor": "ssmAgent"}},
        {"name": "Stop", "action": "TerminateInstance",
         "inputs": {"instanceId.$": "$.stepOutputs.Launch.instanceId"}}]}"#;
    let doc = parse_ok(data, WorkflowType::Test);
    assert_eq!(doc.steps.len(), 2);
}

#[test]
fn schema_version_forms() {
    let doc = |v: &str| {
        format!("schemaVersion: {v}\nsteps:\n  - name: Wait\n    action: WaitForAction\n")
    };
    parse_ok(&doc("1.0"), WorkflowType::Build);
    parse_ok(&doc("\"1.0\""), WorkflowType::Build);
    parse_ok(&doc("'1.0'"), WorkflowType::Build);
    for bad in ["1", "\"1\"", "2.0", "1.1", "true", "[1.0]", "~"] {
        let e = build_err(&doc(bad));
        assert!(
            e.contains("schemaVersion") && e.contains("not supported"),
            "{bad}: {e}"
        );
    }
    assert_eq!(
        build_err("steps:\n  - name: Wait\n    action: WaitForAction\n"),
        "The workflow document is missing required key 'schemaVersion'."
    );
}

#[test]
fn metadata_and_unknown_input_keys_are_kept() {
    let doc = parse_ok(
        &format!(
            "name: my doc\ndescription: 42\n{}",
            with_launch(
                "  - name: Cmd\n    action: RunCommand\n    inputs:\n      zeta: 1\n      instanceId.$: $.stepOutputs.Launch.instanceId\n      documentName: AWS-RunShellScript\n      alpha: {b: 1, a: 2}\n"
            )
        ),
        WorkflowType::Build,
    );
    assert_eq!(doc.name.as_deref(), Some("my doc"));
    assert_eq!(doc.description.as_deref(), Some("42"));
    let inputs = doc.steps[1].inputs.as_ref().unwrap();
    let keys: Vec<_> = inputs.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["zeta", "instanceId.$", "documentName", "alpha"]);
    assert_eq!(
        stepwise_api::pyjson::to_string(inputs),
        r#"{"zeta": 1, "instanceId.$": "$.stepOutputs.Launch.instanceId", "documentName": "AWS-RunShellScript", "alpha": {"b": 1, "a": 2}}"#
    );
}

#[test]
fn anchors_and_aliases_are_expanded() {
    let doc = parse_ok(
        &with_launch(
            "  - name: Stop\n    action: TerminateInstance\n    inputs: &stop\n      instanceId.$: $.stepOutputs.Launch.instanceId\n  - name: Stop2\n    action: TerminateInstance\n    inputs: *stop\n",
        ),
        WorkflowType::Build,
    );
    assert_eq!(doc.steps[1].inputs, doc.steps[2].inputs);
}

// =============================================================================================
// parse_document: YAML level and limits

#[test]
fn yaml_syntax_errors() {
    let e = build("schemaVersion: 1.0\nsteps: [\n").unwrap_err();
    assert!(matches!(e, DocumentError::Syntax(_)));
    assert!(
        e.to_string()
            .starts_with("The workflow document is not valid YAML: "),
        "{e}"
    );
    assert!(!e.to_string().contains('\n'));
    let e = build("a: b: c").unwrap_err();
    assert!(matches!(e, DocumentError::Syntax(_)), "{e}");
    let e = build("---\na: 1\n---\nb: 2\n").unwrap_err();
    assert!(matches!(e, DocumentError::Syntax(_)), "{e}");
    let e = build("schemaVersion: 1.0\nsteps:\n  - name: A1\n    action: !Ref WaitForAction\n")
        .unwrap_err();
    assert!(matches!(e, DocumentError::Syntax(_)), "{e}");
}

#[test]
fn yaml_errors_speak_yaml_not_rust() {
    for (doc, expected) in [
        ("steps: [:", "The workflow document is not valid YAML: the mapping key at line 1, column 9 is empty; every key must be a string."),
        ("~: 1", "The workflow document is not valid YAML: the mapping key at line 1, column 1 is empty; every key must be a string."),
        ("? [a]\n: b", "The workflow document is not valid YAML: the mapping key at line 1, column 3 is a list or a mapping; every key must be a string."),
        ("a: .nan", "The workflow document is not valid YAML: the number '.nan' at line 1, column 4 is not a finite number."),
        ("&a [*a]", "The workflow document is not valid YAML: the alias at line 1, column 5 refers to a node that contains it."),
        ("a: 'x", "The workflow document is not valid YAML: unclosed quote at line 1, column 4."),
    ] {
        assert_eq!(build_err(doc), expected, "{doc:?}");
    }
}

#[test]
fn duplicate_keys_are_rejected() {
    assert_eq!(
        build_err("schemaVersion: 1.0\nschemaVersion: 1.0\nsteps: []\n"),
        "The workflow document has a duplicate key 'schemaVersion' at line 2, column 1."
    );
    let e = build_err(&with_launch(
        "  - name: Stop\n    action: TerminateInstance\n    inputs:\n      instanceId.$: $.stepOutputs.Launch.instanceId\n      instanceId.$: x\n",
    ));
    assert!(e.contains("duplicate key 'instanceId.$'"), "{e}");
    let e = build_err(
        r#"{"schemaVersion": "1.0", "steps": [{"name": "W1", "name": "W2", "action": "WaitForAction"}]}"#,
    );
    assert!(e.contains("duplicate key 'name'"), "{e}");
}

#[test]
fn merge_keys_are_ordinary_keys() {
    let e = build_err(
        "schemaVersion: 1.0\n<<: {steps: []}\nsteps:\n  - name: Wait\n    action: WaitForAction\n",
    );
    assert_eq!(e, "The workflow document has an unknown key '<<'.");
}

#[test]
fn yaml_12_core_booleans_only() {
    // `yes`/`on` are strings in YAML 1.2, so they are not booleans here.
    for word in ["yes", "on", "y", "Yes"] {
        let e = build_err(&one_step(&format!("    rollbackEnabled: {word}\n")));
        assert!(e.contains("invalid rollbackEnabled value"), "{word}: {e}");
    }
    for word in ["true", "True", "TRUE", "false"] {
        parse_ok(
            &one_step(&format!("    rollbackEnabled: {word}\n")),
            WorkflowType::Build,
        );
    }
    let e = build_err(
        "schemaVersion: 1.0\nparameters:\n  - name: p\n    type: boolean\n    default: yes\nsteps:\n  - name: Wait\n    action: WaitForAction\n",
    );
    assert!(e.contains("not a valid boolean"), "{e}");
}

#[test]
fn document_must_be_a_mapping() {
    for data in ["", "   \n", "- a\n- b\n", "just text", "42"] {
        assert_eq!(
            build_err(data),
            "The workflow document must be a YAML mapping.",
            "{data:?}"
        );
    }
}

#[test]
fn size_limit_counts_characters() {
    let base = one_step("");
    let pad = |n: usize| format!("{base}# {}\n", "é".repeat(n));
    let fixed = base.chars().count() + 3;
    let exact = pad(MAX_DATA_CHARS - fixed);
    assert_eq!(exact.chars().count(), MAX_DATA_CHARS);
    assert!(exact.len() > MAX_DATA_CHARS);
    parse_ok(&exact, WorkflowType::Build);
    let over = pad(MAX_DATA_CHARS - fixed + 1);
    assert_eq!(
        build_err(&over),
        "The workflow document is 16001 characters long; the maximum is 16000."
    );
}

#[test]
fn unknown_keys_are_rejected() {
    assert_eq!(
        build_err(&format!("{}extra: 1\n", one_step(""))),
        "The workflow document has an unknown key 'extra'."
    );
    assert_eq!(
        build_err(&one_step("    timeoutInSeconds: 60\n")),
        "Step 'Wait' has an unknown key 'timeoutInSeconds'."
    );
    assert_eq!(
        build_err(
            "schemaVersion: 1.0\nparameters:\n  - name: p\n    defaultValue: x\nsteps:\n  - name: Wait\n    action: WaitForAction\n"
        ),
        "Parameter 'p' has an unknown key 'defaultValue'."
    );
    assert_eq!(
        build_err(&format!(
            "{}outputs:\n  - name: O\n    value: $.stepOutputs.Wait.action\n    type: string\n",
            one_step("")
        )),
        "Output 'O' has an unknown key 'type'."
    );
}

#[test]
fn step_count_limits() {
    assert_eq!(
        build_err("schemaVersion: 1.0\nsteps: []\n"),
        "The workflow document has 0 steps; it must have between 1 and 15."
    );
    assert_eq!(
        build_err("schemaVersion: 1.0\n"),
        "The workflow document is missing required key 'steps'."
    );
    assert_eq!(
        build_err("schemaVersion: 1.0\nsteps: {}\n"),
        "'steps' must be a list."
    );
    let mut data = String::from("schemaVersion: 1.0\nsteps:\n");
    for i in 0..16 {
        data.push_str(&format!("  - name: Wait{i}\n    action: WaitForAction\n"));
    }
    assert_eq!(
        build_err(&data),
        "The workflow document has 16 steps; it must have between 1 and 15."
    );
    assert_eq!(
        parse_document(&data, WorkflowType::Build, 16)
            .unwrap()
            .steps
            .len(),
        16
    );
}

#[test]
fn parameter_and_output_count_limits() {
    let mut params = String::from("schemaVersion: 1.0\nparameters:\n");
    for i in 0..26 {
        params.push_str(&format!("  - name: p{i}\n"));
    }
    params.push_str("steps:\n  - name: Wait\n    action: WaitForAction\n");
    assert_eq!(
        build_err(&params),
        "The workflow document declares 26 parameters; the maximum is 25."
    );
    let mut outputs = one_step("");
    outputs.push_str("outputs:\n");
    for i in 0..26 {
        outputs.push_str(&format!(
            "  - name: o{i}\n    value: $.stepOutputs.Wait.action\n"
        ));
    }
    assert_eq!(
        build_err(&outputs),
        "The workflow document declares 26 outputs; the maximum is 25."
    );
}

// =============================================================================================
// parse_document: parameters

fn with_params(params: &str) -> String {
    format!("schemaVersion: 1.0\nparameters:\n{params}steps:\n  - name: Wait\n    action: WaitForAction\n")
}

#[test]
fn parameter_defaults_are_typed() {
    let doc = parse_ok(
        &with_params(
            "  - name: s\n  - name: s5\n    default: 5\n  - name: sb\n    type: string\n    default: true\n  - name: sf\n    default: 1.0\n  - name: i\n    type: integer\n    default: 42\n  - name: istr\n    type: integer\n    default: \"-7\"\n  - name: b\n    type: boolean\n    default: \"true\"\n  - name: l\n    type: stringList\n    default: [a, 1, true]\n  - name: empty\n    type: stringList\n    default: []\n    description: nothing\n",
        ),
        WorkflowType::Build,
    );
    let defaults: Vec<_> = doc.parameters.iter().map(|p| p.default.clone()).collect();
    assert_eq!(
        defaults,
        [
            None,
            Some(json!("5")),
            Some(json!("true")),
            Some(json!("1.0")),
            Some(json!(42)),
            Some(json!(-7)),
            Some(json!(true)),
            Some(json!(["a", "1", "true"])),
            Some(json!([])),
        ]
    );
    assert_eq!(doc.parameters[0].ty, ParamType::String);
    assert_eq!(doc.parameters[0].default_value_strings(), None);
    assert_eq!(
        doc.parameters[4].default_value_strings(),
        Some(vec!["42".into()])
    );
    assert_eq!(
        doc.parameters[7].default_value_strings(),
        Some(vec!["a".into(), "1".into(), "true".into()])
    );
    assert_eq!(doc.parameters[8].description.as_deref(), Some("nothing"));
}

#[test]
fn parameter_errors() {
    let cases = [
        ("  - type: string\n", "Parameter 1 is missing required key 'name'."),
        ("  - name: 5\n", "Parameter 1 has a name that is not a string."),
        ("  - name: ''\n", "Parameter name '' is not valid; it must be 1 to 128 characters long and must not contain NUL."),
        ("  - name: a\n  - name: a\n", "Parameter name 'a' is declared more than once."),
        ("  - name: a\n    type: int\n", "Parameter 'a' has an unknown type 'int'; it must be 'string', 'integer', 'boolean' or 'stringList'."),
        ("  - name: a\n    type: integer\n    default: 4.5\n", "Parameter 'a' has a default value 4.5 that is not a valid integer."),
        ("  - name: a\n    type: integer\n    default: abc\n", "Parameter 'a' has a default value 'abc' that is not a valid integer."),
        ("  - name: a\n    type: integer\n    default: true\n", "Parameter 'a' has a default value true that is not a valid integer."),
        ("  - name: a\n    type: boolean\n    default: 1\n", "Parameter 'a' has a default value 1 that is not a valid boolean."),
        ("  - name: a\n    type: stringList\n    default: x\n", "Parameter 'a' has a default value 'x' that is not a valid stringList."),
        ("  - name: a\n    type: stringList\n    default: [[x]]\n", "Parameter 'a' has a default value [[\"x\"]] that is not a valid stringList."),
        ("  - name: a\n    default: {k: v}\n", "Parameter 'a' has a default value {\"k\": \"v\"} that is not a valid string."),
        ("  - name: a\n    default:\n", "Parameter 'a' has a default value null that is not a valid string."),
        ("  - name\n", "Parameter 1 must be a mapping."),
    ];
    for (params, expected) in cases {
        assert_eq!(build_err(&with_params(params)), expected, "{params}");
    }
    let long = "x".repeat(129);
    assert!(build_err(&with_params(&format!("  - name: {long}\n"))).contains("1 to 128 characters"));
    parse_ok(
        &with_params(&format!("  - name: {}\n", "x".repeat(128))),
        WorkflowType::Build,
    );
    let desc = "d".repeat(1025);
    assert_eq!(
        build_err(&with_params(&format!(
            "  - name: a\n    description: {desc}\n"
        ))),
        "Parameter 'a' has a description that is not a string of at most 1024 characters."
    );
    assert_eq!(
        build_err("schemaVersion: 1.0\nparameters: x\nsteps: []\n"),
        "'parameters' must be a list."
    );
}

// =============================================================================================
// parse_document: steps

#[test]
fn step_names() {
    for good in ["Ab", "a-b_c", "Z9", &format!("A{}", "b".repeat(99))] {
        parse_ok(
            &format!("schemaVersion: 1.0\nsteps:\n  - name: {good}\n    action: WaitForAction\n"),
            WorkflowType::Build,
        );
    }
    for bad in [
        "A",
        "1abc",
        "_ab",
        "a b",
        "ab.c",
        "ab$",
        "Äb",
        &format!("A{}", "b".repeat(100)),
    ] {
        let e = build_err(&format!(
            "schemaVersion: 1.0\nsteps:\n  - name: \"{bad}\"\n    action: WaitForAction\n"
        ));
        assert_eq!(
            e,
            format!(
                "Step name '{bad}' is not valid; it must match ^[A-Za-z][A-Za-z0-9-_]{{1,99}}$."
            )
        );
    }
    assert_eq!(
        build_err("schemaVersion: 1.0\nsteps:\n  - name: Ab\n    action: WaitForAction\n  - name: Ab\n    action: WaitForAction\n"),
        "Step name 'Ab' is used more than once."
    );
    assert_eq!(
        build_err("schemaVersion: 1.0\nsteps:\n  - action: WaitForAction\n"),
        "Step 1 is missing required key 'name'."
    );
    assert_eq!(
        build_err("schemaVersion: 1.0\nsteps:\n  - name: 12\n    action: WaitForAction\n"),
        "Step 1 has a name 12 that is not a string."
    );
    assert_eq!(
        build_err("schemaVersion: 1.0\nsteps:\n  - Wait\n"),
        "Step 1 must be a mapping."
    );
}

#[test]
fn step_actions() {
    assert_eq!(
        build_err("schemaVersion: 1.0\nsteps:\n  - name: Foo\n"),
        "Step 'Foo' is missing required key 'action'."
    );
    assert_eq!(
        build_err("schemaVersion: 1.0\nsteps:\n  - name: Foo\n    action: Reboot\n"),
        "Step 'Foo' uses unknown action 'Reboot'."
    );
    assert_eq!(
        build_err("schemaVersion: 1.0\nsteps:\n  - name: Foo\n    action: DistributeImage\n"),
        "Step 'Foo' uses action 'DistributeImage', which is not allowed in a BUILD workflow."
    );
    assert_eq!(
        parse_err(
            "schemaVersion: 1.0\nsteps:\n  - name: Foo\n    action: ExecuteComponents\n    inputs: {instanceId: i-1}\n",
            WorkflowType::Distribution
        ),
        "Step 'Foo' uses action 'ExecuteComponents', which is not allowed in a DISTRIBUTION workflow."
    );
    assert_eq!(
        build_err("schemaVersion: 1.0\nsteps:\n  - name: Foo\n    action: CollectImageScanFindings\n    inputs: {instanceId: i-1}\n"),
        "Step 'Foo' uses action 'CollectImageScanFindings', which is not allowed in a BUILD workflow."
    );
    parse_ok(
        "schemaVersion: 1.0\nsteps:\n  - name: Foo\n    action: CollectImageScanFindings\n    inputs: {instanceId: i-1}\n",
        WorkflowType::Test,
    );
}

#[test]
fn step_description_on_failure_rollback() {
    let doc = parse_ok(
        &one_step(&format!(
            "    description: \"{}\"\n    onFailure: Continue\n    rollbackEnabled: false\n",
            "d".repeat(1024)
        )),
        WorkflowType::Build,
    );
    let step = &doc.steps[0];
    assert_eq!(step.description.as_ref().unwrap().len(), 1024);
    assert_eq!(step.on_failure, OnFailure::Continue);
    assert_eq!(step.rollback_enabled, RollbackEnabled::Bool(false));
    for bad in ["''", &"d".repeat(1025), "[a]", "5"] {
        assert_eq!(
            build_err(&one_step(&format!("    description: {bad}\n"))),
            "Step 'Wait' has a description that is not a string of 1 to 1024 characters.",
            "{bad}"
        );
    }
    assert_eq!(
        build_err(&one_step("    onFailure: abort\n")),
        "Step 'Wait' has an invalid onFailure value 'abort'; it must be 'Abort' or 'Continue'."
    );
    assert_eq!(
        build_err(&one_step("    onFailure: true\n")),
        "Step 'Wait' has an invalid onFailure value true; it must be 'Abort' or 'Continue'."
    );
    assert_eq!(
        build_err(&one_step("    rollbackEnabled: 5\n")),
        "Step 'Wait' has an invalid rollbackEnabled value 5; it must be a boolean or a reference."
    );
    let doc = parse_ok(
        &format!(
            "schemaVersion: 1.0\nparameters:\n  - name: rb\n    type: boolean\n    default: true\n{}",
            &one_step("    rollbackEnabled: $.parameters.rb\n")["schemaVersion: 1.0\n".len()..]
        ),
        WorkflowType::Build,
    );
    assert_eq!(
        doc.steps[0].rollback_enabled,
        RollbackEnabled::Reference("$.parameters.rb".into())
    );
    assert_eq!(
        build_err(&one_step("    rollbackEnabled: $.parameters.rb\n")),
        "Step 'Wait' references parameter 'rb' in '$.parameters.rb', but no such parameter is declared."
    );
    let doc = parse_ok(
        &one_step("    rollbackEnabled: 'false'\n"),
        WorkflowType::Build,
    );
    assert_eq!(doc.steps[0].rollback_enabled, RollbackEnabled::Bool(false));
}

#[test]
fn step_timeouts_and_attempts() {
    let doc = parse_ok(
        &one_step("    timeoutSeconds: 604800\n    maxAttempts: 10\n"),
        WorkflowType::Build,
    );
    assert_eq!(doc.steps[0].timeout_seconds, Some(604800));
    assert_eq!(doc.steps[0].max_attempts, 10);
    for bad in ["0", "604801", "-5", "60.5", "\"60\"", "1.0"] {
        assert_eq!(
            build_err(&one_step(&format!("    timeoutSeconds: {bad}\n"))),
            format!(
                "Step 'Wait' has timeoutSeconds {}; it must be an integer from 1 to 604800 for action 'WaitForAction'.",
                if bad == "\"60\"" { "'60'" } else { bad }
            )
        );
    }
    assert_eq!(
        build_err(&with_launch("").replace("waitFor: ssmAgent\n", "waitFor: ssmAgent\n    timeoutSeconds: 43201\n")),
        "Step 'Launch' has timeoutSeconds 43201; it must be an integer from 1 to 43200 for action 'LaunchInstance'."
    );
    for bad in ["0", "11", "true", "2.5"] {
        assert_eq!(
            build_err(&one_step(&format!("    maxAttempts: {bad}\n"))),
            format!("Step 'Wait' has maxAttempts {bad}; it must be an integer from 1 to 10.")
        );
    }
}

#[test]
fn required_inputs() {
    assert_eq!(
        build_err("schemaVersion: 1.0\nsteps:\n  - name: Foo\n    action: CreateImage\n"),
        "Step 'Foo' is missing required input 'instanceId'."
    );
    assert_eq!(
        build_err("schemaVersion: 1.0\nsteps:\n  - name: Foo\n    action: CreateImage\n    inputs:\n      instanceID: i-1\n"),
        "Step 'Foo' is missing required input 'instanceId'."
    );
    assert_eq!(
        build_err("schemaVersion: 1.0\nsteps:\n  - name: Foo\n    action: LaunchInstance\n    inputs: {}\n"),
        "Step 'Foo' is missing required input 'waitFor'."
    );
    assert_eq!(
        build_err(&with_launch("  - name: Cmd\n    action: RunCommand\n    inputs:\n      instanceId.$: $.stepOutputs.Launch.instanceId\n")),
        "Step 'Cmd' is missing required input 'documentName'."
    );
    assert_eq!(
        build_err("schemaVersion: 1.0\nsteps:\n  - name: Sm\n    action: ExecuteStateMachine\n"),
        "Step 'Sm' is missing required input 'stateMachineArn'."
    );
    assert_eq!(
        build_err("schemaVersion: 1.0\nsteps:\n  - name: Foo\n    action: CreateImage\n    inputs: [instanceId]\n"),
        "Step 'Foo' has inputs that are not a mapping."
    );
    // A plain key and a `.$` key both satisfy a required input.
    parse_ok("schemaVersion: 1.0\nsteps:\n  - name: Foo\n    action: CreateImage\n    inputs:\n      instanceId: i-0123\n", WorkflowType::Build);
    parse_ok("schemaVersion: 1.0\nsteps:\n  - name: Foo\n    action: CreateImage\n    inputs:\n      instanceId.$: i-0123\n", WorkflowType::Build);
    // Optional inputs only.
    parse_ok(
        "schemaVersion: 1.0\nsteps:\n  - name: Reg\n    action: RegisterImage\n",
        WorkflowType::Build,
    );
    assert_eq!(
        build_err(&with_launch("  - name: Stop\n    action: TerminateInstance\n    inputs:\n      instanceId: i-1\n      instanceId.$: $.stepOutputs.Launch.instanceId\n")),
        "Step 'Stop' sets input 'instanceId' twice, as 'instanceId' and as 'instanceId.$'."
    );
    assert_eq!(
        build_err(&one_step("    inputs:\n      .$: $.stepOutputs.X.y\n")),
        "Step 'Wait' has an input key '.$' without a name."
    );
}

#[test]
fn step_references() {
    let cases = [
        (
            "  - name: Stop\n    action: TerminateInstance\n    inputs:\n      instanceId.$: $.stepOutputs.Later.instanceId\n  - name: Later\n    action: LaunchInstance\n    inputs: {waitFor: ssmAgent}\n",
            "Step 'Stop' references '$.stepOutputs.Later.instanceId', but 'Later' is not an earlier step.",
        ),
        (
            "  - name: Stop\n    action: TerminateInstance\n    inputs:\n      instanceId.$: $.stepOutputs.Stop.instanceId\n",
            "Step 'Stop' references '$.stepOutputs.Stop.instanceId', but 'Stop' is not an earlier step.",
        ),
        (
            "  - name: Stop\n    action: TerminateInstance\n    inputs:\n      instanceId.$: $.parameters.id\n",
            "Step 'Stop' references parameter 'id' in '$.parameters.id', but no such parameter is declared.",
        ),
        (
            "  - name: Stop\n    action: TerminateInstance\n    inputs:\n      instanceId.$: $.imagebuilder.instanceId\n",
            "Step 'Stop' references '$.imagebuilder.instanceId', but 'instanceId' is not a known imagebuilder variable.",
        ),
        (
            "  - name: Stop\n    action: TerminateInstance\n    inputs:\n      instanceId.$: $.stepOutput.Launch.instanceId\n",
            "Step 'Stop' uses reference '$.stepOutput.Launch.instanceId' with unknown root 'stepOutput'; the root must be one of 'parameters', 'stepOutputs', 'workflowOutputs', 'imagebuilder'.",
        ),
        (
            "  - name: Stop\n    action: TerminateInstance\n    inputs:\n      instanceId.$: $.stepOutputs.Launch.instanceId[x]\n",
            "Step 'Stop' has a malformed reference '$.stepOutputs.Launch.instanceId[x]'.",
        ),
        // Plain key holding a whole reference.
        (
            "  - name: Stop\n    action: TerminateInstance\n    inputs:\n      instanceId: $.stepOutputs.Nope.instanceId\n",
            "Step 'Stop' references '$.stepOutputs.Nope.instanceId', but 'Nope' is not an earlier step.",
        ),
        // Interpolation inside a plain string.
        (
            "  - name: Stop\n    action: TerminateInstance\n    inputs:\n      instanceId: i-1\n      note: \"built {{ $.parameters.when }}\"\n",
            "Step 'Stop' references parameter 'when' in '$.parameters.when', but no such parameter is declared.",
        ),
        // Malformed reference inside a placeholder.
        (
            "  - name: Stop\n    action: TerminateInstance\n    inputs:\n      instanceId: i-1\n      note: \"{{ $.parameters. }}\"\n",
            "Step 'Stop' has a malformed reference '$.parameters.'.",
        ),
        // `.$` key nested in a list item.
        (
            "  - name: Stop\n    action: TerminateInstance\n    inputs:\n      instanceId: i-1\n      items:\n        - region.$: $.stepOutputs.Ghost.region\n",
            "Step 'Stop' references '$.stepOutputs.Ghost.region', but 'Ghost' is not an earlier step.",
        ),
        // Plain string list item holding a reference.
        (
            "  - name: Stop\n    action: TerminateInstance\n    inputs:\n      instanceId: i-1\n      items: [$.imagebuilder.nope]\n",
            "Step 'Stop' references '$.imagebuilder.nope', but 'nope' is not a known imagebuilder variable.",
        ),
    ];
    for (steps, expected) in cases {
        assert_eq!(build_err(&with_launch(steps)), expected, "{steps}");
    }
    // Accepted forms.
    let doc = parse_ok(
        &format!(
            "schemaVersion: 1.0\nparameters:\n  - name: tag\n{}",
            &with_launch(
                "  - name: Stop\n    action: TerminateInstance\n    inputs:\n      instanceId.$: $.stepOutputs.Launch.instanceId\n      literal.$: just text\n      price: $.50 each\n      legacy: \"{{imagebuilder:buildDate}}\"\n      from: $.workflowOutputs.Anything.at[0]\n      note.$: \"{{ $.parameters.tag }}-{{$.imagebuilder.platform}}\"\n      list:\n        - a.$: $.imagebuilder.securityGroups[0]\n"
            )["schemaVersion: 1.0\n".len()..]
        ),
        WorkflowType::Build,
    );
    assert_eq!(doc.steps.len(), 2);
}

#[test]
fn distribute_container_image_exclusivity() {
    let dist = "  - name: Dist\n    action: DistributeImage\n";
    let container =
        "  - name: Cont\n    action: DistributeContainerImage\n    inputs: {instanceId: i-1}\n";
    let doc = |a: &str, b: &str| format!("schemaVersion: 1.0\nsteps:\n{a}{b}");
    assert_eq!(
        parse_err(&doc(dist, container), WorkflowType::Distribution),
        "Step 'Cont' uses action 'DistributeContainerImage', which cannot be combined with action 'DistributeImage' (step 'Dist') in the same workflow."
    );
    assert_eq!(
        parse_err(&doc(container, dist), WorkflowType::Distribution),
        "Step 'Dist' uses action 'DistributeImage', which cannot be combined with action 'DistributeContainerImage' (step 'Cont') in the same workflow."
    );
    let modify = "  - name: Mod\n    action: ModifyImageAttributes\n    inputs: {distributedImages.$: $.stepOutputs.Dist.distributedImages}\n";
    assert!(
        parse_err(&doc(container, modify), WorkflowType::Distribution)
            .contains("cannot be combined")
    );
    parse_ok(
        &doc(container, "  - name: Wait\n    action: WaitForAction\n"),
        WorkflowType::Distribution,
    );
    parse_ok(&doc(dist, modify), WorkflowType::Distribution);
}

#[test]
fn distributed_images_must_come_from_an_earlier_distribute_image() {
    let doc = |steps: &str| {
        format!("schemaVersion: 1.0\nsteps:\n  - name: Dist\n    action: DistributeImage\n  - name: Wait\n    action: WaitForAction\n{steps}")
    };
    let expected = |step: &str| {
        format!("Step '{step}' input 'distributedImages' must reference '$.stepOutputs.<step>.distributedImages' of an earlier DistributeImage step.")
    };
    let ok = [
        "  - name: Mod\n    action: ModifyImageAttributes\n    inputs:\n      distributedImages.$: $.stepOutputs.Dist.distributedImages\n      attributes:\n        - region: us-east-1\n          launchPermission: {userIds: ['111122223333']}\n",
        "  - name: Cfg\n    action: ApplyImageConfigurations\n    inputs:\n      distributedImages: $.stepOutputs.Dist.distributedImages\n      configurations:\n        - region.$: $.imagebuilder.platform\n",
    ];
    for steps in ok {
        parse_ok(&doc(steps), WorkflowType::Distribution);
    }
    let bad = [
        ("Mod", "  - name: Mod\n    action: ModifyImageAttributes\n    inputs:\n      distributedImages.$: $.stepOutputs.Wait.distributedImages\n"),
        ("Mod", "  - name: Mod\n    action: ModifyImageAttributes\n    inputs:\n      distributedImages.$: $.stepOutputs.Dist.distributedImages[0]\n"),
        ("Mod", "  - name: Mod\n    action: ModifyImageAttributes\n    inputs:\n      distributedImages.$: $.stepOutputs.Dist.images\n"),
        ("Cfg", "  - name: Cfg\n    action: ApplyImageConfigurations\n    inputs:\n      distributedImages: [ami-1]\n"),
    ];
    for (step, steps) in bad {
        assert_eq!(
            parse_err(&doc(steps), WorkflowType::Distribution),
            expected(step),
            "{steps}"
        );
    }
    assert_eq!(
        parse_err(
            &doc("  - name: Cfg\n    action: ApplyImageConfigurations\n"),
            WorkflowType::Distribution
        ),
        "Step 'Cfg' is missing required input 'distributedImages'."
    );
    // The referenced DistributeImage step must come first.
    assert_eq!(
        parse_err(
            "schemaVersion: 1.0\nsteps:\n  - name: Mod\n    action: ModifyImageAttributes\n    inputs:\n      distributedImages.$: $.stepOutputs.Dist.distributedImages\n  - name: Dist\n    action: DistributeImage\n",
            WorkflowType::Distribution
        ),
        "Step 'Mod' references '$.stepOutputs.Dist.distributedImages', but 'Dist' is not an earlier step."
    );
}

#[test]
fn regional_list_items_need_a_region() {
    let doc = |inputs: &str| {
        format!("schemaVersion: 1.0\nsteps:\n  - name: Dist\n    action: DistributeImage\n    inputs:\n{inputs}")
    };
    parse_ok(&doc("      distributions:\n        - region: us-east-1\n        - region.$: $.imagebuilder.platform\n          name: x\n"), WorkflowType::Distribution);
    assert_eq!(
        parse_err(
            &doc("      distributions:\n        - region: us-east-1\n        - name: x\n"),
            WorkflowType::Distribution
        ),
        "Step 'Dist' is missing required input 'distributions[1].region'."
    );
    assert_eq!(
        parse_err(
            &doc("      distributions: [us-east-1]\n"),
            WorkflowType::Distribution
        ),
        "Step 'Dist' input 'distributions[0]' must be a mapping."
    );
    parse_ok(
        &doc("      distributions: []\n"),
        WorkflowType::Distribution,
    );
}

// =============================================================================================
// parse_document: if

fn with_if(condition: &str) -> String {
    format!(
        "schemaVersion: 1.0\nparameters:\n  - name: n\n    type: integer\n    default: 1\nsteps:\n  - name: Wait\n    action: WaitForAction\n    if:\n{condition}"
    )
}

fn if_err(condition: &str) -> String {
    let e = build_err(&with_if(condition));
    let prefix = "Step 'Wait' has an invalid 'if' condition: ";
    assert!(e.starts_with(prefix), "{e}");
    e[prefix.len()..].to_string()
}

#[test]
fn if_structure_accepted() {
    let doc = parse_ok(
        &with_if("      - and:\n          - numberGreaterThan: 0\n            value: $.parameters.n\n          - not:\n              stringEquals: Windows\n              value: $.imagebuilder.platform\n"),
        WorkflowType::Build,
    );
    let Some(Condition::And(children)) = &doc.steps[0].condition else {
        panic!("{:?}", doc.steps[0].condition)
    };
    assert_eq!(children.len(), 2);
    assert!(matches!(&children[1], Condition::Not(_)));
    // Depth 4 (and → or → not → comparison) is the limit.
    parse_ok(
        &with_if("      and:\n        - or:\n            - not:\n                booleanEquals: true\n                value: $.imagebuilder.collectImageMetadata\n"),
        WorkflowType::Build,
    );
    // Literal operands of every kind that fits.
    for (op, operand, value) in [
        ("stringEquals", "5", "five"),
        ("stringEquals", "[1, 2]", "x"),
        ("numberEquals", "'1'", "1"),
        ("numberLessThan", "-2.5", "'3'"),
        ("booleanEquals", "'true'", "false"),
        ("numberEquals", "1", "\"{{ $.parameters.n }}\""),
    ] {
        parse_ok(
            &with_if(&format!("      {op}: {operand}\n      value: {value}\n")),
            WorkflowType::Build,
        );
    }
    // 10 children are fine.
    let ten = "        - booleanEquals: true\n          value: true\n".repeat(10);
    parse_ok(&with_if(&format!("      or:\n{ten}")), WorkflowType::Build);
}

#[test]
fn if_structure_rejected() {
    let cases = [
        (
            "      - booleanEquals: true\n        value: true\n      - booleanEquals: true\n        value: true\n",
            "a list directly under 'if' must hold exactly one condition.",
        ),
        ("      []\n", "a list directly under 'if' must hold exactly one condition."),
        (
            "      and:\n        - or:\n            - not:\n                and:\n                  - booleanEquals: true\n                    value: true\n",
            "conditions may be nested at most 4 levels deep.",
        ),
        ("      and: []\n", "'and' must hold a list of 1 to 10 conditions."),
        ("      or: {booleanEquals: true, value: true}\n", "'or' must hold a list of 1 to 10 conditions."),
        ("      not:\n        - booleanEquals: true\n          value: true\n", "'not' must hold exactly one condition mapping."),
        (
            "      and:\n        - booleanEquals: true\n          value: true\n      value: true\n",
            "'and' must be the only key of its condition.",
        ),
        ("      booleanEquals: true\n", "a comparison must have exactly two keys, an operator and 'value'."),
        (
            "      booleanEquals: true\n      stringEquals: x\n      value: true\n",
            "a comparison must have exactly two keys, an operator and 'value'.",
        ),
        ("      booleanEquals: true\n      values: true\n", "a comparison must have exactly two keys, an operator and 'value'."),
        ("      stringNotEquals: x\n      value: y\n", "unknown operator 'stringNotEquals'."),
        ("      StringEquals: x\n      value: y\n", "unknown operator 'StringEquals'."),
        ("      and:\n        - x\n", "each condition must be a mapping, not 'x'."),
        ("      stringEquals: $.parameters.n\n      value: x\n", "only 'value' may hold a reference, not 'stringEquals'."),
        ("      numberEquals: abc\n      value: 1\n", "'numberEquals' needs a number, not 'abc'."),
        ("      numberEquals: '1.'\n      value: 1\n", "'numberEquals' needs a number, not '1.'."),
        ("      numberEquals: true\n      value: 1\n", "'numberEquals' needs a number, not true."),
        ("      booleanEquals: yes\n      value: true\n", "'booleanEquals' needs a boolean, not 'yes'."),
        ("      stringEquals:\n      value: x\n", "'stringEquals' needs a value that is not null, not null."),
        ("      numberGreaterThan: 1\n      value: ten\n", "'value' of 'numberGreaterThan' must be a number or a reference, not 'ten'."),
        ("      booleanEquals: true\n      value: 1\n", "'value' of 'booleanEquals' must be a boolean or a reference, not 1."),
    ];
    for (condition, expected) in cases {
        assert_eq!(if_err(condition), expected, "{condition}");
    }
    let eleven = "        - booleanEquals: true\n          value: true\n".repeat(11);
    assert_eq!(
        if_err(&format!("      and:\n{eleven}")),
        "'and' must hold a list of 1 to 10 conditions."
    );
    // References in `value` are validated like any other.
    assert_eq!(
        build_err(&with_if("      numberEquals: 1\n      value: $.parameters.missing\n")),
        "Step 'Wait' references parameter 'missing' in '$.parameters.missing', but no such parameter is declared."
    );
    assert_eq!(
        build_err(&with_if(
            "      numberEquals: 1\n      value: $.parameters\n"
        )),
        "Step 'Wait' has a malformed reference '$.parameters'."
    );
    assert_eq!(
        build_err(&with_if(
            "      stringEquals: x\n      value: $.stepOutputs.Wait.action\n"
        )),
        "Step 'Wait' references '$.stepOutputs.Wait.action', but 'Wait' is not an earlier step."
    );
}

// =============================================================================================
// parse_document: outputs

#[test]
fn outputs_validation() {
    let base = one_step("");
    let with = |outputs: &str| format!("{base}outputs:\n{outputs}");
    let doc = parse_ok(&with("  - name: A\n    value: $.stepOutputs.Wait.action\n  - name: B\n    value: \"{{ $.stepOutputs.Wait.reason }}!\"\n"), WorkflowType::Build);
    assert_eq!(doc.outputs.len(), 2);
    let cases = [
        ("  - name: A\n    value: $.stepOutputs.Wait.action\n  - name: A\n    value: $.stepOutputs.Wait.reason\n", "Output name 'A' is used more than once."),
        ("  - name: A\n    value: $.stepOutputs.Nope.x\n", "Output 'A' references '$.stepOutputs.Nope.x', but there is no step named 'Nope'."),
        ("  - name: A\n", "Output 'A' is missing required key 'value'."),
        ("  - value: $.stepOutputs.Wait.action\n", "Output 1 is missing required key 'name'."),
        ("  - name: A\n    value: [x]\n", "Output 'A' has a value [\"x\"] that is not a string."),
        ("  - name: ''\n    value: x\n", "Output 1 has a name '' that is not a non-empty string."),
        ("  - name: A\n    value: $.nope.x\n", "Output 'A' uses reference '$.nope.x' with unknown root 'nope'; the root must be one of 'parameters', 'stepOutputs', 'workflowOutputs', 'imagebuilder'."),
        ("  - x\n", "Output 1 must be a mapping."),
    ];
    for (outputs, expected) in cases {
        assert_eq!(build_err(&with(outputs)), expected, "{outputs}");
    }
    assert_eq!(
        build_err(&format!("{base}outputs: {{}}\n")),
        "'outputs' must be a list."
    );
}

// =============================================================================================
// resolve_inputs

#[test]
fn resolve_whole_references_keep_their_type() {
    let f = Fixture::new();
    let raw = json!({
        "instanceId.$": "$.stepOutputs.Launch.instanceId",
        "count.$": "$.parameters.count",
        "flag.$": "$.parameters.flag",
        "regions.$": "$.parameters.regions",
        "logs.$": "$.imagebuilder.s3Logs",
        "plain": "$.parameters.count",
        "literal": "hello",
        "literal.$": "kept as is",
        "number": 7,
        "nothing": null,
    });
    let resolved = resolve_inputs(&raw, &f.ctx()).unwrap();
    assert_eq!(
        resolved,
        json!({
            "instanceId": "i-0a1b2c3d4e5f60718",
            "count": 5,
            "flag": true,
            "regions": ["us-east-1", "eu-west-1"],
            "logs": {"s3BucketName": "b", "s3KeyPrefix": "p/"},
            "plain": 5,
            "literal": "kept as is",
            "number": 7,
            "nothing": null,
        })
    );
    // Key order follows the document.
    let keys: Vec<_> = resolved.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "instanceId",
            "count",
            "flag",
            "regions",
            "logs",
            "plain",
            "literal",
            "number",
            "nothing"
        ]
    );
}

#[test]
fn resolve_nested_dollar_keys_in_list_items() {
    let f = Fixture::new();
    let raw = json!({
        "distributions": [
            {"region.$": "$.stepOutputs.Dist.distributedImages[1].region", "name": "n-{{ $.parameters.name }}"},
            {"region": "us-west-2", "targetAccountIds.$": "$.parameters.regions",
             "deep": {"deeper.$": "$.imagebuilder.securityGroups[0]"}},
            "$.workflowOutputs.ImageId",
            ["$.parameters.flag"],
        ]
    });
    let resolved = resolve_inputs(&raw, &f.ctx()).unwrap();
    assert_eq!(
        resolved,
        json!({
            "distributions": [
                {"region": "eu-west-1", "name": "n-web"},
                {"region": "us-west-2", "targetAccountIds": ["us-east-1", "eu-west-1"],
                 "deep": {"deeper": "sg-1"}},
                "ami-0f9e8d7c6b5a49382",
                [true],
            ]
        })
    );
}

#[test]
fn interpolation_uses_python_json_layout() {
    let f = Fixture::new();
    let raw = json!({
        "s.$": "name={{ $.parameters.name }}",
        "n": "{{$.parameters.count}} items",
        "b": "flag is {{ $.parameters.flag }}",
        "f": "ratio {{ $.parameters.ratio }}",
        "l": "regions: {{ $.parameters.regions }}",
        "o": "logs={{ $.imagebuilder.s3Logs }}",
        "u": "{{ $.imagebuilder.securityGroups }}",
        "two": "{{ $.parameters.name }}/{{ $.imagebuilder.platform }}/{{ $.parameters.count }}",
        "legacy": "img {{imagebuilder:buildDate}} {{ imagebuilder:buildVersion }} {{ $.parameters.name }}",
        "legacyOnly": "{{imagebuilder:buildDate:yyyyMMdd}}",
        "whole": "{{ $.parameters.count }}",
    });
    let resolved = resolve_inputs(&raw, &f.ctx()).unwrap();
    assert_eq!(
        resolved,
        json!({
            "s": "name=web",
            "n": "5 items",
            "b": "flag is true",
            "f": "ratio 1.0",
            "l": "regions: [\"us-east-1\", \"eu-west-1\"]",
            "o": "logs={\"s3BucketName\": \"b\", \"s3KeyPrefix\": \"p/\"}",
            "u": "[\"sg-1\", \"sg-\\u00e9\"]",
            "two": "web/Linux/5",
            "legacy": "img {{imagebuilder:buildDate}} {{ imagebuilder:buildVersion }} web",
            "legacyOnly": "{{imagebuilder:buildDate:yyyyMMdd}}",
            "whole": "5",
        })
    );
}

#[test]
fn array_indexing() {
    let f = Fixture::new();
    let ctx = f.ctx();
    assert_eq!(
        resolve_reference("$.stepOutputs.Cmd.output[0]", &ctx).unwrap(),
        json!("line0")
    );
    assert_eq!(
        resolve_reference("$.stepOutputs.Cmd.output[1]", &ctx).unwrap(),
        json!("line1")
    );
    assert_eq!(
        resolve_reference("$.stepOutputs.Dist.distributedImages[0].nested[1][0]", &ctx).unwrap(),
        json!(3)
    );
    assert_eq!(
        resolve_reference("$.parameters.regions[1]", &ctx).unwrap(),
        json!("eu-west-1")
    );
    for bad in [
        "$.stepOutputs.Cmd.output[2]",
        "$.stepOutputs.Cmd.status[0]",
        "$.stepOutputs.Cmd.output.first",
        "$.parameters.count[0]",
    ] {
        assert_eq!(
            resolve_reference(bad, &ctx).unwrap_err().to_string(),
            format!("Unable to resolve '{bad}'.")
        );
    }
}

#[test]
fn resolution_failures() {
    let f = Fixture::new();
    let ctx = f.ctx();
    let err = |raw: Value| resolve_inputs(&raw, &ctx).unwrap_err().to_string();
    // A step that did not complete (unknown, skipped or later) is not in `step_outputs`.
    assert_eq!(
        err(json!({"instanceId.$": "$.stepOutputs.Skipped.instanceId"})),
        "Unable to resolve '$.stepOutputs.Skipped.instanceId'."
    );
    assert_eq!(
        err(json!({"x.$": "$.stepOutputs.Launch.missing"})),
        "Unable to resolve '$.stepOutputs.Launch.missing'."
    );
    assert_eq!(
        err(json!({"x": "$.workflowOutputs.Nope"})),
        "Unable to resolve '$.workflowOutputs.Nope'."
    );
    assert_eq!(
        err(json!({"a": [{"b.$": "pre {{ $.parameters.nope }} post"}]})),
        "Unable to resolve '$.parameters.nope'."
    );
    assert_eq!(
        err(json!({"x.$": "$.parameters"})),
        "Unable to resolve '$.parameters'."
    );
    assert_eq!(
        err(json!({"x.$": " $.bogus.root "})),
        "Unable to resolve '$.bogus.root'."
    );
    // Plain keys with text that is not a reference stay literal.
    assert_eq!(
        resolve_inputs(&json!({"price": "$.50 each", "p": "$.parameters"}), &ctx).unwrap(),
        json!({"price": "$.50 each", "p": "$.parameters"})
    );
}

// =============================================================================================
// evaluate_condition

fn cmp(operator: Operator, operand: Value, value: Value) -> Condition {
    Condition::Compare {
        operator,
        operand,
        value,
    }
}

fn eval(c: &Condition) -> Result<bool, EvalError> {
    let f = Fixture::new();
    evaluate_condition(c, &f.ctx())
}

#[test]
fn string_equals() {
    use Operator::StringEquals as S;
    let cases = [
        (json!("Linux"), json!("$.imagebuilder.platform"), true),
        (json!("linux"), json!("$.imagebuilder.platform"), false),
        (json!("5"), json!("$.parameters.count"), true),
        (json!(5), json!("5"), true),
        (json!(5), json!("5.0"), false),
        (json!(true), json!("$.parameters.flag"), true),
        (json!("true"), json!("$.parameters.flag"), true),
        (json!("True"), json!("$.parameters.flag"), false),
        (json!("1.0"), json!("$.parameters.ratio"), true),
        (
            json!("[\"us-east-1\", \"eu-west-1\"]"),
            json!("$.parameters.regions"),
            true,
        ),
        (
            json!("[\"us-east-1\",\"eu-west-1\"]"),
            json!("$.parameters.regions"),
            false,
        ),
        (
            json!(["us-east-1", "eu-west-1"]),
            json!("$.parameters.regions"),
            true,
        ),
        (
            json!("web-Linux"),
            json!("{{ $.parameters.name }}-{{ $.imagebuilder.platform }}"),
            true,
        ),
        (json!("AMI"), json!("AMI"), true),
    ];
    for (operand, value, expected) in cases {
        assert_eq!(
            eval(&cmp(S, operand.clone(), value.clone())),
            Ok(expected),
            "{operand} vs {value}"
        );
    }
}

#[test]
fn number_operators() {
    use Operator::*;
    let cases = [
        (NumberEquals, json!(5), json!("$.parameters.count"), true),
        (NumberEquals, json!("5"), json!("$.parameters.count"), true),
        (NumberEquals, json!("1"), json!(1), true),
        (
            NumberEquals,
            json!(1.5),
            json!("$.parameters.numText"),
            true,
        ),
        (NumberEquals, json!(1), json!("$.parameters.ratio"), true),
        (NumberEquals, json!("-2"), json!(-2.0), true),
        (NumberEquals, json!(4), json!("$.parameters.count"), false),
        (
            NumberGreaterThan,
            json!(4),
            json!("$.parameters.count"),
            true,
        ),
        (
            NumberGreaterThan,
            json!(5),
            json!("$.parameters.count"),
            false,
        ),
        (
            NumberGreaterThanEquals,
            json!(5),
            json!("$.parameters.count"),
            true,
        ),
        (
            NumberGreaterThanEquals,
            json!(6),
            json!("$.parameters.count"),
            false,
        ),
        (NumberLessThan, json!(6), json!("$.parameters.count"), true),
        (NumberLessThan, json!(5), json!("$.parameters.count"), false),
        (
            NumberLessThanEquals,
            json!(5),
            json!("$.parameters.count"),
            true,
        ),
        (
            NumberLessThanEquals,
            json!("4.99"),
            json!("$.parameters.count"),
            false,
        ),
        (
            NumberGreaterThan,
            json!(2),
            json!("$.imagebuilder.imageBuildNumber"),
            true,
        ),
        (
            NumberLessThan,
            json!(10),
            json!("{{ $.parameters.count }}"),
            true,
        ),
    ];
    for (op, operand, value, expected) in cases {
        assert_eq!(
            eval(&cmp(op, operand.clone(), value.clone())),
            Ok(expected),
            "{op} {operand} {value}"
        );
    }
}

#[test]
fn boolean_equals() {
    use Operator::BooleanEquals as B;
    let cases = [
        (json!(true), json!("$.parameters.flag"), true),
        (json!(false), json!("$.parameters.flag"), false),
        (json!(false), json!("$.parameters.flagText"), true),
        (json!("true"), json!(true), true),
        (json!("false"), json!("false"), true),
        (
            json!(true),
            json!("$.imagebuilder.collectImageMetadata"),
            true,
        ),
        (
            json!(true),
            json!("$.imagebuilder.collectImageScanFindings"),
            false,
        ),
    ];
    for (operand, value, expected) in cases {
        assert_eq!(
            eval(&cmp(B, operand.clone(), value.clone())),
            Ok(expected),
            "{operand} {value}"
        );
    }
}

#[test]
fn operand_coercion_failures_fail_the_step() {
    use Operator::*;
    let unresolved = |r: &str| {
        Err(EvalError::Unresolved {
            reference: r.into(),
        })
    };
    // A referenced value that does not fit the operator.
    assert_eq!(
        eval(&cmp(NumberEquals, json!(1), json!("$.parameters.name"))),
        unresolved("$.parameters.name")
    );
    assert_eq!(
        eval(&cmp(NumberEquals, json!(1), json!("$.parameters.bad"))),
        unresolved("$.parameters.bad")
    );
    assert_eq!(
        eval(&cmp(NumberEquals, json!(1), json!("$.parameters.flag"))),
        unresolved("$.parameters.flag")
    );
    assert_eq!(
        eval(&cmp(NumberEquals, json!(1), json!("$.parameters.regions"))),
        unresolved("$.parameters.regions")
    );
    assert_eq!(
        eval(&cmp(BooleanEquals, json!(true), json!("$.parameters.yes"))),
        unresolved("$.parameters.yes")
    );
    assert_eq!(
        eval(&cmp(
            BooleanEquals,
            json!(true),
            json!("$.parameters.count")
        )),
        unresolved("$.parameters.count")
    );
    assert_eq!(
        eval(&cmp(
            NumberEquals,
            json!(1),
            json!("x{{ $.parameters.count }}")
        )),
        unresolved("x{{ $.parameters.count }}")
    );
    // An unresolvable reference is an error, not false.
    assert_eq!(
        eval(&cmp(
            StringEquals,
            json!("x"),
            json!("$.stepOutputs.Nope.x")
        )),
        unresolved("$.stepOutputs.Nope.x")
    );
    assert_eq!(
        eval(&cmp(
            StringEquals,
            json!("x"),
            json!("{{ $.stepOutputs.Nope.x }}")
        )),
        unresolved("$.stepOutputs.Nope.x")
    );
    // Literal operands that do not fit (only hand-built conditions can hold them).
    for (op, operand, value) in [
        (NumberEquals, json!("+2"), json!(2)),
        (NumberEquals, json!(" 2"), json!(2)),
        (NumberEquals, json!("2e3"), json!(2)),
        (NumberEquals, json!(2), json!("2.")),
        (NumberEquals, json!(2), json!(".5")),
        (BooleanEquals, json!("TRUE"), json!(true)),
        (BooleanEquals, json!(1), json!(true)),
        (StringEquals, json!(null), json!("x")),
    ] {
        assert!(
            matches!(
                eval(&cmp(op, operand.clone(), value.clone())),
                Err(EvalError::InvalidOperand { .. })
            ),
            "{op} {operand} {value}"
        );
    }
    assert_eq!(
        eval(&cmp(NumberEquals, json!("abc"), json!(1)))
            .unwrap_err()
            .to_string(),
        "Unable to evaluate 'numberEquals': \"abc\" is not a valid operand."
    );
}

#[test]
fn branches_short_circuit() {
    use Operator::*;
    let t = || cmp(BooleanEquals, json!(true), json!(true));
    let f = || cmp(BooleanEquals, json!(false), json!(true));
    let broken = || cmp(StringEquals, json!("x"), json!("$.stepOutputs.Nope.x"));
    assert_eq!(eval(&Condition::And(vec![t(), t()])), Ok(true));
    assert_eq!(eval(&Condition::And(vec![t(), f()])), Ok(false));
    assert_eq!(eval(&Condition::Or(vec![f(), f()])), Ok(false));
    assert_eq!(eval(&Condition::Or(vec![f(), t()])), Ok(true));
    assert_eq!(eval(&Condition::Not(Box::new(f()))), Ok(true));
    assert_eq!(eval(&Condition::Not(Box::new(t()))), Ok(false));
    // Evaluation stops at the first decisive child.
    assert_eq!(eval(&Condition::And(vec![f(), broken()])), Ok(false));
    assert_eq!(eval(&Condition::Or(vec![t(), broken()])), Ok(true));
    assert!(eval(&Condition::And(vec![t(), broken()])).is_err());
    assert!(eval(&Condition::Or(vec![f(), broken()])).is_err());
    assert!(eval(&Condition::Not(Box::new(broken()))).is_err());
}

#[test]
fn parsed_example_condition_evaluates() {
    let doc = parse_ok(EXAMPLE, WorkflowType::Build);
    let condition = doc.steps[2].condition.as_ref().unwrap();
    let mut f = Fixture::new();
    f.parameters = bind_parameters(&doc, &[]).unwrap();
    assert_eq!(evaluate_condition(condition, &f.ctx()), Ok(false));
    f.parameters = bind_parameters(&doc, &[("gateEnabled".into(), vec!["true".into()])]).unwrap();
    assert_eq!(evaluate_condition(condition, &f.ctx()), Ok(true));
}

// =============================================================================================
// rollbackEnabled and outputs

#[test]
fn rollback_enabled_evaluation() {
    let f = Fixture::new();
    let ctx = f.ctx();
    let r = |s: &str| RollbackEnabled::Reference(s.into());
    assert_eq!(
        evaluate_rollback_enabled(&RollbackEnabled::Bool(false), &ctx),
        Ok(false)
    );
    assert_eq!(
        evaluate_rollback_enabled(&r("$.parameters.flag"), &ctx),
        Ok(true)
    );
    assert_eq!(
        evaluate_rollback_enabled(&r("$.parameters.flagText"), &ctx),
        Ok(false)
    );
    assert_eq!(
        evaluate_rollback_enabled(&r("$.parameters.count"), &ctx)
            .unwrap_err()
            .to_string(),
        "Unable to resolve '$.parameters.count'."
    );
    assert_eq!(
        evaluate_rollback_enabled(&r("$.parameters.nope"), &ctx)
            .unwrap_err()
            .to_string(),
        "Unable to resolve '$.parameters.nope'."
    );
}

#[test]
fn outputs_evaluation_leaves_out_unresolvable() {
    let doc = parse_ok(
        &with_launch(
            "outputs:\n  - name: Instance\n    value: $.stepOutputs.Launch.instanceId\n  - name: Lines\n    value: $.stepOutputs.Launch.lines\n  - name: Text\n    value: \"id={{ $.stepOutputs.Launch.instanceId }}\"\n  - name: Gone\n    value: \"{{ $.stepOutputs.Launch.gone }}\"\n",
        ),
        WorkflowType::Build,
    );
    let mut f = Fixture::new();
    f.step_outputs = json!({"Launch": {"instanceId": "i-1", "lines": ["a", "b"]}})
        .as_object()
        .unwrap()
        .clone();
    let out = evaluate_outputs(&doc, &f.ctx());
    assert_eq!(
        Value::Object(out),
        json!({"Instance": "i-1", "Lines": ["a", "b"], "Text": "id=i-1"})
    );
    f.step_outputs = Map::new();
    assert!(evaluate_outputs(&doc, &f.ctx()).is_empty());
}

// =============================================================================================
// bind_parameters

fn param_doc() -> WorkflowDocument {
    parse_ok(
        &with_params(
            "  - name: s\n  - name: i\n    type: integer\n    default: 3\n  - name: b\n    type: boolean\n    default: false\n  - name: l\n    type: stringList\n    default: [x]\n  - name: req\n    type: integer\n",
        ),
        WorkflowType::Build,
    )
}

type Pairs<'a> = &'a [(&'a str, &'a [&'a str])];

fn supplied(pairs: Pairs<'_>) -> Vec<(String, Vec<String>)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.iter().map(|s| s.to_string()).collect()))
        .collect()
}

#[test]
fn bind_fills_defaults_in_declaration_order() {
    let doc = param_doc();
    let bound = bind_parameters(&doc, &supplied(&[("req", &["-12"]), ("s", &["hello"])])).unwrap();
    assert_eq!(
        Value::Object(bound.clone()),
        json!({"s": "hello", "i": 3, "b": false, "l": ["x"], "req": -12})
    );
    let keys: Vec<_> = bound.keys().cloned().collect();
    assert_eq!(keys, ["s", "i", "b", "l", "req"]);
    let bound = bind_parameters(
        &doc,
        &supplied(&[
            ("s", &[""]),
            ("req", &["0"]),
            ("b", &["true"]),
            ("l", &["a", "b", "c"]),
            ("i", &["007"]),
        ]),
    )
    .unwrap();
    assert_eq!(
        Value::Object(bound),
        json!({"s": "", "i": 7, "b": true, "l": ["a", "b", "c"], "req": 0})
    );
    let bound = bind_parameters(
        &doc,
        &supplied(&[("s", &["x"]), ("req", &["1"]), ("l", &[])]),
    )
    .unwrap();
    assert_eq!(bound["l"], json!([]));
}

#[test]
fn bind_errors() {
    let doc = param_doc();
    let cases: [(Pairs<'_>, &str); 12] = [
        (
            &[("s", &["a"]), ("req", &["1"]), ("nope", &["x"])],
            "Parameter 'nope' is not defined in the workflow document.",
        ),
        (
            &[("s", &["a"]), ("s", &["b"]), ("req", &["1"])],
            "Parameter 's' is specified more than once.",
        ),
        (
            &[("s", &["a"])],
            "Parameter 'req' has no default value and must be specified.",
        ),
        (
            &[("req", &["1"])],
            "Parameter 's' has no default value and must be specified.",
        ),
        (
            &[("s", &["a", "b"]), ("req", &["1"])],
            "Parameter 's' of type 'string' takes exactly one value, but 2 were given.",
        ),
        (
            &[("s", &[]), ("req", &["1"])],
            "Parameter 's' of type 'string' takes exactly one value, but 0 were given.",
        ),
        (
            &[("s", &["a"]), ("req", &["1.5"])],
            "Parameter 'req' of type 'integer' has an invalid value '1.5'.",
        ),
        (
            &[("s", &["a"]), ("req", &["abc"])],
            "Parameter 'req' of type 'integer' has an invalid value 'abc'.",
        ),
        (
            &[("s", &["a"]), ("req", &["99999999999999999999"])],
            "Parameter 'req' of type 'integer' has an invalid value '99999999999999999999'.",
        ),
        (
            &[("s", &["a"]), ("req", &["+1"])],
            "Parameter 'req' of type 'integer' has an invalid value '+1'.",
        ),
        (
            &[("s", &["a"]), ("req", &["1"]), ("b", &["True"])],
            "Parameter 'b' of type 'boolean' has an invalid value 'True'.",
        ),
        (
            &[("s", &["a"]), ("req", &["1"]), ("b", &["true", "false"])],
            "Parameter 'b' of type 'boolean' takes exactly one value, but 2 were given.",
        ),
    ];
    for (pairs, expected) in cases {
        let e = bind_parameters(&doc, &supplied(pairs)).unwrap_err();
        assert_eq!(e.to_string(), expected, "{pairs:?}");
    }
    let e = bind_parameters(
        &doc,
        &supplied(&[("s", &["a"]), ("req", &["1"]), ("nope", &["x"])]),
    )
    .unwrap_err();
    assert_eq!(e.parameter(), "nope");
}

#[test]
fn bind_value_length_limit() {
    let doc = param_doc();
    let ok = "é".repeat(1024);
    let long = "x".repeat(1025);
    bind_parameters(&doc, &supplied(&[("s", &[&ok]), ("req", &["1"])])).unwrap();
    let e = bind_parameters(
        &doc,
        &supplied(&[("s", &["a"]), ("req", &["1"]), ("l", &["a", &long])]),
    )
    .unwrap_err();
    assert_eq!(e, ParameterError::TooLong { name: "l".into() });
    assert_eq!(
        e.to_string(),
        "Parameter 'l' has a value longer than 1024 characters."
    );
}

#[test]
fn bind_without_parameters() {
    let doc = parse_ok(&one_step(""), WorkflowType::Build);
    assert!(bind_parameters(&doc, &[]).unwrap().is_empty());
    assert_eq!(
        bind_parameters(&doc, &supplied(&[("x", &["1"])])).unwrap_err(),
        ParameterError::Unknown { name: "x".into() }
    );
}

// =============================================================================================
// managed workflows

fn imagebuilder(platform: &str, metadata: bool, scanning: bool) -> Map<String, Value> {
    json!({
        "imageType": "AMI",
        "platform": platform,
        "collectImageMetadata": metadata,
        "collectImageScanFindings": scanning,
    })
    .as_object()
    .unwrap()
    .clone()
}

/// Names of the steps whose `if` is false.
fn skipped_by_condition(doc: &WorkflowDocument, ib: &Map<String, Value>) -> Vec<String> {
    let empty = Map::new();
    let ctx = EvalContext {
        parameters: &empty,
        step_outputs: &empty,
        workflow_outputs: &empty,
        imagebuilder: ib,
    };
    doc.steps
        .iter()
        .filter(|s| {
            s.condition
                .as_ref()
                .is_some_and(|c| !evaluate_condition(c, &ctx).unwrap())
        })
        .map(|s| s.name.clone())
        .collect()
}

#[test]
fn managed_workflows_parse() {
    let all = managed_workflows();
    assert_eq!(all.len(), 2);
    for m in all {
        assert_eq!(
            (m.version, m.build, m.date_created),
            ("1.0.3", 1, "2024-01-01T00:00:00.000Z")
        );
        let doc = parse_ok(m.data, m.ty);
        assert!(doc.parameters.is_empty());
        assert_eq!(doc.name.as_deref(), Some(m.name));
        assert_eq!(managed_workflow(m.ty, m.name), Some(m));
    }
    assert_eq!(managed_workflow(WorkflowType::Test, "build-image"), None);
    assert_eq!(
        managed_workflow(WorkflowType::Build, "build-container"),
        None
    );
}

#[test]
fn managed_build_image_shape() {
    let m = managed_workflow(WorkflowType::Build, "build-image").unwrap();
    let doc = parse_ok(m.data, WorkflowType::Build);
    let shape: Vec<_> = doc
        .steps
        .iter()
        .map(|s| (s.name.as_str(), s.action, s.on_failure))
        .collect();
    use Action::*;
    use OnFailure::*;
    assert_eq!(
        shape,
        [
            ("LaunchBuildInstance", LaunchInstance, Abort),
            ("ApplyBuildComponents", ExecuteComponents, Abort),
            ("InventoryCollection", CollectImageMetadata, Abort),
            ("RunSanitizeScript", SanitizeInstance, Abort),
            ("RunSysPrepScript", RunSysPrep, Abort),
            ("CreateOutputAMI", CreateImage, Abort),
            ("TerminateBuildInstance", TerminateInstance, Continue),
        ]
    );
    assert_eq!(doc.steps[0].inputs, Some(json!({"waitFor": "ssmAgent"})));
    for step in &doc.steps[1..] {
        assert_eq!(
            step.inputs,
            Some(json!({"instanceId.$": "$.stepOutputs.LaunchBuildInstance.instanceId"}))
        );
    }
    assert_eq!(
        doc.outputs,
        [OutputDef {
            name: "ImageId".into(),
            value: "$.stepOutputs.CreateOutputAMI.imageId".into()
        }]
    );
    assert_eq!(
        skipped_by_condition(&doc, &imagebuilder("Linux", true, false)),
        ["RunSysPrepScript"]
    );
    assert_eq!(
        skipped_by_condition(&doc, &imagebuilder("Windows", true, false)),
        ["RunSanitizeScript"]
    );
    assert_eq!(
        skipped_by_condition(&doc, &imagebuilder("macOS", false, false)),
        [
            "InventoryCollection",
            "RunSanitizeScript",
            "RunSysPrepScript"
        ]
    );
    let mut docker = imagebuilder("Linux", true, false);
    docker.insert("imageType".into(), json!("DOCKER"));
    assert_eq!(
        skipped_by_condition(&doc, &docker),
        [
            "InventoryCollection",
            "RunSanitizeScript",
            "RunSysPrepScript",
            "CreateOutputAMI"
        ]
    );
}

#[test]
fn managed_test_image_shape() {
    let m = managed_workflow(WorkflowType::Test, "test-image").unwrap();
    let doc = parse_ok(m.data, WorkflowType::Test);
    let shape: Vec<_> = doc
        .steps
        .iter()
        .map(|s| (s.name.as_str(), s.action, s.on_failure))
        .collect();
    use Action::*;
    use OnFailure::*;
    assert_eq!(
        shape,
        [
            ("LaunchTestInstance", LaunchInstance, Abort),
            (
                "CollectImageScanFindings",
                CollectImageScanFindings,
                Continue
            ),
            ("ApplyTestComponents", ExecuteComponents, Abort),
            ("TerminateTestInstance", TerminateInstance, Continue),
        ]
    );
    assert!(doc.outputs.is_empty());
    for step in &doc.steps[1..] {
        assert_eq!(
            step.inputs,
            Some(json!({"instanceId.$": "$.stepOutputs.LaunchTestInstance.instanceId"}))
        );
    }
    assert_eq!(
        skipped_by_condition(&doc, &imagebuilder("Linux", true, false)),
        ["CollectImageScanFindings"]
    );
    assert!(skipped_by_condition(&doc, &imagebuilder("Linux", true, true)).is_empty());
    assert!(skipped_by_condition(&doc, &imagebuilder("Windows", true, true)).is_empty());
    assert_eq!(
        skipped_by_condition(&doc, &imagebuilder("macOS", true, true)),
        ["CollectImageScanFindings"]
    );
}

// =============================================================================================
// properties

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn json_value() -> impl Strategy<Value = Value> {
        let text = prop_oneof![
            "[a-z$.{} \\[\\]0-9]{0,24}",
            Just("$.parameters.name".to_string()),
            Just("$.parameters.regions[1]".to_string()),
            Just("$.stepOutputs.Cmd.output[9]".to_string()),
            Just("{{ $.imagebuilder.s3Logs }}".to_string()),
            Just("x{{$.parameters.count}}y{{ $.nope.x }}".to_string()),
            Just("$.".to_string()),
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            text.prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(
                    (
                        prop_oneof!["[a-z]{1,6}", "[a-z]{1,6}\\.\\$", Just(".$".to_string())],
                        inner
                    ),
                    0..6
                )
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn resolve_inputs_never_panics(raw in json_value()) {
            let f = Fixture::new();
            let _ = resolve_inputs(&raw, &f.ctx());
        }

        #[test]
        fn condition_evaluation_never_panics(
            op in prop::sample::select(Operator::ALL.to_vec()),
            operand in json_value(),
            value in json_value(),
        ) {
            let f = Fixture::new();
            let _ = evaluate_condition(&cmp(op, operand, value), &f.ctx());
        }

        #[test]
        fn parse_document_never_panics(data in "[a-zA-Z:\\-\\[\\]{}$.,'\" \n0-9#&*!|>]{0,200}") {
            let _ = parse_document(&data, WorkflowType::Build, DEFAULT_MAX_STEPS);
        }

        #[test]
        fn plain_values_without_references_resolve_to_themselves(raw in json_value()) {
            fn plain(v: &Value) -> bool {
                match v {
                    Value::String(s) => !s.contains('$'),
                    Value::Array(items) => items.iter().all(plain),
                    Value::Object(map) => map.iter().all(|(k, v)| !k.contains('$') && plain(v)),
                    _ => true,
                }
            }
            prop_assume!(plain(&raw));
            let f = Fixture::new();
            prop_assert_eq!(resolve_inputs(&raw, &f.ctx()).unwrap(), raw);
        }

        #[test]
        fn string_parameters_round_trip(value in "\\PC{0,40}") {
            let doc = parse_ok(&with_params("  - name: s\n"), WorkflowType::Build);
            let params = bind_parameters(&doc, &[("s".into(), vec![value.clone()])]).unwrap();
            let mut f = Fixture::new();
            f.parameters = params;
            let resolved = resolve_inputs(&json!({"a.$": "$.parameters.s", "b": "<{{ $.parameters.s }}>"}), &f.ctx()).unwrap();
            prop_assert_eq!(resolved, json!({"a": value.clone(), "b": format!("<{value}>")}));
        }
    }
}

#[test]
fn deeply_nested_yaml_is_rejected_without_overflow() {
    let depth = 7000;
    let data = format!(
        "schemaVersion: 1.0\nsteps: {}{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert!(matches!(build(&data), Err(DocumentError::Syntax(_))));
    let depth = 3000;
    let data = format!(
        "schemaVersion: 1.0\nsteps: {}1{}\n",
        "{a: ".repeat(depth),
        "}".repeat(depth)
    );
    assert!(matches!(build(&data), Err(DocumentError::Syntax(_))));
}

#[test]
fn alias_expansion_is_bounded() {
    let mut data = String::from("schemaVersion: 1.0\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let prev = format!("*l{}", i - 1);
        data.push_str(&format!("l{i}: &l{i} [{}]\n", vec![prev; 10].join(", ")));
    }
    data.push_str("steps:\n  - name: Wait\n    action: WaitForAction\n");
    let e = build(&data).unwrap_err();
    assert!(matches!(e, DocumentError::Syntax(_)), "{e}");
}
