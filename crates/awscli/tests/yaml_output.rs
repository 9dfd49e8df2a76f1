//! `--output yaml`: byte-for-byte against the AWS CLI v2's dumper (ruamel.yaml's safe dumper
//! with the libyaml emitter, recorded in `fixtures/yaml_output.json` by
//! `tests/interop/gen_cli_output_fixtures.py --yaml`), and loading back to the same value.

use serde_json::Value;
use stepwise_awscli::output::{render, OutputFormat};

fn cases() -> Vec<Value> {
    let text = include_str!("fixtures/yaml_output.json");
    let fixture: Value = serde_json::from_str(text).expect("fixture parses");
    assert_eq!(fixture["ruamel_yaml_version"], "0.17.21");
    fixture["cases"].as_array().expect("cases").clone()
}

#[test]
fn yaml_matches_aws_cli_v2_dumper() {
    let cases = cases();
    assert!(cases.len() > 100);
    let mut failures = Vec::new();
    for case in &cases {
        let expected = case["yaml"].as_str().expect("yaml");
        let actual = render(OutputFormat::Yaml, "GetImage", &case["value"]);
        if actual != expected {
            failures.push(format!(
                "--- case {}\nexpected:\n{expected}\nactual:\n{actual}",
                case["name"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} yaml outputs differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Plain scalars (YAML 1.1 booleans and the like) that serde-saphyr, reading into an untyped value, takes for another type
/// although YAML 1.2's core schema (and ruamel, which writes them plain) reads them as strings.
fn saphyr_reads_differently(value: &Value) -> bool {
    match value {
        // libyaml writes U+2028/U+2029 as line breaks followed by indentation, which a YAML 1.2
        // reader keeps: the AWS CLI's yaml does not round-trip them either.
        Value::String(s) if s.contains(['\u{2028}', '\u{2029}']) => true,
        Value::String(s) => matches!(
            s.to_lowercase().as_str(),
            "y" | "yes"
                | "n"
                | "no"
                | "on"
                | "off"
                | "true"
                | "false"
                | "inf"
                | "nan"
                | "12:30"
                | "1:20:30"
        ),
        Value::Array(items) => items.iter().any(saphyr_reads_differently),
        Value::Object(map) => map.iter().any(|(k, v)| {
            saphyr_reads_differently(&Value::String(k.clone())) || saphyr_reads_differently(v)
        }),
        _ => false,
    }
}

#[test]
fn yaml_loads_back_to_the_same_value() {
    let mut checked = 0;
    for case in cases() {
        let value = &case["value"];
        if matches!(value, Value::Object(map) if map.is_empty()) || saphyr_reads_differently(value)
        {
            continue;
        }
        let yaml = render(OutputFormat::Yaml, "GetImage", value);
        let loaded: Value = serde_saphyr::from_str(&yaml)
            .unwrap_or_else(|e| panic!("case {}: {e}\n{yaml}", case["name"]));
        // Maps compare without regard to key order (yaml sorts keys).
        assert_eq!(&loaded, value, "case {}:\n{yaml}", case["name"]);
        checked += 1;
    }
    assert!(checked > 100, "only {checked} values round-tripped");
}

#[test]
fn yaml_for_an_image_builder_response() {
    let value: Value = serde_json::from_str(
        r#"{"requestId": "r-1", "steps": [{"stepExecutionId": "step-1", "status": "RUNNING",
            "startTime": "2024-03-01T10:02:31.000Z", "inputs": "{}"}], "nextToken": null,
            "totalStepCount": 5, "enabled": true}"#,
    )
    .unwrap();
    assert_eq!(
        render(OutputFormat::Yaml, "ListWorkflowStepExecutions", &value),
        "enabled: true\nnextToken: null\nrequestId: r-1\nsteps:\n- inputs: '{}'\n  \
         startTime: '2024-03-01T10:02:31.000Z'\n  status: RUNNING\n  stepExecutionId: step-1\n\
         totalStepCount: 5\n"
    );
    assert_eq!(
        render(OutputFormat::Yaml, "X", &Value::String("COMPLETED".into())),
        "COMPLETED\n...\n"
    );
    assert_eq!(render(OutputFormat::Yaml, "X", &serde_json::json!({})), "");
}
