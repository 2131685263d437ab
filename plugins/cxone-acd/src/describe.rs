//! What the connector declares about itself: `describe()` and, kept equal by a test, the
//! `plugin.toml` manifest that signing embeds in the component.

use ccsync_admin_api::endpoint::KINDS;

use connector_kit::About;

/// What the connector declares. Agents can be read incrementally (`updatedSince` /
/// `lastPollTime`); the loopback origins serve the simulator, and the operator still has to
/// allow an origin per connection.
pub const ABOUT: About = About {
    name: "cxone-acd",
    version: env!("CARGO_PKG_VERSION"),
    reads: &KINDS,
    writes: &[],
    origins: &[
        "https://*.nice-incontact.com",
        "https://*.niceincontact.com",
        "http://127.0.0.1:*",
        "http://localhost:*",
    ],
    capabilities: &["incremental"],
};

/// The message of every write call: the ACD is a source only.
pub const READ_ONLY: &str = "cxone-acd is a source connector: nothing is ever written back to \
                             the CXone ACD (rule W1)";

/// The message of the user searches: the ACD is never a mapping target.
pub const NO_SEARCH: &str = "cxone-acd does not search users: the CXone ACD is a source, never \
                             a mapping target";

#[cfg(test)]
mod tests {
    use connector_kit::testing::assert_manifest_declares;

    use super::*;

    #[test]
    fn plugin_manifest_declares_what_describe_returns() {
        assert_manifest_declares(include_str!("../plugin.toml"), &ABOUT);
    }

    #[test]
    fn describe_reads_every_kind_and_writes_none() {
        let d = ABOUT.description();
        assert_eq!(d.name, "cxone-acd");
        assert_eq!(d.reads.len(), 6);
        assert!(d.writes.is_empty());
        assert_eq!(d.capabilities, ["incremental"]);
    }
}
