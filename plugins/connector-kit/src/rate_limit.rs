//! Reading the rate-limit headers platforms send, in the forms they vary in, so that a
//! connector can pace itself (answer `rate-limited(wait)` before the platform refuses) and
//! honour a 429's wait exactly.
//!
//! - `Retry-After` as delay-seconds (`120`) or as an HTTP date (`Wed, 21 Oct 2026 07:28:00
//!   GMT`), both of which RFC 9110 allows;
//! - the budget of the latest reply, from whichever family of headers it carries:
//!   `X-Rate-Limit-Limit` / `-Remaining` / `-Window` / `-Group` (RingCentral: the window in
//!   seconds, the group the route counts against), `RateLimit-Limit` / `-Remaining` / `-Reset`
//!   (the IETF draft: the reset as delay-seconds), `X-RateLimit-Limit` / `-Remaining` /
//!   `-Reset` (GitHub and many others: the reset as a Unix time, or delay-seconds where the
//!   value is too small to be one).
//!
//! What to do with a budget (when to hold requests back, per group or route) is the
//! connector's policy; this module only reads what the reply says.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::host::header_value;
use crate::wit::http::Header;

/// The longest wait a header may ask for: a bogus value must not park a connection for ever,
/// nor overflow a clock.
pub const LONGEST_WAIT: Duration = Duration::from_secs(3600);

/// A reset value below this is delay-seconds rather than a Unix time (which passed it in 2001).
const UNIX_TIME_FLOOR: u64 = 1_000_000_000;

/// The wait a `Retry-After` asks for at `now` (delay-seconds or an HTTP date), at most
/// [`LONGEST_WAIT`]; `None` when the header is absent or unreadable. A date in the past asks
/// for no wait.
pub fn retry_after(headers: &[Header], now: SystemTime) -> Option<Duration> {
    let value = header_value(headers, "Retry-After")?.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = httpdate::parse_http_date(value).ok()?;
            at.duration_since(now).unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(LONGEST_WAIT))
}

/// A wait as the milliseconds of the contract's `rate-limited`, rounded up (so that the host
/// never calls back early) and at least 1.
pub fn wait_ms(wait: Duration) -> u64 {
    u64::try_from(wait.as_nanos().div_ceil(1_000_000))
        .unwrap_or(u64::MAX)
        .max(1)
}

/// The rate-limit budget a reply announced.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Budget {
    /// The group the request counted against (`X-Rate-Limit-Group`), when the platform names
    /// one.
    pub group: Option<String>,
    /// Requests allowed per window.
    pub limit: Option<u64>,
    /// Requests left in the current window.
    pub remaining: Option<u64>,
    /// How long until the budget is whole again (from a reset), at most [`LONGEST_WAIT`].
    pub reset: Option<Duration>,
    /// The window's length (`X-Rate-Limit-Window`), at most [`LONGEST_WAIT`].
    pub window: Option<Duration>,
}

impl Budget {
    /// The budget in `headers` at `now`, from the first family of headers present; `None`
    /// when the reply carries none (it teaches nothing).
    pub fn from_headers(headers: &[Header], now: SystemTime) -> Option<Budget> {
        let number = |name: &str| header_value(headers, name).and_then(|v| v.trim().parse().ok());
        let seconds = |secs: u64| Duration::from_secs(secs).min(LONGEST_WAIT);
        for prefix in ["X-Rate-Limit-", "RateLimit-", "X-RateLimit-"] {
            let limit = number(&format!("{prefix}Limit"));
            let remaining = number(&format!("{prefix}Remaining"));
            let reset: Option<u64> = number(&format!("{prefix}Reset"));
            let window: Option<u64> = number(&format!("{prefix}Window"));
            let group = header_value(headers, &format!("{prefix}Group"))
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_string);
            if limit.is_none() && remaining.is_none() && group.is_none() {
                continue;
            }
            let reset = reset.map(|value| {
                if value < UNIX_TIME_FLOOR {
                    seconds(value)
                } else {
                    let at = UNIX_EPOCH + Duration::from_secs(value);
                    at.duration_since(now)
                        .unwrap_or(Duration::ZERO)
                        .min(LONGEST_WAIT)
                }
            });
            return Some(Budget {
                group,
                limit,
                remaining,
                reset,
                window: window.map(seconds),
            });
        }
        None
    }

    /// Whether the window's budget is spent (`Remaining: 0`).
    pub fn spent(&self) -> bool {
        self.remaining == Some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::header;

    fn headers(pairs: &[(&str, &str)]) -> Vec<Header> {
        pairs.iter().map(|(n, v)| header(n, v)).collect()
    }

    /// 2026-10-21 07:28:00 UTC.
    fn at_0728() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_792_567_680)
    }

    #[test]
    fn retry_after_reads_delay_seconds_and_http_dates_capped_at_an_hour() {
        let now = at_0728();
        let wait = |v: &str| retry_after(&headers(&[("retry-after", v)]), now);
        assert_eq!(wait("7"), Some(Duration::from_secs(7)));
        assert_eq!(wait(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(
            wait("Wed, 21 Oct 2026 07:29:30 GMT"),
            Some(Duration::from_secs(90))
        );
        assert_eq!(wait("Wed, 21 Oct 2026 07:00:00 GMT"), Some(Duration::ZERO));
        assert_eq!(wait("99999999"), Some(LONGEST_WAIT));
        assert_eq!(wait("soon"), None);
        assert_eq!(retry_after(&[], now), None);
    }

    #[test]
    fn waits_round_up_to_whole_milliseconds() {
        assert_eq!(wait_ms(Duration::from_micros(1500)), 2);
        assert_eq!(wait_ms(Duration::ZERO), 1);
        assert_eq!(wait_ms(Duration::from_secs(1)), 1000);
    }

    #[test]
    fn ringcentral_style_headers_give_group_remaining_and_window() {
        let budget = Budget::from_headers(
            &headers(&[
                ("X-Rate-Limit-Group", "Medium"),
                ("X-Rate-Limit-Limit", "40"),
                ("X-Rate-Limit-Remaining", "0"),
                ("X-Rate-Limit-Window", "60"),
            ]),
            at_0728(),
        )
        .unwrap();
        assert_eq!(budget.group.as_deref(), Some("Medium"));
        assert_eq!((budget.limit, budget.remaining), (Some(40), Some(0)));
        assert_eq!(budget.window, Some(Duration::from_secs(60)));
        assert!(budget.spent());
    }

    #[test]
    fn ietf_resets_are_delays_and_github_resets_unix_times() {
        let now = at_0728();
        let ietf = Budget::from_headers(
            &headers(&[
                ("RateLimit-Limit", "100"),
                ("RateLimit-Remaining", "3"),
                ("RateLimit-Reset", "30"),
            ]),
            now,
        )
        .unwrap();
        assert_eq!(ietf.reset, Some(Duration::from_secs(30)));
        assert!(!ietf.spent());
        let github = Budget::from_headers(
            &headers(&[
                ("x-ratelimit-limit", "5000"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1792567710"),
            ]),
            now,
        )
        .unwrap();
        assert_eq!(github.reset, Some(Duration::from_secs(30)));
        assert_eq!(github.group, None);
    }

    #[test]
    fn a_reply_without_rate_limit_headers_teaches_nothing() {
        let none = Budget::from_headers(&headers(&[("Content-Type", "x")]), at_0728());
        assert_eq!(none, None);
        let blank_group = Budget::from_headers(&headers(&[("X-Rate-Limit-Group", " ")]), at_0728());
        assert_eq!(blank_group, None);
    }
}
