//! The connection's settings, parsed and checked once in `configure`.
//!
//! Every later call works from these typed values, so a wrong or missing setting is reported
//! by its key before the connector touches the network. The secret lives in [`Secret`], whose
//! `Debug` never prints the value; [`Secret`], [`BaseUrl`] and the reading of the pairs are
//! `connector-kit`'s.

use connector_kit::{BaseUrl, RawSettings, Secret, SettingsError};

/// The page size used when `page-size` is not set.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The largest page Ivinex serves.
pub const MAX_PAGE_SIZE: u32 = 500;

/// Every key `configure` accepts.
pub const KEYS: &[&str] = &["base-url", "client-id", "client-secret", "page-size"];

/// The parsed settings of one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Where the account is served; the API is under `{base-url}/api/v1`.
    pub base_url: BaseUrl,
    pub client_id: String,
    pub client_secret: Secret,
    /// The `pageSize` of every list request, in `1..=MAX_PAGE_SIZE`.
    pub page_size: u32,
}

impl Settings {
    /// Parses the `configure` key/value pairs. Unknown, repeated and empty keys are errors, so
    /// that a misspelt key (say `page_size`) is not silently ignored.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, SettingsError> {
        let raw = RawSettings::read("ivinex", KEYS, pairs)?;
        Ok(Self {
            base_url: RawSettings::url("base-url", raw.required("base-url")?)?,
            client_id: raw.required("client-id")?.to_string(),
            client_secret: Secret::new(raw.required("client-secret")?),
            page_size: raw.whole_number("page-size", 1..=MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: [(&str, &str); 3] = [
        ("base-url", "https://acme.ivinex.com/"),
        ("client-id", "cid"),
        ("client-secret", "csecret"),
    ];

    fn parse_with(extra: &[(&'static str, &'static str)]) -> Result<Settings, SettingsError> {
        Settings::parse(BASE.iter().chain(extra).copied())
    }

    #[test]
    fn defaults_apply_and_the_base_url_loses_its_trailing_slash() {
        let s = parse_with(&[]).unwrap();
        assert_eq!(s.base_url.as_str(), "https://acme.ivinex.com");
        assert_eq!(s.page_size, DEFAULT_PAGE_SIZE);
        assert_eq!(s.client_secret.expose(), "csecret");
    }

    #[test]
    fn each_required_key_missing_is_named() {
        for key in ["base-url", "client-id", "client-secret"] {
            let without = Settings::parse(BASE.iter().filter(|(k, _)| *k != key).copied());
            assert_eq!(without, Err(SettingsError::Missing(key)), "{key}");
        }
    }

    #[test]
    fn invalid_values_name_their_key() {
        let cases: [(&str, &str); 6] = [
            ("page-size", "0"),
            ("page-size", "501"),
            ("page-size", "lots"),
            ("base-url", "ftp://x"),
            ("base-url", "https://"),
            ("base-url", "https://user:pw@acme.ivinex.com"),
        ];
        for (key, value) in cases {
            let pairs = BASE
                .iter()
                .filter(|(k, _)| *k != key)
                .copied()
                .chain([(key, value)]);
            match Settings::parse(pairs).unwrap_err() {
                SettingsError::Invalid { key: k, .. } => assert_eq!(k, key, "{value}"),
                other => panic!("{key}={value}: {other}"),
            }
        }
        let blank = Settings::parse([("base-url", "https://a.b"), ("client-id", " ")]);
        assert_eq!(
            blank.unwrap_err().to_string(),
            "setting `client-id` is invalid: it is empty"
        );
    }

    #[test]
    fn page_size_bounds_are_inclusive() {
        assert_eq!(parse_with(&[("page-size", "1")]).unwrap().page_size, 1);
        assert_eq!(parse_with(&[("page-size", "500")]).unwrap().page_size, 500);
    }

    #[test]
    fn unknown_and_duplicate_keys_are_refused() {
        assert_eq!(
            parse_with(&[("page_size", "10")]).unwrap_err().to_string(),
            "setting `page_size` is unknown to ivinex (known: base-url, client-id, client-secret, \
             page-size)"
        );
        assert_eq!(
            parse_with(&[("client-id", "again")]),
            Err(SettingsError::Duplicate("client-id".into()))
        );
    }

    #[test]
    fn the_secret_never_shows_in_debug_output() {
        let debug = format!("{:?}", parse_with(&[]).unwrap());
        assert!(!debug.contains("csecret"), "{debug}");
    }
}
