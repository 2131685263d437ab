//! What the simulator does to traffic besides answering it: the request log, injected faults
//! and stalled requests. Requests to the `/_sim/` control endpoints are never logged, faulted or
//! stalled.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::{API_ROOT, lock};

/// At most this many requests are kept in the log; older ones are dropped first.
pub const REQUEST_LOG_CAPACITY: usize = 200_000;

/// A failure the simulator answers with instead of the real response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Fault {
    /// HTTP 429 with `Retry-After: <retry_after_secs>`.
    #[serde(rename_all = "camelCase")]
    RateLimited {
        /// The seconds announced in `Retry-After`.
        retry_after_secs: u64,
    },
    /// An error status (400..=599, normally 5xx) with the CXone error body and
    /// `icStatusDescription` header.
    Status(u16),
}

/// One request the simulator answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// The HTTP method (`GET`, `POST`, …).
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string, without the `?`; `None` when the URL had none.
    pub query: Option<String>,
    /// The status code answered, an injected fault's included.
    pub status: u16,
}

impl RequestRecord {
    /// A POST, PUT, PATCH or DELETE to the Admin API (the token endpoint is not a write).
    pub fn is_api_write(&self) -> bool {
        matches!(self.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
            && self.path.starts_with(API_ROOT)
    }
}

/// Whether `prefix` selects `path`. A prefix is matched against the full path
/// (`/auth/token`, `/inContactAPI/services/v27.0/agents`) and against the path below the
/// versioned API base (`/agents`), so tests need not spell out the API version.
pub fn path_matches(path: &str, prefix: &str) -> bool {
    path.starts_with(prefix) || api_relative(path).is_some_and(|rest| rest.starts_with(prefix))
}

/// The part of an Admin API path after `/inContactAPI/services/<version>`.
pub fn api_relative(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(API_ROOT)?.strip_prefix('/')?;
    let slash = rest.find('/')?;
    Some(&rest[slash..])
}

#[derive(Debug)]
struct FaultRule {
    prefix: String,
    remaining: usize,
    fault: Fault,
}

#[derive(Debug)]
struct StallRule {
    prefix: String,
    skip: u64,
}

#[derive(Debug, Default)]
struct State {
    log: VecDeque<RequestRecord>,
    faults: Vec<FaultRule>,
    stalls: Vec<StallRule>,
    /// Flipped to `true` by a release; shared by every stall set since the last release.
    release: Option<watch::Sender<bool>>,
}

#[derive(Debug)]
pub struct Traffic {
    state: Mutex<State>,
    stalled: watch::Sender<usize>,
}

/// Held while a request waits in a stall; the count drops when the wait ends or the client
/// goes away.
pub struct StallGuard<'a> {
    traffic: &'a Traffic,
}

impl Drop for StallGuard<'_> {
    fn drop(&mut self) {
        self.traffic.stalled.send_modify(|n| *n -= 1);
    }
}

impl Default for Traffic {
    fn default() -> Self {
        Self {
            state: Mutex::new(State::default()),
            stalled: watch::Sender::new(0),
        }
    }
}

impl Traffic {
    pub fn record(&self, record: RequestRecord) {
        let mut state = lock(&self.state);
        if state.log.len() == REQUEST_LOG_CAPACITY {
            state.log.pop_front();
        }
        state.log.push_back(record);
    }

    pub fn log(&self) -> Vec<RequestRecord> {
        lock(&self.state).log.iter().cloned().collect()
    }

    pub fn count(&self, prefix: &str) -> usize {
        lock(&self.state)
            .log
            .iter()
            .filter(|r| path_matches(&r.path, prefix))
            .count()
    }

    pub fn api_writes(&self) -> usize {
        lock(&self.state)
            .log
            .iter()
            .filter(|r| r.is_api_write())
            .count()
    }

    pub fn reset_log(&self) {
        lock(&self.state).log.clear();
    }

    pub fn fail_next(&self, prefix: &str, count: usize, fault: Fault) {
        if count > 0 {
            lock(&self.state).faults.push(FaultRule {
                prefix: prefix.to_owned(),
                remaining: count,
                fault,
            });
        }
    }

    /// The fault this request must get, if any: the oldest rule that selects the path.
    pub fn take_fault(&self, path: &str) -> Option<Fault> {
        let mut state = lock(&self.state);
        let at = state
            .faults
            .iter()
            .position(|rule| path_matches(path, &rule.prefix))?;
        let rule = &mut state.faults[at];
        let fault = rule.fault;
        rule.remaining -= 1;
        if rule.remaining == 0 {
            state.faults.remove(at);
        }
        Some(fault)
    }

    pub fn clear_faults(&self) {
        lock(&self.state).faults.clear();
    }

    pub fn stall(&self, prefix: &str, skip: u64) {
        let mut state = lock(&self.state);
        state.stalls.push(StallRule {
            prefix: prefix.to_owned(),
            skip,
        });
        if state.release.is_none() {
            state.release = Some(watch::Sender::new(false));
        }
    }

    /// Lets every stalled request go on and removes every stall.
    pub fn release_stalls(&self) {
        let mut state = lock(&self.state);
        state.stalls.clear();
        if let Some(release) = state.release.take() {
            release.send_replace(true);
        }
    }

    /// Waits while a stall selects this request; returns at once otherwise.
    pub async fn wait_if_stalled(&self, path: &str, skip: u64) {
        let mut release = {
            let state = lock(&self.state);
            let stalled = state
                .stalls
                .iter()
                .any(|rule| rule.skip == skip && path_matches(path, &rule.prefix));
            match (&state.release, stalled) {
                (Some(release), true) => release.subscribe(),
                _ => return,
            }
        };
        self.stalled.send_modify(|n| *n += 1);
        let _guard = StallGuard { traffic: self };
        // An error means the sender is gone, which only happens on release.
        let _ = release.wait_for(|released| *released).await;
    }

    /// Requests currently held by a stall.
    pub fn stalled(&self) -> usize {
        *self.stalled.borrow()
    }

    /// Waits until at least `n` requests are held by a stall.
    pub async fn wait_until_stalled(&self, n: usize) {
        let mut rx = self.stalled.subscribe();
        // The sender lives as long as `self`, so this cannot fail while we borrow it.
        let _ = rx.wait_for(|held| *held >= n).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_full_paths_and_paths_below_the_api_version() {
        let agents = "/inContactAPI/services/v27.0/agents";
        assert!(path_matches(agents, "/agents"));
        assert!(path_matches(agents, "/inContactAPI/services/v27.0/agents"));
        assert!(path_matches(agents, "/inContactAPI"));
        assert!(!path_matches(agents, "/teams"));
        assert!(path_matches("/auth/token", "/auth"));
        assert!(!path_matches("/auth/token", "/agents"));
    }

    #[test]
    fn a_fault_applies_to_exactly_the_next_n_matching_requests() {
        let traffic = Traffic::default();
        traffic.fail_next("/agents", 2, Fault::Status(503));
        let agents = "/inContactAPI/services/v27.0/agents";
        assert_eq!(
            traffic.take_fault("/inContactAPI/services/v27.0/teams"),
            None
        );
        assert_eq!(traffic.take_fault(agents), Some(Fault::Status(503)));
        assert_eq!(traffic.take_fault(agents), Some(Fault::Status(503)));
        assert_eq!(traffic.take_fault(agents), None);
    }

    #[test]
    fn writes_are_api_requests_with_a_write_method_but_not_token_requests() {
        let record = |method: &str, path: &str| RequestRecord {
            method: method.into(),
            path: path.into(),
            query: None,
            status: 200,
        };
        assert!(record("PUT", "/inContactAPI/services/v27.0/agents").is_api_write());
        assert!(!record("GET", "/inContactAPI/services/v27.0/agents").is_api_write());
        assert!(!record("POST", "/auth/token").is_api_write());
    }

    #[tokio::test]
    async fn a_stalled_request_waits_until_release_and_is_counted_meanwhile() {
        let traffic = std::sync::Arc::new(Traffic::default());
        traffic.stall("/agents", 100);
        let path = "/inContactAPI/services/v27.0/agents";
        // Another page is not held.
        traffic.wait_if_stalled(path, 0).await;
        let held = {
            let traffic = traffic.clone();
            tokio::spawn(async move { traffic.wait_if_stalled(path, 100).await })
        };
        traffic.wait_until_stalled(1).await;
        assert_eq!(traffic.stalled(), 1);
        traffic.release_stalls();
        held.await.unwrap();
        assert_eq!(traffic.stalled(), 0);
    }
}
