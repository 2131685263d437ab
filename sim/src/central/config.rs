//! How a simulated Central business unit is set up: its size, seed, credentials, token
//! lifetimes and wire typing.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::assumed::REFRESH_TOKEN_LIFETIME;

/// Settings of one simulated Central business unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentralSimConfig {
    /// Every generated record is a function of this seed and the number of users.
    pub seed: u64,
    /// Number of base users (agent ids `100000 .. 100000 + users`); a million is fine.
    pub users: usize,
    /// The registered application, `App@Vendor`: the left half of the token request's Basic
    /// credentials.
    pub application: String,
    /// The business unit number: the right half of the Basic credentials, the token reply's
    /// `bus_no` and the agent pages' `businessUnitId`.
    pub business_unit: u64,
    /// The API user's login: the `username` of the password grant.
    pub username: String,
    /// The API user's password.
    pub password: String,
    /// Users' user names and emails are at `<company>.example.com`.
    pub company: String,
    /// How long an access token is valid (announced, rounded up to whole seconds, in
    /// `expires_in`).
    pub token_lifetime: Duration,
    /// How long an unused refresh token stays usable.
    pub refresh_token_lifetime: Duration,
    /// Records go on the wire string-typed, as some real endpoints answer: agents with
    /// `isActive`/`locked` as `1`/`0` and ids as digit strings, the other lists with every
    /// field a string (`"True"`/`"False"`). Off by default.
    pub string_typed: bool,
    /// Port on 127.0.0.1; `None` picks a free one.
    pub port: Option<u16>,
}

impl Default for CentralSimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            users: 1000,
            application: "ccsync-sim@ccsync".to_owned(),
            business_unit: 4_600_002,
            username: "ccsync-sim-api-user".to_owned(),
            password: "ccsync-sim-api-password".to_owned(),
            company: "hybrid".to_owned(),
            token_lifetime: Duration::from_secs(3600),
            refresh_token_lifetime: REFRESH_TOKEN_LIFETIME,
            string_typed: false,
            port: None,
        }
    }
}

impl CentralSimConfig {
    /// The default business unit with the given seed and number of users.
    pub fn new(seed: u64, users: usize) -> Self {
        Self {
            seed,
            users,
            ..Self::default()
        }
    }

    /// The same business unit, string-typed on the wire.
    pub fn string_typed(self) -> Self {
        Self {
            string_typed: true,
            ..self
        }
    }

    /// The secrets of this business unit, as a `central` connection is configured with them.
    pub fn credentials(&self) -> CentralCredentials {
        CentralCredentials {
            application: self.application.clone(),
            business_unit: self.business_unit,
            username: self.username.clone(),
            password: self.password.clone(),
        }
    }
}

/// What a `central` connection signs in with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CentralCredentials {
    /// `App@Vendor`.
    pub application: String,
    /// The business unit number.
    pub business_unit: u64,
    /// The API user's login.
    pub username: String,
    /// The API user's password.
    pub password: String,
}
