//! A simulated inContact Central business unit (the legacy platform the WFO hybrid sync reads,
//! seed 002): the legacy token endpoint and the Admin API the `central` connector reads, served
//! over HTTP on loopback as `sim/CENTRAL-WIRE.md` describes, plus a control API (in process
//! and under `/_sim/`) to change, move, deactivate, add and remove users, inject faults and
//! count requests.
//!
//! Central serves the CXone ACD's Admin API, so the API, its generated agents and the control
//! every such simulator offers are the shared [`admin`](crate::admin) engine's; this module adds
//! what is Central's own: the legacy password and refresh grants, the resource server named in
//! the token reply, and a hybrid business unit (teams `iWFO Enabled` / `iWFO Not Enabled`,
//! profiles `iWFOUser` / `iWFOAdmin`, the Primary Phone) whose shares live in [`assumed`].

pub mod assumed;
mod auth;
mod config;
mod control;
mod population;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

pub use crate::admin::model;
pub use crate::admin::{
    API_ROOT, Agent, CREATED_AT, Campaign, DEFAULT_API_VERSION, Disposition, FIRST_AGENT_ID, Fault,
    Malformation, REQUEST_LOG_CAPACITY, RequestRecord, SecurityProfile, SimError, Team,
    UnavailableCode,
};
pub use config::{CentralCredentials, CentralSimConfig};

use crate::admin::generate::mail_domain;
use crate::admin::{AdminSim, PlatformRoutes, Setup, Typing};
use crate::tokens::TokenStore;
use population::CentralPopulation;

/// The token endpoint's path on the authorization server (the `base-url` setting).
pub const TOKEN_PATH: &str = "/InContactAuthorizationServer/Token";
/// The path of `resource_server_base_uri`; the Admin API is at `services/<version>` below it
/// (that is, at [`API_ROOT`]).
pub const RESOURCE_SERVER_PATH: &str = "/inContactAPI/";

/// A running simulated Central business unit: the shared Admin API simulator with Central's
/// legacy sign-in and hybrid users. Dropping it stops the server.
pub type CentralSim = AdminSim<CentralPlatform>;

/// What is Central's own in a [`CentralSim`]: its credentials, what its token endpoint did, and
/// the scope each unused refresh token renews.
#[derive(Debug)]
pub struct CentralPlatform {
    credentials: CentralCredentials,
    counts: Counters,
    scopes: Mutex<HashMap<String, String>>,
}

#[derive(Debug, Default)]
struct Counters {
    password: AtomicUsize,
    refresh: AtomicUsize,
    refused: AtomicUsize,
}

/// What the token endpoint did so far (injected faults aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenCounts {
    /// Token pairs granted for the API user's password.
    pub password_grants: usize,
    /// Token pairs granted for a refresh token.
    pub refresh_grants: usize,
    /// Token requests refused (400 or 401).
    pub refused: usize,
}

/// `{base}/inContactAPI/`: the resource server the token reply names.
fn resource_server_base_uri(base_url: &str) -> String {
    format!("{base_url}{RESOURCE_SERVER_PATH}")
}

impl AdminSim<CentralPlatform> {
    /// Listens on 127.0.0.1 (the configured port, or a free one) and serves in a background
    /// task of the current tokio runtime.
    pub async fn start(config: CentralSimConfig) -> Result<Self, SimError> {
        let setup = Setup {
            port: config.port,
            seed: config.seed,
            agents: config.users,
            mail_domain: mail_domain(&config.company),
            business_unit_id: config.business_unit,
            typing: Typing::string_typed_if(config.string_typed),
            tokens: TokenStore::new(config.seed, config.token_lifetime)
                .with_refresh_lifetime(config.refresh_token_lifetime),
            population: Box::new(CentralPopulation),
            name: "Central",
        };
        let platform = CentralPlatform {
            credentials: config.credentials(),
            counts: Counters::default(),
            scopes: Mutex::new(HashMap::new()),
        };
        Self::launch(setup, platform, |state| PlatformRoutes {
            served: auth::routes(state.clone()),
            control: control::routes(state),
        })
        .await
    }

    /// `{base}/InContactAuthorizationServer/Token`: the token URL, also the reply's
    /// `refresh_token_server_uri`.
    pub fn token_url(&self) -> String {
        format!("{}{TOKEN_PATH}", self.admin.base_url)
    }

    /// `{base}/inContactAPI/`: the token reply's `resource_server_base_uri`.
    pub fn resource_server_base_uri(&self) -> String {
        resource_server_base_uri(&self.admin.base_url)
    }

    /// The credentials the token endpoint accepts.
    pub fn credentials(&self) -> CentralCredentials {
        self.platform.credentials.clone()
    }

    /// The business unit number (`bus_no`, `businessUnitId`).
    pub fn business_unit(&self) -> u64 {
        self.platform.credentials.business_unit
    }

    /// The settings of a `central` connection to this simulator, in the order to print them:
    /// `base-url`, `application`, `business-unit`, `username`, `password`.
    pub fn connection_settings(&self) -> Vec<(&'static str, String)> {
        let c = self.credentials();
        vec![
            ("base-url", self.base_url()),
            ("application", c.application),
            ("business-unit", c.business_unit.to_string()),
            ("username", c.username),
            ("password", c.password),
        ]
    }

    /// What the token endpoint did so far.
    pub fn token_counts(&self) -> TokenCounts {
        self.platform.token_counts()
    }

    /// Sets or clears a user's Primary Phone (ASSUMED to be `telephone1`, see
    /// [`assumed::PRIMARY_PHONE_FIELD`]); `lastUpdated` moves.
    pub fn set_primary_phone(&self, id: u64, phone: Option<&str>) -> Result<Agent, SimError> {
        self.update_agent(id, |agent| {
            assumed::set_primary_phone(agent, phone.map(str::to_owned));
        })
    }
}

impl CentralPlatform {
    fn token_counts(&self) -> TokenCounts {
        TokenCounts {
            password_grants: self.counts.password.load(Ordering::Relaxed),
            refresh_grants: self.counts.refresh.load(Ordering::Relaxed),
            refused: self.counts.refused.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_api_lives_at_services_below_the_resource_server() {
        let uri = resource_server_base_uri("http://h");
        assert_eq!(
            format!("{uri}services/v27.0"),
            format!("http://h{API_ROOT}/v27.0")
        );
    }
}
