//! `ccsync serve`, `ccsync status` and `ccsync resume`: the daemon and how an operator watches
//! and steers it. The scheduling itself is in [`crate::schedule`].

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use ccsync_config::{Config, Family, FlowConfig, Shape};
use ccsync_store::{FlowEvent, FlowHealth, FlowState, Pause, Run, RunMode};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::app::open_store;
use crate::cli::{PauseArgs, ResumeArgs, ServeArgs, StatusArgs};
use crate::schedule::{self, STATE_POLL};
use crate::sync::rules;

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
    /// The rule family that governs the flow, and with it its shape.
    family: Family,
    shape: Shape,
    /// The hub store or connection the family acts on.
    target: &'a str,
    /// Set while an operator has paused the flow.
    paused: Option<&'a Pause>,
    /// What a pause of this flow means for the people it serves, from its family.
    while_paused: Option<&'static str>,
    /// The flow's history of pauses and resumptions, oldest first.
    events: Vec<FlowEvent>,
    #[serde(serialize_with = "seconds")]
    interval: Duration,
    /// Whether `ccsync serve` runs the flow every `interval` (a push flow without one runs
    /// on demand only).
    scheduled: bool,
    #[serde(serialize_with = "seconds")]
    full_every: Duration,
    manual: bool,
    /// What the flow's family has to say about it (selection, links, accounts).
    notes: Vec<String>,
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
    fn new(
        flow: &'a FlowConfig,
        state: Option<&'a FlowState>,
        last_run: Option<Run>,
        events: Vec<FlowEvent>,
        notes: Vec<String>,
    ) -> Self {
        let while_paused = rules::for_flow(flow)
            .ok()
            .and_then(|rules| rules.while_paused());
        FlowStatus {
            flow: &flow.name,
            family: flow.family,
            shape: flow.family.shape(),
            target: flow.target.name(),
            paused: state.and_then(|s| s.paused.as_ref()),
            while_paused,
            events,
            interval: flow.interval,
            scheduled: flow.scheduled,
            full_every: flow.full_every,
            manual: flow.manual,
            notes,
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
        let events = store.flow_events(&flow.name)?;
        let tenant = config
            .connection(&flow.source)
            .map(|c| c.tenant.as_str())
            .unwrap_or_default();
        let notes = rules::for_flow(flow)?
            .notes(&store, flow, tenant)
            .with_context(|| format!("flow {}: reading what its family reports", flow.name))?;
        states.push((flow, state, last_run, events, notes));
    }
    let statuses: Vec<FlowStatus<'_>> = states
        .iter()
        .map(|(flow, state, last, events, notes)| {
            FlowStatus::new(
                flow,
                state.as_ref(),
                last.clone(),
                events.clone(),
                notes.clone(),
            )
        })
        .collect();
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&statuses)?)?;
    } else {
        out!("{}", status_text(&statuses, Timestamp::now()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The human form of `ccsync status`.
fn status_text(statuses: &[FlowStatus<'_>], now: Timestamp) -> String {
    let mut out = String::new();
    for s in statuses {
        match s.paused {
            Some(_) => out += &format!("{}: paused\n", s.flow),
            None => out += &format!("{}: {}\n", s.flow, s.health),
        }
        out += &format!(
            "  family:    {} ({} rules, {} into {})\n",
            s.family,
            s.family.rules(),
            s.shape,
            s.target
        );
        if let Some(pause) = s.paused {
            out += &format!(
                "  paused:    since {}: {}\n",
                pause.since.strftime("%Y-%m-%d %H:%M:%SZ"),
                pause.reason
            );
            if let Some(meanwhile) = s.while_paused {
                out += &format!("  meanwhile: {meanwhile}\n");
            }
        }
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
            _ if s.paused.is_some() => {
                format!(
                    "none while paused (`ccsync resume {}` runs it again)",
                    s.flow
                )
            }
            _ if !s.scheduled => format!(
                "on demand only: no `interval` is set, `ccsync sync {}` runs it",
                s.flow
            ),
            (FlowHealth::NeedsApproval, _) => "parked until the planned changes are approved \
                 (or `ccsync resume` runs it again)"
                .to_owned(),
            (_, None) => "as soon as `ccsync serve` starts (a full reconciliation)".to_owned(),
            (_, Some(at)) => when(at, now),
        };
        out += &format!("  next run:  {next_run}\n");
        if let Some(at) = s.next_full_at.filter(|_| s.scheduled) {
            out += &format!("  next full: {}\n", when(at, now));
        }
        for note in &s.notes {
            out += &format!("  {note}\n");
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

/// The configured flow named `name`, or an error listing the known ones.
fn known_flow<'c>(config: &'c Config, name: &str) -> anyhow::Result<&'c FlowConfig> {
    config.flow(name).ok_or_else(|| {
        let known: Vec<&str> = config.flows().keys().map(String::as_str).collect();
        anyhow::anyhow!("unknown flow {name:?} (known: {})", known.join(", "))
    })
}

pub fn pause(config: &Path, args: PauseArgs) -> anyhow::Result<ExitCode> {
    let (config, mut store) = open_store(config)?;
    let flow = known_flow(&config, &args.flow)?;
    let state = store.pause(&flow.name, &args.reason)?;
    tracing::info!(flow = %flow.name, reason = %args.reason, "flow paused");
    outln!(
        "flow {} paused: `ccsync serve` skips it and `ccsync sync` refuses it until `ccsync \
         resume {}`",
        flow.name,
        flow.name
    )?;
    if let Some(meanwhile) = rules::for_flow(flow)?.while_paused() {
        outln!("meanwhile: {meanwhile}")?;
    }
    debug_assert!(state.paused.is_some());
    Ok(ExitCode::SUCCESS)
}

pub fn resume(config: &Path, args: ResumeArgs) -> anyhow::Result<ExitCode> {
    let (config, mut store) = open_store(config)?;
    known_flow(&config, &args.flow)?;
    let before = store.flow_state(&args.flow)?;
    let after = store.resume(&args.flow)?;
    let was = before.map_or_else(
        || "had no schedule yet (`ccsync serve` never ran it)".to_owned(),
        |b| match (b.paused, b.reason) {
            (Some(pause), _) => format!("was paused since {} ({})", pause.since, pause.reason),
            (None, Some(reason)) => format!("was {} ({reason})", b.health),
            (None, None) => format!("was {}", b.health),
        },
    );
    let mode = if after.next_full_at <= after.next_run_at {
        RunMode::Full
    } else {
        RunMode::Incremental
    };
    outln!(
        "flow {} resumed: it {was}; it is now {} and due now ({mode}): a running `ccsync serve` \
         starts it within {}s",
        args.flow,
        after.health,
        STATE_POLL.as_secs()
    )?;
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
            family: Family::Wfm,
            kinds: vec![],
            interval: Duration::from_secs(900),
            scheduled: true,
            full_every: Duration::from_secs(86400),
            manual: false,
            required_fields: vec![],
            safety: ccsync_config::Safety::default(),
            actions: vec![],
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
            &[FlowStatus::new(
                &flow,
                Some(&state),
                Some(run),
                Vec::new(),
                Vec::new(),
            )],
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
    fn status_text_of_a_paused_wfm_flow_says_since_when_why_and_that_agents_lose_schedules() {
        let flow = flow();
        let state = FlowState {
            flow: flow.name.clone(),
            next_run_at: at("2025-01-31T09:00:00Z"),
            next_full_at: at("2025-01-31T07:00:00Z"),
            consecutive_failures: 0,
            health: FlowHealth::Ok,
            reason: None,
            last_run: None,
            paused: Some(Pause {
                since: at("2025-01-31T08:00:00Z"),
                reason: "IEX maintenance window".into(),
            }),
            updated_at: at("2025-01-31T08:00:00Z"),
        };
        let text = status_text(
            &[FlowStatus::new(
                &flow,
                Some(&state),
                None,
                Vec::new(),
                Vec::new(),
            )],
            at("2025-01-31T08:30:00Z"),
        );
        assert!(text.starts_with("acd-wfm: paused\n"), "{text}");
        assert!(
            text.contains("family:    wfm (W rules, project into wfm)"),
            "{text}"
        );
        assert!(
            text.contains("paused:    since 2025-01-31 08:00:00Z: IEX maintenance window"),
            "{text}"
        );
        assert!(text.contains("agents cannot see their schedules"), "{text}");
        assert!(text.contains("next run:  none while paused"), "{text}");
    }

    #[test]
    fn status_text_of_a_flow_serve_never_ran_says_it_runs_when_serve_starts() {
        let flow = flow();
        let text = status_text(
            &[FlowStatus::new(&flow, None, None, Vec::new(), Vec::new())],
            Timestamp::now(),
        );
        assert!(text.starts_with("acd-wfm: ok\n"), "{text}");
        assert!(text.contains("last run:  none"), "{text}");
        assert!(text.contains("as soon as `ccsync serve` starts"), "{text}");
        assert!(!text.contains("next full"), "{text}");
    }
}
