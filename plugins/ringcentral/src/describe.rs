//! What the connector declares about itself: `describe()` and, kept equal by a test, the
//! `plugin.toml` manifest that signing embeds in the component.

use crate::wit::exports::Description;
use crate::wit::types::Kind;

/// The connector's name.
pub const NAME: &str = "ringcentral";

/// The origins the connector may call: production, the developer sandbox, and loopback for
/// the simulator. The operator still has to allow an origin per connection.
pub const ORIGINS: [&str; 4] = [
    "https://platform.ringcentral.com",
    "https://platform.devtest.ringcentral.com",
    "http://127.0.0.1:*",
    "http://localhost:*",
];

/// Optional abilities: the mapping's look-ups.
pub const CAPABILITIES: [&str; 3] = ["find-by-email", "search-users", "get"];

/// The message of every write call: mapping writes nothing to RingCentral.
pub const READ_ONLY: &str = "ringcentral writes nothing: presence mapping only links hub users \
                             to directory users";

/// The contract's description of the connector.
pub fn description() -> Description {
    Description {
        name: NAME.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        reads: vec![Kind::User],
        writes: Vec::new(),
        origins: ORIGINS.iter().map(|o| o.to_string()).collect(),
        capabilities: CAPABILITIES.iter().map(|c| c.to_string()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(manifest: &toml::Table, key: &str) -> Vec<String> {
        manifest[key]
            .as_array()
            .unwrap_or_else(|| panic!("plugin.toml: {key} is not an array"))
            .iter()
            .map(|v| {
                v.as_str()
                    .unwrap_or_else(|| panic!("{key}: {v}"))
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn plugin_manifest_declares_what_describe_returns() {
        let manifest: toml::Table = include_str!("../plugin.toml").parse().unwrap();
        let d = description();
        assert_eq!(manifest["name"].as_str(), Some(d.name.as_str()));
        assert_eq!(manifest["version"].as_str(), Some(d.version.as_str()));
        assert_eq!(manifest["vendor"].as_str(), Some("ccsync project"));
        assert!(
            manifest["description"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );
        assert_eq!(d.reads, [Kind::User]);
        assert_eq!(strings(&manifest, "reads"), ["user"]);
        assert_eq!(strings(&manifest, "writes"), Vec::<String>::new());
        assert_eq!(strings(&manifest, "origins"), d.origins);
    }
}
