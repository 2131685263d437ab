//! Error classification under injected faults: a 401 that survives a renewal is
//! `unauthorized`, a 429 is `rate-limited` with the platform's wait, a 5xx is `transient`, and
//! a malformed body is an error or an invalid record, never a trap.
//!
//! The class decides what the host does next (stop, wait, retry with backoff), so a connector
//! that calls a 5xx `unauthorized` stops a flow for nothing, and one that calls a 401
//! `transient` retries a dead credential for ever. Each check warms a fresh instance with a
//! healthy read of the first page (so it holds its token), then answers every request of a
//! second read of that page with the fault (renewals included).

use ccsync_model::{ConnectorError, Kind};
use ccsync_runtime::CallError;

use super::Kit;
use super::report::Outcome;
use super::transport::{Injected, RETRY_AFTER_SECS};

/// The most requests a read may make against a 401: the request, one renewal, the retry and
/// a discovery call.
const MAX_UNAUTHORIZED_REQUESTS: u64 = 4;

/// Runs the four error checks against the first declared kind.
pub(super) async fn run(kit: &mut Kit) {
    let Some(kind) = kit.readable_kinds().first().copied() else {
        for (check, _) in CHECKS {
            kit.report.add(
                check,
                Outcome::Skip("the plugin declares no readable kind".into()),
            );
        }
        return;
    };
    for (check, fault) in CHECKS {
        let outcome = match faulted_read(kit, check, kind, fault).await {
            Ok(outcome) => outcome,
            Err(skip) => Outcome::Skip(skip),
        };
        kit.report.add(check, outcome);
    }
}

const CHECKS: [(&str, Injected); 4] = [
    ("errors.unauthorized", Injected::Unauthorized),
    ("errors.rate-limited", Injected::RateLimited),
    ("errors.transient", Injected::Unavailable),
    ("errors.malformed-body", Injected::MalformedBody),
];

/// The outcome of a warmed-up read under `fault`; `Err` says why the check cannot run.
async fn faulted_read(
    kit: &mut Kit,
    check: &str,
    kind: Kind,
    fault: Injected,
) -> Result<Outcome, String> {
    let mut connector = kit
        .connect(check)
        .await
        .map_err(|e| format!("configure failed: {e}"))?;
    let warm = connector.read(kind, None, None).await;
    kit.note(check, warm)
        .map_err(|e| format!("the healthy read of the first page failed: {e}"))?;
    let before = kit.transport.requests();
    kit.transport.inject(fault);
    let read = connector.read(kind, None, None).await;
    kit.transport.clear_fault();
    let sent = kit.transport.requests() - before;
    if sent == 0 {
        return Err(format!(
            "reading the first page of {} sends no HTTP request",
            kind.as_str()
        ));
    }
    if let Err(e) = &read {
        kit.observe(check, e);
    }
    Ok(expect(fault, read, sent))
}

fn expect(fault: Injected, read: Result<ccsync_model::Page, CallError>, sent: u64) -> Outcome {
    let error = match read {
        Err(CallError::Connector { error, .. }) => Ok(error),
        Err(fault @ CallError::Fault { .. }) => Err(format!("not an error but a fault: {fault}")),
        Ok(page) => Err(format!(
            "the read succeeded (a page of {} records)",
            page.items.len()
        )),
    };
    let wanted = match fault {
        Injected::Unauthorized => "unauthorized",
        Injected::RateLimited => "rate-limited",
        Injected::Unavailable => "transient",
        Injected::MalformedBody => "an error or invalid records",
    };
    match (fault, error) {
        (Injected::MalformedBody, Ok(_)) => Outcome::Pass,
        (Injected::MalformedBody, Err(why)) if why.starts_with("the read succeeded") => {
            Outcome::Pass
        }
        (Injected::Unauthorized, Ok(ConnectorError::Unauthorized(_))) => {
            if sent > MAX_UNAUTHORIZED_REQUESTS {
                Outcome::Fail(format!(
                    "unauthorized only after {sent} requests: renew the token once, then give up"
                ))
            } else {
                Outcome::Pass
            }
        }
        (Injected::RateLimited, Ok(ConnectorError::RateLimited { retry_after_ms })) => {
            if retry_after_ms >= RETRY_AFTER_SECS * 1000 {
                Outcome::Pass
            } else {
                Outcome::Fail(format!(
                    "rate-limited({retry_after_ms} ms), shorter than the reply's Retry-After \
                     of {RETRY_AFTER_SECS} s"
                ))
            }
        }
        (Injected::Unavailable, Ok(ConnectorError::Transient(_))) => Outcome::Pass,
        (_, Ok(other)) => Outcome::Fail(format!("expected {wanted}, got {other}")),
        (_, Err(why)) => Outcome::Fail(format!("expected {wanted}: {why}")),
    }
}
