//! The running simulator of an Admin API platform, [`AdminSim<P>`]: starting and stopping it,
//! and everything tests may read or change that does not depend on the platform (agents, the
//! lists, faults, stalls, the request log). The platform's own methods (credentials, URLs,
//! platform-specific changes) are inherent methods of `AdminSim<ItsPlatform>` in its module.

use std::convert::Infallible;
use std::ops::Range;
use std::sync::{Arc, Mutex, RwLock};

use axum::Router;

use super::catalog::Catalog;
use super::directory::Directory;
use super::generate::Population;
use super::{
    API_ROOT, AdminState, Agent, CREATED_AT, Campaign, Disposition, Fault, Malformation,
    RequestRecord, SecurityProfile, SimError, Team, Typing, UnavailableCode, fault, http, read,
};
use crate::clock::SimClock;
use crate::server::{Listener, Server};
use crate::tokens::TokenStore;
use crate::traffic::Traffic;

/// How to set up the Admin API part of a simulator.
pub(crate) struct Setup {
    /// Port on 127.0.0.1; `None` picks a free one.
    pub(crate) port: Option<u16>,
    pub(crate) seed: u64,
    /// Number of base agents.
    pub(crate) agents: usize,
    /// The domain of generated user names and emails.
    pub(crate) mail_domain: String,
    pub(crate) business_unit_id: u64,
    pub(crate) typing: Typing,
    /// How tokens are issued (lifetimes).
    pub(crate) tokens: TokenStore,
    pub(crate) population: Box<dyn Population>,
    /// Labels a server failure on stderr.
    pub(crate) name: &'static str,
}

/// What a platform adds to the Admin API: its sign-in endpoints (served, logged and faulted like
/// the API) and its control endpoints under `/_sim/` (at least `/info`). Both have their state.
pub(crate) struct PlatformRoutes {
    pub(crate) served: Router,
    pub(crate) control: Router,
}

/// The state of a platform's own handlers: the Admin API's and the platform's part.
pub(crate) struct PlatformState<P> {
    pub(crate) admin: Arc<AdminState>,
    pub(crate) platform: Arc<P>,
}

impl<P> Clone for PlatformState<P> {
    fn clone(&self) -> Self {
        Self {
            admin: self.admin.clone(),
            platform: self.platform.clone(),
        }
    }
}

/// A running simulated Admin API platform; `P` is the platform's own part
/// ([`crate::acd::AcdPlatform`] for [`crate::AcdSim`], [`crate::central::CentralPlatform`] for
/// [`crate::CentralSim`]). Dropping it stops the server.
pub struct AdminSim<P> {
    pub(crate) admin: Arc<AdminState>,
    pub(crate) platform: Arc<P>,
    server: Server,
}

impl<P: Send + Sync + 'static> AdminSim<P> {
    /// Listens on 127.0.0.1 and serves the Admin API with the platform's routes in a background
    /// task of the current tokio runtime.
    pub(crate) async fn launch(
        setup: Setup,
        platform: P,
        routes: impl FnOnce(PlatformState<P>) -> PlatformRoutes,
    ) -> Result<Self, SimError> {
        let listener = Listener::bind(setup.port)
            .await
            .map_err(|(addr, source)| SimError::Bind { addr, source })?;
        let base_len = u64::try_from(setup.agents).unwrap_or(u64::MAX);
        let admin = Arc::new(AdminState {
            seed: setup.seed,
            base_url: listener.base_url(),
            business_unit_id: setup.business_unit_id,
            typing: setup.typing,
            directory: RwLock::new(Directory::new(
                setup.seed,
                base_len,
                setup.mail_domain,
                CREATED_AT,
                setup.population,
            )),
            clock: SimClock::starting_after(CREATED_AT),
            tokens: Mutex::new(setup.tokens),
            traffic: Traffic::new(fault::path_matches),
        });
        let platform = Arc::new(platform);
        let own = routes(PlatformState {
            admin: admin.clone(),
            platform: platform.clone(),
        });
        let server = listener.serve(http::router(admin.clone(), own), setup.name);
        Ok(Self {
            admin,
            platform,
            server,
        })
    }
}

impl<P> AdminSim<P> {
    /// `http://127.0.0.1:PORT`: every endpoint of the simulator is below it.
    pub fn base_url(&self) -> String {
        self.admin.base_url.clone()
    }

    /// The Admin API base for a version, e.g.
    /// `http://127.0.0.1:PORT/inContactAPI/services/v27.0` (on Central, that is
    /// `{resource_server_base_uri}services/v27.0`).
    pub fn api_url(&self, version: &str) -> String {
        format!("{}{API_ROOT}/{version}", self.admin.base_url)
    }

    /// The seed every generated record is a function of.
    pub fn seed(&self) -> u64 {
        self.admin.seed
    }

    /// Whether records go on the wire string-typed (`isActive` as `1`/`0`, ids as digit
    /// strings; see the wire notes).
    pub fn string_typed(&self) -> bool {
        self.admin.typing == Typing::Strings
    }

    /// Stops serving: releases stalled requests, lets open requests finish (up to a few
    /// seconds) and waits for the server task.
    pub async fn shutdown(mut self) {
        self.admin.traffic.release_stalls();
        self.server.shutdown().await;
    }

    fn catalog<T>(&self, list: impl FnOnce(&Catalog) -> T) -> T {
        list(&read(&self.admin.directory).catalog)
    }

    // ---- data -------------------------------------------------------------------------------

    /// The current agent with this id (`None` if removed, never existed, or malformed).
    pub fn agent(&self, id: u64) -> Option<Agent> {
        self.admin.agent(id)
    }

    /// Every current well-formed agent in agentId order (materialised: mind large tenants).
    pub fn agents(&self) -> Vec<Agent> {
        read(&self.admin.directory).all()
    }

    /// The number of current well-formed agents.
    pub fn agent_count(&self) -> u64 {
        self.admin.agent_count()
    }

    /// Ids of the current well-formed agents at these positions in agentId order.
    pub fn agent_ids(&self, positions: Range<usize>) -> Vec<u64> {
        let skip = positions.start as u64;
        let take = positions.end.saturating_sub(positions.start) as u64;
        read(&self.admin.directory).ids(skip, take)
    }

    /// Every team, with its current flags.
    pub fn teams(&self) -> Vec<Team> {
        self.catalog(|c| c.teams.clone())
    }

    /// The team with this name (the first, should several share it).
    pub fn team_named(&self, name: &str) -> Option<Team> {
        self.catalog(|c| c.teams.iter().find(|t| t.team_name == name).cloned())
    }

    /// Every security profile, with its current permissions.
    pub fn security_profiles(&self) -> Vec<SecurityProfile> {
        self.catalog(|c| c.profiles.clone())
    }

    /// The security profile with this name (the first, should several share it).
    pub fn profile_named(&self, name: &str) -> Option<SecurityProfile> {
        self.catalog(|c| {
            c.profiles
                .iter()
                .find(|p| p.security_profile_name == name)
                .cloned()
        })
    }

    /// Every campaign.
    pub fn campaigns(&self) -> Vec<Campaign> {
        self.catalog(|c| c.campaigns.clone())
    }

    /// Every disposition.
    pub fn dispositions(&self) -> Vec<Disposition> {
        self.catalog(|c| c.dispositions.clone())
    }

    /// Every unavailable code (agent status).
    pub fn unavailable_codes(&self) -> Vec<UnavailableCode> {
        self.catalog(|c| c.unavailable_codes.clone())
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
        self.admin.update_agent(id, |_, agent| {
            change(agent);
            Ok(())
        })
    }

    /// Moves an agent to another existing team (`teamId` and `teamName`; `lastUpdated` moves).
    pub fn move_agent(&self, id: u64, team_id: u64) -> Result<Agent, SimError> {
        self.admin.move_agent(id, team_id)
    }

    /// Gives an agent another existing security profile (`profileId` and `profileName`;
    /// `lastUpdated` moves).
    pub fn set_agent_profile(&self, id: u64, profile_id: u64) -> Result<Agent, SimError> {
        self.admin.set_agent_profile(id, profile_id)
    }

    /// Sets `isActive = false` (a change like any other: `lastUpdated` moves).
    pub fn deactivate_agent(&self, id: u64) -> Result<Agent, SimError> {
        self.admin.set_agent_active(id, false)
    }

    /// Sets `isActive = true` (a change like any other: `lastUpdated` moves).
    pub fn reactivate_agent(&self, id: u64) -> Result<Agent, SimError> {
        self.admin.set_agent_active(id, true)
    }

    /// Adds an agent with the next id above every existing one, generated like a base agent
    /// and then passed to `init`; returns its id.
    pub fn add_agent(&self, init: impl FnOnce(&mut Agent)) -> u64 {
        let Ok(agent) = self.admin.add_agent(|agent| {
            init(agent);
            Ok::<(), Infallible>(())
        });
        agent.agent_id
    }

    /// Deletes an agent from the source entirely (no trace, no `lastUpdated` change, as when an
    /// agent is purged: only a full read notices).
    pub fn remove_agent(&self, id: u64) -> Result<(), SimError> {
        self.admin.remove_agent(id)
    }

    /// Adds a broken agent record at the end of the agentId order; returns the id it sorts
    /// under (usable with [`AdminSim::remove_agent`]), which is not on the wire.
    pub fn inject_malformed_agent(&self, kind: Malformation) -> u64 {
        self.admin.inject_malformed_agent(kind)
    }

    /// Grants or withdraws one permission of a security profile. Agents' `lastUpdated` do not
    /// move: only the profile list shows the change.
    pub fn set_profile_permission(
        &self,
        profile_id: u64,
        permission: &str,
        granted: bool,
    ) -> Result<SecurityProfile, SimError> {
        self.admin
            .set_profile_permission(profile_id, permission, granted)
    }

    /// Every access token issued so far becomes invalid: the next API call with one gets a 401.
    /// Unused refresh tokens stay usable.
    pub fn expire_tokens(&self) {
        self.admin.expire_tokens();
    }

    /// The next `count` requests whose path `prefix` selects get `fault` instead of an answer
    /// (or, for [`Fault::MalformedRecord`], a broken one). A prefix matches the full path
    /// (`/auth/token`, `/InContactAuthorizationServer/Token`) or the path below the API version
    /// (`/agents`). Rules apply oldest first.
    pub fn fail_next(&self, prefix: &str, count: usize, fault: Fault) -> Result<(), SimError> {
        self.admin.fail_next(prefix, count, fault)
    }

    /// Drops every pending fault.
    pub fn clear_faults(&self) {
        self.admin.traffic.clear_faults();
    }

    /// Requests that `prefix` selects with this `skip` (absent = 0) wait until
    /// [`AdminSim::release_stall`].
    pub fn stall(&self, prefix: &str, skip: u64) {
        self.admin.traffic.stall(prefix, skip);
    }

    /// Lets every stalled request go on and removes every stall.
    pub fn release_stall(&self) {
        self.admin.traffic.release_stalls();
    }

    /// Requests currently held by a stall.
    pub fn stalled_requests(&self) -> usize {
        self.admin.traffic.stalled()
    }

    /// Waits until at least `n` requests are held by a stall (wrap in a timeout in tests).
    pub async fn wait_until_stalled(&self, n: usize) {
        self.admin.traffic.wait_until_stalled(n).await;
    }

    /// Answered requests (control endpoints excepted) whose path `prefix` selects.
    pub fn requests(&self, prefix: &str) -> usize {
        self.admin.traffic.count(prefix)
    }

    /// Answered POST/PUT/PATCH/DELETE requests to the Admin API (token requests excepted):
    /// a flow that never writes to its source (rules W1, H1) leaves this at 0.
    pub fn writes(&self) -> usize {
        self.admin.api_writes()
    }

    /// Answered requests, oldest first (at most
    /// [`REQUEST_LOG_CAPACITY`](super::REQUEST_LOG_CAPACITY)).
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.admin.traffic.log()
    }

    /// Empties the request log, and with it the counts [`AdminSim::requests`] and
    /// [`AdminSim::writes`] report.
    pub fn reset_request_log(&self) {
        self.admin.traffic.reset_log();
    }
}

impl<P> Drop for AdminSim<P> {
    fn drop(&mut self) {
        // Stalled requests would keep the server's task alive; the server stops itself.
        self.admin.traffic.release_stalls();
    }
}
