//! Every detail of the simulated inContact Central that no public source confirmed, and every
//! share (in per mille) of the generated hybrid tenant: which field is the Primary Phone, the
//! profiles' permissions, the token endpoint's error codes and refresh-token lifetime, the
//! identity of the API user, and how users spread over teams and profiles.
//!
//! They live here, and only here, so that a real business unit that shows otherwise is one
//! edit. `sim/CENTRAL-WIRE.md` records the same assumptions.

use std::time::Duration;

use crate::admin::generate::Variety;
use crate::admin::model::Agent;

// ---- names from the hybrid WFO documentation (seed 002) -----------------------------------

/// The team of recorded (billed) users.
pub const TEAM_IWFO_ENABLED: &str = "iWFO Enabled";
/// The team of users who use the WFO portal without being recorded.
pub const TEAM_IWFO_NOT_ENABLED: &str = "iWFO Not Enabled";
/// The profile of WFO users.
pub const PROFILE_IWFO_USER: &str = "iWFOUser";
/// The profile of WFO users who manage user accounts.
pub const PROFILE_IWFO_ADMIN: &str = "iWFOAdmin";

// ---- platform assumptions ------------------------------------------------------------------

/// ASSUMED: the agent field that carries Central's Primary Phone.
pub const PRIMARY_PHONE_FIELD: &str = "telephone1";

/// ASSUMED: the Primary Phone of an agent (see [`PRIMARY_PHONE_FIELD`]).
pub fn primary_phone(agent: &Agent) -> Option<&str> {
    agent.telephone1.as_deref()
}

/// Sets (or, with `None`, clears) the Primary Phone of an agent (see [`PRIMARY_PHONE_FIELD`]).
pub fn set_primary_phone(agent: &mut Agent, phone: Option<String>) {
    agent.telephone1 = phone;
}

/// ASSUMED: a token request without `scope` (or with an empty one) is granted this scope.
pub const DEFAULT_SCOPE: &str = "AdminApi";

/// ASSUMED: how long a refresh token stays usable (once) after it is issued.
pub const REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// ASSUMED: the `error` of a 401 for a wrong application or business unit.
pub const ERROR_BAD_CLIENT: &str = "invalid_client";
/// ASSUMED: the `error` of a 401 for a wrong user or password, or an unusable refresh token.
pub const ERROR_BAD_GRANT: &str = "invalid_grant";

/// ASSUMED: the token reply's `agent_id`: the API user is an administrator's login outside the
/// agents the simulator generates (it never appears in `/agents`). Its `team_id` is the
/// [`TEAM_IWFO_NOT_ENABLED`] team's.
pub const API_USER_AGENT_ID: u64 = 99_999;

/// One security profile of the simulated business unit.
#[derive(Debug, Clone, Copy)]
pub struct ProfileSpec {
    /// The profile's `securityProfileId`.
    pub id: u64,
    /// The profile's `securityProfileName`.
    pub name: &'static str,
    /// ASSUMED (as for the CXone ACD): the profile's permissions, as a list of names.
    pub permissions: &'static [&'static str],
}

/// `iWFOUser`'s id.
pub const IWFO_USER_ID: u64 = 3001;
/// `iWFOAdmin`'s id.
pub const IWFO_ADMIN_ID: u64 = 3002;
/// `Agent`'s id.
pub const AGENT_ID: u64 = 3003;
/// `Supervisor`'s id.
pub const SUPERVISOR_ID: u64 = 3004;
/// `Administrator`'s id (no generated user holds it).
pub const ADMINISTRATOR_ID: u64 = 3005;

/// The security profiles, in id order.
pub const PROFILES: &[ProfileSpec] = &[
    ProfileSpec {
        id: IWFO_USER_ID,
        name: PROFILE_IWFO_USER,
        permissions: &["WFO > Portal > Access"],
    },
    ProfileSpec {
        id: IWFO_ADMIN_ID,
        name: PROFILE_IWFO_ADMIN,
        permissions: &["WFO > Portal > Access", "WFO > Users > Manage"],
    },
    ProfileSpec {
        id: AGENT_ID,
        name: "Agent",
        permissions: &["Agent > Login"],
    },
    ProfileSpec {
        id: SUPERVISOR_ID,
        name: "Supervisor",
        permissions: &["Agent > Login", "Supervisor > Monitor Agents"],
    },
    ProfileSpec {
        id: ADMINISTRATOR_ID,
        name: "Administrator",
        permissions: &["Admin > Users > View", "Admin > Users > Edit"],
    },
];

// ---- the generated variety -----------------------------------------------------------------

/// One team of the simulated business unit and the users on it.
#[derive(Debug, Clone, Copy)]
pub struct TeamSpec {
    /// The team's `teamName`.
    pub name: &'static str,
    /// The team's `isActive`.
    pub active: bool,
    /// The team's `wfoEnabled` flag (on for the recorded team only; no sync rule reads it).
    pub wfo_enabled: bool,
    /// Share of users on this team, in per mille; the shares add up to 1000.
    pub share_per_mille: u64,
    /// The profiles of the team's users: (profile id, per mille of the team's users), adding
    /// up to 1000.
    pub profiles: &'static [(u64, u64)],
}

/// The teams, in id order (from 2001): most users on the two iWFO teams with an iWFO profile,
/// some with another profile, some on other teams (one of them retired).
pub const TEAMS: &[TeamSpec] = &[
    TeamSpec {
        name: TEAM_IWFO_ENABLED,
        active: true,
        wfo_enabled: true,
        share_per_mille: 600,
        profiles: &[(IWFO_USER_ID, 930), (IWFO_ADMIN_ID, 20), (AGENT_ID, 50)],
    },
    TeamSpec {
        name: TEAM_IWFO_NOT_ENABLED,
        active: true,
        wfo_enabled: false,
        share_per_mille: 250,
        profiles: &[
            (IWFO_USER_ID, 700),
            (IWFO_ADMIN_ID, 250),
            (SUPERVISOR_ID, 50),
        ],
    },
    TeamSpec {
        name: "Sales",
        active: true,
        wfo_enabled: false,
        share_per_mille: 70,
        profiles: &[(AGENT_ID, 850), (SUPERVISOR_ID, 150)],
    },
    TeamSpec {
        name: "Support",
        active: true,
        wfo_enabled: false,
        share_per_mille: 60,
        profiles: &[(AGENT_ID, 800), (SUPERVISOR_ID, 150), (IWFO_USER_ID, 50)],
    },
    TeamSpec {
        name: "Legacy Outbound",
        active: false,
        wfo_enabled: false,
        share_per_mille: 20,
        profiles: &[(AGENT_ID, 1000)],
    },
];

/// How often a generated user lacks a field, in per mille (and the random streams, apart from
/// the CXone ACD's so that the people differ).
pub(crate) const VARIETY: Variety = Variety {
    agent_stream: 12,
    active_stream: 13,
    inactive: 60,
    no_email: 10,
    mixed_case_email: 30,
    // The Primary Phone (see PRIMARY_PHONE_FIELD).
    no_phone: 150,
    second_phone: 100,
    no_employee_id: 20,
    no_site: 50,
    no_last_name: 5,
    locked: 10,
    // ASSUMED as for the CXone ACD: `location` holds a site id.
    sites: crate::acd::assumed::SITE_IDS,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_shares_and_each_teams_profile_shares_add_up_to_one_thousand_per_mille() {
        assert_eq!(TEAMS.iter().map(|t| t.share_per_mille).sum::<u64>(), 1000);
        for team in TEAMS {
            assert_eq!(
                team.profiles.iter().map(|p| p.1).sum::<u64>(),
                1000,
                "{}",
                team.name
            );
        }
    }

    #[test]
    fn every_profile_a_team_hands_out_exists() {
        for team in TEAMS {
            for (id, _) in team.profiles {
                assert!(PROFILES.iter().any(|p| p.id == *id), "{} {id}", team.name);
            }
        }
    }

    #[test]
    fn most_users_are_on_the_two_iwfo_teams() {
        let iwfo: u64 = TEAMS
            .iter()
            .filter(|t| t.name == TEAM_IWFO_ENABLED || t.name == TEAM_IWFO_NOT_ENABLED)
            .map(|t| t.share_per_mille)
            .sum();
        assert!(iwfo > 800);
    }
}
