//! Byte-for-byte comparison with the real AWS CLI 1.46.3's formatters.
//!
//! `fixtures/cli_output.json` is written by `tests/interop/gen_cli_output_fixtures.py`, which
//! runs awscli's own JSONFormatter, TextFormatter and TableFormatter (`--color off`, at several
//! terminal widths) over a corpus of values.

use serde_json::Value;
use stepwise_awscli::output::{
    is_python_printable, render, render_with_width, text_width, OutputFormat, DEFAULT_TABLE_WIDTH,
    UNICODE_VERSION,
};

fn fixture() -> Value {
    let text = include_str!("fixtures/cli_output.json");
    serde_json::from_str(text).expect("fixture parses")
}

fn cases(fixture: &Value) -> &Vec<Value> {
    fixture["cases"].as_array().expect("cases")
}

/// Compares every case for one format; reports all mismatches at once.
fn check(format_name: &str, render_case: impl Fn(&Value) -> Vec<(String, String, String)>) {
    let fixture = fixture();
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in cases(&fixture) {
        for (label, expected, actual) in render_case(case) {
            compared += 1;
            if expected != actual {
                failures.push(format!(
                    "--- case {} ({format_name} {label})\nexpected:\n{expected}\nactual:\n{actual}",
                    case["name"].as_str().unwrap_or("?")
                ));
            }
        }
    }
    assert!(compared > 0, "no {format_name} cases compared");
    assert!(
        failures.is_empty(),
        "{} of {compared} {format_name} outputs differ from the AWS CLI's:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn command(case: &Value) -> &str {
    case["command"].as_str().expect("command")
}

#[test]
fn json_matches_aws_cli() {
    check("json", |case| {
        let actual = render(OutputFormat::Json, command(case), &case["value"]);
        vec![(
            String::new(),
            case["json"].as_str().unwrap().to_owned(),
            actual,
        )]
    });
}

#[test]
fn text_matches_aws_cli() {
    check("text", |case| {
        let actual = render(OutputFormat::Text, command(case), &case["value"]);
        vec![(
            String::new(),
            case["text"].as_str().unwrap().to_owned(),
            actual,
        )]
    });
}

#[test]
fn table_matches_aws_cli_at_every_width() {
    check("table", |case| {
        let tables = case["table"].as_object().expect("table outputs");
        assert!(!tables.is_empty());
        tables
            .iter()
            .map(|(width, expected)| {
                let width: usize = width.parse().expect("width");
                let actual =
                    render_with_width(OutputFormat::Table, command(case), &case["value"], width);
                (
                    format!("width {width}"),
                    expected.as_str().unwrap().to_owned(),
                    actual,
                )
            })
            .collect()
    });
}

#[test]
fn render_tables_are_laid_out_for_a_pipe() {
    check("table (render)", |case| {
        let expected = case["table"][DEFAULT_TABLE_WIDTH.to_string()]
            .as_str()
            .expect("an 80-column table in the fixture")
            .to_owned();
        let actual = render(OutputFormat::Table, command(case), &case["value"]);
        vec![("default width".to_owned(), expected, actual)]
    });
}

#[test]
fn the_fixture_covers_the_documented_cases() {
    let fixture = fixture();
    let names: Vec<&str> = cases(&fixture)
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for required in [
        "empty_dict",
        "empty_list",
        "get_workflow_execution",
        "list_workflow_step_executions",
        "get_image",
        "list_waiting_workflow_steps_empty",
        "create_workflow",
        "unicode_cjk",
        "unicode_emoji",
        "control_chars",
        "floats",
        "long_strings",
        "deep_nesting",
    ] {
        assert!(names.contains(&required), "fixture lacks {required}");
    }
    assert_eq!(fixture["awscli_version"], "1.46.3");
}

fn ranges(fixture: &Value, name: &str) -> Vec<(u32, u32)> {
    fixture["unicode"][name]
        .as_array()
        .expect("ranges")
        .iter()
        .map(|r| (r[0].as_u64().unwrap() as u32, r[1].as_u64().unwrap() as u32))
        .collect()
}

fn in_ranges(ranges: &[(u32, u32)], cp: u32) -> bool {
    ranges.iter().any(|&(lo, hi)| lo <= cp && cp <= hi)
}

#[test]
fn unicode_tables_match_python() {
    let fixture = fixture();
    assert_eq!(fixture["unicode"]["unidata_version"], UNICODE_VERSION);
    let wide = ranges(&fixture, "wide");
    let not_printable = ranges(&fixture, "not_printable");
    // Every scalar value, checked range by range to keep this fast.
    let mut wide_iter = wide.iter().peekable();
    let mut np_iter = not_printable.iter().peekable();
    for cp in 0..=0x10FFFFu32 {
        let Some(c) = char::from_u32(cp) else {
            continue;
        };
        while wide_iter.peek().is_some_and(|r| r.1 < cp) {
            wide_iter.next();
        }
        while np_iter.peek().is_some_and(|r| r.1 < cp) {
            np_iter.next();
        }
        let is_wide = wide_iter.peek().is_some_and(|r| r.0 <= cp);
        let printable = np_iter.peek().is_none_or(|r| r.0 > cp);
        let mut buf = [0u8; 4];
        assert_eq!(
            text_width(c.encode_utf8(&mut buf)),
            if is_wide { 2 } else { 1 },
            "width of U+{cp:04X}"
        );
        assert_eq!(
            is_python_printable(c),
            printable,
            "printability of U+{cp:04X}"
        );
    }
    assert!(in_ranges(&wide, 0x65E5));
}
