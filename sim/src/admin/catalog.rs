//! The small, fully materialised lists of a simulated tenant: teams, security profiles,
//! campaigns, dispositions and unavailable codes. A platform's [`Population`] makes the teams
//! and profiles its own way; the other lists are drawn here the same way for every platform.
//! Agents refer to teams and profiles by id.
//!
//! [`Population`]: super::generate::Population

use jiff::Timestamp;

use super::model::{Campaign, Disposition, SecurityProfile, Team, UnavailableCode};
use crate::rng::SplitMix64;

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

/// Team ids start here.
pub const FIRST_TEAM_ID: u64 = 2001;
const CAMPAIGN_COUNT: u64 = 36;
const DISPOSITION_COUNT: u64 = 42;
const UNAVAILABLE_CODE_COUNT: u64 = 24;

/// The lists of one tenant.
#[derive(Debug, Clone)]
pub(crate) struct Catalog {
    pub(crate) teams: Vec<Team>,
    pub(crate) profiles: Vec<SecurityProfile>,
    pub(crate) campaigns: Vec<Campaign>,
    pub(crate) dispositions: Vec<Disposition>,
    pub(crate) unavailable_codes: Vec<UnavailableCode>,
}

/// A security profile with these permission names.
pub(crate) fn security_profile(id: u64, name: &str, permissions: &[&str]) -> SecurityProfile {
    SecurityProfile {
        security_profile_id: id,
        security_profile_name: name.to_owned(),
        permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
    }
}

impl Catalog {
    /// A catalog of these teams and profiles, with campaigns, dispositions and unavailable codes
    /// drawn from `rng` (some inactive; ACW codes with a timeout), all created at `created`.
    pub(crate) fn with_lists(
        teams: Vec<Team>,
        profiles: Vec<SecurityProfile>,
        rng: &mut SplitMix64,
        created: Timestamp,
    ) -> Self {
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
            profiles,
            campaigns,
            dispositions,
            unavailable_codes,
        }
    }

    pub(crate) fn team(&self, team_id: u64) -> Option<&Team> {
        self.teams.iter().find(|t| t.team_id == team_id)
    }

    pub(crate) fn team_mut(&mut self, team_id: u64) -> Option<&mut Team> {
        self.teams.iter_mut().find(|t| t.team_id == team_id)
    }

    pub(crate) fn profile(&self, profile_id: u64) -> Option<&SecurityProfile> {
        self.profiles
            .iter()
            .find(|p| p.security_profile_id == profile_id)
    }

    pub(crate) fn profile_mut(&mut self, profile_id: u64) -> Option<&mut SecurityProfile> {
        self.profiles
            .iter_mut()
            .find(|p| p.security_profile_id == profile_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_have_a_few_dozen_entries_with_unique_ids() {
        let created: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        let catalog = Catalog::with_lists(
            Vec::new(),
            Vec::new(),
            &mut SplitMix64::for_record(7, 1, 0),
            created,
        );
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
