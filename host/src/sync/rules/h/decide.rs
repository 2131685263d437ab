//! The pure rules of the WFO hybrid family (H1–H4): from one Central user record, its team and
//! security profile and the WFO account it has, to what the account becomes. No I/O;
//! unit-tested by rule id.
//!
//! - Scope: a Central user is a WFO user when its security profile is [`IWFO_USER`] or
//!   [`IWFO_ADMIN`] (the seed gives every WFO user one of them); an account, once created,
//!   follows its user whatever the profile becomes.
//! - H1: an account is created and deactivated only from Central; Central's fields are kept
//!   in step; everything else (Agent, lock, a WFO deactivation, roles, system login) is
//!   WFO-local and never overwritten by a sync.
//! - H2: a new account has Agent on; later syncs never touch the flag.
//! - H3: phones: no Primary Phone in Central -> the WFO phones are removed; on [`IWFO_ENABLED`]
//!   with a Primary Phone -> it is added to the phones (once); on any other team with a
//!   Primary Phone -> the phones are removed (a user off the Enabled team is not recorded).
//! - H4: lock and WFO deactivation are the operator's ([`super::act`] has no part in them); a
//!   Central deactivation deactivates the account, and Central's reactivation brings back only
//!   an account Central deactivated: one an operator deactivated stays so until an operator
//!   reactivates it.

/// The version of rules H's decisions. Bump it whenever a decision changes for the same
/// inputs: the next run of every flow of the family then re-projects every user, since a
/// projection only re-decides the users whose records changed.
pub const VERSION: u32 = 1;

use ccsync_model::User;
use ccsync_store::{
    AccountStatus, Deactivator, LogAction, RecordState, RecordStatus, WfoAccount, WfoChange,
};
use jiff::Timestamp;

/// The Central team whose users are recorded and billed (rules H3, H5).
pub const IWFO_ENABLED: &str = "iWFO Enabled";
/// The Central team of WFO users who are not recorded.
pub const IWFO_NOT_ENABLED: &str = "iWFO Not Enabled";
/// The security profile of WFO users.
pub const IWFO_USER: &str = "iWFOUser";
/// The security profile of WFO users who manage user accounts.
pub const IWFO_ADMIN: &str = "iWFOAdmin";

/// Why an account is deactivated when Central deactivated its user.
pub const DEACTIVATED_IN_CENTRAL: &str = "deactivated in Central";
/// Why an account Central deactivated comes back.
pub const ACTIVE_IN_CENTRAL: &str = "active in Central again";

/// Whether a security profile makes its users WFO users.
pub fn is_wfo_profile(name: &str) -> bool {
    name == IWFO_USER || name == IWFO_ADMIN
}

/// The WFO phones after a sync (rule H3): the phones the account has, and the user's Central
/// Primary Phone and team.
pub fn phones(existing: &[String], primary: Option<&str>, enabled_team: bool) -> Vec<String> {
    match primary.map(str::trim).filter(|p| !p.is_empty()) {
        Some(primary) if enabled_team => {
            let mut phones = existing.to_vec();
            if !phones.iter().any(|p| p.trim() == primary) {
                phones.push(primary.to_owned());
            }
            phones
        }
        _ => Vec::new(),
    }
}

/// Everything [`decide`] looks at for one user.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub store: &'a str,
    pub flow: &'a str,
    pub record: &'a RecordState,
    pub user: &'a User,
    /// The name of the user's Central team, if the hub has it.
    pub team: Option<&'a str>,
    /// The name of the user's Central security profile, if the hub has it.
    pub profile: Option<&'a str>,
    pub existing: Option<&'a WfoAccount>,
}

/// What a sync does with one user's WFO account; `None`: nothing (unchanged, or not a WFO
/// user).
pub fn decide(input: &Input<'_>) -> Option<WfoChange> {
    let Input {
        record,
        user,
        existing,
        ..
    } = *input;
    let central_active = record.status == RecordStatus::Active && record.source_active;
    let enabled_team = input.team == Some(IWFO_ENABLED);
    let Some(old) = existing else {
        let wfo_user = input.profile.is_some_and(is_wfo_profile);
        if !central_active || !wfo_user {
            return None;
        }
        let account = WfoAccount {
            store: input.store.to_owned(),
            tenant: record.tenant.clone(),
            source_id: record.source_id.clone(),
            username: user.username.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            email: user.email.clone(),
            employee_id: user.employee_id.clone(),
            site_id: user.site_id.clone(),
            team_id: user.team_id.clone(),
            security_profile_id: user.security_profile_id.clone(),
            central_active,
            team_enabled: enabled_team,
            // Rule H2.
            agent: true,
            locked: false,
            status: AccountStatus::Active,
            deactivated_by: None,
            status_reason: None,
            phones: phones(&[], user.primary_phone.as_deref(), enabled_team),
            // The WFO roles start as the Central profile; they are WFO's to change after.
            roles: input
                .profile
                .map(|p| vec![p.to_owned()])
                .unwrap_or_default(),
            system_username: None,
            system_domain: None,
            flow: input.flow.to_owned(),
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        };
        return Some(change(record, None, account, LogAction::Create, None));
    };

    // Rule H1: Central's fields in step, the WFO-local ones kept.
    let mut new = WfoAccount {
        username: user.username.clone(),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        email: user.email.clone(),
        employee_id: user.employee_id.clone(),
        site_id: user.site_id.clone(),
        team_id: user.team_id.clone(),
        security_profile_id: user.security_profile_id.clone(),
        central_active,
        team_enabled: enabled_team,
        phones: phones(&old.phones, user.primary_phone.as_deref(), enabled_team),
        flow: input.flow.to_owned(),
        ..old.clone()
    };
    let (action, reason) = match (old.status, old.deactivated_by, central_active) {
        (AccountStatus::Active, _, false) => {
            new.status = AccountStatus::Deactivated;
            new.deactivated_by = Some(Deactivator::Central);
            new.status_reason = Some(DEACTIVATED_IN_CENTRAL.to_owned());
            (LogAction::Deactivate, Some(DEACTIVATED_IN_CENTRAL))
        }
        (AccountStatus::Deactivated, Some(Deactivator::Central), true) => {
            new.status = AccountStatus::Active;
            new.deactivated_by = None;
            new.status_reason = None;
            (LogAction::Reactivate, Some(ACTIVE_IN_CENTRAL))
        }
        _ => (LogAction::Update, None),
    };
    if new == *old {
        return None;
    }
    Some(change(
        record,
        Some(old),
        new,
        action,
        reason.map(str::to_owned),
    ))
}

fn change(
    record: &RecordState,
    old: Option<&WfoAccount>,
    new: WfoAccount,
    action: LogAction,
    reason: Option<String>,
) -> WfoChange {
    WfoChange {
        tenant: record.tenant.clone(),
        source_id: record.source_id.clone(),
        changes: WfoAccount::differences(old, &new),
        expected: old.map(|a| a.updated_at),
        display: Some(record.entity.display_name()),
        action,
        reason,
        account: Some(new),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccsync_model::Entity;

    fn user(phone: Option<&str>) -> User {
        User {
            id: "42".into(),
            username: Some("ann".into()),
            first_name: Some("Ann".into()),
            last_name: Some("Lee".into()),
            active: true,
            team_id: Some("T1".into()),
            security_profile_id: Some("P1".into()),
            primary_phone: phone.map(str::to_owned),
            ..User::default()
        }
    }

    fn record(user: &User, active: bool) -> RecordState {
        RecordState {
            tenant: "bu1".into(),
            source_id: user.id.clone(),
            entity: Entity::User(user.clone()),
            status: if active {
                RecordStatus::Active
            } else {
                RecordStatus::Deactivated
            },
            source_active: active,
        }
    }

    fn run(
        user: &User,
        active: bool,
        team: &str,
        existing: Option<&WfoAccount>,
    ) -> Option<WfoChange> {
        let record = record(user, active);
        decide(&Input {
            store: "wfo",
            flow: "central-wfo",
            record: &record,
            user,
            team: Some(team),
            profile: Some(IWFO_USER),
            existing,
        })
    }

    fn created(user: &User, team: &str) -> WfoAccount {
        run(user, true, team, None).unwrap().account.unwrap()
    }

    #[test]
    fn h1_only_an_iwfo_profile_creates_an_account_and_an_inactive_user_gets_none() {
        let ann = user(None);
        let rec = record(&ann, true);
        let input = Input {
            store: "wfo",
            flow: "f",
            record: &rec,
            user: &ann,
            team: Some(IWFO_ENABLED),
            profile: Some("Agent"),
            existing: None,
        };
        assert_eq!(decide(&input), None);
        assert_eq!(run(&ann, false, IWFO_ENABLED, None), None);
        assert!(is_wfo_profile(IWFO_ADMIN));
    }

    #[test]
    fn h1_a_sync_brings_centrals_fields_in_step_and_keeps_the_wfo_local_ones() {
        let ann = user(None);
        let local = WfoAccount {
            agent: false,
            locked: true,
            roles: vec!["QA".into()],
            system_username: Some("ann.lee".into()),
            ..created(&ann, IWFO_ENABLED)
        };
        let renamed = User {
            last_name: Some("Lee-Park".into()),
            ..ann
        };
        let after = run(&renamed, true, IWFO_ENABLED, Some(&local))
            .unwrap()
            .account
            .unwrap();
        assert_eq!(after.last_name.as_deref(), Some("Lee-Park"));
        assert_eq!(
            (
                after.agent,
                after.locked,
                &after.roles,
                &after.system_username
            ),
            (false, true, &local.roles, &local.system_username)
        );
    }

    #[test]
    fn h2_a_new_account_has_agent_on_and_a_sync_never_touches_it() {
        let ann = user(None);
        let account = created(&ann, IWFO_NOT_ENABLED);
        assert!(account.agent);
        let cleared = WfoAccount {
            agent: false,
            ..account
        };
        assert_eq!(run(&ann, true, IWFO_NOT_ENABLED, Some(&cleared)), None);
    }

    #[test]
    fn h3_a_primary_phone_on_the_enabled_team_is_added_once_to_the_phones() {
        assert_eq!(
            phones(&["+1 555 0101".into()], Some("+1 555 0100"), true),
            ["+1 555 0101", "+1 555 0100"]
        );
        assert_eq!(
            phones(&["+1 555 0100".into()], Some(" +1 555 0100 "), true),
            ["+1 555 0100"],
            "no duplicate"
        );
    }

    #[test]
    fn h3_no_primary_phone_or_a_team_not_enabled_removes_the_phones() {
        let existing = vec!["+1 555 0101".to_owned()];
        assert!(phones(&existing, None, true).is_empty());
        assert!(phones(&existing, Some("+1 555 0100"), false).is_empty());
        let ann = user(Some("+1 555 0100"));
        let enabled = created(&ann, IWFO_ENABLED);
        let moved = run(&ann, true, IWFO_NOT_ENABLED, Some(&enabled)).unwrap();
        let account = moved.account.unwrap();
        assert!(account.phones.is_empty());
        assert!(!account.team_enabled);
        assert!(moved.changes.iter().any(|c| c.field == "phones"));
    }

    #[test]
    fn h4_a_central_deactivation_deactivates_and_its_reactivation_brings_the_account_back() {
        let ann = user(None);
        let account = created(&ann, IWFO_ENABLED);
        let off = run(&ann, false, IWFO_ENABLED, Some(&account)).unwrap();
        assert_eq!(off.action, LogAction::Deactivate);
        let off = off.account.unwrap();
        assert_eq!(off.deactivated_by, Some(Deactivator::Central));
        let back = run(&ann, true, IWFO_ENABLED, Some(&off)).unwrap();
        assert_eq!(back.action, LogAction::Reactivate);
        assert_eq!(back.account.unwrap().status, AccountStatus::Active);
    }

    #[test]
    fn h4_an_account_an_operator_deactivated_stays_so_whatever_central_says() {
        let ann = user(None);
        let by_hand = WfoAccount {
            status: AccountStatus::Deactivated,
            deactivated_by: Some(Deactivator::Operator),
            status_reason: Some("left the team".into()),
            ..created(&ann, IWFO_ENABLED)
        };
        assert_eq!(run(&ann, true, IWFO_ENABLED, Some(&by_hand)), None);
        assert!(
            by_hand.billed(),
            "still billed while active in Central (H5)"
        );
    }
}
