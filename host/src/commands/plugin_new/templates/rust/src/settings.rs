//! The connection's settings, as `configure` gets them: checked here, so that a wrong or
//! missing one is refused as `invalid-config` naming the key (the host does not retry it and
//! shows the message to the operator).

/// The settings this connector knows.
const KEYS: [&str; 2] = ["base-url", "token"];

/// The checked settings of one connection.
pub struct Settings {
    /// The API's base URL, without a trailing `/` (`https://api.example.com/v1`).
    pub base_url: String,
    /// The API token (a secret setting: the host redacts it from all the connector says).
    pub token: String,
}

impl Settings {
    /// Checks the `configure` pairs: every key known and given once, none empty.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Settings, String> {
        let mut base_url = None;
        let mut token = None;
        for (key, value) in pairs {
            let slot = match key {
                "base-url" => &mut base_url,
                "token" => &mut token,
                other => {
                    return Err(format!(
                        "unknown setting `{other}` (known: {})",
                        KEYS.join(", ")
                    ));
                }
            };
            if slot.is_some() {
                return Err(format!("setting `{key}` is given twice"));
            }
            if value.trim().is_empty() {
                return Err(format!("setting `{key}` is empty"));
            }
            *slot = Some(value.trim().to_owned());
        }
        let base_url = base_url.ok_or("setting `base-url` is missing")?;
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            return Err(format!(
                "setting `base-url` must be an http(s) URL, not {base_url:?}"
            ));
        }
        let token = token.ok_or("setting `token` is missing")?;
        Ok(Settings {
            base_url: base_url.trim_end_matches('/').to_owned(),
            token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_settings_parse_and_the_base_url_loses_its_trailing_slash() {
        let s = Settings::parse([("base-url", "https://api.example.com/v1/"), ("token", "t0k")])
            .expect("valid settings");
        assert_eq!(s.base_url, "https://api.example.com/v1");
        assert_eq!(s.token, "t0k");
    }

    #[test]
    fn a_bad_setting_is_refused_naming_its_key() {
        let cases: [(&[(&str, &str)], &str); 4] = [
            (&[("base-url", "https://a"), ("token", "t"), ("colour", "x")], "`colour`"),
            (&[("base-url", "https://a"), ("token", "t"), ("token", "t")], "`token`"),
            (&[("base-url", ""), ("token", "t")], "`base-url`"),
            (&[("base-url", "https://a")], "`token`"),
        ];
        for (pairs, key) in cases {
            let err = Settings::parse(pairs.iter().copied()).err().expect("refused");
            assert!(err.contains(key), "{err} should name {key}");
        }
    }
}
