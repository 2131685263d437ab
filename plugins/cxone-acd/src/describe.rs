//! What the connector declares about itself: `describe()` and, kept equal by a test, the
//! `plugin.toml` manifest that signing embeds in the component.

use ccsync_admin_api::endpoint::KINDS;

use crate::wit::exports::Description;

/// The connector's name.
pub const NAME: &str = "cxone-acd";

/// The origins the connector may call. The loopback ones serve the simulator; the operator
/// still has to allow an origin per connection.
pub const ORIGINS: [&str; 4] = [
    "https://*.nice-incontact.com",
    "https://*.niceincontact.com",
    "http://127.0.0.1:*",
    "http://localhost:*",
];

/// Optional abilities: agents can be read incrementally (`updatedSince` / `lastPollTime`).
pub const CAPABILITIES: [&str; 1] = ["incremental"];

/// The message of every write call: the ACD is a source only.
pub const READ_ONLY: &str = "cxone-acd is a source connector: nothing is ever written back to \
                             the CXone ACD (rule W1)";

/// The message of the user searches: the ACD is never a mapping target.
pub const NO_SEARCH: &str = "cxone-acd does not search users: the CXone ACD is a source, never \
                             a mapping target";

pub fn description() -> Description {
    Description {
        name: NAME.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        reads: KINDS.to_vec(),
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
    }

    #[test]
    fn describe_reads_every_kind_and_writes_none() {
        let d = description();
        assert_eq!(d.name, "cxone-acd");
        assert_eq!(d.reads.len(), 6);
        assert!(d.writes.is_empty());
        assert_eq!(d.capabilities, ["incremental"]);
    }
}
