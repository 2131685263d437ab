//! What the connector declares about itself: `describe()` and, kept equal by a test, the
//! `plugin.toml` manifest that signing embeds in the component.

use ccsync_admin_api::endpoint::KINDS;

use crate::wit::exports::Description;

/// The connector's name.
pub const NAME: &str = "central";

/// The origins the connector may call: the legacy auth server and the resource servers the
/// token reply names, under the inContact and NICE domains. The loopback ones serve
/// simulators; the operator still has to allow an origin per connection.
pub const ORIGINS: [&str; 5] = [
    "https://*.incontact.com",
    "https://*.niceincontact.com",
    "https://*.nice-incontact.com",
    "http://127.0.0.1:*",
    "http://localhost:*",
];

/// Optional abilities: agents can be read incrementally (`updatedSince` / `lastPollTime`).
pub const CAPABILITIES: [&str; 1] = ["incremental"];

/// Why every call but `describe`, `configure`, `check` and `read` is unsupported: Central is a
/// source the hub reads (its names, usernames and emails are owned there), never a target
/// ccsync writes to, looks records up in or maps users to.
pub const READ_ONLY: &str = "central is a read-only source connector: ccsync never writes to \
                             inContact Central, looks records up in it or searches its users; \
                             read the kind's pages instead";

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
    fn describe_reads_every_kind_writes_none_and_allows_loopback_for_simulators() {
        let d = description();
        assert_eq!(d.name, "central");
        assert_eq!(d.reads, KINDS);
        assert!(d.writes.is_empty());
        assert_eq!(d.capabilities, ["incremental"]);
        assert!(d.origins.iter().any(|o| o == "https://*.incontact.com"));
        assert!(d.origins.iter().any(|o| o == "http://127.0.0.1:*"));
    }
}
