//! Cursor fields (pagination spec §2.4): integers big-endian, strings as a u16 BE byte length
//! followed by UTF-8, workflow type as one byte. A cursor that does not parse exactly — short,
//! bad UTF-8, or with bytes left over — is an invalid token, never a partial read.

use stepwise_api::ApiError;

/// Builds a cursor by value: `CursorWriter::new().str("name").u8(0).u32(1).into_bytes()`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CursorWriter {
    buf: Vec<u8>,
}

impl CursorWriter {
    pub fn new() -> Self {
        CursorWriter {
            buf: Vec::with_capacity(32),
        }
    }

    #[must_use]
    pub fn u8(mut self, v: u8) -> Self {
        self.buf.push(v);
        self
    }

    #[must_use]
    pub fn u32(mut self, v: u32) -> Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    #[must_use]
    pub fn u64(mut self, v: u64) -> Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// # Panics
    /// If `s` is longer than 65535 bytes. Cursor strings are normalized resource names
    /// (at most 128 bytes), so a longer one is a bug in the caller.
    #[must_use]
    pub fn str(mut self, s: &str) -> Self {
        let len = u16::try_from(s.len()).expect("cursor string longer than 65535 bytes");
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(s.as_bytes());
        self
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads a cursor field by field; every error is [`ApiError::invalid_token`].
/// Call [`CursorReader::finish`] after the last field so trailing bytes are rejected.
#[derive(Debug, Clone)]
pub struct CursorReader<'a> {
    rest: &'a [u8],
}

impl<'a> CursorReader<'a> {
    pub fn new(cursor: &'a [u8]) -> Self {
        CursorReader { rest: cursor }
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], ApiError> {
        let (head, tail) = self
            .rest
            .split_first_chunk::<N>()
            .ok_or_else(ApiError::invalid_token)?;
        self.rest = tail;
        Ok(*head)
    }

    pub fn u8(&mut self) -> Result<u8, ApiError> {
        Ok(self.take::<1>()?[0])
    }

    pub fn u32(&mut self) -> Result<u32, ApiError> {
        Ok(u32::from_be_bytes(self.take()?))
    }

    pub fn u64(&mut self) -> Result<u64, ApiError> {
        Ok(u64::from_be_bytes(self.take()?))
    }

    pub fn str(&mut self) -> Result<&'a str, ApiError> {
        let len = usize::from(u16::from_be_bytes(self.take()?));
        if self.rest.len() < len {
            return Err(ApiError::invalid_token());
        }
        let (text, tail) = self.rest.split_at(len);
        self.rest = tail;
        std::str::from_utf8(text).map_err(|_| ApiError::invalid_token())
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// Succeeds only if every byte was read.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid_token())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_field_kind() {
        let bytes = CursorWriter::new()
            .str("my-workflow")
            .u8(1)
            .u32(7)
            .u32(0)
            .u32(1_073_741_823)
            .u64(u64::MAX)
            .into_bytes();
        assert_eq!(&bytes[..13], b"\x00\x0bmy-workflow");
        let mut r = CursorReader::new(&bytes);
        assert_eq!(r.str().unwrap(), "my-workflow");
        assert_eq!(r.u8().unwrap(), 1);
        assert_eq!(r.u32().unwrap(), 7);
        assert_eq!(r.u32().unwrap(), 0);
        assert_eq!(r.u32().unwrap(), 1_073_741_823);
        assert_eq!(r.u64().unwrap(), u64::MAX);
        assert_eq!(r.remaining(), 0);
        r.finish().unwrap();
    }

    #[test]
    fn integers_are_big_endian() {
        assert_eq!(CursorWriter::new().u32(2).as_bytes(), &[0, 0, 0, 2]);
        assert_eq!(
            CursorWriter::new().u64(0x0102).as_bytes(),
            &[0, 0, 0, 0, 0, 0, 1, 2]
        );
    }

    #[test]
    fn empty_string_is_two_zero_bytes() {
        let bytes = CursorWriter::new().str("").as_bytes().to_vec();
        assert_eq!(bytes, vec![0, 0]);
        let mut r = CursorReader::new(&bytes);
        assert_eq!(r.str().unwrap(), "");
        r.finish().unwrap();
    }

    #[test]
    fn short_input_is_an_invalid_token() {
        let invalid = ApiError::invalid_token();
        assert_eq!(CursorReader::new(&[]).u8().unwrap_err(), invalid);
        assert_eq!(CursorReader::new(&[0, 0, 1]).u32().unwrap_err(), invalid);
        assert_eq!(CursorReader::new(&[0; 7]).u64().unwrap_err(), invalid);
        assert_eq!(CursorReader::new(&[0]).str().unwrap_err(), invalid);
        assert_eq!(
            CursorReader::new(&[0, 3, b'a', b'b']).str().unwrap_err(),
            invalid
        );
    }

    #[test]
    fn bad_utf8_is_an_invalid_token() {
        let mut r = CursorReader::new(&[0, 2, 0xff, 0xfe]);
        assert_eq!(r.str().unwrap_err(), ApiError::invalid_token());
    }

    #[test]
    fn trailing_bytes_are_an_invalid_token() {
        let mut r = CursorReader::new(&[0, 0, 0, 5, 9]);
        assert_eq!(r.u32().unwrap(), 5);
        assert_eq!(r.finish().unwrap_err(), ApiError::invalid_token());
    }

    #[test]
    #[should_panic(expected = "longer than 65535")]
    fn oversized_string_panics() {
        let _ = CursorWriter::new().str(&"x".repeat(65_536));
    }
}
