//! An operation's parameters on the command line, as the AWS CLI derives them from the
//! service model: one `--kebab-name` per input member; booleans as `--flag` / `--no-flag`;
//! lists as several values; structures, maps and lists of structures as JSON or the
//! shorthand syntax (`Key=Value,Other=[a,b]`); any value as `file://PATH`.

use crate::names::xform_name;
use crate::shorthand::{self, Short};
use clap::{Arg, ArgAction, ArgMatches};
use serde_json::{Map, Number, Value};
use stepwise_api::operations::Operation;
use stepwise_api::schema::{Member, Shape, ShapeKind};

/// One member's argument.
pub struct Param {
    pub member: &'static Member,
    /// `image-build-version-arn` (without dashes in front).
    pub cli_name: String,
}

impl Param {
    fn negated(&self) -> String {
        format!("no-{}", self.cli_name)
    }
}

/// The parameters of `op`, in model order.
pub fn params(op: &Operation) -> Vec<Param> {
    match op.input.kind {
        ShapeKind::Structure { members } => members
            .iter()
            .map(|member| Param {
                member,
                cli_name: xform_name(member.name, '-'),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn type_label(shape: &Shape) -> &'static str {
    match shape.kind {
        ShapeKind::Structure { .. } => "structure",
        ShapeKind::List { .. } => "list",
        ShapeKind::Map { .. } => "map",
        ShapeKind::String { .. } => "string",
        ShapeKind::Integer { .. } => "integer",
        ShapeKind::Long { .. } => "long",
        ShapeKind::Boolean => "boolean",
        ShapeKind::Double { .. } => "double",
        ShapeKind::Timestamp => "timestamp",
    }
}

/// The clap arguments of `params`. `hidden` names members that are accepted but not shown
/// (the paging members the AWS CLI replaces with `--starting-token` and friends).
pub fn arguments(params: &[Param], hidden: &[&str]) -> Vec<Arg> {
    let mut args = Vec::new();
    for p in params {
        let hide = hidden.contains(&p.member.name);
        let required = if p.member.required { " [required]" } else { "" };
        let help = format!(
            "({}) {}{required}",
            type_label(p.member.target),
            p.member.name
        );
        match p.member.target.kind {
            ShapeKind::Boolean => {
                args.push(
                    Arg::new(p.cli_name.clone())
                        .long(p.cli_name.clone())
                        .action(ArgAction::SetTrue)
                        .help(help)
                        .hide(hide),
                );
                args.push(
                    Arg::new(p.negated())
                        .long(p.negated())
                        .action(ArgAction::SetTrue)
                        .conflicts_with(p.cli_name.clone())
                        .hide(true),
                );
            }
            ShapeKind::List { .. } => args.push(
                Arg::new(p.cli_name.clone())
                    .long(p.cli_name.clone())
                    .num_args(1..)
                    .value_name("VALUE")
                    .allow_negative_numbers(true)
                    .help(help)
                    .hide(hide),
            ),
            _ => args.push(
                Arg::new(p.cli_name.clone())
                    .long(p.cli_name.clone())
                    .value_name("VALUE")
                    .allow_negative_numbers(true)
                    .help(help)
                    .hide(hide),
            ),
        }
    }
    args
}

/// The request members given on the command line, over those of `--cli-input-json`.
pub fn collect(
    params: &[Param],
    matches: &ArgMatches,
    mut input: Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    for p in params {
        let shape = p.member.target;
        let value = match shape.kind {
            ShapeKind::Boolean => {
                if matches.get_flag(&p.cli_name) {
                    Some(Value::Bool(true))
                } else if matches.get_flag(&p.negated()) {
                    Some(Value::Bool(false))
                } else {
                    None
                }
            }
            ShapeKind::List { member, .. } => match matches.get_many::<String>(&p.cli_name) {
                Some(raw) => {
                    let raw: Vec<&String> = raw.collect();
                    Some(parse_list(&p.cli_name, shape, member, &raw)?)
                }
                None => None,
            },
            _ => match matches.get_one::<String>(&p.cli_name) {
                Some(raw) => Some(parse_value(&p.cli_name, shape, raw)?),
                None => None,
            },
        };
        if let Some(v) = value {
            input.insert(p.member.name.to_string(), v);
        }
    }
    Ok(input)
}

/// The `--name`s of required members missing from `input`.
pub fn missing(params: &[Param], input: &Map<String, Value>) -> Vec<String> {
    params
        .iter()
        .filter(|p| p.member.required && !p.member.idempotency_token)
        .filter(|p| !input.contains_key(p.member.name))
        .map(|p| format!("--{}", p.cli_name))
        .collect()
}

/// `file://PATH` stands for the file's text, `~` and `$VARIABLES` in the path expanded (as
/// in the AWS CLI).
pub fn resolve_file(cli_name: &str, raw: &str) -> Result<String, String> {
    let Some(path) = raw.strip_prefix("file://") else {
        return Ok(raw.to_string());
    };
    let expanded = expand_path(path);
    std::fs::read_to_string(&expanded).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => {
                format!("[Errno 2] No such file or directory: '{expanded}'")
            }
            std::io::ErrorKind::PermissionDenied => {
                format!("[Errno 13] Permission denied: '{expanded}'")
            }
            _ => e.to_string(),
        };
        format!("Error parsing parameter '{cli_name}': Unable to load paramfile {raw}: {reason}")
    })
}

/// `~` and `$NAME` / `${NAME}` expanded as Python's `expanduser(expandvars(...))` does
/// (unknown variables stay as written).
fn expand_path(path: &str) -> String {
    let vars = regex::Regex::new(r"\$(\w+|\{[^}]*\})").expect("valid pattern");
    let with_vars = vars.replace_all(path, |c: &regex::Captures<'_>| {
        let name = c[1].trim_start_matches('{').trim_end_matches('}');
        std::env::var(name).unwrap_or_else(|_| c[0].to_string())
    });
    match with_vars.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => match std::env::var("HOME") {
            Ok(home) => format!("{home}{rest}"),
            Err(_) => with_vars.into_owned(),
        },
        _ => with_vars.into_owned(),
    }
}

fn bad(cli_name: &str, detail: impl std::fmt::Display) -> String {
    format!("Error parsing parameter '--{cli_name}': {detail}")
}

fn parse_list(
    cli_name: &str,
    shape: &Shape,
    member: &Shape,
    raw: &[&String],
) -> Result<Value, String> {
    if let [one] = raw {
        let text = resolve_file(&format!("--{cli_name}"), one)?;
        if text.trim_start().starts_with('[') {
            return parse_value(cli_name, shape, &text);
        }
    }
    raw.iter()
        .map(|r| parse_value(cli_name, member, r))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

/// One command-line value for `shape`.
pub fn parse_value(cli_name: &str, shape: &Shape, raw: &str) -> Result<Value, String> {
    let text = resolve_file(&format!("--{cli_name}"), raw)?;
    match shape.kind {
        ShapeKind::String { .. } | ShapeKind::Timestamp => Ok(Value::String(text)),
        ShapeKind::Structure { .. } | ShapeKind::Map { .. } | ShapeKind::List { .. } => {
            let trimmed = text.trim_start();
            if trimmed.starts_with('{') || trimmed.starts_with('[') {
                serde_json::from_str(&text).map_err(|e| {
                    bad(
                        cli_name,
                        format!("Invalid JSON: {e}\nJSON received: {text}"),
                    )
                })
            } else {
                let short = shorthand::parse(&text).map_err(|e| bad(cli_name, e))?;
                coerce(shape, &short)
            }
        }
        _ => coerce(shape, &Short::Str(text)),
    }
}

/// A shorthand value typed by `shape` as the AWS CLI types it: scalars converted where the
/// model says so, everything else passed on as parsed (the validator then reports a
/// mismatch in botocore's words).
fn coerce(shape: &Shape, v: &Short) -> Result<Value, String> {
    match (&shape.kind, v) {
        (ShapeKind::Integer { .. } | ShapeKind::Long { .. }, Short::Str(s)) => s
            .trim()
            .parse::<i64>()
            .map(|n| Value::Number(n.into()))
            .map_err(|_| format!("invalid literal for int() with base 10: '{s}'")),
        (ShapeKind::Double { .. }, Short::Str(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("could not convert string to float: '{s}'")),
        // Anything but "false" (any case) is true, as in the AWS CLI.
        (ShapeKind::Boolean, Short::Str(s)) => Ok(Value::Bool(!s.eq_ignore_ascii_case("false"))),
        (ShapeKind::List { member, .. }, Short::List(items)) => items
            .iter()
            .map(|i| coerce(member, i))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        // A single value where a list is expected is a list of one.
        (ShapeKind::List { member, .. }, single) => Ok(Value::Array(vec![coerce(member, single)?])),
        (ShapeKind::Map { value, .. }, Short::Map(pairs)) => {
            let mut out = Map::new();
            for (k, v) in pairs {
                out.insert(k.clone(), coerce(value, v)?);
            }
            Ok(Value::Object(out))
        }
        (ShapeKind::Structure { members }, Short::Map(pairs)) => {
            let mut out = Map::new();
            for (k, v) in pairs {
                let typed = match members.iter().find(|m| m.name == k.as_str()) {
                    Some(m) => coerce(m.target, v)?,
                    None => untyped(v),
                };
                out.insert(k.clone(), typed);
            }
            Ok(Value::Object(out))
        }
        (_, other) => Ok(untyped(other)),
    }
}

/// A shorthand value as plain JSON (strings, lists, objects).
fn untyped(v: &Short) -> Value {
    match v {
        Short::Str(s) => Value::String(s.clone()),
        Short::List(items) => Value::Array(items.iter().map(untyped).collect()),
        Short::Map(pairs) => {
            Value::Object(pairs.iter().map(|(k, v)| (k.clone(), untyped(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use stepwise_api::operations;

    fn op(name: &str) -> &'static Operation {
        operations::by_name(name).unwrap()
    }

    fn member(op_name: &str, name: &str) -> &'static Shape {
        params(op(op_name))
            .into_iter()
            .find(|p| p.member.name == name)
            .unwrap()
            .member
            .target
    }

    #[test]
    fn names_follow_the_aws_cli() {
        let names: Vec<String> = params(op("ListWorkflowStepExecutions"))
            .into_iter()
            .map(|p| p.cli_name)
            .collect();
        assert_eq!(
            names,
            ["max-results", "next-token", "workflow-execution-id"]
        );
    }

    #[test]
    fn structures_take_json_or_shorthand() {
        let tags = member("CreateImage", "tags");
        assert_eq!(
            parse_value("tags", tags, "a=1,b=two").unwrap(),
            json!({"a": "1", "b": "two"})
        );
        assert_eq!(
            parse_value("tags", tags, r#"{"a": "1"}"#).unwrap(),
            json!({"a": "1"})
        );
        let tests = member("CreateImage", "imageTestsConfiguration");
        assert_eq!(
            parse_value(
                "image-tests-configuration",
                tests,
                "imageTestsEnabled=false,timeoutMinutes=90"
            )
            .unwrap(),
            json!({"imageTestsEnabled": false, "timeoutMinutes": 90})
        );
        // An unknown key is passed on; the validator reports it as botocore does.
        assert_eq!(
            parse_value("image-tests-configuration", tests, "nope=1").unwrap(),
            json!({"nope": "1"})
        );
        let err = parse_value("tags", tags, "{bad json").unwrap_err();
        assert!(err.contains("Invalid JSON"), "{err}");
    }

    #[test]
    fn lists_take_several_values_or_one_json_list() {
        let workflows = member("CreateImage", "workflows");
        let ShapeKind::List { member: item, .. } = workflows.kind else {
            panic!()
        };
        let a = "workflowArn=arn:a".to_string();
        let b = "workflowArn=arn:b,parallelGroup=g".to_string();
        assert_eq!(
            parse_list("workflows", workflows, item, &[&a, &b]).unwrap(),
            json!([{"workflowArn": "arn:a"}, {"workflowArn": "arn:b", "parallelGroup": "g"}])
        );
        let j = r#"[{"workflowArn": "arn:c"}]"#.to_string();
        assert_eq!(
            parse_list("workflows", workflows, item, &[&j]).unwrap(),
            json!([{"workflowArn": "arn:c"}])
        );
    }

    #[test]
    fn numbers_are_checked() {
        let max = member("ListWorkflowStepExecutions", "maxResults");
        assert_eq!(parse_value("max-results", max, "7").unwrap(), json!(7));
        assert_eq!(
            parse_value("max-results", max, "seven").unwrap_err(),
            "invalid literal for int() with base 10: 'seven'"
        );
    }

    #[test]
    fn required_members_are_reported_by_their_option() {
        let p = params(op("GetWorkflowExecution"));
        assert_eq!(missing(&p, &Map::new()), ["--workflow-execution-id"]);
        // The idempotency token is filled in when absent.
        let p = params(op("CancelImageCreation"));
        assert_eq!(missing(&p, &Map::new()), ["--image-build-version-arn"]);
    }
}
