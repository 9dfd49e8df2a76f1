//! Base64 decoding as CPython's `binascii.a2b_base64` does it in its default, non-strict mode
//! (what `base64.b64decode`, and so botocore's `TokenDecoder`, uses). It differs from a strict
//! decoder in ways that decide whether a `StartingToken` is read as a botocore token or passed
//! through as a raw service token: bytes outside the alphabet are skipped, `=` inside the data
//! is skipped unless it completes a quantum, and decoding stops at the first complete padding.

/// Why the input is not base64 to CPython (the caller only needs to know that it failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base64Error {
    /// One data character after the last complete group.
    OneExtraCharacter,
    /// Two or three data characters after the last complete group without enough padding.
    IncorrectPadding,
}

fn sextet(byte: u8) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes `input` with CPython's non-strict rules.
pub(crate) fn decode(input: &[u8]) -> Result<Vec<u8>, Base64Error> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let mut position = 0u8; // data characters in the current quantum (0..=3)
    let mut leftover = 0u8; // bits of the current quantum not yet emitted
    let mut pads = 0u8; // '=' seen since the last data character
    for &byte in input {
        if byte == b'=' {
            // Padding counts only after two or three data characters; once it completes the
            // quantum, everything after it is ignored.
            if position >= 2 {
                pads += 1;
                if position + pads >= 4 {
                    return Ok(out);
                }
            }
            continue;
        }
        let Some(value) = sextet(byte) else { continue };
        pads = 0;
        match position {
            0 => {
                leftover = value;
                position = 1;
            }
            1 => {
                out.push((leftover << 2) | (value >> 4));
                leftover = value & 0x0F;
                position = 2;
            }
            2 => {
                out.push((leftover << 4) | (value >> 2));
                leftover = value & 0x03;
                position = 3;
            }
            _ => {
                out.push((leftover << 6) | value);
                position = 0;
            }
        }
    }
    match position {
        0 => Ok(out),
        1 => Err(Base64Error::OneExtraCharacter),
        _ => Err(Base64Error::IncorrectPadding),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        let ok = |s: &str| decode(s.as_bytes()).unwrap();
        assert_eq!(ok("YQ=="), b"a");
        assert_eq!(ok("YQ==YQ=="), b"a");
        assert_eq!(ok("YWJj==YQ=="), b"abca");
        assert_eq!(ok("=YQ=="), b"a");
        assert_eq!(ok("Y Q = ="), b"a");
        assert_eq!(ok("YW=Jj"), b"abc");
        assert_eq!(ok("@@@@"), b"");
        for bad in ["YQ", "YQ=", "Y=Q=", "a"] {
            assert!(decode(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn matches_cpython_binascii() {
        // Cases decoded by CPython's binascii.a2b_base64 (tests/fixtures/botocore.json).
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/botocore.json");
        let fixture: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for case in fixture["base64"].as_array().unwrap() {
            let input = case["input"].as_str().unwrap();
            let ours = decode(input.as_bytes());
            match case.get("bytes_hex").and_then(|h| h.as_str()) {
                Some(hex) => {
                    let hex_of: String = ours
                        .unwrap_or_else(|e| panic!("{input:?}: {e:?}"))
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect();
                    assert_eq!(hex_of, hex, "{input:?}");
                }
                None => {
                    let expected = if case["error"]
                        .as_str()
                        .unwrap()
                        .starts_with("Incorrect padding")
                    {
                        Base64Error::IncorrectPadding
                    } else {
                        Base64Error::OneExtraCharacter
                    };
                    assert_eq!(ours, Err(expected), "{input:?}");
                }
            }
        }
    }
}
