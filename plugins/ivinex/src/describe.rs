//! What the connector declares about itself: `describe()` and, kept equal by a test, the
//! `plugin.toml` manifest that signing embeds in the component.

use crate::collection::KINDS;
use crate::wit::exports::Description;

/// The connector's name.
pub const NAME: &str = "ivinex";

/// The origins the connector may call. Ivinex hosts accounts under `ivinex.com` (an
/// assumption: it publishes no API); the loopback ones serve the simulator. The operator
/// still has to allow an origin per connection.
pub const ORIGINS: [&str; 3] = [
    "https://*.ivinex.com",
    "http://127.0.0.1:*",
    "http://localhost:*",
];

/// The message of `deactivate`: rule D4.
pub const NEVER_DEACTIVATES: &str = "ivinex never deactivates nor deletes: the sync creates or \
                                     updates only, and records are removed in the Ivinex UI \
                                     (rule D4)";

/// The message of the user searches: Ivinex is a push target, never a mapping directory.
pub const NO_SEARCH: &str = "ivinex does not search users: Ivinex is a push target, never a \
                             mapping directory";

pub fn description() -> Description {
    Description {
        name: NAME.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        reads: KINDS.to_vec(),
        writes: KINDS.to_vec(),
        origins: ORIGINS.iter().map(|o| o.to_string()).collect(),
        capabilities: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::kind_name;

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
        let names = |kinds: &[crate::wit::types::Kind]| -> Vec<String> {
            kinds.iter().map(|k| kind_name(*k).to_string()).collect()
        };
        assert_eq!(strings(&manifest, "reads"), names(&d.reads));
        assert_eq!(strings(&manifest, "writes"), names(&d.writes));
        assert_eq!(strings(&manifest, "origins"), d.origins);
    }

    #[test]
    fn describe_reads_and_writes_the_four_dialer_kinds_with_no_capabilities() {
        let d = description();
        assert_eq!(d.name, "ivinex");
        assert_eq!(d.reads, KINDS);
        assert_eq!(d.writes, KINDS);
        assert!(d.capabilities.is_empty());
    }
}
