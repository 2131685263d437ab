//! What a plugin instance can reach: the host side of the `http` and `log` imports (one
//! module per WIT interface), its stdout and stderr, and an otherwise empty WASI context.
//!
//! The WASI context has no preopened directory, no environment, no arguments and no socket
//! address it may use; the only way out is `http.send`, which the host performs itself after
//! checking the request against the contract ([`http::OutboundRequest`]), its origin against
//! what the plugin declared AND what the operator allowed for the connection, and the call's
//! request budget. Everything a plugin writes (log calls, stdout, stderr) lands in the host's
//! `tracing` log tagged with the plugin's name and version, bounded and with the connection's
//! secrets redacted ([`log`]).

pub(crate) mod http;
pub(crate) mod log;

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

pub(crate) use self::http::{OriginPolicy, OutboundRequest};
use self::log::{LogOutput, PluginLog};
use crate::bindings::{http as wit_http, wit};
use crate::connector::StderrTail;
use crate::limits::{Limits, Sandbox};
use crate::redact::Redactor;

/// Everything the host needs to serve one plugin instance.
pub(crate) struct HostState {
    pub(crate) label: Arc<str>,
    pub(crate) sandbox: Sandbox,
    wasi: WasiCtx,
    table: ResourceTable,
    origins: OriginPolicy,
    client: reqwest::Client,
    max_response_bytes: u64,
    log: PluginLog,
    stderr_tail: StderrTail,
}

impl HostState {
    pub(crate) fn new(
        label: Arc<str>,
        limits: &Limits,
        client: reqwest::Client,
        origins: OriginPolicy,
        redactor: Arc<Redactor>,
    ) -> Self {
        let stderr_tail = StderrTail::default();
        let log = PluginLog::new(label.clone(), limits, redactor);
        let mut wasi = WasiCtx::builder();
        wasi.stdout(LogOutput::new(&log, "stdout", None))
            .stderr(LogOutput::new(&log, "stderr", Some(stderr_tail.clone())))
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        HostState {
            label,
            sandbox: Sandbox::new(limits),
            wasi: wasi.build(),
            table: ResourceTable::new(),
            origins,
            client,
            max_response_bytes: limits.max_response_bytes,
            log,
            stderr_tail,
        }
    }

    /// Starts the budgets of a new call and forgets what the last one wrote to stderr.
    pub(crate) fn begin_call(&mut self) {
        self.sandbox.start_call();
        self.stderr_tail.clear();
    }

    /// What the plugin wrote to stderr during the current call, on one line.
    pub(crate) fn stderr_summary(&self) -> Option<String> {
        self.stderr_tail.summary()
    }

    async fn send(
        &mut self,
        request: wit_http::Request,
    ) -> Result<wit_http::Response, wit_http::HttpError> {
        let request = OutboundRequest::parse(request).map_err(|refused| {
            tracing::warn!(plugin = %self.label, reason = %refused, "refused an outbound request");
            wit_http::HttpError::InvalidRequest(refused.to_string())
        })?;
        if let Err(reason) = self.origins.check(&request.url) {
            tracing::warn!(plugin = %self.label, %reason, "refused an outbound request");
            return Err(wit_http::HttpError::Denied(reason));
        }
        if !self.sandbox.take_request() {
            let reason = format!(
                "this call has made its {} requests (max_requests_per_call)",
                self.sandbox.requests_allowed()
            );
            tracing::warn!(plugin = %self.label, %reason, "refused an outbound request");
            return Err(wit_http::HttpError::Denied(reason));
        }
        let mut builder = self
            .client
            .request(request.method, request.url)
            .headers(request.headers);
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let mut response = builder.send().await.map_err(classify)?;
        let limit = self.max_response_bytes;
        if response.content_length().is_some_and(|len| len > limit) {
            return Err(wit_http::HttpError::TooLarge(limit));
        }
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| wit_http::Header {
                name: name.as_str().to_owned(),
                value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
            })
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(wit_http::HttpError::TooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(wit_http::Response {
            status,
            headers,
            body,
        })
    }
}

impl Drop for HostState {
    fn drop(&mut self) {
        self.log.flush_dropped();
    }
}

fn classify(e: reqwest::Error) -> wit_http::HttpError {
    if e.is_timeout() {
        wit_http::HttpError::Timeout
    } else if e.is_builder() {
        wit_http::HttpError::InvalidRequest(e.to_string())
    } else {
        // The full chain: reqwest's top-level message rarely says what broke.
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        wit_http::HttpError::Connection(message)
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl wit::Host for HostState {}

impl wit_http::Host for HostState {
    async fn send(
        &mut self,
        request: wit_http::Request,
    ) -> Result<wit_http::Response, wit_http::HttpError> {
        HostState::send(self, request).await
    }
}
