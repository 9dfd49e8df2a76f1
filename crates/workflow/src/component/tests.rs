//! The component document rules, case by case; the corpus under tests/components runs
//! through the same parser here and through the service in tests/interop.

use super::*;

fn ok(doc: &str) -> ComponentDocument {
    parse_component(doc, "Linux").unwrap_or_else(|e| panic!("{e}\n{doc}"))
}

#[test]
fn a_document_yields_its_phases_parameters_and_type() {
    let doc = ok(r#"name: hello
schemaVersion: 1.0
parameters:
  - Greeting:
      type: string
      default: hello
      description: what to say
  - Target:
      type: string
constants:
  - Punctuation:
      type: string
      value: "!"
phases:
  - name: build
    steps:
      - name: Say
        action: ExecuteBash
        inputs:
          commands: ['echo "{{ Greeting }} {{ Target }}{{ Punctuation }}"']
      - name: Files
        action: CreateFile
        loop:
          for: {start: 1, end: 5, updateBy: 2}
        inputs:
          - path: '/tmp/{{ loop.value }}'
            content: '{{ build.Say.outputs.stdout }}'
          - path: /tmp/second
  - name: validate
    steps:
      - name: Check
        action: Assert
        inputs:
          stringEquals: hello
          value: '{{ build.Say.outputs.stdout }}'
"#);
    assert_eq!(doc.component_type(), "BUILD");
    assert_eq!(
        doc.parameters
            .iter()
            .map(|p| (p.name.as_str(), p.default.as_deref()))
            .collect::<Vec<_>>(),
        [("Greeting", Some("hello")), ("Target", None)]
    );
    let files = &doc.phase("build").unwrap().steps[1];
    assert_eq!((files.module.name, files.runs), ("CreateFile", 6));
    assert_eq!(files.timeout_seconds, 7200);
    assert_eq!(
        doc.phase("validate").unwrap().steps[0].on_failure,
        StepFailure::Abort
    );
}

#[test]
fn a_document_whose_only_phase_is_test_is_a_test_component() {
    let doc = ok("schemaVersion: 1\nphases:\n  - name: test\n    steps:\n      - name: Boot\n        action: Reboot\n");
    assert_eq!(doc.component_type(), "TEST");
    let doc = ok("schemaVersion: '1.0'\nphases:\n  - name: validate\n    steps:\n      - name: Up\n        action: UpdateOS\n");
    assert_eq!(doc.component_type(), "BUILD");
}

#[test]
fn actions_run_where_their_platform_allows() {
    let bash = "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: A\n        action: ExecuteBash\n        inputs:\n          commands: [ls]\n";
    assert!(parse_component(bash, "macOS").is_ok());
    assert_eq!(
        parse_component(bash, "Windows").unwrap_err().to_string(),
        "Step 'A' in phase 'build' uses action 'ExecuteBash', which does not run on Windows."
    );
}

/// One document of the corpus: its text, the platform it is created for, and the error it
/// must get (`None` for a valid one).
pub struct Case {
    pub file: String,
    pub data: String,
    pub platform: String,
    pub error: Option<String>,
}

/// The corpus under tests/components: `valid/*.yaml` and `invalid/*.yaml`, each invalid one
/// starting with a `# error: <message>` line, any one with an optional `# platform: <name>`.
pub fn corpus() -> Vec<Case> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/components");
    let mut out = Vec::new();
    for dir in ["valid", "invalid"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
            .expect("the corpus exists")
            .map(|e| e.expect("a corpus entry").path())
            .collect();
        files.sort();
        for path in files {
            let data = std::fs::read_to_string(&path).expect("a corpus document");
            let header = |key: &str| {
                data.lines()
                    .take_while(|l| l.starts_with('#'))
                    .find_map(|l| l.strip_prefix(&format!("# {key}: ")).map(str::to_string))
            };
            out.push(Case {
                file: format!("{dir}/{}", path.file_name().unwrap().to_string_lossy()),
                platform: header("platform").unwrap_or_else(|| "Linux".into()),
                error: header("error"),
                data,
            });
        }
    }
    out
}

#[test]
fn the_corpus_gets_exactly_its_expected_answers() {
    let cases = corpus();
    assert!(cases.len() >= 30, "{} documents", cases.len());
    for case in cases {
        let got = parse_component(&case.data, &case.platform)
            .err()
            .map(|e| e.to_string());
        assert_eq!(got, case.error, "{}", case.file);
        assert_eq!(
            case.file.starts_with("invalid/"),
            case.error.is_some(),
            "{}",
            case.file
        );
    }
}

#[test]
fn the_managed_components_are_valid_documents() {
    for m in managed::managed_components() {
        let doc = parse_component(m.data, m.platform).unwrap_or_else(|e| panic!("{}: {e}", m.name));
        let test_only = doc.component_type() == "TEST";
        assert_eq!(test_only, m.name.contains("test"), "{}", m.name);
    }
}

#[test]
fn extreme_loops_are_counted_without_overflow() {
    let doc = |start: i64, end: i64, by: i64| {
        format!("schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: A\n        action: ExecuteBash\n        loop:\n          for: {{start: {start}, end: {end}, updateBy: {by}}}\n        inputs:\n          commands: [ls]\n")
    };
    let many = ok(&doc(0, i64::MIN, -1));
    assert_eq!(many.phases[0].steps[0].runs, u32::MAX);
    let e = parse_component(&doc(i64::MIN, i64::MAX, -1), "Linux").unwrap_err();
    assert!(e.to_string().contains("never reaches its end"), "{e}");
}
