//! Retrying calls that failed for a passing reason: exponential backoff with jitter, and the
//! platform's own Retry-After when it gave one.

use std::time::Duration;

use ccsync_model::{ConnectorError, Kind, Page};
use ccsync_runtime::{CallError, Connector};

/// The longest a Retry-After is waited out before the call is tried again.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(15 * 60);

/// How often and how patiently a call is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The delay before the first retry; doubled for each further one.
    pub base_delay: Duration,
    /// The longest delay between two attempts (a Retry-After above it is still honoured).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retry` (0 for the first retry) after `error`, or `None`
    /// when the error is not worth retrying or the attempts are spent.
    pub fn delay(&self, retry: u32, error: &CallError) -> Option<Duration> {
        if retry + 1 >= self.attempts || !error.class().is_retryable() {
            return None;
        }
        if let Some(ConnectorError::RateLimited { retry_after_ms }) = error.connector_error() {
            // A plugin's wait is honoured up to a bound: an untrusted component must not park
            // a run (and its flow's lock) for ever.
            return Some(Duration::from_millis(*retry_after_ms).min(MAX_RETRY_AFTER));
        }
        let backoff = self
            .base_delay
            .saturating_mul(1 << retry.min(16))
            .min(self.max_delay);
        // ±25% jitter, so flows that failed together do not retry together.
        Some(backoff.mul_f64(0.75 + fastrand::f64() * 0.5))
    }
}

/// After a failed call: whether `policy` allows another attempt, having waited for it (the
/// platform's Retry-After, or backoff). Counts the retry in `retry`. Reads and writes are
/// retried alike.
pub async fn backoff(
    policy: &RetryPolicy,
    retry: &mut u32,
    error: &CallError,
    flow: &str,
    call: &str,
) -> bool {
    match policy.delay(*retry, error) {
        Some(delay) => {
            tracing::warn!(flow, call, %error, ?delay, "call failed; retrying");
            tokio::time::sleep(delay).await;
            *retry += 1;
            true
        }
        None => false,
    }
}

/// Calls a connector (`$call`, an expression with its `.await`) until it succeeds or `policy`
/// allows no further attempt ([`backoff`]); the last error otherwise. Every call to a
/// platform retries through this loop but a push's create, which must look the record up
/// between attempts (a failed create may have stored it).
macro_rules! retried {
    ($policy:expr, $flow:expr, $op:expr, $call:expr) => {{
        let mut retry = 0;
        loop {
            match $call {
                Ok(value) => break Ok(value),
                Err(error) => {
                    if !$crate::sync::retry::backoff($policy, &mut retry, &error, $flow, $op).await
                    {
                        break Err(error);
                    }
                }
            }
        }
    }};
}
pub(crate) use retried;

/// Reads one page through `connector`, retrying as `policy` allows.
pub async fn read_page(
    connector: &mut Connector,
    policy: &RetryPolicy,
    flow: &str,
    kind: Kind,
    cursor: Option<&str>,
    since: Option<&str>,
) -> Result<Page, CallError> {
    retried!(
        policy,
        flow,
        "read",
        connector.read(kind, cursor, since).await
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccsync_runtime::Fault;

    fn connector_error(error: ConnectorError) -> CallError {
        CallError::Connector {
            plugin: "p@1".into(),
            call: "read",
            error,
        }
    }

    #[test]
    fn rate_limited_waits_exactly_the_retry_after() {
        let policy = RetryPolicy::default();
        let error = connector_error(ConnectorError::RateLimited {
            retry_after_ms: 45_000,
        });
        assert_eq!(policy.delay(0, &error), Some(Duration::from_secs(45)));
    }

    #[test]
    fn a_plugins_retry_after_is_honoured_up_to_a_bound() {
        let policy = RetryPolicy::default();
        let error = connector_error(ConnectorError::RateLimited {
            retry_after_ms: u64::MAX,
        });
        assert_eq!(policy.delay(0, &error), Some(MAX_RETRY_AFTER));
    }

    #[test]
    fn transient_backs_off_exponentially_within_jitter_and_cap() {
        let policy = RetryPolicy::default();
        let error = connector_error(ConnectorError::Transient("503".into()));
        for (retry, nominal) in [(0, 500), (1, 1000), (2, 2000)] {
            let delay = policy.delay(retry, &error).unwrap().as_millis() as u64;
            assert!(
                (nominal * 3 / 4..=nominal * 5 / 4).contains(&delay),
                "{delay}"
            );
        }
        let capped = RetryPolicy {
            attempts: 100,
            ..policy
        };
        assert!(capped.delay(40, &error).unwrap() <= Duration::from_secs_f64(37.5));
    }

    #[test]
    fn auth_config_and_rejected_errors_are_not_retried() {
        let policy = RetryPolicy::default();
        for error in [
            ConnectorError::Unauthorized("no".into()),
            ConnectorError::InvalidConfig("no".into()),
            ConnectorError::Rejected("no".into()),
        ] {
            assert_eq!(policy.delay(0, &connector_error(error)), None);
        }
    }

    #[test]
    fn sandbox_faults_are_plugin_faults_and_never_retried() {
        let policy = RetryPolicy::default();
        for fault in [
            Fault::Deadline(Duration::from_secs(1)),
            Fault::WallDeadline(Duration::from_secs(1)),
            Fault::Memory(1 << 20),
            Fault::Requests(10),
            Fault::Oversize("page too large".into()),
            Fault::Trap("panicked".into()),
        ] {
            let error = CallError::Fault {
                plugin: "p@1".into(),
                call: "read",
                fault,
            };
            assert_eq!(policy.delay(0, &error), None, "{error}");
        }
    }

    #[test]
    fn attempts_are_bounded() {
        let policy = RetryPolicy {
            attempts: 3,
            ..RetryPolicy::default()
        };
        let error = connector_error(ConnectorError::Transient("x".into()));
        assert!(policy.delay(1, &error).is_some());
        assert_eq!(policy.delay(2, &error), None);
    }
}
