//! The connection's settings, parsed and checked once in `configure`.
//!
//! Every later call works from these typed values, so a wrong or missing setting is reported
//! by its key before the connector touches the network. Secrets live in [`Secret`], whose
//! `Debug` never prints the value.

use ccsync_admin_api::settings::{api_version, page_size};
use connector_kit::{BaseUrl, RawSettings, Secret, SettingsError};

/// Every key `configure` accepts.
pub const KEYS: &[&str] = &[
    "auth-url",
    "api-url",
    "tenant-id",
    "client-id",
    "client-secret",
    "access-key-id",
    "access-key-secret",
    "api-version",
    "page-size",
];

/// Where the API lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiLocation {
    /// `api-url` was given.
    Given(BaseUrl),
    /// `api-url` was not given: ask the discovery endpoint for this tenant.
    Discover { tenant_id: String },
}

/// The parsed settings of one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub auth_url: BaseUrl,
    pub api: ApiLocation,
    pub client_id: String,
    pub client_secret: Secret,
    pub access_key_id: String,
    pub access_key_secret: Secret,
    /// For example `v27.0`.
    pub api_version: String,
    /// The `top` of every list request, in `1..=MAX_PAGE_SIZE`.
    pub page_size: u32,
}

impl Settings {
    /// Parses the `configure` key/value pairs. Unknown, repeated and empty keys are errors, so
    /// that a misspelt key (say `page_size`) is not silently ignored.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, SettingsError> {
        let raw = RawSettings::read("cxone-acd", KEYS, pairs)?;
        let auth_url = RawSettings::url("auth-url", raw.required("auth-url")?)?;
        let api = match (raw.optional("api-url")?, raw.optional("tenant-id")?) {
            (Some(api_url), _) => ApiLocation::Given(RawSettings::url("api-url", api_url)?),
            (None, Some(tenant_id)) => ApiLocation::Discover {
                tenant_id: tenant_id.to_string(),
            },
            (None, None) => {
                return Err(SettingsError::Invalid {
                    key: "tenant-id",
                    reason: "it is required when `api-url` is not set (the API endpoint is \
                             discovered per tenant)"
                        .into(),
                });
            }
        };
        Ok(Self {
            auth_url,
            api,
            client_id: raw.required("client-id")?.to_string(),
            client_secret: Secret::new(raw.required("client-secret")?),
            access_key_id: raw.required("access-key-id")?.to_string(),
            access_key_secret: Secret::new(raw.required("access-key-secret")?),
            api_version: api_version(&raw)?,
            page_size: page_size(&raw)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: [(&str, &str); 6] = [
        ("auth-url", "https://cxone.niceincontact.com/"),
        ("tenant-id", "t-1"),
        ("client-id", "cid"),
        ("client-secret", "csecret"),
        ("access-key-id", "AK"),
        ("access-key-secret", "AKS"),
    ];

    fn parse_with(extra: &[(&'static str, &'static str)]) -> Result<Settings, SettingsError> {
        Settings::parse(BASE.iter().chain(extra).copied())
    }

    fn parse_without(key: &str) -> Result<Settings, SettingsError> {
        Settings::parse(BASE.iter().filter(|(k, _)| *k != key).copied())
    }

    #[test]
    fn defaults_apply_and_tenant_without_api_url_means_discovery() {
        let s = parse_with(&[]).unwrap();
        assert_eq!(s.auth_url.as_str(), "https://cxone.niceincontact.com");
        assert_eq!(
            s.api,
            ApiLocation::Discover {
                tenant_id: "t-1".into()
            }
        );
        assert_eq!(s.api_version, "v27.0");
        assert_eq!(s.page_size, 1000);
        assert_eq!(s.client_secret.expose(), "csecret");
    }

    #[test]
    fn api_url_given_skips_discovery_and_tenant_is_then_optional() {
        let s = Settings::parse(
            BASE.iter()
                .filter(|(k, _)| *k != "tenant-id")
                .copied()
                .chain([("api-url", "http://127.0.0.1:8080")]),
        )
        .unwrap();
        assert_eq!(
            s.api,
            ApiLocation::Given(BaseUrl::parse("http://127.0.0.1:8080").unwrap())
        );
    }

    #[test]
    fn each_required_key_missing_is_named() {
        for key in [
            "auth-url",
            "client-id",
            "client-secret",
            "access-key-id",
            "access-key-secret",
        ] {
            assert_eq!(
                parse_without(key),
                Err(SettingsError::Missing(key)),
                "{key}"
            );
        }
        let err = parse_without("tenant-id").unwrap_err();
        assert!(
            matches!(
                err,
                SettingsError::Invalid {
                    key: "tenant-id",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn invalid_values_name_their_key() {
        let cases: [(&str, &str); 8] = [
            ("page-size", "0"),
            ("page-size", "10001"),
            ("page-size", "lots"),
            ("api-version", "27"),
            ("api-version", "v27."),
            ("api-url", "ftp://x"),
            ("api-url", "https://"),
            ("api-url", "https://user:pw@api-c7.niceincontact.com"),
        ];
        for (key, value) in cases {
            let err = parse_with(&[(key, value)]).unwrap_err();
            match err {
                SettingsError::Invalid { key: k, .. } => assert_eq!(k, key, "{value}"),
                other => panic!("{key}={value}: {other}"),
            }
        }
        let err = parse_with(&[("api-url", "")]).unwrap_err();
        assert_eq!(err.to_string(), "setting `api-url` is invalid: it is empty");
    }

    #[test]
    fn unknown_and_duplicate_keys_are_refused() {
        assert_eq!(
            parse_with(&[("page_size", "10")]).unwrap_err().to_string(),
            "setting `page_size` is unknown to cxone-acd (known: auth-url, api-url, tenant-id, \
             client-id, client-secret, access-key-id, access-key-secret, api-version, page-size)"
        );
        assert_eq!(
            parse_with(&[("client-id", "again")]),
            Err(SettingsError::Duplicate("client-id".into()))
        );
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let s = parse_with(&[]).unwrap();
        let debug = format!("{s:?}");
        assert!(!debug.contains("csecret"), "{debug}");
        assert!(!debug.contains("AKS"), "{debug}");
    }
}
