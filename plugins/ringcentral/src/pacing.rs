//! Pacing: never send a request RingCentral would refuse.
//!
//! Every reply carries its rate-limit group's state (`X-Rate-Limit-Group`, `-Limit`,
//! `-Remaining`, `-Window`). The pacer keeps the latest per group; when a group's remaining
//! budget is spent, the next request of that group is not sent: the call answers
//! `rate-limited(wait)` instead, and the host calls again after the wait. A 429 (which starts a
//! penalty that every further request restarts) blocks its group for its `Retry-After`.
//!
//! Why a whole window: RingCentral's window slides, and a request leaves it one window after it
//! was admitted. Every request counted in a reply's `Remaining: 0` was admitted before that reply
//! arrived, so one window after the reply the group's budget is whole again, whatever the
//! window's exact start; waiting less could meet a request still inside it. A fresh instance
//! knows nothing and sends at once; the first reply teaches it.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use connector_kit::rate_limit::{self, LONGEST_WAIT};

use crate::wit::http::Header;

/// The window assumed when a reply names a group without `X-Rate-Limit-Window`.
const DEFAULT_WINDOW: Duration = Duration::from_secs(60);

/// The kinds of request the connector sends, each in a rate-limit group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /restapi/oauth/token`: Auth.
    Token,
    /// The extension list: Medium.
    List,
    /// One extension by id: Light.
    One,
}

impl Route {
    /// The group the platform's documentation puts the route in, until a reply says otherwise.
    fn documented_group(self) -> &'static str {
        match self {
            Route::Token => "Auth",
            Route::List => "Medium",
            Route::One => "Light",
        }
    }
}

#[derive(Debug, Clone)]
struct Budget {
    /// `X-Rate-Limit-Remaining` of the latest reply.
    remaining: Option<u64>,
    window: Duration,
    /// When a reply said the budget was spent (`Remaining: 0`).
    spent_at: Option<Instant>,
    /// No request before this instant (after a 429).
    blocked_until: Option<Instant>,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            remaining: None,
            window: DEFAULT_WINDOW,
            spent_at: None,
            blocked_until: None,
        }
    }
}

/// What the connector knows of each rate-limit group.
#[derive(Debug, Default)]
pub struct Pacer {
    groups: HashMap<String, Budget>,
    /// The group each route's replies named.
    route_groups: HashMap<Route, String>,
}

impl Pacer {
    fn group(&self, route: Route) -> &str {
        self.route_groups
            .get(&route)
            .map_or(route.documented_group(), String::as_str)
    }

    /// How long a request of `route` must wait at `now`; `None` when it may go.
    pub fn wait(&self, route: Route, now: Instant) -> Option<Duration> {
        let budget = self.groups.get(self.group(route))?;
        let blocked = budget.blocked_until.filter(|until| *until > now);
        let spent = match (budget.remaining, budget.spent_at) {
            (Some(0), Some(at)) => Some(at + budget.window).filter(|free| *free > now),
            _ => None,
        };
        blocked.max(spent).map(|until| until - now)
    }

    /// The longest wait of these routes: a call that needs several asks for one wait.
    pub fn wait_any(&self, routes: &[Route], now: Instant) -> Option<Duration> {
        routes.iter().filter_map(|r| self.wait(*r, now)).max()
    }

    /// Learns from a reply's rate-limit headers (any status); a reply that names no group
    /// teaches nothing.
    pub fn observe(&mut self, route: Route, headers: &[Header], now: Instant) {
        let Some(announced) = rate_limit::Budget::from_headers(headers, SystemTime::now()) else {
            return;
        };
        let Some(group) = announced.group else {
            return;
        };
        self.route_groups.insert(route, group.clone());
        let budget = self.groups.entry(group).or_default();
        budget.remaining = announced.remaining;
        if let Some(window) = announced.window {
            budget.window = window;
        }
        if announced.remaining == Some(0) {
            budget.spent_at = Some(now);
        }
    }

    /// After a 429: nothing of the route's group for `retry_after` (a request during the
    /// penalty would restart it).
    pub fn penalize(&mut self, route: Route, retry_after: Duration, now: Instant) {
        let group = self.group(route).to_string();
        let budget = self.groups.entry(group).or_default();
        let until = now + retry_after.min(LONGEST_WAIT);
        budget.blocked_until = Some(budget.blocked_until.map_or(until, |b| b.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(group: &str, remaining: u32, window: u64) -> Vec<Header> {
        [
            ("X-Rate-Limit-Group", group.to_string()),
            ("X-Rate-Limit-Limit", "40".to_string()),
            ("X-Rate-Limit-Remaining", remaining.to_string()),
            ("X-Rate-Limit-Window", window.to_string()),
        ]
        .into_iter()
        .map(|(name, value)| Header {
            name: name.into(),
            value,
        })
        .collect()
    }

    const SEC: Duration = Duration::from_secs(1);

    #[test]
    fn a_fresh_pacer_lets_everything_go() {
        let pacer = Pacer::default();
        assert_eq!(pacer.wait(Route::List, Instant::now()), None);
    }

    #[test]
    fn a_spent_budget_waits_one_whole_window_from_the_reply_that_spent_it() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        pacer.observe(Route::List, &headers("Medium", 1, 60), t0);
        assert_eq!(pacer.wait(Route::List, t0), None);
        pacer.observe(Route::List, &headers("Medium", 0, 60), t0 + 5 * SEC);
        assert_eq!(pacer.wait(Route::List, t0 + 5 * SEC), Some(60 * SEC));
        assert_eq!(pacer.wait(Route::List, t0 + 35 * SEC), Some(30 * SEC));
        assert_eq!(pacer.wait(Route::List, t0 + 65 * SEC), None);
        // Other groups are not held back.
        assert_eq!(pacer.wait(Route::One, t0 + 5 * SEC), None);
        assert_eq!(pacer.wait(Route::Token, t0 + 5 * SEC), None);
    }

    #[test]
    fn the_window_header_is_honoured_in_real_seconds() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        pacer.observe(Route::Token, &headers("Auth", 0, 1), t0);
        assert_eq!(pacer.wait(Route::Token, t0), Some(SEC));
    }

    #[test]
    fn a_429_blocks_its_group_for_retry_after() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        pacer.penalize(Route::One, 60 * SEC, t0);
        assert_eq!(pacer.wait(Route::One, t0 + 10 * SEC), Some(50 * SEC));
        assert_eq!(pacer.wait(Route::List, t0 + 10 * SEC), None);
    }

    #[test]
    fn absurd_windows_and_retry_afters_hold_a_group_back_an_hour_at_most() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        pacer.observe(Route::List, &headers("Medium", 0, u64::MAX), t0);
        pacer.penalize(Route::One, Duration::MAX, t0);
        assert_eq!(pacer.wait(Route::List, t0), Some(LONGEST_WAIT));
        assert_eq!(pacer.wait(Route::One, t0), Some(LONGEST_WAIT));
    }

    #[test]
    fn a_route_follows_the_group_its_replies_name() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        pacer.observe(Route::One, &headers("Medium", 0, 60), t0);
        assert_eq!(pacer.wait(Route::List, t0), Some(60 * SEC));
        assert_eq!(pacer.wait(Route::One, t0), Some(60 * SEC));
    }

    #[test]
    fn several_routes_ask_for_the_longest_wait() {
        let mut pacer = Pacer::default();
        let t0 = Instant::now();
        pacer.observe(Route::Token, &headers("Auth", 0, 60), t0);
        pacer.observe(Route::List, &headers("Medium", 0, 60), t0 + 10 * SEC);
        assert_eq!(
            pacer.wait_any(&[Route::Token, Route::List], t0 + 10 * SEC),
            Some(60 * SEC)
        );
    }
}
