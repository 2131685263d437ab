//! What a simulated CXone tenant holds: up to twenty teams (about half with "WFM Advanced", 60%
//! of agents on those), six security profiles covering every combination of the W4 and P2
//! permissions, and the shares of agents lacking a field. The drawing itself is the shared
//! [`admin`](crate::admin) generator's.

use jiff::Timestamp;

use super::assumed::{self, NO_SITE_PER_MILLE, PROFILES, SITE_IDS};
use crate::admin::catalog::{Catalog, FIRST_TEAM_ID, security_profile};
use crate::admin::generate::{Population, Variety, by_share};
use crate::admin::model::{SecurityProfile, Team};
use crate::rng::SplitMix64;

/// Share of agents placed on teams with "WFM Advanced", in per mille.
pub const WFM_TEAM_AGENT_SHARE_PER_MILLE: u64 = 600;

/// Shares of the generated variety, in per mille, and the streams they are drawn from.
pub(crate) const VARIETY: Variety = Variety {
    agent_stream: 2,
    active_stream: 3,
    inactive: 80,
    no_email: 30,
    mixed_case_email: 50,
    no_phone: 100,
    second_phone: 150,
    no_employee_id: 20,
    no_site: NO_SITE_PER_MILLE,
    no_last_name: 10,
    locked: 10,
    sites: SITE_IDS,
};

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

/// How many teams a tenant of `agents` agents has: 2 for tiny tenants, growing to 20.
pub fn team_count(agents: u64) -> usize {
    // The clamp keeps the value within 2..=20, so the cast cannot truncate.
    (agents / 50).clamp(2, TEAM_NAMES.len() as u64) as usize
}

/// How many of the leading teams were created with "WFM Advanced": about half (rounded up), and
/// at least one team of each kind. Agents draw their team from this group with
/// [`WFM_TEAM_AGENT_SHARE_PER_MILLE`], else from the rest, whatever the flags are now.
fn wfm_team_count(teams: usize) -> usize {
    teams.div_ceil(2).min(teams.saturating_sub(1))
}

/// The CXone tenant's population.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AcdPopulation;

impl Population for AcdPopulation {
    fn variety(&self) -> &Variety {
        &VARIETY
    }

    fn catalog(&self, seed: u64, agents: u64, created: Timestamp) -> Catalog {
        let count = team_count(agents);
        let wfm_teams = wfm_team_count(count);
        let mut rng = SplitMix64::for_record(seed, STREAM_CATALOG, 0);
        let teams = (0..count)
            .map(|k| {
                let wfm = k < wfm_teams;
                let last_of_group = k + 1 == wfm_teams || k + 1 == count;
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
        // In the order of PROFILES: `place` relies on it.
        let profiles = PROFILES
            .iter()
            .map(|p| security_profile(p.id, p.name, p.permissions))
            .collect();
        Catalog::with_lists(teams, profiles, &mut rng, created)
    }

    fn place<'c>(
        &self,
        rng: &mut SplitMix64,
        catalog: &'c Catalog,
    ) -> (&'c Team, &'c SecurityProfile) {
        let wfm_teams = wfm_team_count(catalog.teams.len());
        let group = if rng.chance(WFM_TEAM_AGENT_SHARE_PER_MILLE) {
            &catalog.teams[..wfm_teams]
        } else {
            &catalog.teams[wfm_teams..]
        };
        let team = rng.pick(group);
        let at = by_share(PROFILES.iter().map(|p| p.share_per_mille), rng.below(1000));
        (team, &catalog.profiles[at])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::generate::{base_agent, base_is_active, base_person};

    fn t0() -> Timestamp {
        "2025-01-01T00:00:00Z".parse().unwrap()
    }

    fn catalog(seed: u64, agents: u64) -> Catalog {
        AcdPopulation.catalog(seed, agents, t0())
    }

    fn agent(seed: u64, index: u64, catalog: &Catalog) -> crate::admin::model::Agent {
        base_agent(seed, index, &AcdPopulation, catalog, "x.example.com", t0())
    }

    #[test]
    fn big_tenants_have_twenty_teams_small_ones_fewer() {
        assert_eq!(catalog(1, 100_000).teams.len(), 20);
        assert_eq!(catalog(1, 10).teams.len(), 2);
        assert_eq!(catalog(1, 0).teams.len(), 2);
    }

    #[test]
    fn every_tenant_has_teams_with_and_without_wfm_advanced() {
        for agents in [0, 10, 300, 1_000_000] {
            let catalog = catalog(7, agents);
            assert!(catalog.teams.iter().any(assumed::wfm_advanced));
            assert!(!catalog.teams.iter().all(assumed::wfm_advanced));
        }
    }

    #[test]
    fn large_tenants_have_some_inactive_teams() {
        let catalog = catalog(7, 10_000);
        let inactive = catalog.teams.iter().filter(|t| !t.is_active).count();
        assert_eq!(inactive, 2);
    }

    #[test]
    fn an_agent_is_a_pure_function_of_seed_and_index() {
        let catalog = catalog(9, 1000);
        let a = agent(9, 17, &catalog);
        assert_eq!(a, agent(9, 17, &catalog));
        assert_eq!(a.agent_id, crate::admin::generate::FIRST_AGENT_ID + 17);
        assert_ne!(a, agent(10, 17, &catalog));
    }

    #[test]
    fn base_agent_activity_matches_the_activity_function() {
        let catalog = catalog(9, 1000);
        for i in 0..500 {
            assert_eq!(
                agent(9, i, &catalog).is_active,
                base_is_active(9, i, &VARIETY)
            );
        }
    }

    #[test]
    fn the_person_of_an_agent_has_the_agents_names_user_name_and_email() {
        let catalog = catalog(5, 1000);
        for i in 0..300 {
            let agent = agent(5, i, &catalog);
            let person = base_person(5, i, "x.example.com", &VARIETY);
            assert_eq!(person.agent_id, agent.agent_id);
            assert_eq!(Some(person.first_name.to_owned()), agent.first_name);
            assert!(agent.last_name.is_none_or(|last| last == person.last_name));
            assert_eq!(person.user_name, agent.user_name);
            assert_eq!(person.email_address, agent.email_address);
        }
    }

    #[test]
    fn team_and_profile_names_match_the_catalog() {
        let catalog = catalog(3, 5000);
        for i in 0..200 {
            let agent = agent(3, i, &catalog);
            let team = catalog.team(agent.team_id).unwrap();
            assert_eq!(team.team_name, agent.team_name);
            let profile = catalog.profile(agent.profile_id).unwrap();
            assert_eq!(profile.security_profile_name, agent.profile_name);
        }
    }
}
