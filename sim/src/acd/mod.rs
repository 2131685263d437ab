//! A simulated NICE CXone ACD tenant: the token endpoint, discovery and the Admin API read by
//! the `cxone-acd` connector, served over HTTP on loopback exactly as
//! `sim/ACD-WIRE.md` describes, plus a control API (in process and under `/_sim/`) to
//! change agents, inject faults and count requests.
//!
//! Agents are not stored: base agent `i` is a pure function of (seed, i) with id
//! `100000 + i`, and only agents changed through the control API live in an overlay. A tenant of
//! a million agents therefore starts at once, and incremental reads cost only the overlay.

mod active_index;
pub mod assumed;
mod catalog;
mod config;
mod directory;
mod error;
mod fault;
mod generate;
mod http;
pub mod model;

use std::convert::Infallible;
use std::ops::Range;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use jiff::Timestamp;

pub use crate::traffic::{REQUEST_LOG_CAPACITY, RequestRecord};
pub use config::{AcdSimConfig, Credentials};
pub use error::SimError;
pub use fault::Fault;
pub use generate::FIRST_AGENT_ID;
pub(crate) use generate::{FIRST_NAMES, LAST_NAMES, Person, base_person, mail_domain};
pub use model::{
    Agent, Campaign, Disposition, Malformation, SecurityProfile, Team, UnavailableCode,
};

use crate::clock::SimClock;
use crate::guard::write;
pub(crate) use crate::guard::{lock, read};
use crate::server::{Listener, Server};
use crate::tokens::TokenStore;
use crate::traffic::Traffic;
use directory::{Directory, Filter};

/// Every Admin API path starts with this, then `/<version>` (e.g. `v27.0`).
pub const API_ROOT: &str = "/inContactAPI/services";
/// The API version the connector uses unless configured otherwise.
pub const DEFAULT_API_VERSION: &str = "v27.0";
/// The `businessUnitId` of every simulated tenant.
pub const BUSINESS_UNIT_ID: u64 = 4_600_001;
/// When every base record was created: their `lastUpdated` (2025-01-01T00:00:00Z).
pub const CREATED_AT: Timestamp = Timestamp::constant(1_735_689_600, 0);

/// Lifetime of an access token, as CXone announces it in `expires_in`.
pub(crate) const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The state shared by the HTTP handlers and the control API.
pub(crate) struct Shared {
    pub(crate) seed: u64,
    pub(crate) tenant_id: String,
    pub(crate) credentials: Credentials,
    pub(crate) base_url: String,
    pub(crate) directory: RwLock<Directory>,
    pub(crate) clock: SimClock,
    pub(crate) tokens: Mutex<TokenStore>,
    pub(crate) traffic: Traffic<Fault>,
}

impl Shared {
    pub(crate) fn agent(&self, id: u64) -> Option<Agent> {
        read(&self.directory).get(id)
    }

    pub(crate) fn agent_count(&self) -> u64 {
        read(&self.directory).count(&Filter {
            well_formed_only: true,
            ..Filter::default()
        })
    }

    /// Applies `change` to the agent and stamps it with the clock's "now".
    pub(crate) fn update_agent(
        &self,
        id: u64,
        change: impl FnOnce(&mut Agent) -> Result<(), SimError>,
    ) -> Result<Agent, SimError> {
        let mut dir = write(&self.directory);
        let before = dir.get(id).ok_or(SimError::UnknownAgent(id))?;
        let mut agent = before.clone();
        change(&mut agent)?;
        agent.agent_id = id;
        follow_renamed_refs(&dir, &before, &mut agent);
        agent.last_updated = self.clock.tick();
        dir.put(agent.clone());
        Ok(agent)
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
        follow_renamed_refs(&dir, &generated, &mut agent);
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

    pub(crate) fn set_team_features(
        &self,
        team_id: u64,
        wfm_advanced: bool,
    ) -> Result<Team, SimError> {
        let mut dir = write(&self.directory);
        let team = dir
            .catalog
            .team_mut(team_id)
            .ok_or(SimError::UnknownTeam(team_id))?;
        assumed::set_wfm_advanced(team, wfm_advanced);
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
fn follow_renamed_refs(dir: &Directory, before: &Agent, agent: &mut Agent) {
    if agent.team_id != before.team_id
        && agent.team_name == before.team_name
        && let Some(team) = dir.catalog.team(agent.team_id)
    {
        agent.team_name = team.team_name.clone();
    }
    if agent.profile_id != before.profile_id
        && agent.profile_name == before.profile_name
        && let Some(profile) = dir.catalog.profile(agent.profile_id)
    {
        agent.profile_name = profile.security_profile_name.clone();
    }
}

/// A running simulated CXone tenant. Dropping it stops the server.
pub struct AcdSim {
    shared: Arc<Shared>,
    server: Server,
}

impl AcdSim {
    /// Listens on 127.0.0.1 (the configured port, or a free one) and serves in a background
    /// task of the current tokio runtime.
    pub async fn start(config: AcdSimConfig) -> Result<Self, SimError> {
        let listener = Listener::bind(config.port)
            .await
            .map_err(|(addr, source)| SimError::Bind { addr, source })?;
        let base_len = u64::try_from(config.agents).unwrap_or(u64::MAX);
        let shared = Arc::new(Shared {
            seed: config.seed,
            tenant_id: config.tenant_id.clone(),
            credentials: config.credentials(),
            base_url: listener.base_url(),
            directory: RwLock::new(Directory::new(
                config.seed,
                base_len,
                &config.tenant_id,
                CREATED_AT,
            )),
            clock: SimClock::starting_after(CREATED_AT),
            tokens: Mutex::new(TokenStore::new(config.seed, TOKEN_LIFETIME)),
            traffic: Traffic::new(fault::path_matches),
        });
        let server = listener.serve(http::router(shared.clone()), "ACD");
        Ok(Self { shared, server })
    }

    /// `http://127.0.0.1:PORT`: the auth URL, the discovery host and the API endpoint.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The Admin API base for a version, e.g. `http://127.0.0.1:PORT/inContactAPI/services/v27.0`.
    pub fn api_url(&self, version: &str) -> String {
        format!("{}{API_ROOT}/{version}", self.shared.base_url)
    }

    /// The tenant id: the one discovery answers for, and the `tenantId` claim of the `id_token`.
    pub fn tenant_id(&self) -> &str {
        &self.shared.tenant_id
    }

    /// The credentials the token endpoint accepts.
    pub fn credentials(&self) -> Credentials {
        self.shared.credentials.clone()
    }

    /// The seed every generated record is a function of.
    pub fn seed(&self) -> u64 {
        self.shared.seed
    }

    /// Stops serving: releases stalled requests, lets open requests finish (up to a few
    /// seconds) and waits for the server task.
    pub async fn shutdown(mut self) {
        self.shared.traffic.release_stalls();
        self.server.shutdown().await;
    }

    // ---- data -------------------------------------------------------------------------------

    /// The current agent with this id (`None` if removed, never existed, or malformed).
    pub fn agent(&self, id: u64) -> Option<Agent> {
        self.shared.agent(id)
    }

    /// Every current well-formed agent in agentId order (materialised: mind large tenants).
    pub fn agents(&self) -> Vec<Agent> {
        read(&self.shared.directory).all()
    }

    /// The number of current well-formed agents.
    pub fn agent_count(&self) -> u64 {
        self.shared.agent_count()
    }

    /// Ids of the current well-formed agents at these positions in agentId order.
    pub fn agent_ids(&self, positions: Range<usize>) -> Vec<u64> {
        let skip = positions.start as u64;
        let take = positions.end.saturating_sub(positions.start) as u64;
        read(&self.shared.directory).ids(skip, take)
    }

    /// Every team, with its current feature flags.
    pub fn teams(&self) -> Vec<Team> {
        read(&self.shared.directory).catalog.teams.clone()
    }

    /// Every security profile, with its current permissions.
    pub fn security_profiles(&self) -> Vec<SecurityProfile> {
        read(&self.shared.directory).catalog.profiles.clone()
    }

    /// Every campaign.
    pub fn campaigns(&self) -> Vec<Campaign> {
        read(&self.shared.directory).catalog.campaigns.clone()
    }

    /// Every disposition.
    pub fn dispositions(&self) -> Vec<Disposition> {
        read(&self.shared.directory).catalog.dispositions.clone()
    }

    /// Every unavailable code (agent status).
    pub fn unavailable_codes(&self) -> Vec<UnavailableCode> {
        read(&self.shared.directory)
            .catalog
            .unavailable_codes
            .clone()
    }

    // ---- control ----------------------------------------------------------------------------

    /// Changes an agent and stamps it with the simulator's "now" (so incremental reads return
    /// it). `agentId` and `lastUpdated` are the simulator's: changes to them are undone. If
    /// `teamId`/`profileId` change and the name does not, the name follows the new id.
    pub fn update_agent(
        &self,
        id: u64,
        change: impl FnOnce(&mut Agent),
    ) -> Result<Agent, SimError> {
        self.shared.update_agent(id, |agent| {
            change(agent);
            Ok(())
        })
    }

    /// Sets `isActive = false` (a change like any other: `lastUpdated` moves).
    pub fn deactivate_agent(&self, id: u64) -> Result<Agent, SimError> {
        self.update_agent(id, |agent| agent.is_active = false)
    }

    /// Adds an agent with the next id above every existing one, generated like a base agent
    /// and then passed to `init`; returns its id.
    pub fn add_agent(&self, init: impl FnOnce(&mut Agent)) -> u64 {
        let Ok(agent) = self.shared.add_agent(|agent| {
            init(agent);
            Ok::<(), Infallible>(())
        });
        agent.agent_id
    }

    /// Deletes an agent from the source entirely (no trace, no `lastUpdated` change, as when an
    /// agent is purged: only a full read notices).
    pub fn remove_agent(&self, id: u64) -> Result<(), SimError> {
        self.shared.remove_agent(id)
    }

    /// Adds a broken agent record at the end of the agentId order; returns the id it sorts
    /// under (usable with [`AcdSim::remove_agent`]), which is not on the wire.
    pub fn inject_malformed_agent(&self, kind: Malformation) -> u64 {
        self.shared.inject_malformed_agent(kind)
    }

    /// Turns "WFM Advanced" on or off for a team. Agents' `lastUpdated` do not move.
    pub fn set_team_features(&self, team_id: u64, wfm_advanced: bool) -> Result<Team, SimError> {
        self.shared.set_team_features(team_id, wfm_advanced)
    }

    /// Grants or withdraws one permission of a security profile. Agents' `lastUpdated` do not
    /// move: only the profile list shows the change.
    pub fn set_profile_permission(
        &self,
        profile_id: u64,
        permission: &str,
        granted: bool,
    ) -> Result<SecurityProfile, SimError> {
        self.shared
            .set_profile_permission(profile_id, permission, granted)
    }

    /// Every token issued so far becomes invalid: the next API call with one gets a 401.
    pub fn expire_tokens(&self) {
        self.shared.expire_tokens();
    }

    /// The next `count` requests whose path `prefix` selects get `fault` instead of an answer.
    /// A prefix matches the full path (`/auth/token`) or the path below the API version
    /// (`/agents`). Rules apply oldest first.
    pub fn fail_next(&self, prefix: &str, count: usize, fault: Fault) -> Result<(), SimError> {
        self.shared.fail_next(prefix, count, fault)
    }

    /// Drops every pending fault.
    pub fn clear_faults(&self) {
        self.shared.traffic.clear_faults();
    }

    /// Requests that `prefix` selects with this `skip` (absent = 0) wait until
    /// [`AcdSim::release_stall`].
    pub fn stall(&self, prefix: &str, skip: u64) {
        self.shared.traffic.stall(prefix, skip);
    }

    /// Lets every stalled request go on and removes every stall.
    pub fn release_stall(&self) {
        self.shared.traffic.release_stalls();
    }

    /// Requests currently held by a stall.
    pub fn stalled_requests(&self) -> usize {
        self.shared.traffic.stalled()
    }

    /// Waits until at least `n` requests are held by a stall (wrap in a timeout in tests).
    pub async fn wait_until_stalled(&self, n: usize) {
        self.shared.traffic.wait_until_stalled(n).await;
    }

    /// Answered requests (control endpoints excepted) whose path `prefix` selects.
    pub fn requests(&self, prefix: &str) -> usize {
        self.shared.traffic.count(prefix)
    }

    /// Answered POST/PUT/PATCH/DELETE requests to the Admin API (token requests excepted):
    /// a flow that respects rule W1 leaves this at 0.
    pub fn writes(&self) -> usize {
        self.shared.api_writes()
    }

    /// Answered requests, oldest first (at most [`REQUEST_LOG_CAPACITY`]).
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.shared.traffic.log()
    }

    /// Empties the request log, and with it the counts [`AcdSim::requests`] and
    /// [`AcdSim::writes`] report.
    pub fn reset_request_log(&self) {
        self.shared.traffic.reset_log();
    }
}

impl Drop for AcdSim {
    fn drop(&mut self) {
        // Stalled requests would keep the server's task alive; the server stops itself.
        self.shared.traffic.release_stalls();
    }
}
