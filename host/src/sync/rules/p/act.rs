//! The I/O of the mapping family: the flow's hub users linked to the users of its target's
//! directory, a chunk at a time, writing nothing to either platform.
//!
//! The directory is reached one of two ways, whichever costs fewer requests (RingCentral
//! allows 40 directory requests a minute): a **full read** of the directory (a page holds
//! many users), or **look-ups** of the emails of just the users that need one
//! (`find-by-email`, [`BATCH`] addresses a call). A full run (the flow's `full_every`) always
//! reads the directory in full, which also re-examines every mapped and pinned link against
//! it (a directory user gone, disabled or with another email); so does the first mapping,
//! and any run whose look-ups would cost at least what the last full read did.
//!
//! Per chunk: decide which users need a look-up ([`before`]); look their emails up (in the
//! full read, or in batches); decide each link ([`after_look_up`]); for a run, commit the
//! chunk's links and their log entries in one transaction. A dry run reads the directory too
//! (it only reads) and commits nothing.

use std::collections::HashMap;

use anyhow::Context;
use ccsync_config::{Family, FlowConfig};
use ccsync_model::{Entity, Kind, User};
use ccsync_runtime::Connector;
use ccsync_store::{
    Link, LinkAction, LinkChange, LinkContext, LinkOrigin, LinkStatus, LogAction, RecordState,
    RecordView, RunId, Store,
};

use super::decide::{
    Before, DirectoryUser, Input, LookUp, Target, USER_MAPPING_MAP, after_look_up, before, flagged,
    normalized, unmapped,
};
use super::report::{LABEL, NOUN};
use crate::sync::RetryPolicy;
use crate::sync::pages::Pages;
use crate::sync::retry::retried;
use crate::sync::rules::{Chunks, Cx, FamilyPlan, TargetAction, flags_by_id};

/// Users decided and committed per transaction.
const CHUNK: usize = 500;
/// Email addresses per `find-by-email` call.
pub const BATCH: usize = 50;

/// The whole directory, as one full read returned it.
#[derive(Debug, Default)]
struct Directory {
    users: HashMap<String, DirectoryUser>,
    /// The enabled users' ids by normalized email, sorted.
    enabled_by_email: HashMap<String, Vec<String>>,
}

/// How a run reaches the directory.
enum Reach {
    Full(Directory),
    LookUps,
}

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
        full,
    } = cx;
    let connector =
        connector.with_context(|| format!("flow {}: a mapping needs its target", flow.name))?;
    let profiles = mapping_profiles(store, view, tenant)?;
    let mut plan = FamilyPlan::new(Family::Presence, LABEL, NOUN, target);

    let last = store.directory_read(&flow.name)?;
    let why_full = match &last {
        _ if full => Some("a full run re-examines every link".to_owned()),
        None => Some("the first mapping".to_owned()),
        Some(last) => {
            let needed = look_ups_needed(store, flow, tenant, view, &profiles)?;
            let calls = needed.div_ceil(BATCH) as u64;
            if needed > 0 && calls >= last.requests {
                Some(format!(
                    "{needed} users to look up would take {calls} look-ups, the whole \
                     directory {} reads",
                    last.requests
                ))
            } else {
                plan.notes.push(format!(
                    "directory: {needed} users looked up by email in {calls} call(s) (a full \
                     read took {})",
                    last.requests
                ));
                None
            }
        }
    };
    let reach = match why_full {
        Some(why) => {
            let (directory, requests) = read_directory(connector, &retry, &flow.name).await?;
            plan.notes.push(format!(
                "directory: read in full ({} users, {requests} read call(s)): {why}",
                directory.users.len()
            ));
            if run.is_some() {
                store.record_directory_read(&flow.name, directory.users.len() as u64, requests)?;
            }
            Reach::Full(directory)
        }
        None => Reach::LookUps,
    };

    let mut chunks = Chunks::new(view, tenant, Kind::User, CHUNK);
    while let Some(records) = chunks.next(store)? {
        let ids: Vec<&str> = records.iter().map(|r| r.source_id.as_str()).collect();
        let links = store.links_by_ids(&flow.name, tenant, Kind::User.as_str(), &ids)?;
        let decided: Vec<_> = users(&records)
            .map(|(record, user)| {
                let link = links.get(&record.source_id);
                let target = match &reach {
                    Reach::LookUps => Target::Unknown,
                    Reach::Full(directory) => Target::Known(
                        link.and_then(|l| l.target_id.as_deref())
                            .and_then(|id| directory.users.get(id)),
                    ),
                };
                let decision = before(&Input {
                    record,
                    user,
                    may_map: may_map(user, &profiles),
                    link,
                    target,
                });
                (record, link, decision)
            })
            .collect();
        let matches = match &reach {
            Reach::Full(directory) => MatchSource::Directory(directory),
            Reach::LookUps => {
                let mut emails: Vec<String> = decided
                    .iter()
                    .filter_map(|(_, _, d)| match d {
                        Before::LookUp(l) => Some(l.email.clone()),
                        _ => None,
                    })
                    .collect();
                emails.sort_unstable();
                emails.dedup();
                MatchSource::LookedUp(look_up(connector, &retry, &flow.name, &emails).await?)
            }
        };

        let mut changes = Vec::new();
        for (record, old, decision) in decided {
            let base = old
                .cloned()
                .unwrap_or_else(|| Link::new(&flow.name, tenant, "user", &record.source_id));
            let (new, action) = match &decision {
                Before::Leave => {
                    if old.is_some_and(|l| l.status == LinkStatus::Mapped) {
                        plan.summary.unchanged += 1;
                    }
                    continue;
                }
                Before::Unmapped(reason) => (unmapped(base, reason), None),
                Before::Flag(flag) => (flagged(base, *flag), Some(LinkAction::Flag)),
                Before::LookUp(l) => (after_look_up(old, base, l, matches.of(l)), None),
            };
            let changed = Link::differences(old, &new);
            if changed.is_empty() {
                plan.summary.unchanged += 1;
                continue;
            }
            let (action, shown) = match (action, new.status) {
                (Some(action), _) => (action, LogAction::Skip),
                (None, LinkStatus::Mapped) if old.is_some_and(|l| l.target_id.is_some()) => {
                    (LinkAction::Map, LogAction::Update)
                }
                (None, LinkStatus::Mapped) => (LinkAction::Map, LogAction::Create),
                (None, _) => (LinkAction::Unmap, LogAction::Skip),
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

/// Where a chunk's look-ups are answered from.
enum MatchSource<'a> {
    Directory(&'a Directory),
    LookedUp(HashMap<String, Vec<String>>),
}

impl MatchSource<'_> {
    /// The enabled directory users with the look-up's email.
    fn of(&self, look_up: &LookUp) -> &[String] {
        let found = match self {
            MatchSource::Directory(directory) => directory.enabled_by_email.get(&look_up.email),
            MatchSource::LookedUp(matches) => matches.get(&look_up.email),
        };
        found.map_or(&[][..], Vec::as_slice)
    }
}

/// The users among a chunk's records.
fn users(records: &[RecordState]) -> impl Iterator<Item = (&RecordState, &User)> {
    records.iter().filter_map(|record| match &record.entity {
        Entity::User(user) => Some((record, user)),
        _ => None,
    })
}

/// Whether the user's role grants [`USER_MAPPING_MAP`]: its security profile's, as the hub
/// holds it, else the permissions the source resolved for the user.
fn may_map(user: &User, profiles: &HashMap<String, bool>) -> bool {
    match user.security_profile_id.as_deref().map(|p| profiles.get(p)) {
        Some(Some(granted)) => *granted,
        _ => user.permissions.iter().any(|p| p == USER_MAPPING_MAP),
    }
}

/// How many users a run of look-ups would look up (the links as they stand, the directory
/// unknown): what the full read is weighed against.
fn look_ups_needed(
    store: &Store,
    flow: &FlowConfig,
    tenant: &str,
    view: RecordView<'_>,
    profiles: &HashMap<String, bool>,
) -> anyhow::Result<usize> {
    let mut needed = 0;
    let mut chunks = Chunks::new(view, tenant, Kind::User, CHUNK);
    while let Some(records) = chunks.next(store)? {
        let ids: Vec<&str> = records.iter().map(|r| r.source_id.as_str()).collect();
        let links = store.links_by_ids(&flow.name, tenant, Kind::User.as_str(), &ids)?;
        needed += users(&records)
            .filter(|(record, user)| {
                let decision = before(&Input {
                    record,
                    user,
                    may_map: may_map(user, profiles),
                    link: links.get(&record.source_id),
                    target: Target::Unknown,
                });
                matches!(decision, Before::LookUp(_))
            })
            .count();
    }
    Ok(needed)
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

/// The whole directory, page by page with the reads' retry policy, and how many read calls it
/// took.
async fn read_directory(
    connector: &mut Connector,
    policy: &RetryPolicy,
    flow: &str,
) -> anyhow::Result<(Directory, u64)> {
    let mut directory = Directory::default();
    let mut pages = Pages::new(connector, policy, flow, Kind::User, None);
    while let Some(page) = pages.next().await.context("reading the directory")? {
        for entity in page.items {
            if let Entity::User(user) = entity {
                directory.add(user);
            }
        }
    }
    for ids in directory.enabled_by_email.values_mut() {
        ids.sort();
    }
    Ok((directory, u64::from(pages.read)))
}

impl Directory {
    fn add(&mut self, user: User) {
        let email = normalized(user.email.as_deref());
        if let (Some(email), true) = (&email, user.active) {
            self.enabled_by_email
                .entry(email.clone())
                .or_default()
                .push(user.id.clone());
        }
        self.users.insert(
            user.id,
            DirectoryUser {
                email,
                active: user.active,
            },
        );
    }
}

/// The enabled directory users of each (normalized) email, by asking for [`BATCH`]
/// addresses a call.
async fn look_up(
    connector: &mut Connector,
    policy: &RetryPolicy,
    flow: &str,
    emails: &[String],
) -> anyhow::Result<HashMap<String, Vec<String>>> {
    let mut matches: HashMap<String, Vec<String>> = HashMap::new();
    for batch in emails.chunks(BATCH) {
        let users = retried!(
            policy,
            flow,
            "find-by-email",
            connector.find_by_email(batch).await
        )
        .context("looking users up by email in the directory")?;
        for user in users.into_iter().filter(|u| u.active) {
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
