//! What the connector code needs from the host, and the component's side of it.
//!
//! Everything reaches the network through [`Host`]: a component implements it with the
//! contract's `http`/`log` imports ([`WitHost`]), the unit tests with a scripted fake, and a
//! benchmark with a real HTTP client, so the whole request flow is the same code everywhere.

use std::sync::{Mutex, PoisonError};

use crate::auth::Auth;
use crate::client::Client;
use crate::wit::http::{self, Header, HttpError, Request, Response};
use crate::wit::log::{self, Level};
use crate::wit::types::Error;

/// What the connector needs from the host.
pub trait Host {
    /// Sends one HTTP request.
    fn send(&mut self, request: &Request) -> Result<Response, HttpError>;
    /// Writes one log line (never a secret).
    fn log(&mut self, level: Level, message: &str);
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

/// The client of a component instance. Each instance serves one connection, so its client
/// lives in a static; the host calls `configure` first and then the other functions one at a
/// time.
#[derive(Debug)]
pub struct ClientSlot<A>(Mutex<Option<Client<A>>>);

impl<A: Auth> ClientSlot<A> {
    /// An empty slot, before `configure`.
    pub const fn new() -> Self {
        Self(Mutex::new(None))
    }

    /// Puts the client `configure` made in the slot (replacing any earlier one).
    pub fn set(&self, client: Client<A>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(client);
    }

    /// Runs `call` with the configured client and the component's host; `invalid-config` when
    /// `configure` was not called first.
    pub fn with<T>(
        &self,
        call: impl FnOnce(&mut Client<A>, &mut WitHost) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut guard = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let client = guard.as_mut().ok_or_else(|| {
            Error::InvalidConfig("configure was not called before this call".into())
        })?;
        call(client, &mut WitHost)
    }
}

impl<A: Auth> Default for ClientSlot<A> {
    fn default() -> Self {
        Self::new()
    }
}
