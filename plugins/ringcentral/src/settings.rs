//! The connection's settings, parsed and checked once in `configure`.
//!
//! Every later call works from these typed values, so a wrong or missing setting is reported
//! by its key before the connector touches the network. The client secret and the JWT live in
//! [`Secret`], whose `Debug` never prints the value.

use std::collections::BTreeMap;

pub use connector_kit::{BaseUrl, Secret};
use thiserror::Error;

/// The API's base URL when `base-url` is not set (production).
pub const DEFAULT_BASE_URL: &str = "https://platform.ringcentral.com";

/// Every key `configure` accepts.
pub const KEYS: [&str; 4] = ["base-url", "client-id", "client-secret", "jwt"];

/// What is wrong with the settings, naming the key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SettingsError {
    /// A required key is absent.
    #[error("setting `{0}` is required but missing")]
    Missing(&'static str),
    /// A key's value cannot be used.
    #[error("setting `{key}` is invalid: {reason}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// Why (never quoting a secret).
        reason: String,
    },
    /// A key the connector does not know (a misspelling, most likely).
    #[error("setting `{0}` is unknown to ringcentral (known: {known})", known = KEYS.join(", "))]
    Unknown(String),
    /// A key given twice.
    #[error("setting `{0}` is given more than once")]
    Duplicate(String),
}

/// The parsed settings of one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The platform's base URL; the token is `POST {base}/restapi/oauth/token`.
    pub base_url: BaseUrl,
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret.
    pub client_secret: Secret,
    /// The JWT credential an administrator generated for the app (the grant's assertion).
    pub jwt: Secret,
}

impl Settings {
    /// Parses the `configure` key/value pairs. Unknown and repeated keys are errors, so that a
    /// misspelt key is not silently ignored.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, SettingsError> {
        let mut map: BTreeMap<&'static str, &'a str> = BTreeMap::new();
        for (key, value) in pairs {
            let known = KEYS
                .iter()
                .find(|k| **k == key)
                .ok_or_else(|| SettingsError::Unknown(key.to_string()))?;
            if map.insert(known, value).is_some() {
                return Err(SettingsError::Duplicate(key.to_string()));
            }
        }
        let required = |key: &'static str| -> Result<&'a str, SettingsError> {
            match map.get(key) {
                None => Err(SettingsError::Missing(key)),
                Some(v) if v.trim().is_empty() => Err(SettingsError::Invalid {
                    key,
                    reason: "it is empty".into(),
                }),
                Some(v) => Ok(*v),
            }
        };
        let base_url = match map.get("base-url") {
            None => DEFAULT_BASE_URL,
            Some(_) => required("base-url")?,
        };
        let base_url = BaseUrl::parse(base_url).map_err(|reason| SettingsError::Invalid {
            key: "base-url",
            reason,
        })?;
        let client_id = required("client-id")?;
        if client_id.contains(':') {
            return Err(SettingsError::Invalid {
                key: "client-id",
                reason: "it contains `:`, which HTTP Basic credentials cannot carry".into(),
            });
        }
        let jwt = required("jwt")?;
        check_jwt(jwt)?;
        Ok(Self {
            base_url,
            client_id: client_id.to_string(),
            client_secret: Secret::new(required("client-secret")?),
            jwt: Secret::new(jwt),
        })
    }
}

/// A JWT is three base64url parts joined by dots; anything else was pasted by mistake (the
/// reason never quotes the value: it is a secret).
fn check_jwt(jwt: &str) -> Result<(), SettingsError> {
    let base64url = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'='))
    };
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() == 3 && parts.iter().all(|p| base64url(p)) {
        Ok(())
    } else {
        Err(SettingsError::Invalid {
            key: "jwt",
            reason: format!(
                "it is not a JWT (three base64url parts joined by `.`; this value has {} \
                 part(s), {} characters)",
                parts.len(),
                jwt.len()
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
    const BASE: [(&str, &str); 3] = [
        ("client-id", "cid"),
        ("client-secret", "csecret"),
        ("jwt", JWT),
    ];

    fn parse_with(extra: &[(&'static str, &'static str)]) -> Result<Settings, SettingsError> {
        Settings::parse(BASE.iter().chain(extra).copied())
    }

    #[test]
    fn base_url_defaults_to_production_and_secrets_are_kept() {
        let s = parse_with(&[]).unwrap();
        assert_eq!(s.base_url.as_str(), "https://platform.ringcentral.com");
        assert_eq!(s.client_secret.expose(), "csecret");
        assert_eq!(s.jwt.expose(), JWT);
        let s = parse_with(&[("base-url", "http://127.0.0.1:8081/")]).unwrap();
        assert_eq!(s.base_url.as_str(), "http://127.0.0.1:8081");
    }

    #[test]
    fn each_required_key_missing_is_named() {
        for key in ["client-id", "client-secret", "jwt"] {
            let pairs = BASE.iter().filter(|(k, _)| *k != key).copied();
            assert_eq!(Settings::parse(pairs), Err(SettingsError::Missing(key)));
        }
    }

    #[test]
    fn invalid_values_name_their_key_and_never_quote_the_jwt() {
        let cases: [(&str, &str, &str); 5] = [
            ("base-url", "ftp://x", "base-url"),
            ("base-url", "", "base-url"),
            ("client-id", "a:b", "client-id"),
            ("jwt", "not a jwt", "jwt"),
            ("jwt", "a.b", "jwt"),
        ];
        for (key, value, named) in cases {
            let pairs = BASE
                .iter()
                .filter(|(k, _)| *k != key)
                .copied()
                .chain([(key, value)]);
            match Settings::parse(pairs) {
                Err(SettingsError::Invalid { key: k, reason }) => {
                    assert_eq!(k, named, "{value}");
                    if key == "jwt" {
                        assert!(!reason.contains(value), "{reason}");
                    }
                }
                other => panic!("{key}={value}: {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_and_duplicate_keys_are_refused() {
        assert_eq!(
            parse_with(&[("client_secret", "x")]),
            Err(SettingsError::Unknown("client_secret".into()))
        );
        assert_eq!(
            parse_with(&[("jwt", JWT)]),
            Err(SettingsError::Duplicate("jwt".into()))
        );
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let debug = format!("{:?}", parse_with(&[]).unwrap());
        assert!(
            !debug.contains("csecret") && !debug.contains(JWT),
            "{debug}"
        );
    }
}
