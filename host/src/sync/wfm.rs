//! The WFM employee accounts of a hub store, derived from its records (rules W3–W6).
//!
//! After a run of a flow whose target is a WFM hub store has applied its records, [`project`]
//! walks every user record of the flow's tenant in chunks and decides each account with the
//! pure [`decide`]:
//! - W4: a user gets (or keeps) an active account only while their team has `WFM Advanced`;
//!   the account's schedule visibility follows the permission
//!   `WFM > MyZone > View Personal Schedule`.
//! - W5: an account is never deleted: a user inactive or gone at the source, or no longer
//!   eligible, is deactivated, and reactivated (never duplicated) on return.
//! - W6: a user missing a required field still gets an account, marked incomplete with the
//!   missing field names; a mass-update value fills a missing field until the source has one.
//! - W3: accounts are keyed by (store, tenant, id), so tenants never merge.
//!
//! The whole tenant is walked on every run, not only the records the run changed: a team's
//! feature change moves none of its users' records, yet changes their eligibility. An
//! unchanged account is neither written nor logged, and a skip (an ineligible user without an
//! account) is logged only when its reason differs from the last one logged for that user.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use anyhow::Context;
use ccsync_config::{FlowConfig, HubKind, HubStore, Target, UserField};
use ccsync_model::{Entity, Kind, Team, User};
use ccsync_store::{
    Account, AccountChange, AccountContext, AccountField, AccountFields, AccountOrigin,
    AccountStatus, FieldChange, LogAction, RecordState, RecordStatus, RecordView, RunId, Store,
};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;

use super::SHOWN_ACTIONS;

/// The team feature that makes its users eligible for a WFM account (rule W4).
pub const WFM_ADVANCED: &str = "WFM Advanced";
/// The permission that makes a WFM account's schedule visible to its user (rule W4).
pub const VIEW_PERSONAL_SCHEDULE: &str = "WFM > MyZone > View Personal Schedule";

/// User records decided and committed per transaction.
const CHUNK: usize = 1000;

/// The account fields and the user fields they come from.
pub const ACCOUNT_FIELDS: [(AccountField, UserField); 5] = [
    (AccountField::Username, UserField::Username),
    (AccountField::FirstName, UserField::FirstName),
    (AccountField::LastName, UserField::LastName),
    (AccountField::Email, UserField::Email),
    (AccountField::EmployeeId, UserField::EmployeeId),
];

/// Why an account is deactivated, or a user without one is skipped.
const INACTIVE: &str = "inactive at the source";
const GONE: &str = "gone from the source";
const TEAM_LOST: &str = "team lost WFM Advanced";
const MOVED: &str = "moved to a team without WFM Advanced";
const NO_WFM_TEAM: &str = "team without WFM Advanced";
const NO_TEAM: &str = "no team";

/// The WFM hub store a flow targets, if it targets one.
pub fn wfm_store(flow: &FlowConfig) -> Option<&str> {
    match &flow.target {
        Target::Hub(HubStore {
            name,
            kind: HubKind::Wfm,
        }) => Some(name),
        _ => None,
    }
}

/// What a projection changed (or, previewed, would change).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AccountsSummary {
    pub created: u64,
    pub updated: u64,
    pub deactivated: u64,
    pub reactivated: u64,
    /// Skips logged by this run (a repeated skip is not logged again, nor counted).
    pub skipped: u64,
    /// Accounts left as they were.
    pub unchanged: u64,
}

impl AccountsSummary {
    fn count(&mut self, action: LogAction) {
        match action {
            LogAction::Create => self.created += 1,
            LogAction::Deactivate => self.deactivated += 1,
            LogAction::Reactivate => self.reactivated += 1,
            LogAction::Skip => self.skipped += 1,
            _ => self.updated += 1,
        }
    }

    /// How many account actions (skips included) there are.
    pub fn actions(&self) -> u64 {
        self.created + self.updated + self.deactivated + self.reactivated + self.skipped
    }
}

impl fmt::Display for AccountsSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} create, {} update, {} deactivate, {} reactivate, {} unchanged, {} newly skipped",
            self.created,
            self.updated,
            self.deactivated,
            self.reactivated,
            self.unchanged,
            self.skipped
        )
    }
}

/// One account action, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountAction {
    pub source_id: String,
    pub display: Option<String>,
    pub action: LogAction,
    pub reason: Option<String>,
    /// Changed fields, old -> new.
    pub changes: Vec<FieldChange>,
}

impl From<&AccountChange> for AccountAction {
    fn from(change: &AccountChange) -> Self {
        Self {
            source_id: change.source_id.clone(),
            display: change.display.clone(),
            action: change.action,
            reason: change.reason.clone(),
            changes: change.changes.clone(),
        }
    }
}

/// The account plan of one WFM store for one tenant: what a projection did or would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountsPlan {
    /// The WFM hub store.
    pub store: String,
    pub summary: AccountsSummary,
    /// The actions, up to [`SHOWN_ACTIONS`], in source id order.
    pub actions: Vec<AccountAction>,
    /// Whether `actions` was cut short.
    pub actions_truncated: bool,
}

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
/// Previewed over the hub (after a run applied its records), the plan says what applying
/// would do, which the engine checks against the flow's safety limits first; previewed over
/// the planned view of a staged read, it is a dry run's account plan.
pub fn project(
    store: &mut Store,
    flow: &FlowConfig,
    store_name: &str,
    tenant: &str,
    projection: Projection<'_>,
) -> anyhow::Result<AccountsPlan> {
    let (view, run) = match projection {
        Projection::Preview(view) => (view, None),
        Projection::Apply(run) => (RecordView::Hub, Some(run)),
    };
    let teams = wfm_teams(store, view, tenant)?;
    let mut plan = AccountsPlan {
        store: store_name.to_owned(),
        summary: AccountsSummary::default(),
        actions: Vec::new(),
        actions_truncated: false,
    };
    let mut after: Option<String> = None;
    loop {
        let records = store
            .records_after(view, tenant, Kind::User, after.as_deref(), CHUNK)
            .with_context(|| format!("reading the users of tenant {tenant}"))?;
        let Some(last) = records.last() else { break };
        after = Some(last.source_id.clone());
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
            let input = Input {
                store: store_name,
                flow: &flow.name,
                required: &flow.required_fields,
                record,
                user,
                team_has_wfm,
                existing: accounts.get(&record.source_id),
                last_decision: decisions.get(&record.source_id),
            };
            match decide(&input) {
                Some(change) => {
                    plan.summary.count(change.action);
                    if plan.actions.len() < SHOWN_ACTIONS {
                        plan.actions.push(AccountAction::from(&change));
                    } else {
                        plan.actions_truncated = true;
                    }
                    changes.push(change);
                }
                None if input.existing.is_some() => plan.summary.unchanged += 1,
                None => {}
            }
        }
        if let Some(run) = run
            && !changes.is_empty()
        {
            let context = AccountContext {
                store: store_name,
                origin: AccountOrigin::Sync,
                run: Some(run),
                flow: Some(&flow.name),
            };
            store
                .commit_accounts(&context, &changes)
                .with_context(|| format!("writing the {store_name} accounts of {tenant}"))?;
        }
    }
    Ok(plan)
}

/// Which teams of a tenant carry WFM Advanced, by team id, as `view` shows them.
fn wfm_teams(
    store: &Store,
    view: RecordView<'_>,
    tenant: &str,
) -> anyhow::Result<HashMap<String, bool>> {
    let mut teams = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let chunk = store
            .records_after(view, tenant, Kind::Team, after.as_deref(), CHUNK)
            .with_context(|| format!("reading the teams of tenant {tenant}"))?;
        let Some(last) = chunk.last() else { break };
        after = Some(last.source_id.clone());
        for record in chunk {
            if let Entity::Team(team) = record.entity {
                let wfm = is_wfm_team(&team);
                teams.insert(team.id, wfm);
            }
        }
    }
    Ok(teams)
}

/// Whether a team carries [`WFM_ADVANCED`], which makes its users eligible (rule W4).
pub fn is_wfm_team(team: &Team) -> bool {
    team.features.iter().any(|f| f == WFM_ADVANCED)
}

/// Everything [`decide`] looks at for one user.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub store: &'a str,
    pub flow: &'a str,
    /// The flow's required fields (rule W6).
    pub required: &'a [UserField],
    pub record: &'a RecordState,
    pub user: &'a User,
    /// Whether the user's team record carries [`WFM_ADVANCED`].
    pub team_has_wfm: bool,
    pub existing: Option<&'a Account>,
    /// The last logged decision for a user, to log a skip only when it changes.
    pub last_decision: Option<&'a (LogAction, Option<String>)>,
}

/// A source value, or `None` when absent or blank.
fn present(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.trim().is_empty())
}

/// Why the user may not have an active account, or `None` when eligible (rule W4, W5).
pub fn ineligible(input: &Input<'_>) -> Option<&'static str> {
    let user = input.user;
    if input.record.status == RecordStatus::Deactivated {
        return Some(if input.record.source_active {
            GONE
        } else {
            INACTIVE
        });
    }
    if input.team_has_wfm {
        return None;
    }
    Some(match input.existing {
        Some(account) if account.team_id.as_deref() != user.team_id.as_deref() => MOVED,
        Some(_) => TEAM_LOST,
        None if user.team_id.is_none() => NO_TEAM,
        None => NO_WFM_TEAM,
    })
}

/// The account a user should have, from the source and the existing overrides.
fn desired(input: &Input<'_>, status: AccountStatus, reason: Option<String>) -> Account {
    let user = input.user;
    let mut overrides = input
        .existing
        .map(|a| a.overrides.clone())
        .unwrap_or_default();
    let mut fields = AccountFields::default();
    for (account_field, user_field) in ACCOUNT_FIELDS {
        match present(user_field.value(user)) {
            // The source wins, and its value retires the override (rule W6).
            Some(value) => {
                overrides.remove(account_field.as_str());
                fields.set(account_field, Some(value.to_owned()));
            }
            None => fields.set(
                account_field,
                overrides.get(account_field.as_str()).cloned(),
            ),
        }
    }
    let incomplete = input
        .required
        .iter()
        .filter(|field| {
            let value = match ACCOUNT_FIELDS.iter().find(|(_, u)| u == *field) {
                Some((account_field, _)) => fields.get(*account_field),
                None => present(field.value(user)),
            };
            value.is_none()
        })
        .map(|field| field.as_str().to_owned())
        .collect();
    let (created_at, updated_at) = input
        .existing
        .map_or((Timestamp::UNIX_EPOCH, Timestamp::UNIX_EPOCH), |a| {
            (a.created_at, a.updated_at)
        });
    Account {
        store: input.store.to_owned(),
        tenant: input.record.tenant.clone(),
        source_id: input.record.source_id.clone(),
        status,
        status_reason: reason,
        fields,
        team_id: user.team_id.clone(),
        schedule_visible: user.permissions.iter().any(|p| p == VIEW_PERSONAL_SCHEDULE),
        incomplete,
        overrides,
        flow: input
            .existing
            .map_or(input.flow, |a| a.flow.as_str())
            .to_owned(),
        created_at,
        updated_at,
    }
}

/// The change one user's account needs, or `None` when it needs none (nothing to write and
/// nothing to log).
pub fn decide(input: &Input<'_>) -> Option<AccountChange> {
    let reason = ineligible(input);
    let change = |account: Option<Account>, action, reason: Option<&str>, changes| AccountChange {
        tenant: input.record.tenant.clone(),
        source_id: input.record.source_id.clone(),
        account,
        expected: input.existing.map(|a| a.updated_at),
        display: Some(input.record.entity.display_name()),
        action,
        reason: reason.map(str::to_owned),
        changes,
    };
    let Some(existing) = input.existing else {
        return match reason {
            None => {
                let account = desired(input, AccountStatus::Active, None);
                let changes = differences(None, &account);
                let why = (!account.incomplete.is_empty())
                    .then_some("incomplete: required fields are missing");
                Some(change(Some(account), LogAction::Create, why, changes))
            }
            Some(reason) => {
                let repeated = matches!(input.last_decision,
                    Some((LogAction::Skip, Some(last))) if last == reason);
                (!repeated).then(|| change(None, LogAction::Skip, Some(reason), Vec::new()))
            }
        };
    };
    let (status, status_reason) = match reason {
        None => (AccountStatus::Active, None),
        // While an account stays deactivated for its team, keep the reason it was
        // deactivated with (its stored team id moves on, which would otherwise turn "moved"
        // into "team lost" on the next run).
        Some(reason)
            if existing.status == AccountStatus::Deactivated
                && is_team_reason(reason)
                && existing
                    .status_reason
                    .as_deref()
                    .is_some_and(is_team_reason) =>
        {
            (AccountStatus::Deactivated, existing.status_reason.clone())
        }
        Some(reason) => (AccountStatus::Deactivated, Some(reason.to_owned())),
    };
    let account = desired(input, status, status_reason.clone());
    let changes = differences(Some(existing), &account);
    if changes.is_empty() {
        return None;
    }
    let action = match (existing.status, status) {
        (AccountStatus::Active, AccountStatus::Deactivated) => LogAction::Deactivate,
        (AccountStatus::Deactivated, AccountStatus::Active) => LogAction::Reactivate,
        _ => LogAction::Update,
    };
    let why = match action {
        LogAction::Deactivate => status_reason,
        LogAction::Reactivate => {
            Some("eligible again: active at the source on a WFM Advanced team".into())
        }
        _ => None,
    };
    Some(change(Some(account), action, why.as_deref(), changes))
}

fn is_team_reason(reason: &str) -> bool {
    [TEAM_LOST, MOVED, NO_WFM_TEAM, NO_TEAM].contains(&reason)
}

/// The fields in which `new` differs from `old` (every set field of a new account), old -> new.
///
/// Runs for every user of a tenant on every run, so values are compared as they are and
/// turned into JSON only when they differ.
pub fn differences(old: Option<&Account>, new: &Account) -> Vec<FieldChange> {
    fn compare<T: PartialEq + Serialize>(
        changes: &mut Vec<FieldChange>,
        field: &str,
        old: T,
        new: T,
    ) {
        if old != new {
            changes.push(FieldChange {
                field: field.to_owned(),
                old: json!(old),
                new: json!(new),
            });
        }
    }
    static NO_OVERRIDES: BTreeMap<String, String> = BTreeMap::new();
    let mut changes = Vec::new();
    compare(
        &mut changes,
        "status",
        old.map(|a| a.status),
        Some(new.status),
    );
    for (field, _) in ACCOUNT_FIELDS {
        compare(
            &mut changes,
            field.as_str(),
            old.and_then(|a| a.fields.get(field)),
            new.fields.get(field),
        );
    }
    compare(
        &mut changes,
        "team_id",
        old.and_then(|a| a.team_id.as_deref()),
        new.team_id.as_deref(),
    );
    compare(
        &mut changes,
        "schedule_visible",
        old.map(|a| a.schedule_visible),
        Some(new.schedule_visible),
    );
    compare(
        &mut changes,
        "incomplete",
        old.map_or(&[][..], |a| &a.incomplete),
        &new.incomplete,
    );
    compare(
        &mut changes,
        "overrides",
        old.map_or(&NO_OVERRIDES, |a| &a.overrides),
        &new.overrides,
    );
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> User {
        User {
            id: id.into(),
            username: Some(format!("user{id}")),
            first_name: Some("Ann".into()),
            last_name: Some("Lee".into()),
            email: Some(format!("ann{id}@example.com")),
            employee_id: Some(format!("E{id}")),
            active: true,
            team_id: Some("10".into()),
            permissions: vec![VIEW_PERSONAL_SCHEDULE.into()],
            ..User::default()
        }
    }

    fn record(user: &User, status: RecordStatus) -> RecordState {
        RecordState {
            tenant: "acme".into(),
            source_id: user.id.clone(),
            entity: Entity::User(user.clone()),
            status,
            source_active: user.active,
        }
    }

    /// Decides `user` against `existing`, and returns the change with the account as stored
    /// afterwards (the existing one when nothing changed).
    fn run(
        user: &User,
        status: RecordStatus,
        team_has_wfm: bool,
        existing: Option<&Account>,
    ) -> (Option<AccountChange>, Option<Account>) {
        let record = record(user, status);
        let input = Input {
            store: "wfm",
            flow: "acd-wfm",
            required: &UserField::DEFAULT_REQUIRED,
            record: &record,
            user,
            team_has_wfm,
            existing,
            last_decision: None,
        };
        let change = decide(&input);
        let after = change
            .as_ref()
            .and_then(|c| c.account.clone())
            .or_else(|| existing.cloned());
        (change, after)
    }

    #[test]
    fn w4_a_user_on_a_team_without_wfm_advanced_gets_no_account_only_a_skip() {
        let (change, after) = run(&user("1"), RecordStatus::Active, false, None);
        let change = change.unwrap();
        assert_eq!(change.action, LogAction::Skip);
        assert_eq!(change.reason.as_deref(), Some(NO_WFM_TEAM));
        assert!(change.account.is_none() && after.is_none());
    }

    #[test]
    fn w4_a_repeated_skip_is_not_logged_again() {
        let user = user("1");
        let record = record(&user, RecordStatus::Active);
        let last = (LogAction::Skip, Some(NO_WFM_TEAM.to_owned()));
        let input = Input {
            store: "wfm",
            flow: "acd-wfm",
            required: &UserField::DEFAULT_REQUIRED,
            record: &record,
            user: &user,
            team_has_wfm: false,
            existing: None,
            last_decision: Some(&last),
        };
        assert_eq!(decide(&input), None);
        let inactive = (LogAction::Skip, Some(INACTIVE.to_owned()));
        let input = Input {
            last_decision: Some(&inactive),
            ..input
        };
        assert_eq!(decide(&input).unwrap().reason.as_deref(), Some(NO_WFM_TEAM));
    }

    #[test]
    fn w4_schedule_visibility_follows_the_permission() {
        let (_, visible) = run(&user("1"), RecordStatus::Active, true, None);
        let visible = visible.unwrap();
        assert!(visible.schedule_visible);
        let mut without = user("1");
        without.permissions = vec!["WFM > MyZone > View Team Schedule".into()];
        let (change, after) = run(&without, RecordStatus::Active, true, Some(&visible));
        let change = change.unwrap();
        assert_eq!(change.action, LogAction::Update);
        assert!(!after.unwrap().schedule_visible);
        assert_eq!(change.changes.len(), 1, "{:?}", change.changes);
        assert_eq!(change.changes[0].field, "schedule_visible");
    }

    #[test]
    fn w4_leaving_an_eligible_team_deactivates_and_returning_reactivates() {
        let (change, account) = run(&user("1"), RecordStatus::Active, true, None);
        assert_eq!(change.unwrap().action, LogAction::Create);
        let account = account.unwrap();

        let (lost, after_lost) = run(&user("1"), RecordStatus::Active, false, Some(&account));
        let lost = lost.unwrap();
        assert_eq!(lost.action, LogAction::Deactivate);
        assert_eq!(lost.reason.as_deref(), Some(TEAM_LOST));

        let mut moved = user("1");
        moved.team_id = Some("11".into());
        let (change, after_moved) = run(&moved, RecordStatus::Active, false, Some(&account));
        let change = change.unwrap();
        assert_eq!(change.reason.as_deref(), Some(MOVED));
        // The next run over the same state changes nothing (the reason is kept).
        let after_moved = after_moved.unwrap();
        assert_eq!(
            run(&moved, RecordStatus::Active, false, Some(&after_moved)).0,
            None
        );

        let (back, after_back) = run(&user("1"), RecordStatus::Active, true, after_lost.as_ref());
        assert_eq!(back.unwrap().action, LogAction::Reactivate);
        let after_back = after_back.unwrap();
        assert_eq!(after_back.status, AccountStatus::Active);
        assert_eq!(after_back.status_reason, None);
    }

    #[test]
    fn w5_inactive_or_gone_at_the_source_deactivates_an_account() {
        let (_, account) = run(&user("1"), RecordStatus::Active, true, None);
        let account = account.unwrap();
        let mut inactive = user("1");
        inactive.active = false;
        let change = run(&inactive, RecordStatus::Deactivated, true, Some(&account))
            .0
            .unwrap();
        assert_eq!(change.action, LogAction::Deactivate);
        assert_eq!(change.reason.as_deref(), Some(INACTIVE));
        let gone = run(&user("1"), RecordStatus::Deactivated, true, Some(&account))
            .0
            .unwrap();
        assert_eq!(gone.reason.as_deref(), Some(GONE));
    }

    #[test]
    fn w6_missing_required_fields_make_an_incomplete_account() {
        let mut partial = user("1");
        partial.email = None;
        partial.employee_id = Some("  ".into());
        let (change, account) = run(&partial, RecordStatus::Active, true, None);
        assert_eq!(change.unwrap().action, LogAction::Create);
        let account = account.unwrap();
        assert_eq!(account.status, AccountStatus::Active);
        assert_eq!(account.incomplete, ["email", "employee_id"]);
        assert_eq!(account.fields.employee_id, None);
    }

    #[test]
    fn w6_an_override_fills_a_missing_field_until_the_source_provides_one() {
        let mut partial = user("1");
        partial.email = None;
        let (_, account) = run(&partial, RecordStatus::Active, true, None);
        let mut account = account.unwrap();
        account
            .overrides
            .insert("email".into(), "fixed@example.com".into());
        account.fields.email = Some("fixed@example.com".into());
        account.incomplete.clear();
        // The source still lacks it: the override stays, nothing to do.
        assert_eq!(
            run(&partial, RecordStatus::Active, true, Some(&account)).0,
            None
        );

        // The source provides one: it wins and the override is dropped.
        let (change, after) = run(&user("1"), RecordStatus::Active, true, Some(&account));
        let after = after.unwrap();
        assert_eq!(after.fields.email.as_deref(), Some("ann1@example.com"));
        assert!(after.overrides.is_empty());
        let fields: Vec<String> = change
            .unwrap()
            .changes
            .into_iter()
            .map(|c| c.field)
            .collect();
        assert_eq!(fields, ["email", "overrides"]);
    }

    #[test]
    fn an_unchanged_account_needs_no_change() {
        let (_, account) = run(&user("1"), RecordStatus::Active, true, None);
        let account = account.unwrap();
        assert_eq!(
            run(&user("1"), RecordStatus::Active, true, Some(&account)).0,
            None
        );
    }
}
