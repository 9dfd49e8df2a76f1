//! The operation codes, pinned. `OpCode` is generated from `TOKEN_OPERATIONS` in
//! codegen/gen_model.py; a code is on the wire inside live tokens, so an edit of that list that
//! renumbers, renames, drops or reorders an operation fails here, not in a client's next page.

use stepwise_token::OpCode;

/// (code, operation name) of every `OpCode`, in code order: the wire contract.
const PINNED: [(u8, &str); 14] = [
    (1, "ListWorkflowStepExecutions"),
    (2, "ListWorkflowExecutions"),
    (3, "ListWaitingWorkflowSteps"),
    (4, "ListWorkflows"),
    (5, "ListWorkflowBuildVersions"),
    (6, "ListImageRecipes"),
    (7, "ListInfrastructureConfigurations"),
    (8, "ListDistributionConfigurations"),
    (9, "ListImageBuildVersions"),
    // Stepwise's own code: pagination spec §2.4 predates ListImages.
    (10, "ListImages"),
    (11, "ListComponents"),
    (12, "ListComponentBuildVersions"),
    (13, "ListImagePipelines"),
    (14, "ListImagePipelineImages"),
];

#[test]
fn every_code_keeps_its_operation() {
    let actual = OpCode::ALL.map(|op| (op.code(), op.name()));
    assert_eq!(actual, PINNED);
}

#[test]
fn each_variant_is_named_after_its_operation() {
    for op in OpCode::ALL {
        assert_eq!(format!("{op:?}"), op.name());
    }
}

#[test]
fn from_code_opens_exactly_the_pinned_codes() {
    for code in 0..=u8::MAX {
        let expected = PINNED
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, name)| *name);
        assert_eq!(
            OpCode::from_code(code).map(OpCode::name),
            expected,
            "code {code}"
        );
    }
}
