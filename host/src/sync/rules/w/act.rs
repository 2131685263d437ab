//! The I/O of the WFM family: projecting a tenant's user records onto a WFM store's accounts.
//!
//! [`project`] walks the user records of the flow's tenant in chunks and decides each account
//! with the pure [`decide`]. It walks only the users changed since the projection last
//! completed, unless a team or a security profile changed (a team's feature change or a
//! profile's permission change moves none of its users' records, yet changes their accounts)
//! or the flow's settings did: then the whole tenant (see `UserWalk`). An unchanged account is
//! neither written nor logged, and a skip (an ineligible user without an account) is logged
//! only when its reason differs from the last one logged for that user.

use std::collections::HashMap;

use anyhow::Context;
use ccsync_config::{Family, FlowConfig};
use ccsync_model::{Entity, Kind};
use ccsync_store::{AccountChange, AccountContext, RecordState, RecordView, RunId, Store};

use super::decide::{Input, decide, is_wfm_team, shows_schedule};
use super::report::{LABEL, NOUN, no_teams};
use crate::sync::rules::{FamilyPlan, TargetAction, UserWalk, flags_by_id, project_users};

/// User records decided and committed per transaction.
const CHUNK: usize = 1000;

/// What a projection does.
#[derive(Debug, Clone, Copy)]
pub enum Projection<'a> {
    /// Decide every account from the records `view` shows; write nothing.
    Preview(RecordView<'a>),
    /// Decide every account from the hub records and write the changes, logged as `run`'s.
    Apply(RunId),
}

/// Derives the accounts of `store_name` from the user records of `tenant`. Applied, each
/// chunk commits in its own transaction; a crash between chunks loses nothing, since the
/// next run decides again from the same records.
///
/// Previewed over the planned view of a staged read (the hub as the run will leave it), the
/// plan says what applying would do: what the engine's safety gate counts before a run writes
/// anything, and a dry run's account plan.
pub fn project(
    store: &mut Store,
    flow: &FlowConfig,
    store_name: &str,
    tenant: &str,
    projection: Projection<'_>,
) -> anyhow::Result<FamilyPlan> {
    let (view, run) = match projection {
        Projection::Preview(view) => (view, None),
        Projection::Apply(run) => (RecordView::Hub, Some(run)),
    };
    let teams = wfm_teams(store, view, tenant)?;
    let profiles = schedule_profiles(store, view, tenant)?;
    let mut plan = FamilyPlan::new(Family::Wfm, LABEL, NOUN, store_name);
    plan.notes.extend(no_teams(flow));
    let walk = UserWalk::start(
        store,
        view,
        (Family::Wfm, store_name, tenant),
        fingerprint(flow),
        &[Kind::Team, Kind::SecurityProfile],
        CHUNK,
    )?;
    let decide_chunk = |store: &Store, records: Vec<RecordState>| {
        let ids: Vec<&str> = records.iter().map(|r| r.source_id.as_str()).collect();
        let accounts = store.accounts_by_ids(store_name, tenant, &ids)?;
        // Only a user without an account can be skipped, so only theirs are looked up.
        let without: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !accounts.contains_key(*id))
            .collect();
        let decisions = store.last_account_decisions(store_name, tenant, &without)?;
        let mut changes = Vec::new();
        for record in &records {
            let Entity::User(user) = &record.entity else {
                continue;
            };
            let team_has_wfm = user
                .team_id
                .as_deref()
                .and_then(|t| teams.get(t))
                .copied()
                .unwrap_or(false);
            let profile_shows_schedule = user
                .security_profile_id
                .as_deref()
                .and_then(|p| profiles.get(p))
                .copied();
            let input = Input {
                store: store_name,
                flow: &flow.name,
                required: &flow.required_fields,
                record,
                user,
                team_has_wfm,
                profile_shows_schedule,
                existing: accounts.get(&record.source_id),
                last_decision: decisions.get(&record.source_id),
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
    let write_chunk = |store: &mut Store, run: RunId, changes: Vec<AccountChange>| {
        let context = AccountContext::sync(store_name, run, &flow.name);
        store
            .commit_accounts(&context, &changes)
            .with_context(|| format!("writing the {store_name} accounts of {tenant}"))?;
        Ok(())
    };
    project_users(store, walk, run, decide_chunk, write_chunk)?;
    Ok(plan)
}

/// What the projection's decisions depend on besides the records: the rules' version and the
/// flow's settings. A change of either re-projects every user.
fn fingerprint(flow: &FlowConfig) -> String {
    let required: Vec<&str> = flow.required_fields.iter().map(|f| f.as_str()).collect();
    format!(
        "rules W v{}; flow {}; required {}",
        super::decide::VERSION,
        flow.name,
        required.join(",")
    )
}

/// Which teams of a tenant carry WFM Advanced, by team id, as `view` shows them.
fn wfm_teams(
    store: &Store,
    view: RecordView<'_>,
    tenant: &str,
) -> anyhow::Result<HashMap<String, bool>> {
    flags_by_id(store, view, tenant, Kind::Team, |entity| match entity {
        Entity::Team(team) => Some((team.id.clone(), is_wfm_team(&team))),
        _ => None,
    })
}

/// Which security profiles of a tenant grant the schedule permission, by profile id, as
/// `view` shows them. Read here rather than from the users' own permission lists, which the
/// connector copies at read time: a profile gaining or losing the permission changes no user
/// record, yet reaches every account on the next run, incremental or full.
fn schedule_profiles(
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
                let shows = shows_schedule(&profile.permissions);
                Some((profile.id, shows))
            }
            _ => None,
        },
    )
}
