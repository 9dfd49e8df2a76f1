use serde_json::{json, Value};
use stepwise_api::model::{CreateImageRequest, ListWorkflowStepExecutionsRequest};
use stepwise_api::operations::{self, Operation};
use stepwise_api::validate::{decode_input, validate_input};
use stepwise_api::{ApiError, ErrorKind};

const WF_ARN: &str = "arn:aws:imagebuilder:us-east-1:123456789012:workflow/build/my-wf/1.0.0/1";
const INFRA_ARN: &str =
    "arn:aws:imagebuilder:us-east-1:123456789012:infrastructure-configuration/infra";
const RECIPE_ARN: &str = "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/r/1.0.0";
const WF_ID: &str = "wf-3c9e1f40-7a2b-4d6e-8f10-2b4c6d8e0a13";

fn op(name: &str) -> &'static Operation {
    operations::by_name(name).expect("known operation")
}

fn check(name: &str, body: Value) -> Result<(), ApiError> {
    validate_input(op(name), &body)
}

fn invalid(name: &str, body: Value) -> ApiError {
    check(name, body).expect_err("request should be rejected")
}

fn assert_invalid(err: &ApiError, param: &str, detail: &str) {
    assert_eq!(err.kind, ErrorKind::InvalidRequest, "{err}");
    assert_eq!(
        err.message,
        format!("The value supplied for parameter '{param}' is not valid. {detail}")
    );
}

fn create_workflow() -> Value {
    json!({
        "name": "my workflow",
        "semanticVersion": "1.0.0",
        "clientToken": "token-1",
        "type": "BUILD",
        "data": "name: x",
    })
}

fn create_image() -> Value {
    json!({
        "imageRecipeArn": RECIPE_ARN,
        "infrastructureConfigurationArn": INFRA_ARN,
        "clientToken": "token-1",
        "workflows": [
            {"workflowArn": WF_ARN},
            {"workflowArn": WF_ARN, "parameters": [{"name": "p", "value": ["v"]}], "parallelGroup": "g1", "onFailure": "ABORT"},
        ],
        "tags": {"team": "images"},
    })
}

#[test]
fn valid_requests_pass() {
    check("CreateWorkflow", create_workflow()).unwrap();
    check("CreateImage", create_image()).unwrap();
    check(
        "ListWorkflowStepExecutions",
        json!({"workflowExecutionId": WF_ID}),
    )
    .unwrap();
    check("ListWaitingWorkflowSteps", json!({})).unwrap();
    check("GetWorkflow", json!({"workflowBuildVersionArn": WF_ARN})).unwrap();
}

#[test]
fn body_must_be_an_object() {
    for body in [json!([]), json!("x"), json!(null), json!(1)] {
        let err = invalid("ListWorkflows", body);
        assert_eq!(err.kind, ErrorKind::InvalidRequest);
    }
}

#[test]
fn unknown_members_are_ignored_and_null_is_absent() {
    let mut body = create_workflow();
    body["somethingElse"] = json!({"deep": [1, 2]});
    body["description"] = Value::Null;
    check("CreateWorkflow", body).unwrap();

    let mut body = create_workflow();
    body["type"] = Value::Null;
    let err = invalid("CreateWorkflow", body);
    assert_eq!(err.message, "The parameter 'type' is required.");
}

#[test]
fn missing_member_wins_over_bad_pattern() {
    // `name` (pattern failure) comes before `type` (missing) in member order.
    let mut body = create_workflow();
    body["name"] = json!("!bad!");
    body.as_object_mut().unwrap().remove("type");
    let err = invalid("CreateWorkflow", body);
    assert_eq!(err.kind, ErrorKind::InvalidRequest);
    assert_eq!(err.message, "The parameter 'type' is required.");
}

#[test]
fn missing_nested_member_wins_over_earlier_type_error() {
    let mut body = create_image();
    body["imageRecipeArn"] = json!(42);
    body["workflows"][1]["parameters"][0]
        .as_object_mut()
        .unwrap()
        .remove("value");
    let err = invalid("CreateImage", body);
    assert_eq!(
        err.message,
        "The parameter 'workflows[1].parameters[0].value' is required."
    );
}

#[test]
fn bad_type_wins_over_bad_length() {
    // `description` (too short) precedes `dryRun` (wrong type) in member order.
    let mut body = create_workflow();
    body["description"] = json!("");
    body["dryRun"] = json!("yes");
    let err = invalid("CreateWorkflow", body);
    assert_invalid(&err, "dryRun", "Expected a boolean.");
}

#[test]
fn bad_length_wins_over_bad_pattern_and_enum() {
    let mut body = create_image();
    body["imageRecipeArn"] = json!("not-an-arn");
    body["workflows"][0]["onFailure"] = json!("MAYBE");
    body["clientToken"] = json!("x".repeat(65));
    let err = invalid("CreateImage", body);
    assert_invalid(
        &err,
        "clientToken",
        "The length must be between 1 and 64 characters.",
    );
}

#[test]
fn bad_pattern_wins_over_bad_enum() {
    let err = invalid(
        "ListWorkflows",
        json!({"owner": "Everyone", "filters": [{"name": "na-me", "values": ["a"]}]}),
    );
    assert_invalid(
        &err,
        "filters[0].name",
        "It must match pattern ^[a-zA-Z]{1,1024}$.",
    );

    let err = invalid("ListWorkflows", json!({"owner": "Everyone"}));
    assert_invalid(
        &err,
        "owner",
        "It must be one of: Self, Shared, Amazon, ThirdParty, AWSMarketplace.",
    );
}

#[test]
fn nested_paths() {
    let mut body = create_image();
    body["workflows"][1]["parameters"][0]["name"] = json!("");
    let err = invalid("CreateImage", body);
    assert_invalid(
        &err,
        "workflows[1].parameters[0].name",
        "The length must be between 1 and 128 characters.",
    );

    let mut body = create_image();
    body["workflows"][1]["parallelGroup"] = json!("-bad");
    let err = invalid("CreateImage", body);
    assert_invalid(
        &err,
        "workflows[1].parallelGroup",
        "It must match pattern ^[A-Za-z0-9][A-Za-z0-9-_+#]{0,99}$.",
    );

    let mut body = create_image();
    body["workflows"][1]["parameters"][0]["value"][0] = json!(7);
    let err = invalid("CreateImage", body);
    assert_invalid(
        &err,
        "workflows[1].parameters[0].value[0]",
        "Expected a string.",
    );

    let mut body = create_image();
    body["workflows"][1]["parameters"] = json!([]);
    let err = invalid("CreateImage", body);
    assert_invalid(
        &err,
        "workflows[1].parameters",
        "The list must have at least 1 item.",
    );
}

#[test]
fn tags() {
    let mut body = create_image();
    body["tags"] = json!({"aws:owner": "me"});
    let err = invalid("CreateImage", body);
    assert_invalid(&err, "tags.aws:owner", "It must not start with 'aws:'.");

    for key in ["aws", "xaws:", "AWS:x", "a b/c=d+e-f@g.h:i_j"] {
        let mut body = create_image();
        body["tags"] = json!({ key: "v" });
        check("CreateImage", body).unwrap_or_else(|e| panic!("{key}: {e}"));
    }

    let mut body = create_image();
    body["tags"] = json!({"bad#key": "v"});
    let err = invalid("CreateImage", body);
    assert_invalid(
        &err,
        "tags.bad#key",
        r"It must match pattern ^(?!aws:)[a-zA-Z0-9\s_.:/=+\-@]*$.",
    );

    let mut body = create_image();
    body["tags"] = json!({});
    let err = invalid("CreateImage", body);
    assert_invalid(&err, "tags", "The map must have between 1 and 50 entries.");

    let mut body = create_image();
    body["tags"] = json!({"k": "v".repeat(257)});
    let err = invalid("CreateImage", body);
    assert_invalid(&err, "tags.k", "The length must be at most 256 characters.");
}

#[test]
fn semantic_version() {
    let pattern_msg = r"The value supplied for parameter 'semanticVersion' is not valid. semanticVersion must match pattern ^[0-9]+\.[0-9]+\.[0-9]+$";
    let node_msg = "The value supplied for parameter 'semanticVersion' is not valid. each version node must be at most 1073741823";
    let recipe = |v: Value| json!({"name": "recipe", "semanticVersion": v, "parentImage": "ami-0123", "clientToken": "t"});
    let cases = [
        ("CreateWorkflow", json!("1.0"), pattern_msg),
        ("CreateWorkflow", json!("1.0.0.0"), pattern_msg),
        ("CreateWorkflow", json!("1..0"), pattern_msg),
        ("CreateWorkflow", json!("v1.0.0"), pattern_msg),
        ("CreateWorkflow", json!(1), pattern_msg),
        ("CreateWorkflow", json!("1.0.1073741824"), node_msg),
        (
            "CreateWorkflow",
            json!("99999999999999999999999.0.0"),
            node_msg,
        ),
        ("CreateImageRecipe", json!("1.0.x"), pattern_msg),
        ("CreateImageRecipe", json!("x.x.x"), pattern_msg),
        ("CreateImageRecipe", json!("1.1073741824.0"), node_msg),
    ];
    for (op_name, version, msg) in cases {
        let body = if op_name == "CreateWorkflow" {
            let mut b = create_workflow();
            b["semanticVersion"] = version.clone();
            b
        } else {
            recipe(version.clone())
        };
        let err = invalid(op_name, body);
        assert_eq!(
            err.kind,
            ErrorKind::InvalidVersionNumber,
            "{op_name} {version}"
        );
        assert_eq!(err.message, msg, "{op_name} {version}");
    }
    check("CreateImageRecipe", recipe(json!("1073741823.0.12"))).unwrap();

    // A missing version is a missing member, not a version error.
    let mut body = create_workflow();
    body.as_object_mut().unwrap().remove("semanticVersion");
    let err = invalid("CreateWorkflow", body);
    assert_eq!(err.kind, ErrorKind::InvalidRequest);
    assert_eq!(err.message, "The parameter 'semanticVersion' is required.");
}

#[test]
fn max_results() {
    let msg = "The value supplied for parameter 'maxResults' is not valid. maxResults must be between 1 and 100.";
    for op_name in [
        "ListWorkflows",
        "ListWaitingWorkflowSteps",
        "ListImageBuildVersions",
    ] {
        for n in [
            json!(0),
            json!(101),
            json!(-1),
            json!(1000),
            json!(u64::MAX),
        ] {
            let err = invalid(op_name, json!({ "maxResults": n }));
            assert_eq!(err.kind, ErrorKind::InvalidRequest);
            assert_eq!(err.message, msg, "{op_name} {n}");
        }
        for n in [1, 25, 100] {
            check(op_name, json!({ "maxResults": n })).unwrap();
        }
        for bad in [json!(5.0), json!("5"), json!(true)] {
            let err = invalid(op_name, json!({ "maxResults": bad }));
            assert_invalid(&err, "maxResults", "Expected an integer.");
        }
    }
    let err = invalid(
        "ListWorkflowStepExecutions",
        json!({"workflowExecutionId": WF_ID, "maxResults": 0}),
    );
    assert_eq!(err.message, msg);
}

#[test]
fn next_token() {
    let err = invalid("ListWorkflows", json!({"nextToken": ""}));
    assert_invalid(
        &err,
        "nextToken",
        "The length must be between 1 and 65535 characters.",
    );
    let err = invalid("ListWorkflows", json!({"nextToken": "a".repeat(65536)}));
    assert_invalid(
        &err,
        "nextToken",
        "The length must be between 1 and 65535 characters.",
    );
    check("ListWorkflows", json!({"nextToken": "a".repeat(65535)})).unwrap();
}

#[test]
fn pagination_members_are_checked_last() {
    // pagination.md §1: other members first, then maxResults, then nextToken.
    let err = invalid(
        "ListWorkflows",
        json!({"nextToken": "", "maxResults": 0, "owner": "Everyone"}),
    );
    assert!(
        err.message
            .starts_with("The value supplied for parameter 'owner'"),
        "{err}"
    );
    let err = invalid("ListWorkflows", json!({"nextToken": "", "maxResults": 0}));
    assert!(
        err.message
            .contains("maxResults must be between 1 and 100."),
        "{err}"
    );
    let err = invalid("ListWorkflowStepExecutions", json!({"maxResults": 0}));
    assert_eq!(
        err.message,
        "The parameter 'workflowExecutionId' is required."
    );
}

#[test]
fn integers_and_numbers() {
    let body = |hop: Value| {
        json!({"name": "infra", "instanceProfileName": "role", "clientToken": "t",
               "instanceMetadataOptions": {"httpPutResponseHopLimit": hop}})
    };
    check("CreateInfrastructureConfiguration", body(json!(64))).unwrap();
    let err = invalid("CreateInfrastructureConfiguration", body(json!(65)));
    assert_invalid(
        &err,
        "instanceMetadataOptions.httpPutResponseHopLimit",
        "The value must be between 1 and 64.",
    );
    let err = invalid("CreateInfrastructureConfiguration", body(json!(1.5)));
    assert_invalid(
        &err,
        "instanceMetadataOptions.httpPutResponseHopLimit",
        "Expected an integer.",
    );
    let err = invalid(
        "CreateInfrastructureConfiguration",
        body(json!(4_000_000_000_i64)),
    );
    assert_invalid(
        &err,
        "instanceMetadataOptions.httpPutResponseHopLimit",
        "Expected an integer between -2147483648 and 2147483647.",
    );
}

#[test]
fn patterns_match_whole_values_with_ascii_classes() {
    let infra = |profile: &str, tokens: &str| {
        json!({"name": "infra", "instanceProfileName": profile, "clientToken": "t",
               "instanceMetadataOptions": {"httpTokens": tokens}})
    };
    check(
        "CreateInfrastructureConfiguration",
        infra("my_role+=,.@-", "required"),
    )
    .unwrap();
    // `optional|required` is unanchored in the model; it still has to match the whole value.
    let err = invalid(
        "CreateInfrastructureConfiguration",
        infra("role", "not-required"),
    );
    assert_invalid(
        &err,
        "instanceMetadataOptions.httpTokens",
        "It must match pattern optional|required.",
    );
    // Java's \w is ASCII-only.
    let err = invalid(
        "CreateInfrastructureConfiguration",
        infra("rôle", "optional"),
    );
    assert_invalid(
        &err,
        "instanceProfileName",
        r"It must match pattern ^[\w+=,.@-]+$.",
    );

    let mut body = create_workflow();
    body["data"] = json!("a\u{0}b");
    let err = invalid("CreateWorkflow", body);
    assert_invalid(&err, "data", r"It must match pattern [^\x00]+.");

    for (name, ok) in [
        ("ab", false),
        ("abc", true),
        ("a b", true),
        (" ab", false),
        ("a-_0", true),
    ] {
        let mut body = create_workflow();
        body["name"] = json!(name);
        assert_eq!(check("CreateWorkflow", body).is_ok(), ok, "{name:?}");
    }
}

#[test]
fn query_operations_validate_their_member() {
    let err = invalid(
        "GetWorkflowExecution",
        json!({"workflowExecutionId": "wf-123"}),
    );
    assert_eq!(err.kind, ErrorKind::InvalidRequest);
    assert!(err
        .message
        .starts_with("The value supplied for parameter 'workflowExecutionId'"));
    let err = invalid("GetWorkflowExecution", json!({}));
    assert_eq!(
        err.message,
        "The parameter 'workflowExecutionId' is required."
    );
    check(
        "GetWorkflowExecution",
        json!({"workflowExecutionId": WF_ID.to_uppercase().replace("WF-", "wf-")}),
    )
    .unwrap();
}

#[test]
fn decode_input_validates_then_decodes() {
    let req: CreateImageRequest = decode_input(op("CreateImage"), create_image()).unwrap();
    let workflows = req.workflows.unwrap();
    assert_eq!(workflows.len(), 2);
    assert_eq!(workflows[1].parallel_group.as_deref(), Some("g1"));
    assert_eq!(
        workflows[1].parameters.as_ref().unwrap()[0].value,
        Some(vec!["v".to_string()])
    );
    assert_eq!(req.tags.unwrap()["team"], "images");

    let req: ListWorkflowStepExecutionsRequest = decode_input(
        op("ListWorkflowStepExecutions"),
        json!({"workflowExecutionId": WF_ID, "maxResults": 7}),
    )
    .unwrap();
    assert_eq!(req.max_results, Some(7));
    assert_eq!(req.next_token, None);

    let err = decode_input::<ListWorkflowStepExecutionsRequest>(
        op("ListWorkflowStepExecutions"),
        json!({"maxResults": 7}),
    )
    .unwrap_err();
    assert_eq!(
        err.message,
        "The parameter 'workflowExecutionId' is required."
    );
}
