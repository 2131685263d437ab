//! `ccsync serve`, `ccsync status` and `ccsync resume`: the daemon and how an operator watches
//! and steers it. The scheduling itself is in [`crate::schedule`].

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use ccsync_config::FlowConfig;
use ccsync_store::{FlowHealth, FlowState, Run, RunMode};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::app::open_store;
use crate::cli::{ResumeArgs, ServeArgs, StatusArgs};
use crate::schedule::{self, STATE_POLL};

pub async fn serve(
    config: &Path,
    allow_unsigned: bool,
    args: ServeArgs,
) -> anyhow::Result<ExitCode> {
    schedule::serve(config, allow_unsigned, args.once).await
}

/// One flow as `ccsync status` reports it.
#[derive(Debug, Serialize)]
struct FlowStatus<'a> {
    flow: &'a str,
    #[serde(serialize_with = "seconds")]
    interval: Duration,
    #[serde(serialize_with = "seconds")]
    full_every: Duration,
    manual: bool,
    health: FlowHealth,
    consecutive_failures: u32,
    reason: Option<&'a str>,
    /// `None`: the flow never ran under `serve`, which runs it (full) as soon as it starts.
    next_run_at: Option<Timestamp>,
    next_full_at: Option<Timestamp>,
    /// The flow's newest run, scheduled or on demand.
    last_run: Option<Run>,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl<'a> FlowStatus<'a> {
    fn new(flow: &'a FlowConfig, state: Option<&'a FlowState>, last_run: Option<Run>) -> Self {
        FlowStatus {
            flow: &flow.name,
            interval: flow.interval,
            full_every: flow.full_every,
            manual: flow.manual,
            health: state.map_or(FlowHealth::Ok, |s| s.health),
            consecutive_failures: state.map_or(0, |s| s.consecutive_failures),
            reason: state.and_then(|s| s.reason.as_deref()),
            next_run_at: state.map(|s| s.next_run_at),
            next_full_at: state.map(|s| s.next_full_at),
            last_run,
        }
    }
}

pub fn status(config: &Path, args: StatusArgs) -> anyhow::Result<ExitCode> {
    let (config, store) = open_store(config)?;
    let mut states = Vec::new();
    for flow in config.flows().values() {
        let state = store.flow_state(&flow.name)?;
        let last_run = store.runs(Some(&flow.name), 1)?.into_iter().next();
        states.push((flow, state, last_run));
    }
    let statuses: Vec<FlowStatus<'_>> = states
        .iter()
        .map(|(flow, state, last)| FlowStatus::new(flow, state.as_ref(), last.clone()))
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&statuses)?);
    } else {
        print!("{}", status_text(&statuses, Timestamp::now()));
    }
    Ok(ExitCode::SUCCESS)
}

/// The human form of `ccsync status`.
fn status_text(statuses: &[FlowStatus<'_>], now: Timestamp) -> String {
    let mut out = String::new();
    for s in statuses {
        out += &format!("{}: {}\n", s.flow, s.health);
        match &s.last_run {
            Some(run) => {
                let c = &run.counts;
                out += &format!(
                    "  last run:  {} {} ({}), started {}: {} read, {} created, {} updated, \
                     {} deactivated, {} reactivated, {} unchanged, {} invalid\n",
                    run.id,
                    run.status,
                    run.mode,
                    run.started_at.strftime("%Y-%m-%d %H:%M:%SZ"),
                    c.read,
                    c.created,
                    c.updated,
                    c.deactivated,
                    c.reactivated,
                    c.unchanged,
                    c.invalid
                );
            }
            None => out += "  last run:  none\n",
        }
        let next_run = match (s.health, s.next_run_at) {
            (FlowHealth::NeedsApproval, _) => "parked until the planned changes are approved \
                 (or `ccsync resume` runs it again)"
                .to_owned(),
            (_, None) => "as soon as `ccsync serve` starts (a full reconciliation)".to_owned(),
            (_, Some(at)) => when(at, now),
        };
        out += &format!("  next run:  {next_run}\n");
        if let Some(at) = s.next_full_at {
            out += &format!("  next full: {}\n", when(at, now));
        }
        if s.consecutive_failures > 0 {
            out += &format!("  failures:  {} in a row\n", s.consecutive_failures);
        }
        if let Some(reason) = s.reason {
            out += &format!("  reason:    {reason}\n");
        }
    }
    out
}

/// A time, and how far it is from `now`.
fn when(at: Timestamp, now: Timestamp) -> String {
    let text = at.strftime("%Y-%m-%d %H:%M:%SZ");
    let left = now.duration_until(at);
    if left <= SignedDuration::ZERO {
        format!("{text} (due now)")
    } else {
        let rounded = SignedDuration::from_secs(left.as_secs().max(1));
        format!("{text} (in {rounded:#})")
    }
}

pub fn resume(config: &Path, args: ResumeArgs) -> anyhow::Result<ExitCode> {
    let (config, mut store) = open_store(config)?;
    if config.flow(&args.flow).is_none() {
        let known: Vec<&str> = config.flows().keys().map(String::as_str).collect();
        anyhow::bail!("unknown flow {:?} (known: {})", args.flow, known.join(", "));
    }
    let before = store.flow_state(&args.flow)?;
    let after = store.resume(&args.flow)?;
    let was = before.map_or_else(
        || "had no schedule yet (`ccsync serve` never ran it)".to_owned(),
        |b| match b.reason {
            Some(reason) => format!("was {} ({reason})", b.health),
            None => format!("was {}", b.health),
        },
    );
    let mode = if after.next_full_at <= after.next_run_at {
        RunMode::Full
    } else {
        RunMode::Incremental
    };
    println!(
        "flow {} resumed: it {was}; it is now {} and due now ({mode}): a running `ccsync serve` \
         starts it within {}s",
        args.flow,
        after.health,
        STATE_POLL.as_secs()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccsync_store::{RunCounts, RunId, RunStatus};

    fn flow() -> FlowConfig {
        FlowConfig {
            name: "acd-wfm".into(),
            source: "acd".into(),
            target: ccsync_config::Target::Hub(ccsync_config::HubStore {
                name: "wfm".into(),
                kind: ccsync_config::HubKind::Wfm,
            }),
            family: ccsync_config::Family::Wfm,
            kinds: vec![],
            interval: Duration::from_secs(900),
            full_every: Duration::from_secs(86400),
            manual: false,
            required_fields: vec![],
            safety: ccsync_config::Safety::default(),
        }
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn status_text_shows_the_last_run_the_schedule_and_why_a_flow_is_unhealthy() {
        let flow = flow();
        let state = FlowState {
            flow: flow.name.clone(),
            next_run_at: at("2025-01-31T09:00:00Z"),
            next_full_at: at("2025-01-31T07:00:00Z"),
            consecutive_failures: 5,
            health: FlowHealth::Quarantined,
            reason: Some("token refused (401)".into()),
            last_run: Some(RunId(7)),
            paused: None,
            updated_at: at("2025-01-31T08:00:00Z"),
        };
        let run = Run {
            id: RunId(7),
            flow: flow.name.clone(),
            mode: RunMode::Incremental,
            dry_run: false,
            status: RunStatus::Failed,
            started_at: at("2025-01-31T08:00:00Z"),
            finished_at: Some(at("2025-01-31T08:00:01Z")),
            counts: RunCounts::default(),
            error: Some("token refused (401)".into()),
        };
        let text = status_text(
            &[FlowStatus::new(&flow, Some(&state), Some(run))],
            at("2025-01-31T08:00:00Z"),
        );
        assert!(text.starts_with("acd-wfm: quarantined\n"), "{text}");
        assert!(text.contains("last run:  7 failed (incremental)"), "{text}");
        assert!(
            text.contains("next run:  2025-01-31 09:00:00Z (in 1h)"),
            "{text}"
        );
        assert!(
            text.contains("next full: 2025-01-31 07:00:00Z (due now)"),
            "{text}"
        );
        assert!(text.contains("failures:  5 in a row"), "{text}");
        assert!(text.contains("reason:    token refused (401)"), "{text}");
    }

    #[test]
    fn status_text_of_a_flow_serve_never_ran_says_it_runs_when_serve_starts() {
        let flow = flow();
        let text = status_text(&[FlowStatus::new(&flow, None, None)], Timestamp::now());
        assert!(text.starts_with("acd-wfm: ok\n"), "{text}");
        assert!(text.contains("last run:  none"), "{text}");
        assert!(text.contains("as soon as `ccsync serve` starts"), "{text}");
        assert!(!text.contains("next full"), "{text}");
    }
}
