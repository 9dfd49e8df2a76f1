//! Canonical JSON for token binding (pagination spec §2.3): object keys sorted by their UTF-8
//! bytes, no insignificant whitespace, arrays in order, strings and numbers as `serde_json`
//! writes them. The workspace enables `serde_json/preserve_order`, so maps keep insertion order
//! and the sort has to happen here: two requests that differ only in member order must bind alike.

use serde_json::Value;

/// Where canonical bytes go: a `String` for display and tests, a SHA-256 state on the hot path.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl Sink for sha2::Sha256 {
    fn put(&mut self, bytes: &[u8]) {
        sha2::Digest::update(self, bytes);
    }
}

/// The canonical JSON text of `value`.
pub fn canonical_json(value: &Value) -> String {
    let mut out = Vec::with_capacity(64);
    write_canonical(value, &mut out);
    // Only valid UTF-8 is ever written: JSON punctuation and serde_json's own output.
    String::from_utf8(out).expect("canonical JSON is UTF-8")
}

pub(crate) fn write_canonical<S: Sink>(value: &Value, out: &mut S) {
    match value {
        Value::Null => out.put(b"null"),
        Value::Bool(true) => out.put(b"true"),
        Value::Bool(false) => out.put(b"false"),
        Value::Number(n) => out.put(n.to_string().as_bytes()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.put(b"[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.put(b",");
                }
                write_canonical(item, out);
            }
            out.put(b"]");
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.put(b"{");
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.put(b",");
                }
                write_string(key, out);
                out.put(b":");
                write_canonical(item, out);
            }
            out.put(b"}");
        }
    }
}

/// JSON string with the minimal escapes (`"`, `\`, control characters; `\b \f \n \r \t` in
/// short form, others as `\u00xx`), everything else as raw UTF-8 — serde_json's own rules.
fn write_string<S: Sink>(s: &str, out: &mut S) {
    out.put(b"\"");
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.put(&bytes[start..i]);
        if short.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.put(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]);
        } else {
            out.put(short);
        }
        start = i + 1;
    }
    out.put(&bytes[start..]);
    out.put(b"\"");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_at_every_depth_and_keeps_array_order() {
        let v: Value = serde_json::from_str(
            r#"{"owner":"Self","filters":[{"values":["b","a"],"name":"name"}],"byName":false}"#,
        )
        .unwrap();
        assert_eq!(
            canonical_json(&v),
            r#"{"byName":false,"filters":[{"name":"name","values":["b","a"]}],"owner":"Self"}"#
        );
    }

    #[test]
    fn insertion_order_does_not_matter() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"y":[1,2],"x":null}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":{"x":null,"y":[1,2]},"b":1}"#).unwrap();
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert_eq!(canonical_json(&a), r#"{"a":{"x":null,"y":[1,2]},"b":1}"#);
    }

    #[test]
    fn empty_containers_and_scalars() {
        assert_eq!(canonical_json(&json!({})), "{}");
        assert_eq!(canonical_json(&json!([])), "[]");
        assert_eq!(canonical_json(&json!(true)), "true");
        assert_eq!(canonical_json(&json!(-3)), "-3");
        assert_eq!(canonical_json(&json!(1.5)), "1.5");
        assert_eq!(canonical_json(&Value::Null), "null");
    }

    #[test]
    fn strings_escape_exactly_like_serde_json() {
        let samples = [
            "plain",
            "quote\" backslash\\ slash/",
            "\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}",
            "héllo ✓ 𝄞",
            "",
        ];
        for s in samples {
            let expected = serde_json::to_string(s).unwrap();
            assert_eq!(canonical_json(&json!(s)), expected, "{s:?}");
        }
    }

    #[test]
    fn hashing_sink_sees_the_same_bytes() {
        use sha2::{Digest, Sha256};
        let v = json!({"workflowExecutionId": "wf-0b6e2c1a-4f3d-4c8e-9a71-2d5f0e8b7c43"});
        let mut h = Sha256::new();
        write_canonical(&v, &mut h);
        assert_eq!(h.finalize(), Sha256::digest(canonical_json(&v).as_bytes()));
    }
}
