//! What every simulator does to traffic besides answering it: a bounded log of the requests it
//! answered, and a queue of faults to answer the next matching requests with instead. Each
//! simulator decides which paths a prefix selects and what its faults look like on the wire.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::locks::lock;

/// At most this many requests are kept in a log; older ones are dropped first.
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

/// The answered requests, oldest first, at most [`REQUEST_LOG_CAPACITY`].
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    records: Mutex<VecDeque<RequestRecord>>,
}

impl RequestLog {
    pub(crate) fn record(&self, record: RequestRecord) {
        let mut records = lock(&self.records);
        if records.len() == REQUEST_LOG_CAPACITY {
            records.pop_front();
        }
        records.push_back(record);
    }

    pub(crate) fn all(&self) -> Vec<RequestRecord> {
        lock(&self.records).iter().cloned().collect()
    }

    /// How many logged requests `select` picks.
    pub(crate) fn count(&self, select: impl Fn(&RequestRecord) -> bool) -> usize {
        lock(&self.records).iter().filter(|r| select(r)).count()
    }

    pub(crate) fn clear(&self) {
        lock(&self.records).clear();
    }
}

#[derive(Debug)]
struct FaultRule<F> {
    prefix: String,
    remaining: usize,
    fault: F,
}

/// Faults waiting for the requests they will answer, oldest rule first.
#[derive(Debug)]
pub(crate) struct FaultQueue<F> {
    rules: Mutex<Vec<FaultRule<F>>>,
}

impl<F> Default for FaultQueue<F> {
    fn default() -> Self {
        Self {
            rules: Mutex::new(Vec::new()),
        }
    }
}

impl<F: Copy> FaultQueue<F> {
    /// The next `count` requests that `prefix` selects get `fault`.
    pub(crate) fn push(&self, prefix: &str, count: usize, fault: F) {
        if count > 0 {
            lock(&self.rules).push(FaultRule {
                prefix: prefix.to_owned(),
                remaining: count,
                fault,
            });
        }
    }

    /// The fault this request must get, if any: the oldest rule whose prefix selects the path
    /// (`selects(path, prefix)`), used up by one.
    pub(crate) fn take(&self, path: &str, selects: impl Fn(&str, &str) -> bool) -> Option<F> {
        let mut rules = lock(&self.rules);
        let at = rules.iter().position(|rule| selects(path, &rule.prefix))?;
        let rule = &mut rules[at];
        let fault = rule.fault;
        rule.remaining -= 1;
        if rule.remaining == 0 {
            rules.remove(at);
        }
        Some(fault)
    }

    pub(crate) fn clear(&self) {
        lock(&self.rules).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_applies_to_exactly_the_next_n_matching_requests() {
        let faults = FaultQueue::default();
        faults.push("/a", 2, 503_u16);
        let starts = |path: &str, prefix: &str| path.starts_with(prefix);
        assert_eq!(faults.take("/b", starts), None);
        assert_eq!(faults.take("/a/x", starts), Some(503));
        assert_eq!(faults.take("/a", starts), Some(503));
        assert_eq!(faults.take("/a", starts), None);
    }

    #[test]
    fn rules_apply_oldest_first_and_clear_drops_them_all() {
        let faults = FaultQueue::default();
        faults.push("/a", 1, 1_u8);
        faults.push("/", 1, 2_u8);
        let starts = |path: &str, prefix: &str| path.starts_with(prefix);
        assert_eq!(faults.take("/a", starts), Some(1));
        assert_eq!(faults.take("/a", starts), Some(2));
        faults.push("/a", 5, 3_u8);
        faults.clear();
        assert_eq!(faults.take("/a", starts), None);
    }

    #[test]
    fn the_log_keeps_answered_requests_in_order_and_counts_what_is_selected() {
        let log = RequestLog::default();
        for (path, status) in [("/a", 200), ("/b", 429), ("/a", 200)] {
            log.record(RequestRecord {
                method: "GET".into(),
                path: path.into(),
                query: None,
                status,
            });
        }
        assert_eq!(log.all().len(), 3);
        assert_eq!(log.count(|r| r.path == "/a"), 2);
        assert_eq!(log.count(|r| r.status == 429), 1);
        log.clear();
        assert!(log.all().is_empty());
    }
}
