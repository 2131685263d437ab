//! Base agents as a pure function of (seed, index): nothing is stored per agent, so a tenant of
//! a million agents costs nothing until its agents are read, and any agent can be produced in
//! constant time from its id.
//!
//! What differs between platforms (the lists, which team and profile an agent gets, how often a
//! field is missing) is a [`Population`]; the drawing itself is the same for every platform.

use std::fmt::Debug;

use jiff::Timestamp;

use super::catalog::Catalog;
use super::model::{Agent, SecurityProfile, Team};
use crate::rng::SplitMix64;

/// The agent id of base agent 0; base agent `i` has id `FIRST_AGENT_ID + i`.
pub const FIRST_AGENT_ID: u64 = 100_000;

/// Small lists on purpose: duplicate first and last names are common, as in real tenants.
pub(crate) const FIRST_NAMES: &[&str] = &[
    "Maria", "James", "Anna", "John", "Fatima", "Wei", "Priya", "Lucas", "Sofia", "Ahmed", "Emma",
    "Noah", "Olivia", "Liam", "Chen", "Aisha", "Mateo", "Yuki", "Elena", "David", "Grace", "Omar",
    "Hannah", "Pedro", "Ines", "Kofi", "Sara", "Ivan", "Leila", "Tom",
];
/// Family names, as small a list as [`FIRST_NAMES`].
pub(crate) const LAST_NAMES: &[&str] = &[
    "Garcia", "Smith", "Johnson", "Nguyen", "Khan", "Wang", "Patel", "Silva", "Rossi", "Brown",
    "Muller", "Kim", "Lopez", "Jones", "Ali", "Martin", "Santos", "Cohen", "Okafor", "Dubois",
    "Novak", "Larsen", "Tanaka", "Reyes", "Hughes",
];

/// How often each generated field varies, in per mille of base agents, and the random streams
/// agents are drawn from (distinct platforms use distinct streams, so that their people differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Variety {
    /// The stream of an agent's fields.
    pub(crate) agent_stream: u64,
    /// The stream of an agent's activity, apart so that the activity index can be built
    /// without generating whole agents.
    pub(crate) active_stream: u64,
    pub(crate) inactive: u64,
    pub(crate) no_email: u64,
    /// Of the agents with an email: the email in mixed case (the user name stays lowercase).
    pub(crate) mixed_case_email: u64,
    pub(crate) no_phone: u64,
    pub(crate) second_phone: u64,
    pub(crate) no_employee_id: u64,
    pub(crate) no_site: u64,
    pub(crate) no_last_name: u64,
    pub(crate) locked: u64,
    /// The site ids an agent's `location` is drawn from.
    pub(crate) sites: &'static [&'static str],
}

/// What a platform's tenant looks like: its lists and where each base agent sits in them.
pub(crate) trait Population: Debug + Send + Sync {
    /// The shares and streams of the generated fields.
    fn variety(&self) -> &Variety;

    /// The tenant's lists for a tenant of `agents` base agents, created at `created`.
    fn catalog(&self, seed: u64, agents: u64, created: Timestamp) -> Catalog;

    /// Draws the team and security profile of one base agent (after its person).
    fn place<'c>(
        &self,
        rng: &mut SplitMix64,
        catalog: &'c Catalog,
    ) -> (&'c Team, &'c SecurityProfile);
}

/// Whether base agent `index` is active: a pure function of (seed, index).
pub(crate) fn base_is_active(seed: u64, index: u64, variety: &Variety) -> bool {
    !SplitMix64::for_record(seed, variety.active_stream, index).chance(variety.inactive)
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
    /// ([`Variety::no_last_name`]).
    pub(crate) last_name: &'static str,
    /// `first.last.<agentId>@<domain>`, lowercase.
    pub(crate) user_name: String,
    /// The agent's `emailAddress`.
    pub(crate) email_address: Option<String>,
}

/// Draws the person of agent `agent_id` from the start of its stream.
pub(crate) fn draw_person(
    rng: &mut SplitMix64,
    agent_id: u64,
    domain: &str,
    variety: &Variety,
) -> Person {
    let first = *rng.pick(FIRST_NAMES);
    let last = *rng.pick(LAST_NAMES);
    let user_name = format!(
        "{}.{}.{agent_id}@{domain}",
        first.to_ascii_lowercase(),
        last.to_ascii_lowercase()
    );
    let email_address = if rng.chance(variety.no_email) {
        None
    } else if rng.chance(variety.mixed_case_email) {
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

/// The person behind base agent `index` of a tenant: the same names, user name and email as
/// [`base_agent`] gives the agent.
pub(crate) fn base_person(seed: u64, index: u64, domain: &str, variety: &Variety) -> Person {
    let mut rng = SplitMix64::for_record(seed, variety.agent_stream, index);
    draw_person(&mut rng, FIRST_AGENT_ID + index, domain, variety)
}

/// Agent `index` of a tenant, as created at `created`.
pub(crate) fn base_agent(
    seed: u64,
    index: u64,
    population: &dyn Population,
    catalog: &Catalog,
    domain: &str,
    created: Timestamp,
) -> Agent {
    let variety = population.variety();
    let agent_id = FIRST_AGENT_ID + index;
    let mut rng = SplitMix64::for_record(seed, variety.agent_stream, index);
    let Person {
        first_name: first,
        last_name: last,
        user_name,
        email_address,
        ..
    } = draw_person(&mut rng, agent_id, domain, variety);
    let (team, profile) = population.place(&mut rng, catalog);
    let telephone1 = (!rng.chance(variety.no_phone)).then(|| phone(&mut rng));
    let telephone2 = rng.chance(variety.second_phone).then(|| phone(&mut rng));
    let internal_id = (!rng.chance(variety.no_employee_id)).then(|| format!("E{agent_id}"));
    let location = (!rng.chance(variety.no_site)).then(|| (*rng.pick(variety.sites)).to_owned());
    let last_name = (!rng.chance(variety.no_last_name)).then(|| last.to_owned());
    Agent {
        agent_id,
        user_name,
        first_name: Some(first.to_owned()),
        last_name,
        email_address,
        is_active: base_is_active(seed, index, variety),
        team_id: team.team_id,
        team_name: team.team_name.clone(),
        profile_id: profile.security_profile_id,
        profile_name: profile.security_profile_name.clone(),
        telephone1,
        telephone2,
        internal_id,
        location,
        last_updated: created,
        locked: rng.chance(variety.locked),
    }
}

/// The position of the entry whose cumulative share (in per mille) first exceeds
/// `roll_per_mille`; the last position when the shares add up to less than the roll.
pub(crate) fn by_share(shares: impl IntoIterator<Item = u64>, roll_per_mille: u64) -> usize {
    let mut acc = 0;
    let mut last = 0;
    for (at, share) in shares.into_iter().enumerate() {
        acc += share;
        if roll_per_mille < acc {
            return at;
        }
        last = at;
    }
    // Callers test that their shares add up to 1000, so this is only reached if they do not.
    last
}

fn phone(rng: &mut SplitMix64) -> String {
    format!("+1555{:07}", rng.below(10_000_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_domain_keeps_only_safe_characters() {
        assert_eq!(mail_domain("Acme Corp_1"), "acmecorp1.example.com");
        assert_eq!(mail_domain("!!"), "tenant.example.com");
    }

    #[test]
    fn by_share_picks_the_entry_whose_cumulative_share_covers_the_roll() {
        let pick = |roll| by_share([500, 300, 200], roll);
        assert_eq!(pick(0), 0);
        assert_eq!(pick(499), 0);
        assert_eq!(pick(500), 1);
        assert_eq!(pick(999), 2);
        assert_eq!(pick(5000), 2);
    }
}
