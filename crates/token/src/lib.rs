//! Pagination tokens, format v1 (pagination spec §2): opaque, `0xFF`-tagged, HMAC-sealed,
//! bound to operation, account, region and the request's filter members, carrying a keyset
//! cursor, standard base64 on the wire.
//!
//! ```text
//! offset  size  field
//! 0       1     tag 0xFF
//! 1       1     key id
//! 2       8     issued_at, Unix seconds, u64 BE
//! 10      1     operation code
//! 11      2     cursor length L, u16 BE
//! 13      L     cursor
//! 13+L    16    HMAC-SHA256(key, M)[..16]
//! M = "stepwise/pagination/v1" 0x00 account 0x00 region 0x00 SHA-256(canonical binding) bytes[..13+L]
//! ```
//!
//! Pure: no clock, no randomness, no store. The caller passes `now` and the keys.
#![forbid(unsafe_code)]

mod canonical;
mod cursor;
mod opcode;

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};
use stepwise_api::ApiError;
use subtle::ConstantTimeEq;

pub use canonical::canonical_json;
pub use cursor::{CursorReader, CursorWriter};
pub use opcode::OpCode;

type HmacSha256 = Hmac<Sha256>;

/// First byte of every v1 token. Not valid as a leading UTF-8 byte, so botocore never
/// mistakes a raw token for one of its own (base64 of JSON) tokens.
pub const TAG_V1: u8 = 0xFF;
/// Tokens longer than this are rejected before any decoding.
pub const MAX_TOKEN_CHARS: usize = 1024;
/// Bytes before the cursor: tag, key id, issued_at, op code, cursor length.
pub const HEADER_LEN: usize = 13;
/// Length of the truncated HMAC-SHA256 tag.
pub const MAC_LEN: usize = 16;
/// Smallest token: empty cursor.
pub const MIN_TOKEN_BYTES: usize = HEADER_LEN + MAC_LEN;
/// Largest decoded token whose base64 form still fits in [`MAX_TOKEN_CHARS`].
pub const MAX_TOKEN_BYTES: usize = MAX_TOKEN_CHARS / 4 * 3;
/// Largest cursor [`TokenCodec::seal`] accepts: anything longer would make an unopenable token.
pub const MAX_CURSOR_LEN: usize = MAX_TOKEN_BYTES - MIN_TOKEN_BYTES;
/// Tokens issued up to this many seconds in the future (clock skew between nodes) are accepted.
pub const MAX_CLOCK_SKEW_SECS: u64 = 300;
/// Default lifetime of a token: 24 h.
pub const DEFAULT_TTL_SECS: u64 = 24 * 60 * 60;
/// Domain-separation prefix of the MAC input.
const MAC_DOMAIN: &[u8] = b"stepwise/pagination/v1\x00";

/// One signing key with its HMAC state already keyed and fed the constant MAC prefix,
/// so a seal or open only clones it (no key schedule, no prefix hashing per request).
#[derive(Clone)]
struct SigningKey {
    id: u8,
    mac: HmacSha256,
}

impl SigningKey {
    fn new(id: u8, secret: &[u8; 32]) -> Self {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
        mac.update(MAC_DOMAIN);
        SigningKey { id, mac }
    }
}

/// The signing keys: the current one (seals and opens) and optionally the previous one
/// (opens only), so tokens survive a key rotation until they expire.
#[derive(Clone)]
pub struct Keys {
    current: SigningKey,
    previous: Option<SigningKey>,
}

impl Keys {
    pub fn new(current: (u8, [u8; 32]), previous: Option<(u8, [u8; 32])>) -> Self {
        let current_key = SigningKey::new(current.0, &current.1);
        // A token names its key by id alone, so a previous key sharing the current id
        // could never be selected; it is dropped rather than tried second.
        let previous = previous
            .filter(|(id, _)| *id != current.0)
            .map(|(id, s)| SigningKey::new(id, &s));
        Keys {
            current: current_key,
            previous,
        }
    }

    /// Only a current key.
    pub fn single(id: u8, secret: [u8; 32]) -> Self {
        Keys::new((id, secret), None)
    }

    pub fn current_id(&self) -> u8 {
        self.current.id
    }

    pub fn previous_id(&self) -> Option<u8> {
        self.previous.as_ref().map(|k| k.id)
    }

    fn by_id(&self, id: u8) -> Option<&SigningKey> {
        if id == self.current.id {
            Some(&self.current)
        } else {
            self.previous.as_ref().filter(|k| k.id == id)
        }
    }
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print secrets.
        f.debug_struct("Keys")
            .field("current_id", &self.current.id)
            .field("previous_id", &self.previous_id())
            .finish_non_exhaustive()
    }
}

/// What a token is bound to. `binding` is the JSON object of the operation's bound request
/// members after defaults, with IDs lower-cased and absent members left out (spec §2.3);
/// it is hashed in canonical form, so member order does not matter.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub op: OpCode,
    pub account: &'a str,
    pub region: &'a str,
    pub binding: &'a Value,
}

impl<'a> Scope<'a> {
    pub fn new(op: OpCode, account: &'a str, region: &'a str, binding: &'a Value) -> Self {
        Scope {
            op,
            account,
            region,
            binding,
        }
    }
}

/// Seals and opens v1 tokens with one key set and TTL.
#[derive(Debug, Clone)]
pub struct TokenCodec {
    keys: Keys,
    ttl_secs: u64,
}

impl TokenCodec {
    pub fn new(keys: Keys, ttl_secs: u64) -> Self {
        TokenCodec { keys, ttl_secs }
    }

    pub fn with_default_ttl(keys: Keys) -> Self {
        TokenCodec::new(keys, DEFAULT_TTL_SECS)
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    /// The token for `cursor` (the sort key of the last item returned), sealed with the
    /// current key.
    ///
    /// # Panics
    /// If `cursor` is longer than [`MAX_CURSOR_LEN`] bytes (the token would exceed
    /// [`MAX_TOKEN_CHARS`] and never open). §2.4 cursors are at most a few hundred bytes.
    pub fn seal(&self, scope: &Scope<'_>, issued_at: u64, cursor: &[u8]) -> String {
        assert!(
            cursor.len() <= MAX_CURSOR_LEN,
            "pagination cursor of {} bytes exceeds {MAX_CURSOR_LEN}",
            cursor.len()
        );
        let mut buf = [0u8; MAX_TOKEN_BYTES];
        let body_len = HEADER_LEN + cursor.len();
        buf[0] = TAG_V1;
        buf[1] = self.keys.current.id;
        buf[2..10].copy_from_slice(&issued_at.to_be_bytes());
        buf[10] = scope.op.code();
        // Fits: MAX_CURSOR_LEN < u16::MAX.
        buf[11..13].copy_from_slice(&(cursor.len() as u16).to_be_bytes());
        buf[HEADER_LEN..body_len].copy_from_slice(cursor);
        let tag = mac_tag(&self.keys.current, scope, &buf[..body_len]);
        buf[body_len..body_len + MAC_LEN].copy_from_slice(&tag);
        STANDARD.encode(&buf[..body_len + MAC_LEN])
    }

    /// Verifies `token` for `scope` at time `now` and returns its cursor bytes.
    /// Checks in the order of spec §2.2; every failure is `InvalidPaginationTokenException`
    /// ("invalid", or "expired" for an authentic token older than the TTL). The cursor's
    /// own structure is the caller's to check (see [`TokenCodec::open_with`]).
    pub fn open(&self, scope: &Scope<'_>, token: &str, now: u64) -> Result<Vec<u8>, ApiError> {
        let mut buf = [0u8; MAX_TOKEN_BYTES];
        self.verify(scope, token, now, &mut buf).map(<[u8]>::to_vec)
    }

    /// [`TokenCodec::open`], then `parse` over the cursor; the cursor must be read to its
    /// last byte. Parsing happens in place, without copying the cursor.
    pub fn open_with<T>(
        &self,
        scope: &Scope<'_>,
        token: &str,
        now: u64,
        parse: impl FnOnce(&mut CursorReader<'_>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut buf = [0u8; MAX_TOKEN_BYTES];
        let cursor = self.verify(scope, token, now, &mut buf)?;
        let mut reader = CursorReader::new(cursor);
        let value = parse(&mut reader)?;
        reader.finish()?;
        Ok(value)
    }

    fn verify<'b>(
        &self,
        scope: &Scope<'_>,
        token: &str,
        now: u64,
        buf: &'b mut [u8; MAX_TOKEN_BYTES],
    ) -> Result<&'b [u8], ApiError> {
        if token.len() > MAX_TOKEN_CHARS {
            return Err(ApiError::invalid_token());
        }
        // STANDARD: standard alphabet, canonical padding required, no trailing bits, no whitespace.
        let len = STANDARD
            .decode_slice(token, &mut buf[..])
            .map_err(|_| ApiError::invalid_token())?;
        let bytes = &buf[..len];
        if len < MIN_TOKEN_BYTES || bytes[0] != TAG_V1 {
            return Err(ApiError::invalid_token());
        }
        let key = self
            .keys
            .by_id(bytes[1])
            .ok_or_else(ApiError::invalid_token)?;
        if bytes[10] != scope.op.code() {
            return Err(ApiError::invalid_token());
        }
        let cursor_len = usize::from(u16::from_be_bytes([bytes[11], bytes[12]]));
        if HEADER_LEN + cursor_len + MAC_LEN != len {
            return Err(ApiError::invalid_token());
        }
        let body_len = HEADER_LEN + cursor_len;
        let expected = mac_tag(key, scope, &bytes[..body_len]);
        if !bool::from(expected.ct_eq(&bytes[body_len..])) {
            return Err(ApiError::invalid_token());
        }
        let issued_at = u64::from_be_bytes(bytes[2..10].try_into().expect("8 bytes"));
        if issued_at > now.saturating_add(MAX_CLOCK_SKEW_SECS) {
            return Err(ApiError::invalid_token());
        }
        if now.saturating_sub(issued_at) > self.ttl_secs {
            return Err(ApiError::expired_token());
        }
        Ok(&buf[HEADER_LEN..body_len])
    }
}

/// SHA-256 of the canonical JSON of `binding`, as it enters the MAC input.
pub fn binding_digest(binding: &Value) -> [u8; 32] {
    let mut hasher = Sha256::new();
    canonical::write_canonical(binding, &mut hasher);
    hasher.finalize().into()
}

fn mac_tag(key: &SigningKey, scope: &Scope<'_>, body: &[u8]) -> [u8; MAC_LEN] {
    let mut mac = key.mac.clone();
    mac.update(scope.account.as_bytes());
    mac.update(&[0]);
    mac.update(scope.region.as_bytes());
    mac.update(&[0]);
    mac.update(&binding_digest(scope.binding));
    mac.update(body);
    let full = mac.finalize().into_bytes();
    let mut tag = [0u8; MAC_LEN];
    tag.copy_from_slice(&full[..MAC_LEN]);
    tag
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codec() -> TokenCodec {
        let mut secret = [0u8; 32];
        for (i, b) in secret.iter_mut().enumerate() {
            *b = i as u8;
        }
        TokenCodec::with_default_ttl(Keys::single(1, secret))
    }

    /// A correctly MAC'ed token of any length, bypassing `seal`'s size guard.
    fn raw_token(codec: &TokenCodec, scope: &Scope<'_>, issued_at: u64, cursor: &[u8]) -> String {
        let mut body = vec![TAG_V1, codec.keys.current.id];
        body.extend_from_slice(&issued_at.to_be_bytes());
        body.push(scope.op.code());
        body.extend_from_slice(&(cursor.len() as u16).to_be_bytes());
        body.extend_from_slice(cursor);
        let tag = mac_tag(&codec.keys.current, scope, &body);
        body.extend_from_slice(&tag);
        STANDARD.encode(body)
    }

    #[test]
    fn longest_accepted_token_is_exactly_1024_chars() {
        let c = codec();
        let binding = json!({});
        let scope = Scope::new(
            OpCode::ListWaitingWorkflowSteps,
            "123456789012",
            "us-east-1",
            &binding,
        );
        let at_limit = c.seal(&scope, 100, &vec![7u8; MAX_CURSOR_LEN]);
        assert_eq!(at_limit.len(), MAX_TOKEN_CHARS);
        assert_eq!(
            c.open(&scope, &at_limit, 100).unwrap(),
            vec![7u8; MAX_CURSOR_LEN]
        );
    }

    #[test]
    fn authentic_token_over_1024_chars_is_rejected() {
        let c = codec();
        let binding = json!({});
        let scope = Scope::new(
            OpCode::ListWaitingWorkflowSteps,
            "123456789012",
            "us-east-1",
            &binding,
        );
        for extra in 1..=6 {
            let token = raw_token(&c, &scope, 100, &vec![7u8; MAX_CURSOR_LEN + extra]);
            assert!(token.len() > MAX_TOKEN_CHARS);
            assert_eq!(
                c.open(&scope, &token, 100).unwrap_err(),
                ApiError::invalid_token()
            );
        }
        // Also when the excess is only padding-free junk after a valid token.
        let valid = c.seal(&scope, 100, &[1, 2, 3]);
        let long = format!("{valid}{}", "A".repeat(MAX_TOKEN_CHARS));
        assert_eq!(
            c.open(&scope, &long, 100).unwrap_err(),
            ApiError::invalid_token()
        );
    }

    #[test]
    #[should_panic(expected = "exceeds")]
    fn sealing_an_oversized_cursor_panics() {
        let c = codec();
        let binding = json!({});
        let scope = Scope::new(
            OpCode::ListWaitingWorkflowSteps,
            "123456789012",
            "us-east-1",
            &binding,
        );
        c.seal(&scope, 100, &vec![0u8; MAX_CURSOR_LEN + 1]);
    }

    #[test]
    fn op_codes_round_trip() {
        for op in OpCode::ALL {
            assert_eq!(OpCode::from_code(op.code()), Some(op));
        }
        assert_eq!(OpCode::from_code(0), None);
        assert_eq!(OpCode::from_code(OpCode::ALL.len() as u8 + 1), None);
        // Codes are on the wire inside live tokens: they never change meaning.
        assert_eq!(OpCode::ListWorkflowStepExecutions.code(), 1);
        assert_eq!(OpCode::ListWorkflowExecutions.code(), 2);
        assert_eq!(OpCode::ListWaitingWorkflowSteps.code(), 3);
        assert_eq!(OpCode::ListWorkflows.code(), 4);
        assert_eq!(OpCode::ListWorkflowBuildVersions.code(), 5);
        assert_eq!(OpCode::ListImageRecipes.code(), 6);
        assert_eq!(OpCode::ListInfrastructureConfigurations.code(), 7);
        assert_eq!(OpCode::ListDistributionConfigurations.code(), 8);
        assert_eq!(OpCode::ListImageBuildVersions.code(), 9);
        assert_eq!(OpCode::ListImages.code(), 10);
        for (i, op) in OpCode::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(op.code()), i + 1, "ALL is in code order");
        }
    }

    #[test]
    fn debug_output_hides_secrets() {
        let keys = Keys::new((2, [0xAB; 32]), Some((1, [0xCD; 32])));
        let text = format!("{keys:?}");
        assert_eq!(text, "Keys { current_id: 2, previous_id: Some(1), .. }");
    }

    #[test]
    fn previous_key_with_the_current_id_is_dropped() {
        let keys = Keys::new((1, [1; 32]), Some((1, [2; 32])));
        assert_eq!(keys.previous_id(), None);
    }
}
