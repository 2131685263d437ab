//! How the WFM family speaks to the operator: its label, and the words of the single-user
//! sync's `scope` and `match` steps.

use ccsync_model::Team;
use ccsync_store::Account;

use super::decide::WFM_ADVANCED;

/// What the family keeps, in reports.
pub const LABEL: &str = "WFM accounts";
/// One of them.
pub const NOUN: &str = "account";
/// What a paused WFM flow means: WFM sync stays on except in special circumstances.
pub const WHILE_PAUSED: &str = "WFM sync is off: agents cannot see their schedules until the \
     flow is resumed";

/// The account of the `match` step: `; WFM account wfm/acme/42 (deactivated: no team)`.
pub fn matched(store: &str, tenant: &str, user_id: &str, account: Option<&Account>) -> String {
    match account {
        Some(a) => format!(
            "; WFM account {store}/{tenant}/{user_id} ({}{})",
            a.status,
            a.status_reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ),
        None => format!("; no WFM account in {store}"),
    }
}

/// The team part of the `scope` step.
pub fn team_text(team_id: Option<&str>, team: Option<&(Team, &str)>, has_wfm: bool) -> String {
    match (team_id, team) {
        (None, _) => "no team".to_owned(),
        (Some(id), None) => format!("team {id} is neither at the source nor in the hub"),
        (Some(id), Some((_, from))) if has_wfm => format!("team {id} has {WFM_ADVANCED} ({from})"),
        (Some(id), Some((_, from))) => format!("team {id} lacks {WFM_ADVANCED} ({from})"),
    }
}

/// Why a flow whose source reads no teams keeps no account, if it reads none: rule W3 gives
/// accounts only to users on a `WFM Advanced` team, which such a flow cannot see.
pub fn no_teams(flow: &ccsync_config::FlowConfig) -> Option<String> {
    (!flow.kinds.contains(&ccsync_model::Kind::Team)).then(|| {
        format!(
            "flow {} reads no teams: rule W3 keeps accounts only for users on a `WFM Advanced` \
             team, so every user is skipped (no WFM team) and no account is created; add \
             \"team\" to its kinds",
            flow.name
        )
    })
}
