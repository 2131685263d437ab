//! RingCentral's rate limits: each request belongs to a group (Light, Medium, Heavy, Auth) with
//! a budget of requests per minute; a request over the budget gets 429 and starts a penalty
//! for its group, and a request that arrives during a penalty gets 429 and restarts it.
//!
//! The window is **sliding**: a request is admitted when fewer than `limit` requests of its
//! group were admitted in the last minute. The penalty lasts a minute. Both are simulated
//! minutes, so they last `60 / time_scale` real seconds; the limiter works in real time with
//! that window.
//!
//! The counters (requests per group, 429s, penalties, tokens issued, simulated minutes since
//! the last reset) live here too: they are what tests compare a client's pace with.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::config::{RateLimits, TimeScale};
use crate::guard::lock;

/// The rate-limit group of a request, as `X-Rate-Limit-Group` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RateGroup {
    /// Cheap reads: one extension by id.
    Light,
    /// List reads: the extension list.
    Medium,
    /// Expensive operations; no simulated endpoint is in this group.
    Heavy,
    /// The token endpoint.
    Auth,
}

impl RateGroup {
    /// Every group.
    pub const ALL: [Self; 4] = [Self::Light, Self::Medium, Self::Heavy, Self::Auth];

    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "Light",
            Self::Medium => "Medium",
            Self::Heavy => "Heavy",
            Self::Auth => "Auth",
        }
    }

    fn index(self) -> usize {
        match self {
            Self::Light => 0,
            Self::Medium => 1,
            Self::Heavy => 2,
            Self::Auth => 3,
        }
    }
}

impl RateLimits {
    /// The budget of a group per simulated minute.
    pub fn of(&self, group: RateGroup) -> u32 {
        match group {
            RateGroup::Light => self.light,
            RateGroup::Medium => self.medium,
            RateGroup::Heavy => self.heavy,
            RateGroup::Auth => self.auth,
        }
    }
}

/// The limiter's verdict on one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Served; `remaining` more requests of the group fit in the window now.
    Admitted { remaining: u32 },
    /// 429: over the budget (`penalty_started`) or during a penalty (which restarts).
    Limited { penalty_started: bool },
}

#[derive(Debug, Default)]
struct GroupState {
    /// When each request admitted in the current window was admitted, oldest first.
    admitted: VecDeque<Instant>,
    penalty_until: Option<Instant>,
}

#[derive(Debug)]
pub(crate) struct Limiter {
    limits: RateLimits,
    /// A simulated minute in real time: the window and the penalty.
    window: Duration,
    groups: [GroupState; 4],
}

impl Limiter {
    pub(crate) fn new(limits: RateLimits, scale: TimeScale) -> Self {
        Self {
            limits,
            window: scale.real(60),
            groups: Default::default(),
        }
    }

    /// The window (and penalty) in whole real seconds, as the headers carry it.
    pub(crate) fn window_secs(&self) -> u64 {
        self.window.as_secs()
    }

    pub(crate) fn limit(&self, group: RateGroup) -> u32 {
        self.limits.of(group)
    }

    pub(crate) fn admit(&mut self, group: RateGroup, now: Instant) -> Admission {
        let limit = self.limits.of(group);
        let window = self.window;
        let state = &mut self.groups[group.index()];
        if state.penalty_until.is_some_and(|until| until > now) {
            state.penalty_until = Some(now + window);
            return Admission::Limited {
                penalty_started: false,
            };
        }
        state.penalty_until = None;
        while state
            .admitted
            .front()
            .is_some_and(|admitted| *admitted + window <= now)
        {
            state.admitted.pop_front();
        }
        let used = u32::try_from(state.admitted.len()).unwrap_or(u32::MAX);
        if used >= limit {
            state.penalty_until = Some(now + window);
            return Admission::Limited {
                penalty_started: true,
            };
        }
        state.admitted.push_back(now);
        Admission::Admitted {
            remaining: limit - used - 1,
        }
    }

    /// Forgets every window and penalty: each group has its whole budget again.
    pub(crate) fn clear(&mut self) {
        self.groups = Default::default();
    }
}

/// What the simulator counted since it started or since [`crate::RingCentralSim::reset_counters`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    /// Requests in the Light group (answered or limited).
    pub light: u64,
    /// Requests in the Medium group.
    pub medium: u64,
    /// Requests in the Heavy group.
    pub heavy: u64,
    /// Requests to the token endpoint.
    pub auth: u64,
    /// 429s the rate limiter answered (injected ones are not counted here).
    pub rate_limited: u64,
    /// Penalties started (a request during a penalty restarts it without counting here).
    pub penalties_started: u64,
    /// Token pairs issued (JWT and refresh grants).
    pub tokens_issued: u64,
    /// Simulated minutes since the counters were last reset.
    pub simulated_minutes: f64,
}

impl Counters {
    /// Requests in a group.
    pub fn requests(&self, group: RateGroup) -> u64 {
        match group {
            RateGroup::Light => self.light,
            RateGroup::Medium => self.medium,
            RateGroup::Heavy => self.heavy,
            RateGroup::Auth => self.auth,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Stats {
    scale: TimeScale,
    requests: [AtomicU64; 4],
    rate_limited: AtomicU64,
    penalties: AtomicU64,
    tokens: AtomicU64,
    since: Mutex<Instant>,
}

impl Stats {
    pub(crate) fn new(scale: TimeScale) -> Self {
        Self {
            scale,
            requests: Default::default(),
            rate_limited: AtomicU64::new(0),
            penalties: AtomicU64::new(0),
            tokens: AtomicU64::new(0),
            since: Mutex::new(Instant::now()),
        }
    }

    pub(crate) fn count(&self, group: RateGroup, admission: Admission) {
        self.requests[group.index()].fetch_add(1, Ordering::Relaxed);
        if let Admission::Limited { penalty_started } = admission {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
            if penalty_started {
                self.penalties.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub(crate) fn count_token(&self) {
        self.tokens.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn simulated_minutes(&self) -> f64 {
        let real = lock(&self.since).elapsed();
        self.scale.simulated(real).as_secs_f64() / 60.0
    }

    pub(crate) fn snapshot(&self) -> Counters {
        let requests = |group: RateGroup| self.requests[group.index()].load(Ordering::Relaxed);
        Counters {
            light: requests(RateGroup::Light),
            medium: requests(RateGroup::Medium),
            heavy: requests(RateGroup::Heavy),
            auth: requests(RateGroup::Auth),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            penalties_started: self.penalties.load(Ordering::Relaxed),
            tokens_issued: self.tokens.load(Ordering::Relaxed),
            simulated_minutes: self.simulated_minutes(),
        }
    }

    pub(crate) fn reset(&self) {
        for counter in
            self.requests
                .iter()
                .chain([&self.rate_limited, &self.penalties, &self.tokens])
        {
            counter.store(0, Ordering::Relaxed);
        }
        *lock(&self.since) = Instant::now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(auth: u32) -> Limiter {
        let limits = RateLimits {
            auth,
            ..RateLimits::default()
        };
        Limiter::new(limits, TimeScale::new(1).unwrap())
    }

    const SEC: Duration = Duration::from_secs(1);

    #[test]
    fn the_budget_counts_down_then_a_request_over_it_starts_a_penalty() {
        let mut limiter = limiter(3);
        let t0 = Instant::now();
        let remaining: Vec<Admission> = (0..3)
            .map(|i| limiter.admit(RateGroup::Auth, t0 + i * SEC))
            .collect();
        assert_eq!(
            remaining,
            [2, 1, 0].map(|remaining| Admission::Admitted { remaining })
        );
        assert_eq!(
            limiter.admit(RateGroup::Auth, t0 + 3 * SEC),
            Admission::Limited {
                penalty_started: true
            }
        );
        // Other groups are not affected.
        assert!(matches!(
            limiter.admit(RateGroup::Light, t0 + 3 * SEC),
            Admission::Admitted { remaining: 49 }
        ));
    }

    #[test]
    fn a_request_during_the_penalty_restarts_it() {
        let mut limiter = limiter(1);
        let t0 = Instant::now();
        limiter.admit(RateGroup::Auth, t0);
        limiter.admit(RateGroup::Auth, t0 + SEC); // penalty until t0 + 61 s
        assert_eq!(
            limiter.admit(RateGroup::Auth, t0 + 60 * SEC),
            Admission::Limited {
                penalty_started: false
            }
        ); // now until t0 + 120 s
        assert!(matches!(
            limiter.admit(RateGroup::Auth, t0 + 119 * SEC),
            Admission::Limited { .. }
        )); // now until t0 + 179 s
        assert!(matches!(
            limiter.admit(RateGroup::Auth, t0 + 179 * SEC),
            Admission::Admitted { remaining: 0 }
        ));
    }

    #[test]
    fn the_window_slides_a_request_leaves_it_a_minute_after_it_was_admitted() {
        let mut limiter = limiter(2);
        let t0 = Instant::now();
        limiter.admit(RateGroup::Auth, t0);
        limiter.admit(RateGroup::Auth, t0 + 30 * SEC);
        // At 60 s the first request has left the window; the second has not.
        assert_eq!(
            limiter.admit(RateGroup::Auth, t0 + 60 * SEC),
            Admission::Admitted { remaining: 0 }
        );
    }

    #[test]
    fn the_window_is_a_simulated_minute_in_real_time() {
        let scaled = Limiter::new(RateLimits::default(), TimeScale::new(60).unwrap());
        assert_eq!(scaled.window_secs(), 1);
        assert_eq!(limiter(5).window_secs(), 60);
    }

    #[test]
    fn counters_reset_to_zero() {
        let stats = Stats::new(TimeScale::new(60).unwrap());
        stats.count(
            RateGroup::Medium,
            Admission::Limited {
                penalty_started: true,
            },
        );
        stats.count_token();
        let counters = stats.snapshot();
        assert_eq!(counters.requests(RateGroup::Medium), 1);
        assert_eq!(
            (
                counters.rate_limited,
                counters.penalties_started,
                counters.tokens_issued
            ),
            (1, 1, 1)
        );
        stats.reset();
        let counters = stats.snapshot();
        assert_eq!(
            counters.medium + counters.rate_limited + counters.tokens_issued,
            0
        );
    }
}
