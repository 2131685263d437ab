//! What the connector declares about itself: `describe()` and, kept equal by a test, the
//! `plugin.toml` manifest that signing embeds in the component.

use crate::collection::KINDS;
use connector_kit::About;

/// What the connector declares: it reads and writes the four dialer kinds. Ivinex hosts
/// accounts under `ivinex.com` (an assumption: it publishes no API); the loopback origins serve
/// the simulator, and the operator still has to allow an origin per connection.
pub const ABOUT: About = About {
    name: "ivinex",
    version: env!("CARGO_PKG_VERSION"),
    reads: &KINDS,
    writes: &KINDS,
    origins: &[
        "https://*.ivinex.com",
        "http://127.0.0.1:*",
        "http://localhost:*",
    ],
    capabilities: &[],
};

/// The message of `deactivate`: rule D4.
pub const NEVER_DEACTIVATES: &str = "ivinex never deactivates nor deletes: the sync creates or \
                                     updates only, and records are removed in the Ivinex UI \
                                     (rule D4)";

/// The message of the user searches: Ivinex is a push target, never a mapping directory.
pub const NO_SEARCH: &str = "ivinex does not search users: Ivinex is a push target, never a \
                             mapping directory";

#[cfg(test)]
mod tests {
    use connector_kit::testing::assert_manifest_declares;

    use super::*;

    #[test]
    fn plugin_manifest_declares_what_describe_returns() {
        assert_manifest_declares(include_str!("../plugin.toml"), &ABOUT);
    }

    #[test]
    fn describe_reads_and_writes_the_four_dialer_kinds_with_no_capabilities() {
        let d = ABOUT.description();
        assert_eq!(d.name, "ivinex");
        assert_eq!(d.reads, KINDS);
        assert_eq!(d.writes, KINDS);
        assert!(d.capabilities.is_empty());
    }
}
