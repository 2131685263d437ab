//! What the connector declares about itself: `describe()` and, kept equal by a test, the
//! `plugin.toml` manifest that signing embeds in the component.

use connector_kit::About;

use crate::wit::types::Kind;

/// What the connector declares: it reads users and serves the mapping's look-ups. The origins
/// are production, the developer sandbox, and loopback for the simulator; the operator still
/// has to allow an origin per connection.
pub const ABOUT: About = About {
    name: "ringcentral",
    version: env!("CARGO_PKG_VERSION"),
    reads: &[Kind::User],
    writes: &[],
    origins: &[
        "https://platform.ringcentral.com",
        "https://platform.devtest.ringcentral.com",
        "http://127.0.0.1:*",
        "http://localhost:*",
    ],
    capabilities: &["find-by-email", "search-users", "get"],
};

/// The message of every write call: mapping writes nothing to RingCentral.
pub const READ_ONLY: &str = "ringcentral writes nothing: presence mapping only links hub users \
                             to directory users";

#[cfg(test)]
mod tests {
    use connector_kit::testing::assert_manifest_declares;

    use super::*;

    #[test]
    fn plugin_manifest_declares_what_describe_returns() {
        assert_manifest_declares(include_str!("../plugin.toml"), &ABOUT);
        let d = ABOUT.description();
        assert_eq!(d.reads, [Kind::User]);
        assert!(d.writes.is_empty());
    }
}
