//! What the ACD simulator does to traffic besides answering it: the request log, injected
//! faults (both [shared](crate::traffic) with the other simulators) and stalled requests.
//! Requests to the `/_sim/` control endpoints are never logged, faulted or stalled.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::{API_ROOT, lock};
use crate::traffic::{FaultQueue, RequestLog, RequestRecord};

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

/// A POST, PUT, PATCH or DELETE to the Admin API (the token endpoint is not a write).
fn is_api_write(record: &RequestRecord) -> bool {
    matches!(record.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
        && record.path.starts_with(API_ROOT)
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
struct StallRule {
    prefix: String,
    skip: u64,
}

#[derive(Debug, Default)]
struct Stalls {
    rules: Vec<StallRule>,
    /// Flipped to `true` by a release; shared by every stall set since the last release.
    release: Option<watch::Sender<bool>>,
}

#[derive(Debug)]
pub struct Traffic {
    log: RequestLog,
    faults: FaultQueue<Fault>,
    stalls: Mutex<Stalls>,
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
            log: RequestLog::default(),
            faults: FaultQueue::default(),
            stalls: Mutex::new(Stalls::default()),
            stalled: watch::Sender::new(0),
        }
    }
}

impl Traffic {
    pub fn record(&self, record: RequestRecord) {
        self.log.record(record);
    }

    pub fn log(&self) -> Vec<RequestRecord> {
        self.log.all()
    }

    pub fn count(&self, prefix: &str) -> usize {
        self.log.count(|r| path_matches(&r.path, prefix))
    }

    pub fn api_writes(&self) -> usize {
        self.log.count(is_api_write)
    }

    pub fn reset_log(&self) {
        self.log.clear();
    }

    pub fn fail_next(&self, prefix: &str, count: usize, fault: Fault) {
        self.faults.push(prefix, count, fault);
    }

    /// The fault this request must get, if any: the oldest rule that selects the path.
    pub fn take_fault(&self, path: &str) -> Option<Fault> {
        self.faults.take(path, path_matches)
    }

    pub fn clear_faults(&self) {
        self.faults.clear();
    }

    pub fn stall(&self, prefix: &str, skip: u64) {
        let mut stalls = lock(&self.stalls);
        stalls.rules.push(StallRule {
            prefix: prefix.to_owned(),
            skip,
        });
        if stalls.release.is_none() {
            stalls.release = Some(watch::Sender::new(false));
        }
    }

    /// Lets every stalled request go on and removes every stall.
    pub fn release_stalls(&self) {
        let mut stalls = lock(&self.stalls);
        stalls.rules.clear();
        if let Some(release) = stalls.release.take() {
            release.send_replace(true);
        }
    }

    /// Waits while a stall selects this request; returns at once otherwise.
    pub async fn wait_if_stalled(&self, path: &str, skip: u64) {
        let mut release = {
            let stalls = lock(&self.stalls);
            let stalled = stalls
                .rules
                .iter()
                .any(|rule| rule.skip == skip && path_matches(path, &rule.prefix));
            match (&stalls.release, stalled) {
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
        assert!(is_api_write(&record(
            "PUT",
            "/inContactAPI/services/v27.0/agents"
        )));
        assert!(!is_api_write(&record(
            "GET",
            "/inContactAPI/services/v27.0/agents"
        )));
        assert!(!is_api_write(&record("POST", "/auth/token")));
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
