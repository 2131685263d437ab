//! A simulated RingCentral account: the JWT bearer token endpoint and the extension directory
//! read by the `ringcentral` connector, served over HTTP on loopback exactly as
//! `sim/RINGCENTRAL-WIRE.md` describes, with the platform's per-group rate limits and penalty,
//! plus a control API (in process and under `/_sim/`) to change extensions, inject faults and
//! read counters.
//!
//! Its people are those of the ACD simulator of the same seed (the presence mapping of rule P1
//! pairs the two by email), with the directory's own variety; [`RingCentralSim::agent_matches`]
//! tells tests what a mapping should find. Its clock can run faster than real time
//! ([`RingCentralSimConfig::time_scale`]) so that minute-long rate-limit windows and hour-long
//! tokens fit in a test, while every duration it sends stays in real seconds.

pub mod assumed;
mod config;
mod directory;
mod error;
mod fault;
mod generate;
mod http;
mod limits;
pub mod model;
mod overlap;

use std::convert::Infallible;
use std::sync::{Arc, Mutex, RwLock};

pub use crate::traffic::{REQUEST_LOG_CAPACITY, RequestRecord};
pub use config::{ALLOWED_TIME_SCALES, RateLimits, RingCentralCredentials, RingCentralSimConfig};
pub use error::RingCentralError;
pub use fault::Fault;
pub use limits::{Counters, RateGroup};
pub use model::{Contact, DirectoryRecord, Extension, ExtensionStatus, ExtensionType, Origin};
pub use overlap::{AgentMatch, MatchOutcome};

use crate::acd::{base_person, mail_domain};
use crate::guard::{lock, read, write};
use crate::server::{Listener, Server};
use crate::tokens::TokenStore;
use crate::traffic::Traffic;
use config::TimeScale;
use directory::Directory;
use limits::{Limiter, Stats};

/// The token endpoint.
pub const TOKEN_PATH: &str = "/restapi/oauth/token";
/// Every account-scoped API path starts with this, then `/<account id or ~>`.
pub const API_ACCOUNT_ROOT: &str = "/restapi/v1.0/account";
/// The extension list of the caller's own account.
pub const EXTENSIONS_PATH: &str = "/restapi/v1.0/account/~/extension";
/// The `grant_type` of the JWT bearer grant.
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The id of the first generated extension (the administrator's); the others follow.
pub const FIRST_EXTENSION_ID: u64 = 2_570_000_000;
/// The extension number of the first generated extension; the others follow.
pub const FIRST_EXTENSION_NUMBER: u64 = 1001;
/// The `owner_id` of every token: the administrator who generated the JWT.
pub const OWNER_ID: u64 = FIRST_EXTENSION_ID;
/// An access token's life in simulated seconds (`expires_in` is this over the time scale).
pub const ACCESS_TOKEN_LIFETIME_SECS: u64 = 3600;
/// A refresh token's life in simulated seconds.
pub const REFRESH_TOKEN_LIFETIME_SECS: u64 = 604_799;

/// The state shared by the HTTP handlers and the control API.
pub(crate) struct Shared {
    pub(crate) seed: u64,
    pub(crate) users: u64,
    pub(crate) acd_tenant_id: String,
    pub(crate) credentials: RingCentralCredentials,
    pub(crate) base_url: String,
    pub(crate) scale: TimeScale,
    pub(crate) limits: RateLimits,
    pub(crate) directory: RwLock<Directory>,
    pub(crate) tokens: Mutex<TokenStore>,
    pub(crate) limiter: Mutex<Limiter>,
    pub(crate) stats: Stats,
    pub(crate) traffic: Traffic<Fault>,
}

impl Shared {
    /// Applies `change` to the extension; when it changes the contact's names but not `name`,
    /// `name` follows them, as it does on the platform.
    pub(crate) fn update_extension(
        &self,
        id: u64,
        change: impl FnOnce(&mut Extension) -> Result<(), RingCentralError>,
    ) -> Result<Extension, RingCentralError> {
        let mut dir = write(&self.directory);
        let mut record = dir
            .get(id)
            .cloned()
            .ok_or(RingCentralError::UnknownExtension(id))?;
        let before = record.extension.clone();
        change(&mut record.extension)?;
        record.extension.id = id;
        follow_names(&before, &mut record.extension);
        dir.put(record.clone());
        Ok(record.extension)
    }

    /// Adds a directory-only user with the next id and number, then `change`d.
    pub(crate) fn add_extension<E>(
        &self,
        change: impl FnOnce(&mut Extension) -> Result<(), E>,
    ) -> Result<Extension, E> {
        let mut dir = write(&self.directory);
        let generated = dir.new_extension();
        let mut extension = generated.clone();
        change(&mut extension)?;
        extension.id = generated.id;
        follow_names(&generated, &mut extension);
        dir.put(DirectoryRecord {
            extension: extension.clone(),
            origin: Origin::Added,
        });
        Ok(extension)
    }

    pub(crate) fn remove_extension(&self, id: u64) -> Result<(), RingCentralError> {
        if write(&self.directory).remove(id) {
            Ok(())
        } else {
            Err(RingCentralError::UnknownExtension(id))
        }
    }

    pub(crate) fn fail_next(
        &self,
        prefix: &str,
        count: usize,
        fault: Fault,
    ) -> Result<(), RingCentralError> {
        if let Fault::Status(status) = fault
            && !(400..=599).contains(&status)
        {
            return Err(RingCentralError::InvalidFault(format!(
                "status {status} is not an error status (400..=599)"
            )));
        }
        self.traffic.fail_next(None, prefix, count, fault);
        Ok(())
    }

    pub(crate) fn requests(&self, prefix: &str) -> usize {
        self.traffic.count(prefix)
    }

    pub(crate) fn reset_counters(&self) {
        self.stats.reset();
        self.traffic.reset_log();
    }
}

/// `First Last` follows a change of the contact's names that left `name` alone.
fn follow_names(before: &Extension, extension: &mut Extension) {
    let names = |e: &Extension| (e.contact.first_name.clone(), e.contact.last_name.clone());
    if names(before) != names(extension) && before.name == extension.name {
        let (first, last) = names(extension);
        extension.name = [first, last]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
    }
}

/// A running simulated RingCentral account. Dropping it stops the server.
pub struct RingCentralSim {
    shared: Arc<Shared>,
    server: Server,
}

impl RingCentralSim {
    /// Listens on 127.0.0.1 (the configured port, or a free one) and serves in a background
    /// task of the current tokio runtime. Refuses a time scale that does not divide 60.
    pub async fn start(config: RingCentralSimConfig) -> Result<Self, RingCentralError> {
        let scale = TimeScale::new(config.time_scale)?;
        let listener = Listener::bind(config.port)
            .await
            .map_err(|(addr, source)| RingCentralError::Bind { addr, source })?;
        let users = u64::try_from(config.users).unwrap_or(u64::MAX);
        let domain = mail_domain(&config.acd_tenant_id);
        let shared = Arc::new(Shared {
            seed: config.seed,
            users,
            acd_tenant_id: config.acd_tenant_id.clone(),
            credentials: config.credentials(),
            base_url: listener.base_url(),
            scale,
            limits: config.limits,
            directory: RwLock::new(Directory::new(config.seed, users, &domain)),
            tokens: Mutex::new(
                TokenStore::new(config.seed, scale.real(ACCESS_TOKEN_LIFETIME_SECS))
                    .with_refresh_lifetime(scale.real(REFRESH_TOKEN_LIFETIME_SECS)),
            ),
            limiter: Mutex::new(Limiter::new(config.limits, scale)),
            stats: Stats::new(scale),
            traffic: Traffic::new(fault::path_matches),
        });
        let server = listener.serve(http::router(shared.clone()), "RingCentral");
        Ok(Self { shared, server })
    }

    /// `http://127.0.0.1:PORT`: the connector's `base-url`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The client id, client secret and JWT the token endpoint accepts.
    pub fn credentials(&self) -> RingCentralCredentials {
        self.shared.credentials.clone()
    }

    /// The settings of a `ringcentral` connection to this account, as `(key, value)` pairs.
    pub fn connection_settings(&self) -> Vec<(&'static str, String)> {
        let c = self.credentials();
        vec![
            ("base-url", self.base_url()),
            ("client-id", c.client_id),
            ("client-secret", c.client_secret),
            ("jwt", c.jwt),
        ]
    }

    /// The seed every generated extension is a function of.
    pub fn seed(&self) -> u64 {
        self.shared.seed
    }

    /// Simulated seconds per real second.
    pub fn time_scale(&self) -> u32 {
        self.shared.scale.get()
    }

    /// Stops serving: lets open requests finish (up to a few seconds) and waits for the server.
    pub async fn shutdown(mut self) {
        self.server.shutdown().await;
    }

    // ---- data -------------------------------------------------------------------------------

    /// The extension with this id, if the directory has it.
    pub fn extension(&self, id: u64) -> Option<Extension> {
        read(&self.shared.directory)
            .get(id)
            .map(|r| r.extension.clone())
    }

    /// Every extension with its origin, in id order (the order of the list endpoint).
    pub fn records(&self) -> Vec<DirectoryRecord> {
        read(&self.shared.directory).records().cloned().collect()
    }

    /// The number of extensions of every type and status.
    pub fn extension_count(&self) -> usize {
        read(&self.shared.directory).len()
    }

    /// The `User` extensions (any status) whose email equals `email` trimmed and case-folded:
    /// what `find-by-email` should return for it.
    pub fn user_matches(&self, email: &str) -> Vec<Extension> {
        read(&self.shared.directory).user_matches(email)
    }

    /// For every base agent of `AcdSimConfig::new(seed, users)` (same seed, same ACD tenant),
    /// its email and the `User` extensions it finds here; [`AgentMatch::outcome`] sorts them
    /// into no email, no match, a unique match (with its status) and several.
    pub fn agent_matches(&self) -> Vec<AgentMatch> {
        let domain = mail_domain(&self.shared.acd_tenant_id);
        let dir = read(&self.shared.directory);
        (0..self.shared.users)
            .map(|index| {
                let person = base_person(self.shared.seed, index, &domain);
                let users = person
                    .email_address
                    .as_deref()
                    .map(|email| dir.user_matches(email))
                    .unwrap_or_default();
                AgentMatch {
                    agent_id: person.agent_id,
                    email: person.email_address,
                    users,
                }
            })
            .collect()
    }

    // ---- control ----------------------------------------------------------------------------

    /// Changes an extension (its `id` is the simulator's: a change to it is undone). When the
    /// contact's names change and `name` does not, `name` follows them.
    pub fn update_extension(
        &self,
        id: u64,
        change: impl FnOnce(&mut Extension),
    ) -> Result<Extension, RingCentralError> {
        self.shared.update_extension(id, |extension| {
            change(extension);
            Ok(())
        })
    }

    /// Sets an extension's status.
    pub fn set_status(
        &self,
        id: u64,
        status: ExtensionStatus,
    ) -> Result<Extension, RingCentralError> {
        self.update_extension(id, |e| e.status = status)
    }

    /// Sets (or, with `None`, removes) an extension's email, kept exactly as given.
    pub fn set_email(&self, id: u64, email: Option<&str>) -> Result<Extension, RingCentralError> {
        self.update_extension(id, |e| e.contact.email = email.map(str::to_owned))
    }

    /// Adds a `User` extension with the next id and number, generated like a directory-only
    /// user and then passed to `init`; returns its id.
    pub fn add_extension(&self, init: impl FnOnce(&mut Extension)) -> u64 {
        let Ok(extension) = self.shared.add_extension(|extension| {
            init(extension);
            Ok::<(), Infallible>(())
        });
        extension.id
    }

    /// Deletes an extension: gone from every read.
    pub fn remove_extension(&self, id: u64) -> Result<(), RingCentralError> {
        self.shared.remove_extension(id)
    }

    /// Every access token issued so far expires: the next API call with one gets 401
    /// `OAU-128`. Refresh tokens stay usable.
    pub fn expire_tokens(&self) {
        lock(&self.shared.tokens).expire_all();
    }

    /// The next `count` requests whose path `prefix` selects get `fault` (after the rate
    /// limiter: a request it refuses does not use a fault up). A prefix matches the full path
    /// or the path below the account (`/extension`). Rules apply oldest first.
    pub fn fail_next(
        &self,
        prefix: &str,
        count: usize,
        fault: Fault,
    ) -> Result<(), RingCentralError> {
        self.shared.fail_next(prefix, count, fault)
    }

    /// Drops every pending fault.
    pub fn clear_faults(&self) {
        self.shared.traffic.clear_faults();
    }

    /// What was counted since the start or the last [`RingCentralSim::reset_counters`].
    pub fn counters(&self) -> Counters {
        self.shared.stats.snapshot()
    }

    /// Simulated minutes since the start or the last [`RingCentralSim::reset_counters`].
    pub fn simulated_minutes(&self) -> f64 {
        self.shared.stats.simulated_minutes()
    }

    /// Zeroes the counters, restarts the simulated minutes and empties the request log. The
    /// rate limiter's windows and penalties are left as they are.
    pub fn reset_counters(&self) {
        self.shared.reset_counters();
    }

    /// Forgets every rate-limit window and penalty: each group has its whole budget again.
    pub fn clear_rate_limits(&self) {
        lock(&self.shared.limiter).clear();
    }

    /// Answered requests (control endpoints excepted) whose path `prefix` selects.
    pub fn requests(&self, prefix: &str) -> usize {
        self.shared.requests(prefix)
    }

    /// Answered requests, oldest first (at most [`REQUEST_LOG_CAPACITY`]).
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.shared.traffic.log()
    }
}
