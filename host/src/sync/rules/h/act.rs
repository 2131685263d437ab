//! The I/O of the WFO hybrid family: projecting a Central tenant's user records onto a WFO
//! store's accounts.
//!
//! Like the WFM projection, it walks only the users changed since it last completed, and the
//! whole tenant when a team or a profile changed: a user's team is read from the hub's team
//! records, and a team renamed to or from `iWFO Enabled` changes no user record, yet changes
//! phones and billing. An unchanged account is neither written nor logged.

use std::collections::HashMap;

use anyhow::Context;
use ccsync_config::{Family, FlowConfig};
use ccsync_model::{Entity, Kind};
use ccsync_store::{
    AccountContext, AccountOrigin, RecordState, RecordView, RunId, Store, WfoAccount, WfoChange,
};

use super::decide::{Input, decide};
use super::report::{LABEL, NOUN, display};
use crate::sync::rules::{Chunks, FamilyPlan, TargetAction, UserWalk, project_users};

/// User records decided and committed per transaction.
const CHUNK: usize = 1000;

/// Derives the accounts of WFO store `store_name` from the user records of `tenant` as `view`
/// shows them: a preview (`run`: `None`) writes nothing; applied, each chunk commits in its
/// own transaction (a crash between chunks loses nothing: the next run decides again).
pub fn project(
    store: &mut Store,
    flow: &FlowConfig,
    store_name: &str,
    tenant: &str,
    view: RecordView<'_>,
    run: Option<RunId>,
) -> anyhow::Result<FamilyPlan> {
    let teams = names(store, view, tenant, Kind::Team)?;
    let profiles = names(store, view, tenant, Kind::SecurityProfile)?;
    let mut plan = FamilyPlan::new(Family::Wfo, LABEL, NOUN, store_name);
    let fingerprint = format!("rules H v{}; flow {}", super::decide::VERSION, flow.name);
    let walk = UserWalk::start(
        store,
        view,
        (Family::Wfo, store_name, tenant),
        fingerprint,
        &[Kind::Team, Kind::SecurityProfile],
        CHUNK,
    )?;
    let decide_chunk = |store: &Store, records: Vec<RecordState>| {
        let ids: Vec<&str> = records.iter().map(|r| r.source_id.as_str()).collect();
        let accounts = store.wfo_accounts_by_ids(store_name, tenant, &ids)?;
        let mut changes = Vec::new();
        for record in &records {
            let Entity::User(user) = &record.entity else {
                continue;
            };
            let input = Input {
                store: store_name,
                flow: &flow.name,
                record,
                user,
                team: name_of(&teams, user.team_id.as_deref()),
                profile: name_of(&profiles, user.security_profile_id.as_deref()),
                existing: accounts.get(&record.source_id),
            };
            match decide(&input) {
                Some(change) => {
                    plan.push_with(change.action, || TargetAction::from(&change));
                    changes.push(change);
                }
                None if input.existing.is_some() => plan.summary.unchanged += 1,
                None => {}
            }
        }
        Ok(changes)
    };
    let write_chunk = |store: &mut Store, run: RunId, changes: Vec<WfoChange>| {
        let context = AccountContext::sync(store_name, run, &flow.name);
        store
            .commit_wfo(&context, &changes)
            .with_context(|| format!("writing the {store_name} accounts of {tenant}"))
    };
    project_users(store, walk, run, decide_chunk, write_chunk)?;
    Ok(plan)
}

/// The name of the record with id `id`, if the hub has it.
fn name_of<'n>(names: &'n HashMap<String, String>, id: Option<&str>) -> Option<&'n str> {
    id.and_then(|id| names.get(id)).map(String::as_str)
}

/// The names of a tenant's teams or security profiles, by id, as `view` shows them.
fn names(
    store: &Store,
    view: RecordView<'_>,
    tenant: &str,
    kind: Kind,
) -> anyhow::Result<HashMap<String, String>> {
    let mut names = HashMap::new();
    let mut chunks = Chunks::new(view, tenant, kind, CHUNK);
    while let Some(chunk) = chunks.next(store)? {
        for record in chunk {
            match record.entity {
                Entity::Team(team) => names.insert(team.id, team.name),
                Entity::SecurityProfile(profile) => names.insert(profile.id, profile.name),
                _ => None,
            };
        }
    }
    Ok(names)
}

/// One WFO account as an operator's act leaves it, with its log entry (origin `operator`).
pub fn operate(
    store: &mut Store,
    old: &WfoAccount,
    new: WfoAccount,
    action: ccsync_store::LogAction,
    reason: String,
) -> anyhow::Result<()> {
    let changes = WfoAccount::differences(Some(old), &new);
    let context = AccountContext {
        store: &old.store,
        origin: AccountOrigin::Operator,
        run: None,
        flow: None,
    };
    let change = WfoChange {
        tenant: old.tenant.clone(),
        source_id: old.source_id.clone(),
        expected: Some(old.updated_at),
        display: Some(display(old)),
        action,
        reason: Some(reason),
        changes,
        account: Some(new),
    };
    store
        .commit_wfo(&context, &[change])
        .with_context(|| format!("writing WFO account {}/{}", old.tenant, old.source_id))
}
