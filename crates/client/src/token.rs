//! botocore's resume tokens: how `PageIterator` encodes the position it stopped at
//! (`TokenEncoder`) and how it reads a `StartingToken` back (`TokenDecoder` plus the
//! paginator's fallback to the legacy `<token>___<truncate>` form and to raw service tokens).
//!
//! Tokens must be byte-identical with boto3's and the AWS CLI's so that users can move them
//! between tools; `tests/codec.rs` checks both directions against tokens made by botocore.

use crate::lenient_base64;
use base64::Engine as _;
use serde_json::{Map, Value};

/// The member botocore adds to a token when `MaxItems` cut a page: how many items of the page
/// fetched with the token were already returned.
pub const TRUNCATE_KEY: &str = "boto_truncate_amount";

// botocore marks byte values it had to base64-encode inside a token with this member. Image
// Builder tokens are strings, so such a token can only be hand-made; it is refused.
const ENCODED_KEYS: &str = "boto_encoded_keys";

// The legacy format joins the token parts and the truncate amount with this separator.
const LEGACY_SEPARATOR: &str = "___";

/// Encodes the resume token botocore returns for `{input_token: value}` plus
/// `boto_truncate_amount` when given: `json.dumps` with Python's default layout, then standard
/// base64 with padding.
///
/// `value` is the service token that fetched the page (`None` is JSON `null`, the first page).
///
/// ```
/// use stepwise_client::token::encode_resume_token;
/// assert_eq!(
///     encode_resume_token("nextToken", Some("tok-3"), Some(2)),
///     "eyJuZXh0VG9rZW4iOiAidG9rLTMiLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAyfQ=="
/// );
/// assert_eq!(encode_resume_token("nextToken", Some("tok-6"), None), "eyJuZXh0VG9rZW4iOiAidG9rLTYifQ==");
/// ```
pub fn encode_resume_token(
    input_token: &str,
    value: Option<&str>,
    truncate_amount: Option<i64>,
) -> String {
    // botocore builds the dict as input-token keys first, then the truncate amount; the
    // serde_json `preserve_order` feature keeps that insertion order.
    let mut dict = Map::new();
    dict.insert(
        input_token.to_string(),
        value.map_or(Value::Null, |v| Value::String(v.to_string())),
    );
    if let Some(amount) = truncate_amount {
        dict.insert(TRUNCATE_KEY.to_string(), Value::from(amount));
    }
    encode_value(&Value::Object(dict))
}

/// Encodes any JSON value as `TokenEncoder.encode` would (for dicts without byte values).
///
/// ```
/// use serde_json::json;
/// use stepwise_client::token::encode_value;
/// assert_eq!(encode_value(&json!({"nextToken": null, "boto_truncate_amount": -1})),
///            "eyJuZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAtMX0=");
/// ```
pub fn encode_value(value: &Value) -> String {
    let text = stepwise_api::pyjson::to_string(value);
    base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
}

/// Which of the forms botocore accepts a `StartingToken` was read as.
///
/// ```
/// use stepwise_client::token::{decode_starting_token, TokenFormat};
/// assert_eq!(decode_starting_token("tok-3___1", "nextToken").unwrap().format, TokenFormat::Legacy);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFormat {
    /// base64 of a JSON object, as botocore and the AWS CLI emit.
    Botocore,
    /// `<token>___<truncate amount>`, botocore's old format.
    Legacy,
    /// Anything else: the whole string is the service's own token, sent as it is.
    Raw,
}

/// A `StartingToken` as botocore's paginator reads it.
///
/// ```
/// use serde_json::json;
/// use stepwise_client::token::decode_starting_token;
/// let t = decode_starting_token("eyJuZXh0VG9rZW4iOiAidG9rLTMiLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAyfQ==", "nextToken").unwrap();
/// assert_eq!(t.members.get("nextToken"), Some(&json!("tok-3")));
/// assert_eq!(t.truncate_amount, 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StartingToken {
    /// Request members the token sets, in token order: normally only the input token, whose
    /// value is a string or `null` (no token). botocore injects every member as a request
    /// parameter, so other members end up as "Unknown parameter" validation errors.
    pub members: Map<String, Value>,
    /// Items to drop from the front of the first page; negative counts from the end, as a
    /// Python slice start does.
    pub truncate_amount: i64,
    /// The form the token was read as.
    pub format: TokenFormat,
}

/// A `StartingToken` that cannot be used; no request is made.
///
/// ```
/// use stepwise_client::token::{decode_starting_token, TokenError};
/// let err = decode_starting_token("a___b___c", "nextToken").unwrap_err();
/// assert_eq!(err.to_string(), "Bad starting token: a___b___c");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// botocore's own `ValueError`: a legacy token with more parts than the operation has
    /// input tokens.
    #[error("Bad starting token: {token}")]
    Bad {
        /// The starting token as given.
        token: String,
    },
    /// A token botocore would accept but then crash on (`AttributeError`, `TypeError`), or one
    /// carrying byte values; refused up front (spec §3.9-3).
    #[error("Bad starting token: {token} ({reason})")]
    Malformed {
        /// The starting token as given.
        token: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Reads a `StartingToken` exactly as botocore's `PageIterator._parse_starting_token` does, for
/// an operation whose single input token is `input_token`.
///
/// A string that is not lenient base64 of UTF-8 JSON, or whose JSON is an array, falls back to
/// the legacy parser; the legacy parser takes anything without `___` as a raw service token.
///
/// ```
/// use serde_json::json;
/// use stepwise_client::token::{decode_starting_token, TokenFormat};
/// let raw = decode_starting_token("/wEAAAAAaVW5AAEABAAAAAIUVNFWB9Cd7aLkbT8td61P", "nextToken").unwrap();
/// assert_eq!(raw.format, TokenFormat::Raw);
/// assert_eq!(raw.members.get("nextToken"), Some(&json!("/wEAAAAAaVW5AAEABAAAAAIUVNFWB9Cd7aLkbT8td61P")));
/// let legacy = decode_starting_token("None___2", "nextToken").unwrap();
/// assert_eq!((legacy.members.get("nextToken"), legacy.truncate_amount), (Some(&json!(null)), 2));
/// ```
pub fn decode_starting_token(token: &str, input_token: &str) -> Result<StartingToken, TokenError> {
    match botocore_json(token) {
        Some(Value::Object(members)) => from_botocore_object(token, members),
        // botocore's `dict.pop` on a list raises TypeError, which it catches: legacy path.
        None | Some(Value::Array(_)) => legacy(token, input_token),
        // On a string, number, boolean or null botocore raises an uncaught AttributeError.
        Some(_) => Err(TokenError::Malformed {
            token: token.to_string(),
            reason: "it decodes to JSON that is not an object",
        }),
    }
}

/// base64 (lenient) → UTF-8 (strict) → JSON; `None` when any step fails.
fn botocore_json(token: &str) -> Option<Value> {
    let bytes = lenient_base64::decode(token.as_bytes()).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    // Python's json.loads also takes NaN/Infinity; such tokens take the legacy path here
    // (spec §3.5 step 3), where botocore would fail validation later: an error either way.
    serde_json::from_str(text).ok()
}

fn from_botocore_object(
    token: &str,
    mut members: Map<String, Value>,
) -> Result<StartingToken, TokenError> {
    let malformed = |reason| TokenError::Malformed {
        token: token.to_string(),
        reason,
    };
    if members.shift_remove(ENCODED_KEYS).is_some() {
        return Err(malformed(
            "boto_encoded_keys (byte values) is not supported",
        ));
    }
    // botocore slices the first page with this value: Python accepts ints, booleans (as 0/1)
    // and None (no cut); anything else raises TypeError after the first request.
    let truncate_amount = match members.shift_remove(TRUNCATE_KEY) {
        None | Some(Value::Null) => 0,
        Some(Value::Bool(b)) => i64::from(b),
        Some(Value::Number(n)) if n.is_i64() => n.as_i64().unwrap_or_default(),
        // Larger than i64::MAX: any such cut is past the end of a page, as in Python.
        Some(Value::Number(n)) if n.is_u64() => i64::MAX,
        Some(_) => return Err(malformed("boto_truncate_amount is not an integer")),
    };
    Ok(StartingToken {
        members,
        truncate_amount,
        format: TokenFormat::Botocore,
    })
}

fn legacy(token: &str, input_token: &str) -> Result<StartingToken, TokenError> {
    let parts: Vec<&str> = token.split(LEGACY_SEPARATOR).collect();
    // One input token: two parts are "<token>___<int>" when the second part is an int,
    // otherwise the whole string is one opaque token.
    let (value, truncate_amount, format) = match parts.as_slice() {
        [whole] => (*whole, 0, TokenFormat::Raw),
        [first, second] => match python_int(second) {
            Some(index) => (*first, index, TokenFormat::Legacy),
            None => (token, 0, TokenFormat::Raw),
        },
        _ => {
            return Err(TokenError::Bad {
                token: token.to_string(),
            })
        }
    };
    let value = if value == "None" {
        Value::Null
    } else {
        Value::String(value.to_string())
    };
    let mut members = Map::new();
    members.insert(input_token.to_string(), value);
    Ok(StartingToken {
        members,
        truncate_amount,
        format,
    })
}

/// Python's `int(text)` for ASCII text: surrounding whitespace, an optional sign, decimal
/// digits with single `_` between digits. Values beyond i64 saturate (only a slice start).
fn python_int(text: &str) -> Option<i64> {
    let trimmed =
        text.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c'));
    let (negative, digits) = match trimmed.as_bytes().first()? {
        b'-' => (true, &trimmed[1..]),
        b'+' => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let bytes = digits.as_bytes();
    let well_formed = !bytes.is_empty()
        && bytes.first()?.is_ascii_digit()
        && bytes.last()?.is_ascii_digit()
        && bytes.iter().all(|b| b.is_ascii_digit() || *b == b'_')
        && !digits.contains("__");
    if !well_formed {
        return None;
    }
    let mut value: i64 = 0;
    for digit in bytes.iter().filter(|b| b.is_ascii_digit()) {
        let d = i64::from(digit - b'0');
        value = value.saturating_mul(10).saturating_add(d);
    }
    Some(if negative {
        value.saturating_neg()
    } else {
        value
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_int_rules() {
        assert_eq!(python_int(" 1 "), Some(1));
        assert_eq!(python_int("+1"), Some(1));
        assert_eq!(python_int("-1"), Some(-1));
        assert_eq!(python_int("1_0"), Some(10));
        for bad in ["1__0", "_1", "1_", "", "-", "0x10", "1.5", "None"] {
            assert_eq!(python_int(bad), None, "{bad}");
        }
    }

    #[test]
    fn spec_table_tokens() {
        assert_eq!(
            encode_resume_token("nextToken", None, Some(0)),
            "eyJuZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAwfQ=="
        );
        assert_eq!(
            encode_resume_token("nextToken", Some("caf\u{e9}\u{2603}"), None),
            "eyJuZXh0VG9rZW4iOiAiY2FmXHUwMGU5XHUyNjAzIn0="
        );
        assert_eq!(
            encode_resume_token("nextToken", Some("\u{1F600}"), None),
            "eyJuZXh0VG9rZW4iOiAiXHVkODNkXHVkZTAwIn0="
        );
    }
}
