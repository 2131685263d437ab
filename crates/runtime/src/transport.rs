//! The seam between a plugin's `http.send` and the network.
//!
//! The host polices every request first (the contract's methods and headers, the origins, the
//! call's request budget: `host/http.rs`); what is left, sending the request and reading the
//! response, is a [`Transport`]. The runtime's own is [`NetworkTransport`] (reqwest, no
//! redirects, the `http_timeout`, the body read up to `max_response_size`). Another transport
//! can stand in with [`Runtime::with_transport`](crate::Runtime::with_transport): the
//! conformance kit (`ccsync plugin test`) serves recorded responses and injects faults (a 401,
//! a 429, a 5xx, a malformed body) through it, without a hook in the sandbox's policy and
//! without a platform that misbehaves on demand.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use reqwest::header::{HeaderName, HeaderValue};

use crate::limits::Limits;

/// A request that passed the host's checks, as a transport sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// One of the contract's methods: `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: String,
    /// An absolute http(s) URL to an allowed origin, without userinfo.
    pub url: String,
    /// End-to-end headers only, valid names and values.
    pub headers: Vec<(String, String)>,
    /// The body, as the plugin gave it.
    pub body: Option<Vec<u8>>,
}

/// A response, any status included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The response headers, in order.
    pub headers: Vec<(String, String)>,
    /// The whole body.
    pub body: Vec<u8>,
}

/// Why a request got no response; the plugin sees the contract's `http-error` of the same name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpFailure {
    /// The request or its body took longer than allowed.
    Timeout,
    /// The body was larger than the limit (bytes).
    TooLarge(u64),
    /// The connection could not be made or broke; says why.
    Connection(String),
    /// The transport could not send the request as given; says why.
    InvalidRequest(String),
}

/// What a transport's [`Transport::send`] returns.
pub type SendFuture<'a> =
    Pin<Box<dyn Future<Output = Result<HttpResponse, HttpFailure>> + Send + 'a>>;

/// Sends the requests of every plugin instance of a [`Runtime`](crate::Runtime).
///
/// A transport sees only requests the host allowed; the host still refuses a response body
/// over `max_response_size`, whichever transport produced it.
pub trait Transport: Send + Sync + 'static {
    /// Sends one request and reads its whole response.
    fn send(&self, request: HttpRequest) -> SendFuture<'_>;
}

/// The network: reqwest, redirects not followed, the runtime's `http_timeout`, the body read
/// up to `max_response_size`.
#[derive(Clone)]
pub struct NetworkTransport {
    client: reqwest::Client,
    max_response_bytes: u64,
}

impl fmt::Debug for NetworkTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetworkTransport")
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl NetworkTransport {
    /// The network under these limits; the error says why the HTTP client could not be built.
    pub fn new(limits: &Limits) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(limits.http_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ccsync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(NetworkTransport {
            client,
            max_response_bytes: limits.max_response_bytes,
        })
    }

    async fn exchange(&self, request: HttpRequest) -> Result<HttpResponse, HttpFailure> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|e| HttpFailure::InvalidRequest(e.to_string()))?;
        let mut builder = self.client.request(method, &request.url);
        for (name, value) in request.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| HttpFailure::InvalidRequest(e.to_string()))?;
            let value = HeaderValue::from_str(&value)
                .map_err(|e| HttpFailure::InvalidRequest(e.to_string()))?;
            builder = builder.header(name, value);
        }
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let mut response = builder.send().await.map_err(classify)?;
        let limit = self.max_response_bytes;
        if response.content_length().is_some_and(|len| len > limit) {
            return Err(HttpFailure::TooLarge(limit));
        }
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(HttpFailure::TooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

impl Transport for NetworkTransport {
    fn send(&self, request: HttpRequest) -> SendFuture<'_> {
        Box::pin(self.exchange(request))
    }
}

/// What a reqwest failure was, as a transport reports it: a timeout, a request that could not
/// be built, or a broken connection with its whole chain of causes (reqwest's top-level
/// message rarely says what broke). Also what the native benchmark host reports, so both
/// sides of `benches/connector-boundary` fail alike.
pub fn classify(e: reqwest::Error) -> HttpFailure {
    if e.is_timeout() {
        HttpFailure::Timeout
    } else if e.is_builder() {
        HttpFailure::InvalidRequest(e.to_string())
    } else {
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        HttpFailure::Connection(message)
    }
}
