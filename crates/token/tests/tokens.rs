//! Pagination token v1 against pagination.md §2 and the server scenarios of §6
//! (S-08…S-12, S-14, S-20, S-26), through the public API only.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE};
use base64::Engine as _;
use serde_json::{json, Value};
use stepwise_api::{ApiError, ErrorKind};
use stepwise_token::{
    binding_digest, canonical_json, CursorWriter, Keys, OpCode, Scope, TokenCodec,
    DEFAULT_TTL_SECS, MAX_CLOCK_SKEW_SECS, MAX_TOKEN_CHARS, MIN_TOKEN_BYTES, TAG_V1,
};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
const EXEC_A: &str = "wf-0b6e2c1a-4f3d-4c8e-9a71-2d5f0e8b7c43";
const EXEC_B: &str = "wf-1c7f3d2b-5e4a-4d9f-8b82-3e6a1f9c8d54";
/// 2026-01-01T00:00:00Z
const GOLDEN_ISSUED_AT: u64 = 1_767_225_600;
const GOLDEN_T2: &str = "/wEAAAAAaVW5AAEABAAAAAIUVNFWB9Cd7aLkbT8td61P";
const GOLDEN_T5: &str = "/wEAAAAAaVW5AAEABAAAAAUOexBtPJhJDomBYnVUN5Fn";

fn golden_secret() -> [u8; 32] {
    std::array::from_fn(|i| i as u8)
}

fn golden_codec() -> TokenCodec {
    TokenCodec::new(Keys::single(1, golden_secret()), DEFAULT_TTL_SECS)
}

fn steps_binding(exec: &str) -> Value {
    json!({ "workflowExecutionId": exec })
}

fn steps_scope(binding: &Value) -> Scope<'_> {
    Scope::new(OpCode::ListWorkflowStepExecutions, ACCOUNT, REGION, binding)
}

fn index_cursor(i: u32) -> Vec<u8> {
    CursorWriter::new().u32(i).into_bytes()
}

fn invalid() -> ApiError {
    ApiError::invalid_token()
}

/// Tiny deterministic PRNG (xorshift64*) so the tests need no extra dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

// ---------------------------------------------------------------- S-26 golden tokens (§2.7)

#[test]
fn s26_golden_token_cursor_2() {
    let binding = steps_binding(EXEC_A);
    assert_eq!(
        canonical_json(&binding),
        r#"{"workflowExecutionId":"wf-0b6e2c1a-4f3d-4c8e-9a71-2d5f0e8b7c43"}"#
    );
    let token = golden_codec().seal(&steps_scope(&binding), GOLDEN_ISSUED_AT, &index_cursor(2));
    assert_eq!(token, GOLDEN_T2);
}

#[test]
fn s26_golden_token_cursor_5() {
    let binding = steps_binding(EXEC_A);
    let token = golden_codec().seal(&steps_scope(&binding), GOLDEN_ISSUED_AT, &index_cursor(5));
    assert_eq!(token, GOLDEN_T5);
}

#[test]
fn s26_golden_token_byte_layout() {
    let bytes = STANDARD.decode(GOLDEN_T2).unwrap();
    assert_eq!(bytes.len(), 29 + 4);
    assert_eq!(
        &bytes[..17],
        &[0xFF, 0x01, 0, 0, 0, 0, 0x69, 0x55, 0xB9, 0x00, 0x01, 0x00, 0x04, 0, 0, 0, 2]
    );
    assert!(GOLDEN_T2.starts_with('/') && GOLDEN_T5.starts_with('/'));
}

#[test]
fn golden_tokens_open_to_their_cursor() {
    let codec = golden_codec();
    let binding = steps_binding(EXEC_A);
    let scope = steps_scope(&binding);
    assert_eq!(
        codec.open(&scope, GOLDEN_T2, GOLDEN_ISSUED_AT).unwrap(),
        index_cursor(2)
    );
    let index = codec
        .open_with(&scope, GOLDEN_T5, GOLDEN_ISSUED_AT + 60, |r| r.u32())
        .unwrap();
    assert_eq!(index, 5);
}

#[test]
fn binding_digest_is_sha256_of_canonical_json() {
    use sha2::{Digest, Sha256};
    let binding = json!({"owner": "Self", "byName": false});
    let expected: [u8; 32] = Sha256::digest(br#"{"byName":false,"owner":"Self"}"#).into();
    assert_eq!(binding_digest(&binding), expected);
}

// ---------------------------------------------------------------- round trips

#[test]
fn every_operation_round_trips_its_cursor_shape() {
    let codec = golden_codec();
    let binding = json!({"owner": "Self", "byName": false});
    let cursors: Vec<(OpCode, Vec<u8>)> = vec![
        (OpCode::ListWorkflowStepExecutions, index_cursor(0)),
        (
            OpCode::ListWorkflowExecutions,
            CursorWriter::new().u64(42).into_bytes(),
        ),
        (
            OpCode::ListWaitingWorkflowSteps,
            CursorWriter::new().u64(u64::MAX).into_bytes(),
        ),
        (
            OpCode::ListWorkflows,
            CursorWriter::new()
                .str("my-wf")
                .u8(0)
                .u32(1)
                .u32(2)
                .u32(3)
                .into_bytes(),
        ),
        (
            OpCode::ListWorkflowBuildVersions,
            CursorWriter::new()
                .str("my-wf")
                .u8(2)
                .u32(1)
                .u32(0)
                .u32(0)
                .u32(7)
                .into_bytes(),
        ),
        (
            OpCode::ListImageRecipes,
            CursorWriter::new()
                .str("r")
                .u32(1)
                .u32(0)
                .u32(0)
                .into_bytes(),
        ),
        (
            OpCode::ListInfrastructureConfigurations,
            CursorWriter::new().str(&"n".repeat(128)).into_bytes(),
        ),
        (
            OpCode::ListDistributionConfigurations,
            CursorWriter::new().str("dist").into_bytes(),
        ),
        (
            OpCode::ListImageBuildVersions,
            CursorWriter::new()
                .str("img")
                .u32(1)
                .u32(2)
                .u32(3)
                .u32(4)
                .into_bytes(),
        ),
    ];
    for (op, cursor) in cursors {
        let scope = Scope::new(op, ACCOUNT, REGION, &binding);
        let token = codec.seal(&scope, 1_000, &cursor);
        assert!(token.starts_with('/'), "{op:?}: {token}");
        assert_eq!(codec.open(&scope, &token, 1_000).unwrap(), cursor, "{op:?}");
    }
}

#[test]
fn empty_cursor_is_the_29_byte_minimum() {
    let codec = golden_codec();
    let binding = json!({});
    let scope = Scope::new(OpCode::ListWaitingWorkflowSteps, ACCOUNT, REGION, &binding);
    let token = codec.seal(&scope, 5, &[]);
    assert_eq!(STANDARD.decode(&token).unwrap().len(), MIN_TOKEN_BYTES);
    assert_eq!(codec.open(&scope, &token, 5).unwrap(), Vec::<u8>::new());
}

#[test]
fn open_with_rejects_cursors_that_do_not_parse_exactly() {
    let codec = golden_codec();
    let binding = steps_binding(EXEC_A);
    let scope = steps_scope(&binding);
    // Authentic token whose cursor has a trailing byte.
    let token = codec.seal(&scope, 10, &[0, 0, 0, 3, 0]);
    assert_eq!(
        codec
            .open_with(&scope, &token, 10, |r| r.u32())
            .unwrap_err(),
        invalid()
    );
    // Authentic token whose cursor is too short for the expected shape.
    let token = codec.seal(&scope, 10, &[0, 3]);
    assert_eq!(
        codec
            .open_with(&scope, &token, 10, |r| r.u32())
            .unwrap_err(),
        invalid()
    );
    // Authentic token with a string field that is not UTF-8.
    let token = codec.seal(&scope, 10, &[0, 1, 0xC3]);
    assert_eq!(
        codec
            .open_with(&scope, &token, 10, |r| r.str().map(str::to_owned))
            .unwrap_err(),
        invalid()
    );
}

// ---------------------------------------------------------------- S-14 determinism, reuse

#[test]
fn s14_same_inputs_same_token_and_reusable() {
    let codec = golden_codec();
    let binding = steps_binding(EXEC_A);
    let scope = steps_scope(&binding);
    let a = codec.seal(&scope, 77, &index_cursor(3));
    let b = codec.seal(&scope, 77, &index_cursor(3));
    assert_eq!(a, b);
    for _ in 0..3 {
        assert_eq!(codec.open(&scope, &a, 78).unwrap(), index_cursor(3));
    }
    assert_ne!(
        codec.seal(&scope, 78, &index_cursor(3)),
        a,
        "fresh issued_at, fresh token"
    );
}

// ---------------------------------------------------------------- S-08 garbage

#[test]
fn s08_garbage_tokens_are_invalid() {
    let codec = golden_codec();
    let binding = steps_binding(EXEC_A);
    let scope = steps_scope(&binding);
    let wrapped = STANDARD.encode(format!(r#"{{"nextToken": "{GOLDEN_T2}"}}"#));
    let garbage = [
        "",
        "abc",
        "!!!",
        "None",
        "null",
        "====",
        "////",
        "%%%%",
        "tok-3",
        "/w==",
        "/wE=",
        "AAAA",
        "/wEAAAAAaVW5AAEABAAAAAI", // truncated mid-token, bad length for base64
        &wrapped,                  // S-19: botocore-wrapped token
        "eyJuZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAyfQ==",
    ];
    for g in garbage {
        assert_eq!(
            codec.open(&scope, g, GOLDEN_ISSUED_AT).unwrap_err(),
            invalid(),
            "{g:?}"
        );
    }
}

#[test]
fn s08_base64_of_random_bytes_is_invalid() {
    let codec = golden_codec();
    let binding = steps_binding(EXEC_A);
    let scope = steps_scope(&binding);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for n in 0..2_000usize {
        let len = n % 80;
        let mut bytes = rng.bytes(len);
        // Half of them carry a plausible header so they get past the cheap checks.
        if n % 2 == 0 && len >= MIN_TOKEN_BYTES {
            bytes[0] = TAG_V1;
            bytes[1] = 1;
            bytes[10] = OpCode::ListWorkflowStepExecutions.code();
            let cursor_len = (len - MIN_TOKEN_BYTES) as u16;
            bytes[11..13].copy_from_slice(&cursor_len.to_be_bytes());
        }
        let token = STANDARD.encode(&bytes);
        assert_eq!(
            codec.open(&scope, &token, GOLDEN_ISSUED_AT).unwrap_err(),
            invalid(),
            "{token}"
        );
    }
}

#[test]
fn s08_truncated_tokens_are_invalid() {
    let codec = golden_codec();
    let binding = steps_binding(EXEC_A);
    let scope = steps_scope(&binding);
    // Every prefix of the text.
    for cut in 0..GOLDEN_T2.len() {
        assert_eq!(
            codec
                .open(&scope, &GOLDEN_T2[..cut], GOLDEN_ISSUED_AT)
                .unwrap_err(),
            invalid(),
            "{cut}"
        );
    }
    // Every prefix of the bytes, re-encoded as valid base64; and bytes appended.
    let bytes = STANDARD.decode(GOLDEN_T2).unwrap();
    for cut in 0..bytes.len() {
        let token = STANDARD.encode(&bytes[..cut]);
        assert_eq!(
            codec.open(&scope, &token, GOLDEN_ISSUED_AT).unwrap_err(),
            invalid(),
            "{cut}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        codec
            .open(&scope, &STANDARD.encode(&longer), GOLDEN_ISSUED_AT)
            .unwrap_err(),
        invalid()
    );
}

#[test]
fn s08_every_single_bit_flip_is_invalid() {
    let codec = golden_codec();
    let binding = steps_binding(EXEC_A);
    let scope = steps_scope(&binding);
    let bytes = STANDARD.decode(GOLDEN_T2).unwrap();
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut flipped = bytes.clone();
            flipped[i] ^= 1 << bit;
            let token = STANDARD.encode(&flipped);
            let err = codec.open(&scope, &token, GOLDEN_ISSUED_AT).unwrap_err();
            assert_eq!(err, invalid(), "byte {i} bit {bit}");
        }
    }
}

#[test]
fn s08_every_single_character_change_is_invalid() {
    let codec = golden_codec();
    let binding = steps_binding(EXEC_A);
    let scope = steps_scope(&binding);
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ .";
    for i in 0..GOLDEN_T2.len() {
        for &c in alphabet {
            let mut t = GOLDEN_T2.as_bytes().to_vec();
            if t[i] == c {
                continue;
            }
            t[i] = c;
            let token = String::from_utf8(t).unwrap();
            assert_eq!(
                codec.open(&scope, &token, GOLDEN_ISSUED_AT).unwrap_err(),
                invalid(),
                "{token}"
            );
        }
    }
}

#[test]
fn strict_base64_rejects_lenient_forms() {
    let codec = golden_codec();
    let binding = steps_binding(EXEC_A);
    let scope = steps_scope(&binding);
    // 29 + 5 = 34 bytes -> "==" padding; 29 + 6 = 35 bytes -> "=" padding.
    for cursor_len in [5usize, 6] {
        let cursor = vec![9u8; cursor_len];
        let token = codec.seal(&scope, 100, &cursor);
        assert!(token.ends_with('='), "{token}");
        assert_eq!(codec.open(&scope, &token, 100).unwrap(), cursor);
        let bytes = STANDARD.decode(&token).unwrap();
        let lenient = [
            STANDARD_NO_PAD.encode(&bytes),                  // padding stripped
            format!("{token}="),                             // extra padding
            format!("{token}\n"),                            // trailing newline
            format!(" {token}"),                             // leading space
            format!("{}\r\n{}", &token[..20], &token[20..]), // line break inside
            URL_SAFE.encode(&bytes),                         // URL-safe alphabet
        ];
        for t in lenient {
            if t == token {
                continue;
            }
            assert_eq!(codec.open(&scope, &t, 100).unwrap_err(), invalid(), "{t:?}");
        }
    }
    // Non-canonical trailing bits: same bytes, different last character.
    let token = codec.seal(&scope, 100, &[9u8; 5]); // ends "x=="; the last sextet has 4 unused bits
    let mut chars: Vec<u8> = token.into_bytes();
    let last = chars.len() - 3;
    let idx = STANDARD_ALPHABET
        .iter()
        .position(|&c| c == chars[last])
        .unwrap();
    chars[last] = STANDARD_ALPHABET[idx ^ 1];
    let t = String::from_utf8(chars).unwrap();
    assert_eq!(codec.open(&scope, &t, 100).unwrap_err(), invalid(), "{t}");
}

const STANDARD_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#[test]
fn tokens_longer_than_1024_chars_are_rejected_without_decoding() {
    let codec = golden_codec();
    let binding = steps_binding(EXEC_A);
    let scope = steps_scope(&binding);
    for len in [MAX_TOKEN_CHARS + 1, MAX_TOKEN_CHARS + 4, 65_535, 65_536] {
        let t = format!("{GOLDEN_T2}{}", "A".repeat(len - GOLDEN_T2.len()));
        assert_eq!(t.len(), len);
        assert_eq!(
            codec.open(&scope, &t, GOLDEN_ISSUED_AT).unwrap_err(),
            invalid()
        );
    }
}

#[test]
fn unknown_tag_byte_is_invalid() {
    // A v2 (or any non-0xFF) token, even one correctly MAC'ed otherwise, is not v1.
    let codec = golden_codec();
    let binding = steps_binding(EXEC_A);
    let scope = steps_scope(&binding);
    let mut bytes = STANDARD.decode(GOLDEN_T2).unwrap();
    for tag in [0x00u8, 0x01, 0x7B, 0xFE] {
        bytes[0] = tag;
        assert_eq!(
            codec
                .open(&scope, &STANDARD.encode(&bytes), GOLDEN_ISSUED_AT)
                .unwrap_err(),
            invalid()
        );
    }
}

// ---------------------------------------------------------------- S-09 binding

#[test]
fn s09_token_of_another_execution_is_invalid() {
    let codec = golden_codec();
    let binding_a = steps_binding(EXEC_A);
    let binding_b = steps_binding(EXEC_B);
    let token = codec.seal(&steps_scope(&binding_a), GOLDEN_ISSUED_AT, &index_cursor(2));
    assert_eq!(token, GOLDEN_T2);
    assert_eq!(
        codec
            .open(&steps_scope(&binding_b), &token, GOLDEN_ISSUED_AT)
            .unwrap_err(),
        invalid()
    );
}

#[test]
fn binding_is_canonical_and_exact() {
    let codec = golden_codec();
    let sealed_with: Value = serde_json::from_str(
        r#"{"owner":"Self","filters":[{"name":"name","values":["a*"]}],"byName":false}"#,
    )
    .unwrap();
    let token = codec.seal(
        &Scope::new(OpCode::ListWorkflows, ACCOUNT, REGION, &sealed_with),
        50,
        &[0, 0],
    );
    // Member order is irrelevant.
    let reordered: Value = serde_json::from_str(
        r#"{"byName":false,"filters":[{"values":["a*"],"name":"name"}],"owner":"Self"}"#,
    )
    .unwrap();
    assert!(codec
        .open(
            &Scope::new(OpCode::ListWorkflows, ACCOUNT, REGION, &reordered),
            &token,
            50
        )
        .is_ok());
    // S-23: any change of a bound member is not.
    let others = [
        json!({"owner": "Amazon", "filters": [{"name": "name", "values": ["a*"]}], "byName": false}),
        json!({"owner": "Self", "filters": [{"name": "name", "values": ["b*"]}], "byName": false}),
        json!({"owner": "Self", "filters": [{"name": "name", "values": ["a*"]}], "byName": true}),
        json!({"owner": "Self", "byName": false}),
        json!({"owner": "Self", "filters": [{"name": "name", "values": ["a*", "b*"]}], "byName": false}),
        json!({}),
    ];
    for other in &others {
        let scope = Scope::new(OpCode::ListWorkflows, ACCOUNT, REGION, other);
        assert_eq!(
            codec.open(&scope, &token, 50).unwrap_err(),
            invalid(),
            "{other}"
        );
    }
}

#[test]
fn filter_order_is_part_of_the_binding() {
    let codec = golden_codec();
    let ab = json!({"filters": [{"name": "name", "values": ["a"]}, {"name": "platform", "values": ["Linux"]}]});
    let ba = json!({"filters": [{"name": "platform", "values": ["Linux"]}, {"name": "name", "values": ["a"]}]});
    let op = OpCode::ListImageRecipes;
    let token = codec.seal(&Scope::new(op, ACCOUNT, REGION, &ab), 1, &[0, 0]);
    assert_eq!(
        codec
            .open(&Scope::new(op, ACCOUNT, REGION, &ba), &token, 1)
            .unwrap_err(),
        invalid()
    );
}

// ---------------------------------------------------------------- S-10 operation

#[test]
fn s10_token_of_another_operation_is_invalid() {
    let codec = golden_codec();
    let binding = steps_binding(EXEC_A);
    for op in OpCode::ALL {
        if op == OpCode::ListWorkflowStepExecutions {
            continue;
        }
        let scope = Scope::new(op, ACCOUNT, REGION, &binding);
        assert_eq!(
            codec.open(&scope, GOLDEN_T2, GOLDEN_ISSUED_AT).unwrap_err(),
            invalid(),
            "{op:?}"
        );
        // And the other way round: minted for `op`, replayed on ListWorkflowStepExecutions.
        let foreign = codec.seal(&scope, GOLDEN_ISSUED_AT, &index_cursor(2));
        assert_eq!(
            codec
                .open(&steps_scope(&binding), &foreign, GOLDEN_ISSUED_AT)
                .unwrap_err(),
            invalid(),
            "{op:?}"
        );
    }
}

// ---------------------------------------------------------------- S-11 key, account, region

#[test]
fn s11_token_of_another_key_account_or_region_is_invalid() {
    let codec = golden_codec();
    let binding = steps_binding(EXEC_A);
    let token = GOLDEN_T2;
    let now = GOLDEN_ISSUED_AT;

    let same_id_other_secret = TokenCodec::new(Keys::single(1, [0x42; 32]), DEFAULT_TTL_SECS);
    assert_eq!(
        same_id_other_secret
            .open(&steps_scope(&binding), token, now)
            .unwrap_err(),
        invalid()
    );

    let other_id_same_secret = TokenCodec::new(Keys::single(2, golden_secret()), DEFAULT_TTL_SECS);
    assert_eq!(
        other_id_same_secret
            .open(&steps_scope(&binding), token, now)
            .unwrap_err(),
        invalid()
    );

    let other_account = Scope::new(
        OpCode::ListWorkflowStepExecutions,
        "210987654321",
        REGION,
        &binding,
    );
    assert_eq!(
        codec.open(&other_account, token, now).unwrap_err(),
        invalid()
    );

    let other_region = Scope::new(
        OpCode::ListWorkflowStepExecutions,
        ACCOUNT,
        "eu-west-1",
        &binding,
    );
    assert_eq!(
        codec.open(&other_region, token, now).unwrap_err(),
        invalid()
    );
}

#[test]
fn account_and_region_fields_are_separated() {
    // "12345678901" + "2us-east-1" must not collide with "123456789012" + "us-east-1".
    let codec = golden_codec();
    let binding = steps_binding(EXEC_A);
    let shifted = Scope::new(
        OpCode::ListWorkflowStepExecutions,
        "12345678901",
        "2us-east-1",
        &binding,
    );
    assert_eq!(
        codec
            .open(&shifted, GOLDEN_T2, GOLDEN_ISSUED_AT)
            .unwrap_err(),
        invalid()
    );
}

#[test]
fn s11_previous_key_is_honoured_only_while_configured() {
    let binding = steps_binding(EXEC_A);
    let scope = steps_scope(&binding);
    let new_secret = [0x5A; 32];
    let rotated = TokenCodec::new(
        Keys::new((2, new_secret), Some((1, golden_secret()))),
        DEFAULT_TTL_SECS,
    );
    // Old tokens still open.
    assert_eq!(
        rotated.open(&scope, GOLDEN_T2, GOLDEN_ISSUED_AT).unwrap(),
        index_cursor(2)
    );
    // New tokens are sealed with the new key id.
    let fresh = rotated.seal(&scope, GOLDEN_ISSUED_AT, &index_cursor(2));
    assert_eq!(STANDARD.decode(&fresh).unwrap()[1], 2);
    assert_ne!(fresh, GOLDEN_T2);
    assert_eq!(
        rotated.open(&scope, &fresh, GOLDEN_ISSUED_AT).unwrap(),
        index_cursor(2)
    );
    // The old key alone cannot open the new token.
    assert_eq!(
        golden_codec()
            .open(&scope, &fresh, GOLDEN_ISSUED_AT)
            .unwrap_err(),
        invalid()
    );
    // Once the previous key is dropped, the old token is invalid.
    let retired = TokenCodec::new(Keys::single(2, new_secret), DEFAULT_TTL_SECS);
    assert_eq!(
        retired
            .open(&scope, GOLDEN_T2, GOLDEN_ISSUED_AT)
            .unwrap_err(),
        invalid()
    );
    // A previous key configured under another id does not open it either.
    let wrong_id = TokenCodec::new(
        Keys::new((2, new_secret), Some((3, golden_secret()))),
        DEFAULT_TTL_SECS,
    );
    assert_eq!(
        wrong_id
            .open(&scope, GOLDEN_T2, GOLDEN_ISSUED_AT)
            .unwrap_err(),
        invalid()
    );
}

// ---------------------------------------------------------------- S-12 time

#[test]
fn s12_ttl_boundaries() {
    let codec = golden_codec();
    let binding = steps_binding(EXEC_A);
    let scope = steps_scope(&binding);
    let t0 = GOLDEN_ISSUED_AT;
    assert!(codec
        .open(&scope, GOLDEN_T2, t0 + DEFAULT_TTL_SECS - 1)
        .is_ok());
    assert!(codec.open(&scope, GOLDEN_T2, t0 + DEFAULT_TTL_SECS).is_ok());
    let expired = codec
        .open(&scope, GOLDEN_T2, t0 + DEFAULT_TTL_SECS + 1)
        .unwrap_err();
    assert_eq!(expired, ApiError::expired_token());
    assert_eq!(expired.kind, ErrorKind::InvalidPaginationToken);
    assert_eq!(expired.message, "The pagination token has expired.");
    assert_eq!(
        codec.open(&scope, GOLDEN_T2, u64::MAX).unwrap_err(),
        ApiError::expired_token()
    );
}

#[test]
fn s12_configured_ttl() {
    let codec = TokenCodec::new(Keys::single(1, golden_secret()), 60);
    let binding = steps_binding(EXEC_A);
    let scope = steps_scope(&binding);
    assert!(codec.open(&scope, GOLDEN_T2, GOLDEN_ISSUED_AT + 60).is_ok());
    assert_eq!(
        codec
            .open(&scope, GOLDEN_T2, GOLDEN_ISSUED_AT + 61)
            .unwrap_err(),
        ApiError::expired_token()
    );
}

#[test]
fn tokens_from_the_future_are_accepted_within_the_skew_only() {
    let codec = golden_codec();
    let binding = steps_binding(EXEC_A);
    let scope = steps_scope(&binding);
    let now = GOLDEN_ISSUED_AT - MAX_CLOCK_SKEW_SECS;
    assert!(codec.open(&scope, GOLDEN_T2, now).is_ok());
    let err = codec.open(&scope, GOLDEN_T2, now - 1).unwrap_err();
    assert_eq!(err, invalid());
    assert_eq!(err.message, "The pagination token is invalid.");
    assert_eq!(codec.open(&scope, GOLDEN_T2, 0).unwrap_err(), invalid());
}

#[test]
fn forged_time_is_caught_by_the_mac_before_the_clock() {
    // An expired token with issued_at rewritten to "now" must be invalid, not accepted.
    let codec = golden_codec();
    let binding = steps_binding(EXEC_A);
    let scope = steps_scope(&binding);
    let now = GOLDEN_ISSUED_AT + 10 * DEFAULT_TTL_SECS;
    let mut bytes = STANDARD.decode(GOLDEN_T2).unwrap();
    bytes[2..10].copy_from_slice(&now.to_be_bytes());
    assert_eq!(
        codec
            .open(&scope, &STANDARD.encode(&bytes), now)
            .unwrap_err(),
        invalid()
    );
    assert_eq!(
        codec.open(&scope, GOLDEN_T2, now).unwrap_err(),
        ApiError::expired_token()
    );
}

// ---------------------------------------------------------------- S-20 botocore-safe

#[test]
fn s20_ten_thousand_tokens_are_botocore_safe() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let codecs = [
        golden_codec(),
        TokenCodec::new(
            Keys::new((200, [7; 32]), Some((1, golden_secret()))),
            DEFAULT_TTL_SECS,
        ),
        TokenCodec::new(Keys::single(0, [0xFF; 32]), DEFAULT_TTL_SECS),
    ];
    for n in 0..10_000u32 {
        let codec = &codecs[(n % 3) as usize];
        let op = OpCode::ALL[(rng.next() % OpCode::ALL.len() as u64) as usize];
        let exec = format!(
            "wf-{:08x}-0000-4000-8000-{:012x}",
            rng.next() as u32,
            rng.next() & 0xFFFF_FFFF_FFFF
        );
        let binding = steps_binding(&exec);
        let scope = Scope::new(op, ACCOUNT, REGION, &binding);
        let cursor = match n % 4 {
            0 => index_cursor(rng.next() as u32),
            1 => CursorWriter::new().u64(rng.next()).into_bytes(),
            2 => CursorWriter::new()
                .str(&"x".repeat(n as usize % 129))
                .u8(1)
                .u32(1)
                .u32(2)
                .u32(3)
                .into_bytes(),
            _ => {
                let len = (rng.next() % 200) as usize;
                rng.bytes(len)
            }
        };
        let issued_at = rng.next() >> 1;
        let token = codec.seal(&scope, issued_at, &cursor);

        assert!(!token.is_empty() && token != "None" && token != "null");
        assert!(token.len() <= MAX_TOKEN_CHARS);
        assert!(
            token
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'='),
            "{token}"
        );
        assert!(!token.contains('_') && !token.contains('-'), "{token}");
        assert!(!token.contains("___"), "{token}");
        assert!(!token.chars().any(char::is_whitespace), "{token}");
        assert!(token.starts_with('/'), "{token}");
        let decoded = STANDARD.decode(&token).unwrap();
        assert_eq!(decoded[0], 0xFF);
        assert!(std::str::from_utf8(&decoded).is_err());
        assert_eq!(STANDARD.encode(&decoded), token, "canonical base64");
        assert_eq!(codec.open(&scope, &token, issued_at).unwrap(), cursor);
    }
}

#[test]
fn error_values_are_the_modelled_exception() {
    let e = invalid();
    assert_eq!(e.kind, ErrorKind::InvalidPaginationToken);
    assert_eq!(e.kind.type_name(), "InvalidPaginationTokenException");
    assert_eq!(e.kind.http_status(), 400);
    assert_eq!(e.message, "The pagination token is invalid.");
}
