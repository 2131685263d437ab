//! The small, fully materialised lists of a simulated tenant: teams, security profiles,
//! campaigns, dispositions and unavailable codes. They are generated once from the seed and the
//! tenant size; agents refer to them by id.

use jiff::Timestamp;

use super::assumed::{self, PROFILES};
use super::model::{Campaign, Disposition, SecurityProfile, Team, UnavailableCode};
use crate::rng::SplitMix64;

/// Team ids start here.
pub const FIRST_TEAM_ID: u64 = 2001;
/// Share of agents placed on teams with "WFM Advanced", in per mille.
pub const WFM_TEAM_AGENT_SHARE_PER_MILLE: u64 = 600;

const STREAM_CATALOG: u64 = 1;

const TEAM_NAMES: &[&str] = &[
    "Sales East",
    "Sales West",
    "Support Tier 1",
    "Support Tier 2",
    "Billing",
    "Retention",
    "Onboarding",
    "Collections",
    "Technical Desk",
    "VIP Care",
    "Claims",
    "Renewals",
    "Back Office",
    "Social Media",
    "Chat Team",
    "Night Shift",
    "Spanish Line",
    "French Line",
    "Escalations",
    "Quality",
];

const CAMPAIGN_TOPICS: &[&str] = &[
    "Inbound Sales",
    "Outbound Sales",
    "Customer Care",
    "Tech Support",
    "Billing Questions",
    "Win-back",
    "Survey",
    "Appointment Reminder",
    "Upsell",
    "Loyalty",
    "Fraud Alerts",
    "Email Queue",
];

const DISPOSITION_NAMES: &[&str] = &[
    "Sale",
    "No Sale",
    "Callback Requested",
    "Wrong Number",
    "Do Not Call",
    "Answering Machine",
    "Busy",
    "No Answer",
    "Resolved",
    "Escalated",
    "Transferred",
    "Left Voicemail",
    "Complaint",
    "Information Given",
];

const UNAVAILABLE_NAMES: &[&str] = &[
    "Break",
    "Lunch",
    "Meeting",
    "Training",
    "Coaching",
    "Project Work",
    "System Issue",
    "Personal",
    "After Call Work",
    "Wrap-up",
    "Email Work",
    "Outbound Prep",
];

const CAMPAIGN_COUNT: u64 = 36;
const DISPOSITION_COUNT: u64 = 42;
const UNAVAILABLE_CODE_COUNT: u64 = 24;

/// The lists of one tenant, plus how agents are spread over teams.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub teams: Vec<Team>,
    /// Number of leading entries of `teams` that were created with "WFM Advanced"; agents draw
    /// their team from this group with [`WFM_TEAM_AGENT_SHARE_PER_MILLE`], else from the rest.
    pub wfm_team_count: usize,
    pub profiles: Vec<SecurityProfile>,
    pub campaigns: Vec<Campaign>,
    pub dispositions: Vec<Disposition>,
    pub unavailable_codes: Vec<UnavailableCode>,
}

/// How many teams a tenant of `agents` agents has: 2 for tiny tenants, growing to 20.
pub fn team_count(agents: u64) -> usize {
    // The clamp keeps the value within 2..=20, so the cast cannot truncate.
    (agents / 50).clamp(2, TEAM_NAMES.len() as u64) as usize
}

impl Catalog {
    pub fn generate(seed: u64, agents: u64, created: Timestamp) -> Self {
        let count = team_count(agents);
        // About half the teams (rounded up) carry WFM Advanced; at least one team of each kind.
        let wfm_team_count = count.div_ceil(2).min(count - 1);
        let mut rng = SplitMix64::for_record(seed, STREAM_CATALOG, 0);
        let teams = (0..count)
            .map(|k| {
                let wfm = k < wfm_team_count;
                let last_of_group = k + 1 == wfm_team_count || k + 1 == count;
                let mut team = Team {
                    team_id: FIRST_TEAM_ID + k as u64,
                    team_name: TEAM_NAMES[k].to_owned(),
                    // Larger tenants keep one retired team in each group.
                    is_active: !(count >= 5 && last_of_group),
                    description: (!rng.chance(300)).then(|| format!("{} agents", TEAM_NAMES[k])),
                    wfo_enabled: rng.chance(500),
                    wfm2_enabled: false,
                    nice_wfm_enabled: rng.chance(200),
                    nice_wfo_advanced_enabled: rng.chance(100),
                };
                assumed::set_wfm_advanced(&mut team, wfm);
                team
            })
            .collect();
        let profiles = PROFILES
            .iter()
            .map(|p| SecurityProfile {
                security_profile_id: p.id,
                security_profile_name: p.name.to_owned(),
                permissions: p.permissions.iter().map(|s| (*s).to_owned()).collect(),
            })
            .collect();
        let campaigns = (0..CAMPAIGN_COUNT)
            .map(|k| {
                let topic = rng.pick(CAMPAIGN_TOPICS);
                Campaign {
                    id: 4001 + k,
                    name: format!("{topic} {:02}", k + 1),
                    is_active: !rng.chance(150),
                    description: (!rng.chance(400)).then(|| format!("{topic} skill")),
                    last_update_time: created,
                }
            })
            .collect();
        let dispositions = (0..DISPOSITION_COUNT)
            .map(|k| {
                let name = rng.pick(DISPOSITION_NAMES);
                Disposition {
                    disposition_id: 5001 + k,
                    disposition_name: format!("{name} {:02}", k + 1),
                    classification_id: 1 + rng.below(6),
                    system_outcome: match rng.below(3) {
                        0 => Some("Success".to_owned()),
                        1 => Some("Failure".to_owned()),
                        _ => None,
                    },
                    last_updated: created,
                }
            })
            .collect();
        let unavailable_codes = (0..UNAVAILABLE_CODE_COUNT)
            .map(|k| {
                let name = UNAVAILABLE_NAMES[k as usize % UNAVAILABLE_NAMES.len()];
                let round = k as usize / UNAVAILABLE_NAMES.len();
                let is_acw = name == "After Call Work" || name == "Wrap-up";
                UnavailableCode {
                    id: 6001 + k,
                    name: if round == 0 {
                        name.to_owned()
                    } else {
                        format!("{name} ({})", round + 1)
                    },
                    is_active: !rng.chance(120),
                    is_acw,
                    agent_timeout: is_acw.then(|| 30 + 15 * rng.below(8) as u32),
                }
            })
            .collect();
        Self {
            teams,
            wfm_team_count,
            profiles,
            campaigns,
            dispositions,
            unavailable_codes,
        }
    }

    pub fn team(&self, team_id: u64) -> Option<&Team> {
        self.teams.iter().find(|t| t.team_id == team_id)
    }

    pub fn team_mut(&mut self, team_id: u64) -> Option<&mut Team> {
        self.teams.iter_mut().find(|t| t.team_id == team_id)
    }

    pub fn profile_mut(&mut self, profile_id: u64) -> Option<&mut SecurityProfile> {
        self.profiles
            .iter_mut()
            .find(|p| p.security_profile_id == profile_id)
    }

    pub fn profile(&self, profile_id: u64) -> Option<&SecurityProfile> {
        self.profiles
            .iter()
            .find(|p| p.security_profile_id == profile_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> Timestamp {
        "2025-01-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn big_tenants_have_twenty_teams_small_ones_fewer() {
        assert_eq!(Catalog::generate(1, 100_000, t0()).teams.len(), 20);
        assert_eq!(Catalog::generate(1, 10, t0()).teams.len(), 2);
        assert_eq!(Catalog::generate(1, 0, t0()).teams.len(), 2);
    }

    #[test]
    fn every_tenant_has_teams_with_and_without_wfm_advanced() {
        for agents in [0, 10, 300, 1_000_000] {
            let catalog = Catalog::generate(7, agents, t0());
            assert!(catalog.teams.iter().any(assumed::wfm_advanced));
            assert!(!catalog.teams.iter().all(assumed::wfm_advanced));
        }
    }

    #[test]
    fn large_tenants_have_some_inactive_teams() {
        let catalog = Catalog::generate(7, 10_000, t0());
        let inactive = catalog.teams.iter().filter(|t| !t.is_active).count();
        assert_eq!(inactive, 2);
    }

    #[test]
    fn lists_have_a_few_dozen_entries_with_unique_ids() {
        let catalog = Catalog::generate(7, 10_000, t0());
        for ids in [
            catalog.campaigns.iter().map(|c| c.id).collect::<Vec<_>>(),
            catalog
                .dispositions
                .iter()
                .map(|d| d.disposition_id)
                .collect(),
            catalog.unavailable_codes.iter().map(|u| u.id).collect(),
        ] {
            assert!((20..=50).contains(&ids.len()));
            let mut sorted = ids.clone();
            sorted.dedup();
            assert_eq!(sorted, ids, "ids are ascending and unique");
        }
    }
}
