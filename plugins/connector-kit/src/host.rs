//! What connector code needs from the host, and the component's side of it.
//!
//! Everything reaches the network through [`Host`]: a component implements it with the
//! contract's `http`/`log` imports ([`WitHost`]), the unit tests with a scripted fake, and the
//! native tests and benchmarks with a real HTTP client, so a connector's whole request flow is
//! the same code everywhere.

use std::time::Instant;

use crate::wit::http::{self, Header, HttpError, Request, Response};
use crate::wit::log::{self, Level};

/// What a connector needs from the host.
pub trait Host {
    /// Sends one HTTP request.
    fn send(&mut self, request: &Request) -> Result<Response, HttpError>;
    /// Writes one log line (never a secret).
    fn log(&mut self, level: Level, message: &str);
    /// A monotonic clock reading, for token lifetimes and rate-limit windows. In a component
    /// it is WASI's monotonic clock, which the host links; a test may move its own by hand.
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// The host of a component: the contract's `http` and `log` imports. Natively those imports
/// are stubs, so it is used in components only.
#[derive(Debug, Clone, Copy, Default)]
pub struct WitHost;

impl Host for WitHost {
    fn send(&mut self, request: &Request) -> Result<Response, HttpError> {
        http::send(request)
    }

    fn log(&mut self, level: Level, message: &str) {
        log::log(level, message);
    }
}

/// One request header.
pub fn header(name: &str, value: &str) -> Header {
    Header {
        name: name.into(),
        value: value.into(),
    }
}

/// The value of the first header called `name` (case-insensitive).
pub fn header_value<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}
