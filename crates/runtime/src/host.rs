//! What a plugin instance can reach: the host side of the `http` and `log` imports, its
//! stdout and stderr, and an otherwise empty WASI context.
//!
//! The WASI context has no preopened directory, no environment, no arguments and no socket
//! address it may use; the only way out is `http.send`, which the host performs itself after
//! checking the request's origin against what the plugin declared AND what the operator
//! allowed for the connection. Everything a plugin writes (log calls, stdout, stderr) lands in
//! the host's `tracing` log tagged with the plugin's name and version, with the connection's
//! secrets redacted.

use std::borrow::Cow;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use ccsync_plugin::OriginPattern;
use tokio::io::AsyncWrite;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings::{http, log, wit};
use crate::connector::StderrTail;
use crate::limits::{Limits, Sandbox};

/// Replaces known secret values with `[redacted]` in text a plugin produces.
#[derive(Debug, Default, Clone)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for these secret values (values shorter than 4 characters are ignored: they
    /// would redact ordinary words).
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 4).collect();
        // Longest first, so a secret containing another is redacted whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Redactor { secrets }
    }

    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = Cow::Owned(text.replace(secret.as_str(), "[redacted]"));
            }
        }
        text
    }
}

/// The origins a plugin instance may call: a request must match one pattern the plugin
/// declared and one the operator allowed.
#[derive(Debug, Clone, Default)]
pub struct OriginPolicy {
    declared: Vec<OriginPattern>,
    allowed: Vec<OriginPattern>,
}

impl OriginPolicy {
    pub fn new(declared: Vec<OriginPattern>, allowed: Vec<OriginPattern>) -> Self {
        OriginPolicy { declared, allowed }
    }

    /// Checks a request URL; the error says why it is refused.
    pub fn check(&self, url: &reqwest::Url) -> Result<(), String> {
        let scheme = url.scheme();
        let host = url.host_str().ok_or_else(|| format!("{url} has no host"))?;
        let port = url.port();
        let origin = match url.port_or_known_default() {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        };
        if !self.declared.iter().any(|p| p.matches(scheme, host, port)) {
            return Err(format!(
                "origin {origin} is not declared by the plugin (declared: {})",
                list(&self.declared)
            ));
        }
        if !self.allowed.iter().any(|p| p.matches(scheme, host, port)) {
            return Err(format!(
                "origin {origin} is not allowed for this connection (allowed: {})",
                list(&self.allowed)
            ));
        }
        Ok(())
    }
}

fn list(patterns: &[OriginPattern]) -> String {
    if patterns.is_empty() {
        return "none".into();
    }
    patterns
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Everything the host needs to serve one plugin instance.
pub(crate) struct HostState {
    pub(crate) label: Arc<str>,
    pub(crate) sandbox: Sandbox,
    wasi: WasiCtx,
    table: ResourceTable,
    origins: OriginPolicy,
    client: reqwest::Client,
    max_response_bytes: u64,
    redactor: Arc<Redactor>,
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
        let mut wasi = WasiCtx::builder();
        wasi.stdout(LogOutput::new(&label, "stdout", &redactor, None))
            .stderr(LogOutput::new(
                &label,
                "stderr",
                &redactor,
                Some(stderr_tail.clone()),
            ))
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
            redactor,
            stderr_tail,
        }
    }

    /// Starts the CPU budget of a new call and forgets what the last one wrote to stderr.
    pub(crate) fn begin_call(&mut self) {
        self.sandbox.start_call();
        self.stderr_tail.clear();
    }

    /// What the plugin wrote to stderr during the current call, on one line.
    pub(crate) fn stderr_summary(&self) -> Option<String> {
        self.stderr_tail.summary()
    }

    async fn send(&mut self, request: http::Request) -> Result<http::Response, http::HttpError> {
        let url = reqwest::Url::parse(&request.url).map_err(|e| {
            http::HttpError::InvalidRequest(format!("bad URL {}: {e}", request.url))
        })?;
        if let Err(reason) = self.origins.check(&url) {
            tracing::warn!(plugin = %self.label, %reason, "refused an outbound request");
            return Err(http::HttpError::Denied(reason));
        }
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|_| {
            http::HttpError::InvalidRequest(format!("bad method {:?}", request.method))
        })?;
        let mut builder = self.client.request(method, url);
        for header in request.headers {
            builder = builder.header(header.name, header.value);
        }
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let mut response = builder.send().await.map_err(classify)?;
        let limit = self.max_response_bytes;
        if response.content_length().is_some_and(|len| len > limit) {
            return Err(http::HttpError::TooLarge(limit));
        }
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| http::Header {
                name: name.as_str().to_owned(),
                value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
            })
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(http::HttpError::TooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(http::Response {
            status,
            headers,
            body,
        })
    }
}

fn classify(e: reqwest::Error) -> http::HttpError {
    if e.is_timeout() {
        http::HttpError::Timeout
    } else if e.is_builder() {
        http::HttpError::InvalidRequest(e.to_string())
    } else {
        // The full chain: reqwest's top-level message rarely says what broke.
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        http::HttpError::Connection(message)
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

impl http::Host for HostState {
    async fn send(&mut self, request: http::Request) -> Result<http::Response, http::HttpError> {
        HostState::send(self, request).await
    }
}

impl log::Host for HostState {
    fn log(&mut self, level: log::Level, message: String) {
        let message = self.redactor.redact(&message);
        let plugin = &*self.label;
        match level {
            log::Level::Trace => tracing::trace!(plugin, "{message}"),
            log::Level::Debug => tracing::debug!(plugin, "{message}"),
            log::Level::Info => tracing::info!(plugin, "{message}"),
            log::Level::Warn => tracing::warn!(plugin, "{message}"),
            log::Level::Error => tracing::error!(plugin, "{message}"),
        }
    }
}

/// A plugin's stdout or stderr, written line by line into the host log.
struct LogOutput {
    label: Arc<str>,
    stream: &'static str,
    redactor: Arc<Redactor>,
    tail: Option<StderrTail>,
}

impl LogOutput {
    fn new(
        label: &Arc<str>,
        stream: &'static str,
        redactor: &Arc<Redactor>,
        tail: Option<StderrTail>,
    ) -> Self {
        LogOutput {
            label: label.clone(),
            stream,
            redactor: redactor.clone(),
            tail,
        }
    }
}

impl IsTerminal for LogOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogOutput {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(LineWriter {
            label: self.label.clone(),
            stream: self.stream,
            redactor: self.redactor.clone(),
            tail: self.tail.clone(),
            pending: Vec::new(),
        })
    }
}

/// Splits written bytes into lines and logs each one; a line longer than `MAX_LINE` is
/// logged in pieces so a plugin cannot grow host memory by never writing a newline.
struct LineWriter {
    label: Arc<str>,
    stream: &'static str,
    redactor: Arc<Redactor>,
    tail: Option<StderrTail>,
    pending: Vec<u8>,
}

const MAX_LINE: usize = 4096;

impl LineWriter {
    fn emit(&self, line: &[u8]) {
        let line = String::from_utf8_lossy(line);
        let line = self.redactor.redact(line.trim_end_matches('\r'));
        if line.trim().is_empty() {
            return;
        }
        if let Some(tail) = &self.tail {
            tail.record(&line);
        }
        tracing::info!(plugin = %self.label, stream = self.stream, "{line}");
    }

    fn flush_lines(&mut self, all: bool) {
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            self.emit(&line[..line.len() - 1]);
        }
        if (all || self.pending.len() >= MAX_LINE) && !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            self.emit(&rest);
        }
    }
}

impl AsyncWrite for LineWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.pending.extend_from_slice(buf);
        self.flush_lines(false);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.flush_lines(true);
        Poll::Ready(Ok(()))
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        self.flush_lines(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(s: &str) -> OriginPattern {
        s.parse().expect("valid pattern")
    }

    #[test]
    fn a_request_needs_an_origin_both_declared_and_allowed() {
        let policy = OriginPolicy::new(
            vec![pattern("http://127.0.0.1:*")],
            vec![pattern("http://127.0.0.1:8080")],
        );
        let url = |s: &str| reqwest::Url::parse(s).unwrap();
        assert!(policy.check(&url("http://127.0.0.1:8080/agents")).is_ok());
        let undeclared = policy.check(&url("http://localhost:8080/")).unwrap_err();
        assert!(undeclared.contains("not declared"), "{undeclared}");
        let not_allowed = policy.check(&url("http://127.0.0.1:9090/")).unwrap_err();
        assert!(not_allowed.contains("not allowed"), "{not_allowed}");
    }

    #[test]
    fn secrets_are_redacted_longest_first() {
        let redactor = Redactor::new([
            "s3cret".to_owned(),
            "s3cret-and-more".to_owned(),
            "ab".to_owned(),
        ]);
        assert_eq!(
            redactor.redact("token s3cret-and-more then s3cret, ab"),
            "token [redacted] then [redacted], ab"
        );
    }
}
