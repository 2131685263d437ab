//! What the connector declares about itself: `describe()` and, kept equal by a test, the
//! `plugin.toml` manifest that signing embeds in the component.

use ccsync_admin_api::endpoint::KINDS;

use connector_kit::About;

/// What the connector declares: agents can be read incrementally (`updatedSince` /
/// `lastPollTime`). The origins are the legacy auth server and the resource servers the token
/// reply names, under the inContact and NICE domains; the loopback ones serve simulators, and
/// the operator still has to allow an origin per connection.
pub const ABOUT: About = About {
    name: "central",
    version: env!("CARGO_PKG_VERSION"),
    reads: &KINDS,
    writes: &[],
    origins: &[
        "https://*.incontact.com",
        "https://*.niceincontact.com",
        "https://*.nice-incontact.com",
        "http://127.0.0.1:*",
        "http://localhost:*",
    ],
    capabilities: &["incremental"],
};

/// Why every call but `describe`, `configure`, `check` and `read` is unsupported: Central is a
/// source the hub reads (its names, usernames and emails are owned there), never a target
/// ccsync writes to, looks records up in or maps users to.
pub const READ_ONLY: &str = "central is a read-only source connector: ccsync never writes to \
                             inContact Central, looks records up in it or searches its users; \
                             read the kind's pages instead";

#[cfg(test)]
mod tests {
    use connector_kit::testing::assert_manifest_declares;

    use super::*;

    #[test]
    fn plugin_manifest_declares_what_describe_returns() {
        assert_manifest_declares(include_str!("../plugin.toml"), &ABOUT);
    }

    #[test]
    fn describe_reads_every_kind_writes_none_and_allows_loopback_for_simulators() {
        let d = ABOUT.description();
        assert_eq!(d.name, "central");
        assert_eq!(d.reads, KINDS);
        assert!(d.writes.is_empty());
        assert_eq!(d.capabilities, ["incremental"]);
        assert!(d.origins.iter().any(|o| o == "https://*.incontact.com"));
        assert!(d.origins.iter().any(|o| o == "http://127.0.0.1:*"));
    }
}
