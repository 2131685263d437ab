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
    use connector_kit::testing::{Declared, assert_manifest_declares};

    use super::*;

    #[test]
    fn plugin_manifest_declares_what_describe_returns() {
        let d = description();
        assert_manifest_declares(
            include_str!("../plugin.toml"),
            &Declared {
                name: &d.name,
                version: &d.version,
                reads: &d.reads,
                writes: &d.writes,
                origins: &d.origins,
            },
        );
        assert_eq!(d.reads, [Kind::User]);
        assert!(d.writes.is_empty());
    }
}
