//! How a simulated Ivinex account is set up: its seed, credentials and token lifetime.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How long tokens live unless configured otherwise (30 minutes).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(1800);

/// Settings of one simulated account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IvinexSimConfig {
    /// The initial records (the ones made by hand) and the tokens are a function of this seed.
    pub seed: u64,
    /// The API client's id, sent with the secret to `POST /api/v1/auth/token`.
    pub client_id: String,
    /// The API client's secret.
    pub client_secret: String,
    /// How long an access token lives (announced as `expiresIn`).
    pub token_lifetime: Duration,
    /// Port on 127.0.0.1; `None` picks a free one.
    pub port: Option<u16>,
}

impl Default for IvinexSimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            client_id: "ccsync-ivinex-client".to_owned(),
            client_secret: "ccsync-ivinex-client-secret".to_owned(),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            port: None,
        }
    }
}

impl IvinexSimConfig {
    /// The default account with the given seed.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            ..Self::default()
        }
    }

    /// The API client credentials of this account.
    pub fn credentials(&self) -> Credentials {
        Credentials {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
        }
    }
}

/// The API client credentials an `ivinex` connection is configured with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    /// The client id (setting `client-id`).
    pub client_id: String,
    /// The client secret (setting `client-secret`).
    pub client_secret: String,
}
