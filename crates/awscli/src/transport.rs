//! Calling the service: where to (endpoint and region, from options, the environment and the
//! AWS config files, as the SDKs resolve them), as whom (the standard credential chain),
//! and how (restJson1 over HTTP(S), SigV4-signed).

use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Map, Value};
use std::time::SystemTime;
use stepwise_api::operations::{Location, Operation};
use stepwise_api::schema::ShapeKind;
use stepwise_api::shaped::shaped;

/// Where a command goes when nothing names an endpoint: the local Stepwise server.
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:4599";
/// The region when nothing names one (only for the local default endpoint).
pub const DEFAULT_REGION: &str = "us-east-1";
/// The signing name and endpoint key of the service.
const SERVICE: &str = "imagebuilder";

/// What the global options say about the connection.
#[derive(Debug, Clone, Default)]
pub struct ConnectionOptions {
    pub endpoint_url: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    pub debug: bool,
}

/// Why a call did not produce a response.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The service answered with a modelled error.
    #[error("An error occurred ({code}) when calling the {operation} operation: {message}")]
    Service {
        operation: String,
        code: String,
        message: String,
        status: u16,
    },
    /// Configuration or connection trouble, worded as the AWS CLI words it.
    #[error("{0}")]
    Client(String),
}

type HttpsClient = Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    Full<Bytes>,
>;

/// A resolved, ready connection to the service.
pub struct Connection {
    endpoint: String,
    region: String,
    credentials: Credentials,
    client: HttpsClient,
    debug: bool,
}

/// The shared config and credentials files, with `name` (else `AWS_PROFILE`, else
/// `default`) selected.
async fn profiles(name: Option<&str>) -> Option<aws_config::profile::ProfileSet> {
    aws_config::profile::load(
        &aws_types::os_shim_internal::Fs::real(),
        &aws_types::os_shim_internal::Env::real(),
        &aws_runtime::env_config::file::EnvConfigFiles::default(),
        name.map(|n| n.to_string().into()),
    )
    .await
    .ok()
}

/// Whether the shared config or credentials file defines profile `name`.
async fn profile_exists(name: &str) -> bool {
    profiles(Some(name))
        .await
        .is_some_and(|p| p.get_profile(name).is_some())
}

/// A setting of the selected profile (`output`, say), as the AWS CLI reads it.
pub async fn profile_setting(profile: Option<&str>, key: &str) -> Option<String> {
    let set = profiles(profile).await?;
    let selected = set.get_profile(set.selected_profile())?;
    selected.get(key).map(str::to_string)
}

fn is_loopback(endpoint: &str) -> bool {
    let Ok(uri) = endpoint.parse::<http::Uri>() else {
        return false;
    };
    match uri.host() {
        Some("localhost") => true,
        Some(h) => h
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

impl Connection {
    /// Resolves endpoint, region and credentials. Endpoint: `--endpoint-url`, then
    /// `AWS_ENDPOINT_URL_IMAGEBUILDER`, the profile's `services` section, `AWS_ENDPOINT_URL`,
    /// the profile's `endpoint_url`, then the local Stepwise server. Region: `--region`,
    /// then the standard chain, then `us-east-1`. Credentials: the standard chain; a local
    /// endpoint (which accepts any) works without them.
    pub async fn resolve(options: &ConnectionOptions) -> Result<Connection, CallError> {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(p) = &options.profile {
            loader = loader.profile_name(p);
        }
        match &options.region {
            Some(r) => loader = loader.region(aws_config::Region::new(r.clone())),
            // As the AWS CLI: the environment, then the profile; never instance metadata.
            None => {
                let mut profile = aws_config::profile::ProfileFileRegionProvider::builder();
                if let Some(p) = &options.profile {
                    profile = profile.profile_name(p);
                }
                loader = loader.region(
                    aws_config::meta::region::RegionProviderChain::first_try(
                        aws_config::environment::EnvironmentVariableRegionProvider::new(),
                    )
                    .or_else(profile.build()),
                );
            }
        }
        let sdk = loader.load().await;
        let configured = options.endpoint_url.clone().or_else(|| {
            sdk.service_config()
                .and_then(|c| {
                    c.load_config(
                        aws_types::service_config::ServiceConfigKey::builder()
                            .service_id(SERVICE)
                            .env("AWS_ENDPOINT_URL")
                            .profile("endpoint_url")
                            .build()
                            .ok()?,
                    )
                })
                .or_else(|| sdk.endpoint_url().map(str::to_string))
        });
        let endpoint = configured.unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
        if endpoint
            .parse::<http::Uri>()
            .map_or(true, |u| u.scheme().is_none() || u.host().is_none())
        {
            return Err(CallError::Client(format!(
                "Bad value for --endpoint-url \"{endpoint}\": scheme is missing.  Must be of the form http://<hostname>/ or https://<hostname>/"
            )));
        }
        if let Some(name) = &options.profile {
            if !profile_exists(name).await {
                return Err(CallError::Client(format!(
                    "The config profile ({name}) could not be found"
                )));
            }
        }
        let local = is_loopback(&endpoint);
        let region = match (sdk.region(), local) {
            (Some(r), _) => r.to_string(),
            (None, true) => DEFAULT_REGION.to_string(),
            (None, false) => {
                return Err(CallError::Client(
                    "You must specify a region. You can also configure your region by running \"aws configure\"."
                        .into(),
                ))
            }
        };
        let credentials = if local {
            // A local server accepts any credentials: the environment or the profile if they
            // have some, without probing instance metadata (a slow miss off EC2).
            let mut profile = aws_config::profile::ProfileFileCredentialsProvider::builder();
            if let Some(p) = &options.profile {
                profile = profile.profile_name(p);
            }
            aws_config::meta::credentials::CredentialsProviderChain::first_try(
                "Environment",
                aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
            )
            .or_else("Profile", profile.build())
            .provide_credentials()
            .await
            .ok()
        } else {
            match sdk.credentials_provider() {
                Some(p) => p.provide_credentials().await.ok(),
                None => None,
            }
        };
        let credentials = match (credentials, local) {
            (Some(c), _) => c,
            // Stepwise accepts any credentials; nobody should need an AWS profile to use it.
            (None, true) => Credentials::from_keys("stepwise", "stepwise", None),
            (None, false) => {
                return Err(CallError::Client(
                    "Unable to locate credentials. You can configure credentials by running \"aws configure\"."
                        .into(),
                ))
            }
        };
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| CallError::Client(format!("cannot load the trusted certificates: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Connection {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            region,
            credentials,
            client: Client::builder(TokioExecutor::new()).build(https),
            debug: options.debug,
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// Calls `op` with `input` (members by their API names) and returns the response body as
    /// botocore parses it: modelled members only, in model order, nulls left out.
    pub async fn call(&self, op: &Operation, input: &Value) -> Result<Value, CallError> {
        let attempts = max_attempts();
        let mut attempt = 1;
        loop {
            match self.call_once(op, input).await {
                Err(e) if attempt < attempts && e.is_retryable() => {
                    // Exponential back-off with full jitter, at most 20 s (botocore's standard).
                    let cap = (2f64.powi(attempt as i32)).min(20.0);
                    let wait = rand::random::<f64>() * cap;
                    if self.debug {
                        eprintln!("DEBUG: attempt {attempt} failed ({e}); retrying in {wait:.2}s");
                    }
                    tokio::time::sleep(std::time::Duration::from_secs_f64(wait)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn call_once(&self, op: &Operation, input: &Value) -> Result<Value, CallError> {
        let (uri, body) = self.encode(op, input)?;
        let mut request = http::Request::builder().method(op.method).uri(&uri).header(
            "user-agent",
            concat!("stepwise-cli/", env!("CARGO_PKG_VERSION")),
        );
        if !body.is_empty() {
            request = request.header("content-type", "application/json");
        }
        let mut request = request
            .body(Full::new(Bytes::from(body.clone())))
            .map_err(|e| CallError::Client(format!("cannot build the request: {e}")))?;
        self.sign(&mut request, &body)?;
        if self.debug {
            eprintln!("DEBUG: {} {uri}", op.method);
            for (k, v) in request.headers() {
                if k != "authorization" {
                    eprintln!("DEBUG:   {k}: {}", v.to_str().unwrap_or("<binary>"));
                }
            }
            if !body.is_empty() {
                eprintln!("DEBUG:   body: {}", String::from_utf8_lossy(&body));
            }
        }
        let (status, error_type, bytes) = self.send(request, &uri).await?;
        let parsed: Option<Value> = if bytes.is_empty() {
            Some(Value::Object(Map::new()))
        } else {
            serde_json::from_slice(&bytes).ok()
        };
        if (200..300).contains(&status) {
            return parsed
                .map(|v| shaped(op.output, &v).unwrap_or(v))
                .ok_or_else(|| {
                    CallError::Client(format!(
                        "The {} operation returned a body that is not JSON",
                        op.name
                    ))
                });
        }
        Err(service_error(op.name, status, error_type, parsed))
    }

    /// Sends a request and reads the whole answer: status, `x-amzn-ErrorType`, body.
    async fn send(
        &self,
        request: http::Request<Full<Bytes>>,
        uri: &str,
    ) -> Result<(u16, Option<String>, Bytes), CallError> {
        let response = self.client.request(request).await.map_err(|e| {
            CallError::Client(format!(
                "Could not connect to the endpoint URL: \"{uri}\"{}",
                if self.endpoint == DEFAULT_ENDPOINT {
                    " (is `stepwise serve` running? Set --endpoint-url or AWS_ENDPOINT_URL to use another server)"
                } else {
                    ""
                }
            ))
            .with_debug(self.debug, &e)
        })?;
        let status = response.status().as_u16();
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| CallError::Client(format!("the response was cut short: {e}")))?
            .to_bytes();
        if self.debug {
            eprintln!(
                "DEBUG: response {status}: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        Ok((status, error_type, bytes))
    }

    /// A request to one of Stepwise's own endpoints (`/_stepwise/…`, not an AWS operation,
    /// so unsigned): JSON in and out; an error answer is a service error named `what`.
    pub async fn stepwise(
        &self,
        what: &str,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, CallError> {
        let uri = format!("{}{path}", self.endpoint);
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut request = http::Request::builder().method(method).uri(&uri);
        if !body.is_empty() {
            request = request.header("content-type", "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| CallError::Client(format!("cannot build the request: {e}")))?;
        let (status, error_type, bytes) = self.send(request, &uri).await?;
        let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
        if (200..300).contains(&status) {
            return parsed.ok_or_else(|| {
                CallError::Client(format!("{uri} returned a body that is not JSON"))
            });
        }
        Err(service_error(what, status, error_type, parsed))
    }

    /// The request's URI and body, as the model binds each member: URI labels
    /// percent-encoded into the path (an ARN's `:` and `/` included), query members into the
    /// query string (a list as one pair per item), the rest as a JSON body (none for a GET
    /// or DELETE that has no body member).
    fn encode(&self, op: &Operation, input: &Value) -> Result<(String, Vec<u8>), CallError> {
        let mut path = op.path.to_string();
        let ShapeKind::Structure { members } = op.input.kind else {
            return Ok((format!("{}{path}", self.endpoint), Vec::new()));
        };
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let mut query = Vec::new();
        let mut body = Map::new();
        for m in members {
            let Some(v) = input.get(m.name) else { continue };
            match op.location(m.name) {
                Some(Location::Label(label)) => {
                    path = path.replace(&format!("{{{label}}}"), &encode_component(&text(v)));
                }
                Some(Location::Query(key)) => {
                    let items = match v {
                        Value::Array(items) => items.iter().collect(),
                        one => vec![one],
                    };
                    for item in items {
                        query.push(format!(
                            "{}={}",
                            encode_component(key),
                            encode_component(&text(item))
                        ));
                    }
                }
                _ => {
                    body.insert(m.name.to_string(), v.clone());
                }
            }
        }
        let mut uri = format!("{}{path}", self.endpoint);
        if !query.is_empty() {
            uri.push('?');
            uri.push_str(&query.join("&"));
        }
        let body = if matches!(op.method, "GET" | "DELETE") && body.is_empty() {
            Vec::new()
        } else {
            serde_json::to_vec(&Value::Object(body)).unwrap_or_default()
        };
        Ok((uri, body))
    }

    fn sign(&self, request: &mut http::Request<Full<Bytes>>, body: &[u8]) -> Result<(), CallError> {
        let identity: Identity = self.credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(SERVICE)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| CallError::Client(format!("cannot sign the request: {e}")))?
            .into();
        let uri = request.uri().to_string();
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let signable = SignableRequest::new(
            request.method().as_str(),
            uri,
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(body),
        )
        .map_err(|e| CallError::Client(format!("cannot sign the request: {e}")))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| CallError::Client(format!("cannot sign the request: {e}")))?
            .into_parts();
        instructions.apply_to_request_http1x(request);
        Ok(())
    }
}

/// Attempts per call: `AWS_MAX_ATTEMPTS`, else 3 (the standard retry mode).
fn max_attempts() -> u32 {
    std::env::var("AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|&n: &u32| n >= 1)
        .unwrap_or(3)
}

/// Error codes botocore retries whatever their status.
const THROTTLING: [&str; 8] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "CallRateLimitExceededException",
];

impl CallError {
    /// Whether botocore would try again: throttling, or a transient server error.
    fn is_retryable(&self) -> bool {
        match self {
            CallError::Service { code, status, .. } => {
                THROTTLING.contains(&code.as_str()) || matches!(status, 429 | 500 | 502 | 503 | 504)
            }
            CallError::Client(_) => false,
        }
    }

    fn with_debug(self, debug: bool, cause: &dyn std::fmt::Display) -> CallError {
        match self {
            CallError::Client(m) if debug => CallError::Client(format!("{m}: {cause}")),
            other => other,
        }
    }
}

/// The error a failed response carries: its type from `x-amzn-ErrorType` (or `__type`,
/// `code`), its message from `message` / `Message`.
fn service_error(
    operation: &str,
    status: u16,
    header: Option<String>,
    body: Option<Value>,
) -> CallError {
    let field = |k: &str| {
        body.as_ref()
            .and_then(|b| b.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let raw = header
        .or_else(|| field("__type"))
        .or_else(|| field("code"))
        .unwrap_or_else(|| status.to_string());
    // `aws.protocoltests#Type:http://...` → `Type`.
    let code = raw
        .split(':')
        .next()
        .unwrap_or(&raw)
        .rsplit('#')
        .next()
        .unwrap_or(&raw)
        .to_string();
    let message = field("message")
        .or_else(|| field("Message"))
        .unwrap_or_default();
    CallError::Service {
        operation: operation.to_string(),
        code,
        message,
        status,
    }
}

/// Percent-encoding of a query component (RFC 3986 unreserved characters stay).
fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_types_lose_their_namespace_and_suffix() {
        let e = service_error(
            "GetImage",
            404,
            Some("ResourceNotFoundException:http://internal.amazon.com/".into()),
            Some(json!({"message": "not here"})),
        );
        assert_eq!(
            e.to_string(),
            "An error occurred (ResourceNotFoundException) when calling the GetImage operation: not here"
        );
        let e = service_error(
            "GetImage",
            400,
            None,
            Some(json!({"__type": "com.amazon#ThrottlingException", "Message": "slow"})),
        );
        assert_eq!(
            e.to_string(),
            "An error occurred (ThrottlingException) when calling the GetImage operation: slow"
        );
    }

    /// A one-shot HTTP server answering each connection with the next canned response.
    async fn canned(responses: Vec<(u16, &'static str, &'static str)>) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let mut responses = responses.into_iter();
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buf = vec![0u8; 65536];
                let _ = socket.read(&mut buf).await;
                let Some((status, kind, body)) = responses.next() else {
                    return;
                };
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\nx-amzn-errortype: {kind}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            }
        });
        endpoint
    }

    #[tokio::test]
    async fn throttling_and_server_errors_are_retried_client_errors_are_not() {
        let op = stepwise_api::operations::by_name("ListImages").unwrap();
        let endpoint = canned(vec![
            (503, "ServiceUnavailableException", r#"{"message": "busy"}"#),
            (200, "", r#"{"requestId": "r", "imageVersionList": []}"#),
        ])
        .await;
        let options = ConnectionOptions {
            endpoint_url: Some(endpoint),
            ..Default::default()
        };
        let conn = Connection::resolve(&options).await.unwrap();
        let out = conn.call(op, &json!({})).await.unwrap();
        assert_eq!(out, json!({"requestId": "r", "imageVersionList": []}));

        let endpoint = canned(vec![
            (400, "InvalidRequestException", r#"{"message": "no"}"#),
            (200, "", r#"{"requestId": "r"}"#),
        ])
        .await;
        let options = ConnectionOptions {
            endpoint_url: Some(endpoint),
            ..Default::default()
        };
        let conn = Connection::resolve(&options).await.unwrap();
        let err = conn.call(op, &json!({})).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "An error occurred (InvalidRequestException) when calling the ListImages operation: no"
        );
    }

    #[test]
    fn loopback_endpoints_are_recognised() {
        assert!(is_loopback("http://127.0.0.1:4599"));
        assert!(is_loopback("http://localhost:4599/"));
        assert!(is_loopback("http://[::1]:4599"));
        assert!(!is_loopback("https://imagebuilder.us-east-1.amazonaws.com"));
    }

    #[test]
    fn query_components_are_percent_encoded() {
        assert_eq!(
            encode_component("arn:aws:imagebuilder:us-east-1:123:image/a b/1.0.0/1"),
            "arn%3Aaws%3Aimagebuilder%3Aus-east-1%3A123%3Aimage%2Fa%20b%2F1.0.0%2F1"
        );
    }
}
