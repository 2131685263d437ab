//! A host that sends a natively compiled connector's requests over real HTTP, for tests
//! against a simulator or a sandbox account, and records them as a fixture on request.
//!
//! The connector's [`Host`] is synchronous; the requests go through reqwest on a tokio
//! runtime of the host's own (one thread), so it works from any thread that is not itself
//! running a tokio runtime, whatever serves the other end.

use std::path::Path;
use std::time::Duration;

use crate::fixture::{self, Exchange, FixtureError, Recorded};
use crate::host::{Host, header};
use crate::wit::http::{HttpError, Request, Response};
use crate::wit::log::Level;

/// Sends each request with reqwest, with a timeout and no redirects (as the ccsync host sends
/// a component's), and keeps the log lines and, when recording, the exchanges.
#[derive(Debug)]
pub struct LiveHost {
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    recording: Option<Vec<Exchange>>,
    /// Every log line written, in order.
    pub logs: Vec<String>,
}

impl LiveHost {
    /// A host whose requests time out after `timeout`.
    pub fn new(timeout: Duration) -> std::io::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("connector-kit/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(std::io::Error::other)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Self {
            client,
            runtime,
            recording: None,
            logs: Vec::new(),
        })
    }

    /// Keeps every exchange from now on, for [`save_fixture`](Self::save_fixture).
    pub fn record(mut self) -> Self {
        self.recording = Some(Vec::new());
        self
    }

    /// Writes the exchanges recorded so far as a fixture recorded against `endpoint` (the
    /// base URL the connector was configured with), replacing the directory's earlier ones.
    pub fn save_fixture(&self, dir: &Path, endpoint: &str) -> Result<(), FixtureError> {
        fixture::write(dir, endpoint, self.recording.as_deref().unwrap_or_default())
    }

    async fn exchange(&self, request: &Request) -> Result<Response, HttpError> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| HttpError::InvalidRequest(format!("bad method {:?}", request.method)))?;
        let mut builder = self.client.request(method, &request.url);
        for h in &request.headers {
            builder = builder.header(&h.name, &h.value);
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let failed = |e: reqwest::Error| {
            if e.is_timeout() {
                HttpError::Timeout
            } else if e.is_builder() {
                HttpError::InvalidRequest(e.to_string())
            } else {
                HttpError::Connection(e.to_string())
            }
        };
        let response = builder.send().await.map_err(failed)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| header(name.as_str(), &String::from_utf8_lossy(value.as_bytes())))
            .collect();
        let body = response.bytes().await.map_err(failed)?.to_vec();
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

impl Host for LiveHost {
    fn send(&mut self, request: &Request) -> Result<Response, HttpError> {
        let response = self.runtime.block_on(self.exchange(request))?;
        if let Some(recording) = &mut self.recording {
            let recorded = Recorded {
                status: response.status,
                headers: response
                    .headers
                    .iter()
                    .map(|h| (h.name.clone(), h.value.clone()))
                    .collect(),
                body: response.body.clone(),
            };
            recording.push(Exchange::new(&request.method, &request.url, &recorded));
        }
        Ok(response)
    }

    fn log(&mut self, _level: Level, message: &str) {
        self.logs.push(message.to_owned());
    }
}
