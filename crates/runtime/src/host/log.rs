//! The host side of the `log` interface and of a plugin's stdout and stderr: everything a
//! plugin writes lands in the host's `tracing` log, tagged with the plugin, and bounded.
//!
//! - A message (or output line) is cut at `max_log_message_bytes`; the rest of a long output
//!   line is dropped, so a plugin never grows host memory by withholding a newline.
//! - One token bucket per instance (`log_rate` lines per second, `log_burst` at once) is
//!   shared by log calls, stdout and stderr. Lines over it are dropped and counted; the next
//!   line that passes (or the instance's end) is preceded by one summary of what was dropped.
//! - Control characters (newlines, ANSI escapes) are escaped, so plugin text cannot forge or
//!   restyle lines of the host's own log; secrets are redacted.

use std::borrow::Cow;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

use crate::bindings::log;
use crate::connector::StderrTail;
use crate::host::HostState;
use crate::limits::Limits;
use crate::redact::Redactor;

/// The rate limit of one instance's log lines: a token bucket.
#[derive(Debug)]
pub(crate) struct LogGate {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
    dropped: u64,
}

impl LogGate {
    pub(crate) fn new(limits: &Limits) -> Self {
        let burst = f64::from(limits.log_burst.max(1));
        LogGate {
            rate: f64::from(limits.log_rate.max(1)),
            burst,
            tokens: burst,
            last: Instant::now(),
            dropped: 0,
        }
    }

    /// Whether one more line may be logged now. `Some(n)` lets it through, after a summary of
    /// the `n` lines dropped since the last one that passed (0: none).
    fn admit(&mut self, now: Instant) -> Option<u64> {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Some(std::mem::take(&mut self.dropped))
        } else {
            self.dropped += 1;
            None
        }
    }

    /// The lines dropped and not yet reported (reported now).
    fn take_dropped(&mut self) -> u64 {
        std::mem::take(&mut self.dropped)
    }
}

/// What every writer of one instance shares: the plugin's label, the limits, the redactor and
/// the rate limit.
#[derive(Clone)]
pub(crate) struct PluginLog {
    label: Arc<str>,
    max_message: usize,
    redactor: Arc<Redactor>,
    gate: Arc<Mutex<LogGate>>,
}

impl PluginLog {
    pub(crate) fn new(label: Arc<str>, limits: &Limits, redactor: Arc<Redactor>) -> Self {
        PluginLog {
            label,
            max_message: usize::try_from(limits.max_log_message_bytes).unwrap_or(usize::MAX),
            redactor,
            gate: Arc::new(Mutex::new(LogGate::new(limits))),
        }
    }

    /// Logs one line at `level` from `stream` (`log`, `stdout` or `stderr`), followed by the
    /// host's `note` if any, if the rate allows; returns the cleaned line when it was logged.
    fn write(
        &self,
        level: log::Level,
        stream: &'static str,
        text: &str,
        note: Option<&str>,
    ) -> Option<String> {
        let dropped = match self.gate.lock() {
            Ok(mut gate) => gate.admit(Instant::now())?,
            Err(_) => return None,
        };
        self.report_dropped(dropped);
        let mut line = clean(&self.redactor, text, self.max_message);
        if let Some(note) = note {
            line.push_str(note);
        }
        let plugin = &*self.label;
        match level {
            log::Level::Trace => tracing::trace!(plugin, stream, "{line}"),
            log::Level::Debug => tracing::debug!(plugin, stream, "{line}"),
            log::Level::Info => tracing::info!(plugin, stream, "{line}"),
            log::Level::Warn => tracing::warn!(plugin, stream, "{line}"),
            log::Level::Error => tracing::error!(plugin, stream, "{line}"),
        }
        Some(line)
    }

    fn report_dropped(&self, dropped: u64) {
        if dropped > 0 {
            tracing::warn!(
                plugin = %self.label,
                dropped,
                "plugin log throttled: {dropped} lines dropped (over log_rate/log_burst)"
            );
        }
    }

    /// Reports lines dropped since the last one that passed (at the end of an instance).
    pub(crate) fn flush_dropped(&self) {
        let dropped = self.gate.lock().map(|mut g| g.take_dropped()).unwrap_or(0);
        self.report_dropped(dropped);
    }
}

/// `text` redacted, cut at `max` bytes and with control characters escaped.
fn clean(redactor: &Redactor, text: &str, max: usize) -> String {
    let (head, cut) = if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        (&text[..end], text.len() - end)
    } else {
        (text, 0)
    };
    let redacted = redactor.redact(head);
    let mut line = escape_controls(&redacted).into_owned();
    if cut > 0 {
        line.push_str(&format!("… [{cut} bytes cut]"));
    }
    line
}

/// Escapes control characters (but tabs) as `\u{…}`.
fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\t') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() && c != '\t' {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

impl log::Host for HostState {
    fn log(&mut self, level: log::Level, message: String) {
        self.log.write(level, "log", &message, None);
    }
}

/// A plugin's stdout or stderr, written line by line into the host log.
pub(crate) struct LogOutput {
    log: PluginLog,
    stream: &'static str,
    tail: Option<StderrTail>,
}

impl LogOutput {
    pub(crate) fn new(log: &PluginLog, stream: &'static str, tail: Option<StderrTail>) -> Self {
        LogOutput {
            log: log.clone(),
            stream,
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
            log: self.log.clone(),
            stream: self.stream,
            tail: self.tail.clone(),
            pending: Vec::new(),
            skipping: false,
        })
    }
}

/// Splits written bytes into lines and logs each one. A line longer than the message limit
/// is logged cut, and the rest of it is skipped up to its newline.
struct LineWriter {
    log: PluginLog,
    stream: &'static str,
    tail: Option<StderrTail>,
    pending: Vec<u8>,
    /// Dropping the rest of a line that was already logged cut.
    skipping: bool,
}

impl LineWriter {
    fn emit(&self, line: &[u8], cut: bool) {
        let line = String::from_utf8_lossy(line);
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            return;
        }
        let note = cut.then_some("… [rest of the line cut]");
        let logged = self.log.write(log::Level::Info, self.stream, line, note);
        // The stderr tail explains a trap (a panic message): it keeps the last lines even when
        // the rate limit kept them out of the log.
        if let Some(tail) = &self.tail {
            let kept =
                logged.unwrap_or_else(|| clean(&self.log.redactor, line, self.log.max_message));
            tail.record(&kept);
        }
    }

    fn take(&mut self, buf: &[u8]) {
        let max = self.log.max_message;
        let mut rest = buf;
        while !rest.is_empty() {
            match rest.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    if !self.skipping {
                        self.pending.extend_from_slice(&rest[..end]);
                        let line = std::mem::take(&mut self.pending);
                        self.emit_bounded(&line);
                    }
                    self.pending.clear();
                    self.skipping = false;
                    rest = &rest[end + 1..];
                }
                None => {
                    if !self.skipping {
                        let room = (max + 1).saturating_sub(self.pending.len());
                        self.pending
                            .extend_from_slice(&rest[..rest.len().min(room)]);
                        if self.pending.len() > max {
                            let line = std::mem::take(&mut self.pending);
                            self.emit(&line[..max], true);
                            self.skipping = true;
                        }
                    }
                    rest = &[];
                }
            }
        }
    }

    fn emit_bounded(&self, line: &[u8]) {
        let max = self.log.max_message;
        if line.len() > max {
            self.emit(&line[..max], true);
        } else {
            self.emit(line, false);
        }
    }

    fn flush_all(&mut self) {
        if !self.skipping && !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            self.emit_bounded(&rest);
        }
    }
}

impl AsyncWrite for LineWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.take(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.flush_all();
        Poll::Ready(Ok(()))
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        self.flush_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_bucket_lets_a_burst_through_then_the_rate_and_counts_the_rest() {
        let limits = Limits {
            log_rate: 10,
            log_burst: 3,
            ..Limits::default()
        };
        let mut gate = LogGate::new(&limits);
        let start = gate.last;
        assert_eq!(gate.admit(start), Some(0));
        assert_eq!(gate.admit(start), Some(0));
        assert_eq!(gate.admit(start), Some(0));
        assert_eq!(gate.admit(start), None);
        assert_eq!(gate.admit(start), None);
        // A tenth of a second later one token is back: the line passes after a summary of 2.
        assert_eq!(gate.admit(start + Duration::from_millis(100)), Some(2));
        assert_eq!(gate.admit(start + Duration::from_millis(100)), None);
        assert_eq!(gate.take_dropped(), 1);
    }

    #[test]
    fn a_long_message_is_cut_at_the_limit_on_a_character_boundary() {
        let line = clean(&Redactor::default(), &"é".repeat(10), 5);
        assert_eq!(line, "éé… [16 bytes cut]");
        assert_eq!(clean(&Redactor::default(), "short", 5), "short");
    }

    #[test]
    fn control_characters_cannot_forge_host_log_lines() {
        let line = clean(
            &Redactor::default(),
            "ok\n2026-01-01T00:00:00Z ERROR ccsync: forged \u{1b}[31mred",
            1000,
        );
        assert!(!line.contains('\n') && !line.contains('\u{1b}'), "{line}");
        assert!(
            line.contains("\\u{a}") && line.contains("\\u{1b}"),
            "{line}"
        );
    }

    #[test]
    fn secrets_are_redacted_from_log_lines() {
        let redactor = Redactor::new(["top-secret-value".to_owned()]);
        assert_eq!(
            clean(&redactor, "token TOP-SECRET-VALUE", 1000),
            "token [redacted]"
        );
    }
}
