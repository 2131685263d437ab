//! What a simulator does to traffic besides answering it: the request log, injected faults and
//! stalled requests. Every simulator has the same three; what a fault *is* (the answers it
//! stands for) and which paths a prefix selects are each simulator's own, so [`Traffic`] is
//! generic over the fault and takes the path matcher. Requests to the `/_sim/` control
//! endpoints are never logged, faulted or stalled.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::guard::lock;

/// At most this many requests are kept in the log; older ones are dropped first.
pub const REQUEST_LOG_CAPACITY: usize = 200_000;

/// One request a simulator answered.
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
    /// A POST, PUT, PATCH or DELETE.
    pub fn is_write(&self) -> bool {
        matches!(self.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
    }
}

/// Whether a prefix selects a path (each simulator knows its own API roots).
pub type PathMatcher = fn(path: &str, prefix: &str) -> bool;

#[derive(Debug)]
struct FaultRule<F> {
    /// `None`: any method.
    method: Option<String>,
    prefix: String,
    remaining: usize,
    fault: F,
}

#[derive(Debug)]
struct StallRule {
    prefix: String,
    key: u64,
}

#[derive(Debug)]
struct State<F> {
    log: VecDeque<RequestRecord>,
    faults: Vec<FaultRule<F>>,
    stalls: Vec<StallRule>,
    /// Flipped to `true` by a release; shared by every stall set since the last release.
    release: Option<watch::Sender<bool>>,
}

/// The log, the pending faults and the stalls of one simulator.
#[derive(Debug)]
pub struct Traffic<F> {
    state: Mutex<State<F>>,
    stalled: watch::Sender<usize>,
    matches: PathMatcher,
}

/// Held while a request waits in a stall; the count drops when the wait ends or the client
/// goes away.
struct StallGuard<'a> {
    stalled: &'a watch::Sender<usize>,
}

impl Drop for StallGuard<'_> {
    fn drop(&mut self) {
        self.stalled.send_modify(|n| *n -= 1);
    }
}

impl<F: Copy> Traffic<F> {
    /// Empty traffic whose prefixes select paths as `matches` says.
    pub fn new(matches: PathMatcher) -> Self {
        Self {
            state: Mutex::new(State {
                log: VecDeque::new(),
                faults: Vec::new(),
                stalls: Vec::new(),
                release: None,
            }),
            stalled: watch::Sender::new(0),
            matches,
        }
    }

    /// Whether `prefix` selects `path`.
    pub fn selects(&self, path: &str, prefix: &str) -> bool {
        (self.matches)(path, prefix)
    }

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

    /// Logged requests that `keep` selects.
    pub fn count_where(&self, keep: impl Fn(&RequestRecord) -> bool) -> usize {
        lock(&self.state).log.iter().filter(|r| keep(r)).count()
    }

    /// Logged requests whose path `prefix` selects.
    pub fn count(&self, prefix: &str) -> usize {
        self.count_where(|r| self.selects(&r.path, prefix))
    }

    pub fn reset_log(&self) {
        lock(&self.state).log.clear();
    }

    /// The next `count` requests (of `method`, when given) whose path `prefix` selects get
    /// `fault`.
    pub fn fail_next(&self, method: Option<&str>, prefix: &str, count: usize, fault: F) {
        if count > 0 {
            lock(&self.state).faults.push(FaultRule {
                method: method.map(str::to_ascii_uppercase),
                prefix: prefix.to_owned(),
                remaining: count,
                fault,
            });
        }
    }

    /// The fault this request must get, if any: the oldest rule that selects it.
    pub fn take_fault(&self, method: &str, path: &str) -> Option<F> {
        let mut state = lock(&self.state);
        let at = state.faults.iter().position(|rule| {
            rule.method.as_deref().is_none_or(|m| m == method) && self.selects(path, &rule.prefix)
        })?;
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

    /// Requests that `prefix` selects with this `key` (a simulator's choice: the ACD's `skip`)
    /// wait until [`Traffic::release_stalls`].
    pub fn stall(&self, prefix: &str, key: u64) {
        let mut state = lock(&self.state);
        state.stalls.push(StallRule {
            prefix: prefix.to_owned(),
            key,
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
    pub async fn wait_if_stalled(&self, path: &str, key: u64) {
        let mut release = {
            let state = lock(&self.state);
            let stalled = state
                .stalls
                .iter()
                .any(|rule| rule.key == key && self.selects(path, &rule.prefix));
            match (&state.release, stalled) {
                (Some(release), true) => release.subscribe(),
                _ => return,
            }
        };
        self.stalled.send_modify(|n| *n += 1);
        let _guard = StallGuard {
            stalled: &self.stalled,
        };
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

    fn plain(path: &str, prefix: &str) -> bool {
        path.starts_with(prefix)
    }

    #[test]
    fn a_fault_applies_to_exactly_the_next_n_matching_requests() {
        let traffic = Traffic::new(plain);
        traffic.fail_next(None, "/agents", 2, 503_u16);
        assert_eq!(traffic.take_fault("GET", "/teams"), None);
        assert_eq!(traffic.take_fault("GET", "/agents"), Some(503));
        assert_eq!(traffic.take_fault("PUT", "/agents/1"), Some(503));
        assert_eq!(traffic.take_fault("GET", "/agents"), None);
    }

    #[test]
    fn a_fault_for_one_method_leaves_the_others_alone() {
        let traffic = Traffic::new(plain);
        traffic.fail_next(Some("post"), "/users", 1, 500_u16);
        assert_eq!(traffic.take_fault("GET", "/users"), None);
        assert_eq!(traffic.take_fault("POST", "/users"), Some(500));
        assert_eq!(traffic.take_fault("POST", "/users"), None);
    }

    #[test]
    fn rules_apply_oldest_first_and_clearing_drops_them_all() {
        let traffic = Traffic::new(plain);
        traffic.fail_next(None, "/a", 1, 1_u8);
        traffic.fail_next(None, "/", 1, 2_u8);
        assert_eq!(traffic.take_fault("GET", "/a"), Some(1));
        assert_eq!(traffic.take_fault("GET", "/a"), Some(2));
        traffic.fail_next(None, "/a", 5, 3_u8);
        traffic.clear_faults();
        assert_eq!(traffic.take_fault("GET", "/a"), None);
    }

    #[test]
    fn writes_are_requests_with_a_write_method() {
        let record = |method: &str| RequestRecord {
            method: method.into(),
            path: "/x".into(),
            query: None,
            status: 200,
        };
        assert!(record("PATCH").is_write() && record("DELETE").is_write());
        assert!(!record("GET").is_write());
    }

    #[test]
    fn the_log_keeps_what_was_answered_and_counts_by_prefix() {
        let traffic: Traffic<u16> = Traffic::new(plain);
        for path in ["/a/1", "/a/2", "/b"] {
            traffic.record(RequestRecord {
                method: "GET".into(),
                path: path.into(),
                query: None,
                status: 200,
            });
        }
        assert_eq!(traffic.count("/a"), 2);
        assert_eq!(traffic.count_where(|r| r.path == "/b"), 1);
        traffic.reset_log();
        assert!(traffic.log().is_empty());
    }

    #[tokio::test]
    async fn a_stalled_request_waits_until_release_and_is_counted_meanwhile() {
        let traffic: std::sync::Arc<Traffic<u16>> = std::sync::Arc::new(Traffic::new(plain));
        traffic.stall("/agents", 100);
        // Another key is not held.
        traffic.wait_if_stalled("/agents", 0).await;
        let held = {
            let traffic = traffic.clone();
            tokio::spawn(async move { traffic.wait_if_stalled("/agents", 100).await })
        };
        traffic.wait_until_stalled(1).await;
        assert_eq!(traffic.stalled(), 1);
        traffic.release_stalls();
        held.await.unwrap();
        assert_eq!(traffic.stalled(), 0);
    }
}
