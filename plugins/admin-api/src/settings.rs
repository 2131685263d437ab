//! What the connectors' settings have in common: reading the `configure` pairs (unknown,
//! repeated and empty keys refused, each error naming the key), secrets that never print, base
//! URLs, and the two settings every Admin API connector takes (`api-version`, `page-size`).
//!
//! Each connector parses its own keys into its own typed settings with [`RawSettings`], so a
//! wrong or missing setting is reported by its key before the connector touches the network.

use std::collections::BTreeMap;
use std::fmt;

use thiserror::Error;

/// The API version used when `api-version` is not set.
pub const DEFAULT_API_VERSION: &str = "v27.0";
/// The page size used when `page-size` is not set.
pub const DEFAULT_PAGE_SIZE: u32 = 1000;
/// The largest page the Admin API serves.
pub const MAX_PAGE_SIZE: u32 = 10_000;

/// What is wrong with the settings, naming the key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SettingsError {
    /// A required key is absent.
    #[error("setting `{0}` is required but missing")]
    Missing(&'static str),
    /// A key has a value the connector cannot use.
    #[error("setting `{key}` is invalid: {reason}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// Why the value is refused.
        reason: String,
    },
    /// A key the connector does not know (a misspelling, most likely).
    #[error("setting `{key}` is unknown to {connector} (known: {known})", known = known.join(", "))]
    Unknown {
        /// The key as given.
        key: String,
        /// The connector's name.
        connector: &'static str,
        /// Every key the connector knows.
        known: &'static [&'static str],
    },
    /// A key given twice.
    #[error("setting `{0}` is given more than once")]
    Duplicate(String),
}

/// A secret value (a password, a client secret, a token).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// An `http`/`https` base URL without query, fragment or trailing slash, so that paths can be
/// appended to it. The host polices which origins are reachable; this only catches values
/// that cannot be a base URL at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Checks `value` and drops its trailing slashes.
    pub fn parse(value: &str) -> Result<Self, String> {
        let rest = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"))
            .ok_or_else(|| format!("`{value}` is not an http:// or https:// URL"))?;
        if value.chars().any(char::is_whitespace) {
            return Err(format!("`{value}` contains whitespace"));
        }
        if value.contains(['?', '#']) {
            return Err(format!("`{value}` has a query or fragment"));
        }
        let authority = rest.split('/').next().unwrap_or_default();
        if authority.is_empty() {
            return Err(format!("`{value}` has no host"));
        }
        Ok(Self(value.trim_end_matches('/').to_string()))
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The base extended by `path` (which starts with `/` and has no query or fragment).
    pub fn child(&self, path: &str) -> Self {
        Self(self.join(path).trim_end_matches('/').to_string())
    }

    /// The base followed by `path_and_query` (which starts with `/`).
    pub fn join(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.0)
    }
}

/// The `configure` pairs of one connector, checked against the keys it knows.
#[derive(Debug)]
pub struct RawSettings<'a> {
    values: BTreeMap<&'static str, &'a str>,
}

impl<'a> RawSettings<'a> {
    /// Reads the pairs. Unknown and repeated keys are errors, so that a misspelt key (say
    /// `page_size`) is not silently ignored.
    pub fn read(
        connector: &'static str,
        known: &'static [&'static str],
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, SettingsError> {
        let mut values = BTreeMap::new();
        for (key, value) in pairs {
            let known_key =
                known
                    .iter()
                    .find(|k| **k == key)
                    .ok_or_else(|| SettingsError::Unknown {
                        key: key.to_string(),
                        connector,
                        known,
                    })?;
            if values.insert(*known_key, value).is_some() {
                return Err(SettingsError::Duplicate(key.to_string()));
            }
        }
        Ok(Self { values })
    }

    /// The value of `key`, or `None` when it is not set. An empty value is an error.
    pub fn optional(&self, key: &'static str) -> Result<Option<&'a str>, SettingsError> {
        match self.values.get(key) {
            None => Ok(None),
            Some(&"") => Err(SettingsError::Invalid {
                key,
                reason: "it is empty".into(),
            }),
            Some(value) => Ok(Some(*value)),
        }
    }

    /// The value of `key`, which must be set.
    pub fn required(&self, key: &'static str) -> Result<&'a str, SettingsError> {
        self.optional(key)?.ok_or(SettingsError::Missing(key))
    }

    /// `value` as a base URL, an error naming `key` otherwise.
    pub fn url(key: &'static str, value: &str) -> Result<BaseUrl, SettingsError> {
        BaseUrl::parse(value).map_err(|reason| SettingsError::Invalid { key, reason })
    }

    /// `api-version`: `v<major>.<minor>`, [`DEFAULT_API_VERSION`] when not set.
    pub fn api_version(&self) -> Result<String, SettingsError> {
        const KEY: &str = "api-version";
        match self.optional(KEY)? {
            None => Ok(DEFAULT_API_VERSION.to_string()),
            Some(v) if is_api_version(v) => Ok(v.to_string()),
            Some(v) => Err(SettingsError::Invalid {
                key: KEY,
                reason: format!("`{v}` is not of the form v<major>.<minor> (e.g. v27.0)"),
            }),
        }
    }

    /// `page-size`: the `top` of every list request, in `1..=MAX_PAGE_SIZE`,
    /// [`DEFAULT_PAGE_SIZE`] when not set.
    pub fn page_size(&self) -> Result<u32, SettingsError> {
        const KEY: &str = "page-size";
        let Some(v) = self.optional(KEY)? else {
            return Ok(DEFAULT_PAGE_SIZE);
        };
        v.parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
            .ok_or_else(|| SettingsError::Invalid {
                key: KEY,
                reason: format!("`{v}` is not a whole number from 1 to {MAX_PAGE_SIZE}"),
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

    const KNOWN: &[&str] = &["base", "api-version", "page-size"];

    fn read<'a>(pairs: &[(&'a str, &'a str)]) -> Result<RawSettings<'a>, SettingsError> {
        RawSettings::read("test-connector", KNOWN, pairs.iter().copied())
    }

    #[test]
    fn unknown_and_duplicate_keys_are_refused() {
        let err = read(&[("page_size", "10")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "setting `page_size` is unknown to test-connector (known: base, api-version, page-size)"
        );
        assert_eq!(
            read(&[("base", "a"), ("base", "b")]).unwrap_err(),
            SettingsError::Duplicate("base".into())
        );
    }

    #[test]
    fn empty_values_are_invalid_and_absent_required_ones_missing() {
        let raw = read(&[("base", "")]).unwrap();
        assert_eq!(
            raw.optional("base").unwrap_err().to_string(),
            "setting `base` is invalid: it is empty"
        );
        let raw = read(&[]).unwrap();
        assert_eq!(raw.required("base"), Err(SettingsError::Missing("base")));
    }

    #[test]
    fn api_version_and_page_size_default_and_name_their_key_when_invalid() {
        let raw = read(&[]).unwrap();
        assert_eq!(raw.api_version().unwrap(), "v27.0");
        assert_eq!(raw.page_size().unwrap(), 1000);
        for (key, value) in [
            ("page-size", "0"),
            ("page-size", "10001"),
            ("page-size", "lots"),
            ("api-version", "27"),
            ("api-version", "v27."),
        ] {
            let raw = read(&[(key, value)]).unwrap();
            let err = if key == "page-size" {
                raw.page_size().unwrap_err()
            } else {
                raw.api_version().unwrap_err()
            };
            assert!(
                matches!(err, SettingsError::Invalid { key: k, .. } if k == key),
                "{key}={value}: {err}"
            );
        }
    }

    #[test]
    fn page_size_bounds_are_inclusive() {
        let size = |v| read(&[("page-size", v)]).unwrap().page_size().unwrap();
        assert_eq!(size("1"), 1);
        assert_eq!(size("10000"), 10_000);
    }

    #[test]
    fn base_url_rejects_queries_whitespace_and_other_schemes() {
        assert!(BaseUrl::parse("https://a.b/x?y=1").is_err());
        assert!(BaseUrl::parse("https://a b").is_err());
        assert!(BaseUrl::parse("a.b").is_err());
        assert!(BaseUrl::parse("https://").is_err());
        assert_eq!(
            BaseUrl::parse("http://127.0.0.1:9/base/")
                .unwrap()
                .join("/p"),
            "http://127.0.0.1:9/base/p"
        );
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let debug = format!("{:?}", Secret::new("hunter2"));
        assert_eq!(debug, "Secret(<redacted>)");
    }
}
