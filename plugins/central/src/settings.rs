//! The connection's settings, parsed and checked once in `configure`.
//!
//! Every later call works from these typed values, so a wrong or missing setting is reported
//! by its key before the connector touches the network. The password lives in a [`Secret`],
//! whose `Debug` never prints it.

use ccsync_admin_api::settings::{api_version, page_size};
use connector_kit::{BaseUrl, RawSettings, Secret, SettingsError};

/// Every key `configure` accepts.
pub const KEYS: &[&str] = &[
    "base-url",
    "application",
    "business-unit",
    "username",
    "password",
    "scope",
    "api-version",
    "page-size",
];

/// The scope asked for when `scope` is not set: the connector calls the Admin API only.
pub const DEFAULT_SCOPE: &str = "AdminApi";

/// The parsed settings of one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The legacy authorization server, e.g. `https://api.incontact.com`; the token is
    /// `POST {base-url}/InContactAuthorizationServer/Token`.
    pub base_url: BaseUrl,
    /// The registered application, `App@Vendor`.
    pub application: String,
    /// The business unit number.
    pub business_unit: String,
    /// The API user's name.
    pub username: String,
    /// The API user's password.
    pub password: Secret,
    /// The scope of the password grant (space-separated API names).
    pub scope: String,
    /// For example `v27.0`; the API base is `{resource_server_base_uri}services/{api-version}`.
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
        let raw = RawSettings::read("central", KEYS, pairs)?;
        Ok(Self {
            base_url: RawSettings::url("base-url", raw.required("base-url")?)?,
            application: application(raw.required("application")?)?,
            business_unit: business_unit(raw.required("business-unit")?)?,
            username: raw.required("username")?.to_string(),
            password: Secret::new(raw.required("password")?),
            scope: raw.optional("scope")?.unwrap_or(DEFAULT_SCOPE).to_string(),
            api_version: api_version(&raw)?,
            page_size: page_size(&raw)?,
        })
    }
}

/// `App@Vendor`: both parts present. No `:`, which would split the Basic credentials
/// `App@Vendor:BusinessUnit` in the wrong place.
fn application(value: &str) -> Result<String, SettingsError> {
    let well_formed = value
        .split_once('@')
        .is_some_and(|(app, vendor)| !app.is_empty() && !vendor.is_empty())
        && !value.contains(':');
    if well_formed {
        Ok(value.to_string())
    } else {
        Err(SettingsError::Invalid {
            key: "application",
            reason: format!("`{value}` is not of the form App@Vendor (without `:`)"),
        })
    }
}

/// The business unit number: decimal digits.
fn business_unit(value: &str) -> Result<String, SettingsError> {
    if value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_string())
    } else {
        Err(SettingsError::Invalid {
            key: "business-unit",
            reason: format!("`{value}` is not a business unit number (digits only)"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: [(&str, &str); 5] = [
        ("base-url", "https://api.incontact.com/"),
        ("application", "Sync@Acme"),
        ("business-unit", "4600001"),
        ("username", "api.user@acme.test"),
        ("password", "pa55-SECRET"),
    ];

    fn parse_with(extra: &[(&'static str, &'static str)]) -> Result<Settings, SettingsError> {
        Settings::parse(BASE.iter().chain(extra).copied())
    }

    fn parse_without(key: &str) -> Result<Settings, SettingsError> {
        Settings::parse(BASE.iter().filter(|(k, _)| *k != key).copied())
    }

    #[test]
    fn defaults_apply_for_scope_api_version_and_page_size() {
        let s = parse_with(&[]).unwrap();
        assert_eq!(s.base_url.as_str(), "https://api.incontact.com");
        assert_eq!(s.application, "Sync@Acme");
        assert_eq!(s.business_unit, "4600001");
        assert_eq!(s.username, "api.user@acme.test");
        assert_eq!(s.password.expose(), "pa55-SECRET");
        assert_eq!(s.scope, "AdminApi");
        assert_eq!(s.api_version, "v27.0");
        assert_eq!(s.page_size, 1000);
    }

    #[test]
    fn optional_settings_override_the_defaults() {
        let s = parse_with(&[
            ("scope", "AdminApi ReportingApi"),
            ("api-version", "v30.0"),
            ("page-size", "250"),
        ])
        .unwrap();
        assert_eq!(s.scope, "AdminApi ReportingApi");
        assert_eq!(s.api_version, "v30.0");
        assert_eq!(s.page_size, 250);
    }

    #[test]
    fn each_required_key_missing_is_named() {
        for key in [
            "base-url",
            "application",
            "business-unit",
            "username",
            "password",
        ] {
            assert_eq!(
                parse_without(key),
                Err(SettingsError::Missing(key)),
                "{key}"
            );
        }
    }

    #[test]
    fn invalid_values_name_their_key() {
        let cases: [(&str, &str); 11] = [
            ("base-url", "api.incontact.com"),
            ("base-url", "https://api.user:pw@api.incontact.com"),
            ("application", "Sync"),
            ("application", "@Acme"),
            ("application", "Sync@"),
            ("application", "Sync@Acme:1"),
            ("business-unit", "BU-4600001"),
            ("business-unit", " 4600001"),
            ("page-size", "0"),
            ("api-version", "27"),
            ("scope", ""),
        ];
        for (key, value) in cases {
            let pairs = BASE
                .iter()
                .filter(|(k, _)| *k != key)
                .copied()
                .chain([(key, value)]);
            match Settings::parse(pairs) {
                Err(SettingsError::Invalid { key: k, .. }) => assert_eq!(k, key, "{value}"),
                other => panic!("{key}={value}: {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_and_duplicate_keys_are_refused() {
        assert!(matches!(
            parse_with(&[("tenant-id", "t")]),
            Err(SettingsError::Unknown { key, connector: "central", .. }) if key == "tenant-id"
        ));
        assert_eq!(
            parse_with(&[("username", "again")]),
            Err(SettingsError::Duplicate("username".into()))
        );
    }

    #[test]
    fn the_password_never_shows_in_debug_output() {
        let debug = format!("{:?}", parse_with(&[]).unwrap());
        assert!(!debug.contains("pa55-SECRET"), "{debug}");
    }
}
