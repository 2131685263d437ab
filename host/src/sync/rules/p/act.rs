//! The I/O of the mapping family: the flow's hub users linked to the users of its target's
//! directory, a chunk at a time, writing nothing to either platform.
//!
//! Per chunk: decide which users need a look-up ([`before`]); look their emails up in the
//! directory in batches (`find-by-email`, several addresses a request, retried as reads are);
//! decide each link ([`after_look_up`]); for a run, commit the chunk's links and their log
//! entries in one transaction. A dry run looks the directory up too (it only reads) and
//! commits nothing.

use std::collections::HashMap;

use anyhow::Context;
use ccsync_config::Family;
use ccsync_model::{Entity, Kind};
use ccsync_runtime::Connector;
use ccsync_store::{
    Link, LinkAction, LinkChange, LinkContext, LinkOrigin, LinkStatus, LogAction, RecordView,
    RunId, Store,
};

use super::decide::{Before, Input, USER_MAPPING_MAP, after_look_up, before, normalized, unmapped};
use super::report::{LABEL, NOUN};
use crate::sync::RetryPolicy;
use crate::sync::retry::backoff;
use crate::sync::rules::{Cx, FamilyPlan, TargetAction, flags_by_id};

/// Users decided and committed per transaction.
const CHUNK: usize = 500;
/// Email addresses per `find-by-email` request.
const BATCH: usize = 50;

/// Maps the flow's users over `view` (`run`: `None`, a plan), or as `run`.
pub async fn map(
    cx: Cx<'_>,
    target: &str,
    view: RecordView<'_>,
    run: Option<RunId>,
) -> anyhow::Result<FamilyPlan> {
    let Cx {
        store,
        flow,
        tenant,
        target: connector,
        retry,
    } = cx;
    let connector =
        connector.with_context(|| format!("flow {}: a mapping needs its target", flow.name))?;
    let profiles = mapping_profiles(store, view, tenant)?;
    let mut plan = FamilyPlan::new(Family::Presence, LABEL, NOUN, target);
    let mut after: Option<String> = None;
    loop {
        let records = store
            .records_after(view, tenant, Kind::User, after.as_deref(), CHUNK)
            .with_context(|| format!("reading the users of tenant {tenant}"))?;
        let Some(last) = records.last() else { break };
        after = Some(last.source_id.clone());
        let ids: Vec<&str> = records.iter().map(|r| r.source_id.as_str()).collect();
        let links = store.links_by_ids(&flow.name, tenant, Kind::User.as_str(), &ids)?;
        let decided: Vec<_> = records
            .iter()
            .filter_map(|record| match &record.entity {
                Entity::User(user) => Some((record, user)),
                _ => None,
            })
            .map(|(record, user)| {
                let may_map = match user.security_profile_id.as_deref().map(|p| profiles.get(p)) {
                    Some(Some(granted)) => *granted,
                    _ => user.permissions.iter().any(|p| p == USER_MAPPING_MAP),
                };
                let link = links.get(&record.source_id);
                let decision = before(&Input {
                    record,
                    user,
                    may_map,
                    link,
                });
                (record, link, decision)
            })
            .collect();
        let mut emails: Vec<String> = decided
            .iter()
            .filter_map(|(_, _, d)| match d {
                Before::LookUp(email) => Some(email.clone()),
                _ => None,
            })
            .collect();
        emails.sort_unstable();
        emails.dedup();
        let matches = look_up(connector, &retry, &flow.name, &emails).await?;

        let mut changes = Vec::new();
        for (record, old, decision) in decided {
            let base = old
                .cloned()
                .unwrap_or_else(|| Link::new(&flow.name, tenant, "user", &record.source_id));
            let new = match &decision {
                Before::Leave => {
                    if old.is_some_and(|l| l.status == LinkStatus::Mapped) {
                        plan.summary.unchanged += 1;
                    }
                    continue;
                }
                Before::Unmapped(reason) => unmapped(base, reason),
                Before::LookUp(email) => {
                    let found = matches.get(email).map_or(&[][..], Vec::as_slice);
                    after_look_up(old, base, found)
                }
            };
            let changed = Link::differences(old, &new);
            if changed.is_empty() {
                plan.summary.unchanged += 1;
                continue;
            }
            let (action, shown) = match new.status {
                LinkStatus::Mapped => (LinkAction::Map, LogAction::Create),
                _ => (LinkAction::Unmap, LogAction::Skip),
            };
            let display = Some(record.entity.display_name());
            plan.push(TargetAction {
                source_id: record.source_id.clone(),
                display: display.clone(),
                action: shown,
                reason: new.reason.clone(),
                changes: changed.clone(),
            });
            changes.push(LinkChange {
                tenant: tenant.to_owned(),
                kind: Kind::User.as_str().to_owned(),
                source_id: record.source_id.clone(),
                expected: old.map(|l| l.updated_at),
                display,
                action,
                reason: new.reason.clone(),
                changes: changed,
                link: Some(new),
            });
        }
        if let Some(run) = run {
            let context = LinkContext {
                flow: &flow.name,
                origin: LinkOrigin::Sync,
                run: Some(run),
            };
            store
                .commit_links(&context, &changes)
                .with_context(|| format!("recording what flow {} mapped", flow.name))?;
        }
    }
    Ok(plan)
}

/// Which security profiles grant [`USER_MAPPING_MAP`], by id, as `view` shows them.
fn mapping_profiles(
    store: &Store,
    view: RecordView<'_>,
    tenant: &str,
) -> anyhow::Result<HashMap<String, bool>> {
    flags_by_id(
        store,
        view,
        tenant,
        Kind::SecurityProfile,
        |entity| match entity {
            Entity::SecurityProfile(profile) => {
                let granted = profile.permissions.iter().any(|p| p == USER_MAPPING_MAP);
                Some((profile.id, granted))
            }
            _ => None,
        },
    )
}

/// The directory users of each (normalized) email, by asking for [`BATCH`] addresses a
/// request.
async fn look_up(
    connector: &mut Connector,
    policy: &RetryPolicy,
    flow: &str,
    emails: &[String],
) -> anyhow::Result<HashMap<String, Vec<String>>> {
    let mut matches: HashMap<String, Vec<String>> = HashMap::new();
    for batch in emails.chunks(BATCH) {
        let mut retry = 0;
        let users = loop {
            match connector.find_by_email(batch).await {
                Ok(users) => break users,
                Err(e) => {
                    if !backoff(policy, &mut retry, &e, flow, "find-by-email").await {
                        return Err(e).context("looking users up by email in the directory");
                    }
                }
            }
        };
        for user in users {
            if let Some(email) = normalized(user.email.as_deref()) {
                let ids = matches.entry(email).or_default();
                if !ids.contains(&user.id) {
                    ids.push(user.id);
                }
            }
        }
    }
    for ids in matches.values_mut() {
        ids.sort();
    }
    Ok(matches)
}
