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
use crate::transport::{HttpFailure, HttpRequest, Transport};

/// Everything the host needs to serve one plugin instance.
pub(crate) struct HostState {
    pub(crate) label: Arc<str>,
    pub(crate) sandbox: Sandbox,
    wasi: WasiCtx,
    table: ResourceTable,
    origins: OriginPolicy,
    transport: Arc<dyn Transport>,
    max_response_bytes: u64,
    log: PluginLog,
    stderr_tail: StderrTail,
}

impl HostState {
    pub(crate) fn new(
        label: Arc<str>,
        limits: &Limits,
        transport: Arc<dyn Transport>,
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
            transport,
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
        let headers = request
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let request = HttpRequest {
            method: request.method.as_str().to_owned(),
            url: request.url.to_string(),
            headers,
            body: request.body,
        };
        let response = self
            .transport
            .send(request)
            .await
            .map_err(|failure| match failure {
                HttpFailure::Timeout => wit_http::HttpError::Timeout,
                HttpFailure::TooLarge(limit) => wit_http::HttpError::TooLarge(limit),
                HttpFailure::Connection(why) => wit_http::HttpError::Connection(why),
                HttpFailure::InvalidRequest(why) => wit_http::HttpError::InvalidRequest(why),
            })?;
        // Whichever transport answered, the plugin never gets more than the limit.
        if response.body.len() as u64 > self.max_response_bytes {
            return Err(wit_http::HttpError::TooLarge(self.max_response_bytes));
        }
        Ok(wit_http::Response {
            status: response.status,
            headers: response
                .headers
                .into_iter()
                .map(|(name, value)| wit_http::Header { name, value })
                .collect(),
            body: response.body,
        })
    }
}

impl Drop for HostState {
    fn drop(&mut self) {
        self.log.flush_dropped();
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
