//! The settings file of `ccsync plugin test`: what the kit passes to `configure()`.
//!
//! The kit has no ccsync.toml connection to borrow (it runs before a plugin is installed), so
//! the integrator writes the connection's settings in a small TOML file of their own:
//!
//! ```toml
//! allowed_origins = ["https://auth.example.com"]   # optional, besides the endpoint's origin
//! [settings]
//! base-url = "{endpoint}"
//! client-id = "ccsync"
//! [secrets]                                        # redacted like a connection's secrets
//! client-secret = { env = "MY_SECRET" }            # or a literal string
//! ```
//!
//! `{endpoint}` in a value stands for the `--endpoint` URL (or the one a fixture was recorded
//! against), so one file serves a live run, a recording and its replay.

use std::collections::BTreeMap;
use std::path::Path;

use ccsync_plugin::OriginPattern;
use ccsync_runtime::Connection;
use serde::Deserialize;

/// Stands for the endpoint's base URL in a setting's value.
pub const ENDPOINT_PLACEHOLDER: &str = "{endpoint}";

/// Why the settings file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsFileError {
    /// The file could not be read.
    #[error("cannot read the settings file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The file is not the expected TOML.
    #[error("the settings file {path} is invalid: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What the TOML parser said, with the line.
        message: String,
    },
    /// A secret names an environment variable that is not set.
    #[error("secret `{key}`: environment variable {env} is not set")]
    MissingEnv {
        /// The secret's key.
        key: String,
        /// The variable.
        env: String,
    },
    /// An origin (the endpoint's, or one of `allowed_origins`) is not a valid origin.
    #[error("origin {origin:?} is invalid: {reason}")]
    Origin {
        /// The origin as given.
        origin: String,
        /// Why it is refused.
        reason: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    allowed_origins: Vec<String>,
    #[serde(default)]
    settings: BTreeMap<String, String>,
    #[serde(default)]
    secrets: BTreeMap<String, SecretValue>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum SecretValue {
    Literal(String),
    Env { env: String },
}

/// The settings of the run, the endpoint filled in.
#[derive(Debug, Clone)]
pub struct KitSettings {
    /// What `configure()` gets: settings, then secrets, in key order.
    pub pairs: Vec<(String, String)>,
    /// The keys of `pairs` that are secret.
    pub secret_keys: Vec<String>,
    /// The origins the instance may reach.
    pub allowed_origins: Vec<OriginPattern>,
}

impl KitSettings {
    /// Reads the file and fills in `endpoint`.
    pub fn load(path: &Path, endpoint: &str) -> Result<KitSettings, SettingsFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| SettingsFileError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string(), endpoint)
    }

    fn parse(text: &str, source: &str, endpoint: &str) -> Result<KitSettings, SettingsFileError> {
        let file: File = toml::from_str(text).map_err(|e| SettingsFileError::Parse {
            path: source.to_owned(),
            message: e.to_string(),
        })?;
        let endpoint = endpoint.trim_end_matches('/');
        let fill = |value: &str| value.replace(ENDPOINT_PLACEHOLDER, endpoint);
        let mut pairs: Vec<(String, String)> = file
            .settings
            .iter()
            .map(|(k, v)| (k.clone(), fill(v)))
            .collect();
        let mut secret_keys = Vec::new();
        for (key, value) in file.secrets {
            let value = match value {
                SecretValue::Literal(value) => value,
                SecretValue::Env { env } => {
                    std::env::var(&env).map_err(|_| SettingsFileError::MissingEnv {
                        key: key.clone(),
                        env,
                    })?
                }
            };
            secret_keys.push(key.clone());
            pairs.push((key, value));
        }
        let mut allowed_origins = vec![origin_of(endpoint)?];
        for origin in &file.allowed_origins {
            allowed_origins.push(parse_origin(origin)?);
        }
        Ok(KitSettings {
            pairs,
            secret_keys,
            allowed_origins,
        })
    }

    /// The connection of an instance configured with `pairs` (these settings, or a variation
    /// of them that a configure check makes).
    pub fn connection(&self, pairs: Vec<(String, String)>) -> Connection {
        Connection {
            settings: pairs,
            secret_keys: self.secret_keys.clone(),
            allowed_origins: self.allowed_origins.clone(),
        }
    }
}

fn parse_origin(origin: &str) -> Result<OriginPattern, SettingsFileError> {
    origin.parse().map_err(|e| SettingsFileError::Origin {
        origin: origin.to_owned(),
        reason: format!("{e}"),
    })
}

/// `scheme://host[:port]` of a base URL: what the instance is allowed to reach.
pub fn origin_of(url: &str) -> Result<OriginPattern, SettingsFileError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| SettingsFileError::Origin {
            origin: url.to_owned(),
            reason: "not an absolute URL".into(),
        })?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    parse_origin(&format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_fills_its_placeholder_and_its_origin_is_allowed() {
        let settings = KitSettings::parse(
            "[settings]\nbase-url = \"{endpoint}\"\nauth = \"{endpoint}/auth\"\n\
             [secrets]\nkey = \"s3cret-value\"\n",
            "t.toml",
            "http://127.0.0.1:8080/",
        )
        .unwrap();
        assert_eq!(
            settings.pairs,
            [
                ("auth".to_owned(), "http://127.0.0.1:8080/auth".to_owned()),
                ("base-url".to_owned(), "http://127.0.0.1:8080".to_owned()),
                ("key".to_owned(), "s3cret-value".to_owned()),
            ]
        );
        assert_eq!(settings.secret_keys, ["key"]);
        assert_eq!(
            settings.allowed_origins[0].to_string(),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn an_unknown_table_or_a_missing_env_secret_is_refused_by_name() {
        let err = KitSettings::parse("[setings]\na = \"b\"\n", "t.toml", "http://a.test")
            .unwrap_err()
            .to_string();
        assert!(err.contains("setings"), "{err}");
        let err = KitSettings::parse(
            "[secrets]\nk = { env = \"CCSYNC_KIT_TEST_SURELY_UNSET\" }\n",
            "t.toml",
            "http://a.test",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("CCSYNC_KIT_TEST_SURELY_UNSET"), "{err}");
    }
}
