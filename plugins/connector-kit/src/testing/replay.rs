//! A host that answers from a recorded fixture, for running a connector natively against what
//! a platform once answered (recorded by `ccsync plugin test --record` or by
//! [`LiveHost::record`](super::LiveHost::record)).

use std::path::Path;

use crate::fixture::{FixtureError, Replay};
use crate::host::{Host, header};
use crate::wit::http::{HttpError, Request, Response};
use crate::wit::log::Level;

/// Answers each request with the fixture's next recorded response to the same method and URL
/// (see [`fixture`](crate::fixture)); a request the fixture has no answer for fails as a
/// connection error naming it, as the plugin test's replay does.
#[derive(Debug)]
pub struct FixtureHost {
    replay: Replay,
    /// Every log line written, in order.
    pub logs: Vec<String>,
}

impl FixtureHost {
    /// Replays the fixture in `dir`.
    pub fn open(dir: &Path) -> Result<Self, FixtureError> {
        Ok(Self {
            replay: Replay::open(dir)?,
            logs: Vec::new(),
        })
    }

    /// The endpoint the fixture was recorded against: the base URL to configure the
    /// connector with, so that its requests are the recorded ones.
    pub fn endpoint(&self) -> &str {
        self.replay.endpoint()
    }
}

impl Host for FixtureHost {
    fn send(&mut self, request: &Request) -> Result<Response, HttpError> {
        let recorded = self
            .replay
            .answer(&request.method, &request.url)
            .ok_or_else(|| {
                HttpError::Connection(format!(
                    "the fixture has no recorded response to {} {}",
                    request.method, request.url
                ))
            })?;
        Ok(Response {
            status: recorded.status,
            headers: recorded
                .headers
                .iter()
                .map(|(name, value)| header(name, value))
                .collect(),
            body: recorded.body,
        })
    }

    fn log(&mut self, _level: Level, message: &str) {
        self.logs.push(message.to_owned());
    }
}
