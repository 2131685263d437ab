//! A simulated NICE CXone ACD tenant: the token endpoint, discovery and the Admin API read by
//! the `cxone-acd` connector, served over HTTP on loopback exactly as
//! `sim/ACD-WIRE.md` describes, plus a control API (in process and under `/_sim/`) to
//! change agents, inject faults and count requests.
//!
//! The Admin API, its generated agents and the control every such simulator offers are the
//! shared [`admin`](crate::admin) engine's; this module adds what is CXone's own: the client
//! credentials and access key sign-in, discovery, the tenant's teams and profiles (with the "WFM
//! Advanced" feature and the W4/P2 permissions), and the control of team features.

pub mod assumed;
mod auth;
mod config;
mod control;
pub(crate) mod population;

use std::time::Duration;

pub(crate) use crate::admin::generate::{FIRST_NAMES, LAST_NAMES, Person, mail_domain};
pub use crate::admin::model;
pub use crate::admin::{
    API_ROOT, Agent, CREATED_AT, Campaign, DEFAULT_API_VERSION, Disposition, FIRST_AGENT_ID, Fault,
    Malformation, REQUEST_LOG_CAPACITY, RequestRecord, SecurityProfile, SimError, Team,
    UnavailableCode,
};
pub use config::{AcdSimConfig, Credentials};

use crate::admin::generate;
use crate::admin::{AdminSim, PlatformRoutes, Setup, Typing};
use crate::tokens::TokenStore;
use population::{AcdPopulation, VARIETY};

/// The `businessUnitId` of every simulated tenant.
pub const BUSINESS_UNIT_ID: u64 = 4_600_001;

/// Lifetime of an access token, as CXone announces it in `expires_in`.
pub(crate) const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// A running simulated CXone tenant: the shared Admin API simulator with CXone's sign-in.
/// Dropping it stops the server.
pub type AcdSim = AdminSim<AcdPlatform>;

/// What is the CXone ACD's own in an [`AcdSim`]: its tenant id and credentials.
#[derive(Debug)]
pub struct AcdPlatform {
    tenant_id: String,
    credentials: Credentials,
}

/// The person behind base agent `index` of a CXone tenant whose mail domain is `domain`: the
/// same names, user name and email as the tenant's agent has.
pub(crate) fn base_person(seed: u64, index: u64, domain: &str) -> Person {
    generate::base_person(seed, index, domain, &VARIETY)
}

impl AdminSim<AcdPlatform> {
    /// Listens on 127.0.0.1 (the configured port, or a free one) and serves in a background
    /// task of the current tokio runtime.
    pub async fn start(config: AcdSimConfig) -> Result<Self, SimError> {
        let setup = Setup {
            port: config.port,
            seed: config.seed,
            agents: config.agents,
            mail_domain: mail_domain(&config.tenant_id),
            business_unit_id: BUSINESS_UNIT_ID,
            typing: Typing::string_typed_if(config.string_typed),
            tokens: TokenStore::new(config.seed, TOKEN_LIFETIME),
            population: Box::new(AcdPopulation),
            name: "ACD",
        };
        let platform = AcdPlatform {
            tenant_id: config.tenant_id.clone(),
            credentials: config.credentials(),
        };
        Self::launch(setup, platform, |state| PlatformRoutes {
            served: auth::routes(state.clone()),
            control: control::routes(state),
        })
        .await
    }

    /// The tenant id: the one discovery answers for, and the `tenantId` claim of the `id_token`.
    pub fn tenant_id(&self) -> &str {
        &self.platform.tenant_id
    }

    /// The credentials the token endpoint accepts.
    pub fn credentials(&self) -> Credentials {
        self.platform.credentials.clone()
    }

    /// Turns "WFM Advanced" on or off for a team. Agents' `lastUpdated` do not move.
    pub fn set_team_features(&self, team_id: u64, wfm_advanced: bool) -> Result<Team, SimError> {
        self.admin.update_team(team_id, |team| {
            assumed::set_wfm_advanced(team, wfm_advanced)
        })
    }
}
