//! What stands behind the plugin's `http.send` during a kit run: the network or a fixture,
//! optionally recorded, under a layer that can answer every request with a fault instead.
//!
//! The error checks need replies a healthy platform never gives on demand (a 401 after a
//! renewal, a 429, a 5xx, a broken body); the fault layer gives them, for the calls a check
//! makes while it is switched on, without the plugin or the sandbox knowing. The layer also
//! counts requests, so a check can tell a call that reached the network from one that did
//! not (`describe` must not).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use ccsync_runtime::{
    HttpFailure, HttpRequest, HttpResponse, NetworkTransport, SendFuture, Transport,
};

use connector_kit::fixture::{Exchange, Recorded, Replay};

/// The seconds of the `Retry-After` the injected 429 carries.
pub const RETRY_AFTER_SECS: u64 = 7;

/// A reply the fault layer gives to every request while it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    /// 401 Unauthorized, token renewals included.
    Unauthorized,
    /// 429 Too Many Requests with `Retry-After: RETRY_AFTER_SECS`.
    RateLimited,
    /// 503 Service Unavailable.
    Unavailable,
    /// 200 OK whose JSON body is cut off.
    MalformedBody,
}

impl Injected {
    fn response(self) -> HttpResponse {
        let json = |status: u16, body: &str, extra: Option<(&str, String)>| {
            let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
            if let Some((name, value)) = extra {
                headers.push((name.to_owned(), value));
            }
            HttpResponse {
                status,
                headers,
                body: body.as_bytes().to_vec(),
            }
        };
        match self {
            Injected::Unauthorized => json(
                401,
                r#"{"error":"invalid_token","error_description":"injected by ccsync plugin test"}"#,
                Some(("www-authenticate", "Bearer error=\"invalid_token\"".into())),
            ),
            Injected::RateLimited => json(
                429,
                r#"{"error":"too many requests (injected by ccsync plugin test)"}"#,
                Some(("retry-after", RETRY_AFTER_SECS.to_string())),
            ),
            Injected::Unavailable => json(
                503,
                r#"{"error":"service unavailable (injected by ccsync plugin test)"}"#,
                None,
            ),
            Injected::MalformedBody => json(200, r#"{"data": [{"id": "1", "name": "cut"#, None),
        }
    }
}

/// Where requests go when no fault is injected.
#[derive(Debug)]
pub enum Backend {
    /// The live endpoint.
    Network(NetworkTransport),
    /// A recorded fixture.
    Fixture(Mutex<Replay>),
}

/// The kit's transport: a backend, a recorder and the fault layer.
#[derive(Debug)]
pub struct KitTransport {
    backend: Backend,
    recording: Option<Mutex<Vec<Exchange>>>,
    fault: Mutex<Option<Injected>>,
    requests: AtomicU64,
}

impl KitTransport {
    /// A transport to `backend`, keeping every exchange it passes on when `record` is set.
    pub fn new(backend: Backend, record: bool) -> KitTransport {
        KitTransport {
            backend,
            recording: record.then(|| Mutex::new(Vec::new())),
            fault: Mutex::new(None),
            requests: AtomicU64::new(0),
        }
    }

    /// Answers every request with `fault` until [`KitTransport::clear_fault`].
    pub fn inject(&self, fault: Injected) {
        *self.fault.lock().unwrap_or_else(|e| e.into_inner()) = Some(fault);
    }

    /// Passes requests to the backend again.
    pub fn clear_fault(&self) {
        *self.fault.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Requests the plugin has sent so far (injected faults included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The exchanges recorded so far (none when not recording); injected faults are not.
    pub fn recorded(&self) -> Vec<Exchange> {
        self.recording
            .as_ref()
            .map(|r| r.lock().unwrap_or_else(|e| e.into_inner()).clone())
            .unwrap_or_default()
    }

    async fn exchange(&self, request: HttpRequest) -> Result<HttpResponse, HttpFailure> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let fault = *self.fault.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(fault) = fault {
            return Ok(fault.response());
        }
        let response = match &self.backend {
            Backend::Network(network) => network.send(request.clone()).await?,
            Backend::Fixture(replay) => {
                let recorded = replay
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .answer(&request.method, &request.url)
                    .ok_or_else(|| {
                        HttpFailure::Connection(format!(
                            "the fixture has no recorded response to {} {}",
                            request.method, request.url
                        ))
                    })?;
                HttpResponse {
                    status: recorded.status,
                    headers: recorded.headers,
                    body: recorded.body,
                }
            }
        };
        if let Some(recording) = &self.recording {
            let recorded = Recorded {
                status: response.status,
                headers: response.headers.clone(),
                body: response.body.clone(),
            };
            recording
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(Exchange::new(&request.method, &request.url, &recorded));
        }
        Ok(response)
    }
}

impl Transport for KitTransport {
    fn send(&self, request: HttpRequest) -> SendFuture<'_> {
        Box::pin(self.exchange(request))
    }
}
