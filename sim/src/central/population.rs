//! What a simulated Central business unit holds: the hybrid WFO teams and profiles of
//! [`assumed`], and users spread over them by the shares written there. The drawing itself is
//! the shared [`admin`](crate::admin) generator's.

use jiff::Timestamp;

use super::assumed::{self, PROFILES, TEAMS, VARIETY};
use crate::admin::catalog::{Catalog, FIRST_TEAM_ID, security_profile};
use crate::admin::generate::{Population, Variety, by_share};
use crate::admin::model::{SecurityProfile, Team};
use crate::rng::SplitMix64;

const STREAM_CATALOG: u64 = 11;

/// The Central business unit's population.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CentralPopulation;

impl Population for CentralPopulation {
    fn variety(&self) -> &Variety {
        &VARIETY
    }

    fn catalog(&self, seed: u64, _agents: u64, created: Timestamp) -> Catalog {
        let mut rng = SplitMix64::for_record(seed, STREAM_CATALOG, 0);
        // In the order of TEAMS: `place` relies on it.
        let teams = TEAMS
            .iter()
            .zip(FIRST_TEAM_ID..)
            .map(|(spec, team_id)| Team {
                team_id,
                team_name: spec.name.to_owned(),
                is_active: spec.active,
                description: Some(format!("{} users", spec.name)),
                wfo_enabled: spec.wfo_enabled,
                wfm2_enabled: false,
                nice_wfm_enabled: false,
                nice_wfo_advanced_enabled: false,
            })
            .collect();
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
        let at = by_share(TEAMS.iter().map(|t| t.share_per_mille), rng.below(1000));
        let shares = TEAMS[at].profiles;
        let (profile_id, _) = shares[by_share(shares.iter().map(|p| p.1), rng.below(1000))];
        let profile = catalog
            .profile(profile_id)
            // Every id a team hands out is a profile (tested in `assumed`).
            .unwrap_or(&catalog.profiles[0]);
        (&catalog.teams[at], profile)
    }
}

/// The id of a team of the generated catalog, by name.
pub(crate) fn team_id(name: &str) -> Option<u64> {
    TEAMS
        .iter()
        .zip(FIRST_TEAM_ID..)
        .find(|(spec, _)| spec.name == name)
        .map(|(_, id)| id)
}

/// The team id the token reply names for the API user.
pub(crate) fn api_user_team_id() -> u64 {
    team_id(assumed::TEAM_IWFO_NOT_ENABLED).unwrap_or(FIRST_TEAM_ID)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::admin::generate::{FIRST_AGENT_ID, base_agent};
    use crate::admin::model::Agent;

    fn t0() -> Timestamp {
        "2025-01-01T00:00:00Z".parse().unwrap()
    }

    fn agents(n: u64) -> Vec<Agent> {
        let catalog = CentralPopulation.catalog(3, n, t0());
        (0..n)
            .map(|i| base_agent(3, i, &CentralPopulation, &catalog, "h.example.com", t0()))
            .collect()
    }

    #[test]
    fn the_catalog_has_the_hybrid_teams_and_profiles_with_ids_in_order() {
        let catalog = CentralPopulation.catalog(1, 10, t0());
        let teams: Vec<&str> = catalog.teams.iter().map(|t| t.team_name.as_str()).collect();
        assert_eq!(
            &teams[..2],
            &[assumed::TEAM_IWFO_ENABLED, assumed::TEAM_IWFO_NOT_ENABLED]
        );
        assert_eq!(catalog.teams[0].team_id, FIRST_TEAM_ID);
        assert_eq!(team_id("Sales"), Some(catalog.teams[2].team_id));
        assert!(catalog.profile(assumed::IWFO_ADMIN_ID).is_some());
    }

    #[test]
    fn most_users_sit_on_an_iwfo_team_with_an_iwfo_profile_and_every_mix_occurs() {
        let agents = agents(5000);
        let mut mix: HashMap<(&str, &str), usize> = HashMap::new();
        for agent in &agents {
            *mix.entry((&agent.team_name, &agent.profile_name))
                .or_default() += 1;
        }
        let count = |team, profile| mix.get(&(team, profile)).copied().unwrap_or(0);
        let iwfo = count(assumed::TEAM_IWFO_ENABLED, assumed::PROFILE_IWFO_USER)
            + count(assumed::TEAM_IWFO_NOT_ENABLED, assumed::PROFILE_IWFO_USER)
            + count(assumed::TEAM_IWFO_NOT_ENABLED, assumed::PROFILE_IWFO_ADMIN);
        assert!(iwfo > agents.len() * 3 / 4, "{iwfo} of {}", agents.len());
        assert!(count("Sales", "Agent") > 0);
        assert!(count(assumed::TEAM_IWFO_ENABLED, "Agent") > 0);
    }

    #[test]
    fn some_users_lack_a_primary_phone_and_some_are_inactive() {
        let agents = agents(2000);
        let no_phone = agents
            .iter()
            .filter(|a| assumed::primary_phone(a).is_none())
            .count();
        let inactive = agents.iter().filter(|a| !a.is_active).count();
        assert!((150..=450).contains(&no_phone), "{no_phone}");
        assert!((50..=200).contains(&inactive), "{inactive}");
        assert_eq!(agents[7].agent_id, FIRST_AGENT_ID + 7);
    }
}
