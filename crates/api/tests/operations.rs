//! The generated operation table: every operation of the model, its properties, routing
//! from method + path, and the `served_operations!` dispatch macro.

use stepwise_api::operations::{
    self, Binding, Location, Operation, OperationId, Segment, OPERATIONS,
};
use stepwise_api::schema::{self, ShapeKind};
use stepwise_api::served_operations;

const TAG_ARN: &str = "arn:aws:imagebuilder:us-east-1:123456789012:image/my-image/1.0.0/1";
/// `TAG_ARN` as the SDKs put a URI label on the wire: everything but unreserved characters
/// escaped, slashes included.
const TAG_ARN_ENCODED: &str =
    "arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A123456789012%3Aimage%2Fmy-image%2F1.0.0%2F1";

/// `CreateWorkflow` -> `create_workflow` (no operation name has two capitals in a row).
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[test]
fn the_table_holds_every_operation_of_the_model_in_name_order() {
    assert_eq!(OPERATIONS.len(), 77);
    assert!(OPERATIONS.windows(2).all(|w| w[0].name < w[1].name));
    for (i, op) in OPERATIONS.iter().enumerate() {
        assert_eq!(op.id as usize, i, "{}", op.name);
        assert_eq!(format!("{:?}", op.id), op.name);
        assert_eq!(op.id.operation().name, op.name);
        assert_eq!(op.id.name(), op.name);
        assert_eq!(operations::by_name(op.name).map(|o| o.id), Some(op.id));
        for shape in [op.input, op.output] {
            assert_eq!(schema::shape(shape.name), Some(shape), "{}", op.name);
            assert!(matches!(shape.kind, ShapeKind::Structure { .. }));
        }
        assert_eq!(op.path, op.request_uri, "no request URI has a query part");
        assert!(op.path.starts_with('/'));
    }
    assert!(operations::by_name("NoSuchOperation").is_none());
    assert_eq!(OPERATIONS.iter().filter(|op| op.served).count(), 48);
}

#[test]
fn has_request_id_follows_the_output_shape_and_the_servers_old_list() {
    for op in OPERATIONS.iter() {
        assert_eq!(
            op.has_request_id,
            op.output.member("requestId").is_some(),
            "{}",
            op.name
        );
    }
    // The hand list crates/server/src/handlers/mod.rs kept before the table had the fact.
    let without = [
        "CreateWorkflow",
        "GetWorkflow",
        "ListWorkflows",
        "ListWorkflowBuildVersions",
        "DeleteWorkflow",
        "RetryImage",
        "ListWaitingWorkflowSteps",
        "SendWorkflowStepAction",
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
    ];
    for op in OPERATIONS.iter().filter(|op| op.served) {
        assert_eq!(
            op.has_request_id,
            !without.contains(&op.name),
            "{}",
            op.name
        );
    }
}

#[test]
fn read_only_is_the_get_and_list_operations() {
    for op in OPERATIONS.iter() {
        // The rule: the model's verbs for reads.
        let rule = op.name.starts_with("Get") || op.name.starts_with("List");
        assert_eq!(op.read_only, rule, "{}", op.name);
        if op.method == "GET" {
            assert!(op.read_only, "{}", op.name);
        }
        if op.read_only {
            assert_eq!(op.idempotency_token, None, "{}", op.name);
        }
    }
    // What the server guessed before (protocol.rs `is_read`) agrees on every served one.
    for op in OPERATIONS.iter().filter(|op| op.served) {
        let guessed = op.method == "GET" || op.name.starts_with("List");
        assert_eq!(op.read_only, guessed, "{}", op.name);
    }
    // A POST that reads, and a GET with a label.
    assert!(
        operations::by_name("GetMarketplaceResource")
            .unwrap()
            .read_only
    );
    assert!(
        operations::by_name("ListTagsForResource")
            .unwrap()
            .read_only
    );
    assert!(!operations::by_name("TagResource").unwrap().read_only);
}

#[test]
fn the_tag_operations_carry_the_arn_in_the_uri() {
    let tag = operations::by_name("TagResource").unwrap();
    let untag = operations::by_name("UntagResource").unwrap();
    let list = operations::by_name("ListTagsForResource").unwrap();
    for (op, method) in [(tag, "POST"), (untag, "DELETE"), (list, "GET")] {
        assert_eq!(op.method, method);
        assert_eq!(op.request_uri, "/tags/{resourceArn}");
        assert_eq!(
            op.segments,
            [Segment::Literal("tags"), Segment::Label("resourceArn")]
        );
        assert_eq!(
            op.location("resourceArn"),
            Some(Location::Label("resourceArn"))
        );
        assert!(op.served);
        assert!(!op.has_request_id);
        assert_eq!(
            op.errors,
            [
                "ServiceException",
                "InvalidParameterException",
                "ResourceNotFoundException"
            ]
        );
    }
    assert_eq!(tag.location("tags"), Some(Location::Body));
    assert_eq!(tag.location("nope"), None);
    assert_eq!(
        untag.bindings,
        [
            Binding {
                member: "resourceArn",
                location: Location::Label("resourceArn")
            },
            Binding {
                member: "tagKeys",
                location: Location::Query("tagKeys")
            },
        ]
    );
    assert_eq!(untag.query_member, Some("tagKeys"));
}

#[test]
fn bindings_agree_with_the_schema() {
    for op in OPERATIONS.iter() {
        for binding in op.bindings {
            let member = op.input.member(binding.member).expect("an input member");
            assert_ne!(binding.location, Location::Body, "{}", op.name);
            if let Location::Query(key) = binding.location {
                assert_eq!(member.query, Some(key), "{}", op.name);
                assert_eq!(op.query_member, Some(key), "{}", op.name);
            }
        }
        for member in op.input.members() {
            let location = op.location(member.name).unwrap();
            assert_eq!(
                member.query.is_some(),
                matches!(location, Location::Query(_)),
                "{}.{}",
                op.name,
                member.name
            );
        }
        let labels = op
            .segments
            .iter()
            .filter(|s| !matches!(s, Segment::Literal(_)))
            .count();
        let label_bindings = op
            .bindings
            .iter()
            .filter(|b| matches!(b.location, Location::Label(_)))
            .count();
        assert_eq!(labels, label_bindings, "{}", op.name);
    }
}

/// A path that reaches `op`: its URI with every label filled with `TAG_ARN`, encoded.
fn path_to(op: &Operation) -> String {
    let mut path = String::new();
    for segment in op.segments {
        path.push('/');
        match segment {
            Segment::Literal(text) => path.push_str(text),
            Segment::Label(_) | Segment::GreedyLabel(_) => path.push_str(TAG_ARN_ENCODED),
        }
    }
    path
}

#[test]
fn find_reaches_every_operation_by_its_method_and_uri_only() {
    for op in OPERATIONS.iter() {
        let path = path_to(op);
        let route = operations::find(op.method, &path).expect(op.name);
        assert_eq!(route.operation.id, op.id);
        let expected: Vec<(&str, String)> = op
            .segments
            .iter()
            .filter_map(|s| match s {
                Segment::Label(m) | Segment::GreedyLabel(m) => Some((*m, TAG_ARN.to_string())),
                Segment::Literal(_) => None,
            })
            .collect();
        assert_eq!(route.labels, expected, "{}", op.name);
        for method in ["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD"] {
            let found = operations::find(method, &path).map(|r| r.operation.id);
            if method == op.method {
                assert_eq!(found, Some(op.id));
            } else {
                assert_ne!(found, Some(op.id), "{} {method}", op.name);
            }
        }
        assert!(operations::find(&op.method.to_lowercase(), &path).is_none());
        assert!(operations::find(op.method, &format!("{path}/")).is_none());
        assert!(operations::find(op.method, &format!("/{path}")).is_none());
        if op.path == path {
            // Literal paths match byte for byte, case included.
            assert!(operations::find(op.method, &path.to_lowercase()).is_none());
        }
    }
}

#[test]
fn find_keeps_the_served_paths_exact_and_finds_unserved_ones_flagged() {
    let get = operations::find("GET", "/GetWorkflow").unwrap();
    assert_eq!(get.operation.id, OperationId::GetWorkflow);
    assert!(get.operation.served && get.labels.is_empty());
    for (method, path) in [
        ("POST", "/GetWorkflow"),
        ("get", "/GetWorkflow"),
        ("GET", "/getworkflow"),
        ("GET", "/GetWorkflow/"),
        ("GET", "//GetWorkflow"),
        ("GET", "GetWorkflow"),
        ("GET", "/GetWorkflow%20"),
        ("GET", "/"),
        ("GET", ""),
        ("GET", "/NoSuchOperation"),
    ] {
        assert!(operations::find(method, path).is_none(), "{method} {path}");
    }
    let unserved = operations::find("GET", "/GetContainerRecipe").unwrap();
    assert_eq!(unserved.operation.id, OperationId::GetContainerRecipe);
    assert!(!unserved.operation.served);
}

#[test]
fn find_decodes_a_label_and_takes_one_segment_only() {
    let path = format!("/tags/{TAG_ARN_ENCODED}");
    let route = operations::find("POST", &path).unwrap();
    assert_eq!(route.operation.id, OperationId::TagResource);
    assert_eq!(route.labels, [("resourceArn", TAG_ARN.to_string())]);
    assert_eq!(
        operations::find("GET", &path).unwrap().operation.id,
        OperationId::ListTagsForResource
    );
    assert_eq!(
        operations::find("DELETE", &path).unwrap().operation.id,
        OperationId::UntagResource
    );
    let all: Vec<OperationId> = operations::by_path(&path).map(|r| r.operation.id).collect();
    assert_eq!(
        all,
        [
            OperationId::UntagResource,
            OperationId::ListTagsForResource,
            OperationId::TagResource
        ]
    );
    // Colons left as they are decode to themselves; a plus sign stays one; an escape
    // without two hex digits stays as written; lower-case hex decodes too.
    let route = operations::find("GET", "/tags/arn:aws:x%2fy+z%2%zz").unwrap();
    assert_eq!(
        route.labels,
        [("resourceArn", "arn:aws:x/y+z%2%zz".to_string())]
    );
    // A non-greedy label is one segment: raw slashes, an empty label, no label at all.
    for path in [
        format!("/tags/{TAG_ARN}"),
        "/tags/".to_string(),
        "/tags".to_string(),
        "/tags//x".to_string(),
        format!("/tags/{TAG_ARN_ENCODED}/"),
        format!("/Tags/{TAG_ARN_ENCODED}"),
    ] {
        assert!(operations::find("GET", &path).is_none(), "{path}");
    }
    assert!(operations::find("PUT", "/tags/x").is_none());
}

#[test]
fn a_greedy_label_takes_the_rest_of_the_path() {
    // The model has no greedy label today; the matcher supports one in last position.
    let get = operations::by_name("GetWorkflow").unwrap();
    let op = Operation {
        segments: &[Segment::Literal("files"), Segment::GreedyLabel("key")],
        bindings: &[],
        ..*get
    };
    assert_eq!(
        op.match_path("/files/a/b%2Fc/"),
        Some(vec![("key", "a/b/c/".to_string())])
    );
    assert_eq!(
        op.match_path("/files/a"),
        Some(vec![("key", "a".to_string())])
    );
    assert_eq!(op.match_path("/files/"), None);
    assert_eq!(op.match_path("/files"), None);
    assert_eq!(op.match_path("/other/a"), None);
    let root = Operation {
        segments: &[],
        ..*get
    };
    assert_eq!(root.match_path("/"), Some(vec![]));
    assert_eq!(root.match_path("/x"), None);
}

/// `(variant, handler name)` pairs, as the macro hands them over.
macro_rules! pairs {
    ($(($variant:ident, $handler:ident, $input:ident, $output:ident)),* $(,)?) => {
        vec![$((OperationId::$variant, stringify!($handler))),*]
    };
}

/// `(input type, output type)` names, as the macro hands them over.
macro_rules! io_types {
    ($(($variant:ident, $handler:ident, $input:ident, $output:ident)),* $(,)?) => {
        vec![$((stringify!($input), stringify!($output))),*]
    };
}

#[test]
fn served_operations_name_their_input_and_output_types() {
    let types: Vec<(&str, &str)> = served_operations!(io_types);
    assert_eq!(types.len(), 48);
    assert!(types.contains(&("CreateImageRequest", "CreateImageResponse")));
    assert!(types.contains(&(
        "ListWorkflowStepExecutionsRequest",
        "ListWorkflowStepExecutionsResponse"
    )));
    // The named types exist in the model.
    let _: stepwise_api::model::CreateImageRequest = Default::default();
}

#[test]
fn served_operations_lists_the_served_entries_with_snake_case_handlers() {
    let listed: Vec<(OperationId, &str)> = served_operations!(pairs);
    let expected: Vec<(OperationId, String)> = OPERATIONS
        .iter()
        .filter(|op| op.served)
        .map(|op| (op.id, snake(op.name)))
        .collect();
    assert_eq!(listed.len(), 48);
    assert_eq!(
        listed,
        expected
            .iter()
            .map(|(id, name)| (*id, name.as_str()))
            .collect::<Vec<_>>()
    );
}

/// One handler per served operation, named as the server's will be; each answers its name.
mod handlers {
    macro_rules! define_handlers {
        ($(($variant:ident, $handler:ident, $input:ident, $output:ident)),* $(,)?) => {
            $(pub fn $handler(input: u32) -> (&'static str, u32) {
                (stringify!($variant), input)
            })*
        };
    }
    stepwise_api::served_operations!(define_handlers);
}

/// The server's dispatch, written once: `match op.id { OperationId::X => handlers::x(..), .. }`.
macro_rules! dispatch_arms {
    ($id:expr, $input:expr; $(($variant:ident, $handler:ident, $in_type:ident, $out_type:ident)),* $(,)?) => {
        match $id {
            $(OperationId::$variant => Some(handlers::$handler($input)),)*
            _ => None,
        }
    };
}

fn dispatch(id: OperationId, input: u32) -> Option<(&'static str, u32)> {
    served_operations!(dispatch_arms, id, input)
}

#[test]
fn a_dispatch_built_by_the_macro_calls_each_served_handler() {
    for op in OPERATIONS.iter() {
        let answer = dispatch(op.id, op.id as u32);
        if op.served {
            assert_eq!(answer, Some((op.name, op.id as u32)));
        } else {
            assert_eq!(answer, None, "{}", op.name);
        }
    }
}
