//! How a simulated CXone tenant is set up: its size, seed, tenant id and credentials.

use serde::{Deserialize, Serialize};

/// Settings of one simulated tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcdSimConfig {
    /// Every generated record is a function of this seed and the tenant size.
    pub seed: u64,
    /// Number of base agents (ids `100000 .. 100000 + agents`).
    pub agents: usize,
    /// The tenant id: the one discovery answers for, and the `tenantId` claim of the `id_token`.
    pub tenant_id: String,
    /// OAuth client id, sent with `client_secret` as HTTP Basic to `POST /auth/token`.
    pub client_id: String,
    /// OAuth client secret that goes with `client_id`.
    pub client_secret: String,
    /// Access key id: the `username` of the token request's password grant.
    pub access_key_id: String,
    /// Access key secret: the `password` of the token request's password grant.
    pub access_key_secret: String,
    /// Port on 127.0.0.1; `None` picks a free one.
    pub port: Option<u16>,
    /// Records go on the wire string-typed, as some real endpoints answer: agents with
    /// `isActive`/`locked` as `1`/`0` and ids as digit strings, the other lists with every
    /// field a string (`"True"`/`"False"`). Off by default.
    pub string_typed: bool,
}

impl Default for AcdSimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            agents: 1000,
            tenant_id: "acme".to_owned(),
            client_id: "ccsync-sim-client".to_owned(),
            client_secret: "ccsync-sim-client-secret".to_owned(),
            access_key_id: "ccsync-sim-access-key".to_owned(),
            access_key_secret: "ccsync-sim-access-key-secret".to_owned(),
            port: None,
            string_typed: false,
        }
    }
}

impl AcdSimConfig {
    /// The default tenant with the given seed and number of agents.
    pub fn new(seed: u64, agents: usize) -> Self {
        Self {
            seed,
            agents,
            ..Self::default()
        }
    }

    /// The four secrets of this tenant, as a connector is configured with them.
    pub fn credentials(&self) -> Credentials {
        Credentials {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            access_key_id: self.access_key_id.clone(),
            access_key_secret: self.access_key_secret.clone(),
        }
    }
}

/// The four secrets a CXone connector is configured with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    /// OAuth client id, sent with `client_secret` as HTTP Basic to `POST /auth/token`.
    pub client_id: String,
    /// OAuth client secret that goes with `client_id`.
    pub client_secret: String,
    /// Access key id: the `username` of the token request's password grant.
    pub access_key_id: String,
    /// Access key secret: the `password` of the token request's password grant.
    pub access_key_secret: String,
}
