//! Base agents as a pure function of (seed, index): nothing is stored per agent, so a tenant of
//! a million agents costs nothing until its agents are read, and any agent can be produced in
//! constant time from its id.

use jiff::Timestamp;

use super::assumed::{NO_SITE_PER_MILLE, PROFILES, SITE_IDS};
use super::catalog::{Catalog, WFM_TEAM_AGENT_SHARE_PER_MILLE};
use super::model::Agent;
use crate::rng::SplitMix64;

/// The agent id of base agent 0; base agent `i` has id `FIRST_AGENT_ID + i`.
pub const FIRST_AGENT_ID: u64 = 100_000;

/// Shares of the generated variety, in per mille.
pub const INACTIVE_PER_MILLE: u64 = 80;
pub const NO_EMAIL_PER_MILLE: u64 = 30;
pub const NO_EMPLOYEE_ID_PER_MILLE: u64 = 20;
pub const NO_LAST_NAME_PER_MILLE: u64 = 10;
pub const MIXED_CASE_EMAIL_PER_MILLE: u64 = 50;
pub const NO_PHONE_PER_MILLE: u64 = 100;
pub const SECOND_PHONE_PER_MILLE: u64 = 150;
pub const LOCKED_PER_MILLE: u64 = 10;

const STREAM_AGENT: u64 = 2;
/// Activity has a stream of its own so that the activity index can be built without generating
/// whole agents.
const STREAM_ACTIVE: u64 = 3;

/// Small lists on purpose: duplicate first and last names are common, as in real tenants.
pub(crate) const FIRST_NAMES: &[&str] = &[
    "Maria", "James", "Anna", "John", "Fatima", "Wei", "Priya", "Lucas", "Sofia", "Ahmed", "Emma",
    "Noah", "Olivia", "Liam", "Chen", "Aisha", "Mateo", "Yuki", "Elena", "David", "Grace", "Omar",
    "Hannah", "Pedro", "Ines", "Kofi", "Sara", "Ivan", "Leila", "Tom",
];
pub(crate) const LAST_NAMES: &[&str] = &[
    "Garcia", "Smith", "Johnson", "Nguyen", "Khan", "Wang", "Patel", "Silva", "Rossi", "Brown",
    "Muller", "Kim", "Lopez", "Jones", "Ali", "Martin", "Santos", "Cohen", "Okafor", "Dubois",
    "Novak", "Larsen", "Tanaka", "Reyes", "Hughes",
];

/// Whether base agent `index` is active: a pure function of (seed, index).
pub fn base_is_active(seed: u64, index: u64) -> bool {
    !SplitMix64::for_record(seed, STREAM_ACTIVE, index).chance(INACTIVE_PER_MILLE)
}

/// The mail domain of a tenant: its id reduced to lowercase letters, digits and dashes.
pub fn mail_domain(tenant_id: &str) -> String {
    let label: String = tenant_id
        .chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' | '-' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    let label = if label.is_empty() { "tenant" } else { &label };
    format!("{label}.example.com")
}

/// The person behind a base agent: the first things drawn from the agent's stream, so that
/// another simulator of the same seed (the RingCentral directory) derives the same people
/// without generating whole agents or the tenant's catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Person {
    pub(crate) agent_id: u64,
    pub(crate) first_name: &'static str,
    /// The family name as drawn; the agent itself lacks it now and then
    /// ([`NO_LAST_NAME_PER_MILLE`]).
    pub(crate) last_name: &'static str,
    /// `first.last.<agentId>@<domain>`, lowercase.
    pub(crate) user_name: String,
    /// The agent's `emailAddress`.
    pub(crate) email_address: Option<String>,
}

/// Draws the person of agent `agent_id` from the start of its stream.
fn draw_person(rng: &mut SplitMix64, agent_id: u64, domain: &str) -> Person {
    let first = *rng.pick(FIRST_NAMES);
    let last = *rng.pick(LAST_NAMES);
    let user_name = format!(
        "{}.{}.{agent_id}@{domain}",
        first.to_ascii_lowercase(),
        last.to_ascii_lowercase()
    );
    let email_address = if rng.chance(NO_EMAIL_PER_MILLE) {
        None
    } else if rng.chance(MIXED_CASE_EMAIL_PER_MILLE) {
        Some(format!(
            "{first}.{last}.{agent_id}@{}",
            domain.to_ascii_uppercase()
        ))
    } else {
        Some(user_name.clone())
    };
    Person {
        agent_id,
        first_name: first,
        last_name: last,
        user_name,
        email_address,
    }
}

/// The person behind base agent `index` of a tenant whose mail domain is `domain`: the same
/// names, user name and email as [`base_agent`] gives the agent.
pub(crate) fn base_person(seed: u64, index: u64, domain: &str) -> Person {
    let mut rng = SplitMix64::for_record(seed, STREAM_AGENT, index);
    draw_person(&mut rng, FIRST_AGENT_ID + index, domain)
}

/// Agent `index` of a tenant, as created at `created`.
pub fn base_agent(
    seed: u64,
    index: u64,
    catalog: &Catalog,
    domain: &str,
    created: Timestamp,
) -> Agent {
    let agent_id = FIRST_AGENT_ID + index;
    let mut rng = SplitMix64::for_record(seed, STREAM_AGENT, index);
    let Person {
        first_name: first,
        last_name: last,
        user_name,
        email_address,
        ..
    } = draw_person(&mut rng, agent_id, domain);
    let on_wfm_team = rng.chance(WFM_TEAM_AGENT_SHARE_PER_MILLE);
    let group = if on_wfm_team {
        &catalog.teams[..catalog.wfm_team_count]
    } else {
        &catalog.teams[catalog.wfm_team_count..]
    };
    let team = rng.pick(group);
    let profile = pick_profile(rng.below(1000));
    let telephone1 = (!rng.chance(NO_PHONE_PER_MILLE)).then(|| phone(&mut rng));
    let telephone2 = rng.chance(SECOND_PHONE_PER_MILLE).then(|| phone(&mut rng));
    let internal_id = (!rng.chance(NO_EMPLOYEE_ID_PER_MILLE)).then(|| format!("E{agent_id}"));
    let location = (!rng.chance(NO_SITE_PER_MILLE)).then(|| (*rng.pick(SITE_IDS)).to_owned());
    let last_name = (!rng.chance(NO_LAST_NAME_PER_MILLE)).then(|| last.to_owned());
    Agent {
        agent_id,
        user_name,
        first_name: Some(first.to_owned()),
        last_name,
        email_address,
        is_active: base_is_active(seed, index),
        team_id: team.team_id,
        team_name: team.team_name.clone(),
        profile_id: profile.0,
        profile_name: profile.1.to_owned(),
        telephone1,
        telephone2,
        internal_id,
        location,
        last_updated: created,
        locked: rng.chance(LOCKED_PER_MILLE),
    }
}

fn pick_profile(roll_per_mille: u64) -> (u64, &'static str) {
    let mut acc = 0;
    for p in PROFILES {
        acc += p.share_per_mille;
        if roll_per_mille < acc {
            return (p.id, p.name);
        }
    }
    // Shares add up to 1000 (tested in `assumed`), so this is only reached if they do not.
    let last = PROFILES[PROFILES.len() - 1];
    (last.id, last.name)
}

fn phone(rng: &mut SplitMix64) -> String {
    format!("+1555{:07}", rng.below(10_000_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> Timestamp {
        "2025-01-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn an_agent_is_a_pure_function_of_seed_and_index() {
        let catalog = Catalog::generate(9, 1000, t0());
        let a = base_agent(9, 17, &catalog, "x.example.com", t0());
        let b = base_agent(9, 17, &catalog, "x.example.com", t0());
        assert_eq!(a, b);
        assert_eq!(a.agent_id, FIRST_AGENT_ID + 17);
        assert_ne!(a, base_agent(10, 17, &catalog, "x.example.com", t0()));
    }

    #[test]
    fn base_agent_activity_matches_the_activity_function() {
        let catalog = Catalog::generate(9, 1000, t0());
        for i in 0..500 {
            let agent = base_agent(9, i, &catalog, "x.example.com", t0());
            assert_eq!(agent.is_active, base_is_active(9, i));
        }
    }

    #[test]
    fn the_person_of_an_agent_has_the_agents_names_user_name_and_email() {
        let catalog = Catalog::generate(5, 1000, t0());
        for i in 0..300 {
            let agent = base_agent(5, i, &catalog, "x.example.com", t0());
            let person = base_person(5, i, "x.example.com");
            assert_eq!(person.agent_id, agent.agent_id);
            assert_eq!(Some(person.first_name.to_owned()), agent.first_name);
            assert!(agent.last_name.is_none_or(|last| last == person.last_name));
            assert_eq!(person.user_name, agent.user_name);
            assert_eq!(person.email_address, agent.email_address);
        }
    }

    #[test]
    fn mail_domain_keeps_only_safe_characters() {
        assert_eq!(mail_domain("Acme Corp_1"), "acmecorp1.example.com");
        assert_eq!(mail_domain("!!"), "tenant.example.com");
    }

    #[test]
    fn team_and_profile_names_match_the_catalog() {
        let catalog = Catalog::generate(3, 5000, t0());
        for i in 0..200 {
            let agent = base_agent(3, i, &catalog, "x.example.com", t0());
            let team = catalog.team(agent.team_id).unwrap();
            assert_eq!(team.team_name, agent.team_name);
            let profile = catalog.profile(agent.profile_id).unwrap();
            assert_eq!(profile.security_profile_name, agent.profile_name);
        }
    }
}
