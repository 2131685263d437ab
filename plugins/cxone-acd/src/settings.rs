//! The connection's settings, parsed and checked once in `configure`.
//!
//! Every later call works from these typed values, so a wrong or missing setting is reported
//! by its key before the connector touches the network. Secrets live in [`Secret`], whose
//! `Debug` never prints the value.

use std::collections::BTreeMap;

pub use connector_kit::{BaseUrl, Secret};
use thiserror::Error;

/// The API version used when `api-version` is not set.
pub const DEFAULT_API_VERSION: &str = "v27.0";
/// The page size used when `page-size` is not set.
pub const DEFAULT_PAGE_SIZE: u32 = 1000;
/// The largest page CXone serves.
pub const MAX_PAGE_SIZE: u32 = 10_000;

/// Every key `configure` accepts.
pub const KEYS: [&str; 9] = [
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

/// What is wrong with the settings, naming the key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SettingsError {
    #[error("setting `{0}` is required but missing")]
    Missing(&'static str),
    #[error("setting `{key}` is invalid: {reason}")]
    Invalid { key: &'static str, reason: String },
    #[error("setting `{0}` is unknown to cxone-acd (known: {known})", known = KEYS.join(", "))]
    Unknown(String),
    #[error("setting `{0}` is given more than once")]
    Duplicate(String),
}

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
    /// Parses the `configure` key/value pairs. Unknown and repeated keys are errors, so that a
    /// misspelt key (say `page_size`) is not silently ignored.
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
        let optional = |key: &'static str| -> Result<Option<&'a str>, SettingsError> {
            match map.get(key) {
                None => Ok(None),
                Some(&"") => Err(SettingsError::Invalid {
                    key,
                    reason: "it is empty".into(),
                }),
                Some(v) => Ok(Some(*v)),
            }
        };
        let required = |key: &'static str| -> Result<&'a str, SettingsError> {
            optional(key)?.ok_or(SettingsError::Missing(key))
        };
        let url = |key: &'static str, value: &str| {
            BaseUrl::parse(value).map_err(|reason| SettingsError::Invalid { key, reason })
        };

        let auth_url = url("auth-url", required("auth-url")?)?;
        let api = match (optional("api-url")?, optional("tenant-id")?) {
            (Some(api_url), _) => ApiLocation::Given(url("api-url", api_url)?),
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
        let api_version = match optional("api-version")? {
            None => DEFAULT_API_VERSION.to_string(),
            Some(v) if is_api_version(v) => v.to_string(),
            Some(v) => {
                return Err(SettingsError::Invalid {
                    key: "api-version",
                    reason: format!("`{v}` is not of the form v<major>.<minor> (e.g. v27.0)"),
                });
            }
        };
        let page_size = match optional("page-size")? {
            None => DEFAULT_PAGE_SIZE,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                .ok_or_else(|| SettingsError::Invalid {
                    key: "page-size",
                    reason: format!("`{v}` is not a whole number from 1 to {MAX_PAGE_SIZE}"),
                })?,
        };
        Ok(Self {
            auth_url,
            api,
            client_id: required("client-id")?.to_string(),
            client_secret: Secret::new(required("client-secret")?),
            access_key_id: required("access-key-id")?.to_string(),
            access_key_secret: Secret::new(required("access-key-secret")?),
            api_version,
            page_size,
        })
    }
}

fn is_api_version(value: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    value
        .strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(major, minor)| digits(major) && digits(minor))
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
        let cases: [(&str, &str); 7] = [
            ("page-size", "0"),
            ("page-size", "10001"),
            ("page-size", "lots"),
            ("api-version", "27"),
            ("api-version", "v27."),
            ("api-url", "ftp://x"),
            ("api-url", "https://"),
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
    fn page_size_bounds_are_inclusive() {
        assert_eq!(parse_with(&[("page-size", "1")]).unwrap().page_size, 1);
        assert_eq!(
            parse_with(&[("page-size", "10000")]).unwrap().page_size,
            10_000
        );
    }

    #[test]
    fn unknown_and_duplicate_keys_are_refused() {
        assert_eq!(
            parse_with(&[("page_size", "10")]),
            Err(SettingsError::Unknown("page_size".into()))
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
