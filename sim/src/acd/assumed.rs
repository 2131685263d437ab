//! Every detail of the simulated CXone API that no public source confirmed: which team flag means
//! "WFM Advanced", the permission names of security profiles, and the agent `location` (site id).
//!
//! They live here, and only here, so that when a real tenant shows otherwise the change is one
//! edit. `sim/ACD-WIRE.md` records the same assumptions for the connector.

use crate::admin::model::Team;

/// Permission that makes a user's own WFM schedule visible (sync rule W4).
pub const PERM_VIEW_PERSONAL_SCHEDULE: &str = "WFM > MyZone > View Personal Schedule";
/// Permission that allows presence user mapping (sync rule P2).
pub const PERM_USER_MAPPING_MAP: &str = "User Mapping: Map";
/// Further permission names that make the lists look like a real tenant's.
pub const PERM_ADMIN_USERS_VIEW: &str = "Admin > Users > View";
/// Another filler permission: editing users in Admin.
pub const PERM_ADMIN_USERS_EDIT: &str = "Admin > Users > Edit";
/// Another filler permission: logging in as an agent.
pub const PERM_AGENT_LOGIN: &str = "Agent > Login";
/// Another filler permission: monitoring agents as a supervisor.
pub const PERM_SUPERVISOR_MONITOR: &str = "Supervisor > Monitor Agents";
/// Another filler permission: viewing reporting dashboards.
pub const PERM_REPORTING_VIEW: &str = "Reporting > Dashboards > View";
/// Another filler permission: editing WFM schedules.
pub const PERM_WFM_SCHEDULE_EDIT: &str = "WFM > Scheduling > Edit";

/// ASSUMED: the name of the `id_token` claim that carries the tenant id.
pub const ID_TOKEN_TENANT_CLAIM: &str = "tenantId";

/// ASSUMED: the team flag that means the "WFM Advanced" feature is `wfm2Enabled`.
pub fn wfm_advanced(team: &Team) -> bool {
    team.wfm2_enabled
}

/// Turns the "WFM Advanced" feature of a team on or off (see [`wfm_advanced`]).
pub fn set_wfm_advanced(team: &mut Team, enabled: bool) {
    team.wfm2_enabled = enabled;
}

/// One security profile of every simulated tenant.
#[derive(Debug, Clone, Copy)]
pub struct ProfileSpec {
    /// The profile's `securityProfileId`.
    pub id: u64,
    /// The profile's `securityProfileName`.
    pub name: &'static str,
    /// ASSUMED: the Admin API returns the profile's permissions as a list of names.
    pub permissions: &'static [&'static str],
    /// Share of agents holding this profile, in per mille; the shares add up to 1000.
    pub share_per_mille: u64,
}

/// The security profiles, with the permissions the sync rules look at spread so that every
/// combination of "has / lacks" the W4 and P2 permissions occurs.
pub const PROFILES: &[ProfileSpec] = &[
    ProfileSpec {
        id: 3001,
        name: "Agent",
        permissions: &[
            PERM_AGENT_LOGIN,
            PERM_VIEW_PERSONAL_SCHEDULE,
            PERM_USER_MAPPING_MAP,
        ],
        share_per_mille: 500,
    },
    ProfileSpec {
        id: 3002,
        name: "Agent (no schedule)",
        permissions: &[PERM_AGENT_LOGIN, PERM_USER_MAPPING_MAP],
        share_per_mille: 150,
    },
    ProfileSpec {
        id: 3003,
        name: "Outbound Agent",
        permissions: &[PERM_AGENT_LOGIN, PERM_VIEW_PERSONAL_SCHEDULE],
        share_per_mille: 200,
    },
    ProfileSpec {
        id: 3004,
        name: "Supervisor",
        permissions: &[
            PERM_AGENT_LOGIN,
            PERM_SUPERVISOR_MONITOR,
            PERM_VIEW_PERSONAL_SCHEDULE,
            PERM_USER_MAPPING_MAP,
            PERM_ADMIN_USERS_VIEW,
            PERM_REPORTING_VIEW,
        ],
        share_per_mille: 90,
    },
    ProfileSpec {
        id: 3005,
        name: "Administrator",
        permissions: &[
            PERM_ADMIN_USERS_VIEW,
            PERM_ADMIN_USERS_EDIT,
            PERM_USER_MAPPING_MAP,
            PERM_WFM_SCHEDULE_EDIT,
            PERM_REPORTING_VIEW,
        ],
        share_per_mille: 20,
    },
    ProfileSpec {
        id: 3006,
        name: "Reporting Analyst",
        permissions: &[PERM_REPORTING_VIEW],
        share_per_mille: 40,
    },
];

/// ASSUMED: an agent's `location` carries a site id; these are the sites of every tenant.
pub const SITE_IDS: &[&str] = &["AMS-01", "BOS-02", "MNL-03", "PHX-04", "LON-05", "SYD-06"];

/// Share of agents with no `location`, in per mille.
pub const NO_SITE_PER_MILLE: u64 = 50;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_shares_add_up_to_one_thousand_per_mille() {
        assert_eq!(
            PROFILES.iter().map(|p| p.share_per_mille).sum::<u64>(),
            1000
        );
    }

    #[test]
    fn profiles_cover_every_combination_of_schedule_and_mapping_permissions() {
        for schedule in [true, false] {
            for mapping in [true, false] {
                assert!(
                    PROFILES.iter().any(|p| {
                        p.permissions.contains(&PERM_VIEW_PERSONAL_SCHEDULE) == schedule
                            && p.permissions.contains(&PERM_USER_MAPPING_MAP) == mapping
                    }),
                    "no profile with schedule={schedule} mapping={mapping}"
                );
            }
        }
    }
}
