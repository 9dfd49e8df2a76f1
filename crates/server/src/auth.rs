//! The caller's tenancy: the region comes from the SigV4 credential scope of the
//! `Authorization` header (unsigned requests use the default region); every credential is
//! accepted, but a header that is not a well-formed SigV4 header is refused.

use regex::Regex;
use std::sync::OnceLock;
use stepwise_api::{ApiError, ApiResult, ErrorKind};

fn region_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[a-z]{2,}(-[a-z]+)+-[0-9]+$").expect("static pattern"))
}

fn malformed(detail: &str) -> ApiError {
    ApiError::new(
        ErrorKind::InvalidSignature,
        format!("The Authorization header is not a valid AWS Signature Version 4 header: {detail}"),
    )
}

/// The region a request acts in, from its `Authorization` header.
pub fn request_region(authorization: Option<&str>, default_region: &str) -> ApiResult<String> {
    let Some(header) = authorization.map(str::trim).filter(|h| !h.is_empty()) else {
        return Ok(default_region.to_string());
    };
    let Some(rest) = header.strip_prefix("AWS4-HMAC-SHA256") else {
        return Err(malformed("it must start with AWS4-HMAC-SHA256."));
    };
    let mut credential = None;
    let mut signed_headers = false;
    let mut signature = false;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if part.starts_with("SignedHeaders=") {
            signed_headers = true;
        } else if part.starts_with("Signature=") {
            signature = true;
        }
    }
    let (Some(credential), true, true) = (credential, signed_headers, signature) else {
        return Err(malformed(
            "Credential, SignedHeaders and Signature are all required.",
        ));
    };
    // AKID/yyyymmdd/region/service/aws4_request
    let scope: Vec<&str> = credential.split('/').collect();
    if scope.len() != 5 || scope[0].is_empty() || scope[4] != "aws4_request" {
        return Err(malformed(
            "the Credential scope must be <key>/<date>/<region>/<service>/aws4_request.",
        ));
    }
    let region = scope[2];
    if region_pattern().is_match(region) {
        Ok(region.to_string())
    } else {
        Ok(default_region.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_from_scope() {
        let h = "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-2/imagebuilder/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        assert_eq!(request_region(Some(h), "us-east-1").unwrap(), "eu-west-2");
        assert_eq!(request_region(None, "us-east-1").unwrap(), "us-east-1");
        let odd = "AWS4-HMAC-SHA256 Credential=AKID/20260101/local/imagebuilder/aws4_request, SignedHeaders=host, Signature=abc";
        assert_eq!(request_region(Some(odd), "us-east-1").unwrap(), "us-east-1");
        assert!(request_region(Some("Basic abc"), "us-east-1").is_err());
        assert!(request_region(Some("AWS4-HMAC-SHA256 Credential=x"), "us-east-1").is_err());
    }
}
