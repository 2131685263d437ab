//! The first step of every connector's `configure`: reading the key/value pairs against the
//! keys the connector knows, with unknown, repeated and blank keys refused and each error
//! naming the key.
//!
//! Each connector then parses its own keys into its own typed settings through
//! [`RawSettings`], so a wrong or missing setting is reported by its key before the connector
//! touches the network, in the same words whichever connector it is.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use thiserror::Error;

use crate::BaseUrl;

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
        /// Why the value is refused (never quoting a secret).
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

    /// The value of `key`, or `None` when it is not set. An empty or blank (whitespace only)
    /// value is an error: it is never what was meant.
    pub fn optional(&self, key: &'static str) -> Result<Option<&'a str>, SettingsError> {
        match self.values.get(key) {
            None => Ok(None),
            Some(value) if value.trim().is_empty() => Err(SettingsError::Invalid {
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

    /// The value of `key` as a whole number in `range`, `default` when it is not set.
    pub fn whole_number(
        &self,
        key: &'static str,
        range: RangeInclusive<u32>,
        default: u32,
    ) -> Result<u32, SettingsError> {
        let Some(value) = self.optional(key)? else {
            return Ok(default);
        };
        value
            .parse::<u32>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| SettingsError::Invalid {
                key,
                reason: format!(
                    "`{value}` is not a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["base", "size"];

    fn read<'a>(pairs: &[(&'a str, &'a str)]) -> Result<RawSettings<'a>, SettingsError> {
        RawSettings::read("test-connector", KNOWN, pairs.iter().copied())
    }

    #[test]
    fn unknown_and_duplicate_keys_are_refused() {
        let err = read(&[("bsae", "10")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "setting `bsae` is unknown to test-connector (known: base, size)"
        );
        assert_eq!(
            read(&[("base", "a"), ("base", "b")]).unwrap_err(),
            SettingsError::Duplicate("base".into())
        );
    }

    #[test]
    fn empty_and_blank_values_are_invalid_and_absent_required_ones_missing() {
        for blank in ["", " ", "\t"] {
            let raw = read(&[("base", blank)]).unwrap();
            assert_eq!(
                raw.optional("base").unwrap_err().to_string(),
                "setting `base` is invalid: it is empty",
                "{blank:?}"
            );
        }
        let raw = read(&[]).unwrap();
        assert_eq!(raw.required("base"), Err(SettingsError::Missing("base")));
        assert_eq!(raw.optional("base"), Ok(None));
    }

    #[test]
    fn url_errors_name_their_key() {
        assert_eq!(
            RawSettings::url("base", "https://a.b/").map(|u| u.as_str().to_string()),
            Ok("https://a.b".into())
        );
        assert!(matches!(
            RawSettings::url("base", "ftp://a.b"),
            Err(SettingsError::Invalid { key: "base", .. })
        ));
    }

    #[test]
    fn whole_number_defaults_and_its_bounds_are_inclusive() {
        let size = |pairs: &[(&str, &str)]| read(pairs).unwrap().whole_number("size", 1..=500, 100);
        assert_eq!(size(&[]), Ok(100));
        assert_eq!(size(&[("size", "1")]), Ok(1));
        assert_eq!(size(&[("size", "500")]), Ok(500));
        for value in ["0", "501", "lots", "-1", "1.5"] {
            assert_eq!(
                size(&[("size", value)]).unwrap_err().to_string(),
                format!("setting `size` is invalid: `{value}` is not a whole number from 1 to 500"),
            );
        }
    }
}
