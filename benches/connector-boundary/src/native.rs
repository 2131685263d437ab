//! The connector compiled natively: `cxone_acd::Client` over a [`Host`] that performs each
//! request with reqwest the way `ccsync-runtime`'s `http.send` does (same client settings,
//! same response copy and size cap), minus what only a sandbox needs (the origin policy, log
//! redaction).
//!
//! The connector's `Host` is synchronous and the simulator runs on tokio, so the native read
//! runs on a blocking thread and waits for each async request on the runtime's handle, as the
//! component's synchronous `http.send` import waits for the host's async one.

use std::time::{Duration, Instant};

use ccsync_runtime::HttpFailure;
use cxone_acd::wit::http::{Header, HttpError, Request, Response};
use cxone_acd::wit::log::Level;
use cxone_acd::{Host, Settings};
use tokio::runtime::Handle;

use crate::{BenchError, Tally, read_all_users};

/// The HTTP client `ccsync-runtime` builds for its plugins, with the same timeout, redirect
/// policy and user agent.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, BenchError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("ccsync-bench/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(BenchError::HttpClient)
}

/// Sends the connector's requests with reqwest, blocking on the tokio runtime of `handle`.
/// Must not run on one of that runtime's worker threads (use `spawn_blocking`).
pub struct ReqwestHost {
    client: reqwest::Client,
    handle: Handle,
    max_response_bytes: u64,
}

impl ReqwestHost {
    pub fn new(client: reqwest::Client, handle: Handle, max_response_bytes: u64) -> Self {
        Self {
            client,
            handle,
            max_response_bytes,
        }
    }
}

impl Host for ReqwestHost {
    fn send(&mut self, request: &Request) -> Result<Response, HttpError> {
        self.handle
            .block_on(send(&self.client, request, self.max_response_bytes))
    }

    /// The benchmark installs no log subscriber, so the host's `log` would discard the line.
    fn log(&mut self, _level: Level, _message: &str) {}
}

async fn send(
    client: &reqwest::Client,
    request: &Request,
    limit: u64,
) -> Result<Response, HttpError> {
    let url = reqwest::Url::parse(&request.url)
        .map_err(|e| HttpError::InvalidRequest(format!("bad URL {}: {e}", request.url)))?;
    let method = reqwest::Method::from_bytes(request.method.as_bytes())
        .map_err(|_| HttpError::InvalidRequest(format!("bad method {:?}", request.method)))?;
    let mut builder = client.request(method, url);
    for header in &request.headers {
        builder = builder.header(&header.name, &header.value);
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let mut response = builder.send().await.map_err(classify)?;
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(HttpError::TooLarge(limit));
    }
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| Header {
            name: name.as_str().to_owned(),
            value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
        })
        .collect();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(classify)? {
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(HttpError::TooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// The runtime's classification of a reqwest failure, in the guest's terms.
fn classify(e: reqwest::Error) -> HttpError {
    match ccsync_runtime::classify(e) {
        HttpFailure::Timeout => HttpError::Timeout,
        HttpFailure::TooLarge(limit) => HttpError::TooLarge(limit),
        HttpFailure::Connection(message) => HttpError::Connection(message),
        HttpFailure::InvalidRequest(message) => HttpError::InvalidRequest(message),
    }
}

/// Configures a native client with `settings` and reads every page of users over `host`, on
/// a blocking thread; returns what was read, the time it took, and the host.
pub async fn read_all_users_native<H: Host + Send + 'static>(
    settings: Settings,
    mut host: H,
) -> Result<(Tally, Duration, H), BenchError> {
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let mut client = cxone_acd::client(settings);
        let tally = read_all_users(&mut client, &mut host)?;
        Ok((tally, started.elapsed(), host))
    })
    .await?
}
