//! The NICE Admin API as both the CXone ACD and inContact Central serve it (`sim/ACD-WIRE.md`):
//! agents paged with `skip`/`top` and read incrementally with `updatedSince`/`lastPollTime`,
//! the small lists (teams, security profiles, campaigns, dispositions, unavailable codes), agent
//! writes, the bearer check, and the control every such simulator offers (changes, faults,
//! stalls, the request log).
//!
//! Both platforms serve the same API and differ in how one signs in and in what a tenant holds,
//! so a platform simulator is this engine plus its own part: [`AdminSim<P>`] is the running
//! simulator, generic over the platform's part `P` ([`crate::acd::AcdPlatform`],
//! [`crate::central::CentralPlatform`]), which brings the token endpoint, a population (teams,
//! profiles, how often a field is missing) and its own control routes.
//!
//! Agents are not stored: base agent `i` is a pure function of (seed, i) with id
//! `100000 + i`, and only agents changed through the control API live in an overlay. A tenant of
//! a million agents therefore starts at once, and incremental reads cost only the overlay.

mod active_index;
pub(crate) mod catalog;
mod directory;
mod error;
mod fault;
pub(crate) mod generate;
pub(crate) mod http;
pub mod model;
mod sim;

use std::sync::{Mutex, RwLock};

use jiff::Timestamp;

pub use crate::traffic::{REQUEST_LOG_CAPACITY, RequestRecord};
pub use error::SimError;
pub use fault::Fault;
pub use generate::FIRST_AGENT_ID;
pub use model::{
    Agent, Campaign, Disposition, Malformation, SecurityProfile, Team, UnavailableCode,
};
pub use sim::AdminSim;
pub(crate) use sim::{PlatformRoutes, PlatformState, Setup};

use crate::clock::SimClock;
pub(crate) use crate::guard::{lock, read, write};
use crate::tokens::TokenStore;
use crate::traffic::Traffic;
use catalog::Catalog;
use directory::{Directory, Filter};

/// Every Admin API path starts with this, then `/<version>` (e.g. `v27.0`), on both platforms.
pub const API_ROOT: &str = "/inContactAPI/services";
/// The API version the connectors use unless configured otherwise.
pub const DEFAULT_API_VERSION: &str = "v27.0";
/// When every base record was created: their `lastUpdated` (2025-01-01T00:00:00Z).
pub const CREATED_AT: Timestamp = Timestamp::constant(1_735_689_600, 0);

/// How records go on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Typing {
    /// JSON booleans and integers, as the published samples show.
    #[default]
    Native,
    /// As some real endpoints answer: agents with `isActive`/`locked` as `1`/`0` and ids as
    /// digit strings; every other list with every field as a string (`"True"`/`"False"`).
    Strings,
}

impl Typing {
    /// [`Typing::Strings`] when a configuration asks for string-typed records.
    pub(crate) fn string_typed_if(string_typed: bool) -> Self {
        if string_typed {
            Typing::Strings
        } else {
            Typing::Native
        }
    }
}

/// The state shared by the HTTP handlers and the control API of one simulator.
pub(crate) struct AdminState {
    pub(crate) seed: u64,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base_url: String,
    /// The `businessUnitId` of agent pages.
    pub(crate) business_unit_id: u64,
    pub(crate) typing: Typing,
    pub(crate) directory: RwLock<Directory>,
    pub(crate) clock: SimClock,
    pub(crate) tokens: Mutex<TokenStore>,
    pub(crate) traffic: Traffic<Fault>,
}

impl AdminState {
    pub(crate) fn agent(&self, id: u64) -> Option<Agent> {
        read(&self.directory).get(id)
    }

    pub(crate) fn agent_count(&self) -> u64 {
        read(&self.directory).count(&Filter {
            well_formed_only: true,
            ..Filter::default()
        })
    }

    /// Applies `change` to the agent and stamps it with the clock's "now". A changed
    /// `teamId`/`profileId` whose name did not change brings the new id's name, as it would on
    /// the real platform.
    pub(crate) fn update_agent(
        &self,
        id: u64,
        change: impl FnOnce(&Catalog, &mut Agent) -> Result<(), SimError>,
    ) -> Result<Agent, SimError> {
        let mut dir = write(&self.directory);
        let before = dir.get(id).ok_or(SimError::UnknownAgent(id))?;
        let mut agent = before.clone();
        change(&dir.catalog, &mut agent)?;
        agent.agent_id = id;
        follow_renamed_refs(&dir.catalog, &before, &mut agent);
        agent.last_updated = self.clock.tick();
        dir.put(agent.clone());
        Ok(agent)
    }

    /// Puts the agent on another (existing) team.
    pub(crate) fn move_agent(&self, id: u64, team_id: u64) -> Result<Agent, SimError> {
        self.update_agent(id, |catalog, agent| {
            let team = catalog
                .team(team_id)
                .ok_or(SimError::UnknownTeam(team_id))?;
            agent.team_id = team.team_id;
            agent.team_name = team.team_name.clone();
            Ok(())
        })
    }

    /// Gives the agent another (existing) security profile.
    pub(crate) fn set_agent_profile(&self, id: u64, profile_id: u64) -> Result<Agent, SimError> {
        self.update_agent(id, |catalog, agent| {
            let profile = catalog
                .profile(profile_id)
                .ok_or(SimError::UnknownProfile(profile_id))?;
            agent.profile_id = profile.security_profile_id;
            agent.profile_name = profile.security_profile_name.clone();
            Ok(())
        })
    }

    /// Sets `isActive` (a change like any other: `lastUpdated` moves).
    pub(crate) fn set_agent_active(&self, id: u64, active: bool) -> Result<Agent, SimError> {
        self.update_agent(id, |_, agent| {
            agent.is_active = active;
            Ok(())
        })
    }

    /// Adds an agent with the next free id, generated like a base agent, then `change`d.
    pub(crate) fn add_agent<E>(
        &self,
        change: impl FnOnce(&mut Agent) -> Result<(), E>,
    ) -> Result<Agent, E> {
        let mut dir = write(&self.directory);
        let generated = dir.new_agent(self.clock.tick());
        let mut agent = generated.clone();
        change(&mut agent)?;
        agent.agent_id = generated.agent_id;
        agent.last_updated = generated.last_updated;
        follow_renamed_refs(&dir.catalog, &generated, &mut agent);
        dir.put(agent.clone());
        Ok(agent)
    }

    pub(crate) fn inject_malformed_agent(&self, kind: Malformation) -> u64 {
        let mut dir = write(&self.directory);
        let agent = dir.new_agent(self.clock.tick());
        let slot = agent.agent_id;
        dir.put_malformed(agent, kind);
        slot
    }

    pub(crate) fn remove_agent(&self, id: u64) -> Result<(), SimError> {
        if write(&self.directory).remove(id) {
            Ok(())
        } else {
            Err(SimError::UnknownAgent(id))
        }
    }

    /// Changes a team's flags (agents' `lastUpdated` do not move).
    pub(crate) fn update_team(
        &self,
        team_id: u64,
        change: impl FnOnce(&mut Team),
    ) -> Result<Team, SimError> {
        let mut dir = write(&self.directory);
        let team = dir
            .catalog
            .team_mut(team_id)
            .ok_or(SimError::UnknownTeam(team_id))?;
        change(team);
        Ok(team.clone())
    }

    pub(crate) fn set_profile_permission(
        &self,
        profile_id: u64,
        permission: &str,
        granted: bool,
    ) -> Result<SecurityProfile, SimError> {
        let mut dir = write(&self.directory);
        let profile = dir
            .catalog
            .profile_mut(profile_id)
            .ok_or(SimError::UnknownProfile(profile_id))?;
        profile.permissions.retain(|p| p != permission);
        if granted {
            profile.permissions.push(permission.to_owned());
        }
        Ok(profile.clone())
    }

    /// Answered POST/PUT/PATCH/DELETE requests to the Admin API (token requests excepted).
    pub(crate) fn api_writes(&self) -> usize {
        self.traffic
            .count_where(|r| r.is_write() && r.path.starts_with(API_ROOT))
    }

    pub(crate) fn expire_tokens(&self) {
        lock(&self.tokens).expire_all();
    }

    pub(crate) fn fail_next(
        &self,
        prefix: &str,
        count: usize,
        fault: Fault,
    ) -> Result<(), SimError> {
        if let Fault::Status(status) = fault
            && !(400..=599).contains(&status)
        {
            return Err(SimError::InvalidFault(format!(
                "status {status} is not an error status (400..=599)"
            )));
        }
        self.traffic.fail_next(None, prefix, count, fault);
        Ok(())
    }
}

/// When a change moved an agent to another team or profile without naming it, the name
/// follows the id, as it would on the real platform.
fn follow_renamed_refs(catalog: &Catalog, before: &Agent, agent: &mut Agent) {
    if agent.team_id != before.team_id
        && agent.team_name == before.team_name
        && let Some(team) = catalog.team(agent.team_id)
    {
        agent.team_name = team.team_name.clone();
    }
    if agent.profile_id != before.profile_id
        && agent.profile_name == before.profile_name
        && let Some(profile) = catalog.profile(agent.profile_id)
    {
        agent.profile_name = profile.security_profile_name.clone();
    }
}
