//! How a simulated RingCentral account is set up: the ACD tenant its people come from, its
//! credentials, its rate limits and how fast its clock runs.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::RingCentralError;
use crate::acd::AcdSimConfig;
use crate::rng::mix;

/// The time scales the simulator accepts: those that divide a minute evenly, so that every
/// duration it sends (a 60 s window, a 3600 s token) is a whole number of real seconds.
pub const ALLOWED_TIME_SCALES: [u32; 12] = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60];

/// Requests allowed per rate-limit group per simulated minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimits {
    /// Light group (one extension by id).
    pub light: u32,
    /// Medium group (the extension list).
    pub medium: u32,
    /// Heavy group (no simulated endpoint is in it).
    pub heavy: u32,
    /// Auth group (the token endpoint).
    pub auth: u32,
}

impl Default for RateLimits {
    /// The platform's published limits: Light 50, Medium 40, Heavy 10, Auth 5.
    fn default() -> Self {
        Self {
            light: 50,
            medium: 40,
            heavy: 10,
            auth: 5,
        }
    }
}

/// Settings of one simulated RingCentral account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingCentralSimConfig {
    /// Every generated extension is a function of this seed and `users`.
    pub seed: u64,
    /// The number of ACD agents (of an `AcdSimConfig::new(seed, users)` tenant) the directory's
    /// people are derived from.
    pub users: usize,
    /// The ACD tenant whose mail domain the directory's emails use.
    pub acd_tenant_id: String,
    /// The app's client id, sent with `client_secret` as HTTP Basic to the token endpoint.
    pub client_id: String,
    /// The app's client secret.
    pub client_secret: String,
    /// The JWT credential an administrator generated for the app: the token endpoint accepts
    /// exactly this assertion.
    pub jwt: String,
    /// Port on 127.0.0.1; `None` picks a free one.
    pub port: Option<u16>,
    /// Simulated seconds per real second (one of [`ALLOWED_TIME_SCALES`]); 1 is real time.
    pub time_scale: u32,
    /// Requests per group per simulated minute.
    pub limits: RateLimits,
}

impl Default for RingCentralSimConfig {
    fn default() -> Self {
        Self::new(42, 1000)
    }
}

impl RingCentralSimConfig {
    /// The default account whose people are those of `AcdSimConfig::new(seed, users)`.
    pub fn new(seed: u64, users: usize) -> Self {
        let client_id = "ccsync-sim-rc-client".to_owned();
        Self {
            seed,
            users,
            acd_tenant_id: AcdSimConfig::default().tenant_id,
            jwt: sim_jwt(seed, &client_id),
            client_id,
            client_secret: "ccsync-sim-rc-client-secret".to_owned(),
            port: None,
            time_scale: 1,
            limits: RateLimits::default(),
        }
    }

    /// The same account with its clock running `time_scale` times faster than real time.
    pub fn with_time_scale(mut self, time_scale: u32) -> Self {
        self.time_scale = time_scale;
        self
    }

    /// The three secrets of this account, as a connector is configured with them.
    pub fn credentials(&self) -> RingCentralCredentials {
        RingCentralCredentials {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            jwt: self.jwt.clone(),
        }
    }
}

/// The secrets a `ringcentral` connection is configured with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RingCentralCredentials {
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret.
    pub client_secret: String,
    /// The JWT credential (the `assertion` of the JWT bearer grant).
    pub jwt: String,
}

/// A JWT-shaped credential for the seed: unsigned (nothing verifies it), compared as a string.
fn sim_jwt(seed: u64, client_id: &str) -> String {
    let header = serde_json::json!({"alg": "RS256", "typ": "JWT"});
    let claims = serde_json::json!({
        "aud": "https://platform.ringcentral.com/restapi/oauth/token",
        "iss": client_id,
        "sub": format!("{}", super::OWNER_ID),
        "jti": format!("{:016x}", mix(seed ^ 0x52_43_4a_57)),
        "exp": 4_102_444_800_u64,
    });
    format!(
        "{}.{}.{:016x}{:016x}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        mix(seed),
        mix(!seed)
    )
}

/// How fast the simulated clock runs: simulated seconds per real second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimeScale(u32);

impl TimeScale {
    pub(crate) fn new(scale: u32) -> Result<Self, RingCentralError> {
        if ALLOWED_TIME_SCALES.contains(&scale) {
            Ok(Self(scale))
        } else {
            Err(RingCentralError::InvalidTimeScale(scale))
        }
    }

    pub(crate) fn get(self) -> u32 {
        self.0
    }

    /// The real duration of `simulated_secs` simulated seconds.
    pub(crate) fn real(self, simulated_secs: u64) -> Duration {
        Duration::from_millis(simulated_secs.saturating_mul(1000) / u64::from(self.0))
    }

    /// The simulated duration of a real one.
    pub(crate) fn simulated(self, real: Duration) -> Duration {
        real.saturating_mul(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_scales_must_divide_a_minute() {
        for scale in ALLOWED_TIME_SCALES {
            let scale = TimeScale::new(scale).unwrap();
            assert_eq!(scale.real(60).subsec_millis(), 0);
            assert_eq!(scale.real(3600).subsec_millis(), 0);
        }
        for bad in [0, 7, 8, 45, 120] {
            let error = TimeScale::new(bad).unwrap_err();
            assert!(error.to_string().contains("1, 2, 3"), "{error}");
        }
    }

    #[test]
    fn a_scale_of_sixty_makes_a_simulated_minute_one_real_second() {
        let scale = TimeScale::new(60).unwrap();
        assert_eq!(scale.real(60), Duration::from_secs(1));
        assert_eq!(
            scale.simulated(Duration::from_secs(2)),
            Duration::from_secs(120)
        );
    }

    #[test]
    fn the_jwt_is_a_pure_function_of_the_seed() {
        assert_eq!(
            RingCentralSimConfig::new(3, 10).jwt,
            RingCentralSimConfig::new(3, 10).jwt
        );
        assert_ne!(
            RingCentralSimConfig::new(3, 10).jwt,
            RingCentralSimConfig::new(4, 10).jwt
        );
        assert_eq!(RingCentralSimConfig::new(3, 10).jwt.split('.').count(), 3);
    }
}
