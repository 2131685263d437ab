//! The pure rules of the WFM family (W3–W6): from one user record, its team's eligibility and
//! its existing account to the change that account needs. No I/O; unit-tested by rule id.
//!
//! - W4: a user gets (or keeps) an active account only while their team has `WFM Advanced`;
//!   the account's schedule visibility follows the permission
//!   `WFM > MyZone > View Personal Schedule` of the user's security profile.
//! - W5: an account is never deleted: a user inactive or gone at the source, or no longer
//!   eligible, is deactivated, and reactivated (never duplicated) on return; the reason
//!   follows the cause.
//! - W6: a user missing a required field still gets an account, marked incomplete with the
//!   missing field names; a mass-update value fills a missing field until the source has one.
//! - W3: accounts are keyed by (store, tenant, id), so tenants never merge.

/// The version of rules W's decisions. Bump it whenever a decision changes for the same
/// inputs: the next run of every flow of the family then re-projects every user, since a
/// projection only re-decides the users whose records changed.
pub const VERSION: u32 = 1;

use std::collections::BTreeMap;

use ccsync_config::UserField;
use ccsync_model::{Team, User};
use ccsync_store::{
    Account, AccountChange, AccountField, AccountFields, AccountStatus, FieldChange, LogAction,
    RecordState, RecordStatus,
};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;

/// The team feature that makes its users eligible for a WFM account (rule W4).
pub const WFM_ADVANCED: &str = "WFM Advanced";
/// The permission that makes a WFM account's schedule visible to its user (rule W4).
pub const VIEW_PERSONAL_SCHEDULE: &str = "WFM > MyZone > View Personal Schedule";

/// The account fields and the user fields they come from.
/// Every user field a flow may require except the team, which an account always has (only a
/// user on a `WFM Advanced` team gets one): so mass update can fill any missing one (W6).
pub const ACCOUNT_FIELDS: [(AccountField, UserField); 8] = [
    (AccountField::Username, UserField::Username),
    (AccountField::FirstName, UserField::FirstName),
    (AccountField::LastName, UserField::LastName),
    (AccountField::Email, UserField::Email),
    (AccountField::EmployeeId, UserField::EmployeeId),
    (
        AccountField::SecurityProfileId,
        UserField::SecurityProfileId,
    ),
    (AccountField::PrimaryPhone, UserField::PrimaryPhone),
    (AccountField::SiteId, UserField::SiteId),
];

/// Why an account is deactivated, or a user without one is skipped.
pub(super) const INACTIVE: &str = "inactive at the source";
pub(super) const GONE: &str = "gone from the source";
pub(super) const TEAM_LOST: &str = "team lost WFM Advanced";
pub(super) const MOVED: &str = "moved to a team without WFM Advanced";
pub(super) const NO_WFM_TEAM: &str = "team without WFM Advanced";
pub(super) const NO_TEAM: &str = "no team";

/// Whether a team carries [`WFM_ADVANCED`], which makes its users eligible (rule W4).
pub fn is_wfm_team(team: &Team) -> bool {
    team.features.iter().any(|f| f == WFM_ADVANCED)
}

/// Whether a list of permissions grants [`VIEW_PERSONAL_SCHEDULE`] (rule W4).
pub fn shows_schedule(permissions: &[String]) -> bool {
    permissions.iter().any(|p| p == VIEW_PERSONAL_SCHEDULE)
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
    /// Whether the user's security profile, as the hub holds it, grants
    /// [`VIEW_PERSONAL_SCHEDULE`]; `None` when the hub has no record of the profile (the
    /// flow does not read profiles), so the permissions the user record carries decide.
    pub profile_shows_schedule: Option<bool>,
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
        schedule_visible: input
            .profile_shows_schedule
            .unwrap_or_else(|| shows_schedule(&user.permissions)),
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
    compare(
        &mut changes,
        "status_reason",
        old.and_then(|a| a.status_reason.as_deref()),
        new.status_reason.as_deref(),
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
    use ccsync_model::Entity;

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
            profile_shows_schedule: None,
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
            profile_shows_schedule: None,
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
