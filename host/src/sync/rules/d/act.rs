//! The I/O of the push family: the selected hub records, written to the flow's target
//! connection a chunk at a time.
//!
//! Per chunk: decide every record ([`decide`]); mark the records about to be created (so a
//! crash between the target's reply and the commit is followed by a look-up, never by a second
//! create); write each record through the target connector, with the reads' retry policy
//! (backoff, the platform's Retry-After); then commit the chunk's links, their log entries and
//! the run's counters in one transaction. A record the target refuses is logged `rejected`
//! with the target's reason and its link marked failed; the others go on. A create that fails
//! for a passing reason (a timeout) may still have stored the record, so before it is tried
//! again the record is looked up by its external id.

use std::collections::HashMap;

use anyhow::Context;
use ccsync_config::{Family, FlowConfig};
use ccsync_model::{ConnectorError, Entity, ErrorClass, Kind};
use ccsync_runtime::{CallError, Connector};
use ccsync_store::{
    Link, LinkAction, LinkChange, LinkContext, LinkMethod, LinkOrigin, LinkStatus, LogAction,
    RecordState, RecordView, RunId, Store,
};

use super::decide::{Decision, Input, at_target, decide, keeping_groups};
use super::report::{LABEL, NOUN};
use crate::sync::RetryPolicy;
use crate::sync::pages::Pages;
use crate::sync::retry::{backoff, retried};
use crate::sync::rules::{Chunks, Cx, FamilyPlan, TargetAction};

/// Records decided, written and committed per transaction: writes to a target are slow, so a
/// crash loses little work.
const CHUNK: usize = 200;

/// The id a pushed record carries at the target, unique in the hub: what a lost create is
/// found again by.
pub fn external_id(tenant: &str, kind: Kind, source_id: &str) -> String {
    format!("{tenant}/{kind}/{source_id}")
}

/// Plans the push of the flow's selected records over `view` (`run`: `None`), or pushes them
/// as `run`.
pub async fn push(
    cx: Cx<'_>,
    target: &str,
    view: RecordView<'_>,
    run: Option<RunId>,
) -> anyhow::Result<FamilyPlan> {
    let Cx {
        store,
        flow,
        tenant,
        target: mut connector,
        retry,
        full: _,
    } = cx;
    let mut plan = FamilyPlan::new(Family::Dialer, LABEL, NOUN, target);
    let kinds = Kind::ALL.into_iter().filter(|k| flow.kinds.contains(k));
    for kind in kinds {
        let mut chunks = Chunks::new(view, tenant, kind, CHUNK);
        while let Some(records) = chunks.next(store)? {
            let Some(run) = run else {
                for (record, _, decision) in decided(store, flow, tenant, kind, &records)? {
                    count(&mut plan, record, &decision);
                }
                continue;
            };
            let connector = connector.as_deref_mut().with_context(|| {
                format!("flow {}: a push needs its target connection", flow.name)
            })?;
            let decisions = decided(store, flow, tenant, kind, &records)?;
            let version = connector.plugin().contract_version();
            let writes = decisions
                .iter()
                .any(|(_, _, d)| matches!(d, Decision::Create { .. } | Decision::Update { .. }));
            if writes && version == "0.1.0" {
                anyhow::bail!(
                    "flow {}: the target's plugin {} speaks ccsync:connector@{version}, which \
                     cannot look a record up by its external id: a push through it could \
                     create a record twice after a lost reply. Upgrade the plugin to a build \
                     against 0.2.0",
                    flow.name,
                    connector.plugin().label()
                );
            }
            let creating: Vec<&str> = decisions
                .iter()
                .filter(|(_, _, d)| matches!(d, Decision::Create { .. }))
                .map(|(r, _, _)| r.source_id.as_str())
                .collect();
            if !creating.is_empty() {
                store.mark_attempts(&flow.name, tenant, kind.as_str(), &creating)?;
            }
            // The links as marked: the versions the commit compares with.
            let ids: Vec<&str> = records.iter().map(|r| r.source_id.as_str()).collect();
            let links = store.links_by_ids(&flow.name, tenant, kind.as_str(), &ids)?;
            let mut changes = Vec::new();
            let mut failed = None;
            for (record, hash, decision) in decisions {
                let link = links.get(&record.source_id);
                let change = match &decision {
                    Decision::Out => continue,
                    Decision::Unchanged => {
                        plan.summary.unchanged += 1;
                        continue;
                    }
                    Decision::Note { reason } => note(&flow.name, record, link, reason),
                    Decision::Create { .. } | Decision::Update { .. } => {
                        match write(connector, &retry, flow, tenant, record, &decision).await {
                            Ok(outcome) => {
                                pushed(&flow.name, record, link, &hash, &decision, outcome)
                            }
                            // What already reached the target is committed first: its links
                            // are what keeps the next run from writing it again.
                            Err(e) => {
                                failed = Some(e);
                                break;
                            }
                        }
                    }
                };
                plan.push(target_action(&change));
                changes.push(change);
            }
            let context = LinkContext {
                flow: &flow.name,
                origin: LinkOrigin::Sync,
                run: Some(run),
            };
            store
                .commit_links(&context, &changes)
                .with_context(|| format!("recording what flow {} pushed", flow.name))?;
            if let Some(e) = failed {
                return Err(e);
            }
        }
    }
    Ok(plan)
}

/// The target's users by id: their name (username, else id) and password flag, read page by
/// page with the reads' retry policy (rule D2's report).
pub async fn target_users(
    connector: &mut Connector,
    policy: &RetryPolicy,
    flow: &str,
) -> anyhow::Result<HashMap<String, (String, Option<bool>)>> {
    let mut users = HashMap::new();
    let mut pages = Pages::new(connector, policy, flow, Kind::User, None);
    while let Some(page) = pages.next().await? {
        for entity in page.items {
            if let Entity::User(user) = entity {
                let name = user.username.clone().unwrap_or_else(|| user.id.clone());
                users.insert(user.id, (name, user.password_set));
            }
        }
    }
    Ok(users)
}

/// Every record of a chunk with its hash and decision.
fn decided<'r>(
    store: &Store,
    flow: &FlowConfig,
    tenant: &str,
    kind: Kind,
    records: &'r [RecordState],
) -> anyhow::Result<Vec<(&'r RecordState, String, Decision)>> {
    let ids: Vec<&str> = records.iter().map(|r| r.source_id.as_str()).collect();
    let links = store.links_by_ids(&flow.name, tenant, kind.as_str(), &ids)?;
    let selected = store.selected(&flow.name, tenant, kind.as_str(), &ids)?;
    Ok(records
        .iter()
        .map(|record| {
            let hash = record.entity.content_hash();
            let decision = decide(&Input {
                record,
                hash: &hash,
                link: links.get(&record.source_id),
                selected: selected.contains(&record.source_id),
                actions: &flow.actions,
            });
            (record, hash, decision)
        })
        .collect())
}

/// Counts a planned decision into a preview.
fn count(plan: &mut FamilyPlan, record: &RecordState, decision: &Decision) {
    let (action, reason) = match decision {
        Decision::Out => return,
        Decision::Unchanged => {
            plan.summary.unchanged += 1;
            return;
        }
        Decision::Create { .. } => (LogAction::Create, None),
        Decision::Update { .. } => (LogAction::Update, None),
        Decision::Note { reason } => (LogAction::Skip, Some((*reason).to_owned())),
    };
    plan.push(TargetAction {
        source_id: record.source_id.clone(),
        display: Some(record.entity.display_name()),
        action,
        reason,
        changes: Vec::new(),
    });
}

/// How a write ended for its record: the target's id, or the target's refusal.
type Outcome = Result<String, String>;

/// Writes one record to the target, retrying as reads are. `Err` fails the run (credentials,
/// configuration, a connector that cannot write, retries spent); a refusal of this record
/// alone is an `Ok(Err(reason))`.
async fn write(
    connector: &mut Connector,
    policy: &RetryPolicy,
    flow: &FlowConfig,
    tenant: &str,
    record: &RecordState,
    decision: &Decision,
) -> anyhow::Result<Outcome> {
    // Rules D2, D3: the record as it lands at the target.
    let entity = &at_target(&record.entity);
    let kind = entity.kind();
    let external = external_id(tenant, kind, &record.source_id);
    let what = || format!("pushing {kind} {} to the target", record.source_id);
    let mut retry = 0;
    match decision {
        Decision::Create { lookup_first } => {
            if *lookup_first
                && let Some(id) = find(connector, policy, flow, kind, &external).await?
            {
                return Ok(Ok(id));
            }
            loop {
                match connector.create(entity.clone(), &external).await {
                    Ok(id) => return Ok(Ok(id)),
                    Err(e) => {
                        if let Some(reason) = refusal(&e) {
                            return Ok(Err(reason));
                        }
                        let passing = e.class() == ErrorClass::Transient;
                        if !backoff(policy, &mut retry, &e, &flow.name, "create").await {
                            return Err(e).with_context(what);
                        }
                        // A create that failed for a passing reason may have stored the
                        // record all the same: look before creating again.
                        if passing
                            && let Some(id) = find(connector, policy, flow, kind, &external).await?
                        {
                            return Ok(Ok(id));
                        }
                    }
                }
            }
        }
        Decision::Update { target_id } => update(connector, policy, flow, target_id, entity).await,
        Decision::Out | Decision::Unchanged | Decision::Note { .. } => {
            anyhow::bail!("{}: nothing to write", what())
        }
    }
}

/// Updates the target record `target_id` to `entity`, retrying as reads are. A user's groups
/// at the target are read first and kept (rule D2 adds its group, it takes none away).
async fn update(
    connector: &mut Connector,
    policy: &RetryPolicy,
    flow: &FlowConfig,
    target_id: &str,
    entity: &Entity,
) -> anyhow::Result<Outcome> {
    let entity = &match entity {
        Entity::User(_) => match get(connector, policy, flow, entity.kind(), target_id).await? {
            Some(current) => keeping_groups(entity.clone(), Some(&current)),
            None => {
                return Ok(Err(format!(
                    "the linked record is not at the target: no {} {target_id}",
                    entity.kind()
                )));
            }
        },
        _ => entity.clone(),
    };
    // A refusal is never retried: it ends the loop at once, and is this record's alone.
    match retried!(
        policy,
        &flow.name,
        "update",
        connector.update(target_id, entity.clone()).await
    ) {
        Ok(()) => Ok(Ok(target_id.to_owned())),
        Err(e) => match refusal(&e) {
            Some(reason) => Ok(Err(reason)),
            None => Err(e)
                .with_context(|| format!("updating {} {target_id} at the target", entity.kind())),
        },
    }
}

/// Reads one record of the target by its id, retrying as reads are.
async fn get(
    connector: &mut Connector,
    policy: &RetryPolicy,
    flow: &FlowConfig,
    kind: Kind,
    id: &str,
) -> anyhow::Result<Option<Entity>> {
    retried!(policy, &flow.name, "get", connector.get(kind, id).await)
        .with_context(|| format!("reading {kind} {id} at the target"))
}

/// Looks a record up at the target by its external id, retrying as reads are.
async fn find(
    connector: &mut Connector,
    policy: &RetryPolicy,
    flow: &FlowConfig,
    kind: Kind,
    external: &str,
) -> anyhow::Result<Option<String>> {
    retried!(
        policy,
        &flow.name,
        "find",
        connector.find(kind, external).await
    )
    .with_context(|| format!("looking {kind} {external} up at the target"))
}

/// The target's reason, when it refused this record alone (validation, conflict, or a linked
/// record it no longer has).
fn refusal(error: &CallError) -> Option<String> {
    match error.connector_error() {
        Some(ConnectorError::Rejected(reason)) => Some(reason.clone()),
        Some(ConnectorError::NotFound(reason)) => {
            Some(format!("the linked record is not at the target: {reason}"))
        }
        _ => None,
    }
}

/// The link change after a write.
fn pushed(
    flow: &str,
    record: &RecordState,
    old: Option<&Link>,
    hash: &str,
    decision: &Decision,
    outcome: Outcome,
) -> LinkChange {
    let base = old.cloned().unwrap_or_else(|| {
        Link::new(
            flow,
            &record.tenant,
            record.entity.kind().as_str(),
            &record.source_id,
        )
    });
    let (link, action, reason) = match outcome {
        Ok(target_id) => {
            let action = match decision {
                Decision::Create { .. } => LinkAction::Create,
                _ => LinkAction::Update,
            };
            // A pin keeps its reason; any other link's note is over once pushed.
            let manual = base.method == Some(LinkMethod::Manual);
            let link = Link {
                method: base.method.or(Some(LinkMethod::Created)),
                target_id: Some(target_id),
                status: LinkStatus::Mapped,
                attempts: 0,
                pushed_hash: Some(hash.to_owned()),
                reason: if manual { base.reason.clone() } else { None },
                ..base
            };
            (link, action, None)
        }
        Err(reason) => {
            let link = Link {
                status: LinkStatus::Failed,
                reason: Some(format!("rejected by the target: {reason}")),
                ..base
            };
            (link, LinkAction::Rejected, Some(reason))
        }
    };
    change(record, old, link, action, reason)
}

/// The link change that notes why a linked record stays as it is at the target.
fn note(flow: &str, record: &RecordState, old: Option<&Link>, reason: &str) -> LinkChange {
    let base = old.cloned().unwrap_or_else(|| {
        Link::new(
            flow,
            &record.tenant,
            record.entity.kind().as_str(),
            &record.source_id,
        )
    });
    let link = Link {
        reason: Some(reason.to_owned()),
        ..base
    };
    change(
        record,
        old,
        link,
        LinkAction::Unmap,
        Some(reason.to_owned()),
    )
}

fn change(
    record: &RecordState,
    old: Option<&Link>,
    link: Link,
    action: LinkAction,
    reason: Option<String>,
) -> LinkChange {
    LinkChange {
        changes: Link::differences(old, &link),
        tenant: record.tenant.clone(),
        kind: record.entity.kind().as_str().to_owned(),
        source_id: record.source_id.clone(),
        expected: old.map(|l| l.updated_at),
        display: Some(record.entity.display_name()),
        action,
        reason,
        link: Some(link),
    }
}

/// A committed link change as reports show it.
fn target_action(change: &LinkChange) -> TargetAction {
    TargetAction {
        source_id: change.source_id.clone(),
        display: change.display.clone(),
        action: match change.action {
            LinkAction::Create => LogAction::Create,
            LinkAction::Update => LogAction::Update,
            LinkAction::Rejected => LogAction::Error,
            _ => LogAction::Skip,
        },
        reason: change.reason.clone(),
        changes: change.changes.clone(),
    }
}
