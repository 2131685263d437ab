//! The two settings every Admin API connector takes, `api-version` and `page-size`, with the
//! same defaults and checks in each: the connectors read their pairs with connector-kit's
//! [`RawSettings`] and take these two from it here.

use connector_kit::{RawSettings, SettingsError};

/// The API version used when `api-version` is not set.
pub const DEFAULT_API_VERSION: &str = "v27.0";
/// The page size used when `page-size` is not set.
pub const DEFAULT_PAGE_SIZE: u32 = 1000;
/// The largest page the Admin API serves.
pub const MAX_PAGE_SIZE: u32 = 10_000;

/// `api-version`: `v<major>.<minor>`, [`DEFAULT_API_VERSION`] when not set.
pub fn api_version(raw: &RawSettings<'_>) -> Result<String, SettingsError> {
    const KEY: &str = "api-version";
    match raw.optional(KEY)? {
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
pub fn page_size(raw: &RawSettings<'_>) -> Result<u32, SettingsError> {
    raw.whole_number("page-size", 1..=MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
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

    const KNOWN: &[&str] = &["api-version", "page-size"];

    fn read<'a>(pairs: &[(&'a str, &'a str)]) -> RawSettings<'a> {
        RawSettings::read("test-connector", KNOWN, pairs.iter().copied())
            .expect("known keys, once each")
    }

    #[test]
    fn api_version_and_page_size_default_and_name_their_key_when_invalid() {
        let raw = read(&[]);
        assert_eq!(api_version(&raw).unwrap(), "v27.0");
        assert_eq!(page_size(&raw).unwrap(), 1000);
        for (key, value) in [
            ("page-size", "0"),
            ("page-size", "10001"),
            ("page-size", "lots"),
            ("api-version", "27"),
            ("api-version", "v27."),
        ] {
            let raw = read(&[(key, value)]);
            let err = if key == "page-size" {
                page_size(&raw).unwrap_err()
            } else {
                api_version(&raw).unwrap_err()
            };
            assert!(
                matches!(err, SettingsError::Invalid { key: k, .. } if k == key),
                "{key}={value}: {err}"
            );
        }
    }

    #[test]
    fn page_size_bounds_are_inclusive() {
        let size = |v| page_size(&read(&[("page-size", v)])).unwrap();
        assert_eq!(size("1"), 1);
        assert_eq!(size("10000"), 10_000);
    }
}
