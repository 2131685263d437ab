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
