//! The connection's settings, parsed and checked once in `configure`.
//!
//! Every later call works from these typed values, so a wrong or missing setting is reported
//! by its key before the connector touches the network. The client secret and the JWT live in
//! [`Secret`], whose `Debug` never prints the value.

use connector_kit::{BaseUrl, RawSettings, Secret, SettingsError};

/// The API's base URL when `base-url` is not set (production).
pub const DEFAULT_BASE_URL: &str = "https://platform.ringcentral.com";

/// Every key `configure` accepts.
pub const KEYS: &[&str] = &["base-url", "client-id", "client-secret", "jwt"];

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
    /// Parses the `configure` key/value pairs. Unknown, repeated and empty keys are errors, so
    /// that a misspelt key is not silently ignored.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, SettingsError> {
        let raw = RawSettings::read("ringcentral", KEYS, pairs)?;
        let base_url = raw.optional("base-url")?.unwrap_or(DEFAULT_BASE_URL);
        let base_url = RawSettings::url("base-url", base_url)?;
        let client_id = raw.required("client-id")?;
        if client_id.contains(':') {
            return Err(SettingsError::Invalid {
                key: "client-id",
                reason: "it contains `:`, which HTTP Basic credentials cannot carry".into(),
            });
        }
        let jwt = raw.required("jwt")?;
        check_jwt(jwt)?;
        Ok(Self {
            base_url,
            client_id: client_id.to_string(),
            client_secret: Secret::new(raw.required("client-secret")?),
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
            parse_with(&[("client_secret", "x")])
                .unwrap_err()
                .to_string(),
            "setting `client_secret` is unknown to ringcentral (known: base-url, client-id, \
             client-secret, jwt)"
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
